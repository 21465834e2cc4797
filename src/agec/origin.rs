//! Where a purchase comes from (new, reuse, recycled content, donation), decided by rules.
//!
//! GLPI's Infocom has no "reconditioned" field, so the origin is read from what buyers do
//! write: the supplier, a status, a comment, the asset name, the order number. Rules are tried
//! in order and the first match wins; the configured rules come before the shipped ones, so a
//! DSI can always overrule a default.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::error::AgecError;

/// The origin columns of the AGEC declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    New,
    /// Réemploi or réutilisation: reconditioned, second-hand.
    Reuse,
    /// New goods containing recycled material.
    RecycledContent,
    /// Received as a donation, valued with the flat-rate grid of the arrêté of 29 Feb 2024.
    Donation,
}

impl Origin {
    pub const ALL: [Origin; 4] = [
        Origin::New,
        Origin::Reuse,
        Origin::RecycledContent,
        Origin::Donation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Origin::New => "new",
            Origin::Reuse => "reuse",
            Origin::RecycledContent => "recycled_content",
            Origin::Donation => "donation",
        }
    }

    pub fn parse(text: &str) -> Result<Origin, AgecError> {
        let t = text.trim().to_ascii_lowercase();
        Origin::ALL
            .into_iter()
            .find(|o| o.as_str() == t)
            .ok_or_else(|| AgecError::UnknownOrigin {
                given: text.to_string(),
            })
    }
}

/// The fields of a purchase a rule can look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Supplier,
    Comment,
    Name,
    Status,
    OrderNumber,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::Supplier,
        Field::Comment,
        Field::Name,
        Field::Status,
        Field::OrderNumber,
    ];

    /// The config key, which is also the name printed by `check-config`.
    pub fn key(self) -> &'static str {
        match self {
            Field::Supplier => "supplier",
            Field::Comment => "comment",
            Field::Name => "name",
            Field::Status => "status",
            Field::OrderNumber => "order_number",
        }
    }
}

/// The text a rule is matched against; any field may be unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleInput<'a> {
    pub supplier: Option<&'a str>,
    pub comment: Option<&'a str>,
    pub name: Option<&'a str>,
    pub status: Option<&'a str>,
    pub order_number: Option<&'a str>,
}

impl<'a> RuleInput<'a> {
    fn get(&self, field: Field) -> Option<&'a str> {
        match field {
            Field::Supplier => self.supplier,
            Field::Comment => self.comment,
            Field::Name => self.name,
            Field::Status => self.status,
            Field::OrderNumber => self.order_number,
        }
    }
}

/// One `[[agec.origin_rules]]` entry: every matcher it has must match (AND).
#[derive(Debug, Clone)]
pub struct OriginRule {
    pub name: String,
    pub origin: Origin,
    /// `(field, pattern)`; never empty.
    matchers: Vec<(Field, Regex)>,
    /// True for the rules parcd ships.
    pub shipped: bool,
}

/// A word that negates the reuse word after it: "non reconditionné", "pas de matériel
/// reconditionné", "not refurbished".
static NEGATION_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(non|pas|not|sans|aucun|ni)\s+(\w+['’]?\s*){0,2}$").expect("valid pattern")
});

/// A yes/no field written into a comment, answered no: "Reconditionné: Non" (Snipe-IT custom
/// fields and spreadsheet columns land in the comment that way).
static NEGATION_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\w*\s*[:=]\s*(non|no|n|faux|false|0|aucun)\b").expect("valid pattern")
});

/// Whether `re` finds a place in `text` that is not negated. The shipped rules read free text
/// that carries answers as well as descriptions: "Reconditionné: Non" is a new device.
fn affirmed(re: &Regex, text: &str) -> bool {
    re.find_iter(text).any(|m| {
        !NEGATION_BEFORE.is_match(&text[..m.start()]) && !NEGATION_AFTER.is_match(&text[m.end()..])
    })
}

