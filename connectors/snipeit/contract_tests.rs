//! The Snipe-IT connector against its fake over real HTTP on 127.0.0.1: the contract of
//! Snipe-IT's asset API, and every way an instance misbehaves.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::params::Params;
use crate::record::{AssetClass, AssetRecord, Phase};
use crate::snipeit::{SnipeitConnector, SnipeitParams};
use crate::{Connector, ConnectorError, Cursor, ErrorType, Page, PollRequest, SyncMode};
use parcd_fakes::snipeit::{
    Cost, DigitSeparator, FakeHandle, FakeOptions, Fault, Fleet, FleetSpec, SnipeitFake,
    StatusType, generated_at,
};
use serde_json::json;

const TOKEN: &str = "snipe-tok-2468";
const DENIED: &str = "snipe-denied-1357";

async fn fake(assets: usize) -> FakeHandle {
    SnipeitFake::start(
        Fleet::generate(&FleetSpec { assets, seed: 5 }),
        FakeOptions {
            token: TOKEN.into(),
            denied_token: Some(DENIED.into()),
        },
    )
    .await
    .expect("fake starts on 127.0.0.1")
}

fn params(f: &FakeHandle, extra: serde_json::Value) -> SnipeitParams {
    let mut table = json!({
        "url": f.base_url(),
        "api_token": TOKEN,
        "page_size": 100,
        "timeout_seconds": 5,
        "origin_fields": ["Reconditionné"],
    });
    for (k, v) in extra.as_object().unwrap() {
        table[k] = v.clone();
    }
    let mut p = Params::new("sources[0]", table.as_object().unwrap().clone());
    let params = SnipeitParams::from_params(&mut p).expect("valid params");
    assert!(p.finish().is_empty());
    params
}

fn connector(f: &FakeHandle, extra: serde_json::Value) -> SnipeitConnector {
    SnipeitConnector::new(params(f, extra)).unwrap()
}

#[tokio::test]
async fn the_snipeit_connector_passes_the_conformance_harness() {
    let f = fake(250).await;
    let good = params(&f, json!({}));
    let wrong = params(&f, json!({"api_token": "wrong-snipe-token-93"}));
    let denied = params(&f, json!({"api_token": DENIED}));
    let closed = {
        let other = fake(1).await;
        let p = params(&other, json!({}));
        other.shutdown();
        tokio::time::sleep(Duration::from_millis(100)).await;
        p
    };
    crate::framework::conformance::assert_conformance(crate::framework::conformance::Case {
        good: &good,
        failing: vec![
            (&wrong, ErrorType::Auth),
            (&denied, ErrorType::Auth),
            (&closed, ErrorType::Connect),
        ],
        secrets: vec![TOKEN, DENIED, "wrong-snipe-token-93"],
    })
    .await;
}

/// Polls until the sync is done; returns every page and the resting cursor.
async fn sync(
    c: &SnipeitConnector,
    mode: SyncMode,
    cursor: Option<Cursor>,
) -> Result<(Vec<Page>, Cursor), ConnectorError> {
    crate::framework::conformance::sync(c, mode, cursor, 10_000)
        .await
        .map(|(read, cursor)| (read.pages, cursor))
}

fn records(pages: &[Page]) -> Vec<&AssetRecord> {
    pages.iter().flat_map(|p| p.records.iter()).collect()
}

fn fleet_ids(f: &FakeHandle) -> BTreeSet<String> {
    f.with_fleet(|fl| {
        fl.ids()
            .into_iter()
            .map(|id| format!("hardware/{id}"))
            .collect()
    })
}

