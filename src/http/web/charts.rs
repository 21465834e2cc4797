//! Charts drawn on the server as SVG: horizontal bars, stacked bars, a line over time and
//! gauges against a target. No I/O and no script: a chart is text in the page, readable
//! printed and by a screen reader, which reads its `<title>` and `<desc>` (the figures in a
//! sentence), and each chart comes with the table of its figures ([`table`]).
//!
//! A table cell can name where the API gives its figure (`data-api` and `data-ptr`, a JSON
//! pointer, with the raw `data-value`): the browser test checks the page against the API
//! cell by cell.

use std::fmt::Write;

use super::i18n::Lang;
use super::layout::{esc, num};

/// Colours of series, each at least 4.5:1 on white.
pub const PALETTE: [&str; 8] = [
    "#0b4f9c", "#b34700", "#1d6b2a", "#6a3d9a", "#a40000", "#00687a", "#7a5c00", "#4a4a4a",
];

const WIDTH: f64 = 640.0;
const LABEL_W: f64 = 210.0;
const ROW_H: f64 = 26.0;

/// Where the API gives a figure: its URL (path and query) and the JSON pointer in it.
#[derive(Debug, Clone)]
pub struct Api {
    pub url: String,
    pub ptr: String,
}

impl Api {
    pub fn new(url: &str, ptr: &[&str]) -> Api {
        Api {
            url: url.to_string(),
            ptr: pointer(ptr),
        }
    }
}

/// A JSON pointer (RFC 6901) from its keys.
pub fn pointer(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// One cell of a table.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    text: String,
    numeric: bool,
    header: bool,
    api: Option<(Api, f64)>,
    /// What one of the shown unit is in the API's (1e9 for GB shown of bytes given); 0 is 1.
    unit: f64,
}

