//! The `[agec]` section of the configuration.
//!
//! ```toml
//! [agec]
//! default_origin = "new"        # optional, see below
//! shipped_rules = true          # the French-practice rules after yours
//! reen_classes = ["laptop", "desktop", "monitor"]
//!
//! [[agec.origin_rules]]
//! name = "ugap-reconditionne"
//! origin = "reuse"              # new, reuse, recycled_content, donation
//! supplier = "ugap"             # regular expressions, case-insensitive; all given must match
//! comment = "reconditionn"
//! # asset_name, status, order_number
//!
//! [agec.categories]
//! network = "Matériel informatique et téléphonie"   # a label, 1-17, a short name, or "none"
//!
//! [[agec.quotas]]
//! category = "it_telephony"
//! from = "2024-07-01"
//! to = "2026-12-31"
//! reuse_min = 0.10
//! recycled_min = 0.05
//! source = "décret n° 2024-134, annexe"
//! ```

use std::collections::BTreeSet;

use parcd_connectors::AssetClass;
use parcd_connectors::params::{ParamIssue, Params};

use super::category::{Category, CategoryMap};
use super::error::AgecError;
use super::origin::{Field, Origin, OriginRule, OriginRules};
use super::quota::{QuotaRow, QuotaTable, REEN_TARGETS, Share};
use super::reen::DEFAULT_REEN_CLASSES;
use super::share::AgecRules;

/// The validated `[agec]` section.
#[derive(Debug, Clone)]
pub struct AgecConfig {
    pub rules: AgecRules,
    /// Whether the shipped origin rules follow the configured ones.
    pub shipped_rules: bool,
    /// Classes counted by the REEN rate.
    pub reen_classes: BTreeSet<AssetClass>,
    /// The declaring body, for the data.gouv CSV: SIRET (14 digits) and legal name.
    pub siret: Option<String>,
    pub organisation: Option<String>,
    /// Exit statuses that mean "given away" (case-insensitive regular expression on the
    /// source's status name of an asset in phase `reused`).
    pub donation_status: regex::Regex,
    /// Status names of retired devices that hold classified or security-bound data, left out
    /// of the REEN rate as décret 2023-266 requires. Unset: none.
    pub security_status: Option<regex::Regex>,
    /// CSV exports of purchases outside the inventory (consumables, paper): see
    /// [`super::purchases_file`].
    pub purchases_files: Vec<std::path::PathBuf>,
}

/// GLPI status names French DSIs use for a device given away: "Donné", "Don association",
/// "Cédé gratuitement". Sold ("Vendu", "Cédé") stays reuse without being a donation.
pub const DEFAULT_DONATION_STATUS: &str = r"(?i)\bdon(s|n[ée]e?s?|ations?)?\b|gratuit";

impl Default for AgecConfig {
    fn default() -> Self {
        AgecConfig {
            rules: AgecRules::default(),
            shipped_rules: true,
            reen_classes: DEFAULT_REEN_CLASSES.into_iter().collect(),
            siret: None,
            organisation: None,
            donation_status: regex::Regex::new(DEFAULT_DONATION_STATUS)
                .expect("the shipped pattern compiles"),
            security_status: None,
            purchases_files: Vec::new(),
        }
    }
}

/// The keys of a rule that hold patterns, and the field each matches. The asset name is
/// `asset_name` because `name` is the rule's own name.
const MATCHER_KEYS: [(&str, Field); 5] = [
    ("supplier", Field::Supplier),
    ("comment", Field::Comment),
    ("asset_name", Field::Name),
    ("status", Field::Status),
    ("order_number", Field::OrderNumber),
];

