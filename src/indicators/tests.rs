//! Engine tests on the built-in factor set. Expected figures come from `model::estimate` or the
//! profile directly, never from constants copied out of the data.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use parcd_connectors::{AssetClass, Phase};

use super::*;
use crate::footprint::load;
use crate::footprint::model::{self, Device};
use crate::footprint::{Criterion, FootprintConfig, Impacts, Profile};

const YEAR_SECS: i64 = 8760 * 3600;
const DAY_SECS: i64 = 86_400;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
}

fn builtin() -> FootprintConfig {
    FootprintConfig::builtin().expect("built-in factor set")
}

fn engine_with(footprint: FootprintConfig, headcount: &[(&str, u64)]) -> Engine {
    Engine::new(EngineSettings {
        footprint,
        headcount: headcount.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
    })
}

fn engine() -> Engine {
    engine_with(builtin(), &[])
}

fn asset(id: &str, class: AssetClass, phase: Phase) -> AssetFacts {
    AssetFacts {
        key: AssetKey {
            source: "glpi".into(),
            external_id: id.into(),
        },
        class,
        model: None,
        entity: None,
        phase,
        vanished: false,
        rated_power_w: None,
        in_service_date: None,
        first_seen_at: now().timestamp(),
        exit_at: None,
        reconditioned: false,
    }
}

fn date_days_before(days: i64) -> NaiveDate {
    (now() - Duration::days(days)).date_naive()
}

/// Age in hours the engine sees for a service date (dates start at midnight UTC).
fn age_hours_of(d: NaiveDate) -> f64 {
    let start = d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    (now().timestamp() - start).max(0) as f64 / 3600.0
}

fn profile(cfg: &FootprintConfig, class: AssetClass, model: Option<&str>) -> Profile {
    cfg.factors.profile(class, model).unwrap().profile
}

fn per_kwh(cfg: &FootprintConfig) -> Impacts {
    cfg.factors
        .intensity(&cfg.location, now().year(), &cfg.electricity)
        .unwrap()
        .per_kwh
}

fn yearly(cfg: &FootprintConfig, p: &Profile, d: &Device) -> model::Estimate {
    model::estimate(p, d, 8760.0, &per_kwh(cfg), &cfg.assumptions).unwrap()
}

fn map(i: &Impacts) -> BTreeMap<String, f64> {
    i.iter().map(|(c, v)| (c.key().to_string(), v)).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300)
}

fn assert_close_maps(got: &BTreeMap<String, f64>, want: &BTreeMap<String, f64>) {
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "criteria"
    );
    for (k, w) in want {
        assert!(close(got[k], *w), "{k}: got {} want {w}", got[k]);
    }
}

fn all_finite(g: &Group) -> bool {
    let opts = [
        g.age_mean_years,
        g.age_median_years,
        g.lifespan_at_exit_mean_years,
        g.lifespan_at_exit_median_years,
        g.devices_per_agent,
    ];
    g.coverage_ratio.is_finite()
        && (0.0..=1.0).contains(&g.coverage_ratio)
        && g.embodied_per_year.values().all(|v| v.is_finite())
        && g.use_per_year.values().all(|v| v.is_finite())
        && opts.iter().flatten().all(|v| v.is_finite())
}

fn assert_all_finite(ind: &Indicators) {
    assert!(all_finite(&ind.total), "total: {:?}", ind.total);
    for (k, g) in ind.by_class.iter().chain(&ind.by_entity) {
        assert!(all_finite(g), "{k}: {g:?}");
    }
}

