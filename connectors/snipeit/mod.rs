//! Snipe-IT, through its REST API (`/api/v1/hardware`, bearer token).
//!
//! A sync reads two listings, one after the other: the default asset list, then the
//! archived assets (`status=Archived`), which Snipe-IT leaves out of the default list
//! unless the instance shows them (then the first pass skips them). Each row carries its
//! model, category, status label, company, location, supplier and custom fields, so one
//! request per page is all a sync needs and nothing is kept in memory between polls.
//!
//! A full sync pages by ascending id with `limit`/`offset`. Offsets shift when assets are
//! deleted during the sync, and a skipped row would wrongly mark an asset vanished, so the
//! cursor keeps the last id read and each page starts one row early: the first row must be
//! that id or an older one, else the connector steps back until it is. An incremental sync
//! reads by `updated_at`, newest first, down to the watermark (inclusive).
//!
//! Deleted (soft-deleted) assets are not read: a full sync no longer sees them and the core
//! marks them vanished, which is what a deletion means; `status=Deleted` would only add
//! their deletion stamp.

mod client;
mod cursor;
mod normalise;
pub mod params;
pub mod wire;

#[cfg(test)]
mod contract_tests;

use async_trait::async_trait;
use serde_json::Value;

use client::SnipeitClient;
use client::{ListPage, Order};
use cursor::{Pass, Position, SnipeitCursor};
pub use params::SnipeitParams;

use crate::api::{Connector, Page, PollRequest, SyncMode};
use crate::error::ConnectorError;
use crate::framework::kind::{Kind, SourceParams};
use crate::params::Params;
use crate::record::AssetRecord;

/// The registry's entry for `kind = "snipeit"`.
pub const KIND: Kind = Kind {
    name: "snipeit",
    read: |p: &mut Params| {
        SnipeitParams::from_params(p).map(|s| Box::new(s) as Box<dyn SourceParams>)
    },
};

/// The Snipe-IT connector.
pub struct SnipeitConnector {
    params: SnipeitParams,
    client: SnipeitClient,
}

/// What one page of a pass gave.
struct Step {
    fetched: u64,
    pass_done: bool,
    total: u64,
}

fn endpoint(pass: Pass) -> &'static str {
    match pass {
        Pass::Listed => "api/v1/hardware",
        Pass::Archived => "api/v1/hardware?status=Archived",
    }
}

fn max_opt(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if a >= b { a } else { b }),
        (a, b) => a.or(b),
    }
}

fn is_archived(row: &Value) -> bool {
    row.get("status_label")
        .or_else(|| row.get("status"))
        .and_then(|l| l.get("status_type"))
        .and_then(Value::as_str)
        == Some("archived")
}

impl SnipeitConnector {
    pub fn new(params: SnipeitParams) -> Result<Self, ConnectorError> {
        let client = SnipeitClient::new(&params)?;
        Ok(SnipeitConnector { params, client })
    }

    fn row_id(pass: Pass, row: &Value) -> Result<u64, ConnectorError> {
        wire::id(row).ok_or_else(|| ConnectorError::Decode {
            endpoint: endpoint(pass).into(),
            detail: format!("an asset row without an id: {}", wire::short(row)),
        })
    }

    /// Keeps a row of the current pass: archived assets belong to the second pass.
    fn keep(&self, pass: Pass, row: &Value, records: &mut Vec<AssetRecord>) {
        if pass == Pass::Listed && is_archived(row) {
            return;
        }
        records.extend(normalise::asset(row, &self.params));
    }

    /// One page of a full sync, by ascending id.
    async fn full_page(
        &self,
        pos: &mut Position,
        records: &mut Vec<AssetRecord>,
    ) -> Result<Step, ConnectorError> {
        let limit = self.params.page_size;
        let after = pos.last_id;
        let mut probe = match after {
            Some(_) => pos.offset.saturating_sub(1),
            None => pos.offset,
        };
        let page = loop {
            let page = self
                .client
                .list(pos.pass, Order::IdAsc, probe, limit)
                .await?;
            let first = page
                .rows
                .first()
                .map(|r| Self::row_id(pos.pass, r))
                .transpose()?;
            let aligned = match after {
                None => true,
                Some(a) => probe == 0 || first.is_some_and(|id| id <= a),
            };
            if aligned {
                break page;
            }
            // Assets deleted since the last page moved the rows left: go back until the
            // page starts at or before the last id read, so that none is skipped.
            tracing::debug!(
                endpoint = endpoint(pos.pass),
                offset = probe,
                "assets deleted during the sync shifted the listing; stepping back"
            );
            probe = probe.saturating_sub(limit.max(2) - 1);
        };
        let ListPage { rows, total } = page;
        let n = rows.len() as u64;
        if n == 0 && probe == 0 && total > 0 {
            return Err(ConnectorError::Protocol {
                endpoint: endpoint(pos.pass).into(),
                detail: format!("the listing counts {total} assets but its first page is empty"),
            });
        }
        let mut previous = None;
        for row in &rows {
            let id = Self::row_id(pos.pass, row)?;
            if previous.is_some_and(|p| id <= p) {
                return Err(ConnectorError::Protocol {
                    endpoint: endpoint(pos.pass).into(),
                    detail: format!(
                        "rows are not sorted by id (asset {id} after {})",
                        previous.unwrap_or_default()
                    ),
                });
            }
            previous = Some(id);
            if after.is_some_and(|a| id <= a) {
                continue;
            }
            pos.last_id = Some(id);
            pos.max_seen = max_opt(pos.max_seen.take(), wire::stamp(row, "updated_at"));
            self.keep(pos.pass, row, records);
        }
        pos.offset = probe + n;
        Ok(Step {
            fetched: n,
            pass_done: n == 0 || pos.offset >= total,
            total,
        })
    }

