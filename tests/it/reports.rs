//! The yearly reports and `parcd agec` as an administrator runs them: a simulated GLPI,
//! `parcd sync --once`, then the binary, its files, its exit code and its messages.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use chrono::Datelike;
use parcd_fakes::glpi::{Fleet, SimHandle, SqlDate};
use serde_json::Value;

use crate::agec::{now, this_years_laptops, today};
use crate::helpers::{TestDb, config_text, glpi, parcd};
use crate::on_both_backends;

const SIRET: &str = "21310555400019";
const ORGANISATION: &str = "Ville de Saint-Exemple";
const IT_LABEL: &str = "Matériel informatique et téléphonie";

fn agec_section(siret: &str, organisation: &str) -> String {
    format!("\n[agec]\nsiret = \"{siret}\"\norganisation = \"{organisation}\"\n")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `parcd --config CONFIG ARGS…` without blocking the runtime the simulator serves on.
async fn run(config: &Path, args: &[&str]) -> Output {
    let mut c = tokio::process::Command::from(parcd());
    c.arg("--config").arg(config).args(args).kill_on_drop(true);
    tokio::time::timeout(Duration::from_secs(120), c.output())
        .await
        .unwrap_or_else(|_| panic!("parcd {args:?} did not finish in 120 s"))
        .expect("parcd starts")
}

/// Like [`run`], and the command must succeed.
async fn run_ok(config: &Path, args: &[&str]) -> Output {
    let out = run(config, args).await;
    assert!(
        out.status.success(),
        "parcd {args:?} failed ({:?}):\n{}",
        out.status.code(),
        stderr(&out)
    );
    out
}

/// A simulated GLPI, a configuration file pointing at it and at `db`, one sync done.
struct Synced {
    _sim: SimHandle,
    dir: tempfile::TempDir,
    config: PathBuf,
    /// What `parcd sync --once` printed.
    sync_stdout: String,
}

/// Starts a GLPI of 40 devices, lets `edit` change it, writes a configuration with `extra`
/// at its end (after the source), and syncs once.
async fn synced(db: &TestDb, extra: &str, edit: impl FnOnce(&SimHandle)) -> Synced {
    let sim = glpi(40).await;
    edit(&sim);
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "parcd.toml",
        &format!("{}{extra}", config_text(&db.url, &sim.base_url(), "")),
    );
    let out = run_ok(&config, &["sync", "--once"]).await;
    Synced {
        _sim: sim,
        dir,
        config,
        sync_stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// Adds a laptop to the simulated GLPI, bought today for `value` (GLPI's raw Infocom `value`
/// text), with no supplier and no comment. Returns its GLPI id.
fn bought_today(f: &mut Fleet, name: &str, value: &str) -> u64 {
    let id = f.add_item(
        "Computer",
        name,
        "Ordinateur portable",
        "En production",
        now(),
    );
    f.edit_infocom("Computer", id, now(), |ic| {
        ic.value = value.to_string();
        ic.comment = None;
        ic.suppliers_id = 0;
        ic.buy_date = Some(SqlDate::Date(today()));
        ic.order_date = None;
        ic.delivery_date = None;
    });
    id
}

/// `parcd agec --year Y` as JSON.
async fn agec_json(config: &Path, year: i32) -> Value {
    let out = run_ok(config, &["agec", "--year", &year.to_string()]).await;
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "parcd agec prints JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn it_category(agec: &Value) -> &Value {
    agec["agec"]["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["category"] == "it_telephony")
        .unwrap_or_else(|| panic!("IT is listed: {}", agec["agec"]["categories"]))
}

fn excluded<'a>(agec: &'a Value, id: &str) -> &'a Value {
    agec["agec"]["excluded"]
        .as_array()
        .expect("excluded")
        .iter()
        .find(|l| l["id"] == id)
        .unwrap_or_else(|| panic!("{id} is listed: {}", agec["agec"]["excluded"]))
}

fn this_year() -> i32 {
    today().year()
}

// ---------------------------------------------------------------------------------------
// parcd report agec

async fn a_synced_fleet_gives_the_data_gouv_declaration(db: TestDb) {
    let s = synced(&db, &agec_section(SIRET, ORGANISATION), |sim| {
        this_years_laptops(sim);
    })
    .await;
    let year = this_year().to_string();
    let file = s.dir.path().join("declaration.csv");
    let out = run_ok(
        &s.config,
        &[
            "report",
            "agec",
            "--year",
            &year,
            "--out",
            file.to_str().unwrap(),
        ],
    )
    .await;
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{year} is not over")),
        "the year under way is said: {err}"
    );
    assert!(
        err.contains(&format!("report written to {}", file.display())),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "the CSV goes to the file only");

    let text = std::fs::read_to_string(&file).expect("the declaration is written");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header.join(","),
        "annee,siret,raison_sociale,type_produit_acquis,montant_total,\
         montant_valorisation_et_don,montant_produits_issus_don,montant_produits_recycles,\
         commentaires"
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(
        rows.len(),
        1,
        "the rest of the fleet was bought in 2019: only IT this year:\n{text}"
    );
    for r in &rows {
        assert_eq!(r.len(), 9, "{r:?}");
        assert_eq!(&r[0], year, "{r:?}");
        assert_eq!(&r[1], SIRET, "{r:?}");
        assert_eq!(&r[2], ORGANISATION, "{r:?}");
    }
    let it = rows
        .iter()
        .find(|r| &r[3] == IT_LABEL)
        .unwrap_or_else(|| panic!("an IT row:\n{text}"));
    let amount = |i: usize| -> f64 {
        it[i]
            .parse()
            .unwrap_or_else(|_| panic!("{} = {:?} is a number", header[i], &it[i]))
    };
    // 9,000 € new (unclassified) + 1,000 € reconditioned; the undated 750 € is not in it.
    assert_eq!(amount(4), 10_000.0, "montant_total: {it:?}");
    assert_eq!(amount(5), 1_000.0, "montant_valorisation_et_don: {it:?}");
    assert_eq!(amount(6), 0.0, "montant_produits_issus_don: {it:?}");
    assert_eq!(amount(7), 0.0, "montant_produits_recycles: {it:?}");
    assert!(
        it[8].contains("année en cours") && it[8].contains("1 achat d'origine non déterminée"),
        "the comment says the year is under way and what is unclassified: {:?}",
        &it[8]
    );
}