impl AgecConfig {
    /// Reads the section, recording every mistake in `p`. What is wrong is left at its
    /// default: any recorded mistake fails the whole configuration, so the result is only
    /// used when there was none.
    pub fn read(p: &mut Params) -> AgecConfig {
        // Unset by default: GLPI has no origin field, so every purchase is classified by a
        // rule or not at all. Calling the unmatched ones "new" silently would hide a missing
        // rule (a reconditioning supplier nobody listed) behind a plausible figure; counting
        // them as "unclassified" shows how much of the spend rests on no rule. The shares are
        // the same either way (unclassified € weigh in the total, never in a numerator), so a
        // DSI who has checked the rules loses nothing by setting `default_origin = "new"`.
        // Only "new" is accepted: defaulting to reuse would raise the share the law measures
        // on no evidence.
        let default_origin = match p.string("default_origin") {
            None => None,
            Some(t) if t.trim().eq_ignore_ascii_case("new") => Some(Origin::New),
            Some(t) => {
                p.issue(
                    "default_origin",
                    format!("\"{t}\" cannot be the origin of unmatched purchases"),
                    "write \"new\", or remove the key to count them as unclassified; give reuse, \
                     donations and recycled content their own [[agec.origin_rules]]",
                );
                None
            }
        };
        let shipped_rules = p.bool_or("shipped_rules", true);

        let mut configured: Vec<OriginRule> = Vec::new();
        for mut r in p.tables("origin_rules") {
            if let Some(rule) = read_rule(&mut r) {
                if configured.iter().any(|o| o.name == rule.name) {
                    r.issue(
                        "name",
                        format!("\"{}\" names two rules", rule.name),
                        "give every rule its own name: it is recorded on the purchases it classifies",
                    );
                } else {
                    configured.push(rule);
                }
            }
            p.absorb(r.finish());
        }

        let mut categories = CategoryMap::default();
        if let Some(mut t) = p.table("categories") {
            for (class_name, value) in t.entries() {
                let Some(class) = AssetClass::parse(&class_name) else {
                    let err = AgecError::UnknownClass {
                        given: class_name.clone(),
                        known: AssetClass::ALL.map(AssetClass::as_str).join(", "),
                    };
                    t.issue(&class_name, "is not an asset class", fix_of(&err));
                    continue;
                };
                let text = match &value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if text.trim().eq_ignore_ascii_case("none") {
                    categories.set(class, None);
                    continue;
                }
                match Category::parse(&text) {
                    Ok(c) => categories.set(class, Some(c)),
                    Err(e) => t.issue(
                        &class_name,
                        format!("\"{text}\" is not an AGEC category"),
                        format!("{}, or \"none\" to leave the class out", fix_of(&e)),
                    ),
                }
            }
            p.absorb(t.finish());
        }

        let mut rows = Vec::new();
        let mut row_keys = Vec::new();
        for mut q in p.tables("quotas") {
            if let Some(row) = read_quota(&mut q) {
                row_keys.push(q.key_path("from"));
                rows.push(row);
            }
            p.absorb(q.finish());
        }
        let quotas = match QuotaTable::new(rows) {
            Ok(t) => t,
            Err(errors) => {
                p.absorb(
                    errors
                        .into_iter()
                        .map(|(i, e)| ParamIssue {
                            key: row_keys[i].clone(),
                            problem: problem_of(&e),
                            fix: fix_of(&e),
                        })
                        .collect(),
                );
                QuotaTable::default()
            }
        };

        let reen_classes = match p.string_list("reen_classes") {
            None => DEFAULT_REEN_CLASSES.into_iter().collect(),
            Some(names) => {
                let mut set = BTreeSet::new();
                for n in names {
                    match AssetClass::parse(n.trim()) {
                        Some(c) => {
                            set.insert(c);
                        }
                        None => p.issue(
                            "reen_classes",
                            format!("\"{n}\" is not an asset class"),
                            format!(
                                "use asset classes among {}",
                                AssetClass::ALL.map(AssetClass::as_str).join(", ")
                            ),
                        ),
                    }
                }
                set
            }
        };

        let siret = p.string("siret").map(|s| s.replace([' ', '.'], ""));
        if let Some(s) = &siret
            && (s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()))
        {
            p.issue(
                "siret",
                format!("\"{s}\" is not a SIRET"),
                "write the buying body's SIRET, 14 digits (it heads the data.gouv declaration)",
            );
        }
        let organisation = p.string("organisation");
        let donation_status = {
            let text = p.string_or("donation_status", DEFAULT_DONATION_STATUS);
            match regex::RegexBuilder::new(&text)
                .case_insensitive(true)
                .build()
            {
                Ok(re) => re,
                Err(e) => {
                    p.issue(
                        "donation_status",
                        format!("is not a valid regular expression: {e}"),
                        "write a regular expression matching the status names of donated devices, \
                         e.g. \"(?i)donn[ée]\"",
                    );
                    regex::Regex::new(DEFAULT_DONATION_STATUS)
                        .expect("the shipped pattern compiles")
                }
            }
        };
        let security_status = p.string("security_status").and_then(|text| {
            match regex::RegexBuilder::new(&text)
                .case_insensitive(true)
                .build()
            {
                Ok(re) => Some(re),
                Err(e) => {
                    p.issue(
                        "security_status",
                        format!("is not a valid regular expression: {e}"),
                        "write a regular expression matching the status names of retired devices \
                         holding classified or security-bound data, e.g. \"(?i)confidentiel\"",
                    );
                    None
                }
            }
        });
        let mut purchases_files = Vec::new();
        for f in p.string_list("purchases_files").unwrap_or_default() {
            let path = std::path::PathBuf::from(f.trim());
            if path.is_file() {
                purchases_files.push(path);
            } else {
                p.issue(
                    "purchases_files",
                    format!("{} is not a file parcd can see", path.display()),
                    "give the path of the CSV export of purchases outside the inventory (an \
                     absolute path, readable by parcd's user), or remove it from the list",
                );
            }
        }

