//! The 17 product categories of the AGEC declaration, and which asset class falls in which.
//!
//! Labels are the enum of the data.gouv declaration schema
//! (`datagouv/schema-declaration-biens-reemploi-reutilisation-recycle`, `schema.json`,
//! field `type_produit_acquis`, v0.1.0), byte for byte: the yearly CSV must use them as they are.

use std::collections::BTreeMap;
use std::fmt;

use parcd_connectors::AssetClass;
use serde::{Deserialize, Serialize};

use super::error::AgecError;

/// One AGEC product category (décret 2024-134 annex, data.gouv schema).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Textiles,
    ItTelephony,
    ReprographyPrinting,
    PrintingConsumables,
    Paper,
    OfficeSupplies,
    TransportEquipment,
    Vehicles,
    Furniture,
    StreetFurniture,
    WasteCollection,
    JarsBottles,
    Sports,
    GreenSpaces,
    ModularBuildings,
    LargeAppliances,
    GamesToys,
}

impl Category {
    /// In the schema's order, which is also the numbering `1..=17` accepted in the config.
    pub const ALL: [Category; 17] = [
        Category::Textiles,
        Category::ItTelephony,
        Category::ReprographyPrinting,
        Category::PrintingConsumables,
        Category::Paper,
        Category::OfficeSupplies,
        Category::TransportEquipment,
        Category::Vehicles,
        Category::Furniture,
        Category::StreetFurniture,
        Category::WasteCollection,
        Category::JarsBottles,
        Category::Sports,
        Category::GreenSpaces,
        Category::ModularBuildings,
        Category::LargeAppliances,
        Category::GamesToys,
    ];

    /// The exact label of the declaration schema.
    pub fn label(self) -> &'static str {
        match self {
            Category::Textiles => {
                "Produits textiles à l'exception des équipements de protection individuels"
            }
            Category::ItTelephony => "Matériel informatique et téléphonie",
            Category::ReprographyPrinting => "Matériel de reprographie et d'impression",
            Category::PrintingConsumables => "Consommables d'impression",
            Category::Paper => "Papier",
            Category::OfficeSupplies => "Fournitures de bureau",
            Category::TransportEquipment => "Engins de transport et pièces détachées",
            Category::Vehicles => "Véhicules et pièces détachées",
            Category::Furniture => "Mobilier et aménagement d'intérieur",
            Category::StreetFurniture => "Mobilier urbain",
            Category::WasteCollection => "Equipements de collecte de déchets",
            Category::JarsBottles => "Bocaux et flacons",
            Category::Sports => "Articles et équipement sportifs",
            Category::GreenSpaces => "Matériel d'entretien des espaces verts",
            Category::ModularBuildings => "Bâtiments modulaires ou préfabriqués",
            Category::LargeAppliances => "Gros électroménager, y compris appareils professionnels",
            Category::GamesToys => "Jeux et jouets",
        }
    }

    /// A short ASCII name, for metrics labels and config files typed on any keyboard.
    pub fn id(self) -> &'static str {
        match self {
            Category::Textiles => "textiles",
            Category::ItTelephony => "it_telephony",
            Category::ReprographyPrinting => "reprography_printing",
            Category::PrintingConsumables => "printing_consumables",
            Category::Paper => "paper",
            Category::OfficeSupplies => "office_supplies",
            Category::TransportEquipment => "transport_equipment",
            Category::Vehicles => "vehicles",
            Category::Furniture => "furniture",
            Category::StreetFurniture => "street_furniture",
            Category::WasteCollection => "waste_collection",
            Category::JarsBottles => "jars_bottles",
            Category::Sports => "sports",
            Category::GreenSpaces => "green_spaces",
            Category::ModularBuildings => "modular_buildings",
            Category::LargeAppliances => "large_appliances",
            Category::GamesToys => "games_toys",
        }
    }

    /// 1 to 17, the schema's order.
    pub fn number(self) -> usize {
        Category::ALL.iter().position(|c| *c == self).unwrap_or(0) + 1
    }

    /// Reads a label (case and surrounding spaces ignored, ’ taken for '), a number 1 to 17
    /// or a short name.
    pub fn parse(text: &str) -> Result<Category, AgecError> {
        let t = text.trim().replace('’', "'");
        if let Ok(n) = t.parse::<usize>()
            && (1..=17).contains(&n)
        {
            return Ok(Category::ALL[n - 1]);
        }
        let lower = t.to_lowercase();
        Category::ALL
            .into_iter()
            .find(|c| c.id() == lower || c.label().to_lowercase() == lower)
            .ok_or_else(|| AgecError::UnknownCategory {
                given: text.to_string(),
                known: Category::ALL.map(Category::id).join(", "),
            })
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The category of each asset class by default; `None` is outside every AGEC category.
///
/// The arrêté of 29 Feb 2024 lists the products of "Matériel informatique et téléphonie":
/// fixed and mobile phones, computer terminals, servers, screens, desktops and laptops,
/// tablets and video projectors. Network switches are not in that list, so `network` is left
/// out by default rather than diluting the IT share with spend the law does not count; a DSI
/// who reads it otherwise sets `[agec.categories] network = "it_telephony"`. `other` is
/// unknown by definition. Printers, MFPs and copiers are reprography and printing equipment.
pub fn default_category(class: AssetClass) -> Option<Category> {
    match class {
        AssetClass::Laptop
        | AssetClass::Desktop
        | AssetClass::ThinClient
        | AssetClass::Monitor
        | AssetClass::Smartphone
        | AssetClass::DeskPhone
        | AssetClass::Tablet
        | AssetClass::Server => Some(Category::ItTelephony),
        AssetClass::Printer | AssetClass::Mfp | AssetClass::Copier => {
            Some(Category::ReprographyPrinting)
        }
        AssetClass::Network | AssetClass::Other => None,
    }
}

/// Class → category, the defaults with the configured overrides laid over them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryMap {
    overrides: BTreeMap<AssetClass, Option<Category>>,
}

