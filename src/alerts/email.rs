//! The email channel: one plain-text UTF-8 message to every recipient, through the DSI's
//! SMTP relay (lettre, rustls).
//!
//! `Message-ID: <parcd-alert-{id}@parcd>` is the outbox id, stable across retries: a copy
//! sent twice after a crash carries the same id, which mail clients and archives use to
//! drop duplicates. `X-Parcd-Alert: {category}/{kind}/{year}` lets a mailbox rule file the
//! alerts without parsing the subject.

use std::error::Error as StdError;

use lettre::message::Message;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;

use super::channel::{ChannelError, causes, looks_like_tls, scrub};
use super::message::{self, Language};
use super::model::Outgoing;
use super::settings::{EMAIL_CHANNEL, EmailConfig, TlsMode};

/// The `X-Parcd-Alert` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XParcdAlert(pub String);

impl Header for XParcdAlert {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Parcd-Alert")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn StdError + Send + Sync>> {
        Ok(XParcdAlert(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// The message for `out`, as it goes on the wire.
pub fn build_message(
    cfg: &EmailConfig,
    out: &Outgoing,
    lang: Language,
) -> Result<Message, lettre::error::Error> {
    let n = &out.notice;
    let mut b = Message::builder()
        .from(cfg.from.clone())
        .subject(message::subject(n, lang))
        .message_id(Some(format!("<parcd-alert-{}@parcd>", out.id)))
        .header(XParcdAlert(format!(
            "{}/{}/{}",
            n.category.id(),
            n.kind.as_str(),
            n.year
        )));
    for to in &cfg.to {
        b = b.to(to.clone());
    }
    // Plain text only: a multipart with HTML would add nothing a buyer needs, and a plain
    // message passes every relay's filters.
    b.header(ContentType::TEXT_PLAIN)
        .body(message::body(n, lang))
}

pub(super) struct EmailChannel {
    cfg: EmailConfig,
    target: String,
    /// Built once; a failure (TLS set-up) is reported at each send, so the dispatcher's
    /// backoff and metrics see it like any outage.
    transport: Result<AsyncSmtpTransport<Tokio1Executor>, String>,
}

impl EmailChannel {
    pub(super) fn new(cfg: EmailConfig) -> EmailChannel {
        let transport = transport(&cfg).map_err(|e| causes(&e));
        EmailChannel {
            target: format!("{}:{}", cfg.smtp_host, cfg.smtp_port),
            cfg,
            transport,
        }
    }

    pub(super) fn name(&self) -> &str {
        EMAIL_CHANNEL
    }

    /// The longest a send may take.
    pub(super) fn send_timeout(&self) -> std::time::Duration {
        self.cfg.timeout
    }

    pub(super) async fn send(&self, out: &Outgoing, lang: Language) -> Result<(), ChannelError> {
        let transport = self
            .transport
            .as_ref()
            .map_err(|reason| ChannelError::Tls {
                channel: EMAIL_CHANNEL.to_string(),
                target: self.target.clone(),
                reason: reason.clone(),
            })?;
        let msg = build_message(&self.cfg, out, lang).map_err(|e| ChannelError::Other {
            channel: EMAIL_CHANNEL.to_string(),
            detail: format!("cannot build the message: {e}"),
        })?;
        // lettre's own timeout bounds each read and write; this one bounds the exchange.
        match tokio::time::timeout(self.cfg.timeout, transport.send(msg)).await {
            Err(_) => Err(self.timeout()),
            Ok(Err(e)) => Err(self.error(&e)),
            Ok(Ok(_)) => Ok(()),
        }
    }

    fn timeout(&self) -> ChannelError {
        ChannelError::Timeout {
            channel: EMAIL_CHANNEL.to_string(),
            target: self.target.clone(),
            seconds: self.cfg.timeout.as_secs(),
        }
    }

    fn error(&self, e: &lettre::transport::smtp::Error) -> ChannelError {
        let password = self.cfg.password.as_ref().map(|p| p.expose_secret());
        let user = self.cfg.username.as_deref().unwrap_or_default();
        // A relay that quotes the AUTH line it refused shows the PLAIN response, base64 of
        // "authzid NUL user NUL password" (lettre sends an empty authzid): hidden whole.
        let plain = password.map(|p| [format!("\0{user}\0{p}"), format!("{user}\0{user}\0{p}")]);
        let mut secrets: Vec<&str> = vec![password.unwrap_or_default()];
        if let Some(plain) = &plain {
            secrets.extend(plain.iter().map(String::as_str));
        }
        let clean = |t: &str| scrub(t, &secrets);
        let channel = EMAIL_CHANNEL.to_string();
        let target = self.target.clone();
        if let Some(code) = e.status() {
            let text = e.source().map(|s| s.to_string()).unwrap_or_default();
            return ChannelError::SmtpRejected {
                channel,
                target,
                code: code.to_string().parse().unwrap_or(0),
                text: clean(&text),
            };
        }
        if e.is_timeout() {
            return self.timeout();
        }
        let reason = clean(&causes(e));
        if e.is_tls() || (self.cfg.tls != TlsMode::None && looks_like_tls(e)) {
            return ChannelError::Tls {
                channel,
                target,
                reason,
            };
        }
        if has_io_error(e) {
            return ChannelError::Unreachable {
                channel,
                target,
                reason,
            };
        }
        ChannelError::Other {
            channel,
            detail: format!("{target}: {reason}"),
        }
    }
}

fn transport(
    cfg: &EmailConfig,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.smtp_host)
        .port(cfg.smtp_port)
        .timeout(Some(cfg.timeout));
    b = match cfg.tls {
        TlsMode::None => b.tls(Tls::None),
        TlsMode::StartTls => b.tls(Tls::Required(tls_parameters(cfg)?)),
        TlsMode::Tls => b.tls(Tls::Wrapper(tls_parameters(cfg)?)),
    };
    if let (Some(user), Some(password)) = (&cfg.username, &cfg.password) {
        b = b.credentials(Credentials::new(
            user.clone(),
            password.expose_secret().to_string(),
        ));
    }
    Ok(b.build())
}

fn tls_parameters(cfg: &EmailConfig) -> Result<TlsParameters, lettre::transport::smtp::Error> {
    let mut b = TlsParameters::builder(cfg.smtp_host.clone());
    if let Some(ca) = &cfg.ca {
        for cert in pem_certificates(&ca.pem) {
            b = b.add_root_certificate(lettre::transport::smtp::client::Certificate::from_pem(
                &cert,
            )?);
        }
    }
    b.build_rustls()
}

/// Whether the failure came from the network (refused, reset, no route, no such host).
fn has_io_error(e: &(dyn StdError + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<std::io::Error>() {
            return true;
        }
        cur = err.source();
    }
    // lettre reports a name that resolves to nothing as a bare message.
    e.to_string().contains("resolve")
}

/// Each certificate of a PEM bundle on its own: lettre takes one per call.
fn pem_certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let text = String::from_utf8_lossy(pem);
    text.split_inclusive(END)
        .filter(|block| block.ends_with(END))
        .filter_map(|block| block.find(BEGIN).map(|at| block.as_bytes()[at..].to_vec()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agec::Category;
    use crate::alerts::model::{Change, Event, Notice, QuotaKind, Rule, Standing};
    use std::time::Duration;

    fn outgoing() -> Outgoing {
        let standing = Standing {
            share: Some(0.05),
            total_cents: 1_000_000,
            part_cents: 50_000,
            met: false,
            shortfall_cents: 150_000,
            extra_purchase_cents: Some(187_500),
        };
        Outgoing {
            id: 42,
            channel: "email".into(),
            notice: Notice {
                category: Category::ItTelephony,
                kind: QuotaKind::Reuse,
                year: 2026,
                as_of: chrono::NaiveDate::from_ymd_opt(2026, 5, 4).unwrap(),
                changes: vec![Change {
                    rule: Rule::QuotaNotMet,
                    event: Event::Firing,
                }],
                min: 0.2,
                quota_source: "décret 2024-134".into(),
                year_to_date: standing,
                projected: None,
                elapsed_days: 124,
                days_in_year: 365,
            },
        }
    }

    fn config() -> EmailConfig {
        EmailConfig {
            smtp_host: "127.0.0.1".into(),
            smtp_port: 25,
            tls: TlsMode::None,
            username: None,
            password: None,
            from: "parcd <parcd@ville.fr>".parse().unwrap(),
            to: vec![
                "achats@ville.fr".parse().unwrap(),
                "dsi@ville.fr".parse().unwrap(),
            ],
            timeout: Duration::from_secs(5),
            ca: None,
        }
    }

    #[test]
    fn a_pem_bundle_is_split_into_its_certificates() {
        let one = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
        let two = "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----";
        let bundle = format!("# DSI root\n{one}\n\n{two}\n");
        let certs = pem_certificates(bundle.as_bytes());
        assert_eq!(
            certs,
            vec![one.as_bytes().to_vec(), two.as_bytes().to_vec()]
        );
    }

    #[test]
    fn the_message_carries_the_outbox_id_and_the_alert_header() {
        let msg = build_message(&config(), &outgoing(), Language::Fr).unwrap();
        let text = String::from_utf8(msg.formatted()).unwrap();
        assert!(
            text.contains("Message-ID: <parcd-alert-42@parcd>"),
            "{text}"
        );
        assert!(
            text.contains("X-Parcd-Alert: it_telephony/reuse/2026"),
            "{text}"
        );
        assert!(
            text.contains("Content-Type: text/plain; charset=utf-8"),
            "{text}"
        );
        assert!(text.contains("To: achats@ville.fr, dsi@ville.fr"), "{text}");
        assert_eq!(msg.envelope().to().len(), 2);
    }

    #[test]
    fn every_tls_mode_builds_a_transport() {
        for tls in [TlsMode::None, TlsMode::StartTls, TlsMode::Tls] {
            let cfg = EmailConfig { tls, ..config() };
            assert!(EmailChannel::new(cfg).transport.is_ok(), "{tls:?}");
        }
    }
}
