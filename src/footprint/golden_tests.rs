//! Offline check against BoaviztAPI 2.5.0's own answers: the golden vectors of
//! `shared/research/boaviztapi-2.5.0-reference/` (or the committed copy under
//! `tests/fixtures/boaviztapi/` when `shared/` is absent), replayed through parcd's built-in
//! factors and model. The live check against a running BoaviztAPI is in `tests/it/footprint.rs`.

use std::path::PathBuf;

use parcd_connectors::record::AssetClass;
use serde_json::Value;

use super::criteria::Criterion;
use super::load;
use super::model::{Assumptions, Device, estimate};

fn golden_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/research/boaviztapi-2.5.0-reference");
    if shared.is_dir() {
        shared
    } else {
        root.join("tests/fixtures/boaviztapi")
    }
}

/// One recorded request (see the README next to the vectors) and what parcd should compare.
struct Case {
    file: &'static str,
    class: AssetClass,
    location: &'static str,
    /// `None`: BoaviztAPI's default duration, the whole lifespan.
    hours: Option<f64>,
    power_w: Option<f64>,
    use_ratio: Option<f64>,
    embedded: bool,
    use_phase: bool,
}

const fn case(
    file: &'static str,
    class: AssetClass,
    location: &'static str,
    hours: Option<f64>,
) -> Case {
    Case {
        file,
        class,
        location,
        hours,
        power_w: None,
        use_ratio: None,
        embedded: true,
        use_phase: true,
    }
}

fn cases() -> Vec<Case> {
    use AssetClass::*;
    let year = Some(8760.0);
    vec![
        case("laptop_default.json", Laptop, "EEE", None),
        case("laptop_verbose.json", Laptop, "EEE", None),
        Case {
            power_w: Some(20.0),
            use_ratio: Some(0.25),
            ..case("laptop_explicit.json", Laptop, "FRA", year)
        },
        case("laptop_FRA_life.json", Laptop, "FRA", None),
        case("laptop_FRA_1y.json", Laptop, "FRA", year),
        case("desktop_FRA_life.json", Desktop, "FRA", None),
        case("desktop_FRA_1y.json", Desktop, "FRA", year),
        case("monitor_FRA_life.json", Monitor, "FRA", None),
        case("monitor_FRA_1y.json", Monitor, "FRA", year),
        case("smartphone_FRA_life.json", Smartphone, "FRA", None),
        case("smartphone_FRA_1y.json", Smartphone, "FRA", year),
        case("tablet_FRA_life.json", Tablet, "FRA", None),
        case("tablet_FRA_1y.json", Tablet, "FRA", year),
        // parcd's desk phone borrows BoaviztAPI's box embodied factors; its power is its own.
        Case {
            use_phase: false,
            ..case("box_FRA_life.json", DeskPhone, "FRA", None)
        },
        Case {
            use_phase: false,
            ..case("box_FRA_1y.json", DeskPhone, "FRA", year)
        },
        case("server_default.json", Server, "EEE", None),
        case("server_medium_FRA.json", Server, "FRA", None),
        // The Dell example has its own components: only its use phase is parcd's server model.
        Case {
            power_w: Some(300.0),
            embedded: false,
            ..case("server_dell.json", Server, "FRA", None)
        },
    ]
}

/// Significant digits BoaviztAPI kept: those of the shortest representation of its value.
fn shown_digits(v: f64) -> usize {
    let s = format!("{:e}", v.abs());
    let mantissa = s.split('e').next().unwrap_or("");
    mantissa.chars().filter(char::is_ascii_digit).count()
}

fn round_to(x: f64, digits: usize) -> f64 {
    format!("{:.*e}", digits.saturating_sub(1), x)
        .parse()
        .unwrap_or(f64::NAN)
}

