//! The keys of a `kind = "imap"` source.
//!
//! The mailboxes to read are personal data: they are never printed, by `check-config` nor
//! by `Debug`; only their number is.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use crate::api::{Connector, Role};
use crate::error::ConnectorError;
use crate::framework::kind::{BuildContext, SourceParams, toml_str};
use crate::framework::mail::missing_privacy;
use crate::params::Params;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS, port 993).
    Implicit,
    /// Plain, then `STARTTLS` before the login (port 143).
    StartTls,
    /// No TLS: passwords in clear, for a server on the same host only.
    None,
}

impl TlsMode {
    fn as_str(self) -> &'static str {
        match self {
            TlsMode::Implicit => "implicit",
            TlsMode::StartTls => "starttls",
            TlsMode::None => "none",
        }
    }
}

/// How each mailbox is logged into.
#[derive(Clone)]
pub enum Login {
    /// A master (admin) user that may log in as any mailbox (Dovecot's master users,
    /// Cyrus' and Stalwart's admins), through SASL PLAIN's authorisation identity.
    Master {
        user: String,
        password: SecretString,
    },
    /// The mailbox's own password.
    Own { password: SecretString },
}

/// Where the list of mailboxes comes from.
#[derive(Clone)]
pub enum Mailboxes {
    /// `mailboxes = [...]`, with the master user.
    Listed(Vec<String>),
    /// `mailboxes_file`: one identifier a line, with the master user; read at each round.
    File(PathBuf),
    /// `accounts_file`: `identifier:password` a line, each mailbox with its own password;
    /// read at each round.
    Accounts(PathBuf),
}

/// Validated parameters of an IMAP source.
#[derive(Clone)]
pub struct ImapParams {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub ca_file: Option<PathBuf>,
    pub ca_pem: Option<Vec<u8>>,
    /// `None` with `accounts_file`.
    pub master: Option<(String, SecretString)>,
    pub mailboxes: Mailboxes,
    /// The domain of identifiers that have none (`alice`).
    pub domain: Option<String>,
    /// Connections open at once.
    pub concurrency: usize,
    /// Messages whose structure is read per mailbox and round (0: no attachment share).
    pub attachment_sample: u64,
    pub timeout: Duration,
}

impl fmt::Debug for ImapParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapParams")
            .field("endpoint", &self.endpoint())
            .field("tls", &self.tls)
            .field("mailboxes", &"[not printed]")
            .finish_non_exhaustive()
    }
}

/// One mailbox of a round, and where it stands in the configuration (errors say that,
/// never the identifier).
#[derive(Clone)]
pub struct Account {
    pub user: String,
    pub login: Login,
    pub place: String,
}

impl ImapParams {
    /// `imap://host:port`, as errors name the server.
    pub fn endpoint(&self) -> String {
        let scheme = match self.tls {
            TlsMode::Implicit => "imaps",
            _ => "imap",
        };
        format!("{scheme}://{}:{}", self.host, self.port)
    }

