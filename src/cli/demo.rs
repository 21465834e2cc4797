//! `parcd demo`: the real daemon, on an embedded SQLite file, reading a simulated GLPI
//! served over HTTP on loopback and the fleet's printers over SNMP from an agent in this
//! process (each printer on its own 127.0.0.1 UDP port), so the whole connector path runs.
//! The simulated fleet changes every few seconds and its printers print, so the metrics and
//! the printing figures move. A simulated Dovecot (its doveadm HTTP API, in this process)
//! serves the communes' mailboxes, read through the real `doveadm` connector: their mail
//! grows, so the mail figures move too.

use std::path::PathBuf;
use std::time::Duration;

use chrono::Datelike;

use parcd_fakes::doveadm::sim::{MailSim, SIM_API_KEY};
use parcd_fakes::glpi::{Fleet, FleetSpec, SimOptions, Simulator};
use parcd_fakes::snmp_printers::agent::{MAX_DEMO_PRINTERS, Ports, PrinterAgents, demo_printers};
use tokio::sync::{oneshot, watch};

use crate::cli::DemoArgs;
use crate::config::{Config, ConfigError};
use crate::daemon::DaemonError;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot start the simulated GLPI: {0}")]
    Simulator(#[from] std::io::Error),
    #[error(
        "cannot start the simulated printers' SNMP agent on 127.0.0.1: {0} (choose another --printers-port, or 0 for free ports)"
    )]
    Printers(std::io::Error),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "cannot take [headcount], [alerts] and [agec] from {path}: {reason} (fix the file, or run the demo without --config)"
    )]
    Sections { path: String, reason: String },
    #[error("cannot write the demo's configuration to {path}: {source}")]
    WriteConfig {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Daemon(#[from] DaemonError),
}

/// Mailboxes the simulated mail server holds per commune.
pub const MAILBOXES_PER_ENTITY: u64 = 40;

/// The demo's mail: the simulated server's URL, and each commune's mail domain with its
/// GLPI entity.
pub struct DemoMail<'a> {
    pub url: &'a str,
    pub domains: &'a [(String, String)],
}

/// A mail domain from an entity's name: `Mairie de Saint-Aubin-des-Brumes` →
/// `saint-aubin-des-brumes.fr`.
pub fn mail_domain(entity: &str) -> String {
    let leaf = entity.rsplit(" > ").next().unwrap_or(entity);
    let town = ["Mairie de ", "Mairie des ", "Mairie du ", "Mairie d'"]
        .iter()
        .find_map(|p| leaf.strip_prefix(p))
        .unwrap_or(leaf);
    let mut d = String::new();
    for c in town.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if !(c == '-' && d.ends_with('-')) {
            d.push(c);
        }
    }
    format!("{}.fr", d.trim_matches('-'))
}

/// The community the demo's printers answer.
pub const PRINTERS_COMMUNITY: &str = "demo-public";

/// The tables of `--config` the demo takes, so its headcount, alert channels and AGEC
/// settings (and the panels that need them) can be shown; the server, database and sources
/// stay the demo's own.
pub const BORROWED_TABLES: [&str; 3] = ["headcount", "alerts", "agec"];

