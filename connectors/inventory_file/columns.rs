//! Which row of a sheet is its header, and which column holds which field.
//!
//! DSIs export from GLPI, from a marché's spreadsheet or from a hand-kept workbook, in
//! French or English, often under a title row. Header texts are compared folded: case,
//! accents, punctuation, "N°"/"No"/"Numéro"/"number" and the small words (de, d', of) do
//! not count, nor a currency written after the name ("Montant HT (€)" is "Montant HT").

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use thiserror::Error;

/// How many rows from the top may stand before the header (titles, blank lines, a date).
pub const HEADER_SEARCH_ROWS: usize = 10;

/// What parcd reads from a row. The user or assignee column is deliberately not one: a
/// footprint needs no names of people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Id,
    InventoryNumber,
    Serial,
    Name,
    Category,
    Manufacturer,
    Model,
    Status,
    PurchaseDate,
    UseDate,
    WarrantyEnd,
    Amount,
    Refurbished,
    Entity,
    Location,
    Supplier,
    OrderNumber,
    Comment,
    /// The device's IP address(es): an SNMP source polls the file's printers there.
    IpAddress,
}

impl Field {
    pub const ALL: [Field; 19] = [
        Field::Id,
        Field::InventoryNumber,
        Field::Serial,
        Field::Name,
        Field::Category,
        Field::Manufacturer,
        Field::Model,
        Field::Status,
        Field::PurchaseDate,
        Field::UseDate,
        Field::WarrantyEnd,
        Field::Amount,
        Field::Refurbished,
        Field::Entity,
        Field::Location,
        Field::Supplier,
        Field::OrderNumber,
        Field::Comment,
        Field::IpAddress,
    ];

    /// The field's name in `[sources.columns]`.
    pub fn key(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::InventoryNumber => "inventory_number",
            Field::Serial => "serial",
            Field::Name => "name",
            Field::Category => "category",
            Field::Manufacturer => "manufacturer",
            Field::Model => "model",
            Field::Status => "status",
            Field::PurchaseDate => "purchase_date",
            Field::UseDate => "use_date",
            Field::WarrantyEnd => "warranty_end",
            Field::Amount => "amount",
            Field::Refurbished => "refurbished",
            Field::Entity => "entity",
            Field::Location => "location",
            Field::Supplier => "supplier",
            Field::OrderNumber => "order_number",
            Field::Comment => "comment",
            Field::IpAddress => "ip_address",
        }
    }

    pub fn parse(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    /// The header texts recognised for the field, French first; the first is the one error
    /// messages suggest.
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Field::Id => &["ID", "Identifiant", "Identifier", "Asset ID", "Device ID"],
            Field::InventoryNumber => &[
                "N° d'inventaire",
                "Numéro d'inventaire",
                "Inventaire",
                "Code inventaire",
                "N° d'immobilisation",
                "Immobilisation",
                "Étiquette",
                "Inventory number",
                "Inventory",
                "Asset tag",
                "Asset number",
            ],
            Field::Serial => &[
                "Numéro de série",
                "Série",
                "Serial number",
                "Serial",
                "S/N",
                "SN",
            ],
            Field::Name => &[
                "Nom",
                "Nom du poste",
                "Nom de l'équipement",
                "Nom d'hôte",
                "Désignation",
                "Libellé",
                "Name",
                "Hostname",
                "Device name",
                "Asset name",
            ],
            Field::Category => &[
                "Catégorie",
                "Type",
                "Type de matériel",
                "Type d'équipement",
                "Famille",
                "Nature",
                "Category",
                "Asset type",
                "Device type",
                "Equipment type",
            ],
            Field::Manufacturer => &[
                "Fabricant",
                "Marque",
                "Constructeur",
                "Manufacturer",
                "Brand",
                "Make",
            ],
            Field::Model => &["Modèle", "Référence modèle", "Model", "Model name"],
            Field::Status => &["Statut", "État", "Situation", "Status", "State"],
            Field::PurchaseDate => &[
                "Date d'achat",
                "Date d'acquisition",
                "Purchase date",
                "Date of purchase",
                "Acquisition date",
            ],
            Field::UseDate => &[
                "Date de mise en service",
                "Mise en service",
                "Date de déploiement",
                "In service date",
                "Deployment date",
            ],
            Field::WarrantyEnd => &[
                "Fin de garantie",
                "Date de fin de garantie",
                "Warranty end",
                "Warranty expires",
                "Warranty expiration",
                "End of warranty",
            ],
            Field::Amount => &[
                "Montant HT",
                "Montant",
                "Prix HT",
                "Prix",
                "Prix d'achat HT",
                "Prix d'achat",
                "Coût HT",
                "Coût",
                "Valeur d'achat",
                "Amount",
                "Cost",
                "Price",
                "Purchase cost",
                "Purchase price",
            ],
            Field::Refurbished => &["Reconditionné", "Réemploi", "Seconde main", "Refurbished"],
            Field::Entity => &[
                "Entité",
                "Service",
                "Direction",
                "Collectivité",
                "Société",
                "Organisation",
                "Entity",
                "Company",
                "Department",
                "Organization",
            ],
            Field::Location => &[
                "Site",
                "Lieu",
                "Localisation",
                "Bâtiment",
                "Emplacement",
                "Location",
                "Building",
            ],
            Field::Supplier => &["Fournisseur", "Supplier", "Vendor"],
            Field::OrderNumber => &[
                "N° de commande",
                "Bon de commande",
                "Commande",
                "Order number",
                "Purchase order",
                "PO number",
            ],
            Field::Comment => &[
                "Commentaire",
                "Commentaires",
                "Remarque",
                "Remarques",
                "Observations",
                "Notes",
                "Note",
                "Comment",
                "Comments",
            ],
            // Not "Adresse" alone: that is the postal address of a site in many exports.
            Field::IpAddress => &[
                "Adresse IP",
                "IP",
                "Adresse IPv4",
                "Adresse réseau",
                "IP address",
                "IPv4 address",
                "IPv4",
                "Network address",
            ],
        }
    }
}