#[test]
fn an_in_service_laptop_contributes_exactly_the_model_estimate_of_its_coming_year() {
    let cfg = builtin();
    let mut a = asset("1", AssetClass::Laptop, Phase::InService);
    let d = date_days_before(700);
    a.in_service_date = Some(d);
    a.rated_power_w = Some(40.0);
    a.entity = Some("Mairie".into());
    let mut e = engine();
    e.rebuild([a], now());

    let want = yearly(
        &cfg,
        &profile(&cfg, AssetClass::Laptop, None),
        &Device {
            power_w: Some(40.0),
            age_hours: age_hours_of(d),
            ..Device::default()
        },
    );
    let ind = e.snapshot();
    assert_eq!(ind.computed_at, now().timestamp());
    for g in [
        &ind.total,
        &ind.by_class["laptop"],
        &ind.by_entity["Mairie"],
    ] {
        assert_eq!((g.devices, g.in_service, g.covered), (1, 1, 1));
        assert_eq!(g.coverage_ratio, 1.0);
        assert!(g.excluded.is_empty());
        assert_close_maps(&g.embodied_per_year, &map(&want.embodied));
        assert_close_maps(&g.use_per_year, &map(&want.use_phase));
        assert_eq!(g.past_target_lifespan, 0);
    }
    assert!(
        ind.total.embodied_per_year["gwp"] > 0.0 && ind.total.use_per_year["gwp"] > 0.0,
        "a two-year-old laptop still carries embodied and use figures"
    );
}

#[test]
fn a_device_past_its_reference_lifespan_counts_past_target_and_carries_no_embodied_share() {
    let cfg = builtin();
    let laptop = profile(&cfg, AssetClass::Laptop, None);
    let mut a = asset("1", AssetClass::Laptop, Phase::InService);
    let days = (laptop.lifespan_hours / 24.0) as i64 + 30;
    a.in_service_date = Some(date_days_before(days));
    let mut e = engine();
    e.rebuild([a], now());
    let t = e.snapshot().total;
    assert_eq!(t.past_target_lifespan, 1);
    assert_eq!(t.embodied_per_year["gwp"], 0.0);
    let want = yearly(&cfg, &laptop, &Device::default());
    assert!(close(
        t.use_per_year["gwp"],
        want.use_phase.get(Criterion::Gwp).unwrap()
    ));
}

#[test]
fn a_class_without_factors_is_excluded_as_no_factor_and_lowers_coverage() {
    let mut e = engine();
    let mut assets: Vec<_> = (0..3)
        .map(|i| asset(&i.to_string(), AssetClass::Laptop, Phase::InService))
        .collect();
    assets.push(asset("x", AssetClass::Other, Phase::InService));
    e.rebuild(assets, now());
    let ind = e.snapshot();
    assert_eq!((ind.total.in_service, ind.total.covered), (4, 3));
    assert_eq!(ind.total.coverage_ratio, 0.75);
    assert_eq!(
        ind.total.excluded,
        BTreeMap::from([("no_factor".to_string(), 1)])
    );
    let other = &ind.by_class["other"];
    assert_eq!(other.coverage_ratio, 0.0);
    assert!(other.embodied_per_year.is_empty() && other.use_per_year.is_empty());
}

#[test]
fn an_absurd_rated_power_is_excluded_and_a_missing_or_non_positive_one_takes_the_class_default() {
    let cfg = builtin();
    let desktop = profile(&cfg, AssetClass::Desktop, None);
    let default = yearly(&cfg, &desktop, &Device::default());
    for power in [None, Some(0.0), Some(-3.0), Some(f64::NAN)] {
        let mut a = asset("d", AssetClass::Desktop, Phase::InService);
        a.rated_power_w = power;
        let mut e = engine();
        e.rebuild([a], now());
        let t = e.snapshot().total;
        assert_eq!(t.covered, 1, "{power:?}");
        assert_close_maps(&t.use_per_year, &map(&default.use_phase));
    }
    for power in [75_000.0, f64::INFINITY] {
        let mut a = asset("d", AssetClass::Desktop, Phase::InService);
        a.rated_power_w = Some(power);
        let mut e = engine();
        e.rebuild([a], now());
        let ind = e.snapshot();
        assert_eq!(ind.total.covered, 0);
        assert_eq!(ind.total.excluded["invalid_power"], 1);
        assert!(ind.total.use_per_year.is_empty());
        assert_all_finite(&ind);
    }
}

