//! Builds and evolves a [`Fleet`] from the catalog with a seeded RNG.
//!
//! Each asset's story is drawn first (state, then the dates that state implies), and the
//! rows are derived from it, so dates always agree with one another: an item "Réformé"
//! was bought years ago and has a decommission date; an item "En commande" has an order
//! date and nothing after it.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use fastrand::Rng;

use super::catalog::{
    self, CLASSES, ClassSpec, ENTITIES, FIRST_NAMES, GROUPS, LAST_NAMES, MANUFACTURERS, ModelSpec,
    ST_DESTROYED, ST_DONATED, ST_LENT, ST_ORDERED, ST_PRODUCTION, ST_RECYCLED, ST_REPAIR,
    ST_RETIRED, ST_SOLD, ST_STOCK, STATE_MIX, STATES, SUP_BOCAGE, SUP_DELL, SUP_ORANGE, SUP_REBOOT,
    SUP_RESELLERS, SUP_RICOH, SUP_UGAP, SUPPLIERS, TEMPLATES,
};
use super::fleet::{
    Asset, AssetType, EntityRow, Fleet, FleetSpec, Groups, Infocom, LocationRow, ModelRow,
    NamedRow, SqlDate, StateRow, SupplierRow, generated_at,
};

/// When the syndicate installed GLPI: older items were imported in bulk then.
fn glpi_setup() -> NaiveDateTime {
    ymd(2016, 9, 12).and_hms_opt(9, 0, 0).unwrap_or_default()
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Purchase years of items still in use, weighted (renewal is steady, older ones left).
const IN_USE_YEARS: &[(i32, u32)] = &[
    (2014, 1),
    (2015, 1),
    (2016, 2),
    (2017, 3),
    (2018, 5),
    (2019, 7),
    (2020, 9),
    (2021, 11),
    (2022, 12),
    (2023, 13),
    (2024, 13),
    (2025, 13),
    (2026, 10),
];

/// Purchase years of items already retired: mostly the old ones.
const RETIRED_YEARS: &[(i32, u32)] = &[
    (2014, 8),
    (2015, 10),
    (2016, 12),
    (2017, 12),
    (2018, 11),
    (2019, 9),
    (2020, 6),
    (2021, 4),
    (2022, 2),
    (2023, 1),
];

/// Physical inventory campaigns, stamped in `inventory_date`.
fn campaigns() -> [NaiveDate; 3] {
    [ymd(2019, 11, 5), ymd(2022, 10, 17), ymd(2025, 10, 6)]
}

fn weighted<T: Copy>(rng: &mut Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.u32(0..total.max(1));
    for &(item, w) in items {
        if x < w {
            return item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

fn chance(rng: &mut Rng, per_mille: u32) -> bool {
    rng.u32(0..1000) < per_mille
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn at_office(rng: &mut Rng, d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(rng.u32(8..18), rng.u32(0..60), rng.u32(0..60))
        .unwrap_or_default()
}

fn random_between(rng: &mut Rng, from: NaiveDateTime, to: NaiveDateTime) -> NaiveDateTime {
    let span = (to - from).num_seconds();
    if span <= 0 {
        return from;
    }
    from + Duration::seconds(rng.i64(0..=span))
}

/// A moment of a working day between two instants: people edit GLPI at the office.
fn office_between(rng: &mut Rng, from: NaiveDateTime, to: NaiveDateTime) -> NaiveDateTime {
    let day = random_between(rng, from, to).date();
    at_office(rng, day).clamp(from, to.max(from))
}

fn alnum(rng: &mut Rng, n: usize, digits_only: bool) -> String {
    const ALNUM: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let set = if digits_only { &ALNUM[..10] } else { ALNUM };
    (0..n)
        .map(|_| set[rng.usize(0..set.len())] as char)
        .collect()
}

fn hex_upper(rng: &mut Rng, n: usize) -> String {
    const HEX: &[u8] = b"0123456789ABCDEF";
    (0..n).map(|_| HEX[rng.usize(0..16)] as char).collect()
}

/// A decimal(20,4) text from cents.
pub(crate) fn decimal(cents: u64) -> String {
    format!("{}.{:02}00", cents / 100, cents % 100)
}

/// A model as resolved against the fleet's dropdown ids.
struct Model {
    id: u64,
    manufacturers_id: u64,
    spec: &'static ModelSpec,
}

/// A catalog class as resolved against the fleet's dropdown ids.
struct Class {
    spec: &'static ClassSpec,
    types_id: u64,
    models: Vec<Model>,
}

/// Ids the generator draws from, resolved once.
struct World {
    classes: Vec<Class>,
    /// Per entity (index in `ENTITIES`): its site location ids.
    sites: Vec<Vec<u64>>,
    server_room: u64,
}

impl World {
    fn new(f: &mut Fleet, at: NaiveDateTime) -> World {
        let classes = CLASSES
            .iter()
            .map(|spec| {
                let t = spec.itemtype;
                let types_id = f.type_id_or_create(t, spec.type_name, at);
                let models = spec
                    .models
                    .iter()
                    .map(|ms| Model {
                        id: model_id_or_create(f, t, ms, at),
                        manufacturers_id: manufacturer_id(ms.manufacturer),
                        spec: ms,
                    })
                    .collect();
                Class {
                    spec,
                    types_id,
                    models,
                }
            })
            .collect();
        let sites = (1..=ENTITIES.len() as u64)
            .map(|e| {
                f.locations
                    .iter()
                    .filter(|l| l.entities_id == e && l.level == 2)
                    .map(|l| l.id)
                    .collect()
            })
            .collect::<Vec<Vec<u64>>>();
        let server_room = sites[0].first().copied().unwrap_or(0);
        World {
            classes,
            sites,
            server_room,
        }
    }

    fn pick_class(&self, rng: &mut Rng) -> usize {
        let weights: Vec<(usize, u32)> = self
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.spec.per_mille))
            .collect();
        weighted(rng, &weights)
    }
}

fn manufacturer_id(name: &str) -> u64 {
    MANUFACTURERS
        .iter()
        .position(|m| *m == name)
        .map_or(0, |i| i as u64 + 1)
}

fn model_id_or_create(f: &mut Fleet, t: AssetType, ms: &ModelSpec, at: NaiveDateTime) -> u64 {
    let rows = &mut f.models[t.index()];
    if let Some(r) = rows.iter().find(|r| r.name == ms.name) {
        return r.id;
    }
    let id = rows.len() as u64 + 1;
    rows.push(ModelRow {
        id,
        name: ms.name.to_string(),
        comment: None,
        product_number: Some(ms.product_number.to_string()),
        weight: ms.weight_kg,
        power_consumption: ms.power_w,
        date_mod: Some(at),
        date_creation: Some(at),
    });
    id
}

fn build_dropdowns(f: &mut Fleet, at: NaiveDateTime) {
    f.entities.push(EntityRow {
        id: 0,
        name: "Entité racine".into(),
        entities_id: None,
        completename: "Entité racine".into(),
        level: 1,
        autofill_use_date: "0".into(),
        autofill_decommission_date: "0".into(),
        date_mod: Some(at),
        date_creation: Some(at),
        ..EntityRow::default()
    });
    let mut location_id = 0;
    for (i, e) in ENTITIES.iter().enumerate() {
        let id = i as u64 + 1;
        let (parent, completename, level) = if id == 1 {
            (0, format!("Entité racine > {}", e.name), 2)
        } else {
            (
                1,
                format!("Entité racine > {} > {}", ENTITIES[0].name, e.name),
                3,
            )
        };
        // The syndicate stamps dates on status changes; members inherit its rules.
        let (use_rule, decommission_rule) = if id == 1 {
            (
                format!("STATUS_{ST_PRODUCTION}"),
                format!("STATUS_{ST_RETIRED}"),
            )
        } else {
            ("-2".into(), "-2".into())
        };
        f.entities.push(EntityRow {
            id,
            name: e.name.into(),
            entities_id: Some(parent),
            completename,
            level,
            comment: (id == 1).then(|| "Syndicat intercommunal du numérique".to_string()),
            address: Some(if id == 1 {
                "2 rue des Tanneurs".to_string()
            } else {
                "Place de la Mairie".to_string()
            }),
            postcode: Some(e.postcode.into()),
            town: Some(e.town.into()),
            country: Some("France".into()),
            autofill_use_date: use_rule,
            autofill_decommission_date: decommission_rule,
            date_mod: Some(at + days(i as i64)),
            date_creation: Some(at),
        });
        location_id += 1;
        let root = location_id;
        f.locations.push(LocationRow {
            id: root,
            entities_id: id,
            name: e.root_location.into(),
            locations_id: 0,
            completename: e.root_location.into(),
            level: 1,
            postcode: Some(e.postcode.into()),
            town: Some(e.town.into()),
            country: Some("France".into()),
            date_mod: Some(at),
            date_creation: Some(at),
            ..LocationRow::default()
        });
        for site in e.sites {
            location_id += 1;
            f.locations.push(LocationRow {
                id: location_id,
                entities_id: id,
                name: (*site).into(),
                locations_id: root,
                completename: format!("{} > {site}", e.root_location),
                level: 2,
                postcode: Some(e.postcode.into()),
                town: Some(e.town.into()),
                country: Some("France".into()),
                building: Some((*site).into()),
                date_mod: Some(at),
                date_creation: Some(at),
                ..LocationRow::default()
            });
        }
    }
    for (i, (name, parent)) in STATES.iter().enumerate() {
        let (states_id, completename, level) = match parent {
            Some(p) => (*p as u64 + 1, format!("{} > {name}", STATES[*p].0), 2),
            None => (0, (*name).to_string(), 1),
        };
        f.states.push(StateRow {
            id: i as u64 + 1,
            name: (*name).into(),
            states_id,
            completename,
            level,
            comment: (i as u64 + 1 == catalog::ST_LENT)
                .then(|| "Prêt temporaire (élections, événements)".to_string()),
            date_mod: Some(at),
            date_creation: Some(at),
        });
    }
    for (i, name) in MANUFACTURERS.iter().enumerate() {
        f.manufacturers.push(NamedRow {
            id: i as u64 + 1,
            name: (*name).into(),
            comment: None,
            date_mod: Some(at),
            date_creation: Some(at),
        });
    }
    for (i, s) in SUPPLIERS.iter().enumerate() {
        f.suppliers.push(SupplierRow {
            id: i as u64 + 1,
            name: s.name.into(),
            registration_number: Some(s.siret.into()),
            town: Some(s.town.into()),
            country: Some("France".into()),
            website: Some(s.website.into()),
            comment: s.comment.map(Into::into),
            date_mod: Some(at),
            date_creation: Some(at),
        });
    }
}

pub(crate) fn generate(spec: &FleetSpec) -> Fleet {
    let mut rng = Rng::with_seed(spec.seed);
    let setup = glpi_setup();
    let as_of = generated_at();
    let mut f = Fleet::default();
    build_dropdowns(&mut f, setup);
    let world = World::new(&mut f, setup);
    for i in 0..spec.templates {
        add_template(&mut f, &world, &mut rng, i, setup, as_of);
    }
    for _ in 0..spec.assets {
        let class = world.pick_class(&mut rng);
        let state = weighted(&mut rng, STATE_MIX);
        add_asset(&mut f, &world, &mut rng, class, state, as_of, false);
    }
    f
}

fn add_template(
    f: &mut Fleet,
    world: &World,
    rng: &mut Rng,
    i: usize,
    setup: NaiveDateTime,
    as_of: NaiveDateTime,
) {
    let (t, label) = TEMPLATES[i % TEMPLATES.len()];
    let round = i / TEMPLATES.len();
    let template_name = if round == 0 {
        label.to_string()
    } else {
        format!("{label} ({})", round + 1)
    };
    let class = world
        .classes
        .iter()
        .find(|c| c.spec.itemtype == t)
        .unwrap_or(&world.classes[0]);
    let model = class.models.last();
    let id = f.take_asset_id(t);
    let created = setup + Duration::minutes(i as i64 * 7);
    f.push_asset(Asset {
        itemtype: t,
        id,
        entities_id: 0,
        is_recursive: true,
        name: Some(String::new()),
        groups_id: Groups::One(0),
        types_id: class.types_id,
        models_id: model.map_or(0, |m| m.id),
        manufacturers_id: model.map_or(0, |m| m.manufacturers_id),
        states_id: ST_STOCK,
        is_template: true,
        template_name: Some(template_name),
        date_mod: Some(office_between(rng, created, as_of)),
        date_creation: Some(created),
        ..Asset::default()
    });
}

/// The dated story of one asset.
struct Story {
    order: Option<NaiveDate>,
    buy: Option<NaiveDate>,
    delivery: Option<NaiveDate>,
    use_date: Option<NaiveDate>,
    decommission: Option<NaiveDateTime>,
    created: NaiveDateTime,
    modified: NaiveDateTime,
    /// Still reporting to an agent: in service or in stock after service.
    reachable: bool,
}

fn story(rng: &mut Rng, class: &ClassSpec, state: u64, as_of: NaiveDateTime, fresh: bool) -> Story {
    let today = as_of.date();
    let setup = glpi_setup();
    let in_service_buy = |rng: &mut Rng| {
        let year = weighted(rng, IN_USE_YEARS);
        let d = ymd(year, 1, 1) + days(rng.i64(0..365));
        d.min(today - days(rng.i64(15..90)))
    };
    let retired_family = matches!(
        state,
        ST_RETIRED | ST_DONATED | ST_SOLD | ST_RECYCLED | ST_DESTROYED
    );
    let (order, buy, delivery, use_date, decommission, reachable) = if state == ST_ORDERED {
        let o = today - days(rng.i64(if fresh { 0..3 } else { 3..60 }));
        (Some(o), None, None, None, None, false)
    } else if state == ST_STOCK && (fresh || chance(rng, 600)) {
        let b = today - days(rng.i64(if fresh { 2..20 } else { 20..300 }));
        let d = (b + days(rng.i64(3..20))).min(today);
        (
            Some(b - days(rng.i64(5..30))),
            Some(b),
            Some(d),
            None,
            None,
            false,
        )
    } else if retired_family {
        let year = weighted(rng, RETIRED_YEARS);
        let b = (ymd(year, 1, 1) + days(rng.i64(0..365))).min(today - days(400));
        let d = b + days(rng.i64(3..25));
        let u = d + days(rng.i64(1..45));
        let (lo, hi) = class.lifespan_years;
        let life = days(rng.i64(lo * 365..=hi * 365));
        let latest = today - days(3);
        let earliest = (u + days(365)).min(latest);
        let dec_day = (u + life).clamp(earliest, latest);
        // Stamped by GLPI's auto-fill (a time of day) or typed by hand (midnight).
        let dec = if dec_day > setup.date() && chance(rng, 600) {
            at_office(rng, dec_day)
        } else {
            dec_day.and_hms_opt(0, 0, 0).unwrap_or_default()
        };
        (
            Some(b - days(rng.i64(5..30))),
            Some(b),
            Some(d),
            Some(u),
            Some(dec),
            false,
        )
    } else {
        let b = if fresh {
            today - days(rng.i64(20..60))
        } else {
            in_service_buy(rng)
        };
        let d = (b + days(rng.i64(3..25))).min(today);
        let u = (d + days(rng.i64(1..45))).min(today);
        (
            Some(b - days(rng.i64(5..30))),
            Some(b),
            Some(d),
            Some(u),
            None,
            true,
        )
    };
    let first_day = delivery.or(order).unwrap_or(today);
    let created = if fresh {
        as_of
    } else if first_day < setup.date() {
        // The bulk import at GLPI's installation: many rows share a second.
        setup + Duration::hours(rng.i64(1..4)) + Duration::minutes(rng.i64(0..3) * 20)
    } else {
        let day = (first_day + days(rng.i64(0..4))).min(today);
        at_office(rng, day).min(as_of)
    };
    let modified = if fresh {
        as_of
    } else if let Some(dec) = decommission {
        let exit = match state {
            ST_RETIRED => dec,
            _ => office_between(rng, dec + days(14), dec + days(200)).min(as_of - days(1)),
        };
        exit.max(created)
    } else if state == ST_REPAIR {
        (as_of - days(rng.i64(1..60))).max(created)
    } else if chance(rng, 450) {
        created
    } else {
        office_between(rng, created, as_of)
    };
    Story {
        order,
        buy,
        delivery,
        use_date,
        decommission,
        created,
        modified,
        reachable,
    }
}

fn pick_model<'a>(rng: &mut Rng, class: &'a Class, year: i32) -> &'a Model {
    let current: Vec<&Model> = class
        .models
        .iter()
        .filter(|m| m.spec.year <= year && m.spec.year >= year - 4)
        .collect();
    if !current.is_empty() {
        return current[rng.usize(0..current.len())];
    }
    class
        .models
        .iter()
        .filter(|m| m.spec.year <= year)
        .max_by_key(|m| m.spec.year)
        .unwrap_or(&class.models[0])
}

fn pick_entity(rng: &mut Rng) -> usize {
    let weights: Vec<(usize, u32)> = ENTITIES
        .iter()
        .enumerate()
        .map(|(i, e)| (i, e.weight))
        .collect();
    weighted(rng, &weights)
}

fn pick_groups(rng: &mut Rng) -> Groups {
    let roll = rng.u32(0..100);
    if roll < 5 {
        Groups::Absent
    } else if roll < 15 {
        Groups::Many(
            (0..rng.usize(0..=3))
                .map(|_| rng.u64(1..=GROUPS as u64))
                .collect(),
        )
    } else if roll < 55 {
        Groups::One(0)
    } else {
        Groups::One(rng.u64(1..=GROUPS as u64))
    }
}

fn exit_comment(state: u64) -> Option<String> {
    let text = match state {
        ST_DONATED => "Don à l'association Emmaüs Connect (convention 2024-07)",
        ST_SOLD => "Vendu aux enchères en ligne (Agorastore)",
        ST_RECYCLED => "Collecte DEEE par Ecologic, bordereau archivé",
        ST_DESTROYED => "Destruction certifiée du support de stockage",
        ST_REPAIR => "En attente de pièce (garantie constructeur)",
        ST_LENT => "Prêté pour le bureau de vote",
        _ => return None,
    };
    Some(text.to_string())
}

/// Adds one asset (and usually its infocom) whose story ends in `state` as of `as_of`.
/// `fresh` makes it a new arrival created at `as_of`.
fn add_asset(
    f: &mut Fleet,
    world: &World,
    rng: &mut Rng,
    class_index: usize,
    state: u64,
    as_of: NaiveDateTime,
    fresh: bool,
) -> u64 {
    let class = &world.classes[class_index];
    let spec = class.spec;
    let t = spec.itemtype;
    let s = story(rng, spec, state, as_of, fresh);
    let year = s.buy.or(s.order).map_or(as_of.year(), |d| d.year());
    let model = pick_model(rng, class, year);
    let manufacturer = model.spec.manufacturer;
    let entity = if t == AssetType::Computer && spec.type_name == "Serveur" && chance(rng, 700) {
        0
    } else {
        pick_entity(rng)
    };
    let sites = &world.sites[entity];
    let locations_id = if spec.type_name == "Serveur" && entity == 0 {
        world.server_room
    } else if sites.is_empty() || chance(rng, 40) {
        0
    } else {
        sites[rng.usize(0..sites.len())]
    };
    let id = f.take_asset_id(t);
    let dynamic = s.reachable && chance(rng, spec.dynamic_pct * 10);
    let in_service = matches!(state, ST_PRODUCTION | ST_REPAIR | ST_LENT | 0);
    let assigned = in_service && chance(rng, spec.assigned_pct * 10);
    let last_inventory_update = dynamic.then(|| {
        if chance(rng, 950) {
            as_of - Duration::minutes(rng.i64(10..20 * 24 * 60))
        } else {
            // An agent that stopped reporting months ago.
            as_of - days(rng.i64(60..400))
        }
        .max(s.created)
    });
    let modified = match last_inventory_update {
        Some(inv) if !fresh => inv.max(s.modified),
        _ => s.modified,
    };
    let name = if t == AssetType::Monitor && dynamic {
        // Agents name monitors from the EDID.
        format!("{} {}", manufacturer.to_uppercase(), model.spec.name)
    } else {
        format!("{}-{}-{id:05}", spec.prefix, ENTITIES[entity].code)
    };
    let (prefix, len, digits) = catalog::serial_style(manufacturer);
    let serial = (!chance(rng, 20)).then(|| format!("{prefix}{}", alnum(rng, len, digits)));
    let otherserial = (!chance(rng, 40)).then(|| format!("INV-{year}-{id:05}"));
    let login = || {
        format!(
            "{}{}",
            FIRST_NAMES[rng.usize(0..FIRST_NAMES.len())],
            LAST_NAMES[rng.usize(0..LAST_NAMES.len())]
        )
    };
    let contact = (assigned && dynamic && t == AssetType::Computer).then(login);
    let age_days = s
        .use_date
        .map_or(0, |u| (as_of.date() - u).num_days().max(0)) as u64;
    let pages_per_day = match spec.type_name {
        "Copieur" => rng.u64(400..1200),
        "Multifonction A3" => rng.u64(200..600),
        _ => rng.u64(20..150),
    };
    let snmp = matches!(t, AssetType::Printer | AssetType::NetworkEquipment) && dynamic;
    let asset = Asset {
        itemtype: t,
        id,
        entities_id: entity as u64 + 1,
        is_recursive: t == AssetType::NetworkEquipment && entity == 0,
        name: Some(name),
        serial,
        otherserial,
        contact,
        users_id: if assigned { rng.u64(2..650) } else { 0 },
        groups_id: pick_groups(rng),
        comment: exit_comment(state).filter(|_| chance(rng, 500)),
        locations_id,
        types_id: class.types_id,
        models_id: model.id,
        manufacturers_id: model.manufacturers_id,
        states_id: state,
        is_deleted: false,
        is_template: false,
        template_name: None,
        is_dynamic: dynamic,
        autoupdatesystems_id: u64::from(dynamic),
        uuid: (dynamic && t == AssetType::Computer).then(|| {
            format!(
                "{}-{}-{}-{}-{}",
                hex_upper(rng, 8),
                hex_upper(rng, 4),
                hex_upper(rng, 4),
                hex_upper(rng, 4),
                hex_upper(rng, 12)
            )
        }),
        date_mod: Some(modified),
        date_creation: Some(s.created),
        last_inventory_update,
        last_boot: last_inventory_update
            .filter(|_| t == AssetType::Computer)
            .map(|inv| inv - Duration::minutes(rng.i64(5..5 * 24 * 60))),
        size: (t == AssetType::Monitor).then(|| model.spec.size.to_string()),
        number_line: (t == AssetType::Phone).then(|| {
            if spec.type_name == "Smartphone" {
                format!("+336{}", alnum(rng, 8, true))
            } else {
                format!("+33241{}", alnum(rng, 6, true))
            }
        }),
        last_pages_counter: if t == AssetType::Printer {
            age_days * pages_per_day
        } else {
            0
        },
        sysdescr: snmp.then(|| model.spec.sysdescr.to_string()),
        ram: matches!(t, AssetType::NetworkEquipment | AssetType::Printer)
            .then_some(model.spec.ram_mb),
    };
    f.push_asset(asset);
    // Peripherals are often bought without anyone recording the invoice.
    let missing = if t == AssetType::Peripheral { 180 } else { 50 };
    if state == ST_ORDERED || fresh || !chance(rng, missing) {
        add_infocom(f, rng, spec, model, &s, state, id, entity, as_of);
    }
    id
}

#[allow(clippy::too_many_arguments)]
fn add_infocom(
    f: &mut Fleet,
    rng: &mut Rng,
    spec: &ClassSpec,
    model: &Model,
    s: &Story,
    state: u64,
    items_id: u64,
    entity: usize,
    as_of: NaiveDateTime,
) {
    let year = s.buy.or(s.order).map_or(as_of.year(), |d| d.year());
    let refurb_odds = match year {
        y if y >= 2021 => 250,
        y if y >= 2018 => 120,
        _ => 30,
    };
    let refurbished = spec.refurbishable && chance(rng, refurb_odds);
    let mut cents = u64::from(model.spec.price) * 100 * rng.u64(90..=110) / 100;
    if refurbished {
        cents = cents * rng.u64(50..=65) / 100;
    }
    // Whole euros are the norm on public purchase orders, cents on reseller quotes.
    if chance(rng, 700) {
        cents = cents / 100 * 100;
    }
    let one_euro_phone = spec.type_name == "Smartphone" && !refurbished && chance(rng, 50);
    if one_euro_phone {
        cents = 100;
    }
    let supplier = if refurbished {
        if chance(rng, 600) {
            SUP_REBOOT
        } else {
            SUP_BOCAGE
        }
    } else if spec.itemtype == AssetType::Phone && chance(rng, 500) {
        SUP_ORANGE
    } else if model.spec.manufacturer == "Ricoh" {
        SUP_RICOH
    } else if model.spec.manufacturer == "Dell" && chance(rng, 400) {
        SUP_DELL
    } else if chance(rng, 450) {
        SUP_UGAP
    } else {
        SUP_RESELLERS[rng.usize(0..SUP_RESELLERS.len())]
    };
    let suppliers_id = if chance(rng, 40) {
        0
    } else {
        supplier as u64 + 1
    };
    let comment = if refurbished {
        Some(
            if chance(rng, 500) {
                "Reconditionné"
            } else {
                "Reconditionné grade A, garantie 12 mois"
            }
            .to_string(),
        )
    } else if one_euro_phone {
        Some("Terminal à 1 € avec l'abonnement".to_string())
    } else {
        None
    };
    let warranty_duration = if refurbished {
        12
    } else {
        i64::from(spec.warranty_months)
    };
    // Rows imported from the pre-GLPI tooling kept MySQL's zero dates.
    let legacy = year < 2016;
    let date = |d: Option<NaiveDate>, rng: &mut Rng, zero_odds: u32| {
        if legacy && chance(rng, zero_odds) {
            Some(SqlDate::Zero)
        } else {
            d.map(SqlDate::Date)
        }
    };
    let immobilised = cents >= 50_000;
    let inventory_date = s.use_date.and_then(|u| {
        let end = s.decommission.map_or(as_of.date(), |d| d.date());
        let seen: Vec<NaiveDate> = campaigns()
            .into_iter()
            .filter(|c| *c >= u && *c <= end)
            .collect();
        (!seen.is_empty() && chance(rng, 400)).then(|| seen[seen.len() - 1])
    });
    let created = (s.created + Duration::minutes(rng.i64(0..90))).min(as_of);
    let modified = match s.decommission {
        Some(dec) => dec.max(created),
        None if state != ST_ORDERED && chance(rng, 200) => office_between(rng, created, as_of),
        None => created,
    };
    let infocom = Infocom {
        id: f.take_infocom_id(),
        itemtype: spec.itemtype,
        items_id,
        entities_id: entity as u64 + 1,
        buy_date: date(s.buy, rng, 30),
        use_date: if chance(rng, 60) {
            None
        } else {
            date(s.use_date, rng, 50)
        },
        warranty_duration,
        warranty_info: match rng.u32(0..10) {
            0 | 1 => Some("Sur site J+1".to_string()),
            2 => Some("Retour atelier".to_string()),
            3 => Some("Garantie constructeur".to_string()),
            _ => None,
        },
        suppliers_id,
        order_number: s
            .order
            .filter(|_| !chance(rng, 200))
            .map(|o| format!("BC-{}-{:04}", o.year(), rng.u32(1..1500))),
        delivery_number: s
            .delivery
            .filter(|_| chance(rng, 500))
            .map(|_| format!("BL-{}", alnum(rng, 5, true))),
        immo_number: immobilised.then(|| format!("IMMO-{year}-{items_id:05}")),
        value: decimal(cents),
        warranty_value: "0.0000".into(),
        sink_time: if immobilised { 5 } else { 0 },
        sink_type: if immobilised { 2 } else { 0 },
        comment,
        bill: s
            .buy
            .filter(|_| chance(rng, 600))
            .map(|b| format!("F-{}-{:04}", b.year(), rng.u32(1..9999))),
        budgets_id: if chance(rng, 600) { rng.u64(1..=4) } else { 0 },
        order_date: if chance(rng, 250) {
            None
        } else {
            date(s.order, rng, 10)
        },
        delivery_date: if chance(rng, 350) {
            None
        } else {
            date(s.delivery, rng, 10)
        },
        inventory_date: inventory_date.map(SqlDate::Date),
        warranty_date: date(s.buy, rng, 60),
        date_mod: Some(modified),
        date_creation: Some(created),
        decommission_date: s.decommission,
    };
    f.push_infocom(infocom);
}

/// Where an asset in a state may go next, with weights.
fn next_states(state: u64) -> &'static [(u64, u32)] {
    match state {
        ST_ORDERED => &[(ST_STOCK, 1)],
        ST_STOCK => &[(ST_PRODUCTION, 9), (ST_LENT, 1)],
        ST_PRODUCTION | 0 => &[
            (ST_RETIRED, 80),
            (ST_REPAIR, 15),
            (ST_LENT, 2),
            (ST_STOCK, 3),
        ],
        ST_REPAIR => &[(ST_PRODUCTION, 8), (ST_RETIRED, 2)],
        ST_LENT => &[(ST_PRODUCTION, 1), (ST_STOCK, 1)],
        ST_RETIRED => &[
            (ST_DONATED, 35),
            (ST_RECYCLED, 45),
            (ST_SOLD, 10),
            (ST_DESTROYED, 10),
        ],
        _ => &[],
    }
}

