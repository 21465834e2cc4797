//! A fake Snipe-IT: an HTTP server speaking the asset endpoints of Snipe-IT's REST API
//! (`/api/v1/hardware`) over a generated fleet.
//!
//! It is the contract fake of the Snipe-IT connector's tests and a load for benchmarks.
//! Payloads follow grokability/snipe-it's `AssetsTransformer`, `Helper`
//! (`getFormattedDateObject`, `formatCurrencyOutput`, `formatStandardApiResponse`),
//! `Api\AssetsController::index` (paging, sorting, the `status` filters, archived assets
//! out of the default list), `Exceptions\Handler` (401 body, 200-with-error bodies) and
//! `RouteServiceProvider` (the 429 body and headers). The 403 and 500 bodies are Laravel's
//! own for a JSON client (constructed, not read from Snipe-IT).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use parcd_fakes::snipeit::{FakeOptions, Fleet, FleetSpec, SnipeitFake};
//!
//! // The benchmark's load: 100 000 assets, generated in well under a second.
//! let fleet = Fleet::generate(&FleetSpec { assets: 100_000, seed: 7 });
//! let fake = SnipeitFake::start(fleet, FakeOptions::default()).await?;
//! println!("Snipe-IT at {} (token {:?})", fake.base_url(), FakeOptions::default().token);
//! fake.shutdown();
//! # Ok(())
//! # }
//! ```
//!
//! Known simplifications: only the asset endpoints (no users, models or status label
//! endpoints: the asset rows carry what the connector reads), no `search`/`filter`
//! parameters, no writes, ties of a sort broken by id.

mod fleet;
mod generate;
mod render;
mod server;
#[cfg(test)]
mod tests;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use fleet::{
    Asset, Cost, DigitSeparator, Fieldset, Fleet, Model, Named, Settings, StatusLabel, StatusType,
};
pub use generate::{FleetSpec, generated_at};
pub use render::{e as html_escape, number_format};

/// Who may call the fake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeOptions {
    /// The personal API key accepted as `Authorization: Bearer <token>`.
    pub token: String,
    /// A key whose user may not view assets: 403.
    pub denied_token: Option<String>,
}

impl Default for FakeOptions {
    /// Token `"parcd-snipeit-fake"`, no denied token.
    fn default() -> Self {
        FakeOptions {
            token: "parcd-snipeit-fake".into(),
            denied_token: None,
        }
    }
}

/// A failure served on the next requests, before authentication is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 500 `{"message": "Server Error"}`.
    ServerError,
    /// 429 with `Retry-After: <seconds>` and Snipe-IT's throttle body.
    RateLimited(u64),
    /// A PHP deprecation notice printed before the JSON.
    MalformedJson,
    /// The normal answer, its body cut halfway.
    TruncatedPage,
    /// Valid JSON with half the rows and the full `total`, as an instance whose
    /// `max_results` is below the `limit` asked answers.
    ShortPage,
    /// HTTP 200 with `{"status": "error", "messages": …}` instead of the data.
    ErrorBody,
    /// Waits this long, then answers normally.
    Hang(Duration),
}

/// Counters of what clients asked, for assertions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FakeStats {
    /// Requests to the API, whatever their outcome.
    pub requests: usize,
    /// Requests refused for a missing or wrong token.
    pub refused: usize,
    /// The raw query string of every request, in order.
    pub queries: Vec<String>,
    /// Injected faults served so far.
    pub faults_served: usize,
}

/// Starts fakes.
pub struct SnipeitFake;

impl SnipeitFake {
    /// Serves `fleet` on `127.0.0.1` at a free port, in a task of the current runtime,
    /// until [`FakeHandle::shutdown`] or the runtime's end.
    pub async fn start(fleet: Fleet, opts: FakeOptions) -> std::io::Result<FakeHandle> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(server::Shared {
            base_url: format!("http://{addr}"),
            opts,
            data: Mutex::new(server::Data::new(fleet)),
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
                tracing::warn!(%error, "snipeit fake stopped");
            }
        });
        Ok(FakeHandle {
            shared,
            addr,
            stop: Arc::new(stop),
        })
    }
}

/// Controls a running fake; clones control the same one.
#[derive(Clone)]
pub struct FakeHandle {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    stop: Arc<watch::Sender<bool>>,
}

impl std::fmt::Debug for FakeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeHandle {
    /// `http://127.0.0.1:PORT`: the instance's base URL (the API is under `/api/v1`).
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The loopback address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Reads or changes the served data (assets, settings); requests wait meanwhile.
    pub fn with_fleet<R>(&self, f: impl FnOnce(&mut Fleet) -> R) -> R {
        let mut data = server::lock(&self.shared.data);
        let result = f(&mut data.fleet);
        data.changed();
        result
    }

    /// The next `times` requests get `fault`, after the faults already queued.
    pub fn inject(&self, fault: Fault, times: usize) {
        if times > 0 {
            server::lock(&self.shared.control)
                .faults
                .push_back((fault, times));
        }
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> FakeStats {
        server::lock(&self.shared.control).stats.clone()
    }

    /// Stops accepting connections and closes the open ones once their request is done.
    pub fn shutdown(&self) {
        self.stop.send_replace(true);
    }
}
