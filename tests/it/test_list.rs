//! The list of tests that run on both databases, as `main.rs` and the README state it, is
//! the list the files hold: a test added or moved without the sentence changing fails here.

use std::collections::BTreeMap;
use std::path::Path;

/// `on_both_backends!` entries per file of `tests/it/`.
fn bodies_per_file(dir: &Path) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut n = 0;
        let mut inside = false;
        for line in text.lines() {
            if line.starts_with("on_both_backends! {") {
                inside = true;
            } else if inside && line.starts_with('}') {
                inside = false;
            } else if inside && line.contains("=>") {
                n += 1;
            }
        }
        if n > 0 {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            counts.insert(name, n);
        }
    }
    counts
}

/// "That is B bodies, T tests: a 2, b 3 (note), c 1 (…)": B, T and the per-file counts.
fn stated(sentence: &str) -> (usize, usize, BTreeMap<String, usize>) {
    let number = |word: &str| -> usize {
        let at = sentence
            .find(word)
            .unwrap_or_else(|| panic!("`{word}` in {sentence}"));
        sentence[..at]
            .split_whitespace()
            .last()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (bodies, tests) = (number(" bodies"), number(" tests:"));
    let mut list = sentence.split_once("tests:").unwrap().1.to_string();
    // Drop the parenthesised notes.
    while let (Some(a), Some(b)) = (list.find('('), list.find(')')) {
        list.replace_range(a..=b, "");
    }
    let per_file = list
        .split(',')
        .map(|item| {
            let mut words = item.split_whitespace();
            let name = words.next().unwrap().to_string();
            let n = words.next().unwrap().trim_end_matches('.').parse().unwrap();
            (name, n)
        })
        .collect();
    (bodies, tests, per_file)
}

#[test]
fn the_stated_list_of_tests_on_both_databases_is_the_list_in_the_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let actual = bodies_per_file(&root.join("tests/it"));
    let total: usize = actual.values().sum();
    assert!(total > 0, "no on_both_backends! entry found");

    let main = std::fs::read_to_string(root.join("tests/it/main.rs")).unwrap();
    let doc: String = main
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .collect::<Vec<_>>()
        .join(" ");
    let from = doc.find("That is ").expect("main.rs states the count");
    let sentence = &doc[from..from + doc[from..].find("(`test_list.rs`").unwrap()];
    let (bodies, tests, per_file) = stated(sentence.trim_end().trim_end_matches(','));
    assert_eq!(per_file, actual, "main.rs lists per file");
    assert_eq!((bodies, tests), (total, 2 * total), "main.rs totals");

    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    let claim = format!("{total} test bodies, {} tests", 2 * total);
    assert!(readme.contains(&claim), "the README says `{claim}`");
}