    /// Reads the keys of one `[[sources]]` table; `None` when one is wrong (every issue is
    /// recorded in `p`).
    pub fn from_params(p: &mut Params) -> Option<ImapParams> {
        let host = p.required_string(
            "host",
            "set host to the IMAP server's name, as its certificate names it (imap.ville.fr)",
        );
        let tls = match p.string_or("tls", "implicit").as_str() {
            "implicit" => Some(TlsMode::Implicit),
            "starttls" => Some(TlsMode::StartTls),
            "none" => Some(TlsMode::None),
            other => {
                p.issue(
                    "tls",
                    format!("\"{other}\" is not a TLS mode"),
                    "use \"implicit\" (port 993), \"starttls\" (port 143) or \"none\" (a server on the same host only)",
                );
                None
            }
        };
        let default_port = match tls {
            Some(TlsMode::Implicit) => 993,
            _ => 143,
        };
        let port = p.u64_in("port", default_port, 1, 65535) as u16;
        let (ca_file, ca_pem) = match p.string("ca_file").map(PathBuf::from) {
            None => (None, None),
            Some(path) => match std::fs::read(&path) {
                Ok(pem)
                    if String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") =>
                {
                    (Some(path), Some(pem))
                }
                Ok(_) => {
                    p.issue(
                        "ca_file",
                        format!("{} holds no PEM certificate", path.display()),
                        "give the CA certificate(s) of the DSI's PKI in PEM form (-----BEGIN CERTIFICATE-----)",
                    );
                    (None, None)
                }
                Err(e) => {
                    p.issue(
                        "ca_file",
                        format!("cannot read {}: {e}", path.display()),
                        "give the path of a PEM file readable by parcd's user, or remove ca_file to trust the system's CAs only",
                    );
                    (None, None)
                }
            },
        };
        let master_user = p.string("master_user");
        let master_given = [
            "master_password",
            "master_password_file",
            "master_password_env",
        ]
        .iter()
        .any(|k| p.has(k));
        let master_password = p.secret("master_password");
        let listed = p.string_list("mailboxes");
        let file = p.string("mailboxes_file").map(PathBuf::from);
        let accounts = p.string("accounts_file").map(PathBuf::from);
        let sources = [listed.is_some(), file.is_some(), accounts.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        let mut ok = true;
        if sources != 1 {
            ok = false;
            p.issue(
                "mailboxes",
                if sources == 0 {
                    "no mailbox to read"
                } else {
                    "mailboxes are given more than once"
                },
                "give exactly one of: mailboxes = [...] or mailboxes_file (with master_user), \
                 or accounts_file (identifier:password a line, one login per mailbox)",
            );
        }
        for (key, path) in [("mailboxes_file", &file), ("accounts_file", &accounts)] {
            if let Some(path) = path
                && let Err(e) = std::fs::metadata(path)
            {
                ok = false;
                p.issue(
                    key,
                    format!("cannot read {}: {e}", path.display()),
                    "give the path of a file readable by parcd's user",
                );
            }
        }
        let master = match (accounts.is_some(), master_user, master_password) {
            (true, None, None) if !master_given => None,
            (true, _, _) => {
                ok = false;
                p.issue(
                    "master_user",
                    "is given with accounts_file, which logs into each mailbox with its own password",
                    "remove master_user and master_password, or use mailboxes/mailboxes_file",
                );
                None
            }
            (false, Some(u), Some(pw)) if !u.trim().is_empty() => Some((u, pw)),
            (false, _, _) => {
                if sources == 1 {
                    ok = false;
                    p.issue(
                        "master_user",
                        "a master user and its password are needed to read a list of mailboxes",
                        "set master_user and master_password_file (a Dovecot master user, a Cyrus \
                         or Stalwart admin), or use accounts_file with each mailbox's password",
                    );
                }
                None
            }
        };
        if let Some(list) = &listed
            && list.iter().any(|m| m.trim().is_empty())
        {
            ok = false;
            p.issue(
                "mailboxes",
                "holds an empty identifier",
                "remove the empty entry",
            );
        }
        let domain = p.string("domain").map(|d| d.trim().to_lowercase());
        if let Some(d) = &domain
            && (d.is_empty() || d.contains('@') || d.chars().any(char::is_whitespace))
        {
            ok = false;
            p.issue(
                "domain",
                format!("\"{d}\" is not a mail domain"),
                "write the domain of identifiers without one, e.g. \"ville.fr\", or remove the key",
            );
        }
        let concurrency = p.u64_in("concurrency", 4, 1, 64) as usize;
        let attachment_sample = p.u64_in("attachment_sample", 100, 0, 10_000);
        let timeout = Duration::from_secs(p.u64_in("timeout_seconds", 30, 1, 600));
        if !ok {
            return None;
        }
        let mailboxes = match (listed, file, accounts) {
            (Some(l), _, _) => Mailboxes::Listed(l),
            (_, Some(f), _) => Mailboxes::File(f),
            (_, _, Some(a)) => Mailboxes::Accounts(a),
            _ => return None,
        };
        Some(ImapParams {
            host: host?.trim().to_string(),
            port,
            tls: tls?,
            ca_file,
            ca_pem,
            master,
            mailboxes,
            domain,
            concurrency,
            attachment_sample,
            timeout,
        })
    }

    /// The mailboxes of a round: the list, or the file read now.
    pub fn accounts(&self) -> Result<Vec<Account>, ConnectorError> {
        let read = |path: &PathBuf, key: &str| {
            std::fs::read_to_string(path).map_err(|e| {
                ConnectorError::Config(format!("{key} {}: cannot read it: {e}", path.display()))
            })
        };
        let master = |user: String, place: String| -> Result<Account, ConnectorError> {
            let (m, pw) = self
                .master
                .clone()
                .ok_or_else(|| ConnectorError::Config("no master user".into()))?;
            Ok(Account {
                user,
                login: Login::Master {
                    user: m,
                    password: pw,
                },
                place,
            })
        };
        let lines = |text: &str| -> Vec<(usize, String)> {
            text.lines()
                .enumerate()
                .map(|(i, l)| (i + 1, l.trim().to_string()))
                .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
                .collect()
        };
        match &self.mailboxes {
            Mailboxes::Listed(l) => l
                .iter()
                .enumerate()
                .map(|(i, u)| {
                    master(
                        u.trim().to_string(),
                        format!("mailbox #{} of mailboxes", i + 1),
                    )
                })
                .collect(),
            Mailboxes::File(path) => lines(&read(path, "mailboxes_file")?)
                .into_iter()
                .map(|(n, u)| master(u, format!("the mailbox on line {n} of mailboxes_file")))
                .collect(),
            Mailboxes::Accounts(path) => lines(&read(path, "accounts_file")?)
                .into_iter()
                .map(|(n, l)| match l.split_once(':') {
                    Some((u, pw)) if !u.trim().is_empty() && !pw.is_empty() => Ok(Account {
                        user: u.trim().to_string(),
                        login: Login::Own {
                            password: SecretString::from(pw.to_string()),
                        },
                        place: format!("the mailbox on line {n} of accounts_file"),
                    }),
                    // The line holds a password: only its number is told.
                    _ => Err(ConnectorError::Config(format!(
                        "accounts_file {}: line {n} is not identifier:password",
                        path.display()
                    ))),
                })
                .collect(),
        }
    }
}

impl SourceParams for ImapParams {
    fn kind(&self) -> &'static str {
        super::KIND.name
    }