#[test]
fn only_in_service_and_in_repair_devices_carry_footprint_and_vanished_ones_count_nowhere() {
    let cfg = builtin();
    let mut assets: Vec<_> = Phase::ALL
        .iter()
        .map(|p| asset(p.as_str(), AssetClass::Laptop, *p))
        .collect();
    let mut gone = asset("gone", AssetClass::Laptop, Phase::InService);
    gone.vanished = true;
    gone.entity = Some("Ghost".into());
    assets.push(gone);
    let mut e = engine();
    e.rebuild(assets, now());
    assert_eq!(e.len(), Phase::ALL.len());
    let ind = e.snapshot();
    let t = &ind.total;
    assert_eq!(t.devices, Phase::ALL.len() as u64);
    assert_eq!((t.in_service, t.covered, t.exits), (2, 2, 3));
    let one = yearly(
        &cfg,
        &profile(&cfg, AssetClass::Laptop, None),
        &Device::default(),
    );
    assert!(close(
        t.embodied_per_year["gwp"],
        2.0 * one.embodied.get(Criterion::Gwp).unwrap()
    ));
    assert!(!ind.by_entity.contains_key("Ghost"));
    assert_eq!(ind.by_entity[NO_ENTITY].devices, t.devices);
}

#[test]
fn lifespan_at_exit_runs_from_the_service_date_or_first_seen_to_the_exit() {
    let exit_at = now().timestamp() - 10 * DAY_SECS;
    let service = |days: i64| {
        (now() - Duration::days(10 + days))
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
    };
    let mut a = asset("a", AssetClass::Laptop, Phase::Recycled);
    a.in_service_date = Some(service(730).date_naive());
    a.exit_at = Some(service(730).timestamp() + 730 * DAY_SECS);
    let mut b = asset("b", AssetClass::Laptop, Phase::Reused);
    b.first_seen_at = exit_at - 1460 * DAY_SECS;
    b.exit_at = Some(exit_at);
    let mut c = asset("c", AssetClass::Desktop, Phase::Destroyed);
    c.in_service_date = Some(service(2555).date_naive());
    c.exit_at = Some(service(2555).timestamp() + 2555 * DAY_SECS);
    // An exit without a date counts as an exit, with no lifespan.
    let d = asset("d", AssetClass::Desktop, Phase::Destroyed);
    let mut e = engine();
    e.rebuild([a, b, c, d], now());
    let t = e.snapshot().total;
    assert_eq!(t.exits, 4);
    let mean = (730 + 1460 + 2555) as f64 * DAY_SECS as f64 / 3.0 / YEAR_SECS as f64;
    assert!(close(t.lifespan_at_exit_mean_years.unwrap(), mean));
    assert_eq!(t.lifespan_at_exit_median_years, Some(1460.0 / 365.0));
    assert_eq!(t.in_service, 0);
    assert_eq!(t.age_mean_years, None);
}

#[test]
fn age_uses_the_service_date_else_first_seen_and_a_future_date_counts_as_zero() {
    let mut a = asset("a", AssetClass::Laptop, Phase::InService);
    a.in_service_date = Some(date_days_before(1095));
    let mut b = asset("b", AssetClass::Laptop, Phase::InService);
    b.first_seen_at = now().timestamp() - 365 * DAY_SECS;
    let mut c = asset("c", AssetClass::Laptop, Phase::InRepair);
    c.in_service_date = Some(date_days_before(-40));
    let mut e = engine();
    e.rebuild([a.clone(), b, c], now());
    let t = e.snapshot().total;
    let a_secs = age_hours_of(a.in_service_date.unwrap()) * 3600.0;
    let mean = (a_secs + (365 * DAY_SECS) as f64) / 3.0 / YEAR_SECS as f64;
    assert!(close(t.age_mean_years.unwrap(), mean));
    assert_eq!(t.age_median_years, Some(1.0));
    assert_eq!(t.past_target_lifespan, 0);
}

