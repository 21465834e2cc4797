//! Tests of the AGEC shares, the projection, the REEN and DEEE rates and the `[agec]` section.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use parcd_connectors::params::Params;
use parcd_connectors::record::PurchaseRecord;
use parcd_connectors::{AssetClass, Phase};
use serde_json::{Value, json};

use super::quota::Share;
use super::reen::DEFAULT_REEN_CLASSES;
use super::share::{Reason, share_of};
use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn buy(id: &str, class: AssetClass, date: NaiveDate, cents: i64, comment: &str) -> Purchase {
    Purchase {
        id: id.into(),
        class: Some(class),
        date: Some(date),
        amount_cents: Some(cents),
        comment: (!comment.is_empty()).then(|| comment.to_string()),
        ..Purchase::default()
    }
}

fn it(shares: &YearShares) -> &share::CategoryYear {
    shares
        .categories
        .iter()
        .find(|c| c.category == Category::ItTelephony)
        .expect("IT has a quota every year from 2021")
}

#[test]
fn the_reuse_share_is_reuse_and_donations_over_all_spend_in_cents() {
    let rules = AgecRules::default();
    let purchases = [
        buy(
            "a",
            AssetClass::Laptop,
            d(2025, 2, 1),
            60_000,
            "reconditionné",
        ),
        buy("b", AssetClass::Laptop, d(2025, 3, 1), 300_000, ""),
        Purchase {
            status: Some("Don reçu".into()),
            ..buy("c", AssetClass::Desktop, d(2025, 4, 1), 40_000, "")
        },
        buy("d", AssetClass::Printer, d(2025, 4, 1), 50_000, ""),
        buy(
            "e",
            AssetClass::Laptop,
            d(2024, 4, 1),
            99_999,
            "reconditionné",
        ),
    ];
    let y = year_shares(&rules, &purchases, 2025, d(2025, 12, 31));
    let c = it(&y);
    assert_eq!(c.purchases, 3);
    assert_eq!(c.year_to_date.amounts.total, 400_000);
    assert_eq!(c.year_to_date.amounts.reuse, 60_000);
    assert_eq!(c.year_to_date.amounts.donation, 40_000);
    assert_eq!(c.year_to_date.amounts.unclassified, 300_000);
    assert_eq!(c.unclassified, 1);
    assert_eq!(c.year_to_date.reuse_share, Some(0.25));
    assert_eq!(c.by_rule.get("reemploi-commentaire"), Some(&1));
    assert_eq!(c.by_rule.get("don-statut"), Some(&1));
    let gap = c.year_to_date.reuse_gap.unwrap();
    assert!(gap.met);
    assert_eq!(gap.shortfall_cents, 0);
    // The printer is reprography, which has no quota after June 2024 but is still shown.
    let r = y
        .categories
        .iter()
        .find(|c| c.category == Category::ReprographyPrinting)
        .unwrap();
    assert_eq!(r.year_to_date.amounts.total, 50_000);
    assert!(r.quota.is_none());
    assert!(!r.year_to_date.below_quota());
}

#[test]
fn the_gap_is_the_reuse_spend_missing_at_the_current_total_rounded_up_to_the_cent() {
    let rules = AgecRules::default();
    let purchases = [
        buy("a", AssetClass::Laptop, d(2025, 1, 10), 10_001, "refurb"),
        buy("b", AssetClass::Laptop, d(2025, 1, 10), 89_999, ""),
    ];
    let c = it(&year_shares(&rules, &purchases, 2025, d(2025, 12, 31))).clone();
    let gap = c.year_to_date.reuse_gap.unwrap();
    // 20 % of 1,000.00 € = 200.00 €; 100.01 € bought: 99.99 € short.
    assert!(!gap.met);
    assert_eq!(gap.shortfall_cents, 9_999);
    // On top: (20,000 − 10,001) / 0.8 = 12,498.75 → 12,499 cents.
    assert_eq!(gap.extra_purchase_cents, Some(12_499));
    assert!(c.year_to_date.below_quota());
    // Check: buying that much more reaches the quota, a cent less does not.
    assert!(
        Gap::new(
            Share::from_bp(2000).unwrap(),
            10_001 + 12_499,
            100_000 + 12_499
        )
        .met
    );
    assert!(
        !Gap::new(
            Share::from_bp(2000).unwrap(),
            10_001 + 12_498,
            100_000 + 12_498
        )
        .met
    );
}

