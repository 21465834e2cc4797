//! One file per page; each reads the API's figures ([`super::api`]) and draws them with
//! [`super::charts`] in [`super::layout`]'s frame.

pub mod circularity;
pub mod history;
pub mod mail;
pub mod overview;
pub mod printing;
pub mod sources;
pub mod whatif;

use serde_json::Value;

use super::api::Doc;
use super::charts::{Api, Bar, Cell};
use super::i18n::Lang;
use super::layout::{self, esc, num};

/// A number of the API's JSON, if it is one.
pub fn f(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// One key figure: its label and value as shown, with where the API gives it.
pub fn card(label: &str, shown: &str, source: Option<(Api, f64)>) -> String {
    card_in(label, shown, source, 1.0)
}

/// [`card`] of a figure shown in a unit `unit` times the API's.
pub fn card_in(label: &str, shown: &str, source: Option<(Api, f64)>, unit: f64) -> String {
    let data = match source {
        Some((api, value)) => format!(
            r#" data-api="{}" data-ptr="{}" data-value="{value}"{}"#,
            esc(&api.url),
            esc(&api.ptr),
            super::charts::unit_attribute(unit)
        ),
        None => String::new(),
    };
    format!(
        "<div><dt>{}</dt><dd{data}>{}</dd></div>",
        esc(label),
        esc(shown)
    )
}

/// A table cell for the number at `ptr` in the API document `doc`, written by `show`, tied
/// to it for the browser test; "–" when the API has none.
pub fn figure(doc: &Doc, ptr: &[&str], show: impl Fn(f64) -> String) -> Cell {
    let api = Api::new(&doc.url, ptr);
    match f(doc.at(&api.ptr)) {
        Some(v) => Cell::api(show(v), api, v),
        None => Cell::num("–"),
    }
}

/// A key figure ([`card`]) for the number at `ptr` in `doc`, written by `show`.
pub fn key_figure(doc: &Doc, label: &str, ptr: &[&str], show: impl Fn(f64) -> String) -> String {
    key_figure_in(doc, label, ptr, 1.0, show)
}

/// [`key_figure`] shown in a unit `unit` times the API's: `show` gets the value in it.
pub fn key_figure_in(
    doc: &Doc,
    label: &str,
    ptr: &[&str],
    unit: f64,
    show: impl Fn(f64) -> String,
) -> String {
    let api = Api::new(&doc.url, ptr);
    match f(doc.at(&api.ptr)) {
        Some(v) => card_in(label, &show(v / unit), Some((api, v)), unit),
        None => card(label, "–", None),
    }
}

/// A table cell ([`figure`]) shown in a unit `unit` times the API's: `show` gets the value
/// in it.
pub fn figure_in(doc: &Doc, ptr: &[&str], unit: f64, show: impl Fn(f64) -> String) -> Cell {
    let api = Api::new(&doc.url, ptr);
    match f(doc.at(&api.ptr)) {
        Some(v) => Cell::api_in(show(v / unit), api, v, unit),
        None => Cell::num("–"),
    }
}

/// The entities of `doc`'s `by_entity` map, the largest `key` first (then by name), and a
/// bar for each: the chart of a "by entity" section, whose table lists the same entities.
pub fn entity_bars(lang: Lang, doc: &Doc, key: &str) -> Option<(Vec<String>, Vec<Bar>)> {
    let map = doc.json["by_entity"].as_object()?;
    let mut entities: Vec<(&String, f64)> = map
        .iter()
        .map(|(e, g)| (e, f(&g[key]).unwrap_or(0.0)))
        .collect();
    entities.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let bars = entities
        .iter()
        .map(|(e, v)| Bar {
            label: layout::short_entity(e).to_string(),
            value: *v,
            shown: num(lang, *v, 0),
        })
        .collect();
    Some((entities.into_iter().map(|(e, _)| e.clone()).collect(), bars))
}

/// Key figures side by side.
pub fn cards(items: &[String]) -> String {
    format!(r#"<dl class="cards">{}</dl>"#, items.concat())
}

/// A `<section>` with its `<h2>`, labelled by it.
pub fn section(id: &str, title: &str, body: &str) -> String {
    format!(
        r#"<section aria-labelledby="{id}"><h2 id="{id}">{}</h2>{body}</section>"#,
        esc(title)
    )
}

/// A paragraph of explanation.
pub fn note(text: &str) -> String {
    format!(r#"<p class="note">{}</p>"#, esc(text))
}

/// The entities a page of a source's figures offers: the fleet's, and those only `doc`
/// names under `/by_entity` (a mail domain mapped to an entity with no device), sorted; the
/// asked one checked against them. With the path of the asked entity's figures in `doc`.
pub async fn entity_scope<'c>(
    s: &crate::http::HttpState,
    ctx: &'c super::Ctx,
    doc: &Doc,
) -> Result<(Vec<String>, Vec<&'c str>), super::WebError> {
    let ind = super::api::indicators(s, ctx.lang, None).await?;
    let mut entities = super::api::entities(&ind);
    if let Some(map) = doc.at("/by_entity").as_object() {
        let only_here: Vec<String> = map
            .keys()
            .filter(|e| !entities.contains(e))
            .cloned()
            .collect();
        entities.extend(only_here);
    }
    entities.sort();
    super::api::check_entity(ctx.lang, ctx.entity.as_deref(), &entities)?;
    let group = match &ctx.entity {
        Some(e) => vec!["by_entity", e.as_str()],
        None => vec!["total"],
    };
    Ok((entities, group))
}

/// `?year=` of a page: a whole number, default the current year; the API checks its range.
pub fn year_param(ctx: &super::Ctx) -> Result<i32, super::WebError> {
    use chrono::Datelike;
    match ctx.param("year") {
        None => Ok(chrono::Utc::now().year()),
        Some(y) => y.trim().parse().map_err(|_| {
            super::WebError::new(
                ctx.lang,
                axum::http::StatusCode::BAD_REQUEST,
                format!(
                    "year={y} : {}",
                    ctx.lang.t(
                        "écrivez une année, par exemple 2026",
                        "write a year, such as 2026"
                    )
                ),
            )
        }),
    }
}