#[tokio::test]
async fn a_full_sync_reads_every_asset_once_archived_ones_included_with_their_fields() {
    let f = fake(700).await;
    let c = connector(&f, json!({}));
    let (pages, _) = sync(&c, SyncMode::Full, None).await.unwrap();
    let recs = records(&pages);
    let ids: BTreeSet<String> = recs.iter().map(|r| r.external_id.clone()).collect();
    assert_eq!(ids.len(), recs.len(), "no asset twice");
    assert_eq!(ids, fleet_ids(&f), "every asset, the archived ones too");
    assert_eq!(pages[0].total_hint, Some(700));

    // Field by field against the fake's own data.
    let by_id: BTreeMap<&str, &AssetRecord> =
        recs.iter().map(|r| (r.external_id.as_str(), *r)).collect();
    f.with_fleet(|fl| {
        for a in &fl.assets {
            let r = by_id[format!("hardware/{}", a.id).as_str()];
            let model = &fl.models[a.model];
            assert_eq!(r.inventory_number.as_deref(), Some(a.asset_tag.as_str()));
            assert_eq!(r.serial, a.serial);
            assert_eq!(r.name, a.name);
            assert_eq!(r.model.as_deref(), Some(model.name.as_str()));
            assert_eq!(
                r.type_name.as_deref(),
                Some(fl.categories[model.category].name.as_str())
            );
            assert_eq!(
                r.manufacturer.as_deref(),
                Some(fl.manufacturers[model.manufacturer].name.as_str())
            );
            assert_eq!(
                r.entity,
                a.company.map(|i| fl.companies[i].name.clone()),
                "names unescaped"
            );
            assert_eq!(r.location, a.location.map(|i| fl.locations[i].name.clone()));
            assert_eq!(r.status.as_deref(), Some(fl.status_of(a).name.as_str()));
            assert_eq!(
                r.modified_at,
                Some(a.updated_at.format("%Y-%m-%d %H:%M:%S").to_string())
            );
            let p = r
                .purchase
                .as_ref()
                .expect("every generated asset has a purchase date");
            assert_eq!(p.buy_date, a.purchase_date);
            assert_eq!(p.supplier, a.supplier.map(|i| fl.suppliers[i].name.clone()));
            assert_eq!(p.order_number, a.order_number);
            match &a.purchase_cost {
                Some(Cost::Cents(c)) => assert_eq!(p.amount_cents, Some(*c)),
                Some(Cost::Text(t)) => {
                    assert_eq!(p.amount_cents, None);
                    assert_eq!(p.amount_unreadable.as_deref(), Some(t.as_str()));
                }
                None => assert_eq!((p.amount_cents, &p.amount_unreadable), (None, &None)),
            }
            if a.reconditionne.as_deref() == Some("Oui") {
                assert!(
                    p.comment
                        .as_deref()
                        .is_some_and(|c| c.contains("Reconditionné: Oui")),
                    "{p:?}"
                );
            }
            let kind = fl.status_of(a).kind;
            let want = match (fl.status_of(a).name.as_str(), kind) {
                ("En commande", _) => Phase::Ordered,
                ("Réformé", _) => Phase::Retired,
                ("Donné", _) => Phase::Reused,
                ("Recyclé", _) => Phase::Recycled,
                (_, StatusType::Deployable) if a.assigned_to.is_some() => Phase::InService,
                (_, StatusType::Deployable | StatusType::Pending) => Phase::InStock,
                (_, StatusType::Undeployable) => Phase::InRepair,
                (_, StatusType::Archived) => Phase::Retired,
            };
            assert_eq!((r.phase, r.status_mapped), (want, true), "{}", a.id);
        }
    });
    let classes: BTreeSet<AssetClass> = recs.iter().map(|r| r.class).collect();
    for class in [
        AssetClass::Laptop,
        AssetClass::Desktop,
        AssetClass::Monitor,
        AssetClass::Printer,
        AssetClass::Copier,
        AssetClass::Smartphone,
        AssetClass::DeskPhone,
        AssetClass::Tablet,
        AssetClass::Network,
        AssetClass::Other,
    ] {
        assert!(classes.contains(&class), "no {class:?}");
    }
    let laptops: Vec<_> = recs
        .iter()
        .filter(|r| r.type_name.as_deref() == Some("Laptops"))
        .collect();
    assert!(
        laptops
            .iter()
            .all(|r| r.class == AssetClass::Laptop && r.item_type == "Computer")
    );
}

