//! Offline check against BoaviztAPI 2.5.0's own answers: the golden vectors of
//! `shared/research/boaviztapi-2.5.0-reference/` (`shared/` beside the clone, or where
//! `PARCD_SHARED_DIR` says), else the committed copy under `tests/fixtures/boaviztapi/`,
//! replayed through parcd's built-in factors and model; and the check that this copy is the
//! research's. The live check against a running BoaviztAPI is in
//! `tests/it/footprint/boaviztapi.rs`.

use std::path::PathBuf;

use parcd_connectors::record::AssetClass;
use serde_json::Value;

use super::criteria::Criterion;
use super::load;
use super::model::{Assumptions, Device, estimate};

fn golden_dir() -> PathBuf {
    let shared = shared_research_dir();
    if shared.is_dir() {
        shared
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/boaviztapi")
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
    // Every vector of the folder is replayed: one added without a case would go unchecked.
    let mut vectors: Vec<String> = file_names(&dir)
        .into_iter()
        .filter(|n| n.ends_with(".json"))
        .collect();
    let mut replayed: Vec<String> = cases().iter().map(|c| c.file.to_string()).collect();
    vectors.sort();
    replayed.sort();
    assert_eq!(vectors, replayed, "the vectors of {}", dir.display());
}

/// Where the research copy of the vectors is: `PARCD_SHARED_DIR/research/…` when set, else
/// `shared/` beside the clone, as CI has it.
fn shared_research_dir() -> PathBuf {
    let shared = std::env::var_os("PARCD_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    shared.join("research/boaviztapi-2.5.0-reference")
}

/// The names of the files of `dir`, sorted.
fn file_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The copy under `tests/fixtures/boaviztapi/` is what CI without `shared/` would replay: it
/// must be the research's vectors, file for file. A missing research copy fails the test
/// rather than passing it with nothing compared.
#[test]
fn the_committed_copy_of_the_golden_vectors_matches_shared_research() {
    let shared = shared_research_dir();
    let copy = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/boaviztapi");
    assert!(
        shared.is_dir(),
        "the research copy of the golden vectors is not at {}: put the shared/ folder beside \
         the clone, or set PARCD_SHARED_DIR to the shared/ folder",
        shared.display()
    );
    let ours = file_names(&copy);
    let theirs = file_names(&shared);
    assert_eq!(
        ours,
        theirs,
        "{} and {} hold different files: copy the research's again",
        copy.display(),
        shared.display()
    );
    let mut compared = 0;
    for name in &ours {
        assert_eq!(
            std::fs::read(copy.join(name)).unwrap(),
            std::fs::read(shared.join(name)).unwrap(),
            "{} differs from {}: copy it again",
            copy.join(name).display(),
            shared.join(name).display()
        );
        compared += 1;
    }
    // The 18 vectors `cases()` replays, and the README describing them.
    assert_eq!(compared, cases().len() + 1, "files compared: {ours:?}");
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
