//! The folders of `src/` only use the folders listed before them in `lib.rs`: no import
//! cycle between folders, so each stage of the flow can be read, and tested, without the
//! ones after it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lower first. The same order as in `lib.rs`'s documentation.
const LAYERS: &[&str] = &[
    "footprint",
    "indicators",
    "agec",
    "alerts",
    "printing",
    "mail",
    "store",
    "readings",
    "config",
    "metrics",
    "live",
    "poll",
    "http",
    "daemon",
    "report",
    "cli",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file names through `crate::`, including `use crate::{a, b::c}`.
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    refs.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            refs.insert(name);
        }
    }
    refs
}

#[test]
fn every_folder_uses_only_the_folders_before_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src/");
        let Some(folder) = rel.iter().next().and_then(|c| c.to_str()) else {
            continue;
        };
        let folder = folder.trim_end_matches(".rs").to_string();
        if matches!(folder.as_str(), "lib" | "main" | "layering_tests") {
            continue;
        }
        assert!(
            LAYERS.contains(&folder.as_str()),
            "src/{folder} is in no layer: add it to LAYERS and to lib.rs's list"
        );
        let text = std::fs::read_to_string(&file).expect("a source file is readable");
        for r in crate_refs(&text) {
            if r != folder && LAYERS.contains(&r.as_str()) {
                uses.entry(folder.clone()).or_default().insert(r);
            }
        }
    }
    assert!(uses.len() > 5, "too few folders read: {uses:?}");
    let rank = |f: &str| LAYERS.iter().position(|l| *l == f).expect("a layer");
    let mut wrong = Vec::new();
    for (folder, used) in &uses {
        for u in used {
            if rank(u) > rank(folder) {
                wrong.push(format!("{folder} uses {u}"));
            }
        }
    }
    assert!(wrong.is_empty(), "folders using a later one: {wrong:?}");
}

#[test]
fn grouped_imports_are_read() {
    let refs = crate_refs("use crate::{store::Store, agec};\nlet x = crate::live::fleet::run;");
    assert_eq!(
        refs.into_iter().collect::<Vec<_>>(),
        vec!["agec", "live", "store"]
    );
}
