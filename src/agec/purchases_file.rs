//! Purchases kept outside the inventory: printing consumables, paper, office supplies, often
//! followed in the accounting software rather than in GLPI. A DSI exports them as a CSV file
//! (`[agec] purchases_files`) and parcd counts them in the AGEC shares and the declaration
//! like the inventory's purchases.
//!
//! The file: a header line, then one purchase per line; `;` or `,` between fields (a French
//! spreadsheet writes `;`), UTF-8 with or without a BOM. Columns, by header name (French or
//! English, any case, spaces or `-` for `_`, any order):
//!
//! | column | required | content |
//! |---|---|---|
//! | `date` | yes | `YYYY-MM-DD` or `DD/MM/YYYY` |
//! | `montant_ht` / `amount` | yes | € excluding VAT: `1234.50`, `1 234,50`, `1.234,50` |
//! | `categorie` / `category` | yes | an AGEC category: its label, number (1–17) or short name |
//! | `origine` / `origin` | no | `neuf`/`new`, `reemploi`/`reuse`, `recycle`/`recycled_content`, `don`/`donation`; empty: the origin rules decide |
//! | `fournisseur` / `supplier`, `commentaire` / `comment`, `designation` / `name`, `reference` / `order_number` | no | what the origin rules read |
//!
//! A line that cannot be read is not dropped: it becomes a purchase with what could be read,
//! and the shares list it with the reason (no date, no amount, unreadable amount, no
//! category), under the id `file:line`.

use chrono::NaiveDate;

use super::category::Category;
use super::origin::Origin;
use super::share::Purchase;

/// A problem with the file as a whole (a line's problems go in its purchase).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("{file}: cannot read it: {reason}")]
    Unreadable { file: String, reason: String },
    #[error(
        "{file}: no {column} column in the header (found: {found}); name it {column} \
         (or {alias})"
    )]
    MissingColumn {
        file: String,
        column: &'static str,
        alias: &'static str,
        found: String,
    },
}

/// Header names accepted for each field: (French, English, other spellings...).
const COLUMNS: [(&str, &[&str]); 8] = [
    ("date", &["date", "date_achat", "purchase_date"]),
    (
        "montant_ht",
        &["montant_ht", "amount", "montant", "amount_excl_vat"],
    ),
    ("categorie", &["categorie", "catégorie", "category"]),
    ("origine", &["origine", "origin"]),
    ("fournisseur", &["fournisseur", "supplier"]),
    ("commentaire", &["commentaire", "comment"]),
    (
        "designation",
        &["designation", "désignation", "name", "libelle", "libellé"],
    ),
    (
        "reference",
        &["reference", "référence", "order_number", "numero_commande"],
    ),
];

fn column_of(header: &str) -> Option<usize> {
    // "Montant HT", "montant-ht" and "montant_ht" are the same column.
    let h = header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace([' ', '-'], "_");
    COLUMNS
        .iter()
        .position(|(_, names)| names.contains(&h.as_str()))
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .ok()
}

fn parse_origin(text: &str) -> Option<Result<Origin, String>> {
    let t = text.trim().to_lowercase();
    if t.is_empty() {
        return None;
    }
    Some(match t.as_str() {
        "neuf" | "new" => Ok(Origin::New),
        "reemploi" | "réemploi" | "reutilisation" | "réutilisation" | "reconditionne"
        | "reconditionné" | "reuse" => Ok(Origin::Reuse),
        "recycle" | "recyclé" | "recycled" | "recycled_content" | "matieres_recyclees" => {
            Ok(Origin::RecycledContent)
        }
        "don" | "donation" => Ok(Origin::Donation),
        _ => Err(text.trim().to_string()),
    })
}

