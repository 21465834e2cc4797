//! GLPI dropdowns (statuses, entities, models…) read once per sync to turn ids into names.

use std::collections::HashMap;

use serde_json::Value;

use super::client::GlpiClient;
use super::wire;
use crate::error::ConnectorError;

/// Names by dropdown itemtype and id, and model power ratings.
#[derive(Debug, Default)]
pub(super) struct Dropdowns {
    names: HashMap<String, HashMap<u64, String>>,
    power_w: HashMap<String, HashMap<u64, f64>>,
}

/// Tree dropdowns are named by their full path ("Réformé > Don").
const TREES: [&str; 3] = ["State", "Entity", "Location"];
const FLAT: [&str; 2] = ["Manufacturer", "Supplier"];

impl Dropdowns {
    pub async fn fetch(
        client: &GlpiClient,
        item_types: &[String],
        page_size: u64,
    ) -> Result<Self, ConnectorError> {
        let mut d = Dropdowns::default();
        for t in TREES {
            let rows = client.list_all(t, page_size).await?;
            d.insert(t, &rows, "completename");
        }
        for t in FLAT {
            let rows = client.list_all(t, page_size).await?;
            d.insert(t, &rows, "name");
        }
        for it in item_types {
            let types = format!("{it}Type");
            let rows = client.list_all(&types, page_size).await?;
            d.insert(&types, &rows, "name");
            let models = format!("{it}Model");
            let rows = client.list_all(&models, page_size).await?;
            d.insert(&models, &rows, "name");
            let power: HashMap<u64, f64> = rows
                .iter()
                .filter_map(|r| {
                    let id = wire::uint(r, "id")?;
                    let w = wire::uint(r, "power_consumption").filter(|w| *w > 0)?;
                    Some((id, w as f64))
                })
                .collect();
            d.power_w.insert(models, power);
        }
        Ok(d)
    }

    fn insert(&mut self, dropdown: &str, rows: &[Value], name_key: &str) {
        let map = rows
            .iter()
            .filter_map(|r| {
                let id = wire::uint(r, "id")?;
                let name = wire::text(r, name_key).or_else(|| wire::text(r, "name"))?;
                Some((id, name))
            })
            .collect();
        self.names.insert(dropdown.to_string(), map);
    }

    /// The name of dropdown row `id`, if known.
    pub fn name(&self, dropdown: &str, id: Option<u64>) -> Option<String> {
        self.names.get(dropdown)?.get(&id?).cloned()
    }

    /// The rated power of model `id` of `models` (e.g. `ComputerModel`), if GLPI has one.
    pub fn power_w(&self, models: &str, id: Option<u64>) -> Option<f64> {
        self.power_w.get(models)?.get(&id?).copied()
    }

    /// The dropdown rows an asset row of `itemtype` refers to that this cache does not hold,
    /// as (dropdown, id). GLPI makes a dropdown row before any asset can point at it, so a
    /// miss is a row created after the dropdowns were read (a new status given to an asset
    /// while a sync is under way) or a dangling reference to a purged one.
    pub fn unknown_refs(&self, itemtype: &str, row: &Value) -> Vec<(String, u64)> {
        let lower = itemtype.to_lowercase();
        let refs = [
            ("State".to_string(), wire::fk(row, "states_id")),
            ("Location".to_string(), wire::fk(row, "locations_id")),
            (
                "Manufacturer".to_string(),
                wire::fk(row, "manufacturers_id"),
            ),
            (
                format!("{itemtype}Type"),
                wire::fk(row, &format!("{lower}types_id")),
            ),
            (
                format!("{itemtype}Model"),
                wire::fk(row, &format!("{lower}models_id")),
            ),
            // Entity 0 is the root entity, a row like any other.
            ("Entity".to_string(), wire::uint(row, "entities_id")),
        ];
        refs.into_iter()
            .filter_map(|(dropdown, id)| {
                let id = id?;
                let known = self
                    .names
                    .get(&dropdown)
                    .is_some_and(|rows| rows.contains_key(&id));
                (!known).then_some((dropdown, id))
            })
            .collect()
    }

    /// The entity name; entity 0 is GLPI's root entity and a real id.
    pub fn entity(&self, row: &Value) -> Option<String> {
        let id = wire::uint(row, "entities_id")?;
        self.names.get("Entity")?.get(&id).cloned()
    }
}
