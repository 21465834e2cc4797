//! parcd's configuration: one TOML file, every key overridable by `PARCD__SECTION__KEY`
//! environment variables, every mistake reported at once with its key and its fix.

pub(crate) mod checks;
mod source_links;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use parcd_connectors::params::{ParamIssue, Params};
use parcd_connectors::registry::{ConnectorConfig, known_kinds};
use serde_json::{Map, Value};
use thiserror::Error;

/// Where `[server] listen` points when the key is absent.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9478";
/// The embedded default database.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://parcd.db";

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {file}: {reason}")]
    Read { file: String, reason: String },
    #[error("{}", render_issues(.file, .issues))]
    Invalid {
        file: String,
        issues: Vec<ParamIssue>,
    },
}

fn render_issues(file: &str, issues: &[ParamIssue]) -> String {
    let mut s = format!(
        "{file}: {} problem{} in the configuration:",
        issues.len(),
        if issues.len() == 1 { "" } else { "s" }
    );
    for i in issues {
        s.push_str(&format!("\n  - {}: {}. Fix: {}.", i.key, i.problem, i.fix));
    }
    s
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Connections served at once; more wait in the kernel's queue.
    pub max_connections: usize,
    /// How long a connection may take to send a request's headers, or stay idle between
    /// requests, before it is closed.
    pub idle_timeout: Duration,
    /// The bearer token every request but the probes (and `/metrics`, unless
    /// `token_for_metrics`) must carry; `None` leaves the HTTP surface open.
    pub token: Option<secrecy::SecretString>,
    /// Whether `/metrics` asks for the token too (Prometheus then sends it).
    pub token_for_metrics: bool,
}

impl ServerConfig {
    /// Whether `listen` is reachable from other machines with no token set.
    pub fn open_beyond_loopback(&self) -> bool {
        self.token.is_none() && !self.listen.ip().is_loopback()
    }
}

#[derive(Clone)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: u32,
    /// How long a PostgreSQL replica's lease on a source lasts unrenewed: a replica that
    /// dies loses its sources to another within this time and a third of it.
    pub lease_ttl: Duration,
}

// The URL may hold a password.
impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &crate::store::redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("lease_ttl", &self.lease_ttl)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone)]
pub struct MetricsConfig {
    /// Adds an `entity` label to `parcd_assets`.
    pub entity_label: bool,
    /// Entities beyond this many (the largest first) are summed under `entity="other"`, so
    /// the series count stays bounded.
    pub max_entities: usize,
}

/// A validated cron schedule, with the text it came from.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub text: String,
    pub schedule: cron::Schedule,
}

impl Schedule {
    /// The next firing strictly after `after`.
    pub fn next_after(
        &self,
        after: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.schedule.after(&after).next()
    }
}

/// One `[[sources]]` table.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub name: String,
    pub schedule: Schedule,
    pub full_sync_schedule: Schedule,
    pub jitter: Duration,
    pub retry_initial: Duration,
    pub retry_max: Duration,
    /// Share (percent) of an item type's live assets a full sync may miss before the type
    /// is held until a later full sync confirms; 100 vanishes at once.
    pub vanish_max_percent: i64,
    pub connector: ConnectorConfig,
}

impl SourceConfig {
    pub fn kind(&self) -> &'static str {
        self.connector.kind()
    }
}

/// The whole, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from, if any.
    pub file: Option<PathBuf>,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub log: LogConfig,
    pub metrics: MetricsConfig,
    /// Agents per entity (`[headcount]`), for devices per agent.
    pub headcount: std::collections::BTreeMap<String, u64>,
    pub footprint: crate::footprint::FootprintConfig,
    /// `[agec]`: purchase origin rules, AGEC categories, quotas, REEN scope.
    pub agec: crate::agec::AgecConfig,
    /// `[alerts]`: language, reminders and the channels AGEC alerts go to.
    pub alerts: crate::alerts::settings::AlertsConfig,
    /// `[printing]`: sheet, paper factor, printers' weekly energy.
    pub printing: crate::printing::PrintingConfig,
    /// `[mail]`: the mailbox hash key and the mail entity map, passed to the mail sources.
    pub mail: parcd_connectors::mail::MailSettings,
    pub sources: Vec<SourceConfig>,
}

