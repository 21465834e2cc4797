//! The printing figures of a commune, end to end: GLPI inventories a printer in an entity,
//! a real SNMP agent (snmpsimd) answers for it with a page counter, a duplex counter and a
//! toner level; the counter grows by 1000 pages of which 400 two-sided and the toner is
//! replaced. The metrics, `/api/v1/printing`, the printing part of `/api/v1/indicators` and
//! the REEN review's printing rows all equal the figures computed here by hand from the
//! sourced factors: A4 80 g/m² = 4.9896 g a sheet, paper 0.919 kgCO2e/kg (Copacel 2021),
//! the class's weekly energy (printer 2.5 W, MFP 3.2 W, copier 29.7 W × 168 h), France's
//! electricity 0.0461 kgCO2e/kWh (ADEME 2025).

use chrono::Datelike;
use parcd::config::Config;
use parcd_connectors::{AssetClass, Phase};
use parcd_fakes::snmp_printers::{Snmpsim, free_udp_port};

use crate::helpers::{
    Daemon, TestDb, config_text, eventually, get_json, glpi, glpi_asset_has_reading, metrics_text,
    parcd, sample,
};
use crate::on_both_backends;

const PAGES: u64 = 48_213;
const DUPLEX: u64 = 16_071;
const AGENTS: u64 = 60;
const SHEET_KG: f64 = 0.210 * 0.297 * 80.0 / 1000.0;
const PAPER_FACTOR: f64 = 0.919;
const F_ELEC: f64 = 0.0461;

/// An HP mono laser printer with `serial` whose counters read `pages` and `duplex`, and its
/// black cartridge `toner` units of 3000.
fn agent(port: u16, serial: &str, pages: u64, duplex: u64, toner: u64) -> Snmpsim {
    let rec = format!(
        "1.3.6.1.2.1.1.1.0|4|HP LaserJet Pro M404dn\n\
         1.3.6.1.2.1.1.5.0|4|PRN-MAIRIE-02\n\
         1.3.6.1.2.1.25.3.2.1.2.1|6|1.3.6.1.2.1.25.3.1.5\n\
         1.3.6.1.2.1.25.3.2.1.3.1|4|HP LaserJet Pro M404dn\n\
         1.3.6.1.2.1.25.3.2.1.5.1|2|2\n\
         1.3.6.1.2.1.25.3.5.1.1.1|2|3\n\
         1.3.6.1.2.1.43.5.1.1.17.1|4|{serial}\n\
         1.3.6.1.2.1.43.10.2.1.2.1.1|2|4\n\
         1.3.6.1.2.1.43.10.2.1.3.1.1|2|7\n\
         1.3.6.1.2.1.43.10.2.1.4.1.1|65|{pages}\n\
         1.3.6.1.2.1.43.11.1.1.3.1.1|2|1\n\
         1.3.6.1.2.1.43.11.1.1.4.1.1|2|3\n\
         1.3.6.1.2.1.43.11.1.1.5.1.1|2|21\n\
         1.3.6.1.2.1.43.11.1.1.6.1.1|4|Black Cartridge HP 59A CF259A\n\
         1.3.6.1.2.1.43.11.1.1.7.1.1|2|7\n\
         1.3.6.1.2.1.43.11.1.1.8.1.1|2|3000\n\
         1.3.6.1.2.1.43.11.1.1.9.1.1|2|{toner}\n\
         1.3.6.1.2.1.43.12.1.1.4.1.1|4|black\n\
         1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.22.0|65|{duplex}\n"
    );
    Snmpsim::start(&[("parc", &rec)], port)
}

