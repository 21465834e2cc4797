//! Minimum shares as dated data: which quota a category has in a given year, and where it
//! comes from.
//!
//! The law changes by decree (2021-254, then 2024-134 from 1 July 2024, with rows for 2024,
//! 2027 and 2030), so quotas are rows with validity dates and a source rather than constants
//! in the code. The shipped rows are what could be read; the rest is configuration
//! (`[[agec.quotas]]`), validated like any other key.

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

use super::category::Category;
use super::error::AgecError;

/// A share from 0 to 1 held in basis points (1/10 000), so that gaps in € are computed
/// exactly on integer cents and no quota can be NaN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Share(u16);

/// Serialised as the fraction, 0 to 1.
impl utoipa::PartialSchema for Share {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
        let share = ObjectBuilder::new()
            .schema_type(Type::Number)
            .minimum(Some(0.0))
            .maximum(Some(1.0))
            .description(Some("A share, 0 to 1"))
            .build();
        utoipa::openapi::RefOr::T(Schema::Object(share))
    }
}

impl utoipa::ToSchema for Share {}

impl Share {
    pub const ONE: Share = Share(10_000);

    /// From a fraction in `0..=1`, rounded to the basis point.
    pub fn from_fraction(x: f64) -> Option<Share> {
        (x.is_finite() && (0.0..=1.0).contains(&x)).then(|| Share((x * 10_000.0).round() as u16))
    }

    /// From basis points (`2000` = 20 %); `None` above 10 000.
    pub const fn from_bp(bp: u16) -> Option<Share> {
        if bp <= 10_000 { Some(Share(bp)) } else { None }
    }

    pub fn bp(self) -> u16 {
        self.0
    }

    pub fn fraction(self) -> f64 {
        f64::from(self.0) / 10_000.0
    }
}

impl Serialize for Share {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.fraction())
    }
}

/// One quota row: the minimum shares for a category over a period. A column left `None` is
/// no obligation (e.g. paper has no reuse target under 2024-134).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QuotaRow {
    pub category: Category,
    pub from: NaiveDate,
    /// Last day in force (inclusive); `None` while no later text replaces it.
    pub to: Option<NaiveDate>,
    /// Minimum share of € HT from reuse or reutilisation (valued donations included).
    pub reuse_min: Option<Share>,
    /// Minimum share of € HT of goods containing recycled material (décret 2024-134 column).
    pub recycled_min: Option<Share>,
    /// Minimum share of € HT from reuse **or** with recycled content: décret 2021-254's first
    /// column, whose "dont" column is `reuse_min`.
    pub combined_min: Option<Share>,
    pub source: String,
    pub shipped: bool,
}

impl QuotaRow {
    /// Checks one row; every problem is returned, not only the first.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        category: &str,
        from: &str,
        to: Option<&str>,
        reuse_min: Option<f64>,
        recycled_min: Option<f64>,
        combined_min: Option<f64>,
        source: &str,
    ) -> Result<QuotaRow, Vec<AgecError>> {
        let mut errors = Vec::new();
        let category = Category::parse(category).map_err(|e| errors.push(e)).ok();
        let from = date(from, "from").map_err(|e| errors.push(e)).ok();
        let to = match to {
            Some(t) => date(t, "to").map_err(|e| errors.push(e)).ok(),
            None => None,
        };
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            errors.push(AgecError::InvalidQuota {
                field: "to",
                problem: format!("the period ends ({t}) before it starts ({f})"),
                fix: "set `to` on or after `from`, or remove it for an open-ended row".into(),
            });
        }
        let mut share = |x: Option<f64>, field: &'static str| match x {
            None => None,
            Some(v) => Share::from_fraction(v).or_else(|| {
                errors.push(AgecError::InvalidQuota {
                    field,
                    problem: format!("{v} is not a share from 0 to 1"),
                    fix: "write a fraction, e.g. 0.2 for 20 %".into(),
                });
                None
            }),
        };
        let reuse = share(reuse_min, "reuse_min");
        let recycled = share(recycled_min, "recycled_min");
        let combined = share(combined_min, "combined_min");
        if reuse_min.is_none() && recycled_min.is_none() && combined_min.is_none() {
            errors.push(AgecError::InvalidQuota {
                field: "reuse_min",
                problem: "the row sets no minimum".into(),
                fix: "set reuse_min and/or recycled_min (décret 2024-134), or combined_min (décret 2021-254's first column)".into(),
            });
        }
        if source.trim().is_empty() {
            errors.push(AgecError::InvalidQuota {
                field: "source",
                problem: "the row names no source".into(),
                fix: "name the text the figures come from, e.g. \"décret n° 2024-134, annexe, ligne 2\"".into(),
            });
        }
        match (category, from, errors.is_empty()) {
            (Some(category), Some(from), true) => Ok(QuotaRow {
                category,
                from,
                to,
                reuse_min: reuse,
                recycled_min: recycled,
                combined_min: combined,
                source: source.trim().to_string(),
                shipped: false,
            }),
            _ => Err(errors),
        }
    }

    fn last_day(&self) -> NaiveDate {
        self.to.unwrap_or(NaiveDate::MAX)
    }

    fn overlaps(&self, other: &QuotaRow) -> bool {
        self.category == other.category
            && self.from <= other.last_day()
            && other.from <= self.last_day()
    }

    fn touches_year(&self, year: i32) -> bool {
        let (start, end) = year_bounds(year);
        self.from <= end && start <= self.last_day()
    }
}

