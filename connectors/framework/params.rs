//! An error-collecting reader over one table of the configuration.
//!
//! serde stops at the first mistake; a DSI editing a config file wants every mistake at
//! once, each with its key and the fix. Each reader remembers which keys were read, so
//! what is left over at the end is an unknown key (usually a typo, reported with the
//! closest known key).

use std::collections::BTreeSet;
use std::path::PathBuf;

use secrecy::SecretString;
use serde_json::{Map, Value};

/// One problem found in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamIssue {
    /// Dotted path of the key, e.g. `sources[0].schedule`.
    pub key: String,
    pub problem: String,
    pub fix: String,
}

/// Reader over one configuration table.
#[derive(Debug)]
pub struct Params {
    path: String,
    table: Map<String, Value>,
    read: BTreeSet<String>,
    issues: Vec<ParamIssue>,
}

impl Params {
    /// `path` is the dotted location of the table (`""` for the root).
    pub fn new(path: impl Into<String>, table: Map<String, Value>) -> Self {
        Params {
            path: path.into(),
            table,
            read: BTreeSet::new(),
            issues: Vec::new(),
        }
    }

    /// The full dotted name of `key` in this table.
    pub fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{}", self.path, key)
        }
    }

    /// Records a problem with `key`.
    pub fn issue(&mut self, key: &str, problem: impl Into<String>, fix: impl Into<String>) {
        let key = self.key_path(key);
        self.issues.push(ParamIssue {
            key,
            problem: problem.into(),
            fix: fix.into(),
        });
    }

    /// Adds the issues of a sub-reader.
    pub fn absorb(&mut self, issues: Vec<ParamIssue>) {
        self.issues.extend(issues);
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.read.insert(key.to_string());
        match self.table.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.clone()),
        }
    }

    /// True when the table has `key` (and marks it read).
    pub fn has(&mut self, key: &str) -> bool {
        self.take(key).is_some()
    }

    /// An optional string.
    pub fn string(&mut self, key: &str) -> Option<String> {
        match self.take(key)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                self.issue(
                    key,
                    format!("expected a string, found {}", kind_of(&other)),
                    "write the value between double quotes",
                );
                None
            }
        }
    }

    /// A string that must be present; records `fix` when it is not.
    pub fn required_string(&mut self, key: &str, fix: &str) -> Option<String> {
        let v = self.string(key);
        if v.as_deref().map(str::trim).is_none_or(str::is_empty) {
            if !self.issues.iter().any(|i| i.key == self.key_path(key)) {
                self.issue(key, "is required", fix);
            }
            return None;
        }
        v
    }

    /// A string with a default.
    pub fn string_or(&mut self, key: &str, default: &str) -> String {
        self.string(key).unwrap_or_else(|| default.to_string())
    }

    /// An unsigned integer within `min..=max`, or `default` when absent.
    pub fn u64_in(&mut self, key: &str, default: u64, min: u64, max: u64) -> u64 {
        let Some(v) = self.take(key) else {
            return default;
        };
        let parsed = match &v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        match parsed {
            Some(n) if (min..=max).contains(&n) => n,
            _ => {
                self.issue(
                    key,
                    format!("expected a whole number from {min} to {max}, found {v}"),
                    format!("set a number from {min} to {max}, or remove the key for the default {default}"),
                );
                default
            }
        }
    }

    /// A boolean, or `default` when absent.
    pub fn bool_or(&mut self, key: &str, default: bool) -> bool {
        let Some(v) = self.take(key) else {
            return default;
        };
        match &v {
            Value::Bool(b) => *b,
            Value::String(s) if s.eq_ignore_ascii_case("true") => true,
            Value::String(s) if s.eq_ignore_ascii_case("false") => false,
            _ => {
                self.issue(
                    key,
                    format!("expected true or false, found {v}"),
                    "write true or false",
                );
                default
            }
        }
    }

    /// A list of strings (a TOML array, or one comma-separated string from an environment
    /// variable).
    pub fn string_list(&mut self, key: &str) -> Option<Vec<String>> {
        match self.take(key)? {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) => out.push(s),
                        other => {
                            self.issue(
                                key,
                                format!("expected a list of strings, found an item {other}"),
                                "write every item between double quotes",
                            );
                            return None;
                        }
                    }
                }
                Some(out)
            }
            Value::String(s) => Some(
                s.split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect(),
            ),
            other => {
                self.issue(
                    key,
                    format!("expected a list of strings, found {}", kind_of(&other)),
                    r#"write a list such as ["a", "b"]"#,
                );
                None
            }
        }
    }

    /// A sub-table, as its own reader (call [`Params::finish`] on it and absorb the result).
    pub fn table(&mut self, key: &str) -> Option<Params> {
        match self.take(key)? {
            Value::Object(map) => Some(Params::new(self.key_path(key), map)),
            other => {
                self.issue(
                    key,
                    format!("expected a table, found {}", kind_of(&other)),
                    format!("write it as a [{}] table", self.key_path(key)),
                );
                None
            }
        }
    }

    /// An array of tables (`[[key]]`), each as its own reader.
    pub fn tables(&mut self, key: &str) -> Vec<Params> {
        let Some(v) = self.take(key) else {
            return Vec::new();
        };
        let path = self.key_path(key);
        match v {
            Value::Array(items) => {
                let mut out = Vec::new();
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Value::Object(map) => out.push(Params::new(format!("{path}[{i}]"), map)),
                        other => self.issues.push(ParamIssue {
                            key: format!("{path}[{i}]"),
                            problem: format!("expected a table, found {}", kind_of(&other)),
                            fix: format!("write each entry as a [[{path}]] table"),
                        }),
                    }
                }
                out
            }
            other => {
                self.issue(
                    key,
                    format!("expected an array of tables, found {}", kind_of(&other)),
                    format!("write each entry as a [[{path}]] table"),
                );
                Vec::new()
            }
        }
    }

    /// The keys and values of a table of strings (e.g. `[sources.status_map]`).
    pub fn entries(&mut self) -> Vec<(String, Value)> {
        let entries: Vec<(String, Value)> = self
            .table
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, _) in &entries {
            self.read.insert(k.clone());
        }
        entries
    }

    /// A secret given inline (`key`), in a file (`key_file`) or in an environment variable
    /// (`key_env`). At most one of the three may be set.
    pub fn secret(&mut self, key: &str) -> Option<SecretString> {
        let file_key = format!("{key}_file");
        let env_key = format!("{key}_env");
        let inline = self.string(key);
        let file = self.string(&file_key);
        let env = self.string(&env_key);
        let set = [inline.is_some(), file.is_some(), env.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if set > 1 {
            self.issue(
                key,
                format!("is given more than once (through {key}, {file_key} or {env_key})"),
                format!("keep exactly one of {key}, {file_key} and {env_key}"),
            );
            return None;
        }
        if let Some(v) = inline {
            return Some(SecretString::from(v));
        }
        if let Some(path) = file {
            let path = PathBuf::from(path);
            return match std::fs::read_to_string(&path) {
                Ok(s) => Some(SecretString::from(
                    s.trim_end_matches(['\n', '\r']).to_string(),
                )),
                Err(e) => {
                    self.issue(
                        &file_key,
                        format!("cannot read {}: {e}", path.display()),
                        "point it at a readable file holding only the secret",
                    );
                    None
                }
            };
        }
        if let Some(var) = env {
            return match std::env::var(&var) {
                Ok(s) if !s.is_empty() => Some(SecretString::from(s)),
                _ => {
                    self.issue(
                        &env_key,
                        format!("environment variable {var} is not set or empty"),
                        format!("export {var} before starting parcd, or use {key}_file"),
                    );
                    None
                }
            };
        }
        None
    }

    /// Ends the reading: every key that was never read is reported as unknown.
    pub fn finish(mut self) -> Vec<ParamIssue> {
        let unknown: Vec<String> = self
            .table
            .keys()
            .filter(|k| !self.read.contains(*k))
            .cloned()
            .collect();
        for key in unknown {
            let fix = match closest(&key, self.read.iter().map(String::as_str)) {
                Some(near) => format!("did you mean `{near}`? Otherwise remove it"),
                None => "remove it".to_string(),
            };
            self.issue(&key, "is not a known key", fix);
        }
        self.issues
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

/// The known key nearest to `key` by edit distance, if it is near enough to be a typo.
fn closest<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (edit_distance(key, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reader(v: Value) -> Params {
        match v {
            Value::Object(m) => Params::new("server", m),
            _ => unreachable!(),
        }
    }

    #[test]
    fn unknown_keys_are_reported_with_the_nearest_known_key() {
        let mut p = reader(json!({"listen": "127.0.0.1:1", "lisen": "x"}));
        let _ = p.string("listen");
        let issues = p.finish();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].key, "server.lisen");
        assert!(issues[0].fix.contains("`listen`"), "{:?}", issues[0]);
    }

    #[test]
    fn every_mistake_is_collected_not_only_the_first() {
        let mut p = reader(json!({"a": "x", "b": [1]}));
        p.u64_in("a", 1, 0, 10);
        p.string_list("b");
        p.required_string("c", "set c");
        assert_eq!(p.finish().len(), 3);
    }

    #[test]
    fn numbers_and_booleans_from_environment_strings_are_accepted() {
        let mut p = reader(json!({"n": "42", "b": "TRUE", "l": "a, b"}));
        assert_eq!(p.u64_in("n", 1, 0, 100), 42);
        assert!(p.bool_or("b", false));
        assert_eq!(p.string_list("l").unwrap(), vec!["a", "b"]);
        assert!(p.finish().is_empty());
    }

    #[test]
    fn a_secret_given_twice_is_refused() {
        let mut p = reader(json!({"token": "a", "token_env": "B"}));
        assert!(p.secret("token").is_none());
        let issues = p.finish();
        assert_eq!(issues.len(), 1);
        assert!(!issues[0].problem.contains('a') || !issues[0].problem.contains("\"a\""));
    }
}
