//! The keys of a `kind = "snipeit"` source.

use std::time::Duration;

use secrecy::SecretString;

use crate::api::{Connector, Role};
use crate::error::ConnectorError;
use crate::framework::kind::{SourceParams, toml_list, toml_str};
use crate::mapping::{ClassRules, StatusMap};
use crate::params::Params;

/// Snipe-IT's own ceiling on `limit` (`config('app.max_results')`, 500 by default): an
/// instance silently answers fewer rows past it.
pub const MAX_PAGE_SIZE: u64 = 500;

/// Validated parameters of a Snipe-IT source.
#[derive(Debug, Clone)]
pub struct SnipeitParams {
    /// The instance's base URL (`https://snipe.example.org`), without a trailing slash nor
    /// the `/api/v1` suffix.
    pub url: String,
    /// A personal access token (Snipe-IT: Account → Manage API keys).
    pub api_token: SecretString,
    pub page_size: u64,
    pub timeout: Duration,
    pub status_map: StatusMap,
    pub class_rules: ClassRules,
    /// Custom fields whose `name: value` join the purchase comment, for the AGEC origin
    /// rules (which read the comment, not custom fields).
    pub origin_fields: Vec<String>,
}

impl SnipeitParams {
    /// Reads the Snipe-IT keys of one `[[sources]]` table. Returns `None` when a key is
    /// wrong; every issue is recorded in `p`.
    pub fn from_params(p: &mut Params) -> Option<SnipeitParams> {
        let url = p.required_string(
            "url",
            "set url to the Snipe-IT base URL, e.g. \"https://snipe.example.org\"",
        );
        let url = url.and_then(|u| {
            let trimmed = u.trim().trim_end_matches('/');
            // The API path is parcd's business; accept it when a DSI pastes it anyway.
            let base = trimmed
                .strip_suffix("/api/v1")
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
                    "write the full base URL, e.g. \"https://snipe.example.org\"",
                );
                None
            }
        });
        let token_given = ["api_token", "api_token_file", "api_token_env"]
            .iter()
            .any(|k| p.has(k));
        let api_token = p.secret("api_token");
        if api_token.is_none() && !token_given {
            p.issue(
                "api_token",
                "no API token given",
                "set api_token_file (or api_token_env): a personal API key of a Snipe-IT user \
                 allowed to view assets",
            );
        }
        let page_size = p.u64_in("page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        let timeout = Duration::from_secs(p.u64_in("timeout_seconds", 60, 1, 3600));
        let status_map = StatusMap::from_params(p);
        let class_rules = ClassRules::from_params(p);
        let origin_fields = p.string_list("origin_fields").unwrap_or_default();
        let mut names_ok = true;
        for (i, f) in origin_fields.iter().enumerate() {
            if f.trim().is_empty() || origin_fields[..i].contains(f) {
                names_ok = false;
                p.issue(
                    "origin_fields",
                    format!("\"{f}\" is empty or listed twice"),
                    "list each custom field name once, as Snipe-IT shows it (e.g. \"Reconditionné\")",
                );
            }
        }
        if !names_ok {
            return None;
        }
        Some(SnipeitParams {
            url: url?,
            api_token: api_token?,
            page_size,
            timeout,
            status_map,
            class_rules,
            origin_fields,
        })
    }

    /// `{url}/api/v1`.
    pub fn api_base(&self) -> String {
        format!("{}/api/v1", self.url)
    }
}

impl SourceParams for SnipeitParams {
    fn kind(&self) -> &'static str {
        super::KIND.name
    }

    fn role(&self) -> Role {
        Role::Inventory
    }

    fn render(&self) -> String {
        let mut s = format!(
            "url = {}\napi_token = \"[REDACTED]\"\npage_size = {}\ntimeout_seconds = {}\norigin_fields = {}\n",
            toml_str(&self.url),
            self.page_size,
            self.timeout.as_secs(),
            toml_list(&self.origin_fields),
        );
        s.push_str(&self.status_map.render());
        s.push_str(
            "# labels no name above matches: deployable -> in_stock (in_service when checked out), \
             pending -> in_stock, undeployable -> in_repair, archived -> retired\n",
        );
        s.push_str(&self.class_rules.render());
        s
    }

    fn build(&self) -> Result<Box<dyn Connector>, ConnectorError> {
        Ok(Box::new(super::SnipeitConnector::new(self.clone())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: serde_json::Value) -> (Option<SnipeitParams>, Vec<crate::params::ParamIssue>) {
        let mut p = Params::new("sources[1]", v.as_object().unwrap().clone());
        let s = SnipeitParams::from_params(&mut p);
        (s, p.finish())
    }

    #[test]
    fn a_minimal_source_gets_the_defaults_and_loses_a_pasted_api_suffix() {
        let (s, issues) =
            read(json!({"url": "https://snipe.example.org/api/v1/", "api_token": "t"}));
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.unwrap();
        assert_eq!(s.url, "https://snipe.example.org");
        assert_eq!(s.api_base(), "https://snipe.example.org/api/v1");
        assert_eq!(s.page_size, 500);
        assert_eq!(s.timeout, Duration::from_secs(60));
        assert!(s.origin_fields.is_empty());
    }

    #[test]
    fn every_mistake_of_a_source_is_reported_with_its_key() {
        let (s, issues) = read(json!({
            "url": "snipe.example.org",
            "page_size": 1000,
            "timeout_seconds": 0,
            "origin_fields": ["Reconditionné", "Reconditionné"],
            "status_map": {"Prêt": "deployed"},
            "class_rules": [{"type": "(", "class": "laptop"}],
            "api_tokn": "x",
        }));
        assert!(s.is_none());
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        for key in [
            "sources[1].url",
            "sources[1].api_token",
            "sources[1].page_size",
            "sources[1].timeout_seconds",
            "sources[1].origin_fields",
            "sources[1].status_map.Prêt",
            "sources[1].class_rules[0].type",
            "sources[1].api_tokn",
        ] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
        let typo = issues
            .iter()
            .find(|i| i.key == "sources[1].api_tokn")
            .unwrap();
        assert!(typo.fix.contains("`api_token`"), "{typo:?}");
        assert!(issues.iter().all(|i| !i.fix.is_empty()));
    }

    #[test]
    fn a_token_from_a_missing_file_is_one_issue_not_two() {
        let (s, issues) =
            read(json!({"url": "https://s", "api_token_file": "/nonexistent/parcd-token"}));
        assert!(s.is_none());
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].key, "sources[1].api_token_file");
    }

    #[test]
    fn the_token_comes_from_a_file_and_never_shows() {
        let path = std::env::temp_dir().join(format!("parcd-snipeit-token-{}", std::process::id()));
        std::fs::write(&path, "file-secret-4242\n").unwrap();
        let (s, issues) = read(
            json!({"url": "http://127.0.0.1:1", "api_token_file": path.to_str().unwrap(),
                                       "origin_fields": ["Reconditionné"]}),
        );
        std::fs::remove_file(&path).unwrap();
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.unwrap();
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&s.api_token),
            "file-secret-4242"
        );
        let text = s.render();
        assert!(!text.contains("file-secret-4242"), "{text}");
        assert!(text.contains("api_token = \"[REDACTED]\""), "{text}");
        assert!(
            text.contains("origin_fields = [\"Reconditionné\"]"),
            "{text}"
        );
    }
}
