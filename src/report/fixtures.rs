//! Figures for the report tests, built with the real computations from a small fleet: year
//! 2025, reviewed on 15 January 2026 (or, for "to date", on 30 June 2025).

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};
use parcd_connectors::{AssetClass, Phase};

use crate::agec::origin::Field;
use crate::agec::reen::DEFAULT_REEN_CLASSES;
use crate::agec::settings::DEFAULT_DONATION_STATUS;
use crate::agec::{
    AgecRules, Category, CategoryMap, DeeeYear, Donations, ExitFacts, Origin, OriginRule,
    OriginRules, Purchase, QuotaTable, ReenYear, YearShares, deee_year, donations_year, reen_year,
    year_shares,
};
use crate::footprint::FootprintConfig;
use crate::indicators::{AssetFacts, AssetKey, Engine, EngineSettings, Indicators};

use super::reen::{FleetOn, ReenReport, YearTrend};

pub const YEAR: i32 = 2025;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn rules() -> AgecRules {
    let new = OriginRule::new(
        "neuf-fournisseur",
        Origin::New,
        &[(Field::Supplier, "dell|hp")],
    )
    .unwrap();
    let recycled = OriginRule::new(
        "recycle-commentaire",
        Origin::RecycledContent,
        &[(Field::Comment, "matière recyclée")],
    )
    .unwrap();
    AgecRules {
        origins: OriginRules::new(vec![new, recycled], true, None),
        categories: CategoryMap::default(),
        quotas: QuotaTable::default(),
    }
}

fn buy(id: &str, class: Option<AssetClass>, date: Option<NaiveDate>, cents: i64) -> Purchase {
    Purchase {
        id: id.into(),
        class,
        date,
        amount_cents: Some(cents),
        ..Purchase::default()
    }
}

/// IT: 1 000 000 € new, 234 567,89 € reconditioned, a 0,05 € donation, 1 500 € of unknown
/// origin and a 0 € monitor; reprography: a 1 500 € printer; large appliances: 800 € with
/// recycled content; textiles: a minimum and no spend; two purchases excluded.
fn purchases() -> Vec<Purchase> {
    let laptop = Some(AssetClass::Laptop);
    vec![
        Purchase {
            supplier: Some("Dell".into()),
            ..buy("a", laptop, Some(d(YEAR, 2, 1)), 100_000_000)
        },
        Purchase {
            comment: Some("PC reconditionné".into()),
            ..buy("b", laptop, Some(d(YEAR, 3, 1)), 23_456_789)
        },
        Purchase {
            status: Some("Don reçu".into()),
            ..buy("c", Some(AssetClass::Desktop), Some(d(YEAR, 4, 1)), 5)
        },
        Purchase {
            supplier: Some("Boutique du coin".into()),
            ..buy("d", Some(AssetClass::Tablet), Some(d(YEAR, 5, 1)), 150_000)
        },
        Purchase {
            supplier: Some("HP".into()),
            ..buy("e", Some(AssetClass::Monitor), Some(d(YEAR, 6, 1)), 0)
        },
        Purchase {
            supplier: Some("HP".into()),
            ..buy("f", Some(AssetClass::Printer), Some(d(YEAR, 7, 1)), 150_000)
        },
        Purchase {
            category: Some(Category::LargeAppliances),
            comment: Some("contient de la matière recyclée".into()),
            ..buy("g", None, Some(d(YEAR, 8, 1)), 80_000)
        },
        buy("h", laptop, None, 90_000),
        buy("i", Some(AssetClass::Network), Some(d(YEAR, 3, 3)), 10_000),
    ]
}

/// The year closed.
pub fn shares() -> YearShares {
    year_shares(&rules(), &purchases(), YEAR, d(YEAR + 1, 1, 15))
}

/// The year half-way.
pub fn shares_to_date() -> YearShares {
    year_shares(&rules(), &purchases(), YEAR, d(YEAR, 6, 30))
}

