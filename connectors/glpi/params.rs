//! The keys of a `kind = "glpi"` source.

use std::time::Duration;

use secrecy::SecretString;

use crate::api::{Connector, Role};
use crate::error::ConnectorError;
use crate::framework::kind::{SourceParams, toml_list, toml_str};
use crate::mapping::{ClassRules, StatusMap};
use crate::params::Params;

/// Item types read when `item_types` is not set.
pub const DEFAULT_ITEM_TYPES: [&str; 6] = [
    "Computer",
    "Monitor",
    "Printer",
    "Phone",
    "NetworkEquipment",
    "Peripheral",
];

/// How parcd logs in to GLPI.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A user's remote access key ("API token" in the user's preferences).
    UserToken(SecretString),
    /// Basic authentication, when GLPI allows login with credentials on the API.
    Login {
        username: String,
        password: SecretString,
    },
}

/// Validated parameters of a GLPI source.
#[derive(Debug, Clone)]
pub struct GlpiParams {
    /// The `apirest.php` base URL, without a trailing slash.
    pub url: String,
    pub app_token: Option<SecretString>,
    pub credentials: Credentials,
    pub item_types: Vec<String>,
    /// Read printers' page counters (`PrinterLog`, else `last_pages_counter`) as readings.
    /// Only when `Printer` is among the item types.
    pub printer_counters: bool,
    pub page_size: u64,
    pub timeout: Duration,
    pub status_map: StatusMap,
    pub class_rules: ClassRules,
}

impl GlpiParams {
    /// Reads the GLPI keys of one `[[sources]]` table. Returns `None` when a key is wrong;
    /// the issues are recorded in `p`.
    pub fn from_params(p: &mut Params) -> Option<GlpiParams> {
        let url = p.required_string(
            "url",
            "set url to GLPI's API base, e.g. \"https://glpi.example.org/apirest.php\"",
        );
        let url = url.and_then(|u| {
            let u = u.trim_end_matches('/').to_string();
            if u.starts_with("http://") || u.starts_with("https://") {
                Some(u)
            } else {
                p.issue(
                    "url",
                    format!("\"{u}\" is not an http(s) URL"),
                    "write the full URL, e.g. \"https://glpi.example.org/apirest.php\"",
                );
                None
            }
        });
        let app_token = p.secret("app_token");
        let token_given = ["user_token", "user_token_file", "user_token_env"]
            .iter()
            .any(|k| p.has(k));
        let user_token = p.secret("user_token");
        let username = p.string("username");
        let password = p.secret("password");
        let credentials = match (user_token, username, password) {
            (Some(t), None, None) => Some(Credentials::UserToken(t)),
            (None, Some(username), Some(password)) => {
                Some(Credentials::Login { username, password })
            }
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                p.issue(
                    "user_token",
                    "is set together with username/password",
                    "keep either user_token or username + password",
                );
                None
            }
            (None, Some(_), None) => {
                p.issue(
                    "password",
                    "is required with username",
                    "set password (or password_file)",
                );
                None
            }
            (None, None, Some(_)) => {
                p.issue("username", "is required with password", "set username");
                None
            }
            // A token given but unreadable was reported by `secret` already.
            (None, None, None) if token_given => None,
            (None, None, None) => {
                p.issue(
                    "user_token",
                    "no credentials given",
                    "set user_token (or user_token_file): the API token of a read-only GLPI user",
                );
                None
            }
        };
        let item_types = p
            .string_list("item_types")
            .unwrap_or_else(|| DEFAULT_ITEM_TYPES.map(String::from).to_vec());
        for t in &item_types {
            if !DEFAULT_ITEM_TYPES.contains(&t.as_str()) {
                p.issue(
                    "item_types",
                    format!("\"{t}\" is not an item type parcd reads"),
                    format!("use some of: {}", DEFAULT_ITEM_TYPES.join(", ")),
                );
            }
        }
        let reads_printers = item_types.iter().any(|t| t == "Printer");
        let counters_given = p.has("printer_counters");
        let printer_counters = p.bool_or("printer_counters", reads_printers);
        if printer_counters && counters_given && !reads_printers {
            p.issue(
                "printer_counters",
                "is true but \"Printer\" is not among the item types",
                "add \"Printer\" to item_types, or remove printer_counters",
            );
        }
        let printer_counters = printer_counters && reads_printers;
        let page_size = p.u64_in("page_size", 1000, 1, 5000);
        let timeout = Duration::from_secs(p.u64_in("timeout_seconds", 60, 1, 3600));
        let status_map = StatusMap::from_params(p);
        let class_rules = ClassRules::from_params(p);
        Some(GlpiParams {
            url: url?,
            app_token,
            credentials: credentials?,
            item_types,
            printer_counters,
            page_size,
            timeout,
            status_map,
            class_rules,
        })
    }
}

