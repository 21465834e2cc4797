//! The Microsoft 365 connector against its fake over real HTTP on 127.0.0.1: Graph's
//! report contract (token, 302, CSV by column name), latency, concealed names, and every
//! way a tenant or Microsoft's services say no.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Days, NaiveDate};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::framework::conformance::sync;
use crate::framework::kind::{BuildContext, SourceParams};
use crate::framework::mail::{
    EntityMap, MailKey, MailPrivacy, NO_DOMAIN, SCOPE_DOMAIN, SCOPE_ENTITY, UNASSIGNED,
};
use crate::m365::M365Params;
use crate::params::Params;
use crate::reading::{Reading, known};
use crate::{Connector, Cursor, ErrorType, Page, PollRequest, SyncMode};
use parcd_fakes::m365::{FakeHandle, FakeOptions, Fault, M365Fake, Tenant, TenantSpec};

fn refresh() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
}

async fn fake(mailboxes: usize) -> FakeHandle {
    let tenant = Tenant::generate(&TenantSpec {
        mailboxes,
        seed: 11,
        refresh_date: refresh(),
    });
    M365Fake::start(tenant, FakeOptions::default())
        .await
        .expect("the fake starts on 127.0.0.1")
}

fn params(f: &FakeHandle, extra: Value) -> M365Params {
    let o = f.options();
    let mut table = json!({
        "tenant_id": o.tenant_id,
        "client_id": o.client_id,
        "client_secret": o.client_secret,
        "login_url": f.base_url(),
        "graph_url": f.base_url(),
        "timeout_seconds": 5,
    });
    for (k, v) in extra.as_object().unwrap() {
        table[k] = v.clone();
    }
    let mut p = Params::new("sources[0]", table.as_object().unwrap().clone());
    let params = M365Params::from_params(&mut p).expect("valid params");
    assert!(p.finish().is_empty());
    params
}

fn privacy() -> MailPrivacy {
    let key = MailKey::new(SecretString::from("m365-test-key-".repeat(3))).unwrap();
    MailPrivacy::new(
        &key,
        EntityMap::new(&[
            ("montcalme.fr", "Mairie de Montcalme"),
            ("*valdebrume.fr", "SIN Val-de-Brume"),
        ])
        .unwrap(),
    )
}

fn connector(p: &M365Params) -> Box<dyn Connector> {
    p.build_in(&BuildContext {
        mail: Some(privacy()),
    })
    .expect("the connector builds")
}

async fn full(c: &dyn Connector, cursor: Option<Cursor>) -> (Vec<Page>, Cursor) {
    let (read, cursor) = sync(c, SyncMode::Full, cursor, 100).await.expect("a sync");
    (read.pages, cursor)
}

fn readings(pages: &[Page]) -> Vec<&Reading> {
    pages.iter().flat_map(|p| &p.readings).collect()
}

/// Values by (scope, key, quantity, day).
fn table(pages: &[Page]) -> BTreeMap<(String, String, String, NaiveDate), f64> {
    readings(pages)
        .into_iter()
        .map(|r| {
            (
                (
                    r.subject.scope().to_string(),
                    r.subject.key().to_string(),
                    r.quantity.clone(),
                    r.at.date_naive(),
                ),
                r.value,
            )
        })
        .collect()
}

fn get(
    t: &BTreeMap<(String, String, String, NaiveDate), f64>,
    scope: &str,
    key: &str,
    q: &str,
    day: NaiveDate,
) -> Option<f64> {
    t.get(&(scope.into(), key.into(), q.into(), day)).copied()
}

#[tokio::test]
async fn the_m365_connector_passes_the_conformance_harness() {
    let f = fake(60).await;
    let good = params(&f, json!({"activity_days": 3}));
    let wrong = params(&f, json!({"client_secret": "wrong~m365-secret"}));
    let closed = {
        let other = fake(1).await;
        let p = params(&other, json!({}));
        other.shutdown();
        tokio::time::sleep(Duration::from_millis(100)).await;
        p
    };
    let secret = f.options().client_secret;
    crate::framework::conformance::assert_conformance_in(
        crate::framework::conformance::Case {
            good: &good,
            failing: vec![(&wrong, ErrorType::Auth), (&closed, ErrorType::Connect)],
            secrets: vec![&secret, "wrong~m365-secret"],
        },
        &BuildContext {
            mail: Some(privacy()),
        },
    )
    .await;
}

