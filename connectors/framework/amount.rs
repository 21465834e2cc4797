//! Amounts of money as inventories and spreadsheets write them: GLPI's DECIMAL strings,
//! Snipe-IT's formatted costs, French and English spreadsheet cells.

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
    }
}
