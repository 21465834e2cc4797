//! Mail benchmark (`cargo bench --bench mail`).
//!
//! 10,000 mailboxes on a real Dovecot (Debian's 2.3, started on 127.0.0.1 by the doveadm
//! connector's test server, `connectors/doveadm/fake`), read in one round through the
//! `doveadm` connector and through the `imap` connector with a master user and bounded
//! connections: wall seconds, peak RSS and parcd's CPU seconds of each round, each run a
//! child process. Then the attachment scan: the same IMAP round reading every message's
//! structure, whose extra time per 1,000 messages is the scan's cost.
//!
//! The mailboxes are written as Maildirs directly (a passwd-file user each, spread over 20
//! domains; 5 messages in INBOX and 1 in Sent, one of the six with an attachment; each
//! file's name carries its size, as Dovecot's own deliveries do), in seconds rather than
//! the hours 60,000 `doveadm save` would take. Dovecot builds its indexes at the first
//! round that opens them: that round is measured on its own ("cold"). Everything is
//! deleted at the end (the server's temporary directory).
//!
//! Dovecot 2.3.19 holds an `allUsers` command's answer until the auth worker that listed
//! the users is idle-killed (`service auth-worker { idle_kill }`, one minute by default):
//! the doveadm rounds are measured with the server's defaults, then with `idle_kill = 3
//! secs`, to tell that wait from the work.
//!
//! Environment: PARCD_BENCH_MAILBOXES (10000), PARCD_BENCH_RUNS (3), PARCD_BENCH_SCAN_RUNS
//! (1), PARCD_BENCH_PART (`doveadm`, `imap` or both), PARCD_BENCH_IMAP_CONCURRENCY (16).

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

mod support;
use support::{cpu_seconds, env, peak_rss_kb};

use parcd::config::Config;
use parcd_connectors::mail::{MailKey, MailPrivacy, SCOPE_DOMAIN};
use parcd_connectors::{BuildContext, PollRequest, Subject, SyncMode, build_connector_in};
use parcd_fakes::doveadm::{API_KEY, Dovecot, TestUser, message};

/// The daemon's allocator (src/main.rs), so that the figures are the daemon's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DOMAINS: usize = 20;
const MASTER: &str = "parcd-bench-admin";
const MASTER_PW: &str = "bench-master-pw-5521";
/// INBOX messages per mailbox; one more in Sent.
const INBOX: usize = 5;
const ATTACHMENT_BYTES: usize = 20_000;

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn user(i: usize) -> String {
    format!("agent{i:05}@commune{:02}.fr", i % DOMAINS)
}

/// One round in the child: `source` is the `[[sources]]` keys.
async fn child_round(source: &str) {
    let config = Config::from_toml(&format!("[[sources]]\nname = \"bench\"\n{source}\n"))
        .expect("bench config");
    let key = MailKey::generate().expect("a mail key");
    let ctx = BuildContext {
        mail: Some(MailPrivacy::new(&key, config.mail.entities.clone())),
    };
    let connector = build_connector_in(&config.sources[0].connector, &ctx).expect("connector");
    let start = Instant::now();
    let page = connector
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: None,
            inventory: &[],
        })
        .await
        .expect("a round");
    let secs = start.elapsed().as_secs_f64();
    // Per domain only: the entities count the same mailboxes again.
    let per_domain = |quantity: &str| -> f64 {
        page.readings
            .iter()
            .filter(|r| {
                r.quantity == quantity
                    && matches!(&r.subject, Subject::Aggregate { scope, .. } if scope == SCOPE_DOMAIN)
            })
            .map(|r| r.value)
            .sum()
    };
    let (mailboxes, scanned) = (
        per_domain("mail_mailboxes"),
        per_domain("mail_scanned_bytes"),
    );
    println!(
        "seconds={secs} mailboxes={mailboxes} scanned_bytes={scanned} readings={} rss_kb={} cpu={}",
        page.readings.len(),
        peak_rss_kb(),
        cpu_seconds()
    );
}

