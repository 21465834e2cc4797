//! Ingest benchmark (`cargo bench --bench ingest`).
//!
//! A full sync of 100,000 devices from each kind of inventory, through the real connectors
//! (GLPI and Snipe-IT over HTTP on loopback from their fakes, spreadsheet files on disk),
//! into SQLite and into PostgreSQL, next to a raw bulk insert of the GLPI asset rows (every
//! column, as ingest fills them) into the same database in the same run: "% of raw" shows
//! how near each path comes to the database's own limit. Every measured run is a child
//! process, so its peak RSS (VmHWM) is its own and the fakes' memory (in the parent) is not
//! counted. Each figure is printed with the load average (1 minute) when its runs ended:
//! the machine is shared.
//!
//! After each sync, the AGEC, REEN and DEEE figures are recomputed from the store, as the
//! daemon does after a burst of changes.
//!
//! A million devices: `PARCD_BENCH_ASSETS=1000000 cargo bench --bench ingest` (each
//! database is dropped once measured, the spreadsheet files when the run ends).
//!
//! Environment: PARCD_BENCH_ASSETS (100000), PARCD_BENCH_RUNS (3), PARCD_BENCH_PG_URL
//! (postgres://postgres@127.0.0.1:5432/postgres). To look at some paths: PARCD_BENCH_ONLY
//! (labels, comma-separated: glpi, snipeit, csv, xlsx, raw), PARCD_BENCH_DB (sqlite or
//! postgres), and PARCD_BENCH_WRAP, a command put in front of each measured child (for
//! example `valgrind --tool=callgrind`), whose figures then measure the tool too.

use std::process::Command;
use std::time::Instant;

mod support;
use support::peak_rss_kb;

use parcd::config::Config;
use parcd::poll::sync::{SourceRuntime, run_sync};
use parcd::store::Store;
use parcd_connectors::{AssetRecord, PollRequest, SyncMode, build_connector};
use parcd_fakes::glpi::{Fleet, FleetSpec, SimOptions, Simulator};

/// The daemon's allocator (src/main.rs), so that the figures are the daemon's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TOKEN: &str = "bench-user-token";

/// One source measured: a label and its `[[sources]]` keys (name and kind included).
struct Bench {
    label: &'static str,
    source: String,
}

fn config(db: &str, source: &str) -> Config {
    Config::from_toml(&format!(
        "[database]\nurl = \"{db}\"\n[[sources]]\nname = \"bench\"\n{source}\n"
    ))
    .expect("bench config")
}

async fn child(kind: &str, db: &str, source: &str) {
    let config = config(db, source);
    let store = Store::open(db, 4).await.expect("store");
    let source = config.sources[0].clone();
    let rt = SourceRuntime {
        connector: build_connector(&source.connector).expect("connector"),
        config: source,
    };
    let (_tx, stop) = tokio::sync::watch::channel(false);
    match kind {
        "sync" | "sync-alone" => {
            let start = Instant::now();
            let report = run_sync(&store, &rt, SyncMode::Full, &mut |_| {}, stop)
                .await
                .expect("sync");
            let secs = start.elapsed().as_secs_f64();
            let sync_rss = peak_rss_kb();
            if kind == "sync-alone" {
                println!("seconds={secs} assets={} rss_kb={sync_rss}", report.created);
                store.close().await;
                return;
            }
            // The AGEC, REEN, DEEE and donation figures the daemon recomputes after each
            // burst of changes: read every asset and purchase, then sum. Best of 3.
            let circularity = parcd::live::circularity::Circularity::new(
                store.clone(),
                vec!["bench".into()],
                config.agec.clone(),
            );
            let today = chrono::Utc::now().date_naive();
            let mut circ_secs = f64::MAX;
            for _ in 0..3 {
                let t = Instant::now();
                let figures = circularity
                    .year(chrono::Datelike::year(&today), today)
                    .await
                    .expect("circularity");
                circ_secs = circ_secs.min(t.elapsed().as_secs_f64());
                std::hint::black_box(&figures);
            }
            println!(
                "seconds={secs} assets={} rss_kb={sync_rss} circ_seconds={circ_secs} circ_rss_kb={}",
                report.created,
                peak_rss_kb()
            );
        }
        "raw" => {
            // Only the inserts are timed: the baseline is the database alone. Pages are
            // written as they are read, so that memory stays bounded at a million rows.
            let mut secs = 0.0;
            let mut written = 0;
            let mut cursor = None;
            loop {
                let page = rt
                    .connector
                    .poll(PollRequest {
                        mode: SyncMode::Full,
                        cursor: cursor.as_ref(),
                        inventory: &[],
                    })
                    .await
                    .expect("poll");
                let start = Instant::now();
                raw_insert(&store, &page.records).await;
                secs += start.elapsed().as_secs_f64();
                written += page.records.len();
                if page.done {
                    break;
                }
                cursor = Some(page.cursor);
            }
            println!("seconds={secs} assets={written} rss_kb={}", peak_rss_kb());
        }
        other => panic!("unknown child kind {other}"),
    }
    store.close().await;
}

