//! A channel sends one [`Outgoing`] to one destination: the email recipients, or one webhook.
//!
//! The dispatcher owns retries and the outbox; a channel only renders, sends once and says
//! what went wrong, in a [`ChannelError`] that names the channel and never holds a secret
//! (SMTP password, webhook URL with its token).

use std::error::Error as StdError;
use std::fmt;

use thiserror::Error;

use super::email::EmailChannel;
use super::message::Language;
use super::model::Outgoing;
use super::settings::AlertsConfig;
use super::webhook::WebhookChannel;

/// Why one send failed. Every variant names the channel and the server (host and port, or
/// scheme and host of a webhook), never a credential nor a URL path.
#[derive(Debug, Error)]
pub enum ChannelError {
    #[error("alert channel {channel}: cannot reach {target}: {reason}")]
    Unreachable {
        channel: String,
        target: String,
        reason: String,
    },

    #[error("alert channel {channel}: no answer from {target} within {seconds} s")]
    Timeout {
        channel: String,
        target: String,
        seconds: u64,
    },

    #[error("alert channel {channel}: TLS with {target} failed: {reason}")]
    Tls {
        channel: String,
        target: String,
        reason: String,
    },

    #[error("alert channel {channel}: {target} answered SMTP {code} {text}")]
    SmtpRejected {
        channel: String,
        target: String,
        code: u16,
        text: String,
    },

    #[error("alert channel {channel}: {target} answered HTTP {status}: {body}")]
    HttpRejected {
        channel: String,
        target: String,
        status: u16,
        /// The first 200 characters of the answer, on one line.
        body: String,
    },

    #[error("alert channel {channel}: {detail}")]
    Other { channel: String, detail: String },
}

impl ChannelError {
    /// Every value of [`ChannelError::kind`], for the metrics' series to exist from the start.
    pub const KINDS: [&'static str; 5] = ["unreachable", "timeout", "tls", "rejected", "other"];

    /// The bounded label for metrics: one of `unreachable`, `timeout`, `rejected`, `tls`,
    /// `other`.
    pub fn kind(&self) -> &'static str {
        match self {
            ChannelError::Unreachable { .. } => "unreachable",
            ChannelError::Timeout { .. } => "timeout",
            ChannelError::Tls { .. } => "tls",
            ChannelError::SmtpRejected { .. } | ChannelError::HttpRejected { .. } => "rejected",
            ChannelError::Other { .. } => "other",
        }
    }

    /// The name of the channel that failed.
    pub fn channel(&self) -> &str {
        match self {
            ChannelError::Unreachable { channel, .. }
            | ChannelError::Timeout { channel, .. }
            | ChannelError::Tls { channel, .. }
            | ChannelError::SmtpRejected { channel, .. }
            | ChannelError::HttpRejected { channel, .. }
            | ChannelError::Other { channel, .. } => channel,
        }
    }
}

/// One configured destination of alerts.
pub struct Channel {
    inner: Inner,
}

enum Inner {
    // Boxed: the SMTP transport is three times the size of the HTTP client.
    Email(Box<EmailChannel>),
    Webhook(WebhookChannel),
}

// By hand: the transports inside hold the password and the webhook URL.
impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.inner {
            Inner::Email(_) => "email",
            Inner::Webhook(_) => "webhook",
        };
        f.debug_struct("Channel")
            .field("name", &self.name())
            .field("kind", &kind)
            .finish()
    }
}

/// The channels of the configuration, email first, in the order of
/// [`AlertsConfig::channel_names`].
pub fn build_channels(cfg: &AlertsConfig) -> Vec<Channel> {
    let email = cfg.email.iter().map(|e| Channel {
        inner: Inner::Email(Box::new(EmailChannel::new(e.clone()))),
    });
    let webhooks = cfg.webhooks.iter().map(|w| Channel {
        inner: Inner::Webhook(WebhookChannel::new(w.clone())),
    });
    email.chain(webhooks).collect()
}

impl Channel {
    /// The name the outbox knows it by: `email`, or the webhook's name.
    pub fn name(&self) -> &str {
        match &self.inner {
            Inner::Email(e) => e.name(),
            Inner::Webhook(w) => w.name(),
        }
    }

    /// The longest a send may take (its exchange's timeout).
    pub fn timeout(&self) -> std::time::Duration {
        match &self.inner {
            Inner::Email(e) => e.send_timeout(),
            Inner::Webhook(w) => w.send_timeout(),
        }
    }

    /// Sends `out` once, in `lang`. Retrying is the caller's business: `out.id` goes into
    /// the message so that a receiver can drop a copy sent twice.
    pub async fn send(&self, out: &Outgoing, lang: Language) -> Result<(), ChannelError> {
        match &self.inner {
            Inner::Email(e) => e.send(out, lang).await,
            Inner::Webhook(w) => w.send(out, lang).await,
        }
    }
}

