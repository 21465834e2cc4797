//! AGEC and REEN figures end to end: purchases edited in a simulated GLPI reach the shares,
//! the metrics, the JSON API, the alerts and the yearly reports.

use chrono::{Datelike, NaiveDate};
use parcd::config::Config;
use parcd_fakes::glpi::{SimHandle, SqlDate};
use serde_json::Value;

use crate::helpers::{
    Daemon, TestDb, config_text, eventually, get_json, glpi, json_when_ready, metrics_text, sample,
};
use crate::on_both_backends;

pub fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Three laptops bought this year, and the rest of a small fleet moved to 2019 so that this
/// year's IT spend is only theirs: one new at 9,000 €, one reconditioned at 1,000 € (a 10 %
/// reuse share against IT's 20 %), one with no date at all. Returns their GLPI ids.
pub fn this_years_laptops(sim: &SimHandle) -> [u64; 3] {
    let old = SqlDate::Date(NaiveDate::from_ymd_opt(2019, 3, 1).unwrap());
    sim.with_fleet(|f| {
        f.edit_all_infocoms(now(), |ic| {
            ic.buy_date = Some(old);
            ic.order_date = Some(old);
            ic.delivery_date = Some(old);
        });
        let laptop = |f: &mut parcd_fakes::glpi::Fleet,
                      name: &str,
                      value: &str,
                      comment: Option<&str>,
                      dated: bool| {
            let id = f.add_item(
                "Computer",
                name,
                "Ordinateur portable",
                "En production",
                now(),
            );
            f.edit_infocom("Computer", id, now(), |ic| {
                ic.value = value.to_string();
                ic.comment = comment.map(str::to_string);
                ic.suppliers_id = 0;
                ic.buy_date = dated.then_some(SqlDate::Date(today()));
                ic.order_date = None;
                ic.delivery_date = None;
            });
            id
        };
        [
            laptop(f, "PC-NEUF-01", "9000.0000", None, true),
            laptop(
                f,
                "PC-RECOND-01",
                "1000.0000",
                Some("Matériel reconditionné grade A"),
                true,
            ),
            laptop(f, "PC-SANS-DATE", "750.0000", None, false),
        ]
    })
}