/// Reads one file's text. `name` identifies it in ids and messages.
pub fn parse(name: &str, text: &str) -> Result<Vec<Purchase>, FileError> {
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.contains(';') { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| FileError::Unreadable {
            file: name.to_string(),
            reason: e.to_string(),
        })?
        .clone();
    let mut at = [None; COLUMNS.len()];
    for (i, h) in headers.iter().enumerate() {
        if let Some(c) = column_of(h) {
            at[c].get_or_insert(i);
        }
    }
    for (c, alias) in [(0, "date_achat"), (1, "amount"), (2, "category")] {
        if at[c].is_none() {
            return Err(FileError::MissingColumn {
                file: name.to_string(),
                column: COLUMNS[c].0,
                alias,
                found: headers.iter().collect::<Vec<_>>().join(", "),
            });
        }
    }
    let mut out = Vec::new();
    for (n, record) in reader.records().enumerate() {
        // Line numbers as a spreadsheet shows them: the header is line 1.
        let line = n + 2;
        let record = record.map_err(|e| FileError::Unreadable {
            file: name.to_string(),
            reason: format!("line {line}: {e}"),
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let field = |c: usize| {
            at[c]
                .and_then(|i| record.get(i))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let amount_text = field(1);
        let amount_cents = amount_text
            .as_deref()
            .and_then(parcd_connectors::amount::parse_amount_cents);
        let origin = field(3).as_deref().and_then(parse_origin);
        let mut comment = field(5);
        if let Some(Err(unknown)) = &origin {
            // Not an origin parcd knows: the origin rules decide, and the comment says why.
            let note = format!("origine « {unknown} » inconnue");
            comment = Some(comment.map_or(note.clone(), |c| format!("{c} ({note})")));
        }
        out.push(Purchase {
            id: format!("{name}:{line}"),
            name: field(6),
            class: None,
            // An unknown category leaves it out with reason no_category, listed.
            category: field(2).and_then(|c| Category::parse(&c).ok()),
            date: field(0).as_deref().and_then(parse_date),
            amount_text: amount_text.filter(|_| amount_cents.is_none()),
            amount_cents,
            supplier: field(4),
            comment,
            status: None,
            order_number: field(7),
            origin: origin.and_then(Result::ok),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_french_spreadsheet_export_is_read() {
        let text = "\u{feff}Date;Catégorie;Montant_HT;Fournisseur;Origine;Désignation\n\
                    15/03/2026;Consommables d'impression;1 234,50;Armor;recyclé;Toners HP 26A\n\
                    2026-04-02;5;  980,00 ;Papeteries;;Ramettes A4\n";
        let p = parse("conso.csv", text).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].id, "conso.csv:2");
        assert_eq!(p[0].date, Some(d(2026, 3, 15)));
        assert_eq!(p[0].category, Some(Category::PrintingConsumables));
        assert_eq!(p[0].amount_cents, Some(123_450));
        assert_eq!(p[0].origin, Some(Origin::RecycledContent));
        assert_eq!(p[0].name.as_deref(), Some("Toners HP 26A"));
        assert_eq!(p[1].category, Some(Category::Paper));
        assert_eq!(p[1].amount_cents, Some(98_000));
        assert_eq!(p[1].origin, None, "empty: the rules decide");
    }

    #[test]
    fn a_bad_line_is_kept_with_what_could_be_read() {
        let text = "date,amount,category,origin\n\
                    2026-13-45,12.50,paper,new\n\
                    2026-01-10,1.500,paper,new\n\
                    2026-01-11,40.00,cafetières,new\n\
                    2026-01-12,40.00,paper,troc\n\
                    ,,,\n";
        let p = parse("f.csv", text).unwrap();
        assert_eq!(p.len(), 4, "the empty line is skipped, no other");
        assert_eq!(p[0].date, None, "no such date: listed as no_date");
        assert_eq!(p[1].amount_cents, None);
        assert_eq!(
            p[1].amount_text.as_deref(),
            Some("1.500"),
            "ambiguous: listed with its text"
        );
        assert_eq!(
            p[2].category, None,
            "unknown category: listed as no_category"
        );
        assert_eq!(p[3].origin, None);
        assert!(p[3].comment.as_deref().unwrap().contains("troc"));
    }

    #[test]
    fn a_missing_required_column_names_it_and_the_file() {
        let e = parse("achats.csv", "date;fournisseur;montant\n2026-01-01;X;10\n").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("achats.csv") && text.contains("categorie"),
            "{text}"
        );
        assert!(text.contains("date, fournisseur, montant"), "{text}");
    }
}
