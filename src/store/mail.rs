//! The mail hash key parcd generated, when the configuration gives none.

use sqlx::Row;

use super::{Store, StoreError};

impl Store {
    /// The stored key; `generated` is stored first when there is none (the first start).
    /// Two processes starting at once keep the same one: the first insert wins.
    pub async fn mail_hash_key_or(&self, generated: &str, now: i64) -> Result<String, StoreError> {
        sqlx::query(
            "INSERT INTO mail_hash_key (id, hash_key, created_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(generated.to_string())
        .bind(now)
        .execute(self.pool())
        .await?;
        let row = sqlx::query("SELECT hash_key FROM mail_hash_key WHERE id = 1")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("hash_key")?)
    }
}