fn random_asset(f: &Fleet, rng: &mut Rng) -> Option<(AssetType, usize)> {
    let weights: Vec<(AssetType, u32)> = AssetType::ALL
        .into_iter()
        .map(|t| (t, f.assets(t).len() as u32))
        .collect();
    if weights.iter().all(|(_, w)| *w == 0) {
        return None;
    }
    let t = weighted(rng, &weights);
    let rows = f.assets(t);
    let i = rng.usize(0..rows.len());
    (!rows[i].is_template).then_some((t, i))
}

fn buy_day(f: &Fleet, t: AssetType, id: u64) -> Option<NaiveDate> {
    match f.infocom(t.itemtype(), id)?.buy_date? {
        SqlDate::Date(d) => Some(d),
        SqlDate::Zero => None,
    }
}

/// One lifecycle move; older candidates are preferred for retirement, as a DSI renews
/// the oldest first. Returns false when no movable asset was drawn.
fn evolve_status(f: &mut Fleet, rng: &mut Rng, now: NaiveDateTime) -> bool {
    let mut best: Option<(AssetType, u64, u64, Option<NaiveDate>)> = None;
    for _ in 0..24 {
        let Some((t, i)) = random_asset(f, rng) else {
            return false;
        };
        let a = &f.assets(t)[i];
        if next_states(a.states_id).is_empty() {
            continue;
        }
        let bought = buy_day(f, t, a.id);
        let older = match (&best, bought) {
            (None, _) => true,
            (Some((_, _, _, Some(b))), Some(d)) => d < *b,
            (Some((_, _, _, None)), Some(_)) => true,
            _ => false,
        };
        if older {
            best = Some((t, a.id, a.states_id, bought));
        }
        if best.is_some() && rng.u32(0..4) == 0 {
            break;
        }
    }
    let Some((t, id, state, _)) = best else {
        return false;
    };
    let next = weighted(rng, next_states(state));
    let name = f.state_name(next).unwrap_or("En production").to_string();
    f.set_state(t.itemtype(), id, &name, now);
    // By binary search: rows are in id order, and a scan made evolving a million-asset
    // fleet take seconds.
    if let Some(a) = f.asset_mut(t, id)
        && let Some(c) = exit_comment(next)
    {
        a.comment = Some(c);
    }
    if next == ST_STOCK
        && let Some(ic) = f.infocom_of.get(&(t, id)).copied()
        && let Some(j) = f.infocom_index(ic)
        && let Some(row) = f.infocom_at_mut(j)
        && row.delivery_date.is_none()
    {
        // Delivered: the order became a purchase.
        row.delivery_date = Some(SqlDate::Date(now.date()));
        row.buy_date = row.buy_date.or(Some(SqlDate::Date(now.date())));
        row.date_mod = Some(now);
    }
    true
}

