//! Contract tests of the GLPI simulator, over real HTTP on 127.0.0.1.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::glpi::{
    AssetType, Fault, Fleet, FleetSpec, Groups, PageCounters, PrinterLogAccess, SimHandle,
    SimOptions, Simulator, generated_at,
};
use chrono::{Duration as Days, NaiveDateTime};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

const USER_TOKEN: &str = "tok-user-0123456789";

fn small_fleet() -> Fleet {
    Fleet::generate(&FleetSpec {
        assets: 120,
        seed: 42,
        templates: 4,
    })
}

fn client() -> reqwest::Client {
    // Loopback only: never let a proxy from the environment see these requests.
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("http client")
}

async fn start_with(fleet: Fleet, opts: SimOptions) -> SimHandle {
    Simulator::start(fleet, opts)
        .await
        .expect("simulator starts")
}

async fn start(fleet: Fleet) -> SimHandle {
    start_with(
        fleet,
        SimOptions {
            app_token: None,
            user_token: USER_TOKEN.into(),
            login: None,
        },
    )
    .await
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ascii header").to_string())
    }
}

async fn call(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("request sent");
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.expect("body read"),
    }
}

async fn init_session(sim: &SimHandle) -> String {
    let answer = call(
        client()
            .get(format!("{}/initSession", sim.base_url()))
            .header("Authorization", format!("user_token {USER_TOKEN}")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()["session_token"]
        .as_str()
        .expect("session_token")
        .to_string()
}

async fn get(sim: &SimHandle, token: &str, path_and_query: &str) -> Answer {
    call(
        client()
            .get(format!("{}/{path_and_query}", sim.base_url()))
            .header("Session-Token", token),
    )
    .await
}

fn doc_suffix(sim: &SimHandle, code: &str) -> String {
    format!(
        "; view documentation in your browser at {}/#{code}",
        sim.base_url()
    )
}

#[tokio::test]
async fn init_session_with_user_token_returns_a_fresh_40_hex_token() {
    let sim = start(small_fleet()).await;

    let first = init_session(&sim).await;
    let second = init_session(&sim).await;

    assert_eq!(first.len(), 40);
    assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(first, second);
    assert_eq!(sim.stats().init_sessions, 2);
    assert_eq!(sim.stats().live_sessions, 2);
    assert!(sim.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(sim.addr().ip().to_string(), "127.0.0.1");
}

#[tokio::test]
async fn init_session_failures_carry_glpi_codes_statuses_and_messages() {
    let sim = start(small_fleet()).await;
    let url = format!("{}/initSession", sim.base_url());

    let wrong_token = call(
        client()
            .get(&url)
            .header("Authorization", "user_token not-the-token"),
    )
    .await;
    assert_eq!(wrong_token.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong_token.json(),
        json!([
            "ERROR_GLPI_LOGIN_USER_TOKEN",
            "parameter user_token seems invalid"
        ])
    );

    let nothing = call(client().get(&url)).await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        nothing.json(),
        json!([
            "ERROR_LOGIN_PARAMETERS_MISSING",
            format!(
                "parameter(s) login, password or user_token are missing{}",
                doc_suffix(&sim, "ERROR_LOGIN_PARAMETERS_MISSING")
            )
        ])
    );

    // glpi:glpi, refused because this simulator has no login configured.
    let basic = call(
        client()
            .get(&url)
            .header("Authorization", "Basic Z2xwaTpnbHBp"),
    )
    .await;
    assert_eq!(basic.status, StatusCode::BAD_REQUEST);
    assert_eq!(basic.json()[0], "ERROR_LOGIN_WITH_CREDENTIALS_DISABLED");

    // An app token sent to an instance whose API client has none.
    let stray_app_token = call(
        client()
            .get(&url)
            .header("App-Token", "whatever")
            .header("Authorization", format!("user_token {USER_TOKEN}")),
    )
    .await;
    assert_eq!(stray_app_token.status, StatusCode::BAD_REQUEST);
    assert_eq!(stray_app_token.json()[0], "ERROR_WRONG_APP_TOKEN_PARAMETER");
    assert_eq!(sim.stats().failed_logins, 4);
    assert_eq!(sim.stats().init_sessions, 0);
}

#[tokio::test]
async fn app_token_is_required_on_every_call_when_configured() {
    let sim = start_with(
        small_fleet(),
        SimOptions {
            app_token: Some("app-123".into()),
            user_token: USER_TOKEN.into(),
            login: None,
        },
    )
    .await;
    let url = format!("{}/initSession", sim.base_url());
    let auth = format!("user_token {USER_TOKEN}");

    let missing = call(client().get(&url).header("Authorization", &auth)).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing.json(),
        json!([
            "ERROR_APP_TOKEN_PARAMETERS_MISSING",
            format!(
                "missing parameter app_token{}",
                doc_suffix(&sim, "ERROR_APP_TOKEN_PARAMETERS_MISSING")
            )
        ])
    );
    let wrong = call(
        client()
            .get(&url)
            .header("Authorization", &auth)
            .header("App-Token", "app-999"),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        wrong.json(),
        json!([
            "ERROR_WRONG_APP_TOKEN_PARAMETER",
            format!(
                "parameter app_token seems wrong{}",
                doc_suffix(&sim, "ERROR_WRONG_APP_TOKEN_PARAMETER")
            )
        ])
    );
    let ok = call(
        client()
            .get(&url)
            .header("Authorization", &auth)
            .header("App-Token", "app-123"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    let token = ok.json()["session_token"].as_str().unwrap().to_string();

    let list_without_app_token = get(&sim, &token, "State/").await;
    assert_eq!(list_without_app_token.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        list_without_app_token.json()[0],
        "ERROR_APP_TOKEN_PARAMETERS_MISSING"
    );
    let list = call(
        client()
            .get(format!("{}/State/", sim.base_url()))
            .header("Session-Token", &token)
            .header("App-Token", "app-123"),
    )
    .await;
    assert_eq!(list.status, StatusCode::OK);
}

#[tokio::test]
async fn basic_credentials_work_only_with_the_configured_login() {
    let sim = start_with(
        small_fleet(),
        SimOptions {
            app_token: None,
            user_token: USER_TOKEN.into(),
            login: Some(("glpi".into(), "glpi".into())),
        },
    )
    .await;
    let url = format!("{}/initSession", sim.base_url());

    // base64("glpi:glpi") and base64("glpi:nope")
    let good = call(
        client()
            .get(&url)
            .header("Authorization", "Basic Z2xwaTpnbHBp"),
    )
    .await;
    let bad = call(
        client()
            .get(&url)
            .header("Authorization", "Basic Z2xwaTpub3Bl"),
    )
    .await;

    assert_eq!(good.status, StatusCode::OK);
    assert_eq!(good.json()["session_token"].as_str().unwrap().len(), 40);
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        bad.json(),
        json!(["ERROR_GLPI_LOGIN", "Incorrect username or password"])
    );
}

#[tokio::test]
async fn data_calls_need_a_live_session_token() {
    let sim = start(small_fleet()).await;

    let missing = call(client().get(format!("{}/Computer/", sim.base_url()))).await;
    let unknown = get(
        &sim,
        "0000000000000000000000000000000000000000",
        "Computer/",
    )
    .await;

    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing.json(),
        json!([
            "ERROR_SESSION_TOKEN_MISSING",
            format!(
                "parameter session_token is missing or empty{}",
                doc_suffix(&sim, "ERROR_SESSION_TOKEN_MISSING")
            )
        ])
    );
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.json(),
        json!(["ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid"])
    );
}

