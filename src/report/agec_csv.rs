//! The yearly AGEC declaration (loi 2020-105 art. 58) as the CSV data.gouv.fr takes: schema
//! `declaration-biens-valorisation` v0.1.0 (github.com/datagouv/
//! schema-declaration-biens-reemploi-reutilisation-recycle, `schema.json`), to upload by
//! 30 June of the next year.
//!
//! UTF-8 without BOM, `,` separator, `\n` line ends, RFC 4180 quoting; amounts in euros
//! excluding VAT with a `.` decimal and no grouping, as the schema's `number` type reads them.

use crate::agec::YearShares;
use crate::agec::share::CategoryYear;

use super::format::{csv_line, euros, fr_date, fr_euros_plain, plural};

/// Who declares: the buying body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declarant {
    /// 14 digits; spaces typed for readability are dropped.
    pub siret: String,
    /// `raison_sociale`.
    pub organisation: String,
}

/// The schema's fields, in its order.
pub const HEADER: [&str; 9] = [
    "annee",
    "siret",
    "raison_sociale",
    "type_produit_acquis",
    "montant_total",
    "montant_valorisation_et_don",
    "montant_produits_issus_don",
    "montant_produits_recycles",
    "commentaires",
];

/// The declaration of `shares.year`, from its year-to-date figures (the whole year once it is
/// over).
///
/// One row per category with at least one purchase counted in the year. A category that has a
/// minimum but no purchase is left out: the declaration reports spending, and a row of zeros
/// would read as "we bought nothing of it" where the inventory may simply not know. Purchases
/// excluded from the shares (no date, no amount, no category…) are not in any row; the REEN
/// report lists them.
pub fn declaration_csv(shares: &YearShares, declarant: &Declarant) -> String {
    let year = shares.year.to_string();
    let siret: String = declarant
        .siret
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut out = csv_line(&HEADER);
    for c in shares.categories.iter().filter(|c| c.purchases > 0) {
        let a = &c.year_to_date.amounts;
        out.push_str(&csv_line(&[
            &year,
            &siret,
            &declarant.organisation,
            c.category.label(),
            &euros(a.total),
            &euros(a.reuse_and_donations()),
            &euros(a.donation),
            &euros(a.recycled),
            &comment(shares, c),
        ]));
    }
    out
}

/// What a reader of the declaration should know about a row's figures, in French; empty when
/// there is nothing to say.
fn comment(shares: &YearShares, c: &CategoryYear) -> String {
    let mut notes = Vec::new();
    if shares.progress.elapsed_days < shares.progress.days_in_year {
        notes.push(format!(
            "Montants arrêtés au {}, année en cours",
            fr_date(shares.today)
        ));
    }
    if c.unclassified > 0 {
        let n = c.unclassified as u64;
        notes.push(format!(
            "{} ({} HT), {} dans le total seulement",
            plural(
                n,
                "achat d'origine non déterminée",
                "achats d'origine non déterminée"
            ),
            fr_euros_plain(c.year_to_date.amounts.unclassified),
            if n > 1 { "comptés" } else { "compté" },
        ));
    }
    if c.zero_amount > 0 {
        let n = c.zero_amount as u64;
        notes.push(format!(
            "{} à 0 € HT, montant à vérifier (non saisi, ou don pas encore valorisé)",
            plural(n, "achat saisi", "achats saisis"),
        ));
    }
    if notes.is_empty() {
        String::new()
    } else {
        notes.join(". ") + "."
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agec::Category;
    use crate::report::fixtures;

    fn declarant() -> Declarant {
        Declarant {
            siret: "213 105 554 00019".into(),
            organisation: "Ville de Saint-Exemple".into(),
        }
    }

    fn rows(csv: &str) -> Vec<&str> {
        csv.lines().skip(1).collect()
    }

    #[test]
    fn the_header_is_the_schema_s_fields_in_order() {
        let csv = declaration_csv(&fixtures::shares(), &declarant());
        assert_eq!(
            csv.lines().next(),
            Some(
                "annee,siret,raison_sociale,type_produit_acquis,montant_total,\
                 montant_valorisation_et_don,montant_produits_issus_don,\
                 montant_produits_recycles,commentaires"
            )
        );
        assert!(csv.ends_with('\n') && !csv.contains('\r'));
        assert!(!csv.starts_with('\u{feff}'));
    }

    #[test]
    fn amounts_in_cents_render_exactly_in_euros() {
        let csv = declaration_csv(&fixtures::shares(), &declarant());
        let it = rows(&csv)
            .into_iter()
            .find(|r| r.contains(Category::ItTelephony.label()))
            .unwrap();
        // 1 000 000 € new + 234 567,89 € reconditioned, donation 0,05 €, not classified 1 500 €.
        assert!(it.contains(",1236067.94,234567.94,0.05,0,"), "{it}");
        let r = rows(&csv)
            .into_iter()
            .find(|r| r.contains(Category::ReprographyPrinting.label()))
            .unwrap();
        assert!(r.contains(",1500,0,0,0,"), "{r}");
    }

    #[test]
    fn a_label_with_a_comma_is_quoted_and_the_year_and_siret_are_on_every_row() {
        let csv = declaration_csv(&fixtures::shares(), &declarant());
        assert!(csv.contains(",\"Gros électroménager, y compris appareils professionnels\","));
        let rows = rows(&csv);
        assert_eq!(rows.len(), 3, "{csv}");
        for r in rows {
            assert!(
                r.starts_with("2025,21310555400019,Ville de Saint-Exemple,"),
                "{r}"
            );
        }
    }

    #[test]
    fn a_category_with_a_minimum_but_no_spend_is_left_out() {
        let shares = fixtures::shares();
        let textiles = shares
            .categories
            .iter()
            .find(|c| c.category == Category::Textiles)
            .expect("textiles have a minimum in 2025");
        assert_eq!(textiles.purchases, 0);
        let csv = declaration_csv(&shares, &declarant());
        assert!(!csv.contains("textiles"), "{csv}");
    }

    #[test]
    fn the_comment_counts_unclassified_and_zero_amount_purchases() {
        let csv = declaration_csv(&fixtures::shares(), &declarant());
        let it = rows(&csv)
            .into_iter()
            .find(|r| r.contains(Category::ItTelephony.label()))
            .unwrap();
        assert!(
            it.ends_with(
                ",\"1 achat d'origine non déterminée (1 500\u{a0}€ HT), compté dans le total \
                 seulement. 1 achat saisi à 0 € HT, montant à vérifier (non saisi, ou don pas \
                 encore valorisé).\""
            ),
            "{it}"
        );
        let r = rows(&csv)
            .into_iter()
            .find(|r| r.contains(Category::ReprographyPrinting.label()))
            .unwrap();
        assert!(r.ends_with(",0,0,0,"), "nothing to say: {r}");
    }

    #[test]
    fn a_year_not_over_says_so_on_every_row() {
        let csv = declaration_csv(&fixtures::shares_to_date(), &declarant());
        for r in rows(&csv) {
            assert!(
                r.contains("Montants arrêtés au 30 juin 2025, année en cours"),
                "{r}"
            );
        }
    }
}