#[test]
fn an_absurd_date_is_an_other_exclusion_and_never_a_nan() {
    let mut a = asset("old", AssetClass::Laptop, Phase::InService);
    a.in_service_date = NaiveDate::from_ymd_opt(1800, 1, 1);
    let mut b = asset("min", AssetClass::Desktop, Phase::InService);
    b.first_seen_at = i64::MIN;
    let mut c = asset("exit", AssetClass::Desktop, Phase::Recycled);
    c.first_seen_at = i64::MAX;
    c.exit_at = Some(i64::MIN);
    let mut d = asset("far", AssetClass::Monitor, Phase::InService);
    d.first_seen_at = i64::MAX;
    let mut e = engine();
    e.rebuild([a, b, c, d], now());
    let ind = e.snapshot();
    assert_eq!(ind.total.excluded["other"], 2);
    assert_eq!(
        ind.total.covered, 1,
        "a device first seen in the future is age 0"
    );
    assert_eq!(ind.total.age_median_years, Some(0.0));
    assert_eq!(ind.total.lifespan_at_exit_mean_years, Some(0.0));
    assert_all_finite(&ind);
}

#[test]
fn a_reconditioned_device_is_charged_the_configured_share_of_its_embodied_impact() {
    let cfg = builtin();
    let mut a = asset("r", AssetClass::Smartphone, Phase::InService);
    a.reconditioned = true;
    let mut e = engine();
    e.rebuild([a], now());
    let t = e.snapshot().total;
    let new = yearly(
        &cfg,
        &profile(&cfg, AssetClass::Smartphone, None),
        &Device::default(),
    );
    let share = cfg.assumptions.reconditioned_embodied_share;
    assert!(share < 1.0);
    for (k, v) in map(&new.embodied) {
        assert!(close(t.embodied_per_year[&k], v * share), "{k}");
    }
}

#[test]
fn headcount_gives_devices_per_agent_per_entity_and_over_the_whole_fleet() {
    let mut e = engine_with(builtin(), &[("A", 4), ("B", 10), ("C", 5)]);
    let mut assets = Vec::new();
    for (i, (entity, phase)) in [
        (Some("A"), Phase::InService),
        (Some("A"), Phase::InRepair),
        (Some("A"), Phase::InStock),
        (None, Phase::InService),
    ]
    .into_iter()
    .chain((0..5).map(|_| (Some("B"), Phase::InService)))
    .enumerate()
    {
        let mut a = asset(&i.to_string(), AssetClass::Desktop, phase);
        a.entity = entity.map(String::from);
        assets.push(a);
    }
    e.rebuild(assets, now());
    let ind = e.snapshot();
    let a = &ind.by_entity["A"];
    assert_eq!((a.devices, a.in_service, a.agents), (3, 2, Some(4)));
    assert_eq!(a.devices_per_agent, Some(0.5));
    assert_eq!(ind.by_entity["B"].devices_per_agent, Some(0.5));
    let c = &ind.by_entity["C"];
    assert_eq!(
        (c.devices, c.agents, c.devices_per_agent),
        (0, Some(5), Some(0.0))
    );
    let none = &ind.by_entity[NO_ENTITY];
    assert_eq!((none.agents, none.devices_per_agent), (None, None));
    assert_eq!(ind.total.agents, None);
    assert_eq!(ind.total.devices_per_agent, Some(8.0 / 19.0));
    assert_eq!(ind.by_class["desktop"].devices_per_agent, None);

    let mut no_headcount = engine();
    no_headcount.rebuild([asset("1", AssetClass::Laptop, Phase::InService)], now());
    assert_eq!(no_headcount.snapshot().total.devices_per_agent, None);
    let zero = engine_with(builtin(), &[("Z", 0)]);
    assert_eq!(zero.snapshot().by_entity["Z"].devices_per_agent, None);
}

