//! The email footprint's factors: storing a gigabyte for a year, and carrying a gigabyte
//! sent, each in a low, a central and a high scenario (research note footprint.md §2.4),
//! because the published figures differ about 200-fold. Every figure has its source and
//! the date it was read or published. No I/O here.

use serde::Serialize;

use crate::printing::Sourced;

/// Bytes in a gigabyte, decimal, as NegaOctet and Cloud Carbon Footprint count them.
pub const BYTES_PER_GB: f64 = 1e9;
/// Legs a message crosses on access networks: the sender's and one recipient's. Sources
/// give no recipient counts; one recipient is the ADEME model's default.
pub const NETWORK_LEGS: f64 = 2.0;

/// The three scenarios, in this order.
pub const SCENARIOS: [Scenario; 3] = [Scenario::Low, Scenario::Central, Scenario::High];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    Low,
    Central,
    High,
}

impl Scenario {
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Low => "low",
            Scenario::Central => "central",
            Scenario::High => "high",
        }
    }
}

/// A per-gigabyte factor: electricity (times the fleet's kWh factor) plus a fixed part
/// (manufacture, or a published all-in figure).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PerGb {
    pub scenario: Scenario,
    /// kWh per GB (per GB-year for storage), `0` when the figure is all-in.
    pub kwh: f64,
    /// gCO2e per GB (per GB-year) besides the electricity.
    pub fixed_g: f64,
    pub source: &'static str,
    pub date: &'static str,
    /// What the figure counts, in one sentence.
    pub scope: &'static str,
}

impl PerGb {
    /// kgCO2e per GB (per GB-year) with `electricity` kgCO2e/kWh.
    pub fn kg_per_gb(&self, electricity: f64) -> f64 {
        self.kwh * electricity + self.fixed_g / 1000.0
    }
}

/// Storing 1 GB for a year, every copy counted.
pub fn storage() -> [PerGb; 3] {
    [
        PerGb {
            scenario: Scenario::Low,
            kwh: 0.0,
            fixed_g: 0.235,
            source: "ADEME, impactco2.fr « Stocker un Go de donnée pendant 1 an » \
                     (usagenumerique.json: data centre construction 0.125 g + use 0.111 g)",
            date: "read 2026-11-22",
            scope: "data centre only, all-in",
        },
        PerGb {
            scenario: Scenario::Central,
            // 0.65 Wh per TB-hour (HDD) × 8,760 h / 1,000 GB × 3 copies × PUE 1.135.
            kwh: 0.65 * 8760.0 / 1000.0 / 1000.0 * 3.0 * 1.135,
            fixed_g: 0.0,
            source: "Cloud Carbon Footprint (Thoughtworks), AwsFootprintEstimationConstants.ts: \
                     HDD 0.65 Wh/TB·h, 3 copies, PUE 1.135; times the fleet's electricity factor",
            date: "read 2026-11-22",
            scope: "storage electricity only, no manufacture",
        },
        PerGb {
            scenario: Scenario::High,
            kwh: 0.10,
            fixed_g: 47.5,
            source: "ADEME publicodes-acv-numerique (email.publicodes, data center.publicodes, \
                     commit 70676e4): 3 copies, storage 50 % full, PUE 1.16; its 3.55 TB server \
                     capacity is unsourced",
            date: "read 2026-11-22",
            scope: "storage servers' electricity and manufacture",
        },
    ]
}

/// Carrying 1 GB of mail sent, over [`NETWORK_LEGS`] access networks.
pub fn transfer() -> [PerGb; 3] {
    [
        PerGb {
            scenario: Scenario::Low,
            kwh: 0.001 * NETWORK_LEGS,
            fixed_g: 0.0,
            source: "Cloud Carbon Footprint (Thoughtworks): network 0.001 kWh/GB (between data \
                     centres, no access network); times the fleet's electricity factor",
            date: "read 2026-11-22",
            scope: "core network electricity",
        },
        PerGb {
            scenario: Scenario::Central,
            kwh: 0.0,
            fixed_g: 9.269 * NETWORK_LEGS,
            source: "NegaOctet via ADEME publicodes-acv-numerique (transmission.publicodes): \
                     fixed network, France, 9.269 gCO2e/GB",
            date: "NegaOctet 2022, read 2026-11-22",
            scope: "fixed access and core network, France",
        },
        PerGb {
            scenario: Scenario::High,
            kwh: 0.0,
            fixed_g: 24.68 * NETWORK_LEGS,
            source: "NegaOctet via ADEME publicodes-acv-numerique (transmission.publicodes): \
                     mobile network, France, 24.68 gCO2e/GB",
            date: "NegaOctet 2022, read 2026-11-22",
            scope: "mobile access and core network, France",
        },
    ]
}

/// Low, central and high values of one figure, kgCO2e.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Scenarios {
    pub low: f64,
    pub central: f64,
    pub high: f64,
}

impl Scenarios {
    /// `gb` gigabytes (or GB-years) through `factors`.
    pub fn of(gb: f64, factors: &[PerGb; 3], electricity: f64) -> Scenarios {
        let v = |i: usize| gb * factors[i].kg_per_gb(electricity);
        Scenarios {
            low: v(0),
            central: v(1),
            high: v(2),
        }
    }

    pub fn get(&self, s: Scenario) -> f64 {
        match s {
            Scenario::Low => self.low,
            Scenario::Central => self.central,
            Scenario::High => self.high,
        }
    }
}

/// The factors as the API and the report cite them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MailFactors {
    /// Per GB-year stored.
    pub storage: [PerGb; 3],
    /// Per GB sent.
    pub transfer: [PerGb; 3],
    pub electricity_kgco2e_per_kwh: Sourced,
    pub network_legs: f64,
}

impl MailFactors {
    pub fn new(electricity: Sourced) -> MailFactors {
        MailFactors {
            storage: storage(),
            transfer: transfer(),
            electricity_kgco2e_per_kwh: electricity,
            network_legs: NETWORK_LEGS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scenarios_match_the_research_note_and_are_ordered() {
        let e = 0.0461;
        let s = storage();
        // ADEME model: about 52 g per GB-year at 0.046 kg/kWh (footprint.md §2.4).
        assert!((s[2].kg_per_gb(e) * 1000.0 - 52.1).abs() < 0.1);
        // CCF: 19.4 Wh per GB-year for three copies.
        assert!((s[1].kwh * 1000.0 - 19.39).abs() < 0.01);
        assert!((s[0].kg_per_gb(e) * 1000.0 - 0.235).abs() < 1e-9);
        let t = transfer();
        assert!((t[1].kg_per_gb(e) * 1000.0 - 18.538).abs() < 1e-9);
        for f in [storage(), transfer()] {
            assert!(f[0].kg_per_gb(e) < f[1].kg_per_gb(e));
            assert!(f[1].kg_per_gb(e) < f[2].kg_per_gb(e));
            assert!(f.iter().all(|x| !x.source.is_empty() && !x.date.is_empty()));
        }
    }
}
