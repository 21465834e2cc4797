//! From a source's own words (status names, item types, type and model names) to parcd's
//! lifecycle phases and asset classes. Sources name their statuses freely (GLPI installs
//! none), so both mappings are configuration with defaults that fit French DSIs.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::params::Params;
use crate::record::{AssetClass, Phase};

/// Status names that French DSIs commonly create in GLPI, with their phase.
const DEFAULT_STATUSES: &[(&str, Phase)] = &[
    ("en commande", Phase::Ordered),
    ("commandé", Phase::Ordered),
    ("ordered", Phase::Ordered),
    ("en stock", Phase::InStock),
    ("stock", Phase::InStock),
    ("in stock", Phase::InStock),
    ("disponible", Phase::InStock),
    ("en production", Phase::InService),
    ("en service", Phase::InService),
    ("production", Phase::InService),
    ("in use", Phase::InService),
    ("in service", Phase::InService),
    ("affecté", Phase::InService),
    ("on order", Phase::Ordered),
    ("en réparation", Phase::InRepair),
    ("en panne", Phase::InRepair),
    ("sav", Phase::InRepair),
    ("in repair", Phase::InRepair),
    ("réformé", Phase::Retired),
    ("reformé", Phase::Retired),
    ("hors service", Phase::Retired),
    ("au rebut", Phase::Retired),
    ("mis au rebut", Phase::Retired),
    ("retired", Phase::Retired),
    ("don", Phase::Reused),
    ("donné", Phase::Reused),
    ("vendu", Phase::Reused),
    ("réemploi", Phase::Reused),
    ("cédé", Phase::Reused),
    ("reused", Phase::Reused),
    ("donated", Phase::Reused),
    ("sold", Phase::Reused),
    ("recyclé", Phase::Recycled),
    ("deee", Phase::Recycled),
    ("recycled", Phase::Recycled),
    ("weee", Phase::Recycled),
    ("détruit", Phase::Destroyed),
    ("destroyed", Phase::Destroyed),
];

/// Maps a source's status names to phases.
#[derive(Debug, Clone)]
pub struct StatusMap {
    names: HashMap<String, Phase>,
    /// Phase given to an asset whose status matches no name.
    pub unmapped: Phase,
    /// Phase given to an asset with no status at all.
    pub no_status: Phase,
}

impl Default for StatusMap {
    fn default() -> Self {
        StatusMap {
            names: DEFAULT_STATUSES
                .iter()
                .map(|(n, p)| (normalise(n), *p))
                .collect(),
            unmapped: Phase::InService,
            no_status: Phase::InService,
        }
    }
}

fn normalise(name: &str) -> String {
    name.trim().to_lowercase()
}

impl StatusMap {
    /// Adds or replaces the phase of one status name.
    pub fn insert(&mut self, name: &str, phase: Phase) {
        self.names.insert(normalise(name), phase);
    }

    /// The mapping as `check-config` shows it: the two default phases as keys, the names
    /// (defaults included) as comments.
    pub fn render(&self) -> String {
        let mut s = format!(
            "default_phase = \"{}\"\nno_status_phase = \"{}\"\n# status names mapped to phases (defaults included):\n",
            self.unmapped.as_str(),
            self.no_status.as_str()
        );
        for (name, phase) in self.entries() {
            s.push_str(&format!("#   \"{name}\" = \"{}\"\n", phase.as_str()));
        }
        s
    }

    /// The configured names and their phases, sorted by name.
    pub fn entries(&self) -> Vec<(&str, Phase)> {
        let mut v: Vec<(&str, Phase)> = self.names.iter().map(|(n, p)| (n.as_str(), *p)).collect();
        v.sort();
        v
    }

    /// The phase of `status`, and whether a name matched. A tree status
    /// (`Réformé > Don`) matches on its full name first, then on its last part.
    pub fn phase_of(&self, status: Option<&str>) -> (Phase, bool) {
        let Some(status) = status.map(str::trim).filter(|s| !s.is_empty()) else {
            return (self.no_status, true);
        };
        let full = normalise(status);
        if let Some(p) = self.names.get(&full) {
            return (*p, true);
        }
        if let Some(leaf) = full.rsplit('>').next().map(str::trim)
            && let Some(p) = self.names.get(leaf)
        {
            return (*p, true);
        }
        (self.unmapped, false)
    }

