//! What a telemetry source that polls the devices of an inventory source is handed.
//!
//! The SNMP printers source may poll "the printers GLPI knows, at the addresses GLPI
//! records". Connectors never read the store: the connector says which devices it wants
//! ([`InventoryFeed`]), and the core reads them from the store at the start of each sync
//! and hands them over with every request (`PollRequest::inventory`). A device that left
//! the inventory, or whose address changed, is therefore seen at the next round.

use crate::record::AssetClass;

/// The devices a telemetry source polls: the live ones of an inventory source, of some
/// classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryFeed {
    /// The inventory source's name (its `[[sources]] name`).
    pub source: String,
    /// Only the devices of these classes.
    pub classes: Vec<AssetClass>,
}

/// A device of the inventory as the store holds it. Vanished devices and those whose life
/// at the DSI ended (reused, recycled, destroyed) are not handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryDevice {
    /// Its id in the inventory source (GLPI `Printer/12`).
    pub external_id: String,
    pub class: AssetClass,
    pub name: Option<String>,
    pub serial: Option<String>,
    /// Its IP addresses as the inventory records them, possibly none.
    pub addresses: Vec<String>,
}