on_both_backends! {
    agec_declaration_end_to_end => a_synced_fleet_gives_the_data_gouv_declaration;
    reen_report => the_reen_report_is_an_escaped_html_page_or_a_five_column_csv;
    agec_command => parcd_agec_prints_the_year_s_it_spend_in_cents;
    purchase_without_amount => a_purchase_with_no_amount_is_listed_and_the_others_still_count;
    foreign_amounts => foreign_amount_formats_are_read_or_listed_without_losing_the_rest;
}

/// Refused before any database is opened (so this runs once, not on both backends): the
/// SQLite file the configuration names is never created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agec_declaration_needs_siret_and_organisation_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let db_file = dir.path().join("parcd.db");
    let db = format!("sqlite://{}", db_file.display());
    let year = this_year().to_string();
    for (name, agec) in [
        ("none.toml", String::new()),
        (
            "no-organisation.toml",
            format!("[agec]\nsiret = \"{SIRET}\"\n"),
        ),
        (
            "no-siret.toml",
            format!("[agec]\norganisation = \"{ORGANISATION}\"\n"),
        ),
    ] {
        let config = write(
            dir.path(),
            name,
            &format!("[database]\nurl = \"{db}\"\n{agec}"),
        );
        let file = dir.path().join(format!("{name}.csv"));
        let out = run(
            &config,
            &[
                "report",
                "agec",
                "--year",
                &year,
                "--out",
                file.to_str().unwrap(),
            ],
        )
        .await;
        let err = stderr(&out);
        assert!(!out.status.success(), "{name}: {err}");
        for needle in [
            "[agec]",
            "siret",
            "organisation",
            "14 digits",
            &config.display().to_string(),
        ] {
            assert!(err.contains(needle), "{name}: missing {needle} in: {err}");
        }
        assert!(!file.exists(), "{name}: no declaration is written");
        assert!(!db_file.exists(), "{name}: no database is opened");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_siret_that_is_not_14_digits_is_refused_by_check_config() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["2131055540001", "2131055540001X", "213105554000190"] {
        let config = write(dir.path(), "parcd.toml", &agec_section(bad, ORGANISATION));
        let out = run(&config, &["check-config"]).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        for needle in [
            "agec.siret",
            &format!("\"{bad}\" is not a SIRET"),
            "Fix: write the buying body's SIRET, 14 digits",
            &config.display().to_string(),
        ] {
            assert!(err.contains(needle), "{bad}: missing {needle} in: {err}");
        }
    }
    // Spaces typed for readability are not a mistake.
    let config = write(
        dir.path(),
        "parcd.toml",
        &agec_section("213 105 554 00019", ORGANISATION),
    );
    let out = run_ok(&config, &["check-config"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("siret = \"{SIRET}\"")), "{text}");
}

