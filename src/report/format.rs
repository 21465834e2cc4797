//! Formats shared by the reports: machine formats for the CSVs (`.` decimals, no grouping, an
//! empty cell for a missing or non-finite value), French formats for the HTML page, CSV
//! quoting and HTML escaping.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};

/// French thousands separator: the narrow no-break space of French typography (CLDR `fr`).
const GROUP: char = '\u{202f}';
/// Between a number and its unit or `%`, so they never wrap apart.
pub const NBSP: char = '\u{a0}';

/// Euros from cents for a CSV: `.` decimal, no grouping, trailing zeros dropped
/// (150000 → `1500`, 150050 → `1500.5`, 5 → `0.05`). Integer arithmetic: exact to the cent.
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (whole, c) = (cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
    match c {
        0 => format!("{sign}{whole}"),
        c if c % 10 == 0 => format!("{sign}{whole}.{}", c / 10),
        c => format!("{sign}{whole}.{c:02}"),
    }
}

/// A number for a CSV with at most `decimals` decimals, trailing zeros dropped; empty when
/// missing or not finite, so a consumer never reads `NaN`.
pub fn plain(x: Option<f64>, decimals: usize) -> String {
    match x {
        Some(x) if x.is_finite() => trim_zeros(format!("{x:.decimals$}"), '.'),
        _ => String::new(),
    }
}

/// A measured quantity for a CSV: at least 2 decimals, more for small values so that six
/// significant digits survive (an adpe of 0.00213 kgSbeq must not round to 0).
pub fn quantity(x: Option<f64>) -> String {
    plain(x, x.map_or(2, |x| significant_decimals(x, 6).max(2)))
}

/// Decimals that keep `digits` significant digits of `x`, within `0..=12`.
fn significant_decimals(x: f64, digits: i32) -> usize {
    if x == 0.0 || !x.is_finite() {
        return 0;
    }
    let magnitude = x.abs().log10().floor() as i32;
    (digits - 1 - magnitude).clamp(0, 12) as usize
}

fn trim_zeros(s: String, decimal: char) -> String {
    let t = if s.contains(decimal) {
        s.trim_end_matches('0').trim_end_matches(decimal)
    } else {
        &s
    };
    // "-0.0001" rounded to 2 decimals reads "-0.00": no sign on a zero.
    if t.trim_start_matches('-').chars().all(|c| c == '0') {
        "0".to_string()
    } else {
        t.to_string()
    }
}

/// Groups the digits of an integer part by three.
fn group(digits: &str, sep: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A number in French: grouped by three, `,` decimal, at most `decimals` decimals, trailing
/// zeros dropped (`12 345`, `41,2`, `0,5`).
pub fn fr_number(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "—".to_string();
    }
    let s = trim_zeros(format!("{:.decimals$}", x.abs()), '.');
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let sign = if x < 0.0 && s != "0" { "-" } else { "" };
    let mut out = format!("{sign}{}", group(int, GROUP));
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

/// A quantity in French with three significant digits (`12 346`, `41,2`, `0,00213`).
pub fn fr_quantity(x: f64) -> String {
    fr_number(x, significant_decimals(x, 3))
}

/// A count in French (`12 345`).
pub fn fr_count(n: u64) -> String {
    group(&n.to_string(), GROUP)
}

/// A share of 1 as a French percentage to one decimal (`41,2 %`, `50 %`).
pub fn fr_percent(ratio: f64) -> String {
    format!("{}{NBSP}%", fr_number(ratio * 100.0, 1))
}

/// A share measured against a minimum, as a French percentage to one decimal; rounded *down*
/// when it falls `short` of the minimum, so that it never reads as the minimum it misses
/// (19,98 % → `19,9 %`, not `20 %`).
pub fn fr_share(ratio: f64, short: bool) -> String {
    if !short {
        return fr_percent(ratio);
    }
    // The epsilon keeps 0.29 (289.999… once multiplied) at 29 %.
    let tenths = (ratio * 1000.0 + 1e-9).floor() / 10.0;
    format!("{}{NBSP}%", fr_number(tenths, 1))
}

/// Euros from cents in French, cents shown only when there are some (`15 000 €`,
/// `1 234,50 €`). `sep` groups the thousands: a plain space where the text may be read by
/// tools that do not know U+202F.
fn euros_in_french(cents: i64, sep: char) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (whole, c) = (cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
    let whole = group(&whole.to_string(), sep);
    match c {
        0 => format!("{sign}{whole}{NBSP}€"),
        c => format!("{sign}{whole},{c:02}{NBSP}€"),
    }
}

/// Euros from cents in French for the HTML page.
pub fn fr_euros(cents: i64) -> String {
    euros_in_french(cents, GROUP)
}

/// Euros from cents in French for a CSV comment: grouped with plain spaces.
pub fn fr_euros_plain(cents: i64) -> String {
    euros_in_french(cents, ' ')
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A date in French (`1er janvier 2026`, `15 juin 2026`).
pub fn fr_date(d: NaiveDate) -> String {
    let day = match d.day() {
        1 => "1er".to_string(),
        n => n.to_string(),
    };
    let month = MONTHS.get(d.month0() as usize).copied().unwrap_or("");
    format!("{day} {month} {}", d.year())
}

/// `n` followed by the singular or plural form (French takes the singular for 0 and 1).
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", fr_count(n), if n > 1 { many } else { one })
}

/// Escapes text for HTML element content and double- or single-quoted attributes.
pub fn esc(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// One CSV field, quoted as RFC 4180 asks when it holds a comma, a quote or a line break.
pub fn csv_field(value: &str) -> Cow<'_, str> {
    if value.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(value)
    }
}