/// BoaviztAPI's value agrees with parcd's: within 0.5 % when exact (min = max), else at the
/// precision BoaviztAPI rounded it to (it rounds by the width of its min..max range).
fn agrees(reported: &Value, ours: f64) -> Result<(), String> {
    let value = reported["value"].as_f64().ok_or("no value")?;
    let (min, max) = (reported["min"].as_f64(), reported["max"].as_f64());
    if min == max {
        let rel = (ours - value).abs() / value.abs().max(f64::MIN_POSITIVE);
        if rel <= 0.005 {
            return Ok(());
        }
        return Err(format!(
            "BoaviztAPI {value}, parcd {ours} ({:.3} %)",
            rel * 100.0
        ));
    }
    let digits = shown_digits(value);
    let rounded = round_to(ours, digits);
    if (rounded - value).abs() <= 1e-9 * value.abs() {
        Ok(())
    } else {
        Err(format!(
            "BoaviztAPI {value} (rounded to {digits} digits), parcd {ours} → {rounded}"
        ))
    }
}

#[test]
fn parcd_reproduces_every_boaviztapi_golden_vector() {
    let factors = load::builtin().unwrap();
    let dir = golden_dir();
    let mut compared = 0;
    let mut failures = Vec::new();
    for c in cases() {
        let text = std::fs::read_to_string(dir.join(c.file))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(c.file).display()));
        let doc: Value = serde_json::from_str(&text).unwrap();
        let profile = factors.profile(c.class, None).unwrap().profile;
        let hours = c.hours.unwrap_or(profile.lifespan_hours);
        let per_kwh = factors
            .intensity(c.location, 2019, &["boaviztapi".to_string()])
            .unwrap()
            .per_kwh;
        let device = Device {
            power_w: c.power_w,
            use_ratio: c.use_ratio,
            ..Device::default()
        };
        let est = estimate(&profile, &device, hours, &per_kwh, &Assumptions::default()).unwrap();
        let impacts = doc["impacts"].as_object().unwrap();
        for (key, criterion) in impacts {
            // `adp` is BoaviztAPI's legacy criterion; parcd carries adpe and adpf instead.
            let Some(crit) = Criterion::parse(key) else {
                continue;
            };
            let phases = [
                ("embedded", c.embedded, est.embodied.get(crit)),
                ("use", c.use_phase, est.use_phase.get(crit)),
            ];
            for (phase, wanted, ours) in phases {
                if !wanted {
                    continue;
                }
                let what = format!("{} {key} {phase}", c.file);
                match (&criterion[phase], ours) {
                    (Value::String(s), None) if s == "not implemented" => compared += 1,
                    (Value::Object(_), Some(x)) => match agrees(&criterion[phase], x) {
                        Ok(()) => compared += 1,
                        Err(e) => failures.push(format!("{what}: {e}")),
                    },
                    (theirs, ours) => {
                        failures.push(format!("{what}: BoaviztAPI {theirs}, parcd {ours:?}"))
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared >= 80, "only {compared} figures compared");
}

#[test]
fn the_committed_copy_of_the_golden_vectors_matches_shared_research() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/research/boaviztapi-2.5.0-reference");
    let copy = root.join("tests/fixtures/boaviztapi");
    for entry in std::fs::read_dir(&copy).unwrap() {
        let path = entry.unwrap().path();
        let theirs = shared.join(path.file_name().unwrap());
        if theirs.is_file() {
            assert_eq!(
                std::fs::read(&path).unwrap(),
                std::fs::read(&theirs).unwrap(),
                "{} differs from shared/research: copy it again",
                path.display()
            );
        }
    }
}

#[test]
fn precision_helpers_read_boaviztapi_rounding() {
    assert_eq!(shown_digits(19.0), 2);
    assert_eq!(shown_digits(1000.0), 1);
    assert_eq!(shown_digits(9.6e-06), 2);
    assert_eq!(shown_digits(4.292), 4);
    assert!(
        agrees(
            &serde_json::json!({"value": 77.0, "min": 51.51, "max": 103.0}),
            77.27
        )
        .is_ok()
    );
    assert!(
        agrees(
            &serde_json::json!({"value": 77.0, "min": 51.51, "max": 103.0}),
            78.6
        )
        .is_err()
    );
    assert!(
        agrees(
            &serde_json::json!({"value": 4.292, "min": 4.292, "max": 4.292}),
            4.2924
        )
        .is_ok()
    );
}
