//! The factor set as data: the built-in files, overlays, and every way a factor file can be wrong.

use parcd_connectors::record::AssetClass;

use super::criteria::Criterion;
use super::error::FootprintError;
use super::load::{builtin, with_overlay};

const DSI_SOURCE: &str = r#"
[sources.dsi-policy]
title = "DSI renewal policy, 2026"
date = "2026-01-15"
"#;

fn issues(text: &str) -> Vec<String> {
    match with_overlay("overlay.toml", text) {
        Err(FootprintError::InvalidFactors { origin, issues }) => {
            assert_eq!(origin, "overlay.toml");
            issues.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected invalid factors, got {other:?}"),
    }
}

fn assert_issue(text: &str, key: &str, fix: &str) {
    let all = issues(text);
    assert!(
        all.iter().any(|i| i.starts_with(key) && i.contains(fix)),
        "no issue at {key} with fix {fix:?} in:\n{}",
        all.join("\n")
    );
}

#[test]
fn the_built_in_set_covers_every_class_but_other_with_sourced_dated_figures() {
    let set = builtin().unwrap();
    for class in AssetClass::ALL {
        match set.class(class) {
            Ok(c) => {
                let gwp = c.embodied[Criterion::Gwp as usize].as_ref().unwrap();
                let figures = [gwp, &c.lifespan_hours, &c.power_w, &c.use_ratio];
                for f in figures {
                    let source = set.source(&f.source).unwrap();
                    assert!(!source.title.is_empty() && !source.date.is_empty());
                }
            }
            Err(FootprintError::NoClassFactor { .. }) => assert_eq!(class, AssetClass::Other),
            Err(e) => panic!("{e}"),
        }
    }
    assert!(set.zones("boaviztapi").len() >= 139);
    assert_eq!(set.zones("ademe"), vec!["FRA"]);
}

#[test]
fn ademe_factors_follow_the_year_and_boaviztapi_fills_the_other_criteria() {
    let set = builtin().unwrap();
    let prefs = ["ademe".to_string(), "boaviztapi".to_string()];
    let gwp = |year| {
        set.intensity("FRA", year, &prefs)
            .unwrap()
            .per_kwh
            .get(Criterion::Gwp)
            .unwrap()
    };
    // footprint.md §2.1: ADEME Base Empreinte 2022..2025.
    assert_eq!(gwp(2023), 0.0580);
    assert_eq!(gwp(2025), 0.0461);
    assert_eq!(gwp(2031), 0.0461, "the latest year stands for later ones");
    assert_eq!(
        gwp(2015),
        0.0520,
        "the earliest year stands for earlier ones"
    );
    let fra = set.intensity("fra", 2024, &prefs).unwrap();
    let adpe = fra.basis[Criterion::Adpe as usize].as_ref().unwrap();
    assert_eq!(
        (adpe.dataset.as_str(), adpe.value),
        ("boaviztapi", 4.85798e-08)
    );
    let water = fra.basis[Criterion::Water as usize].as_ref().unwrap();
    assert_eq!((water.dataset.as_str(), water.year), ("ademe", 2025));
    // Germany is not in ADEME's set: every criterion comes from BoaviztAPI (footprint.md §1.4).
    let deu = set.intensity("DEU", 2025, &prefs).unwrap();
    assert_eq!(deu.per_kwh.get(Criterion::Gwp), Some(0.422));
    assert_eq!(deu.per_kwh.get(Criterion::Water), None);
}

#[test]
fn a_country_with_no_factor_is_refused_with_the_fix() {
    let set = builtin().unwrap();
    let prefs = ["ademe".to_string()];
    match set.intensity("DEU", 2025, &prefs) {
        Err(e @ FootprintError::NoElectricityFactor { .. }) => {
            let text = e.to_string();
            assert!(text.contains("DEU") && text.contains("Fix:"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        set.intensity("XYZ", 2025, &["boaviztapi".to_string()]),
        Err(FootprintError::NoElectricityFactor { .. })
    ));
    assert!(matches!(
        set.intensity("France", 2025, &prefs),
        Err(FootprintError::InvalidInput {
            field: "location",
            ..
        })
    ));
    assert!(matches!(
        set.intensity("FRA", 2025, &["rte".to_string()]),
        Err(FootprintError::UnknownDataset { .. })
    ));
}

#[test]
fn an_overlay_replaces_whole_figures_and_adds_models() {
    let set = with_overlay(
        "dsi.toml",
        &format!(
            r#"{DSI_SOURCE}
            [classes.laptop]
            lifespan = {{ value = 7, unit = "y", source = "dsi-policy" }}
            power = {{ value = 200, unit = "W", source = "dsi-policy" }}

            [models."Dell Latitude 5420"]
            class = "laptop"
            power = {{ value = 15, unit = "W", source = "dsi-policy" }}
            embodied.gwp = {{ value = 250, unit = "kgCO2e", source = "dsi-policy" }}
            "#
        ),
    )
    .unwrap();
    assert_eq!(set.overlays, vec!["dsi.toml"]);
    let laptop = set.class(AssetClass::Laptop).unwrap();
    assert_eq!(laptop.lifespan_hours.value, 7.0 * 8760.0);
    // The built-in power has max = 100 W: a figure is replaced whole, not merged key by key.
    assert_eq!((laptop.power_w.value, laptop.power_w.max), (200.0, None));
    let p = set
        .profile(AssetClass::Laptop, Some("Dell Latitude 5420"))
        .unwrap();
    assert_eq!(p.profile.power_w, 15.0);
    assert_eq!(p.profile.embodied.get(Criterion::Gwp), Some(250.0));
    assert_eq!(p.profile.embodied.get(Criterion::Adpe), Some(0.0086));
    assert_eq!(p.profile.lifespan_hours, 61320.0);
    assert!(matches!(
        set.profile(AssetClass::Desktop, Some("Dell Latitude 5420")),
        Err(FootprintError::InvalidInput { field: "model", .. })
    ));
    assert!(matches!(
        set.profile(AssetClass::Laptop, Some("ThinkPad X1")),
        Err(FootprintError::UnknownModel { .. })
    ));
}

#[test]
fn a_figure_without_a_source_is_refused() {
    assert_issue(
        "[classes.laptop]\nlifespan = { value = 7, unit = \"y\" }",
        "classes.laptop.lifespan.source",
        "add source = ",
    );
    assert_issue(
        "[classes.laptop]\nlifespan = { value = 7, unit = \"y\", source = \"memo\" }",
        "classes.laptop.lifespan.source",
        "add [sources.memo]",
    );
}

#[test]
fn a_figure_without_a_unit_or_with_a_wrong_one_is_refused() {
    let text = format!(
        "{DSI_SOURCE}\n[classes.laptop.embodied]\ngwp = {{ value = 181, source = \"dsi-policy\" }}"
    );
    assert_issue(
        &text,
        "classes.laptop.embodied.gwp.unit",
        "add unit = \"kgCO2e\"",
    );
    let text = format!(
        "{DSI_SOURCE}\n[classes.laptop.embodied]\ngwp = {{ value = 181000, unit = \"gCO2e\", source = \"dsi-policy\" }}"
    );
    assert_issue(&text, "classes.laptop.embodied.gwp.unit", "\"kgCO2e\"");
}

#[test]
fn a_source_without_a_date_is_refused() {
    assert_issue(
        "[sources.memo]\ntitle = \"a memo\"",
        "sources.memo.date",
        "add date",
    );
}

#[test]
fn impossible_values_are_refused() {
    let cases = [
        (
            "lifespan = { value = 0, unit = \"h\"",
            "classes.laptop.lifespan.value",
        ),
        (
            "power = { value = -3, unit = \"W\"",
            "classes.laptop.power.value",
        ),
        (
            "power = { value = 90000, unit = \"W\"",
            "classes.laptop.power.value",
        ),
        (
            "use_ratio = { value = 1.2, unit = \"1\"",
            "classes.laptop.use_ratio.value",
        ),
        (
            "power = { value = \"75\", unit = \"W\"",
            "classes.laptop.power.value",
        ),
    ];
    for (figure, key) in cases {
        let text = format!("{DSI_SOURCE}\n[classes.laptop]\n{figure}, source = \"dsi-policy\" }}");
        assert_issue(&text, key, "");
    }
}

#[test]
fn unknown_names_are_refused_with_the_known_ones() {
    let text = format!(
        "{DSI_SOURCE}\n[classes.laptop.embodied]\nco2 = {{ value = 1, unit = \"kgCO2e\", source = \"dsi-policy\" }}"
    );
    assert_issue(
        &text,
        "classes.laptop.embodied.co2",
        "gwp, adpe, adpf, pe, water",
    );
    assert_issue("[classes.scanner]\n", "classes.scanner", "laptop");
    assert_issue("[classs.laptop]\n", "classs", "remove it");
    assert_issue(
        "[electricity.ademe.France.2025]\n",
        "electricity.ademe.France",
        "FRA",
    );
}

#[test]
fn a_new_class_needs_every_figure() {
    let text = format!(
        "{DSI_SOURCE}\n[classes.other.embodied]\ngwp = {{ value = 10, unit = \"kgCO2e\", source = \"dsi-policy\" }}"
    );
    let all = issues(&text);
    for key in [
        "classes.other.lifespan",
        "classes.other.power",
        "classes.other.use_ratio",
    ] {
        assert!(all.iter().any(|i| i.starts_with(key)), "{key}: {all:?}");
    }
}

#[test]
fn a_broken_toml_file_names_its_line() {
    match with_overlay("broken.toml", "[classes.laptop\nlifespan = 3") {
        Err(FootprintError::ReadFactors { file, reason }) => {
            assert_eq!(file, "broken.toml");
            assert!(reason.contains("line 1"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}