impl SourceParams for GlpiParams {
    fn kind(&self) -> &'static str {
        super::KIND.name
    }

    fn role(&self) -> Role {
        Role::Inventory
    }

    fn render(&self) -> String {
        let mut s = format!("url = {}\n", toml_str(&self.url));
        if self.app_token.is_some() {
            s.push_str("app_token = \"[REDACTED]\"\n");
        }
        match &self.credentials {
            Credentials::UserToken(_) => s.push_str("user_token = \"[REDACTED]\"\n"),
            Credentials::Login { username, .. } => s.push_str(&format!(
                "username = {}\npassword = \"[REDACTED]\"\n",
                toml_str(username)
            )),
        }
        s.push_str(&format!(
            "item_types = {}\nprinter_counters = {}\npage_size = {}\ntimeout_seconds = {}\n",
            toml_list(&self.item_types),
            self.printer_counters,
            self.page_size,
            self.timeout.as_secs()
        ));
        s.push_str(&self.status_map.render());
        s.push_str(&self.class_rules.render());
        s
    }

    fn build(&self) -> Result<Box<dyn Connector>, ConnectorError> {
        Ok(Box::new(super::GlpiConnector::new(self.clone())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: serde_json::Value) -> (Option<GlpiParams>, Vec<crate::params::ParamIssue>) {
        let mut p = Params::new("sources[0]", v.as_object().unwrap().clone());
        let g = GlpiParams::from_params(&mut p);
        (g, p.finish())
    }

    #[test]
    fn a_minimal_source_gets_the_default_item_types() {
        let (g, issues) = read(json!({"url": "https://glpi/apirest.php/", "user_token": "t"}));
        assert!(issues.is_empty(), "{issues:?}");
        let g = g.unwrap();
        assert_eq!(g.url, "https://glpi/apirest.php");
        assert_eq!(g.item_types.len(), 6);
        assert!(g.printer_counters, "on by default when printers are read");
    }

    #[test]
    fn printer_counters_follow_the_printers() {
        let (g, issues) = read(json!({"url": "https://glpi/apirest.php", "user_token": "t",
            "item_types": ["Computer"]}));
        assert!(issues.is_empty(), "{issues:?}");
        assert!(!g.unwrap().printer_counters, "no printers, no counters");
        let (g, issues) = read(json!({"url": "https://glpi/apirest.php", "user_token": "t",
            "printer_counters": false}));
        assert!(issues.is_empty(), "{issues:?}");
        assert!(!g.unwrap().printer_counters);
        let (_, issues) = read(json!({"url": "https://glpi/apirest.php", "user_token": "t",
            "item_types": ["Computer"], "printer_counters": true}));
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].key, "sources[0].printer_counters");
    }

    #[test]
    fn every_mistake_of_a_source_is_reported() {
        let (g, issues) =
            read(json!({"url": "glpi", "item_types": ["Computer", "Rack"], "page_size": 0}));
        assert!(g.is_none());
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        assert!(keys.contains(&"sources[0].url"), "{keys:?}");
        assert!(keys.contains(&"sources[0].user_token"), "{keys:?}");
        assert!(keys.contains(&"sources[0].item_types"), "{keys:?}");
        assert!(keys.contains(&"sources[0].page_size"), "{keys:?}");
    }

    #[test]
    fn the_rendered_keys_hide_both_tokens() {
        let (g, _) = read(
            json!({"url": "https://glpi/apirest.php", "user_token": "u-secret",
                                 "app_token": "a-secret"}),
        );
        let text = g.unwrap().render();
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("user_token = \"[REDACTED]\""), "{text}");
        assert!(text.contains("app_token = \"[REDACTED]\""), "{text}");
    }
}
