//! AGEC shares per category and calendar year, to date and projected to 31 December.
//!
//! All amounts are integer cents excluding VAT; a share is `None` when nothing was spent
//! (never NaN) and otherwise finite in `0..=1`.
//!
//! **What counts.** Per category: reuse share = (€ reuse + € valued donations) ÷ all €;
//! recycled share = € recycled content ÷ all €; combined share (décret 2021-254's first
//! column) = (€ reuse + donations + recycled) ÷ all €. "All €" includes valued donations
//! (the declaration counts donations in its reuse column; keeping them in the total keeps the
//! share at most 1; the CGDD guide is the place to confirm it) and purchases no rule
//! classified: their € were spent, so they weigh in the total but never in a numerator, and
//! a quota is never shown as met on a guess.
//!
//! **Projection to 31 December.** Linear, plus what is already ordered: every column of the
//! year-to-date amounts is scaled by days in the year ÷ days elapsed (1 January to `today`
//! inclusive), then the purchases of the same year dated after `today` (orders placed,
//! deliveries planned) are added as they are. The scaling alone keeps the shares (to a cent
//! of rounding) and says "at this pace, the year ends with this gap in €"; the known orders
//! are what can move the share before they are spent: a large order of new laptops due in
//! November puts a category at risk while its year-to-date share still looks fine, which is
//! what procurement must hear early. Early in the year the scaling rests on few days, which
//! is why `elapsed_days` is given with it. A past year is its own projection; a year not yet
//! begun has none.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use parcd_connectors::AssetClass;
use parcd_connectors::record::PurchaseRecord;
use serde::Serialize;

use super::category::{Category, CategoryMap};
use super::origin::{Classification, Origin, OriginRules, RuleInput};
use super::quota::{QuotaRow, QuotaTable, Share, year_bounds};

/// One purchase as the AGEC computation needs it (one asset's Infocom, or a consumables line).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Purchase {
    /// What identifies it in a listing (source and external id).
    pub id: String,
    pub name: Option<String>,
    pub class: Option<AssetClass>,
    /// A category given directly (consumables, paper), ahead of the class's.
    pub category: Option<Category>,
    /// The day the € were spent; see [`Purchase::spend_date`].
    pub date: Option<NaiveDate>,
    /// € excluding VAT, in cents.
    pub amount_cents: Option<i64>,
    /// The source's amount text when it could not be read (`amount_cents` is then `None`).
    pub amount_text: Option<String>,
    pub supplier: Option<String>,
    pub comment: Option<String>,
    /// The source's status name.
    pub status: Option<String>,
    pub order_number: Option<String>,
    /// An origin the source states (a purchases file's `origine` column), ahead of the rules.
    pub origin: Option<Origin>,
}

impl Purchase {
    /// The spend date of an Infocom: the purchase date, else the order date, else the delivery
    /// date. The law counts the spending of the calendar year; the purchase date is the one
    /// accounting uses, and the others are closer than nothing.
    pub fn spend_date(p: &PurchaseRecord) -> Option<NaiveDate> {
        p.buy_date.or(p.order_date).or(p.delivery_date)
    }

    /// From a stored asset and its Infocom.
    pub fn from_record(
        id: impl Into<String>,
        class: AssetClass,
        name: Option<&str>,
        status: Option<&str>,
        p: &PurchaseRecord,
    ) -> Purchase {
        Purchase {
            id: id.into(),
            name: name.map(str::to_string),
            class: Some(class),
            category: None,
            date: Purchase::spend_date(p),
            amount_cents: p.amount_cents,
            amount_text: p.amount_unreadable.clone(),
            supplier: p.supplier.clone(),
            comment: p.comment.clone(),
            status: status.map(str::to_string),
            order_number: p.order_number.clone(),
            origin: None,
        }
    }

    pub fn rule_input(&self) -> RuleInput<'_> {
        RuleInput {
            supplier: self.supplier.as_deref(),
            comment: self.comment.as_deref(),
            name: self.name.as_deref(),
            status: self.status.as_deref(),
            order_number: self.order_number.as_deref(),
        }
    }
}