/// The request of a round before this benchmark: one POST of three `allUsers` commands
/// (`totalSum`, the special folders, `quotaGet`), run one after the other by Dovecot.
fn three_command_batch(port: u16) -> f64 {
    use base64::Engine;
    let body = r#"[["mailboxStatus",{"allUsers":true,"totalSum":true,"field":["messages","vsize"],"mailboxMask":["*"]},"totals"],["mailboxStatus",{"allUsers":true,"field":["messages","vsize"],"mailboxMask":["Sent","Trash","Junk"]},"folders"],["quotaGet",{"allUsers":true},"quota"]]"#;
    let auth = base64::engine::general_purpose::STANDARD.encode(API_KEY);
    let start = Instant::now();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("doveadm listens");
    write!(
        s,
        "POST /doveadm/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: X-Dovecot-API {auth}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("request sent");
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).expect("an answer");
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer[..answer.len().min(300)])
    );
    start.elapsed().as_secs_f64()
}

/// Writes the mailboxes as Maildirs; the messages and bytes written.
fn write_maildirs(root: &Path, mailboxes: usize) -> (usize, usize) {
    let plain = message("compte rendu", 6_000, None);
    let with = message("compte rendu et annexe", 1_500, Some(ATTACHMENT_BYTES));
    let (mut messages, mut bytes) = (0, 0);
    for i in 0..mailboxes {
        let maildir = root.join(user(i)).join("Maildir");
        for (folder, count) in [("", INBOX), (".Sent", 1)] {
            let dir = maildir.join(folder);
            for sub in ["cur", "new", "tmp"] {
                std::fs::create_dir_all(dir.join(sub)).expect("a Maildir");
            }
            for k in 0..count {
                // The last INBOX message carries the attachment.
                let m = if folder.is_empty() && k == count - 1 {
                    &with
                } else {
                    &plain
                };
                // S= and W= (size and virtual size: CRLF already) spare Dovecot reading
                // the file for its size, as with its own deliveries.
                let name = format!("1765000000.M{k}P{i}.bench,S={0},W={0}:2,S", m.len());
                std::fs::write(dir.join("cur").join(name), m).expect("a message");
                messages += 1;
                bytes += m.len();
            }
        }
        std::fs::write(maildir.join("subscriptions"), "Sent\n").expect("subscriptions");
    }
    (messages, bytes)
}

fn field(text: &str, key: &str) -> f64 {
    text.split_whitespace()
        .find_map(|f| f.strip_prefix(key)?.parse().ok())
        .unwrap_or_else(|| panic!("{key} in the child's output: {text}"))
}

