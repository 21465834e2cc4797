//! SNMP printers benchmark (`cargo bench --bench printers`).
//!
//! Two rounds of one connector over 1,000 simulated printers, 5 % of them silent, through
//! the real connector and `run_sync`, into SQLite and into PostgreSQL: wall seconds,
//! readings stored per second, peak RSS and parcd's CPU seconds of each. The first round
//! reads every printer in full and leaves its plan; the next asks only what the plans name,
//! as every round of a running daemon after its first does. The printers are snmpsimd (the real agent
//! of the tests) on 127.0.0.1, one UDP port each: every port serves its own data file
//! (snmpsimd picks the file by community and transport, `parc/1.3.6.1.6.1.1.<n>.snmprec`),
//! two thirds of them an HP mono laser and one third a Ricoh A3 colour MFP with the PWG
//! counter MIB and its media table (the connector's test data, each with its own serial and
//! counters). snmpsimd runs with its light SNMPv1/v2c architecture (`--v2c-arch`), several
//! processes sharing the ports. The silent printers are UDP sockets that take every request
//! and answer none: a printer switched off, the slowest case (`timeout_ms × (retries + 1)`
//! each). The source is `timeout_ms = 1000`, `retries = 1` and the default `concurrency`.
//!
//! Figures that do not depend on the machine's load come first: the requests the connector
//! sends to read one printer of each model, and the objects the agent answers (counted by a
//! relay between them), in the first round and the next. Then the agent's own pace, without parcd: GETs of one object,
//! `concurrency` at a time over snmp2 directly, as many as a round sends. Then the rounds;
//! and the same rounds against parcd's in-process demo agent (the `parcd demo` printers,
//! in a child process), which shows parcd's own limit rather than snmpsimd's.
//!
//! Every measured run is a child process, so its peak RSS (VmHWM) and CPU time are its own.
//! Environment: PARCD_BENCH_PRINTERS (1000), PARCD_BENCH_SILENT_PERCENT (5),
//! PARCD_BENCH_RUNS (3), PARCD_BENCH_AGENTS (snmpsimd processes the ports are shared among,
//! 2: one per core; 4 was slower), PARCD_BENCH_SNMPSIM_ARCH (`v2c`, or `v3` for snmpsimd's full SNMP engine),
//! PARCD_BENCH_AGENT (`snmpsim` or `demo`: one kind of agent only), PARCD_BENCH_CONCURRENCY
//! (the connector's default), PARCD_BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/postgres),
//! PARCD_BENCH_DB (sqlite or postgres).

use std::net::UdpSocket;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod support;
use support::{cpu_seconds, env, peak_rss_kb};

use parcd::config::Config;
use parcd::poll::sync::{SourceRuntime, run_sync};
use parcd::store::Store;
use parcd_connectors::{PollRequest, SyncMode, build_connector};
use parcd_fakes::snmp_printers::agent::{Make, Ports, PrinterAgents, PrinterSpec};
use parcd_fakes::snmp_printers::{binary, free_udp_port, is_root};

/// The daemon's allocator (src/main.rs), so that the figures are the daemon's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const COMMUNITY: &str = "parc";
/// snmpsimd indexes every data file before it answers.
const READY_WITHIN: Duration = Duration::from_secs(300);
/// The GET a probe sends: sysName.0.
const SYS_NAME: &[u64] = &[1, 3, 6, 1, 2, 1, 1, 5, 0];

/// The `[[sources]]` keys of the round.
fn source(targets: &[String]) -> String {
    let list: Vec<String> = targets.iter().map(|t| format!("\"{t}\"")).collect();
    let concurrency = std::env::var("PARCD_BENCH_CONCURRENCY")
        .map(|c| format!("concurrency = {c}\n"))
        .unwrap_or_default();
    format!(
        "kind = \"snmp_printers\"\ntargets = [{}]\ncommunity = \"{COMMUNITY}\"\n\
         timeout_ms = 1000\nretries = 1\n{concurrency}",
        list.join(", ")
    )
}

