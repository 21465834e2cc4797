//! What the commands do, beyond parsing: `sync --once`, `check-config --connect`, the
//! indicators, the what-if, the AGEC figures and the reports, each on the configured store.

use std::time::Duration;

use super::progress::ProgressOut;
use super::{ReenFormat, ReportCommand};
use crate::config::Config;

/// Runs `sync --once`: one sync per selected source, with progress on a terminal and plain
/// lines otherwise. Returns false when a source failed.
pub async fn sync_once(config: &Config, only: Option<&str>) -> anyhow::Result<bool> {
    if let Some(name) = only
        && !config.sources.iter().any(|s| s.name == name)
    {
        let known: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
        anyhow::bail!(
            "no source named {name} in the configuration (sources: {})",
            known.join(", ")
        );
    }
    let _writer = crate::store::lock_sqlite_writer(&config.database.url, "sync")?;
    let store =
        crate::store::Store::open(&config.database.url, config.database.max_connections).await?;
    let stop = crate::daemon::stop_on_signals();
    let mut all_ok = true;
    let ctx = crate::daemon::build_context(config, &store).await?;
    for rt in crate::daemon::runtimes(config, &ctx)? {
        if only.is_some_and(|n| n != rt.name()) {
            continue;
        }
        let now = chrono::Utc::now();
        let state = store
            .source_state(rt.name(), rt.config.kind(), now.timestamp())
            .await?;
        let mode = crate::poll::scheduler::mode_for(&rt, state.last_full_sync_at, now);
        // On PostgreSQL, the source's lease, as a replica takes it: a sync beside a running
        // replica would race it.
        let leases = crate::poll::lease::Leases::new(
            &store,
            config.database.lease_ttl,
            &[rt.name().to_string()],
            None,
        );
        let waited = leases.take(rt.name(), |other| {
            eprintln!(
                "{}: waiting for the source's lease, held by {} (a replica polling it, or a \
                 process that died: its lease expires within {} s)",
                rt.name(),
                other.holder,
                leases.takeover_bound().as_secs()
            )
        });
        if let Some(other) = waited.await? {
            all_ok = false;
            eprintln!(
                "error: source {}: the parcd replica {} polls it (it kept renewing the source's \
                 lease in source_leases); `parcd sync` would race it: let the replicas poll \
                 it, or stop them first",
                rt.name(),
                other.holder
            );
            rt.connector.close().await;
            continue;
        }
        let (keeper_stop, keeper_stopped) = tokio::sync::watch::channel(false);
        let keeper = leases.run(keeper_stopped);
        let mut progress = ProgressOut::new(rt.name());
        let result = crate::poll::sync::run_sync_fenced(
            &store,
            &rt,
            mode,
            &mut |p| progress.update(p.records_so_far, p.total_hint),
            stop.clone(),
            leases.fence().as_ref(),
        )
        .await;
        progress.finish();
        let _ = keeper_stop.send(true);
        if let Some(k) = keeper {
            let _ = k.await;
        }
        leases.release().await;
        match result {
            Ok(r) => println!(
                "{}: {} sync{}{}: {} records read, {} assets created, {} changed, {} vanished, \
                 {} readings ({} new) in {:.1} s",
                r.source,
                r.mode.map_or("", |m| m.as_str()),
                if r.resumed { " (resumed)" } else { "" },
                if r.interrupted { " interrupted" } else { "" },
                r.records,
                r.created,
                r.changed,
                r.vanished,
                r.readings,
                r.readings_new,
                r.duration.as_secs_f64()
            ),
            Err(e) => {
                all_ok = false;
                eprintln!("error: {e}");
            }
        }
        rt.connector.close().await;
    }
    store.close().await;
    Ok(all_ok)
}

/// `check-config --connect`: tries every source's `check()` and prints one line per source.
/// True when all of them answered.
pub async fn check_sources(config: &Config) -> bool {
    // Each connector has its own request timeout; this bounds a source that would still
    // hang (a TCP peer that never answers the TLS handshake).
    const LIMIT: Duration = Duration::from_secs(120);
    let mut all_ok = true;
    if config.sources.is_empty() {
        println!("# no source configured: nothing to connect to");
    }
    // check() reads no mailbox and emits nothing: a key of the moment is enough, and the
    // check needs no database.
    let ctx = parcd_connectors::BuildContext {
        mail: parcd_connectors::mail::MailKey::generate()
            .ok()
            .map(|k| parcd_connectors::mail::MailPrivacy::new(&k, config.mail.entities.clone())),
    };
    for s in &config.sources {
        let label = format!("{} ({}, {})", s.name, s.kind(), s.connector.role().as_str());
        let result = match parcd_connectors::build_connector_in(&s.connector, &ctx) {
            Err(e) => Err(e.to_string()),
            Ok(c) => {
                let r = match tokio::time::timeout(LIMIT, c.check()).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(format!("{}: {e}", e.error_type().as_str())),
                    Err(_) => Err(format!("timeout: no answer within {} s", LIMIT.as_secs())),
                };
                c.close().await;
                r
            }
        };
        match result {
            Ok(()) => println!("# source {label}: ok"),
            Err(e) => {
                all_ok = false;
                println!("# source {label}: FAILED: {e}");
            }
        }
    }
    all_ok
}

