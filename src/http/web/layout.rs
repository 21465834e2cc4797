//! The page around every view: `<html lang>`, the skip link, the navigation, the entity
//! filter and the language switch, the style sheet (screen and A4 print), and the text
//! helpers every page uses: escaping and numbers written the reader's way.

use std::fmt::Write;

use super::Ctx;
use super::i18n::Lang;

/// Text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number with `decimals` digits, grouped by thousands: `12 345,6` in French (a narrow
/// no-break space, the Imprimerie nationale's rule), `12,345.6` in English.
pub fn num(lang: Lang, v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let (group, point) = match lang {
        Lang::Fr => ('\u{202f}', ','),
        Lang::En => (',', '.'),
    };
    let mut out = String::new();
    // "-0" after rounding reads as a sign without a value.
    if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('−');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A figure with as many decimals as make it readable: none from 100, one from 10, else
/// three significant digits.
pub fn auto(lang: Lang, v: f64) -> String {
    let a = v.abs();
    let decimals = if a >= 100.0 || a == 0.0 {
        0
    } else if a >= 10.0 {
        1
    } else {
        // 3 significant digits, at most 6 decimals (ADPe figures are in 1e-3 kg Sb eq.).
        (2 - a.log10().floor() as i64).clamp(1, 6) as usize
    };
    num(lang, v, decimals)
}

/// The last part of an entity's name (`Entité racine > SIN > Mairie de X` → `Mairie de X`),
/// for a chart's label; tables give the whole name.
pub fn short_entity(name: &str) -> &str {
    name.rsplit(" > ").next().unwrap_or(name)
}

/// A ratio (0 to 1) as a percentage with one decimal.
pub fn pct(lang: Lang, ratio: f64) -> String {
    let sep = match lang {
        Lang::Fr => "\u{a0}%",
        Lang::En => "%",
    };
    format!("{}{sep}", num(lang, ratio * 100.0, 1))
}

/// Euros from cents, no decimals.
pub fn euros(lang: Lang, cents: f64) -> String {
    match lang {
        Lang::Fr => format!("{}\u{a0}€", num(lang, cents / 100.0, 0)),
        Lang::En => format!("€{}", num(lang, cents / 100.0, 0)),
    }
}

/// A Unix time as `2026-12-07 14:05 UTC`.
pub fn when(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| ts.to_string())
}

/// The pages, in the order of the navigation: path, French and English names.
pub const PAGES: [(&str, &str, &str); 7] = [
    ("/", "Vue d'ensemble", "Overview"),
    ("/circularity", "AGEC et REEN", "AGEC and REEN"),
    ("/printing", "Impression", "Printing"),
    ("/mail", "Messagerie", "Mail"),
    ("/what-if", "Simulation", "What-if"),
    ("/history", "Historique", "History"),
    ("/sources", "Sources et alertes", "Sources and alerts"),
];

/// A whole page: `title` is its `<h1>` and `<title>`, `body` what follows the `<h1>`.
pub fn page(ctx: &Ctx, title: &str, body: &str) -> String {
    let lang = ctx.lang;
    let mut nav = String::new();
    for (path, fr, en) in PAGES {
        let current = if path == ctx.path {
            r#" aria-current="page""#
        } else {
            ""
        };
        let _ = write!(
            nav,
            r#"<li><a href="{}"{current}>{}</a></li>"#,
            esc(&ctx.link(path, &[])),
            lang.t(fr, en)
        );
    }
    let other = match lang {
        Lang::Fr => Lang::En,
        Lang::En => Lang::Fr,
    };
    let switch = format!(
        r#"<a href="{}" lang="{}" hreflang="{}">{}</a>"#,
        esc(&ctx.with_lang(other)),
        other.code(),
        other.code(),
        other.t("Version française", "English version")
    );
    let scope = match &ctx.entity {
        Some(e) => format!(
            r#"<p class="scope">{} <strong>{}</strong> · <a href="{}">{}</a></p>"#,
            lang.t("Entité :", "Entity:"),
            esc(e),
            esc(&ctx.without_entity()),
            lang.t("toutes les entités", "all entities")
        ),
        None => String::new(),
    };
    format!(
        r##"<!DOCTYPE html>
<html lang="{code}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · parcd</title>
<style>{CSS}</style>
</head>
<body>
<a class="skip" href="#content">{skip}</a>
<header>
<p class="brand">parcd <span>{tagline}</span></p>
<nav aria-label="{navlabel}"><ul>{nav}</ul></nav>
<p class="lang">{switch}</p>
</header>
<main id="content" tabindex="-1">
<h1>{title}</h1>
{scope}{body}
</main>
<footer><p>{footer}</p></footer>
</body>
</html>
"##,
        code = lang.code(),
        title = esc(title),
        skip = lang.t("Aller au contenu", "Skip to content"),
        tagline = lang.t(
            "parc informatique, empreinte environnementale, lois AGEC et REEN",
            "IT fleet, environmental footprint, AGEC and REEN laws"
        ),
        navlabel = lang.t("Pages", "Pages"),
        footer = lang.t(
            "Chiffres de l'API de parcd (/api/v1), calculés à partir de l'inventaire. Lecture seule.",
            "Figures of parcd's API (/api/v1), computed from the inventory. Read-only."
        ),
    )
}