/// kWh a week of the class, from the factor set's power.
fn tec(class: AssetClass) -> f64 {
    match class {
        AssetClass::Mfp => 3.2 * 168.0 / 1000.0,
        AssetClass::Copier => 29.7 * 168.0 / 1000.0,
        _ => 2.5 * 168.0 / 1000.0,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

#[track_caller]
fn assert_close(what: &str, got: Option<f64>, want: f64) {
    assert!(
        got.is_some_and(|g| close(g, want)),
        "{what}: {got:?}, want {want}"
    );
}

async fn a_communes_printing_is_counted_once_with_its_paper_co2_sharing_and_cartridges(db: TestDb) {
    let sim = glpi(120).await;
    let (printer, serial) = sim.with_fleet(|f| {
        let id = f.ids("Printer")[0];
        let serial = f
            .asset("Printer", id)
            .and_then(|a| a.serial.clone())
            .expect("the fake's printers have serials");
        (id, serial)
    });
    let external_id = format!("Printer/{printer}");
    let port = free_udp_port();
    let first = agent(port, &serial, PAGES, DUPLEX, 240);
    // A printer no inventory knows, which keeps answering: a round where ours is silent still
    // reads something, so ours is recorded as not answering.
    let other_port = free_udp_port();
    let _other = agent(other_port, "NOT-IN-GLPI-1", 5000, 100, 1500);
    let snmp = format!(
        r#"
        [[sources]]
        name = "imprimantes"
        kind = "snmp_printers"
        targets = ["127.0.0.1:{port}", "127.0.0.1:{other_port}"]
        community = "parc"
        schedule = "* * * * * *"
        jitter_seconds = 0
        retry_initial_seconds = 1
        retry_max_seconds = 2
        "#
    );
    // The entity of GLPI's printer is known once GLPI is read: a first daemon reads it.
    let every_second = r#"schedule = "* * * * * *""#;
    let glpi_only = config_text(&db.url, &sim.base_url(), every_second);
    let daemon = Daemon::start(Config::from_toml(&glpi_only).unwrap()).await;
    let origins = Config::from_toml(&glpi_only).unwrap().agec.rules.origins;
    let n = sim.with_fleet(|f| f.len()) as i64;
    eventually(60, "GLPI is read", || async {
        db.store.asset_totals("glpi").await.unwrap().0 == n
    })
    .await;
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
    let facts = db.store.indicator_facts(&["glpi"], &origins).await.unwrap();
    let ours = facts
        .iter()
        .find(|f| f.key.external_id == external_id)
        .expect("GLPI's printer is stored");
    let entity = ours.entity.clone().unwrap_or_else(|| "none".into());
    let class = ours.class;
    let in_service = |f: &parcd::indicators::AssetFacts| {
        !f.vanished && matches!(f.phase, Phase::InService | Phase::InRepair)
    };
    let in_fleet = in_service(ours);
    // The entity's printers: its in-service printers, MFPs and copiers, and ours once.
    let printers = facts
        .iter()
        .filter(|f| {
            f.entity.as_deref().unwrap_or("none") == entity
                && [AssetClass::Printer, AssetClass::Mfp, AssetClass::Copier].contains(&f.class)
                && in_service(f)
        })
        .count() as f64
        + if in_fleet { 0.0 } else { 1.0 };
    let headcount = format!(
        "[headcount]\n\"{}\" = {AGENTS}\n",
        entity.replace('"', "\\\"")
    );
    let text = config_text(&db.url, &sim.base_url(), every_second) + &snmp + &headcount;
    let daemon = Daemon::start(Config::from_toml(&text).expect("valid configuration")).await;
    let base = format!("http://{}", daemon.addr);

    let stored = |quantity: &'static str, value: f64| {
        glpi_asset_has_reading(&db.store, &external_id, move |r| {
            r.quantity == quantity && r.value == value
        })
    };
    eventually(90, "the first counters are read", || {
        stored("printed_pages", PAGES as f64)
    })
    .await;
    drop(first);
    // 1000 pages, 400 of them two-sided, and the cartridge replaced (8 % → 97 %).
    let second = agent(port, &serial, PAGES + 1000, DUPLEX + 400, 2900);
    eventually(90, "the grown counters are read", || {
        stored("printed_pages", (PAGES + 1000) as f64)
    })
    .await;
    eventually(30, "the replacement is counted", || {
        stored("supply_replacements", 1.0)
    })
    .await;
    let c = class.as_str();
    let ec = format!(r#"class="{c}",entity="{entity}""#);
    eventually(30, "the printer answers in the metrics", || async {
        let t = metrics_text(&base).await;
        sample(&t, &format!("parcd_printers_responding{{{ec}}}")) == Some(1.0)
            && sample(
                &t,
                &format!(r#"parcd_print_year_pages{{class="{c}",colour="all",entity="{entity}"}}"#),
            ) == Some(1000.0)
    })
    .await;
    // The printer is switched off: its page counter is read no more, so the time it was
    // read (and its electricity) stops there.
    drop(second);
    let latest_responding = || {
        let store = db.store.clone();
        let external_id = external_id.clone();
        async move {
            let rows = store.readings_of_asset("glpi", &external_id).await.unwrap();
            let last_page = rows
                .iter()
                .filter(|r| r.quantity == "printed_pages")
                .map(|r| r.at)
                .max();
            rows.iter()
                .filter(|r| r.quantity == "responding")
                .max_by_key(|r| r.at)
                .is_some_and(|r| r.value == 0.0 && Some(r.at) > last_page)
        }
    };
    eventually(60, "the printer is silent", latest_responding).await;
    eventually(30, "the silence reaches the metrics", || async {
        sample(
            &metrics_text(&base).await,
            &format!("parcd_printers_responding{{{ec}}}"),
        ) == Some(0.0)
    })
    .await;

    // The printer no inventory knows is counted apart, printing nothing.
    let t = metrics_text(&base).await;
    let unassigned = r#"class="printer",entity="unassigned""#;
    assert_eq!(
        sample(&t, &format!("parcd_printers{{{unassigned}}}")),
        Some(1.0),
        "{t}"
    );
    assert_eq!(
        sample(&t, &format!("parcd_printers_responding{{{unassigned}}}")),
        Some(1.0)
    );
    assert_eq!(
        sample(&t, &format!("parcd_print_year_sheets{{{unassigned}}}")),
        Some(0.0)
    );

    // By hand: 600 one-sided sheets and 200 two-sided ones.
    let sheets = 1000.0 - 400.0 / 2.0;
    let paper_kg = sheets * SHEET_KG;
    let paper_co2 = paper_kg * PAPER_FACTOR;
    assert!(close(paper_kg, 3.99168) && close(paper_co2, 3.66835392));
    let pages_at: Vec<i64> = db
        .store
        .readings_of_asset("glpi", &external_id)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.quantity == "printed_pages")
        .map(|r| r.at)
        .collect();
    let read_seconds = (pages_at.iter().max().unwrap() - pages_at.iter().min().unwrap()) as f64;
    let energy_kwh = tec(class) * read_seconds / (7.0 * 86_400.0);
    let energy_co2 = energy_kwh * F_ELEC;
    let sharing = AGENTS as f64 / printers;

    let t = metrics_text(&base).await;
    let m = |name: &str, labels: &str| sample(&t, &format!("{name}{{{labels}}}"));
    assert_close(
        "pages",
        m(
            "parcd_print_year_pages",
            &format!(r#"class="{c}",colour="all",entity="{entity}""#),
        ),
        1000.0,
    );
    assert_close("sheets", m("parcd_print_year_sheets", &ec), sheets);
    assert_close(
        "paper",
        m("parcd_print_year_paper_grams", &ec),
        paper_kg * 1000.0,
    );
    assert_close(
        "paper co2",
        m(
            "parcd_print_year_kgco2e",
            &format!(r#"class="{c}",entity="{entity}",part="paper""#),
        ),
        paper_co2,
    );
    assert_close(
        "energy co2",
        m(
            "parcd_print_year_kgco2e",
            &format!(r#"class="{c}",entity="{entity}",part="energy""#),
        ),
        energy_co2,
    );
    assert_close(
        "energy",
        m("parcd_print_year_energy_joules", &ec),
        energy_kwh * 3.6e6,
    );
    assert_close(
        "cartridges",
        m("parcd_print_year_supply_replacements", &ec),
        1.0,
    );
    assert_close(
        "sharing",
        m(
            "parcd_print_agents_per_printer",
            &format!(r#"entity="{entity}""#),
        ),
        sharing,
    );
    let year = chrono::Utc::now().year();
    assert_eq!(sample(&t, "parcd_print_year"), Some(year as f64));
    // The per-source counter goes on beside them.
    assert_eq!(
        sample(
            &t,
            r#"parcd_print_pages_total{colour="all",source="imprimantes"}"#
        ),
        Some(1000.0)
    );
    assert!(!t.contains("community"), "no secret in metrics");

    // The API: the year with its months, and the month alone.
    let api = get_json(&format!("{base}/api/v1/printing?year={year}")).await;
    let e = &api["by_entity"][&entity];
    assert_close("api pages", e["pages"].as_f64(), 1000.0);
    assert_close("api sheets", e["sheets"].as_f64(), sheets);
    assert_close("api paper", e["paper_kg"].as_f64(), paper_kg);
    assert_close("api paper co2", e["paper_kgco2e"].as_f64(), paper_co2);
    assert_close("api energy", e["energy_kwh"].as_f64(), energy_kwh);
    assert_close("api cartridges", e["supply_replacements"].as_f64(), 1.0);
    assert_close("api printers", e["printers"].as_f64(), printers);
    assert_close("api sharing", e["agents_per_printer"].as_f64(), sharing);
    assert_eq!(e["agents"], AGENTS);
    let in_fleet_co2 = if in_fleet { energy_co2 } else { 0.0 };
    assert_close(
        "api in fleet",
        e["energy_kgco2e_in_fleet_use"].as_f64(),
        in_fleet_co2,
    );
    assert_close(
        "api footprint part",
        e["footprint_part_kgco2e"].as_f64(),
        paper_co2 + energy_co2 - in_fleet_co2,
    );
    let f = &api["factors"];
    assert_eq!(f["paper_kgco2e_per_kg"]["value"], PAPER_FACTOR);
    assert_eq!(f["paper_kgco2e_per_kg"]["date"], "2021");
    assert!(
        f["paper_kgco2e_per_kg"]["source"]
            .as_str()
            .unwrap()
            .contains("Copacel")
    );
    assert_eq!(f["electricity_kgco2e_per_kwh"]["value"], F_ELEC);
    assert_eq!(f["electricity_kgco2e_per_kwh"]["date"], "2025");
    assert_eq!(f["tec_kwh_per_week"][c]["date"], "2023-02");
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let months = api["months"].as_array().expect("a year has its months");
    let this_month = months
        .iter()
        .find(|m| m["month"] == month.as_str())
        .unwrap();
    assert_close("month in year", this_month["pages"].as_f64(), 1000.0);
    let alone = get_json(&format!("{base}/api/v1/printing?month={month}")).await;
    assert_close("month", alone["total"]["pages"].as_f64(), 1000.0);
    assert_close(
        "month cartridges",
        alone["total"]["supply_replacements"].as_f64(),
        1.0,
    );
    let bad = reqwest::get(format!("{base}/api/v1/printing?month=2026-13"))
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);

    // The fleet's footprint has printing as its own part, without what it counts already.
    let ind = get_json(&format!("{base}/api/v1/indicators")).await;
    let part = &ind["printing"]["by_entity"][&entity];
    assert_close("part paper", part["paper_kgco2e"].as_f64(), paper_co2);
    assert_close(
        "part in fleet",
        part["energy_in_fleet_use_kgco2e"].as_f64(),
        in_fleet_co2,
    );
    assert_close(
        "part",
        part["kgco2e"].as_f64(),
        paper_co2 + energy_co2 - in_fleet_co2,
    );
    assert!(matches!(daemon.stop().await, Some(Ok(()))));

    // Restarted, the figures come back from the stored readings.
    let daemon = Daemon::start(Config::from_toml(&text).unwrap()).await;
    let base = format!("http://{}", daemon.addr);
    eventually(30, "the figures are restored", || async {
        let t = metrics_text(&base).await;
        sample(&t, &format!("parcd_print_year_sheets{{{ec}}}")) == Some(sheets)
            && sample(&t, &format!("parcd_print_year_supply_replacements{{{ec}}}")) == Some(1.0)
    })
    .await;
    assert!(matches!(daemon.stop().await, Some(Ok(()))));

    // The REEN review of the year carries the same figures, per entity, factors cited.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("parcd.toml");
    std::fs::write(&config, &text).unwrap();
    let out = tokio::task::spawn_blocking(move || {
        parcd()
            .args(["--config", config.to_str().unwrap(), "report", "reen"])
            .args(["--year", &year.to_string(), "--format", "csv"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let csv = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect();
    let cell = |section: &str, indicator: &str| -> f64 {
        rows.iter()
            .find(|r| &r[0] == section && &r[1] == indicator)
            .unwrap_or_else(|| panic!("a {section},{indicator} row:\n{csv}"))[2]
            .parse()
            .unwrap()
    };
    let row = |n: &str| cell("printing_entity", &format!("{entity}.{n}"));
    assert_eq!(row("pages"), 1000.0);
    assert_eq!(row("sheets"), sheets);
    assert!(close(row("paper_kg"), paper_kg));
    assert!((row("paper_kgco2e") - paper_co2).abs() < 1e-5);
    assert_eq!(row("supply_replacements"), 1.0);
    assert!((row("agents_per_printer") - sharing).abs() < 0.005);
    assert_eq!(
        cell("printing_factors", "paper_kgco2e_per_kg"),
        PAPER_FACTOR
    );
    assert!(csv.contains("Copacel"), "{csv}");
}

on_both_backends! {
    commune_printing => a_communes_printing_is_counted_once_with_its_paper_co2_sharing_and_cartridges;
}
