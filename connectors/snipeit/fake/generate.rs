//! A deterministic fleet for "SIN Val-de-Brume", the fictional syndicate of the GLPI
//! simulator, as its Snipe-IT would hold it: communes as companies, English and French
//! category names side by side (as instances that grew over years have them), UGAP as the
//! main supplier, reconditioned purchases marked by a "Reconditionné" custom field.

use chrono::{Days, Months, NaiveDate, NaiveDateTime};

use super::fleet::{Asset, Cost, Fieldset, Fleet, Model, Named, Settings, StatusLabel, StatusType};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct FleetSpec {
    /// How many assets.
    pub assets: usize,
    /// The random seed: one seed, one fleet.
    pub seed: u64,
}

const COMPANIES: &[&str] = &[
    "Ville de Val-de-Brume",
    "Commune de Saint-Aubin-sur-Brume",
    "Commune de L'Isle-d'Arbois",
    "CCAS de Val-de-Brume",
    "Syndicat Brume & Rivières",
    "Commune des Trois-Moulins",
];

const LOCATIONS: &[&str] = &[
    "Hôtel de ville",
    "Médiathèque",
    "École Jean-Jaurès",
    "Centre technique municipal",
    "Mairie annexe",
    "Salle d'archives",
    "Maison France Services",
];

const SUPPLIERS: &[&str] = &[
    "UGAP",
    "Econocom",
    "Bureau Vallée Pro",
    "Ordi Solidaire",
    "Ateliers du Bocage",
];

/// Suppliers whose machines are reconditioned (their "Reconditionné" field says "Oui").
const RECONDITIONERS: &[usize] = &[3, 4];

const MANUFACTURERS: &[&str] = &[
    "Dell",
    "HP",
    "Lenovo",
    "Apple",
    "Samsung",
    "iiyama",
    "Brother",
    "Kyocera",
    "Cisco",
    "Yealink",
    "Fairphone",
];

/// Category name, share of the fleet (‰), price range in euros, fieldset.
const CATEGORIES: &[(&str, u32, (i64, i64), Fieldset)] = &[
    ("Laptops", 300, (650, 1400), Fieldset::Computer),
    ("Postes fixes", 200, (550, 1100), Fieldset::Computer),
    ("Monitors", 250, (120, 320), Fieldset::None),
    ("Imprimantes", 40, (180, 600), Fieldset::None),
    ("Copieurs multifonctions", 10, (2500, 6000), Fieldset::None),
    ("Téléphones portables", 100, (180, 650), Fieldset::Phone),
    ("VOIP Phones", 50, (90, 260), Fieldset::None),
    ("Tablets", 20, (350, 800), Fieldset::Phone),
    ("Switches", 10, (400, 2500), Fieldset::None),
    ("Stations d'accueil", 20, (90, 250), Fieldset::None),
];

/// Model name, model number, category index, manufacturer index, EOL months.
const MODELS: &[(&str, &str, usize, usize, u32)] = &[
    ("Latitude 5440", "LAT5440", 0, 0, 60),
    ("EliteBook 840 G8", "3C6D4EA", 0, 1, 60),
    ("ThinkPad T14 Gen 3", "21AH00BG", 0, 2, 60),
    ("MacBook Air M2", "MLY33FN/A", 0, 3, 72),
    ("OptiPlex 7010", "OPT7010", 1, 0, 72),
    ("ProDesk 400 G9", "6A7J2EA", 1, 1, 72),
    ("P2422H", "DELL-P2422H", 2, 0, 96),
    ("ProLite XUB2492HSU", "XUB2492HSU-B5", 2, 5, 96),
    ("HL-L5210DN", "HLL5210DNRF1", 3, 6, 84),
    ("TASKalfa 2554ci", "1102YP3NL0", 4, 7, 84),
    ("Fairphone 5", "FP5", 5, 10, 60),
    ("Galaxy A54", "SM-A546B", 5, 4, 48),
    ("T54W", "YEA-T54W", 6, 9, 96),
    ("iPad 10e génération", "MPQ03NF/A", 7, 3, 60),
    ("Catalyst 9200L", "C9200L-24P-4G", 8, 8, 120),
    ("WD19S", "WD19S-130W", 9, 0, 72),
];

