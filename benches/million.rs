//! A million devices (`cargo bench --bench million`).
//!
//! The GLPI simulator and a spreadsheet export at 1,000,000 devices, each fully synced by
//! parcd into SQLite and into PostgreSQL; then, on GLPI, an incremental poll after a day of
//! edits in GLPI (and, on the file, a poll of the unchanged file); then the daemon's full
//! recompute of the fleet indicators from the store and the `/metrics` page it publishes.
//! Each measured step is a child process, so its peak RSS (VmHWM) is its own: the
//! simulator's memory (in the parent) is reported apart.
//!
//! Targets (issue 11): a full sync of 1,000,000 assets in under 60 s on each database, in
//! under 1 GiB of RSS. The engine alone (without the store read) is measured by
//! `cargo bench --bench indicators`.
//!
//! Environment: PARCD_BENCH_ASSETS (1000000), PARCD_BENCH_CHANGES (edits in GLPI before the
//! incremental poll, 2000), PARCD_BENCH_PG_URL
//! (postgres://postgres@127.0.0.1:5432/postgres), PARCD_BENCH_DB (sqlite or postgres) and
//! PARCD_BENCH_ONLY (glpi or csv) to look at one path. The databases and the file (about
//! 1 GB each at a million) are deleted as soon as they have been measured.

use std::process::Command;
use std::time::Instant;

use parcd::config::Config;
use parcd::poll::sync::{SourceRuntime, run_sync};
use parcd::store::Store;
use parcd_connectors::{SyncMode, build_connector};
use parcd_fakes::glpi::{Fleet, FleetSpec, SimOptions, Simulator, generated_at};

/// The daemon's allocator (src/main.rs), so that the figures are the daemon's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TOKEN: &str = "bench-user-token";

fn config(db: &str, source: &str) -> Config {
    Config::from_toml(&format!(
        "[database]\nurl = \"{db}\"\n[[sources]]\nname = \"bench\"\n{source}\n"
    ))
    .expect("bench config")
}

/// A line of /proc/self/status, in kB.
fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn child(kind: &str, db: &str, source: &str) {
    let config = config(db, source);
    let store = Store::open(db, 4).await.expect("store");
    match kind {
        "full" | "incremental" => {
            let source = config.sources[0].clone();
            let rt = SourceRuntime {
                connector: build_connector(&source.connector).expect("connector"),
                config: source,
            };
            let (_tx, stop) = tokio::sync::watch::channel(false);
            let mode = if kind == "full" {
                SyncMode::Full
            } else {
                SyncMode::Incremental
            };
            let start = Instant::now();
            // When the first page was stored: what the source's preliminaries (GLPI's
            // dropdowns and Infocom rows) cost before any asset is.
            let mut first_page = None;
            let report = run_sync(
                &store,
                &rt,
                mode,
                &mut |_| {
                    first_page.get_or_insert_with(|| start.elapsed().as_secs_f64());
                },
                stop,
            )
            .await
            .expect("sync");
            println!(
                "seconds={} first_page={} records={} created={} changed={} vanished={} pages={} rss_kb={}",
                start.elapsed().as_secs_f64(),
                first_page.unwrap_or(f64::NAN),
                report.records,
                report.created,
                report.changed,
                report.vanished,
                report.pages,
                status_kb("VmHWM:")
            );
        }
        "recompute" => {
            let fleet = parcd::live::fleet::Fleet::new(
                store.clone(),
                vec!["bench".into()],
                parcd::indicators::EngineSettings {
                    footprint: config.footprint.clone(),
                    headcount: config.headcount.clone(),
                },
                config.agec.rules.origins.clone(),
            );
            // The daemon's full recompute: every stored asset read and evaluated. Best of 3.
            let mut secs = f64::MAX;
            let mut ind = None;
            for _ in 0..3 {
                let t = Instant::now();
                ind = Some(fleet.rebuild().await.expect("rebuild"));
                secs = secs.min(t.elapsed().as_secs_f64());
            }
            let ind = ind.expect("three runs");
            let metrics = parcd::metrics::Metrics::new(true, 50);
            metrics.fleet.publish(&ind);
            let mut render_secs = f64::MAX;
            let mut bytes = 0;
            for _ in 0..20 {
                let t = Instant::now();
                bytes = std::hint::black_box(metrics.render()).len();
                render_secs = render_secs.min(t.elapsed().as_secs_f64());
            }
            println!(
                "seconds={secs} devices={} render_ms={} render_bytes={bytes} rss_kb={}",
                ind.total.devices,
                render_secs * 1e3,
                status_kb("VmHWM:")
            );
        }
        other => panic!("unknown child kind {other}"),
    }
    store.close().await;
}

async fn fresh_db(backend: &str, label: &str, dir: &std::path::Path) -> String {
    match backend {
        "sqlite" => format!("sqlite://{}", dir.join(format!("{label}.db")).display()),
        _ => {
            let name = pg_name(label);
            pg_admin(&format!("DROP DATABASE IF EXISTS {name}")).await;
            pg_admin(&format!("CREATE DATABASE {name}")).await;
            let admin = pg_url();
            format!(
                "{}/{name}",
                admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b)
            )
        }
    }
}