use super::share::Gap;

#[test]
fn the_projection_scales_spend_to_the_whole_year_and_keeps_the_shares() {
    let rules = AgecRules::default();
    let purchases = [
        buy(
            "a",
            AssetClass::Laptop,
            d(2025, 2, 1),
            10_000,
            "reconditionné",
        ),
        buy("b", AssetClass::Laptop, d(2025, 3, 1), 90_000, ""),
        // After `today`: not spent yet, listed.
        buy("c", AssetClass::Laptop, d(2025, 12, 1), 50_000, ""),
    ];
    // 2025-03-31 is day 90 of 365.
    let y = year_shares(&rules, &purchases, 2025, d(2025, 3, 31));
    assert_eq!(y.progress.elapsed_days, 90);
    assert_eq!(y.progress.days_in_year, 365);
    let c = it(&y);
    let p = c.projected.as_ref().unwrap();
    assert_eq!(p.amounts.reuse, 40_556); // 10,000 × 365 / 90, rounded
    // 90,000 × 365 / 90 at the current pace, plus the 50,000 already ordered for December.
    assert_eq!(p.amounts.unclassified, 365_000 + 50_000);
    assert_eq!(p.amounts.total, 455_556);
    assert_eq!(c.planned.unclassified, 50_000);
    assert!((p.reuse_share.unwrap() - 40_556.0 / 455_556.0).abs() < 1e-9);
    assert_eq!(c.year_to_date.reuse_share, Some(0.1));
    let ytd_gap = c.year_to_date.reuse_gap.unwrap().shortfall_cents;
    let year_gap = p.reuse_gap.unwrap().shortfall_cents;
    assert_eq!(ytd_gap, 10_000);
    assert_eq!(year_gap, 50_556); // 20 % of 455,556 − 40,556
    // Not spent yet: out of the year-to-date figures, and listed.
    assert_eq!(c.year_to_date.amounts.total, 100_000);
    assert_eq!(y.excluded.len(), 1);
    assert_eq!(y.excluded[0].reason, Reason::AfterToday);
}

#[test]
fn a_large_order_of_new_devices_puts_a_category_at_risk_before_it_is_spent() {
    let rules = AgecRules::default();
    let purchases = [
        buy(
            "a",
            AssetClass::Laptop,
            d(2025, 2, 1),
            30_000,
            "reconditionné",
        ),
        buy("b", AssetClass::Laptop, d(2025, 3, 1), 70_000, ""),
        buy("c", AssetClass::Laptop, d(2025, 11, 15), 900_000, ""),
    ];
    let y = year_shares(&rules, &purchases, 2025, d(2025, 6, 30));
    let c = it(&y);
    assert!(c.year_to_date.reuse_gap.unwrap().met, "30 % so far");
    let p = c.projected.as_ref().unwrap();
    assert!(
        !p.reuse_gap.unwrap().met,
        "the order drags the year below 20 %"
    );
}

#[test]
fn a_past_year_is_its_own_projection_and_a_future_year_has_none() {
    let rules = AgecRules::default();
    let purchases = [buy("a", AssetClass::Laptop, d(2024, 5, 1), 10_000, "")];
    let past = year_shares(&rules, &purchases, 2024, d(2026, 1, 15));
    assert_eq!(past.progress.elapsed_days, 366);
    let c = it(&past);
    assert_eq!(c.projected.as_ref().unwrap(), &c.year_to_date);
    let future = year_shares(&rules, &purchases, 2027, d(2026, 1, 15));
    assert_eq!(future.progress.elapsed_days, 0);
    assert!(it(&future).projected.is_none());
}

