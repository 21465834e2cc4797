//! The fictional world of the simulator: the syndicate "SIN Val-de-Brume", its member
//! communes and sites, and the equipment classes a shared DSI really buys.
//!
//! Names of makers and models are real products of their era so that the demo reads like
//! a real inventory; prices, power draws and years are plausible, not sourced.

use super::fleet::AssetType;

/// A member of the syndicate, one GLPI entity under the syndicate's own entity.
pub(crate) struct EntitySpec {
    pub name: &'static str,
    /// Three letters used in inventory names (`PC-MTC-00457`).
    pub code: &'static str,
    pub town: &'static str,
    pub postcode: &'static str,
    /// Share of the fleet, in percent.
    pub weight: u32,
    /// Root location of the member, then its sites.
    pub root_location: &'static str,
    pub sites: &'static [&'static str],
}

/// Entity ids follow this order from 1: the syndicate first, then the ville-centre, then
/// the communes.
pub(crate) const ENTITIES: &[EntitySpec] = &[
    EntitySpec {
        name: "SIN Val-de-Brume",
        code: "SIN",
        town: "Montcalme",
        postcode: "49320",
        weight: 6,
        root_location: "Siège SIN Val-de-Brume",
        sites: &["Salle serveurs", "Bureaux", "Atelier technique"],
    },
    EntitySpec {
        name: "Mairie de Montcalme",
        code: "MTC",
        town: "Montcalme",
        postcode: "49320",
        weight: 38,
        root_location: "Montcalme",
        sites: &[
            "Hôtel de ville",
            "École élémentaire Jean-Jaurès",
            "École maternelle Les Tilleuls",
            "Groupe scolaire Pasteur",
            "Médiathèque Aimé-Césaire",
            "Services techniques",
            "Police municipale",
            "Crèche Les Petits Pas",
            "Conservatoire de musique",
        ],
    },
    EntitySpec {
        name: "Mairie de Saint-Aubin-des-Brumes",
        code: "SAB",
        town: "Saint-Aubin-des-Brumes",
        postcode: "49321",
        weight: 9,
        root_location: "Saint-Aubin-des-Brumes",
        sites: &[
            "Mairie",
            "École primaire",
            "Médiathèque",
            "Services techniques",
        ],
    },
    EntitySpec {
        name: "Mairie de Vernoux-sur-Brume",
        code: "VSB",
        town: "Vernoux-sur-Brume",
        postcode: "49322",
        weight: 8,
        root_location: "Vernoux-sur-Brume",
        sites: &["Mairie", "École primaire", "Salle polyvalente"],
    },
    EntitySpec {
        name: "Mairie des Essarts-le-Val",
        code: "ESV",
        town: "Les Essarts-le-Val",
        postcode: "49323",
        weight: 7,
        root_location: "Les Essarts-le-Val",
        sites: &["Mairie", "École primaire", "Médiathèque"],
    },
    EntitySpec {
        name: "Mairie de Plessis-Vallon",
        code: "PLV",
        town: "Plessis-Vallon",
        postcode: "49324",
        weight: 7,
        root_location: "Plessis-Vallon",
        sites: &["Mairie", "École primaire"],
    },
    EntitySpec {
        name: "Mairie de Cormeilles-la-Rivière",
        code: "CLR",
        town: "Cormeilles-la-Rivière",
        postcode: "49325",
        weight: 8,
        root_location: "Cormeilles-la-Rivière",
        sites: &[
            "Mairie",
            "École élémentaire",
            "École maternelle",
            "Services techniques",
        ],
    },
    EntitySpec {
        name: "Mairie de Beaulieu-en-Brume",
        code: "BEB",
        town: "Beaulieu-en-Brume",
        postcode: "49326",
        weight: 6,
        root_location: "Beaulieu-en-Brume",
        sites: &["Mairie", "École primaire", "Bibliothèque"],
    },
    EntitySpec {
        name: "Mairie de La Chapelle-aux-Saules",
        code: "CAS",
        town: "La Chapelle-aux-Saules",
        postcode: "49327",
        weight: 5,
        root_location: "La Chapelle-aux-Saules",
        sites: &["Mairie", "École primaire"],
    },
    EntitySpec {
        name: "Mairie de Rochebrune",
        code: "RCB",
        town: "Rochebrune",
        postcode: "49328",
        weight: 6,
        root_location: "Rochebrune",
        sites: &["Mairie", "École primaire", "Salle des fêtes"],
    },
];