impl Config {
    /// Reads `file` (when given) and the `PARCD__…` environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let name = file.map_or_else(|| "(no file)".to_string(), |p| p.display().to_string());
        let text = match file {
            Some(path) => Some(
                checks::config_file(path).map_err(|reason| ConfigError::Read {
                    file: name.clone(),
                    reason,
                })?,
            ),
            None => None,
        };
        Config::layered(
            &name,
            text.as_deref(),
            file.map(Path::to_path_buf),
            std::env::vars().collect(),
        )
    }

    /// A configuration text (`demo`'s own) under the `PARCD__…` variables of `env`, layered
    /// as [`Config::load`] layers a file under the environment.
    pub fn from_toml_and_env(
        name: &str,
        text: &str,
        env: Vec<(String, String)>,
    ) -> Result<Config, ConfigError> {
        Config::layered(name, Some(text), None, env)
    }

    /// The TOML `text` (when given), then the `PARCD__SECTION__KEY` variables among `env`.
    fn layered(
        name: &str,
        text: Option<&str>,
        file: Option<PathBuf>,
        env: Vec<(String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut builder = config::Config::builder();
        if let Some(text) = text {
            builder = builder.add_source(config::File::from_str(text, config::FileFormat::Toml));
        }
        builder = builder.add_source(
            config::Environment::with_prefix("PARCD")
                .prefix_separator("__")
                .separator("__")
                .source(Some(env.iter().cloned().collect())),
        );
        let raw = builder
            .build()
            .and_then(|c| c.try_deserialize::<Value>())
            .map_err(|e| ConfigError::Read {
                file: name.to_string(),
                reason: e.to_string(),
            })?;
        let table = match raw {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                return Err(ConfigError::Read {
                    file: name.to_string(),
                    reason: format!("expected a table at the top level, found {other}"),
                });
            }
        };
        Config::from_table(table, file).map_err(|issues| ConfigError::Invalid {
            file: name.to_string(),
            issues: checks::name_environment_variables(issues, env.into_iter()),
        })
    }

    /// Parses a TOML text (tests, `demo`).
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let raw = config::Config::builder()
            .add_source(config::File::from_str(text, config::FileFormat::Toml))
            .build()
            .and_then(|c| c.try_deserialize::<Value>())
            .map_err(|e| ConfigError::Read {
                file: "(inline)".into(),
                reason: e.to_string(),
            })?;
        let table = raw.as_object().cloned().unwrap_or_default();
        Config::from_table(table, None).map_err(|issues| ConfigError::Invalid {
            file: "(inline)".into(),
            issues,
        })
    }

    fn from_table(
        table: Map<String, Value>,
        file: Option<PathBuf>,
    ) -> Result<Config, Vec<ParamIssue>> {
        let mut root = Params::new("", table);

        let server = {
            let mut p = root
                .table("server")
                .unwrap_or_else(|| Params::new("server", Map::new()));
            let listen = p.string_or("listen", DEFAULT_LISTEN);
            let listen = match listen.parse::<SocketAddr>() {
                Ok(a) => Some(a),
                Err(_) => {
                    p.issue(
                        "listen",
                        format!("\"{listen}\" is not an address:port"),
                        format!("write an IP address and a port, e.g. \"{DEFAULT_LISTEN}\""),
                    );
                    None
                }
            };
            let max_connections = p.u64_in("max_connections", 256, 1, 10_000) as usize;
            let idle_timeout = Duration::from_secs(p.u64_in("idle_timeout_seconds", 10, 1, 300));
            let token = p.secret("token");
            if let Some(t) = &token {
                use secrecy::ExposeSecret;
                if let Some(problem) = checks::token(t.expose_secret()) {
                    p.issue(
                        "token",
                        problem,
                        "use at least 16 characters among letters, digits and -._~+/= (e.g. `openssl rand -hex 32`)",
                    );
                }
            }
            let token_for_metrics = p.bool_or("token_for_metrics", false);
            if token_for_metrics && token.is_none() {
                p.issue(
                    "token_for_metrics",
                    "is true but no token is set",
                    "set token (or token_file, token_env), or remove token_for_metrics",
                );
            }
            root.absorb(p.finish());
            listen.map(|listen| ServerConfig {
                listen,
                max_connections,
                idle_timeout,
                token,
                token_for_metrics,
            })
        };

        let database = {
            let mut p = root
                .table("database")
                .unwrap_or_else(|| Params::new("database", Map::new()));
            let url = p.string_or("url", DEFAULT_DATABASE_URL);
            if let Some(c) = checks::database_url(&url, &crate::store::redact_url(&url)) {
                p.issue("url", c.problem, c.fix);
            }
            let max_connections = p.u64_in("max_connections", 8, 1, 200) as u32;
            let lease_ttl = Duration::from_secs(p.u64_in("lease_ttl_seconds", 15, 2, 600));
            root.absorb(p.finish());
            DatabaseConfig {
                url,
                max_connections,
                lease_ttl,
            }
        };

        let log = {
            let mut p = root
                .table("log")
                .unwrap_or_else(|| Params::new("log", Map::new()));
            let format = match p.string_or("format", "human").as_str() {
                "human" => LogFormat::Human,
                "json" => LogFormat::Json,
                other => {
                    p.issue(
                        "format",
                        format!("\"{other}\" is not a log format"),
                        "use \"human\" or \"json\"",
                    );
                    LogFormat::Human
                }
            };
            let level = p.string_or("level", "info");
            if let Some(c) = checks::log_filter(&level) {
                p.issue("level", c.problem, c.fix);
            }
            root.absorb(p.finish());
            LogConfig { format, level }
        };

        let metrics = {
            let mut p = root
                .table("metrics")
                .unwrap_or_else(|| Params::new("metrics", Map::new()));
            let entity_label = p.bool_or("entity_label", false);
            let max_entities = p.u64_in("max_entities", 50, 1, 1000) as usize;
            root.absorb(p.finish());
            MetricsConfig {
                entity_label,
                max_entities,
            }
        };

        let mut headcount = std::collections::BTreeMap::new();
        if let Some(mut p) = root.table("headcount") {
            for (entity, value) in p.entries() {
                match value
                    .as_u64()
                    .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
                {
                    Some(n) if n > 0 => {
                        headcount.insert(entity, n);
                    }
                    _ => p.issue(
                        &entity,
                        format!("{value} is not a number of agents"),
                        "give the entity's headcount as a whole number above 0",
                    ),
                }
            }
            root.absorb(p.finish());
        }

        let footprint = {
            let mut p = root
                .table("footprint")
                .unwrap_or_else(|| Params::new("footprint", Map::new()));
            let footprint = crate::footprint::FootprintConfig::read(&mut p);
            root.absorb(p.finish());
            footprint
        };

        let agec = {
            let mut p = root
                .table("agec")
                .unwrap_or_else(|| Params::new("agec", Map::new()));
            let agec = crate::agec::AgecConfig::read(&mut p);
            root.absorb(p.finish());
            agec
        };

        let alerts = {
            let mut p = root
                .table("alerts")
                .unwrap_or_else(|| Params::new("alerts", Map::new()));
            let alerts = crate::alerts::settings::AlertsConfig::read(&mut p);
            root.absorb(p.finish());
            alerts
        };

        let printing = {
            let mut p = root
                .table("printing")
                .unwrap_or_else(|| Params::new("printing", Map::new()));
            // A [footprint] mistake is reported on its own; the defaults then come from the
            // built-in factor set.
            let builtin;
            let factors = match &footprint {
                Some(f) => f.factors.as_ref(),
                None => {
                    builtin = crate::footprint::load::builtin()
                        .expect("the built-in factor set is valid");
                    &builtin
                }
            };
            let printing = crate::printing::PrintingConfig::read(&mut p, factors);
            root.absorb(p.finish());
            printing
        };

        let mail = {
            let mut p = root
                .table("mail")
                .unwrap_or_else(|| Params::new("mail", Map::new()));
            let mail = parcd_connectors::mail::MailSettings::from_params(&mut p);
            root.absorb(p.finish());
            mail
        };

        let mut read = Vec::new();
        let mut names = Vec::new();
        for mut p in root.tables("sources") {
            let names_before = names.len();
            let config = read_source(&mut p, &mut names);
            read.push(source_links::ReadSource {
                inventory_key: p.key_path("inventory_source"),
                name: names.get(names_before).cloned(),
                config,
            });
            root.absorb(p.finish());
        }
        root.absorb(source_links::check(&read));
        let sources: Vec<SourceConfig> = read.into_iter().filter_map(|s| s.config).collect();

        let issues = root.finish();
        if !issues.is_empty() {
            return Err(issues);
        }
        Ok(Config {
            file,
            server: server.expect("no issue means a valid address"),
            database,
            log,
            metrics,
            headcount,
            footprint: footprint.expect("no issue means a usable factor set"),
            agec,
            alerts,
            printing,
            mail,
            sources,
        })
    }

    /// The configuration as `check-config` prints it: every key resolved, secrets hidden.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let file = self.file.as_ref().map_or_else(
            || "(none: defaults and environment)".to_string(),
            |f| f.display().to_string(),
        );
        out.push_str(&format!("# configuration file: {file}\n\n"));
        out.push_str(&format!(
            "[server]\nlisten = \"{}\"\nmax_connections = {}\nidle_timeout_seconds = {}\n",
            self.server.listen,
            self.server.max_connections,
            self.server.idle_timeout.as_secs()
        ));
        if self.server.token.is_some() {
            out.push_str(&format!(
                "token = <hidden>\ntoken_for_metrics = {}\n",
                self.server.token_for_metrics
            ));
        }
        out.push('\n');
        out.push_str(&format!(
            "[database]\nurl = \"{}\"\nmax_connections = {}\nlease_ttl_seconds = {}\n\n",
            crate::store::redact_url(&self.database.url),
            self.database.max_connections,
            self.database.lease_ttl.as_secs()
        ));
        out.push_str(&format!(
            "[log]\nformat = \"{}\"\nlevel = \"{}\"\n\n",
            match self.log.format {
                LogFormat::Human => "human",
                LogFormat::Json => "json",
            },
            self.log.level
        ));
        out.push_str(&format!(
            "[metrics]\nentity_label = {}\nmax_entities = {}\n",
            self.metrics.entity_label, self.metrics.max_entities
        ));
        if !self.headcount.is_empty() {
            out.push_str("\n[headcount]\n");
            for (entity, n) in &self.headcount {
                out.push_str(&format!("\"{}\" = {n}\n", entity.replace('"', "\\\"")));
            }
        }
        out.push('\n');
        out.push_str(&self.footprint.render());
        out.push('\n');
        out.push_str(&self.agec.render());
        out.push('\n');
        out.push_str(&self.alerts.render());
        out.push('\n');
        out.push_str(&self.printing.render());
        out.push('\n');
        out.push_str(&self.mail.render());
        for s in &self.sources {
            out.push_str(&format!(
                "\n[[sources]]\nname = \"{}\"\nkind = \"{}\"\nschedule = \"{}\"\nfull_sync_schedule = \"{}\"\n\
                 jitter_seconds = {}\nretry_initial_seconds = {}\nretry_max_seconds = {}\n\
                 vanish_max_percent = {}\n",
                s.name,
                s.kind(),
                s.schedule.text,
                s.full_sync_schedule.text,
                s.jitter.as_secs(),
                s.retry_initial.as_secs(),
                s.retry_max.as_secs(),
                s.vanish_max_percent
            ));
            out.push_str(&s.connector.render());
        }
        out
    }
}

