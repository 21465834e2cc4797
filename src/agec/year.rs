//! One calendar year's circularity figures (AGEC shares, REEN rate, DEEE exits,
//! donations), computed from the stored purchases and exits. No I/O here.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::share::Reason;
use super::{
    AgecConfig, DeeeYear, Donations, ExitFacts, Purchase, ReenYear, YearShares, deee_year,
    donations_year, reen_year, year_shares,
};

/// Purchases and exit facts, one of each per stored asset (vanished ones included: their €
/// were spent and their exit, if any, happened).
#[derive(Debug, Default, Clone)]
pub struct CircularityInputs {
    pub purchases: Vec<Purchase>,
    pub exits: Vec<ExitFacts>,
    /// Assets with no purchase data at all (no Infocom): they cannot be placed in any year.
    pub without_purchase: u64,
}

/// Every circularity figure of one calendar year, as known on `today`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CircularityYear {
    pub year: i32,
    pub today: NaiveDate,
    /// False while the year is under way: the figures are to date.
    pub complete: bool,
    pub agec: YearShares,
    pub reen: ReenYear,
    pub deee: DeeeYear,
    pub donations: Donations,
    /// Purchases left out of the year-to-date shares, counted by reason.
    pub excluded_by_reason: BTreeMap<Reason, usize>,
    /// Stored assets with no purchase data at all (no Infocom): in no year's shares.
    pub assets_without_purchase: u64,
}

/// The pure step: inputs and configuration in, figures out.
pub fn year_figures(
    inputs: &CircularityInputs,
    config: &AgecConfig,
    year: i32,
    today: NaiveDate,
) -> CircularityYear {
    let agec = year_shares(&config.rules, &inputs.purchases, year, today);
    // Marked here rather than in the store: the pattern is configuration, the status is data.
    let flagged;
    let exits = match &config.security_status {
        None => &inputs.exits,
        Some(re) => {
            flagged = inputs
                .exits
                .iter()
                .map(|f| ExitFacts {
                    security_excluded: f.status.as_deref().is_some_and(|s| re.is_match(s)),
                    ..f.clone()
                })
                .collect::<Vec<_>>();
            &flagged
        }
    };
    let mut excluded_by_reason = BTreeMap::new();
    for l in &agec.excluded {
        *excluded_by_reason.entry(l.reason).or_default() += 1;
    }
    CircularityYear {
        year,
        today,
        complete: today.year() > year,
        reen: reen_year(exits, &config.reen_classes, year),
        deee: deee_year(exits, year),
        donations: donations_year(exits, year, &config.donation_status),
        agec,
        excluded_by_reason,
        assets_without_purchase: inputs.without_purchase,
    }
}

#[cfg(test)]
mod tests {
    use parcd_connectors::{AssetClass, Phase};

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn retired_devices_under_a_security_status_leave_the_reen_rate() {
        let retired = |id: &str, status: &str| ExitFacts {
            id: id.into(),
            class: Some(AssetClass::Laptop),
            in_service_date: Some(d(2021, 1, 1)),
            retired_on: Some(d(2025, 2, 1)),
            exit_phase: Some(Phase::Reused),
            exit_on: Some(d(2025, 3, 1)),
            status: Some(status.into()),
            ..ExitFacts::default()
        };
        let inputs = CircularityInputs {
            exits: vec![
                retired("a", "Donné"),
                retired("b", "Réformé - disque confidentiel"),
            ],
            ..CircularityInputs::default()
        };
        let mut config = AgecConfig::default();
        let open = year_figures(&inputs, &config, 2025, d(2025, 6, 1));
        assert_eq!((open.reen.retired, open.reen.excluded_security), (2, 0));
        config.security_status = Some(regex::Regex::new("(?i)confidentiel").unwrap());
        let y = year_figures(&inputs, &config, 2025, d(2025, 6, 1));
        assert_eq!((y.reen.retired, y.reen.excluded_security), (1, 1));
        assert_eq!(y.reen.rate, Some(1.0));
        assert!(!y.complete);
        assert!(year_figures(&inputs, &config, 2025, d(2026, 1, 1)).complete);
    }
}