/// The round, in the child: `source` is the `[[sources]]` keys.
async fn child_round(db: &str, source: &str) {
    // The connector's warnings (a printer not read, and why) go to stderr.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let config = Config::from_toml(&format!(
        "[database]\nurl = \"{db}\"\n[[sources]]\nname = \"bench\"\n{source}\n"
    ))
    .expect("bench config");
    let store = Store::open(db, 4).await.expect("store");
    let source = config.sources[0].clone();
    let rt = SourceRuntime {
        connector: build_connector(&source.connector).expect("connector"),
        config: source,
    };
    // Two rounds of one connector: the first reads each printer in full and leaves its
    // plan, the next asks what the plans name (a daemon's every round after its first).
    let mut cpu_before = 0.0;
    for round in ["first", "next"] {
        let (_tx, stop) = tokio::sync::watch::channel(false);
        let start = Instant::now();
        let report = run_sync(&store, &rt, SyncMode::Full, &mut |_| {}, stop)
            .await
            .expect("a round with printers answering succeeds");
        let secs = start.elapsed().as_secs_f64();
        let responding = store
            .readings_as_of("responding", i64::MAX)
            .await
            .expect("readings");
        let answered = responding.iter().filter(|r| r.value >= 1.0).count();
        let cpu = cpu_seconds();
        println!(
            "round={round} seconds={secs} readings={} stored={} answered={answered} silent={} \
             rss_kb={} cpu={}",
            report.readings,
            report.readings_new,
            responding.len() - answered,
            peak_rss_kb(),
            cpu - cpu_before
        );
        cpu_before = cpu;
        // Readings are stored by the second: the next round's must be another second's.
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    store.close().await;
}

/// The agent alone: `requests` GETs of sysName spread over `ports`, `concurrency` at a
/// time, one session per port as the connector has.
async fn child_agent(ports: &str, requests: usize, concurrency: usize) {
    let ports: Vec<u16> = ports.split(',').map(|p| p.parse().unwrap()).collect();
    let per_port = requests.div_ceil(ports.len());
    let gate = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for port in ports {
        let gate = gate.clone();
        tasks.spawn(async move {
            let _slot = gate.acquire_owned().await.unwrap();
            let mut s = snmp2::AsyncSession::new_v2c(("127.0.0.1", port), COMMUNITY.as_bytes(), 1)
                .await
                .expect("a socket");
            let oid = snmp2::Oid::from(SYS_NAME).unwrap();
            let mut ok = 0usize;
            for _ in 0..per_port {
                if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(2), s.get(&oid)).await {
                    ok += 1;
                }
            }
            ok
        });
    }
    let mut answered = 0;
    while let Some(n) = tasks.join_next().await {
        answered += n.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    println!("seconds={secs} answered={answered}");
}