// ---------------------------------------------------------------------------------------
// parcd report reen

async fn the_reen_report_is_an_escaped_html_page_or_a_five_column_csv(db: TestDb) {
    let organisation = "Régie <Numérique> & Fils";
    let s = synced(&db, &agec_section(SIRET, organisation), |sim| {
        this_years_laptops(sim);
    })
    .await;
    let year = this_year().to_string();

    let html_file = s.dir.path().join("bilan.html");
    let out = run_ok(
        &s.config,
        &[
            "report",
            "reen",
            "--year",
            &year,
            "--format",
            "html",
            "--out",
            html_file.to_str().unwrap(),
        ],
    )
    .await;
    assert!(stderr(&out).contains(&format!("{year} is not over")));
    let html = std::fs::read_to_string(&html_file).expect("the page is written");
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..80]);
    assert!(
        html.contains(&format!("Bilan annuel numérique responsable {year}")),
        "the title"
    );
    assert!(
        html.contains("Régie &lt;Numérique&gt; &amp; Fils"),
        "the organisation, escaped"
    );
    assert!(
        !html.contains(organisation),
        "the organisation never appears unescaped"
    );

    let csv_file = s.dir.path().join("bilan.csv");
    run_ok(
        &s.config,
        &[
            "report",
            "reen",
            "--year",
            &year,
            "--format",
            "csv",
            "--out",
            csv_file.to_str().unwrap(),
        ],
    )
    .await;
    let text = std::fs::read_to_string(&csv_file).expect("the CSV is written");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["section", "indicator", "value", "unit", "note"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert!(rows.len() > 10, "a full review:\n{text}");
    for r in &rows {
        assert_eq!(r.len(), 5, "every row has 5 columns: {r:?}");
    }
    let find = |section: &str, indicator: &str| {
        rows.iter()
            .find(|r| &r[0] == section && &r[1] == indicator)
            .unwrap_or_else(|| panic!("a {section},{indicator} row:\n{text}"))
    };
    let rate = find("reen", "reuse_rate");
    assert_eq!(&rate[3], "ratio", "{rate:?}");
    assert!(
        rate[2].is_empty()
            || rate[2]
                .parse::<f64>()
                .is_ok_and(|x| (0.0..=1.0).contains(&x)),
        "a ratio, or empty when nothing left the fleet: {rate:?}"
    );
    assert_eq!(
        &find("report", "organisation")[2],
        organisation,
        "CSV quoting keeps the name as it is"
    );
    assert_eq!(&find("report", "year")[2], year);
}

/// Refused before any database is opened (so this runs once, not on both backends): the
/// SQLite file the configuration names is never created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_of_a_year_to_come_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db_file = dir.path().join("parcd.db");
    let config = write(
        dir.path(),
        "parcd.toml",
        &format!(
            "[database]\nurl = \"sqlite://{}\"\n{}",
            db_file.display(),
            agec_section(SIRET, ORGANISATION)
        ),
    );
    for args in [
        &["report", "reen", "--year", "2999", "--format", "html"][..],
        &["report", "reen", "--year", "2999", "--format", "csv"],
        &["report", "agec", "--year", "2999"],
    ] {
        let file = dir.path().join("out");
        let mut args = args.to_vec();
        args.extend(["--out", file.to_str().unwrap()]);
        let out = run(&config, &args).await;
        let err = stderr(&out);
        assert!(!out.status.success(), "{args:?}: {err}");
        assert!(
            err.contains("--year 2999: a report covers a year that has begun")
                && err.contains(&format!("2000 to {}", this_year())),
            "{args:?}: {err}"
        );
        assert!(!file.exists(), "{args:?}: nothing written");
        assert!(!db_file.exists(), "{args:?}: no database is opened");
    }
}