/// State names, in id order from 1, with the index of their parent in this list.
pub(crate) const STATES: &[(&str, Option<usize>)] = &[
    ("En commande", None),
    ("En stock", None),
    ("En production", None),
    ("En réparation", None),
    ("Réformé", None),
    ("Don", Some(4)),
    ("Vendu", Some(4)),
    ("Recyclé", Some(4)),
    ("Détruit", Some(4)),
    // Site-specific: unknown to parcd's default status map on purpose.
    ("Prêté", None),
];

pub(crate) const ST_ORDERED: u64 = 1;
pub(crate) const ST_STOCK: u64 = 2;
pub(crate) const ST_PRODUCTION: u64 = 3;
pub(crate) const ST_REPAIR: u64 = 4;
pub(crate) const ST_RETIRED: u64 = 5;
pub(crate) const ST_DONATED: u64 = 6;
pub(crate) const ST_SOLD: u64 = 7;
pub(crate) const ST_RECYCLED: u64 = 8;
pub(crate) const ST_DESTROYED: u64 = 9;
pub(crate) const ST_LENT: u64 = 10;

/// Initial spread of states, per mille; `0` is "no state set".
pub(crate) const STATE_MIX: &[(u64, u32)] = &[
    (ST_ORDERED, 10),
    (ST_STOCK, 80),
    (ST_PRODUCTION, 710),
    (ST_REPAIR, 20),
    (ST_RETIRED, 60),
    (ST_DONATED, 40),
    (ST_SOLD, 5),
    (ST_RECYCLED, 50),
    (ST_DESTROYED, 10),
    (ST_LENT, 5),
    (0, 10),
];

pub(crate) const MANUFACTURERS: &[&str] = &[
    "Dell",
    "Lenovo",
    "HP",
    "HPE",
    "Apple",
    "Samsung",
    "Microsoft",
    "Fujitsu",
    "IGEL",
    "Iiyama",
    "Promethean",
    "Speechi",
    "Fairphone",
    "Yealink",
    "Cisco",
    "Brother",
    "Kyocera",
    "Ricoh",
    "Canon",
    "Aruba",
    "Ubiquiti",
    "Epson",
    "BenQ",
    "Eaton",
    "APC",
    "Logitech",
    "Jabra",
];

pub(crate) struct SupplierSpec {
    pub name: &'static str,
    pub siret: &'static str,
    pub town: &'static str,
    pub website: &'static str,
    pub comment: Option<&'static str>,
}

pub(crate) const SUPPLIERS: &[SupplierSpec] = &[
    SupplierSpec {
        name: "UGAP",
        siret: "18004901000015",
        town: "Champs-sur-Marne",
        website: "https://www.ugap.fr",
        comment: Some("Centrale d'achat public"),
    },
    SupplierSpec {
        name: "Dell Technologies",
        siret: "35117656700023",
        town: "Montpellier",
        website: "https://www.dell.com/fr-fr",
        comment: None,
    },
    SupplierSpec {
        name: "Bechtle",
        siret: "32938437200051",
        town: "Strasbourg",
        website: "https://www.bechtle.com/fr",
        comment: None,
    },
    SupplierSpec {
        name: "Econocom",
        siret: "30295584700041",
        town: "Puteaux",
        website: "https://www.econocom.com/fr",
        comment: None,
    },
    SupplierSpec {
        name: "Computacenter",
        siret: "34078484200342",
        town: "Roissy-en-France",
        website: "https://www.computacenter.com/fr-fr",
        comment: None,
    },
    SupplierSpec {
        name: "Inmac Wstore",
        siret: "33972434800064",
        town: "Roissy-en-France",
        website: "https://www.inmac-wstore.com",
        comment: None,
    },
    SupplierSpec {
        name: "LDLC Pro",
        siret: "40354411900027",
        town: "Limonest",
        website: "https://www.ldlc.pro",
        comment: None,
    },
    SupplierSpec {
        name: "Orange Business",
        siret: "34503986800043",
        town: "Saint-Denis",
        website: "https://www.orange-business.com/fr",
        comment: Some("Marché téléphonie mobile et fixe"),
    },
    SupplierSpec {
        name: "Ricoh France",
        siret: "30291385800082",
        town: "Rungis",
        website: "https://www.ricoh.fr",
        comment: Some("Marché impression"),
    },
    SupplierSpec {
        name: "ReBoot Reconditionnement",
        siret: "82145236700019",
        town: "Angers",
        website: "https://reboot-recond.example",
        comment: Some("Matériel reconditionné grade A"),
    },
    SupplierSpec {
        name: "Ateliers du Bocage (ESS)",
        siret: "40193526400035",
        town: "Le Pin",
        website: "https://www.ateliers-du-bocage.fr",
        comment: Some("Entreprise d'insertion, reconditionnement"),
    },
];

