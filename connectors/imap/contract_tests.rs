//! The IMAP connector against a real Dovecot (Debian's `dovecot-imapd`) on 127.0.0.1: a
//! master user reading a list of mailboxes, the folders' sizes by `LIST-STATUS`, by
//! `STATUS` and by `RFC822.SIZE`, the quota, the attachment share and its cache, and the
//! ways a server fails (wrong credentials, TLS, a dropped connection, a folder deleted
//! mid-round).
//!
//! The framework's conformance harness is not run, as for the SNMP printers: a round is
//! one page whose readings carry the time of the poll. What it checks that applies is
//! checked here: `check()`, the role, typed errors, no secret nor person in an error, a
//! reading or `render()`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::framework::kind::{BuildContext, SourceParams};
use crate::framework::log_capture::LogCapture;
use crate::framework::mail::{EntityMap, MailKey, MailPrivacy, SCOPE_DOMAIN, SCOPE_ENTITY};
use crate::imap::ImapParams;
use crate::params::Params;
use crate::reading::{Reading, known};
use crate::{Connector, Cursor, ErrorType, Page, PollRequest, Role, SyncMode};
use parcd_fakes::doveadm::{Dovecot, TestUser, Tls, binary, message};

const MASTER: &str = "parcd-admin";
const MASTER_PW: &str = "master-pw-8841";

/// The users of every test server: two communes' domains and a bare user name.
fn users() -> Vec<TestUser> {
    [
        "anne@montcalme.fr",
        "bruno@montcalme.fr",
        "chloe@valdebrume.fr",
        "dsi",
    ]
    .iter()
    .map(|u| TestUser::new(u))
    .collect()
}