/// The fields that may identify a row, in the order one is chosen.
pub const IDENTITY: [Field; 3] = [Field::Id, Field::InventoryNumber, Field::Serial];

fn fold_char(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'ç' => 'c',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'î' | 'ï' | 'í' | 'ì' => 'i',
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
        'ù' | 'û' | 'ü' | 'ú' => 'u',
        'ÿ' => 'y',
        'œ' => 'o',
        c if c.is_alphanumeric() && c != 'º' && c != 'ª' => c,
        _ => ' ',
    }
}

/// A header text as compared: lower case, no accents, words only, "n°"/"no"/"numéro"/
/// "number" as one word, small words and a trailing currency dropped.
pub fn fold(header: &str) -> String {
    let lower: String = header.to_lowercase().chars().map(fold_char).collect();
    let mut words: Vec<&str> = lower
        .split_whitespace()
        .filter(|w| {
            !matches!(
                *w,
                "d" | "de" | "du" | "des" | "l" | "la" | "le" | "les" | "of" | "the"
            )
        })
        .map(|w| match w {
            "n" | "no" | "num" | "numero" | "nr" | "number" => "numero",
            w => w,
        })
        .collect();
    while words
        .last()
        .is_some_and(|w| matches!(*w, "eur" | "euro" | "euros"))
    {
        words.pop();
    }
    words.join(" ")
}

static KNOWN: LazyLock<HashMap<String, Field>> = LazyLock::new(|| {
    let mut known = HashMap::new();
    for field in Field::ALL {
        for h in field.headers() {
            known.entry(fold(h)).or_insert(field);
        }
    }
    known
});

/// Header text → field, for one source: the known names, minus those of the fields that
/// `[sources.columns]` names, plus the names it gives (which win over a known one).
#[derive(Debug, Clone)]
pub struct Matcher {
    names: HashMap<String, Field>,
    overrides: BTreeMap<Field, String>,
}

impl Matcher {
    pub fn new(overrides: &BTreeMap<Field, String>) -> Matcher {
        let mut names: HashMap<String, Field> = KNOWN
            .iter()
            .filter(|(_, f)| !overrides.contains_key(f))
            .map(|(n, f)| (n.clone(), *f))
            .collect();
        for (field, header) in overrides {
            names.insert(fold(header), *field);
        }
        Matcher {
            names,
            overrides: overrides.clone(),
        }
    }

    pub fn field_of(&self, header: &str) -> Option<Field> {
        self.names.get(&fold(header)).copied()
    }

    /// How many different fields a row's cells name: a header names several.
    pub fn score(&self, cells: &[String]) -> usize {
        let mut seen: Vec<Field> = cells.iter().filter_map(|c| self.field_of(c)).collect();
        seen.sort();
        seen.dedup();
        seen.len()
    }
}

/// The header row of a sheet and where each field is.
#[derive(Debug, Clone)]
pub struct Header {
    /// Index of the header among the rows read.
    pub index: usize,
    /// Field → column index; the first column wins when two name one field.
    pub columns: BTreeMap<Field, usize>,
    /// The field whose value identifies a row.
    pub identity: Field,
}

