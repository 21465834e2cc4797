//! The alert channels over TLS, as a DSI runs them: an SMTP relay with STARTTLS and an HTTPS
//! webhook, both on certificates of the DSI's own CA, trusted through `ca_file`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use parcd::alerts::message::Language;
use serde_json::Value;

use crate::alert_channels::{
    SmtpSink, only_channel, outgoing, shown, sink_python, spawn_until_ready,
};
use crate::helpers::free_port;

/// A CA of its own and a certificate it signed for 127.0.0.1, as PEM files.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "DSI Val-de-Lys test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&key, &ca, &ca_key)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("server.pem"), leaf.pem()).unwrap();
        std::fs::write(dir.path().join("server.key"), key.serialize_pem()).unwrap();
        Pki { dir }
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
    fn cert(&self) -> PathBuf {
        self.dir.path().join("server.pem")
    }
    fn key(&self) -> PathBuf {
        self.dir.path().join("server.key")
    }
}

fn email_section(port: u16, ca: Option<&Path>) -> String {
    format!(
        r#"
        [alerts.email]
        smtp_host = "127.0.0.1"
        smtp_port = {port}
        tls = "starttls"
        from = "parcd <parcd@ville.fr>"
        to = ["achats@ville.fr"]
        timeout_seconds = 10
        {}
        "#,
        ca.map(|p| format!("ca_file = \"{}\"", p.display()))
            .unwrap_or_default()
    )
}

#[tokio::test]
async fn email_goes_through_starttls_on_a_certificate_of_the_dsi_s_own_ca() {
    let pki = Pki::new();
    let port = free_port();
    let sink = SmtpSink::start_with(port, None, Some((&pki.cert(), &pki.key())));

    let trusted = only_channel(&email_section(port, Some(&pki.ca())));
    trusted
        .send(&outgoing(7, "email"), Language::Fr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let got = sink.received();
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0]["headers"]["message-id"], "<parcd-alert-7@parcd>");

    // Without the CA, the relay's certificate is not trusted: a TLS error, nothing sent.
    let untrusting = only_channel(&email_section(port, None));
    let e = untrusting
        .send(&outgoing(8, "email"), Language::Fr)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "tls", "{}", shown(&e));
    assert_eq!(sink.received().len(), 1);
}

/// The HTTPS receiver (Python's standard library), killed when dropped.
struct HttpsSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for HttpsSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl HttpsSink {
    fn start(pki: &Pki) -> HttpsSink {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/https_sink.py");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut cmd = Command::new(sink_python());
        cmd.arg(script)
            .arg(port.to_string())
            .arg(dir.path().join("posts"))
            .arg(pki.cert())
            .arg(pki.key());
        let log_path = dir.path().join("sink.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let child = spawn_until_ready(cmd, log, "the HTTPS sink", &log_path);
        HttpsSink { child, port, dir }
    }

    fn received(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("posts"))
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

fn webhook_section(port: u16, ca: Option<&Path>) -> String {
    format!(
        r#"
        [[alerts.webhooks]]
        name = "achats"
        url = "https://127.0.0.1:{port}/hooks/T0KEN-tls"
        format = "json"
        timeout_seconds = 10
        {}
        "#,
        ca.map(|p| format!("ca_file = \"{}\"", p.display()))
            .unwrap_or_default()
    )
}

#[tokio::test]
async fn a_webhook_goes_through_https_on_a_certificate_of_the_dsi_s_own_ca() {
    let pki = Pki::new();
    let sink = HttpsSink::start(&pki);

    let trusted = only_channel(&webhook_section(sink.port, Some(&pki.ca())));
    trusted
        .send(&outgoing(9, "achats"), Language::Fr)
        .await
        .unwrap_or_else(|e| panic!("{}", shown(&e)));
    let got = sink.received();
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0]["path"], "/hooks/T0KEN-tls");
    assert_eq!(got[0]["headers"]["idempotency-key"], "parcd-alert-9");
    assert_eq!(got[0]["body"]["notice"]["category"], "it_telephony");

    let untrusting = only_channel(&webhook_section(sink.port, None));
    let e = untrusting
        .send(&outgoing(10, "achats"), Language::Fr)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "tls", "{}", shown(&e));
    assert!(!shown(&e).contains("T0KEN"), "{}", shown(&e));
    assert_eq!(sink.received().len(), 1);
}

#[test]
fn a_ca_file_that_is_missing_or_holds_no_certificate_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("ca.txt");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    for (path, problem) in [
        (dir.path().join("absent.pem"), "cannot read"),
        (not_pem, "holds no PEM certificate"),
    ] {
        let e = parcd::config::Config::from_toml(&email_section(25, Some(&path)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("alerts.email.ca_file"), "{e}");
        assert!(e.contains(problem), "{e}");
    }
}