fn date(text: &str, field: &'static str) -> Result<NaiveDate, AgecError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| AgecError::InvalidQuota {
        field,
        problem: format!("\"{text}\" is not a date"),
        fix: "write it as YYYY-MM-DD, e.g. \"2027-01-01\"".into(),
    })
}

pub(crate) fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

/// A shipped row, as plain constants.
struct Shipped {
    category: Category,
    from: (i32, u32, u32),
    to: Option<(i32, u32, u32)>,
    reuse_bp: Option<u16>,
    recycled_bp: Option<u16>,
    combined_bp: Option<u16>,
    source: &'static str,
}

const D2021_254_END: (i32, u32, u32) = (2024, 6, 30);

/// The shipped quota rows. Décret 2021-254 rows read from the annex as quoted by
/// doubletrade.com and papetierdefrance.com (research note footprint.md §3.1, [V-page]); the
/// decree was repealed by décret 2024-134 on 1 July 2024, so its rows end on 30 June 2024.
/// Its telephone row is left out (recalled, not read) and its packaging-bag row has no
/// category in the 17. Décret 2024-134's IT, reprography, consumables and paper rows were not
/// read: they belong in `[[agec.quotas]]` once taken from the annex (Légifrance
/// JORFTEXT000049184670) or the CGDD guide.
const SHIPPED: [Shipped; 9] = [
    Shipped {
        category: Category::ItTelephony,
        from: (2021, 1, 1),
        to: Some(D2021_254_END),
        reuse_bp: Some(2000),
        recycled_bp: None,
        combined_bp: Some(2000),
        source: "décret n° 2021-254 du 9 mars 2021, annexe, ligne 4 (CPV 30000000-9, 30231100-8, 30213100-6, 30213300-8, 30237200-1: terminaux, portables, fixes, accessoires) : 20 % dont 20 % issus du réemploi ou de la réutilisation",
    },
    // The product owner's default: décret 2021-254's 20 % for IT kept in force until the
    // 2024-134 figures are configured, so procurement is not left without any quota (and
    // without alerts) after 30 June 2024. A configured row for the same years replaces it.
    Shipped {
        category: Category::ItTelephony,
        from: (2024, 7, 1),
        to: None,
        reuse_bp: Some(2000),
        recycled_bp: None,
        combined_bp: None,
        source: "parcd default: the 20 % reuse share of décret n° 2021-254 (annexe, ligne 4) carried over until the rows of décret n° 2024-134 (annexe, Légifrance JORFTEXT000049184670) are set in [[agec.quotas]]",
    },
    Shipped {
        category: Category::ReprographyPrinting,
        from: (2021, 1, 1),
        to: Some(D2021_254_END),
        reuse_bp: Some(2000),
        recycled_bp: None,
        combined_bp: Some(2000),
        source: "décret n° 2021-254 du 9 mars 2021, annexe, ligne 5 (CPV 30120000-6, 30125000-1: photocopieurs et matériel d'impression offset) : 20 % dont 20 % issus du réemploi ou de la réutilisation",
    },
    Shipped {
        category: Category::PrintingConsumables,
        from: (2021, 1, 1),
        to: Some(D2021_254_END),
        reuse_bp: None,
        recycled_bp: None,
        combined_bp: Some(2000),
        source: "décret n° 2021-254 du 9 mars 2021, annexe, ligne 6 (CPV 30125100-2, 30192113-6: cartouches de toner et d'encre) : 20 %; the share from reuse (\"dont\") was not read",
    },
    Shipped {
        category: Category::Paper,
        from: (2021, 1, 1),
        to: Some(D2021_254_END),
        reuse_bp: None,
        recycled_bp: None,
        combined_bp: Some(4000),
        source: "décret n° 2021-254 du 9 mars 2021, annexe, ligne 3 (CPV 22000000-0, 22100000-1, 22800000-8, 30192700-8: imprimés, papeterie) : 40 % dont 0 % issus du réemploi",
    },
    Shipped {
        category: Category::Textiles,
        from: (2021, 1, 1),
        to: Some(D2021_254_END),
        reuse_bp: Some(2000),
        recycled_bp: None,
        combined_bp: Some(2000),
        source: "décret n° 2021-254 du 9 mars 2021, annexe, ligne 1 (textiles) : 20 % dont 20 % issus du réemploi ou de la réutilisation",
    },
    Shipped {
        category: Category::Textiles,
        from: (2024, 7, 1),
        to: Some((2026, 12, 31)),
        reuse_bp: Some(800),
        recycled_bp: Some(2000),
        combined_bp: None,
        source: "décret n° 2024-134 du 21 février 2024, annexe, textiles, 2024 : réemploi 8 %, matières recyclées 20 % (as quoted by alliancecommerce.org; check the annex)",
    },
    Shipped {
        category: Category::Textiles,
        from: (2027, 1, 1),
        to: Some((2029, 12, 31)),
        reuse_bp: Some(1500),
        recycled_bp: Some(2500),
        combined_bp: None,
        source: "décret n° 2024-134 du 21 février 2024, annexe, textiles, 2027 : réemploi 15 %, matières recyclées 25 % (as quoted by alliancecommerce.org; check the annex)",
    },
    Shipped {
        category: Category::Textiles,
        from: (2030, 1, 1),
        to: None,
        reuse_bp: Some(1500),
        recycled_bp: Some(3000),
        combined_bp: None,
        source: "décret n° 2024-134 du 21 février 2024, annexe, textiles, 2030 : réemploi 15 %, matières recyclées 30 % (as quoted by alliancecommerce.org; check the annex)",
    },
];

