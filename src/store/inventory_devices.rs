//! The devices of an inventory source that a telemetry source polls (`inventory_source`).

use parcd_connectors::{AssetClass, InventoryDevice};
use sqlx::Row;

use super::sql::{Val, bind_all, list, ph};
use super::{Store, StoreError};

impl Store {
    /// The live devices of `source` of the given classes, by id, with their addresses.
    /// Devices whose life at the DSI ended (reused, recycled, destroyed) are left out: a
    /// printer given away may still be listed with its old address, which by then is
    /// another device's.
    pub async fn inventory_devices(
        &self,
        source: &str,
        classes: &[AssetClass],
    ) -> Result<Vec<InventoryDevice>, StoreError> {
        if classes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT external_id, class, name, serial, addresses FROM assets \
             WHERE source = {} AND vanished_at IS NULL \
               AND phase NOT IN ('reused', 'recycled', 'destroyed') AND class IN ({}) \
             ORDER BY external_id",
            ph(self.backend, 1),
            list(self.backend, classes.len(), 2)
        );
        let mut vals: Vec<Val> = vec![source.into()];
        vals.extend(classes.iter().map(|c| Val::from(c.as_str())));
        let rows = bind_all(sqlx::query(&sql), vals)
            .fetch_all(self.pool())
            .await?;
        let mut devices = Vec::with_capacity(rows.len());
        for r in rows {
            let class: String = r.try_get("class")?;
            let addresses: Option<String> = r.try_get("addresses")?;
            devices.push(InventoryDevice {
                external_id: r.try_get("external_id")?,
                class: AssetClass::parse(&class).ok_or_else(|| {
                    StoreError::Inconsistent(format!(
                        "asset class \"{class}\" is not one parcd knows"
                    ))
                })?,
                name: r.try_get("name")?,
                serial: r.try_get("serial")?,
                addresses: addresses
                    .as_deref()
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_string)
                    .collect(),
            });
        }
        Ok(devices)
    }
}
