//! The `[alerts]` section of the configuration.
//!
//! ```toml
//! [alerts]
//! language = "fr"                 # fr | en
//! renotify_after_days = 7         # 0 = never remind
//! not_met_min_days = 30           # quota_not_met waits this many days into the year
//! projection_min_days = 30        # the projection rule waits this many days into the year
//! retry_initial_seconds = 60      # channel outage backoff, doubling up to retry_max_seconds
//! retry_max_seconds = 3600
//!
//! [alerts.email]
//! smtp_host = "smtp.ville.fr"
//! smtp_port = 587                 # default by tls: none 25, starttls 587, tls 465
//! tls = "starttls"                # none | starttls | tls
//! username = "parcd"              # with password, password_file or password_env
//! from = "parcd <parcd@ville.fr>"
//! to = ["achats@ville.fr"]
//! timeout_seconds = 30
//!
//! [[alerts.webhooks]]
//! name = "mattermost-achats"
//! url_file = "/run/secrets/mattermost-hook"   # or url, url_env: the URL holds a token
//! format = "text"                 # text | teams | json
//! timeout_seconds = 10
//! ```

use std::time::Duration;

use lettre::message::Mailbox;
use parcd_connectors::params::Params;
use secrecy::{ExposeSecret, SecretString};

use super::message::Language;

/// The name the email channel goes by in the outbox; no webhook may take it.
pub const EMAIL_CHANNEL: &str = "email";

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain SMTP: only for a relay on the same host or a trusted segment.
    None,
    /// Plain connection upgraded with STARTTLS, which is then required (port 587).
    StartTls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

impl TlsMode {
    pub fn parse(text: &str) -> Option<TlsMode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "none" => Some(TlsMode::None),
            "starttls" => Some(TlsMode::StartTls),
            "tls" => Some(TlsMode::Tls),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::None => "none",
            TlsMode::StartTls => "starttls",
            TlsMode::Tls => "tls",
        }
    }

    /// The port each mode conventionally uses.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::None => 25,
            TlsMode::StartTls => 587,
            TlsMode::Tls => 465,
        }
    }
}

/// `[alerts.email]`.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub tls: TlsMode,
    /// Given together with `password` or not at all.
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub from: Mailbox,
    /// At least one.
    pub to: Vec<Mailbox>,
    /// For the whole exchange with the server.
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM): the DSI's own PKI, for a relay whose certificate
    /// no public CA signed.
    pub ca: Option<CaFile>,
}

/// A PEM bundle read at start, trusted on top of the system's roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaFile {
    pub path: std::path::PathBuf,
    pub pem: Vec<u8>,
}

/// Reads `ca_file`: a readable PEM file holding at least one certificate.
fn read_ca_file(p: &mut Params) -> Option<CaFile> {
    let path = std::path::PathBuf::from(p.string("ca_file")?);
    match std::fs::read(&path) {
        Ok(pem) if String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") => {
            Some(CaFile { path, pem })
        }
        Ok(_) => {
            p.issue(
                "ca_file",
                format!("{} holds no PEM certificate", path.display()),
                "give the CA certificate(s) of the DSI's PKI in PEM form (-----BEGIN CERTIFICATE-----)",
            );
            None
        }
        Err(e) => {
            p.issue(
                "ca_file",
                format!("cannot read {}: {e}", path.display()),
                "give the path of a PEM file readable by parcd's user, or remove ca_file to trust the system's CAs only",
            );
            None
        }
    }
}

/// What a webhook receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// `{"text": …}`: Slack, Mattermost, legacy Teams connectors.
    Text,
    /// An Adaptive Card message, for Teams Workflows webhooks.
    Teams,
    /// The structured notice with its text, for a program of the DSI's own.
    Json,
}

