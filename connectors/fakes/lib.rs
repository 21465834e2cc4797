#![warn(missing_docs)]

//! Contract fakes: servers that speak a source's documented API over loopback.
//!
//! Each fake's code lives in its connector's folder (`connectors/<kind>/fake/`), next to
//! the client it is the contract of, and is compiled here, in a crate of its own, so that
//! the production connectors library never links it. `parcd demo`, the integration tests
//! and the benchmarks use these servers.

#[path = "../glpi/fake/mod.rs"]
pub mod glpi;

#[path = "../snipeit/fake/mod.rs"]
pub mod snipeit;

#[path = "../snmp_printers/fake/mod.rs"]
pub mod snmp_printers;

#[path = "../inventory_file/fake/mod.rs"]
pub mod inventory_file;

#[path = "../doveadm/fake/mod.rs"]
pub mod doveadm;

#[path = "../m365/fake/mod.rs"]
pub mod m365;