impl CategoryMap {
    /// Maps `class` to `category` (`None`: outside every category), over the default.
    pub fn set(&mut self, class: AssetClass, category: Option<Category>) {
        self.overrides.insert(class, category);
    }

    pub fn category(&self, class: AssetClass) -> Option<Category> {
        match self.overrides.get(&class) {
            Some(c) => *c,
            None => default_category(class),
        }
    }

    /// True when the configuration changed the class's category.
    pub fn is_overridden(&self, class: AssetClass) -> bool {
        self.overrides.contains_key(&class)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_seventeen_categories_with_distinct_labels_and_ids() {
        let labels: std::collections::BTreeSet<_> = Category::ALL.map(Category::label).into();
        let ids: std::collections::BTreeSet<_> = Category::ALL.map(Category::id).into();
        assert_eq!(labels.len(), 17);
        assert_eq!(ids.len(), 17);
    }

    #[test]
    fn a_category_is_read_from_its_exact_label_its_number_or_its_short_name() {
        assert_eq!(
            Category::parse("Matériel informatique et téléphonie").unwrap(),
            Category::ItTelephony
        );
        assert_eq!(
            Category::parse("matériel de reprographie et d’impression").unwrap(),
            Category::ReprographyPrinting
        );
        assert_eq!(Category::parse(" 5 ").unwrap(), Category::Paper);
        assert_eq!(Category::parse("17").unwrap(), Category::GamesToys);
        assert_eq!(
            Category::parse("printing_consumables").unwrap(),
            Category::PrintingConsumables
        );
        assert_eq!(Category::ItTelephony.number(), 2);
    }

    #[test]
    fn an_unknown_category_is_refused_with_the_names_to_use() {
        for bad in ["Informatique", "0", "18", ""] {
            let err = Category::parse(bad).unwrap_err();
            assert!(matches!(err, AgecError::UnknownCategory { .. }), "{bad}");
            assert!(err.to_string().contains("it_telephony"), "{err}");
        }
    }

    #[test]
    fn computers_and_phones_are_it_and_printers_are_reprography_by_default() {
        let map = CategoryMap::default();
        for class in [
            AssetClass::Laptop,
            AssetClass::Desktop,
            AssetClass::ThinClient,
            AssetClass::Monitor,
            AssetClass::Smartphone,
            AssetClass::DeskPhone,
            AssetClass::Tablet,
            AssetClass::Server,
        ] {
            assert_eq!(
                map.category(class),
                Some(Category::ItTelephony),
                "{class:?}"
            );
        }
        for class in [AssetClass::Printer, AssetClass::Mfp, AssetClass::Copier] {
            assert_eq!(
                map.category(class),
                Some(Category::ReprographyPrinting),
                "{class:?}"
            );
        }
        assert_eq!(map.category(AssetClass::Network), None);
        assert_eq!(map.category(AssetClass::Other), None);
    }

    #[test]
    fn a_configured_mapping_replaces_the_default_for_its_class_only() {
        let mut map = CategoryMap::default();
        map.set(AssetClass::Network, Some(Category::ItTelephony));
        map.set(AssetClass::Server, None);
        assert_eq!(
            map.category(AssetClass::Network),
            Some(Category::ItTelephony)
        );
        assert_eq!(map.category(AssetClass::Server), None);
        assert_eq!(
            map.category(AssetClass::Laptop),
            Some(Category::ItTelephony)
        );
        assert!(map.is_overridden(AssetClass::Server));
        assert!(!map.is_overridden(AssetClass::Laptop));
    }
}