impl Config {
    /// What is valid but probably unintended, for `check-config` and the daemon's start.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.server.open_beyond_loopback() {
            out.push(format!(
                "[server] listen = \"{}\" is not a loopback address and no [server] token is set: \
                 anyone who reaches this address reads the API (devices, entities, purchases). \
                 Set token_file (or token, token_env) to a random secret, or listen on 127.0.0.1 \
                 behind a proxy that authenticates",
                self.server.listen
            ));
        }
        out
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// One `[[sources]]` table; `names` holds the names of the tables before it, so that a
/// duplicate is reported with the other mistakes, not after they are fixed.
fn read_source(p: &mut Params, names: &mut Vec<String>) -> Option<SourceConfig> {
    let name = p.required_string("name", "give the source a short name, e.g. \"glpi\"");
    let name = name.and_then(|n| {
        if !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && n.len() <= 64
        {
            Some(n)
        } else {
            p.issue(
                "name",
                format!("\"{n}\" is not a usable source name"),
                "use up to 64 letters, digits, - and _ (it becomes a metrics label)",
            );
            None
        }
    });
    let name = name.and_then(|n| {
        if names.contains(&n) {
            p.issue(
                "name",
                format!("\"{n}\" names two sources"),
                "give every source its own name",
            );
            None
        } else {
            names.push(n.clone());
            Some(n)
        }
    });
    let kind = p.required_string(
        "kind",
        &format!("set kind to one of: {}", known_kinds().join(", ")),
    );
    let schedule = schedule(p, "schedule", Some("0 */15 * * * *"));
    let full_sync_schedule = schedule_or(p, "full_sync_schedule", "0 30 2 * * *");
    let jitter = Duration::from_secs(p.u64_in("jitter_seconds", 10, 0, 3600));
    let retry_initial = Duration::from_secs(p.u64_in("retry_initial_seconds", 30, 1, 86_400));
    let retry_max = Duration::from_secs(p.u64_in("retry_max_seconds", 900, 1, 86_400));
    let vanish_max_percent = p.u64_in("vanish_max_percent", 50, 0, 100) as i64;
    let connector = kind.and_then(|k| ConnectorConfig::from_params(&k, p));
    Some(SourceConfig {
        vanish_max_percent,
        name: name?,
        schedule: schedule?,
        full_sync_schedule: full_sync_schedule?,
        jitter,
        retry_initial,
        retry_max: retry_max.max(retry_initial),
        connector: connector?,
    })
}

