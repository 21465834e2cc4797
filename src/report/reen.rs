//! The yearly responsible-IT review ("bilan annuel", loi REEN n° 2021-1485 art. 35, in the
//! rapport sur la situation en matière de développement durable): the REEN reuse rate, DEEE
//! exits, donations, AGEC purchase shares, the fleet's footprint, ages and coverage, and
//! printing (pages, paper, its footprint, printer sharing, supplies), and mail (storage,
//! traffic, the email footprint).
//!
//! Two renderings of the same figures: a long CSV (one figure per row, for spreadsheets and
//! later years' comparisons) and a self-contained French HTML page for elected officials.

mod csv;
mod csv_agec;
mod csv_fleet;
mod csv_mail;
mod csv_printing;
mod html;
mod html_agec;
mod html_charts;
mod html_fleet;
mod html_law;
mod html_mail;
mod html_printing;
mod html_years;
mod labels;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;

use crate::agec::{DeeeYear, Donations, ReenYear, YearShares};
use crate::footprint::Criterion;
use crate::indicators::{Group, Indicators};

/// Everything the review of one year shows; built by the caller from the pure computations.
#[derive(Debug, Clone, Copy)]
pub struct ReenReport<'a> {
    pub year: i32,
    /// Shown under the title when known.
    pub organisation: Option<&'a str>,
    pub generated_on: NaiveDate,
    /// False while the year is not over: every figure is "to date".
    pub complete: bool,
    pub reen: &'a ReenYear,
    pub deee: &'a DeeeYear,
    pub donations: &'a Donations,
    pub agec: &'a YearShares,
    /// The fleet as it stood when the review was made (or at the end of the year).
    pub indicators: &'a Indicators,
    /// The year's printing: pages, paper, its footprint, printers and supplies.
    pub printing: Option<&'a crate::printing::PrintingFigures>,
    /// The year's mail: storage, traffic and the email footprint, per entity and domain.
    pub mail: Option<&'a crate::mail::MailFigures>,
    /// The years before this one and this one, oldest first, for the trend: empty for a
    /// review without history.
    pub years: &'a [YearTrend],
}

/// One year of the review's trend: its REEN and DEEE figures (from the inventory's
/// retirement and exit dates), and the fleet at its end when parcd's history reaches it.
#[derive(Debug, Clone)]
pub struct YearTrend {
    pub year: i32,
    pub reen: ReenYear,
    pub deee: DeeeYear,
    pub fleet: Option<FleetOn>,
}

/// The fleet as the history rebuilds it on one day: 31 December, or the review's day for a
/// year not over.
#[derive(Debug, Clone)]
pub struct FleetOn {
    pub on: NaiveDate,
    pub total: Group,
}

/// The review as a long CSV: `section,indicator,value,unit,note`, one figure per row, a
/// missing figure as an empty `value`.
pub fn reen_csv(r: &ReenReport) -> String {
    csv::render(r)
}

/// The review as one self-contained HTML page in French (inline CSS, no script, no external
/// resource), for printing or attaching to the sustainable development report.
pub fn reen_html(r: &ReenReport) -> String {
    html::render(r)
}

/// `(embodied, use, total)` per year of one criterion for a group; the total only when both
/// parts are known, since half a footprint read as a whole one would understate it.
fn parts(g: &Group, c: Criterion) -> (Option<f64>, Option<f64>, Option<f64>) {
    let e = g.embodied_per_year.get(c.key()).copied();
    let u = g.use_per_year.get(c.key()).copied();
    (e, u, e.zip(u).map(|(e, u)| e + u))
}
