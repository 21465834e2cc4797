//! What one source says of another: a telemetry source polling an inventory source's
//! devices (`inventory_source`) must name a source of the same file that lists devices.
//! Checked once every source is read, so that the order of the `[[sources]]` tables does
//! not matter, and reported with the other mistakes.

use parcd_connectors::{ParamIssue, Role};

use super::SourceConfig;

/// A `[[sources]]` table as far as it was read: where its `inventory_source` key stands
/// (`sources[2].inventory_source`), its name when valid, and its configuration when every
/// key of it was.
pub(super) struct ReadSource {
    pub inventory_key: String,
    pub name: Option<String>,
    pub config: Option<SourceConfig>,
}

/// An issue for each `inventory_source` that names no inventory source of the file.
pub(super) fn check(sources: &[ReadSource]) -> Vec<ParamIssue> {
    let inventories: Vec<&str> = sources
        .iter()
        .filter_map(|s| s.config.as_ref())
        .filter(|c| c.connector.role() == Role::Inventory)
        .map(|c| c.name.as_str())
        .collect();
    let fix = || match inventories.as_slice() {
        [] => "add the [[sources]] table of the inventory (GLPI, Snipe-IT or a spreadsheet) \
               whose printers to poll, and name it here"
            .to_string(),
        names => format!(
            "name one of the inventory sources of this file: {}",
            names.join(", ")
        ),
    };
    let mut issues = Vec::new();
    for s in sources {
        let Some(config) = &s.config else { continue };
        let Some(wanted) = config.connector.inventory_source() else {
            continue;
        };
        let key = s.inventory_key.clone();
        match sources.iter().find(|o| o.name.as_deref() == Some(wanted)) {
            None => issues.push(ParamIssue {
                key,
                problem: format!("\"{wanted}\" names no source of this file"),
                fix: fix(),
            }),
            // A source whose own keys are wrong is reported on its own.
            Some(ReadSource { config: None, .. }) => {}
            Some(ReadSource {
                config: Some(other),
                ..
            }) if other.connector.role() != Role::Inventory => issues.push(ParamIssue {
                key,
                problem: format!(
                    "\"{wanted}\" is a {} source ({}): it measures devices, it does not list them",
                    other.connector.role().as_str(),
                    other.kind()
                ),
                fix: fix(),
            }),
            Some(_) => {}
        }
    }
    issues
}