fn exit(
    id: &str,
    class: AssetClass,
    in_service: NaiveDate,
    retired: NaiveDate,
    exit: Option<(Phase, NaiveDate)>,
    status: &str,
) -> ExitFacts {
    ExitFacts {
        id: id.into(),
        class: Some(class),
        in_service_date: Some(in_service),
        retired_on: Some(retired),
        exit_phase: exit.map(|(p, _)| p),
        exit_on: exit.map(|(_, d)| d),
        security_excluded: false,
        status: (!status.is_empty()).then(|| status.to_string()),
    }
}

/// B = 5 laptops in stock on 1 January + 3 monitors retired in the year = 8; A = 2 laptops
/// given and 1 monitor sold = 3: a rate of 37,5 % against 50 %.
pub fn exits() -> Vec<ExitFacts> {
    let (laptop, monitor) = (AssetClass::Laptop, AssetClass::Monitor);
    let old = d(2020, 1, 1);
    let stock = d(YEAR - 1, 6, 1);
    let mut v = vec![
        exit(
            "l1",
            laptop,
            old,
            stock,
            Some((Phase::Reused, d(YEAR, 3, 1))),
            "Don association",
        ),
        exit(
            "l2",
            laptop,
            old,
            stock,
            Some((Phase::Reused, d(YEAR, 3, 2))),
            "Donné",
        ),
        exit(
            "l3",
            laptop,
            old,
            stock,
            Some((Phase::Recycled, d(YEAR, 4, 1))),
            "",
        ),
        exit("l4", laptop, old, stock, None, ""),
        exit("l5", laptop, old, stock, None, ""),
        exit(
            "m1",
            monitor,
            d(2019, 1, 1),
            d(YEAR, 2, 1),
            Some((Phase::Reused, d(YEAR, 5, 1))),
            "Vendu",
        ),
        exit("m2", monitor, d(2019, 1, 1), d(YEAR, 2, 1), None, ""),
        exit("m3", monitor, d(2019, 1, 1), d(YEAR, 2, 1), None, ""),
        // Over 10 years old when retired: outside the rate, but a DEEE exit.
        exit(
            "d1",
            AssetClass::Desktop,
            d(2010, 1, 1),
            d(YEAR, 1, 10),
            Some((Phase::Recycled, d(YEAR, 2, 1))),
            "",
        ),
    ];
    v.push(ExitFacts {
        security_excluded: true,
        ..exit(
            "s1",
            laptop,
            old,
            d(YEAR, 3, 1),
            Some((Phase::Destroyed, d(YEAR, 3, 10))),
            "",
        )
    });
    v
}

fn asset(id: &str, class: AssetClass, phase: Phase, in_service: NaiveDate) -> AssetFacts {
    AssetFacts {
        key: AssetKey {
            source: "glpi".into(),
            external_id: id.into(),
        },
        class,
        model: None,
        entity: Some("Mairie".into()),
        phase,
        vanished: false,
        rated_power_w: None,
        in_service_date: Some(in_service),
        first_seen_at: Utc
            .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp(),
        exit_at: None,
        reconditioned: false,
    }
}

/// Two laptops, a desktop past its reference lifespan, a monitor, one device without a
/// factor, and a laptop that left in 2025.
pub fn indicators() -> Indicators {
    indicators_on(Utc.with_ymd_and_hms(YEAR + 1, 1, 15, 12, 0, 0).unwrap())
}

/// The same fleet as rebuilt on another day.
fn indicators_on(now: chrono::DateTime<Utc>) -> Indicators {
    let mut e = Engine::new(EngineSettings {
        footprint: FootprintConfig::builtin().unwrap(),
        headcount: BTreeMap::from([("Mairie".to_string(), 4)]),
    });
    let gone = Utc
        .with_ymd_and_hms(YEAR, 3, 1, 0, 0, 0)
        .unwrap()
        .timestamp();
    e.rebuild(
        [
            asset("1", AssetClass::Laptop, Phase::InService, d(2023, 1, 1)),
            asset("2", AssetClass::Laptop, Phase::InService, d(2024, 9, 1)),
            asset("3", AssetClass::Desktop, Phase::InService, d(2017, 1, 1)),
            asset("4", AssetClass::Monitor, Phase::InService, d(2022, 5, 1)),
            asset("5", AssetClass::Other, Phase::InService, d(2022, 5, 1)),
            AssetFacts {
                exit_at: Some(gone),
                ..asset("6", AssetClass::Laptop, Phase::Reused, d(2020, 1, 1))
            },
        ],
        now,
    );
    e.snapshot()
}

