//! Sends the outbox's messages to their channels, in order, and keeps the ones a channel
//! refuses or cannot take for the next attempt.
//!
//! A message is marked sent only after its channel accepted it, and each channel is retried
//! with a doubling delay: an outage delays alerts, it never loses one. A message the channel
//! answers but refuses (an HTTP 400, an SMTP 550: something in that message, not the
//! channel) is retried on its own delay and does not hold up the channel's later messages. A crash between a
//! channel's acceptance and the mark would send that one message again on restart; every
//! message carries its outbox id (email Message-ID, webhook Idempotency-Key) so a receiver
//! can drop the copy.
//!
//! Several replicas on one database each run a dispatcher: a message is claimed by one of
//! them ([`Store::outbox_claim`]) for [`Dispatcher::lease`], renewed right before each
//! send, so that no two replicas send it. The lease outlasts the slowest send of any
//! channel; a replica that dies holding messages delays them by the lease at most, and one
//! that stops gives them up at once. Claims compare the replicas' clocks (unix seconds):
//! their skew must stay well under the lease, which NTP ensures.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};

use crate::alerts::channel::Channel;
use crate::alerts::message::Language;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

/// When nothing wakes the dispatcher, it looks at the outbox this often anyway: a message
/// queued by another replica that died before sending it is found within this time of its
/// claim running out.
const IDLE_CHECK: Duration = Duration::from_secs(60);

/// While messages wait (held by this replica or another), the outbox is looked at this
/// often.
const PENDING_RECHECK: Duration = Duration::from_secs(5);

/// What a claim adds to the slowest channel's timeout: the time between the renewal and
/// the send, and the mark after it.
const LEASE_MARGIN: Duration = Duration::from_secs(60);

/// This process among the replicas: host, process id and start time, so that a restarted
/// process is another claimant than the one that died.
fn replica_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .unwrap_or_else(|| "parcd".into());
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{host}/{}/{started:x}", std::process::id())
}

pub struct Dispatcher {
    pub store: Store,
    pub channels: Vec<Channel>,
    pub language: Language,
    pub metrics: Arc<Metrics>,
    pub retry_initial: Duration,
    pub retry_max: Duration,
}

/// A channel's failures in a row and when to try it again.
#[derive(Debug, Clone, Copy)]
struct Backoff {
    failures: u32,
    until: Instant,
}

impl Dispatcher {
    fn delay(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
        self.retry_initial
            .saturating_mul(factor)
            .min(self.retry_max.max(self.retry_initial))
    }

    /// How long a claim on a message lasts: twice the slowest channel's timeout, plus a
    /// margin.
    pub fn lease(&self) -> Duration {
        let slowest = self
            .channels
            .iter()
            .map(Channel::timeout)
            .max()
            .unwrap_or_default();
        slowest.saturating_mul(2) + LEASE_MARGIN
    }

    /// The end of a claim made now, in unix seconds.
    fn claim_until(&self) -> i64 {
        let lease = i64::try_from(self.lease().as_secs()).unwrap_or(i64::MAX);
        chrono::Utc::now().timestamp().saturating_add(lease)
    }

