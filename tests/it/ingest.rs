//! Ingest against real databases: idempotence, events, vanish and resume state.

use parcd::poll::ingest::{FirstImport, SyncContext, apply_page};
use parcd::store::Store;
use parcd_connectors::{AssetRecord, Phase, PurchaseRecord, SyncMode};
use sqlx::Row;

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
        first_import: None,
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

/// Text the write path must carry as it is: PostgreSQL's array syntax (quotes, backslashes,
/// braces, commas), a NULL spelled out, an empty string, whitespace, control characters and
/// non-ASCII.
const ODD: [&str; 10] = [
    "",
    "NULL",
    "a\"b",
    "back\\slash",
    "{braces,comma}",
    " lead and trail ",
    "line\nbreak\ttab\rcr",
    "l'école — 🖨 ∅",
    "\\\"}",
    "\u{1}\u{7f}",
];

/// Assets whose every text column is one odd string, then assets with every optional column
/// NULL, among 3,000 ordinary ones.
fn odd_and_null_records() -> Vec<AssetRecord> {
    let mut records: Vec<AssetRecord> = (1..=3000)
        .map(|i| record(i, Phase::InService, "A"))
        .collect();
    for (i, text) in ODD.iter().enumerate() {
        let odd = Some(text.to_string());
        let r = &mut records[i];
        r.external_id = format!("Computer/odd {i} {text}");
        for field in [
            &mut r.name,
            &mut r.serial,
            &mut r.inventory_number,
            &mut r.type_name,
            &mut r.model,
            &mut r.manufacturer,
            &mut r.entity,
            &mut r.location,
            &mut r.status,
            &mut r.modified_at,
        ] {
            *field = odd.clone();
        }
        r.addresses = vec![text.to_string()];
        r.purchase = Some(PurchaseRecord {
            amount_unreadable: odd.clone(),
            supplier: odd.clone(),
            order_number: odd.clone(),
            comment: odd.clone(),
            ..Default::default()
        });
        let r = &mut records[ODD.len() + i];
        r.external_id = format!("Computer/null {i}");
        for field in [
            &mut r.name,
            &mut r.serial,
            &mut r.inventory_number,
            &mut r.type_name,
            &mut r.model,
            &mut r.manufacturer,
            &mut r.entity,
            &mut r.location,
            &mut r.status,
            &mut r.modified_at,
        ] {
            *field = None;
        }
        r.rated_power_w = None;
        // Half with an empty purchase, half with none.
        r.purchase = (i % 2 == 0).then(PurchaseRecord::default);
    }
    records
}

const ASSET_TEXT: &str = "SELECT name, serial, serial_key, inventory_number, type_name, model, \
    manufacturer, entity, location, status, addresses, source_modified_at, \
    CAST(rated_power_mw AS BIGINT) AS power FROM assets WHERE source = $1 AND external_id = $2";

const PURCHASE_TEXT: &str = "SELECT supplier, order_number, comment, amount_unreadable, \
    buy_date, CAST(amount_cents AS BIGINT) AS amount FROM purchases \
    WHERE source = $1 AND external_id = $2";

fn texts(row: &sqlx::any::AnyRow, columns: &[&str]) -> Vec<Option<String>> {
    columns
        .iter()
        .map(|c| row.try_get::<Option<String>, _>(*c).unwrap())
        .collect()
}