/// Why a purchase is listed: left out of the shares (all but `ZeroAmount`), or counted with
/// a warning (`ZeroAmount`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No purchase, order or delivery date: it belongs to no year.
    NoDate,
    /// No amount: its € are unknown.
    NoAmount,
    /// An amount written in a form that cannot be read safely (`"1.500"`: 1 500 € or 1.50 €?);
    /// listed with its text, to correct in the source.
    UnreadableAmount,
    /// A negative amount (a credit note?) is not a purchase.
    NegativeAmount,
    /// Dated after `today`: a typing mistake, or an order not yet spent.
    AfterToday,
    /// Its class is in no AGEC category (by default `network` and `other`).
    NoCategory,
    /// Counted at 0 €: GLPI's default value, so often "not entered"; a donation at 0 € is
    /// one not yet valued with the grid.
    ZeroAmount,
}

/// A purchase listed rather than counted, or counted with a warning.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Listed {
    pub id: String,
    pub name: Option<String>,
    #[schema(value_type = Option<String>)]
    pub class: Option<AssetClass>,
    pub date: Option<NaiveDate>,
    pub amount_cents: Option<i64>,
    /// The amount as the source wrote it, for `unreadable_amount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_text: Option<String>,
    pub reason: Reason,
}

/// € excluding VAT by origin, in cents. `total` is the sum of the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Amounts {
    pub total: i64,
    pub new: i64,
    pub reuse: i64,
    pub donation: i64,
    pub recycled: i64,
    /// No rule matched and no `default_origin`.
    pub unclassified: i64,
}

impl Amounts {
    fn add(&mut self, origin: Option<Origin>, cents: i64) {
        let column = match origin {
            Some(Origin::New) => &mut self.new,
            Some(Origin::Reuse) => &mut self.reuse,
            Some(Origin::Donation) => &mut self.donation,
            Some(Origin::RecycledContent) => &mut self.recycled,
            None => &mut self.unclassified,
        };
        *column = column.saturating_add(cents);
        self.total = self.total.saturating_add(cents);
    }

    fn plus(&self, o: &Amounts) -> Amounts {
        Amounts {
            total: self.total.saturating_add(o.total),
            new: self.new.saturating_add(o.new),
            reuse: self.reuse.saturating_add(o.reuse),
            donation: self.donation.saturating_add(o.donation),
            recycled: self.recycled.saturating_add(o.recycled),
            unclassified: self.unclassified.saturating_add(o.unclassified),
        }
    }

    /// What counts toward the reuse quota.
    pub fn reuse_and_donations(&self) -> i64 {
        self.reuse.saturating_add(self.donation)
    }

    /// Every column scaled by `num / den`, rounded to the cent; `total` re-summed.
    fn scaled(&self, num: i64, den: i64) -> Amounts {
        let s = |a: i64| -> i64 {
            let x = i128::from(a) * i128::from(num);
            let d = i128::from(den);
            i64::try_from((x + d / 2) / d).unwrap_or(i64::MAX)
        };
        let mut out = Amounts {
            new: s(self.new),
            reuse: s(self.reuse),
            donation: s(self.donation),
            recycled: s(self.recycled),
            unclassified: s(self.unclassified),
            total: 0,
        };
        out.total = [
            out.new,
            out.reuse,
            out.donation,
            out.recycled,
            out.unclassified,
        ]
        .iter()
        .fold(0i64, |a, b| a.saturating_add(*b));
        out
    }
}

/// `part ÷ total`, `None` when nothing was spent.
pub fn share_of(part: i64, total: i64) -> Option<f64> {
    (total > 0).then(|| (part.clamp(0, total) as f64) / (total as f64))
}

/// How far one share is from its minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Gap {
    pub min: Share,
    /// The share is at or above the minimum (true when nothing was spent).
    pub met: bool,
    /// € that should have been of this kind at the current total: `min × total − part`,
    /// rounded up to the cent, 0 when met. What to shift from new to reuse.
    pub shortfall_cents: i64,
    /// € of this kind to buy *on top* to reach the minimum (extra purchases raise the total
    /// too): `(min × total − part) ÷ (1 − min)`, rounded up. `None` when the minimum is 100 %.
    pub extra_purchase_cents: Option<i64>,
}

