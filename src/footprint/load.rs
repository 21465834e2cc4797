//! Reading factor files: TOML layers merged key by key (the built-in files, then the file named
//! by `[footprint] factors_file`), then validated as a whole, every mistake collected with its
//! key and its fix.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::error::{FactorIssue, FootprintError};
use super::factors::FactorSet;
use super::sections::validate;

/// The compiled-in factor files, merged in this order.
const BUILTIN: [(&str, &str); 4] = [
    ("sources.toml", include_str!("data/sources.toml")),
    ("classes.toml", include_str!("data/classes.toml")),
    (
        "electricity_ademe.toml",
        include_str!("data/electricity_ademe.toml"),
    ),
    (
        "electricity_boaviztapi.toml",
        include_str!("data/electricity_boaviztapi.toml"),
    ),
];

pub(crate) type Tree = Map<String, Value>;

fn builtin_tree() -> Result<&'static Tree, FootprintError> {
    static TREE: OnceLock<Result<Tree, String>> = OnceLock::new();
    let tree = TREE.get_or_init(|| {
        let mut tree = Tree::new();
        for (name, text) in BUILTIN {
            merge(
                &mut tree,
                parse_toml(name, text).map_err(|e| e.to_string())?,
            );
        }
        Ok(tree)
    });
    tree.as_ref().map_err(|reason| FootprintError::ReadFactors {
        file: "built-in factor set".into(),
        reason: reason.clone(),
    })
}

/// The compiled-in factor set.
pub fn builtin() -> Result<FactorSet, FootprintError> {
    static SET: OnceLock<Result<FactorSet, Vec<FactorIssue>>> = OnceLock::new();
    let set = SET.get_or_init(|| {
        builtin_tree()
            .map_err(|e| {
                vec![FactorIssue {
                    key: "(built-in)".into(),
                    problem: e.to_string(),
                    fix: "fix src/footprint/data".into(),
                }]
            })
            .and_then(validate)
    });
    set.clone()
        .map_err(|issues| FootprintError::InvalidFactors {
            origin: "built-in factor set".into(),
            issues,
        })
}

/// The built-in set, overlaid by `overlay` when given.
pub fn load(overlay: Option<&Path>) -> Result<FactorSet, FootprintError> {
    let Some(path) = overlay else {
        return builtin();
    };
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| FootprintError::ReadFactors {
        file: origin.clone(),
        reason: e.to_string(),
    })?;
    with_overlay(&origin, &text)
}

/// The built-in set overlaid by one TOML text; `origin` names it in errors and in the set's label.
pub fn with_overlay(origin: &str, text: &str) -> Result<FactorSet, FootprintError> {
    let mut tree = builtin_tree()?.clone();
    merge(&mut tree, parse_toml(origin, text)?);
    // The built-in set is valid (a unit test holds it so): what is wrong came with the overlay.
    let mut set = validate(&tree).map_err(|issues| FootprintError::InvalidFactors {
        origin: origin.to_string(),
        issues,
    })?;
    set.overlays.push(origin.to_string());
    Ok(set)
}

fn parse_toml(origin: &str, text: &str) -> Result<Tree, FootprintError> {
    let value = config::Config::builder()
        .add_source(config::File::from_str(text, config::FileFormat::Toml))
        .build()
        .and_then(|c| c.try_deserialize::<Value>())
        .map_err(|e| FootprintError::ReadFactors {
            file: origin.to_string(),
            reason: e.to_string(),
        })?;
    match value {
        Value::Object(m) => Ok(m),
        _ => Ok(Tree::new()),
    }
}

/// Lays `over` onto `base`, table by table. A figure (a table with a `value`) is replaced as a
/// whole: keeping the built-in `min`/`max` next to an overriding `value` would mix two sources.
fn merge(base: &mut Tree, over: Tree) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(Value::Object(b)), Value::Object(o)) if !o.contains_key("value") => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}