impl Cell {
    /// A row header.
    pub fn head(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            header: true,
            ..Cell::default()
        }
    }

    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            ..Cell::default()
        }
    }

    /// A figure, right-aligned.
    pub fn num(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            numeric: true,
            ..Cell::default()
        }
    }

    /// A figure the API gives at `api`, whose raw value is `value`.
    pub fn api(text: impl Into<String>, api: Api, value: f64) -> Cell {
        Cell {
            text: text.into(),
            numeric: true,
            api: Some((api, value)),
            ..Cell::default()
        }
    }

    /// A figure the API gives at `api` as `value`, shown in a unit `unit` times the API's
    /// (GB of bytes: 1e9), which the browser test takes into account.
    pub fn api_in(text: impl Into<String>, api: Api, value: f64, unit: f64) -> Cell {
        Cell {
            unit,
            ..Cell::api(text, api, value)
        }
    }

    fn render(&self, out: &mut String) {
        let tag = if self.header { "th" } else { "td" };
        let scope = if self.header { r#" scope="row""# } else { "" };
        let class = if self.numeric { r#" class="n""# } else { "" };
        let data = match &self.api {
            Some((api, value)) => format!(
                r#" data-api="{}" data-ptr="{}" data-value="{value}"{}"#,
                esc(&api.url),
                esc(&api.ptr),
                unit_attribute(self.unit)
            ),
            None => String::new(),
        };
        let _ = write!(
            out,
            "<{tag}{scope}{class}{data}>{}</{tag}>",
            esc(&self.text)
        );
    }
}

/// ` data-unit="…"` for a figure shown in another unit than the API's.
pub fn unit_attribute(unit: f64) -> String {
    if unit == 0.0 || unit == 1.0 {
        String::new()
    } else {
        format!(r#" data-unit="{unit}""#)
    }
}

/// A table with its caption, column headers and rows; the first cell of a row is usually
/// [`Cell::head`].
pub fn table(caption: &str, columns: &[&str], rows: &[Vec<Cell>]) -> String {
    // The wrapper scrolls a table wider than the screen: focusable and named, so the
    // keyboard can scroll it too (WCAG 2.1.1).
    let mut out = format!(
        r#"<div class="table-wrap" tabindex="0" role="region" aria-label="{c}"><table><caption>{c}</caption><thead><tr>"#,
        c = esc(caption)
    );
    for (i, c) in columns.iter().enumerate() {
        let class = if i > 0 { r#" class="n""# } else { "" };
        let _ = write!(out, r#"<th scope="col"{class}>{}</th>"#, esc(c));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            cell.render(&mut out);
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// A chart and its table in a `<figure>`. `desc` says the figures in a sentence.
pub fn figure(
    id: &str,
    title: &str,
    desc: &str,
    svg_body: &str,
    height: f64,
    after: &str,
) -> String {
    format!(
        r#"<figure class="chart" id="{id}"><figcaption>{t}</figcaption><svg role="img" aria-labelledby="{id}-t {id}-d" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"><title id="{id}-t">{t}</title><desc id="{id}-d">{d}</desc>{svg_body}</svg>{after}</figure>"#,
        t = esc(title),
        d = esc(desc),
    )
}

/// One bar: its label, value and the value as shown.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

/// A label cut to fit the label column; the table has it whole.
fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let cut: String = label.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// The figures of a chart in a sentence, for its `<desc>`.
pub fn describe(items: &[(String, String)]) -> String {
    items
        .iter()
        .map(|(l, v)| format!("{l} : {v}"))
        .collect::<Vec<_>>()
        .join(" ; ")
}

/// Horizontal bars, one per item; `table` follows the chart.
pub fn bars(id: &str, title: &str, items: &[Bar], table: &str) -> String {
    let max = items.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let height = (items.len().max(1) as f64) * ROW_H + 10.0;
    let plot = WIDTH - LABEL_W - 90.0;
    let mut svg = String::new();
    for (i, b) in items.iter().enumerate() {
        let y = 5.0 + i as f64 * ROW_H;
        let w = if max > 0.0 {
            (b.value.max(0.0) / max * plot).max(1.0)
        } else {
            1.0
        };
        let _ = write!(
            svg,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" font-size="13">{label}</text><rect x="{LABEL_W}" y="{ry}" width="{w:.1}" height="{h}" fill="{c}"/><text x="{vx:.1}" y="{ty}" font-size="13">{shown}</text>"#,
            lx = LABEL_W - 8.0,
            ty = y + 17.0,
            ry = y + 4.0,
            h = ROW_H - 8.0,
            c = PALETTE[0],
            vx = LABEL_W + w + 6.0,
            label = esc(&short(&b.label, 28)),
            shown = esc(&b.shown),
        );
    }
    let desc = describe(
        &items
            .iter()
            .map(|b| (b.label.clone(), b.shown.clone()))
            .collect::<Vec<_>>(),
    );
    figure(id, title, &desc, &svg, height, table)
}

/// One series of a stacked or grouped chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub colour: &'static str,
    /// One value per row of the chart.
    pub values: Vec<f64>,
}

/// Horizontal stacked bars: one bar per row label, one segment per series; a legend above.
pub fn stacked(
    id: &str,
    title: &str,
    lang: Lang,
    rows: &[String],
    series: &[Series],
    table: &str,
) -> String {
    let totals: Vec<f64> = (0..rows.len())
        .map(|r| series.iter().map(|s| s.values[r].max(0.0)).sum())
        .collect();
    let max = totals.iter().copied().fold(0.0_f64, f64::max);
    let height = (rows.len().max(1) as f64) * ROW_H + 10.0;
    let plot = WIDTH - LABEL_W - 90.0;
    let mut svg = String::new();
    for (r, label) in rows.iter().enumerate() {
        let y = 5.0 + r as f64 * ROW_H;
        let mut x = LABEL_W;
        let _ = write!(
            svg,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" font-size="13">{label}</text>"#,
            lx = LABEL_W - 8.0,
            ty = y + 17.0,
            label = esc(&short(label, 28))
        );
        for s in series {
            let v = s.values[r].max(0.0);
            if v <= 0.0 || max <= 0.0 {
                continue;
            }
            let w = v / max * plot;
            let _ = write!(
                svg,
                r##"<rect x="{x:.1}" y="{ry}" width="{w:.1}" height="{h}" fill="{c}" stroke="#fff" stroke-width="1"><title>{n} : {v}</title></rect>"##,
                ry = y + 4.0,
                h = ROW_H - 8.0,
                c = s.colour,
                n = esc(&s.name),
                v = esc(&num(lang, v, 0)),
            );
            x += w;
        }
        let _ = write!(
            svg,
            r#"<text x="{vx:.1}" y="{ty}" font-size="13">{t}</text>"#,
            vx = x + 6.0,
            ty = y + 17.0,
            t = esc(&num(lang, totals[r], 0))
        );
    }
    let mut legend = String::from(r#"<ul class="legend" aria-hidden="true">"#);
    for s in series {
        let _ = write!(
            legend,
            r#"<li><span style="background:{}"></span>{}</li>"#,
            s.colour,
            esc(&s.name)
        );
    }
    legend.push_str("</ul>");
    let desc = describe(
        &rows
            .iter()
            .enumerate()
            .map(|(r, label)| {
                let parts: Vec<String> = series
                    .iter()
                    .filter(|s| s.values[r] > 0.0)
                    .map(|s| format!("{} {}", s.name, num(lang, s.values[r], 0)))
                    .collect();
                let total = num(lang, totals[r], 0);
                let said = if parts.is_empty() {
                    total
                } else {
                    format!("{total} ({})", parts.join(", "))
                };
                (label.clone(), said)
            })
            .collect::<Vec<_>>(),
    );
    let after = format!("{legend}{table}");
    figure(id, title, &desc, &svg, height, &after)
}

/// Horizontal grouped bars: for each row label, one thin bar per series, one under the
/// other, each with its value.
pub fn grouped(
    id: &str,
    title: &str,
    lang: Lang,
    rows: &[String],
    series: &[Series],
    table: &str,
) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0_f64, f64::max);
    let bar_h = 14.0;
    let row_h = bar_h * series.len() as f64 + 12.0;
    let height = rows.len().max(1) as f64 * row_h + 10.0;
    let plot = WIDTH - LABEL_W - 90.0;
    let mut svg = String::new();
    let mut desc = Vec::new();
    for (r, label) in rows.iter().enumerate() {
        let y = 5.0 + r as f64 * row_h;
        let _ = write!(
            svg,
            r#"<text x="{lx}" y="{ty:.1}" text-anchor="end" font-size="13">{l}</text>"#,
            lx = LABEL_W - 8.0,
            ty = y + row_h / 2.0,
            l = esc(&short(label, 28))
        );
        let mut said = Vec::new();
        for (i, s) in series.iter().enumerate() {
            let v = s.values[r].max(0.0);
            let w = if max > 0.0 {
                (v / max * plot).max(1.0)
            } else {
                1.0
            };
            let by = y + 4.0 + i as f64 * bar_h;
            let shown = super::layout::auto(lang, v);
            let _ = write!(
                svg,
                r#"<rect x="{LABEL_W}" y="{by:.1}" width="{w:.1}" height="{h}" fill="{c}"/><text x="{vx:.1}" y="{ty:.1}" font-size="11">{shown}</text>"#,
                h = bar_h - 2.0,
                c = s.colour,
                vx = LABEL_W + w + 4.0,
                ty = by + bar_h - 3.0,
                shown = esc(&shown),
            );
            said.push(format!("{} {shown}", s.name));
        }
        desc.push((label.clone(), said.join(", ")));
    }
    let mut legend = String::from(r#"<ul class="legend" aria-hidden="true">"#);
    for s in series {
        let _ = write!(
            legend,
            r#"<li><span style="background:{}"></span>{}</li>"#,
            s.colour,
            esc(&s.name)
        );
    }
    legend.push_str("</ul>");
    figure(
        id,
        title,
        &describe(&desc),
        &svg,
        height,
        &format!("{legend}{table}"),
    )
}

/// A line over time: one point per label (a date), with its value shown.
pub fn line(id: &str, title: &str, points: &[Bar], table: &str) -> String {
    let height = 260.0;
    let (left, right, top, bottom) = (70.0, 20.0, 20.0, 50.0);
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let max = points.iter().map(|p| p.value).fold(0.0_f64, f64::max);
    let max = if max > 0.0 { max * 1.1 } else { 1.0 };
    let min = points
        .iter()
        .map(|p| p.value)
        .fold(0.0_f64, f64::min)
        .min(0.0);
    let y_of = |v: f64| top + plot_h - (v - min) / (max - min) * plot_h;
    let x_of = |i: usize| {
        if points.len() <= 1 {
            left + plot_w / 2.0
        } else {
            left + i as f64 / (points.len() - 1) as f64 * plot_w
        }
    };
    let mut svg = format!(
        r##"<line x1="{left}" y1="{b}" x2="{r}" y2="{b}" stroke="#767676"/><line x1="{left}" y1="{top}" x2="{left}" y2="{b}" stroke="#767676"/>"##,
        b = top + plot_h,
        r = WIDTH - right,
    );
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x_of(i), y_of(p.value)))
        .collect();
    if points.len() > 1 {
        let _ = write!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>"#,
            path.join(" "),
            PALETTE[0]
        );
    }
    // Labels under the axis, thinned so they never overlap.
    let every = points.len().div_ceil(8).max(1);
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{c}"><title>{l} : {s}</title></circle>"#,
            x = x_of(i),
            y = y_of(p.value),
            c = PALETTE[0],
            l = esc(&p.label),
            s = esc(&p.shown)
        );
        let last = points.len() - 1;
        if i == last || (i % every == 0 && last - i >= every) {
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{ly}" text-anchor="middle" font-size="12">{l}</text>"#,
                x = x_of(i),
                ly = top + plot_h + 18.0,
                l = esc(&p.label)
            );
        }
    }
    if let Some(last) = points.last() {
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="end" font-size="13" font-weight="700">{s}</text>"#,
            x = x_of(points.len() - 1),
            y = y_of(last.value) - 10.0,
            s = esc(&last.shown)
        );
    }
    let desc = describe(
        &points
            .iter()
            .map(|p| (p.label.clone(), p.shown.clone()))
            .collect::<Vec<_>>(),
    );
    figure(id, title, &desc, &svg, height, table)
}

