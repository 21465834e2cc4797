//! French names for what the figures are keyed by: asset classes, criteria, and the reasons a
//! device or a purchase is left out.

use parcd_connectors::AssetClass;

use crate::agec::share::Reason;
use crate::footprint::Criterion;

/// The plural French name of a class key (`AssetClass::as_str`); an unknown key as it is.
pub fn class(key: &str) -> &str {
    match AssetClass::parse(key) {
        Some(AssetClass::Laptop) => "Ordinateurs portables",
        Some(AssetClass::Desktop) => "Ordinateurs fixes",
        Some(AssetClass::ThinClient) => "Clients légers",
        Some(AssetClass::Monitor) => "Écrans",
        Some(AssetClass::Smartphone) => "Smartphones",
        Some(AssetClass::DeskPhone) => "Téléphones fixes",
        Some(AssetClass::Tablet) => "Tablettes",
        Some(AssetClass::Printer) => "Imprimantes",
        Some(AssetClass::Mfp) => "Multifonctions",
        Some(AssetClass::Copier) => "Copieurs",
        Some(AssetClass::Server) => "Serveurs",
        Some(AssetClass::Network) => "Équipements réseau",
        Some(AssetClass::Other) => "Autres équipements",
        None => key,
    }
}

/// The French name of an impact criterion and its unit.
pub fn criterion(c: Criterion) -> (&'static str, &'static str) {
    match c {
        Criterion::Gwp => ("Changement climatique", "kgCO2e"),
        Criterion::Adpe => ("Épuisement des ressources minérales", "kg\u{a0}Sb\u{a0}éq."),
        Criterion::Adpf => ("Épuisement des ressources fossiles", "MJ"),
        Criterion::Pe => ("Énergie primaire", "MJ"),
        Criterion::Water => ("Eau", "L"),
    }
}

/// Why an in-service device has no footprint, from the indicators' reason keys.
pub fn footprint_exclusion(key: &str) -> &str {
    match key {
        "no_factor" => "pas de facteur d'impact pour ce type de matériel",
        "invalid_power" => "puissance saisie dans l'inventaire invraisemblable",
        "invalid_lifespan" => "durée de vie de référence invalide",
        "other" => "autre anomalie de données",
        other => other,
    }
}

/// Why a purchase is left out of the AGEC shares, as "N achats …" completes it.
pub fn purchase_exclusion(r: Reason) -> &'static str {
    match r {
        Reason::NoDate => "sans date d'achat",
        Reason::NoAmount => "sans montant",
        Reason::UnreadableAmount => "au montant illisible (à corriger dans l'inventaire)",
        Reason::NegativeAmount => "à montant négatif (avoirs ?)",
        Reason::AfterToday => "datés après le jour du calcul",
        Reason::NoCategory => "hors des catégories AGEC",
        Reason::ZeroAmount => "à 0 €",
    }
}
