//! The doveadm connector against a real Dovecot (`fake/`: Debian's dovecot-imapd on
//! 127.0.0.1, its users in a passwd-file, mail saved by `doveadm save`): the figures equal
//! the messages loaded, per domain and entity, and no user name leaves the connector; wrong
//! credentials, a stopped server and TLS with the DSI's CA.
//!
//! The framework's conformance harness is not run: it needs a sync of two pages or more,
//! and a doveadm round is one page.

use parcd_fakes::doveadm::{API_KEY, Dovecot, PASSWORD, TestUser, Tls, message};
use secrecy::SecretString;
use serde_json::{Value as Json, json};

use super::params::DoveadmParams;
use crate::api::{Connector, Page, PollRequest, SyncMode};
use crate::error::ErrorType;
use crate::framework::kind::{BuildContext, SourceParams};
use crate::framework::log_capture::LogCapture;
use crate::mail::{
    EntityMap, MailKey, MailPrivacy, SCOPE_DOMAIN, SCOPE_ENTITY, UNASSIGNED, check_subject,
};
use crate::params::Params;
use crate::reading::{Quantity, known};

const MONTCALME: &str = "Mairie de Montcalme";
const SIN: &str = "SIN Val-de-Brume";

fn params(v: Json) -> DoveadmParams {
    let mut p = Params::new("sources[0]", v.as_object().unwrap().clone());
    let s = DoveadmParams::from_params(&mut p);
    let issues = p.finish();
    assert!(issues.is_empty(), "{issues:?}");
    s.unwrap()
}

fn context() -> BuildContext {
    let key = MailKey::new(SecretString::from("test-key-".repeat(5))).unwrap();
    let entities = EntityMap::new(&[("montcalme.fr", MONTCALME), ("valdebrume.fr", SIN)]).unwrap();
    BuildContext {
        mail: Some(MailPrivacy::new(&key, entities)),
    }
}

fn connector(p: &DoveadmParams) -> Box<dyn Connector> {
    p.build_in(&context()).expect("the connector builds")
}

async fn poll(c: &dyn Connector) -> Result<Page, crate::ConnectorError> {
    poll_after(c, None).await
}

async fn poll_after(
    c: &dyn Connector,
    cursor: Option<&crate::api::Cursor>,
) -> Result<Page, crate::ConnectorError> {
    c.poll(PollRequest {
        mode: SyncMode::Full,
        cursor,
        inventory: &[],
    })
    .await
}

fn value(page: &Page, scope: &str, key: &str, q: Quantity) -> Option<f64> {
    page.readings
        .iter()
        .find(|r| r.subject.scope() == scope && r.subject.key() == key && r.quantity == q.name)
        .map(|r| r.value)
}

struct Loaded {
    /// Bytes and messages saved, per domain.
    montcalme: (u64, u64),
    valdebrume: (u64, u64),
    alice_sent: (u64, u64),
    trash: (u64, u64),
    junk: (u64, u64),
}

/// Three users in two domains (one a bare user name), mail with and without attachments in
/// INBOX, Sent, Trash and Spam, and a folder that is none of them.
fn load(d: &Dovecot) -> Loaded {
    let save = |user: &str, folder: &str, m: Vec<u8>, into: &mut [&mut (u64, u64)]| {
        d.save(user, folder, &m);
        for t in into.iter_mut() {
            t.0 += m.len() as u64;
            t.1 += 1;
        }
    };
    let (mut mc, mut vb, mut sent, mut trash, mut junk) = ((0, 0), (0, 0), (0, 0), (0, 0), (0, 0));
    let alice = "alice@montcalme.fr";
    save(
        alice,
        "INBOX",
        message("ordre du jour", 800, None),
        &mut [&mut mc],
    );
    save(
        alice,
        "INBOX",
        message("budget", 300, Some(40_000)),
        &mut [&mut mc],
    );
    save(
        alice,
        "Sent",
        message("re: budget", 500, None),
        &mut [&mut mc, &mut sent],
    );
    save(
        alice,
        "Sent",
        message("photos", 200, Some(120_000)),
        &mut [&mut mc, &mut sent],
    );
    save(
        alice,
        "Trash",
        message("pub", 1500, None),
        &mut [&mut mc, &mut trash],
    );
    save(
        alice,
        "Archives",
        message("2019", 900, Some(5_000)),
        &mut [&mut mc],
    );
    save(
        "bob@valdebrume.fr",
        "INBOX",
        message("plan", 100, Some(250_000)),
        &mut [&mut vb],
    );
    save(
        "bob@valdebrume.fr",
        "Spam",
        message("gagnant", 700, None),
        &mut [&mut vb, &mut junk],
    );
    save("carol", "INBOX", message("note", 50, None), &mut [&mut vb]);
    Loaded {
        montcalme: mc,
        valdebrume: vb,
        alice_sent: sent,
        trash,
        junk,
    }
}

