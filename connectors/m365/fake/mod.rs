//! A fake Microsoft 365 tenant: the Microsoft identity platform's token endpoint and
//! Microsoft Graph's email usage reports, over a generated tenant.
//!
//! It is the contract fake of the `m365` connector's tests. What it serves follows
//! Microsoft's documentation (learn.microsoft.com): the client-credentials token request
//! and answer (`POST /{tenant}/oauth2/v2.0/token`, `token_type`, `expires_in`,
//! `access_token`) and its `AADSTS` errors (90002 unknown tenant, 700016 unknown client,
//! 7000215 wrong secret, with their trace lines); `GET
//! /v1.0/reports/getMailboxUsageDetail(period='D7')` and
//! `getEmailActivityUserDetail(date=YYYY-MM-DD)` answering `302 Found` to a download URL
//! that needs no token and serves the CSV (`application/octet-stream`, a UTF-8 byte order
//! mark, the documented columns); Graph's error body (`{"error": {"code", "message",
//! "innerError"}}`) for 401 `InvalidAuthenticationToken`, 400 `BadRequest` and 429
//! `TooManyRequests` with `Retry-After`; and concealed names (32 hex digits in place of
//! each address and display name). The 403 of an app without `Reports.Read.All` is
//! constructed from reports of it, not from a documented sample.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use parcd_fakes::m365::{FakeOptions, M365Fake, Tenant, TenantSpec};
//!
//! let refresh_date = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
//! let tenant = Tenant::generate(&TenantSpec { mailboxes: 300, seed: 7, refresh_date });
//! let fake = M365Fake::start(tenant, FakeOptions::default()).await?;
//! println!("login_url and graph_url: {}", fake.base_url());
//! fake.shutdown();
//! # Ok(())
//! # }
//! ```
//!
//! Known simplifications: one tenant, CSV only (no `$format=application/json`), no
//! `If-None-Match`, no other report; the token is opaque (not a JWT Graph could read).

mod server;
mod tenant;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use tenant::{
    ACTIVITY_HEADER, DOMAINS, DayActivity, Mailbox, Tenant, TenantSpec, USAGE_HEADER, concealed,
    domain,
};

/// The app registration the fake accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeOptions {
    /// The directory id of the token endpoint's path.
    pub tenant_id: String,
    /// The application (client) id.
    pub client_id: String,
    /// The client secret's value.
    pub client_secret: String,
    /// `expires_in` of the tokens issued.
    pub token_lifetime_seconds: u64,
    /// False: the app lacks `Reports.Read.All`, every report is 403.
    pub reports_permission: bool,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            tenant_id: "0c5d6f2e-4b1a-4e8f-9d3c-7a2b1c0d9e8f".into(),
            client_id: "3f9e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f".into(),
            client_secret: "parcd~fake.m365-secret_4242".into(),
            token_lifetime_seconds: 3599,
            reports_permission: true,
        }
    }
}

/// A failure served on the next report requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 429 `TooManyRequests` with `Retry-After: <seconds>`.
    Throttled(u64),
    /// 503 `serviceNotAvailable`.
    ServiceUnavailable,
    /// The report's CSV with a figure that is not a number.
    MalformedCsv,
    /// The report's CSV cut in the middle of a row.
    HalfPage,
    /// Waits this long, then answers normally.
    Hang(Duration),
}

/// Counters of what clients asked, for assertions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FakeStats {
    /// Requests to the token endpoint.
    pub token_requests: usize,
    /// Requests to Graph's report functions.
    pub report_requests: usize,
    /// Requests to the download host.
    pub downloads: usize,
    /// Downloads that carried an `Authorization` header: the token leaving Graph.
    pub downloads_with_authorization: usize,
    /// Token or report requests refused for their credentials.
    pub refused: usize,
    /// Injected faults served so far.
    pub faults_served: usize,
}

/// Starts fakes.
pub struct M365Fake;

impl M365Fake {
    /// Serves `tenant` on `127.0.0.1` at a free port (the token endpoint, Graph and the
    /// download host all on it), until [`FakeHandle::shutdown`] or the runtime's end.
    pub async fn start(tenant: Tenant, opts: FakeOptions) -> std::io::Result<FakeHandle> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(server::Shared {
            base_url: format!("http://{addr}"),
            opts,
            tenant: Mutex::new(tenant),
            control: Mutex::new(server::Control::default()),
        });
        let (stop, mut stopped) = watch::channel(false);
        let app = server::router(Arc::clone(&shared));
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            if let Err(error) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(%error, "m365 fake stopped");
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
    /// `http://127.0.0.1:PORT`: both `login_url` and `graph_url`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The options it was started with.
    pub fn options(&self) -> FakeOptions {
        self.shared.opts.clone()
    }

    /// Reads or changes the tenant (mailboxes, activity, refresh date, concealment).
    pub fn with_tenant<R>(&self, f: impl FnOnce(&mut Tenant) -> R) -> R {
        f(&mut server::lock(&self.shared.tenant))
    }

    /// The next `times` report requests get `fault`, after the faults already queued.
    pub fn inject(&self, fault: Fault, times: usize) {
        if times > 0 {
            server::lock(&self.shared.control)
                .faults
                .push_back((fault, times));
        }
    }

    /// Invalidates every token issued, as a revoked secret or a tenant-wide sign-out does.
    pub fn revoke_tokens(&self) {
        server::lock(&self.shared.control).tokens.clear();
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> FakeStats {
        server::lock(&self.shared.control).stats.clone()
    }

    /// Stops accepting connections.
    pub fn shutdown(&self) {
        self.stop.send_replace(true);
    }
}
