//! The keys of a `kind = "inventory_file"` source.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::columns::Field;
use crate::api::{Connector, Role};
use crate::error::ConnectorError;
use crate::framework::kind::{SourceParams, toml_str};
use crate::mapping::{ClassRules, StatusMap};
use crate::params::Params;

/// Rows per page by default: a town's whole sheet is one page, and the largest exports
/// (100 000 rows) are twenty transactions of the core, each cheap to retry.
pub const DEFAULT_PAGE_SIZE: u64 = 5_000;
/// Above this a page is a transaction too large to retry cheaply.
pub const MAX_PAGE_SIZE: u64 = 100_000;

/// How the bytes of a CSV file are text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (with or without a BOM) when the bytes are valid UTF-8, else Windows-1252:
    /// what Excel writes for "CSV UTF-8" and for plain "CSV" on a French Windows.
    Auto,
    Utf8,
    /// Also taken for latin-1 / ISO-8859-1, which browsers and Excel read as Windows-1252.
    Windows1252,
}

impl Encoding {
    fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Some(Encoding::Auto),
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "windows-1252" | "cp1252" | "latin-1" | "latin1" | "iso-8859-1" => {
                Some(Encoding::Windows1252)
            }
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Auto => "auto",
            Encoding::Utf8 => "utf-8",
            Encoding::Windows1252 => "windows-1252",
        }
    }
}

/// Validated parameters of an inventory file source.
#[derive(Debug, Clone)]
pub struct InventoryFileParams {
    /// Absolute: a relative `path` is taken from the working directory when the config is
    /// read, so that the messages show which file was meant.
    pub path: PathBuf,
    /// XLSX only; `None`: the first sheet with a recognisable header.
    pub sheet: Option<String>,
    /// CSV only; `None`: detected among `;`, `,` and tab.
    pub delimiter: Option<u8>,
    pub encoding: Encoding,
    pub page_size: u64,
    /// Field → header text, overriding detection for that field.
    pub columns: BTreeMap<Field, String>,
    pub status_map: StatusMap,
    pub class_rules: ClassRules,
}

fn parse_delimiter(s: &str) -> Option<u8> {
    if s.eq_ignore_ascii_case("tab") || s == "\\t" {
        return Some(b'\t');
    }
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None)
            if c.is_ascii() && !c.is_ascii_alphanumeric() && !matches!(c, '"' | '\n' | '\r') =>
        {
            Some(c as u8)
        }
        _ => None,
    }
}

fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".to_string(),
        d => (d as char).to_string(),
    }
}

