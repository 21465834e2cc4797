//! What the indicators know of one stored asset: read from the store, fed to the engine.

use chrono::NaiveDate;
use parcd_connectors::{AssetClass, Phase};

/// Identifies an asset across sources.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AssetKey {
    pub source: String,
    pub external_id: String,
}

/// One asset as the indicators need it.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetFacts {
    pub key: AssetKey,
    pub class: AssetClass,
    pub model: Option<String>,
    pub entity: Option<String>,
    /// The phase at the time the indicators are computed for (now, or the `at` date).
    pub phase: Phase,
    /// Gone from its source: counted nowhere.
    pub vanished: bool,
    /// Rated power from the inventory (GLPI model `power_consumption`), W.
    pub rated_power_w: Option<f64>,
    /// Put into service: Infocom use date, else delivery date, else purchase date.
    pub in_service_date: Option<NaiveDate>,
    /// When parcd first saw the asset (unix seconds): the age basis when no date is known.
    pub first_seen_at: i64,
    /// When it left the fleet (unix seconds of its move to reused, recycled or destroyed).
    pub exit_at: Option<i64>,
    /// Bought reconditioned (set by purchase-origin rules; false until those exist).
    pub reconditioned: bool,
}