/// One CSV line, `\n`-terminated.
pub fn csv_line(fields: &[&str]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_are_exact_to_the_cent_without_trailing_zeros() {
        assert_eq!(euros(123_456_789), "1234567.89");
        assert_eq!(euros(150_000), "1500");
        assert_eq!(euros(150_050), "1500.5");
        assert_eq!(euros(5), "0.05");
        assert_eq!(euros(0), "0");
        assert_eq!(euros(-250), "-2.5");
        assert_eq!(euros(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn a_missing_or_non_finite_number_is_an_empty_cell() {
        assert_eq!(plain(None, 4), "");
        assert_eq!(plain(Some(f64::NAN), 4), "");
        assert_eq!(plain(Some(f64::INFINITY), 4), "");
        assert_eq!(plain(Some(0.41234), 4), "0.4123");
        assert_eq!(plain(Some(0.5), 4), "0.5");
        assert_eq!(plain(Some(-0.00001), 2), "0");
        assert_eq!(quantity(Some(12_345.678)), "12345.68");
        assert_eq!(quantity(Some(0.002_134_56)), "0.00213456");
    }

    #[test]
    fn french_numbers_group_by_three_with_a_decimal_comma() {
        assert_eq!(fr_number(12_345.0, 0), "12\u{202f}345");
        assert_eq!(fr_number(1_234_567.25, 2), "1\u{202f}234\u{202f}567,25");
        assert_eq!(fr_number(-0.0001, 1), "0");
        assert_eq!(fr_quantity(12_345.6), "12\u{202f}346");
        assert_eq!(fr_quantity(41.23), "41,2");
        assert_eq!(fr_quantity(0.002_13), "0,00213");
        assert_eq!(fr_percent(0.4123), "41,2\u{a0}%");
        assert_eq!(fr_percent(0.5), "50\u{a0}%");
        assert_eq!(fr_share(0.1998, true), "19,9\u{a0}%");
        assert_eq!(fr_share(0.1998, false), "20\u{a0}%");
        assert_eq!(fr_share(0.29, true), "29\u{a0}%");
        assert_eq!(fr_share(0.375, true), "37,5\u{a0}%");
        assert_eq!(fr_euros(123_450), "1\u{202f}234,50\u{a0}€");
        assert_eq!(fr_euros_plain(1_500_000), "15 000\u{a0}€");
        assert_eq!(fr_number(f64::NAN, 1), "—");
    }

    #[test]
    fn french_dates_say_1er_for_the_first_of_the_month() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(fr_date(d(2026, 1, 1)), "1er janvier 2026");
        assert_eq!(fr_date(d(2025, 8, 15)), "15 août 2025");
    }

    #[test]
    fn html_and_csv_special_characters_are_escaped() {
        assert_eq!(
            esc(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        assert!(matches!(esc("plain"), Cow::Borrowed(_)));
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("d'impression"), "d'impression");
        assert_eq!(csv_line(&["a", "b,c", ""]), "a,\"b,c\",\n");
    }
}