    /// One pass over the messages this replica holds. Returns how long until a channel in
    /// backoff may be tried.
    async fn deliver(
        &self,
        owner: &str,
        backoff: &mut HashMap<String, Backoff>,
        refused: &mut HashMap<i64, Backoff>,
    ) -> Result<Option<Duration>, StoreError> {
        let pending = self
            .store
            .outbox_claim(owner, chrono::Utc::now().timestamp(), self.claim_until())
            .await?;
        for e in &pending {
            let name = e.outgoing.channel.as_str();
            let Some(channel) = self.channels.iter().find(|c| c.name() == name) else {
                tracing::warn!(
                    channel = name,
                    id = e.outgoing.id,
                    "alert message for a channel no longer configured: kept in the outbox, not sent"
                );
                self.store
                    .outbox_dropped(e.outgoing.id, chrono::Utc::now().timestamp())
                    .await?;
                continue;
            };
            // Messages of a channel in backoff wait behind the first one, so they arrive in order.
            if backoff.get(name).is_some_and(|b| b.until > Instant::now())
                || refused
                    .get(&e.outgoing.id)
                    .is_some_and(|b| b.until > Instant::now())
            {
                continue;
            }
            // Taken by another replica since the claim (this one stalled past its lease).
            if !self
                .store
                .outbox_renew(e.outgoing.id, owner, self.claim_until())
                .await?
            {
                continue;
            }
            match channel.send(&e.outgoing, self.language).await {
                Ok(()) => {
                    self.store
                        .outbox_sent(e.outgoing.id, chrono::Utc::now().timestamp())
                        .await?;
                    backoff.remove(name);
                    refused.remove(&e.outgoing.id);
                    self.metrics
                        .circularity
                        .notifications_sent
                        .with_label_values(&[name])
                        .inc();
                    tracing::info!(
                        channel = name,
                        id = e.outgoing.id,
                        category = e.outgoing.notice.category.id(),
                        "alert message sent"
                    );
                }
                Err(err) => {
                    // An outage holds the whole channel, to keep its messages in order; a
                    // refusal holds only the refused message.
                    let held = if err.kind() == "rejected" {
                        refused.get(&e.outgoing.id).copied()
                    } else {
                        backoff.get(name).copied()
                    };
                    let failures = held.map_or(0, |b| b.failures) + 1;
                    let wait = self.delay(failures);
                    let b = Backoff {
                        failures,
                        until: Instant::now() + wait,
                    };
                    if err.kind() == "rejected" {
                        refused.insert(e.outgoing.id, b);
                    } else {
                        backoff.insert(name.to_string(), b);
                    }
                    self.metrics
                        .circularity
                        .notification_failures
                        .with_label_values(&[name, err.kind()])
                        .inc();
                    self.store
                        .outbox_failed(
                            e.outgoing.id,
                            &err.to_string(),
                            chrono::Utc::now().timestamp(),
                        )
                        .await?;
                    tracing::warn!(
                        channel = name,
                        id = e.outgoing.id,
                        error = %err,
                        retry_in_seconds = wait.as_secs(),
                        "cannot send an alert message; it stays queued"
                    );
                }
            }
        }
        // Every replica publishes the whole outbox's count: the same figure, to aggregate
        // with max over replicas.
        let counts = self.store.outbox_pending_counts().await?;
        for c in &self.channels {
            let n = counts
                .iter()
                .find(|(name, _)| name == c.name())
                .map_or(0, |(_, n)| *n);
            self.metrics
                .circularity
                .notifications_pending
                .with_label_values(&[c.name()])
                .set(n);
        }
        let now = Instant::now();
        let retry = backoff
            .values()
            .chain(refused.values())
            .map(|b| b.until.saturating_duration_since(now));
        // Messages another replica holds: look again soon, for the gauge to follow their
        // delivery and to take them over if that replica stalls.
        let others = counts
            .iter()
            .any(|(_, n)| *n > 0)
            .then_some(PENDING_RECHECK);
        Ok(retry.chain(others).min())
    }

    /// Delivers until `stop`, waking on `wake` (a new message), on a channel's retry time, or
    /// every minute.
    pub async fn run(self, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
        let owner = replica_name();
        let mut backoff = HashMap::new();
        let mut refused = HashMap::new();
        loop {
            let next = match self.deliver(&owner, &mut backoff, &mut refused).await {
                Ok(next) => next.unwrap_or(IDLE_CHECK).min(IDLE_CHECK),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the alert outbox");
                    self.retry_initial
                }
            };
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(next.max(Duration::from_millis(50))) => {}
                _ = async { drop(stop.wait_for(|s| *s).await) } => break,
            }
        }
        if let Err(e) = self.store.outbox_release(&owner).await {
            tracing::warn!(
                error = %e,
                "cannot give up this replica's alert messages; another replica takes them when their claim runs out"
            );
        }
    }
}