#[tokio::test]
async fn kill_session_answers_true_and_invalidates_the_token() {
    let sim = start(small_fleet()).await;
    let token = init_session(&sim).await;

    let killed = get(&sim, &token, "killSession").await;
    let after = get(&sim, &token, "State/").await;

    assert_eq!(killed.status, StatusCode::OK);
    assert_eq!(killed.json(), json!(true));
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.json()[0], "ERROR_SESSION_TOKEN_INVALID");
    assert_eq!(sim.stats().kill_sessions, 1);
    assert_eq!(sim.stats().live_sessions, 0);
}

#[tokio::test]
async fn expired_sessions_get_401_until_a_new_session_is_opened() {
    let sim = start(small_fleet()).await;
    let token = init_session(&sim).await;
    assert_eq!(get(&sim, &token, "State/").await.status, StatusCode::OK);

    sim.expire_sessions();
    let expired = get(&sim, &token, "State/").await;
    let fresh = init_session(&sim).await;
    let again = get(&sim, &fresh, "State/").await;

    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        expired.json(),
        json!(["ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid"])
    );
    assert_eq!(again.status, StatusCode::OK);
}

#[tokio::test]
async fn every_partial_page_is_206_with_a_clipped_content_range() {
    let fleet = small_fleet();
    let total = fleet.assets(AssetType::Computer).len();
    let expected_ids: Vec<u64> = fleet
        .assets(AssetType::Computer)
        .iter()
        .map(|a| a.id)
        .collect();
    assert!(total > 20, "the fleet needs several pages of computers");
    let sim = start(fleet).await;
    let token = init_session(&sim).await;

    let mut seen = Vec::new();
    let mut start = 0;
    let page = 10;
    while start < total {
        let answer = get(
            &sim,
            &token,
            &format!("Computer/?range={start}-{}", start + page - 1),
        )
        .await;
        let end = (start + page - 1).min(total - 1);
        assert_eq!(
            answer.status,
            StatusCode::PARTIAL_CONTENT,
            "page at {start}"
        );
        assert_eq!(
            answer.header("Content-Range"),
            Some(format!("{start}-{end}/{total}"))
        );
        assert_eq!(
            answer.header("Accept-Range").as_deref(),
            Some("Computer 990")
        );
        let rows = answer.json();
        let rows = rows.as_array().expect("a JSON array");
        assert_eq!(rows.len(), end - start + 1);
        seen.extend(rows.iter().map(|r| r["id"].as_u64().expect("numeric id")));
        start += page;
    }

    assert_eq!(seen, expected_ids);
    assert_eq!(
        sim.stats().last_range_requested,
        Some(format!("{}-{}", start - page, start - 1))
    );
}