/// 2023 to the review's year: REEN and DEEE from the exits, the fleet from 2024 on (parcd's
/// history starts in 2024), on 31 December 2024 and on the review's day for 2025.
pub fn years(indicators: &Indicators) -> Vec<YearTrend> {
    let facts = exits();
    let classes = DEFAULT_REEN_CLASSES.into_iter().collect();
    (2023..=YEAR)
        .map(|year| YearTrend {
            year,
            reen: reen_year(&facts, &classes, year),
            deee: deee_year(&facts, year),
            fleet: match year {
                2024 => Some(FleetOn {
                    on: d(2024, 12, 31),
                    total: indicators_on(Utc.with_ymd_and_hms(2024, 12, 31, 23, 59, 59).unwrap())
                        .total,
                }),
                YEAR => Some(FleetOn {
                    on: d(YEAR + 1, 1, 15),
                    total: indicators.total.clone(),
                }),
                _ => None,
            },
        })
        .collect()
}

/// The year's printing: the town hall's MFP printed 1000 pages one-sided over a week and had
/// 2 supplies replaced; the school's printer 500 pages of which 200 two-sided; 120 agents at
/// the town hall.
pub fn printing() -> crate::printing::PrintingFigures {
    use crate::printing::{Inputs, PrintPeriod, PrinterUsage, PrintingConfig, Sourced};
    let week = 7.0 * 86_400.0;
    let settings = PrintingConfig::defaults(&crate::footprint::load::builtin().unwrap());
    let printers = [
        PrinterUsage {
            entity: "Mairie".into(),
            class: Some(AssetClass::Mfp),
            in_fleet: true,
            pages: Some(1000.0),
            supply_replacements: Some(2.0),
            observed_seconds: week,
            responding: Some(true),
            ..PrinterUsage::default()
        },
        PrinterUsage {
            entity: "École <Jules Ferry>".into(),
            class: Some(AssetClass::Printer),
            in_fleet: false,
            pages: Some(500.0),
            pages_duplex: Some(200.0),
            observed_seconds: week,
            responding: Some(false),
            ..PrinterUsage::default()
        },
    ];
    let from = Utc
        .with_ymd_and_hms(YEAR, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp();
    let to = Utc
        .with_ymd_and_hms(YEAR, 12, 31, 23, 59, 59)
        .unwrap()
        .timestamp();
    crate::printing::compute(
        &printers,
        &Inputs {
            settings: &settings,
            headcount: &BTreeMap::from([("Mairie".to_string(), 120)]),
            electricity: Sourced {
                value: 0.0461,
                unit: "kgCO2e/kWh",
                source: "ADEME Base Empreinte, mix moyen consommation (ademe, zone FRA, 2025)"
                    .into(),
                date: "2025".into(),
            },
            period: PrintPeriod {
                label: YEAR.to_string(),
                from,
                to,
                complete: true,
            },
        },
    )
}

/// The year's mail: 40 mailboxes of the town hall (120 agents) holding 12 GB, 3 of a school
/// holding 1 GB of which a quarter of the bytes read are attachments; the town hall sent
/// 500 messages (2 GB). Read the whole year.
pub fn mail() -> crate::mail::MailFigures {
    use crate::mail::{Inputs, MailFactors, MailReading};
    use crate::printing::{PrintPeriod, Sourced};
    use parcd_connectors::reading::{Quantity, known};
    let r = |scope: &str, key: &str, q: Quantity, value: f64| MailReading {
        source: "dovecot".into(),
        scope: scope.into(),
        key: key.into(),
        quantity: q.name.into(),
        at: 0,
        value,
    };
    let mut stored = Vec::new();
    for (domain, entity, boxes, bytes) in [
        ("mairie.fr", "Mairie", 40.0, 12e9),
        ("ecole.fr", "École <Jules Ferry>", 3.0, 1e9),
    ] {
        for (scope, key) in [("mail_domain", domain), ("mail_entity", entity)] {
            stored.push(r(scope, key, known::MAIL_MAILBOXES, boxes));
            stored.push(r(scope, key, known::MAIL_STORED_BYTES, bytes));
            stored.push(r(scope, key, known::MAIL_STORED_MESSAGES, bytes / 50_000.0));
        }
    }
    stored.push(r("mail_domain", "ecole.fr", known::MAIL_SCANNED_BYTES, 4e8));
    stored.push(r(
        "mail_domain",
        "ecole.fr",
        known::MAIL_SCANNED_ATTACHMENT_BYTES,
        1e8,
    ));
    let sent = vec![
        r("mail_domain", "mairie.fr", known::MAIL_SENT_MESSAGES, 500.0),
        r("mail_domain", "mairie.fr", known::MAIL_SENT_BYTES, 2e9),
        r("mail_entity", "Mairie", known::MAIL_SENT_MESSAGES, 500.0),
        r("mail_entity", "Mairie", known::MAIL_SENT_BYTES, 2e9),
        r(
            "mail_domain",
            "mairie.fr",
            known::MAIL_RECEIVED_MESSAGES,
            1800.0,
        ),
        r(
            "mail_entity",
            "Mairie",
            known::MAIL_RECEIVED_MESSAGES,
            1800.0,
        ),
    ];
    let factors = MailFactors::new(Sourced {
        value: 0.0461,
        unit: "kgCO2e/kWh",
        source: "ADEME Base Empreinte, mix moyen consommation (ademe, zone FRA, 2025)".into(),
        date: "2025".into(),
    });
    crate::mail::compute(&Inputs {
        stored: &stored,
        counters: &sent,
        days: &[],
        observed_years: 1.0,
        headcount: &BTreeMap::from([("Mairie".to_string(), 120)]),
        factors: &factors,
        period: PrintPeriod {
            label: YEAR.to_string(),
            from: 0,
            to: 1,
            complete: true,
        },
    })
}

/// Everything a review borrows.
pub struct Review {
    pub reen: ReenYear,
    pub deee: DeeeYear,
    pub donations: Donations,
    pub agec: YearShares,
    pub indicators: Indicators,
    pub printing: Option<crate::printing::PrintingFigures>,
    pub mail: Option<crate::mail::MailFigures>,
    pub years: Vec<YearTrend>,
}

impl Review {
    pub fn new(agec: YearShares) -> Review {
        let facts = exits();
        let classes = DEFAULT_REEN_CLASSES.into_iter().collect();
        let donation = regex::Regex::new(DEFAULT_DONATION_STATUS).unwrap();
        let indicators = indicators();
        Review {
            reen: reen_year(&facts, &classes, YEAR),
            deee: deee_year(&facts, YEAR),
            donations: donations_year(&facts, YEAR, &donation),
            agec,
            years: years(&indicators),
            indicators,
            printing: Some(printing()),
            mail: Some(mail()),
        }
    }

    /// The closed year.
    pub fn closed() -> Review {
        Review::new(shares())
    }

    pub fn report<'a>(&'a self, organisation: Option<&'a str>, complete: bool) -> ReenReport<'a> {
        ReenReport {
            year: YEAR,
            organisation,
            generated_on: if complete {
                d(YEAR + 1, 1, 15)
            } else {
                d(YEAR, 6, 30)
            },
            complete,
            reen: &self.reen,
            deee: &self.deee,
            donations: &self.donations,
            agec: &self.agec,
            indicators: &self.indicators,
            printing: self.printing.as_ref(),
            mail: self.mail.as_ref(),
            years: &self.years,
        }
    }
}
