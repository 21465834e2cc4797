//! A GLPI simulator: an HTTP server speaking GLPI's legacy REST API (`apirest.php`) over
//! a generated fleet.
//!
//! It is the contract fake of the GLPI connector's tests, the source behind `parcd demo`
//! and the load of the benchmarks (100,000 assets, and a million, which it holds in about
//! 950 MB of rows and renders a page at a time). It behaves as GLPI 10.0.19 does where a
//! client can tell: session tokens, `[code, message]` error arrays with GLPI's codes and
//! status, `range` paging with `Content-Range`/`Accept-Range` and a 206 on every page
//! that does not hold the whole collection, templates left in lists, ints as JSON numbers
//! and DECIMAL columns as text.
//!
//! The fleet is the inventory of "SIN Val-de-Brume", a fictional syndicate running the IT
//! of a ville-centre and eight communes.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use parcd_fakes::glpi::{Fleet, FleetSpec, SimOptions, Simulator};
//!
//! let fleet = Fleet::generate(&FleetSpec { assets: 500, seed: 7, templates: 3 });
//! let sim = Simulator::start(fleet, SimOptions {
//!     app_token: None,
//!     user_token: "secret".into(),
//!     login: None,
//! })
//! .await?;
//! println!("GLPI at {}", sim.base_url());
//! sim.shutdown();
//! # Ok(())
//! # }
//! ```
//!
//! Asked `with_networkports=true`, asset rows carry `_networkports` (`network.rs`); a
//! device has an address once a test or the demo gives it one ([`Fleet::set_address`]).
//!
//! Known simplifications: no `search/` endpoint, no writes (POST/PUT/DELETE answer 405),
//! no users or groups tables behind `users_id`/`groups_id`, sub-item lists only for
//! `Infocom` and a printer's `PrinterLog` (other children of an asset are empty lists).
//! The printer log is empty until a test or the demo records inventories
//! ([`Fleet::inventory_printer`], [`Fleet::record_printer_history`]).

mod catalog;
mod fleet;
mod generate;
mod network;
mod rows;
mod server;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use fleet::{
    Asset, AssetType, EntityRow, Fleet, FleetSpec, Groups, Infocom, LocationRow, ModelRow,
    NamedRow, PageCounters, PrinterLogRow, SqlDate, StateRow, SupplierRow, generated_at,
};

/// How clients must authenticate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimOptions {
    /// When set, every call needs this `App-Token`; when unset, sending one is an error,
    /// as with a GLPI API client that has no app token.
    pub app_token: Option<String>,
    /// Accepted in `Authorization: user_token <token>`.
    pub user_token: String,
    /// `(login, password)` accepted in `Authorization: Basic`; `None` disables that way
    /// in (`ERROR_LOGIN_WITH_CREDENTIALS_DISABLED`).
    pub login: Option<(String, String)>,
}

impl Default for SimOptions {
    /// No app token, user token `"parcd-simulator"`, no login.
    fn default() -> Self {
        SimOptions {
            app_token: None,
            user_token: "parcd-simulator".into(),
            login: None,
        }
    }
}

/// A failure to serve on the next data requests (every call but `initSession` and
/// `killSession`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 500 `["ERROR_SQL", "Unexpected SQL Error : ..."]`, before any other check.
    ServerError,
    /// The normal status and headers, with a PHP warning printed before the JSON.
    /// Like the two other body faults, it leaves error replies (4xx) untouched.
    MalformedJson,
    /// The normal status and headers (the full `Content-Range`), the body cut halfway.
    TruncatedPage,
    /// Waits this long, then answers normally.
    Delay(Duration),
    /// Valid JSON of the wrong shape: an object keyed `"0"`, `"1"`... where a list is
    /// expected, `[]` where an object is expected.
    WrongShape,
    /// The normal status and headers, then the connection closed halfway through the
    /// body, as when a proxy or the PHP worker dies mid-answer.
    Dropped,
}

