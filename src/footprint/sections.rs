//! Validation of a merged factor tree into a [`FactorSet`], section by section: `meta`,
//! `sources`, `classes`, `models`, `electricity`.

use std::collections::BTreeMap;

use parcd_connectors::record::AssetClass;
use serde_json::Value;

use super::criteria::Criterion;
use super::error::FactorIssue;
use super::factors::{ClassFactors, ElectricityRecord, FactorSet, Figures, ModelFactors, Source};
use super::load::Tree;
use super::validate::{Checker, Quantity, join};

pub(crate) fn validate(tree: &Tree) -> Result<FactorSet, Vec<FactorIssue>> {
    let mut ck = Checker::default();
    ck.unknown_keys(
        "",
        tree,
        &["meta", "sources", "classes", "models", "electricity"],
    );
    let empty = Value::Object(Tree::new());
    let meta = ck
        .table("meta", tree.get("meta").unwrap_or(&empty))
        .cloned()
        .unwrap_or_default();
    ck.unknown_keys("meta", &meta, &["name", "version"]);
    let name = ck.string("meta", &meta, "name", "add name = \"…\"");
    let version = ck.string("meta", &meta, "version", "add version = \"…\"");

    let sources = read_sources(&mut ck, tree.get("sources").unwrap_or(&empty));
    ck.source_ids = sources.keys().cloned().collect();
    let classes = read_classes(&mut ck, tree.get("classes").unwrap_or(&empty));
    let models = read_models(&mut ck, tree.get("models").unwrap_or(&empty), &classes);
    let electricity = read_electricity(&mut ck, tree.get("electricity").unwrap_or(&empty));

    if !ck.issues.is_empty() {
        return Err(ck.issues);
    }
    Ok(FactorSet {
        name: name.unwrap_or_default(),
        version: version.unwrap_or_default(),
        overlays: Vec::new(),
        sources,
        classes,
        models,
        electricity,
    })
}

fn read_sources(ck: &mut Checker, v: &Value) -> BTreeMap<String, Source> {
    let mut out = BTreeMap::new();
    let Some(map) = ck.table("sources", v) else {
        return out;
    };
    for (id, s) in map {
        let path = join("sources", id);
        let Some(s) = ck.table(&path, s) else {
            continue;
        };
        ck.unknown_keys(&path, s, &["title", "ref", "date", "note"]);
        let title = ck.string(&path, s, "title", "add title = \"what the data is\"");
        let date = ck.string(
            &path,
            s,
            "date",
            "add date = \"YYYY\" or \"YYYY-MM-DD\": the date or reference year of the data",
        );
        let reference = ck.optional_string(&path, s, "ref");
        let note = ck.optional_string(&path, s, "note");
        if let (Some(title), Some(date)) = (title, date) {
            out.insert(
                id.clone(),
                Source {
                    id: id.clone(),
                    title,
                    reference,
                    date,
                    note,
                },
            );
        } else {
            // Keep the id known so that figures naming it are not reported twice.
            out.insert(
                id.clone(),
                Source {
                    id: id.clone(),
                    title: String::new(),
                    reference: None,
                    date: String::new(),
                    note: None,
                },
            );
        }
    }
    out
}

fn read_embodied(ck: &mut Checker, path: &str, v: Option<&Value>, gwp_required: bool) -> Figures {
    let mut out: Figures = Default::default();
    let Some(v) = v else {
        if gwp_required {
            ck.issue(
                path,
                "is missing",
                "add the table with at least gwp = { value, unit = \"kgCO2e\", source }",
            );
        }
        return out;
    };
    let Some(map) = ck.table(path, v) else {
        return out;
    };
    for (k, fv) in map {
        let key = join(path, k);
        match Criterion::parse(k) {
            Some(c) => out[c as usize] = ck.figure(&key, fv, Quantity::Embodied(c)),
            None => ck.issue(
                &key,
                "is not a criterion",
                format!(
                    "use one of {}",
                    Criterion::ALL.map(Criterion::key).join(", ")
                ),
            ),
        }
    }
    if gwp_required && !map.contains_key("gwp") {
        ck.issue(
            &join(path, "gwp"),
            "is missing: climate change is the one mandatory criterion",
            "add gwp = { value, unit = \"kgCO2e\", source }",
        );
    }
    out
}

fn read_classes(ck: &mut Checker, v: &Value) -> BTreeMap<AssetClass, ClassFactors> {
    let mut out = BTreeMap::new();
    let Some(map) = ck.table("classes", v) else {
        return out;
    };
    for (name, cv) in map {
        let path = join("classes", name);
        let Some(class) = AssetClass::parse(name) else {
            ck.issue(
                &path,
                "is not an asset class",
                format!(
                    "use one of {}",
                    AssetClass::ALL.map(AssetClass::as_str).join(", ")
                ),
            );
            continue;
        };
        let Some(m) = ck.table(&path, cv) else {
            continue;
        };
        ck.unknown_keys(
            &path,
            m,
            &["description", "lifespan", "power", "use_ratio", "embodied"],
        );
        let description = ck.optional_string(&path, m, "description");
        let embodied = read_embodied(ck, &join(&path, "embodied"), m.get("embodied"), true);
        let required = |key: &str, q: Quantity, ck: &mut Checker| match m.get(key) {
            Some(v) => ck.figure(&join(&path, key), v, q),
            None => {
                ck.issue(
                    &join(&path, key),
                    "is missing",
                    format!(
                        "add {key} = {{ value, unit = \"{}\", source }}",
                        q.units()[0].0
                    ),
                );
                None
            }
        };
        let lifespan = required("lifespan", Quantity::Lifespan, ck);
        let power = required("power", Quantity::Power, ck);
        let ratio = required("use_ratio", Quantity::Ratio, ck);
        if let (Some(lifespan_hours), Some(power_w), Some(use_ratio)) = (lifespan, power, ratio) {
            out.insert(
                class,
                ClassFactors {
                    class,
                    description: description.unwrap_or_default(),
                    embodied,
                    lifespan_hours,
                    power_w,
                    use_ratio,
                },
            );
        }
    }
    out
}