#[tokio::test]
async fn costs_written_the_french_way_read_the_same() {
    let f = fake(120).await;
    let c = connector(&f, json!({}));
    let (english, _) = sync(&c, SyncMode::Full, None).await.unwrap();
    f.with_fleet(|fl| fl.settings.digit_separator = DigitSeparator::DotComma);
    let (french, _) = sync(&c, SyncMode::Full, None).await.unwrap();
    let amounts = |pages: &[Page]| -> Vec<Option<i64>> {
        records(pages)
            .iter()
            .map(|r| r.purchase.as_ref().and_then(|p| p.amount_cents))
            .collect()
    };
    assert_eq!(amounts(&english), amounts(&french));
    assert!(
        amounts(&french).iter().flatten().any(|a| *a >= 100_000),
        "thousands separators"
    );
}

#[tokio::test]
async fn an_instance_showing_archived_assets_in_its_list_still_gives_each_asset_once() {
    let f = fake(300).await;
    f.with_fleet(|fl| fl.settings.show_archived_in_list = true);
    let c = connector(&f, json!({}));
    let (pages, _) = sync(&c, SyncMode::Full, None).await.unwrap();
    let recs = records(&pages);
    let ids: BTreeSet<String> = recs.iter().map(|r| r.external_id.clone()).collect();
    assert_eq!(ids.len(), recs.len());
    assert_eq!(ids, fleet_ids(&f));
}

#[tokio::test]
async fn an_incremental_sync_reads_only_what_changed_since_the_watermark() {
    let f = fake(400).await;
    let c = connector(&f, json!({}));
    let (full, watermark) = sync(&c, SyncMode::Full, None).await.unwrap();
    let newest = records(&full)
        .iter()
        .filter_map(|r| r.modified_at.clone())
        .max();
    let later = generated_at() + chrono::Duration::days(3);
    let (recycled, priced, archived_edit) = f.with_fleet(|fl| {
        let ids = fl.ids();
        let live: Vec<u64> = ids
            .iter()
            .copied()
            .filter(|id| fl.status_of(fl.asset(*id).unwrap()).kind != StatusType::Archived)
            .collect();
        let arch = ids
            .iter()
            .copied()
            .find(|id| fl.status_of(fl.asset(*id).unwrap()).kind == StatusType::Archived)
            .unwrap();
        assert!(fl.set_status(live[0], "Recyclé", later));
        assert!(fl.set_cost(live[1], Some(Cost::Cents(123_450)), later));
        assert!(fl.set_status(arch, "Donné", later));
        (live[0], live[1], arch)
    });
    let (pages, rest) = sync(&c, SyncMode::Incremental, Some(watermark))
        .await
        .unwrap();
    let recs = records(&pages);
    let changed: Vec<String> = [recycled, priced, archived_edit]
        .iter()
        .map(|id| format!("hardware/{id}"))
        .collect();
    for id in &changed {
        assert!(
            recs.iter().any(|r| &r.external_id == id),
            "{id} not read again"
        );
    }
    // The watermark is inclusive: assets stamped exactly at it come again, nothing older.
    for r in recs.iter().filter(|r| !changed.contains(&r.external_id)) {
        assert_eq!(r.modified_at, newest, "{} was not modified", r.external_id);
    }
    let get = |id: u64| {
        recs.iter()
            .find(|r| r.external_id == format!("hardware/{id}"))
            .unwrap()
    };
    assert_eq!(get(recycled).phase, Phase::Recycled);
    assert_eq!(get(archived_edit).phase, Phase::Reused);
    assert_eq!(
        get(priced).purchase.as_ref().unwrap().amount_cents,
        Some(123_450)
    );
    // Nothing changed since: the next incremental sync reads only the newest stamp again.
    let (again, _) = sync(&c, SyncMode::Incremental, Some(rest)).await.unwrap();
    assert!(
        records(&again)
            .iter()
            .all(|r| r.modified_at.as_deref()
                == Some(&*later.format("%Y-%m-%d %H:%M:%S").to_string()))
    );
    let queries = f.stats().queries;
    assert!(
        queries
            .iter()
            .any(|q| q.contains("sort=updated_at") && q.contains("order=desc")),
        "{queries:?}"
    );
}