/// An error and its causes on one line, each said once (libraries often repeat their
/// source's text in their own).
pub(super) fn causes(e: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// Whether a connection failure is a TLS one. rustls is not a direct dependency, so its
/// errors cannot be downcast; tokio-rustls reports them as `InvalidData` I/O errors, and
/// certificate problems say so in their text.
pub(super) fn looks_like_tls(e: &(dyn StdError + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::InvalidData
        {
            return true;
        }
        let text = err.to_string().to_ascii_lowercase();
        if text.contains("certificate") || text.contains("handshake") || text.contains("starttls") {
            return true;
        }
        cur = err.source();
    }
    false
}

/// `text` with every non-empty `secret` in it replaced, in each form a peer may echo it
/// in ([`echoed_forms`]): servers quote what they got, encoded as they got it.
pub(super) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut forms: Vec<String> = secrets
        .iter()
        .filter(|s| !s.is_empty())
        .flat_map(|s| echoed_forms(s))
        .collect();
    // The longest first: a secret inside a longer one must not break the longer one's match.
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    forms
        .iter()
        .fold(text.to_string(), |t, s| t.replace(s.as_str(), "<hidden>"))
}

/// A secret as written, percent-encoded (a URL's path or query), and in base64 with and
/// without its padding (an SMTP AUTH exchange, an HTTP Basic header).
pub(super) fn echoed_forms(secret: &str) -> Vec<String> {
    use base64::Engine;
    let mut forms = vec![secret.to_string()];
    // RFC 3986's unreserved characters stay as they are in an encoded URL.
    const ENCODED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let encoded = percent_encoding::utf8_percent_encode(secret, ENCODED).to_string();
    forms.push(encoded);
    let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
    forms.push(b64.trim_end_matches('=').to_string());
    forms.push(b64);
    // Too short a form would blank ordinary words of the message.
    forms.retain(|f| f.len() >= 4 || f == secret);
    forms
}

/// The first `max` characters of `text`, on one line.
pub(super) fn excerpt(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(max).collect();
    if one_line.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_bounded_kind_and_names_its_channel() {
        let c = || "mattermost-achats".to_string();
        let t = || "https://chat.ville.fr".to_string();
        let errors = [
            ChannelError::Unreachable {
                channel: c(),
                target: t(),
                reason: "connection refused".into(),
            },
            ChannelError::Timeout {
                channel: c(),
                target: t(),
                seconds: 10,
            },
            ChannelError::Tls {
                channel: c(),
                target: t(),
                reason: "invalid peer certificate".into(),
            },
            ChannelError::SmtpRejected {
                channel: c(),
                target: t(),
                code: 550,
                text: "no such user".into(),
            },
            ChannelError::HttpRejected {
                channel: c(),
                target: t(),
                status: 500,
                body: "oops".into(),
            },
            ChannelError::Other {
                channel: c(),
                detail: "x".into(),
            },
        ];
        let kinds: Vec<&str> = errors.iter().map(ChannelError::kind).collect();
        assert_eq!(
            kinds,
            [
                "unreachable",
                "timeout",
                "tls",
                "rejected",
                "rejected",
                "other"
            ]
        );
        for e in &errors {
            assert!(e.to_string().contains("mattermost-achats"), "{e}");
            assert_eq!(e.channel(), "mattermost-achats");
        }
        assert!(errors[3].to_string().contains("SMTP 550 no such user"));
        assert!(errors[4].to_string().contains("HTTP 500: oops"));
    }

    #[test]
    fn excerpts_are_short_and_on_one_line() {
        assert_eq!(excerpt("a\n  b\tc", 200), "a b c");
        let long = "é".repeat(300);
        let e = excerpt(&long, 200);
        assert_eq!(e.chars().count(), 201);
        assert!(e.ends_with('…'));
    }

    #[test]
    fn secrets_are_scrubbed_in_the_forms_peers_echo_them() {
        use base64::Engine;
        let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
        let secret = "pw-Zq8/s3cret";
        for echoed in [
            format!("535 AUTH LOGIN {} refused", b64(secret)),
            format!(
                "535 AUTH LOGIN {} refused",
                b64(secret).trim_end_matches('=')
            ),
            "404 no hook /hooks/pw-Zq8%2Fs3cret".to_string(),
        ] {
            let clean = scrub(&echoed, &[secret]);
            assert!(clean.contains("<hidden>"), "{clean}");
            for form in echoed_forms(secret) {
                assert!(!clean.contains(&form), "{form} left in {clean}");
            }
        }
    }

    #[test]
    fn secrets_are_scrubbed_from_echoed_text() {
        assert_eq!(
            scrub("bad token t0k in /hooks/t0k", &["t0k", ""]),
            "bad token <hidden> in /hooks/<hidden>"
        );
    }
}
