//! Alerts to procurement when an AGEC minimum is not met or at risk.
//!
//! - [`evaluate`]: which alerts fire, remind, resolve or expire (pure);
//! - [`model`]: what an alert says ([`model::Notice`]), frozen when it changes state;
//! - [`message`]: its subject and body, in French or English;
//! - [`settings`]: the `[alerts]` section of the configuration (language, reminders, channels);
//! - [`channel`]: one destination ([`channel::Channel`]) and why a send failed;
//! - [`email`]: the email channel (SMTP through lettre);
//!
//! Recording an evaluation and delivering the outbox need the store: they are in
//! `live::alert_queue` and `live::alert_dispatch`.
//! - [`webhook`]: the webhook channel (JSON POST: text, Teams Adaptive Card, or the notice);

pub mod channel;
pub mod email;
pub mod evaluate;
pub mod message;
pub mod model;
pub mod settings;
pub mod webhook;