fn pg_url() -> String {
    std::env::var("PARCD_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn pg_name(label: &str) -> String {
    format!("parcd_million_{}_{label}", std::process::id())
}

async fn pg_admin(sql: &str) {
    let store = Store::connect(&pg_url(), 1)
        .await
        .expect("PostgreSQL answers");
    sqlx::query(sql)
        .execute(store.pool())
        .await
        .expect("admin statement");
    store.close().await;
}

/// Deletes a measured database: at a million devices, about a gigabyte each.
async fn drop_db(backend: &str, label: &str, url: &str) {
    match backend {
        "sqlite" => {
            let path = url.trim_start_matches("sqlite://");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
        _ => pg_admin(&format!("DROP DATABASE IF EXISTS {}", pg_name(label))).await,
    }
}

/// Runs one measured step in a child process and returns its `key=value` fields.
fn measure(exe: &std::path::Path, kind: &str, db: &str, source: &str) -> Vec<(String, f64)> {
    let out = Command::new(exe)
        .args(["--child", kind, db, source])
        .output()
        .expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{kind}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.split_whitespace()
        .filter_map(|f| {
            let (k, v) = f.split_once('=')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect()
}

fn field(fields: &[(String, f64)], key: &str) -> f64 {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("child output has no {key}: {fields:?}"))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        child(&args[2], &args[3], &args[4]).await;
        return;
    }
    let env = |k: &str, default: usize| -> usize {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let assets = env("PARCD_BENCH_ASSETS", 1_000_000);
    let changes = env("PARCD_BENCH_CHANGES", 2_000);
    let only = std::env::var("PARCD_BENCH_ONLY").ok();
    let only_db = std::env::var("PARCD_BENCH_DB").ok();
    let wanted = |label: &str| only.as_deref().is_none_or(|o| o == label);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("million benchmark: {assets} devices; load average at start {load}");

    let rss_before = status_kb("VmRSS:");
    let t = Instant::now();
    let fleet = Fleet::generate(&FleetSpec {
        assets,
        seed: 42,
        templates: 5,
    });
    let generate_secs = t.elapsed().as_secs_f64();
    let sim = Simulator::start(
        fleet,
        SimOptions {
            app_token: None,
            user_token: TOKEN.into(),
            login: None,
        },
    )
    .await
    .expect("simulator");
    println!(
        "GLPI simulator: {assets} assets generated in {generate_secs:.1} s, holding {:.0} MB",
        (status_kb("VmRSS:").saturating_sub(rss_before)) as f64 / 1024.0
    );
    let files = tempfile::tempdir().expect("temp dir");
    let csv = files.path().join("parc.csv");
    if wanted("csv") {
        let t = Instant::now();
        let sheet =
            parcd_fakes::inventory_file::Fleet::generate(&parcd_fakes::inventory_file::FleetSpec {
                devices: assets,
                seed: 42,
            });
        sheet
            .write_csv(&csv, &parcd_fakes::inventory_file::CsvOptions::default())
            .expect("CSV written");
        drop(sheet);
        println!(
            "CSV export: {assets} devices, {:.0} MB, written in {:.1} s",
            std::fs::metadata(&csv).map_or(0, |m| m.len()) as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
    }
    let glpi_source = format!(
        "kind = \"glpi\"\nurl = \"{}\"\nuser_token = \"{TOKEN}\"\npage_size = 1000",
        sim.base_url()
    );
    let csv_source = format!("kind = \"inventory_file\"\npath = \"{}\"", csv.display());
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = std::env::current_exe().expect("own path");
    println!(
        "\n{:<9} {:<5} {:<34} {:>9} {:>11} {:>13}",
        "database", "src", "what", "seconds", "per second", "peak RSS MB"
    );
    let mut day = 0;
    for backend in ["sqlite", "postgres"] {
        if only_db.as_deref().is_some_and(|d| d != backend) {
            continue;
        }
        for (label, source) in [("glpi", &glpi_source), ("csv", &csv_source)] {
            if !wanted(label) {
                continue;
            }
            let db = fresh_db(backend, label, dir.path()).await;
            let row = |what: &str, secs: f64, count: f64, rss_kb: f64| {
                println!(
                    "{backend:<9} {label:<5} {what:<34} {secs:>9.2} {:>11.0} {:>13.0}",
                    count / secs,
                    rss_kb / 1024.0
                );
            };
            let expected = if label == "glpi" {
                sim.with_fleet(|f| f.len())
            } else {
                assets
            };
            let full = measure(&exe, "full", &db, source);
            let created = field(&full, "created");
            assert_eq!(created as usize, expected, "{label}: every device stored");
            row(
                &format!("full sync ({created:.0} created)"),
                field(&full, "seconds"),
                created,
                field(&full, "rss_kb"),
            );
            println!(
                "{backend:<9} {label:<5} {:<34} {:>9.2}",
                "  of which before the first page",
                field(&full, "first_page")
            );
            if label == "glpi" {
                // A day of work in GLPI, a day after the last: purchases, moves, exits.
                day += 1;
                let now = generated_at() + chrono::Duration::days(day);
                sim.with_fleet(|f| f.evolve(changes, day as u64, now));
            }
            let inc = measure(&exe, "incremental", &db, source);
            let (records, changed) = (field(&inc, "records"), field(&inc, "changed"));
            let what = if label == "glpi" {
                format!("incremental ({records:.0} read, {changed:.0} chg)")
            } else {
                format!("poll of the unchanged file ({records:.0} read)")
            };
            row(
                &what,
                field(&inc, "seconds"),
                records,
                field(&inc, "rss_kb"),
            );
            let rec = measure(&exe, "recompute", &db, source);
            let devices = field(&rec, "devices");
            row(
                &format!("indicators from the store ({devices:.0})"),
                field(&rec, "seconds"),
                devices,
                field(&rec, "rss_kb"),
            );
            println!(
                "{backend:<9} {label:<5} /metrics: {:.3} ms to render, {:.0} bytes",
                field(&rec, "render_ms"),
                field(&rec, "render_bytes")
            );
            drop_db(backend, label, &db).await;
        }
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("\nload average at the end {load}");
    sim.shutdown();
}