#[tokio::test]
async fn a_sync_gives_usage_at_the_reports_date_and_each_days_traffic_by_domain_and_entity() {
    let f = fake(120).await;
    let p = params(&f, json!({}));
    let c = connector(&p);
    c.check().await.expect("check() against the fake");
    let (pages, cursor) = full(c.as_ref(), None).await;
    // The usage report, then the 7 days up to its refresh date.
    assert_eq!(pages.len(), 8);
    let t = table(&pages);
    let usage = f.with_tenant(|t| t.usage_by_domain());
    assert_eq!(usage.len(), 3, "{usage:?}");
    for (domain, (mailboxes, items, bytes)) in &usage {
        for (q, want) in [
            (known::MAIL_MAILBOXES.name, *mailboxes),
            (known::MAIL_STORED_MESSAGES.name, *items),
            (known::MAIL_STORED_BYTES.name, *bytes),
        ] {
            assert_eq!(
                get(&t, SCOPE_DOMAIN, domain, q, refresh()),
                Some(want as f64),
                "{domain} {q}"
            );
        }
    }
    // Dated by the report, not by the poll.
    assert!(
        pages[0]
            .readings
            .iter()
            .all(|r| r.at == refresh().and_hms_opt(0, 0, 0).unwrap().and_utc())
    );
    // Entities: the most specific rule, every mailbox in exactly one.
    let entity_boxes: f64 = ["Mairie de Montcalme", "SIN Val-de-Brume"]
        .iter()
        .map(|e| get(&t, SCOPE_ENTITY, e, known::MAIL_MAILBOXES.name, refresh()).unwrap())
        .sum();
    let live: u64 = usage.values().map(|u| u.0).sum();
    assert_eq!(entity_boxes, live as f64);
    assert_eq!(
        get(
            &t,
            SCOPE_ENTITY,
            "Mairie de Montcalme",
            known::MAIL_MAILBOXES.name,
            refresh()
        ),
        Some(usage["montcalme.fr"].0 as f64)
    );
    // Quotas: the mailboxes that have one.
    assert!(
        get(
            &t,
            SCOPE_DOMAIN,
            "valdebrume.fr",
            known::MAIL_QUOTA_BYTES.name,
            refresh()
        )
        .unwrap()
            > 0.0
    );
    // Each day's traffic.
    for back in 0..7 {
        let day = refresh() - Days::new(back);
        let want = f.with_tenant(|t| t.activity_by_domain(day));
        for (domain, (sent, received)) in want {
            assert_eq!(
                get(
                    &t,
                    SCOPE_DOMAIN,
                    &domain,
                    known::MAIL_DAY_SENT_MESSAGES.name,
                    day
                ),
                Some(sent as f64),
                "{domain} {day}"
            );
            assert_eq!(
                get(
                    &t,
                    SCOPE_DOMAIN,
                    &domain,
                    known::MAIL_DAY_RECEIVED_MESSAGES.name,
                    day
                ),
                Some(received as f64)
            );
        }
    }
    // No person anywhere: no address, no display name.
    let text = serde_json::to_string(&readings(&pages)).unwrap();
    assert!(!text.contains('@'), "an address in the readings");
    f.with_tenant(|t| {
        for m in &t.mailboxes {
            let local = m.upn.split('@').next().unwrap();
            assert!(!text.contains(local), "{local} in the readings");
        }
    });
    assert!(!cursor.0.contains('@'));
    // The token stays with Graph: the download host never sees it.
    let stats = f.stats();
    assert_eq!(stats.downloads, 8);
    assert_eq!(stats.downloads_with_authorization, 0);
    assert_eq!(stats.token_requests, 1, "one token for the whole sync");
}