    /// Reads `[sources.status_map]` and `default_phase` / `no_status_phase` on top of the
    /// defaults.
    pub fn from_params(source: &mut Params) -> StatusMap {
        let mut map = StatusMap::default();
        if let Some(p) = phase_param(source, "default_phase") {
            map.unmapped = p;
        }
        if let Some(p) = phase_param(source, "no_status_phase") {
            map.no_status = p;
        }
        if let Some(mut table) = source.table("status_map") {
            for (name, value) in table.entries() {
                match value.as_str().and_then(Phase::parse) {
                    Some(phase) => map.insert(&name, phase),
                    None => table.issue(
                        &name,
                        format!("{value} is not a lifecycle phase"),
                        format!("use one of: {}", phase_names()),
                    ),
                }
            }
            source.absorb(table.finish());
        }
        map
    }
}

fn phase_names() -> String {
    Phase::ALL.map(Phase::as_str).join(", ")
}

fn phase_param(p: &mut Params, key: &str) -> Option<Phase> {
    let s = p.string(key)?;
    match Phase::parse(&s) {
        Some(phase) => Some(phase),
        None => {
            p.issue(
                key,
                format!("\"{s}\" is not a lifecycle phase"),
                format!("use one of: {}", phase_names()),
            );
            None
        }
    }
}

/// One class rule: every pattern given must match (case-insensitive).
#[derive(Debug, Clone)]
pub struct ClassRule {
    pub item_type: Option<String>,
    pub type_pattern: Option<Regex>,
    pub model_pattern: Option<Regex>,
    pub class: AssetClass,
}

impl ClassRule {
    fn new(item_type: &str, type_pattern: Option<&str>, class: AssetClass) -> Self {
        ClassRule {
            item_type: Some(item_type.to_string()),
            type_pattern: type_pattern.map(|p| Regex::new(&format!("(?i){p}")).expect("valid")),
            model_pattern: None,
            class,
        }
    }

    fn matches(&self, item_type: &str, type_name: Option<&str>, model: Option<&str>) -> bool {
        if let Some(t) = &self.item_type
            && !t.eq_ignore_ascii_case(item_type)
        {
            return false;
        }
        let text_matches = |re: &Option<Regex>, text: Option<&str>| match re {
            None => true,
            Some(re) => text.is_some_and(|t| re.is_match(t)),
        };
        text_matches(&self.type_pattern, type_name) && text_matches(&self.model_pattern, model)
    }
}

/// Item families from a free category name, first match wins: printers and phones before
/// computers, so that "Téléphones portables" is a phone and "Copieurs" a printer.
static FAMILIES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"imprim|printer|copieur|copier|photocop|multifonction|\bmfp\b|traceur|plotter",
            "Printer",
        ),
        (
            r"phone|t[ée]l[ée]phon|smartphone|\bgsm\b|iphone|android|\bvoip\b|\bdect\b",
            "Phone",
        ),
        (r"monitor|moniteur|[ée]cran|display|screen", "Monitor"),
        (
            r"network|r[ée]seau|switch|commutateur|routeur|router|firewall|pare-feu|wi-?fi|borne|access point",
            "NetworkEquipment",
        ),
        (
            r"laptop|portable|notebook|ultrabook|desktop|ordinateur|computer|\bpc\b|poste|tour|unit[ée] centrale|workstation|station de travail|server|serveur|tablet|tablette|clients? l[ée]gers?|thin ?clients?|chromebook|\bmac\b",
            "Computer",
        ),
    ]
    .into_iter()
    .map(|(re, family)| (Regex::new(&format!("(?i){re}")).expect("valid pattern"), family))
    .collect()
});

/// The item family of a free category name (Snipe-IT categories, a spreadsheet's
/// "Catégorie" column), for sources that type devices only by such a name: the class rules
/// are written per GLPI item family (`Computer`, `Monitor`, `Printer`, `Phone`,
/// `NetworkEquipment`, `Peripheral`) with the name as a refinement. `Peripheral` (class
/// `other` by default) when no keyword matches or there is no category.
pub fn family_of(category: Option<&str>) -> &'static str {
    category
        .and_then(|c| FAMILIES.iter().find(|(re, _)| re.is_match(c)))
        .map_or("Peripheral", |(_, f)| f)
}

/// Ordered class rules: the configured ones first, then the defaults; the first match wins.
#[derive(Debug, Clone)]
pub struct ClassRules {
    rules: Vec<ClassRule>,
}

impl Default for ClassRules {
    fn default() -> Self {
        ClassRules {
            rules: default_class_rules(),
        }
    }
}

