//! The keys of a `kind = "doveadm"` source: where Dovecot's doveadm HTTP API listens, how to
//! authenticate, which CA to trust, and which folders are Sent, Trash and Junk.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use crate::api::{Connector, Role};
use crate::error::ConnectorError;
use crate::framework::kind::{BuildContext, SourceParams, toml_list, toml_str};
use crate::mail::{FolderRole, missing_privacy};
use crate::params::Params;

/// The folder names looked up for each role when the source names none: Dovecot's default
/// namespace names, Thunderbird's and Outlook's, in English and French.
pub const DEFAULT_SENT: &[&str] = &[
    "Sent",
    "Sent Items",
    "Sent Messages",
    "Envoyés",
    "Éléments envoyés",
];
pub const DEFAULT_TRASH: &[&str] = &[
    "Trash",
    "Deleted Items",
    "Deleted Messages",
    "Corbeille",
    "Éléments supprimés",
];
pub const DEFAULT_JUNK: &[&str] = &["Junk", "Spam", "Junk E-mail", "Courrier indésirable"];

/// How parcd authenticates to doveadm.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `doveadm_api_key`, sent as `Authorization: X-Dovecot-API <base64>`.
    ApiKey(SecretString),
    /// `doveadm_password`, sent as HTTP Basic for the user `doveadm`.
    Password(SecretString),
}

/// A PEM bundle trusted on top of the system's roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaFile {
    pub path: PathBuf,
    pub pem: Vec<u8>,
}

/// Validated parameters of a doveadm source.
#[derive(Debug, Clone)]
pub struct DoveadmParams {
    /// The listener's base URL (`https://mail.example.org:8080`), without `/doveadm/v1`.
    pub url: String,
    pub auth: Auth,
    pub ca: Option<CaFile>,
    pub timeout: Duration,
    /// The domain of user names that have none (`alice`).
    pub domain: Option<String>,
    pub sent_folders: Vec<String>,
    pub trash_folders: Vec<String>,
    pub junk_folders: Vec<String>,
}

impl DoveadmParams {
    /// Reads the doveadm keys of one `[[sources]]` table. `None` when a key is wrong; every
    /// issue is recorded in `p`.
    pub fn from_params(p: &mut Params) -> Option<DoveadmParams> {
        let url = p
            .required_string(
                "url",
                "set url to doveadm's HTTP listener, e.g. \"https://mail.example.org:8080\"",
            )
            .and_then(|u| {
                let trimmed = u.trim().trim_end_matches('/');
                let base = trimmed
                    .strip_suffix("/doveadm/v1")
                    .unwrap_or(trimmed)
                    .trim_end_matches('/');
                if (base.starts_with("http://") || base.starts_with("https://"))
                    && base.split("://").nth(1).is_some_and(|h| !h.is_empty())
                {
                    Some(base.to_string())
                } else {
                    p.issue(
                        "url",
                        format!("\"{u}\" is not an http(s) URL"),
                        "write the listener's URL, e.g. \"https://mail.example.org:8080\"",
                    );
                    None
                }
            });
        let key_given = ["api_key", "api_key_file", "api_key_env"]
            .iter()
            .any(|k| p.has(k));
        let password_given = ["password", "password_file", "password_env"]
            .iter()
            .any(|k| p.has(k));
        let api_key = p.secret("api_key");
        let password = p.secret("password");
        let auth = match (api_key, password) {
            _ if key_given && password_given => {
                p.issue(
                    "api_key",
                    "both an API key and a password are given",
                    "keep one: api_key_file (Dovecot's doveadm_api_key) or password_file \
                     (its doveadm_password)",
                );
                None
            }
            (Some(k), _) => Some(Auth::ApiKey(k)),
            (_, Some(pw)) => Some(Auth::Password(pw)),
            // A secret named but unreadable is already an issue of its own key.
            _ if key_given || password_given => None,
            _ => {
                p.issue(
                    "api_key",
                    "no credentials given",
                    "set api_key_file (Dovecot's doveadm_api_key) or password_file (its \
                     doveadm_password)",
                );
                None
            }
        };
        let ca = read_ca_file(p);
        let timeout = Duration::from_secs(p.u64_in("timeout_seconds", 120, 1, 3600));
        let domain = p.string("domain").and_then(|d| {
            let d = d.trim().to_lowercase();
            if d.is_empty() || d.contains('@') || d.chars().any(char::is_whitespace) {
                p.issue(
                    "domain",
                    format!("\"{d}\" is not a mail domain"),
                    "write the domain of user names that have none, e.g. \"valdebrume.fr\"",
                );
                None
            } else {
                Some(d)
            }
        });
        let mut folders = |key: &str, default: &[&str]| -> Vec<String> {
            let list = p
                .string_list(key)
                .unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect());
            if list.iter().any(|f| f.trim().is_empty()) {
                p.issue(
                    key,
                    "holds an empty folder name",
                    "list folder names as Dovecot shows them (doveadm mailbox list)",
                );
            }
            list
        };
        let sent_folders = folders("sent_folders", DEFAULT_SENT);
        let trash_folders = folders("trash_folders", DEFAULT_TRASH);
        let junk_folders = folders("junk_folders", DEFAULT_JUNK);
        Some(DoveadmParams {
            url: url?,
            auth: auth?,
            ca,
            timeout,
            domain,
            sent_folders,
            trash_folders,
            junk_folders,
        })
    }

    /// `{url}/doveadm/v1`.
    pub fn endpoint(&self) -> String {
        format!("{}/doveadm/v1", self.url)
    }

    /// The role of a folder by the configured names.
    pub fn role_of(&self, folder: &str) -> Option<FolderRole> {
        let is = |names: &[String]| names.iter().any(|n| n == folder);
        if is(&self.sent_folders) {
            Some(FolderRole::Sent)
        } else if is(&self.trash_folders) {
            Some(FolderRole::Trash)
        } else if is(&self.junk_folders) {
            Some(FolderRole::Junk)
        } else {
            None
        }
    }
}