#[test]
fn a_purchase_with_no_amount_or_no_date_is_listed_as_unclassifiable_not_dropped() {
    let rules = AgecRules::default();
    let purchases = [
        Purchase {
            amount_cents: None,
            ..buy("no-amount", AssetClass::Laptop, d(2025, 5, 1), 0, "")
        },
        Purchase {
            date: None,
            ..buy("no-date", AssetClass::Laptop, d(2025, 5, 1), 70_000, "")
        },
        buy("negative", AssetClass::Laptop, d(2025, 5, 1), -5_000, ""),
        buy("switch", AssetClass::Network, d(2025, 5, 1), 120_000, ""),
        buy("ok", AssetClass::Laptop, d(2025, 5, 1), 80_000, ""),
    ];
    let y = year_shares(&rules, &purchases, 2025, d(2025, 12, 31));
    let reasons: Vec<(&str, Reason)> = y
        .excluded
        .iter()
        .map(|l| (l.id.as_str(), l.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("no-amount", Reason::NoAmount),
            ("no-date", Reason::NoDate),
            ("negative", Reason::NegativeAmount),
            ("switch", Reason::NoCategory),
        ]
    );
    assert_eq!(it(&y).year_to_date.amounts.total, 80_000);
    // An undated purchase could belong to any year: it is listed in each.
    let other = year_shares(&rules, &purchases, 2023, d(2025, 12, 31));
    assert_eq!(other.excluded.len(), 1);
    assert_eq!(other.excluded[0].id, "no-date");
}

#[test]
fn an_amount_of_zero_is_counted_and_listed_and_leaves_the_share_undefined_alone() {
    let rules = AgecRules::default();
    let zero = [Purchase {
        status: Some("don".into()),
        ..buy("z", AssetClass::Tablet, d(2025, 6, 1), 0, "")
    }];
    let y = year_shares(&rules, &zero, 2025, d(2025, 12, 31));
    let c = it(&y);
    assert_eq!(c.purchases, 1);
    assert_eq!(c.zero_amount, 1);
    assert_eq!(y.zero_amount.len(), 1);
    assert_eq!(y.zero_amount[0].reason, Reason::ZeroAmount);
    // Nothing spent: no share (not NaN), and no shortfall.
    assert_eq!(c.year_to_date.reuse_share, None);
    assert_eq!(c.year_to_date.recycled_share, None);
    let gap = c.year_to_date.reuse_gap.unwrap();
    assert!(gap.met);
    assert_eq!(gap.shortfall_cents, 0);
    assert_eq!(share_of(0, 0), None);
    assert_eq!(share_of(5, 0), None);
}

#[test]
fn shares_stay_finite_between_zero_and_one_on_huge_amounts() {
    let rules = AgecRules::default();
    let purchases = [
        buy(
            "a",
            AssetClass::Laptop,
            d(2025, 1, 1),
            i64::MAX / 2,
            "reconditionné",
        ),
        buy(
            "b",
            AssetClass::Laptop,
            d(2025, 1, 1),
            i64::MAX / 2,
            "reconditionné",
        ),
        buy("c", AssetClass::Laptop, d(2025, 1, 1), i64::MAX / 2, ""),
    ];
    let y = year_shares(&rules, &purchases, 2025, d(2025, 1, 1));
    let c = it(&y);
    for f in [&c.year_to_date, c.projected.as_ref().unwrap()] {
        for s in [f.reuse_share, f.recycled_share, f.combined_share] {
            let s = s.unwrap();
            assert!(s.is_finite() && (0.0..=1.0).contains(&s), "{s}");
        }
    }
}

