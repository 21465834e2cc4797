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
use client::SnipeitClient;
use client::{ListPage, Order, read_page};
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

/// Raises `max` to `stamp`, copying the stamp only when it is the new maximum.
fn raise(max: &mut Option<String>, stamp: Option<&str>) {
    if let Some(s) = stamp
        && max.as_deref().is_none_or(|m| s > m)
    {
        *max = Some(s.to_string());
    }
}

fn is_archived(row: &wire::Row) -> bool {
    row.label().and_then(|l| l.status_type.as_deref()) == Some("archived")
}

impl SnipeitConnector {
    pub fn new(params: SnipeitParams) -> Result<Self, ConnectorError> {
        let client = SnipeitClient::new(&params)?;
        Ok(SnipeitConnector { params, client })
    }

    fn row_id(pass: Pass, page: &ListPage, i: usize) -> Result<u64, ConnectorError> {
        page.rows[i].id.ok_or_else(|| ConnectorError::Decode {
            endpoint: endpoint(pass).into(),
            detail: format!("an asset row without an id: {}", page.row_text(i)),
        })
    }

    /// Keeps a row of the current pass: archived assets belong to the second pass.
    fn keep(&self, pass: Pass, row: &wire::Row, records: &mut Vec<AssetRecord>) {
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
        let mut body;
        let page = loop {
            body = self
                .client
                .list(pos.pass, Order::IdAsc, probe, limit)
                .await?;
            let page = read_page(endpoint(pos.pass), &body)?;
            let first = match page.rows.is_empty() {
                true => None,
                false => Some(Self::row_id(pos.pass, &page, 0)?),
            };
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
        let total = page.total;
        let n = page.rows.len() as u64;
        if n == 0 && probe == 0 && total > 0 {
            return Err(ConnectorError::Protocol {
                endpoint: endpoint(pos.pass).into(),
                detail: format!("the listing counts {total} assets but its first page is empty"),
            });
        }
        let mut previous = None;
        for (i, row) in page.rows.iter().enumerate() {
            let id = Self::row_id(pos.pass, &page, i)?;
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
            raise(&mut pos.max_seen, wire::stamp(&row.updated_at).as_deref());
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
        let body = self
            .client
            .list(
                pos.pass,
                Order::UpdatedDesc,
                pos.offset,
                self.params.page_size,
            )
            .await?;
        let page = read_page(endpoint(pos.pass), &body)?;
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
        let mut previous = None;
        for (i, row) in page.rows.iter().enumerate() {
            Self::row_id(pos.pass, &page, i)?;
            let stamp = wire::stamp(&row.updated_at);
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
            raise(&mut pos.max_seen, stamp.as_deref());
            previous = stamp.or(previous);
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
        let body = self.client.list(Pass::Listed, Order::IdAsc, 0, 1).await?;
        read_page(endpoint(Pass::Listed), &body).map(|_| ())
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
                    SyncMode::Full => {
                        let body = self.client.list(Pass::Archived, Order::IdAsc, 0, 1).await?;
                        Some(read_page(endpoint(Pass::Archived), &body)?.total)
                    }
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
