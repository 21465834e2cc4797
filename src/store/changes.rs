//! What a commit changed, told to the other parcd processes on the same database, so that a
//! replica that did not poll a source follows the store within a second.
//!
//! PostgreSQL: `pg_notify` on [`CHANNEL`] inside the committing transaction, so the note
//! leaves with the commit and never without it. A note holds at most ~8,000 bytes: the
//! changed ids are spread over a few notes, and a page that changed more than that is
//! announced without ids (the followers then recompute everything).
//!
//! SQLite: nothing is told. One parcd process writes a SQLite file (see `writer_lock`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Backend, Store, StoreError, Tx};

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "parcd_changes";

/// PostgreSQL refuses a payload of 8,000 bytes or more; some room is left.
const MAX_PAYLOAD: usize = 7_600;

/// Beyond this many notes a commit is announced without its ids: a full recomputation
/// costs less than that many lookups.
const MAX_NOTES: usize = 16;

/// One committed page, as the other processes learn of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangeNote {
    /// The store handle that committed ([`Store::origin`]): it skips its own notes.
    pub origin: String,
    pub source: String,
    /// Unix milliseconds of the commit, for the followers' lag.
    pub at_ms: i64,
    /// External ids of the assets (or purchases) changed; `None` when there were too many
    /// to tell: the follower recomputes everything.
    pub ids: Option<Vec<String>>,
    /// Assets were created, changed or vanished: the asset counts move.
    pub assets: bool,
    /// New readings were stored.
    pub readings: bool,
    /// What the page added to each counter quantity's increase (`parcd_print_pages_total`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counter_steps: BTreeMap<String, f64>,
    /// Devices of a telemetry round that answered, and that were polled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responding: Option<(u64, u64)>,
    /// Unix time of the source's successful end of sync, on the last page of a sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<i64>,
}

impl ChangeNote {
    /// The payloads announcing this note, each under [`MAX_PAYLOAD`] bytes: the ids spread
    /// over several notes (the counts and steps on the first only, so that they are added
    /// once), or one note without ids when they need more than [`MAX_NOTES`].
    pub fn payloads(&self) -> Vec<String> {
        let whole = serde_json::to_string(self).expect("a note serializes");
        if whole.len() <= MAX_PAYLOAD {
            return vec![whole];
        }
        let ids = self.ids.as_deref().unwrap_or_default();
        let bare = ChangeNote {
            ids: Some(Vec::new()),
            ..self.clone()
        };
        let room = MAX_PAYLOAD.saturating_sub(serde_json::to_string(&bare).expect("").len());
        let mut chunks: Vec<Vec<String>> = vec![Vec::new()];
        let mut used = 0;
        for id in ids {
            let len = serde_json::to_string(id)
                .expect("a string serializes")
                .len()
                + 1;
            if len > room {
                return vec![self.without_ids()];
            }
            if used + len > room {
                chunks.push(Vec::new());
                used = 0;
            }
            chunks
                .last_mut()
                .expect("one chunk at least")
                .push(id.clone());
            used += len;
        }
        if chunks.len() > MAX_NOTES {
            return vec![self.without_ids()];
        }
        chunks
            .into_iter()
            .enumerate()
            .map(|(i, ids)| {
                let note = if i == 0 {
                    ChangeNote {
                        ids: Some(ids),
                        ..self.clone()
                    }
                } else {
                    ChangeNote {
                        origin: self.origin.clone(),
                        source: self.source.clone(),
                        at_ms: self.at_ms,
                        ids: Some(ids),
                        assets: self.assets,
                        ..ChangeNote::default()
                    }
                };
                serde_json::to_string(&note).expect("a note serializes")
            })
            .collect()
    }

    fn without_ids(&self) -> String {
        serde_json::to_string(&ChangeNote {
            ids: None,
            ..self.clone()
        })
        .expect("a note serializes")
    }
}

impl Tx {
    /// Tells the other processes what this transaction changed, when it commits.
    pub async fn announce(&mut self, note: &ChangeNote) -> Result<(), StoreError> {
        match self.backend() {
            Backend::Postgres => {
                for payload in note.payloads() {
                    self.exec(
                        "SELECT pg_notify($1, $2)".to_string(),
                        vec![CHANNEL.into(), payload.into()],
                    )
                    .await?;
                }
            }
            // One writer per file: no other process to tell.
            Backend::Sqlite => {}
        }
        Ok(())
    }
}

impl Store {
    /// This handle's name in the notes it sends: the process id and a random part, so that
    /// two stores of one process (tests) tell their notes apart too.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// How to open the PostgreSQL connection that listens to [`CHANNEL`], outside the
    /// pool; `None` on SQLite.
    pub fn listen_options(&self) -> Option<sqlx::postgres::PgConnectOptions> {
        if self.backend != Backend::Postgres {
            return None;
        }
        sqlx::postgres::PgConnectOptions::try_from(&*self.options).ok()
    }

    /// The last successful end of sync of every source, from the store.
    pub async fn last_successes(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, last_success_at FROM sources WHERE last_success_at IS NOT NULL",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("last_success_at")?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(ids: usize) -> ChangeNote {
        ChangeNote {
            origin: "1-abc".into(),
            source: "glpi".into(),
            at_ms: 1,
            ids: Some((0..ids).map(|i| format!("Computer/{i}")).collect()),
            assets: true,
            readings: true,
            counter_steps: [("printed_pages".to_string(), 12.0)].into(),
            responding: Some((3, 4)),
            completed_at: Some(2),
        }
    }

    #[test]
    fn a_small_page_is_one_note() {
        let n = note(10);
        let p = n.payloads();
        assert_eq!(p.len(), 1);
        assert_eq!(serde_json::from_str::<ChangeNote>(&p[0]).unwrap(), n);
    }

    #[test]
    fn a_large_page_spreads_its_ids_and_tells_its_counts_once() {
        let n = note(1000);
        let p = n.payloads();
        assert!(p.len() > 1 && p.len() <= MAX_NOTES, "{} notes", p.len());
        let notes: Vec<ChangeNote> = p
            .iter()
            .inspect(|s| assert!(s.len() <= MAX_PAYLOAD, "{} bytes", s.len()))
            .map(|s| serde_json::from_str(s).unwrap())
            .collect();
        let ids: Vec<String> = notes.iter().flat_map(|n| n.ids.clone().unwrap()).collect();
        assert_eq!(Some(ids), n.ids);
        let steps: f64 = notes.iter().flat_map(|n| n.counter_steps.values()).sum();
        assert_eq!(steps, 12.0);
        assert_eq!(notes.iter().filter(|n| n.completed_at.is_some()).count(), 1);
    }

    #[test]
    fn a_page_too_large_to_list_is_announced_without_ids() {
        let p = note(20_000).payloads();
        assert_eq!(p.len(), 1);
        let n: ChangeNote = serde_json::from_str(&p[0]).unwrap();
        assert_eq!(n.ids, None);
        assert_eq!(n.counter_steps.values().sum::<f64>(), 12.0);
    }
}