#[test]
fn recycled_content_counts_in_the_recycled_and_combined_shares_not_in_reuse() {
    let origins = OriginRules::new(
        vec![
            OriginRule::new(
                "papier-recycle",
                Origin::RecycledContent,
                &[(origin::Field::Comment, "recycl")],
            )
            .unwrap(),
        ],
        true,
        Some(Origin::New),
    );
    let rules = AgecRules {
        origins,
        ..AgecRules::default()
    };
    let paper = |id: &str, cents: i64, comment: &str| Purchase {
        category: Some(Category::Paper),
        class: None,
        ..buy(id, AssetClass::Other, d(2023, 3, 1), cents, comment)
    };
    let purchases = [paper("a", 30_000, "papier recyclé"), paper("b", 70_000, "")];
    let y = year_shares(&rules, &purchases, 2023, d(2023, 12, 31));
    let c = y
        .categories
        .iter()
        .find(|c| c.category == Category::Paper)
        .unwrap();
    assert_eq!(c.year_to_date.recycled_share, Some(0.3));
    assert_eq!(c.year_to_date.reuse_share, Some(0.0));
    assert_eq!(c.year_to_date.amounts.new, 70_000);
    assert_eq!(c.unclassified, 0);
    assert_eq!(c.by_rule.get("default_origin"), Some(&1));
    // Paper under 2021-254: 40 % reuse or recycled. 30 % is 10,000 cents short.
    let gap = c.year_to_date.combined_gap.unwrap();
    assert_eq!(gap.shortfall_cents, 10_000);
    assert!(c.year_to_date.reuse_gap.is_none());
}

#[test]
fn a_purchase_is_built_from_an_infocom_with_the_purchase_date_first() {
    let record = PurchaseRecord {
        order_date: Some(d(2024, 12, 20)),
        buy_date: Some(d(2025, 1, 5)),
        amount_cents: Some(89_900),
        supplier: Some("Recyclea".into()),
        ..PurchaseRecord::default()
    };
    let p = Purchase::from_record(
        "glpi/Computer/1",
        AssetClass::Laptop,
        Some("PC-1"),
        None,
        &record,
    );
    assert_eq!(p.date, Some(d(2025, 1, 5)));
    let no_buy = PurchaseRecord {
        buy_date: None,
        ..record
    };
    assert_eq!(Purchase::spend_date(&no_buy), Some(d(2024, 12, 20)));
}

fn asset(id: &str, class: AssetClass, service: Option<NaiveDate>) -> ExitFacts {
    ExitFacts {
        id: id.into(),
        class: Some(class),
        in_service_date: service,
        ..ExitFacts::default()
    }
}

fn scope() -> BTreeSet<AssetClass> {
    DEFAULT_REEN_CLASSES.into_iter().collect()
}

#[test]
fn the_reen_rate_counts_reused_over_stock_on_1_january_plus_retired_in_the_year() {
    let s = Some(d(2019, 1, 1));
    let facts = [
        // In stock on 1 January 2025, reused in March: in A and B.
        ExitFacts {
            retired_on: Some(d(2024, 11, 1)),
            exit_phase: Some(Phase::Reused),
            exit_on: Some(d(2025, 3, 1)),
            ..asset("stock-reused", AssetClass::Laptop, s)
        },
        // In stock on 1 January, still waiting: in B.
        ExitFacts {
            retired_on: Some(d(2024, 6, 1)),
            ..asset("stock-waiting", AssetClass::Desktop, s)
        },
        // Retired during 2025 and recycled: in B only.
        ExitFacts {
            retired_on: Some(d(2025, 2, 1)),
            exit_phase: Some(Phase::Recycled),
            exit_on: Some(d(2025, 5, 1)),
            ..asset("year-recycled", AssetClass::Monitor, s)
        },
        // Went straight to reuse in 2025 with no recorded retirement: in A and B.
        ExitFacts {
            exit_phase: Some(Phase::Reused),
            exit_on: Some(d(2025, 9, 1)),
            ..asset("direct-reuse", AssetClass::Smartphone, s)
        },
        // Left in 2024: not in 2025's population.
        ExitFacts {
            retired_on: Some(d(2024, 1, 1)),
            exit_phase: Some(Phase::Reused),
            exit_on: Some(d(2024, 12, 31)),
            ..asset("gone-2024", AssetClass::Laptop, s)
        },
        // Still in service.
        asset("in-service", AssetClass::Laptop, s),
    ];
    let r = reen_year(&facts, &scope(), 2025);
    assert_eq!(r.in_stock_on_1_january, 2);
    assert_eq!(r.retired_during_year, 2);
    assert_eq!(r.retired, 4);
    assert_eq!(r.reused, 2);
    assert_eq!(r.rate, Some(0.5));
    assert_eq!(r.target.unwrap().min.bp(), 5000);
    assert_eq!(r.target_met(), Some(true));
    let r2024 = reen_year(&facts, &scope(), 2024);
    // Retired during 2024: stock-reused, stock-waiting and gone-2024; none in stock before.
    assert_eq!(r2024.retired, 3);
    assert_eq!(r2024.reused, 1);
    assert_eq!(r2024.target.unwrap().min.bp(), 3500);
    assert_eq!(r2024.target_met(), Some(false));
}

