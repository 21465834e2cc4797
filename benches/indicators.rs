//! Indicator engine benchmark (`cargo bench --bench indicators`): full rebuild of 100,000 and
//! 1,000,000 synthetic assets (target at a million: under 300 ms), one incremental update, a
//! snapshot, a what-if, rendering `/metrics` with the indicators of 100,000 and 1,000,000
//! assets, and 1,000 devices computed by parcd
//! versus by a local BoaviztAPI (one HTTP call each, on 127.0.0.1).
//!
//! Environment: PARCD_BENCH_RUNS (5): the best of that many runs is printed;
//! PARCD_BOAVIZTAPI_BIN, the `uvicorn` of a virtualenv holding boaviztapi 2.5.0 (default
//! `target/boavizta-venv/bin/uvicorn`, which `tests/run.sh` installs).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use parcd::footprint::FootprintConfig;
use parcd::indicators::{AssetFacts, AssetKey, Engine, EngineSettings};
use parcd_connectors::{AssetClass, Phase};

// The daemon's allocator (src/main.rs), so that taking in and freeing the facts costs here what
// it costs there: with glibc's malloc it was most of a rebuild.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A fleet shaped like a mid-sized administration: mostly in service, some stock and exits,
/// 200 entities, a few unknown-factor classes and absurd powers.
fn fleet(n: usize, seed: u64) -> Vec<AssetFacts> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let now = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap();
    (0..n)
        .map(|i| {
            let phase = match rng.u8(..100) {
                0..80 => Phase::InService,
                80..83 => Phase::InRepair,
                83..90 => Phase::InStock,
                90..94 => Phase::Retired,
                94..97 => Phase::Reused,
                _ => Phase::Recycled,
            };
            let first_seen_at = now.timestamp() - rng.i64(0..3000) * 86_400;
            AssetFacts {
                key: AssetKey {
                    source: "glpi".into(),
                    external_id: i.to_string(),
                },
                class: AssetClass::ALL[rng.usize(..AssetClass::ALL.len())],
                model: rng.bool().then(|| format!("Model {}", rng.u8(..50))),
                entity: (rng.u8(..20) != 0).then(|| format!("Entity {}", rng.u8(..200))),
                phase,
                vanished: rng.u8(..100) == 0,
                rated_power_w: match rng.u8(..10) {
                    0..5 => None,
                    5 => Some(50_000.0),
                    _ => Some(rng.f64() * 200.0),
                },
                in_service_date: (rng.u8(..4) != 0)
                    .then(|| (now - chrono::Duration::days(rng.i64(-30..3500))).date_naive()),
                first_seen_at,
                exit_at: phase
                    .is_exit()
                    .then(|| first_seen_at + rng.i64(0..2000) * 86_400),
                reconditioned: rng.u8(..20) == 0,
            }
        })
        .collect()
}

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at start: {load}");
    let runs: usize = std::env::var("PARCD_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let now = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap();
    let settings = EngineSettings {
        footprint: FootprintConfig::builtin().expect("built-in factors"),
        headcount: (0..200).map(|i| (format!("Entity {i}"), 50)).collect(),
    };
    for n in [100_000, 1_000_000] {
        let assets = fleet(n, 42);
        let mut engine = Engine::new(settings.clone());
        let clone = best(runs, || assets.clone());
        // The floor of any rebuild that takes owned facts: key each one into a map and free
        // the rest (freeing ~4 small strings per asset is most of it with glibc's malloc).
        let floor = {
            let mut times = Vec::new();
            for _ in 0..runs {
                let input = assets.clone();
                let t = Instant::now();
                let keys: std::collections::HashSet<AssetKey> =
                    input.into_iter().map(|a| a.key).collect();
                drop(keys);
                times.push(t.elapsed());
            }
            times.into_iter().min().unwrap_or_default()
        };
        // The input clone is the caller's work, not the engine's: timed apart.
        let rebuild = {
            let mut times = Vec::new();
            for _ in 0..runs {
                let input = assets.clone();
                let t = Instant::now();
                engine.rebuild(input, now);
                times.push(t.elapsed());
            }
            times.into_iter().min().unwrap_or_default()
        };
        let mut one = assets[n / 2].clone();
        let mut flip = false;
        let update = best(runs.max(100), || {
            flip = !flip;
            one.phase = if flip {
                Phase::InService
            } else {
                Phase::Retired
            };
            one.entity = Some(if flip { "Entity 1" } else { "Entity 2" }.into());
            engine.update([one.clone()], now)
        });
        let snapshot = best(runs.max(20), || engine.snapshot());
        let lifespans = BTreeMap::from([(AssetClass::Laptop, 7.0 * 8760.0)]);
        let simulate = best(runs.max(20), || engine.simulate(&lifespans));
        let ind = engine.snapshot();
        // The page's size follows the groups (classes, at most 50 entities and "other"), not
        // the assets: the same at a million as at 100,000.
        let metrics = parcd::metrics::Metrics::new(true, 50);
        let publish = best(runs.max(20), || metrics.fleet.publish(&ind));
        let render = best(runs.max(20), || metrics.render());
        let page = metrics.render();
        println!(
            "/metrics with the indicators of {n} assets: {:.3} ms to publish, {:.3} ms to render, \
             {} bytes, {} series",
            publish.as_secs_f64() * 1e3,
            render.as_secs_f64() * 1e3,
            page.len(),
            page.lines().filter(|l| !l.starts_with('#')).count()
        );
        println!(
            "{n:>9} assets ({} live, {} in service, {} covered, {} entities): rebuild {:.1} ms \
             (plus {:.1} ms to clone its input; consuming the input alone takes {:.1} ms), update of one asset {:.1} µs, \
             snapshot {:.3} ms, simulate {:.1} µs",
            engine.len(),
            ind.total.in_service,
            ind.total.covered,
            ind.by_entity.len(),
            rebuild.as_secs_f64() * 1e3,
            clone.as_secs_f64() * 1e3,
            floor.as_secs_f64() * 1e3,
            update.as_secs_f64() * 1e6,
            snapshot.as_secs_f64() * 1e3,
            simulate.as_secs_f64() * 1e6,
        );
    }
    boaviztapi_ratio(&settings.footprint);
}