/// Label name, type, share (‰), whether its assets are checked out (‰ of them).
const STATUSES: &[(&str, StatusType, u32, u32)] = &[
    ("Ready to Deploy", StatusType::Deployable, 720, 850),
    ("Pending", StatusType::Pending, 40, 0),
    ("En commande", StatusType::Pending, 20, 0),
    ("Out for Repair", StatusType::Undeployable, 40, 0),
    ("Broken - Not Fixable", StatusType::Undeployable, 10, 0),
    ("Archived", StatusType::Archived, 40, 0),
    ("Réformé", StatusType::Archived, 70, 0),
    ("Donné", StatusType::Archived, 30, 0),
    ("Recyclé", StatusType::Archived, 30, 0),
];

const FIRST_NAMES: &[&str] = &[
    "Jean",
    "Marie",
    "Nathalie",
    "Pierre",
    "Sophie",
    "Karim",
    "Isabelle",
    "Luc",
    "Aïcha",
    "François",
    "Camille",
    "Hélène",
];
const LAST_NAMES: &[&str] = &[
    "Dupont",
    "Martin",
    "Bernard",
    "Lefèvre",
    "Moreau",
    "N'Diaye",
    "Garnier",
    "Roux",
    "Fabre",
    "Chevalier",
];

const NOTES: &[&str] = &[
    "Reçu en mairie, garantie sur site",
    "Écran fissuré signalé par l'agent",
    "Marché « Postes de travail 2023 », lot 2",
    "Don d'une entreprise locale",
    "Prêt longue durée à l'école",
];

/// The clock of generated data.
pub fn generated_at() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 11, 28)
        .and_then(|d| d.and_hms_opt(18, 0, 0))
        .expect("valid date")
}

fn named(names: &[&str]) -> Vec<Named> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| Named {
            id: i as u64 + 1,
            name: (*n).to_string(),
        })
        .collect()
}

/// Picks an index by shares in ‰.
fn pick(rng: &mut fastrand::Rng, shares: impl Iterator<Item = u32>) -> usize {
    let roll = rng.u32(0..1000);
    let mut acc = 0;
    let mut last = 0;
    for (i, s) in shares.enumerate() {
        acc += s;
        last = i;
        if roll < acc {
            return i;
        }
    }
    last
}

fn serial(rng: &mut fastrand::Rng) -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    (0..10)
        .map(|_| CHARS[rng.usize(..CHARS.len())] as char)
        .collect()
}

