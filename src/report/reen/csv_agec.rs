//! The CSV's AGEC section: purchases left out, and per category the € by origin, shares,
//! minimums and gaps, with the projection to 31 December while the year runs.

use crate::agec::share::{CategoryYear, Figures, Gap, Reason};
use crate::report::format::euros;

use super::ReenReport;
use super::csv::{EUR, Sheet};

fn reason_key(r: Reason) -> &'static str {
    match r {
        Reason::NoDate => "no_date",
        Reason::NoAmount => "no_amount",
        Reason::UnreadableAmount => "unreadable_amount",
        Reason::NegativeAmount => "negative_amount",
        Reason::AfterToday => "after_today",
        Reason::NoCategory => "no_category",
        Reason::ZeroAmount => "zero_amount",
    }
}

pub(super) fn agec(s: &mut Sheet, r: &ReenReport) {
    let a = r.agec;
    let sec = "agec";
    s.row(sec, "as_of", a.today.to_string(), "date", "");
    s.count(
        sec,
        "excluded_purchases",
        a.excluded.len() as u64,
        "purchases",
        "left out of every share",
    );
    let mut by_reason = std::collections::BTreeMap::<&str, u64>::new();
    for l in &a.excluded {
        *by_reason.entry(reason_key(l.reason)).or_default() += 1;
    }
    for (reason, n) in by_reason {
        s.count(sec, &format!("excluded.{reason}"), n, "purchases", "");
    }
    s.count(
        sec,
        "zero_amount_purchases",
        a.zero_amount.len() as u64,
        "purchases",
        "counted at 0 EUR: amount to check",
    );
    let year_over = a.progress.elapsed_days >= a.progress.days_in_year;
    for c in &a.categories {
        category(s, c, year_over);
    }
}

fn category(s: &mut Sheet, c: &CategoryYear, year_over: bool) {
    let sec = "agec";
    let id = c.category.id();
    let f = &c.year_to_date;
    let m = &f.amounts;
    s.count(
        sec,
        &format!("{id}.purchases"),
        c.purchases as u64,
        "purchases",
        c.category.label(),
    );
    s.count(
        sec,
        &format!("{id}.unclassified_purchases"),
        c.unclassified as u64,
        "purchases",
        "no rule told their origin: in the total only",
    );
    let eur = |s: &mut Sheet, name: &str, cents: i64, note: &str| {
        s.row(sec, &format!("{id}.{name}"), euros(cents), EUR, note);
    };
    eur(s, "total_eur", m.total, "");
    eur(
        s,
        "reuse_and_donations_eur",
        m.reuse_and_donations(),
        "reuse or reutilisation, and valued donations",
    );
    eur(s, "donation_eur", m.donation, "");
    eur(s, "recycled_eur", m.recycled, "recycled content");
    eur(s, "unclassified_eur", m.unclassified, "");
    let source = c.quota.as_ref().map_or("", |q| q.source.as_str());
    let kinds: [(&str, Option<f64>, Option<Gap>); 3] = [
        ("reuse", f.reuse_share, f.reuse_gap),
        ("recycled", f.recycled_share, f.recycled_gap),
        ("combined", f.combined_share, f.combined_gap),
    ];
    for (kind, share, gap) in kinds {
        s.ratio(sec, &format!("{id}.{kind}_share"), share, "");
        s.ratio(
            sec,
            &format!("{id}.{kind}_min"),
            gap.map(|g| g.min.fraction()),
            if gap.is_some() { source } else { "no minimum" },
        );
        s.boolean(sec, &format!("{id}.{kind}_met"), gap.map(|g| g.met), "");
        s.row(
            sec,
            &format!("{id}.{kind}_gap_eur"),
            gap.map_or(String::new(), |g| euros(g.shortfall_cents)),
            EUR,
            if gap.is_some() {
                "to shift from new at the current total; 0 when met"
            } else {
                "no minimum"
            },
        );
    }
    if !year_over && let Some(p) = &c.projected {
        projected(s, id, p);
    }
}

/// The linear projection to 31 December: the shares stay, the € grow with the year.
fn projected(s: &mut Sheet, id: &str, p: &Figures) {
    let sec = "agec";
    let note = "linear projection to 31 December";
    s.row(
        sec,
        &format!("{id}.projected_total_eur"),
        euros(p.amounts.total),
        EUR,
        note,
    );
    for (kind, gap) in [
        ("reuse", p.reuse_gap),
        ("recycled", p.recycled_gap),
        ("combined", p.combined_gap),
    ] {
        s.row(
            sec,
            &format!("{id}.projected_{kind}_gap_eur"),
            gap.map_or(String::new(), |g| euros(g.shortfall_cents)),
            EUR,
            note,
        );
    }
}