/// The shipped rows as [`QuotaRow`]s.
pub fn shipped_quotas() -> Vec<QuotaRow> {
    let ymd = |(y, m, d): (i32, u32, u32)| {
        NaiveDate::from_ymd_opt(y, m, d).expect("shipped dates are tested to be valid")
    };
    let bp = |b: Option<u16>| b.and_then(Share::from_bp);
    SHIPPED
        .iter()
        .map(|s| QuotaRow {
            category: s.category,
            from: ymd(s.from),
            to: s.to.map(ymd),
            reuse_min: bp(s.reuse_bp),
            recycled_min: bp(s.recycled_bp),
            combined_min: bp(s.combined_bp),
            source: s.source.to_string(),
            shipped: true,
        })
        .collect()
}

/// Shipped and configured rows. A configured row wins over the shipped rows of its category
/// for every year it touches.
#[derive(Debug, Clone)]
pub struct QuotaTable {
    shipped: Vec<QuotaRow>,
    configured: Vec<QuotaRow>,
}

impl Default for QuotaTable {
    fn default() -> Self {
        QuotaTable {
            shipped: shipped_quotas(),
            configured: Vec::new(),
        }
    }
}

impl QuotaTable {
    /// The shipped rows with `configured` over them. Two configured rows of one category whose
    /// periods overlap are refused: `(index of the later row, error)` for each.
    pub fn new(configured: Vec<QuotaRow>) -> Result<QuotaTable, Vec<(usize, AgecError)>> {
        let errors = overlaps(&configured);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(QuotaTable {
            shipped: shipped_quotas(),
            configured,
        })
    }

    /// Every row, configured first.
    pub fn rows(&self) -> impl Iterator<Item = &QuotaRow> {
        self.configured.iter().chain(&self.shipped)
    }