/// The same asset rows as ingest writes, every column of `assets` filled as ingest fills
/// it, in multi-row INSERTs of 1,000 rows, one transaction per 1,000 rows (ingest's page
/// size), with no diff, no events and no purchases.
async fn raw_insert(store: &Store, records: &[AssetRecord]) {
    const COLS: usize = 25;
    // The same placeholders as the store uses: numbered ones make SQLite search a list.
    let backend = store.backend();
    let ph = |n: usize| match backend {
        parcd::store::Backend::Sqlite => "?".to_string(),
        parcd::store::Backend::Postgres => format!("${n}"),
    };
    for chunk in records.chunks(1000) {
        let mut tx = store.pool().begin().await.expect("tx");
        // As the store writes a plain INSERT on SQLite: OR FAIL needs no statement journal.
        let mut sql = String::from(match backend {
            parcd::store::Backend::Sqlite => "INSERT OR FAIL",
            parcd::store::Backend::Postgres => "INSERT",
        });
        sql.push_str(
            " INTO assets (source, external_id, item_type, class, name, serial, serial_key, \
             inventory_number, type_name, model, manufacturer, entity, location, status, phase, \
             status_mapped, rated_power_mw, addresses, source_modified_at, record_hash, \
             event_seq, first_seen_at, updated_at, vanished_at, seen_sync_id) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            let cells: Vec<String> = (1..=COLS).map(|c| ph(i * COLS + c)).collect();
            sql.push('(');
            sql.push_str(&cells.join(", "));
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind("bench")
                .bind(r.external_id.clone())
                .bind(r.item_type.clone())
                .bind(r.class.as_str())
                .bind(r.name.clone())
                .bind(r.serial.clone())
                .bind(
                    r.serial
                        .as_deref()
                        .and_then(parcd_connectors::reading::join_key),
                )
                .bind(r.inventory_number.clone())
                .bind(r.type_name.clone())
                .bind(r.model.clone())
                .bind(r.manufacturer.clone())
                .bind(r.entity.clone())
                .bind(r.location.clone())
                .bind(r.status.clone())
                .bind(r.phase.as_str())
                .bind(i64::from(r.status_mapped))
                .bind(r.rated_power_w.map(|w| (w * 1000.0).round() as i64))
                .bind((!r.addresses.is_empty()).then(|| r.addresses.join(" ")))
                .bind(r.modified_at.clone())
                .bind(0_i64)
                .bind(1_i64)
                .bind(0_i64)
                .bind(0_i64)
                .bind(None::<i64>)
                .bind("bench-sync");
        }
        q.execute(&mut *tx).await.expect("raw insert");
        tx.commit().await.expect("commit");
    }
}

/// The load average over the last minute, noted with each figure: the machine is shared.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Drops a PostgreSQL database once measured (a SQLite file goes with the temp dir): a
/// million-asset run leaves gigabytes otherwise.
async fn drop_db(backend: &str, url: &str) {
    if backend == "sqlite" {
        let path = url.trim_start_matches("sqlite://");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
        return;
    }
    let (_, name) = url.rsplit_once('/').expect("database URL");
    let store = Store::connect(&admin_url(), 1)
        .await
        .expect("PostgreSQL answers");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(store.pool())
        .await
        .expect("drop");
    store.close().await;
}