/// The [`BORROWED_TABLES`] of `file` as TOML, and the other top-level keys it holds, which
/// the demo leaves aside.
pub fn borrowed_tables(file: &std::path::Path) -> Result<(String, Vec<String>), DemoError> {
    let fail = |reason: String| DemoError::Sections {
        path: file.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(file).map_err(|e| fail(e.to_string()))?;
    let mut table: toml::Table = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let mut kept = toml::Table::new();
    for name in BORROWED_TABLES {
        if let Some(v) = table.remove(name) {
            kept.insert(name.to_string(), v);
        }
    }
    let kept = toml::to_string(&kept).map_err(|e| fail(e.to_string()))?;
    Ok((kept, table.keys().cloned().collect()))
}

/// The demo's configuration: one GLPI source polled every 10 seconds, and the SNMP printers
/// at `printers` (`127.0.0.1:PORT`, none for a fleet without printers) as often, then the
/// `borrowed` tables ([`borrowed_tables`]).
pub fn demo_config(
    args: &DemoArgs,
    glpi_url: &str,
    printers: &[String],
    borrowed: &str,
    mail: Option<&DemoMail>,
) -> Result<Config, ConfigError> {
    Config::from_toml(&demo_config_text(args, glpi_url, printers, borrowed, mail))
}

/// The TOML of [`demo_config`], as written to `--config-out`.
pub fn demo_config_text(
    args: &DemoArgs,
    glpi_url: &str,
    printers: &[String],
    borrowed: &str,
    mail: Option<&DemoMail>,
) -> String {
    let mail = match mail {
        None => String::new(),
        Some(m) => {
            let entities: Vec<String> = m
                .domains
                .iter()
                .map(|(d, e)| format!("\"{d}\" = \"{}\"", e.replace('"', "\\\"")))
                .collect();
            format!(
                r#"
        [[sources]]
        name = "demo-mail"
        kind = "doveadm"
        url = "{url}"
        api_key = "{SIM_API_KEY}"
        schedule = "*/10 * * * * *"
        jitter_seconds = 0
        retry_initial_seconds = 2
        retry_max_seconds = 30

        [mail.entities]
        {entities}
        "#,
                url = m.url,
                entities = entities.join("\n")
            )
        }
    };
    let snmp = if printers.is_empty() {
        String::new()
    } else {
        let targets: Vec<String> = printers.iter().map(|t| format!("\"{t}\"")).collect();
        format!(
            r#"
        [[sources]]
        name = "demo-printers"
        kind = "snmp_printers"
        targets = [{targets}]
        community = "{PRINTERS_COMMUNITY}"
        schedule = "*/10 * * * * *"
        timeout_ms = 500
        retries = 1
        jitter_seconds = 0
        retry_initial_seconds = 2
        retry_max_seconds = 30
        "#,
            targets = targets.join(", ")
        )
    };
    let text = format!(
        r#"
        [server]
        listen = "{listen}"

        [database]
        url = "{database}"

        [metrics]
        entity_label = true

        [[sources]]
        name = "demo-glpi"
        kind = "glpi"
        url = "{glpi_url}"
        app_token = "demo-app-token"
        user_token = "demo-user-token"
        schedule = "*/10 * * * * *"
        full_sync_schedule = "0 */5 * * * *"
        jitter_seconds = 1
        retry_initial_seconds = 2
        retry_max_seconds = 30
        {snmp}
        {mail}
        "#,
        listen = args.listen,
        database = absolute_sqlite(&args.database),
    );
    // The lines without the indentation of this source.
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let borrowed = match (borrowed.trim(), &args.sections_from) {
        ("", _) | (_, None) => String::new(),
        (tables, Some(file)) => format!("\n\n# From {}:\n{tables}", file.display()),
    };
    format!(
        "# parcd demo's configuration: its simulated GLPI and printers are gone once it stops,\n\
         # but the database stays for `parcd --config FILE report reen --year YYYY` and the like.\n{}{borrowed}\n",
        lines.join("\n").trim()
    )
}

/// The variables set by `--listen` and `--database` (flag, else variable, else default):
/// the demo's configuration text already holds their outcome, which a variable must not
/// override when a flag was given.
const DEMO_FLAGS: [&str; 2] = ["PARCD__SERVER__LISTEN", "PARCD__DATABASE__URL"];

/// The `PARCD__…` variables of `vars` the demo layers over its configuration, as `run`
/// layers them over its file: every one but [`DEMO_FLAGS`].
pub fn demo_environment(vars: impl Iterator<Item = (String, String)>) -> Vec<(String, String)> {
    vars.filter(|(k, _)| {
        k.starts_with("PARCD__") && !DEMO_FLAGS.iter().any(|f| f.eq_ignore_ascii_case(k))
    })
    .collect()
}

/// The written configuration, with the names (never the values: some are secrets) of the
/// variables the demo also read, which a command run on this file needs set again.
fn with_environment_note(text: String, env: &[(String, String)]) -> String {
    if env.is_empty() {
        return text;
    }
    let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    format!(
        "# The demo also read these variables, set again for a command run on this file:\n# {}\n{text}",
        names.join(", ")
    )
}

/// Runs the demo until `stop` (or `--duration`).
pub async fn run(args: DemoArgs, stop: watch::Receiver<bool>) -> Result<(), DemoError> {
    let mut fleet = Fleet::generate(&FleetSpec {
        assets: args.assets,
        seed: 2026,
        templates: 3,
    });
    // A month of the GLPI Agent's page counters: printing figures from GLPI alone.
    fleet.record_printer_history(30, parcd_fakes::glpi::generated_at());
    // The printers the GLPI Agent reaches answer SNMP too, with GLPI's serial numbers: one
    // device per printer, whichever source reads it.
    let ports = match args.printers_port {
        0 => Ports::Ephemeral,
        first => Ports::From(first),
    };
    let printers = std::sync::Arc::new(
        PrinterAgents::start(
            demo_printers(&fleet, MAX_DEMO_PRINTERS),
            PRINTERS_COMMUNITY,
            ports,
        )
        .await
        .map_err(DemoError::Printers)?,
    );
    let sim = Simulator::start(
        fleet,
        SimOptions {
            app_token: Some("demo-app-token".into()),
            user_token: "demo-user-token".into(),
            login: None,
        },
    )
    .await?;
    let borrowed = match &args.sections_from {
        None => String::new(),
        Some(file) => {
            let (tables, ignored) = borrowed_tables(file)?;
            if !ignored.is_empty() {
                eprintln!(
                    "parcd demo: takes [headcount], [alerts] and [agec] from {}; its {} stay the demo's own",
                    file.display(),
                    ignored.join(", ")
                );
            }
            tables
        }
    };
    // The communes' mail, on a simulated Dovecot.
    let domains: Vec<(String, String)> = sim
        .with_fleet(|f| f.entities().to_vec())
        .iter()
        .filter(|e| e.level > 1)
        .map(|e| (mail_domain(&e.completename), e.completename.clone()))
        .collect();
    let names: Vec<String> = domains.iter().map(|(d, _)| d.clone()).collect();
    let mail = MailSim::start(&names, MAILBOXES_PER_ENTITY)
        .await
        .map_err(DemoError::Simulator)?;
    let mail_url = mail.base_url();
    let mailboxes = mail.len();
    let text = demo_config_text(
        &args,
        &sim.base_url(),
        &printers.targets(),
        &borrowed,
        Some(&DemoMail {
            url: &mail_url,
            domains: &domains,
        }),
    );
    let env = demo_environment(std::env::vars());
    let config = Config::from_toml_and_env("parcd demo", &text, env.clone())?;
    let text = with_environment_note(text, &env);
    let config_out = config_path(&args);
    std::fs::write(&config_out, &text).map_err(|source| DemoError::WriteConfig {
        path: config_out.display().to_string(),
        source,
    })?;

    // The demo's own stop: Ctrl-C, or the end of --duration.
    let (tx, rx) = watch::channel(false);
    let mut outer = stop.clone();
    let duration = args.duration;
    tokio::spawn(async move {
        let deadline = async {
            if duration == 0 {
                std::future::pending::<()>().await
            } else {
                tokio::time::sleep(Duration::from_secs(duration)).await
            }
        };
        tokio::select! {
            _ = outer.wait_for(|s| *s) => {}
            _ = deadline => {}
        }
        let _ = tx.send(true);
    });

    let evolving = sim.clone();
    let printing = printers.clone();
    let every = Duration::from_secs(args.change_every.max(1));
    let mut evolve_stop = rx.clone();
    let evolver = tokio::spawn(async move {
        let mut round: u64 = 0;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = evolve_stop.wait_for(|s| *s) => return,
            }
            round += 1;
            let now = chrono::Local::now().naive_local();
            evolving.with_fleet(|f| f.evolve(5, round, now));
            printing.advance(round);
            mail.advance(round);
        }
    });

    let (bound_tx, bound_rx) = oneshot::channel();
    let shown = printers.clone();
    let banner = tokio::spawn(async move {
        if let Ok(addr) = bound_rx.await {
            eprintln!(
                "\nparcd demo: open http://{addr}/ (the web view, in French; add ?lang=en for English)\n\
                 a simulated GLPI of {} devices (a shared DSI and its communes) at {}\n\
                 {} of its printers answer SNMP v2c on 127.0.0.1 (ports {}, community {}), {} of them switched off\n\
                 API: http://{addr}/api/v1/indicators, /api/v1/sources, /api/v1/printing, /api/v1/mail, /api/v1/agec\n\
                 mail: {} mailboxes of a simulated Dovecot (its doveadm HTTP API), per commune\n\
                 metrics: http://{addr}/metrics\n\
                 REEN review: parcd --config {} report reen --year {}\n\
                 The fleet changes and the printers print every {} s; press Ctrl-C to stop.\n",
                args.assets,
                sim.base_url(),
                shown.len(),
                port_span(&shown),
                PRINTERS_COMMUNITY,
                shown.len() - shown.answering(),
                mailboxes,
                config_out.display(),
                chrono::Local::now().year(),
                every.as_secs()
            );
        }
    });
    let result = crate::daemon::run(&config, rx, Some(bound_tx)).await;
    let _ = banner.await;
    let _ = evolver.await;
    drop(printers);
    result?;
    Ok(())
}

