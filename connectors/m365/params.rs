//! The keys of a `kind = "m365"` source.

use std::time::Duration;

use secrecy::SecretString;

use crate::api::{Connector, Role};
use crate::error::ConnectorError;
use crate::framework::kind::{BuildContext, SourceParams, toml_str};
use crate::framework::mail::missing_privacy;
use crate::params::Params;

/// The report periods Graph accepts (`D7`, `D30`, `D90`, `D180`).
pub const PERIODS: &[&str] = &["D7", "D30", "D90", "D180"];

/// Graph keeps a day's email activity detail for 28 to 30 days.
pub const MAX_ACTIVITY_DAYS: u64 = 28;

/// Validated parameters of a Microsoft 365 source.
#[derive(Debug, Clone)]
pub struct M365Params {
    /// The directory (tenant) id, a GUID, or one of its domains.
    pub tenant_id: String,
    /// The application (client) id of the app registration granted `Reports.Read.All`.
    pub client_id: String,
    pub client_secret: SecretString,
    /// Base URL of the token endpoint (`https://login.microsoftonline.com`; another one for
    /// a national cloud, or the fake).
    pub login_url: String,
    /// Base URL of Graph (`https://graph.microsoft.com`).
    pub graph_url: String,
    /// The mailbox usage report's period.
    pub period: String,
    /// Days of email activity read back at the first sync.
    pub activity_days: u64,
    /// The domain of mailboxes whose report row has no address (a tenant that conceals
    /// user names).
    pub domain: Option<String>,
    pub timeout: Duration,
}

fn base_url(p: &mut Params, key: &str, default: &str) -> Option<String> {
    let url = p.string_or(key, default);
    let trimmed = url.trim().trim_end_matches('/');
    if (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
        && trimmed.split("://").nth(1).is_some_and(|h| !h.is_empty())
    {
        Some(trimmed.to_string())
    } else {
        p.issue(
            key,
            format!("\"{url}\" is not an http(s) URL"),
            format!(
                "remove {key} for Microsoft's global cloud ({default}), or give the full base URL"
            ),
        );
        None
    }
}

impl M365Params {
    /// Reads the keys of one `[[sources]]` table; `None` when one is wrong (every issue is
    /// recorded in `p`).
    pub fn from_params(p: &mut Params) -> Option<M365Params> {
        let tenant_id = p.required_string(
            "tenant_id",
            "set tenant_id to the directory (tenant) id shown in Microsoft Entra ID → Overview",
        );
        if let Some(t) = &tenant_id
            && !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            p.issue(
                "tenant_id",
                format!("\"{t}\" is neither a GUID nor a domain"),
                "copy the directory (tenant) id, e.g. \"0c5d6f2e-…\"",
            );
        }
        let client_id = p.required_string(
            "client_id",
            "set client_id to the application (client) id of the app registration granted Reports.Read.All",
        );
        let secret_given = ["client_secret", "client_secret_file", "client_secret_env"]
            .iter()
            .any(|k| p.has(k));
        let client_secret = p.secret("client_secret");
        if client_secret.is_none() && !secret_given {
            p.issue(
                "client_secret",
                "no client secret given",
                "set client_secret_file (or client_secret_env): a secret of the app registration \
                 (Certificates & secrets → its Value, not its ID)",
            );
        }
        let login_url = base_url(p, "login_url", "https://login.microsoftonline.com");
        let graph_url = base_url(p, "graph_url", "https://graph.microsoft.com");
        let period = p.string_or("period", "D7");
        if !PERIODS.contains(&period.as_str()) {
            p.issue(
                "period",
                format!("\"{period}\" is not a report period"),
                format!("use one of {}", PERIODS.join(", ")),
            );
        }
        let activity_days = p.u64_in("activity_days", 7, 0, MAX_ACTIVITY_DAYS);
        let timeout = Duration::from_secs(p.u64_in("timeout_seconds", 60, 1, 3600));
        let domain = p.string("domain").map(|d| d.trim().to_lowercase());
        if let Some(d) = &domain
            && (d.is_empty() || d.contains('@') || d.chars().any(char::is_whitespace))
        {
            p.issue(
                "domain",
                format!("\"{d}\" is not a mail domain"),
                "write the tenant's mail domain, e.g. \"ville.fr\", or remove the key",
            );
            return None;
        }
        let tenant_id = tenant_id?;
        if !tenant_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return None;
        }
        Some(M365Params {
            tenant_id,
            client_id: client_id?,
            client_secret: client_secret?,
            login_url: login_url?,
            graph_url: graph_url?,
            period,
            activity_days,
            domain,
            timeout,
        })
        .filter(|s| PERIODS.contains(&s.period.as_str()))
    }
}