#[test]
fn an_update_replaces_the_previous_contribution_instead_of_adding_to_it() {
    let mut e = engine();
    let mut a = asset("1", AssetClass::Desktop, Phase::InService);
    a.entity = Some("A".into());
    e.rebuild([a.clone()], now());
    let first = e.snapshot();
    a.rated_power_w = Some(60.0);
    a.entity = Some("B".into());
    e.update([a.clone()], now());
    assert_eq!(e.len(), 1);
    let moved = e.snapshot();
    assert_eq!(moved.total.devices, 1);
    assert!(
        !moved.by_entity.contains_key("A"),
        "an emptied entity disappears"
    );
    assert!(moved.total.use_per_year["gwp"] < first.total.use_per_year["gwp"]);
    let mut fresh = engine();
    fresh.rebuild([a.clone()], now());
    assert_eq!(moved, fresh.snapshot());

    e.remove([&a.key], now());
    assert!(e.is_empty());
    assert_eq!(e.snapshot().total, engine().snapshot().total);
}

/// A factor set with one model override, to exercise the per-model profile cache.
fn with_model() -> FootprintConfig {
    let set = load::with_overlay(
        "test.toml",
        r#"
        [sources.dsi-policy]
        title = "DSI test policy"
        date = "2026-01-15"

        [models."Latitude 5420"]
        class = "laptop"
        power = { value = 15, unit = "W", source = "dsi-policy" }
        lifespan = { value = 6, unit = "y", source = "dsi-policy" }
        embodied.gwp = { value = 250, unit = "kgCO2e", source = "dsi-policy" }
        "#,
    )
    .unwrap();
    FootprintConfig {
        factors: Arc::new(set),
        ..builtin()
    }
}

#[test]
fn a_model_with_overrides_uses_its_figures_and_an_unknown_model_its_class() {
    let cfg = with_model();
    let mut known = asset("k", AssetClass::Laptop, Phase::InService);
    known.model = Some("Latitude 5420".into());
    let mut unknown = asset("u", AssetClass::Laptop, Phase::InService);
    unknown.model = Some("ThinkPad X1".into());
    let mut wrong_class = asset("w", AssetClass::Desktop, Phase::InService);
    wrong_class.model = Some("Latitude 5420".into());

    let mut e = engine_with(cfg.clone(), &[]);
    e.rebuild([known], now());
    let want = yearly(
        &cfg,
        &profile(&cfg, AssetClass::Laptop, Some("Latitude 5420")),
        &Device::default(),
    );
    assert_close_maps(&e.snapshot().total.embodied_per_year, &map(&want.embodied));
    assert_close_maps(&e.snapshot().total.use_per_year, &map(&want.use_phase));

    e.rebuild([unknown], now());
    let want = yearly(
        &cfg,
        &profile(&cfg, AssetClass::Laptop, None),
        &Device::default(),
    );
    assert_close_maps(&e.snapshot().total.embodied_per_year, &map(&want.embodied));

    e.rebuild([wrong_class], now());
    assert_eq!(e.snapshot().total.excluded["other"], 1);
}

#[test]
fn a_location_without_electricity_factors_leaves_use_absent_and_says_why() {
    let cfg = FootprintConfig {
        location: "ZZZ".into(),
        ..builtin()
    };
    let mut e = engine_with(cfg, &[]);
    e.rebuild([asset("1", AssetClass::Laptop, Phase::InService)], now());
    let t = e.snapshot().total;
    assert!(t.use_per_year.is_empty());
    assert!(t.embodied_per_year.contains_key("gwp"));
    assert_eq!(t.covered, 1);
    assert!(e.electricity_issue().unwrap().contains("ZZZ"));
    assert_eq!(engine().electricity_issue(), None);
}