#[tokio::test]
async fn the_next_sync_reads_only_the_days_not_stored_yet() {
    let f = fake(30).await;
    f.with_tenant(|t| t.refresh_date = refresh() - Days::new(2));
    let p = params(&f, json!({"activity_days": 3}));
    let c = connector(&p);
    let (pages, cursor) = full(c.as_ref(), None).await;
    assert_eq!(pages.len(), 4);
    // Same refresh date: the usage report again, no day.
    let (again, cursor) = full(c.as_ref(), Some(cursor)).await;
    assert_eq!(again.len(), 1);
    f.with_tenant(|t| t.refresh_date = refresh());
    // A fresh connector from the stored cursor, as after a restart.
    let c = connector(&p);
    let (later, _) = full(c.as_ref(), Some(cursor)).await;
    let days: Vec<NaiveDate> = later[1..]
        .iter()
        .map(|p| p.readings[0].at.date_naive())
        .collect();
    assert_eq!(days, vec![refresh() - Days::new(1), refresh()]);
}

#[tokio::test]
async fn concealed_names_count_under_the_sources_domain_or_no_domain() {
    let f = fake(40).await;
    f.with_tenant(|t| t.conceal_names = true);
    let live: u64 = f.with_tenant(|t| t.usage_by_domain().values().map(|u| u.0).sum());
    for (extra, domain) in [
        (json!({}), NO_DOMAIN),
        (json!({"domain": "Ville.fr"}), "ville.fr"),
    ] {
        let c = connector(&params(&f, extra));
        let (pages, _) = full(c.as_ref(), None).await;
        let t = table(&pages);
        assert_eq!(
            get(
                &t,
                SCOPE_DOMAIN,
                domain,
                known::MAIL_MAILBOXES.name,
                refresh()
            ),
            Some(live as f64)
        );
        assert_eq!(
            get(
                &t,
                SCOPE_ENTITY,
                UNASSIGNED,
                known::MAIL_MAILBOXES.name,
                refresh()
            ),
            Some(live as f64)
        );
        // Microsoft's hashes are not kept either.
        let hash = f.with_tenant(|t| parcd_fakes::m365::concealed(&t.mailboxes[0].upn));
        let text = serde_json::to_string(&readings(&pages)).unwrap();
        assert!(!text.contains(&hash));
    }
}

#[tokio::test]
async fn throttling_is_a_retryable_error_with_graphs_retry_after_and_nothing_of_the_report() {
    let f = fake(20).await;
    let c = connector(&params(&f, json!({})));
    f.inject(Fault::Throttled(7), 1);
    let e = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: None,
            inventory: &[],
        })
        .await
        .expect_err("throttled");
    assert_eq!(e.error_type(), ErrorType::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert!(e.to_string().contains("getMailboxUsageDetail"), "{e}");
    // The core retries later: the same poll now reads.
    let page = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: None,
            inventory: &[],
        })
        .await
        .unwrap();
    assert!(!page.readings.is_empty());
}

#[tokio::test]
async fn a_sync_broken_on_a_day_resumes_from_its_last_page_and_reads_what_an_unbroken_one_reads() {
    let f = fake(25).await;
    let p = params(&f, json!({"activity_days": 4}));
    let c = connector(&p);
    let (whole, _) = full(c.as_ref(), None).await;
    let mut cursor = None;
    let mut pages = Vec::new();
    for _ in 0..2 {
        let page = c
            .poll(PollRequest {
                mode: SyncMode::Full,
                cursor: cursor.as_ref(),
                inventory: &[],
            })
            .await
            .unwrap();
        cursor = Some(page.cursor.clone());
        pages.push(page);
    }
    f.inject(Fault::ServiceUnavailable, 1);
    let e = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: cursor.as_ref(),
            inventory: &[],
        })
        .await
        .unwrap_err();
    assert_eq!(
        (e.error_type(), e.to_string().contains("503")),
        (ErrorType::Http, true),
        "{e}"
    );
    let fresh = connector(&p);
    let (rest, _) = full(fresh.as_ref(), cursor).await;
    pages.extend(rest);
    assert_eq!(table(&pages), table(&whole));
}