#[test]
fn equipment_over_ten_years_old_at_retirement_and_sensitive_equipment_are_left_out() {
    let facts = [
        ExitFacts {
            retired_on: Some(d(2025, 3, 2)),
            exit_phase: Some(Phase::Recycled),
            exit_on: Some(d(2025, 4, 1)),
            ..asset("eleven-years", AssetClass::Desktop, Some(d(2015, 3, 1)))
        },
        ExitFacts {
            retired_on: Some(d(2025, 3, 1)),
            ..asset("exactly-ten", AssetClass::Desktop, Some(d(2015, 3, 1)))
        },
        ExitFacts {
            retired_on: Some(d(2025, 3, 1)),
            security_excluded: true,
            ..asset("classified", AssetClass::Laptop, Some(d(2022, 3, 1)))
        },
        ExitFacts {
            retired_on: Some(d(2025, 3, 1)),
            ..asset("unknown-age", AssetClass::Laptop, None)
        },
        ExitFacts {
            retired_on: Some(d(2025, 3, 1)),
            ..asset("server", AssetClass::Server, Some(d(2022, 3, 1)))
        },
    ];
    let r = reen_year(&facts, &scope(), 2025);
    assert_eq!(r.excluded_over_10_years, 1);
    assert_eq!(r.excluded_security, 1);
    assert_eq!(r.excluded_class, 1);
    assert_eq!(r.unknown_age, 1);
    assert_eq!(r.retired, 2);
    assert_eq!(r.rate, Some(0.0));
}

#[test]
fn with_nothing_retired_the_reen_rate_is_none_and_no_verdict_is_given() {
    let r = reen_year(&[], &scope(), 2025);
    assert_eq!(r.rate, None);
    assert_eq!(r.target_met(), None);
    let d = deee_year(&[], 2025);
    assert_eq!((d.reused_share, d.collection_rate), (None, None));
}

#[test]
fn deee_shares_split_the_year_s_exits_and_collection_excludes_destruction() {
    let s = Some(d(2020, 1, 1));
    let exit = |id: &str, phase: Phase, on: NaiveDate| ExitFacts {
        retired_on: Some(d(2025, 1, 10)),
        exit_phase: Some(phase),
        exit_on: Some(on),
        ..asset(id, AssetClass::Server, s)
    };
    let facts = [
        exit("r1", Phase::Reused, d(2025, 2, 1)),
        exit("c1", Phase::Recycled, d(2025, 2, 1)),
        exit("c2", Phase::Recycled, d(2025, 2, 1)),
        exit("x1", Phase::Destroyed, d(2025, 2, 1)),
        ExitFacts {
            retired_on: Some(d(2025, 6, 1)),
            ..asset("waiting", AssetClass::Laptop, s)
        },
        // An exit with no date cannot be placed: listed.
        ExitFacts {
            exit_phase: Some(Phase::Recycled),
            ..asset("undated", AssetClass::Laptop, s)
        },
        // A date with a phase that is not an exit: listed.
        ExitFacts {
            exit_phase: Some(Phase::InStock),
            exit_on: Some(d(2025, 2, 1)),
            ..asset("not-an-exit", AssetClass::Laptop, s)
        },
    ];
    let y = deee_year(&facts, 2025);
    assert_eq!(y.exits, 4);
    assert_eq!(y.reused_share, Some(0.25));
    assert_eq!(y.recycled_share, Some(0.5));
    assert_eq!(y.destroyed_share, Some(0.25));
    assert_eq!(y.retired, 5);
    assert_eq!(y.collected, 3);
    assert_eq!(y.collection_rate, Some(0.6));
    let ids: Vec<_> = y.unplaced.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["undated", "not-an-exit"]);
}

