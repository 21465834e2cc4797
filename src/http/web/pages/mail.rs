//! `/mail?year=&entity=`: mail stored, sent and received per entity and mail domain, the
//! attachment share and the email footprint in its three scenarios, month by month. Never
//! per person: the API aggregates by domain and entity before anything is shown.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Html;

use super::super::api::{self, Doc};
use super::super::charts::{self, Bar, Cell};
use super::super::i18n::Lang;
use super::super::layout::{self, auto, num, pct};
use super::super::{Ctx, PageResult};
use super::{
    cards, entity_scope, f, figure, figure_in, key_figure, key_figure_in, note, section, year_param,
};
use crate::http::HttpState;

/// Bytes are shown in GB (10^9 bytes, as the footprint factors count them).
const GB: f64 = 1e9;

pub async fn show(
    State(s): State<HttpState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> PageResult {
    let ctx = Ctx::parse("/mail", q.as_deref(), &headers, &["year", "entity"])?;
    let lang = ctx.lang;
    let year = year_param(&ctx)?;
    let doc = api::mail(&s, lang, year).await?;
    let (entities, group) = entity_scope(&s, &ctx, &doc).await?;
    let mut body = layout::entity_filter(&ctx, &entities, &[("year", year.to_string())]);
    if f(doc.at("/total/mailboxes")).unwrap_or(0.0) == 0.0 {
        body.push_str(&note(lang.t(
            "Aucune boîte aux lettres lue pour cette période : déclarez une source de messagerie (doveadm, imap ou m365) pour voir ces chiffres.",
            "No mailbox read for this period: configure a mail source (doveadm, imap or m365) to see these figures.",
        )));
    }
    body.push_str(&key_figures(lang, &doc, &group));
    if ctx.entity.is_none() {
        body.push_str(&by_entity(lang, &doc));
        body.push_str(&by_domain(lang, &doc));
        body.push_str(&months(lang, &doc));
    }
    body.push_str(&scenarios(lang, &doc, &group));
    body.push_str(&note(lang.t(
        "Les boîtes sont comptées par domaine et par entité, jamais par personne. Messages reçus : croissance de l'UIDNEXT de chaque boîte de réception entre deux relevés ; envoyés : croissance des dossiers Envoyés.",
        "Mailboxes are counted per domain and entity, never per person. Received: the growth of each INBOX's UIDNEXT between two rounds; sent: the growth of the Sent folders.",
    )));
    Ok(Html(layout::page(
        &ctx,
        &format!("{} {year}", lang.t("Messagerie,", "Mail,")),
        &body,
    )))
}

fn key_figures(lang: Lang, doc: &Doc, group: &[&str]) -> String {
    let ptr = |key: &'static str| -> Vec<&str> { group.iter().copied().chain([key]).collect() };
    let ptr2 = |a: &'static str, b: &'static str, c: &'static str| -> Vec<&str> {
        group.iter().copied().chain([a, b, c]).collect()
    };
    let count = |v: f64| num(lang, v, 0);
    cards(&[
        key_figure(
            doc,
            lang.t("Boîtes aux lettres", "Mailboxes"),
            &ptr("mailboxes"),
            count,
        ),
        key_figure_in(
            doc,
            lang.t("Stockage (Go)", "Storage (GB)"),
            &ptr("stored_bytes"),
            GB,
            |v| auto(lang, v),
        ),
        key_figure(
            doc,
            lang.t("Messages stockés", "Messages stored"),
            &ptr("stored_messages"),
            count,
        ),
        key_figure_in(
            doc,
            lang.t("Go par agent", "GB per agent"),
            &ptr("stored_bytes_per_agent"),
            GB,
            |v| auto(lang, v),
        ),
        key_figure(
            doc,
            lang.t("Part des pièces jointes", "Attachment share"),
            &ptr("attachment_share"),
            |v| pct(lang, v),
        ),
        key_figure(
            doc,
            lang.t("Messages envoyés", "Messages sent"),
            &ptr("sent_messages"),
            count,
        ),
        key_figure(
            doc,
            lang.t("Messages reçus", "Messages received"),
            &ptr("received_messages"),
            count,
        ),
        key_figure(
            doc,
            lang.t(
                "Stockage, kg CO2e par an (central)",
                "Storage, kg CO2e a year (central)",
            ),
            &ptr2("footprint", "storage_kgco2e_per_year", "central"),
            |v| auto(lang, v),
        ),
    ])
}

