//! A deterministic fleet as a French public body's spreadsheet holds it: "SIN
//! Val-de-Brume", the fictional syndicate of the other fakes, with its communes as
//! entities, French categories and statuses, purchases over eight years, some devices
//! bought reconditioned.

use chrono::{Days, NaiveDate};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct FleetSpec {
    /// How many devices (rows).
    pub devices: usize,
    /// The random seed: one seed, one fleet.
    pub seed: u64,
}

/// One row of the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The inventory number ("N° d'inventaire"): unique, the row's identity.
    pub inventory_number: String,
    /// The serial number.
    pub serial: Option<String>,
    /// The host name; empty for most peripherals.
    pub name: Option<String>,
    /// The category as the DSI writes it ("Ordinateur portable", "Écran"…).
    pub category: String,
    /// The manufacturer.
    pub manufacturer: String,
    /// The model.
    pub model: String,
    /// The status in French ("En service", "Réformé"…); empty for a few rows.
    pub status: String,
    /// The purchase date.
    pub purchase_date: Option<NaiveDate>,
    /// The amount excluding VAT, in cents.
    pub amount_cents: Option<i64>,
    /// Bought reconditioned.
    pub refurbished: bool,
    /// The commune or body that owns it.
    pub entity: String,
    /// Where it is.
    pub site: String,
    /// Who uses it: in the file, never read by parcd.
    pub user: Option<String>,
    /// Free text, sometimes with the separator, quotes or a line break in it.
    pub comment: Option<String>,
}

/// The generated fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fleet {
    /// In file order.
    pub devices: Vec<Device>,
}

/// The day the fleet is generated "on": purchase dates run over the eight years before it.
/// Fixed, so that one seed gives the same file on any day.
pub fn generated_on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).expect("valid date")
}

/// Category, share (‰), price range in euros, parcd class, (manufacturer, model) choices.
type Category = (
    &'static str,
    u32,
    (i64, i64),
    &'static str,
    &'static [(&'static str, &'static str)],
);

const CATEGORIES: &[Category] = &[
    (
        "Ordinateur portable",
        260,
        (650, 1_450),
        "laptop",
        &[
            ("Dell", "Latitude 5440"),
            ("Lenovo", "ThinkPad T14 Gen 3"),
            ("HP", "EliteBook 840 G8"),
        ],
    ),
    (
        "Ordinateur fixe",
        170,
        (550, 1_100),
        "desktop",
        &[("Dell", "OptiPlex 7010"), ("HP", "ProDesk 400 G9")],
    ),
    (
        "Écran",
        220,
        (120, 320),
        "monitor",
        &[("Dell", "P2422H"), ("iiyama", "ProLite XUB2492HSU")],
    ),
    (
        "Smartphone",
        90,
        (180, 650),
        "smartphone",
        &[("Fairphone", "Fairphone 5"), ("Samsung", "Galaxy A54")],
    ),
    (
        "Tablette",
        30,
        (350, 800),
        "tablet",
        &[
            ("Apple", "iPad 10e génération"),
            ("Samsung", "Galaxy Tab A9"),
        ],
    ),
    (
        "Imprimante",
        35,
        (180, 600),
        "printer",
        &[("Brother", "HL-L5210DN")],
    ),
    (
        "Imprimante multifonction",
        25,
        (400, 1_500),
        "mfp",
        &[("HP", "LaserJet Pro MFP 4102")],
    ),
    (
        "Copieur",
        10,
        (2_500, 6_000),
        "copier",
        &[("Kyocera", "TASKalfa 2554ci")],
    ),
    (
        "Serveur",
        15,
        (3_000, 12_000),
        "server",
        &[("Dell", "PowerEdge R660"), ("HPE", "ProLiant DL360 Gen11")],
    ),
    (
        "Switch",
        20,
        (400, 2_500),
        "network",
        &[("Cisco", "Catalyst 9200L")],
    ),
    (
        "Borne Wi-Fi",
        15,
        (150, 600),
        "network",
        &[("Ubiquiti", "UniFi U6 Pro")],
    ),
    (
        "Client léger",
        30,
        (300, 600),
        "thin_client",
        &[("Dell", "Wyse 5070")],
    ),
    (
        "Téléphone fixe",
        40,
        (90, 260),
        "desk_phone",
        &[("Yealink", "T54W")],
    ),
    (
        "Vidéoprojecteur",
        15,
        (450, 1_200),
        "other",
        &[("Epson", "EB-W49")],
    ),
    (
        "Station d'accueil",
        25,
        (90, 250),
        "other",
        &[("Dell", "WD19S")],
    ),
];

/// Status, share (‰), the phase parcd gives it by default.
const STATUSES: &[(&str, u32, &str)] = &[
    ("En service", 700, "in_service"),
    ("En stock", 80, "in_stock"),
    ("En commande", 20, "ordered"),
    ("En réparation", 30, "in_repair"),
    ("Réformé", 60, "retired"),
    ("Au rebut", 20, "retired"),
    ("Donné", 30, "reused"),
    ("Vendu", 10, "reused"),
    ("DEEE", 40, "recycled"),
    // No status: `no_status_phase`, in_service by default.
    ("", 10, "in_service"),
];

