//! The one list of connector kinds. Adding a source system means a folder beside this file
//! and one line in [`KINDS`].

use std::sync::Arc;

use crate::api::{Connector, Role};
use crate::error::ConnectorError;
use crate::framework::kind::{BuildContext, Kind, SourceParams};
use crate::params::Params;

/// Every kind of source parcd reads.
pub const KINDS: &[Kind] = &[
    crate::glpi::KIND,
    crate::snipeit::KIND,
    crate::inventory_file::KIND,
    crate::snmp_printers::KIND,
    crate::doveadm::KIND,
    crate::m365::KIND,
    crate::imap::KIND,
];

/// The `kind` values a source may have.
pub fn known_kinds() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.name).collect()
}

/// The validated parameters of one source.
#[derive(Debug, Clone)]
pub struct ConnectorConfig(Arc<dyn SourceParams>);

impl ConnectorConfig {
    /// Reads the kind's own keys from a `[[sources]]` table. `None` when a key is wrong (the
    /// issues are in `p`).
    pub fn from_params(kind: &str, p: &mut Params) -> Option<ConnectorConfig> {
        match KINDS.iter().find(|k| k.name == kind) {
            Some(k) => (k.read)(p).map(|params| ConnectorConfig(Arc::from(params))),
            None => {
                p.issue(
                    "kind",
                    format!("\"{kind}\" is not a source kind parcd knows"),
                    format!("use one of: {}", known_kinds().join(", ")),
                );
                None
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        self.0.kind()
    }

    pub fn role(&self) -> Role {
        self.0.role()
    }

    /// The source whose devices this one polls, if it names one.
    pub fn inventory_source(&self) -> Option<&str> {
        self.0.inventory_source()
    }

    /// The kind's keys for `check-config`, secrets hidden.
    pub fn render(&self) -> String {
        self.0.render()
    }
}

/// Builds the connector of a validated source that needs nothing of the core (tests and
/// benchmarks of the inventory and printer kinds). The daemon uses [`build_connector_in`].
pub fn build_connector(config: &ConnectorConfig) -> Result<Box<dyn Connector>, ConnectorError> {
    config.0.build()
}

/// Builds the connector of a validated source with what the core passes in (the mail
/// privacy context).
pub fn build_connector_in(
    config: &ConnectorConfig,
    ctx: &BuildContext,
) -> Result<Box<dyn Connector>, ConnectorError> {
    config.0.build_in(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_unique_snake_case_names() {
        let mut names = known_kinds();
        for n in &names {
            assert!(
                n.starts_with(|c: char| c.is_ascii_lowercase())
                    && n.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{n}"
            );
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
    }
}