fn read_models(
    ck: &mut Checker,
    v: &Value,
    classes: &BTreeMap<AssetClass, ClassFactors>,
) -> BTreeMap<String, ModelFactors> {
    let mut out = BTreeMap::new();
    let Some(map) = ck.table("models", v) else {
        return out;
    };
    for (name, mv) in map {
        let path = format!("models.\"{name}\"");
        let Some(m) = ck.table(&path, mv) else {
            continue;
        };
        ck.unknown_keys(
            &path,
            m,
            &[
                "class",
                "description",
                "lifespan",
                "power",
                "use_ratio",
                "embodied",
            ],
        );
        let class = ck
            .string(
                &path,
                m,
                "class",
                "add class = \"laptop\" (the model's asset class)",
            )
            .and_then(|c| match AssetClass::parse(&c) {
                Some(class) if classes.contains_key(&class) => Some(class),
                _ => {
                    ck.issue(
                        &join(&path, "class"),
                        format!("\"{c}\" is not a class with factors"),
                        format!(
                            "use one of {}",
                            classes
                                .keys()
                                .map(|c| c.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    None
                }
            });
        let _ = ck.optional_string(&path, m, "description");
        let embodied = read_embodied(ck, &join(&path, "embodied"), m.get("embodied"), false);
        let mut optional =
            |key: &str, q: Quantity| m.get(key).and_then(|v| ck.figure(&join(&path, key), v, q));
        let lifespan_hours = optional("lifespan", Quantity::Lifespan);
        let power_w = optional("power", Quantity::Power);
        let use_ratio = optional("use_ratio", Quantity::Ratio);
        if ["lifespan", "power", "use_ratio", "embodied"]
            .iter()
            .all(|k| !m.contains_key(*k))
        {
            ck.issue(
                &path,
                "overrides nothing",
                "give at least one of lifespan, power, use_ratio or embodied, or remove it",
            );
        }
        if let Some(class) = class {
            out.insert(
                name.clone(),
                ModelFactors {
                    name: name.clone(),
                    class,
                    embodied,
                    lifespan_hours,
                    power_w,
                    use_ratio,
                },
            );
        }
    }
    out
}

type Electricity = BTreeMap<String, BTreeMap<String, Vec<ElectricityRecord>>>;

fn read_electricity(ck: &mut Checker, v: &Value) -> Electricity {
    let mut out = Electricity::new();
    let Some(datasets) = ck.table("electricity", v) else {
        return out;
    };
    for (dataset, zv) in datasets {
        let dpath = join("electricity", dataset);
        if dataset.is_empty()
            || !dataset
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            ck.issue(
                &dpath,
                "is not a usable dataset name",
                "use lower-case letters, digits, - and _",
            );
            continue;
        }
        let Some(zones) = ck.table(&dpath, zv) else {
            continue;
        };
        for (zone, yv) in zones {
            let zpath = join(&dpath, zone);
            if zone.len() != 3 || !zone.bytes().all(|b| b.is_ascii_uppercase()) {
                ck.issue(
                    &zpath,
                    "is not a three-letter zone code",
                    "use an upper-case ISO 3166-1 alpha-3 code such as FRA",
                );
                continue;
            }
            let Some(years) = ck.table(&zpath, yv) else {
                continue;
            };
            let mut records = Vec::new();
            for (year, rv) in years {
                let rpath = join(&zpath, year);
                let Some(y) = year
                    .parse::<i32>()
                    .ok()
                    .filter(|y| (1990..=2100).contains(y))
                else {
                    ck.issue(
                        &rpath,
                        "is not a year",
                        "key each record by its year, e.g. [electricity.ademe.FRA.2025]",
                    );
                    continue;
                };
                let Some(r) = ck.table(&rpath, rv) else {
                    continue;
                };
                let mut factors: Figures = Default::default();
                let mut name = None;
                for (k, fv) in r {
                    if k == "name" {
                        name = ck.optional_string(&rpath, r, "name");
                        continue;
                    }
                    match Criterion::parse(k) {
                        Some(c) => {
                            factors[c as usize] =
                                ck.figure(&join(&rpath, k), fv, Quantity::PerKwh(c));
                        }
                        None => ck.issue(
                            &join(&rpath, k),
                            "is not a criterion",
                            format!(
                                "use name or one of {}",
                                Criterion::ALL.map(Criterion::key).join(", ")
                            ),
                        ),
                    }
                }
                if !r.contains_key("gwp") {
                    ck.issue(
                        &join(&rpath, "gwp"),
                        "is missing",
                        "add gwp = { value, unit = \"kgCO2e/kWh\", source }",
                    );
                }
                records.push(ElectricityRecord {
                    year: y,
                    name,
                    factors,
                });
            }
            records.sort_by_key(|r| r.year);
            out.entry(dataset.clone())
                .or_default()
                .insert(zone.clone(), records);
        }
    }
    out
}