#[test]
fn the_what_if_charges_each_device_its_whole_embodied_impact_over_the_given_lifespan() {
    let cfg = builtin();
    let laptop = profile(&cfg, AssetClass::Laptop, None);
    let desktop = profile(&cfg, AssetClass::Desktop, None);
    let share = cfg.assumptions.reconditioned_embodied_share;
    let mut recond = asset("r", AssetClass::Laptop, Phase::InService);
    recond.reconditioned = true;
    let mut old = asset("o", AssetClass::Laptop, Phase::InService);
    old.in_service_date = Some(date_days_before(4000));
    let assets = vec![
        asset("l", AssetClass::Laptop, Phase::InService),
        recond,
        old,
        asset("d", AssetClass::Desktop, Phase::InRepair),
        asset("s", AssetClass::Desktop, Phase::InStock),
        asset("x", AssetClass::Other, Phase::InService),
    ];
    let mut e = engine();
    e.rebuild(assets, now());
    let seven_years = 7.0 * 8760.0;
    let sim = e.simulate(&BTreeMap::from([(AssetClass::Laptop, seven_years)]));
    assert!(sim.rejected.is_empty());
    assert!(!sim.current.contains_key("other"));

    let laptops = 2.0 + share;
    for (c, e_whole) in laptop.embodied.iter() {
        let k = c.key();
        let cur = sim.current["laptop"][k];
        assert!(
            close(cur, laptops * e_whole * 8760.0 / laptop.lifespan_hours),
            "{k}"
        );
        assert!(
            close(sim.simulated["laptop"][k], laptops * e_whole / 7.0),
            "{k}"
        );
    }
    for (c, e_whole) in desktop.embodied.iter() {
        let k = c.key();
        let want = e_whole * 8760.0 / desktop.lifespan_hours;
        assert!(close(sim.current["desktop"][k], want), "{k}");
        assert_eq!(sim.simulated["desktop"][k], sim.current["desktop"][k]);
    }
    let gwp =
        |m: &BTreeMap<String, BTreeMap<String, f64>>| m["laptop"]["gwp"] + m["desktop"]["gwp"];
    assert!(close(sim.current["total"]["gwp"], gwp(&sim.current)));
    assert!(close(sim.simulated["total"]["gwp"], gwp(&sim.simulated)));
    assert!(sim.simulated["total"]["gwp"] < sim.current["total"]["gwp"]);
}

#[test]
fn a_nonsense_what_if_lifespan_is_rejected_and_the_class_keeps_its_current_figures() {
    let mut e = engine();
    e.rebuild(
        [
            asset("l", AssetClass::Laptop, Phase::InService),
            asset("d", AssetClass::Desktop, Phase::InService),
            asset("m", AssetClass::Monitor, Phase::InService),
        ],
        now(),
    );
    let sim = e.simulate(&BTreeMap::from([
        (AssetClass::Laptop, 0.0),
        (AssetClass::Desktop, f64::NAN),
        (AssetClass::Monitor, 1e9),
    ]));
    assert_eq!(
        sim.rejected.keys().collect::<Vec<_>>(),
        ["desktop", "laptop", "monitor"]
    );
    assert_eq!(sim.simulated, sim.current);
    assert!(
        sim.current
            .values()
            .flat_map(|m| m.values())
            .all(|v| v.is_finite())
    );
    let empty = engine().simulate(&BTreeMap::new());
    assert_eq!(empty.current["total"], BTreeMap::new());
}

const CLASSES: [AssetClass; 6] = [
    AssetClass::Laptop,
    AssetClass::Desktop,
    AssetClass::Monitor,
    AssetClass::Smartphone,
    AssetClass::Printer,
    AssetClass::Other,
];
const ENTITIES: [Option<&str>; 4] = [None, Some("Mairie"), Some("CCAS"), Some("Écoles")];

fn random_asset(rng: &mut fastrand::Rng, id: u32) -> AssetFacts {
    let mut a = asset(
        &id.to_string(),
        CLASSES[rng.usize(..CLASSES.len())],
        Phase::ALL[rng.usize(..Phase::ALL.len())],
    );
    mutate(rng, &mut a);
    a
}