    fn role(&self) -> Role {
        Role::Telemetry
    }

    fn render(&self) -> String {
        let mut lines = vec![
            format!("host = {}", toml_str(&self.host)),
            format!("port = {}", self.port),
            format!("tls = {}", toml_str(self.tls.as_str())),
        ];
        if let Some(ca) = &self.ca_file {
            lines.push(format!("ca_file = {}", toml_str(&ca.display().to_string())));
        }
        if let Some((user, _)) = &self.master {
            lines.push(format!("master_user = {}", toml_str(user)));
            lines.push("master_password = \"[REDACTED]\"".into());
        }
        lines.push(match &self.mailboxes {
            Mailboxes::Listed(l) => format!(
                "# mailboxes: {} listed (personal data, not printed)",
                l.len()
            ),
            Mailboxes::File(f) => {
                format!("mailboxes_file = {}", toml_str(&f.display().to_string()))
            }
            Mailboxes::Accounts(f) => {
                format!("accounts_file = {}", toml_str(&f.display().to_string()))
            }
        });
        if let Some(d) = &self.domain {
            lines.push(format!("domain = {}", toml_str(d)));
        }
        lines.push(format!("concurrency = {}", self.concurrency));
        lines.push(format!("attachment_sample = {}", self.attachment_sample));
        lines.push(format!("timeout_seconds = {}", self.timeout.as_secs()));
        lines.join("\n")
    }

    fn build(&self) -> Result<Box<dyn Connector>, ConnectorError> {
        self.build_in(&BuildContext::default())
    }

    fn build_in(&self, ctx: &BuildContext) -> Result<Box<dyn Connector>, ConnectorError> {
        let privacy = ctx
            .mail
            .clone()
            .ok_or_else(|| missing_privacy(super::KIND.name))?;
        Ok(Box::new(super::ImapConnector::new(self.clone(), privacy)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn read(v: Value) -> (Option<ImapParams>, Vec<crate::params::ParamIssue>) {
        let mut p = Params::new("sources[0]", v.as_object().unwrap().clone());
        let s = ImapParams::from_params(&mut p);
        (s, p.finish())
    }

    #[test]
    fn tls_is_on_by_default_and_the_mailboxes_are_never_printed() {
        let (s, issues) = read(json!({
            "host": "imap.ville.fr", "master_user": "parcd-admin",
            "master_password": "m4ster-secret", "mailboxes": ["anne.martin@ville.fr", "bob"]
        }));
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.unwrap();
        assert_eq!((s.tls, s.port), (TlsMode::Implicit, 993));
        assert_eq!(s.endpoint(), "imaps://imap.ville.fr:993");
        let text = format!("{} {s:?}", s.render());
        for secret in ["m4ster-secret", "anne.martin", "bob"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("2 listed"), "{text}");
        let accounts = s.accounts().unwrap();
        assert_eq!(accounts[1].user, "bob");
        assert_eq!(accounts[1].place, "mailbox #2 of mailboxes");
    }

    #[test]
    fn a_list_needs_a_master_user_and_one_source_of_mailboxes() {
        let (s, issues) = read(json!({"host": "h", "mailboxes": ["a@b.fr"], "tls": "ssl"}));
        assert!(s.is_none());
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        assert!(keys.contains(&"sources[0].master_user"), "{issues:?}");
        assert!(keys.contains(&"sources[0].tls"), "{issues:?}");
        let (_, issues) = read(json!({"host": "h", "master_user": "m", "master_password": "p"}));
        assert!(
            issues.iter().any(|i| i.problem == "no mailbox to read"),
            "{issues:?}"
        );
    }

    #[test]
    fn an_accounts_file_gives_each_mailbox_its_password_and_a_bad_line_is_named_by_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accounts");
        std::fs::write(
            &path,
            "# comptes\nanne@ville.fr:pw:with:colons\n\nbroken-line\n",
        )
        .unwrap();
        let (s, issues) = read(json!({"host": "h", "tls": "starttls",
                                      "accounts_file": path.to_str().unwrap()}));
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.unwrap();
        assert_eq!(s.port, 143);
        let e = s.accounts().err().expect("line 4 is broken");
        assert!(e.to_string().contains("line 4"), "{e}");
        assert!(!e.to_string().contains("broken-line"), "{e}");
        std::fs::write(&path, "anne@ville.fr:pw:with:colons\n").unwrap();
        let a = s.accounts().unwrap();
        match &a[0].login {
            Login::Own { password } => {
                assert_eq!(
                    secrecy::ExposeSecret::expose_secret(password),
                    "pw:with:colons"
                )
            }
            Login::Master { .. } => panic!("own login expected"),
        }
    }
}
