//! The figures kept current as the store changes: the fleet indicators ([`fleet`]), the
//! AGEC, REEN and DEEE figures ([`circularity`]), and the alerts they raise, recorded with
//! their messages ([`alert_queue`]) and delivered ([`alert_dispatch`]). The arithmetic is in
//! the pure domain folders; this is where it meets the store and the metrics.

pub mod alert_dispatch;
pub mod alert_queue;
pub mod circularity;
pub mod fleet;
