//! `/sources`: each source's health (devices, last success, last run and its error), the
//! alerts to procurement in force and the latest messages sent.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Html;
use serde_json::Value;

use super::super::api::{self, Doc};
use super::super::charts::{self, Api, Cell};
use super::super::i18n::Lang;
use super::super::layout::{self, num, pct, when};
use super::super::{Ctx, PageResult};
use super::{f, note, section};
use crate::http::HttpState;

pub async fn show(
    State(s): State<HttpState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> PageResult {
    let ctx = Ctx::parse("/sources", q.as_deref(), &headers, &[])?;
    let lang = ctx.lang;
    let sources = api::sources(&s, lang).await?;
    let alerts = api::alerts(&s, lang).await?;
    let mut body = health(lang, &sources);
    body.push_str(&alerts_in_force(lang, &alerts));
    body.push_str(&messages(lang, &alerts));
    Ok(Html(layout::page(
        &ctx,
        lang.t("Sources et alertes", "Sources and alerts"),
        &body,
    )))
}

fn time(v: &Value) -> String {
    v.as_i64().map(when).unwrap_or_else(|| "–".into())
}

fn health(lang: Lang, doc: &Doc) -> String {
    let list = doc.json.as_array().cloned().unwrap_or_default();
    // Replicas on PostgreSQL: which one polls each source.
    let replicas = list.iter().any(|src| src.get("lease").is_some());
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .enumerate()
        .map(|(i, src)| {
            let i = i.to_string();
            let count = |k: &str| {
                let api = Api::new(&doc.url, &[i.as_str(), k]);
                let v = f(doc.at(&api.ptr)).unwrap_or(0.0);
                Cell::api(num(lang, v, 0), api, v)
            };
            let run = &src["last_run"];
            let state = match run["outcome"].as_str() {
                None => lang.t("jamais lue", "never read").to_string(),
                Some("success") => lang.t("en bonne santé", "healthy").to_string(),
                Some("running") => lang.t("lecture en cours", "being read").to_string(),
                Some("interrupted") => lang
                    .t(
                        "interrompue (reprise au prochain démarrage)",
                        "interrupted (resumes at the next start)",
                    )
                    .to_string(),
                Some(other) => format!(
                    "{} ({other}) : {} {}",
                    lang.t("en échec", "failing"),
                    run["error_type"].as_str().unwrap_or(""),
                    run["error_message"].as_str().unwrap_or("")
                ),
            };
            let mut row = vec![
                Cell::head(src["name"].as_str().unwrap_or("?")),
                Cell::text(src["kind"].as_str().unwrap_or("?")),
                count("live_assets"),
                count("vanished_assets"),
                Cell::text(time(&src["last_success_at"])),
                Cell::text(time(&src["last_full_sync_at"])),
                Cell::text(state),
            ];
            if replicas {
                row.push(Cell::text(polled_by(lang, &src["lease"])));
            }
            row
        })
        .collect();
    let mut out = note(lang.t(
        "Chaque source est lue selon son calendrier ; une source en échec est réessayée sans arrêter les autres.",
        "Each source is read on its schedule; a failing source is retried without stopping the others.",
    ));
    let mut heads = vec![
        lang.t("Source", "Source"),
        lang.t("Type", "Kind"),
        lang.t("Appareils", "Devices"),
        lang.t("Disparus", "Vanished"),
        lang.t("Dernier succès", "Last success"),
        lang.t("Dernière synchro complète", "Last full sync"),
        lang.t("Dernière lecture", "Last run"),
    ];
    if replicas {
        heads.push(lang.t("Lue par", "Polled by"));
    }
    out.push_str(&charts::table(
        lang.t("Santé des sources", "Health of the sources"),
        &heads,
        &rows,
    ));
    section("health", lang.t("Sources", "Sources"), &out)
}

/// Which replica polls a source, from its `lease` in `/api/v1/sources`.
fn polled_by(lang: Lang, lease: &Value) -> String {
    match (lease["this_replica"].as_bool(), lease["holder"].as_str()) {
        (Some(true), _) => lang.t("cette instance", "this replica").to_string(),
        (_, Some(holder)) => format!(
            "{} ({holder})",
            lang.t("une autre instance", "another replica")
        ),
        _ => lang
            .t("aucune instance pour l'instant", "no replica yet")
            .to_string(),
    }
}

fn rule_label(lang: Lang, rule: &str) -> &'static str {
    match rule {
        "quota_not_met" => lang.t("minimum non atteint à date", "minimum not met to date"),
        "projected_miss" => lang.t(
            "minimum manqué en projection",
            "minimum missed in projection",
        ),
        _ => "?",
    }
}

fn alerts_in_force(lang: Lang, doc: &Doc) -> String {
    let list = doc.at("/alerts").as_array().cloned().unwrap_or_default();
    let firing: Vec<&Value> = list.iter().filter(|a| a["state"] == "firing").collect();
    let body = if firing.is_empty() {
        note(lang.t(
            "Aucune alerte en cours : les minimums AGEC de l'année en vigueur sont tenus, ou pas encore évalués.",
            "No alert in force: this year's AGEC minimums are met, or not evaluated yet.",
        ))
    } else {
        let rows: Vec<Vec<Cell>> = firing
            .iter()
            .map(|a| {
                vec![
                    Cell::head(a["category_label"].as_str().unwrap_or("?")),
                    Cell::text(a["kind"].as_str().unwrap_or("?")),
                    Cell::text(rule_label(lang, a["rule"].as_str().unwrap_or(""))),
                    Cell::num(a["year"].to_string()),
                    Cell::text(time(&a["fired_at"])),
                ]
            })
            .collect();
        charts::table(
            lang.t("Alertes en cours", "Alerts in force"),
            &[
                lang.t("Catégorie", "Category"),
                lang.t("Part", "Share"),
                lang.t("Règle", "Rule"),
                lang.t("Année", "Year"),
                lang.t("Depuis", "Since"),
            ],
            &rows,
        )
    };
    section(
        "alerts",
        lang.t("Alertes aux achats", "Alerts to procurement"),
        &body,
    )
}

fn messages(lang: Lang, doc: &Doc) -> String {
    let list = doc.at("/messages").as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return String::new();
    }
    let sent = list.iter().filter(|m| !m["sent_at"].is_null()).count();
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .take(10)
        .map(|m| {
            let state = if !m["sent_at"].is_null() {
                lang.t("envoyé", "sent").to_string()
            } else if !m["dropped_at"].is_null() {
                lang.t("abandonné", "dropped").to_string()
            } else {
                format!(
                    "{} ({} {})",
                    lang.t("en attente", "pending"),
                    m["attempts"],
                    lang.t("essais", "attempts")
                )
            };
            vec![
                Cell::head(time(&m["created_at"])),
                Cell::text(m["channel"].as_str().unwrap_or("?")),
                Cell::text(m["category"].as_str().unwrap_or("?")),
                Cell::text(state),
            ]
        })
        .collect();
    section(
        "messages",
        lang.t("Derniers messages", "Latest messages"),
        &format!(
            "{}{}",
            note(&format!(
                "{} {}",
                pct(lang, sent as f64 / list.len() as f64),
                lang.t(
                    "des derniers messages envoyés.",
                    "of the latest messages sent."
                )
            )),
            charts::table(
                lang.t("Messages aux achats", "Messages to procurement"),
                &[
                    lang.t("Créé", "Created"),
                    lang.t("Canal", "Channel"),
                    lang.t("Catégorie", "Category"),
                    lang.t("État", "State"),
                ],
                &rows,
            )
        ),
    )
}
