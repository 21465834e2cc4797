//! Source connectors of parcd.
//!
//! A connector fetches what a source system knows and normalises it: an *inventory* source
//! says which devices exist ([`AssetRecord`]s), a *telemetry* source measures things over
//! time ([`Reading`]s). It never touches the database or the metrics registry: the core
//! (`parcd`) stores, computes and publishes. The crate boundary keeps it that way.
//!
//! Each kind of source is one folder (`glpi/`, …) holding its parameters, client,
//! normalisation, contract fake (compiled into the `parcd-fakes` crate, not this one) and
//! contract tests; `registry.rs` is the one list of kinds.

pub mod doveadm;
mod framework;
pub mod glpi;
pub mod imap;
pub mod inventory_file;
pub mod m365;
pub mod registry;
pub mod snipeit;
pub mod snmp_printers;

pub use framework::kind::BuildContext;
pub use framework::{amount, api, error, inventory, mail, mapping, params, reading, record};

pub use api::{Connector, Cursor, Page, PollRequest, Role, SyncMode};
pub use error::{ConnectorError, ErrorType};
pub use inventory::{InventoryDevice, InventoryFeed};
pub use mapping::{ClassRule, ClassRules, StatusMap};
pub use params::{ParamIssue, Params};
pub use reading::{Measure, Quantity, Reading, Subject};
pub use record::{AssetClass, AssetRecord, Phase, PurchaseRecord};
pub use registry::{ConnectorConfig, build_connector, build_connector_in, known_kinds};