#[tokio::test]
async fn assets_deleted_during_a_full_sync_shift_no_other_asset_out_of_it() {
    let f = fake(600).await;
    let c = connector(&f, json!({}));
    let mut cursor = None;
    let mut seen = BTreeSet::new();
    for _ in 0..3 {
        let p = c
            .poll(PollRequest {
                mode: SyncMode::Full,
                cursor: cursor.as_ref(),
                inventory: &[],
            })
            .await
            .unwrap();
        seen.extend(p.records.iter().map(|r| r.external_id.clone()));
        cursor = Some(p.cursor);
    }
    // Delete 150 assets already read: every offset after them moves left by 150.
    let deleted: BTreeSet<String> = f.with_fleet(|fl| {
        let at = fl.generated_at;
        let ids: Vec<u64> = fl.ids().into_iter().take(150).collect();
        for id in &ids {
            assert!(fl.delete(*id, at));
        }
        ids.iter().map(|id| format!("hardware/{id}")).collect()
    });
    let (pages, _) = sync(&c, SyncMode::Full, cursor).await.unwrap();
    seen.extend(records(&pages).iter().map(|r| r.external_id.clone()));
    let expected: BTreeSet<String> = fleet_ids(&f);
    assert!(
        expected.is_subset(&seen),
        "missed: {:?}",
        expected.difference(&seen).collect::<Vec<_>>()
    );
    // And a fresh full sync no longer sees the deleted ones: the core marks them vanished.
    let (fresh, _) = sync(&c, SyncMode::Full, None).await.unwrap();
    assert!(
        records(&fresh)
            .iter()
            .all(|r| !deleted.contains(&r.external_id))
    );
}

#[tokio::test]
async fn an_asset_without_model_or_status_is_still_a_record() {
    let f = fake(50).await;
    let (no_model, no_status) = f.with_fleet(|fl| {
        let at = fl.generated_at;
        let ids = fl.ids();
        assert!(fl.orphan_model(ids[0], at));
        assert!(fl.orphan_status(ids[1], at));
        (ids[0], ids[1])
    });
    let c = connector(&f, json!({"no_status_phase": "in_stock"}));
    let (pages, _) = sync(&c, SyncMode::Full, None).await.unwrap();
    let recs = records(&pages);
    let get = |id: u64| {
        recs.iter()
            .find(|r| r.external_id == format!("hardware/{id}"))
            .copied()
            .unwrap()
    };
    let m = get(no_model);
    assert_eq!(
        (
            m.class,
            m.model.as_deref(),
            m.type_name.as_deref(),
            m.item_type.as_str()
        ),
        (AssetClass::Other, None, None, "Peripheral")
    );
    let s = get(no_status);
    assert_eq!(
        (s.status.as_deref(), s.phase, s.status_mapped),
        (None, Phase::InStock, false)
    );
    assert_eq!(recs.len(), 50);
}

async fn failure(c: &SnipeitConnector) -> ConnectorError {
    sync(c, SyncMode::Full, None)
        .await
        .map(|_| ())
        .expect_err("the sync must fail")
}

#[tokio::test]
async fn a_wrong_token_or_a_user_without_rights_is_an_auth_error_naming_api_token_never_showing_it()
{
    let f = fake(10).await;
    for token in ["not-the-right-snipe-token", DENIED] {
        let c = connector(&f, json!({"api_token": token}));
        let e = failure(&c).await;
        assert_eq!(e.error_type(), ErrorType::Auth, "{e}");
        let msg = format!("{e} {e:?}");
        assert!(msg.contains("api_token"), "{msg}");
        assert!(!msg.contains(token) && !msg.contains(TOKEN), "{msg}");
    }
}