/// Why no header could be used. The file's path is added by the caller.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum HeaderError {
    #[error(
        "no header row in the first {HEADER_SEARCH_ROWS} rows{where_}: expected column names \
         such as {expected}; the first row reads: {first}. Rename the columns, or name them \
         in [sources.columns]"
    )]
    NotFound {
        where_: String,
        expected: String,
        first: String,
    },
    #[error(
        "the header (row {row}) has no {missing} column: found {found}; expected one of {expected}. \
         Add the column, or name it in [sources.columns]"
    )]
    Missing {
        row: u64,
        missing: &'static str,
        found: String,
        expected: String,
    },
    #[error(
        "[sources.columns] {key} = \"{header}\" names no column of the header (row {row}): found {found}"
    )]
    Override {
        key: &'static str,
        header: String,
        row: u64,
        found: String,
    },
}

fn cells_text(cells: &[String]) -> String {
    let shown: Vec<String> = cells
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .map(|c| format!("\"{c}\""))
        .collect();
    if shown.is_empty() {
        "nothing".to_string()
    } else {
        shown.join(", ")
    }
}

fn expected(fields: &[Field]) -> String {
    fields
        .iter()
        .flat_map(|f| f.headers().iter().take(3))
        .map(|h| format!("\"{h}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Header {
    /// Finds the header among the first rows: the first that names at least two fields.
    /// `rows` are (source row number, cells); `where_` says which sheet, for the message.
    pub fn find<'a>(
        rows: impl IntoIterator<Item = (u64, &'a [String])>,
        matcher: &Matcher,
        where_: &str,
    ) -> Result<Header, HeaderError> {
        let mut first: Option<&[String]> = None;
        for (index, (line, cells)) in rows.into_iter().take(HEADER_SEARCH_ROWS).enumerate() {
            if first.is_none() && cells.iter().any(|c| !c.trim().is_empty()) {
                first = Some(cells);
            }
            if matcher.score(cells) >= 2 {
                return Header::from_row(index, line, cells, matcher);
            }
        }
        Err(HeaderError::NotFound {
            where_: where_.to_string(),
            expected: expected(&[
                Field::InventoryNumber,
                Field::Serial,
                Field::Category,
                Field::Status,
            ]),
            first: cells_text(first.unwrap_or(&[])),
        })
    }

    fn from_row(
        index: usize,
        line: u64,
        cells: &[String],
        matcher: &Matcher,
    ) -> Result<Header, HeaderError> {
        let mut columns = BTreeMap::new();
        for (i, cell) in cells.iter().enumerate() {
            if let Some(field) = matcher.field_of(cell) {
                columns.entry(field).or_insert(i);
            }
        }
        for (field, header) in &matcher.overrides {
            if !columns.contains_key(field) {
                return Err(HeaderError::Override {
                    key: field.key(),
                    header: header.clone(),
                    row: line,
                    found: cells_text(cells),
                });
            }
        }
        let Some(identity) = IDENTITY.into_iter().find(|f| columns.contains_key(f)) else {
            return Err(HeaderError::Missing {
                row: line,
                missing: "identity (inventory number, serial number or id)",
                found: cells_text(cells),
                expected: expected(&IDENTITY),
            });
        };
        if !columns.contains_key(&Field::Category) {
            return Err(HeaderError::Missing {
                row: line,
                missing: "category (type of device)",
                found: cells_text(cells),
                expected: expected(&[Field::Category]),
            });
        }
        Ok(Header {
            index,
            columns,
            identity,
        })
    }

    /// The text of the header cell of `field`, for messages.
    pub fn name_of(&self, field: Field, cells: &[String]) -> String {
        self.columns
            .get(&field)
            .and_then(|i| cells.get(*i))
            .map_or_else(|| field.key().to_string(), |c| c.trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    fn find(rows: &[Vec<String>], overrides: &[(Field, &str)]) -> Result<Header, HeaderError> {
        let overrides = overrides.iter().map(|(f, h)| (*f, h.to_string())).collect();
        Header::find(
            rows.iter()
                .enumerate()
                .map(|(i, r)| (i as u64 + 1, r.as_slice())),
            &Matcher::new(&overrides),
            "",
        )
    }

    #[test]
    fn headers_match_whatever_their_case_accents_and_punctuation() {
        let m = Matcher::new(&BTreeMap::new());
        for (text, field) in [
            ("N° d'inventaire", Field::InventoryNumber),
            ("No inventaire", Field::InventoryNumber),
            ("NUMERO D'INVENTAIRE", Field::InventoryNumber),
            ("Nº de série", Field::Serial),
            ("numero_de_serie", Field::Serial),
            ("S/N", Field::Serial),
            ("Serial Number", Field::Serial),
            ("Asset Tag", Field::InventoryNumber),
            ("Montant HT (€)", Field::Amount),
            ("Prix (EUR)", Field::Amount),
            ("Date d’achat", Field::PurchaseDate),
            ("date-achat", Field::PurchaseDate),
            ("ÉTAT", Field::Status),
            ("Reconditionné ?", Field::Refurbished),
            ("Date de mise en service", Field::UseDate),
            ("  Catégorie  ", Field::Category),
        ] {
            assert_eq!(m.field_of(text), Some(field), "{text}");
        }
        for text in ["Utilisateur", "User", "Assigned to", "Montant TTC", ""] {
            assert_eq!(m.field_of(text), None, "{text}");
        }
    }

    #[test]
    fn no_known_header_names_two_fields() {
        let m = Matcher::new(&BTreeMap::new());
        for field in Field::ALL {
            for h in field.headers() {
                assert_eq!(m.field_of(h), Some(field), "{h}");
            }
        }
    }

    #[test]
    fn the_header_may_stand_under_a_title_and_the_identity_is_chosen_once() {
        let rows = [
            row(&["Inventaire du parc informatique 2026"]),
            row(&[]),
            row(&[
                "Numéro de série",
                "Type",
                "N° d'inventaire",
                "Statut",
                "Utilisateur",
            ]),
            row(&["SN1", "Portable", "INV-1", "En service", "Jean"]),
        ];
        let h = find(&rows, &[]).unwrap();
        assert_eq!(h.index, 2);
        assert_eq!(
            h.identity,
            Field::InventoryNumber,
            "inventory number before serial"
        );
        assert_eq!(h.columns[&Field::Serial], 0);
        assert_eq!(h.columns[&Field::Category], 1);
        assert_eq!(h.columns.len(), 4, "the user column is not read");
        let with_id = [row(&["ID", "Serial", "Category"])];
        assert_eq!(find(&with_id, &[]).unwrap().identity, Field::Id);
        let serial_only = [row(&["Serial", "Category"])];
        assert_eq!(find(&serial_only, &[]).unwrap().identity, Field::Serial);
    }

    #[test]
    fn a_header_without_identity_or_category_lists_what_was_found_and_expected() {
        let e = find(&[row(&["Nom", "Catégorie", "Statut"])], &[]).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("identity") && msg.contains("\"Nom\", \"Catégorie\""),
            "{msg}"
        );
        assert!(msg.contains("\"N° d'inventaire\""), "{msg}");
        let e = find(&[row(&["Serial", "Nom", "Statut"])], &[]).unwrap_err();
        assert!(e.to_string().contains("no category"), "{e}");
        let e = find(&[row(&["Parc"]), row(&["a", "b"])], &[]).unwrap_err();
        assert!(
            matches!(&e, HeaderError::NotFound { first, .. } if first == "\"Parc\""),
            "{e:?}"
        );
    }

    #[test]
    fn the_header_must_be_within_the_first_ten_rows() {
        let mut rows: Vec<Vec<String>> = (0..10).map(|i| row(&[&format!("note {i}")])).collect();
        rows.push(row(&["Serial", "Category"]));
        assert!(matches!(
            find(&rows, &[]),
            Err(HeaderError::NotFound { .. })
        ));
        rows.remove(0);
        assert_eq!(find(&rows, &[]).unwrap().index, 9);
    }

    #[test]
    fn configured_columns_win_over_the_known_names() {
        let rows = [row(&[
            "Code",
            "Numéro de série",
            "Genre",
            "Service",
            "Pôle",
        ])];
        let h = find(
            &rows,
            &[
                (Field::InventoryNumber, "Code"),
                (Field::Category, "Genre"),
                (Field::Entity, "Pôle"),
            ],
        )
        .unwrap();
        assert_eq!(h.identity, Field::InventoryNumber);
        assert_eq!(h.columns[&Field::InventoryNumber], 0);
        assert_eq!(h.columns[&Field::Category], 2);
        assert_eq!(h.columns[&Field::Entity], 4, "\"Service\" no longer counts");
        let e = find(&rows, &[(Field::Category, "Famille")]).unwrap_err();
        assert!(
            e.to_string()
                .contains("category = \"Famille\" names no column"),
            "{e}"
        );
    }
}