fn admin_url() -> String {
    std::env::var("PARCD_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn fresh_db(backend: &str, i: usize, dir: &std::path::Path) -> String {
    match backend {
        "sqlite" => format!("sqlite://{}", dir.join(format!("bench-{i}.db")).display()),
        _ => {
            let admin = admin_url();
            let name = format!("parcd_bench_{}_{i}", std::process::id());
            let store = Store::connect(&admin, 1).await.expect("PostgreSQL answers");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(store.pool())
                .await
                .expect("drop");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(store.pool())
                .await
                .expect("create");
            store.close().await;
            format!(
                "{}/{name}",
                admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b)
            )
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        child(&args[2], &args[3], &args[4]).await;
        return;
    }
    // `cargo bench` passes --bench; anything else (a test harness filter) is ignored.
    let assets: usize = std::env::var("PARCD_BENCH_ASSETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let runs: usize = std::env::var("PARCD_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let only = std::env::var("PARCD_BENCH_ONLY").ok();
    let wanted = |label: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|l| l.trim() == label))
    };
    // Only the sources measured are generated: at a million devices each fake holds its
    // fleet in memory.
    let mut n = assets;
    let mut benches = Vec::new();
    let mut _servers = (None, None);
    if wanted("glpi") || wanted("raw") {
        let fleet = Fleet::generate(&FleetSpec {
            assets,
            seed: 42,
            templates: 5,
        });
        n = fleet.len();
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
        benches.push(Bench {
            label: "glpi",
            source: format!(
                "kind = \"glpi\"\nurl = \"{}\"\nuser_token = \"{TOKEN}\"\npage_size = 1000",
                sim.base_url()
            ),
        });
        _servers.0 = Some(sim);
    }
    if wanted("snipeit") {
        let snipeit = parcd_fakes::snipeit::SnipeitFake::start(
            parcd_fakes::snipeit::Fleet::generate(&parcd_fakes::snipeit::FleetSpec {
                assets,
                seed: 42,
            }),
            parcd_fakes::snipeit::FakeOptions {
                token: TOKEN.into(),
                denied_token: None,
            },
        )
        .await
        .expect("Snipe-IT fake");
        benches.push(Bench {
            label: "snipeit",
            source: format!(
                "kind = \"snipeit\"\nurl = \"{}\"\napi_token = \"{TOKEN}\"\npage_size = 500",
                snipeit.base_url()
            ),
        });
        _servers.1 = Some(snipeit);
    }
    // The spreadsheet exports a DSI hands over: a French CSV and an XLSX of the same fleet.
    let files = tempfile::tempdir().expect("temp dir");
    if wanted("csv") || wanted("xlsx") {
        let sheet =
            parcd_fakes::inventory_file::Fleet::generate(&parcd_fakes::inventory_file::FleetSpec {
                devices: assets,
                seed: 42,
            });
        if wanted("csv") {
            let csv = files.path().join("parc.csv");
            sheet
                .write_csv(&csv, &parcd_fakes::inventory_file::CsvOptions::default())
                .expect("CSV written");
            benches.push(Bench {
                label: "csv",
                source: format!("kind = \"inventory_file\"\npath = \"{}\"", csv.display()),
            });
        }
        if wanted("xlsx") {
            let xlsx = files.path().join("parc.xlsx");
            sheet
                .write_xlsx(&xlsx, &parcd_fakes::inventory_file::XlsxOptions::default())
                .expect("XLSX written");
            benches.push(Bench {
                label: "xlsx",
                source: format!("kind = \"inventory_file\"\npath = \"{}\"", xlsx.display()),
            });
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = std::env::current_exe().expect("own path");
    println!(
        "ingest benchmark: {n} GLPI assets ({assets} asked of every source), median of {runs} runs, each run in its own process\n"
    );
    println!(
        "{:<10} {:<20} {:>9} {:>10} {:>8} {:>9} {:>6}",
        "database", "what", "seconds", "assets/s", "% of raw", "RSS MB", "load"
    );
    let mut index = 0;
    let mut circularity = Vec::new();
    let only_db = std::env::var("PARCD_BENCH_DB").ok();
    let wrap: Vec<String> = std::env::var("PARCD_BENCH_WRAP")
        .map(|w| w.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    for backend in ["sqlite", "postgres"] {
        if only_db.as_deref().is_some_and(|d| d != backend) {
            continue;
        }
        // The raw insert first, so that each path is printed with its share of its speed.
        let mut raw_speed = None;
        // The raw insert reads GLPI's fleet, generated whenever it is wanted.
        let raw_bench = Bench {
            label: "raw",
            source: benches
                .iter()
                .find(|b| b.label == "glpi")
                .map(|b| b.source.clone())
                .unwrap_or_default(),
        };
        for (kind, bench) in
            std::iter::once(("raw", &raw_bench)).chain(benches.iter().map(|b| ("sync", b)))
        {
            if only
                .as_deref()
                .is_some_and(|o| !o.split(',').any(|l| l.trim() == bench.label))
            {
                continue;
            }
            let mut secs = Vec::new();
            let mut rss = Vec::new();
            let mut loads = Vec::new();
            let mut stored = 0;
            for _ in 0..runs {
                index += 1;
                let db = fresh_db(backend, index, dir.path()).await;
                let mut command = match wrap.split_first() {
                    Some((tool, args)) => {
                        let mut c = Command::new(tool);
                        c.args(args).arg(&exe);
                        c
                    }
                    None => Command::new(&exe),
                };
                // The recompute is measured once, after the GLPI sync; the other children are
                // left with the sync alone, so that a profile of them shows only it.
                let child_kind = match kind {
                    "sync" if bench.label != "glpi" => "sync-alone",
                    k => k,
                };
                let out = command
                    .args(["--child", child_kind, &db, &bench.source])
                    .output()
                    .expect("child runs");
                loads.push(load_average());
                drop_db(backend, &db).await;
                let text = String::from_utf8_lossy(&out.stdout);
                assert!(
                    out.status.success(),
                    "{text}{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let field = |k: &str| -> f64 {
                    text.split_whitespace()
                        .find_map(|f| f.strip_prefix(k)?.parse().ok())
                        .expect("child output")
                };
                stored = field("assets=") as usize;
                // Every source holds `assets` devices; GLPI's fleet counts its own (templates
                // aside), which is `n`.
                let expected = if bench.label == "glpi" || kind == "raw" {
                    n
                } else {
                    assets
                };
                assert_eq!(stored, expected, "{}: every asset stored", bench.label);
                secs.push(field("seconds="));
                rss.push(field("rss_kb=") / 1024.0);
                if kind == "sync" && bench.label == "glpi" {
                    circularity.push((
                        backend,
                        field("circ_seconds="),
                        field("circ_rss_kb=") / 1024.0,
                    ));
                }
            }
            let m = median(secs);
            let speed = stored as f64 / m;
            if kind == "raw" {
                raw_speed = Some(speed);
            }
            let label = if kind == "sync" {
                format!("full sync {}", bench.label)
            } else {
                "raw insert (glpi rows)".to_string()
            };
            let share = raw_speed.map_or("-".to_string(), |r| format!("{:.0}", 100.0 * speed / r));
            println!(
                "{backend:<10} {label:<20} {m:>9.2} {speed:>10.0} {share:>8} {:>9.0} {:>6.2}",
                median(rss),
                median(loads)
            );
        }
        println!();
    }
    for backend in ["sqlite", "postgres"] {
        let runs: Vec<_> = circularity.iter().filter(|(b, ..)| *b == backend).collect();
        if runs.is_empty() {
            continue;
        }
        let best = runs.iter().map(|(_, s, _)| *s).fold(f64::MAX, f64::min);
        let rss = runs.iter().map(|(.., r)| *r).fold(0.0, f64::max);
        println!(
            "{backend:<10} AGEC/REEN/DEEE recompute from the store: {:.0} ms (best run), peak RSS with it {rss:.0} MB",
            best * 1000.0
        );
    }
}