fn evolve_purchase(f: &mut Fleet, world: &World, rng: &mut Rng, now: NaiveDateTime) {
    let class = world.pick_class(rng);
    let state = weighted(
        rng,
        &[(ST_STOCK, 60), (ST_ORDERED, 25), (ST_PRODUCTION, 15)],
    );
    add_asset(f, world, rng, class, state, now, true);
}

fn evolve_removal(f: &mut Fleet, rng: &mut Rng) {
    if let Some((t, i)) = random_asset(f, rng) {
        let id = f.assets(t)[i].id;
        f.remove(t.itemtype(), id);
    }
}

fn evolve_infocom(f: &mut Fleet, rng: &mut Rng, now: NaiveDateTime) {
    if f.infocoms.is_empty() {
        return;
    }
    let i = rng.usize(0..f.infocoms.len());
    let roll = rng.u32(0..10);
    let Some(ic) = f.infocom_at_mut(i) else {
        return;
    };
    match roll {
        // A price corrected from the final invoice.
        0..=3 => {
            let cents = ic
                .value
                .split('.')
                .next()
                .and_then(|e| e.parse::<u64>().ok())
                .unwrap_or(0)
                * 100;
            let adjusted = cents * rng.u64(92..=108) / 100;
            ic.value = decimal(adjusted.max(100));
        }
        4..=6 => {
            if ic.warranty_duration >= 0 {
                ic.warranty_duration += 12;
            }
        }
        7 | 8 => {
            ic.immo_number = Some(format!("IMMO-{}-{:05}", now.year(), ic.items_id));
        }
        _ => ic.inventory_date = Some(SqlDate::Date(now.date())),
    }
    ic.date_mod = Some(now);
}

pub(crate) fn evolve(f: &mut Fleet, changes: usize, rng_seed: u64, now: NaiveDateTime) {
    let mut rng = Rng::with_seed(rng_seed);
    let world = World::new(f, now);
    for _ in 0..changes {
        match weighted(&mut rng, &[(0u8, 55), (1, 20), (2, 5), (3, 20)]) {
            0 => {
                if !evolve_status(f, &mut rng, now) {
                    evolve_purchase(f, &world, &mut rng, now);
                }
            }
            1 => evolve_purchase(f, &world, &mut rng, now),
            2 => evolve_removal(f, &mut rng),
            _ => evolve_infocom(f, &mut rng, now),
        }
    }
}