impl Gap {
    /// Exact on integer cents: the share is held in basis points.
    pub fn new(min: Share, part: i64, total: i64) -> Gap {
        let bp = i128::from(min.bp());
        let missing_x10k = bp * i128::from(total) - 10_000 * i128::from(part);
        let ceil_div = |n: i128, d: i128| -> i64 {
            if n <= 0 {
                0
            } else {
                i64::try_from((n + d - 1) / d).unwrap_or(i64::MAX)
            }
        };
        Gap {
            min,
            met: missing_x10k <= 0,
            shortfall_cents: ceil_div(missing_x10k, 10_000),
            extra_purchase_cents: (bp < 10_000).then(|| ceil_div(missing_x10k, 10_000 - bp)),
        }
    }
}

/// Shares and gaps for one set of amounts.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub amounts: Amounts,
    /// (reuse + donations) ÷ total.
    pub reuse_share: Option<f64>,
    pub recycled_share: Option<f64>,
    /// (reuse + donations + recycled) ÷ total.
    pub combined_share: Option<f64>,
    pub reuse_gap: Option<Gap>,
    pub recycled_gap: Option<Gap>,
    pub combined_gap: Option<Gap>,
}

impl Figures {
    fn new(amounts: Amounts, quota: Option<&QuotaRow>) -> Figures {
        let reuse = amounts.reuse_and_donations();
        let combined = reuse.saturating_add(amounts.recycled);
        let gap = |min: Option<Share>, part: i64| min.map(|m| Gap::new(m, part, amounts.total));
        Figures {
            reuse_share: share_of(reuse, amounts.total),
            recycled_share: share_of(amounts.recycled, amounts.total),
            combined_share: share_of(combined, amounts.total),
            reuse_gap: gap(quota.and_then(|q| q.reuse_min), reuse),
            recycled_gap: gap(quota.and_then(|q| q.recycled_min), amounts.recycled),
            combined_gap: gap(quota.and_then(|q| q.combined_min), combined),
            amounts,
        }
    }

    /// True when a minimum is set and one of them is not met.
    pub fn below_quota(&self) -> bool {
        [self.reuse_gap, self.recycled_gap, self.combined_gap]
            .iter()
            .flatten()
            .any(|g| !g.met)
    }
}

/// One category in one year.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CategoryYear {
    pub category: Category,
    /// Purchases counted (amount and date known, in the year, up to `today`).
    pub purchases: usize,
    /// Of which no rule classified.
    pub unclassified: usize,
    /// Of which the amount is 0 (GLPI's default value: often "not entered"; a donation
    /// at 0 € is one the grid has not valued yet). Counted, and listed in `zero_amount`.
    pub zero_amount: usize,
    /// Purchases counted per deciding rule (`default_origin` included).
    pub by_rule: BTreeMap<String, usize>,
    pub quota: Option<QuotaRow>,
    pub year_to_date: Figures,
    /// Purchases of the year dated after `today`, by origin: in the projection only.
    pub planned: Amounts,
    /// `None` for a year that has not begun.
    pub projected: Option<Figures>,
}

/// How much of the year has passed at `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct YearProgress {
    pub days_in_year: i64,
    /// Days from 1 January to `today` inclusive, within `0..=days_in_year`.
    pub elapsed_days: i64,
}

/// The AGEC figures of one calendar year.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct YearShares {
    pub year: i32,
    pub today: NaiveDate,
    pub progress: YearProgress,
    /// Categories with a purchase in the year or a quota for it, in the schema's order.
    pub categories: Vec<CategoryYear>,
    /// Left out of every share, each with why: no date, no amount, negative, after today,
    /// no category. Undated purchases appear in every year's list, since they could be in any.
    pub excluded: Vec<Listed>,
    /// Counted at 0 €, listed so someone checks them.
    pub zero_amount: Vec<Listed>,
}

/// What the computation needs from the configuration.
#[derive(Debug, Clone, Default)]
pub struct AgecRules {
    pub origins: OriginRules,
    pub categories: CategoryMap,
    pub quotas: QuotaTable,
}

/// One purchase's origin and the rule that set it.
pub fn classify(rules: &AgecRules, purchase: &Purchase) -> Classification {
    match purchase.origin {
        Some(origin) => Classification {
            origin: Some(origin),
            rule: Some(STATED_ORIGIN_RULE.to_string()),
        },
        None => rules.origins.classify(&purchase.rule_input()),
    }
}

/// The rule name recorded for a purchase whose source states its origin.
pub const STATED_ORIGIN_RULE: &str = "stated_origin";