/// A master passdb (Dovecot's master users: SASL PLAIN's authorisation identity), and
/// `extra` configuration lines.
fn dovecot(extra: &str, tls: Option<&Tls>) -> (Dovecot, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let masters = dir.path().join("masters");
    std::fs::write(&masters, format!("{MASTER}:{{PLAIN}}{MASTER_PW}::::::\n")).unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    std::fs::set_permissions(
        &masters,
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    let conf = format!(
        "passdb {{\n  driver = passwd-file\n  master = yes\n  args = scheme=PLAIN {}\n  \
         result_success = continue\n}}\n{extra}",
        masters.display()
    );
    (Dovecot::start_with(&users(), tls, &conf), dir)
}

/// What each user holds: (folder, body bytes, attachment bytes).
/// A message: its folder, body bytes and attachment bytes.
type Message = (&'static str, usize, Option<usize>);

const MAIL: &[(&str, &[Message])] = &[
    (
        "anne@montcalme.fr",
        &[
            ("INBOX", 800, None),
            ("INBOX", 1200, Some(30_000)),
            ("Sent", 500, Some(12_000)),
            ("Trash", 300, None),
        ],
    ),
    (
        "bruno@montcalme.fr",
        &[("INBOX", 2000, None), ("Archive", 900, Some(50_000))],
    ),
    (
        "chloe@valdebrume.fr",
        &[
            ("INBOX", 400, None),
            ("Sent", 600, None),
            ("Junk", 700, None),
        ],
    ),
    ("dsi", &[("INBOX", 1000, Some(8_000))]),
];

/// Loads the test mail; returns each user's messages as saved.
fn load(d: &Dovecot) -> BTreeMap<&'static str, Vec<(&'static str, Vec<u8>)>> {
    let mut out = BTreeMap::new();
    for (user, msgs) in MAIL {
        let mut saved = Vec::new();
        for (i, (folder, body, attachment)) in msgs.iter().enumerate() {
            let m = message(&format!("m{i}"), *body, *attachment);
            d.save(user, folder, &m);
            saved.push((*folder, m));
        }
        out.insert(*user, saved);
    }
    out
}

fn privacy() -> MailPrivacy {
    let key = MailKey::new(SecretString::from("imap-test-key-".repeat(3))).unwrap();
    MailPrivacy::new(
        &key,
        EntityMap::new(&[("montcalme.fr", "Mairie de Montcalme")]).unwrap(),
    )
}

fn params(port: u16, extra: Value) -> ImapParams {
    let mut table = json!({
        "host": "127.0.0.1",
        "port": port,
        "tls": "none",
        "master_user": MASTER,
        "master_password": MASTER_PW,
        "mailboxes": ["anne@montcalme.fr", "bruno@montcalme.fr", "chloe@valdebrume.fr", "dsi"],
        "domain": "valdebrume.fr",
        "timeout_seconds": 10,
    });
    for (k, v) in extra.as_object().unwrap() {
        table[k] = v.clone();
    }
    let mut p = Params::new("sources[0]", table.as_object().unwrap().clone());
    let params = ImapParams::from_params(&mut p).expect("valid params");
    assert!(p.finish().is_empty());
    params
}

fn connector(p: &ImapParams) -> Box<dyn Connector> {
    p.build_in(&BuildContext {
        mail: Some(privacy()),
    })
    .expect("the connector builds")
}

async fn round(c: &dyn Connector, cursor: Option<&Cursor>) -> Result<Page, crate::ConnectorError> {
    c.poll(PollRequest {
        mode: SyncMode::Full,
        cursor,
        inventory: &[],
    })
    .await
}

fn value(rs: &[Reading], scope: &str, key: &str, q: &str) -> Option<f64> {
    rs.iter()
        .find(|r| r.subject.scope() == scope && r.subject.key() == key && r.quantity == q)
        .map(|r| r.value)
}

/// Messages and bytes (Dovecot's virtual size: CRLF messages weigh their length).
fn sums<'a>(msgs: impl Iterator<Item = &'a (&'static str, Vec<u8>)>) -> (f64, f64) {
    msgs.fold((0.0, 0.0), |(n, b), (_, m)| (n + 1.0, b + m.len() as f64))
}

/// The bytes of an attachment of `raw` bytes as `message()` writes it: base64 in lines of 76.
fn encoded(raw: usize) -> f64 {
    let b64 = raw.div_ceil(3) * 4;
    (b64 + 2 * b64.div_ceil(76)) as f64
}

fn assert_no_person(pages: &str) {
    for who in [
        "anne@", "bruno@", "chloe@", "\"dsi", "@", "Archive", "INBOX",
    ] {
        assert!(!pages.contains(who), "{who} appears in {pages}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_counts_folders_quota_and_attachments_by_domain_and_entity() {
    let (d, _dir) = dovecot("", None);
    let mail = load(&d);
    let p = params(d.imap_port, json!({}));
    assert_eq!(p.role(), Role::Telemetry);
    assert!(!p.render().contains(MASTER_PW) && !p.render().contains("anne"));
    let c = connector(&p);
    c.check().await.expect("check() against Dovecot");
    let page = round(c.as_ref(), None).await.expect("a round");
    assert!(page.done);
    let rs = &page.readings;
    let q = |scope: &str, key: &str, q: crate::reading::Quantity| value(rs, scope, key, q.name);

    let montcalme = sums(
        mail["anne@montcalme.fr"]
            .iter()
            .chain(&mail["bruno@montcalme.fr"]),
    );
    assert_eq!(
        q(SCOPE_DOMAIN, "montcalme.fr", known::MAIL_STORED_MESSAGES),
        Some(montcalme.0)
    );
    assert_eq!(
        q(SCOPE_DOMAIN, "montcalme.fr", known::MAIL_STORED_BYTES),
        Some(montcalme.1)
    );
    assert_eq!(
        q(SCOPE_DOMAIN, "montcalme.fr", known::MAIL_MAILBOXES),
        Some(2.0)
    );
    // The bare user name counts under the source's domain.
    let valdebrume = sums(mail["chloe@valdebrume.fr"].iter().chain(&mail["dsi"]));
    assert_eq!(
        q(SCOPE_DOMAIN, "valdebrume.fr", known::MAIL_STORED_BYTES),
        Some(valdebrume.1)
    );
    assert_eq!(
        q(
            SCOPE_ENTITY,
            "Mairie de Montcalme",
            known::MAIL_STORED_BYTES
        ),
        Some(montcalme.1)
    );
    // Special folders by name.
    let sent = sums(
        mail["anne@montcalme.fr"]
            .iter()
            .filter(|(f, _)| *f == "Sent"),
    );
    assert_eq!(
        q(SCOPE_DOMAIN, "montcalme.fr", known::MAIL_FOLDER_SENT_BYTES),
        Some(sent.1)
    );
    let junk = sums(
        mail["chloe@valdebrume.fr"]
            .iter()
            .filter(|(f, _)| *f == "Junk"),
    );
    assert_eq!(
        q(
            SCOPE_DOMAIN,
            "valdebrume.fr",
            known::MAIL_FOLDER_JUNK_MESSAGES
        ),
        Some(junk.0)
    );
    // Quota: 100 MiB each, used in KiB rounded by the server.
    assert_eq!(
        q(SCOPE_DOMAIN, "montcalme.fr", known::MAIL_QUOTA_BYTES),
        Some(2.0 * 104_857_600.0)
    );
    let used = q(SCOPE_DOMAIN, "montcalme.fr", known::MAIL_QUOTA_USED_BYTES).unwrap();
    assert!(
        (used - montcalme.1).abs() <= 2.0 * 1024.0,
        "{used} vs {}",
        montcalme.1
    );
    // Every message is in the sample (100 per mailbox by default).
    assert_eq!(
        q(SCOPE_DOMAIN, "montcalme.fr", known::MAIL_SCANNED_BYTES),
        Some(montcalme.1)
    );
    let attached = q(
        SCOPE_DOMAIN,
        "montcalme.fr",
        known::MAIL_SCANNED_ATTACHMENT_BYTES,
    )
    .unwrap();
    let want = encoded(30_000) + encoded(12_000) + encoded(50_000);
    assert!((attached - want).abs() <= 6.0, "{attached} vs {want}");
    assert_no_person(&serde_json::to_string(rs).unwrap());
    assert_no_person(&page.cursor.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_round_scans_only_the_new_messages_and_the_sample_is_bounded() {
    let (d, _dir) = dovecot("", None);
    load(&d);
    let p = params(
        d.imap_port,
        json!({"mailboxes": ["anne@montcalme.fr"], "attachment_sample": 2}),
    );
    let c = connector(&p);
    let first = round(c.as_ref(), None).await.unwrap();
    let scanned = |page: &Page| {
        value(
            &page.readings,
            SCOPE_DOMAIN,
            "montcalme.fr",
            known::MAIL_SCANNED_BYTES.name,
        )
        .unwrap()
    };
    // INBOX first, its two messages: the budget is spent there.
    let inbox: f64 = MAIL[0]
        .1
        .iter()
        .take(2)
        .enumerate()
        .map(|(i, (_, b, a))| message(&format!("m{i}"), *b, *a).len() as f64)
        .sum();
    assert_eq!(scanned(&first), inbox);
    // The next round goes on with the folders not reached yet.
    let second = round(c.as_ref(), Some(&first.cursor)).await.unwrap();
    let all = MAIL[0]
        .1
        .iter()
        .enumerate()
        .map(|(i, (_, b, a))| message(&format!("m{i}"), *b, *a).len() as f64)
        .sum::<f64>();
    assert_eq!(scanned(&second), all);
    // A new message: only it is read, on top of what the cursor holds.
    let new = message("late", 700, Some(4_000));
    d.save("anne@montcalme.fr", "INBOX", &new);
    let third = round(c.as_ref(), Some(&second.cursor)).await.unwrap();
    assert_eq!(scanned(&third), all + new.len() as f64);
    // Read again from the same cursor: the same figure, nothing counted twice.
    let again = round(c.as_ref(), Some(&second.cursor)).await.unwrap();
    assert_eq!(scanned(&again), scanned(&third));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_size_list_status_or_quota_the_sizes_come_from_rfc822_size() {
    let (full, _a) = dovecot("", None);
    load(&full);
    let (bare, _b) = dovecot(
        "imap_capability = IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE\n",
        None,
    );
    load(&bare);
    let rich = round(connector(&params(full.imap_port, json!({}))).as_ref(), None)
        .await
        .unwrap();
    let poor = round(connector(&params(bare.imap_port, json!({}))).as_ref(), None)
        .await
        .unwrap();
    for q in [
        known::MAIL_STORED_BYTES,
        known::MAIL_STORED_MESSAGES,
        known::MAIL_FOLDER_SENT_BYTES,
        known::MAIL_SCANNED_ATTACHMENT_BYTES,
    ] {
        for domain in ["montcalme.fr", "valdebrume.fr"] {
            assert_eq!(
                value(&poor.readings, SCOPE_DOMAIN, domain, q.name),
                value(&rich.readings, SCOPE_DOMAIN, domain, q.name),
                "{domain} {}",
                q.name
            );
        }
    }
    // No QUOTA capability: no quota figure, rather than a 0.
    assert_eq!(
        value(
            &poor.readings,
            SCOPE_DOMAIN,
            "montcalme.fr",
            known::MAIL_QUOTA_BYTES.name
        ),
        None
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_received_is_the_growth_of_inbox_uidnext_with_list_status_or_without() {
    // The UIDs come with LIST-STATUS on one server, from STATUS per folder on the other.
    for extra in [
        "",
        "imap_capability = IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE\n",
    ] {
        let (d, _dir) = dovecot(extra, None);
        load(&d);
        let c = connector(&params(d.imap_port, json!({"attachment_sample": 0})));
        let received = |p: &Page, scope: &str, key: &str| {
            value(&p.readings, scope, key, known::MAIL_RECEIVED_MESSAGES.name)
        };
        let first = round(c.as_ref(), None).await.unwrap();
        assert_eq!(received(&first, SCOPE_DOMAIN, "montcalme.fr"), Some(0.0));
        assert_eq!(received(&first, SCOPE_DOMAIN, "valdebrume.fr"), Some(0.0));
        assert_no_person(&first.cursor.0);
        // anne receives two, bruno one, dsi one (a bare user name: valdebrume.fr); a
        // message saved into Sent is not received.
        for (user, folder) in [
            ("anne@montcalme.fr", "INBOX"),
            ("anne@montcalme.fr", "INBOX"),
            ("bruno@montcalme.fr", "INBOX"),
            ("dsi", "INBOX"),
            ("chloe@valdebrume.fr", "Sent"),
        ] {
            d.save(user, folder, &message("arrivée", 200, None));
        }
        let second = round(c.as_ref(), Some(&first.cursor)).await.unwrap();
        assert_eq!(
            received(&second, SCOPE_DOMAIN, "montcalme.fr"),
            Some(3.0),
            "{extra}"
        );
        assert_eq!(
            received(&second, SCOPE_ENTITY, "Mairie de Montcalme"),
            Some(3.0)
        );
        assert_eq!(received(&second, SCOPE_DOMAIN, "valdebrume.fr"), Some(1.0));
        // anne's INBOX recreated, with more UIDs than it had: a baseline, no drop.
        d.recreate_inbox("anne@montcalme.fr");
        for i in 0..6 {
            d.save(
                "anne@montcalme.fr",
                "INBOX",
                &message(&format!("n{i}"), 100, None),
            );
        }
        let third = round(c.as_ref(), Some(&second.cursor)).await.unwrap();
        assert_eq!(received(&third, SCOPE_DOMAIN, "montcalme.fr"), Some(3.0));
        d.save("anne@montcalme.fr", "INBOX", &message("p", 100, None));
        let fourth = round(c.as_ref(), Some(&third.cursor)).await.unwrap();
        assert_eq!(received(&fourth, SCOPE_DOMAIN, "montcalme.fr"), Some(4.0));
        assert_no_person(&fourth.cursor.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_logins_name_the_mailbox_by_its_place_never_by_its_address() {
    let (d, _dir) = dovecot("", None);
    let wrong = params(d.imap_port, json!({"master_password": "not-the-master-pw"}));
    let c = connector(&wrong);
    for e in [
        c.check().await.unwrap_err(),
        round(c.as_ref(), None).await.unwrap_err(),
    ] {
        assert_eq!(e.error_type(), ErrorType::Auth, "{e}");
        let text = format!("{e} {e:?}");
        // Which mailbox of the round failed first depends on the connections' pace.
        assert!(
            text.contains(" of mailboxes") && text.contains("master_password"),
            "{text}"
        );
        for secret in ["not-the-master-pw", MASTER_PW, "anne", "montcalme"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    // A mailbox gone from the server fails the round: its domain's sum would drop.
    let gone = params(
        d.imap_port,
        json!({"mailboxes": ["anne@montcalme.fr", "ghost@montcalme.fr"]}),
    );
    let e = round(connector(&gone).as_ref(), None).await.unwrap_err();
    assert_eq!(e.error_type(), ErrorType::Auth, "{e}");
    assert!(e.to_string().contains("mailbox #2 of mailboxes"), "{e}");
    assert!(!e.to_string().contains("ghost"), "{e}");
    // Nobody listening.
    let closed = params(free_port(), json!({}));
    let e = connector(&closed).check().await.unwrap_err();
    assert_eq!(e.error_type(), ErrorType::Connect, "{e}");
    // No privacy context, no connector.
    assert_eq!(
        wrong.build().err().map(|e| e.error_type()),
        Some(ErrorType::Config)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A CA and a certificate for 127.0.0.1 it signed, made with openssl.
fn certificates(dir: &Path) -> (Tls, PathBuf) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=DSI test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
    for f in ["server.pem", "server.key", "ca.pem"] {
        std::fs::set_permissions(
            dir.join(f),
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )
        .unwrap();
    }
    (
        Tls {
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        },
        dir.join("ca.pem"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_or_implicit_tls_need_the_dsis_ca_and_work_with_it() {
    let certs = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        certs.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let (tls, ca) = certificates(certs.path());
    // IMAPS on a port of its own, beside the plain port's STARTTLS.
    let imaps = free_port();
    let extra = format!(
        "service imap-login {{\n  inet_listener imaps {{\n    address = 127.0.0.1\n    \
         port = {imaps}\n    ssl = yes\n  }}\n}}\n"
    );
    let (d, _dir) = dovecot(&extra, Some(&tls));
    load(&d);
    let ca = ca.to_str().unwrap();
    let stored = |p: &Page| {
        value(
            &p.readings,
            SCOPE_DOMAIN,
            "montcalme.fr",
            known::MAIL_STORED_BYTES.name,
        )
    };
    for (port, mode) in [(d.imap_port, "starttls"), (imaps, "implicit")] {
        let untrusted = params(port, json!({ "tls": mode }));
        let e = connector(&untrusted).check().await.unwrap_err();
        assert_eq!(e.error_type(), ErrorType::Connect, "{mode}: {e}");
        assert!(
            e.to_string().contains("TLS") && e.to_string().contains("ca_file"),
            "{e}"
        );
        let trusted = params(port, json!({ "tls": mode, "ca_file": ca }));
        let page = round(connector(&trusted).as_ref(), None)
            .await
            .unwrap_or_else(|e| panic!("a round over {mode}: {e}"));
        assert!(stored(&page).unwrap() > 0.0);
    }
}

/// Sees each chunk the server sends; false cuts the connection.
type Watch = Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

async fn relay(upstream: u16, watch: Watch) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let watch = watch.clone();
            tokio::spawn(async move {
                let server = TcpStream::connect(("127.0.0.1", upstream)).await.unwrap();
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut cr, &mut sw).await;
                });
                let mut buf = vec![0u8; 65536];
                loop {
                    let n = match sr.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    if !watch(&buf[..n]) {
                        return;
                    }
                    if cw.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_mid_listing_fails_the_round_and_a_retry_reads_it_whole() {
    let (d, _dir) = dovecot("", None);
    load(&d);
    let cut = Arc::new(AtomicBool::new(true));
    let armed = cut.clone();
    let port = relay(
        d.imap_port,
        Arc::new(move |chunk: &[u8]| {
            let listing = chunk.windows(8).any(|w| w == b"* STATUS");
            !(listing && armed.swap(false, Ordering::SeqCst))
        }),
    )
    .await;
    let c = connector(&params(port, json!({})));
    let e = round(c.as_ref(), None)
        .await
        .expect_err("the round must fail");
    assert_eq!(e.error_type(), ErrorType::Connect, "{e}");
    assert!(
        e.to_string().contains("LIST") && e.to_string().contains("of mailboxes"),
        "{e}"
    );
    assert!(!e.to_string().contains("montcalme"), "{e}");
    let page = round(c.as_ref(), None).await.expect("the next round");
    assert_eq!(
        value(
            &page.readings,
            SCOPE_DOMAIN,
            "montcalme.fr",
            known::MAIL_MAILBOXES.name
        ),
        Some(2.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_deleted_between_list_and_status_is_listed_again() {
    // Without LIST-STATUS, each folder has its own STATUS after the LIST.
    let (d, _dir) = dovecot(
        "imap_capability = IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE STATUS=SIZE\n",
        None,
    );
    let mail = load(&d);
    let conf = d.config();
    let deleted = Arc::new(Mutex::new(false));
    let flag = deleted.clone();
    let port = relay(
        d.imap_port,
        Arc::new(move |chunk: &[u8]| {
            let listed = chunk.windows(14).any(|w| w == b"List completed");
            let mut done = flag.lock().unwrap();
            if listed && !*done {
                *done = true;
                let status = Command::new(binary("doveadm"))
                    .arg("-c")
                    .arg(&conf)
                    .args(["mailbox", "delete", "-u", "bruno@montcalme.fr", "Archive"])
                    .status()
                    .expect("doveadm mailbox delete");
                assert!(status.success());
            }
            true
        }),
    )
    .await;
    let p = params(
        port,
        json!({"mailboxes": ["bruno@montcalme.fr"], "concurrency": 1}),
    );
    let page = round(connector(&p).as_ref(), None)
        .await
        .expect("the round survives the deletion");
    assert!(*deleted.lock().unwrap(), "the folder was deleted mid-round");
    let left = sums(
        mail["bruno@montcalme.fr"]
            .iter()
            .filter(|(f, _)| *f != "Archive"),
    );
    assert_eq!(
        value(
            &page.readings,
            SCOPE_DOMAIN,
            "montcalme.fr",
            known::MAIL_STORED_BYTES.name
        ),
        Some(left.1)
    );
}

#[tokio::test]
async fn a_server_that_is_not_imap_is_a_protocol_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let e = connector(&params(port, json!({})))
        .check()
        .await
        .unwrap_err();
    assert_eq!(e.error_type(), ErrorType::Protocol, "{e}");
    assert!(e.to_string().contains("greeting"), "{e}");
}

#[tokio::test]
async fn no_address_folder_name_nor_password_reaches_a_log_line() {
    let logs = LogCapture::start();
    let (d, _dir) = dovecot("", None);
    load(&d);
    let good = params(d.imap_port, json!({}));
    round(connector(&good).as_ref(), None)
        .await
        .expect("a round");
    let wrong = params(d.imap_port, json!({"master_password": "wrong-master-pw"}));
    round(connector(&wrong).as_ref(), None).await.unwrap_err();
    let gone = params(d.imap_port, json!({"mailboxes": ["ghost@montcalme.fr"]}));
    round(connector(&gone).as_ref(), None).await.unwrap_err();
    let text = logs.text();
    assert!(text.contains("IMAP round read"), "{text}");
    assert!(text.contains("the round is not stored"), "{text}");
    for what in [
        "anne",
        "bruno",
        "chloe",
        "ghost",
        "Archive",
        "Junk",
        MASTER_PW,
        "wrong-master-pw",
    ] {
        assert!(!text.contains(what), "{what} in the logs:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_login_per_mailbox_from_an_accounts_file_reads_the_same_figures() {
    let (d, dir) = dovecot("", None);
    let mail = load(&d);
    let accounts = dir.path().join("accounts");
    let lines: Vec<String> = users()
        .iter()
        .map(|u| format!("{}:{}", u.name, u.password))
        .collect();
    std::fs::write(&accounts, lines.join("\n")).unwrap();
    let p = params(
        d.imap_port,
        json!({"master_user": null, "master_password": null, "mailboxes": null,
               "accounts_file": accounts.to_str().unwrap()}),
    );
    let page = round(connector(&p).as_ref(), None).await.expect("a round");
    let montcalme = sums(
        mail["anne@montcalme.fr"]
            .iter()
            .chain(&mail["bruno@montcalme.fr"]),
    );
    assert_eq!(
        value(
            &page.readings,
            SCOPE_DOMAIN,
            "montcalme.fr",
            known::MAIL_STORED_BYTES.name
        ),
        Some(montcalme.1)
    );
    // A wrong password on line 2: named by its line, never by its address nor password.
    lines_with_bad_password(&accounts, &lines);
    let e = round(connector(&p).as_ref(), None).await.unwrap_err();
    assert_eq!(e.error_type(), ErrorType::Auth, "{e}");
    assert!(e.to_string().contains("line 2 of accounts_file"), "{e}");
    assert!(
        !e.to_string().contains("bruno") && !e.to_string().contains("not-bruno-pw"),
        "{e}"
    );
}

fn lines_with_bad_password(path: &Path, lines: &[String]) {
    let mut bad = lines.to_vec();
    bad[1] = "bruno@montcalme.fr:not-bruno-pw".into();
    std::fs::write(path, bad.join("\n")).unwrap();
}
