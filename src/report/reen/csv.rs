//! The review as a long CSV: `section,indicator,value,unit,note`. Indicator names are stable
//! snake_case, prefixed `{class}.` or `{category}.` within a section, so that one year's file
//! can be joined with the next; a class or category is present when the year's figures have it.

use crate::report::format::{csv_line, plain};

use super::ReenReport;
use super::{csv_agec, csv_fleet, csv_mail, csv_printing};

pub(super) const DEVICES: &str = "devices";
const RATIO: &str = "ratio";
pub(super) const EUR: &str = "EUR excl. VAT";

/// Decimals of a ratio: a basis point, the precision the targets are set to.
const RATIO_DECIMALS: usize = 4;
const YEARS_DECIMALS: usize = 2;

pub(super) struct Sheet(String);

impl Sheet {
    pub(super) fn row(
        &mut self,
        section: &str,
        indicator: &str,
        value: String,
        unit: &str,
        note: &str,
    ) {
        self.0
            .push_str(&csv_line(&[section, indicator, &value, unit, note]));
    }

    pub(super) fn count(&mut self, section: &str, indicator: &str, n: u64, unit: &str, note: &str) {
        self.row(section, indicator, n.to_string(), unit, note);
    }

    pub(super) fn ratio(&mut self, section: &str, indicator: &str, x: Option<f64>, note: &str) {
        self.row(section, indicator, plain(x, RATIO_DECIMALS), RATIO, note);
    }

    pub(super) fn years(&mut self, section: &str, indicator: &str, x: Option<f64>, note: &str) {
        self.row(section, indicator, plain(x, YEARS_DECIMALS), "years", note);
    }

    pub(super) fn boolean(&mut self, section: &str, indicator: &str, b: Option<bool>, note: &str) {
        let v = b.map_or(String::new(), |b| b.to_string());
        self.row(section, indicator, v, "boolean", note);
    }
}

pub(super) fn render(r: &ReenReport) -> String {
    let mut s = Sheet(csv_line(&["section", "indicator", "value", "unit", "note"]));
    report(&mut s, r);
    years(&mut s, r);
    reen(&mut s, r);
    deee(&mut s, r);
    donations(&mut s, r);
    csv_fleet::footprint(&mut s, r);
    csv_fleet::lifespan(&mut s, r);
    csv_fleet::age_bands(&mut s, r);
    csv_fleet::coverage(&mut s, r);
    csv_agec::agec(&mut s, r);
    csv_printing::printing(&mut s, r);
    csv_mail::mail(&mut s, r);
    s.0
}

fn report(s: &mut Sheet, r: &ReenReport) {
    s.row("report", "year", r.year.to_string(), "year", "");
    s.row(
        "report",
        "organisation",
        r.organisation.unwrap_or("").to_string(),
        "text",
        "",
    );
    s.row(
        "report",
        "generated_on",
        r.generated_on.to_string(),
        "date",
        "",
    );
    let note = if r.complete {
        "the year is over"
    } else {
        "the year is not over: figures to date"
    };
    s.boolean("report", "complete", Some(r.complete), note);
}

/// One row per figure and year of the trend, `{year}.` before each name: the REEN rate and
/// its target, the year's exits, and the fleet at the year's end where parcd's history
/// reaches it.
fn years(s: &mut Sheet, r: &ReenReport) {
    let sec = "trend";
    for y in r.years {
        let p = y.year;
        s.count(sec, &format!("{p}.retired_b"), y.reen.retired, DEVICES, "");
        s.count(sec, &format!("{p}.reused_a"), y.reen.reused, DEVICES, "");
        s.ratio(sec, &format!("{p}.reuse_rate"), y.reen.rate, "A / B");
        s.ratio(
            sec,
            &format!("{p}.reuse_target"),
            y.reen.target.map(|t| t.min.fraction()),
            "décret 2023-266",
        );
        s.count(sec, &format!("{p}.exits"), y.deee.exits, DEVICES, "");
        if let Some(f) = &y.fleet {
            let on = f.on.to_string();
            s.row(sec, &format!("{p}.fleet_on"), on, "date", "");
            s.count(
                sec,
                &format!("{p}.in_service"),
                f.total.in_service,
                DEVICES,
                "",
            );
            let (_, _, total) = super::parts(&f.total, crate::footprint::Criterion::Gwp);
            s.row(
                sec,
                &format!("{p}.total_kgco2e_per_year"),
                crate::report::format::quantity(total),
                "kgCO2e/year",
                "",
            );
            s.years(
                sec,
                &format!("{p}.age_mean_years"),
                f.total.age_mean_years,
                "",
            );
        }
    }
}

