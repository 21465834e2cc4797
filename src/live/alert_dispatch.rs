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

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};

use crate::alerts::channel::Channel;
use crate::alerts::message::Language;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

/// When nothing wakes the dispatcher, it looks at the outbox this often anyway.
const IDLE_CHECK: Duration = Duration::from_secs(60);

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

    /// One pass over the outbox. Returns how long until a channel in backoff may be tried.
    async fn deliver(
        &self,
        backoff: &mut HashMap<String, Backoff>,
        refused: &mut HashMap<i64, Backoff>,
    ) -> Result<Option<Duration>, StoreError> {
        let pending = self.store.outbox_pending().await?;
        let mut left: HashMap<&str, i64> = self.channels.iter().map(|c| (c.name(), 0)).collect();
        for e in &pending {
            *left.entry(e.outgoing.channel.as_str()).or_default() += 1;
        }
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
                *left.entry(name).or_default() -= 1;
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
            match channel.send(&e.outgoing, self.language).await {
                Ok(()) => {
                    self.store
                        .outbox_sent(e.outgoing.id, chrono::Utc::now().timestamp())
                        .await?;
                    backoff.remove(name);
                    refused.remove(&e.outgoing.id);
                    *left.entry(name).or_default() -= 1;
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
        for (name, n) in left {
            self.metrics
                .circularity
                .notifications_pending
                .with_label_values(&[name])
                .set(n.max(0));
        }
        let now = Instant::now();
        Ok(backoff
            .values()
            .chain(refused.values())
            .map(|b| b.until.saturating_duration_since(now))
            .min())
    }

    /// Delivers until `stop`, waking on `wake` (a new message), on a channel's retry time, or
    /// every minute.
    pub async fn run(self, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
        let mut backoff = HashMap::new();
        let mut refused = HashMap::new();
        loop {
            let next = match self.deliver(&mut backoff, &mut refused).await {
                Ok(next) => next.unwrap_or(IDLE_CHECK).min(IDLE_CHECK),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the alert outbox");
                    self.retry_initial
                }
            };
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(next.max(Duration::from_millis(50))) => {}
                _ = async { drop(stop.wait_for(|s| *s).await) } => return,
            }
        }
    }
}