fn default_class_rules() -> Vec<ClassRule> {
    use AssetClass::*;
    vec![
        ClassRule::new(
            "Computer",
            Some(r"portable|laptop|notebook|ultrabook"),
            Laptop,
        ),
        ClassRule::new("Computer", Some(r"serveur|server|rack|blade|lame"), Server),
        ClassRule::new("Computer", Some(r"tablet|tablette"), Tablet),
        ClassRule::new(
            "Computer",
            Some(r"clients? l[ée]gers?|thin ?clients?"),
            ThinClient,
        ),
        ClassRule::new("Computer", None, Desktop),
        ClassRule::new("Monitor", None, Monitor),
        ClassRule::new("Printer", Some(r"copieur|copier|photocop"), Copier),
        ClassRule::new(
            "Printer",
            Some(r"multifonction|mfp|mfd|multi-?function"),
            Mfp,
        ),
        ClassRule::new("Printer", None, Printer),
        ClassRule::new(
            "Phone",
            Some(r"smartphone|mobile|portable|iphone|android|gsm|cellulaire"),
            Smartphone,
        ),
        ClassRule::new("Phone", Some(r"tablet|tablette"), Tablet),
        ClassRule::new("Phone", None, DeskPhone),
        ClassRule::new("NetworkEquipment", None, Network),
        ClassRule::new("Peripheral", None, Other),
    ]
}

impl ClassRules {
    /// The class of an item; `other` when nothing matches.
    pub fn class_of(
        &self,
        item_type: &str,
        type_name: Option<&str>,
        model: Option<&str>,
    ) -> AssetClass {
        self.rules
            .iter()
            .find(|r| r.matches(item_type, type_name, model))
            .map_or(AssetClass::Other, |r| r.class)
    }

    /// Reads `[[sources.class_rules]]` (keys `item_type`, `type`, `model`, `class`) and puts
    /// them before the defaults.
    pub fn from_params(source: &mut Params) -> ClassRules {
        let mut rules = Vec::new();
        for mut t in source.tables("class_rules") {
            let item_type = t.string("item_type");
            let type_pattern = regex_param(&mut t, "type");
            let model_pattern = regex_param(&mut t, "model");
            let class = match t
                .required_string("class", &format!("set class to one of: {}", class_names()))
            {
                Some(c) => match AssetClass::parse(&c) {
                    Some(c) => Some(c),
                    None => {
                        t.issue(
                            "class",
                            format!("\"{c}\" is not an asset class"),
                            format!("use one of: {}", class_names()),
                        );
                        None
                    }
                },
                None => None,
            };
            if let Some(class) = class {
                rules.push(ClassRule {
                    item_type,
                    type_pattern,
                    model_pattern,
                    class,
                });
            }
            source.absorb(t.finish());
        }
        rules.extend(default_class_rules());
        ClassRules { rules }
    }

    /// The rules in evaluation order, for `check-config`.
    pub fn rules(&self) -> &[ClassRule] {
        &self.rules
    }

    /// The rules as `check-config` shows them, as comments, in the order they are tried.
    pub fn render(&self) -> String {
        let pattern = |re: &Option<Regex>| {
            re.as_ref().map_or("*".to_string(), |re| {
                re.as_str().trim_start_matches("(?i)").to_string()
            })
        };
        let mut s = String::from(
            "# class rules, first match wins (configured rules first, then defaults):\n",
        );
        for r in &self.rules {
            s.push_str(&format!(
                "#   item_type={} type={} model={} -> {}\n",
                r.item_type.as_deref().unwrap_or("*"),
                pattern(&r.type_pattern),
                pattern(&r.model_pattern),
                r.class.as_str()
            ));
        }
        s
    }
}

fn class_names() -> String {
    AssetClass::ALL.map(AssetClass::as_str).join(", ")
}

fn regex_param(p: &mut Params, key: &str) -> Option<Regex> {
    let s = p.string(key)?;
    match Regex::new(&format!("(?i){s}")) {
        Ok(re) => Some(re),
        Err(e) => {
            p.issue(
                key,
                format!("\"{s}\" is not a valid regular expression: {e}"),
                "fix the pattern (Rust regex syntax; matching ignores case)",
            );
            None
        }
    }
}