/// One gauge: a share (0 to 1) against its target, and optionally its projection.
#[derive(Debug, Clone)]
pub struct Gauge {
    pub label: String,
    pub value: Option<f64>,
    pub projected: Option<f64>,
    pub target: Option<f64>,
}

/// Gauges from 0 to 100 %: the share as a bar, the projection as a thinner bar under it, the
/// target as a dashed mark.
pub fn gauges(id: &str, title: &str, lang: Lang, items: &[Gauge], table: &str) -> String {
    // The label above its bar, whole: category labels are long.
    let row = 62.0;
    let left = 10.0;
    let height = items.len().max(1) as f64 * row + 24.0;
    let plot = WIDTH - left - 30.0;
    let x_of = |r: f64| left + r.clamp(0.0, 1.0) * plot;
    let mut svg = String::new();
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{y}" text-anchor="middle" font-size="11">{t}</text>"#,
            x = x_of(tick),
            y = height - 6.0,
            t = esc(&super::layout::pct(lang, tick)
                .replace(",0", "")
                .replace(".0", ""))
        );
    }
    let pct = |v: f64| super::layout::pct(lang, v);
    let mut desc = Vec::new();
    for (i, g) in items.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<text x="{left}" y="{ty}" font-size="13">{l}</text>"#,
            ty = 16.0 + i as f64 * row,
            l = esc(&short(&g.label, 90)),
        );
        let y = 20.0 + i as f64 * row;
        let _ = write!(
            svg,
            r##"<rect x="{left}" y="{y1}" width="{plot}" height="16" fill="#e8ebef" stroke="#767676"/>"##,
            y1 = y + 2.0,
        );
        let mut said = Vec::new();
        if let Some(v) = g.value {
            let _ = write!(
                svg,
                r#"<rect x="{left}" y="{y1}" width="{w:.1}" height="16" fill="{c}"/>"#,
                y1 = y + 2.0,
                w = x_of(v) - left,
                c = PALETTE[0]
            );
            said.push(pct(v));
        } else {
            said.push(lang.t("sans objet", "not applicable").to_string());
        }
        if let Some(p) = g.projected {
            let _ = write!(
                svg,
                r#"<rect x="{left}" y="{y1}" width="{w:.1}" height="7" fill="{c}"/>"#,
                y1 = y + 21.0,
                w = x_of(p) - left,
                c = PALETTE[1]
            );
            said.push(format!("{} {}", lang.t("projeté", "projected"), pct(p)));
        }
        if let Some(t) = g.target {
            let _ = write!(
                svg,
                r##"<line x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{y2}" stroke="#1b1b1b" stroke-width="2.5" stroke-dasharray="4 2"/><text x="{x:.1}" y="{ty}" text-anchor="middle" font-size="11">{lbl}</text>"##,
                x = x_of(t),
                y1 = y,
                y2 = y + 30.0,
                ty = y + 40.0,
                lbl = esc(&format!("{} {}", lang.t("min.", "min."), pct(t)))
            );
            said.push(format!("{} {}", lang.t("minimum", "minimum"), pct(t)));
        }
        desc.push((g.label.clone(), said.join(", ")));
    }
    let projected = if items.iter().any(|g| g.projected.is_some()) {
        format!(
            r#"<li><span style="background:{}"></span>{}</li>"#,
            PALETTE[1],
            lang.t("projeté au 31 décembre", "projected to 31 December")
        )
    } else {
        String::new()
    };
    let legend = format!(
        r#"<ul class="legend" aria-hidden="true"><li><span style="background:{}"></span>{}</li>{projected}<li>╌ {}</li></ul>"#,
        PALETTE[0],
        lang.t("à date", "to date"),
        lang.t("minimum légal", "legal minimum")
    );
    figure(
        id,
        title,
        &describe(&desc),
        &svg,
        height,
        &format!("{legend}{table}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_chart_has_its_text_alternative_and_escapes_labels() {
        let html = bars(
            "c1",
            "Devices",
            &[
                Bar {
                    label: "A<b>".into(),
                    value: 3.0,
                    shown: "3".into(),
                },
                Bar {
                    label: "B".into(),
                    value: 1.0,
                    shown: "1".into(),
                },
            ],
            "",
        );
        assert!(html.contains(r#"role="img" aria-labelledby="c1-t c1-d""#));
        assert!(html.contains("<desc id=\"c1-d\">A&lt;b&gt; : 3 ; B : 1</desc>"));
        assert_eq!(html.matches("<rect").count(), 2);
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        assert_eq!(
            pointer(&["by_entity", "A/B~C", "devices"]),
            "/by_entity/A~1B~0C/devices"
        );
    }

    #[test]
    fn a_line_of_one_point_is_a_dot() {
        let html = line(
            "h",
            "History",
            &[Bar {
                label: "2026-12-07".into(),
                value: 5.0,
                shown: "5".into(),
            }],
            "",
        );
        assert!(html.contains("<circle"));
        assert!(!html.contains("<polyline"));
    }
}