impl OriginRule {
    /// Builds a rule from `(field, pattern)` pairs. Patterns are case-insensitive, since buyers
    /// write "Reconditionné", "RECONDITIONNE" and "reconditionné" alike; write `(?-i)` at the
    /// start of a pattern to make it case-sensitive.
    pub fn new(
        name: &str,
        origin: Origin,
        patterns: &[(Field, &str)],
    ) -> Result<OriginRule, AgecError> {
        if name.trim().is_empty() {
            return Err(AgecError::InvalidRule {
                problem: "a rule has no name".into(),
                fix: "give every rule a short name; it is recorded on each purchase it classifies"
                    .into(),
            });
        }
        if patterns.is_empty() {
            return Err(AgecError::InvalidRule {
                problem: format!("rule \"{name}\" has no matcher, so it would match everything"),
                fix: "add at least one of supplier, comment, name, status, order_number (a regular expression)".into(),
            });
        }
        let mut matchers = Vec::with_capacity(patterns.len());
        for (field, pattern) in patterns {
            let re = Regex::new(&format!("(?i){pattern}")).map_err(|e| AgecError::BadPattern {
                field: field.key(),
                pattern: pattern.to_string(),
                reason: e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
                    .to_string(),
                fix: "write a regular expression (Rust regex syntax), e.g. \"reconditionn|refurb\"",
            })?;
            matchers.push((*field, re));
        }
        Ok(OriginRule {
            name: name.trim().to_string(),
            origin,
            matchers,
            shipped: false,
        })
    }

    /// A configured pattern is taken as written; a shipped one must also be affirmed, not
    /// negated, in the text (see [`affirmed`]).
    pub fn matches(&self, input: &RuleInput<'_>) -> bool {
        self.matchers.iter().all(|(field, re)| {
            input.get(*field).is_some_and(|text| {
                if self.shipped {
                    affirmed(re, text)
                } else {
                    re.is_match(text)
                }
            })
        })
    }

    /// `(field key, pattern as written)`, for `check-config`.
    pub fn patterns(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.matchers
            .iter()
            .map(|(f, re)| (f.key(), re.as_str().trim_start_matches("(?i)")))
    }
}

/// Name given to purchases that `default_origin` classified (no rule matched).
pub const DEFAULT_ORIGIN_RULE: &str = "default_origin";

/// The shipped rules: `(name, origin, field, pattern)`, tried after the configured ones.
///
/// What French buyers write for second-hand IT: "reconditionné", "réemploi", "seconde main",
/// "d'occasion", "refurbished". In a comment, "occasion" alone is not enough: "acheté à
/// l'occasion du déménagement" is a new PC, so the comment rule wants "d'occasion"; a supplier
/// named "… Occasion" is taken at its word. A status "Don reçu" (donation received) comes
/// first, since a donated reconditioned PC is declared as a donation; "Don" alone is where
/// GLPI's default statuses put a device *given away*, so it is not a received donation (and
/// the store only shows the rules the status of a device still in the fleet). There is no shipped rule for
/// recycled content: "recyclé" in a comment more often means the old device was sent to
/// recycling than that the new one contains recycled material.
pub const SHIPPED_RULES: [(&str, Origin, Field, &str); 4] = [
    (
        "don-statut",
        Origin::Donation,
        Field::Status,
        r"\bdons?\s+re[çc]us?\b|\bre[çc]us?\s+(en|par)\s+don\b",
    ),
    (
        "reemploi-commentaire",
        Origin::Reuse,
        Field::Comment,
        r"reconditionn|r[ée]-?emploi|r[ée]utilis|seconde[- ]main|d['’ ]occasion|refurb",
    ),
    (
        "reemploi-fournisseur",
        Origin::Reuse,
        Field::Supplier,
        r"reconditionn|r[ée]-?emploi|seconde[- ]main|occasion|refurb",
    ),
    (
        "reemploi-nom",
        Origin::Reuse,
        Field::Name,
        r"reconditionn|refurb",
    ),
];

/// The shipped rules, compiled.
pub fn shipped_rules() -> Vec<OriginRule> {
    SHIPPED_RULES
        .iter()
        .map(|(name, origin, field, pattern)| {
            let mut r = OriginRule::new(name, *origin, &[(*field, pattern)])
                .expect("the shipped patterns are tested to compile");
            r.shipped = true;
            r
        })
        .collect()
}

