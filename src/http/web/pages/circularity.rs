//! `/circularity?year=`: the AGEC shares against their minimums with the projection to
//! 31 December, the REEN reuse rate against its target, DEEE exits and donations.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Html;
use serde_json::Value;

use super::super::api::{self, Doc};
use super::super::charts::{self, Api, Bar, Cell, Gauge};
use super::super::i18n::Lang;
use super::super::layout::{self, euros, num, pct};
use super::super::{Ctx, PageResult};
use super::{cards, f, figure, key_figure, note, section, year_param};
use crate::http::HttpState;

pub async fn show(
    State(s): State<HttpState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> PageResult {
    let ctx = Ctx::parse("/circularity", q.as_deref(), &headers, &["year"])?;
    let lang = ctx.lang;
    let year = year_param(&ctx)?;
    let doc = api::agec(&s, lang, year).await?;
    let mut body = year_form(&ctx, year);
    if !doc.at("/complete").as_bool().unwrap_or(true) {
        body.push_str(&note(&format!(
            "{} {} / {}.",
            lang.t(
                "Année en cours : chiffres à date, et projetés au 31 décembre au rythme actuel plus les commandes connues. Jours écoulés :",
                "Year under way: figures to date, and projected to 31 December at the current pace plus known orders. Days elapsed:"
            ),
            doc.at("/agec/progress/elapsed_days"),
            doc.at("/agec/progress/days_in_year"),
        )));
    }
    body.push_str(&agec(lang, &doc));
    body.push_str(&reen(lang, &doc));
    body.push_str(&deee(lang, &doc));
    Ok(Html(layout::page(
        &ctx,
        &format!(
            "{} {year}",
            lang.t(
                "Économie circulaire : AGEC et REEN,",
                "Circular economy: AGEC and REEN,"
            )
        ),
        &body,
    )))
}

fn year_form(ctx: &Ctx, year: i32) -> String {
    format!(
        r#"<form class="filter" method="get" action="/circularity"><input type="hidden" name="lang" value="{}"><label for="year">{}</label> <input id="year" name="year" type="number" min="2000" max="2100" value="{year}"> <button type="submit">{}</button></form>"#,
        ctx.lang.code(),
        ctx.lang.t("Année", "Year"),
        ctx.lang.t("Afficher", "Show"),
    )
}

fn share_cell(lang: Lang, doc: &Doc, ptr: &[&str]) -> Cell {
    figure(doc, ptr, |v| pct(lang, v))
}

fn category_label(v: &Value) -> String {
    serde_json::from_value::<crate::agec::Category>(v.clone())
        .map(|c| c.label().to_string())
        .unwrap_or_else(|_| v.as_str().unwrap_or("?").to_string())
}

fn agec(lang: Lang, doc: &Doc) -> String {
    let categories = doc
        .at("/agec/categories")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut out = note(lang.t(
        "Part des achats (en € HT) issus du réemploi (dons compris) ou contenant des matières recyclées, par catégorie, face au minimum légal (loi AGEC art. 58).",
        "Share of purchases (€ excl. VAT) from reuse (donations included) or with recycled content, by category, against the legal minimum (AGEC law art. 58).",
    ));
    if categories.is_empty() {
        out.push_str(&note(lang.t(
            "Aucun achat compté cette année.",
            "No purchase counted this year.",
        )));
        return section("agec", lang.t("Achats (AGEC)", "Purchases (AGEC)"), &out);
    }
    let kinds = [
        ("reuse", lang.t("réemploi", "reuse")),
        ("recycled", lang.t("recyclé", "recycled")),
        (
            "combined",
            lang.t("réemploi ou recyclé", "reuse or recycled"),
        ),
    ];
    let mut gauges = Vec::new();
    let mut rows = Vec::new();
    for (i, c) in categories.iter().enumerate() {
        let label = category_label(&c["category"]);
        let idx = i.to_string();
        let base = ["agec", "categories", idx.as_str()];
        for (kind, kind_label) in kinds {
            let min = f(&c["quota"][format!("{kind}_min")]);
            // Every category shows its reuse share; the other kinds only where a minimum
            // asks for them.
            if min.is_none() && kind != "reuse" {
                continue;
            }
            let share_key = format!("{kind}_share");
            let gap_key = format!("{kind}_gap");
            gauges.push(Gauge {
                label: format!("{label} ({kind_label})"),
                value: f(&c["year_to_date"][&share_key]),
                projected: f(&c["projected"][&share_key]),
                target: min,
            });
            let shortfall = Api::new(
                &doc.url,
                &[
                    &base[..],
                    &["year_to_date", gap_key.as_str(), "shortfall_cents"],
                ]
                .concat(),
            );
            let total = Api::new(
                &doc.url,
                &[&base[..], &["year_to_date", "amounts", "total"]].concat(),
            );
            rows.push(vec![
                Cell::head(format!("{label} ({kind_label})")),
                match f(doc.at(&total.ptr)) {
                    Some(v) => Cell::api(euros(lang, v), total, v),
                    None => Cell::num("–"),
                },
                share_cell(
                    lang,
                    doc,
                    &[&base[..], &["year_to_date", share_key.as_str()]].concat(),
                ),
                share_cell(
                    lang,
                    doc,
                    &[&base[..], &["projected", share_key.as_str()]].concat(),
                ),
                match min {
                    Some(m) => Cell::num(pct(lang, m)),
                    None => Cell::num(lang.t("aucun", "none")),
                },
                match f(doc.at(&shortfall.ptr)) {
                    Some(v) => Cell::api(euros(lang, v), shortfall, v),
                    None => Cell::num("–"),
                },
            ]);
        }
    }
    let title = lang.t(
        "Parts des achats face aux minimums",
        "Purchase shares against the minimums",
    );
    let table = charts::table(
        title,
        &[
            lang.t("Catégorie (part)", "Category (share)"),
            lang.t("Achats à date", "Purchases to date"),
            lang.t("Part à date", "Share to date"),
            lang.t("Part projetée", "Projected share"),
            lang.t("Minimum", "Minimum"),
            lang.t("Manque à date", "Shortfall to date"),
        ],
        &rows,
    );
    out.push_str(&charts::gauges("agec-shares", title, lang, &gauges, &table));
    section("agec", lang.t("Achats (AGEC)", "Purchases (AGEC)"), &out)
}

fn reen(lang: Lang, doc: &Doc) -> String {
    let rate = f(doc.at("/reen/rate"));
    let target = f(doc.at("/reen/target/min"));
    let item = |label: &str, ptr: &str, show: &dyn Fn(f64) -> String| {
        key_figure(
            doc,
            label,
            &ptr.split('/').skip(1).collect::<Vec<_>>(),
            show,
        )
    };
    let count = |v: f64| num(lang, v, 0);
    let share = |v: f64| pct(lang, v);
    let mut out = note(lang.t(
        "Taux de réemploi = appareils réformés partis en réemploi ÷ (réformés en stock au 1er janvier + réformés dans l'année), hors appareils de plus de 10 ans (décret 2023-266).",
        "Reuse rate = retired devices that left for reuse ÷ (retired in stock on 1 January + retired during the year), devices over 10 years excluded (décret 2023-266).",
    ));
    out.push_str(&cards(&[
        item(
            lang.t("Taux de réemploi", "Reuse rate"),
            "/reen/rate",
            &share,
        ),
        item(lang.t("Objectif", "Target"), "/reen/target/min", &share),
        item(
            lang.t("Réemployés (A)", "Reused (A)"),
            "/reen/reused",
            &count,
        ),
        item(
            lang.t("Réformés (B)", "Retired (B)"),
            "/reen/retired",
            &count,
        ),
    ]));
    let title = lang.t(
        "Taux de réemploi face à l'objectif",
        "Reuse rate against its target",
    );
    let rows = vec![vec![
        Cell::head(lang.t("Taux de réemploi REEN", "REEN reuse rate")),
        share_cell(lang, doc, &["reen", "rate"]),
        share_cell(lang, doc, &["reen", "target", "min"]),
        Cell::num(
            rate.zip(target)
                .map(|(r, t)| {
                    if r >= t {
                        lang.t("atteint", "met")
                    } else {
                        lang.t("non atteint", "not met")
                    }
                })
                .unwrap_or("–"),
        ),
    ]];
    let table = charts::table(
        title,
        &[
            "",
            lang.t("Taux", "Rate"),
            lang.t("Objectif", "Target"),
            lang.t("État", "Status"),
        ],
        &rows,
    );
    out.push_str(&charts::gauges(
        "reen-rate",
        title,
        lang,
        &[Gauge {
            label: lang.t("Taux de réemploi", "Reuse rate").to_string(),
            value: rate,
            projected: None,
            target,
        }],
        &table,
    ));
    section("reen", lang.t("Réemploi (REEN)", "Reuse (REEN)"), &out)
}

fn deee(lang: Lang, doc: &Doc) -> String {
    let routes = [
        ("reused", lang.t("Réemploi", "Reuse")),
        (
            "recycled",
            lang.t("Recyclage (éco-organisme)", "Recycling (eco-organism)"),
        ),
        ("destroyed", lang.t("Destruction", "Destruction")),
    ];
    let bars: Vec<Bar> = routes
        .iter()
        .map(|(k, label)| {
            let v = f(doc.at(&format!("/deee/{k}"))).unwrap_or(0.0);
            Bar {
                label: label.to_string(),
                value: v,
                shown: num(lang, v, 0),
            }
        })
        .collect();
    let rows: Vec<Vec<Cell>> = routes
        .iter()
        .map(|(k, label)| {
            let count = Api::new(&doc.url, &["deee", *k]);
            let n = f(doc.at(&count.ptr)).unwrap_or(0.0);
            vec![
                Cell::head(*label),
                Cell::api(num(lang, n, 0), count, n),
                share_cell(lang, doc, &["deee", format!("{k}_share").as_str()]),
            ]
        })
        .collect();
    let title = lang.t("Sorties du parc par filière", "Exits by route");
    let table = charts::table(
        title,
        &[
            lang.t("Filière", "Route"),
            lang.t("Appareils", "Devices"),
            lang.t("Part", "Share"),
        ],
        &rows,
    );
    let mut out = charts::bars("deee-exits", title, &bars, &table);
    let collection = f(doc.at("/deee/collection_rate"))
        .map(|v| pct(lang, v))
        .unwrap_or_else(|| "–".into());
    out.push_str(&note(&format!(
        "{} {collection}. {} {} ; {} {}.",
        lang.t(
            "Taux de collecte (réemploi + recyclage) ÷ réformés, en unités :",
            "Collection rate (reuse + recycling) ÷ retired, in units:"
        ),
        lang.t("Dons", "Donations"),
        num(
            lang,
            f(doc.at("/donations/devices_given")).unwrap_or(0.0),
            0
        ),
        lang.t(
            "personnes équipées (estimation)",
            "people equipped (estimate)"
        ),
        num(
            lang,
            f(doc.at("/donations/people_equipped")).unwrap_or(0.0),
            0
        ),
    )));
    section("deee", lang.t("Sorties (DEEE)", "Exits (WEEE)"), &out)
}
