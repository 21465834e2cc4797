//! The CSV's fleet sections: footprint, lifespans and coverage, in total and per class.

use chrono::DateTime;

use crate::footprint::Criterion;
use crate::indicators::Group;
use crate::report::format::{plain, quantity};

use super::csv::{DEVICES, Sheet};
use super::{ReenReport, parts};

pub(super) fn footprint(s: &mut Sheet, r: &ReenReport) {
    let ind = r.indicators;
    let t = &ind.total;
    let sec = "footprint";
    let computed = DateTime::from_timestamp(ind.computed_at, 0).map_or(String::new(), |d| {
        d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    });
    s.row(sec, "computed_at", computed, "datetime", "UTC");
    s.count(sec, "in_service", t.in_service, DEVICES, "");
    let (e, u, total) = parts(t, Criterion::Gwp);
    let per_year = "kgCO2e/year";
    s.row(
        sec,
        "embodied_kgco2e_per_year",
        quantity(e),
        per_year,
        "manufacture, transport and end of life allocated over the reference lifespan",
    );
    s.row(
        sec,
        "use_kgco2e_per_year",
        quantity(u),
        per_year,
        "electricity",
    );
    s.row(sec, "total_kgco2e_per_year", quantity(total), per_year, "");
    for c in Criterion::ALL.into_iter().filter(|c| *c != Criterion::Gwp) {
        let (e, u, _) = parts(t, c);
        let unit = format!("{}/year", c.unit());
        if e.is_some() {
            s.row(
                sec,
                &format!("embodied_{}_per_year", c.key()),
                quantity(e),
                &unit,
                "",
            );
        }
        if u.is_some() {
            s.row(
                sec,
                &format!("use_{}_per_year", c.key()),
                quantity(u),
                &unit,
                "",
            );
        }
    }
    s.row(
        sec,
        "devices_per_agent",
        plain(t.devices_per_agent, 2),
        "devices/agent",
        "in service, over the configured headcount",
    );

    for (class, g) in &ind.by_class {
        let (e, u, total) = parts(g, Criterion::Gwp);
        let sec = "footprint_class";
        s.count(
            sec,
            &format!("{class}.in_service"),
            g.in_service,
            DEVICES,
            "",
        );
        s.row(
            sec,
            &format!("{class}.embodied_kgco2e_per_year"),
            quantity(e),
            per_year,
            "",
        );
        s.row(
            sec,
            &format!("{class}.use_kgco2e_per_year"),
            quantity(u),
            per_year,
            "",
        );
        s.row(
            sec,
            &format!("{class}.total_kgco2e_per_year"),
            quantity(total),
            per_year,
            "",
        );
    }
}

fn lifespan_rows(s: &mut Sheet, prefix: &str, g: &Group) {
    let sec = "lifespan";
    s.years(
        sec,
        &format!("{prefix}age_mean_years"),
        g.age_mean_years,
        "in service",
    );
    s.years(
        sec,
        &format!("{prefix}age_median_years"),
        g.age_median_years,
        "in service",
    );
    s.count(
        sec,
        &format!("{prefix}past_target_lifespan"),
        g.past_target_lifespan,
        DEVICES,
        "in service and older than the reference lifespan",
    );
    s.count(sec, &format!("{prefix}exits"), g.exits, DEVICES, "");
    s.years(
        sec,
        &format!("{prefix}mean_at_exit_years"),
        g.lifespan_at_exit_mean_years,
        "from service to exit",
    );
    s.years(
        sec,
        &format!("{prefix}median_at_exit_years"),
        g.lifespan_at_exit_median_years,
        "from service to exit",
    );
}

pub(super) fn lifespan(s: &mut Sheet, r: &ReenReport) {
    lifespan_rows(s, "", &r.indicators.total);
    for (class, g) in &r.indicators.by_class {
        lifespan_rows(s, &format!("{class}."), g);
    }
}

/// The age pyramid: in-service devices per age band, for the fleet and each class;
/// `age_0_1_years` … `age_8_10_years`, `age_10_plus_years`, and those of unknown age.
pub(super) fn age_bands(s: &mut Sheet, r: &ReenReport) {
    let sec = "age_bands";
    let rows = |s: &mut Sheet, prefix: &str, g: &Group| {
        for b in &g.age_bands {
            let name = match b.to_years {
                Some(to) => format!("{prefix}age_{}_{to}_years", b.from_years),
                None => format!("{prefix}age_{}_plus_years", b.from_years),
            };
            s.count(sec, &name, b.devices, DEVICES, "in service");
        }
        let known: u64 = g.age_bands.iter().map(|b| b.devices).sum();
        s.count(
            sec,
            &format!("{prefix}age_unknown"),
            g.in_service.saturating_sub(known),
            DEVICES,
            "in service, no usable date",
        );
    };
    rows(s, "", &r.indicators.total);
    for (class, g) in &r.indicators.by_class {
        if g.in_service > 0 {
            rows(s, &format!("{class}."), g);
        }
    }
}

pub(super) fn coverage(s: &mut Sheet, r: &ReenReport) {
    let t = &r.indicators.total;
    let sec = "coverage";
    s.count(sec, "devices", t.devices, DEVICES, "live assets, any phase");
    s.count(sec, "in_service", t.in_service, DEVICES, "");
    s.count(
        sec,
        "covered",
        t.covered,
        DEVICES,
        "in service with a usable impact factor",
    );
    s.ratio(
        sec,
        "coverage_ratio",
        Some(t.coverage_ratio),
        "covered / in service",
    );
    for (reason, n) in &t.excluded {
        s.count(
            sec,
            &format!("excluded.{reason}"),
            *n,
            DEVICES,
            "in service, left out of the footprint",
        );
    }
    for (class, g) in &r.indicators.by_class {
        s.count(sec, &format!("{class}.covered"), g.covered, DEVICES, "");
        s.ratio(
            sec,
            &format!("{class}.coverage_ratio"),
            Some(g.coverage_ratio),
            "",
        );
    }
}