// ---------------------------------------------------------------------------------------
// parcd agec

async fn parcd_agec_prints_the_year_s_it_spend_in_cents(db: TestDb) {
    let s = synced(&db, "", |sim| {
        this_years_laptops(sim);
    })
    .await;
    let agec = agec_json(&s.config, this_year()).await;
    assert_eq!(agec["year"], this_year());
    assert_eq!(agec["complete"], false, "the year is under way");
    let it = it_category(&agec);
    assert_eq!(it["purchases"], 2, "{it}");
    let amounts = &it["year_to_date"]["amounts"];
    assert_eq!(amounts["total"], 1_000_000, "cents excl. VAT: {amounts}");
    assert_eq!(amounts["reuse"], 100_000, "{amounts}");
    assert_eq!(amounts["unclassified"], 900_000, "{amounts}");

    // The same fleet seen from 2019: this year's laptops are not in it.
    let past = agec_json(&s.config, 2019).await;
    assert_eq!(past["complete"], true);
    assert_ne!(
        it_category(&past)["year_to_date"]["amounts"]["total"],
        1_000_000
    );
}

// ---------------------------------------------------------------------------------------
// Bad input: listed with its reason, never dropped, never failing the rest

async fn a_purchase_with_no_amount_is_listed_and_the_others_still_count(db: TestDb) {
    let mut missing = 0;
    let s = synced(&db, "", |sim| {
        this_years_laptops(sim);
        missing = sim.with_fleet(|f| bought_today(f, "PC-SANS-MONTANT", ""));
    })
    .await;
    let agec = agec_json(&s.config, this_year()).await;
    let listed = excluded(&agec, &format!("glpi/Computer/{missing}"));
    assert_eq!(listed["reason"], "no_amount", "{listed}");
    assert_eq!(listed["name"], "PC-SANS-MONTANT", "{listed}");
    assert_eq!(listed["amount_cents"], Value::Null, "{listed}");
    assert_eq!(agec["excluded_by_reason"]["no_amount"], 1, "{agec}");
    let it = it_category(&agec);
    assert_eq!(it["purchases"], 2, "{it}");
    assert_eq!(it["year_to_date"]["amounts"]["total"], 1_000_000, "{it}");
}