/// How a purchase was classified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Classification {
    /// `None`: no rule matched and no `default_origin` is set.
    pub origin: Option<Origin>,
    /// The rule that decided, or [`DEFAULT_ORIGIN_RULE`].
    pub rule: Option<String>,
}

/// The ordered rule list and what to do when none matches.
#[derive(Debug, Clone)]
pub struct OriginRules {
    rules: Vec<OriginRule>,
    /// Origin of purchases no rule matches. `None` (the default) leaves them *unclassified*:
    /// see [`super::settings`] for why.
    pub default_origin: Option<Origin>,
}

impl Default for OriginRules {
    fn default() -> Self {
        OriginRules {
            rules: shipped_rules(),
            default_origin: None,
        }
    }
}

impl OriginRules {
    /// `configured` first, then the shipped rules unless `with_shipped` is false. A configured
    /// rule named like a shipped one replaces it (the way to change or silence one default).
    pub fn new(
        configured: Vec<OriginRule>,
        with_shipped: bool,
        default_origin: Option<Origin>,
    ) -> OriginRules {
        let mut rules = configured;
        if with_shipped {
            for r in shipped_rules() {
                if !rules.iter().any(|c| c.name == r.name) {
                    rules.push(r);
                }
            }
        }
        OriginRules {
            rules,
            default_origin,
        }
    }

    pub fn rules(&self) -> &[OriginRule] {
        &self.rules
    }

