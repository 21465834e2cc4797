//! The figures kept current as the store changes: the fleet indicators ([`fleet`]), the
//! AGEC, REEN and DEEE figures ([`circularity`]), the printing figures ([`printing`]), and the alerts they raise, recorded with
//! their messages ([`alert_queue`]) and delivered ([`alert_dispatch`]). The arithmetic is in
//! the pure domain folders; this is where it meets the store and the metrics.

pub mod alert_dispatch;
pub mod alert_queue;
pub mod circularity;
pub mod fleet;
pub mod printing;

/// How long a live task waits before computing again the figures it failed to compute (the
/// database busy or away), instead of leaving them stale until the next change or
/// periodic refresh.
pub const RETRY: std::time::Duration = std::time::Duration::from_secs(2);

/// Resolves after [`RETRY`] when `failed`, never otherwise: a branch of a task's `select!`.
pub async fn retry_after(failed: bool) {
    if failed {
        tokio::time::sleep(RETRY).await;
    } else {
        std::future::pending::<()>().await;
    }
}