fn section(v: Value) -> (AgecConfig, Vec<parcd_connectors::params::ParamIssue>) {
    let Value::Object(m) = v else { unreachable!() };
    let mut p = Params::new("agec", m);
    let c = AgecConfig::read(&mut p);
    (c, p.finish())
}

#[test]
fn an_empty_agec_section_ships_the_french_rules_the_mapping_and_the_quotas() {
    let (c, issues) = section(json!({}));
    assert!(issues.is_empty(), "{issues:?}");
    assert!(c.rules.origins.default_origin.is_none());
    let text = c.render();
    for needle in [
        "reemploi-commentaire",
        "don-statut",
        "laptop -> Matériel informatique et téléphonie",
        "network -> none",
        "it_telephony 2021-01-01 to 2024-06-30: reuse >= 20%",
        "décret n° 2021-254",
        "2025 on: 50%",
        "counted as unclassified",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
}

#[test]
fn configured_rules_categories_and_quotas_are_read_and_listed_first() {
    let (c, issues) = section(json!({
        "default_origin": "new",
        "reen_classes": ["laptop", "monitor"],
        "origin_rules": [
            {"name": "ugap", "origin": "reuse", "supplier": "ugap", "asset_name": "^RC-"}
        ],
        "categories": {"network": "2", "server": "none"},
        "quotas": [
            {"category": "it_telephony", "from": "2024-07-01", "to": "2026-12-31",
             "reuse_min": 0.1, "recycled_min": "0.05", "source": "décret n° 2024-134, annexe"}
        ]
    }));
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(c.rules.origins.rules()[0].name, "ugap");
    assert_eq!(c.rules.origins.default_origin, Some(Origin::New));
    assert_eq!(
        c.rules.categories.category(AssetClass::Network),
        Some(Category::ItTelephony)
    );
    assert_eq!(c.rules.categories.category(AssetClass::Server), None);
    assert_eq!(c.reen_classes.len(), 2);
    let q = c
        .rules
        .quotas
        .for_year(Category::ItTelephony, 2025)
        .unwrap();
    assert_eq!(q.recycled_min, Share::from_bp(500));
    let text = c.render();
    let ugap = text
        .find("ugap: supplier=/ugap/ asset_name=/^RC-/ -> reuse")
        .unwrap();
    assert!(ugap < text.find("don-statut").unwrap(), "{text}");
    assert!(text.contains("network -> Matériel informatique et téléphonie *"));
}

#[test]
fn every_mistake_in_the_agec_section_is_reported_with_its_key() {
    let (_, issues) = section(json!({
        "default_origin": "reuse",
        "origin_rules": [
            {"name": "a", "origin": "reconditioned", "comment": "x"},
            {"name": "b", "origin": "reuse"},
            {"name": "c", "origin": "reuse", "supplier": "("},
            {"name": "c", "origin": "reuse", "status": "x", "colour": "red"}
        ],
        "categories": {"laptop": "Informatique", "fridge": "16"},
        "quotas": [
            {"category": "Informatique", "from": "2024-07-01", "reuse_min": 0.2, "source": "x"},
            {"category": "it_telephony", "from": "2024-07-01", "reuse_min": 1.5},
            {"category": "paper", "from": "2024-07-01", "recycled_min": 0.2, "source": "x"},
            {"category": "5", "from": "2025-01-01", "recycled_min": 0.3, "source": "y"}
        ],
        "reen_classes": ["laptop", "pc"]
    }));
    let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
    for key in [
        "agec.default_origin",
        "agec.origin_rules[0].origin",
        "agec.origin_rules[1].name",
        "agec.origin_rules[2].supplier",
        "agec.origin_rules[3].colour",
        "agec.categories.laptop",
        "agec.categories.fridge",
        "agec.quotas[0].category",
        "agec.quotas[1].reuse_min",
        "agec.quotas[1].source",
        "agec.quotas[3].from",
        "agec.reen_classes",
    ] {
        assert!(keys.contains(&key), "missing {key} in {keys:?}");
    }
    assert!(issues.iter().all(|i| !i.fix.is_empty()));
    let overlap = issues
        .iter()
        .find(|i| i.key == "agec.quotas[3].from")
        .unwrap();
    assert!(
        overlap
            .problem
            .contains("overlaps the row from 2024-07-01 to open"),
        "{overlap:?}"
    );
}

#[test]
fn the_default_donation_pattern_tells_a_gift_from_a_sale() {
    let re = AgecConfig::default().donation_status;
    for given in [
        "Don",
        "Donné",
        "Donnés à une association",
        "Donation école",
        "Cédé gratuitement",
    ] {
        assert!(re.is_match(given), "{given} is a donation");
    }
    for other in [
        "Vendu",
        "Cédé",
        "Abandonné",
        "Redonné au service",
        "En production",
    ] {
        assert!(!re.is_match(other), "{other} is not a donation");
    }
}

#[test]
fn donations_count_reuse_exits_under_a_donation_status_and_people_by_computer() {
    let re = AgecConfig::default().donation_status;
    let exit = |id: &str, class: AssetClass, phase: Phase, status: &str, on: NaiveDate| ExitFacts {
        id: id.into(),
        class: Some(class),
        exit_phase: Some(phase),
        exit_on: Some(on),
        status: Some(status.into()),
        ..ExitFacts::default()
    };
    let facts = [
        exit(
            "a",
            AssetClass::Laptop,
            Phase::Reused,
            "Donné",
            d(2025, 3, 1),
        ),
        exit(
            "b",
            AssetClass::Monitor,
            Phase::Reused,
            "Donné",
            d(2025, 3, 1),
        ),
        exit(
            "c",
            AssetClass::Desktop,
            Phase::Reused,
            "Vendu",
            d(2025, 3, 1),
        ),
        exit(
            "d",
            AssetClass::Laptop,
            Phase::Recycled,
            "Don",
            d(2025, 3, 1),
        ),
        exit(
            "e",
            AssetClass::Tablet,
            Phase::Reused,
            "Don",
            d(2024, 12, 31),
        ),
    ];
    let y = donations_year(&facts, 2025, &re);
    assert_eq!(
        y.devices_given, 2,
        "a and b: c was sold, d recycled, e given in 2024"
    );
    assert_eq!(
        y.people_equipped, 1,
        "the laptop equips someone, the monitor nobody more"
    );
    assert_eq!(y.by_class.get(&AssetClass::Monitor), Some(&1));
}

#[test]
fn a_purchases_file_that_does_not_exist_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let there = dir.path().join("achats.csv");
    std::fs::write(&there, "date;montant_ht;categorie\n").unwrap();
    let missing = dir.path().join("achat.csv");
    let (c, issues) = section(json!({
        "purchases_files": [there.display().to_string(), missing.display().to_string()]
    }));
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].key, "agec.purchases_files");
    assert!(issues[0].problem.contains("achat.csv"), "{issues:?}");
    assert!(issues[0].fix.contains("CSV export"), "{issues:?}");
    assert_eq!(c.purchases_files, vec![there]);
}