/// The columns of a group's row: stored GB, messages, sent, received, attachment share.
fn group_row(lang: Lang, doc: &Doc, map: &'static str, name: &str) -> Vec<Cell> {
    let g = |k: &'static str| [map, name, k];
    vec![
        Cell::head(layout::short_entity(name)),
        figure(doc, &g("mailboxes"), |v| num(lang, v, 0)),
        figure_in(doc, &g("stored_bytes"), GB, |v| auto(lang, v)),
        figure(doc, &g("stored_messages"), |v| num(lang, v, 0)),
        figure(doc, &g("sent_messages"), |v| num(lang, v, 0)),
        figure(doc, &g("received_messages"), |v| num(lang, v, 0)),
        figure(doc, &g("attachment_share"), |v| pct(lang, v)),
    ]
}

fn group_heads(lang: Lang, first: &'static str) -> Vec<&'static str> {
    vec![
        first,
        lang.t("Boîtes", "Mailboxes"),
        lang.t("Stockage (Go)", "Storage (GB)"),
        lang.t("Messages stockés", "Messages stored"),
        lang.t("Envoyés", "Sent"),
        lang.t("Reçus", "Received"),
        lang.t("Pièces jointes", "Attachments"),
    ]
}

fn by_entity(lang: Lang, doc: &Doc) -> String {
    let Some(map) = doc.at("/by_entity").as_object() else {
        return String::new();
    };
    if map.is_empty() {
        return String::new();
    }
    let mut entities: Vec<(&String, f64)> = map
        .iter()
        .map(|(e, g)| (e, f(&g["stored_bytes"]).unwrap_or(0.0)))
        .collect();
    entities.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let bars: Vec<Bar> = entities
        .iter()
        .map(|(e, v)| Bar {
            label: layout::short_entity(e).to_string(),
            value: *v / GB,
            shown: auto(lang, *v / GB),
        })
        .collect();
    let rows: Vec<Vec<Cell>> = entities
        .iter()
        .map(|(e, _)| group_row(lang, doc, "by_entity", e))
        .collect();
    let title = lang.t(
        "Stockage de messagerie par entité (Go)",
        "Mail storage by entity (GB)",
    );
    let table = charts::table(title, &group_heads(lang, lang.t("Entité", "Entity")), &rows);
    section(
        "mail-entities",
        lang.t("Par entité", "By entity"),
        &charts::bars("mail-by-entity", title, &bars, &table),
    )
}

fn by_domain(lang: Lang, doc: &Doc) -> String {
    let Some(map) = doc.at("/by_domain").as_object() else {
        return String::new();
    };
    if map.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<Cell>> = map
        .keys()
        .map(|d| group_row(lang, doc, "by_domain", d))
        .collect();
    section(
        "mail-domains",
        lang.t("Par domaine de messagerie", "By mail domain"),
        &charts::table(
            lang.t("Messagerie par domaine", "Mail by domain"),
            &group_heads(lang, lang.t("Domaine", "Domain")),
            &rows,
        ),
    )
}

fn months(lang: Lang, doc: &Doc) -> String {
    let Some(months) = doc.at("/months").as_array() else {
        return String::new();
    };
    // Months before the first round have nothing to draw.
    let read: Vec<(usize, &serde_json::Value)> = months
        .iter()
        .enumerate()
        .filter(|(_, m)| f(&m["stored_bytes"]).is_some())
        .collect();
    if read.is_empty() {
        return String::new();
    }
    let points: Vec<Bar> = read
        .iter()
        .map(|(_, m)| {
            let v = f(&m["stored_bytes"]).unwrap_or(0.0) / GB;
            Bar {
                label: m["month"].as_str().unwrap_or("?").to_string(),
                value: v,
                shown: auto(lang, v),
            }
        })
        .collect();
    let rows: Vec<Vec<Cell>> = read
        .iter()
        .map(|(i, m)| {
            let i = i.to_string();
            let at = |k: &'static str| ["months", i.as_str(), k];
            vec![
                Cell::head(m["month"].as_str().unwrap_or("?")),
                figure_in(doc, &at("stored_bytes"), GB, |v| auto(lang, v)),
                figure_in(doc, &at("growth_bytes"), GB, |v| auto(lang, v)),
                figure(doc, &at("sent_messages"), |v| num(lang, v, 0)),
                figure(doc, &at("received_messages"), |v| num(lang, v, 0)),
                figure(
                    doc,
                    &["months", i.as_str(), "storage_kgco2e", "central"],
                    |v| auto(lang, v),
                ),
            ]
        })
        .collect();
    let title = lang.t(
        "Stockage de messagerie en fin de mois (Go)",
        "Mail storage at the end of each month (GB)",
    );
    let table = charts::table(
        title,
        &[
            lang.t("Mois", "Month"),
            lang.t("Stockage (Go)", "Storage (GB)"),
            lang.t("Évolution (Go)", "Growth (GB)"),
            lang.t("Envoyés", "Sent"),
            lang.t("Reçus", "Received"),
            lang.t("Stockage, kg CO2e (central)", "Storage, kg CO2e (central)"),
        ],
        &rows,
    );
    section(
        "mail-months",
        lang.t("Mois par mois", "Month by month"),
        &charts::line("mail-by-month", title, &points, &table),
    )
}

/// The footprint of the group in its three scenarios, each with its sources.
fn scenarios(lang: Lang, doc: &Doc, group: &[&str]) -> String {
    let parts: [(&'static str, &'static str, &'static str); 3] = [
        (
            "storage_kgco2e_per_year",
            "Stockage, par an",
            "Storage, a year",
        ),
        (
            "storage_kgco2e",
            "Stockage, sur la période lue",
            "Storage, over the period read",
        ),
        (
            "transfer_kgco2e",
            "Envois (où leur volume est connu)",
            "Sending (where its bytes are known)",
        ),
    ];
    let rows: Vec<Vec<Cell>> = parts
        .iter()
        .map(|(key, fr, en)| {
            let mut row = vec![Cell::head(lang.t(fr, en))];
            for scenario in ["low", "central", "high"] {
                let ptr: Vec<&str> = group
                    .iter()
                    .copied()
                    .chain(["footprint", key, scenario])
                    .collect();
                row.push(figure(doc, &ptr, |v| auto(lang, v)));
            }
            row
        })
        .collect();
    let mut out = charts::table(
        lang.t(
            "Empreinte de la messagerie (kg CO2e), trois scénarios",
            "Email footprint (kg CO2e), three scenarios",
        ),
        &[
            lang.t("Poste", "Part"),
            lang.t("Bas", "Low"),
            lang.t("Central", "Central"),
            lang.t("Haut", "High"),
        ],
        &rows,
    );
    let sources: Vec<String> = ["storage", "transfer"]
        .iter()
        .flat_map(|part| {
            doc.at(&format!("/factors/{part}"))
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|factor| {
            let scenario = match factor["scenario"].as_str() {
                Some("low") => lang.t("bas", "low"),
                Some("central") => lang.t("central", "central"),
                Some("high") => lang.t("haut", "high"),
                _ => "?",
            };
            format!(
                "{scenario} : {} ({})",
                factor["source"].as_str().unwrap_or(""),
                factor["date"].as_str().unwrap_or("")
            )
        })
        .collect();
    out.push_str(&note(&format!(
        "{} {}",
        lang.t("Facteurs :", "Factors:"),
        sources.join(" ; ")
    )));
    section(
        "mail-footprint",
        lang.t("Empreinte carbone", "Carbon footprint"),
        &out,
    )
}