impl WebhookFormat {
    pub fn parse(text: &str) -> Option<WebhookFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "text" => Some(WebhookFormat::Text),
            "teams" => Some(WebhookFormat::Teams),
            "json" => Some(WebhookFormat::Json),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Text => "text",
            WebhookFormat::Teams => "teams",
            WebhookFormat::Json => "json",
        }
    }
}

/// One `[[alerts.webhooks]]` table.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub name: String,
    /// Secret: incoming-webhook URLs carry their token in the path.
    pub url: SecretString,
    pub format: WebhookFormat,
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM), as for email.
    pub ca: Option<CaFile>,
}

/// `[alerts]`: language, reminders, the projection's start, the outage backoff, channels.
#[derive(Debug, Clone)]
pub struct AlertsConfig {
    pub language: Language,
    /// `None`: never remind.
    pub renotify_after: Option<Duration>,
    /// The projection rule stays silent during this many first days of the year: a
    /// projection from a few January invoices says nothing about December.
    pub projection_min_days: i64,
    /// The same grace for the year-to-date rule: on 2 January one new laptop is "0 % so far".
    pub not_met_min_days: i64,
    pub retry_initial: Duration,
    pub retry_max: Duration,
    pub email: Option<EmailConfig>,
    pub webhooks: Vec<WebhookConfig>,
}

const DEFAULT_RENOTIFY_DAYS: u64 = 7;
const DEFAULT_PROJECTION_MIN_DAYS: u64 = 30;
const DEFAULT_RETRY_INITIAL_SECONDS: u64 = 60;
const DEFAULT_RETRY_MAX_SECONDS: u64 = 3600;
const DEFAULT_EMAIL_TIMEOUT_SECONDS: u64 = 30;
const DEFAULT_WEBHOOK_TIMEOUT_SECONDS: u64 = 10;
const DAY: u64 = 86_400;

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            language: Language::Fr,
            renotify_after: Some(Duration::from_secs(DEFAULT_RENOTIFY_DAYS * DAY)),
            projection_min_days: DEFAULT_PROJECTION_MIN_DAYS as i64,
            not_met_min_days: DEFAULT_PROJECTION_MIN_DAYS as i64,
            retry_initial: Duration::from_secs(DEFAULT_RETRY_INITIAL_SECONDS),
            retry_max: Duration::from_secs(DEFAULT_RETRY_MAX_SECONDS),
            email: None,
            webhooks: Vec::new(),
        }
    }
}

impl AlertsConfig {
    /// Reads the section, recording every mistake in `p`. A wrong value is left at its
    /// default: any recorded mistake fails the whole configuration.
    pub fn read(p: &mut Params) -> AlertsConfig {
        let language = match p.string("language") {
            None => Language::default(),
            Some(t) => Language::parse(&t).unwrap_or_else(|| {
                p.issue(
                    "language",
                    format!("\"{t}\" is not a language of alerts"),
                    "write \"fr\" or \"en\"",
                );
                Language::default()
            }),
        };
        let renotify_days = p.u64_in("renotify_after_days", DEFAULT_RENOTIFY_DAYS, 0, 365);
        let projection_min_days =
            p.u64_in("projection_min_days", DEFAULT_PROJECTION_MIN_DAYS, 0, 366) as i64;
        let not_met_min_days =
            p.u64_in("not_met_min_days", DEFAULT_PROJECTION_MIN_DAYS, 0, 366) as i64;
        let retry_initial = p.u64_in(
            "retry_initial_seconds",
            DEFAULT_RETRY_INITIAL_SECONDS,
            1,
            DAY,
        );
        let retry_max = p.u64_in("retry_max_seconds", DEFAULT_RETRY_MAX_SECONDS, 1, DAY);
        if retry_max < retry_initial {
            p.issue(
                "retry_max_seconds",
                format!("{retry_max} is below retry_initial_seconds ({retry_initial})"),
                "set retry_max_seconds to at least retry_initial_seconds: it caps the doubling delay",
            );
        }

        let email = p.table("email").and_then(|mut e| {
            let email = read_email(&mut e);
            p.absorb(e.finish());
            email
        });

        let mut webhooks: Vec<WebhookConfig> = Vec::new();
        for mut w in p.tables("webhooks") {
            if let Some(hook) = read_webhook(&mut w) {
                if webhooks.iter().any(|o| o.name == hook.name) {
                    w.issue(
                        "name",
                        format!("\"{}\" names two webhooks", hook.name),
                        "give every webhook its own name: the outbox records deliveries by channel name",
                    );
                } else {
                    webhooks.push(hook);
                }
            }
            p.absorb(w.finish());
        }

        AlertsConfig {
            language,
            renotify_after: (renotify_days > 0).then(|| Duration::from_secs(renotify_days * DAY)),
            projection_min_days,
            not_met_min_days,
            retry_initial: Duration::from_secs(retry_initial),
            retry_max: Duration::from_secs(retry_max.max(retry_initial)),
            email,
            webhooks,
        }
    }