fn it_category(agec: &Value) -> &Value {
    agec["agec"]["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["category"] == "it_telephony")
        .expect("IT is listed")
}

async fn purchases_in_glpi_reach_the_shares_the_metrics_and_the_api(db: TestDb) {
    let sim = glpi(40).await;
    let [new_id, recond_id, undated_id] = this_years_laptops(&sim);
    let config = Config::from_toml(&format!(
        "{}\n[alerts]\nprojection_min_days = 0\nnot_met_min_days = 0\n",
        config_text(&db.url, &sim.base_url(), r#"schedule = "* * * * * *""#)
    ))
    .unwrap();
    let daemon = Daemon::start(config).await;
    let base = format!("http://{}", daemon.addr);
    let series =
        r#"parcd_agec_share_ratio{category="it_telephony",kind="reuse",period="year_to_date"}"#;

    eventually(30, "the 10 % reuse share is published", || async {
        let text = metrics_text(&base).await;
        sample(&text, series) == Some(0.1)
    })
    .await;
    let agec = get_json(&format!("{base}/api/v1/agec")).await;
    assert_eq!(agec["year"], today().year());
    let it = it_category(&agec);
    assert_eq!(
        it["year_to_date"]["amounts"]["total"], 1_000_000,
        "cents excl. VAT"
    );
    assert_eq!(it["year_to_date"]["amounts"]["reuse"], 100_000);
    assert_eq!(it["year_to_date"]["amounts"]["new"], 0, "no rule says new");
    assert_eq!(it["year_to_date"]["amounts"]["unclassified"], 900_000);
    assert_eq!(it["quota"]["reuse_min"], 0.2, "IT's 20 %");
    assert_eq!(it["year_to_date"]["reuse_gap"]["shortfall_cents"], 100_000);
    let undated = format!("glpi/Computer/{undated_id}");
    assert!(
        agec["agec"]["excluded"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == undated.as_str() && l["reason"] == "no_date"),
        "the undated purchase is listed, not dropped: {}",
        agec["agec"]["excluded"]
    );
    let text = metrics_text(&base).await;
    assert_eq!(
        sample(
            &text,
            r#"parcd_agec_alert_firing{category="it_telephony",kind="reuse",rule="quota_not_met"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"parcd_agec_quota_ratio{category="it_telephony",kind="reuse"}"#
        ),
        Some(0.2)
    );
    let alerts = get_json(&format!("{base}/api/v1/alerts")).await;
    assert!(
        alerts["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["rule"] == "quota_not_met"
                && a["category"] == "it_telephony"
                && a["state"] == "firing"),
        "{alerts}"
    );

    // Procurement corrects the new laptop's comment: it was reconditioned too.
    sim.with_fleet(|f| {
        f.edit_infocom("Computer", new_id, now(), |ic| {
            ic.comment = Some("reconditionné".into());
        })
    });
    eventually(30, "the share follows GLPI and the alert resolves", || async {
        let text = metrics_text(&base).await;
        sample(&text, series) == Some(1.0)
            && sample(
                &text,
                r#"parcd_agec_alert_firing{category="it_telephony",kind="reuse",rule="quota_not_met"}"#,
            )
            .is_none()
    })
    .await;
    let alerts = get_json(&format!("{base}/api/v1/alerts")).await;
    assert!(
        alerts["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["category"] == "it_telephony")
            .all(|a| a["state"] == "resolved"),
        "{alerts}"
    );

    // A laptop given away today: one more donation, one more reuse exit, one more person
    // equipped, and in this year's REEN figures.
    let text = metrics_text(&base).await;
    let before = |series: &str| sample(&text, series).unwrap_or(0.0);
    let donated = before("parcd_donated_assets");
    let people = before("parcd_donation_people_equipped");
    let reused_exits = before(r#"parcd_deee_exits{route="reused"}"#);
    let reen_reused = before("parcd_reen_reused_assets");
    sim.with_fleet(|f| f.set_state("Computer", recond_id, "Donné", now()));
    eventually(30, "the donation is counted", || async {
        let text = metrics_text(&base).await;
        sample(&text, "parcd_donated_assets") == Some(donated + 1.0)
            && sample(&text, "parcd_donation_people_equipped") == Some(people + 1.0)
            && sample(&text, r#"parcd_deee_exits{route="reused"}"#) == Some(reused_exits + 1.0)
            && sample(&text, "parcd_reen_reused_assets") == Some(reen_reused + 1.0)
    })
    .await;
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

on_both_backends! {
    agec_figures_follow_glpi => purchases_in_glpi_reach_the_shares_the_metrics_and_the_api;
    purchases_files => purchases_from_a_file_count_in_their_categories_and_survive_a_broken_rewrite;
}

/// Consumables and paper bought outside the inventory, from a CSV export: counted in their
/// categories, a bad line listed, and a broken rewrite of the file keeps its last good data.
async fn purchases_from_a_file_count_in_their_categories_and_survive_a_broken_rewrite(db: TestDb) {
    let sim = glpi(10).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("achats-hors-inventaire.csv");
    let day = today().format("%d/%m/%Y");
    std::fs::write(
        &file,
        format!(
            "Date;Catégorie;Montant HT;Origine;Désignation\n\
             {day};Consommables d'impression;1 000,00;recyclé;Toners remanufacturés\n\
             {day};Papier;500,00;neuf;Ramettes A4\n\
             {day};Papier;1.500;neuf;Ramettes A3\n"
        ),
    )
    .unwrap();
    let config = Config::from_toml(&format!(
        "{}\n[agec]\npurchases_files = [\"{}\"]\n",
        config_text(&db.url, &sim.base_url(), r#"schedule = "* * * * * *""#),
        file.display()
    ))
    .unwrap();
    let daemon = Daemon::start(config).await;
    let base = format!("http://{}", daemon.addr);
    let category = |agec: &Value, id: &str| -> Value {
        agec["agec"]["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["category"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    eventually(30, "the file's purchases are counted", || async {
        json_when_ready(&format!("{base}/api/v1/agec"))
            .await
            .is_some_and(|agec| category(&agec, "printing_consumables")["purchases"] == 1)
    })
    .await;
    let agec = get_json(&format!("{base}/api/v1/agec")).await;
    let toners = category(&agec, "printing_consumables");
    assert_eq!(toners["year_to_date"]["amounts"]["recycled"], 100_000);
    assert_eq!(toners["by_rule"]["stated_origin"], 1);
    let paper = category(&agec, "paper");
    assert_eq!(paper["year_to_date"]["amounts"]["new"], 50_000);
    assert!(
        agec["agec"]["excluded"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| {
                l["id"] == "achats-hors-inventaire.csv:4"
                    && l["reason"] == "unreadable_amount"
                    && l["amount_text"] == "1.500"
            }),
        "the ambiguous line is listed with its line number: {}",
        agec["agec"]["excluded"]
    );

    // The accounting export is rewritten without its category column: refused, named, and
    // the last good reading stays.
    std::fs::write(&file, "date;montant_ht\n01/01/2026;12,00\n").unwrap();
    sim.with_fleet(|f| {
        let id = f.ids("Computer")[0];
        f.set_infocom_value("Computer", id, "321.0000", now());
    });
    eventually(30, "the broken file shows in the metrics", || async {
        let text = metrics_text(&base).await;
        sample(&text, "parcd_agec_purchases_files_failing") == Some(1.0)
    })
    .await;
    let agec = get_json(&format!("{base}/api/v1/agec")).await;
    assert_eq!(
        category(&agec, "printing_consumables")["year_to_date"]["amounts"]["total"],
        100_000,
        "the last good reading is kept"
    );
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}