pub(crate) const SUP_UGAP: usize = 0;
pub(crate) const SUP_DELL: usize = 1;
pub(crate) const SUP_ORANGE: usize = 7;
pub(crate) const SUP_RICOH: usize = 8;
pub(crate) const SUP_REBOOT: usize = 9;
pub(crate) const SUP_BOCAGE: usize = 10;
/// General resellers, drawn for the rest of the new purchases.
pub(crate) const SUP_RESELLERS: &[usize] = &[2, 3, 4, 5, 6];

/// One model of a class.
pub(crate) struct ModelSpec {
    pub manufacturer: &'static str,
    pub name: &'static str,
    pub product_number: &'static str,
    /// First year the model was bought.
    pub year: i32,
    /// Typical draw in W; 0 means unset in GLPI.
    pub power_w: i64,
    pub weight_kg: i64,
    /// Price excl. VAT when new, in euros.
    pub price: u32,
    /// Monitor diagonal, as GLPI's `decimal(5,2)` text.
    pub size: &'static str,
    /// SNMP system description of network gear and printers.
    pub sysdescr: &'static str,
    pub ram_mb: u64,
}

#[allow(clippy::too_many_arguments)]
const fn m(
    manufacturer: &'static str,
    name: &'static str,
    product_number: &'static str,
    year: i32,
    power_w: i64,
    weight_kg: i64,
    price: u32,
) -> ModelSpec {
    ModelSpec {
        manufacturer,
        name,
        product_number,
        year,
        power_w,
        weight_kg,
        price,
        size: "",
        sysdescr: "",
        ram_mb: 0,
    }
}

impl ModelSpec {
    const fn size(mut self, size: &'static str) -> Self {
        self.size = size;
        self
    }

    const fn snmp(mut self, sysdescr: &'static str, ram_mb: u64) -> Self {
        self.sysdescr = sysdescr;
        self.ram_mb = ram_mb;
        self
    }
}

/// A kind of equipment: one GLPI type of one itemtype, with its models and habits.
pub(crate) struct ClassSpec {
    pub itemtype: AssetType,
    pub type_name: &'static str,
    /// Share of the fleet, per mille.
    pub per_mille: u32,
    pub prefix: &'static str,
    pub warranty_months: i32,
    pub lifespan_years: (i64, i64),
    /// Bought reconditioned at times.
    pub refurbishable: bool,
    /// Percent inventoried by an agent or SNMP (`is_dynamic`).
    pub dynamic_pct: u32,
    /// Percent assigned to a named user.
    pub assigned_pct: u32,
    pub models: &'static [ModelSpec],
}

