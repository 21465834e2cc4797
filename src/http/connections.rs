//! The HTTP server's connections: bounded in number and in idle time, so that clients that
//! connect and say nothing (a scanner, a probe left open, a proxy's idle pool) cannot use up
//! the process's file descriptors, which the pollers need for their own connections.

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::sync::{Semaphore, watch};

/// How the server treats its connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once. Past it, new ones wait in the kernel's accept queue,
    /// where they hold no descriptor of parcd's.
    pub max_connections: usize,
    /// The time a connection has to send a request's headers, counted from its opening or
    /// from the previous response: it closes idle keep-alive connections and those that
    /// trickle their headers a byte at a time.
    pub idle_timeout: Duration,
}

/// The most hyper reads of a request head: far above [`super::guard::MAX_HEADER_BYTES`],
/// so that a head over that limit is read whole and answered with the guard's explanation
/// (a client sending much more may see its connection reset before it reads the answer).
/// Past this, hyper refuses the request itself, explained by [`super::parse_errors`]. The
/// buffer grows only as a client sends: an ordinary request uses a few KiB.
pub const READ_BUFFER_BYTES: usize = 1024 * 1024;

/// Longest life of one connection, whatever it does: a client that never reads its
/// response would otherwise keep its slot.
const MAX_CONNECTION_LIFE: Duration = Duration::from_secs(300);

/// Time left to the requests under way once the daemon stops.
const DRAIN: Duration = Duration::from_secs(10);

/// Pause after an accept error such as "too many open files", which repeats at once
/// until a descriptor is freed.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` until `stop` turns true, then lets the requests under way
/// finish (for [`DRAIN`] at most).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let stopping = |stop: &mut watch::Receiver<bool>| {
        let mut stop = stop.clone();
        async move { drop(stop.wait_for(|s| *s).await) }
    };
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = stopping(&mut stop) => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept an HTTP connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = stopping(&mut stop) => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(limits.idle_timeout)
            .max_buf_size(READ_BUFFER_BYTES);
        let stream = super::parse_errors::Explained::new(stream);
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // Errors here are the client's (a reset, a timeout): nothing to report.
            let _ = tokio::time::timeout(MAX_CONNECTION_LIFE, connection).await;
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("HTTP requests still under way after {DRAIN:?}: closed");
    }
}
