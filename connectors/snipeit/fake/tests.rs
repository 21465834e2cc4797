//! The fake against Snipe-IT's documented behaviour, over real HTTP on 127.0.0.1.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::*;

const TOKEN: &str = "fake-test-token";

async fn fake(assets: usize) -> FakeHandle {
    SnipeitFake::start(
        Fleet::generate(&FleetSpec { assets, seed: 11 }),
        FakeOptions {
            token: TOKEN.into(),
            denied_token: Some("denied-token".into()),
        },
    )
    .await
    .expect("fake starts")
}

async fn get(
    f: &FakeHandle,
    path_and_query: &str,
    token: &str,
) -> (u16, reqwest::header::HeaderMap, String) {
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path_and_query}", f.base_url()))
        .bearer_auth(token)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

async fn json(f: &FakeHandle, path_and_query: &str) -> Value {
    let (status, _, body) = get(f, path_and_query, TOKEN).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn generation_is_deterministic_and_fast_at_benchmark_size() {
    let started = Instant::now();
    let big = Fleet::generate(&FleetSpec {
        assets: 100_000,
        seed: 7,
    });
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(big.assets.len(), 100_000);
    let a = Fleet::generate(&FleetSpec {
        assets: 300,
        seed: 7,
    });
    let b = Fleet::generate(&FleetSpec {
        assets: 300,
        seed: 7,
    });
    for (x, y) in a.assets.iter().zip(&b.assets) {
        assert_eq!(
            (x.id, &x.serial, x.updated_at, &x.purchase_cost),
            (y.id, &y.serial, y.updated_at, &y.purchase_cost)
        );
    }
    assert!(
        a.assets
            .iter()
            .all(|x| x.updated_at <= a.generated_at && x.created_at <= x.updated_at)
    );
    let archived = a
        .assets
        .iter()
        .filter(|x| a.status_of(x).kind == StatusType::Archived)
        .count();
    assert!(archived > 10 && archived < 100, "{archived}");
    assert!(
        a.assets
            .iter()
            .any(|x| x.reconditionne.as_deref() == Some("Oui"))
    );
}

#[test]
fn costs_and_names_are_formatted_as_php_does() {
    assert_eq!(number_format(123_456, DigitSeparator::CommaDot), "1,234.56");
    assert_eq!(
        number_format(123_456_789, DigitSeparator::DotComma),
        "1.234.567,89"
    );
    assert_eq!(number_format(64_900, DigitSeparator::CommaDot), "649.00");
    assert_eq!(number_format(5, DigitSeparator::CommaDot), "0.05");
    assert_eq!(html_escape("L'Isle & <b>"), "L&#039;Isle &amp; &lt;b&gt;");
}

#[tokio::test]
async fn a_wrong_or_missing_token_gets_snipe_its_401_and_a_denied_user_403() {
    let f = fake(5).await;
    let (status, _, body) = get(&f, "/api/v1/hardware", "nope").await;
    assert_eq!(status, 401);
    assert_eq!(body, r#"{"error":"Unauthorized or unauthenticated."}"#);
    let (status, _, body) = get(&f, "/api/v1/hardware", "denied-token").await;
    assert_eq!(status, 403, "{body}");
    // A client not asking for JSON is sent to the login page.
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/api/v1/hardware", f.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("/login")
    );
    assert_eq!(f.stats().refused, 2);
}

#[tokio::test]
async fn listings_page_with_limit_and_offset_and_leave_archived_assets_out() {
    let f = fake(120).await;
    let (listed, archived, all) = f.with_fleet(|fl| {
        let arch: Vec<u64> = fl
            .assets
            .iter()
            .filter(|a| fl.status_of(a).kind == StatusType::Archived)
            .map(|a| a.id)
            .collect();
        (fl.len() - arch.len(), arch, fl.len())
    });
    let page = json(&f, "/api/v1/hardware?limit=50&offset=0&sort=id&order=asc").await;
    assert_eq!(page["total"].as_u64(), Some(listed as u64));
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 50);
    assert!(
        rows.windows(2)
            .all(|w| w[0]["id"].as_u64() < w[1]["id"].as_u64())
    );
    assert!(
        rows.iter()
            .all(|r| r["status_label"]["status_type"] != "archived")
    );
    let arch = json(
        &f,
        "/api/v1/hardware?status=Archived&limit=500&sort=id&order=asc",
    )
    .await;
    let ids: Vec<u64> = arch["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, archived);
    // An offset past the end is clamped: an empty page, the same total.
    let past = json(&f, "/api/v1/hardware?limit=50&offset=9999").await;
    assert_eq!(past["rows"].as_array().unwrap().len(), 0);
    assert_eq!(past["total"].as_u64(), Some(listed as u64));
    // A limit above max_results gets max_results.
    f.with_fleet(|fl| {
        fl.settings.max_results = 20;
        fl.settings.show_archived_in_list = true;
    });
    let capped = json(&f, "/api/v1/hardware?limit=500").await;
    assert_eq!(capped["rows"].as_array().unwrap().len(), 20);
    assert_eq!(capped["total"].as_u64(), Some(all as u64));
}

#[tokio::test]
async fn rows_have_the_transformer_shapes() {
    let f = fake(200).await;
    f.with_fleet(|fl| {
        fl.settings.digit_separator = DigitSeparator::DotComma;
        let at = fl.generated_at;
        let first = fl.assets[0].id;
        fl.orphan_model(first, at);
        fl.orphan_status(first, at);
        let second = fl.assets[1].id;
        fl.set_cost(second, Some(Cost::Cents(123_456)), at);
    });
    let page = json(&f, "/api/v1/hardware?limit=200&sort=id&order=asc").await;
    let rows = page["rows"].as_array().unwrap();
    let orphan = &rows[0];
    assert!(
        orphan["model"].is_null()
            && orphan["category"].is_null()
            && orphan["status_label"].is_null()
    );
    assert_eq!(orphan["custom_fields"], serde_json::json!({}));
    assert_eq!(rows[1]["purchase_cost"], "1.234,56");
    for r in rows {
        assert!(r["updated_at"]["datetime"].is_string(), "{r}");
        assert!(r["purchase_date"].is_null() || r["purchase_date"]["date"].is_string());
        assert!(r["custom_fields"].is_object());
    }
    assert!(
        rows.iter()
            .any(|r| r["company"]["name"] == "Commune de L&#039;Isle-d&#039;Arbois")
    );
    assert!(
        rows.iter()
            .any(|r| r["custom_fields"]["Reconditionné"]["value"] == "Oui")
    );
    assert!(
        rows.iter().any(|r| r["assigned_to"]["type"] == "user"
            && r["status_label"]["status_meta"] == "deployed")
    );
    let one = json(&f, &format!("/api/v1/hardware/{}", rows[5]["id"])).await;
    assert_eq!(one["id"], rows[5]["id"]);
    let missing = json(&f, "/api/v1/hardware/999999").await;
    assert_eq!(missing["status"], "error");
    let (status, _, body) = get(&f, "/api/v1/nothing", TOKEN).await;
    assert_eq!(status, 404);
    assert!(body.contains("404 endpoint not found"));
}

#[tokio::test]
async fn sorting_by_updated_at_descending_follows_edits_and_deletions_leave_the_list() {
    let f = fake(60).await;
    let later = generated_at() + chrono::Duration::hours(1);
    let (edited, deleted) = f.with_fleet(|fl| {
        let ids = fl.ids();
        assert!(fl.set_status(ids[3], "Out for Repair", later));
        assert!(fl.delete(ids[4], later));
        (ids[3], ids[4])
    });
    let page = json(&f, "/api/v1/hardware?sort=updated_at&order=desc&limit=5").await;
    assert_eq!(page["rows"][0]["id"].as_u64(), Some(edited));
    let all = json(&f, "/api/v1/hardware?limit=500").await;
    assert!(
        all["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"].as_u64() != Some(deleted))
    );
    let gone = json(&f, "/api/v1/hardware?status=Deleted").await;
    assert_eq!(gone["rows"][0]["id"].as_u64(), Some(deleted));
    assert!(gone["rows"][0]["deleted_at"]["datetime"].is_string());
}