    /// The first matching rule decides.
    pub fn classify(&self, input: &RuleInput<'_>) -> Classification {
        match self.rules.iter().find(|r| r.matches(input)) {
            Some(r) => Classification {
                origin: Some(r.origin),
                rule: Some(r.name.clone()),
            },
            None => Classification {
                origin: self.default_origin,
                rule: self.default_origin.map(|_| DEFAULT_ORIGIN_RULE.to_string()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(text: &str) -> RuleInput<'_> {
        RuleInput {
            comment: Some(text),
            ..RuleInput::default()
        }
    }

    #[test]
    fn a_comment_saying_reconditioned_makes_a_reuse_purchase_named_by_its_rule() {
        let rules = OriginRules::default();
        for text in [
            "PC portable reconditionné grade A",
            "RECONDITIONNE",
            "issu du réemploi",
            "matériel de seconde main",
            "écran d'occasion",
            "Refurbished ThinkPad",
        ] {
            let c = rules.classify(&comment(text));
            assert_eq!(c.origin, Some(Origin::Reuse), "{text}");
            assert_eq!(c.rule.as_deref(), Some("reemploi-commentaire"), "{text}");
        }
    }

    #[test]
    fn a_reuse_word_answered_no_or_negated_does_not_make_a_reuse_purchase() {
        let rules = OriginRules::default();
        for text in [
            "Reconditionné: Non",
            "Lot 12\nReconditionné : non\nDate de réception: 2024-03-01",
            "reconditionne=false",
            "Refurbished: No",
            "PC non reconditionné",
            "pas de matériel reconditionné",
            "not refurbished",
        ] {
            let c = rules.classify(&comment(text));
            assert_eq!(c.origin, None, "{text}");
        }
        for text in [
            "Reconditionné: Oui",
            "Lot 12\nReconditionné: oui",
            "non garanti, reconditionné grade B",
        ] {
            let c = rules.classify(&comment(text));
            assert_eq!(c.origin, Some(Origin::Reuse), "{text}");
        }
        // A configured rule is taken as written.
        let mine =
            OriginRule::new("mine", Origin::Reuse, &[(Field::Comment, "reconditionn")]).unwrap();
        assert!(mine.matches(&comment("Reconditionné: Non")));
    }

    #[test]
    fn occasion_in_the_sense_of_an_event_does_not_make_a_purchase_second_hand() {
        let c = OriginRules::default().classify(&comment("acheté à l'occasion du déménagement"));
        assert_eq!(c.origin, None);
        assert_eq!(c.rule, None);
    }

    #[test]
    fn a_reconditioning_supplier_makes_a_reuse_purchase() {
        let input = RuleInput {
            supplier: Some("Ecodair Reconditionnement"),
            ..RuleInput::default()
        };
        let c = OriginRules::default().classify(&input);
        assert_eq!(c.origin, Some(Origin::Reuse));
        assert_eq!(c.rule.as_deref(), Some("reemploi-fournisseur"));
    }

    #[test]
    fn a_donation_status_wins_over_a_reconditioned_comment() {
        let input = RuleInput {
            status: Some("Don reçu"),
            comment: Some("reconditionné"),
            ..RuleInput::default()
        };
        let c = OriginRules::default().classify(&input);
        assert_eq!(c.origin, Some(Origin::Donation));
        assert_eq!(c.rule.as_deref(), Some("don-statut"));
        // "Don" alone is a device given away, not one received.
        let given = RuleInput {
            status: Some("Don"),
            ..RuleInput::default()
        };
        assert_eq!(OriginRules::default().classify(&given).origin, None);
        let abandoned = RuleInput {
            status: Some("Abandonné"),
            ..RuleInput::default()
        };
        assert_eq!(OriginRules::default().classify(&abandoned).origin, None);
    }

    #[test]
    fn configured_rules_are_tried_before_the_shipped_ones() {
        let mine = OriginRule::new(
            "ugap-neuf",
            Origin::New,
            &[
                (Field::Supplier, "^UGAP$"),
                (Field::Comment, "reconditionn"),
            ],
        )
        .unwrap();
        let rules = OriginRules::new(vec![mine], true, None);
        let input = RuleInput {
            supplier: Some("ugap"),
            comment: Some("reconditionné"),
            ..RuleInput::default()
        };
        assert_eq!(rules.classify(&input).rule.as_deref(), Some("ugap-neuf"));
        assert_eq!(rules.classify(&input).origin, Some(Origin::New));
        // Both matchers must match: the supplier alone is not enough.
        let only_supplier = RuleInput {
            supplier: Some("ugap"),
            ..RuleInput::default()
        };
        assert_eq!(rules.classify(&only_supplier).origin, None);
    }

    #[test]
    fn a_configured_rule_named_like_a_shipped_one_replaces_it() {
        let silence = OriginRule::new("reemploi-nom", Origin::New, &[(Field::Name, "^$")]).unwrap();
        let rules = OriginRules::new(vec![silence], true, None);
        assert_eq!(
            rules
                .rules()
                .iter()
                .filter(|r| r.name == "reemploi-nom")
                .count(),
            1
        );
        let input = RuleInput {
            name: Some("PC-REFURB-01"),
            ..RuleInput::default()
        };
        assert_eq!(rules.classify(&input).origin, None);
    }

    #[test]
    fn without_a_default_origin_an_unmatched_purchase_stays_unclassified() {
        let input = RuleInput {
            supplier: Some("Dell"),
            ..RuleInput::default()
        };
        let c = OriginRules::new(vec![], true, None).classify(&input);
        assert_eq!((c.origin, c.rule), (None, None));
        let c = OriginRules::new(vec![], true, Some(Origin::New)).classify(&input);
        assert_eq!(c.origin, Some(Origin::New));
        assert_eq!(c.rule.as_deref(), Some(DEFAULT_ORIGIN_RULE));
    }

    #[test]
    fn a_rule_without_matcher_or_with_a_bad_pattern_is_refused() {
        let err = OriginRule::new("vide", Origin::Reuse, &[]).unwrap_err();
        assert!(
            err.to_string().contains("at least one of supplier"),
            "{err}"
        );
        let err =
            OriginRule::new("bad", Origin::Reuse, &[(Field::Comment, "recond(")]).unwrap_err();
        assert!(
            matches!(
                err,
                AgecError::BadPattern {
                    field: "comment",
                    ..
                }
            ),
            "{err}"
        );
        assert!(OriginRule::new(" ", Origin::Reuse, &[(Field::Comment, "x")]).is_err());
    }

    #[test]
    fn an_origin_is_read_from_its_name_only() {
        assert_eq!(
            Origin::parse("Recycled_Content").unwrap(),
            Origin::RecycledContent
        );
        assert!(Origin::parse("reconditioned").is_err());
    }
}