#[tokio::test]
async fn refused_credentials_name_the_setting_to_fix_and_never_the_secret() {
    let f = fake(5).await;
    let o = f.options();
    let cases = [
        (
            json!({"client_secret": "wrong~secret-value"}),
            "AADSTS7000215",
            "client_secret",
        ),
        (
            json!({"client_id": "00000000-0000-0000-0000-000000000000"}),
            "AADSTS700016",
            "client_id",
        ),
        (
            json!({"tenant_id": "11111111-2222-3333-4444-555555555555"}),
            "AADSTS90002",
            "tenant_id",
        ),
    ];
    for (extra, code, key) in cases {
        let c = connector(&params(&f, extra));
        for e in [
            c.check().await.unwrap_err(),
            c.poll(PollRequest {
                mode: SyncMode::Full,
                cursor: None,
                inventory: &[],
            })
            .await
            .unwrap_err(),
        ] {
            assert_eq!(e.error_type(), ErrorType::Auth, "{e}");
            let text = format!("{e} {e:?}");
            assert!(text.contains(code) && text.contains(key), "{text}");
            assert!(!text.contains("Trace ID"), "{text}");
            for secret in [o.client_secret.as_str(), "wrong~secret-value"] {
                assert!(!text.contains(secret), "{text}");
            }
        }
    }
    // The app lacks the permission.
    let denied = M365Fake::start(
        Tenant::generate(&TenantSpec {
            mailboxes: 3,
            seed: 1,
            refresh_date: refresh(),
        }),
        FakeOptions {
            reports_permission: false,
            ..FakeOptions::default()
        },
    )
    .await
    .unwrap();
    let e = connector(&params(&denied, json!({})))
        .check()
        .await
        .unwrap_err();
    assert_eq!(e.error_type(), ErrorType::Auth);
    assert!(e.to_string().contains("Reports.Read.All"), "{e}");
}

#[tokio::test]
async fn a_token_revoked_mid_sync_is_renewed_once() {
    let f = fake(10).await;
    let c = connector(&params(&f, json!({"activity_days": 2})));
    let first = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: None,
            inventory: &[],
        })
        .await
        .unwrap();
    f.revoke_tokens();
    let (rest, _) = full(c.as_ref(), Some(first.cursor)).await;
    assert_eq!(rest.len(), 2);
    assert_eq!(f.stats().token_requests, 2);
}

#[tokio::test]
async fn a_malformed_or_half_downloaded_report_stores_nothing_and_names_the_line() {
    let f = fake(15).await;
    let c = connector(&params(&f, json!({})));
    for fault in [Fault::MalformedCsv, Fault::HalfPage] {
        f.inject(fault.clone(), 1);
        let e = c
            .poll(PollRequest {
                mode: SyncMode::Full,
                cursor: None,
                inventory: &[],
            })
            .await
            .expect_err("a broken report is an error, not a smaller tenant");
        assert_eq!(e.error_type(), ErrorType::Decode, "{fault:?}: {e}");
        assert!(e.to_string().contains("line "), "{e}");
        assert!(!e.to_string().contains('@'), "{e}");
    }
}

#[tokio::test]
async fn without_the_mail_privacy_context_the_source_does_not_build() {
    let f = fake(1).await;
    let e = params(&f, json!({}))
        .build()
        .err()
        .expect("no privacy, no connector");
    assert_eq!(e.error_type(), ErrorType::Config);
}

#[tokio::test]
async fn a_closed_port_is_a_connect_error_naming_the_token_endpoint() {
    let f = fake(1).await;
    let p = params(&f, json!({}));
    f.shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let e = connector(&p).check().await.unwrap_err();
    assert_eq!(e.error_type(), ErrorType::Connect, "{e}");
    assert!(e.to_string().contains("oauth2/v2.0/token"), "{e}");
}
