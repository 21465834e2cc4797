//! Ingest against real databases: idempotence, events, vanish and resume state.

use parcd::poll::ingest::{SyncContext, apply_page};
use parcd::store::Store;
use parcd_connectors::{Phase, SyncMode};

use crate::helpers::{TestDb, event_kinds, page, record};
use crate::on_both_backends;

const SOURCE: &str = "glpi";

async fn context(store: &Store, mode: SyncMode, sync_id: &str) -> SyncContext {
    store.source_state(SOURCE, "glpi", 1).await.unwrap();
    SyncContext {
        role: parcd_connectors::Role::Inventory,
        source: SOURCE.into(),
        sync_id: sync_id.into(),
        mode,
        sync_started_at: 1,
        run_id: format!("run-{sync_id}"),
        vanish_max_percent: 50,
    }
}

async fn the_same_page_twice_changes_nothing(db: TestDb) {
    let s = &db.store;
    let records = vec![
        record(1, Phase::InService, "Mairie A"),
        record(2, Phase::InStock, "Mairie A"),
        record(3, Phase::Retired, "Mairie B"),
    ];
    let cx = context(s, SyncMode::Full, "s1").await;
    let first = apply_page(s, &cx, &page(records.clone(), "c1", true), 1000)
        .await
        .unwrap();
    assert_eq!((first.created, first.changed, first.unchanged), (3, 0, 0));
    let cx = context(s, SyncMode::Full, "s2").await;
    let second = apply_page(s, &cx, &page(records, "c2", true), 2000)
        .await
        .unwrap();
    assert_eq!(
        (
            second.created,
            second.changed,
            second.unchanged,
            second.vanished
        ),
        (0, 0, 3, 0)
    );
    assert_eq!(second.events, 0);
    let events = s.event_counts(SOURCE).await.unwrap();
    assert_eq!(events.get("first_seen"), Some(&3));
    assert_eq!(events.len(), 1, "{events:?}");
    let history = s.events_of(SOURCE, "Computer/3").await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].to_phase.as_deref(), Some("retired"));
    assert_eq!(
        s.purchase_of(SOURCE, "Computer/1").await.unwrap(),
        Some((Some(89_900), Some("2022-03-01".into())))
    );
}

async fn phase_changes_and_moves_are_events_in_order(db: TestDb) {
    let s = &db.store;
    let cx = context(s, SyncMode::Incremental, "s1").await;
    apply_page(
        s,
        &cx,
        &page(
            vec![
                record(1, Phase::InService, "A"),
                record(2, Phase::InService, "A"),
            ],
            "c",
            true,
        ),
        1000,
    )
    .await
    .unwrap();
    let mut retired = record(1, Phase::Retired, "A");
    retired.status = Some("Réformé".into());
    retired.purchase.as_mut().unwrap().decommission_date =
        chrono::NaiveDate::from_ymd_opt(1970, 1, 1);
    let moved = record(2, Phase::InService, "B");
    let out = apply_page(s, &cx, &page(vec![retired, moved], "c", true), 5000)
        .await
        .unwrap();
    assert_eq!((out.created, out.changed, out.events), (0, 2, 2));
    let h1 = s.events_of(SOURCE, "Computer/1").await.unwrap();
    assert_eq!(h1.len(), 2);
    assert_eq!((h1[1].seq, h1[1].kind.as_str()), (2, "phase_change"));
    assert_eq!(h1[1].from_phase.as_deref(), Some("in_service"));
    assert_eq!(h1[1].to_phase.as_deref(), Some("retired"));
    assert_eq!(
        h1[1].occurred_at, 0,
        "a retirement is dated by the decommission date"
    );
    assert_eq!(h1[1].observed_at, 5000);
    let h2 = s.events_of(SOURCE, "Computer/2").await.unwrap();
    assert_eq!(h2[1].kind, "moved");
    assert_eq!(h2[1].detail.as_deref(), Some("entity: A -> B"));
    assert_eq!(
        s.asset_phase(SOURCE, "Computer/1").await.unwrap(),
        Some(("retired".into(), false))
    );
}