/// The category a purchase is declared under, if any.
pub fn category_of(rules: &AgecRules, purchase: &Purchase) -> Option<Category> {
    purchase
        .category
        .or_else(|| purchase.class.and_then(|c| rules.categories.category(c)))
}

/// The AGEC shares of calendar `year` as known on `today`. Pure: same input, same output.
pub fn year_shares(
    rules: &AgecRules,
    purchases: &[Purchase],
    year: i32,
    today: NaiveDate,
) -> YearShares {
    let (start, end) = year_bounds(year);
    let days_in_year = (end - start).num_days() + 1;
    let elapsed_days = if today < start {
        0
    } else if today >= end {
        days_in_year
    } else {
        i64::from(today.ordinal())
    };

    struct Acc {
        amounts: Amounts,
        purchases: usize,
        unclassified: usize,
        zero: usize,
        by_rule: BTreeMap<String, usize>,
    }
    let mut acc: BTreeMap<Category, Acc> = BTreeMap::new();
    let mut planned: BTreeMap<Category, Amounts> = BTreeMap::new();
    let mut excluded = Vec::new();
    let mut zero_amount = Vec::new();
    let listed = |p: &Purchase, reason| Listed {
        id: p.id.clone(),
        name: p.name.clone(),
        class: p.class,
        date: p.date,
        amount_cents: p.amount_cents,
        amount_text: p.amount_text.clone(),
        reason,
    };

    for p in purchases {
        let Some(date) = p.date else {
            excluded.push(listed(p, Reason::NoDate));
            continue;
        };
        if date.year() != year {
            continue;
        }
        let reason = match p.amount_cents {
            _ if date > today => Some(Reason::AfterToday),
            None if p.amount_text.is_some() => Some(Reason::UnreadableAmount),
            None => Some(Reason::NoAmount),
            Some(a) if a < 0 => Some(Reason::NegativeAmount),
            Some(_) if category_of(rules, p).is_none() => Some(Reason::NoCategory),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            if reason == Reason::AfterToday
                && let (Some(cents @ 0..), Some(category)) = (p.amount_cents, category_of(rules, p))
            {
                planned
                    .entry(category)
                    .or_default()
                    .add(classify(rules, p).origin, cents);
            }
            excluded.push(listed(p, reason));
            continue;
        }
        let (Some(cents), Some(category)) = (p.amount_cents, category_of(rules, p)) else {
            continue; // both checked just above
        };
        let class = classify(rules, p);
        let a = acc.entry(category).or_insert_with(|| Acc {
            amounts: Amounts::default(),
            purchases: 0,
            unclassified: 0,
            zero: 0,
            by_rule: BTreeMap::new(),
        });
        a.amounts.add(class.origin, cents);
        a.purchases += 1;
        if class.origin.is_none() {
            a.unclassified += 1;
        }
        if let Some(rule) = class.rule {
            *a.by_rule.entry(rule).or_default() += 1;
        }
        if cents == 0 {
            a.zero += 1;
            zero_amount.push(listed(p, Reason::ZeroAmount));
        }
    }

    let mut wanted: Vec<Category> = acc.keys().chain(planned.keys()).copied().collect();
    wanted.extend(rules.quotas.categories_in(year));
    wanted.sort();
    wanted.dedup();

    let categories = wanted
        .into_iter()
        .map(|category| {
            let quota = rules.quotas.for_year(category, year).cloned();
            let (amounts, purchases, unclassified, zero, by_rule) = match acc.remove(&category) {
                Some(a) => (a.amounts, a.purchases, a.unclassified, a.zero, a.by_rule),
                None => (Amounts::default(), 0, 0, 0, BTreeMap::new()),
            };
            let year_to_date = Figures::new(amounts, quota.as_ref());
            let planned = planned.remove(&category).unwrap_or_default();
            let projected = (elapsed_days > 0).then(|| {
                let pace = amounts.scaled(days_in_year, elapsed_days);
                Figures::new(pace.plus(&planned), quota.as_ref())
            });
            CategoryYear {
                category,
                purchases,
                unclassified,
                zero_amount: zero,
                by_rule,
                quota,
                year_to_date,
                planned,
                projected,
            }
        })
        .collect();

    YearShares {
        year,
        today,
        progress: YearProgress {
            days_in_year,
            elapsed_days,
        },
        categories,
        excluded,
        zero_amount,
    }
}