/// Where the demo writes its configuration: `--config-out`, else `parcd-demo.toml` next to
/// its SQLite file (in the current directory for PostgreSQL).
pub fn config_path(args: &DemoArgs) -> PathBuf {
    if let Some(path) = &args.config_out {
        return path.clone();
    }
    let name = "parcd-demo.toml";
    match sqlite_file(&args.database) {
        Some(file) => file.with_file_name(name),
        None => PathBuf::from(name),
    }
}

/// The file of a `sqlite://PATH[?options]` URL.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// A SQLite URL with its path made absolute, so the written configuration names the same
/// file from any directory; other URLs as they are.
fn absolute_sqlite(url: &str) -> String {
    match sqlite_file(url) {
        Some(file) if file.is_relative() => match std::path::absolute(&file) {
            Ok(abs) => {
                let options = url
                    .split_once('?')
                    .map(|(_, o)| format!("?{o}"))
                    .unwrap_or_default();
                format!("sqlite://{}{options}", abs.display())
            }
            Err(_) => url.to_string(),
        },
        _ => url.to_string(),
    }
}

/// `40001-40023`, or the first few ports when the system chose them.
fn port_span(printers: &PrinterAgents) -> String {
    let ports: Vec<u16> = (0..printers.len())
        .map(|n| printers.addr(n).port())
        .collect();
    match (ports.first(), ports.last()) {
        (Some(first), Some(last))
            if ports.is_sorted() && usize::from(last - first) + 1 == ports.len() =>
        {
            format!("{first}-{last}")
        }
        _ => {
            let shown: Vec<String> = ports.iter().take(4).map(u16::to_string).collect();
            let more = if ports.len() > 4 { ", …" } else { "" };
            format!("{}{more}", shown.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> DemoArgs {
        let mut argv = vec!["parcd", "demo"];
        argv.extend_from_slice(extra);
        match crate::cli::Cli::parse_from(argv).command {
            crate::cli::Command::Demo(a) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_configuration_is_written_next_to_a_sqlite_database() {
        let a = args(&["--database", "sqlite:///var/lib/demo/parcd.db?mode=rwc"]);
        assert_eq!(
            config_path(&a),
            PathBuf::from("/var/lib/demo/parcd-demo.toml")
        );
        let a = args(&["--database", "postgres://postgres@127.0.0.1/demo"]);
        assert_eq!(config_path(&a), PathBuf::from("parcd-demo.toml"));
        let a = args(&["--config-out", "/tmp/x.toml"]);
        assert_eq!(config_path(&a), PathBuf::from("/tmp/x.toml"));
    }

    #[test]
    fn a_relative_sqlite_path_is_written_absolute() {
        let url = absolute_sqlite("sqlite://parcd-demo.db");
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            url,
            format!("sqlite://{}", cwd.join("parcd-demo.db").display())
        );
        assert_eq!(absolute_sqlite("sqlite:///a/b.db"), "sqlite:///a/b.db");
        assert_eq!(absolute_sqlite("postgres://h/db"), "postgres://h/db");
    }

    #[test]
    fn the_demo_takes_headcount_alerts_and_agec_from_its_config_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mine.toml");
        std::fs::write(
            &file,
            r#"
[server]
listen = "0.0.0.0:80"

[headcount]
"Mairie de Montcalme" = 120

[alerts]
language = "en"

[[alerts.webhooks]]
name = "achats"
url = "http://127.0.0.1:9/hook"

[agec]
default_origin = "new"

[[sources]]
name = "mine"
kind = "glpi"
"#,
        )
        .unwrap();
        let (tables, ignored) = borrowed_tables(&file).unwrap();
        assert_eq!(ignored, ["server", "sources"]);
        let config = demo_config(
            &DemoArgs {
                sections_from: Some(file),
                ..args(&["--listen", "127.0.0.1:0", "--assets", "10"])
            },
            "http://127.0.0.1:1",
            &[],
            &tables,
            None,
        )
        .unwrap();
        assert_eq!(config.headcount.get("Mairie de Montcalme"), Some(&120));
        assert_eq!(config.server.listen.to_string(), "127.0.0.1:0");
        assert_eq!(config.sources.len(), 1, "the demo's GLPI only");
        assert!(config.render().contains("achats"), "{}", config.render());
    }

    #[test]
    fn the_demo_layers_every_parcd_variable_but_those_of_its_flags() {
        let vars = [
            ("PARCD__SERVER__LISTEN", "127.0.0.1:1"),
            ("PARCD__DATABASE__URL", "sqlite://elsewhere.db"),
            ("PARCD__SERVER__IDLE_TIMEOUT_SECONDS", "42"),
            ("PARCD__HEADCOUNT__MAIRIE", "77"),
            ("PARCD_CONFIG", "/not/a/layer.toml"),
            ("HOME", "/root"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let env = demo_environment(vars.into_iter());
        let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "PARCD__SERVER__IDLE_TIMEOUT_SECONDS",
                "PARCD__HEADCOUNT__MAIRIE"
            ]
        );
        let a = args(&["--listen", "127.0.0.1:0", "--assets", "10"]);
        let text = demo_config_text(&a, "http://127.0.0.1:1", &[], "", None);
        let config = Config::from_toml_and_env("demo", &text, env.clone()).unwrap();
        assert_eq!(
            config.server.listen.to_string(),
            "127.0.0.1:0",
            "the flag wins"
        );
        assert_eq!(config.server.idle_timeout, Duration::from_secs(42));
        assert_eq!(config.headcount.get("mairie"), Some(&77));
        let written = with_environment_note(text, &env);
        assert!(
            written.contains("PARCD__HEADCOUNT__MAIRIE") && !written.contains("77"),
            "{written}"
        );
        assert!(Config::from_toml(&written).is_ok(), "still a configuration");
    }

    #[test]
    fn an_unreadable_config_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("broken.toml");
        std::fs::write(&file, "[headcount\n").unwrap();
        let e = borrowed_tables(&file).unwrap_err().to_string();
        assert!(
            e.contains("broken.toml") && e.contains("without --config"),
            "{e}"
        );
        let missing = borrowed_tables(&dir.path().join("none.toml"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("none.toml"), "{missing}");
    }

    #[test]
    fn a_commune_gets_a_plain_ascii_mail_domain() {
        assert_eq!(
            mail_domain("Entité racine > SIN Val-de-Brume > Mairie de Saint-Aubin-des-Brumes"),
            "saint-aubin-des-brumes.fr"
        );
        assert_eq!(
            mail_domain("Mairie de Cormeilles-la-Rivière"),
            "cormeilles-la-riviere.fr"
        );
        assert_eq!(
            mail_domain("Mairie des Essarts-le-Val"),
            "essarts-le-val.fr"
        );
        assert_eq!(
            mail_domain("Entité racine > SIN Val-de-Brume"),
            "sin-val-de-brume.fr"
        );
    }
}
