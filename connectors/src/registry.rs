//! The one list of connector kinds. Adding a source system means one line here.

use crate::api::Connector;
use crate::error::ConnectorError;
use crate::glpi::{GlpiConnector, GlpiParams};
use crate::params::Params;

/// The validated parameters of one source, by kind.
#[derive(Debug, Clone)]
pub enum ConnectorConfig {
    Glpi(GlpiParams),
}

/// The `kind` values a source may have.
pub fn known_kinds() -> &'static [&'static str] {
    &["glpi"]
}

impl ConnectorConfig {
    /// Reads the kind's own keys from a `[[sources]]` table. `None` when a key is wrong (the
    /// issues are in `p`).
    pub fn from_params(kind: &str, p: &mut Params) -> Option<ConnectorConfig> {
        match kind {
            "glpi" => GlpiParams::from_params(p).map(ConnectorConfig::Glpi),
            other => {
                p.issue(
                    "kind",
                    format!("\"{other}\" is not a source kind parcd knows"),
                    format!("use one of: {}", known_kinds().join(", ")),
                );
                None
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            ConnectorConfig::Glpi(_) => "glpi",
        }
    }
}

/// Builds the connector of a validated source.
pub fn build_connector(config: &ConnectorConfig) -> Result<Box<dyn Connector>, ConnectorError> {
    match config {
        ConnectorConfig::Glpi(p) => Ok(Box::new(GlpiConnector::new(p.clone())?)),
    }
}