    /// `"email"` (when configured), then the webhooks' names, in the file's order.
    pub fn channel_names(&self) -> Vec<String> {
        self.email
            .iter()
            .map(|_| EMAIL_CHANNEL.to_string())
            .chain(self.webhooks.iter().map(|w| w.name.clone()))
            .collect()
    }

    /// The section as `check-config` prints it; secrets show as `<hidden>`.
    pub fn render(&self) -> String {
        let mut s = String::from("[alerts]\n");
        s.push_str(&format!(
            "language = \"{}\"\nrenotify_after_days = {}\nprojection_min_days = {}\n\
             not_met_min_days = {}\nretry_initial_seconds = {}\nretry_max_seconds = {}\n",
            self.language.as_str(),
            self.renotify_after.map_or(0, |d| d.as_secs() / DAY),
            self.projection_min_days,
            self.not_met_min_days,
            self.retry_initial.as_secs(),
            self.retry_max.as_secs(),
        ));
        let names = self.channel_names();
        if names.is_empty() {
            s.push_str("# no channel: alerts are evaluated but sent nowhere\n");
        } else {
            s.push_str(&format!("# channels: {}\n", names.join(", ")));
        }
        if let Some(e) = &self.email {
            s.push_str(&format!(
                "\n[alerts.email]\nsmtp_host = \"{}\"\nsmtp_port = {}\ntls = \"{}\"\n",
                e.smtp_host,
                e.smtp_port,
                e.tls.as_str()
            ));
            if let Some(u) = &e.username {
                s.push_str(&format!(
                    "username = \"{}\"\npassword = \"<hidden>\"\n",
                    quote(u)
                ));
                if e.tls == TlsMode::None {
                    s.push_str("# the password crosses the network in clear: tls = \"none\"\n");
                }
            }
            s.push_str(&format!(
                "from = \"{}\"\nto = [{}]\ntimeout_seconds = {}\n",
                quote(&e.from.to_string()),
                e.to.iter()
                    .map(|m| format!("\"{}\"", quote(&m.to_string())))
                    .collect::<Vec<_>>()
                    .join(", "),
                e.timeout.as_secs()
            ));
            if let Some(ca) = &e.ca {
                s.push_str(&format!("ca_file = \"{}\"\n", ca.path.display()));
            }
        }
        for w in &self.webhooks {
            s.push_str(&format!(
                "\n[[alerts.webhooks]]\nname = \"{}\"\nurl = \"<hidden>\"{}\nformat = \"{}\"\ntimeout_seconds = {}\n",
                w.name,
                // Scheme and host are no secret, and say which server it is.
                url_origin(w.url.expose_secret())
                    .map(|o| format!("  # {o}"))
                    .unwrap_or_default(),
                w.format.as_str(),
                w.timeout.as_secs()
            ));
            if let Some(ca) = &w.ca {
                s.push_str(&format!("ca_file = \"{}\"\n", ca.path.display()));
            }
        }
        s
    }
}

