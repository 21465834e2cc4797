//! The checks behind factor-file validation: one figure's unit, range and source, known keys,
//! every mistake collected with its dotted key and its fix. [`super::sections`] walks the tree.

use serde_json::Value;

use super::criteria::Criterion;
use super::error::FactorIssue;
use super::factors::Figure;
use super::load::Tree;
use super::model::{MAX_LIFESPAN_HOURS, MAX_POWER_W};

/// What a figure measures, which fixes its unit and its valid range.
#[derive(Clone, Copy)]
pub(super) enum Quantity {
    Embodied(Criterion),
    PerKwh(Criterion),
    Lifespan,
    Power,
    Ratio,
}

impl Quantity {
    /// Accepted units and the factor to parcd's canonical unit (the first).
    pub(super) fn units(self) -> Vec<(&'static str, f64)> {
        match self {
            Quantity::Embodied(Criterion::Gwp) => vec![("kgCO2e", 1.0), ("kgCO2eq", 1.0)],
            Quantity::PerKwh(Criterion::Gwp) => vec![("kgCO2e/kWh", 1.0), ("kgCO2eq/kWh", 1.0)],
            Quantity::Embodied(c) => vec![(c.unit(), 1.0)],
            Quantity::PerKwh(c) => vec![(c.unit_per_kwh(), 1.0)],
            // BoaviztAPI's convention: a year is 8760 hours.
            Quantity::Lifespan => vec![("h", 1.0), ("y", 8760.0)],
            Quantity::Power => vec![("W", 1.0)],
            Quantity::Ratio => vec![("1", 1.0)],
        }
    }

    /// Inclusive bounds, and whether the lower bound itself is refused.
    fn range(self) -> (f64, f64, bool) {
        match self {
            Quantity::Embodied(_) | Quantity::PerKwh(_) => (0.0, f64::MAX, false),
            Quantity::Lifespan => (0.0, MAX_LIFESPAN_HOURS, true),
            Quantity::Power => (0.0, MAX_POWER_W, false),
            Quantity::Ratio => (0.0, 1.0, false),
        }
    }
}

#[derive(Default)]
pub(super) struct Checker {
    pub(super) issues: Vec<FactorIssue>,
    pub(super) source_ids: Vec<String>,
}

impl Checker {
    pub(super) fn issue(&mut self, key: &str, problem: impl Into<String>, fix: impl Into<String>) {
        self.issues.push(FactorIssue {
            key: key.to_string(),
            problem: problem.into(),
            fix: fix.into(),
        });
    }