/// The fleet of the configured sources, computed from the store (for `indicators` and
/// `simulate`).
pub async fn fleet(config: &Config) -> anyhow::Result<crate::live::fleet::Fleet> {
    let store =
        crate::store::Store::open(&config.database.url, config.database.max_connections).await?;
    Ok(crate::live::fleet::Fleet::new(
        store,
        config.sources.iter().map(|s| s.name.clone()).collect(),
        crate::indicators::EngineSettings {
            footprint: config.footprint.clone(),
            headcount: config.headcount.clone(),
        },
        config.agec.rules.origins.clone(),
    ))
}

/// The simulation as a table: per class, the annual embodied GWP now and with the new
/// lifespans.
pub fn simulation_table(sim: &crate::indicators::Simulation) -> String {
    let mut out = format!(
        "{:<12} {:>22} {:>22} {:>8}\n",
        "class", "embodied kgCO2e/y now", "with new lifespans", "change"
    );
    for (class, now) in &sim.current {
        let before = now.get("gwp").copied().unwrap_or(0.0);
        let after = sim
            .simulated
            .get(class)
            .and_then(|m| m.get("gwp"))
            .copied()
            .unwrap_or(0.0);
        let change = if before > 0.0 {
            format!("{:+.0} %", 100.0 * (after - before) / before)
        } else {
            "-".to_string()
        };
        out.push_str(&format!(
            "{class:<12} {before:>22.1} {after:>22.1} {change:>8}\n"
        ));
    }
    out
}

/// The circularity figures of the configured sources.
pub async fn circularity(config: &Config) -> anyhow::Result<crate::live::circularity::Circularity> {
    let store =
        crate::store::Store::open(&config.database.url, config.database.max_connections).await?;
    Ok(crate::live::circularity::Circularity::new(
        store,
        config.sources.iter().map(|s| s.name.clone()).collect(),
        config.agec.clone(),
    ))
}

/// Checks a report's year: reports are of years that have begun.
pub fn report_year(year: i32, today: chrono::NaiveDate) -> anyhow::Result<()> {
    use chrono::Datelike;
    if !(2000..=today.year()).contains(&year) {
        anyhow::bail!(
            "--year {year}: a report covers a year that has begun (2000 to {})",
            today.year()
        );
    }
    Ok(())
}

/// Builds a report's text. The second value warns that the year is not over.
pub async fn report(
    config: &Config,
    cmd: &ReportCommand,
) -> anyhow::Result<(String, Option<String>)> {
    let today = chrono::Utc::now().date_naive();
    let to_date = |year: i32, complete: bool| {
        (!complete)
            .then(|| format!("note: {year} is not over; the figures are those known on {today}"))
    };
    match cmd {
        ReportCommand::Agec { year, .. } => {
            report_year(*year, today)?;
            let (Some(siret), Some(organisation)) = (&config.agec.siret, &config.agec.organisation)
            else {
                anyhow::bail!(
                    "the AGEC declaration names the buying body: set siret (14 digits) and \
                     organisation (its legal name) in the [agec] section of {}",
                    config.file.as_ref().map_or_else(
                        || "the configuration".to_string(),
                        |f| f.display().to_string()
                    )
                );
            };
            let figures = circularity(config).await?.year(*year, today).await?;
            let csv = crate::report::declaration_csv(
                &figures.agec,
                &crate::report::Declarant {
                    siret: siret.clone(),
                    organisation: organisation.clone(),
                },
            );
            Ok((csv, to_date(*year, figures.complete)))
        }
        ReportCommand::Reen { year, format, .. } => {
            report_year(*year, today)?;
            let circularity = circularity(config).await?;
            let figures = circularity.year(*year, today).await?;
            let fleet = fleet(config).await?;
            // A closed year's footprint as it stood on 31 December, from the history.
            let (indicators, on) = if figures.complete {
                let end = chrono::NaiveDate::from_ymd_opt(*year, 12, 31)
                    .ok_or_else(|| anyhow::anyhow!("--year {year} has no 31 December"))?;
                (fleet.at(end).await?, end)
            } else {
                (fleet.rebuild().await?, today)
            };
            let years =
                super::reen_years::trend(&circularity, &fleet, *year, today, (&indicators, on))
                    .await?;
            let printing = crate::live::printing::Printing::new(
                crate::store::Store::open(&config.database.url, config.database.max_connections)
                    .await?,
                config.sources.iter().map(|s| s.name.clone()).collect(),
                config.printing.clone(),
                config.footprint.clone(),
                config.headcount.clone(),
            )
            .figures(crate::live::printing::Period::Year(*year))
            .await?;
            let mail = crate::live::mail::Mail::new(
                crate::store::Store::open(&config.database.url, config.database.max_connections)
                    .await?,
                config.sources.iter().map(|s| s.name.clone()).collect(),
                config.footprint.clone(),
                config.headcount.clone(),
            )
            .figures(crate::live::printing::Period::Year(*year))
            .await?;
            let r = crate::report::ReenReport {
                year: *year,
                organisation: config.agec.organisation.as_deref(),
                generated_on: today,
                complete: figures.complete,
                reen: &figures.reen,
                deee: &figures.deee,
                donations: &figures.donations,
                agec: &figures.agec,
                indicators: &indicators,
                printing: Some(&printing),
                mail: Some(&mail),
                years: &years,
            };
            let text = match format {
                ReenFormat::Csv => crate::report::reen_csv(&r),
                ReenFormat::Html => crate::report::reen_html(&r),
            };
            Ok((text, to_date(*year, figures.complete)))
        }
    }
}