/// The entity filter: a select of `entities` and a submit button (no script needed).
pub fn entity_filter(ctx: &Ctx, entities: &[String], extra: &[(&str, String)]) -> String {
    let lang = ctx.lang;
    let mut options = format!(
        r#"<option value="">{}</option>"#,
        lang.t("Toutes les entités", "All entities")
    );
    for e in entities {
        let selected = if ctx.entity.as_deref() == Some(e) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            options,
            r#"<option value="{v}"{selected}>{v}</option>"#,
            v = esc(e)
        );
    }
    let mut hidden = format!(
        r#"<input type="hidden" name="lang" value="{}">"#,
        lang.code()
    );
    for (k, v) in extra {
        let _ = write!(
            hidden,
            r#"<input type="hidden" name="{}" value="{}">"#,
            esc(k),
            esc(v)
        );
    }
    format!(
        r#"<form class="filter" method="get" action="{path}" role="search">{hidden}<label for="entity">{label}</label> <select id="entity" name="entity">{options}</select> <button type="submit">{go}</button></form>"#,
        path = ctx.path,
        label = lang.t("Entité", "Entity"),
        go = lang.t("Afficher", "Show"),
    )
}

/// Colours: each at least 4.5:1 on white (text) and on the page background, so a bar or a
/// line is told from its neighbour by more than its hue (WCAG 1.4.11 asks 3:1).
pub const CSS: &str = r#"
:root{--ink:#1b1b1b;--muted:#4a4a4a;--line:#767676;--bg:#fff;--accent:#0b4f9c;--soft:#f2f4f7}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:var(--ink);background:var(--bg);line-height:1.5}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,main:focus-visible{outline:3px solid #b34700;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem;z-index:2}
.skip:focus{left:.5rem}
header{background:var(--soft);border-bottom:1px solid #c8ccd2;padding:.5rem 1.5rem}
header .brand{margin:.25rem 0;font-weight:700;font-size:1.2rem}
header .brand span{font-weight:400;font-size:.95rem;color:var(--muted);margin-left:.5rem}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}
nav a{display:inline-block;padding:.35rem 0;text-decoration:none;font-weight:600}
nav a:hover{text-decoration:underline}
nav a[aria-current=page]{border-bottom:3px solid var(--accent)}
header .lang{margin:.25rem 0}
main{max-width:72rem;margin:0 auto;padding:1rem 1.5rem 2rem}
footer{max-width:72rem;margin:0 auto;padding:0 1.5rem 2rem;color:var(--muted);font-size:.9rem}
h1{font-size:1.8rem;margin:.5rem 0 1rem}
h2{font-size:1.35rem;margin:2rem 0 .5rem;border-bottom:1px solid #c8ccd2;padding-bottom:.25rem}
h3{font-size:1.1rem;margin:1.25rem 0 .5rem}
.scope{background:#fff4e5;border-left:4px solid #b34700;padding:.5rem .75rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75rem;margin:0;padding:0}
.cards div{background:var(--soft);border-radius:.4rem;padding:.75rem}
.cards dt{font-size:.9rem;color:var(--muted)}
.cards dd{margin:0;font-size:1.35rem;font-weight:700}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:1.5rem}
figure{margin:0;min-width:0}
figcaption{font-weight:700;margin-bottom:.25rem}
svg{width:100%;max-width:52rem;height:auto;display:block}
svg text{font-family:inherit;fill:#1b1b1b}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.92rem;min-width:50%}
caption{text-align:left;font-weight:600;padding:.25rem 0;color:var(--muted)}
th,td{border:1px solid #c8ccd2;padding:.3rem .5rem;vertical-align:top}
thead th{background:var(--soft);text-align:left}
tbody th{text-align:left;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.legend{list-style:none;padding:0;margin:.25rem 0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;font-size:.9rem}
.legend span{display:inline-block;width:.9rem;height:.9rem;margin-right:.3rem;vertical-align:-2px;border:1px solid #1b1b1b}
.note{color:var(--muted);font-size:.92rem}
.bad{color:#a40000;font-weight:600}
.good{color:#1d6b2a;font-weight:600}
form.filter,form.whatif{background:var(--soft);padding:.75rem;border-radius:.4rem;margin:.5rem 0 1rem}
form.whatif .fields{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:.5rem 1rem}
label{font-weight:600}
input,select,button{font:inherit;padding:.3rem .5rem;border:1px solid #595959;border-radius:.25rem;background:#fff;color:var(--ink)}
input[type=number]{width:6rem}
button{background:var(--accent);color:#fff;border-color:var(--accent);font-weight:600;cursor:pointer}
@media print{
  @page{size:A4;margin:14mm}
  body{font-size:10pt}
  header nav,header .lang,.skip,form.filter,form.whatif button{display:none}
  header{background:none;border:0;padding:0}
  main,footer{max-width:none;padding:0}
  .charts{display:block}
  figure,table,.cards div{break-inside:avoid}
  a{color:var(--ink);text-decoration:none}
  .table-wrap{overflow:visible}
  table{font-size:8pt;width:100%}
  th,td{padding:2px 3px}
  th.n,td.n{white-space:normal}
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_readers_way() {
        assert_eq!(num(Lang::Fr, 12345.678, 1), "12\u{202f}345,7");
        assert_eq!(num(Lang::En, 12345.678, 1), "12,345.7");
        assert_eq!(num(Lang::En, -0.04, 1), "0.0");
        assert_eq!(num(Lang::Fr, -1234.0, 0), "−1\u{202f}234");
        assert_eq!(pct(Lang::Fr, 0.125), "12,5\u{a0}%");
        assert_eq!(euros(Lang::En, 123_456.0), "€1,235");
        assert_eq!(auto(Lang::En, 0.000_98), "0.000980");
        assert_eq!(num(Lang::En, f64::NAN, 1), "–");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
