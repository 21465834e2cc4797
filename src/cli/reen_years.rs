//! The years of the REEN review's trend: each year's REEN and DEEE figures since the decree
//! (or since parcd's history, if older), and the fleet at the end of each year the history
//! reaches, rebuilt as `indicators --at` rebuilds it.

use chrono::NaiveDate;

use crate::indicators::Indicators;
use crate::live::circularity::Circularity;
use crate::live::fleet::Fleet;
use crate::report::{FleetOn, YearTrend};

/// The first year of the REEN decree's targets.
const DECREE_FIRST_YEAR: i32 = 2023;

/// At most this many years in the trend, the review's own included.
const MAX_YEARS: i32 = 10;

/// The trend up to `year`, whose fleet is `now` (as the review shows it) on `on`.
pub async fn trend(
    circularity: &Circularity,
    fleet: &Fleet,
    year: i32,
    today: NaiveDate,
    now: (&Indicators, NaiveDate),
) -> anyhow::Result<Vec<YearTrend>> {
    let first_history = fleet.first_day().await?;
    let first = first_history
        .map_or(DECREE_FIRST_YEAR, |d| {
            use chrono::Datelike;
            d.year().min(DECREE_FIRST_YEAR)
        })
        .max(year - MAX_YEARS + 1)
        .min(year);
    let figures = circularity.years(first..=year, today).await?;
    let mut out = Vec::with_capacity(figures.len());
    for f in figures {
        let fleet_on = if f.year == year {
            Some(FleetOn {
                on: now.1,
                total: now.0.total.clone(),
            })
        } else {
            let end = NaiveDate::from_ymd_opt(f.year, 12, 31)
                .ok_or_else(|| anyhow::anyhow!("{} has no 31 December", f.year))?;
            match first_history {
                Some(first) if end >= first => {
                    let total = fleet.at(end).await?.total;
                    // Before parcd saw its first device, the history holds only exits dated
                    // from the inventory: nothing in service there is a lack of data.
                    (total.in_service > 0).then_some(FleetOn { on: end, total })
                }
                _ => None,
            }
        };
        out.push(YearTrend {
            year: f.year,
            reen: f.reen,
            deee: f.deee,
            fleet: fleet_on,
        });
    }
    Ok(out)
}