/// Reads `ca_file`: a readable PEM file holding at least one certificate.
fn read_ca_file(p: &mut Params) -> Option<CaFile> {
    let path = PathBuf::from(p.string("ca_file")?);
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

impl SourceParams for DoveadmParams {
    fn kind(&self) -> &'static str {
        super::KIND.name
    }

    fn role(&self) -> Role {
        Role::Telemetry
    }

    fn render(&self) -> String {
        let mut s = format!("url = {}\n", toml_str(&self.url));
        match self.auth {
            Auth::ApiKey(_) => s.push_str("api_key = \"[REDACTED]\"\n"),
            Auth::Password(_) => s.push_str("password = \"[REDACTED]\"\n"),
        }
        if let Some(ca) = &self.ca {
            s.push_str(&format!(
                "ca_file = {}\n",
                toml_str(&ca.path.display().to_string())
            ));
        }
        s.push_str(&format!("timeout_seconds = {}\n", self.timeout.as_secs()));
        if let Some(d) = &self.domain {
            s.push_str(&format!("domain = {}\n", toml_str(d)));
        }
        s.push_str(&format!(
            "sent_folders = {}\ntrash_folders = {}\njunk_folders = {}\n",
            toml_list(&self.sent_folders),
            toml_list(&self.trash_folders),
            toml_list(&self.junk_folders),
        ));
        s
    }

    fn build(&self) -> Result<Box<dyn Connector>, ConnectorError> {
        self.build_in(&BuildContext::default())
    }

    fn build_in(&self, ctx: &BuildContext) -> Result<Box<dyn Connector>, ConnectorError> {
        let privacy = ctx
            .mail
            .clone()
            .ok_or_else(|| missing_privacy(super::KIND.name))?;
        Ok(Box::new(super::DoveadmConnector::new(
            self.clone(),
            privacy,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: serde_json::Value) -> (Option<DoveadmParams>, Vec<crate::params::ParamIssue>) {
        let mut p = Params::new("sources[2]", v.as_object().unwrap().clone());
        let s = DoveadmParams::from_params(&mut p);
        (s, p.finish())
    }

    #[test]
    fn a_minimal_source_gets_the_defaults_and_loses_a_pasted_api_path() {
        let (s, issues) = read(json!({"url": "http://127.0.0.1:8080/doveadm/v1", "api_key": "k"}));
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.unwrap();
        assert_eq!(s.endpoint(), "http://127.0.0.1:8080/doveadm/v1");
        assert_eq!(s.timeout, Duration::from_secs(120));
        assert_eq!(s.role_of("Sent"), Some(FolderRole::Sent));
        assert_eq!(s.role_of("Spam"), Some(FolderRole::Junk));
        assert_eq!(s.role_of("INBOX"), None);
        assert!(!s.render().contains("\"k\""));
    }

    #[test]
    fn every_mistake_is_reported_with_its_key() {
        let (s, issues) = read(json!({
            "url": "mail.example.org",
            "api_key": "k",
            "password": "p",
            "ca_file": "/nonexistent/ca.pem",
            "domain": "a b",
            "timeout_seconds": 0,
            "sent_folder": ["Sent"],
        }));
        assert!(s.is_none());
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        for key in [
            "sources[2].url",
            "sources[2].api_key",
            "sources[2].ca_file",
            "sources[2].domain",
            "sources[2].timeout_seconds",
            "sources[2].sent_folder",
        ] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
        let typo = issues
            .iter()
            .find(|i| i.key == "sources[2].sent_folder")
            .unwrap();
        assert!(typo.fix.contains("`sent_folders`"), "{typo:?}");
    }

    #[test]
    fn no_credentials_is_one_issue_with_its_fix() {
        let (s, issues) = read(json!({"url": "http://127.0.0.1:8080"}));
        assert!(s.is_none());
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert!(issues[0].fix.contains("doveadm_api_key"));
    }

    #[test]
    fn a_mail_source_built_without_the_privacy_context_says_so() {
        let (s, _) = read(json!({"url": "http://127.0.0.1:8080", "password": "p"}));
        let e = s.unwrap().build().err().expect("no privacy context");
        assert_eq!(e.error_type(), crate::ErrorType::Config);
        assert!(e.to_string().contains("[mail]"), "{e}");
    }
}