/// `scheme://host[:port]` of a URL: what may be shown of a webhook URL.
pub fn url_origin(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    let host = u.host_str()?;
    Some(match u.port() {
        Some(port) => format!("{}://{host}:{port}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    })
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn read_email(e: &mut Params) -> Option<EmailConfig> {
    let smtp_host = e.required_string(
        "smtp_host",
        "name the SMTP relay, e.g. \"smtp.ville.fr\" (the DSI's relay, not a public mailbox provider)",
    );
    let smtp_host = smtp_host.map(|h| h.trim().to_string()).and_then(|h| {
        if h.chars().any(|c| c.is_whitespace() || c == '/' || c == ':') {
            e.issue(
                "smtp_host",
                format!("\"{h}\" is not a host name"),
                "write the host name or IP address alone, without scheme nor port (the port is smtp_port)",
            );
            None
        } else {
            Some(h)
        }
    });
    let tls = match e.string("tls") {
        None => TlsMode::StartTls,
        Some(t) => TlsMode::parse(&t).unwrap_or_else(|| {
            e.issue(
                "tls",
                format!("\"{t}\" is not a TLS mode"),
                "write \"starttls\" (port 587), \"tls\" (port 465) or \"none\" (port 25, a relay on a trusted network only)",
            );
            TlsMode::StartTls
        }),
    };
    let smtp_port = e.u64_in("smtp_port", u64::from(tls.default_port()), 1, 65_535) as u16;
    let username = e.string("username").filter(|u| !u.trim().is_empty());
    let password = e.secret("password");
    match (&username, &password) {
        (Some(_), None) if !secret_given(e, "password") => e.issue(
            "password",
            "is required with username",
            "set password, password_file or password_env, or remove username to send without authentication",
        ),
        (None, Some(_)) => e.issue(
            "username",
            "is required with a password",
            "set the SMTP username, or remove the password to send without authentication",
        ),
        _ => {}
    }
    let from = e
        .required_string(
            "from",
            "set the sender, e.g. \"parcd <parcd@ville.fr>\": an address the relay accepts to send from",
        )
        .and_then(|f| mailbox(e, "from", &f));
    let to = match e.string_list("to") {
        Some(list) if !list.is_empty() => {
            let parsed: Vec<Option<Mailbox>> = list.iter().map(|t| mailbox(e, "to", t)).collect();
            parsed.into_iter().collect::<Option<Vec<_>>>()
        }
        Some(_) => {
            e.issue(
                "to",
                "is empty",
                "list at least one recipient, e.g. [\"achats@ville.fr\"]",
            );
            None
        }
        None => {
            if !e.has("to") {
                e.issue(
                    "to",
                    "is required",
                    "list the recipients, e.g. to = [\"achats@ville.fr\"]",
                );
            }
            None
        }
    };
    let timeout =
        Duration::from_secs(e.u64_in("timeout_seconds", DEFAULT_EMAIL_TIMEOUT_SECONDS, 1, 600));
    let ca = read_ca_file(e);
    if username.is_some() != password.is_some() {
        return None;
    }
    Some(EmailConfig {
        smtp_host: smtp_host?,
        smtp_port,
        tls,
        username,
        password,
        from: from?,
        to: to?,
        timeout,
        ca,
    })
}

fn mailbox(e: &mut Params, key: &str, text: &str) -> Option<Mailbox> {
    match text.trim().parse::<Mailbox>() {
        Ok(m) => Some(m),
        Err(err) => {
            e.issue(
                key,
                format!("\"{text}\" is not an email address ({err})"),
                "write an address such as \"achats@ville.fr\" or \"Achats <achats@ville.fr>\"",
            );
            None
        }
    }
}

fn read_webhook(w: &mut Params) -> Option<WebhookConfig> {
    let name = w
        .required_string(
            "name",
            "give the webhook a short name, e.g. \"mattermost-achats\"; it names the channel in logs and metrics",
        )
        .and_then(|n| {
            let usable = n.len() <= 64
                && n
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !usable {
                w.issue(
                    "name",
                    format!("\"{n}\" is not a usable channel name"),
                    "use up to 64 letters, digits, - and _ (it becomes a metrics label)",
                );
                None
            } else if n == EMAIL_CHANNEL {
                w.issue(
                    "name",
                    "\"email\" is the name of the [alerts.email] channel",
                    "give the webhook another name, e.g. \"mattermost-achats\"",
                );
                None
            } else {
                Some(n)
            }
        });
    let url = match w.secret("url") {
        Some(u) => check_url(w, u),
        None => {
            if !secret_given(w, "url") {
                w.issue(
                    "url",
                    "is required",
                    "set url, url_file or url_env to the incoming-webhook URL (prefer url_file or url_env: the URL holds a token)",
                );
            }
            None
        }
    };
    let format = match w.string("format") {
        None => WebhookFormat::Text,
        Some(f) => WebhookFormat::parse(&f).unwrap_or_else(|| {
            w.issue(
                "format",
                format!("\"{f}\" is not a webhook format"),
                "write \"text\" (Slack, Mattermost, legacy Teams connectors), \"teams\" (Teams Workflows) or \"json\" (the structured notice)",
            );
            WebhookFormat::Text
        }),
    };
    let timeout =
        Duration::from_secs(w.u64_in("timeout_seconds", DEFAULT_WEBHOOK_TIMEOUT_SECONDS, 1, 300));
    let ca = read_ca_file(w);
    Some(WebhookConfig {
        name: name?,
        url: url?,
        format,
        timeout,
        ca,
    })
}

/// Keeps an http(s) URL with a host. The problem never quotes the URL: it holds a token.
fn check_url(w: &mut Params, url: SecretString) -> Option<SecretString> {
    let problem = match reqwest::Url::parse(url.expose_secret().trim()) {
        Err(e) => format!("is not a URL ({e})"),
        Ok(u) if !matches!(u.scheme(), "http" | "https") => {
            format!("is a {}: URL, not http(s)", u.scheme())
        }
        Ok(u) if u.host_str().is_none_or(str::is_empty) => "has no host".to_string(),
        Ok(_) => return Some(SecretString::from(url.expose_secret().trim().to_string())),
    };
    w.issue(
        "url",
        problem,
        "give the full incoming-webhook URL, e.g. https://mattermost.ville.fr/hooks/…",
    );
    None
}

/// Whether `key`, `key_file` or `key_env` is set: when one is and [`Params::secret`] gave
/// nothing, it has already recorded why (given twice, unreadable file, unset variable).
fn secret_given(p: &mut Params, key: &str) -> bool {
    p.has(key) | p.has(&format!("{key}_file")) | p.has(&format!("{key}_env"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use parcd_connectors::params::ParamIssue;
    use serde_json::{Value, json};

    fn read(v: Value) -> (AlertsConfig, Vec<ParamIssue>) {
        let Value::Object(map) = v else {
            unreachable!()
        };
        let mut p = Params::new("alerts", map);
        let cfg = AlertsConfig::read(&mut p);
        (cfg, p.finish())
    }

    fn only_issue(v: Value) -> ParamIssue {
        let (_, issues) = read(v);
        assert_eq!(issues.len(), 1, "{issues:#?}");
        issues.into_iter().next().unwrap()
    }

    #[test]
    fn an_empty_section_gives_the_defaults_and_no_channel() {
        let (cfg, issues) = read(json!({}));
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(cfg.language, Language::Fr);
        assert_eq!(cfg.renotify_after, Some(Duration::from_secs(7 * DAY)));
        assert_eq!(cfg.projection_min_days, 30);
        assert_eq!(cfg.retry_initial, Duration::from_secs(60));
        assert_eq!(cfg.retry_max, Duration::from_secs(3600));
        assert!(cfg.channel_names().is_empty());
    }

    #[test]
    fn a_full_section_is_read() {
        let (cfg, issues) = read(json!({
            "language": "en",
            "renotify_after_days": 0,
            "projection_min_days": 60,
            "email": {
                "smtp_host": "smtp.ville.fr",
                "tls": "tls",
                "username": "parcd",
                "password": "s3cret-pw",
                "from": "parcd <parcd@ville.fr>",
                "to": ["achats@ville.fr", "Direction <dsi@ville.fr>"],
            },
            "webhooks": [
                {"name": "mattermost-achats", "url": "https://chat.ville.fr/hooks/tok3n"},
                {"name": "teams", "url": "https://x.example/w?sig=abc", "format": "teams", "timeout_seconds": 3},
            ],
        }));
        assert!(issues.is_empty(), "{issues:#?}");
        assert_eq!(cfg.language, Language::En);
        assert_eq!(cfg.renotify_after, None);
        let email = cfg.email.as_ref().unwrap();
        assert_eq!(email.smtp_port, 465, "the port follows tls");
        assert_eq!(email.to.len(), 2);
        assert_eq!(cfg.webhooks[1].format, WebhookFormat::Teams);
        assert_eq!(cfg.webhooks[1].timeout, Duration::from_secs(3));
        assert_eq!(
            cfg.channel_names(),
            vec!["email", "mattermost-achats", "teams"]
        );
        let debug = format!("{cfg:?}");
        assert!(
            !debug.contains("s3cret-pw") && !debug.contains("tok3n"),
            "{debug}"
        );
        let shown = cfg.render();
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(!shown.contains("tok3n"), "{shown}");
        assert!(!shown.contains("sig=abc"), "{shown}");
        assert!(shown.contains("password = \"<hidden>\""), "{shown}");
        assert!(
            shown.contains("url = \"<hidden>\"  # https://chat.ville.fr"),
            "{shown}"
        );
        assert!(shown.contains("smtp_port = 465"), "{shown}");
        assert!(
            shown.contains("to = [\"achats@ville.fr\", \"Direction <dsi@ville.fr>\"]"),
            "{shown}"
        );
    }

    #[test]
    fn a_bad_language_names_the_choices() {
        let i = only_issue(json!({"language": "de"}));
        assert_eq!(i.key, "alerts.language");
        assert!(i.fix.contains("\"fr\" or \"en\""), "{i:?}");
    }

    #[test]
    fn out_of_range_numbers_give_the_range() {
        let i = only_issue(json!({"renotify_after_days": 400}));
        assert_eq!(i.key, "alerts.renotify_after_days");
        assert!(i.fix.contains("0 to 365"), "{i:?}");
        let i = only_issue(json!({"projection_min_days": 367}));
        assert!(i.fix.contains("0 to 366"), "{i:?}");
    }

    #[test]
    fn a_retry_cap_below_the_first_delay_is_refused() {
        let i = only_issue(json!({"retry_initial_seconds": 600, "retry_max_seconds": 60}));
        assert_eq!(i.key, "alerts.retry_max_seconds");
        assert!(i.fix.contains("at least retry_initial_seconds"), "{i:?}");
    }

    #[test]
    fn unknown_keys_are_refused_with_the_nearest_one() {
        let i = only_issue(json!({"languge": "fr"}));
        assert_eq!(i.key, "alerts.languge");
        assert!(i.fix.contains("`language`"), "{i:?}");
        let i = only_issue(
            json!({"email": {"smtp_host": "h", "from": "a@b.fr", "to": ["c@d.fr"], "smtp_prot": 25}}),
        );
        assert_eq!(i.key, "alerts.email.smtp_prot");
        assert!(i.fix.contains("`smtp_port`"), "{i:?}");
    }

    #[test]
    fn email_mistakes_are_all_reported_with_their_key() {
        let (cfg, issues) = read(json!({"email": {
            "smtp_host": "smtp://relay:25",
            "tls": "ssl",
            "from": "not an address",
            "to": ["achats@ville.fr", "bad@"],
            "username": "parcd",
        }}));
        assert!(cfg.email.is_none());
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "alerts.email.smtp_host",
                "alerts.email.tls",
                "alerts.email.password",
                "alerts.email.from",
                "alerts.email.to"
            ],
            "{issues:#?}"
        );
        assert!(
            issues[0].fix.contains("without scheme nor port"),
            "{issues:#?}"
        );
        assert!(issues[1].fix.contains("\"starttls\""), "{issues:#?}");
        assert!(issues[2].fix.contains("password_file"), "{issues:#?}");
        assert!(
            issues[3].problem.contains("not an email address"),
            "{issues:#?}"
        );
        assert!(issues[4].problem.contains("\"bad@\""), "{issues:#?}");
    }

    #[test]
    fn email_needs_recipients() {
        let i = only_issue(json!({"email": {"smtp_host": "h", "from": "a@b.fr", "to": []}}));
        assert_eq!(i.key, "alerts.email.to");
        assert!(i.fix.contains("at least one recipient"), "{i:?}");
        let i = only_issue(json!({"email": {"smtp_host": "h", "from": "a@b.fr"}}));
        assert_eq!(i.key, "alerts.email.to");
        assert_eq!(i.problem, "is required");
    }

    #[test]
    fn a_webhook_url_must_be_http_and_is_never_quoted() {
        let i =
            only_issue(json!({"webhooks": [{"name": "w", "url": "ftp://files.ville.fr/t0ken"}]}));
        assert_eq!(i.key, "alerts.webhooks[0].url");
        assert!(i.problem.contains("ftp"), "{i:?}");
        assert!(!format!("{i:?}").contains("t0ken"), "{i:?}");
        let i =
            only_issue(json!({"webhooks": [{"name": "w", "url": "chat.ville.fr/hooks/t0ken"}]}));
        assert!(i.problem.contains("is not a URL"), "{i:?}");
        assert!(!format!("{i:?}").contains("t0ken"), "{i:?}");
    }

    #[test]
    fn a_webhook_needs_a_url_and_a_usable_unique_name() {
        let i = only_issue(json!({"webhooks": [{"name": "w"}]}));
        assert_eq!(i.key, "alerts.webhooks[0].url");
        assert!(i.fix.contains("url_file"), "{i:?}");
        let i = only_issue(json!({"webhooks": [{"name": "email", "url": "https://h/x"}]}));
        assert_eq!(i.key, "alerts.webhooks[0].name");
        assert!(i.problem.contains("[alerts.email]"), "{i:?}");
        let i = only_issue(json!({"webhooks": [{"name": "chat achats", "url": "https://h/x"}]}));
        assert!(i.fix.contains("letters, digits, - and _"), "{i:?}");
        let i = only_issue(json!({"webhooks": [
            {"name": "w", "url": "https://h/x"},
            {"name": "w", "url": "https://h/y"},
        ]}));
        assert_eq!(i.key, "alerts.webhooks[1].name");
        assert!(i.problem.contains("names two webhooks"), "{i:?}");
        let i = only_issue(
            json!({"webhooks": [{"name": "w", "url": "https://h/x", "format": "slack"}]}),
        );
        assert_eq!(i.key, "alerts.webhooks[0].format");
        assert!(i.fix.contains("\"teams\""), "{i:?}");
    }

    #[test]
    fn a_webhook_url_given_twice_is_reported_once() {
        let i = only_issue(
            json!({"webhooks": [{"name": "w", "url": "https://h/x", "url_env": "HOOK"}]}),
        );
        assert_eq!(i.key, "alerts.webhooks[0].url");
        assert!(i.problem.contains("more than once"), "{i:?}");
    }
}
