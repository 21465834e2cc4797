//! Lenient readers for GLPI's JSON rows: GLPI sends DECIMAL columns as strings, FKs as 0
//! for "none", legacy dates as "0000-00-00", and since GLPI 11 `groups_id` as an array on
//! some calls. parcd reads only the columns it needs and ignores the rest.

use chrono::NaiveDate;
use serde_json::Value;

/// An unsigned integer column, given as a number or a numeric string.
pub fn uint(row: &Value, key: &str) -> Option<u64> {
    match row.get(key)? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A foreign key: `None` for 0 ("none" in GLPI) and for anything that is not an id.
pub fn fk(row: &Value, key: &str) -> Option<u64> {
    uint(row, key).filter(|id| *id > 0)
}

/// A text column; empty strings are `None`.
pub fn text(row: &Value, key: &str) -> Option<String> {
    match row.get(key)? {
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A flag column (0/1, or a boolean).
pub fn flag(row: &Value, key: &str) -> bool {
    match row.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0) != 0,
        Some(Value::String(s)) => s == "1" || s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// A DATE or TIMESTAMP column as a date; GLPI's legacy zero date is `None`.
pub fn date(row: &Value, key: &str) -> Option<NaiveDate> {
    let s = text(row, key)?;
    let day = s.get(..10)?;
    if day.starts_with("0000") {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// A money amount in cents. GLPI sends DECIMAL(20,4) as `"899.0000"`; hand-made imports
/// sometimes carry French formatting (`"1 234,50"`).
pub fn cents(row: &Value, key: &str) -> Option<i64> {
    match row.get(key)? {
        Value::Number(n) => n.as_f64().map(|f| (f * 100.0).round() as i64),
        Value::String(s) => parse_amount_cents(s),
        _ => None,
    }
}

/// The text of an amount that is present but not readable by [`cents`].
pub fn unreadable_amount(row: &Value, key: &str) -> Option<String> {
    match row.get(key)? {
        Value::String(s) if !s.trim().is_empty() && parse_amount_cents(s).is_none() => {
            Some(s.trim().chars().take(64).collect())
        }
        _ => None,
    }
}

/// Parses a decimal amount written with `.` or `,` as decimal separator and spaces (or
/// no-break spaces) between thousands. Returns `None` for anything else, including a lone
/// separator followed by exactly three digits: `"1.500"` is 1 500 € in a French
/// spreadsheet and 1.5 € in an English one, and GLPI itself always writes four decimals,
/// so such a value is refused rather than guessed.
pub fn parse_amount_cents(s: &str) -> Option<i64> {
    let cleaned: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '€'))
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    let separators: Vec<usize> = cleaned.match_indices([',', '.']).map(|(i, _)| i).collect();
    if let [only] = separators[..]
        && cleaned.len() - only - 1 == 3
    {
        return None;
    }
    let normalised = match (cleaned.rfind(','), cleaned.rfind('.')) {
        (Some(c), Some(d)) if c > d => cleaned.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => cleaned.replace(',', ""),
        (Some(_), None) => cleaned.replace(',', "."),
        _ => cleaned,
    };
    let (neg, digits) = match normalised.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, normalised.as_str()),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let int: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let mut frac = frac_part.chars().chain(std::iter::repeat('0')).take(3);
    let d1 = frac.next()?.to_digit(10)? as i64;
    let d2 = frac.next()?.to_digit(10)? as i64;
    let d3 = frac.next()?.to_digit(10)? as i64;
    let mut c = int.checked_mul(100)? + d1 * 10 + d2;
    if d3 >= 5 {
        c += 1;
    }
    Some(if neg { -c } else { c })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decimals_arrive_as_strings_in_several_formats() {
        assert_eq!(parse_amount_cents("899.0000"), Some(89_900));
        assert_eq!(parse_amount_cents("1 234,50"), Some(123_450));
        assert_eq!(parse_amount_cents("1.234,5"), Some(123_450));
        assert_eq!(parse_amount_cents("1,234.56"), Some(123_456));
        assert_eq!(parse_amount_cents("0.0050"), Some(1));
        assert_eq!(parse_amount_cents("12 €"), Some(1_200));
        assert_eq!(parse_amount_cents("abc"), None);
        assert_eq!(parse_amount_cents(""), None);
    }

    #[test]
    fn a_lone_separator_before_three_digits_is_refused_not_guessed() {
        // 1 500 € in a French spreadsheet, 1.50 € in an English one.
        for ambiguous in ["1.500", "1,500", "1.500 €", "-2,250"] {
            assert_eq!(parse_amount_cents(ambiguous), None, "{ambiguous}");
        }
        // Unambiguous neighbours still read.
        assert_eq!(parse_amount_cents("1.5000"), Some(150));
        assert_eq!(parse_amount_cents("1 500,00"), Some(150_000));
        assert_eq!(parse_amount_cents("1.500,00"), Some(150_000));
        let row = json!({"value": "1.500 €", "other": "12.50", "blank": " "});
        assert_eq!(unreadable_amount(&row, "value").as_deref(), Some("1.500 €"));
        assert_eq!(unreadable_amount(&row, "other"), None);
        assert_eq!(unreadable_amount(&row, "blank"), None);
    }

    #[test]
    fn foreign_keys_zero_and_zero_dates_mean_none() {
        let row = json!({"states_id": 0, "locations_id": "4", "buy_date": "0000-00-00",
                          "decommission_date": "2025-10-31 00:00:00", "groups_id": [3, 7]});
        assert_eq!(fk(&row, "states_id"), None);
        assert_eq!(fk(&row, "locations_id"), Some(4));
        assert_eq!(date(&row, "buy_date"), None);
        assert_eq!(
            date(&row, "decommission_date"),
            NaiveDate::from_ymd_opt(2025, 10, 31)
        );
        assert_eq!(fk(&row, "groups_id"), None);
    }
}