/// A page of more values than PostgreSQL binds in one statement, with odd text and NULLs in
/// every column: stored as read, read back as stored (so the same page twice changes
/// nothing), and vanished and back again by their odd ids.
async fn a_large_page_of_odd_text_and_nulls_is_stored_as_read(db: TestDb) {
    let s = &db.store;
    let records = odd_and_null_records();
    let odd_ids: Vec<String> = records[..2 * ODD.len()]
        .iter()
        .map(|r| r.external_id.clone())
        .collect();
    let cx = context(s, SyncMode::Full, "s1").await;
    let first = apply_page(s, &cx, &page(records.clone(), "c1", true), 1000)
        .await
        .unwrap();
    assert_eq!((first.created, first.events), (3000, 3000));
    assert_eq!(s.asset_totals(SOURCE).await.unwrap(), (3000, 0));

    let columns = [
        "name",
        "serial",
        "inventory_number",
        "type_name",
        "model",
        "manufacturer",
        "entity",
        "location",
        "status",
        "addresses",
        "source_modified_at",
    ];
    for (i, text) in ODD.iter().enumerate() {
        let row = sqlx::query(ASSET_TEXT)
            .bind(SOURCE)
            .bind(&odd_ids[i])
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(
            texts(&row, &columns),
            vec![Some(text.to_string()); columns.len()],
            "asset {:?}",
            odd_ids[i]
        );
        let history = s.events_of(SOURCE, &odd_ids[i]).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].external_id, odd_ids[i]);
        assert_eq!(history[0].entity.as_deref(), Some(*text));
        assert_eq!(history[0].detail.as_deref(), Some(*text));
        let purchase = sqlx::query(PURCHASE_TEXT)
            .bind(SOURCE)
            .bind(&odd_ids[i])
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(
            texts(
                &purchase,
                &["supplier", "order_number", "comment", "amount_unreadable"]
            ),
            vec![Some(text.to_string()); 4]
        );

        let null_id = &odd_ids[ODD.len() + i];
        let row = sqlx::query(ASSET_TEXT)
            .bind(SOURCE)
            .bind(null_id)
            .fetch_one(s.pool())
            .await
            .unwrap();
        let mut nulls = columns.to_vec();
        nulls.push("serial_key");
        assert_eq!(texts(&row, &nulls), vec![None; nulls.len()], "{null_id}");
        assert_eq!(row.try_get::<Option<i64>, _>("power").unwrap(), None);
        let history = s.events_of(SOURCE, null_id).await.unwrap();
        assert_eq!(
            (history[0].entity.as_deref(), history[0].detail.as_deref()),
            (None, None)
        );
        let purchase = sqlx::query(PURCHASE_TEXT)
            .bind(SOURCE)
            .bind(null_id)
            .fetch_optional(s.pool())
            .await
            .unwrap();
        match purchase {
            Some(p) => {
                assert_eq!(i % 2, 0, "{null_id} had no purchase");
                let mut all = vec!["buy_date"];
                all.extend(["supplier", "order_number", "comment", "amount_unreadable"]);
                assert_eq!(texts(&p, &all), vec![None; all.len()]);
                assert_eq!(p.try_get::<Option<i64>, _>("amount").unwrap(), None);
            }
            None => assert_eq!(i % 2, 1, "{null_id} lost its purchase"),
        }
    }
    // An ordinary asset, beyond the first statement's rows, kept its values too.
    assert_eq!(
        s.purchase_of(SOURCE, "Computer/2999").await.unwrap(),
        Some((Some(89_900), Some("2022-03-01".into())))
    );

    // Read back as written: the same page again is no change.
    let cx = context(s, SyncMode::Full, "s2").await;
    let again = apply_page(s, &cx, &page(records.clone(), "c2", true), 2000)
        .await
        .unwrap();
    assert_eq!(
        (again.unchanged, again.events, again.vanished),
        (3000, 0, 0)
    );

    // A full sync without them vanishes exactly the odd and NULL ones, found by their ids.
    let cx = context(s, SyncMode::Full, "s3").await;
    let rest = records[2 * ODD.len()..].to_vec();
    let gone = apply_page(s, &cx, &page(rest, "c3", true), 3000)
        .await
        .unwrap();
    assert_eq!(gone.vanished, 2 * ODD.len() as u64);
    assert_eq!(
        s.asset_totals(SOURCE).await.unwrap(),
        (3000 - 2 * ODD.len() as i64, 2 * ODD.len() as i64)
    );
    for id in &odd_ids {
        let history = s.events_of(SOURCE, id).await.unwrap();
        let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["first_seen", "vanished"], "{id}");
        assert_eq!(history[1].seq, 2);
        assert_eq!(
            s.asset_phase(SOURCE, id).await.unwrap().map(|p| p.1),
            Some(true)
        );
    }

    // And back: each gets `reappeared`, numbered after its `vanished`.
    let cx = context(s, SyncMode::Full, "s4").await;
    let back = apply_page(s, &cx, &page(records, "c4", true), 4000)
        .await
        .unwrap();
    assert_eq!((back.changed, back.vanished), (2 * ODD.len() as u64, 0));
    for id in &odd_ids {
        let history = s.events_of(SOURCE, id).await.unwrap();
        assert_eq!(
            (history.len(), history[2].kind.as_str(), history[2].seq),
            (3, "reappeared", 3),
            "{id}"
        );
    }
    assert_eq!(s.asset_totals(SOURCE).await.unwrap(), (3000, 0));
}