pub(crate) const CLASSES: &[ClassSpec] = &[
    ClassSpec {
        itemtype: AssetType::Computer,
        type_name: "Tour",
        per_mille: 120,
        prefix: "PC",
        warranty_months: 36,
        lifespan_years: (5, 8),
        refurbishable: true,
        dynamic_pct: 90,
        assigned_pct: 70,
        models: &[
            m("Dell", "OptiPlex 7020 MT", "7020-MT", 2014, 60, 8, 720),
            m("HP", "ProDesk 600 G2 MT", "T4J55ET", 2016, 55, 8, 690),
            m("Lenovo", "ThinkCentre M910t", "10MM", 2017, 52, 8, 740),
            m("Dell", "OptiPlex 7060 MT", "7060-MT", 2018, 50, 8, 780),
            m("HP", "ProDesk 600 G6 MT", "1D2R6EA", 2020, 48, 7, 760),
            m("Lenovo", "ThinkCentre M70t Gen 3", "11T6", 2022, 42, 7, 790),
            m("Dell", "OptiPlex 7010 Tour", "7010-T", 2023, 40, 7, 820),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Computer,
        type_name: "Mini PC",
        per_mille: 70,
        prefix: "PC",
        warranty_months: 36,
        lifespan_years: (5, 8),
        refurbishable: true,
        dynamic_pct: 90,
        assigned_pct: 70,
        models: &[
            m("Dell", "OptiPlex 3020 Micro", "3020-MFF", 2014, 25, 1, 560),
            m("Lenovo", "ThinkCentre M700 Tiny", "10HY", 2016, 25, 1, 590),
            m("HP", "EliteDesk 800 G4 Mini", "4KX23EA", 2018, 30, 1, 720),
            m("Dell", "OptiPlex 3080 Micro", "3080-MFF", 2020, 28, 1, 640),
            m("Lenovo", "ThinkCentre M75q Gen 2", "11JN", 2021, 26, 1, 610),
            m("Dell", "OptiPlex 7010 Micro", "7010-MFF", 2023, 24, 1, 700),
            m("HP", "Elite Mini 600 G9", "6B2G8EA", 2023, 25, 1, 730),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Computer,
        type_name: "Client léger",
        per_mille: 30,
        prefix: "CL",
        warranty_months: 36,
        lifespan_years: (6, 9),
        refurbishable: false,
        dynamic_pct: 80,
        assigned_pct: 20,
        models: &[
            m("HP", "t520 Thin Client", "G9F07AA", 2014, 10, 1, 290),
            m("Dell", "Wyse 5070", "5070-TC", 2018, 9, 1, 380),
            m("HP", "t640 Thin Client", "6TV45EA", 2020, 10, 1, 410),
            m("IGEL", "UD3 M350C", "UD3-M350C", 2022, 8, 1, 395),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Computer,
        type_name: "Ordinateur portable",
        per_mille: 180,
        prefix: "PORT",
        warranty_months: 36,
        lifespan_years: (4, 7),
        refurbishable: true,
        dynamic_pct: 85,
        assigned_pct: 85,
        models: &[
            m("Lenovo", "ThinkPad T440", "20B7", 2014, 20, 2, 1090),
            m("HP", "EliteBook 840 G3", "T9X59ET", 2016, 18, 2, 1150),
            m("Dell", "Latitude 5480", "5480-LAT", 2017, 18, 2, 980),
            m("Lenovo", "ThinkPad T480", "20L5", 2018, 17, 2, 1120),
            m("HP", "EliteBook 840 G7", "1J6E5EA", 2020, 16, 1, 1190),
            m("Lenovo", "ThinkPad T14 Gen 2", "20W0", 2021, 15, 1, 1140),
            m("Apple", "MacBook Air 13 M2", "MLY33FN/A", 2022, 0, 1, 1250),
            m("Dell", "Latitude 5440", "5440-LAT", 2023, 15, 2, 1010),
            m("Lenovo", "ThinkPad E14 Gen 5", "21JK", 2023, 15, 2, 890),
            m("HP", "EliteBook 840 G10", "818H7EA", 2023, 14, 1, 1290),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Computer,
        type_name: "Serveur",
        per_mille: 20,
        prefix: "SRV",
        warranty_months: 60,
        lifespan_years: (6, 9),
        refurbishable: false,
        dynamic_pct: 95,
        assigned_pct: 0,
        models: &[
            m("Dell", "PowerEdge R620", "R620", 2013, 450, 19, 5200),
            m("HPE", "ProLiant DL380 Gen9", "719064-B21", 2015, 500, 23, 6800),
            m("Dell", "PowerEdge R640", "R640", 2018, 420, 21, 6100),
            m("Lenovo", "ThinkSystem SR630 V2", "7Z71", 2021, 380, 19, 7400),
            m("Dell", "PowerEdge R660", "R660", 2023, 400, 20, 8300),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Computer,
        type_name: "Tablette",
        per_mille: 50,
        prefix: "TAB",
        warranty_months: 24,
        lifespan_years: (3, 5),
        refurbishable: true,
        dynamic_pct: 40,
        assigned_pct: 50,
        models: &[
            m("Apple", "iPad Air 2", "MGL12NF/A", 2014, 0, 0, 420),
            m("Samsung", "Galaxy Tab A 10.1", "SM-T580", 2016, 0, 0, 260),
            m("Samsung", "Galaxy Tab S6 Lite", "SM-P610", 2020, 0, 0, 330),
            m("Apple", "iPad 9e génération", "MK2K3NF/A", 2021, 0, 0, 360),
            m("Microsoft", "Surface Go 3", "8VA-00003", 2021, 6, 1, 520),
            m("Samsung", "Galaxy Tab A8", "SM-X200", 2022, 0, 0, 210),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Monitor,
        type_name: "Écran LCD",
        per_mille: 240,
        prefix: "ECR",
        warranty_months: 36,
        lifespan_years: (6, 10),
        refurbishable: true,
        dynamic_pct: 60,
        assigned_pct: 30,
        models: &[
            m("Dell", "P2214H", "P2214H", 2014, 19, 5, 150).size("21.50"),
            m("Iiyama", "ProLite E2483HS", "E2483HS-B3", 2015, 25, 4, 130).size("23.60"),
            m("HP", "EliteDisplay E243", "1FH47AA", 2017, 21, 5, 190).size("23.80"),
            m("Dell", "P2419H", "P2419H", 2018, 17, 5, 175).size("23.80"),
            m("Iiyama", "ProLite XUB2493HS", "XUB2493HS-B1", 2019, 16, 5, 140).size("23.80"),
            m("Samsung", "S24R650", "LS24R650FDU", 2020, 0, 4, 160).size("23.80"),
            m("Lenovo", "ThinkVision T24i-20", "61F7MAT2EU", 2020, 18, 5, 185).size("23.80"),
            m("Dell", "P2422H", "P2422H", 2021, 15, 5, 190).size("23.80"),
            m("HP", "E24 G5", "6N6E9AA", 2022, 16, 5, 205).size("23.80"),
            m("Iiyama", "ProLite XUB2792QSU", "XUB2792QSU-B5", 2022, 22, 6, 260).size("27.00"),
            m("Dell", "P2723DE", "P2723DE", 2023, 22, 6, 330).size("27.00"),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Monitor,
        type_name: "Écran interactif",
        per_mille: 10,
        prefix: "ENI",
        warranty_months: 60,
        lifespan_years: (7, 10),
        refurbishable: false,
        dynamic_pct: 0,
        assigned_pct: 0,
        models: &[
            m("Promethean", "ActivPanel Titanium 75", "AP7-B75-EU-1", 2019, 180, 50, 4200)
                .size("75.00"),
            m("Speechi", "SuperGlass 86", "SPE-SG-86", 2022, 200, 62, 5900).size("86.00"),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Phone,
        type_name: "Smartphone",
        per_mille: 80,
        prefix: "MOB",
        warranty_months: 24,
        lifespan_years: (3, 5),
        refurbishable: true,
        dynamic_pct: 20,
        assigned_pct: 90,
        models: &[
            m("Samsung", "Galaxy XCover 3", "SM-G388F", 2015, 0, 0, 190),
            m("Samsung", "Galaxy A5 (2016)", "SM-A510F", 2016, 0, 0, 290),
            m("Samsung", "Galaxy A40", "SM-A405FN", 2019, 0, 0, 230),
            m("Apple", "iPhone SE (2020)", "MX9R2ZD/A", 2020, 0, 0, 410),
            m("Samsung", "Galaxy A52s 5G", "SM-A528B", 2021, 0, 0, 360),
            m("Samsung", "Galaxy XCover 5", "SM-G525F", 2021, 0, 0, 250),
            m("Fairphone", "Fairphone 4", "FP4", 2021, 0, 0, 480),
            m("Samsung", "Galaxy A54 5G", "SM-A546B", 2023, 0, 0, 390),
            m("Fairphone", "Fairphone 5", "FP5", 2023, 0, 0, 590),
            m("Samsung", "Galaxy A35 5G", "SM-A356B", 2024, 0, 0, 330),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Phone,
        type_name: "Téléphone IP",
        per_mille: 40,
        prefix: "TEL",
        warranty_months: 24,
        lifespan_years: (7, 10),
        refurbishable: false,
        dynamic_pct: 30,
        assigned_pct: 60,
        models: &[
            m("Cisco", "IP Phone 7942G", "CP-7942G", 2012, 0, 0, 180),
            m("Yealink", "SIP-T46G", "SIP-T46G", 2014, 0, 0, 150),
            m("Cisco", "IP Phone 8841", "CP-8841-K9", 2016, 0, 0, 210),
            m("Yealink", "SIP-T46S", "SIP-T46S", 2017, 0, 0, 140),
            m("Yealink", "T46U", "SIP-T46U", 2020, 0, 0, 135),
            m("Yealink", "T54W", "SIP-T54W", 2021, 0, 0, 170),
            m("Yealink", "T31P", "SIP-T31P", 2022, 0, 0, 60),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Printer,
        type_name: "Imprimante laser",
        per_mille: 20,
        prefix: "IMP",
        warranty_months: 12,
        lifespan_years: (5, 9),
        refurbishable: false,
        dynamic_pct: 55,
        assigned_pct: 0,
        models: &[
            m("HP", "LaserJet Pro 400 M401dn", "CF278A", 2013, 0, 0, 260)
                .snmp("HP ETHERNET MULTI-ENVIRONMENT", 256),
            m("Brother", "HL-L5100DN", "HLL5100DNRF1", 2016, 0, 0, 210)
                .snmp("Brother NC-8800w, Firmware Ver.1.07", 256),
            m("Kyocera", "ECOSYS P3150dn", "1102TS3NL0", 2018, 0, 0, 330)
                .snmp("KYOCERA Document Solutions Printing System", 512),
            m("HP", "LaserJet Pro M404dn", "W1A53A", 2019, 0, 0, 250)
                .snmp("HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153", 256),
            m("Brother", "HL-L6410DN", "HLL6410DNRF1", 2022, 0, 0, 390)
                .snmp("Brother NC-9700w, Firmware Ver.1.02", 512),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Printer,
        type_name: "Multifonction A3",
        per_mille: 12,
        prefix: "MFP",
        warranty_months: 24,
        lifespan_years: (5, 8),
        refurbishable: false,
        dynamic_pct: 55,
        assigned_pct: 0,
        models: &[
            m("Ricoh", "MP C2503", "417261", 2014, 0, 0, 3400)
                .snmp("RICOH MP C2503 1.26 / RICOH Network Printer C model", 2048),
            m("Kyocera", "TASKalfa 3252ci", "1102RL3NL0", 2016, 0, 0, 3100)
                .snmp("KYOCERA Document Solutions Printing System", 2048),
            m("Ricoh", "IM C3000", "418309", 2019, 0, 0, 3900)
                .snmp("RICOH IM C3000 1.06 / RICOH Network Printer C model", 2048),
            m("Canon", "imageRUNNER ADVANCE DX C3826i", "4912C005", 2021, 0, 0, 4300)
                .snmp("Canon iR-ADV C3826 /P", 3072),
            m("Kyocera", "TASKalfa 3554ci", "1102YL3NL0", 2023, 0, 0, 4700)
                .snmp("KYOCERA Document Solutions Printing System", 4096),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Printer,
        type_name: "Copieur",
        per_mille: 8,
        prefix: "COP",
        warranty_months: 24,
        lifespan_years: (5, 8),
        refurbishable: false,
        dynamic_pct: 55,
        assigned_pct: 0,
        models: &[
            m("Ricoh", "MP C4503", "417501", 2014, 0, 0, 6200)
                .snmp("RICOH MP C4503 1.23 / RICOH Network Printer C model", 2048),
            m("Canon", "imageRUNNER ADVANCE C5535i", "0480C005", 2016, 0, 0, 7400)
                .snmp("Canon iR-ADV C5535 /P", 3072),
            m("Ricoh", "IM C4500", "418294", 2019, 0, 0, 7100)
                .snmp("RICOH IM C4500 1.05 / RICOH Network Printer C model", 4096),
            m("Ricoh", "IM C4510", "419312", 2023, 0, 0, 8600)
                .snmp("RICOH IM C4510 1.02 / RICOH Network Printer C model", 4096),
        ],
    },
    ClassSpec {
        itemtype: AssetType::NetworkEquipment,
        type_name: "Commutateur",
        per_mille: 18,
        prefix: "SW",
        warranty_months: 60,
        lifespan_years: (7, 11),
        refurbishable: false,
        dynamic_pct: 70,
        assigned_pct: 0,
        models: &[
            m("Cisco", "Catalyst 2960-X 48 FPD", "WS-C2960X-48FPD-L", 2014, 120, 6, 2600).snmp(
                "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4",
                512,
            ),
            m("Aruba", "2530-24G-PoE+", "J9773A", 2015, 90, 4, 980)
                .snmp("HP J9773A 2530-24G-PoEP Switch, revision YA.16.10.0012", 256),
            m("Cisco", "Catalyst 2960-X 24 PS", "WS-C2960X-24PS-L", 2016, 80, 5, 1400).snmp(
                "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E6",
                512,
            ),
            m("Aruba", "2930F-48G-PoE+", "JL558A", 2018, 150, 5, 2300)
                .snmp("Aruba JL558A 2930F-48G-PoE+-4SFP+ Switch, revision WC.16.11.0008", 1024),
            m("Cisco", "Catalyst 9200L-48P-4G", "C9200L-48P-4G-E", 2020, 130, 6, 2800).snmp(
                "Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_LITE_IOSXE), Version 17.9.4",
                2048,
            ),
            m("Aruba", "CX 6100 24G", "JL678A", 2022, 60, 4, 1100)
                .snmp("Aruba JL678A 6100 24G Class4 PoE 4SFP+ 370W Swch PL.10.12.1000", 2048),
        ],
    },
    ClassSpec {
        itemtype: AssetType::NetworkEquipment,
        type_name: "Borne Wi-Fi",
        per_mille: 12,
        prefix: "AP",
        warranty_months: -1,
        lifespan_years: (6, 9),
        refurbishable: false,
        dynamic_pct: 70,
        assigned_pct: 0,
        models: &[
            m("Cisco", "Aironet 2702i", "AIR-CAP2702I-E-K9", 2014, 15, 1, 640)
                .snmp("Cisco IOS Software, C2700 Software (AP3G2-K9W8-M), Version 15.3(3)JD", 256),
            m("Ubiquiti", "UniFi AP AC Pro", "UAP-AC-PRO", 2016, 9, 0, 150)
                .snmp("Linux UAP-AC-Pro 3.10.108 #1 SMP", 128),
            m("Aruba", "AP-505", "R2H28A", 2019, 12, 1, 420)
                .snmp("ArubaOS (MODEL: 505), Version 8.10.0.7", 512),
            m("Ubiquiti", "UniFi U6 Pro", "U6-PRO", 2021, 13, 1, 180)
                .snmp("Linux U6-Pro 4.4.153 #1 SMP PREEMPT", 512),
            m("Aruba", "AP-615", "R7J49A", 2023, 14, 1, 560)
                .snmp("ArubaOS (MODEL: 615), Version 10.4.1.0", 1024),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Peripheral,
        type_name: "Station d'accueil",
        per_mille: 35,
        prefix: "DOCK",
        warranty_months: 36,
        lifespan_years: (4, 7),
        refurbishable: false,
        dynamic_pct: 5,
        assigned_pct: 0,
        models: &[
            m("Dell", "WD15", "WD15", 2016, 0, 1, 170),
            m("Lenovo", "ThinkPad USB-C Dock Gen 2", "40AS0090EU", 2019, 0, 1, 190),
            m("Dell", "WD19S", "WD19S", 2020, 0, 1, 210),
            m("HP", "USB-C Dock G5", "5TW10AA", 2020, 0, 1, 180),
            m("Lenovo", "ThinkPad Universal USB-C Dock", "40AY0090EU", 2022, 0, 1, 230),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Peripheral,
        type_name: "Vidéoprojecteur",
        per_mille: 20,
        prefix: "VP",
        warranty_months: 24,
        lifespan_years: (5, 9),
        refurbishable: false,
        dynamic_pct: 0,
        assigned_pct: 0,
        models: &[
            m("Epson", "EB-S04", "V11H716040", 2015, 270, 2, 450),
            m("BenQ", "MW560", "9H.JNF77.13E", 2018, 240, 2, 520),
            m("Epson", "EB-W49", "V11H983040", 2019, 290, 3, 640),
            m("Epson", "EB-L210SF", "V11HA05080", 2022, 190, 4, 1050),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Peripheral,
        type_name: "Scanner",
        per_mille: 10,
        prefix: "SCAN",
        warranty_months: 24,
        lifespan_years: (5, 8),
        refurbishable: false,
        dynamic_pct: 0,
        assigned_pct: 0,
        models: &[
            m("Fujitsu", "fi-7160", "PA03670-B051", 2014, 36, 4, 880),
            m("Canon", "DR-C225 II", "3258C003", 2018, 18, 3, 310),
            m("Fujitsu", "fi-8170", "PA03810-B051", 2022, 36, 4, 940),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Peripheral,
        type_name: "Onduleur",
        per_mille: 15,
        prefix: "UPS",
        warranty_months: 24,
        lifespan_years: (5, 8),
        refurbishable: false,
        dynamic_pct: 10,
        assigned_pct: 0,
        models: &[
            m("Eaton", "5E 850i", "5E850IUSB", 2015, 0, 6, 140),
            m("APC", "Back-UPS 950", "BX950MI", 2017, 0, 7, 160),
            m("APC", "Smart-UPS SMT1500RMI2U", "SMT1500RMI2U", 2019, 0, 28, 880),
            m("Eaton", "5SC 1500i", "5SC1500I", 2020, 0, 16, 560),
        ],
    },
    ClassSpec {
        itemtype: AssetType::Peripheral,
        type_name: "Visioconférence",
        per_mille: 10,
        prefix: "VISIO",
        warranty_months: 24,
        lifespan_years: (4, 7),
        refurbishable: false,
        dynamic_pct: 0,
        assigned_pct: 0,
        models: &[
            m("Logitech", "C920 HD Pro", "960-001055", 2014, 0, 0, 75),
            m("Logitech", "C925e", "960-001076", 2017, 0, 0, 85),
            m("Logitech", "Rally Bar", "960-001311", 2021, 45, 7, 3300),
            m("Jabra", "PanaCast 50", "8200-232", 2022, 30, 2, 1250),
        ],
    },
];

/// Serial styles: a prefix, then that many characters from the alphabet.
pub(crate) fn serial_style(manufacturer: &str) -> (&'static str, usize, bool) {
    // (prefix, length, digits only)
    match manufacturer {
        "Dell" => ("", 7, false),
        "Lenovo" => ("PF", 6, false),
        "HP" | "HPE" => ("CZC", 7, false),
        "Apple" => ("", 12, false),
        "Samsung" => ("R58N", 7, false),
        "Fairphone" => ("", 15, true),
        "Yealink" => ("", 16, true),
        "Cisco" => ("FOC", 8, false),
        "Brother" => ("E7", 7, false),
        "Ricoh" => ("C", 9, true),
        "Kyocera" => ("VNB", 7, false),
        "Canon" => ("2SD", 5, true),
        "Aruba" => ("SG", 8, false),
        "Ubiquiti" => ("", 12, false),
        "Iiyama" => ("11", 10, true),
        _ => ("", 10, false),
    }
}

/// Services of the communes; group ids follow this order from 1.
pub(crate) const GROUPS: usize = 14;

pub(crate) const FIRST_NAMES: &[&str] = &[
    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "l", "m", "n", "p", "r", "s", "t", "v",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "martin",
    "bernard",
    "dubois",
    "thomas",
    "robert",
    "richard",
    "petit",
    "durand",
    "leroy",
    "moreau",
    "simon",
    "laurent",
    "lefebvre",
    "michel",
    "garcia",
    "david",
    "bertrand",
    "roux",
    "vincent",
    "fournier",
    "morel",
    "girard",
    "andre",
    "mercier",
    "dupont",
    "lambert",
    "bonnet",
    "francois",
    "martinez",
    "legrand",
    "garnier",
    "faure",
    "rousseau",
    "blanc",
    "guerin",
    "muller",
    "henry",
    "roussel",
    "nicolas",
    "perrin",
    "morin",
    "mathieu",
    "clement",
    "gauthier",
    "dumont",
    "lopez",
    "fontaine",
    "chevalier",
    "robin",
    "masson",
];

/// Template rows by itemtype, cycled when more are asked for.
pub(crate) const TEMPLATES: &[(AssetType, &str)] = &[
    (AssetType::Computer, "Modèle poste bureautique"),
    (AssetType::Monitor, "Modèle écran 24 pouces"),
    (AssetType::Phone, "Modèle smartphone agent"),
    (AssetType::Computer, "Modèle portable agent"),
    (AssetType::Printer, "Modèle multifonction A3"),
    (AssetType::NetworkEquipment, "Modèle commutateur PoE"),
    (AssetType::Peripheral, "Modèle station d'accueil"),
    (AssetType::Phone, "Modèle téléphone IP"),
    (AssetType::Computer, "Modèle poste école"),
];