/// 1,000 laptops of varied power and use, computed by parcd's model and by BoaviztAPI.
fn boaviztapi_ratio(cfg: &FootprintConfig) {
    use parcd::footprint::model::{Device, estimate};
    let bin = std::env::var("PARCD_BOAVIZTAPI_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/boavizta-venv/bin/uvicorn")
        });
    // A comparison without BoaviztAPI would print nothing to compare: the bench stops.
    assert!(
        bin.is_file(),
        "parcd vs BoaviztAPI needs {}: run tests/run.sh once (it installs BoaviztAPI 2.5.0 \
         into target/boavizta-venv), or set PARCD_BOAVIZTAPI_BIN",
        bin.display()
    );
    let devices: Vec<(f64, f64)> = (0..1000)
        .map(|i| (10.0 + (i % 40) as f64, 0.1 + (i % 9) as f64 / 10.0))
        .collect();
    let profile = cfg
        .factors
        .profile(AssetClass::Laptop, None)
        .expect("laptop factors")
        .profile;
    let intensity = cfg
        .factors
        .intensity("FRA", 2025, &["boaviztapi".to_string()])
        .expect("FRA factors");
    let t = Instant::now();
    for (power, ratio) in &devices {
        let d = Device {
            power_w: Some(*power),
            use_ratio: Some(*ratio),
            ..Default::default()
        };
        black_box(
            estimate(&profile, &d, 8760.0, &intensity.per_kwh, &cfg.assumptions).expect("estimate"),
        );
    }
    let ours = t.elapsed();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new(&bin)
        .args([
            "boaviztapi.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("uvicorn starts");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let theirs = rt.block_on(async {
        let http = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{port}/v1/terminal/laptop?verbose=false&duration=8760&criteria=gwp");
        let deadline = Instant::now() + Duration::from_secs(60);
        while http.get(format!("http://127.0.0.1:{port}/docs")).send().await.is_err() {
            assert!(Instant::now() < deadline, "BoaviztAPI did not start");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let t = Instant::now();
        for (power, ratio) in &devices {
            let body = serde_json::json!({"usage": {"usage_location": "FRA", "avg_power": power, "use_time_ratio": ratio}});
            let r = http.post(&url).json(&body).send().await.expect("BoaviztAPI answers");
            assert!(r.status().is_success());
            black_box(r.bytes().await.expect("body"));
        }
        t.elapsed()
    });
    let _ = server.kill();
    let _ = server.wait();
    println!(
        "1,000 laptops: parcd {:.3} ms, local BoaviztAPI (one call each) {:.0} ms: parcd is {:.0}x faster",
        ours.as_secs_f64() * 1e3,
        theirs.as_secs_f64() * 1e3,
        theirs.as_secs_f64() / ours.as_secs_f64().max(1e-9)
    );
}
