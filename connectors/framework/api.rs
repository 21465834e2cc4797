//! The one trait every connector implements, and what flows through it.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::ConnectorError;
use crate::inventory::{InventoryDevice, InventoryFeed};
use crate::reading::Reading;
use crate::record::AssetRecord;

/// What a source is to parcd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Says which devices exist: its records make the fleet, and a full sync that no longer
    /// sees a device marks it vanished.
    Inventory,
    /// Measures things over time (page counters, mailbox sizes): readings only. It never
    /// adds a device to the fleet nor vanishes one, so a printer it polls is not counted
    /// beside its inventory record.
    Telemetry,
}

impl Role {
    /// Stable lower-case name, used in logs, `check-config` and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Inventory => "inventory",
            Role::Telemetry => "telemetry",
        }
    }
}

/// How much of the source a sync reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// Everything: lets the core find the items that vanished from the source.
    Full,
    /// Only what changed since the cursor's watermark.
    Incremental,
}

impl SyncMode {
    /// Stable lower-case name, used in logs, metrics labels and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncMode::Full => "full",
            SyncMode::Incremental => "incremental",
        }
    }

    /// Parses the name written by [`SyncMode::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "full" => Some(SyncMode::Full),
            "incremental" => Some(SyncMode::Incremental),
            _ => None,
        }
    }
}

/// Opaque position of a connector in its source. Only the connector that wrote it reads
/// it; the core stores it, in the same transaction as the page it came with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor(pub String);

/// What the core asks for: the next page of a sync.
#[derive(Debug, Clone)]
pub struct PollRequest<'a> {
    /// The kind of sync under way. When the cursor carries a position, this is the mode
    /// the sync was started with (the core persists it across restarts).
    pub mode: SyncMode,
    /// `None` on the very first sync of a source; otherwise the cursor of the last
    /// committed page.
    pub cursor: Option<&'a Cursor>,
    /// The devices of [`Connector::inventory_feed`], as the store held them when the sync
    /// started; empty for a connector that asks for none.
    pub inventory: &'a [InventoryDevice],
}

/// One page of records, readings or both, and the cursor that follows it.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Devices as the source describes them now (inventory sources only).
    pub records: Vec<AssetRecord>,
    /// Measures taken by the source, each with its own timestamp.
    pub readings: Vec<Reading>,
    /// Where to resume. When `done` is true this is the resting cursor (the watermark the
    /// next incremental sync starts from); otherwise it points inside the sync under way.
    pub cursor: Cursor,
    /// True on the last page of a sync.
    pub done: bool,
    /// The source has not changed since the sync that wrote the cursor (a file with the
    /// same fingerprint): nothing was read, and nothing may be taken as vanished. Only on a
    /// page that is `done`.
    pub unchanged: bool,
    /// Rows of the source that could not be read as a device (no identity, no category...)
    /// and were left out of `records`. The connector logs each with where it stands in the
    /// source; the core counts them, so a DSI sees that part of its list is not measured.
    /// For a telemetry source polling an inventory's devices: those it could not poll (a
    /// printer with no address), for the same reason.
    pub rejected: u64,
    /// How many records the whole sync is expected to read, when the source says so
    /// (progress bars).
    pub total_hint: Option<u64>,
    /// The source failed as a whole, yet this last page holds what that failure means for
    /// its devices: a telemetry round in which no device answered gives each its
    /// `responding = 0`, so a printer switched off shows as not responding rather than
    /// keeping its last "answering" state. The core stores the page and its cursor, then
    /// counts the sync as failed with this error (source down, error counted by type).
    /// Only on a `done` page of a telemetry source; an inventory source's page with a
    /// failure is not applied (its records would vanish what it failed to read).
    pub failure: Option<ConnectorError>,
}

/// A source system parcd can read.
///
/// `poll` returns one page and must not sleep, retry forever, or keep state the core cannot
/// rebuild from the cursor: after a crash the core calls it again with the last committed
/// cursor, possibly in a new process.
#[async_trait]
pub trait Connector: Send + Sync + 'static {
    /// Stable snake_case id: the config `kind`.
    fn kind(&self) -> &'static str;

    /// Whether the source's records make the fleet or it only measures.
    fn role(&self) -> Role {
        Role::Inventory
    }

    /// False when the source cannot tell what changed (a file is read whole): every sync
    /// of it is then a full one, and finds the devices that vanished.
    fn incremental(&self) -> bool {
        true
    }

    /// The inventory devices this source polls, handed over in every [`PollRequest`]: a
    /// telemetry source reading the printers an inventory knows names them here, and the
    /// core, which alone reads the store, gives them.
    fn inventory_feed(&self) -> Option<InventoryFeed> {
        None
    }

    /// Cheap reachability and credentials probe.
    async fn check(&self) -> Result<(), ConnectorError>;

    /// The next page of the sync described by `request`.
    async fn poll(&self, request: PollRequest<'_>) -> Result<Page, ConnectorError>;

    /// Releases what the connector holds at the source (sessions). Called on shutdown.
    async fn close(&self) {}
}
