//! The review as one French HTML page: the page itself, its summary and its method section,
//! and the helpers the sections share. Every text that comes from data goes through
//! [`esc`]; numbers are French-formatted; a missing figure shows as "—".

use chrono::DateTime;

use crate::agec::Category;
use crate::footprint::Criterion;
use crate::report::format::{
    NBSP, esc, fr_count, fr_date, fr_number, fr_percent, fr_quantity, fr_share, plural,
};

use super::ReenReport;
use super::{html_agec, html_fleet, html_law, html_mail, html_printing, html_years};

/// Sober, printable, readable on a phone; the accent is the French State's blue.
const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;line-height:1.5;\
color:#1e1e1e;max-width:62rem;margin:2rem auto;padding:0 1rem}\
h1{font-size:1.8rem;margin:0 0 .3rem;color:#000091}\
h2{font-size:1.3rem;color:#000091;border-bottom:2px solid #000091;padding-bottom:.2rem;margin-top:2.5rem}\
h3{font-size:1.05rem;margin-top:1.5rem}\
.org{font-size:1.25rem;margin:0}\
.meta{color:#555;margin-top:.2rem}\
.banner{background:#fff4e5;border-left:6px solid #b34000;padding:.8rem 1rem;margin:1.5rem 0}\
.lead{font-size:1.1rem}\
.big{font-size:1.5rem}\
.note{color:#444;font-size:.92rem}\
.badge{display:inline-block;padding:.05rem .6rem;border-radius:1rem;font-weight:600;font-size:.9rem}\
.ok{background:#dffee6;color:#18753c}\
.ko{background:#ffe9e9;color:#ce0500}\
table{border-collapse:collapse;width:100%;margin:1rem 0;font-variant-numeric:tabular-nums}\
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}\
thead th{background:#f0f0f6;font-weight:600}\
.n{text-align:right;white-space:nowrap}th.n{white-space:normal}\
tr.total th,tr.total td{font-weight:600;border-top:2px solid #999}\
.cards{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:1rem}\
.cards li{border:1px solid #ddd;border-top:4px solid #000091;padding:.7rem .9rem}\
.cards .k,.cards .s{display:block;color:#444;font-size:.9rem}\
.cards .v{display:block;font-size:1.5rem;font-weight:700}\
footer{margin-top:3rem;color:#666;font-size:.85rem}\
figure{margin:1rem 0}figcaption{font-weight:600}svg{width:100%;max-width:40rem;height:auto;display:block}\
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;font-size:.9rem}\
.legend span{display:inline-block;width:.9rem;height:.9rem;margin-right:.3rem;vertical-align:-2px;border:1px solid #1e1e1e}\
@media print{@page{size:A4;margin:14mm}body{margin:0;max-width:none}\
table{font-size:8.5pt}th,td{padding:.2rem .3rem}.n{white-space:normal}h2{break-after:avoid}table,figure{break-inside:avoid}}";

pub(super) fn render(r: &ReenReport) -> String {
    let mut out = String::with_capacity(48 * 1024);
    head(&mut out, r);
    out.push_str("<main>\n");
    summary(&mut out, r);
    html_years::years_section(&mut out, r);
    html_law::reen(&mut out, r);
    html_law::deee(&mut out, r);
    html_law::donations(&mut out, r);
    html_agec::agec(&mut out, r);
    html_fleet::footprint(&mut out, r);
    html_fleet::ages(&mut out, r);
    html_fleet::coverage(&mut out, r);
    html_printing::printing(&mut out, r);
    html_mail::mail(&mut out, r);
    method(&mut out, r);
    out.push_str("</main>\n<footer><p>Document produit par parcd à partir de l'inventaire du parc informatique.</p></footer>\n</body>\n</html>\n");
    out
}

fn head(out: &mut String, r: &ReenReport) {
    let title = format!("Bilan annuel numérique responsable {}", r.year);
    let full_title = match r.organisation {
        Some(o) => format!("{title} — {}", esc(o)),
        None => title.clone(),
    };
    out.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{full_title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n\
         <h1>{title}</h1>\n"
    ));
    if let Some(o) = r.organisation {
        out.push_str(&format!("<p class=\"org\">{}</p>\n", esc(o)));
    }
    out.push_str(&format!(
        "<p class=\"meta\">Année {} · document établi le {}</p>\n</header>\n",
        r.year,
        fr_date(r.generated_on)
    ));
    if !r.complete {
        out.push_str(&format!(
            "<p class=\"banner\" role=\"note\"><strong>Chiffres à date.</strong> L'année {} \
             n'est pas terminée : les chiffres sont arrêtés au {} et ne seront définitifs \
             qu'après le 31 décembre.</p>\n",
            r.year,
            fr_date(r.generated_on)
        ));
    }
}

fn summary(out: &mut String, r: &ReenReport) {
    open(out, "synthese", "En bref");
    out.push_str("<ul class=\"cards\">\n");
    let target = r
        .reen
        .target
        .map(|t| format!("objectif {}", fr_percent(t.min.fraction())));
    card(
        out,
        "Taux de réemploi du matériel réformé",
        &opt_share(r.reen.rate, r.reen.target_met() == Some(false)),
        target.as_deref().unwrap_or("pas d'objectif cette année"),
    );
    let t = &r.indicators.total;
    let gwp = Criterion::Gwp.key();
    let total = t
        .embodied_per_year
        .get(gwp)
        .zip(t.use_per_year.get(gwp))
        .map(|(e, u)| e + u);
    card(
        out,
        "Empreinte carbone du parc en service",
        &total.map_or("—".into(), |v| format!("{}{NBSP}kgCO2e", fr_quantity(v))),
        "par an, fabrication et usage",
    );
    card(
        out,
        "Personnes équipées grâce aux dons",
        &fr_count(r.donations.people_equipped),
        &format!(
            "{} donnés (estimation)",
            plural(r.donations.devices_given, "appareil", "appareils")
        ),
    );
    if let Some(it) = r
        .agec
        .categories
        .iter()
        .find(|c| c.category == Category::ItTelephony && c.year_to_date.amounts.total > 0)
    {
        let min = it
            .year_to_date
            .reuse_gap
            .map(|g| format!("minimum {}", fr_percent(g.min.fraction())));
        card(
            out,
            "Achats informatiques issus du réemploi",
            &opt_share(
                it.year_to_date.reuse_share,
                it.year_to_date.reuse_gap.is_some_and(|g| !g.met),
            ),
            min.as_deref().unwrap_or("en part de la dépense HT"),
        );
    }
    card(
        out,
        "Âge moyen du matériel en service",
        &years(t.age_mean_years),
        "",
    );
    out.push_str("</ul>\n");
    close(out);
}

fn card(out: &mut String, label: &str, value: &str, sub: &str) {
    let sub = if sub.is_empty() {
        String::new()
    } else {
        format!("<span class=\"s\">{sub}</span>")
    };
    out.push_str(&format!(
        "<li><span class=\"k\">{label}</span><span class=\"v\">{value}</span>{sub}</li>\n"
    ));
}

fn method(out: &mut String, r: &ReenReport) {
    open(out, "methode", "Méthode et sources");
    out.push_str("<ul>\n");
    let target_source = r
        .reen
        .target
        .map(|t| format!(" Objectif appliqué : {}.", esc(t.source)))
        .unwrap_or_default();
    out.push_str(&format!(
        "<li><strong>Taux de réemploi (REEN)</strong> : décret n°{NBSP}2023-266 du 12 avril 2023 \
         (loi n°{NBSP}2021-1485 du 15 novembre 2021, article 16). Taux = A ÷ B en nombre \
         d'appareils, pour les écrans et le petit matériel informatique et de télécommunication \
         (catégories 2° et 6° de l'article R.{NBSP}543-172 du code de l'environnement) ; \
         objectifs de 25{NBSP}% en 2023, 35{NBSP}% en 2024 et 50{NBSP}% à partir de 2025.\
         {target_source}</li>\n"
    ));
    out.push_str(
        "<li><strong>Sorties et DEEE</strong> : phases de sortie enregistrées dans l'inventaire \
         (réemploi, recyclage par une filière agréée, destruction) ; directive 2012/19/UE pour \
         la définition du taux de collecte.</li>\n",
    );
    out.push_str(&format!(
        "<li><strong>Achats (AGEC)</strong> : loi n°{NBSP}2020-105 du 10 février 2020, article 58 ; \
         décret n°{NBSP}2021-254 du 9 mars 2021, puis décret n°{NBSP}2024-134 du 21 février 2024 \
         à partir du 1er juillet 2024 ; montants hors taxes par catégorie du schéma de \
         déclaration data.gouv.fr « declaration-biens-valorisation » v0.1.0 ; dons valorisés \
         selon l'arrêté du 29 février 2024.{}</li>\n",
        quota_sources(r)
    ));
    out.push_str(
        "<li><strong>Empreinte</strong> : méthode de BoaviztAPI 2.5.0 (Boavizta). L'impact de \
         fabrication, de transport et de fin de vie de chaque appareil est réparti linéairement \
         sur sa durée de vie de référence, et plus rien n'est compté au-delà ; l'usage est la \
         puissance × la part du temps allumé × la durée × le facteur de l'électricité. Facteurs \
         par appareil : BoaviztAPI 2.5.0 (d'après la Base Empreinte de l'ADEME), ADEME / \
         NegaOctet 2022 pour l'eau, déclarations de fabricants pour les clients légers et les \
         imprimantes ; électricité : Base Empreinte de l'ADEME (mix moyen de consommation, \
         France), BoaviztAPI pour les autres critères. Un appareil reconditionné porte une \
         part de l'impact de fabrication (13\u{a0}% par défaut, d'après l'ADEME, 2022). Ces \
         facteurs peuvent avoir été remplacés dans la configuration de parcd.</li>\n",
    );
    if let Some(d) = DateTime::from_timestamp(r.indicators.computed_at, 0) {
        out.push_str(&format!(
            "<li>Indicateurs du parc calculés le {}.</li>\n",
            fr_date(d.date_naive())
        ));
    }
    out.push_str("</ul>\n");
    close(out);
}

/// The sources of the minimums the year is measured against, each once.
fn quota_sources(r: &ReenReport) -> String {
    let mut sources: Vec<&str> = r
        .agec
        .categories
        .iter()
        .filter_map(|c| c.quota.as_ref().map(|q| q.source.as_str()))
        .collect();
    sources.sort_unstable();
    sources.dedup();
    if sources.is_empty() {
        return String::new();
    }
    let items: String = sources
        .iter()
        .map(|s| format!("<li>{}</li>", esc(s)))
        .collect();
    format!(" Minimums appliqués :<ul>{items}</ul>")
}

// Helpers shared by the sections.

pub(super) fn open(out: &mut String, id: &str, title: &str) {
    out.push_str(&format!("<section id=\"{id}\">\n<h2>{title}</h2>\n"));
}

pub(super) fn close(out: &mut String) {
    out.push_str("</section>\n");
}

pub(super) fn para(out: &mut String, class: &str, html: &str) {
    if class.is_empty() {
        out.push_str(&format!("<p>{html}</p>\n"));
    } else {
        out.push_str(&format!("<p class=\"{class}\">{html}</p>\n"));
    }
}

/// A table whose first column names the row and whose other columns are figures, with an
/// optional total row in bold. Cells are HTML, escaped by the caller.
pub(super) fn table(
    out: &mut String,
    head: &[&str],
    rows: &[Vec<String>],
    total: Option<&[String]>,
) {
    out.push_str("<table>\n<thead><tr>");
    for (i, h) in head.iter().enumerate() {
        let class = if i == 0 { "" } else { " class=\"n\"" };
        out.push_str(&format!("<th scope=\"col\"{class}>{h}</th>"));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let rows = rows
        .iter()
        .map(|r| ("<tr>", r.as_slice()))
        .chain(total.map(|t| ("<tr class=\"total\">", t)));
    for (tr, row) in rows {
        let Some((first, rest)) = row.split_first() else {
            continue;
        };
        out.push_str(&format!("{tr}<th scope=\"row\">{first}</th>"));
        for cell in rest {
            out.push_str(&format!("<td class=\"n\">{cell}</td>"));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

pub(super) fn badge(ok: bool, text: &str) -> String {
    let class = if ok { "ok" } else { "ko" };
    format!("<span class=\"badge {class}\">{text}</span>")
}

pub(super) fn opt_percent(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite())
        .map_or("—".to_string(), fr_percent)
}

/// A share compared with a minimum (see [`fr_share`]), or "—".
pub(super) fn opt_share(x: Option<f64>, short: bool) -> String {
    x.filter(|x| x.is_finite())
        .map_or("—".to_string(), |x| fr_share(x, short))
}

pub(super) fn opt_quantity(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite())
        .map_or("—".to_string(), fr_quantity)
}

/// `4,3 ans`, `1,5 an` (French takes the singular below 2), or "—".
pub(super) fn years(x: Option<f64>) -> String {
    match x.filter(|x| x.is_finite()) {
        Some(y) => format!(
            "{}{NBSP}{}",
            fr_number(y, 1),
            if y < 2.0 { "an" } else { "ans" }
        ),
        None => "—".to_string(),
    }
}