/// Where snmpsimd looks for a port's file of the community: the community, or with its
/// full SNMP engine the community's context name (the MD5 of the community in
/// hexadecimal), to which it appends the transport (`probeContext` in snmpsimd).
fn community_dir(v2c_arch: bool) -> String {
    use std::io::Write;
    if v2c_arch {
        return COMMUNITY.to_string();
    }
    let mut md5 = Command::new("md5sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("md5sum (coreutils)");
    md5.stdin
        .take()
        .expect("stdin")
        .write_all(COMMUNITY.as_bytes())
        .expect("md5sum reads");
    let out = md5.wait_with_output().expect("md5sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("a digest")
        .to_string()
}

/// snmpsimd processes serving one data file per port.
struct Agents {
    children: Vec<Child>,
    ports: Vec<u16>,
    _dir: tempfile::TempDir,
}

impl Drop for Agents {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("permissions");
}

/// The test data of a printer, made printer `n`: its own serial and counters.
fn printer_file(n: usize, templates: &[(String, &str)]) -> String {
    let (text, serial) = &templates[n % templates.len()];
    let own = format!("BENCH{n:05}");
    text.lines()
        .map(|l| {
            let l = l.replace(serial, &own);
            // Each printer its own page count: the life counter plus n.
            match l.strip_prefix("1.3.6.1.2.1.43.10.2.1.4.1.1|65|") {
                Some(v) => format!(
                    "1.3.6.1.2.1.43.10.2.1.4.1.1|65|{}",
                    v.parse::<u64>().unwrap_or(0) + n as u64
                ),
                None => l,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn start_agents(printers: usize, processes: usize, v2c_arch: bool) -> Agents {
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("connectors/snmp_printers/testdata");
    let read = |f: &str| std::fs::read_to_string(testdata.join(f)).expect("test data");
    let templates = vec![
        (read("hp-mono.snmprec"), "CNBJT12345"),
        (read("hp-mono.snmprec"), "CNBJT12345"),
        (read("colour-mfp-a3.snmprec"), "3100R810042"),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    set_mode(dir.path(), 0o755);
    let mut children = Vec::new();
    let mut ports = Vec::new();
    let per = printers.div_ceil(processes);
    for p in 0..processes {
        let data = dir.path().join(format!("data{p}"));
        let cache = dir.path().join(format!("cache{p}"));
        let files = data.join(community_dir(v2c_arch));
        std::fs::create_dir_all(&files).unwrap();
        std::fs::create_dir_all(&cache).unwrap();
        for d in [&data, &files] {
            set_mode(d, 0o755);
        }
        set_mode(&cache, 0o777);
        // The community's own file: snmpsimd knows a community by a file of its name, then
        // looks for the transport's file under it (`probeContext`).
        let fallback = data.join(format!("{COMMUNITY}.snmprec"));
        std::fs::write(&fallback, "1.3.6.1.2.1.1.5.0|4|no-file-for-this-port\n").unwrap();
        set_mode(&fallback, 0o644);
        // Endpoints go through a file (snmpsimd's way for many endpoints); the data
        // directory on the command line, where --v2c-arch reads it.
        let mut args = Vec::new();
        let mine = (p * per)..((p + 1) * per).min(printers);
        for (transport, n) in mine.enumerate() {
            // A port found free is released at once and may be found again: two printers
            // on one port would leave one of them unanswered, counted as missed.
            let port = loop {
                let port = free_udp_port();
                if !ports.contains(&port) {
                    break port;
                }
            };
            let file = files.join(format!("1.3.6.1.6.1.1.{transport}.snmprec"));
            std::fs::write(&file, printer_file(n, &templates)).unwrap();
            set_mode(&file, 0o644);
            args.push(format!("--agent-udpv4-endpoint=127.0.0.1:{port}"));
            ports.push(port);
        }
        let args_file = dir.path().join(format!("args{p}"));
        std::fs::write(&args_file, args.join("\n")).unwrap();
        let mut cmd = Command::new(binary("snmpsimd"));
        cmd.arg(format!("--data-dir={}", data.display()))
            .arg(format!("--cache-dir={}", cache.display()))
            .arg(format!("--args-from-file={}", args_file.display()))
            // Its log lines are formatted whatever the method; null at least writes none.
            .arg("--logging-method=null");
        if v2c_arch {
            // The light architecture: no SNMPv3 engine, message processing or access
            // control between the datagram and the data file.
            cmd.arg("--v2c-arch");
        }
        if is_root() {
            cmd.args(["--process-user=nobody", "--process-group=nogroup"]);
        }
        children.push(
            cmd.stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("snmpsimd starts"),
        );
    }
    Agents {
        children,
        ports,
        _dir: dir,
    }
}

/// Waits until every agent answers on its last port (it indexes its files first).
async fn wait_ready(agents: &Agents, processes: usize) {
    let per = agents.ports.len().div_ceil(processes);
    let started = Instant::now();
    for chunk in agents.ports.chunks(per) {
        let port = *chunk.last().unwrap();
        loop {
            let mut s = snmp2::AsyncSession::new_v2c(("127.0.0.1", port), COMMUNITY.as_bytes(), 1)
                .await
                .unwrap();
            let oid = snmp2::Oid::from(SYS_NAME).unwrap();
            if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_millis(500), s.get(&oid)).await {
                break;
            }
            assert!(
                started.elapsed() < READY_WITHIN,
                "snmpsimd did not answer on 127.0.0.1:{port} within {READY_WITHIN:?}"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn fresh_db(backend: &str, i: usize, dir: &Path) -> String {
    match backend {
        "sqlite" => format!("sqlite://{}", dir.join(format!("bench-{i}.db")).display()),
        _ => {
            let admin = std::env::var("PARCD_BENCH_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let name = format!("parcd_bench_printers_{}_{i}", std::process::id());
            let store = Store::connect(&admin, 1).await.expect("PostgreSQL answers");
            for sql in [
                format!("DROP DATABASE IF EXISTS {name}"),
                format!("CREATE DATABASE {name}"),
            ] {
                sqlx::query(&sql)
                    .execute(store.pool())
                    .await
                    .expect("database");
            }
            store.close().await;
            format!(
                "{}/{name}",
                admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b)
            )
        }
    }
}

fn run_child(exe: &Path, args: &[&str]) -> String {
    let out = Command::new(exe)
        .arg("--child")
        .args(args)
        .output()
        .expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// The child's stdout and stderr.
fn run_child_logged(exe: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(exe)
        .arg("--child")
        .args(args)
        .output()
        .expect("child runs");
    let (text, err) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "{text}{err}");
    (text, err)
}

fn field(text: &str, key: &str) -> f64 {
    text.split_whitespace()
        .find_map(|f| f.strip_prefix(key)?.parse().ok())
        .unwrap_or_else(|| panic!("{key} in the child's output: {text}"))
}

/// A relay between the connector and one agent's port, counting what goes through.
struct Relay {
    port: u16,
    requests: Arc<AtomicUsize>,
    /// Objects in the agent's answers: its work.
    answered: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn start(agent_port: u16) -> Relay {
        let front = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let back = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("a port");
        back.connect(("127.0.0.1", agent_port))
            .await
            .expect("connect");
        let port = front.local_addr().expect("bound").port();
        let (requests, answered) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (r, a) = (requests.clone(), answered.clone());
        let task = tokio::spawn(async move {
            let (mut ask, mut answer) = (vec![0u8; 65536], vec![0u8; 65536]);
            let mut client = None;
            loop {
                tokio::select! {
                    Ok((n, from)) = front.recv_from(&mut ask) => {
                        client = Some(from);
                        r.fetch_add(1, Ordering::Relaxed);
                        let _ = back.send(&ask[..n]).await;
                    }
                    Ok(n) = back.recv(&mut answer) => {
                        if let Ok(pdu) = snmp2::Pdu::from_bytes(&answer[..n]) {
                            a.fetch_add(pdu.varbinds.clone().count(), Ordering::Relaxed);
                        }
                        if let Some(c) = client {
                            let _ = front.send_to(&answer[..n], c).await;
                        }
                    }
                }
            }
        });
        Relay {
            port,
            requests,
            answered,
            task,
        }
    }
}

/// Two rounds of one connector through relays over the first printer of each model:
/// (requests, objects answered) per printer and round, the first round's first, in the
/// order of `models`.
async fn count_requests(models: &[(&str, u16)]) -> Vec<[(usize, usize); 2]> {
    let mut relays = Vec::new();
    for (_, port) in models {
        relays.push(Relay::start(*port).await);
    }
    let targets: Vec<String> = relays
        .iter()
        .map(|r| format!("127.0.0.1:{}", r.port))
        .collect();
    let config = Config::from_toml(&format!(
        "[[sources]]\nname = \"count\"\n{}\n",
        source(&targets)
    ))
    .expect("count config");
    let connector = build_connector(&config.sources[0].connector).expect("connector");
    let count = |relays: &[Relay]| -> Vec<(usize, usize)> {
        relays
            .iter()
            .map(|r| {
                (
                    r.requests.load(Ordering::Relaxed),
                    r.answered.load(Ordering::Relaxed),
                )
            })
            .collect()
    };
    let mut rounds = Vec::new();
    let mut cursor = None;
    for _ in 0..2 {
        let before = count(&relays);
        let page = connector
            .poll(PollRequest {
                mode: SyncMode::Full,
                cursor: cursor.as_ref(),
                inventory: &[],
            })
            .await
            .expect("a round");
        let read = page
            .readings
            .iter()
            .filter(|r| r.quantity == "responding" && r.value >= 1.0)
            .count();
        assert_eq!(read, models.len(), "every counted printer answers");
        let after = count(&relays);
        rounds.push(
            before
                .iter()
                .zip(after)
                .map(|((r0, a0), (r1, a1))| (r1 - r0, a1 - a0))
                .collect::<Vec<_>>(),
        );
        cursor = Some(page.cursor);
    }
    for r in &relays {
        r.task.abort();
    }
    (0..models.len())
        .map(|n| [rounds[0][n], rounds[1][n]])
        .collect()
}

/// The demo's printers, in the child: `n` of them (two thirds HP mono lasers, one third
/// PWG colour MFPs), their targets printed on one line, served until stdin closes.
async fn child_demo_agents(n: usize) {
    let specs = (0..n)
        .map(|i| {
            let (make, colour) = if i % 3 == 2 {
                (Make::Pwg, true)
            } else {
                (Make::Hp, false)
            };
            PrinterSpec {
                serial: format!("BENCH{i:05}"),
                sys_name: format!("PRN-{i:05}"),
                sys_descr: format!("{make:?} bench printer"),
                model: format!("{make:?} Model {i}"),
                make,
                colour,
                pages: 20_000 + i as u64,
                pages_per_round: 8,
                nearly_empty: false,
                switched_off: false,
            }
        })
        .collect();
    let agents = PrinterAgents::start(specs, COMMUNITY, Ports::Ephemeral)
        .await
        .expect("the demo printers start");
    println!("targets={}", agents.targets().join(","));
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
    })
    .await
    .expect("stdin read");
    println!("cpu={}", cpu_seconds());
}

/// The demo's printers in a child process, until dropped.
struct DemoAgents {
    child: Child,
    ports: Vec<u16>,
}

impl DemoAgents {
    fn start(exe: &Path, printers: usize) -> DemoAgents {
        use std::io::BufRead;
        let mut child = Command::new(exe)
            .args(["--child", "demo-agents", &printers.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the demo agents start");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("the demo agents' targets");
        let ports = line
            .trim()
            .strip_prefix("targets=")
            .expect("targets=")
            .split(',')
            .map(|t| {
                t.rsplit_once(':')
                    .expect("host:port")
                    .1
                    .parse()
                    .expect("a port")
            })
            .collect();
        DemoAgents { child, ports }
    }

    /// Stops the agents; their CPU seconds.
    fn stop(mut self) -> f64 {
        use std::io::Read;
        drop(self.child.stdin.take());
        let mut rest = String::new();
        let _ = self
            .child
            .stdout
            .as_mut()
            .expect("stdout")
            .read_to_string(&mut rest);
        let _ = self.child.wait();
        field(&rest, "cpu=")
    }
}

/// The round's targets: the answering ports and the silent sockets, mixed.
fn targets(ports: &[u16], holes: &[UdpSocket]) -> Vec<String> {
    let mut targets: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    targets.extend(
        holes
            .iter()
            .map(|h| format!("127.0.0.1:{}", h.local_addr().unwrap().port())),
    );
    // The silent ones spread among the others, as in a real site.
    fastrand::seed(7);
    fastrand::shuffle(&mut targets);
    targets
}

/// `runs` rounds on each database; one line of medians per database.
async fn rounds(
    exe: &Path,
    source: &str,
    answering: usize,
    silent: usize,
    runs: usize,
    dir: &Path,
) {
    let only_db = std::env::var("PARCD_BENCH_DB").ok();
    println!(
        "{:<10} {:<6} {:>9} {:>10} {:>12} {:>12} {:>10} {:>7}",
        "database", "round", "seconds", "readings", "readings/s", "peak RSS MB", "CPU s", "missed"
    );
    for backend in ["sqlite", "postgres"] {
        if only_db.as_deref().is_some_and(|d| d != backend) {
            continue;
        }
        // By round (first, next): wall seconds, CPU seconds, missed printers, readings.
        let mut secs = [Vec::new(), Vec::new()];
        let mut cpu = [Vec::new(), Vec::new()];
        let mut missed = [Vec::new(), Vec::new()];
        let mut stored = [0.0; 2];
        let mut rss = Vec::new();
        for _ in 0..runs {
            let index = ROUND.fetch_add(1, Ordering::Relaxed);
            let db = fresh_db(backend, index, dir).await;
            let (text, warnings) = run_child_logged(exe, &["round", &db, source]);
            let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("round=")).collect();
            assert_eq!(lines.len(), 2, "two rounds: {text}");
            for (n, line) in lines.iter().enumerate() {
                // The silent sockets, and any answering printer the agent left unanswered
                // (counted in `missed`).
                assert!(field(line, "silent=") as usize >= silent, "{line}");
                let answered = field(line, "answered=") as usize;
                missed[n].push(answering - answered);
                if answered < answering {
                    // A printer the overloaded agent answered in part reads as not a
                    // printer (its tables came back empty) or not at all: counted, and said.
                    let first = warnings
                        .lines()
                        .find(|l| {
                            l.contains("not a printer")
                                || l.contains("printer not read") && !l.contains("timeout")
                        })
                        .unwrap_or("");
                    eprintln!(
                        "{backend}: {} answering printers not read; {first}",
                        answering - answered
                    );
                }
                cpu[n].push(field(line, "cpu="));
                stored[n] = field(line, "stored=");
                assert_eq!(stored[n], field(line, "readings="), "every reading new");
                secs[n].push(field(line, "seconds="));
            }
            rss.push(field(lines[1], "rss_kb=") / 1024.0);
        }
        let rss = median(rss);
        for (n, round) in ["first", "next"].iter().enumerate() {
            let m = median(secs[n].clone());
            println!(
                "{backend:<10} {round:<6} {m:>9.2} {:>10.0} {:>12.0} {:>12.0} {:>10.2} {:>7}",
                stored[n],
                stored[n] / m,
                rss,
                median(cpu[n].clone()),
                missed[n].iter().max().copied().unwrap_or(0)
            );
        }
    }
    println!();
}

/// Numbers the databases of the runs.
static ROUND: AtomicUsize = AtomicUsize::new(0);

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        match args[2].as_str() {
            "round" => child_round(&args[3], &args[4]).await,
            "agent" => {
                child_agent(&args[3], args[4].parse().unwrap(), args[5].parse().unwrap()).await
            }
            "demo-agents" => child_demo_agents(args[3].parse().unwrap()).await,
            other => panic!("unknown child kind {other}"),
        }
        return;
    }
    let printers: usize = env("PARCD_BENCH_PRINTERS", 1000);
    let silent_percent: usize = env("PARCD_BENCH_SILENT_PERCENT", 5);
    let runs: usize = env("PARCD_BENCH_RUNS", 3);
    let processes: usize = env("PARCD_BENCH_AGENTS", 2).max(1);
    let v2c_arch = std::env::var("PARCD_BENCH_SNMPSIM_ARCH").as_deref() != Ok("v3");
    let only_agent = std::env::var("PARCD_BENCH_AGENT").ok();
    let concurrency: usize = env("PARCD_BENCH_CONCURRENCY", 32);
    let silent = printers * silent_percent / 100;
    let answering = printers - silent;
    let exe = std::env::current_exe().expect("own path");
    let dir = tempfile::tempdir().expect("temp dir");
    // Printers switched off: sockets that take every request and answer none.
    let holes: Vec<UdpSocket> = (0..silent)
        .map(|_| UdpSocket::bind("127.0.0.1:0").expect("a loopback port"))
        .collect();
    println!(
        "printers benchmark: two rounds of one connector over {printers} printers ({silent} silent), \
         timeout_ms = 1000, retries = 1, concurrency = {concurrency}; median of {runs} runs, \
         each run in its own process\n"
    );

    if only_agent.as_deref().is_none_or(|a| a == "snmpsim") {
        let started = Instant::now();
        let agents = start_agents(answering, processes, v2c_arch);
        wait_ready(&agents, processes).await;
        println!(
            "snmpsimd: {processes} processes ({} architecture), ready in {:.0} s",
            if v2c_arch { "v2c" } else { "v3" },
            started.elapsed().as_secs_f64()
        );
        // Printers 0 and 1 are HP mono lasers, 2 a Ricoh A3 MFP (`start_agents`).
        let models = [
            ("HP mono laser", agents.ports[0]),
            ("Ricoh A3 MFP", agents.ports[2]),
        ];
        let counts = count_requests(&models).await;
        for ((model, _), [(r1, a1), (r2, a2)]) in models.iter().zip(&counts) {
            println!(
                "  {model}: first round {r1} requests, {a1} objects answered; \
                 next rounds {r2} requests, {a2} objects"
            );
        }
        // Two thirds HP, one third Ricoh; the first round's requests.
        let per_printer = (2 * counts[0][0].0 + counts[1][0].0) as f64 / 3.0;
        let requests = (answering as f64 * per_printer).round() as usize;

        // The agent alone, at the connector's concurrency, as many requests as a round.
        let ports: Vec<String> = agents.ports.iter().map(u16::to_string).collect();
        let mut agent_secs = Vec::new();
        for _ in 0..runs {
            let text = run_child(
                &exe,
                &[
                    "agent",
                    &ports.join(","),
                    &requests.to_string(),
                    &concurrency.to_string(),
                ],
            );
            assert!(
                field(&text, "answered=") as usize >= requests * 99 / 100,
                "{text}"
            );
            agent_secs.push(field(&text, "seconds="));
        }
        let a = median(agent_secs);
        println!(
            "  alone: {requests} GETs of one object, {concurrency} at a time: {a:.2} s, {:.0} \
             requests/s\n",
            requests as f64 / a
        );
        let source = source(&targets(&agents.ports, &holes));
        rounds(&exe, &source, answering, silent, runs, dir.path()).await;
    }

    if only_agent.as_deref().is_none_or(|a| a == "demo") {
        let agents = DemoAgents::start(&exe, answering);
        println!(
            "parcd's demo agent (async-snmp, in a child process), {answering} printers \
             answering (two thirds HP mono, one third PWG colour MFPs)"
        );
        let source = source(&targets(&agents.ports, &holes));
        rounds(&exe, &source, answering, silent, runs, dir.path()).await;
        let cpu = agents.stop();
        println!("  the demo agent's CPU over these rounds: {cpu:.2} s");
    }
    drop(holes);
}