#[tokio::test]
async fn one_page_spanning_the_collection_is_200_and_the_default_range_is_0_14() {
    let sim = start(small_fleet()).await;
    let token = init_session(&sim).await;

    let states = get(&sim, &token, "State?range=0-999").await;
    let computers = get(&sim, &token, "Computer/").await;

    assert_eq!(states.status, StatusCode::OK);
    assert_eq!(states.header("Content-Range").as_deref(), Some("0-9/10"));
    assert_eq!(states.json().as_array().unwrap().len(), 10);
    assert_eq!(computers.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(computers.json().as_array().unwrap().len(), 15);
    assert!(
        computers
            .header("Content-Range")
            .unwrap()
            .starts_with("0-14/")
    );
}

#[tokio::test]
async fn range_at_the_total_is_an_empty_page_and_beyond_is_an_error() {
    let fleet = small_fleet();
    let total = fleet.assets(AssetType::Monitor).len();
    let sim = start(fleet).await;
    let token = init_session(&sim).await;

    let at_total = get(
        &sim,
        &token,
        &format!("Monitor/?range={total}-{}", total + 9),
    )
    .await;
    let beyond = get(
        &sim,
        &token,
        &format!("Monitor/?range={}-{}", total + 1, total + 9),
    )
    .await;

    assert_eq!(at_total.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(at_total.json(), json!([]));
    assert_eq!(
        at_total.header("Content-Range"),
        Some(format!("{total}-{}/{total}", total - 1))
    );
    assert_eq!(beyond.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        beyond.json(),
        json!([
            "ERROR_RANGE_EXCEED_TOTAL",
            format!(
                "Provided range exceed total count of data: {total}{}",
                doc_suffix(&sim, "ERROR_RANGE_EXCEED_TOTAL")
            )
        ])
    );
}

#[tokio::test]
async fn empty_collections_have_no_content_range() {
    let mut fleet = small_fleet();
    for id in fleet.ids("NetworkEquipment") {
        assert!(fleet.remove("NetworkEquipment", id));
    }
    let templates: Vec<u64> = fleet
        .assets(AssetType::NetworkEquipment)
        .iter()
        .map(|a| a.id)
        .collect();
    for id in templates {
        fleet.remove("NetworkEquipment", id);
    }
    let sim = start(fleet).await;
    let token = init_session(&sim).await;

    let answer = get(&sim, &token, "NetworkEquipment/?range=0-49").await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json(), json!([]));
    assert_eq!(answer.header("Content-Range"), None);
}

#[tokio::test]
async fn templates_come_back_in_lists() {
    let fleet = small_fleet();
    let template_ids: Vec<u64> = fleet
        .assets(AssetType::Computer)
        .iter()
        .filter(|a| a.is_template)
        .map(|a| a.id)
        .collect();
    assert!(!template_ids.is_empty());
    let sim = start(fleet).await;
    let token = init_session(&sim).await;

    let rows = get(&sim, &token, "Computer/?range=0-999").await.json();
    let templates: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["is_template"] == json!(1))
        .collect();

    assert_eq!(templates.len(), template_ids.len());
    for t in templates {
        assert!(
            t["template_name"]
                .as_str()
                .is_some_and(|n| n.starts_with("Modèle"))
        );
        assert!(template_ids.contains(&t["id"].as_u64().unwrap()));
    }
}

