//! Network ports and their IP addresses, served in `_networkports` when a list or an item
//! is asked `with_networkports=true`, in the shape of GLPI 10.0's `API::getNetworkPorts`:
//! an object keyed by port kind, each port row with its `NetworkName` and the latter's
//! `IPAddress` list (`{"id", "name", "IPNetwork"}`, the id as text, from a GROUP_CONCAT);
//! `[]` for an asset without ports.
//!
//! Generated fleets have no ports: a test or the demo gives a device its address with
//! [`Fleet::set_address`].

use chrono::NaiveDateTime;
use serde_json::{Value, json};

use super::fleet::{AssetType, Fleet};

/// One Ethernet port of an asset, named on the network with one IP address.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NetworkPortRow {
    pub(crate) id: u64,
    pub(crate) itemtype: AssetType,
    pub(crate) items_id: u64,
    pub(crate) entities_id: u64,
    pub(crate) mac: String,
    /// The `NetworkName` of the port (its id is the port's, which GLPI does not promise
    /// but nothing reads), with its address; `None` once the address is taken away.
    pub(crate) ip: Option<(u64, String)>,
    pub(crate) date_mod: NaiveDateTime,
    pub(crate) date_creation: NaiveDateTime,
}

impl Fleet {
    /// The device is found at `address` by the GLPI Agent's network inventory (or no longer
    /// answers at any, with `None`): its one Ethernet port, created at the first address,
    /// carries the address in its network name, and the device's `last_inventory_update`
    /// and `date_mod` move, as an inventory moves them. Does nothing for an unknown asset.
    pub fn set_address(
        &mut self,
        itemtype: &str,
        id: u64,
        address: Option<&str>,
        now: NaiveDateTime,
    ) {
        let Some(t) = AssetType::parse(itemtype) else {
            return;
        };
        let Some(asset) = self.asset(itemtype, id) else {
            return;
        };
        let entities_id = asset.entities_id;
        let next_ip = self
            .network_ports
            .iter()
            .filter_map(|p| p.ip.as_ref().map(|(i, _)| *i))
            .max()
            .unwrap_or(0)
            + 1;
        let ip = address.map(|a| (next_ip, a.to_string()));
        match self
            .network_ports
            .iter_mut()
            .find(|p| p.itemtype == t && p.items_id == id)
        {
            Some(port) => {
                port.ip = ip;
                port.date_mod = now;
            }
            None => {
                let port_id = self.network_ports.len() as u64 + 1;
                self.network_ports.push(NetworkPortRow {
                    id: port_id,
                    itemtype: t,
                    items_id: id,
                    entities_id,
                    mac: format!(
                        "3c:d9:2b:00:{:02x}:{:02x}",
                        port_id / 256 % 256,
                        port_id % 256
                    ),
                    ip,
                    date_mod: now,
                    date_creation: now,
                });
            }
        }
        if let Some(i) = self.assets[t.index()].iter().position(|a| a.id == id) {
            let a = &mut self.assets[t.index()][i];
            a.last_inventory_update = Some(now);
            a.date_mod = Some(now);
        }
    }

    /// The IP addresses GLPI holds for an asset.
    pub fn addresses(&self, itemtype: &str, id: u64) -> Vec<String> {
        self.network_ports
            .iter()
            .filter(|p| p.itemtype.itemtype() == itemtype && p.items_id == id)
            .filter_map(|p| p.ip.as_ref().map(|(_, a)| a.clone()))
            .collect()
    }

    /// `_networkports` of an asset.
    pub(crate) fn networkports_json(&self, t: AssetType, id: u64) -> Value {
        let stamp = |d: NaiveDateTime| d.format("%Y-%m-%d %H:%M:%S").to_string();
        let ports: Vec<Value> = self
            .network_ports
            .iter()
            .filter(|p| p.itemtype == t && p.items_id == id)
            .map(|p| {
                let mut row = json!({
                    "netport_id": p.id,
                    "entities_id": p.entities_id,
                    "is_recursive": 0,
                    "logical_number": 1,
                    "name": "Ethernet",
                    "mac": p.mac,
                    "comment": null,
                    "is_dynamic": 1,
                    // `netp_subtable.*`: the glpi_networkportethernets row.
                    "id": p.id,
                    "networkports_id": p.id,
                    "items_devicenetworkcards_id": 0,
                    "type": "T",
                    "speed": 100,
                    "date_mod": stamp(p.date_mod),
                    "date_creation": stamp(p.date_creation),
                });
                if let Some((ip_id, address)) = &p.ip {
                    row["NetworkName"] = json!({
                        "id": p.id,
                        "name": format!("prn-{}", p.items_id),
                        "fqdns_id": 0,
                        "FQDN": {"id": 0, "name": null, "fqdn": null},
                        "IPAddress": [{"id": ip_id.to_string(), "name": address, "IPNetwork": []}],
                    });
                }
                row
            })
            .collect();
        if ports.is_empty() {
            // PHP's empty array.
            json!([])
        } else {
            json!({ "NetworkPortEthernet": ports })
        }
    }
}