fn reen(s: &mut Sheet, r: &ReenReport) {
    let y = r.reen;
    let sec = "reen";
    s.count(
        sec,
        "retired_in_stock_1_january",
        y.in_stock_on_1_january,
        DEVICES,
        "retired before 1 January and still held on that day",
    );
    s.count(
        sec,
        "retired_during_year",
        y.retired_during_year,
        DEVICES,
        "",
    );
    s.count(
        sec,
        "retired_b",
        y.retired,
        DEVICES,
        "B = in stock on 1 January + retired during the year",
    );
    s.count(
        sec,
        "reused_a",
        y.reused,
        DEVICES,
        "A = of B, left for reuse or reutilisation during the year",
    );
    let rate_note = match y.target {
        Some(t) => format!(
            "A / B, décret 2023-266, target {}",
            plain(Some(t.min.fraction()), RATIO_DECIMALS)
        ),
        None => "A / B, décret 2023-266, no target for this year".to_string(),
    };
    s.ratio(sec, "reuse_rate", y.rate, &rate_note);
    s.ratio(
        sec,
        "target",
        y.target.map(|t| t.min.fraction()),
        y.target.map_or("", |t| t.source),
    );
    let met_note = if r.complete { "" } else { "figures to date" };
    s.boolean(sec, "target_met", y.target_met(), met_note);
    s.count(
        sec,
        "unknown_age",
        y.unknown_age,
        DEVICES,
        "kept in B: not knowing the age exempts nothing",
    );
    s.count(
        sec,
        "excluded_over_10_years",
        y.excluded_over_10_years,
        DEVICES,
        "over 10 years old when retired: outside the decree",
    );
    s.count(
        sec,
        "excluded_security",
        y.excluded_security,
        DEVICES,
        "classified or security-bound data: outside the decree",
    );
    s.count(
        sec,
        "excluded_class",
        y.excluded_class,
        DEVICES,
        "class outside [agec] reen_classes",
    );
    s.count(
        sec,
        "unplaced",
        y.unplaced.len() as u64,
        DEVICES,
        "exit without a date, or a date without an exit: in no year",
    );
}

fn deee(s: &mut Sheet, r: &ReenReport) {
    let d = r.deee;
    let sec = "deee";
    s.count(
        sec,
        "exits",
        d.exits,
        DEVICES,
        "left the fleet during the year",
    );
    s.count(sec, "reused", d.reused, DEVICES, "");
    s.count(
        sec,
        "recycled",
        d.recycled,
        DEVICES,
        "taken by an approved WEEE channel",
    );
    s.count(sec, "destroyed", d.destroyed, DEVICES, "");
    s.ratio(sec, "reused_share", d.reused_share, "of exits");
    s.ratio(sec, "recycled_share", d.recycled_share, "of exits");
    s.ratio(sec, "destroyed_share", d.destroyed_share, "of exits");
    s.count(
        sec,
        "retired",
        d.retired,
        DEVICES,
        "in stock on 1 January or retired during the year, every class",
    );
    s.count(
        sec,
        "collected",
        d.collected,
        DEVICES,
        "reused or recycled during the year",
    );
    s.ratio(
        sec,
        "collection_rate",
        d.collection_rate,
        "collected / retired in units: a proxy of the weight-based rate of Directive 2012/19/EU",
    );
    s.count(
        sec,
        "unplaced",
        d.unplaced.len() as u64,
        DEVICES,
        "exit without a date, or a date without an exit: in no year",
    );
}

fn donations(s: &mut Sheet, r: &ReenReport) {
    let d = r.donations;
    s.count(
        "donations",
        "devices_given",
        d.devices_given,
        DEVICES,
        "left for reuse under a donation status",
    );
    s.count(
        "donations",
        "people_equipped",
        d.people_equipped,
        "persons",
        "estimate: one person per donated laptop, desktop, thin client, tablet or smartphone",
    );
    for (class, n) in &d.by_class {
        let name = format!("{}.devices_given", class.as_str());
        s.count("donations_class", &name, *n, DEVICES, "");
    }
}
