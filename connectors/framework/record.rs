//! The normalised shape every connector produces.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What kind of device an asset is. Drives the footprint factors and the AGEC category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetClass {
    Laptop,
    Desktop,
    ThinClient,
    Monitor,
    Smartphone,
    DeskPhone,
    Tablet,
    Printer,
    Mfp,
    Copier,
    Server,
    Network,
    Other,
}

impl AssetClass {
    pub const ALL: [AssetClass; 13] = [
        AssetClass::Laptop,
        AssetClass::Desktop,
        AssetClass::ThinClient,
        AssetClass::Monitor,
        AssetClass::Smartphone,
        AssetClass::DeskPhone,
        AssetClass::Tablet,
        AssetClass::Printer,
        AssetClass::Mfp,
        AssetClass::Copier,
        AssetClass::Server,
        AssetClass::Network,
        AssetClass::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssetClass::Laptop => "laptop",
            AssetClass::Desktop => "desktop",
            AssetClass::ThinClient => "thin_client",
            AssetClass::Monitor => "monitor",
            AssetClass::Smartphone => "smartphone",
            AssetClass::DeskPhone => "desk_phone",
            AssetClass::Tablet => "tablet",
            AssetClass::Printer => "printer",
            AssetClass::Mfp => "mfp",
            AssetClass::Copier => "copier",
            AssetClass::Server => "server",
            AssetClass::Network => "network",
            AssetClass::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Where a device stands in its life. Exits (`reused`, `recycled`, `destroyed`) are final
/// for the DSI, though a source may still move an asset back (a data-entry fix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Ordered,
    InStock,
    InService,
    InRepair,
    /// Out of use, awaiting an exit (French: réformé).
    Retired,
    /// Given, sold or donated with a reuse commitment.
    Reused,
    /// Taken by an approved WEEE (DEEE) channel.
    Recycled,
    Destroyed,
}

impl Phase {
    pub const ALL: [Phase; 8] = [
        Phase::Ordered,
        Phase::InStock,
        Phase::InService,
        Phase::InRepair,
        Phase::Retired,
        Phase::Reused,
        Phase::Recycled,
        Phase::Destroyed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Ordered => "ordered",
            Phase::InStock => "in_stock",
            Phase::InService => "in_service",
            Phase::InRepair => "in_repair",
            Phase::Retired => "retired",
            Phase::Reused => "reused",
            Phase::Recycled => "recycled",
            Phase::Destroyed => "destroyed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// True for the phases that end the DSI's ownership.
    pub fn is_exit(self) -> bool {
        matches!(self, Phase::Reused | Phase::Recycled | Phase::Destroyed)
    }
}

/// One device as a source describes it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetRecord {
    /// Unique within the source, stable across polls (GLPI: `Computer/71`).
    pub external_id: String,
    /// The source's own type name (GLPI itemtype).
    pub item_type: String,
    pub class: AssetClass,
    pub name: Option<String>,
    pub serial: Option<String>,
    /// Inventory number (GLPI `otherserial`).
    pub inventory_number: Option<String>,
    pub type_name: Option<String>,
    pub model: Option<String>,
    pub manufacturer: Option<String>,
    pub entity: Option<String>,
    pub location: Option<String>,
    /// The source's status name, as written there.
    pub status: Option<String>,
    pub phase: Phase,
    /// False when the status matched no mapping and `phase` is the configured default.
    pub status_mapped: bool,
    /// Rated power in watts, where the source knows it (GLPI model `power_consumption`).
    pub rated_power_w: Option<f64>,
    /// The device's IP addresses as the source records them (GLPI's network ports, a
    /// spreadsheet's IP column), in the source's order; empty when it has none. A telemetry
    /// source polls the inventory's devices at them (`inventory_source`). Left out of the
    /// JSON when empty, so that the stored hash of a device without one stays what it was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// The source's own modification stamp, as it wrote it.
    pub modified_at: Option<String>,
    /// Purchase and lifecycle dates. `None` means the source said nothing in this poll, and
    /// the stored purchase is kept: an absent row never erases known data.
    pub purchase: Option<PurchaseRecord>,
}

/// Financial and lifecycle data of one asset (GLPI Infocom).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PurchaseRecord {
    pub order_date: Option<NaiveDate>,
    pub buy_date: Option<NaiveDate>,
    pub delivery_date: Option<NaiveDate>,
    /// Put into service.
    pub use_date: Option<NaiveDate>,
    pub warranty_end: Option<NaiveDate>,
    /// Retired from use (French: date de réforme).
    pub decommission_date: Option<NaiveDate>,
    /// Purchase amount excluding VAT, in euro cents.
    pub amount_cents: Option<i64>,
    /// The source's amount as written, when it could not be read as one (`amount_cents` is
    /// then `None`): kept so that the purchase is listed with the text to correct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_unreadable: Option<String>,
    pub supplier: Option<String>,
    pub order_number: Option<String>,
    pub comment: Option<String>,
}