#[tokio::test]
async fn sort_by_date_mod_desc_pages_newest_first_without_gaps() {
    let fleet = Fleet::generate(&FleetSpec {
        assets: 600,
        seed: 3,
        templates: 2,
    });
    let total = fleet.assets(AssetType::Computer).len();
    let sim = start(fleet).await;
    let token = init_session(&sim).await;

    let mut keys: Vec<(String, u64)> = Vec::new();
    let mut start = 0;
    while start < total {
        let rows = get(
            &sim,
            &token,
            &format!(
                "Computer/?sort=date_mod&order=DESC&range={start}-{}",
                start + 36
            ),
        )
        .await
        .json();
        for r in rows.as_array().unwrap() {
            keys.push((
                r["date_mod"].as_str().unwrap().to_string(),
                r["id"].as_u64().unwrap(),
            ));
        }
        start += 37;
    }

    assert_eq!(keys.len(), total);
    let ids: HashSet<u64> = keys.iter().map(|k| k.1).collect();
    assert_eq!(ids.len(), total, "a row was repeated");
    // "YYYY-MM-DD HH:MM:SS" orders as text; ties go by id, in the same direction.
    assert!(keys.windows(2).all(|w| w[0] > w[1]), "not newest first");
    assert!(
        keys.windows(2).any(|w| w[0].0 == w[1].0),
        "the fleet should contain date_mod ties (bulk imports)"
    );
}

#[tokio::test]
async fn bad_list_parameters_are_rejected_like_glpi() {
    let sim = start(small_fleet()).await;
    let token = init_session(&sim).await;

    let range = get(&sim, &token, "Computer/?range=0-abc").await;
    let order = get(&sim, &token, "Computer/?order=UP").await;
    let sort = get(&sim, &token, "Computer/?sort=nope").await;
    let itemtype = get(&sim, &token, "Ticketz/").await;
    let sort_by_name = get(&sim, &token, "State/?sort=name&range=0-99").await;

    assert_eq!(range.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        range.json(),
        json!([
            "ERROR",
            format!(
                "range must be in format : [start-end] with integers{}",
                doc_suffix(&sim, "ERROR")
            )
        ])
    );
    assert_eq!(order.status, StatusCode::BAD_REQUEST);
    assert!(
        order.json()[1]
            .as_str()
            .unwrap()
            .starts_with("order must be DESC or ASC")
    );
    assert_eq!(sort.status, StatusCode::BAD_REQUEST);
    assert!(
        sort.json()[1]
            .as_str()
            .unwrap()
            .starts_with("sort param is not a field of glpi_computers")
    );
    assert_eq!(itemtype.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        itemtype.json()[0],
        "ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM"
    );
    let names: Vec<String> = sort_by_name
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
}

#[tokio::test]
async fn single_items_are_typed_like_glpi_and_missing_ones_are_404() {
    let fleet = small_fleet();
    let id = fleet.ids("Computer")[0];
    let infocom_value = fleet.infocom("Computer", id).map(|ic| ic.value.clone());
    let sim = start(fleet).await;
    let token = init_session(&sim).await;

    let item = get(&sim, &token, &format!("Computer/{id}?with_infocoms=true")).await;
    let missing = get(&sim, &token, "Computer/999999").await;

    assert_eq!(item.status, StatusCode::OK);
    assert!(item.header("Last-Modified").unwrap().ends_with(" GMT"));
    let row = item.json();
    assert_eq!(row["id"], json!(id));
    assert_eq!(row["ticket_tco"], json!("0.0000"));
    assert!(row["entities_id"].is_u64());
    assert!(row["states_id"].is_u64());
    assert!(row["computertypes_id"].as_u64().unwrap() > 0);
    let date_mod = row["date_mod"].as_str().unwrap();
    assert!(NaiveDateTime::parse_from_str(date_mod, "%Y-%m-%d %H:%M:%S").is_ok());
    assert!(
        row["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "Entity")
    );
    match infocom_value {
        Some(value) => assert_eq!(row["_infocoms"]["value"], json!(value)),
        None => assert_eq!(row["_infocoms"], json!([])),
    }
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json(),
        json!(["ERROR_ITEM_NOT_FOUND", "Item not found"])
    );
}

#[tokio::test]
async fn dropdowns_models_and_infocoms_have_the_glpi_columns() {
    let sim = start(small_fleet()).await;
    let token = init_session(&sim).await;

    let computer_models = get(&sim, &token, "ComputerModel/?range=0-999").await.json();
    let printer_models = get(&sim, &token, "PrinterModel/?range=0-999").await.json();
    let states = get(&sim, &token, "State/?range=0-99").await.json();
    let entities = get(&sim, &token, "Entity/?range=0-99").await.json();
    let infocoms = get(&sim, &token, "Infocom/?range=0-999").await.json();

    let with_power = computer_models
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["power_consumption"].as_i64().unwrap() > 0)
        .count();
    assert!(with_power * 2 > computer_models.as_array().unwrap().len());
    assert!(computer_models[0]["weight"].is_i64());
    assert!(printer_models[0].get("power_consumption").is_none());
    assert!(printer_models[0].get("weight").is_none());
    let don = states
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Don")
        .expect("a Don state");
    assert_eq!(don["completename"], "Réformé > Don");
    assert_eq!(don["level"], 2);
    assert!(don["states_id"].as_u64().unwrap() > 0);
    assert_eq!(entities[0]["id"], 0);
    assert_eq!(entities[0]["name"], "Entité racine");
    assert!(entities.as_array().unwrap().iter().any(|e| {
        e["completename"] == "Entité racine > SIN Val-de-Brume > Mairie de Montcalme"
    }));
    for ic in infocoms.as_array().unwrap() {
        let value = ic["value"].as_str().expect("decimal as text");
        let (units, decimals) = value.split_once('.').expect("a decimal point");
        assert!(
            units.parse::<u64>().is_ok() && decimals.len() == 4,
            "{value}"
        );
        assert!(ic["items_id"].is_u64());
        assert!(ic["itemtype"].is_string());
        assert!(ic["warranty_duration"].is_i64());
        if let Some(d) = ic["decommission_date"].as_str() {
            assert!(NaiveDateTime::parse_from_str(d, "%Y-%m-%d %H:%M:%S").is_ok());
        }
    }
}