impl SourceParams for M365Params {
    fn kind(&self) -> &'static str {
        super::KIND.name
    }

    fn role(&self) -> Role {
        Role::Telemetry
    }

    fn render(&self) -> String {
        [
            format!("tenant_id = {}", toml_str(&self.tenant_id)),
            format!("client_id = {}", toml_str(&self.client_id)),
            "client_secret = \"[REDACTED]\"".to_string(),
            format!("login_url = {}", toml_str(&self.login_url)),
            format!("graph_url = {}", toml_str(&self.graph_url)),
            format!("period = {}", toml_str(&self.period)),
            format!("activity_days = {}", self.activity_days),
            match &self.domain {
                Some(d) => format!("domain = {}", toml_str(d)),
                None => "# domain: none (concealed names count under \"no-domain\")".into(),
            },
            format!("timeout_seconds = {}", self.timeout.as_secs()),
        ]
        .join("\n")
    }

    fn build(&self) -> Result<Box<dyn Connector>, ConnectorError> {
        self.build_in(&BuildContext::default())
    }

    fn build_in(&self, ctx: &BuildContext) -> Result<Box<dyn Connector>, ConnectorError> {
        let privacy = ctx
            .mail
            .clone()
            .ok_or_else(|| missing_privacy(super::KIND.name))?;
        Ok(Box::new(super::M365Connector::new(self.clone(), privacy)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn read(v: Value) -> (Option<M365Params>, Vec<crate::params::ParamIssue>) {
        let mut p = Params::new("sources[0]", v.as_object().unwrap().clone());
        let s = M365Params::from_params(&mut p);
        (s, p.finish())
    }

    #[test]
    fn defaults_are_microsofts_global_cloud_and_the_secret_never_shows() {
        let (s, issues) = read(json!({
            "tenant_id": "0c5d6f2e-1111-2222-3333-444455556666",
            "client_id": "app-1", "client_secret": "s3cr3t~value"
        }));
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.unwrap();
        assert_eq!(s.login_url, "https://login.microsoftonline.com");
        assert_eq!(s.graph_url, "https://graph.microsoft.com");
        assert_eq!((s.period.as_str(), s.activity_days), ("D7", 7));
        let text = s.render();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("client_secret = \"[REDACTED]\""), "{text}");
    }

    #[test]
    fn every_mistake_is_named_with_its_key_and_fix() {
        let (s, issues) = read(json!({
            "tenant_id": "my tenant", "period": "D8", "activity_days": 40,
            "graph_url": "graph.microsoft.com"
        }));
        assert!(s.is_none());
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        for k in [
            "sources[0].tenant_id",
            "sources[0].client_id",
            "sources[0].client_secret",
            "sources[0].period",
            "sources[0].activity_days",
            "sources[0].graph_url",
        ] {
            assert!(keys.contains(&k), "{k} missing from {issues:?}");
        }
        let secret = issues
            .iter()
            .find(|i| i.key == "sources[0].client_secret")
            .unwrap();
        assert!(secret.fix.contains("Value, not its ID"), "{secret:?}");
    }
}