/// GLPI sends its DECIMAL(20,4) `value` as `"899.0000"`, but hand-made imports can carry
/// other formats. The connector reads `,` or `.` as the decimal separator (the last one,
/// when both appear) and drops spaces, no-break spaces and `€`; a lone separator before
/// exactly three digits (`"1.500 €"`: 1 500 € or 1.50 €?) and anything else is refused.
/// A refused value never stops the sync: the purchase is listed as `unreadable_amount`
/// with the text to correct, and every other purchase counts.
async fn foreign_amount_formats_are_read_or_listed_without_losing_the_rest(db: TestDb) {
    let read = [
        ("PC-US", "1,234.50", 123_450),
        ("PC-DE", "1.234,50", 123_450),
        ("PC-FR-EURO", "12 345,00 €", 1_234_500),
        ("PC-FR-NBSP", "1\u{a0}234,56", 123_456),
        ("PC-FR-NNBSP", "2\u{202f}000,05", 200_005),
    ];
    let unreadable = [
        ("PC-CH", "1'234.50"),
        ("PC-EUR", "12 345,00 EUR"),
        ("PC-TEXTE", "mille euros"),
        ("PC-GROUPES", "1,234,567"),
        ("PC-AMBIGU-POINT", "1.500 €"),
        ("PC-AMBIGU-VIRGULE", "1,234"),
    ];
    let mut unreadable_ids = Vec::new();
    let s = synced(&db, "", |sim| {
        this_years_laptops(sim);
        sim.with_fleet(|f| {
            for (name, value, _) in read {
                bought_today(f, name, value);
            }
            for (name, value) in unreadable {
                unreadable_ids.push((name, value, bought_today(f, name, value)));
            }
        });
    })
    .await;
    // 40 devices, the 3 of `this_years_laptops`, and every one added here: none lost.
    let added = 40 + 3 + read.len() + unreadable.len();
    assert!(
        s.sync_stdout.contains(&format!("{added} assets created")),
        "{}",
        s.sync_stdout
    );

    let agec = agec_json(&s.config, this_year()).await;
    let it = it_category(&agec);
    assert_eq!(
        it["purchases"],
        2 + read.len(),
        "the 2 of this_years_laptops and every readable one: {it}"
    );
    let read_cents: i64 = read.iter().map(|(_, _, c)| c).sum();
    assert_eq!(
        it["year_to_date"]["amounts"]["total"],
        1_000_000 + read_cents,
        "each format read to the cent: {:?}",
        read
    );
    for (name, value, id) in &unreadable_ids {
        let listed = excluded(&agec, &format!("glpi/Computer/{id}"));
        assert_eq!(listed["reason"], "unreadable_amount", "{value:?}: {listed}");
        assert_eq!(listed["name"], *name, "{listed}");
        assert_eq!(listed["amount_cents"], Value::Null, "{value:?}: {listed}");
        assert_eq!(
            listed["amount_text"],
            value.trim(),
            "the text to correct: {listed}"
        );
    }
    assert_eq!(
        agec["excluded_by_reason"]["unreadable_amount"],
        unreadable.len(),
        "{}",
        agec["excluded_by_reason"]
    );
}

// ---------------------------------------------------------------------------------------
// Configuration mistakes

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_agec_mistakes_are_all_reported_by_check_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "parcd.toml",
        r#"
        [agec]
        [[agec.origin_rules]]
        name = "ugap"
        origin = "reconditioned"
        supplier = "ugap"

        [agec.categories]
        laptop = "Informatique"

        [[agec.quotas]]
        category = "it_telephony"
        from = "2024-07-01"
        to = "2024-12-31"
        reuse_min = 1.5
        source = "typo"

        [[agec.quotas]]
        category = "it_telephony"
        from = "2025-01-01"
        to = "2025-12-31"
        reuse_min = 0.2
        source = "a"

        [[agec.quotas]]
        category = "it_telephony"
        from = "2025-06-01"
        reuse_min = 0.3
        source = "b"
        "#,
    );
    let out = run(&config, &["check-config"]).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&config.display().to_string()),
        "names the file: {err}"
    );
    let issues: Vec<&str> = err.lines().filter(|l| l.starts_with("  - ")).collect();
    assert_eq!(issues.len(), 4, "every mistake, and only them:\n{err}");
    for (key, problem, fix) in [
        (
            "agec.origin_rules[0].origin",
            "\"reconditioned\" is not a purchase origin",
            "new, reuse, recycled_content, donation",
        ),
        (
            "agec.categories.laptop",
            "\"Informatique\" is not an AGEC category",
            "Matériel informatique et téléphonie",
        ),
        (
            "agec.quotas[0].reuse_min",
            "1.5 is not a share from 0 to 1",
            "write a fraction, e.g. 0.2 for 20 %",
        ),
        (
            "agec.quotas[2].from",
            "overlaps the row from 2025-01-01 to 2025-12-31",
            "Fix: ",
        ),
    ] {
        let line = issues
            .iter()
            .find(|l| l.starts_with(&format!("  - {key}: ")))
            .unwrap_or_else(|| panic!("missing {key} in:\n{err}"));
        assert!(line.contains(problem), "{key}: {problem} in {line}");
        let (_, fix_text) = line
            .split_once(". Fix: ")
            .unwrap_or_else(|| panic!("{key} has a fix: {line}"));
        assert!(fix_text.len() > 10, "{key}: a real fix: {line}");
        assert!(line.contains(fix), "{key}: {fix} in {line}");
    }
}