    /// The row that applies to `category` in calendar `year`: among the configured rows
    /// touching the year, else the shipped ones, the latest to start. The declaration covers
    /// the whole calendar year, and when a text changes mid-year (2024-134 from 1 July 2024
    /// sets figures "for 2024") the newer one is what the year is measured against.
    pub fn for_year(&self, category: Category, year: i32) -> Option<&QuotaRow> {
        let pick = |rows: &'_ [QuotaRow]| -> Option<usize> {
            rows.iter()
                .enumerate()
                .filter(|(_, r)| r.category == category && r.touches_year(year))
                .max_by_key(|(_, r)| r.from)
                .map(|(i, _)| i)
        };
        match pick(&self.configured) {
            Some(i) => Some(&self.configured[i]),
            None => pick(&self.shipped).map(|i| &self.shipped[i]),
        }
    }

    /// The categories that have a quota in `year`.
    pub fn categories_in(&self, year: i32) -> Vec<Category> {
        Category::ALL
            .into_iter()
            .filter(|c| self.for_year(*c, year).is_some())
            .collect()
    }
}

fn overlaps(rows: &[QuotaRow]) -> Vec<(usize, AgecError)> {
    let mut errors = Vec::new();
    for (j, b) in rows.iter().enumerate() {
        if let Some(a) = rows[..j].iter().find(|a| a.overlaps(b)) {
            errors.push((
                j,
                AgecError::InvalidQuota {
                    field: "from",
                    problem: format!(
                        "the period {} to {} of \"{}\" overlaps the row from {} to {}",
                        b.from,
                        b.to.map_or("open".into(), |d| d.to_string()),
                        b.category.label(),
                        a.from,
                        a.to.map_or("open".into(), |d| d.to_string()),
                    ),
                    fix: "give each category one row per period: end the earlier row the day before the later one starts".into(),
                },
            ));
        }
    }
    errors
}

/// The REEN reuse target of one period (décret 2023-266).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReenTarget {
    pub from_year: i32,
    /// Last year in force; `None` open-ended.
    pub to_year: Option<i32>,
    pub min: Share,
    pub source: &'static str,
}

const D2023_266: &str = "décret n° 2023-266 du 12 avril 2023 (loi REEN n° 2021-1485, art. 16)";

/// Reused ÷ retired targets: 25 % (2023), 35 % (2024), 50 % from 2025.
pub const REEN_TARGETS: [ReenTarget; 3] = [
    ReenTarget {
        from_year: 2023,
        to_year: Some(2023),
        min: Share(2500),
        source: D2023_266,
    },
    ReenTarget {
        from_year: 2024,
        to_year: Some(2024),
        min: Share(3500),
        source: D2023_266,
    },
    ReenTarget {
        from_year: 2025,
        to_year: None,
        min: Share(5000),
        source: D2023_266,
    },
];

