//! The printers of an inventory source as targets (`inventory_source`).
//!
//! The core hands each round the inventory's printers as the store holds them (live, not
//! given away or destroyed, of a printing class). Each is polled at one of its addresses on
//! the source's `port`: a printer with a wired and a wireless card answers on both, and
//! polling both would read its counters twice under two subjects. A printer with no usable
//! address is left out of the round and counted (`Page::rejected`).

use std::net::IpAddr;

use super::params::Target;
use crate::inventory::InventoryDevice;
use crate::record::AssetClass;

/// The classes of the inventory polled: every device that prints.
pub const PRINTING: [AssetClass; 3] = [AssetClass::Printer, AssetClass::Mfp, AssetClass::Copier];

/// The round's targets from the inventory, and the printers left out for want of an
/// address.
#[derive(Debug, Default)]
pub struct FromInventory<'a> {
    pub targets: Vec<Target>,
    pub unaddressed: Vec<&'a InventoryDevice>,
}

/// The inventory's printers as targets on `port`.
pub fn targets(devices: &[InventoryDevice], port: u16) -> FromInventory<'_> {
    let mut out = FromInventory::default();
    for device in devices.iter().filter(|d| PRINTING.contains(&d.class)) {
        match polling_address(&device.addresses) {
            Some(ip) => out.targets.push(Target {
                host: ip.to_string(),
                port,
                // Named by the inventory: its silence is worth a warning, as a listed one's.
                listed: true,
            }),
            None => out.unaddressed.push(device),
        }
    }
    out
}

/// The address to poll a printer at: the first IPv4 address, else the first IPv6 one.
/// Addresses no SNMP request can reach are passed over: the unspecified and multicast ones
/// an inventory sometimes records, and IPv6 link-local ones (`fe80::/10`), which need the
/// interface of the link they are on.
pub fn polling_address(addresses: &[String]) -> Option<IpAddr> {
    let usable: Vec<IpAddr> = addresses
        .iter()
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .filter(|ip| !ip.is_unspecified() && !ip.is_multicast())
        .filter(|ip| match ip {
            IpAddr::V4(v4) => !v4.is_broadcast(),
            IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 != 0xfe80,
        })
        .collect();
    usable
        .iter()
        .find(|ip| ip.is_ipv4())
        .or_else(|| usable.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str, class: AssetClass, addresses: &[&str]) -> InventoryDevice {
        InventoryDevice {
            external_id: id.into(),
            class,
            name: None,
            serial: Some(format!("SN-{id}")),
            addresses: addresses.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn ipv4_first_then_ipv6_and_unreachable_addresses_passed_over() {
        let pick = |a: &[&str]| {
            polling_address(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .map(|ip| ip.to_string())
        };
        assert_eq!(
            pick(&["fe80::1", "2001:db8::5", "10.1.2.3"]).as_deref(),
            Some("10.1.2.3")
        );
        assert_eq!(
            pick(&["fe80::1", "2001:db8::5"]).as_deref(),
            Some("2001:db8::5")
        );
        assert_eq!(
            pick(&["0.0.0.0", "255.255.255.255", "fe80::9", "prn-1"]),
            None
        );
        assert_eq!(pick(&[]), None);
    }

    #[test]
    fn printing_devices_become_targets_and_those_without_an_address_are_set_apart() {
        let devices = [
            device("Printer/1", AssetClass::Printer, &["10.1.2.3"]),
            device("Printer/2", AssetClass::Mfp, &["2001:db8::2"]),
            device("Printer/3", AssetClass::Copier, &[]),
            device("Computer/4", AssetClass::Laptop, &["10.1.2.4"]),
        ];
        let found = targets(&devices, 1161);
        let ids: Vec<String> = found.targets.iter().map(Target::id).collect();
        assert_eq!(ids, ["10.1.2.3:1161", "[2001:db8::2]:1161"]);
        assert!(found.targets.iter().all(|t| t.listed));
        assert_eq!(found.unaddressed.len(), 1);
        assert_eq!(found.unaddressed[0].external_id, "Printer/3");
    }
}