    pub(super) fn table<'v>(&mut self, key: &str, v: &'v Value) -> Option<&'v Tree> {
        match v {
            Value::Object(m) => Some(m),
            _ => {
                self.issue(key, "is not a table", format!("write it as [{key}]"));
                None
            }
        }
    }

    pub(super) fn unknown_keys(&mut self, path: &str, map: &Tree, allowed: &[&str]) {
        for k in map.keys().filter(|k| !allowed.contains(&k.as_str())) {
            self.issue(
                &join(path, k),
                "is not a known key",
                format!("remove it; known keys here: {}", allowed.join(", ")),
            );
        }
    }

    pub(super) fn string(
        &mut self,
        path: &str,
        map: &Tree,
        key: &str,
        fix: &str,
    ) -> Option<String> {
        match map.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(Value::String(_)) | None => {
                self.issue(&join(path, key), "is missing", fix);
                None
            }
            Some(other) => {
                self.issue(
                    &join(path, key),
                    format!("is {other}, not a string"),
                    "write it between double quotes",
                );
                None
            }
        }
    }

    pub(super) fn optional_string(&mut self, path: &str, map: &Tree, key: &str) -> Option<String> {
        map.get(key)?;
        self.string(path, map, key, "write it between double quotes")
    }

    pub(super) fn figure(&mut self, path: &str, v: &Value, q: Quantity) -> Option<Figure> {
        let units = q.units();
        let canonical = units[0].0;
        let Value::Object(m) = v else {
            self.issue(
                path,
                "is not a figure",
                format!("write it as {{ value = …, unit = \"{canonical}\", source = \"<id>\" }}"),
            );
            return None;
        };
        self.unknown_keys(
            path,
            m,
            &["value", "unit", "source", "min", "max", "note", "date"],
        );
        let scale = match m.get("unit") {
            None => {
                self.issue(
                    &join(path, "unit"),
                    "is missing: a figure without a unit cannot be checked",
                    format!("add unit = \"{canonical}\""),
                );
                None
            }
            Some(Value::String(u)) => match units.iter().find(|(name, _)| name == u) {
                Some((_, k)) => Some(*k),
                None => {
                    self.issue(
                        &join(path, "unit"),
                        format!("\"{u}\" is not a unit parcd accepts here"),
                        format!(
                            "convert the value and write one of: {}",
                            units
                                .iter()
                                .map(|(n, _)| format!("\"{n}\""))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    None
                }
            },
            Some(other) => {
                self.issue(
                    &join(path, "unit"),
                    format!("is {other}, not a string"),
                    format!("write unit = \"{canonical}\""),
                );
                None
            }
        };
        let source = match m.get("source") {
            Some(Value::String(id)) if self.source_ids.iter().any(|s| s == id) => Some(id.clone()),
            Some(Value::String(id)) => {
                self.issue(
                    &join(path, "source"),
                    format!("\"{id}\" names no [sources.{id}] table"),
                    if self.source_ids.len() <= 8 {
                        format!(
                            "add [sources.{id}] with a title and a date, or use one of: {}",
                            self.source_ids.join(", ")
                        )
                    } else {
                        format!(
                            "add [sources.{id}] with a title and a date, or use one of the {} \
                             ids under [sources]",
                            self.source_ids.len()
                        )
                    },
                );
                None
            }
            _ => {
                self.issue(
                    &join(path, "source"),
                    "is missing: every figure must say where it comes from",
                    "add source = \"<id>\" naming a [sources.<id>] table (title, date, ref)",
                );
                None
            }
        };
        let value = self.number(&join(path, "value"), m.get("value"), true);
        let min = self.number(&join(path, "min"), m.get("min"), false);
        let max = self.number(&join(path, "max"), m.get("max"), false);
        let note = self.optional_string(path, m, "note");
        let date = self.optional_string(path, m, "date");
        let (value, scale, source) = (value?, scale?, source?);
        let (value, min, max) = (
            value * scale,
            min.map(|x| x * scale),
            max.map(|x| x * scale),
        );
        if !self.in_range(&join(path, "value"), value, q) {
            return None;
        }
        if min.is_some_and(|lo| lo > value) || max.is_some_and(|hi| hi < value) {
            self.issue(
                path,
                format!("value {value} is outside its own min..max"),
                "make min ≤ value ≤ max, or drop min and max",
            );
            return None;
        }
        Some(Figure {
            value,
            min,
            max,
            source,
            date,
            note,
        })
    }

    /// A finite number, or `None` with an issue when present but not one.
    fn number(&mut self, key: &str, v: Option<&Value>, required: bool) -> Option<f64> {
        match v {
            None if required => {
                self.issue(key, "is missing", "add value = <number>");
                None
            }
            None => None,
            Some(Value::Number(n)) => match n.as_f64() {
                Some(x) if x.is_finite() => Some(x),
                _ => {
                    self.issue(
                        key,
                        format!("{n} is not a finite number"),
                        "write a plain number",
                    );
                    None
                }
            },
            Some(other) => {
                self.issue(
                    key,
                    format!("is {other}, not a number"),
                    "write a bare number, without quotes",
                );
                None
            }
        }
    }

    /// Checks a value, already in the canonical unit, against what `q` allows.
    fn in_range(&mut self, key: &str, x: f64, q: Quantity) -> bool {
        let (lo, hi, lo_excluded) = q.range();
        let ok = if lo_excluded { x > lo } else { x >= lo } && x <= hi;
        if !ok {
            let canonical = q.units()[0].0;
            let floor = if lo_excluded { "above" } else { "at least" };
            let ceiling = if hi == f64::MAX {
                String::new()
            } else {
                format!(" and at most {hi}")
            };
            self.issue(
                key,
                format!("{x} {canonical} is out of range"),
                format!("give a value {floor} {lo}{ceiling} {canonical}"),
            );
        }
        ok
    }
}

pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}
