//! The review's charts, drawn by the web view's chart module: the trend over the years parcd
//! has history for, the REEN rate against its target (this year's, and each year's against
//! the decree's 25, 35 and 50 %), DEEE exits by route, the AGEC shares against their
//! minimums, the ages by class and the age pyramid.
//! Each is an SVG with its title and a description that says its figures; the section's
//! table beside it has the same figures.

use crate::http::web::charts::{self, Bar, Gauge, PALETTE, Series};
use crate::http::web::i18n::Lang;
use crate::report::format::{fr_count, fr_number, fr_quantity};

use super::ReenReport;

const FR: Lang = Lang::Fr;

/// The REEN reuse rate against the year's target (25 % in 2023, 35 % in 2024, 50 % after).
pub(super) fn reen(r: &ReenReport) -> String {
    let y = r.reen;
    if y.rate.is_none() {
        return String::new();
    }
    charts::gauges(
        "graphique-reen",
        &format!("Taux de réemploi {} face à l'objectif", r.year),
        FR,
        &[Gauge {
            label: "Matériel réformé parti en réemploi".into(),
            value: y.rate,
            projected: None,
            target: y.target.map(|t| t.min.fraction()),
        }],
        "",
    )
}

/// The year's exits by route.
pub(super) fn deee(r: &ReenReport) -> String {
    let d = r.deee;
    let bar = |label: &str, n: u64| Bar {
        label: label.into(),
        value: n as f64,
        shown: fr_count(n),
    };
    charts::bars(
        "graphique-deee",
        &format!("Sorties de matériel en {} par filière", r.year),
        &[
            bar("Réemploi, réutilisation", d.reused),
            bar("Recyclage (filière DEEE)", d.recycled),
            bar("Destruction", d.destroyed),
        ],
        "",
    )
}

/// Each category's reuse share, to date and projected, against its minimum; the recycled
/// share too where a minimum asks for it.
pub(super) fn agec(r: &ReenReport) -> String {
    let mut gauges = Vec::new();
    for c in &r.agec.categories {
        let label = c.category.label();
        let min = |f: fn(&crate::agec::QuotaRow) -> Option<crate::agec::Share>| {
            c.quota.as_ref().and_then(f).map(|s| s.fraction())
        };
        gauges.push(Gauge {
            label: format!("{label} : réemploi"),
            value: c.year_to_date.reuse_share,
            projected: c.projected.as_ref().and_then(|p| p.reuse_share),
            target: min(|q| q.reuse_min),
        });
        if let Some(target) = min(|q| q.recycled_min) {
            gauges.push(Gauge {
                label: format!("{label} : matières recyclées"),
                value: c.year_to_date.recycled_share,
                projected: c.projected.as_ref().and_then(|p| p.recycled_share),
                target: Some(target),
            });
        }
    }
    if gauges.is_empty() {
        return String::new();
    }
    charts::gauges(
        "graphique-agec",
        &format!("Parts des achats {} face aux minimums", r.agec.year),
        FR,
        &gauges,
        "",
    )
}

/// The mean age of the devices in service, by class.
pub(super) fn ages(r: &ReenReport) -> String {
    let bars: Vec<Bar> = r
        .indicators
        .by_class
        .iter()
        .filter_map(|(class, g)| {
            g.age_mean_years.map(|age| Bar {
                label: FR.class(class),
                value: age,
                shown: format!("{} ans", fr_number(age, 1)),
            })
        })
        .collect();
    if bars.is_empty() {
        return String::new();
    }
    charts::bars(
        "graphique-ages",
        "Âge moyen du matériel en service, en années",
        &bars,
        "",
    )
}

