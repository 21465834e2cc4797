//! The HTTP server against clients that open connections and say nothing, or trickle their
//! headers: their connections are closed after `[server] idle_timeout_seconds`, never more
//! than `[server] max_connections` are held at once, and the pollers and the health check
//! go on meanwhile; and against requests it cannot read (too many headers, a malformed
//! line), which get the JSON error every other refusal has, not a bare status. The daemon
//! runs as its own process, so that its descriptors are its own.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{EmptyDb, ParcdProcess, config_text, eventually, free_port, glpi, sample};
use crate::on_both_backends;

const MAX_CONNECTIONS: usize = 8;

/// The descriptors the process holds open.
fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("the daemon's descriptors are readable")
        .count()
}

/// Waits until the server closes `stream` (EOF or reset), for `within` at most; how long
/// it took.
async fn closed_by_the_server(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 512];
    loop {
        match tokio::time::timeout_at((start + within).into(), stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(start.elapsed()),
            // A 408 or any answer before the close: keep reading until the close.
            Ok(Ok(_)) => {}
        }
    }
}

/// Sends `request` on a new connection and reads the answer until the server closes it.
async fn raw_answer(addr: &str, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes")
        .expect("the answer is read");
    String::from_utf8_lossy(&answer).into_owned()
}

/// hyper's own refusals of requests it cannot read carry a JSON error too.
async fn unreadable_requests_get_a_json_error(addr: &str) {
    let mut many = b"GET /api/v1/sources HTTP/1.1\r\nHost: parcd\r\n".to_vec();
    for i in 0..150 {
        many.extend_from_slice(format!("X-Header-{i}: {i}\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let malformed = b"GET /api/v1/sources HTTP/1.1\r\nHost: parcd\r\nno colon here\r\n\r\n";
    for (request, status, says) in [
        (&many[..], "431", "send fewer or shorter headers"),
        (&malformed[..], "400", "not valid HTTP/1.1"),
    ] {
        let answer = raw_answer(addr, request).await;
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        assert!(
            head.starts_with(&format!("HTTP/1.1 {status} "))
                && head.contains("content-type: application/json"),
            "{answer}"
        );
        let json: serde_json::Value =
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"));
        assert!(
            json["error"].as_str().is_some_and(|e| e.contains(says)),
            "{answer}"
        );
    }
}

async fn idle_and_trickling_connections_are_closed_and_capped(db: EmptyDb) {
    let sim = glpi(50).await;
    let port = free_port();
    let text = config_text(&db.url, &sim.base_url(), r#"schedule = "* * * * * *""#).replace(
        r#"listen = "127.0.0.1:0""#,
        &format!(
            "listen = \"127.0.0.1:{port}\"\nmax_connections = {MAX_CONNECTIONS}\nidle_timeout_seconds = 1"
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("parcd.toml");
    std::fs::write(&file, text).unwrap();
    let parcd_run = ParcdProcess::run(&file, port);
    let pid = parcd_run.pid();
    let base = parcd_run.base.clone();
    let up = r#"parcd_source_up{source="glpi"}"#;
    eventually(30, "the daemon serves and polls", || async {
        match reqwest::get(format!("{base}/metrics")).await {
            Ok(r) => sample(&r.text().await.unwrap_or_default(), up) == Some(1.0),
            Err(_) => false,
        }
    })
    .await;
    // reqwest's pool would keep a connection of ours open: count without it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let baseline = open_descriptors(pid);

    // Forty connections that send nothing, and one that trickles a request a byte at a time.
    let addr = format!("127.0.0.1:{port}");
    let mut idle = Vec::new();
    for _ in 0..40 {
        idle.push(
            TcpStream::connect(&addr)
                .await
                .expect("the kernel queues it"),
        );
    }
    let trickle_addr = addr.clone();
    let trickle = tokio::spawn(async move {
        let mut s = TcpStream::connect(&trickle_addr).await.unwrap();
        let start = Instant::now();
        for b in b"GET /healthz HTTP/1.1\r\nHost: parcd\r\nX-Slow: "
            .iter()
            .cycle()
        {
            if s.write_all(&[*b]).await.is_err() || start.elapsed() > Duration::from_secs(60) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        start.elapsed()
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let held = open_descriptors(pid).saturating_sub(baseline);
    assert!(
        held <= MAX_CONNECTIONS + 3,
        "{held} more descriptors with 41 clients connected: at most {MAX_CONNECTIONS} connections are served at once"
    );

    // Every one is closed by the server, a slot each second per connection served: the 41
    // leave in about 41 / 8 ≈ 6 s.
    for (i, s) in idle.iter_mut().enumerate() {
        let took = closed_by_the_server(s, Duration::from_secs(30)).await;
        assert!(took.is_some(), "idle connection {i} still open after 30 s");
    }
    let trickled = tokio::time::timeout(Duration::from_secs(30), trickle)
        .await
        .expect("the trickling client is cut off")
        .unwrap();
    assert!(
        trickled < Duration::from_secs(30),
        "the trickling client was cut off after {trickled:?}"
    );

    // Meanwhile the source went on being polled, and the health check answers.
    let r = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(sample(&text, up), Some(1.0));
    assert!(
        open_descriptors(pid) <= baseline + 3,
        "the closed connections' descriptors are released"
    );
    unreadable_requests_get_a_json_error(&addr).await;
    parcd_run.stop().await;
}

on_both_backends! {
    http_limits => idle_and_trickling_connections_are_closed_and_capped with EmptyDb;
}
