//! Snipe-IT categories to the item families parcd's class rules know.
//!
//! Snipe-IT has one asset table and types assets only by a free category name ("Laptops",
//! "Ordinateurs portables", "Écrans"…). parcd's class rules are written per GLPI item
//! family (`Computer`, `Monitor`, `Printer`, `Phone`, `NetworkEquipment`, `Peripheral`)
//! with the type name as a refinement, so the category is first given a family by the
//! keywords below, then the class rules (configured first, then the defaults) run with
//! `item_type` = that family, `type` = the category name and `model` = the model name.

use std::sync::LazyLock;

use regex::Regex;

/// The families, first match wins: printers and phones before computers, so that
/// "Téléphones portables" is a phone and "Copieurs" a printer.
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

/// The item family of a category; `Peripheral` (class `other` by default) when no keyword
/// matches or the asset has no category.
pub fn family(category: Option<&str>) -> &'static str {
    category
        .and_then(|c| FAMILIES.iter().find(|(re, _)| re.is_match(c)))
        .map_or("Peripheral", |(_, f)| f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::ClassRules;
    use crate::record::AssetClass;

    fn class(category: &str, model: Option<&str>) -> AssetClass {
        ClassRules::default().class_of(family(Some(category)), Some(category), model)
    }

    #[test]
    fn english_and_french_category_names_find_their_class() {
        use AssetClass::*;
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
            assert_eq!(class(category, None), want, "{category}");
        }
        assert_eq!(family(None), "Peripheral");
    }
}
