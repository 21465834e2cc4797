//! A reference lifespan as a person writes it for the what-if: `CLASS=DURATION`.

use parcd_connectors::AssetClass;

/// Parses `CLASS=DURATION` (`laptop=7y`, `laptop=7`, `laptop=61320h`) into the class and
/// hours.
pub fn parse_lifespan(s: &str) -> Result<(AssetClass, f64), String> {
    let (class, duration) = s
        .split_once('=')
        .ok_or_else(|| format!("\"{s}\" is not CLASS=DURATION, e.g. laptop=7y"))?;
    let class = AssetClass::parse(class.trim()).ok_or_else(|| {
        format!(
            "\"{class}\" is not an asset class: use one of {}",
            AssetClass::ALL.map(|c| c.as_str()).join(", ")
        )
    })?;
    let d = duration.trim();
    let (number, hours_per_unit) = match d.strip_suffix('h') {
        Some(n) => (n, 1.0),
        None => (d.strip_suffix('y').unwrap_or(d), 8760.0),
    };
    let value: f64 = number.trim().parse().map_err(|_| {
        format!("\"{duration}\" is not a duration: write 7y (years) or 61320h (hours)")
    })?;
    let hours = value * hours_per_unit;
    if !(hours.is_finite() && (MIN_HOURS..=MAX_HOURS).contains(&hours)) {
        return Err(format!(
            "{duration} is out of range: a lifespan is between one month ({MIN_HOURS}h) and 30 years \
             (30y, {MAX_HOURS}h)"
        ));
    }
    Ok((class, hours))
}

/// One month: shorter lifespans multiply the embodied impact past any meaning (and, near
/// zero, past what a float holds).
const MIN_HOURS: f64 = 730.0;
/// Thirty years, beyond any device's service life.
const MAX_HOURS: f64 = 262_800.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifespans_are_read_in_years_or_hours_and_mistakes_named() {
        assert_eq!(
            parse_lifespan("laptop=7y").unwrap(),
            (AssetClass::Laptop, 61_320.0)
        );
        assert_eq!(parse_lifespan("desktop=8").unwrap().1, 70_080.0);
        assert_eq!(parse_lifespan("monitor=1000h").unwrap().1, 1000.0);
        assert!(
            parse_lifespan("laptops=7y")
                .unwrap_err()
                .contains("not an asset class")
        );
        for out_of_range in [
            "laptop=0y",
            "laptop=1e-300h",
            "laptop=729h",
            "laptop=31y",
            "laptop=-7y",
            "laptop=NaNh",
            "laptop=infy",
        ] {
            let e = parse_lifespan(out_of_range).unwrap_err();
            assert!(
                e.contains("between one month (730h) and 30 years")
                    || e.contains("is not a duration"),
                "{out_of_range}: {e}"
            );
        }
        assert_eq!(parse_lifespan("laptop=30y").unwrap().1, 262_800.0);
        assert_eq!(parse_lifespan("laptop=730h").unwrap().1, 730.0);
        assert!(parse_lifespan("laptop").is_err());
    }
}