fn run_child(source: &str) -> String {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .args(["--child", source])
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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// `runs` rounds of `source`; one line: best and median seconds, median RSS and CPU.
fn rounds(label: &str, source: &str, runs: usize, mailboxes: usize) -> Vec<f64> {
    let (mut secs, mut rss, mut cpu) = (Vec::new(), Vec::new(), Vec::new());
    let mut loads = Vec::new();
    for _ in 0..runs {
        loads.push(load_average());
        let text = run_child(source);
        assert_eq!(
            field(&text, "mailboxes=") as usize,
            mailboxes,
            "every mailbox counted: {text}"
        );
        secs.push(field(&text, "seconds="));
        rss.push(field(&text, "rss_kb=") / 1024.0);
        cpu.push(field(&text, "cpu="));
    }
    let best = secs.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "{label:<44} {best:>8.2} {:>8.2} {:>10.0} {:>10.2}   load {}",
        median(secs.clone()),
        median(rss),
        median(cpu),
        loads.join(" | ")
    );
    secs
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        child_round(&args[2]).await;
        return;
    }
    let mailboxes: usize = env("PARCD_BENCH_MAILBOXES", 10_000);
    let runs: usize = env("PARCD_BENCH_RUNS", 3).max(1);
    let part = std::env::var("PARCD_BENCH_PART").unwrap_or_default();
    let concurrency: usize = env("PARCD_BENCH_IMAP_CONCURRENCY", 16);
    // A scan of every message takes minutes: once unless asked.
    let scan_runs: usize = env("PARCD_BENCH_SCAN_RUNS", 1).max(1);

    // The master user of the IMAP rounds, and Dovecot's processes kept between logins.
    let masters = tempfile::tempdir().expect("temp dir");
    let masters_file = masters.path().join("masters");
    std::fs::write(
        &masters_file,
        format!("{MASTER}:{{PLAIN}}{MASTER_PW}::::::\n"),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path, m| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
        mode(masters.path(), 0o755).unwrap();
        mode(&masters_file, 0o644).unwrap();
    }
    let extra = format!(
        "passdb {{\n  driver = passwd-file\n  master = yes\n  args = scheme=PLAIN {}\n  \
         result_success = continue\n}}\n\
         service imap {{\n  service_count = 0\n  process_min_avail = 4\n}}\n\
         service imap-login {{\n  service_count = 0\n  process_min_avail = 2\n}}\n",
        masters_file.display()
    );
    let users: Vec<TestUser> = (0..mailboxes).map(|i| TestUser::new(&user(i))).collect();
    let started = Instant::now();
    let dovecot = Dovecot::start_with(&users, None, &extra);
    let (messages, bytes) = write_maildirs(&dovecot.mail_dir(), mailboxes);
    dovecot.chown_mail();
    // Dovecot's own default, which the test server shortens to 3 seconds.
    dovecot.reconfigure("service auth-worker {\n  idle_kill = 1 mins\n}\n");
    println!(
        "mail benchmark: {mailboxes} mailboxes ({DOMAINS} domains), {messages} messages, {:.0} MB, \
         written in {:.1} s; Dovecot {}; {} runs each (best and median), each round a child \
         process\n",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        String::from_utf8_lossy(
            &Command::new("dovecot")
                .arg("--version")
                .output()
                .map(|o| o.stdout)
                .unwrap_or_default()
        )
        .trim(),
        runs
    );
    println!(
        "{:<44} {:>8} {:>8} {:>10} {:>10}",
        "round", "best s", "median s", "RSS MB", "CPU s"
    );
    let doveadm = format!(
        "kind = \"doveadm\"\nurl = \"{}\"\napi_key = \"{API_KEY}\"\ntimeout_seconds = 1800\n",
        dovecot.url(false)
    );
    // The first round builds Dovecot's indexes of every folder, whichever connector opens
    // them first.
    rounds(
        "doveadm, first round (Dovecot indexes cold)",
        &doveadm,
        1,
        mailboxes,
    );
    if part.is_empty() || part == "doveadm" {
        rounds("doveadm, Dovecot's defaults", &doveadm, runs, mailboxes);
        let load = load_average();
        let batch = three_command_batch(dovecot.http_port);
        println!(
            "{:<44} {batch:>8.2} {:>8} {:>10} {:>10}   load {load}",
            "  (the former one POST of three commands)", "", "", ""
        );
        dovecot.reconfigure("service auth-worker {\n  idle_kill = 3 secs\n}\n");
        rounds(
            "doveadm, auth-worker idle_kill = 3 secs",
            &doveadm,
            runs,
            mailboxes,
        );
        let load = load_average();
        let batch = three_command_batch(dovecot.http_port);
        println!(
            "{:<44} {batch:>8.2} {:>8} {:>10} {:>10}   load {load}",
            "  (the former one POST of three commands)", "", "", ""
        );
    }
    if part.is_empty() || part == "imap" {
        let list = masters.path().join("mailboxes");
        let names: Vec<String> = (0..mailboxes).map(user).collect();
        std::fs::write(&list, names.join("\n") + "\n").unwrap();
        let imap = |sample: u64| {
            format!(
                "kind = \"imap\"\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n\
                 master_user = \"{MASTER}\"\nmaster_password = \"{MASTER_PW}\"\n\
                 mailboxes_file = \"{}\"\nconcurrency = {concurrency}\n\
                 attachment_sample = {sample}\ntimeout_seconds = 60\n",
                dovecot.imap_port,
                list.display()
            )
        };
        let sizes = rounds(
            &format!("imap, sizes only, {concurrency} connections"),
            &imap(0),
            runs,
            mailboxes,
        );
        let scan = rounds(
            &format!("imap, every message's structure, {concurrency} conn."),
            &imap(100),
            scan_runs,
            mailboxes,
        );
        let per_1000 = (median(scan) - median(sizes)) / (messages as f64 / 1000.0);
        println!(
            "  attachment scan: {per_1000:.2} s per 1,000 messages (the medians' difference \
             over {messages} messages)"
        );
    }
    drop(dovecot);
    drop(masters);
}
