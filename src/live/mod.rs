//! The figures kept current as the store changes: the fleet indicators ([`fleet`]), the
//! AGEC, REEN and DEEE figures ([`circularity`]), the printing figures ([`printing`]), the mail figures ([`mail`]), and the alerts they raise, recorded with
//! their messages ([`alert_queue`]) and delivered ([`alert_dispatch`]); the changes other
//! processes commit to the same store reach them through [`follow`]. The arithmetic is in
//! the pure domain folders; this is where it meets the store and the metrics.

pub mod alert_dispatch;
pub mod alert_queue;
pub mod circularity;
pub mod fleet;
pub mod follow;
pub mod mail;
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

/// The loop of a task that keeps figures computed from readings: `refresh` at start, a
/// second after `changed` wakes it (a round of many devices is many pages: one computation
/// for them), every `period`, and again after [`RETRY`] while it fails (returns `false`),
/// until `stop`.
pub async fn refresh_loop<F, Fut>(
    mut refresh: F,
    changed: std::sync::Arc<tokio::sync::Notify>,
    period: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut failed = !refresh().await;
    let mut full = tokio::time::interval(period);
    full.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    full.tick().await;
    loop {
        tokio::select! {
            _ = changed.notified() => {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                failed = !refresh().await;
            }
            _ = full.tick() => failed = !refresh().await,
            _ = retry_after(failed) => failed = !refresh().await,
            _ = async { drop(stop.wait_for(|s| *s).await) } => return,
        }
    }
}