#[tokio::test]
async fn groups_id_comes_as_int_array_or_not_at_all() {
    let sim = start(Fleet::generate(&FleetSpec {
        assets: 400,
        seed: 11,
        templates: 0,
    }))
    .await;
    let token = init_session(&sim).await;

    let rows = get(&sim, &token, "Computer/?range=0-999").await.json();
    let rows = rows.as_array().unwrap();

    assert!(rows.iter().any(|r| r["groups_id"].is_u64()));
    assert!(rows.iter().any(|r| r["groups_id"].is_array()));
    assert!(rows.iter().any(|r| r.get("groups_id").is_none()));
}

#[tokio::test]
async fn infocom_is_served_as_a_sub_item_of_its_asset() {
    let fleet = small_fleet();
    let (id, infocom_id) = fleet
        .ids("Monitor")
        .into_iter()
        .find_map(|id| fleet.infocom("Monitor", id).map(|ic| (id, ic.id)))
        .expect("a monitor with an infocom");
    let sim = start(fleet).await;
    let token = init_session(&sim).await;

    let answer = get(&sim, &token, &format!("Monitor/{id}/Infocom/")).await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("Content-Range").as_deref(), Some("0-0/1"));
    assert_eq!(answer.json()[0]["id"], json!(infocom_id));
    assert_eq!(answer.json()[0]["itemtype"], "Monitor");
}

#[tokio::test]
async fn the_printer_log_has_glpi_10_columns_pages_and_a_sub_item_list() {
    let mut fleet = small_fleet();
    fleet.record_printer_history(10, generated_at());
    let rows = fleet.printer_logs().to_vec();
    let total = rows.len();
    assert!(total > 20, "{total} log rows");
    let printer = rows[0].printers_id;
    let sim = start(fleet).await;
    let token = init_session(&sim).await;

    let answer = get(&sim, &token, "PrinterLog/?range=0-9&sort=id&order=DESC").await;
    assert_eq!(answer.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(answer.header("Content-Range"), Some(format!("0-9/{total}")));
    assert_eq!(
        answer.header("Accept-Range").as_deref(),
        Some("PrinterLog 990")
    );
    let page = answer.json();
    let first = &page.as_array().unwrap()[0];
    // In the table's column order, as the raw body shows (a parsed object sorts them).
    let at = |key: &str| answer.body.find(&format!("\"{key}\":")).expect(key);
    let keys = [
        "id",
        "printers_id",
        "total_pages",
        "bw_pages",
        "color_pages",
        "rv_pages",
        "prints",
        "bw_prints",
        "color_prints",
        "copies",
        "bw_copies",
        "color_copies",
        "scanned",
        "faxed",
        "date",
        "date_creation",
        "date_mod",
        "links",
    ];
    assert!(
        keys.windows(2).all(|w| at(w[0]) < at(w[1])),
        "{}",
        answer.body
    );
    assert_eq!(first.as_object().unwrap().len(), keys.len());
    assert_eq!(first["id"], json!(rows.last().unwrap().id), "newest first");
    assert!(first["date"].as_str().unwrap().len() == 10, "a DATE column");
    assert_eq!(first["links"][0]["rel"], json!("Printer"));

    let mine = get(
        &sim,
        &token,
        &format!("Printer/{printer}/PrinterLog/?range=0-99"),
    )
    .await;
    assert_eq!(mine.status, StatusCode::OK);
    let mine = mine.json();
    let expected = rows.iter().filter(|r| r.printers_id == printer).count();
    assert_eq!(mine.as_array().unwrap().len(), expected);
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .all(|r| r["printers_id"] == json!(printer))
    );

    // GLPI 9.5 has no such itemtype; GLPI 10 refuses it to a profile without the right.
    sim.printer_log(PrinterLogAccess::Absent);
    let absent = get(&sim, &token, "PrinterLog/").await;
    assert_eq!(absent.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        absent.json()[0],
        json!("ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM")
    );
    sim.printer_log(PrinterLogAccess::Forbidden);
    for path in [
        "PrinterLog/".to_string(),
        format!("Printer/{printer}/PrinterLog/"),
    ] {
        let forbidden = get(&sim, &token, &path).await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            forbidden.json(),
            json!([
                "ERROR_RIGHT_MISSING",
                "You don't have permission to perform this action."
            ])
        );
    }
    sim.printer_log(PrinterLogAccess::Served);
    assert_eq!(
        get(&sim, &token, "PrinterLog/").await.status,
        StatusCode::PARTIAL_CONTENT
    );
}

