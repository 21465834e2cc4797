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
    if !(hours.is_finite() && hours > 0.0 && hours <= 876_600.0) {
        return Err(format!(
            "{duration} is not a lifespan between 0 and 100 years"
        ));
    }
    Ok((class, hours))
}

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
        assert!(parse_lifespan("laptop=0y").is_err());
        assert!(parse_lifespan("laptop").is_err());
    }
}