/// The REEN target for `year`, `None` before 2023.
pub fn reen_target(year: i32) -> Option<&'static ReenTarget> {
    REEN_TARGETS
        .iter()
        .find(|t| t.from_year <= year && t.to_year.is_none_or(|end| year <= end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(category: &str, from: &str, to: Option<&str>, reuse: f64) -> QuotaRow {
        QuotaRow::new(category, from, to, Some(reuse), None, None, "test").unwrap()
    }

    #[test]
    fn the_shipped_table_is_valid_and_every_row_names_its_source() {
        let rows = shipped_quotas();
        assert!(overlaps(&rows).is_empty(), "{:?}", overlaps(&rows));
        for r in &rows {
            assert!(r.source.contains("décret"), "{r:?}");
            assert!(r.to.is_none_or(|t| t >= r.from), "{r:?}");
            assert!(r.reuse_min.is_some() || r.recycled_min.is_some() || r.combined_min.is_some());
        }
    }

    #[test]
    fn it_equipment_needs_twenty_percent_reuse_under_decree_2021_254_then_by_default() {
        let table = QuotaTable::default();
        let q2022 = table.for_year(Category::ItTelephony, 2022).unwrap();
        assert_eq!(q2022.reuse_min, Share::from_bp(2000));
        assert!(q2022.source.contains("2021-254"));
        let q2026 = table.for_year(Category::ItTelephony, 2026).unwrap();
        assert_eq!(q2026.reuse_min, Share::from_bp(2000));
        assert!(
            q2026.source.starts_with("parcd default"),
            "{}",
            q2026.source
        );
        // 2024 straddles the two texts: the one in force at the end of the year applies.
        assert_eq!(
            table.for_year(Category::ItTelephony, 2024).unwrap().from,
            NaiveDate::from_ymd_opt(2024, 7, 1).unwrap()
        );
        assert!(table.for_year(Category::ItTelephony, 2020).is_none());
    }

    #[test]
    fn decree_2021_254_rows_end_when_decree_2024_134_comes_into_force() {
        let table = QuotaTable::default();
        assert!(table.for_year(Category::Paper, 2023).is_some());
        assert!(table.for_year(Category::Paper, 2025).is_none());
        let t = table.for_year(Category::Textiles, 2028).unwrap();
        assert_eq!(t.recycled_min, Share::from_bp(2500));
    }

    #[test]
    fn a_configured_row_wins_over_the_shipped_rows_for_the_years_it_touches() {
        let mine = row("2", "2024-07-01", Some("2026-12-31"), 0.1);
        let table = QuotaTable::new(vec![mine]).unwrap();
        let q = table.for_year(Category::ItTelephony, 2025).unwrap();
        assert_eq!(q.reuse_min, Share::from_fraction(0.1));
        assert!(!q.shipped);
        assert!(table.for_year(Category::ItTelephony, 2027).unwrap().shipped);
        assert!(table.for_year(Category::ItTelephony, 2022).unwrap().shipped);
    }

    #[test]
    fn overlapping_periods_of_one_category_are_refused_with_the_row_they_overlap() {
        let errors = QuotaTable::new(vec![
            row("it_telephony", "2024-07-01", Some("2027-06-30"), 0.1),
            row("paper", "2024-07-01", None, 0.1),
            row(
                "Matériel informatique et téléphonie",
                "2027-01-01",
                None,
                0.2,
            ),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, 2);
        let text = errors[0].1.to_string();
        assert!(
            text.contains("overlaps the row from 2024-07-01 to 2027-06-30"),
            "{text}"
        );
        assert!(text.contains("day before"), "{text}");
    }

    #[test]
    fn a_share_outside_zero_to_one_a_bad_date_and_a_missing_source_are_all_reported() {
        let errors = QuotaRow::new(
            "it_telephony",
            "2024-13-01",
            Some("2023-01-01"),
            Some(20.0),
            Some(-0.1),
            Some(f64::NAN),
            " ",
        )
        .unwrap_err();
        let fields: Vec<_> = errors
            .iter()
            .map(|e| match e {
                AgecError::InvalidQuota { field, .. } => *field,
                other => panic!("{other}"),
            })
            .collect();
        assert_eq!(
            fields,
            [
                "from",
                "reuse_min",
                "recycled_min",
                "combined_min",
                "source"
            ]
        );
    }

    #[test]
    fn a_quota_for_an_unknown_category_or_with_no_minimum_is_refused() {
        let errors =
            QuotaRow::new("Informatique", "2024-07-01", None, None, None, None, "x").unwrap_err();
        assert!(matches!(errors[0], AgecError::UnknownCategory { .. }));
        assert!(errors[1].to_string().contains("sets no minimum"));
        let errors = QuotaRow::new(
            "paper",
            "2025-01-01",
            Some("2024-01-01"),
            Some(0.1),
            None,
            None,
            "x",
        )
        .unwrap_err();
        assert!(errors[0].to_string().contains("ends (2024-01-01) before"));
    }

    #[test]
    fn reen_targets_rise_from_25_to_35_to_50_percent() {
        assert!(reen_target(2022).is_none());
        assert_eq!(reen_target(2023).unwrap().min.bp(), 2500);
        assert_eq!(reen_target(2024).unwrap().min.bp(), 3500);
        assert_eq!(reen_target(2025).unwrap().min.bp(), 5000);
        assert_eq!(reen_target(2040).unwrap().min.bp(), 5000);
    }

    #[test]
    fn shares_are_kept_to_the_basis_point_and_refuse_nan() {
        assert_eq!(Share::from_fraction(0.2).unwrap().bp(), 2000);
        assert_eq!(Share::from_fraction(0.33333).unwrap().bp(), 3333);
        assert!(Share::from_fraction(f64::NAN).is_none());
        assert!(Share::from_fraction(1.01).is_none());
        assert!(Share::from_bp(10_001).is_none());
    }
}