        AgecConfig {
            rules: AgecRules {
                origins: OriginRules::new(configured, shipped_rules, default_origin),
                categories,
                quotas,
            },
            shipped_rules,
            reen_classes,
            siret,
            organisation,
            donation_status,
            security_status,
            purchases_files,
        }
    }

    /// The section as `check-config` prints it, shipped rules, mapping and quotas included.
    pub fn render(&self) -> String {
        let r = &self.rules;
        let mut s = String::from("[agec]\n");
        match r.origins.default_origin {
            Some(o) => s.push_str(&format!("default_origin = \"{}\"\n", o.as_str())),
            None => s.push_str(
                "# default_origin: not set; purchases no rule matches are counted as unclassified\n",
            ),
        }
        s.push_str(&format!(
            "shipped_rules = {}\nreen_classes = [{}]\n",
            self.shipped_rules,
            self.reen_classes
                .iter()
                .map(|c| format!("\"{}\"", c.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        match (&self.siret, &self.organisation) {
            (Some(siret), Some(org)) => {
                s.push_str(&format!("siret = \"{siret}\"\norganisation = \"{org}\"\n"))
            }
            _ => {
                s.push_str("# siret, organisation: not both set; `parcd report agec` needs them\n")
            }
        }
        s.push_str(&format!(
            "donation_status = \"{}\"\n",
            self.donation_status.as_str()
        ));
        s.push_str(&format!(
            "purchases_files = [{}]\n",
            self.purchases_files
                .iter()
                .map(|f| format!("\"{}\"", f.display()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        match &self.security_status {
            Some(re) => s.push_str(&format!("security_status = \"{}\"\n", re.as_str())),
            None => s.push_str(
                "# security_status: not set; no retired device is left out of the REEN rate for its data\n",
            ),
        }
        s.push_str(
            "# purchase origin rules, first match wins (configured rules first, then shipped):\n",
        );
        for rule in r.origins.rules() {
            let matchers = rule
                .patterns()
                .map(|(k, p)| format!("{}=/{p}/", if k == "name" { "asset_name" } else { k }))
                .collect::<Vec<_>>()
                .join(" ");
            s.push_str(&format!(
                "#   {}: {matchers} -> {}{}\n",
                rule.name,
                rule.origin.as_str(),
                if rule.shipped { " (shipped)" } else { "" }
            ));
        }
        s.push_str("# AGEC category of each asset class (* configured):\n");
        for class in AssetClass::ALL {
            s.push_str(&format!(
                "#   {} -> {}{}\n",
                class.as_str(),
                r.categories
                    .category(class)
                    .map_or("none (not declared)", Category::label),
                if r.categories.is_overridden(class) {
                    " *"
                } else {
                    ""
                }
            ));
        }
        s.push_str(
            "# quotas, € excl. VAT per calendar year (configured rows win over shipped ones for the years they touch):\n",
        );
        for q in r.quotas.rows() {
            let pct = |label: &str, x: Option<Share>| {
                x.map(|v| format!(" {label} >= {}%", f64::from(v.bp()) / 100.0))
                    .unwrap_or_default()
            };
            s.push_str(&format!(
                "#   {} {} to {}:{}{}{} ({}) [{}]\n",
                q.category.id(),
                q.from,
                q.to.map_or("open".to_string(), |d| d.to_string()),
                pct("reuse", q.reuse_min),
                pct("recycled", q.recycled_min),
                pct("reuse or recycled", q.combined_min),
                if q.shipped { "shipped" } else { "configured" },
                q.source
            ));
        }
        s.push_str("# REEN reuse targets of retired equipment:\n");
        for t in REEN_TARGETS {
            s.push_str(&format!(
                "#   {}{}: {}% [{}]\n",
                t.from_year,
                match t.to_year {
                    Some(y) if y == t.from_year => String::new(),
                    Some(y) => format!("-{y}"),
                    None => " on".to_string(),
                },
                f64::from(t.min.bp()) / 100.0,
                t.source
            ));
        }
        s
    }
}

fn read_rule(r: &mut Params) -> Option<OriginRule> {
    let name = r.required_string(
        "name",
        "give the rule a short name, e.g. \"ugap-reconditionne\"; it is recorded on each purchase it classifies",
    );
    let origin = match r.required_string(
        "origin",
        "set origin to one of new, reuse, recycled_content, donation",
    ) {
        Some(t) => match Origin::parse(&t) {
            Ok(o) => Some(o),
            Err(e) => {
                r.issue("origin", problem_of(&e), fix_of(&e));
                None
            }
        },
        None => None,
    };
    let mut patterns: Vec<(Field, String)> = Vec::new();
    for (key, field) in MATCHER_KEYS {
        if let Some(p) = r.string(key) {
            patterns.push((field, p));
        }
    }
    if patterns.is_empty() {
        r.issue(
            "name",
            "the rule has no matcher, so it would classify every purchase",
            "add at least one of supplier, comment, asset_name, status, order_number (a regular expression)",
        );
        return None;
    }
    let pairs: Vec<(Field, &str)> = patterns.iter().map(|(f, p)| (*f, p.as_str())).collect();
    match OriginRule::new(name.as_deref().unwrap_or("?"), origin?, &pairs) {
        Ok(rule) => name.map(|_| rule),
        Err(e) => {
            let key = match &e {
                AgecError::BadPattern { field, .. } => MATCHER_KEYS
                    .iter()
                    .find(|(_, f)| f.key() == *field)
                    .map_or("name", |(k, _)| *k),
                _ => "name",
            };
            r.issue(key, problem_of(&e), fix_of(&e));
            None
        }
    }
}

fn read_quota(q: &mut Params) -> Option<QuotaRow> {
    let category = q.required_string(
        "category",
        "name the AGEC category: a label of the data.gouv schema, 1-17, or a short name such as \"it_telephony\"",
    );
    let from = q.required_string("from", "write the first day in force as YYYY-MM-DD");
    let to = q.string("to");
    let number = |q: &mut Params, key: &str| -> Option<f64> {
        let text = q.string(key)?;
        match text.trim().parse::<f64>() {
            Ok(x) => Some(x),
            Err(_) => {
                q.issue(
                    key,
                    format!("\"{text}\" is not a number"),
                    "write a fraction, e.g. 0.2 for 20 %",
                );
                None
            }
        }
    };
    let reuse = number(q, "reuse_min");
    let recycled = number(q, "recycled_min");
    let combined = number(q, "combined_min");
    let source = q.string("source").unwrap_or_default();
    let (category, from) = (category?, from?);
    match QuotaRow::new(
        &category,
        &from,
        to.as_deref(),
        reuse,
        recycled,
        combined,
        &source,
    ) {
        Ok(row) => Some(row),
        Err(errors) => {
            for e in errors {
                let key = match &e {
                    AgecError::InvalidQuota { field, .. } => *field,
                    _ => "category",
                };
                q.issue(key, problem_of(&e), fix_of(&e));
            }
            None
        }
    }
}

/// The message of an error without its "Fix:" part.
fn problem_of(e: &AgecError) -> String {
    let text = e.to_string();
    match text.split_once(". Fix: ") {
        Some((problem, _)) => problem.to_string(),
        None => text,
    }
}

/// The "Fix:" part of an error's message.
fn fix_of(e: &AgecError) -> String {
    let text = e.to_string();
    match text.split_once(". Fix: ") {
        Some((_, fix)) => fix.to_string(),
        None => "see the README, section \"AGEC and REEN\"".to_string(),
    }
}
