//! Lenient readers for Snipe-IT's asset rows (`AssetsTransformer`): every text goes
//! through Laravel's `e()` (HTML-escaped: `d&#039;Arbois`, `R&amp;D`), related records are
//! `{id, name, …}` objects or null, dates are `{"date"|"datetime", "formatted"}` objects
//! or null, and `purchase_cost` is a string formatted with the instance's separators.

use chrono::NaiveDate;
use serde_json::Value;

/// A row's id.
pub fn id(row: &Value) -> Option<u64> {
    match row.get("id")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A text field, unescaped; empty strings are `None` (`e(null)` gives `""`).
pub fn text(row: &Value, key: &str) -> Option<String> {
    match row.get(key)? {
        Value::String(s) => clean(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `name` of a related record (`"company": {"id": 3, "name": "…"}`).
pub fn name_of(row: &Value, key: &str) -> Option<String> {
    text(row.get(key)?, "name")
}

/// The `YYYY-MM-DD` part of a date object (`{"date": …}` or `{"datetime": …}`); a bare
/// string is accepted too (older instances).
pub fn date(row: &Value, key: &str) -> Option<NaiveDate> {
    let raw = stamp(row, key)?;
    NaiveDate::parse_from_str(raw.get(..10)?, "%Y-%m-%d").ok()
}

/// The machine-readable text of a date object, as Snipe-IT wrote it
/// (`"2024-01-15 10:00:00"`): it sorts as text, which the watermark relies on.
pub fn stamp(row: &Value, key: &str) -> Option<String> {
    match row.get(key)? {
        Value::Object(o) => o
            .get("datetime")
            .or_else(|| o.get("date"))
            .and_then(Value::as_str)
            .and_then(clean),
        Value::String(s) => clean(s),
        _ => None,
    }
}

/// Undoes `htmlspecialchars` (what Laravel's `e()` applies) and drops the tags of
/// Markdown rendered as HTML (`notes`), so names read as the DSI typed them.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['&', '<']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            match rest.find('>') {
                Some(end) => {
                    if rest[1..end].trim_start_matches('/').starts_with(['p', 'b']) {
                        out.push(' ');
                    }
                    rest = &rest[end + 1..];
                }
                None => {
                    out.push('<');
                    rest = &rest[1..];
                }
            }
            continue;
        }
        let entity = rest.find(';').filter(|e| *e <= 8).map(|e| &rest[..=e]);
        let decoded = match entity {
            Some("&amp;") => Some('&'),
            Some("&lt;") => Some('<'),
            Some("&gt;") => Some('>'),
            Some("&quot;") => Some('"'),
            Some("&#039;" | "&#39;" | "&apos;") => Some('\''),
            Some("&nbsp;") => Some('\u{a0}'),
            Some(e) if e.starts_with("&#") => e[2..e.len() - 1]
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32),
            _ => None,
        };
        match (decoded, entity) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &rest[e.len()..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn clean(s: &str) -> Option<String> {
    let s = unescape(s);
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

/// A short extract of a JSON value, for error messages.
pub fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 120 {
        format!("{}…", &s[..s.floor_char_boundary(120)])
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn laravel_escaping_is_undone() {
        assert_eq!(unescape("Mairie d&#039;Arbois"), "Mairie d'Arbois");
        assert_eq!(unescape("R&amp;D &lt;3&gt; &quot;x&quot;"), "R&D <3> \"x\"");
        assert_eq!(unescape("Caf&#233;"), "Café");
        assert_eq!(unescape("AT&T & co"), "AT&T & co");
        assert_eq!(
            text(&json!({"notes": "<p>Reçu de l&#039;UGAP</p>"}), "notes").as_deref(),
            Some("Reçu de l'UGAP")
        );
        assert_eq!(
            text(&json!({"notes": "<strong>Don</strong> reçu"}), "notes").as_deref(),
            Some("Don reçu")
        );
    }

    #[test]
    fn date_objects_strings_and_nulls_are_read() {
        let row = json!({
            "purchase_date": {"date": "2021-09-01", "formatted": "01/09/2021"},
            "updated_at": {"datetime": "2024-01-15 10:00:00", "formatted": "15/01/2024 10:00"},
            "legacy": "2019-02-03",
            "asset_eol_date": null,
            "empty": {"date": "", "formatted": ""},
        });
        assert_eq!(
            date(&row, "purchase_date"),
            NaiveDate::from_ymd_opt(2021, 9, 1)
        );
        assert_eq!(
            date(&row, "updated_at"),
            NaiveDate::from_ymd_opt(2024, 1, 15)
        );
        assert_eq!(
            stamp(&row, "updated_at").as_deref(),
            Some("2024-01-15 10:00:00")
        );
        assert_eq!(date(&row, "legacy"), NaiveDate::from_ymd_opt(2019, 2, 3));
        assert_eq!(date(&row, "asset_eol_date"), None);
        assert_eq!(date(&row, "empty"), None);
        assert_eq!(date(&row, "absent"), None);
    }

    #[test]
    fn related_records_give_their_name_or_nothing() {
        let row = json!({"company": {"id": 2, "name": "Commune de Saint-Val"}, "location": null, "name": ""});
        assert_eq!(
            name_of(&row, "company").as_deref(),
            Some("Commune de Saint-Val")
        );
        assert_eq!(name_of(&row, "location"), None);
        assert_eq!(text(&row, "name"), None);
        assert_eq!(id(&json!({"id": "17"})), Some(17));
    }
}