impl Fleet {
    /// A fleet of `spec.assets` assets; the same spec always gives the same fleet. Fast
    /// enough for the 100 000-asset benchmark (well under a second).
    pub fn generate(spec: &FleetSpec) -> Fleet {
        let mut rng = fastrand::Rng::with_seed(spec.seed);
        let now = generated_at();
        let models: Vec<Model> = MODELS
            .iter()
            .enumerate()
            .map(|(i, (name, number, category, manufacturer, eol))| Model {
                id: i as u64 + 1,
                name: (*name).to_string(),
                model_number: (*number).to_string(),
                category: *category,
                manufacturer: *manufacturer,
                fieldset: CATEGORIES[*category].3,
                eol_months: *eol,
                deleted: false,
            })
            .collect();
        let statuses: Vec<StatusLabel> = STATUSES
            .iter()
            .enumerate()
            .map(|(i, (name, kind, _, _))| StatusLabel {
                id: i as u64 + 1,
                name: (*name).to_string(),
                kind: *kind,
                deleted: false,
            })
            .collect();
        let users: Vec<Named> = (0..200)
            .map(|i| Named {
                id: i + 1,
                name: format!(
                    "{} {}",
                    FIRST_NAMES[i as usize % FIRST_NAMES.len()],
                    LAST_NAMES[(i as usize / FIRST_NAMES.len()) % LAST_NAMES.len()]
                ),
            })
            .collect();
        let mut assets = Vec::with_capacity(spec.assets);
        for i in 0..spec.assets {
            let id = i as u64 + 1;
            let category = pick(&mut rng, CATEGORIES.iter().map(|c| c.1));
            let candidates: Vec<usize> = (0..models.len())
                .filter(|m| models[*m].category == category)
                .collect();
            let model = candidates[rng.usize(..candidates.len())];
            let status = pick(&mut rng, STATUSES.iter().map(|s| s.2));
            let assigned_to =
                (rng.u32(0..1000) < STATUSES[status].3).then(|| rng.usize(..users.len()));
            let purchase_date = NaiveDate::from_ymd_opt(2016, 1, 4)
                .and_then(|d| d.checked_add_days(Days::new(rng.u64(0..3550))));
            let (low, high) = CATEGORIES[category].2;
            let purchase_cost = match rng.u32(0..100) {
                0..=4 => None,
                5 => Some(Cost::Text("environ 800".into())),
                _ => Some(Cost::Cents(rng.i64(low * 100..=high * 100))),
            };
            let supplier = match rng.u32(0..100) {
                0..=49 => Some(0),
                50..=64 => Some(1),
                65..=74 => Some(2),
                75..=84 => Some(3),
                85..=92 => Some(4),
                _ => None,
            };
            let fieldset = models[model].fieldset;
            let reconditionne = (fieldset != Fieldset::None).then(|| {
                let refurbished = supplier.is_some_and(|s| RECONDITIONERS.contains(&s))
                    || (supplier == Some(0) && rng.u32(0..100) < 8);
                if refurbished { "Oui" } else { "Non" }.to_string()
            });
            let created_at = purchase_date
                .and_then(|d| d.checked_add_days(Days::new(rng.u64(0..30))))
                .and_then(|d| d.and_hms_opt(rng.u32(8..18), rng.u32(0..60), rng.u32(0..60)))
                .unwrap_or(now)
                .min(now);
            let span = (now - created_at).num_seconds().max(1);
            let updated_at = created_at + chrono::Duration::seconds(rng.i64(0..span));
            let company = rng.usize(..COMPANIES.len());
            let name = match CATEGORIES[category].3 {
                Fieldset::Computer => Some(format!("PC-{:02}-{:05}", company + 1, id)),
                _ if rng.bool() => Some(format!("{}-{id}", &MODELS[model].0)),
                _ => None,
            };
            assets.push(Asset {
                id,
                name,
                asset_tag: format!("{id:06}"),
                serial: (rng.u32(0..100) > 2).then(|| serial(&mut rng)),
                model,
                status,
                company: (rng.u32(0..100) > 1).then_some(company),
                location: (rng.u32(0..100) > 4).then(|| rng.usize(..LOCATIONS.len())),
                supplier,
                assigned_to,
                purchase_date,
                purchase_cost,
                warranty_months: if rng.u32(0..10) < 8 { 36 } else { 0 },
                asset_eol_date: purchase_date
                    .and_then(|d| d.checked_add_months(Months::new(models[model].eol_months))),
                order_number: supplier.map(|_| {
                    format!(
                        "BC-{}-{:04}",
                        purchase_date.map_or(2020, |d| chrono::Datelike::year(&d)),
                        rng.u32(1..2000)
                    )
                }),
                notes: (rng.u32(0..100) < 8).then(|| NOTES[rng.usize(..NOTES.len())].to_string()),
                mac_address: (fieldset == Fieldset::Computer).then(|| {
                    format!(
                        "00:1A:{:02X}:{:02X}:{:02X}:{:02X}",
                        rng.u8(..),
                        rng.u8(..),
                        rng.u8(..),
                        rng.u8(..)
                    )
                }),
                imei: (fieldset == Fieldset::Phone)
                    .then(|| format!("35{:013}", rng.u64(0..10_000_000_000_000))),
                reconditionne,
                created_at,
                updated_at,
                last_checkout: assigned_to.map(|_| updated_at),
                deleted_at: None,
            });
        }
        Fleet {
            settings: Settings::default(),
            statuses,
            companies: named(COMPANIES),
            locations: named(LOCATIONS),
            suppliers: named(SUPPLIERS),
            manufacturers: named(MANUFACTURERS),
            categories: named(&CATEGORIES.iter().map(|c| c.0).collect::<Vec<_>>()),
            models,
            users,
            assets,
            generated_at: now,
        }
    }
}