/// One random change of the kinds a sync brings.
fn mutate(rng: &mut fastrand::Rng, a: &mut AssetFacts) {
    match rng.u8(..8) {
        0 => a.phase = Phase::ALL[rng.usize(..Phase::ALL.len())],
        1 => a.entity = ENTITIES[rng.usize(..ENTITIES.len())].map(String::from),
        2 => {
            a.rated_power_w = match rng.u8(..5) {
                0 => None,
                1 => Some(-1.0),
                2 => Some(90_000.0),
                _ => Some(rng.f64() * 300.0),
            }
        }
        3 => a.vanished = rng.u8(..3) == 0,
        4 => a.in_service_date = (rng.bool()).then(|| date_days_before(rng.i64(-100..4000))),
        5 => {
            a.exit_at = rng
                .bool()
                .then(|| now().timestamp() - rng.i64(0..3000) * DAY_SECS)
        }
        6 => {
            a.model = match rng.u8(..3) {
                0 => None,
                1 => Some("Latitude 5420".into()),
                _ => Some("Unknown model".into()),
            }
        }
        _ => {
            a.reconditioned = rng.bool();
            a.first_seen_at = now().timestamp() - rng.i64(0..3000) * DAY_SECS;
        }
    }
}

#[test]
fn random_incremental_updates_agree_exactly_with_a_full_rebuild_of_the_final_state() {
    for seed in [1, 7, 2026] {
        let mut rng = fastrand::Rng::with_seed(seed);
        let cfg = with_model();
        let headcount = [("Mairie", 40), ("CCAS", 12)];
        let mut state: BTreeMap<u32, AssetFacts> =
            (0..200).map(|i| (i, random_asset(&mut rng, i))).collect();
        let mut inc = engine_with(cfg.clone(), &headcount);
        inc.rebuild(state.values().cloned(), now());
        for step in 0..1500 {
            let n = rng.usize(1..5);
            let mut batch = Vec::new();
            for _ in 0..n {
                let id = rng.u32(..260);
                let a = state
                    .entry(id)
                    .or_insert_with(|| random_asset(&mut rng, id));
                for _ in 0..rng.usize(1..3) {
                    mutate(&mut rng, a);
                }
                batch.push(a.clone());
            }
            inc.update(batch, now());
            if step % 250 == 0 {
                assert_all_finite(&inc.snapshot());
            }
        }
        let mut full = engine_with(cfg, &headcount);
        full.rebuild(state.values().cloned(), now());
        let (got, want) = (inc.snapshot(), full.snapshot());
        assert_eq!(inc.len(), full.len());
        // Fixed-point sums make the agreement exact, medians and means included.
        assert_eq!(got, want, "seed {seed}");
        assert_eq!(
            inc.simulate(&BTreeMap::new()),
            full.simulate(&BTreeMap::new())
        );
        assert_all_finite(&want);

        // Classes and entities each partition the fleet.
        let t = &want.total;
        for groups in [&want.by_class, &want.by_entity] {
            let sum = |f: fn(&Group) -> u64| groups.values().map(f).sum::<u64>();
            assert_eq!(sum(|g| g.devices), t.devices);
            assert_eq!(sum(|g| g.in_service), t.in_service);
            assert_eq!(sum(|g| g.covered), t.covered);
            assert_eq!(sum(|g| g.exits), t.exits);
            let gwp: f64 = groups
                .values()
                .filter_map(|g| g.embodied_per_year.get("gwp"))
                .sum();
            assert!(close(gwp, t.embodied_per_year["gwp"]));
        }
        assert!(t.covered > 0 && t.covered < t.in_service && t.exits > 0);
        let live = state.values().filter(|a| !a.vanished).count();
        assert_eq!((full.len(), t.devices), (live, live as u64));
    }
}

