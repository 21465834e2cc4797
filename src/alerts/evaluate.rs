//! Decides, from the current year's AGEC figures and the stored alert states, which alerts
//! fire, remind, resolve or expire, and what to tell procurement. Pure: the store applies
//! the plan in one transaction, so a restart neither repeats nor forgets an alert.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::agec::share::{CategoryYear, Figures, Gap};
use crate::agec::{Category, YearShares};

use super::model::{Change, Event, Notice, QuotaKind, Rule, Standing};

/// Where an alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Firing,
    /// Back above the minimum; a new miss fires again.
    Resolved,
    /// Closed without a message: its year ended (the yearly report gives the final figure)
    /// or its minimum left the quota table.
    Expired,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Firing => "firing",
            State::Resolved => "resolved",
            State::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        [State::Firing, State::Resolved, State::Expired]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One alert's stored state: one per rule, category, minimum and year.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub rule: Rule,
    pub category: Category,
    pub kind: QuotaKind,
    pub year: i32,
    pub state: State,
    /// Unix seconds.
    pub fired_at: i64,
    pub last_notified_at: i64,
    pub resolved_at: Option<i64>,
}

impl AlertRow {
    pub fn key(&self) -> String {
        alert_key(self.rule, self.category, self.kind, self.year)
    }
}