async fn a_full_sync_marks_missing_assets_vanished_and_keeps_them(db: TestDb) {
    let s = &db.store;
    let all = vec![
        record(1, Phase::InService, "A"),
        record(2, Phase::InService, "A"),
        record(3, Phase::InStock, "A"),
    ];
    let cx = context(s, SyncMode::Full, "s1").await;
    apply_page(s, &cx, &page(all.clone(), "c", true), 1000)
        .await
        .unwrap();

    // The second full sync comes in two pages and lacks asset 3.
    let cx = context(s, SyncMode::Full, "s2").await;
    let p1 = apply_page(s, &cx, &page(vec![all[0].clone()], "c-mid", false), 2000)
        .await
        .unwrap();
    assert_eq!(p1.vanished, 0, "nothing vanishes before the last page");
    let state = s.source_state(SOURCE, "glpi", 2000).await.unwrap();
    assert_eq!(
        state.sync,
        Some(("full".into(), "s2".into())),
        "the sync under way is stored for a resume"
    );
    assert_eq!(state.cursor.as_deref(), Some("c-mid"));
    let p2 = apply_page(s, &cx, &page(vec![all[1].clone()], "c-end", true), 2001)
        .await
        .unwrap();
    assert_eq!(p2.vanished, 1);
    let state = s.source_state(SOURCE, "glpi", 2001).await.unwrap();
    assert_eq!(state.sync, None);
    assert_eq!(state.last_full_sync_at, Some(2001));
    assert_eq!(
        s.asset_phase(SOURCE, "Computer/3").await.unwrap(),
        Some(("in_stock".into(), true))
    );
    assert_eq!(s.asset_totals(SOURCE).await.unwrap(), (2, 1));
    let counts = s.asset_counts(&[SOURCE]).await.unwrap();
    assert!(s.asset_counts(&["other"]).await.unwrap().is_empty());
    assert_eq!(
        counts.iter().map(|c| c.count).sum::<i64>(),
        2,
        "vanished assets leave the counts"
    );

    // It comes back.
    let cx = context(s, SyncMode::Full, "s3").await;
    let back = apply_page(s, &cx, &page(all, "c", true), 3000)
        .await
        .unwrap();
    assert_eq!((back.changed, back.vanished), (1, 0));
    let h3 = event_kinds(s, SOURCE, "Computer/3").await;
    assert_eq!(h3, vec!["first_seen", "vanished", "reappeared"]);
    assert_eq!(s.asset_totals(SOURCE).await.unwrap(), (3, 0));
}

async fn an_empty_full_sync_vanishes_nothing(db: TestDb) {
    let s = &db.store;
    let cx = context(s, SyncMode::Full, "s1").await;
    apply_page(
        s,
        &cx,
        &page(vec![record(1, Phase::InService, "A")], "c", true),
        1000,
    )
    .await
    .unwrap();
    let cx = context(s, SyncMode::Full, "s2").await;
    let out = apply_page(s, &cx, &page(vec![], "c", true), 2000)
        .await
        .unwrap();
    assert!(out.vanish_refused);
    assert_eq!(out.vanished, 0);
    assert_eq!(s.asset_totals(SOURCE).await.unwrap(), (1, 0));
}

/// `n` monitors, ids from 1001.
fn monitors(n: u32) -> Vec<parcd_connectors::AssetRecord> {
    (1001..1001 + n)
        .map(|id| {
            let mut r = record(id, Phase::InService, "A");
            r.external_id = format!("Monitor/{id}");
            r.item_type = "Monitor".into();
            r.class = parcd_connectors::AssetClass::Monitor;
            r
        })
        .collect()
}

/// An item type that drops by more than `vanish_max_percent` is held, not vanished; a
/// second full sync that sees the same drop confirms it; a type that comes back, or drops
/// by less, releases its hold.
async fn an_item_type_that_drops_at_once_is_held_until_a_second_full_sync(db: TestDb) {
    let s = &db.store;
    let computers: Vec<_> = (1..=30).map(|i| record(i, Phase::InService, "A")).collect();
    let all = [computers.clone(), monitors(20)].concat();
    let sync = |id: &'static str| context(s, SyncMode::Full, id);
    apply_page(s, &sync("s1").await, &page(all.clone(), "c", true), 1000)
        .await
        .unwrap();

    // Monitor answers an empty list: its 20 assets are held, the computer retired meanwhile
    // (1 of 30, under the bound) vanishes.
    let some = [computers[1..].to_vec()].concat();
    let out = apply_page(s, &sync("s2").await, &page(some.clone(), "c", true), 2000)
        .await
        .unwrap();
    assert_eq!(out.vanished, 1, "{out:?}");
    assert_eq!(out.vanish_held, vec![("Monitor".to_string(), 20)]);
    assert!(out.vanish_confirmed.is_empty());
    assert_eq!(s.asset_totals(SOURCE).await.unwrap(), (49, 1));
    let holds = s.vanish_holds_of(SOURCE).await.unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!((holds[0].live, holds[0].unseen), (20, 20));

    // The last page of the same sync replayed after a crash: still held, nothing more.
    let again = apply_page(s, &sync("s2").await, &page(some.clone(), "c", true), 2001)
        .await
        .unwrap();
    assert_eq!((again.vanished, again.vanish_held.len()), (0, 1));

    // Monitor answers again: the hold is released, nothing vanished.
    let back = [some.clone(), monitors(20)].concat();
    let out = apply_page(s, &sync("s3").await, &page(back, "c", true), 3000)
        .await
        .unwrap();
    assert_eq!((out.vanished, out.vanish_held.len()), (0, 0));
    assert!(s.vanish_holds_of(SOURCE).await.unwrap().is_empty());

    // Twice empty: held by s4, confirmed by s5.
    for (id, at) in [("s4", 4000), ("s5", 5000)] {
        let out = apply_page(s, &sync(id).await, &page(some.clone(), "c", true), at)
            .await
            .unwrap();
        if id == "s4" {
            assert_eq!((out.vanished, out.vanish_held.len()), (0, 1), "{out:?}");
        } else {
            assert_eq!(out.vanished, 20, "{out:?}");
            assert_eq!(out.vanish_confirmed, vec![("Monitor".to_string(), 20)]);
            assert!(out.vanish_held.is_empty());
        }
    }
    assert!(s.vanish_holds_of(SOURCE).await.unwrap().is_empty());
    assert_eq!(s.asset_totals(SOURCE).await.unwrap(), (29, 21));
    let kinds = event_kinds(s, SOURCE, "Monitor/1001").await;
    assert_eq!(kinds, ["first_seen", "vanished"]);

    // A drop within the bound (the monitors are back, then 9 of 29 computers go, 31 %)
    // vanishes at once.
    let back = [some.clone(), monitors(20)].concat();
    apply_page(s, &sync("s6").await, &page(back, "c", true), 6000)
        .await
        .unwrap();
    let fewer = [some[9..].to_vec(), monitors(20)].concat();
    let out = apply_page(s, &sync("s7").await, &page(fewer, "c", true), 7000)
        .await
        .unwrap();
    assert_eq!((out.vanished, out.vanish_held.len()), (9, 0), "{out:?}");
}