    /// One page of an incremental sync, newest first, down to the watermark.
    async fn changed_page(
        &self,
        pos: &mut Position,
        records: &mut Vec<AssetRecord>,
    ) -> Result<Step, ConnectorError> {
        let page = self
            .client
            .list(
                pos.pass,
                Order::UpdatedDesc,
                pos.offset,
                self.params.page_size,
            )
            .await?;
        let n = page.rows.len() as u64;
        if n == 0 && pos.offset < page.total {
            return Err(ConnectorError::Protocol {
                endpoint: endpoint(pos.pass).into(),
                detail: format!(
                    "the listing counts {} assets but the page at offset {} is empty",
                    page.total, pos.offset
                ),
            });
        }
        let mut reached = false;
        let mut previous: Option<String> = None;
        for row in &page.rows {
            Self::row_id(pos.pass, row)?;
            let stamp = wire::stamp(row, "updated_at");
            if let (Some(p), Some(s)) = (&previous, &stamp)
                && s > p
            {
                return Err(ConnectorError::Protocol {
                    endpoint: endpoint(pos.pass).into(),
                    detail: format!("rows are not sorted by updated_at ({s} after {p})"),
                });
            }
            if let Some(since) = &pos.since
                && stamp.as_deref().is_none_or(|s| s < since.as_str())
            {
                reached = true;
                break;
            }
            previous = stamp.clone().or(previous);
            pos.max_seen = max_opt(pos.max_seen.take(), stamp);
            self.keep(pos.pass, row, records);
        }
        pos.offset += n;
        Ok(Step {
            fetched: n,
            pass_done: reached || n == 0 || pos.offset >= page.total,
            total: page.total,
        })
    }
}

#[async_trait]
impl Connector for SnipeitConnector {
    fn kind(&self) -> &'static str {
        KIND.name
    }

    async fn check(&self) -> Result<(), ConnectorError> {
        self.client
            .list(Pass::Listed, Order::IdAsc, 0, 1)
            .await
            .map(|_| ())
    }

    async fn poll(&self, request: PollRequest<'_>) -> Result<Page, ConnectorError> {
        let mut cur = match request.cursor {
            Some(c) => SnipeitCursor::decode(c)?,
            None => SnipeitCursor::default(),
        };
        // A cursor at rest starts a new sync; one with a position continues it.
        let (mut pos, archived_total) = match cur.position.take() {
            Some(p) => (p, None),
            None => {
                let pos = Position::start(request.mode, cur.watermark.clone());
                let archived = match pos.mode {
                    SyncMode::Full => Some(
                        self.client
                            .list(Pass::Archived, Order::IdAsc, 0, 1)
                            .await?
                            .total,
                    ),
                    SyncMode::Incremental => None,
                };
                (pos, archived)
            }
        };
        let mut records = Vec::new();
        let done = loop {
            let step = match pos.mode {
                SyncMode::Full => self.full_page(&mut pos, &mut records).await?,
                SyncMode::Incremental => self.changed_page(&mut pos, &mut records).await?,
            };
            if let Some(archived) = archived_total
                && pos.total_hint.is_none()
            {
                pos.total_hint = Some(step.total + archived);
            }
            if !step.pass_done {
                break false;
            }
            if !pos.next_pass() {
                break true;
            }
            if step.fetched > 0 {
                break false;
            }
        };
        let total_hint = pos.total_hint;
        if done {
            cur.watermark = max_opt(cur.watermark.take(), pos.max_seen.take());
        } else {
            cur.position = Some(pos);
        }
        Ok(Page {
            records,
            readings: Vec::new(),
            cursor: cur.encode(),
            done,
            unchanged: false,
            rejected: 0,
            total_hint,
            failure: None,
        })
    }
}
