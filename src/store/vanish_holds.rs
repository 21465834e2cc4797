//! Item types whose disappearance from a source waits for a second full sync to confirm it
//! (see `poll/ingest/vanish.rs`).

use std::collections::HashMap;

use sqlx::Row;

use super::{Store, StoreError, Tx};

/// An item type held back from vanishing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VanishHold {
    pub item_type: String,
    pub live: i64,
    pub unseen: i64,
    /// The full sync that held it: a later one that sees the same confirms it.
    pub sync_id: String,
    pub held_at: i64,
}

fn hold(r: &sqlx::any::AnyRow) -> Result<VanishHold, sqlx::Error> {
    Ok(VanishHold {
        item_type: r.try_get("item_type")?,
        live: r.try_get("live")?,
        unseen: r.try_get("unseen")?,
        sync_id: r.try_get("sync_id")?,
        held_at: r.try_get("held_at")?,
    })
}

const SELECT: &str =
    "SELECT item_type, live, unseen, sync_id, held_at FROM vanish_holds WHERE source = $1";

impl Tx {
    /// Live assets of `source` by item type.
    pub async fn live_by_item_type(
        &mut self,
        source: &str,
    ) -> Result<HashMap<String, i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT item_type, COUNT(*) AS n FROM assets \
             WHERE source = $1 AND vanished_at IS NULL GROUP BY item_type",
        )
        .bind(source.to_string())
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("item_type")?, r.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The holds of `source`, by item type.
    pub async fn vanish_holds(
        &mut self,
        source: &str,
    ) -> Result<HashMap<String, VanishHold>, StoreError> {
        let rows = sqlx::query(SELECT)
            .bind(source.to_string())
            .fetch_all(self.conn())
            .await?;
        rows.iter()
            .map(|r| hold(r).map(|h| (h.item_type.clone(), h)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Holds (or holds again) an item type of `source`.
    pub async fn hold_vanish(&mut self, source: &str, h: &VanishHold) -> Result<(), StoreError> {
        self.release_vanish_hold(source, &h.item_type).await?;
        self.exec(
            "INSERT INTO vanish_holds (source, item_type, live, unseen, sync_id, held_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
                .to_string(),
            vec![
                source.into(),
                h.item_type.as_str().into(),
                h.live.into(),
                h.unseen.into(),
                h.sync_id.as_str().into(),
                h.held_at.into(),
            ],
        )
        .await?;
        Ok(())
    }

    pub async fn release_vanish_hold(
        &mut self,
        source: &str,
        item_type: &str,
    ) -> Result<(), StoreError> {
        self.exec(
            "DELETE FROM vanish_holds WHERE source = $1 AND item_type = $2".to_string(),
            vec![source.into(), item_type.into()],
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// The item types of `source` held back from vanishing now.
    pub async fn vanish_holds_of(&self, source: &str) -> Result<Vec<VanishHold>, StoreError> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY item_type"))
            .bind(source.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(hold)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}