/// Reads a status-name table given as plain JSON (used by tests and the demo).
pub fn status_map_from_pairs(pairs: &[(&str, &str)]) -> StatusMap {
    let mut map = StatusMap::default();
    for (n, p) in pairs {
        if let Some(phase) = Phase::parse(p) {
            map.insert(n, phase);
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn default_statuses_cover_common_french_names_and_tree_leaves() {
        let m = StatusMap::default();
        assert_eq!(m.phase_of(Some("En production")), (Phase::InService, true));
        assert_eq!(m.phase_of(Some("Réformé > Don")), (Phase::Reused, true));
        assert_eq!(m.phase_of(Some("RECYCLÉ")), (Phase::Recycled, true));
        assert_eq!(m.phase_of(Some("Au rebut")), (Phase::Retired, true));
        assert_eq!(m.phase_of(Some("In service")), (Phase::InService, true));
        assert_eq!(m.phase_of(Some("Sold")), (Phase::Reused, true));
        assert_eq!(m.phase_of(Some("WEEE")), (Phase::Recycled, true));
        assert_eq!(m.phase_of(None), (Phase::InService, true));
        assert_eq!(m.phase_of(Some("Perdu")), (Phase::InService, false));
    }

    #[test]
    fn configured_statuses_override_defaults_and_bad_phases_are_reported() {
        let mut p = Params::new(
            "sources[0]",
            json!({"status_map": {"Perdu": "destroyed", "Prêt": "in_servic"}, "default_phase": "in_stock"})
                .as_object()
                .unwrap()
                .clone(),
        );
        let m = StatusMap::from_params(&mut p);
        assert_eq!(m.phase_of(Some("perdu")), (Phase::Destroyed, true));
        assert_eq!(m.phase_of(Some("Inconnu")), (Phase::InStock, false));
        let issues = p.finish();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].key, "sources[0].status_map.Prêt");
    }

    #[test]
    fn default_class_rules_split_computers_printers_and_phones() {
        let r = ClassRules::default();
        assert_eq!(
            r.class_of("Computer", Some("Ordinateur portable"), None),
            AssetClass::Laptop
        );
        assert_eq!(
            r.class_of("Computer", Some("Tour"), None),
            AssetClass::Desktop
        );
        assert_eq!(r.class_of("Computer", None, None), AssetClass::Desktop);
        assert_eq!(
            r.class_of("Printer", Some("Multifonction A3"), None),
            AssetClass::Mfp
        );
        assert_eq!(
            r.class_of("Phone", Some("Smartphone"), None),
            AssetClass::Smartphone
        );
        assert_eq!(
            r.class_of("Phone", Some("Téléphone IP"), None),
            AssetClass::DeskPhone
        );
        assert_eq!(r.class_of("Rack", None, None), AssetClass::Other);
    }

    #[test]
    fn thin_clients_are_found_in_the_singular_and_the_plural() {
        let r = ClassRules::default();
        for name in [
            "Client léger",
            "Clients légers",
            "Thin Clients",
            "thin client",
        ] {
            assert_eq!(
                r.class_of("Computer", Some(name), None),
                AssetClass::ThinClient,
                "{name}"
            );
        }
    }

    #[test]
    fn configured_class_rules_come_first() {
        let mut p = Params::new(
            "s",
            json!({"class_rules": [{"item_type": "Computer", "model": "^OptiPlex 3000 Thin", "class": "thin_client"}]})
                .as_object()
                .unwrap()
                .clone(),
        );
        let r = ClassRules::from_params(&mut p);
        assert!(p.finish().is_empty());
        assert_eq!(
            r.class_of("Computer", Some("Tour"), Some("OptiPlex 3000 Thin Client")),
            AssetClass::ThinClient
        );
    }

    #[test]
    fn english_and_french_category_names_find_their_family_and_class() {
        use AssetClass::*;
        let class = |category: &str| {
            ClassRules::default().class_of(family_of(Some(category)), Some(category), None)
        };
        for (category, want) in [
            ("Laptops", Laptop),
            ("Ordinateurs portables", Laptop),
            ("Desktops", Desktop),
            ("Postes fixes", Desktop),
            ("Client léger", ThinClient),
            ("Thin Clients", ThinClient),
            ("Tablets", Tablet),
            ("Tablettes", Tablet),
            ("Servers", Server),
            ("Serveur", Server),
            ("Monitors", Monitor),
            ("Écrans", Monitor),
            ("Printers", Printer),
            ("Copieurs multifonctions", Copier),
            ("Imprimantes multifonctions", Mfp),
            ("Mobile Phones", Smartphone),
            ("Téléphones portables", Smartphone),
            ("VOIP Phones", DeskPhone),
            ("Switches", Network),
            ("Bornes Wi-Fi", Network),
            ("Câbles", Other),
            ("Stations d'accueil", Other),
        ] {
            assert_eq!(class(category), want, "{category}");
        }
        assert_eq!(family_of(None), "Peripheral");
    }
}