/// `vanish_max_percent = 100` turns the hold off; a type under ten live assets is never held.
async fn the_hold_can_be_turned_off_and_spares_small_types(db: TestDb) {
    let s = &db.store;
    let computers: Vec<_> = (1..=30).map(|i| record(i, Phase::InService, "A")).collect();
    let mut off = context(s, SyncMode::Full, "s1").await;
    off.vanish_max_percent = 100;
    apply_page(
        s,
        &off,
        &page([computers.clone(), monitors(20)].concat(), "c", true),
        1000,
    )
    .await
    .unwrap();
    off.sync_id = "s2".into();
    let out = apply_page(s, &off, &page(computers.clone(), "c", true), 2000)
        .await
        .unwrap();
    assert_eq!((out.vanished, out.vanish_held.len()), (20, 0));

    let cx = context(s, SyncMode::Full, "s3").await;
    apply_page(
        s,
        &cx,
        &page([computers.clone(), monitors(9)].concat(), "c", true),
        3000,
    )
    .await
    .unwrap();
    let cx = context(s, SyncMode::Full, "s4").await;
    let out = apply_page(s, &cx, &page(computers, "c", true), 4000)
        .await
        .unwrap();
    assert_eq!((out.vanished, out.vanish_held.len()), (9, 0), "{out:?}");
}

async fn an_incremental_sync_never_vanishes_and_absent_purchases_are_kept(db: TestDb) {
    let s = &db.store;
    let cx = context(s, SyncMode::Full, "s1").await;
    apply_page(
        s,
        &cx,
        &page(
            vec![
                record(1, Phase::InService, "A"),
                record(2, Phase::InService, "A"),
            ],
            "c",
            true,
        ),
        1000,
    )
    .await
    .unwrap();
    let mut without_purchase = record(1, Phase::InRepair, "A");
    without_purchase.purchase = None;
    let cx = context(s, SyncMode::Incremental, "s2").await;
    let out = apply_page(s, &cx, &page(vec![without_purchase], "c", true), 2000)
        .await
        .unwrap();
    assert_eq!((out.changed, out.vanished), (1, 0));
    assert_eq!(s.asset_totals(SOURCE).await.unwrap(), (2, 0));
    assert_eq!(
        s.purchase_of(SOURCE, "Computer/1").await.unwrap(),
        Some((Some(89_900), Some("2022-03-01".into())))
    );
    // The next full sync still knows asset 2 was seen by s1 only; s3 sees both.
    let cx = context(s, SyncMode::Full, "s3").await;
    let out = apply_page(
        s,
        &cx,
        &page(
            vec![
                record(1, Phase::InRepair, "A"),
                record(2, Phase::InService, "A"),
            ],
            "c",
            true,
        ),
        3000,
    )
    .await
    .unwrap();
    assert_eq!(out.vanished, 0);
}

async fn a_page_naming_an_asset_twice_keeps_the_last(db: TestDb) {
    let s = &db.store;
    let cx = context(s, SyncMode::Full, "s1").await;
    let out = apply_page(
        s,
        &cx,
        &page(
            vec![
                record(1, Phase::InStock, "A"),
                record(1, Phase::InService, "A"),
            ],
            "c",
            true,
        ),
        1000,
    )
    .await
    .unwrap();
    assert_eq!(out.created, 1);
    assert_eq!(
        s.asset_phase(SOURCE, "Computer/1").await.unwrap(),
        Some(("in_service".into(), false))
    );
}

on_both_backends! {
    idempotent => the_same_page_twice_changes_nothing;
    events => phase_changes_and_moves_are_events_in_order;
    vanish => a_full_sync_marks_missing_assets_vanished_and_keeps_them;
    vanish_guard => an_empty_full_sync_vanishes_nothing;
    vanish_hold => an_item_type_that_drops_at_once_is_held_until_a_second_full_sync;
    vanish_hold_off => the_hold_can_be_turned_off_and_spares_small_types;
    incremental => an_incremental_sync_never_vanishes_and_absent_purchases_are_kept;
    duplicates => a_page_naming_an_asset_twice_keeps_the_last;
}