/// The first import of an empty source asks the store only about ids it wrote itself: an
/// asset read on two pages (edited while the source paged) still gets its events in order,
/// and a page replayed after a crash still changes nothing.
async fn a_first_import_still_diffs_an_asset_read_twice(db: TestDb) {
    let s = &db.store;
    assert!(!s.has_assets(SOURCE).await.unwrap());
    let cx = SyncContext {
        first_import: Some(FirstImport::default()),
        ..context(s, SyncMode::Full, "s1").await
    };
    let first: Vec<_> = (1..=3).map(|i| record(i, Phase::InService, "A")).collect();
    let out = apply_page(s, &cx, &page(first, "c1", false), 1000)
        .await
        .unwrap();
    assert_eq!((out.created, out.events), (3, 3));
    assert!(s.has_assets(SOURCE).await.unwrap());
    let second = page(
        vec![
            record(2, Phase::Retired, "B"),
            record(4, Phase::InService, "A"),
        ],
        "c2",
        true,
    );
    let out = apply_page(s, &cx, &second, 2000).await.unwrap();
    assert_eq!((out.created, out.changed, out.vanished), (1, 1, 0));
    let kinds: Vec<(i64, String)> = s
        .events_of(SOURCE, "Computer/2")
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.seq, e.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (1, "first_seen".to_string()),
            (2, "phase_change".to_string()),
            (3, "moved".to_string())
        ]
    );
    // Replayed, as after a crash before the cursor's commit was known: nothing new.
    let again = apply_page(s, &cx, &second, 3000).await.unwrap();
    assert_eq!((again.created, again.changed, again.unchanged), (0, 0, 2));
    assert_eq!(again.events, 0);
    assert_eq!(s.asset_totals(SOURCE).await.unwrap(), (4, 0));
}

/// A source of `PAGES` pages of two devices each, whose poll for the page after cursor
/// `p{k}` can fail or ask the sync to stop; it notes each cursor it is asked from.
struct Paged {
    asked: std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>>,
    fail_at: Option<usize>,
    stop_at: Option<(usize, tokio::sync::watch::Sender<bool>)>,
}

const PAGES: usize = 6;

impl Paged {
    fn new() -> Self {
        Paged {
            asked: Default::default(),
            fail_at: None,
            stop_at: None,
        }
    }
}

#[async_trait::async_trait]
impl parcd_connectors::Connector for Paged {
    fn kind(&self) -> &'static str {
        "paged"
    }
    async fn check(&self) -> Result<(), parcd_connectors::ConnectorError> {
        Ok(())
    }
    async fn poll(
        &self,
        request: parcd_connectors::PollRequest<'_>,
    ) -> Result<parcd_connectors::Page, parcd_connectors::ConnectorError> {
        let after = request.cursor.map(|c| c.0.clone());
        self.asked.lock().unwrap().push(after.clone());
        // Page k (from 1) follows cursor p{k-1}; the first has no cursor.
        let k = match after.as_deref() {
            None => 1,
            Some(c) => c.trim_start_matches('p').parse::<usize>().unwrap() + 1,
        };
        if self.fail_at == Some(k) {
            return Err(parcd_connectors::ConnectorError::Http {
                endpoint: format!("paged/{k}"),
                status: 500,
                detail: "Internal Server Error".into(),
            });
        }
        if let Some((at, stop)) = &self.stop_at
            && *at == k
        {
            stop.send_replace(true);
        }
        let records = (0..2)
            .map(|i| record((k * 10 + i) as u32, Phase::InService, "Mairie"))
            .collect();
        Ok(page(records, &format!("p{k}"), k == PAGES))
    }
}

fn runtime(connector: Paged) -> parcd::poll::sync::SourceRuntime {
    let config = parcd::config::Config::from_toml(&format!(
        "[[sources]]\nname = \"{SOURCE}\"\nkind = \"glpi\"\nurl = \"http://127.0.0.1:9/apirest.php\"\nuser_token = \"t\"\n"
    ))
    .unwrap();
    parcd::poll::sync::SourceRuntime {
        config: config.sources[0].clone(),
        connector: Box::new(connector),
    }
}

async fn stored_cursor(s: &Store) -> Option<String> {
    s.source_state(SOURCE, "glpi", 1).await.unwrap().cursor
}