fn schedule_or(p: &mut Params, key: &str, default: &str) -> Option<Schedule> {
    schedule(p, key, Some(default))
}

/// Reads a cron schedule. The `cron` crate wants a seconds field and numbers weekdays from
/// 1 = Sunday, unlike crontab: both are said in the fix.
fn schedule(p: &mut Params, key: &str, default: Option<&str>) -> Option<Schedule> {
    let text = p.string(key).or_else(|| default.map(str::to_string))?;
    let fields = text.split_whitespace().count();
    if fields == 5 {
        p.issue(
            key,
            format!("\"{text}\" has 5 fields; parcd's schedules start with a seconds field"),
            format!("add the seconds in front, e.g. \"0 {text}\""),
        );
        return None;
    }
    match cron::Schedule::from_str(&text) {
        Ok(schedule) => Some(Schedule { text, schedule }),
        Err(e) => {
            p.issue(
                key,
                format!("\"{text}\" is not a valid cron expression ({e})"),
                "write 6 fields: sec min hour day-of-month month day-of-week, e.g. \"0 */15 * * * *\"; \
                 weekdays by name (Mon-Fri) since numbers count from 1 = Sunday",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_configuration_takes_the_defaults() {
        let c = Config::from_toml("").unwrap();
        assert_eq!(c.server.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.database.url, DEFAULT_DATABASE_URL);
        assert!(c.sources.is_empty());
    }

    #[test]
    fn the_token_is_a_secret_and_its_absence_beyond_loopback_a_warning() {
        use secrecy::ExposeSecret;
        let open = Config::from_toml("[server]\nlisten = \"[::]:9478\"\n").unwrap();
        assert!(open.server.token.is_none());
        let warnings = open.warnings();
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("no [server] token is set"),
            "{warnings:?}"
        );
        assert!(
            Config::from_toml("[server]\nlisten = \"[::1]:9478\"\n")
                .unwrap()
                .warnings()
                .is_empty()
        );

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "0123456789abcdef-from-file\n").unwrap();
        let c = Config::from_toml(&format!(
            "[server]\nlisten = \"0.0.0.0:9478\"\ntoken_file = \"{}\"\ntoken_for_metrics = true\n",
            file.display()
        ))
        .unwrap();
        let token = c.server.token.as_ref().unwrap();
        assert_eq!(token.expose_secret(), "0123456789abcdef-from-file");
        assert!(c.server.token_for_metrics);
        assert!(c.warnings().is_empty());
        let shown = format!("{}{:?}", c.render(), c);
        assert!(!shown.contains("from-file"), "{shown}");
        assert!(shown.contains("token = <hidden>"), "{shown}");

        let err = Config::from_toml("[server]\ntoken = \"pass word with spaces\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.token: holds a character"), "{err}");
        assert!(!err.contains("pass word"), "{err}");
    }

    #[test]
    fn every_mistake_is_reported_together_with_key_and_fix() {
        let err = Config::from_toml(
            r#"
            [server]
            listen = "localhost"
            lisen = "x"
            [database]
            url = "mysql://root@localhost/parcd"
            [[sources]]
            name = "glpi"
            kind = "glpi"
            schedule = "*/5 * * * *"
            url = "https://glpi/apirest.php"
            [[sources]]
            name = "snipe"
            kind = "snipe-it"
            "#,
        )
        .unwrap_err();
        let text = err.to_string();
        for needle in [
            "server.listen",
            "server.lisen",
            "did you mean `listen`",
            "database.url",
            "sources[0].schedule",
            "add the seconds in front",
            "sources[0].user_token",
            "sources[1].kind",
        ] {
            assert!(text.contains(needle), "missing {needle} in:\n{text}");
        }
        match err {
            ConfigError::Invalid { issues, .. } => assert_eq!(issues.len(), 6, "{issues:?}"),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn rendering_hides_secrets_and_database_passwords() {
        let c = Config::from_toml(
            r#"
            [database]
            url = "postgres://parcd:s3cretpw@db/parcd"
            [[sources]]
            name = "glpi"
            kind = "glpi"
            url = "https://glpi/apirest.php"
            app_token = "apptok-123456"
            user_token = "usertok-987654"
            "#,
        )
        .unwrap();
        let text = c.render();
        assert!(!text.contains("s3cretpw"));
        assert!(!text.contains("apptok-123456"));
        assert!(!text.contains("usertok-987654"));
        assert!(text.contains("user_token = \"[REDACTED]\""));
        let debug = format!("{c:?}");
        assert!(!debug.contains("usertok-987654"));
    }

    #[test]
    fn the_printing_section_is_rendered_and_its_mistakes_named_with_the_rest() {
        let c = Config::from_toml("[printing]\ngrammage_g_per_m2 = 90\n").unwrap();
        let text = c.render();
        assert!(
            text.contains("[printing]\nsheet_size = \"A4\"\ngrammage_g_per_m2 = 90\n"),
            "{text}"
        );
        assert!(
            text.contains("paper_kgco2e_per_kg = 0.919\n# paper factor: Copacel"),
            "{text}"
        );
        assert!(text.contains("mfp = 0.5376  # ENERGY STAR"), "{text}");
        let err = Config::from_toml(
            "[server]\nlisten = \"nowhere\"\n[printing]\nsheet_size = \"B5\"\npaper = \"recycled\"\n",
        )
        .unwrap_err()
        .to_string();
        for needle in [
            "server.listen",
            "printing.sheet_size: \"B5\" is not a sheet size parcd knows. Fix: write \"A4\" or \"A3\"",
            "printing.paper: \"recycled\" has no verified default factor",
        ] {
            assert!(err.contains(needle), "missing {needle} in:\n{err}");
        }
    }
}