impl InventoryFileParams {
    /// Reads the keys of one `[[sources]]` table. Returns `None` when a key is wrong; every
    /// issue is recorded in `p`.
    pub fn from_params(p: &mut Params) -> Option<InventoryFileParams> {
        let path = p
            .required_string(
                "path",
                "set path to the inventory exported as .xlsx or .csv, e.g. \"/var/lib/parcd/inventaire.xlsx\"",
            )
            .and_then(|raw| existing_file(p, &raw));
        let sheet = p.string("sheet").filter(|s| !s.trim().is_empty());
        let delimiter = match p.string("delimiter") {
            None => None,
            Some(s) if s.eq_ignore_ascii_case("auto") => None,
            Some(s) => match parse_delimiter(&s) {
                Some(d) => Some(d),
                None => {
                    p.issue(
                        "delimiter",
                        format!("\"{s}\" is not a column separator"),
                        "write one character such as \";\", \",\" or \"|\", \"tab\", or remove the key to detect it",
                    );
                    None
                }
            },
        };
        let encoding = match p.string("encoding") {
            None => Encoding::Auto,
            Some(s) => Encoding::parse(&s).unwrap_or_else(|| {
                p.issue(
                    "encoding",
                    format!("\"{s}\" is not an encoding parcd reads"),
                    "use \"utf-8\" or \"windows-1252\" (\"latin-1\" is read as windows-1252), or remove the key to detect it",
                );
                Encoding::Auto
            }),
        };
        let page_size = p.u64_in("page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        let columns = read_columns(p);
        let status_map = StatusMap::from_params(p);
        let class_rules = ClassRules::from_params(p);
        Some(InventoryFileParams {
            path: path?,
            sheet,
            delimiter,
            encoding,
            page_size,
            columns: columns?,
            status_map,
            class_rules,
        })
    }

    /// The file as messages name it.
    pub fn file(&self) -> String {
        self.path.display().to_string()
    }

    /// A digest of every key that changes what a row becomes: a resting cursor holds it, so
    /// that a new mapping makes the next sync read the unchanged file again.
    pub fn normalisation_digest(&self) -> String {
        let mut text = format!(
            "sheet={:?}\ndelimiter={:?}\nencoding={}\n",
            self.sheet,
            self.delimiter,
            self.encoding.as_str()
        );
        for (field, header) in &self.columns {
            let _ = writeln!(text, "column {}={header}", field.key());
        }
        text.push_str(&self.status_map.render());
        text.push_str(&self.class_rules.render());
        let digest = Sha256::digest(text.as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The absolute path of `raw`, when it is a file that exists now.
fn existing_file(p: &mut Params, raw: &str) -> Option<PathBuf> {
    let given = Path::new(raw.trim());
    let path = std::path::absolute(given).unwrap_or_else(|_| given.to_path_buf());
    let relative = if given.is_relative() {
        " (a relative path starts from parcd's working directory)"
    } else {
        ""
    };
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => Some(path),
        Ok(_) => {
            p.issue(
                "path",
                format!("{} is a directory, not a file", path.display()),
                "point path at the exported .xlsx or .csv file itself",
            );
            None
        }
        Err(e) => {
            p.issue(
                "path",
                format!("{} cannot be read: {e}", path.display()),
                format!(
                    "export the inventory as .xlsx or .csv to that path, or correct path{relative}"
                ),
            );
            None
        }
    }
}

/// `[sources.columns]`: parcd field name → header text.
fn read_columns(p: &mut Params) -> Option<BTreeMap<Field, String>> {
    let mut columns = BTreeMap::new();
    let Some(mut table) = p.table("columns") else {
        return Some(columns);
    };
    let mut ok = true;
    for (key, value) in table.entries() {
        let Some(field) = Field::parse(&key) else {
            ok = false;
            table.issue(
                &key,
                "is not a field parcd reads from an inventory file",
                format!("use one of: {}", Field::ALL.map(Field::key).join(", ")),
            );
            continue;
        };
        match value.as_str().map(str::trim) {
            Some(header) if !header.is_empty() => {
                columns.insert(field, header.to_string());
            }
            _ => {
                ok = false;
                table.issue(
                    &key,
                    format!("expected the header text of a column, found {value}"),
                    "write the column's header as the file shows it, e.g. \"N° de série\"",
                );
            }
        }
    }
    p.absorb(table.finish());
    ok.then_some(columns)
}

impl SourceParams for InventoryFileParams {
    fn kind(&self) -> &'static str {
        super::KIND.name
    }

    fn role(&self) -> Role {
        Role::Inventory
    }

    fn render(&self) -> String {
        let mut s = format!("path = {}\n", toml_str(&self.file()));
        match &self.sheet {
            Some(sheet) => {
                let _ = writeln!(s, "sheet = {}", toml_str(sheet));
            }
            None => s.push_str("# sheet: the first sheet with a recognisable header (XLSX)\n"),
        }
        let delimiter = self.delimiter.map_or("auto".to_string(), delimiter_name);
        let _ = writeln!(
            s,
            "delimiter = {}\nencoding = \"{}\"\npage_size = {}",
            toml_str(&delimiter),
            self.encoding.as_str(),
            self.page_size
        );
        if self.columns.is_empty() {
            s.push_str("# columns: detected from the header row\n");
        } else {
            let pairs: Vec<String> = self
                .columns
                .iter()
                .map(|(f, h)| format!("{} = {}", f.key(), toml_str(h)))
                .collect();
            let _ = writeln!(s, "columns = {{ {} }}", pairs.join(", "));
        }
        s.push_str(&self.status_map.render());
        s.push_str(&self.class_rules.render());
        s
    }

    fn build(&self) -> Result<Box<dyn Connector>, ConnectorError> {
        Ok(Box::new(super::InventoryFileConnector::new(self.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamIssue;
    use serde_json::json;

    fn read(v: serde_json::Value) -> (Option<InventoryFileParams>, Vec<ParamIssue>) {
        let mut p = Params::new("sources[2]", v.as_object().unwrap().clone());
        let s = InventoryFileParams::from_params(&mut p);
        (s, p.finish())
    }

    #[test]
    fn a_minimal_source_gets_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("parc.csv");
        std::fs::write(&file, "x").unwrap();
        let (s, issues) = read(json!({"path": file.to_str().unwrap()}));
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.unwrap();
        assert_eq!(s.path, file);
        assert_eq!(
            (s.sheet, s.delimiter, s.encoding, s.page_size),
            (None, None, Encoding::Auto, DEFAULT_PAGE_SIZE)
        );
        assert!(s.columns.is_empty());
    }

    #[test]
    fn separators_and_encodings_are_read_in_their_usual_spellings() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("parc.csv");
        std::fs::write(&file, "x").unwrap();
        let path = file.to_str().unwrap();
        for (delimiter, want) in [("tab", b'\t'), ("|", b'|'), (";", b';'), ("\\t", b'\t')] {
            for (encoding, enc) in [
                ("latin-1", Encoding::Windows1252),
                ("ISO-8859-1", Encoding::Windows1252),
                ("UTF-8", Encoding::Utf8),
            ] {
                let (s, issues) =
                    read(json!({"path": path, "delimiter": delimiter, "encoding": encoding}));
                assert!(issues.is_empty(), "{issues:?}");
                let s = s.unwrap();
                assert_eq!((s.delimiter, s.encoding), (Some(want), enc));
            }
        }
    }

    #[test]
    fn a_relative_path_is_taken_from_the_working_directory() {
        let (s, issues) = read(json!({"path": "Cargo.toml"}));
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.unwrap();
        assert!(s.path.is_absolute());
        assert_eq!(s.path, std::env::current_dir().unwrap().join("Cargo.toml"));
    }

    #[test]
    fn every_mistake_is_reported_at_once_with_its_key_and_fix() {
        let (s, issues) = read(json!({
            "path": "/nonexistent/parcd/parc.xlsx",
            "delimiter": "ab",
            "encoding": "utf-16",
            "page_size": 0,
            "columns": {"serial": "S/N", "colour": "Couleur", "name": ""},
            "status_map": {"Perdu": "lost"},
            "class_rules": [{"type": "(", "class": "laptop"}],
            "sheeet": "Parc",
        }));
        assert!(s.is_none());
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        for key in [
            "sources[2].path",
            "sources[2].delimiter",
            "sources[2].encoding",
            "sources[2].page_size",
            "sources[2].columns.colour",
            "sources[2].columns.name",
            "sources[2].status_map.Perdu",
            "sources[2].class_rules[0].type",
            "sources[2].sheeet",
        ] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
        assert_eq!(issues.len(), 9, "{issues:?}");
        let path = &issues[0];
        assert!(
            path.problem.contains("/nonexistent/parcd/parc.xlsx"),
            "{path:?}"
        );
        assert!(path.fix.contains(".xlsx or .csv"), "{path:?}");
        let typo = issues.iter().find(|i| i.key.ends_with("sheeet")).unwrap();
        assert!(typo.fix.contains("`sheet`"), "{typo:?}");
    }

    #[test]
    fn a_directory_is_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let (s, issues) = read(json!({"path": dir.path().to_str().unwrap()}));
        assert!(s.is_none());
        assert_eq!(issues.len(), 1);
        assert!(issues[0].problem.contains("is a directory"), "{issues:?}");
    }

    #[test]
    fn the_rendering_shows_every_key_and_the_digest_follows_the_mapping() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("parc.xlsx");
        std::fs::write(&file, "x").unwrap();
        let path = file.to_str().unwrap();
        let (s, _) = read(json!({"path": path, "sheet": "Parc", "delimiter": "tab",
                                 "columns": {"serial": "S/N"}}));
        let s = s.unwrap();
        let text = s.render();
        for line in [
            format!("path = \"{path}\""),
            "sheet = \"Parc\"".to_string(),
            "delimiter = \"tab\"".to_string(),
            "encoding = \"auto\"".to_string(),
            "page_size = 5000".to_string(),
            "columns = { serial = \"S/N\" }".to_string(),
            "default_phase = \"in_service\"".to_string(),
        ] {
            assert!(text.contains(&line), "{line} missing from:\n{text}");
        }
        let (other, _) = read(json!({"path": path, "sheet": "Parc", "delimiter": "tab",
                                     "columns": {"serial": "S/N"}, "status_map": {"Perdu": "destroyed"}}));
        let (same, _) = read(json!({"path": path, "sheet": "Parc", "delimiter": "tab",
                                    "columns": {"serial": "S/N"}, "page_size": 10}));
        assert_ne!(
            s.normalisation_digest(),
            other.unwrap().normalisation_digest()
        );
        assert_eq!(
            s.normalisation_digest(),
            same.unwrap().normalisation_digest()
        );
    }
}