/// Whether the simulator serves `PrinterLog` (`/PrinterLog/`, `/Printer/<id>/PrinterLog/`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PrinterLogAccess {
    /// As GLPI 10 to a profile that reads printers.
    #[default]
    Served,
    /// As GLPI 9.5, which has no printer log: `400 ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM`.
    Absent,
    /// As GLPI 10 to a profile without the read right: `403 ERROR_RIGHT_MISSING`.
    Forbidden,
}

/// Counters of what clients asked, for assertions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Successful `initSession` calls.
    pub init_sessions: usize,
    /// `initSession` calls refused.
    pub failed_logins: usize,
    /// Successful `killSession` calls.
    pub kill_sessions: usize,
    /// Sessions open now.
    pub live_sessions: usize,
    /// Data requests (all but `initSession`/`killSession`), whatever their outcome.
    pub requests: usize,
    /// Data requests by first path segment as sent (`"Computer"`, `"Infocom"`...).
    pub requests_by_itemtype: BTreeMap<String, usize>,
    /// The `range` parameter of the last list request, `None` if it had none.
    pub last_range_requested: Option<String>,
    /// Path after `apirest.php/` of the last data request.
    pub last_path: Option<String>,
    /// Raw query string of the last data request.
    pub last_query: Option<String>,
    /// Injected faults served so far.
    pub faults_served: usize,
}

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Serves `fleet` on `127.0.0.1` at a free port, in a task of the current runtime,
    /// until [`SimHandle::shutdown`] or the runtime's end.
    pub async fn start(fleet: Fleet, opts: SimOptions) -> std::io::Result<SimHandle> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(server::Shared {
            api_url: format!("http://{addr}/apirest.php"),
            opts,
            data: Mutex::new(server::Data {
                fleet,
                orders: HashMap::new(),
            }),
            control: Mutex::new(server::Control::default()),
        });
        let (stop, mut stopped) = watch::channel(false);
        let app = server::router(Arc::clone(&shared));
        tokio::spawn(async move {
            let shutdown = async move {
                // An error means every handle is gone: nobody can stop it any more.
                let _ = stopped.wait_for(|s| *s).await;
            };
            if let Err(error) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(%error, "glpi simulator stopped");
            }
        });
        Ok(SimHandle {
            shared,
            addr,
            stop: Arc::new(stop),
        })
    }
}

/// Controls a running simulator; clones control the same one.
#[derive(Clone)]
pub struct SimHandle {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    stop: Arc<watch::Sender<bool>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl SimHandle {
    /// `http://127.0.0.1:PORT/apirest.php`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.api_url.clone()
    }

    /// The loopback address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Reads or changes the served data; requests wait meanwhile.
    pub fn with_fleet<R>(&self, f: impl FnOnce(&mut Fleet) -> R) -> R {
        let mut data = server::lock(&self.shared.data);
        let result = f(&mut data.fleet);
        data.orders.clear();
        result
    }

    /// Invalidates every live session token (`401 ERROR_SESSION_TOKEN_INVALID` next).
    pub fn expire_sessions(&self) {
        let mut control = server::lock(&self.shared.control);
        control.sessions.clear();
        control.stats.live_sessions = 0;
    }

    /// Makes the list of `itemtype` answer `200 []` without `Content-Range` (or normally
    /// again), as a GLPI whose profile lost the right to that type, or a plugin that
    /// filters it, answers while every other type reads as usual.
    pub fn answer_empty_list(&self, itemtype: &str, empty: bool) {
        let mut control = server::lock(&self.shared.control);
        if empty {
            control.empty_lists.insert(itemtype.to_string());
        } else {
            control.empty_lists.remove(itemtype);
        }
    }

    /// Serves the printer log, or refuses it as a GLPI without it does.
    pub fn printer_log(&self, access: PrinterLogAccess) {
        server::lock(&self.shared.control).printer_log = access;
    }

    /// The next `times` data requests get `fault`, after the faults already queued.
    pub fn inject(&self, fault: Fault, times: usize) {
        if times > 0 {
            server::lock(&self.shared.control)
                .faults
                .push_back((fault, times));
        }
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> SimStats {
        server::stats(&self.shared)
    }

    /// Stops accepting connections and closes the open ones once their request is done.
    pub fn shutdown(&self) {
        self.stop.send_replace(true);
    }
}
