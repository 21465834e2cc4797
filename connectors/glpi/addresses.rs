//! A printer's IP addresses, from the network ports GLPI lists with it.
//!
//! Asked `with_networkports=true` (list and single GET, GLPI 10.0 and later:
//! `API::getNetworkPorts`), GLPI adds to each row `_networkports`, an object keyed by port
//! kind (`NetworkPortEthernet`, `NetworkPortWifi`…) of port rows; a port with a network
//! name carries `NetworkName` with its `IPAddress` list, each `{"id", "name", "IPNetwork"}`
//! where `name` is the address as text. A row without any port has `"_networkports": []`;
//! a profile that may not read network equipment gets `{"error": 401, "message": …}`
//! instead. GLPI 9.5 ignores the parameter on lists: its rows carry no addresses.

use serde_json::Value;

/// What a row's `_networkports` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Ports {
    /// The addresses of its ports, in GLPI's order, each once (possibly none).
    Addresses(Vec<String>),
    /// GLPI refused them to this profile (the network equipment read right is missing).
    Refused,
    /// The row has no `_networkports` (GLPI 9.5, or not asked).
    Absent,
}

/// The addresses of one row, as [`Ports`].
pub(super) fn ports(row: &Value) -> Ports {
    let Some(ports) = row.get("_networkports") else {
        return Ports::Absent;
    };
    let Some(kinds) = ports.as_object() else {
        // `[]`: PHP's empty array, a device without ports.
        return Ports::Addresses(Vec::new());
    };
    if kinds.contains_key("error") {
        return Ports::Refused;
    }
    let mut found: Vec<String> = Vec::new();
    let names = kinds
        .values()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|port| port.get("NetworkName")?.get("IPAddress")?.as_array())
        .flatten()
        .filter_map(|ip| ip.get("name")?.as_str());
    for name in names {
        // GLPI stores what the agent or a person entered; only addresses parse here.
        if let Ok(ip) = name.trim().parse::<std::net::IpAddr>() {
            let ip = ip.to_string();
            if !found.contains(&ip) {
                found.push(ip);
            }
        }
    }
    Ports::Addresses(found)
}

/// The addresses of one row: none when GLPI gave none or refused them.
pub(super) fn of(row: &Value) -> Vec<String> {
    match ports(row) {
        Ports::Addresses(a) => a,
        Ports::Refused | Ports::Absent => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn addresses_come_from_every_port_kind_once_each() {
        let row = json!({"id": 4, "_networkports": {
            "NetworkPortEthernet": [
                {"netport_id": 11, "name": "eth0", "NetworkName": {"id": 3, "name": "prn-4",
                  "fqdns_id": 0, "FQDN": {"id": 0, "name": null, "fqdn": null},
                  "IPAddress": [{"id": "7", "name": "10.1.2.30", "IPNetwork": []},
                                {"id": "8", "name": "fe80::1", "IPNetwork": []}]}},
                {"netport_id": 12, "name": "eth1"}
            ],
            "NetworkPortWifi": [
                {"netport_id": 13, "name": "wlan0", "NetworkName": {"id": 4, "name": "prn-4w",
                  "IPAddress": [{"id": "9", "name": "10.1.2.30", "IPNetwork": []},
                                {"id": "", "name": null, "IPNetwork": []}]}}
            ]
        }});
        assert_eq!(
            ports(&row),
            Ports::Addresses(vec!["10.1.2.30".into(), "fe80::1".into()])
        );
    }

    #[test]
    fn no_port_a_refusal_and_an_old_glpi_are_told_apart() {
        assert_eq!(
            ports(&json!({"_networkports": []})),
            Ports::Addresses(vec![])
        );
        assert_eq!(
            ports(&json!({"_networkports": {"error": 401,
                "message": "You don't have permission to perform this action."}})),
            Ports::Refused
        );
        assert_eq!(ports(&json!({"id": 1})), Ports::Absent);
    }
}