#[test]
fn an_inventory_rewrites_the_day_s_log_row_and_the_printer_counter() {
    let mut fleet = small_fleet();
    let printer = fleet.ids("Printer")[0];
    let morning = generated_at();
    let counters = |total| PageCounters {
        total_pages: total,
        bw_pages: total,
        ..PageCounters::default()
    };
    fleet.inventory_printer(printer, counters(1000), morning);
    fleet.inventory_printer(printer, counters(1040), morning + Days::hours(4));
    assert_eq!(fleet.printer_logs().len(), 1, "one row per printer and day");
    assert_eq!(fleet.printer_logs()[0].total_pages, 1040);
    fleet.inventory_printer(printer, counters(1100), morning + Days::days(1));
    let logs = fleet.printer_logs();
    assert_eq!(logs.len(), 2);
    assert!(logs[1].id > logs[0].id);
    let a = fleet.asset("Printer", printer).unwrap();
    assert_eq!(a.last_pages_counter, 1100);
    assert_eq!(a.last_inventory_update, Some(morning + Days::days(1)));
    fleet.inventory_printer(999_999, counters(1), morning);
    assert_eq!(
        fleet.printer_logs().len(),
        2,
        "an unknown printer logs nothing"
    );
}

#[tokio::test]
async fn changes_made_through_the_handle_are_served() {
    let sim = start(small_fleet()).await;
    let token = init_session(&sim).await;
    let now = generated_at() + Days::days(1);

    let (moved, added, gone) = sim.with_fleet(|f| {
        let moved = f.ids("Computer")[1];
        f.set_state("Computer", moved, "Prêté > Élections", now);
        let added = f.add_item("Phone", "MOB-MTC-NEW01", "Smartphone", "En stock", now);
        f.set_infocom_value("Phone", added, "649.0000", now);
        let gone = f.ids("Printer")[0];
        assert!(f.remove("Printer", gone));
        (moved, added, gone)
    });

    let row = get(
        &sim,
        &token,
        &format!("Computer/{moved}?expand_dropdowns=true"),
    )
    .await;
    assert_eq!(row.json()["states_id"], "Prêté > Élections");
    assert_eq!(row.json()["date_mod"], "2026-11-03 07:45:00");
    let phone = get(&sim, &token, &format!("Phone/{added}/Infocom")).await;
    assert_eq!(phone.json()[0]["value"], "649.0000");
    let newest = get(&sim, &token, "Phone/?sort=date_mod&order=DESC&range=0-0").await;
    assert_eq!(newest.json()[0]["id"], json!(added));
    let printer = get(&sim, &token, &format!("Printer/{gone}")).await;
    assert_eq!(printer.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn server_error_fault_is_a_500_sql_error_then_service_resumes() {
    let sim = start(small_fleet()).await;
    let token = init_session(&sim).await;
    sim.inject(Fault::ServerError, 2);

    let first = get(&sim, &token, "Computer/?range=0-9").await;
    let second = get(&sim, &token, "State/").await;
    let third = get(&sim, &token, "Computer/?range=0-9").await;

    for a in [&first, &second] {
        assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(a.json()[0], "ERROR_SQL");
        assert!(
            a.json()[1]
                .as_str()
                .unwrap()
                .starts_with("Unexpected SQL Error")
        );
    }
    assert_eq!(third.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(sim.stats().faults_served, 2);
}

#[tokio::test]
async fn session_calls_are_not_counted_as_data_requests_for_faults() {
    let sim = start(small_fleet()).await;
    sim.inject(Fault::ServerError, 1);

    let token = init_session(&sim).await;
    let killed = get(&sim, &token, "killSession").await;
    let token = init_session(&sim).await;
    let data = get(&sim, &token, "State/").await;

    assert_eq!(killed.status, StatusCode::OK);
    assert_eq!(data.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(sim.stats().requests, 1);
}

#[tokio::test]
async fn malformed_json_fault_keeps_status_and_headers() {
    let sim = start(small_fleet()).await;
    let token = init_session(&sim).await;
    sim.inject(Fault::MalformedJson, 1);

    let answer = get(&sim, &token, "Computer/?range=0-4").await;

    assert_eq!(answer.status, StatusCode::PARTIAL_CONTENT);
    assert!(answer.header("Content-Range").unwrap().starts_with("0-4/"));
    assert!(serde_json::from_str::<Value>(&answer.body).is_err());
    assert!(answer.body.starts_with("<br />"));
}

#[tokio::test]
async fn truncated_page_fault_cuts_the_array_but_claims_the_full_range() {
    let sim = start(small_fleet()).await;
    let token = init_session(&sim).await;
    let whole = get(&sim, &token, "Computer/?range=0-9").await;
    sim.inject(Fault::TruncatedPage, 1);

    let cut = get(&sim, &token, "Computer/?range=0-9").await;

    assert_eq!(cut.status, whole.status);
    assert_eq!(cut.header("Content-Range"), whole.header("Content-Range"));
    assert!(cut.body.len() < whole.body.len());
    assert!(whole.body.starts_with(&cut.body));
    assert!(serde_json::from_str::<Value>(&cut.body).is_err());
}

#[tokio::test]
async fn delay_fault_answers_normally_but_late() {
    let sim = start(small_fleet()).await;
    let token = init_session(&sim).await;
    sim.inject(Fault::Delay(Duration::from_millis(300)), 1);

    let began = Instant::now();
    let late = get(&sim, &token, "State/").await;
    let late_elapsed = began.elapsed();

    assert_eq!(late.status, StatusCode::OK);
    assert_eq!(late.json().as_array().unwrap().len(), 10);
    assert!(
        late_elapsed >= Duration::from_millis(300),
        "{late_elapsed:?}"
    );
}

#[tokio::test]
async fn wrong_shape_fault_sends_an_object_for_a_list_and_a_list_for_an_item() {
    let sim = start(small_fleet()).await;
    let token = init_session(&sim).await;
    sim.inject(Fault::WrongShape, 2);

    let list = get(&sim, &token, "State/?range=0-2").await;
    let item = get(&sim, &token, "State/1").await;

    assert_eq!(list.status, StatusCode::PARTIAL_CONTENT);
    let object = list.json();
    assert!(object.is_object());
    assert_eq!(object["0"]["id"], 1);
    assert_eq!(item.json(), json!([]));
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sim = start(small_fleet()).await;
    let token = init_session(&sim).await;
    let url = format!("{}/State/", sim.base_url());

    sim.shutdown();

    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        // A fresh client, so no pooled connection outlives the server.
        let refused = client()
            .get(&url)
            .header("Session-Token", &token)
            .send()
            .await
            .is_err();
        if refused {
            break;
        }
        assert!(Instant::now() < deadline, "still serving after shutdown");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn generate_is_deterministic_for_a_seed() {
    let spec = FleetSpec {
        assets: 500,
        seed: 2026,
        templates: 5,
    };

    let a = Fleet::generate(&spec);
    let b = Fleet::generate(&spec);
    let other = Fleet::generate(&FleetSpec { seed: 2027, ..spec });

    assert_eq!(a, b);
    assert_ne!(a, other);
    assert_eq!(a.len(), 500);
    let templates: usize = AssetType::ALL
        .into_iter()
        .map(|t| a.assets(t).iter().filter(|x| x.is_template).count())
        .sum();
    assert_eq!(templates, 5);
}

/// Whether `to` follows `from` through one or more allowed moves (an asset may move
/// more than once in one `evolve`).
fn reachable(moves: &[(&str, &str)], from: &str, to: &str) -> bool {
    let mut seen = vec![from];
    let mut frontier = vec![from];
    while let Some(state) = frontier.pop() {
        for (a, b) in moves {
            if *a == state && !seen.contains(b) {
                seen.push(b);
                frontier.push(b);
            }
        }
    }
    seen[1..].contains(&to)
}

#[test]
fn evolve_stamps_date_mod_on_every_touched_row_and_moves_statuses_forward() {
    let before = Fleet::generate(&FleetSpec {
        assets: 800,
        seed: 5,
        templates: 2,
    });
    let mut after = before.clone();
    let now = generated_at() + Days::days(10);

    after.evolve(400, 77, now);

    // Allowed moves of the lifecycle (stock -> production -> réformé -> exits, repairs).
    let allowed: &[(&str, &str)] = &[
        ("En commande", "En stock"),
        ("En stock", "En production"),
        ("En stock", "Prêté"),
        ("En production", "Réformé"),
        ("En production", "En réparation"),
        ("En production", "Prêté"),
        ("En production", "En stock"),
        ("En réparation", "En production"),
        ("En réparation", "Réformé"),
        ("Prêté", "En production"),
        ("Prêté", "En stock"),
        ("Réformé", "Don"),
        ("Réformé", "Recyclé"),
        ("Réformé", "Vendu"),
        ("Réformé", "Détruit"),
    ];
    let (mut moved, mut added, mut removed) = (0, 0, 0);
    for t in AssetType::ALL {
        for a in after.assets(t) {
            match before.asset(t.itemtype(), a.id) {
                None => {
                    added += 1;
                    assert_eq!(a.date_mod, Some(now));
                    assert_eq!(a.date_creation, Some(now));
                }
                Some(b) if b != a => {
                    assert_eq!(a.date_mod, Some(now), "{t:?} {}", a.id);
                    if a.states_id != b.states_id {
                        moved += 1;
                        let from = before.state_name(b.states_id).unwrap_or("En production");
                        let to = after.state_name(a.states_id).unwrap();
                        assert!(reachable(allowed, from, to), "{from} -> {to}");
                    }
                }
                Some(_) => {}
            }
        }
        removed += before
            .assets(t)
            .iter()
            .filter(|b| after.asset(t.itemtype(), b.id).is_none())
            .count();
    }
    let mut infocom_edits = 0;
    for ic in after.infocoms() {
        let old = before.infocom(ic.itemtype.itemtype(), ic.items_id);
        if old != Some(ic) {
            infocom_edits += 1;
            assert_eq!(ic.date_mod, Some(now));
        }
    }
    assert!(moved > 100, "moved {moved}");
    assert!(added > 40, "added {added}");
    assert!(removed > 0, "removed {removed}");
    assert!(infocom_edits > 60, "infocom edits {infocom_edits}");
    let arrivals_with_infocom = AssetType::ALL
        .into_iter()
        .flat_map(|t| after.assets(t).iter())
        .filter(|a| before.asset(a.itemtype.itemtype(), a.id).is_none())
        .filter(|a| after.infocom(a.itemtype.itemtype(), a.id).is_some())
        .count();
    assert_eq!(arrivals_with_infocom, added);
}

#[test]
fn the_fleet_looks_like_a_syndicate_inventory() {
    let fleet = Fleet::generate(&FleetSpec {
        assets: 20_000,
        seed: 1,
        templates: 0,
    });
    let n = fleet.len() as f64;
    let share = |t: AssetType| fleet.assets(t).len() as f64 / n;
    let state_share = |name: &str| {
        AssetType::ALL
            .into_iter()
            .flat_map(|t| fleet.assets(t).iter())
            .filter(|a| fleet.state_name(a.states_id) == Some(name))
            .count() as f64
            / n
    };
    let near = |value: f64, target: f64| (value - target).abs() < 0.02;

    assert!(near(share(AssetType::Monitor), 0.25));
    assert!(near(share(AssetType::Computer), 0.47));
    assert!(near(share(AssetType::Phone), 0.12));
    assert!(near(state_share("En production"), 0.71));
    assert!(near(state_share("En stock"), 0.08));
    assert!(near(state_share("Recyclé"), 0.05));
    assert!(state_share("Prêté") > 0.0);
    let infocom_share = fleet.infocoms().len() as f64 / n;
    assert!((0.90..0.96).contains(&infocom_share), "{infocom_share}");
    let reconditioned = fleet
        .infocoms()
        .iter()
        .filter(|ic| {
            ic.comment
                .as_deref()
                .is_some_and(|c| c.starts_with("Reconditionné"))
        })
        .count() as f64
        / fleet.infocoms().len() as f64;
    assert!((0.08..0.22).contains(&reconditioned), "{reconditioned}");
    // Exits carry a decommission date; items in service do not.
    for ic in fleet.infocoms() {
        let asset = fleet.asset(ic.itemtype.itemtype(), ic.items_id).unwrap();
        let name = fleet.state_name(asset.states_id).unwrap_or("");
        let exited = ["Réformé", "Don", "Vendu", "Recyclé", "Détruit"].contains(&name);
        assert_eq!(ic.decommission_date.is_some(), exited, "{name}");
    }
    let some_groups_are_lists = AssetType::ALL
        .into_iter()
        .flat_map(|t| fleet.assets(t).iter())
        .any(|a| matches!(a.groups_id, Groups::Many(_)));
    assert!(some_groups_are_lists);
}

#[test]
fn a_fleet_of_100k_assets_can_be_generated() {
    let fleet = Fleet::generate(&FleetSpec {
        assets: 100_000,
        seed: 100,
        templates: 9,
    });

    assert_eq!(fleet.len(), 100_000);
    let ids = fleet.ids("Computer");
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert!(fleet.infocoms().len() > 90_000);
}
