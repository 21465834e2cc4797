//! The two languages of the web view: French, which French public bodies must publish in,
//! and English. Labels of sentences sit where they are used (`lang.t("Parc", "Fleet")`);
//! this file holds the names of what the figures are keyed by.

use axum::http::HeaderMap;
use parcd_connectors::{AssetClass, Phase};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// `?lang=` first, else the first of French or English the browser prefers, else French.
    pub fn choose(param: Option<&str>, headers: &HeaderMap) -> Result<Lang, String> {
        match param {
            Some("fr") => return Ok(Lang::Fr),
            Some("en") => return Ok(Lang::En),
            Some(other) => return Err(format!("lang={other}: write lang=fr or lang=en")),
            None => {}
        }
        let accept = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // Weights are rarely used to rank fr against en: the order the browser sends wins.
        for tag in accept.split(',') {
            let tag = tag
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag == "fr" || tag.starts_with("fr-") {
                return Ok(Lang::Fr);
            }
            if tag == "en" || tag.starts_with("en-") {
                return Ok(Lang::En);
            }
        }
        Ok(Lang::Fr)
    }

    /// The French or the English text.
    pub fn t(self, fr: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// A class key (`AssetClass::as_str`), plural; an unknown key as it is.
    pub fn class(self, key: &str) -> String {
        let Some(class) = AssetClass::parse(key) else {
            return key.to_string();
        };
        let (fr, en) = match class {
            AssetClass::Laptop => ("Ordinateurs portables", "Laptops"),
            AssetClass::Desktop => ("Ordinateurs fixes", "Desktops"),
            AssetClass::ThinClient => ("Clients légers", "Thin clients"),
            AssetClass::Monitor => ("Écrans", "Monitors"),
            AssetClass::Smartphone => ("Smartphones", "Smartphones"),
            AssetClass::DeskPhone => ("Téléphones fixes", "Desk phones"),
            AssetClass::Tablet => ("Tablettes", "Tablets"),
            AssetClass::Printer => ("Imprimantes", "Printers"),
            AssetClass::Mfp => ("Multifonctions", "Multifunction printers"),
            AssetClass::Copier => ("Copieurs", "Copiers"),
            AssetClass::Server => ("Serveurs", "Servers"),
            AssetClass::Network => ("Équipements réseau", "Network equipment"),
            AssetClass::Other => ("Autres équipements", "Other equipment"),
        };
        self.t(fr, en).to_string()
    }

    pub fn phase(self, phase: Phase) -> &'static str {
        match phase {
            Phase::Ordered => self.t("Commandé", "Ordered"),
            Phase::InStock => self.t("En stock", "In stock"),
            Phase::InService => self.t("En service", "In service"),
            Phase::InRepair => self.t("En réparation", "In repair"),
            Phase::Retired => self.t("Réformé", "Retired"),
            Phase::Reused => self.t("Réemployé", "Reused"),
            Phase::Recycled => self.t("Recyclé", "Recycled"),
            Phase::Destroyed => self.t("Détruit", "Destroyed"),
        }
    }

    /// A criterion key's name and unit, as the API keys them (`gwp`, `adpe`…).
    pub fn criterion(self, key: &str) -> (&'static str, &'static str) {
        match key {
            "gwp" => (self.t("Changement climatique", "Climate change"), "kg CO2e"),
            "adpe" => (
                self.t("Ressources minérales et métaux", "Minerals and metals"),
                self.t("kg Sb éq.", "kg Sb eq."),
            ),
            "adpf" => (self.t("Ressources fossiles", "Fossil resources"), "MJ"),
            "pe" => (self.t("Énergie primaire", "Primary energy"), "MJ"),
            "water" => (self.t("Eau", "Water"), "L"),
            _ => ("?", ""),
        }
    }

    /// Why an in-service device has no footprint (the indicators' reason keys).
    pub fn exclusion(self, key: &str) -> String {
        match key {
            "no_factor" => self.t("sans facteur d'impact", "no impact factor"),
            "invalid_power" => self.t("puissance invraisemblable", "implausible power"),
            "invalid_lifespan" => self.t("durée de vie invalide", "invalid lifespan"),
            "other" => self.t("autre anomalie", "other anomaly"),
            other => return other.to_string(),
        }
        .to_string()
    }
}

/// The criteria in the order the pages show them.
pub const CRITERIA: [&str; 5] = ["gwp", "adpe", "adpf", "pe", "water"];

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::ACCEPT_LANGUAGE,
            value.parse().expect("a header value"),
        );
        h
    }

    #[test]
    fn the_parameter_wins_then_the_browser_then_french() {
        assert_eq!(
            Lang::choose(Some("en"), &accept("fr-FR")).unwrap(),
            Lang::En
        );
        assert_eq!(
            Lang::choose(None, &accept("de-DE,en-GB;q=0.8,fr;q=0.5")).unwrap(),
            Lang::En
        );
        assert_eq!(
            Lang::choose(None, &accept("fr-BE,en;q=0.9")).unwrap(),
            Lang::Fr
        );
        assert_eq!(Lang::choose(None, &accept("de")).unwrap(), Lang::Fr);
        assert_eq!(Lang::choose(None, &HeaderMap::new()).unwrap(), Lang::Fr);
        assert!(Lang::choose(Some("de"), &HeaderMap::new()).is_err());
    }
}