const ENTITIES: &[&str] = &[
    "Ville de Val-de-Brume",
    "Commune de Saint-Aubin-sur-Brume",
    "Commune de L'Isle-d'Arbois",
    "CCAS de Val-de-Brume",
    "Syndicat Brume & Rivières",
];

const SITES: &[&str] = &[
    "Hôtel de ville",
    "Médiathèque",
    "École Jean-Jaurès",
    "Centre technique municipal",
    "Mairie annexe",
    "Maison France Services",
];

const FIRST_NAMES: &[&str] = &[
    "Jean",
    "Marie",
    "Nathalie",
    "Karim",
    "Sophie",
    "Aïcha",
    "François",
    "Luc",
];
const LAST_NAMES: &[&str] = &[
    "Dupont", "Martin", "Lefèvre", "Benali", "Moreau", "Nguyen", "Girard",
];

/// Comments as people type them: the separator, quotes and a line break included.
const COMMENTS: &[&str] = &[
    "Lot marché UGAP 2021",
    "Écran 24\" ; pied remplacé",
    "Retour SAV\nremplacé carte mère",
    "Garantie étendue 5 ans, « J+1 »",
    "Prêt au service des sports",
];

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T], share: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&share).sum();
    let mut n = rng.u32(0..total);
    for item in items {
        let s = share(item);
        if n < s {
            return item;
        }
        n -= s;
    }
    &items[items.len() - 1]
}

fn serial(rng: &mut fastrand::Rng) -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    (0..10)
        .map(|_| CHARS[rng.usize(0..CHARS.len())] as char)
        .collect()
}

impl Fleet {
    /// A fleet of `spec.devices` rows; the same seed gives the same fleet.
    pub fn generate(spec: &FleetSpec) -> Fleet {
        let mut rng = fastrand::Rng::with_seed(spec.seed);
        let on = generated_on();
        let devices = (0..spec.devices)
            .map(|i| {
                let (category, _, (low, high), _, models) = *pick(&mut rng, CATEGORIES, |c| c.1);
                let (manufacturer, model) = models[rng.usize(0..models.len())];
                let (status, _, _) = *pick(&mut rng, STATUSES, |s| s.1);
                let purchase_date =
                    (rng.u32(0..100) >= 2).then(|| on - Days::new(rng.u64(0..8 * 365)));
                let amount_cents = (rng.u32(0..100) >= 3).then(|| rng.i64(low * 100..=high * 100));
                let person = matches!(status, "En service" | "En réparation")
                    && !matches!(category, "Serveur" | "Switch" | "Borne Wi-Fi" | "Copieur");
                let site = SITES[rng.usize(0..SITES.len())];
                let name = match category {
                    "Ordinateur portable" | "Ordinateur fixe" | "Client léger" => {
                        Some(format!("PC-VDB-{:05}", i + 1))
                    }
                    "Serveur" => Some(format!("SRV-VDB-{:03}", i % 1000)),
                    "Imprimante" | "Imprimante multifonction" | "Copieur" => Some(format!(
                        "IMP-{}",
                        site.split(' ').next().unwrap_or("X").to_uppercase()
                    )),
                    _ => None,
                };
                Device {
                    inventory_number: format!("INV-{:06}", i + 1),
                    serial: (rng.u32(0..100) >= 2).then(|| serial(&mut rng)),
                    name,
                    category: category.to_string(),
                    manufacturer: manufacturer.to_string(),
                    model: model.to_string(),
                    status: status.to_string(),
                    purchase_date,
                    amount_cents,
                    refurbished: rng.u32(0..100) < 12,
                    entity: ENTITIES[rng.usize(0..ENTITIES.len())].to_string(),
                    site: site.to_string(),
                    user: person.then(|| {
                        format!(
                            "{} {}",
                            FIRST_NAMES[rng.usize(0..FIRST_NAMES.len())],
                            LAST_NAMES[rng.usize(0..LAST_NAMES.len())]
                        )
                    }),
                    comment: (rng.u32(0..100) < 8)
                        .then(|| COMMENTS[rng.usize(0..COMMENTS.len())].to_string()),
                }
            })
            .collect();
        Fleet { devices }
    }
}

impl Device {
    /// The `external_id` parcd gives the device: its inventory number.
    pub fn external_id(&self) -> &str {
        &self.inventory_number
    }

    /// The lifecycle phase parcd gives the device with the default status map (the names
    /// of parcd's `Phase`: `in_service`, `retired`…).
    pub fn phase(&self) -> &'static str {
        STATUSES
            .iter()
            .find(|(name, _, _)| *name == self.status)
            .map_or("in_service", |(_, _, phase)| phase)
    }

    /// The asset class parcd gives the device with the default class rules (the names of
    /// parcd's `AssetClass`); `other` for a category the generator does not know.
    pub fn class(&self) -> &'static str {
        CATEGORIES
            .iter()
            .find(|c| c.0 == self.category)
            .map_or("other", |c| c.3)
    }
}