#[tokio::test]
async fn faults_are_served_in_order_then_the_fake_heals() {
    let f = fake(40).await;
    f.inject(Fault::RateLimited(7), 1);
    f.inject(Fault::ServerError, 1);
    f.inject(Fault::TruncatedPage, 1);
    f.inject(Fault::ShortPage, 1);
    f.inject(Fault::ErrorBody, 1);
    let (status, headers, body) = get(&f, "/api/v1/hardware?limit=10", TOKEN).await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "7");
    assert!(body.contains("\"retryAfter\":7"), "{body}");
    assert_eq!(get(&f, "/api/v1/hardware?limit=10", TOKEN).await.0, 500);
    let (status, _, body) = get(&f, "/api/v1/hardware?limit=10", TOKEN).await;
    assert_eq!(status, 200);
    assert!(serde_json::from_str::<Value>(&body).is_err());
    let short = json(&f, "/api/v1/hardware?limit=10").await;
    assert_eq!(short["rows"].as_array().unwrap().len(), 5);
    let error = json(&f, "/api/v1/hardware?limit=10").await;
    assert_eq!(error["status"], "error");
    let healed = json(&f, "/api/v1/hardware?limit=10").await;
    assert_eq!(healed["rows"].as_array().unwrap().len(), 10);
    assert_eq!(f.stats().faults_served, 5);
}