#[tokio::test]
async fn throttling_is_rate_limited_with_the_retry_after_snipe_it_sent() {
    let f = fake(10).await;
    let c = connector(&f, json!({}));
    f.inject(Fault::RateLimited(37), 1);
    let e = c.check().await.expect_err("429");
    assert_eq!(e.error_type(), ErrorType::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(37)));
    assert!(e.to_string().contains("api/v1/hardware"), "{e}");
    c.check().await.expect("the next call goes through");
}

#[tokio::test]
async fn server_errors_error_bodies_and_malformed_pages_fail_the_poll_with_their_kind() {
    let f = fake(300).await;
    for (fault, kind) in [
        (Fault::ServerError, ErrorType::Http),
        (Fault::MalformedJson, ErrorType::Decode),
        (Fault::ErrorBody, ErrorType::Protocol),
    ] {
        let c = connector(&f, json!({}));
        f.inject(fault.clone(), 1);
        let e = failure(&c).await;
        assert_eq!(e.error_type(), kind, "{fault:?}: {e}");
        assert!(e.to_string().contains("api/v1/hardware"), "{e}");
    }
    let c = connector(&f, json!({}));
    f.inject(Fault::ErrorBody, 1);
    assert!(
        failure(&c)
            .await
            .to_string()
            .contains("Asset does not exist.")
    );
}

#[tokio::test]
async fn a_truncated_page_is_refused_and_the_same_cursor_works_afterwards() {
    let f = fake(300).await;
    let c = connector(&f, json!({}));
    let first = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: None,
            inventory: &[],
        })
        .await
        .unwrap();
    f.inject(Fault::TruncatedPage, 1);
    let e = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: Some(&first.cursor),
            inventory: &[],
        })
        .await
        .expect_err("a truncated page is refused");
    assert_eq!(e.error_type(), ErrorType::Decode, "{e}");
    let (pages, _) = sync(&c, SyncMode::Full, Some(first.cursor.clone()))
        .await
        .unwrap();
    let mut ids: BTreeSet<String> = first
        .records
        .iter()
        .map(|r| r.external_id.clone())
        .collect();
    ids.extend(records(&pages).iter().map(|r| r.external_id.clone()));
    assert_eq!(ids, fleet_ids(&f));
}

#[tokio::test]
async fn pages_shorter_than_asked_lose_nothing() {
    // An instance whose max_results is below page_size, or a proxy cutting rows: the offset
    // moves by what came, so no asset is skipped.
    let f = fake(300).await;
    let c = connector(&f, json!({}));
    f.inject(Fault::ShortPage, 3);
    let (pages, _) = sync(&c, SyncMode::Full, None).await.unwrap();
    let ids: BTreeSet<String> = records(&pages)
        .iter()
        .map(|r| r.external_id.clone())
        .collect();
    assert_eq!(ids, fleet_ids(&f));
    f.with_fleet(|fl| fl.settings.max_results = 30);
    let (pages, _) = sync(&c, SyncMode::Full, None).await.unwrap();
    assert_eq!(records(&pages).len(), fleet_ids(&f).len());
}

#[tokio::test]
async fn a_hanging_server_times_out() {
    let f = fake(10).await;
    let c = connector(&f, json!({"timeout_seconds": 1}));
    f.inject(Fault::Hang(Duration::from_secs(3)), 5);
    let e = failure(&c).await;
    assert_eq!(e.error_type(), ErrorType::Timeout, "{e}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_connect_error() {
    let f = fake(1).await;
    let url = f.base_url();
    f.shutdown();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let c = connector(&f, json!({"url": url}));
    let e = failure(&c).await;
    assert_eq!(e.error_type(), ErrorType::Connect, "{e}");
}

#[tokio::test]
async fn a_url_pointing_elsewhere_says_how_to_fix_it() {
    let f = fake(1).await;
    let c = connector(&f, json!({"url": format!("{}/snipe", f.base_url())}));
    let e = failure(&c).await;
    assert_eq!(e.error_type(), ErrorType::Http, "{e}");
    assert!(e.to_string().contains("without /api/v1"), "{e}");
}
