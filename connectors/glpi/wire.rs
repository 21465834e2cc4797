//! Lenient readers for GLPI's JSON rows: GLPI sends DECIMAL columns as strings, FKs as 0
//! for "none", legacy dates as "0000-00-00", and since GLPI 11 `groups_id` as an array on
//! some calls. parcd reads only the columns it needs and ignores the rest.

use chrono::NaiveDate;

pub use crate::amount::parse_amount_cents;
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

/// A short digest of a row as GLPI sent it: tells an unchanged row from one edited within
/// the same second.
pub fn digest(row: &Value) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(row.to_string().as_bytes());
    hash[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_unreadable_amount_keeps_its_text() {
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