pub fn alert_key(rule: Rule, category: Category, kind: QuotaKind, year: i32) -> String {
    format!(
        "{}:{}:{}:{year}",
        rule.as_str(),
        category.id(),
        kind.as_str()
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalSettings {
    /// Remind while an alert keeps firing; `None`: never.
    pub renotify_after: Option<Duration>,
    /// The projection rule waits for this many days of the year: on 3 January a single
    /// purchase of a new laptop "projects" a 0 % year.
    pub projection_min_days: i64,
    /// The same grace for the year-to-date rule: one new laptop on 2 January is "0 % so far".
    pub not_met_min_days: i64,
}

/// What to store and what to send.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Rows whose state changed (to upsert).
    pub rows: Vec<AlertRow>,
    /// One notice per category and minimum with at least one change.
    pub notices: Vec<Notice>,
    /// The transitions each notice announces, one per notice in the same order: the same
    /// stored state and figures give the same key in every replica, so the outbox can
    /// queue the notice once however many replicas evaluate it ([`transition`]).
    pub keys: Vec<String>,
}

/// One alert's change, named by the alert, the event and the stored state it leaves
/// (`prior`: the alert's stored row, in any state, or none): two replicas reading the
/// same row name the same change, and the next change of that alert has another name
/// because the row's `last_notified_at` or the event differs.
pub fn transition(key: &str, event: Event, prior: Option<&AlertRow>) -> String {
    format!(
        "{key}:{}:{}",
        event.as_str(),
        prior.map_or(0, |p| p.last_notified_at)
    )
}

fn standing(f: &Figures, kind: QuotaKind) -> Option<(Standing, Gap)> {
    let a = &f.amounts;
    let (share, gap, part) = match kind {
        QuotaKind::Reuse => (f.reuse_share, f.reuse_gap, a.reuse_and_donations()),
        QuotaKind::Recycled => (f.recycled_share, f.recycled_gap, a.recycled),
        QuotaKind::Combined => (
            f.combined_share,
            f.combined_gap,
            a.reuse_and_donations().saturating_add(a.recycled),
        ),
    };
    let gap = gap?;
    Some((
        Standing {
            share,
            total_cents: a.total,
            part_cents: part,
            met: gap.met,
            shortfall_cents: gap.shortfall_cents,
            extra_purchase_cents: gap.extra_purchase_cents,
        },
        gap,
    ))
}

/// Whether a rule's condition holds; `None` when it cannot be told yet (the projection
/// before `projection_min_days`), which leaves a firing alert as it is.
fn condition(
    rule: Rule,
    c: &CategoryYear,
    kind: QuotaKind,
    elapsed_days: i64,
    s: &EvalSettings,
) -> Option<bool> {
    match rule {
        // Nothing spent yet is no miss: the share does not exist.
        Rule::QuotaNotMet => {
            if elapsed_days < s.not_met_min_days {
                return None;
            }
            standing(&c.year_to_date, kind).map(|(st, gap)| st.total_cents > 0 && !gap.met)
        }
        Rule::ProjectedMiss => {
            if elapsed_days < s.projection_min_days {
                return None;
            }
            let (st, gap) = standing(c.projected.as_ref()?, kind)?;
            Some(st.total_cents > 0 && !gap.met)
        }
    }
}

/// The plan for `shares` (the current year) given the stored alerts (any state; only the
/// firing ones and the others' last notification matter), at `now`.
pub fn evaluate(shares: &YearShares, stored: &[AlertRow], s: &EvalSettings, now: i64) -> Plan {
    let mut plan = Plan::default();
    let every: BTreeMap<String, &AlertRow> = stored.iter().map(|r| (r.key(), r)).collect();
    let mut stored: BTreeMap<String, &AlertRow> = stored
        .iter()
        .filter(|r| r.state == State::Firing)
        .map(|r| (r.key(), r))
        .collect();
    let elapsed = shares.progress.elapsed_days;

    for c in &shares.categories {
        let Some(quota) = &c.quota else { continue };
        for kind in QuotaKind::ALL {
            let Some((ytd, gap)) = standing(&c.year_to_date, kind) else {
                continue;
            };
            let mut changes = Vec::new();
            let mut transitions = Vec::new();
            for rule in Rule::ALL {
                let key = alert_key(rule, c.category, kind, shares.year);
                let prior = stored.remove(&key);
                let Some(holds) = condition(rule, c, kind, elapsed, s) else {
                    continue;
                };
                let row = |state, fired_at, notified, resolved_at| AlertRow {
                    rule,
                    category: c.category,
                    kind,
                    year: shares.year,
                    state,
                    fired_at,
                    last_notified_at: notified,
                    resolved_at,
                };
                match (holds, prior) {
                    (true, None) => {
                        plan.rows.push(row(State::Firing, now, now, None));
                        changes.push(Change {
                            rule,
                            event: Event::Firing,
                        });
                        transitions.push(transition(&key, Event::Firing, every.get(&key).copied()));
                    }
                    (true, Some(p)) => {
                        let due = s.renotify_after.is_some_and(|d| {
                            now.saturating_sub(p.last_notified_at)
                                >= i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
                        });
                        if due {
                            plan.rows.push(row(State::Firing, p.fired_at, now, None));
                            changes.push(Change {
                                rule,
                                event: Event::Reminder,
                            });
                            transitions.push(transition(&key, Event::Reminder, Some(p)));
                        }
                    }
                    (false, Some(p)) => {
                        plan.rows
                            .push(row(State::Resolved, p.fired_at, now, Some(now)));
                        changes.push(Change {
                            rule,
                            event: Event::Resolved,
                        });
                        transitions.push(transition(&key, Event::Resolved, Some(p)));
                    }
                    (false, None) => {}
                }
            }
            if changes.is_empty() {
                continue;
            }
            plan.keys.push(transitions.join("+"));
            plan.notices.push(Notice {
                category: c.category,
                kind,
                year: shares.year,
                as_of: shares.today,
                changes,
                min: gap.min.fraction(),
                quota_source: quota.source.clone(),
                year_to_date: ytd,
                projected: c
                    .projected
                    .as_ref()
                    .and_then(|p| standing(p, kind))
                    .map(|(st, _)| st),
                elapsed_days: elapsed,
                days_in_year: shares.progress.days_in_year,
            });
        }
    }

    // Firing alerts the figures no longer speak of: another year, or a minimum that left the
    // quota table. A firing alert whose condition cannot be told yet is still in `stored`
    // only if its category or minimum is gone, since `remove` ran for every rule above.
    for (_, p) in stored {
        let still_measured = p.year == shares.year
            && shares
                .categories
                .iter()
                .any(|c| c.category == p.category && standing(&c.year_to_date, p.kind).is_some());
        if !still_measured {
            plan.rows.push(AlertRow {
                state: State::Expired,
                resolved_at: Some(now),
                ..p.clone()
            });
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use parcd_connectors::AssetClass;

    use super::*;
    use crate::agec::{AgecRules, Purchase, year_shares};

    const DAY: i64 = 86_400;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn buy(id: &str, date: NaiveDate, cents: i64, comment: &str) -> Purchase {
        Purchase {
            id: id.into(),
            class: Some(AssetClass::Laptop),
            date: Some(date),
            amount_cents: Some(cents),
            comment: (!comment.is_empty()).then(|| comment.to_string()),
            ..Purchase::default()
        }
    }

    fn settings(renotify_days: Option<u64>) -> EvalSettings {
        EvalSettings {
            renotify_after: renotify_days.map(|n| Duration::from_secs(n * DAY as u64)),
            projection_min_days: 30,
            not_met_min_days: 0,
        }
    }

    /// 10 % reconditioned laptops against IT's 20 %.
    fn below(today: NaiveDate) -> YearShares {
        let p = [
            buy("a", d(2025, 1, 2), 10_000, "reconditionné"),
            buy("b", d(2025, 1, 3), 90_000, ""),
        ];
        year_shares(&AgecRules::default(), &p, 2025, today)
    }

    /// Applies a plan the way the store does: upsert by key.
    fn stored_after(mut rows: Vec<AlertRow>, plan: &Plan) -> Vec<AlertRow> {
        for r in &plan.rows {
            rows.retain(|o| o.key() != r.key());
            rows.push(r.clone());
        }
        rows
    }

    fn firing(rows: &[AlertRow]) -> Vec<AlertRow> {
        rows.iter()
            .filter(|r| r.state == State::Firing)
            .cloned()
            .collect()
    }

    #[test]
    fn a_miss_fires_once_and_a_second_evaluation_says_nothing() {
        let s = below(d(2025, 3, 1));
        let plan = evaluate(&s, &[], &settings(Some(7)), 1_000);
        let it: Vec<&Notice> = plan
            .notices
            .iter()
            .filter(|n| n.category == Category::ItTelephony)
            .collect();
        // 2025: IT's one minimum is the carried-over 20 % reuse share, so one notice.
        assert_eq!(it.len(), 1, "{:?}", plan.notices);
        let n = it[0];
        assert_eq!(
            n.changes,
            vec![
                Change {
                    rule: Rule::QuotaNotMet,
                    event: Event::Firing
                },
                Change {
                    rule: Rule::ProjectedMiss,
                    event: Event::Firing
                }
            ],
            "both rules in one message"
        );
        assert_eq!(n.year_to_date.share, Some(0.1));
        assert_eq!(n.year_to_date.shortfall_cents, 10_000);
        assert!((n.min - 0.2).abs() < 1e-12);
        let rows = stored_after(Vec::new(), &plan);
        let again = evaluate(&s, &firing(&rows), &settings(Some(7)), 1_000 + 3600);
        assert!(
            again.notices.is_empty() && again.rows.is_empty(),
            "{again:?}"
        );
    }

    #[test]
    fn a_firing_alert_is_repeated_after_the_interval_and_never_without_one() {
        let s = below(d(2025, 3, 1));
        let rows = stored_after(Vec::new(), &evaluate(&s, &[], &settings(Some(7)), 0));
        let early = evaluate(&s, &firing(&rows), &settings(Some(7)), 6 * DAY);
        assert!(early.notices.is_empty());
        let due = evaluate(&s, &firing(&rows), &settings(Some(7)), 7 * DAY);
        assert!(!due.notices.is_empty());
        assert!(
            due.notices
                .iter()
                .flat_map(|n| &n.changes)
                .all(|c| c.event == Event::Reminder)
        );
        // The reminder keeps the firing date and moves the last notification.
        let r = due
            .rows
            .iter()
            .find(|r| r.rule == Rule::QuotaNotMet)
            .unwrap();
        assert_eq!((r.fired_at, r.last_notified_at), (0, 7 * DAY));
        let never = evaluate(&s, &firing(&rows), &settings(None), 400 * DAY);
        assert!(never.notices.is_empty());
    }

    #[test]
    fn back_above_the_quota_resolves_with_one_message() {
        let s = below(d(2025, 3, 1));
        let rows = stored_after(Vec::new(), &evaluate(&s, &[], &settings(Some(7)), 0));
        let p = [
            buy("a", d(2025, 1, 2), 10_000, "reconditionné"),
            buy("b", d(2025, 1, 3), 90_000, ""),
            buy("c", d(2025, 2, 3), 50_000, "reconditionné"),
        ];
        let fixed = year_shares(&AgecRules::default(), &p, 2025, d(2025, 3, 1));
        let plan = evaluate(&fixed, &firing(&rows), &settings(Some(7)), DAY);
        let n = plan
            .notices
            .iter()
            .find(|n| n.category == Category::ItTelephony)
            .unwrap();
        assert!(n.is_resolution());
        assert_eq!(n.changes.len(), 2);
        assert!(n.year_to_date.met);
        let rows = stored_after(rows, &plan);
        assert!(firing(&rows).is_empty());
        assert!(rows.iter().all(|r| r.resolved_at == Some(DAY)));
    }

    #[test]
    fn the_same_state_names_the_same_changes_and_each_later_change_anew() {
        let s = below(d(2025, 3, 1));
        let first = evaluate(&s, &[], &settings(Some(7)), 1_000);
        assert_eq!(first.keys.len(), first.notices.len());
        // A second replica reading the same stored state a few seconds later.
        assert_eq!(
            evaluate(&s, &[], &settings(Some(7)), 1_004).keys,
            first.keys
        );
        let rows = stored_after(Vec::new(), &first);
        let reminder = evaluate(&s, &rows, &settings(Some(7)), 1_000 + 7 * DAY);
        let p = [
            buy("a", d(2025, 1, 2), 10_000, "reconditionné"),
            buy("b", d(2025, 1, 3), 90_000, ""),
            buy("c", d(2025, 2, 3), 50_000, "reconditionné"),
        ];
        let fixed = year_shares(&AgecRules::default(), &p, 2025, d(2025, 3, 1));
        let resolved = evaluate(&fixed, &rows, &settings(Some(7)), 2 * DAY);
        let rows = stored_after(rows, &resolved);
        // Missed again: the resolved rows are stored, not firing, and the new firing is
        // another change than the first one.
        let again = evaluate(&s, &rows, &settings(Some(7)), 3 * DAY);
        let mut keys: Vec<&String> = [&first, &reminder, &resolved, &again]
            .iter()
            .flat_map(|p| &p.keys)
            .collect();
        assert_eq!(keys.len(), 4 * first.keys.len(), "{keys:?}");
        keys.sort();
        keys.dedup();
        assert_eq!(
            keys.len(),
            4 * first.keys.len(),
            "every change has its own key"
        );
    }

    #[test]
    fn the_projection_waits_for_enough_days_and_a_firing_projection_is_kept_meanwhile() {
        // 10 January: day 10, under the 30-day minimum.
        let s = below(d(2025, 1, 10));
        let plan = evaluate(&s, &[], &settings(Some(7)), 0);
        let rules: Vec<Rule> = plan.rows.iter().map(|r| r.rule).collect();
        assert!(rules.contains(&Rule::QuotaNotMet));
        assert!(!rules.contains(&Rule::ProjectedMiss));
        // A projection alert already firing (stored by an earlier run with a lower minimum)
        // is neither resolved nor expired while the rule cannot be told.
        let old = AlertRow {
            rule: Rule::ProjectedMiss,
            category: Category::ItTelephony,
            kind: QuotaKind::Reuse,
            year: 2025,
            state: State::Firing,
            fired_at: 0,
            last_notified_at: 0,
            resolved_at: None,
        };
        let plan = evaluate(&s, &[old], &settings(None), DAY);
        assert!(plan.rows.iter().all(|r| r.rule != Rule::ProjectedMiss));
    }

    #[test]
    fn an_order_of_new_devices_fires_the_projection_alone() {
        let p = [
            buy("a", d(2025, 2, 1), 30_000, "reconditionné"),
            buy("b", d(2025, 3, 1), 70_000, ""),
            buy("c", d(2025, 11, 15), 900_000, ""),
        ];
        let s = year_shares(&AgecRules::default(), &p, 2025, d(2025, 6, 30));
        let plan = evaluate(&s, &[], &settings(Some(7)), 0);
        let n = plan
            .notices
            .iter()
            .find(|n| n.category == Category::ItTelephony)
            .unwrap();
        assert_eq!(
            n.changes,
            vec![Change {
                rule: Rule::ProjectedMiss,
                event: Event::Firing
            }]
        );
        assert!(n.year_to_date.met);
        assert!(!n.projected.unwrap().met);
    }

    #[test]
    fn last_years_alerts_expire_without_a_message_when_the_year_turns() {
        let s = below(d(2025, 3, 1));
        let rows = stored_after(Vec::new(), &evaluate(&s, &[], &settings(Some(7)), 0));
        let next_year = year_shares(&AgecRules::default(), &[], 2026, d(2026, 1, 2));
        let plan = evaluate(&next_year, &firing(&rows), &settings(Some(7)), DAY);
        assert!(plan.notices.is_empty(), "{:?}", plan.notices);
        assert!(!plan.rows.is_empty());
        assert!(plan.rows.iter().all(|r| r.state == State::Expired));
    }

    #[test]
    fn the_year_to_date_rule_waits_for_its_own_grace_period() {
        let s = below(d(2025, 1, 10));
        let patient = EvalSettings {
            not_met_min_days: 30,
            ..settings(Some(7))
        };
        assert!(evaluate(&s, &[], &patient, 0).notices.is_empty());
        let later = below(d(2025, 2, 15));
        assert!(!evaluate(&later, &[], &patient, 0).notices.is_empty());
    }

    #[test]
    fn nothing_spent_is_no_miss() {
        let s = year_shares(&AgecRules::default(), &[], 2025, d(2025, 6, 1));
        assert!(evaluate(&s, &[], &settings(Some(7)), 0).notices.is_empty());
    }
}