#[test]
fn a_rebuild_fed_in_batches_equals_a_rebuild_of_the_whole_fleet_and_replaces_the_previous_one() {
    let mut rng = fastrand::Rng::with_seed(11);
    let cfg = with_model();
    let headcount = [("Mairie", 40), ("CCAS", 12)];
    let fleet: Vec<AssetFacts> = (0..500).map(|i| random_asset(&mut rng, i)).collect();
    let mut whole = engine_with(cfg.clone(), &headcount);
    whole.rebuild(fleet.clone(), now());

    let mut batched = engine_with(cfg, &headcount);
    // Figures from before the rebuild must not survive it.
    batched.rebuild([random_asset(&mut rng, 9_999)], now());
    let mut rebuild = batched.rebuild_in_batches(now());
    for chunk in fleet.chunks(64) {
        rebuild.feed(chunk.to_vec());
    }
    rebuild.finish();

    assert_eq!(batched.len(), whole.len());
    assert_eq!(batched.snapshot(), whole.snapshot());
    assert_eq!(
        batched.simulate(&BTreeMap::new()),
        whole.simulate(&BTreeMap::new())
    );
    assert!(whole.snapshot().total.in_service > 0);
}

/// A fleet large enough to be split between workers, with assets fed twice (the later form
/// counts) and vanished ones, some of them after a live form.
fn fleet_with_repeats(rng: &mut fastrand::Rng, n: u32) -> Vec<AssetFacts> {
    let mut fleet: Vec<AssetFacts> = (0..n).map(|i| random_asset(rng, i)).collect();
    for _ in 0..n / 10 {
        let mut again = fleet[rng.usize(..fleet.len())].clone();
        mutate(rng, &mut again);
        fleet.push(again);
    }
    fleet
}

#[test]
fn a_rebuild_on_several_threads_equals_one_on_a_single_thread_and_a_fold_of_updates() {
    let cfg = with_model();
    let headcount = [("Mairie", 40), ("CCAS", 12)];
    for seed in [3, 2027] {
        let mut rng = fastrand::Rng::with_seed(seed);
        // Enough for four threads to get their share (MIN_PER_WORKER each).
        let fleet = fleet_with_repeats(&mut rng, 30_000);

        let mut single = engine_with(cfg.clone(), &headcount).with_threads(1);
        single.rebuild(fleet.clone(), now());
        let mut parallel = engine_with(cfg.clone(), &headcount).with_threads(4);
        // Figures from before the rebuild must not survive it.
        parallel.rebuild(fleet_with_repeats(&mut rng, 9_000), now());
        let mut rebuild = parallel.rebuild_in_batches(now());
        for batch in fleet.chunks(20_000) {
            rebuild.feed(batch.to_vec());
        }
        rebuild.finish();
        // The update path folds one asset at a time, in order, as the engine always did.
        let mut updates = engine_with(cfg.clone(), &headcount);
        for batch in fleet.chunks(777) {
            updates.update(batch.to_vec(), now());
        }

        let want = single.snapshot();
        assert!(
            want.total.covered > 0 && want.total.exits > 0,
            "seed {seed}"
        );
        for (name, e) in [("parallel", &parallel), ("updates", &updates)] {
            assert_eq!(e.len(), single.len(), "{name}, seed {seed}");
            assert_eq!(e.snapshot(), want, "{name}, seed {seed}");
            assert_eq!(
                e.simulate(&BTreeMap::new()),
                single.simulate(&BTreeMap::new()),
                "{name}, seed {seed}"
            );
        }

        // And an update after a parallel rebuild finds every asset where the rebuild put it.
        let changed: Vec<AssetFacts> = fleet[..500]
            .iter()
            .map(|a| {
                let mut a = a.clone();
                mutate(&mut rng, &mut a);
                a
            })
            .collect();
        parallel.update(changed.clone(), now());
        single.update(changed, now());
        assert_eq!(parallel.snapshot(), single.snapshot(), "seed {seed}");
        assert_eq!(parallel.len(), single.len(), "seed {seed}");
    }
}