fn users() -> Vec<TestUser> {
    let mut alice = TestUser::new("alice@montcalme.fr");
    alice.quota = Some("1M".into());
    let mut carol = TestUser::new("carol");
    carol.quota = Some("0".into());
    vec![alice, TestUser::new("bob@valdebrume.fr"), carol]
}

fn good(d: &Dovecot) -> DoveadmParams {
    params(json!({"url": d.url(false), "api_key": API_KEY, "domain": "valdebrume.fr"}))
}

#[tokio::test]
async fn the_figures_are_the_mail_loaded_per_domain_and_entity_and_name_nobody() {
    let d = Dovecot::start(&users(), None);
    let l = load(&d);
    let logs = LogCapture::start();

    let c = connector(&good(&d));
    c.check().await.expect("check() against Dovecot");
    let page = poll(c.as_ref()).await.expect("a round");
    assert!(page.done && page.failure.is_none());

    let dom = |key, q| value(&page, SCOPE_DOMAIN, key, q);
    assert_eq!(
        dom("montcalme.fr", known::MAIL_STORED_BYTES),
        Some(l.montcalme.0 as f64)
    );
    assert_eq!(
        dom("montcalme.fr", known::MAIL_STORED_MESSAGES),
        Some(l.montcalme.1 as f64)
    );
    assert_eq!(
        dom("valdebrume.fr", known::MAIL_STORED_BYTES),
        Some(l.valdebrume.0 as f64)
    );
    assert_eq!(dom("valdebrume.fr", known::MAIL_STORED_MESSAGES), Some(3.0));
    assert_eq!(dom("valdebrume.fr", known::MAIL_MAILBOXES), Some(2.0));
    assert_eq!(
        dom("montcalme.fr", known::MAIL_FOLDER_SENT_BYTES),
        Some(l.alice_sent.0 as f64)
    );
    assert_eq!(
        dom("montcalme.fr", known::MAIL_FOLDER_SENT_MESSAGES),
        Some(2.0)
    );
    assert_eq!(
        dom("montcalme.fr", known::MAIL_FOLDER_TRASH_BYTES),
        Some(l.trash.0 as f64)
    );
    assert_eq!(
        dom("valdebrume.fr", known::MAIL_FOLDER_JUNK_BYTES),
        Some(l.junk.0 as f64)
    );
    assert_eq!(dom("valdebrume.fr", known::MAIL_FOLDER_SENT_BYTES), None);
    // alice's 1M; bob's 100M default; carol has no limit and adds nothing.
    assert_eq!(
        dom("montcalme.fr", known::MAIL_QUOTA_BYTES),
        Some(1024.0 * 1024.0)
    );
    assert_eq!(
        dom("valdebrume.fr", known::MAIL_QUOTA_BYTES),
        Some(100.0 * 1024.0 * 1024.0)
    );
    let used = dom("montcalme.fr", known::MAIL_QUOTA_USED_BYTES).unwrap();
    // Dovecot counts the quota in KiB, rounded up.
    assert!(
        used >= l.montcalme.0 as f64 && used < l.montcalme.0 as f64 + 1024.0,
        "{used} for {}",
        l.montcalme.0
    );

    let ent = |key, q| value(&page, SCOPE_ENTITY, key, q);
    assert_eq!(
        ent(MONTCALME, known::MAIL_STORED_BYTES),
        Some(l.montcalme.0 as f64)
    );
    assert_eq!(
        ent(SIN, known::MAIL_STORED_BYTES),
        Some(l.valdebrume.0 as f64)
    );
    assert_eq!(ent(UNASSIGNED, known::MAIL_MAILBOXES), None);

    // The first round is the Sent folders' baseline: nothing sent yet.
    assert_eq!(dom("montcalme.fr", known::MAIL_SENT_MESSAGES), Some(0.0));
    assert_eq!(ent(MONTCALME, known::MAIL_SENT_BYTES), Some(0.0));

    // Nobody's name in a reading or a log line.
    for r in &page.readings {
        check_subject(&r.subject).unwrap();
    }
    let readings = serde_json::to_string(&page.readings).unwrap();
    let logged = logs.text();
    assert!(logged.contains("mailboxes=3"), "{logged}");
    for name in ["alice", "bob", "carol"] {
        assert!(!readings.contains(name), "{name} in the readings");
        assert!(!logged.contains(name), "{name} in the logs: {logged}");
    }

    // Read again, unchanged: the same readings.
    let again = poll_after(c.as_ref(), Some(&page.cursor)).await.unwrap();
    let strip = |p: &Page| {
        let mut v: Vec<String> = p
            .readings
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {}",
                    r.subject.scope(),
                    r.subject.key(),
                    r.quantity,
                    r.value
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(strip(&again), strip(&page));
    // The cursor holds hashes, domains and entities: no user name.
    for name in ["alice", "bob", "carol"] {
        assert!(!again.cursor.0.contains(name), "{name} in the cursor");
    }

    // alice sends a message: the next round counts it, for her domain and her entity.
    let m = message("envoi", 400, Some(9_000));
    d.save("alice@montcalme.fr", "Sent", &m);
    let after = poll_after(c.as_ref(), Some(&again.cursor)).await.unwrap();
    let sent = |key, q| value(&after, SCOPE_DOMAIN, key, q);
    assert_eq!(sent("montcalme.fr", known::MAIL_SENT_MESSAGES), Some(1.0));
    assert_eq!(
        sent("montcalme.fr", known::MAIL_SENT_BYTES),
        Some(m.len() as f64)
    );
    assert_eq!(
        value(&after, SCOPE_ENTITY, MONTCALME, known::MAIL_SENT_MESSAGES),
        Some(1.0)
    );
    assert_eq!(
        sent("montcalme.fr", known::MAIL_STORED_BYTES),
        Some((l.montcalme.0 + m.len() as u64) as f64)
    );
}

#[tokio::test]
async fn a_wrong_api_key_or_password_is_an_auth_error_that_shows_neither() {
    let d = Dovecot::start(&users(), None);
    let wrong_key = "not-the-key-3318";
    let wrong_pw = "not-the-password-8812";
    for p in [
        params(json!({"url": d.url(false), "api_key": wrong_key})),
        params(json!({"url": d.url(false), "password": wrong_pw})),
    ] {
        let c = connector(&p);
        for e in [
            c.check().await.unwrap_err(),
            poll(c.as_ref()).await.unwrap_err(),
        ] {
            assert_eq!(e.error_type(), ErrorType::Auth, "{e}");
            let text = format!("{e} {e:?}");
            assert!(
                text.contains(&d.url(false)),
                "the error names the server: {text}"
            );
            for s in [wrong_key, wrong_pw, API_KEY, PASSWORD] {
                assert!(!text.contains(s), "a secret in {text}");
            }
        }
        assert!(!p.render().contains(wrong_key) && !p.render().contains(wrong_pw));
    }
    // The right password (HTTP Basic) reads the server.
    let c = connector(&params(json!({"url": d.url(false), "password": PASSWORD})));
    assert!(poll(c.as_ref()).await.unwrap().done);
}

#[tokio::test]
async fn a_stopped_server_is_a_connect_error() {
    let mut d = Dovecot::start(&users(), None);
    let c = connector(&good(&d));
    poll(c.as_ref()).await.expect("a round while it runs");
    d.stop();
    let e = poll(c.as_ref()).await.unwrap_err();
    assert_eq!(e.error_type(), ErrorType::Connect, "{e}");
    assert!(e.to_string().contains(&d.url(false)), "{e}");
    let e = c.check().await.unwrap_err();
    assert_eq!(e.error_type(), ErrorType::Connect, "{e}");
}

#[tokio::test]
async fn tls_with_the_dsi_ca_is_trusted_through_ca_file_and_refused_without() {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "DSI Val-de-Brume test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    let pki = tempfile::tempdir().unwrap();
    let path = |n: &str| pki.path().join(n);
    std::fs::write(path("ca.pem"), ca.pem()).unwrap();
    std::fs::write(path("server.pem"), leaf.pem()).unwrap();
    std::fs::write(path("server.key"), key.serialize_pem()).unwrap();
    // Dovecot reads its certificate as root, before it drops privileges.
    let tls = Tls {
        cert: path("server.pem"),
        key: path("server.key"),
    };
    let d = Dovecot::start(&users(), Some(&tls));
    load(&d);
    let trusted = params(json!({
        "url": d.url(true),
        "api_key": API_KEY,
        "ca_file": path("ca.pem").display().to_string(),
    }));
    let page = poll(connector(&trusted).as_ref())
        .await
        .expect("a round over TLS");
    assert!(
        value(
            &page,
            SCOPE_DOMAIN,
            "montcalme.fr",
            known::MAIL_STORED_BYTES
        )
        .is_some()
    );
    let untrusted = params(json!({"url": d.url(true), "api_key": API_KEY}));
    let e = poll(connector(&untrusted).as_ref()).await.unwrap_err();
    assert_eq!(e.error_type(), ErrorType::Connect, "{e}");
    assert!(!e.to_string().contains(API_KEY));
}

/// `doveadm ARGS` on the test server, as the DSI's own tools would change its mail.
fn doveadm(d: &Dovecot, args: &[&str]) {
    let out = std::process::Command::new(parcd_fakes::doveadm::binary("doveadm"))
        .arg("-c")
        .arg(d.config())
        .args(args)
        .output()
        .expect("doveadm");
    assert!(
        out.status.success(),
        "doveadm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn mail_received_is_the_growth_of_inbox_uidnext_and_a_recreated_inbox_a_new_baseline() {
    let d = Dovecot::start(&users(), None);
    load(&d);
    let c = connector(&good(&d));
    let received =
        |p: &Page, scope: &str, key: &str| value(p, scope, key, known::MAIL_RECEIVED_MESSAGES);
    let first = poll(c.as_ref()).await.expect("a first round");
    // The first round is every INBOX's baseline.
    for (scope, key) in [
        (SCOPE_DOMAIN, "montcalme.fr"),
        (SCOPE_DOMAIN, "valdebrume.fr"),
        (SCOPE_ENTITY, MONTCALME),
        (SCOPE_ENTITY, SIN),
    ] {
        assert_eq!(received(&first, scope, key), Some(0.0), "{scope} {key}");
    }
    for name in ["alice", "bob", "carol"] {
        assert!(!first.cursor.0.contains(name), "{name} in the cursor");
    }

    // Three messages reach alice, one of them deleted and one moved away before the next
    // round; bob and carol get one each; alice's own mail sent is not mail received.
    for (user, subject) in [
        ("alice@montcalme.fr", "r1"),
        ("alice@montcalme.fr", "r2"),
        ("alice@montcalme.fr", "r3"),
        ("bob@valdebrume.fr", "r4"),
        ("carol", "r5"),
    ] {
        d.save(user, "INBOX", &message(subject, 300, None));
    }
    d.save("alice@montcalme.fr", "Sent", &message("envoi", 300, None));
    let alice = "alice@montcalme.fr";
    doveadm(
        &d,
        &["expunge", "-u", alice, "mailbox", "INBOX", "subject", "r1"],
    );
    doveadm(
        &d,
        &[
            "move", "-u", alice, "Archives", "mailbox", "INBOX", "subject", "r2",
        ],
    );
    let second = poll_after(c.as_ref(), Some(&first.cursor)).await.unwrap();
    assert_eq!(received(&second, SCOPE_DOMAIN, "montcalme.fr"), Some(3.0));
    assert_eq!(received(&second, SCOPE_DOMAIN, "valdebrume.fr"), Some(2.0));
    assert_eq!(received(&second, SCOPE_ENTITY, MONTCALME), Some(3.0));
    assert_eq!(received(&second, SCOPE_ENTITY, SIN), Some(2.0));
    assert_eq!(
        value(
            &second,
            SCOPE_DOMAIN,
            "montcalme.fr",
            known::MAIL_SENT_MESSAGES
        ),
        Some(1.0)
    );

    // alice's INBOX is recreated (a new UIDVALIDITY, UIDs from 1) and receives more
    // messages than it had UIDs: a new baseline, neither a drop nor the UIDs' difference.
    d.recreate_inbox("alice@montcalme.fr");
    for i in 0..8 {
        d.save(
            "alice@montcalme.fr",
            "INBOX",
            &message(&format!("n{i}"), 100, None),
        );
    }
    d.save("bob@valdebrume.fr", "INBOX", &message("r6", 300, None));
    let third = poll_after(c.as_ref(), Some(&second.cursor)).await.unwrap();
    assert_eq!(received(&third, SCOPE_DOMAIN, "montcalme.fr"), Some(3.0));
    assert_eq!(received(&third, SCOPE_DOMAIN, "valdebrume.fr"), Some(3.0));

    // From the new baseline on.
    for i in 0..2 {
        d.save(
            "alice@montcalme.fr",
            "INBOX",
            &message(&format!("p{i}"), 100, None),
        );
    }
    let fourth = poll_after(c.as_ref(), Some(&third.cursor)).await.unwrap();
    assert_eq!(received(&fourth, SCOPE_DOMAIN, "montcalme.fr"), Some(5.0));
    assert_eq!(received(&fourth, SCOPE_ENTITY, MONTCALME), Some(5.0));
    assert_eq!(received(&fourth, SCOPE_DOMAIN, "valdebrume.fr"), Some(3.0));
}