async fn pages_read_ahead_are_committed_in_order_each_with_its_cursor(db: TestDb) {
    let s = &db.store;
    let paged = Paged::new();
    let asked = paged.asked.clone();
    let rt = runtime(paged);
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let mut ahead = Vec::new();
    let mut committed = Vec::new();
    let report = parcd::poll::sync::run_sync(
        s,
        &rt,
        SyncMode::Full,
        &mut |p| {
            committed.push(p.records_so_far);
            ahead.push(asked.lock().unwrap().len() - committed.len());
        },
        stop,
    )
    .await
    .unwrap();
    assert_eq!(report.pages, PAGES as u64);
    assert_eq!(report.created, 2 * PAGES as u64);
    assert_eq!(
        committed,
        (1..=PAGES as u64).map(|k| 2 * k).collect::<Vec<_>>()
    );
    // Each page was asked for from the cursor of the one before, as a resumed sync would.
    let expected: Vec<Option<String>> = std::iter::once(None)
        .chain((1..PAGES).map(|k| Some(format!("p{k}"))))
        .collect();
    assert_eq!(*asked.lock().unwrap(), expected);
    // The reads ran ahead of the writes, never by more than two pages queued and one
    // waiting for room.
    assert!(
        ahead.iter().any(|&a| a >= 2),
        "reads ahead of the writes: {ahead:?}"
    );
    assert!(
        ahead.iter().all(|&a| a <= 3),
        "reads ahead of the writes: {ahead:?}"
    );
    assert_eq!(
        stored_cursor(s).await.as_deref(),
        Some(format!("p{PAGES}").as_str())
    );
    assert_eq!(s.asset_totals(SOURCE).await.unwrap(), (2 * PAGES as i64, 0));
}

async fn a_read_failing_ahead_of_the_writes_keeps_every_page_before_it(db: TestDb) {
    let s = &db.store;
    let mut paged = Paged::new();
    paged.fail_at = Some(4);
    let rt = runtime(paged);
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let err = parcd::poll::sync::run_sync(s, &rt, SyncMode::Full, &mut |_| {}, stop)
        .await
        .expect_err("page 4 fails");
    assert_eq!(err.error_type(), "http", "{err}");
    assert!(err.to_string().contains("paged/4"), "{err}");
    // Pages 1 to 3 committed, the sync left to resume after the third.
    assert_eq!(s.asset_totals(SOURCE).await.unwrap(), (6, 0));
    let state = s.source_state(SOURCE, "glpi", 1).await.unwrap();
    assert!(state.sync.is_some(), "the unfinished sync is recorded");
    assert_eq!(state.cursor.as_deref(), Some("p3"));
}

async fn a_stop_leaves_the_pages_read_ahead_for_the_resumed_sync(db: TestDb) {
    let s = &db.store;
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let mut paged = Paged::new();
    paged.stop_at = Some((3, stop_tx));
    let rt = runtime(paged);
    let report = parcd::poll::sync::run_sync(s, &rt, SyncMode::Full, &mut |_| {}, stop)
        .await
        .unwrap();
    assert!(report.interrupted);
    // The stop came while page 3 was read: at most the two pages before it are written,
    // none after it, and the cursor is the last page written.
    let (stored, _) = s.asset_totals(SOURCE).await.unwrap();
    assert!(
        report.pages <= 2,
        "{} pages written after the stop",
        report.pages
    );
    assert_eq!(stored, 2 * report.pages as i64);
    let cursor = stored_cursor(s).await;
    match report.pages {
        0 => assert_eq!(cursor, None),
        k => assert_eq!(cursor, Some(format!("p{k}"))),
    }
    // The next run resumes there and ends with every device once.
    let rt = runtime(Paged::new());
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let resumed = parcd::poll::sync::run_sync(s, &rt, SyncMode::Full, &mut |_| {}, stop)
        .await
        .unwrap();
    assert!(resumed.resumed || report.pages == 0);
    assert_eq!(resumed.pages + report.pages, PAGES as u64);
    assert_eq!(s.asset_totals(SOURCE).await.unwrap(), (2 * PAGES as i64, 0));
    let events = s.event_counts(SOURCE).await.unwrap();
    assert_eq!(
        events.get("first_seen"),
        Some(&(2 * PAGES as i64)),
        "{events:?}"
    );
    assert_eq!(events.len(), 1, "{events:?}");
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
    odd_text => a_large_page_of_odd_text_and_nulls_is_stored_as_read;
    first_import => a_first_import_still_diffs_an_asset_read_twice;
    read_ahead => pages_read_ahead_are_committed_in_order_each_with_its_cursor;
    read_ahead_failure => a_read_failing_ahead_of_the_writes_keeps_every_page_before_it;
    read_ahead_stop => a_stop_leaves_the_pages_read_ahead_for_the_resumed_sync;
}