/// The carbon footprint per year of the fleet in service, at the end of each year parcd's
/// history reaches (on the review's day for a year not over).
pub(super) fn trend(r: &ReenReport) -> String {
    let points: Vec<Bar> = r
        .years
        .iter()
        .filter_map(|y| {
            let f = y.fleet.as_ref()?;
            let (_, _, total) = super::parts(&f.total, crate::footprint::Criterion::Gwp);
            total.map(|v| Bar {
                label: year_label(r, y.year),
                value: v,
                shown: format!("{} kgCO2e/an", fr_quantity(v)),
            })
        })
        .collect();
    if points.is_empty() {
        return String::new();
    }
    charts::line(
        "graphique-tendance",
        "Empreinte carbone annuelle du parc en service, année après année",
        &points,
        "",
    )
}

/// The REEN reuse rate of each year since the decree against that year's target (25 %,
/// 35 %, then 50 %).
pub(super) fn reen_years(r: &ReenReport) -> String {
    let gauges: Vec<Gauge> = r
        .years
        .iter()
        .filter(|y| y.reen.target.is_some())
        .map(|y| Gauge {
            label: format!("{} : réemploi du matériel réformé", year_label(r, y.year)),
            value: y.reen.rate,
            projected: None,
            target: y.reen.target.map(|t| t.min.fraction()),
        })
        .collect();
    if gauges.is_empty() {
        return String::new();
    }
    charts::gauges(
        "graphique-reen-annees",
        "Taux de réemploi de chaque année face à l'objectif du décret (25, 35 puis 50 %)",
        FR,
        &gauges,
        "",
    )
}

/// The classes drawn apart in the age pyramid, the most numerous first; the others are
/// drawn together, as the chart has 8 colours. The table gives every class.
const PYRAMID_CLASSES: usize = 7;

/// The devices in service by age band, one bar per band (the oldest on top, as in a
/// population pyramid), split by class.
pub(super) fn pyramid(r: &ReenReport) -> String {
    let total = &r.indicators.total;
    if total.age_bands.iter().all(|b| b.devices == 0) {
        return String::new();
    }
    let mut classes: Vec<(&String, &crate::indicators::Group)> = r
        .indicators
        .by_class
        .iter()
        .filter(|(_, g)| g.age_bands.iter().any(|b| b.devices > 0))
        .collect();
    classes.sort_by(|a, b| b.1.in_service.cmp(&a.1.in_service).then(a.0.cmp(b.0)));
    let bands: Vec<usize> = (0..total.age_bands.len()).rev().collect();
    let band_values = |g: &crate::indicators::Group| -> Vec<f64> {
        bands
            .iter()
            .map(|i| g.age_bands.get(*i).map_or(0.0, |b| b.devices as f64))
            .collect()
    };
    let mut series: Vec<Series> = classes
        .iter()
        .take(PYRAMID_CLASSES)
        .zip(PALETTE)
        .map(|((class, g), colour)| Series {
            name: FR.class(class),
            colour,
            values: band_values(g),
        })
        .collect();
    if classes.len() > PYRAMID_CLASSES {
        let rest: Vec<f64> = (0..bands.len())
            .map(|row| {
                classes[PYRAMID_CLASSES..]
                    .iter()
                    .map(|(_, g)| band_values(g)[row])
                    .sum()
            })
            .collect();
        series.push(Series {
            name: "Autres types".into(),
            colour: PALETTE[PYRAMID_CLASSES],
            values: rest,
        });
    }
    let rows: Vec<String> = bands
        .iter()
        .map(|i| band_label(&total.age_bands[*i]))
        .collect();
    charts::stacked(
        "graphique-pyramide",
        "Pyramide des âges du matériel en service, par type",
        FR,
        &rows,
        &series,
        "",
    )
}

/// `Moins d'1 an`, `3 à 4 ans`, `10 ans et plus`.
pub(super) fn band_label(b: &crate::indicators::AgeBand) -> String {
    match (b.from_years, b.to_years) {
        (0, Some(1)) => "Moins d'1 an".into(),
        (from, Some(to)) => format!("{from} à {to} ans"),
        (from, None) => format!("{from} ans et plus"),
    }
}

/// `2025`, or `2026 (à date)` for the year under way.
pub(super) fn year_label(r: &ReenReport, year: i32) -> String {
    if year == r.year && !r.complete {
        format!("{year} (à date)")
    } else {
        year.to_string()
    }
}
