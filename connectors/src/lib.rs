//! Source connectors of parcd.
//!
//! A connector fetches what a source system knows about devices and normalises it into
//! [`AssetRecord`]s. It never touches the database or the metrics registry: the core
//! (`parcd`) stores, computes and publishes. The crate boundary keeps it that way.

pub mod api;
pub mod error;
pub mod glpi;
pub mod mapping;
pub mod params;
pub mod record;
pub mod registry;

pub use api::{Connector, Cursor, Page, PollRequest, SyncMode};
pub use error::{ConnectorError, ErrorType};
pub use mapping::{ClassRule, ClassRules, StatusMap};
pub use params::{ParamIssue, Params};
pub use record::{AssetClass, AssetRecord, Phase, PurchaseRecord};
pub use registry::{ConnectorConfig, build_connector, known_kinds};
