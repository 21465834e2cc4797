//! Lays fleet rows out as GLPI 10.0.19 returns them: every column of the table in DB
//! column order, typed as `DBmysql` types them (ints as numbers, DECIMAL as text), and
//! the HATEOAS `links`.

use chrono::NaiveDateTime;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

use super::fleet::{
    Asset, AssetType, EntityRow, Fleet, Groups, Infocom, LocationRow, ModelRow, NamedRow,
    PrinterLogRow, SqlDate, StateRow, SupplierRow,
};

/// A JSON object whose keys keep the order they were pushed in, like PHP's arrays.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Row(pub(crate) Vec<(&'static str, Value)>);

impl Row {
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    fn set(&mut self, key: &'static str, value: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }
}

impl Serialize for Row {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The collections served under `/apirest.php/<Itemtype>/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Collection {
    Asset(AssetType),
    Model(AssetType),
    Type(AssetType),
    State,
    Entity,
    Location,
    Manufacturer,
    Supplier,
    Infocom,
    PrinterLog,
}

impl Collection {
    /// Parses an itemtype name, case-insensitively as PHP resolves class names.
    pub(crate) fn parse(name: &str) -> Option<Collection> {
        let simple = [
            ("State", Collection::State),
            ("Entity", Collection::Entity),
            ("Location", Collection::Location),
            ("Manufacturer", Collection::Manufacturer),
            ("Supplier", Collection::Supplier),
            ("Infocom", Collection::Infocom),
            ("PrinterLog", Collection::PrinterLog),
        ];
        if let Some((_, c)) = simple.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Some(*c);
        }
        if let Some(t) = AssetType::parse(name) {
            return Some(Collection::Asset(t));
        }
        let lower = name.to_ascii_lowercase();
        for t in AssetType::ALL {
            let stem = t.itemtype().to_ascii_lowercase();
            if lower == format!("{stem}model") {
                return Some(Collection::Model(t));
            }
            if lower == format!("{stem}type") {
                return Some(Collection::Type(t));
            }
        }
        None
    }

    /// The canonical class name, for `Accept-Range` and links.
    pub(crate) fn itemtype(self) -> String {
        match self {
            Collection::Asset(t) => t.itemtype().to_string(),
            Collection::Model(t) => format!("{}Model", t.itemtype()),
            Collection::Type(t) => format!("{}Type", t.itemtype()),
            Collection::State => "State".into(),
            Collection::Entity => "Entity".into(),
            Collection::Location => "Location".into(),
            Collection::Manufacturer => "Manufacturer".into(),
            Collection::Supplier => "Supplier".into(),
            Collection::Infocom => "Infocom".into(),
            Collection::PrinterLog => "PrinterLog".into(),
        }
    }

    pub(crate) fn table(self) -> String {
        match self {
            Collection::Asset(t) => format!("glpi_{}s", t.stem()),
            Collection::Model(t) => format!("glpi_{}models", t.stem()),
            Collection::Type(t) => format!("glpi_{}types", t.stem()),
            Collection::State => "glpi_states".into(),
            Collection::Entity => "glpi_entities".into(),
            Collection::Location => "glpi_locations".into(),
            Collection::Manufacturer => "glpi_manufacturers".into(),
            Collection::Supplier => "glpi_suppliers".into(),
            Collection::Infocom => "glpi_infocoms".into(),
            Collection::PrinterLog => "glpi_printerlogs".into(),
        }
    }

    /// Rows stored, before the `is_deleted` filter.
    pub(crate) fn len(self, f: &Fleet) -> usize {
        match self {
            Collection::Asset(t) => f.assets[t.index()].len(),
            Collection::Model(t) => f.models[t.index()].len(),
            Collection::Type(t) => f.types[t.index()].len(),
            Collection::State => f.states.len(),
            Collection::Entity => f.entities.len(),
            Collection::Location => f.locations.len(),
            Collection::Manufacturer => f.manufacturers.len(),
            Collection::Supplier => f.suppliers.len(),
            Collection::Infocom => f.infocoms.len(),
            Collection::PrinterLog => f.printer_logs.len(),
        }
    }

    /// Whether a row is listed by default (`is_deleted = 0`).
    pub(crate) fn listed(self, f: &Fleet, i: usize) -> bool {
        match self {
            Collection::Asset(t) => !f.assets[t.index()][i].is_deleted,
            _ => true,
        }
    }

    pub(crate) fn id_at(self, f: &Fleet, i: usize) -> u64 {
        match self {
            Collection::Asset(t) => f.assets[t.index()][i].id,
            Collection::Model(t) => f.models[t.index()][i].id,
            Collection::Type(t) => f.types[t.index()][i].id,
            Collection::State => f.states[i].id,
            Collection::Entity => f.entities[i].id,
            Collection::Location => f.locations[i].id,
            Collection::Manufacturer => f.manufacturers[i].id,
            Collection::Supplier => f.suppliers[i].id,
            Collection::Infocom => f.infocoms[i].id,
            Collection::PrinterLog => f.printer_logs[i].id,
        }
    }

    pub(crate) fn date_mod_at(self, f: &Fleet, i: usize) -> Option<NaiveDateTime> {
        match self {
            Collection::Asset(t) => f.assets[t.index()][i].date_mod,
            Collection::Model(t) => f.models[t.index()][i].date_mod,
            Collection::Type(t) => f.types[t.index()][i].date_mod,
            Collection::State => f.states[i].date_mod,
            Collection::Entity => f.entities[i].date_mod,
            Collection::Location => f.locations[i].date_mod,
            Collection::Manufacturer => f.manufacturers[i].date_mod,
            Collection::Supplier => f.suppliers[i].date_mod,
            Collection::Infocom => f.infocoms[i].date_mod,
            Collection::PrinterLog => f.printer_logs[i].date_mod,
        }
    }

    /// Position of a row by id. The big tables are kept in id order, so a client that
    /// fetches items one by one does not make the server scan.
    pub(crate) fn position(self, f: &Fleet, id: u64) -> Option<usize> {
        match self {
            Collection::Asset(t) => f.assets[t.index()].binary_search_by_key(&id, |a| a.id).ok(),
            Collection::Infocom => f.infocom_index(id),
            Collection::PrinterLog => f.printer_logs.binary_search_by_key(&id, |r| r.id).ok(),
            _ => (0..self.len(f)).find(|&i| self.id_at(f, i) == id),
        }
    }

    /// The asset a row of a child collection belongs to, for `/<Asset>/<id>/<Child>/`.
    pub(crate) fn parent_at(self, f: &Fleet, i: usize) -> Option<(AssetType, u64)> {
        match self {
            Collection::Infocom => Some((f.infocoms[i].itemtype, f.infocoms[i].items_id)),
            Collection::PrinterLog => Some((AssetType::Printer, f.printer_logs[i].printers_id)),
            _ => None,
        }
    }

    pub(crate) fn render(self, f: &Fleet, i: usize, ctx: &Ctx<'_>) -> Row {
        let mut b = Builder::new(f, ctx);
        match self {
            Collection::Asset(t) => asset(&mut b, &f.assets[t.index()][i]),
            Collection::Model(t) => model(&mut b, t, &f.models[t.index()][i]),
            Collection::Type(t) => named(&mut b, &f.types[t.index()][i]),
            Collection::Manufacturer => named(&mut b, &f.manufacturers[i]),
            Collection::State => state(&mut b, &f.states[i]),
            Collection::Entity => entity(&mut b, &f.entities[i]),
            Collection::Location => location(&mut b, &f.locations[i]),
            Collection::Supplier => supplier(&mut b, &f.suppliers[i]),
            Collection::Infocom => infocom(&mut b, &f.infocoms[i]),
            Collection::PrinterLog => printer_log(&mut b, &f.printer_logs[i]),
        }
        b.finish()
    }

    /// The columns of the table: what `sort` may name.
    pub(crate) fn columns(self) -> Vec<&'static str> {
        let mut f = Fleet::default();
        match self {
            Collection::Asset(t) => f.assets[t.index()].push(Asset {
                itemtype: t,
                groups_id: Groups::One(0),
                ..Asset::default()
            }),
            Collection::Model(t) => f.models[t.index()].push(ModelRow::default()),
            Collection::Type(t) => f.types[t.index()].push(NamedRow::default()),
            Collection::State => f.states.push(StateRow::default()),
            Collection::Entity => f.entities.push(EntityRow::default()),
            Collection::Location => f.locations.push(LocationRow::default()),
            Collection::Manufacturer => f.manufacturers.push(NamedRow::default()),
            Collection::Supplier => f.suppliers.push(SupplierRow::default()),
            Collection::Infocom => f.infocoms.push(Infocom::default()),
            Collection::PrinterLog => f.printer_logs.push(PrinterLogRow::default()),
        }
        let ctx = Ctx {
            api_url: "",
            hateoas: false,
            expand: false,
        };
        self.render(&f, 0, &ctx)
            .0
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }
}

/// How rows are rendered, from the request's parameters.
pub(crate) struct Ctx<'a> {
    pub(crate) api_url: &'a str,
    /// `get_hateoas` (GLPI default: true).
    pub(crate) hateoas: bool,
    /// `expand_dropdowns` (GLPI default: false).
    pub(crate) expand: bool,
}

/// What a foreign key points to.
#[derive(Clone, Copy)]
enum Rel {
    Entity,
    Location,
    State,
    Manufacturer,
    Supplier,
    Model(AssetType),
    Type(AssetType),
    Printer,
    User,
    Group,
    Budget,
}

impl Rel {
    fn itemtype(self) -> String {
        match self {
            Rel::Entity => "Entity".into(),
            Rel::Location => "Location".into(),
            Rel::State => "State".into(),
            Rel::Manufacturer => "Manufacturer".into(),
            Rel::Supplier => "Supplier".into(),
            Rel::Model(t) => format!("{}Model", t.itemtype()),
            Rel::Type(t) => format!("{}Type", t.itemtype()),
            Rel::Printer => "Printer".into(),
            Rel::User => "User".into(),
            Rel::Group => "Group".into(),
            Rel::Budget => "Budget".into(),
        }
    }

    /// The text `expand_dropdowns` puts in place of the id (tree dropdowns give their
    /// `completename`); `None` leaves the id, as for tables the simulator lacks.
    fn label(self, f: &Fleet, id: u64) -> Option<String> {
        match self {
            Rel::Entity => f
                .entities
                .iter()
                .find(|e| e.id == id)
                .map(|e| e.completename.clone()),
            Rel::Location => f
                .locations
                .iter()
                .find(|l| l.id == id)
                .map(|l| l.completename.clone()),
            Rel::State => f
                .states
                .iter()
                .find(|s| s.id == id)
                .map(|s| s.completename.clone()),
            Rel::Manufacturer => f
                .manufacturers
                .iter()
                .find(|m| m.id == id)
                .map(|m| m.name.clone()),
            Rel::Supplier => f
                .suppliers
                .iter()
                .find(|s| s.id == id)
                .map(|s| s.name.clone()),
            Rel::Model(t) => f.models[t.index()]
                .iter()
                .find(|m| m.id == id)
                .map(|m| m.name.clone()),
            Rel::Type(t) => f.types[t.index()]
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.name.clone()),
            Rel::Printer => f
                .asset(AssetType::Printer.itemtype(), id)
                .and_then(|a| a.name.clone()),
            Rel::User | Rel::Group | Rel::Budget => None,
        }
    }
}

struct Builder<'a> {
    f: &'a Fleet,
    ctx: &'a Ctx<'a>,
    row: Row,
    links: Vec<Value>,
}

impl<'a> Builder<'a> {
    fn new(f: &'a Fleet, ctx: &'a Ctx<'a>) -> Self {
        Builder {
            f,
            ctx,
            row: Row(Vec::with_capacity(40)),
            links: Vec::new(),
        }
    }

    fn int(&mut self, key: &'static str, v: impl Into<i64>) {
        self.row.0.push((key, Value::from(v.into())));
    }

    fn uint(&mut self, key: &'static str, v: u64) {
        self.row.0.push((key, Value::from(v)));
    }

    fn flag(&mut self, key: &'static str, v: bool) {
        self.row.0.push((key, Value::from(u8::from(v))));
    }

    fn text(&mut self, key: &'static str, v: &Option<String>) {
        self.row.0.push((
            key,
            v.as_ref().map_or(Value::Null, |s| Value::from(s.as_str())),
        ));
    }

    fn str(&mut self, key: &'static str, v: &str) {
        self.row.0.push((key, Value::from(v)));
    }

    fn null(&mut self, key: &'static str) {
        self.row.0.push((key, Value::Null));
    }

    fn ts(&mut self, key: &'static str, v: Option<NaiveDateTime>) {
        self.row.0.push((key, timestamp(v)));
    }

    fn date(&mut self, key: &'static str, v: Option<SqlDate>) {
        let value = match v {
            Some(SqlDate::Date(d)) => Value::from(d.format("%Y-%m-%d").to_string()),
            Some(SqlDate::Zero) => Value::from("0000-00-00"),
            None => Value::Null,
        };
        self.row.0.push((key, value));
    }

    fn link(&mut self, rel: String, href: String) {
        if self.ctx.hateoas {
            self.links.push(json!({"rel": rel, "href": href}));
        }
    }

    /// A foreign key: linked and expanded when > 0, like `API::parseDropdowns`.
    fn fk(&mut self, key: &'static str, rel: Rel, id: u64) {
        // The root entity is 0, so entity links and labels start at 0.
        let real = id > 0 || matches!(rel, Rel::Entity);
        let value = match (self.ctx.expand && real).then(|| rel.label(self.f, id)) {
            Some(Some(label)) => Value::from(label),
            _ => Value::from(id),
        };
        self.row.0.push((key, value));
        if real {
            let href = format!("{}/{}/{id}", self.ctx.api_url, rel.itemtype());
            self.link(rel.itemtype(), href);
        }
    }

    fn groups(&mut self, g: &Groups) {
        match g {
            Groups::Absent => {}
            Groups::One(id) => self.fk("groups_id", Rel::Group, *id),
            Groups::Many(ids) => self.row.0.push(("groups_id", json!(ids))),
        }
    }

    fn children(&mut self, itemtype: &str, id: u64, children: &[&str]) {
        for child in children {
            let href = format!("{}/{itemtype}/{id}/{child}/", self.ctx.api_url);
            self.link((*child).to_string(), href);
        }
    }

    fn finish(mut self) -> Row {
        if !self.links.is_empty() {
            let links = std::mem::take(&mut self.links);
            self.row.set("links", Value::Array(links));
        }
        self.row
    }
}

pub(crate) fn timestamp(v: Option<NaiveDateTime>) -> Value {
    v.map_or(Value::Null, |d| {
        Value::from(d.format("%Y-%m-%d %H:%M:%S").to_string())
    })
}

fn model_key(t: AssetType) -> &'static str {
    match t {
        AssetType::Computer => "computermodels_id",
        AssetType::Monitor => "monitormodels_id",
        AssetType::Printer => "printermodels_id",
        AssetType::Phone => "phonemodels_id",
        AssetType::NetworkEquipment => "networkequipmentmodels_id",
        AssetType::Peripheral => "peripheralmodels_id",
    }
}

fn type_key(t: AssetType) -> &'static str {
    match t {
        AssetType::Computer => "computertypes_id",
        AssetType::Monitor => "monitortypes_id",
        AssetType::Printer => "printertypes_id",
        AssetType::Phone => "phonetypes_id",
        AssetType::NetworkEquipment => "networkequipmenttypes_id",
        AssetType::Peripheral => "peripheraltypes_id",
    }
}

/// Children GLPI links from an asset row.
const ASSET_CHILDREN: &[&str] = &["Document_Item", "Contract_Item", "Infocom", "Item_Ticket"];

fn asset(b: &mut Builder<'_>, a: &Asset) {
    let t = a.itemtype;
    // Shared column runs; the tables interleave them differently.
    let models = |b: &mut Builder<'_>| {
        b.fk(type_key(t), Rel::Type(t), a.types_id);
        b.fk(model_key(t), Rel::Model(t), a.models_id);
    };
    let tech = |b: &mut Builder<'_>| {
        b.uint("users_id_tech", 0);
        b.uint("groups_id_tech", 0);
    };
    let template = |b: &mut Builder<'_>| {
        b.flag("is_template", a.is_template);
        b.text("template_name", &a.template_name);
    };
    let owner = |b: &mut Builder<'_>| {
        b.fk("users_id", Rel::User, a.users_id);
        b.groups(&a.groups_id);
        b.fk("states_id", Rel::State, a.states_id);
        b.str("ticket_tco", "0.0000");
    };
    let snmp_credentials = u64::from(a.is_dynamic && a.sysdescr.is_some());
    b.uint("id", a.id);
    match t {
        AssetType::Computer => {
            b.fk("entities_id", Rel::Entity, a.entities_id);
            b.text("name", &a.name);
            b.text("serial", &a.serial);
            b.text("otherserial", &a.otherserial);
            b.text("contact", &a.contact);
            b.null("contact_num");
            tech(b);
            b.text("comment", &a.comment);
            b.ts("date_mod", a.date_mod);
            b.uint("autoupdatesystems_id", a.autoupdatesystems_id);
            b.fk("locations_id", Rel::Location, a.locations_id);
            b.uint("networks_id", 0);
            b.fk(model_key(t), Rel::Model(t), a.models_id);
            b.fk(type_key(t), Rel::Type(t), a.types_id);
            template(b);
            b.fk("manufacturers_id", Rel::Manufacturer, a.manufacturers_id);
            b.flag("is_deleted", a.is_deleted);
            b.flag("is_dynamic", a.is_dynamic);
            owner(b);
            b.text("uuid", &a.uuid);
            b.ts("date_creation", a.date_creation);
            b.flag("is_recursive", a.is_recursive);
            b.ts("last_inventory_update", a.last_inventory_update);
            b.ts("last_boot", a.last_boot);
        }
        AssetType::Monitor => {
            b.fk("entities_id", Rel::Entity, a.entities_id);
            b.text("name", &a.name);
            b.ts("date_mod", a.date_mod);
            b.text("contact", &a.contact);
            b.null("contact_num");
            tech(b);
            b.text("comment", &a.comment);
            b.text("serial", &a.serial);
            b.text("otherserial", &a.otherserial);
            b.str("size", a.size.as_deref().unwrap_or("0.00"));
            b.flag("have_micro", false);
            b.flag("have_speaker", a.id.is_multiple_of(4));
            b.flag("have_subd", a.id.is_multiple_of(3));
            b.flag("have_bnc", false);
            b.flag("have_dvi", a.id % 3 == 1);
            b.flag("have_pivot", a.id.is_multiple_of(2));
            b.flag("have_hdmi", true);
            b.flag("have_displayport", !a.id.is_multiple_of(5));
            b.fk("locations_id", Rel::Location, a.locations_id);
            models(b);
            b.fk("manufacturers_id", Rel::Manufacturer, a.manufacturers_id);
            b.flag("is_global", false);
            b.flag("is_deleted", a.is_deleted);
            template(b);
            owner(b);
            b.flag("is_dynamic", a.is_dynamic);
            b.uint("autoupdatesystems_id", a.autoupdatesystems_id);
            b.text("uuid", &a.uuid);
            b.ts("date_creation", a.date_creation);
            b.flag("is_recursive", a.is_recursive);
        }
        AssetType::Printer => {
            b.fk("entities_id", Rel::Entity, a.entities_id);
            b.flag("is_recursive", a.is_recursive);
            b.text("name", &a.name);
            b.ts("date_mod", a.date_mod);
            b.text("contact", &a.contact);
            b.null("contact_num");
            tech(b);
            b.text("serial", &a.serial);
            b.text("otherserial", &a.otherserial);
            b.flag("have_serial", false);
            b.flag("have_parallel", false);
            b.flag("have_usb", true);
            b.flag("have_wifi", a.id.is_multiple_of(4));
            b.flag("have_ethernet", true);
            b.text("comment", &a.comment);
            b.text("memory_size", &a.ram.map(|r| r.to_string()));
            b.fk("locations_id", Rel::Location, a.locations_id);
            b.uint("networks_id", 0);
            models(b);
            b.fk("manufacturers_id", Rel::Manufacturer, a.manufacturers_id);
            b.flag("is_global", false);
            b.flag("is_deleted", a.is_deleted);
            template(b);
            b.uint("init_pages_counter", 0);
            b.uint("last_pages_counter", a.last_pages_counter);
            owner(b);
            b.flag("is_dynamic", a.is_dynamic);
            b.text("uuid", &a.uuid);
            b.ts("date_creation", a.date_creation);
            b.text("sysdescr", &a.sysdescr);
            b.ts("last_inventory_update", a.last_inventory_update);
            b.uint("snmpcredentials_id", snmp_credentials);
            b.uint("autoupdatesystems_id", a.autoupdatesystems_id);
        }
        AssetType::Phone => {
            let desk = a
                .number_line
                .as_deref()
                .is_some_and(|n| !n.starts_with("+336"));
            b.fk("entities_id", Rel::Entity, a.entities_id);
            b.text("name", &a.name);
            b.ts("date_mod", a.date_mod);
            b.text("contact", &a.contact);
            b.null("contact_num");
            tech(b);
            b.text("comment", &a.comment);
            b.text("serial", &a.serial);
            b.text("otherserial", &a.otherserial);
            b.fk("locations_id", Rel::Location, a.locations_id);
            models(b);
            b.null("brand");
            b.uint("phonepowersupplies_id", 0);
            b.text("number_line", &a.number_line);
            b.flag("have_headset", desk && a.id.is_multiple_of(3));
            b.flag("have_hp", desk);
            b.fk("manufacturers_id", Rel::Manufacturer, a.manufacturers_id);
            b.flag("is_global", false);
            b.flag("is_deleted", a.is_deleted);
            template(b);
            owner(b);
            b.flag("is_dynamic", a.is_dynamic);
            b.uint("autoupdatesystems_id", a.autoupdatesystems_id);
            b.text("uuid", &a.uuid);
            b.ts("date_creation", a.date_creation);
            b.flag("is_recursive", a.is_recursive);
            b.ts("last_inventory_update", a.last_inventory_update);
        }
        AssetType::NetworkEquipment => {
            b.fk("entities_id", Rel::Entity, a.entities_id);
            b.flag("is_recursive", a.is_recursive);
            b.text("name", &a.name);
            match a.ram {
                Some(r) => b.uint("ram", r),
                None => b.null("ram"),
            }
            b.text("serial", &a.serial);
            b.text("otherserial", &a.otherserial);
            b.text("contact", &a.contact);
            b.null("contact_num");
            tech(b);
            b.ts("date_mod", a.date_mod);
            b.text("comment", &a.comment);
            b.fk("locations_id", Rel::Location, a.locations_id);
            b.uint("networks_id", 0);
            models(b);
            b.fk("manufacturers_id", Rel::Manufacturer, a.manufacturers_id);
            b.flag("is_deleted", a.is_deleted);
            template(b);
            owner(b);
            b.flag("is_dynamic", a.is_dynamic);
            b.text("uuid", &a.uuid);
            b.ts("date_creation", a.date_creation);
            b.uint("autoupdatesystems_id", a.autoupdatesystems_id);
            b.text("sysdescr", &a.sysdescr);
            b.uint("cpu", if a.is_dynamic { 3 + a.id % 23 } else { 0 });
            let uptime = if a.is_dynamic {
                format!(
                    "{} days, {:02}:{:02}:{:02}.00",
                    a.id * 7 % 400,
                    a.id % 24,
                    a.id * 13 % 60,
                    a.id * 29 % 60
                )
            } else {
                "0".to_string()
            };
            b.str("uptime", &uptime);
            b.ts("last_inventory_update", a.last_inventory_update);
            b.uint("snmpcredentials_id", snmp_credentials);
        }
        AssetType::Peripheral => {
            b.fk("entities_id", Rel::Entity, a.entities_id);
            b.text("name", &a.name);
            b.ts("date_mod", a.date_mod);
            b.text("contact", &a.contact);
            b.null("contact_num");
            tech(b);
            b.text("comment", &a.comment);
            b.text("serial", &a.serial);
            b.text("otherserial", &a.otherserial);
            b.fk("locations_id", Rel::Location, a.locations_id);
            models(b);
            b.null("brand");
            b.fk("manufacturers_id", Rel::Manufacturer, a.manufacturers_id);
            b.flag("is_global", false);
            b.flag("is_deleted", a.is_deleted);
            template(b);
            owner(b);
            b.flag("is_dynamic", a.is_dynamic);
            b.uint("autoupdatesystems_id", a.autoupdatesystems_id);
            b.text("uuid", &a.uuid);
            b.ts("date_creation", a.date_creation);
            b.flag("is_recursive", a.is_recursive);
        }
    }
    b.children(t.itemtype(), a.id, ASSET_CHILDREN);
}

fn model(b: &mut Builder<'_>, t: AssetType, m: &ModelRow) {
    b.uint("id", m.id);
    b.str("name", &m.name);
    b.text("comment", &m.comment);
    b.text("product_number", &m.product_number);
    if t.model_has_power() {
        b.int("weight", m.weight);
        b.int("required_units", 1);
        b.row.0.push(("depth", json!(1.0)));
        b.int("power_connections", i64::from(m.power_consumption > 0));
        b.int("power_consumption", m.power_consumption);
        b.flag("is_half_rack", false);
        b.null("picture_front");
        b.null("picture_rear");
        b.null("pictures");
        b.ts("date_mod", m.date_mod);
        b.ts("date_creation", m.date_creation);
    } else {
        b.ts("date_mod", m.date_mod);
        b.ts("date_creation", m.date_creation);
        b.null("picture_front");
        b.null("picture_rear");
        b.null("pictures");
    }
}

fn named(b: &mut Builder<'_>, r: &NamedRow) {
    b.uint("id", r.id);
    b.str("name", &r.name);
    b.text("comment", &r.comment);
    b.ts("date_mod", r.date_mod);
    b.ts("date_creation", r.date_creation);
}

/// GLPI caches a tree row's ancestors as a JSON object text (`{"5":5}`), `[]` at the top.
fn ancestors(parents: &[u64]) -> String {
    if parents.is_empty() {
        return "[]".into();
    }
    let inner: Vec<String> = parents.iter().map(|p| format!("\"{p}\":{p}")).collect();
    format!("{{{}}}", inner.join(","))
}

fn state(b: &mut Builder<'_>, s: &StateRow) {
    const VISIBLE: &[&str] = &[
        "is_visible_computer",
        "is_visible_monitor",
        "is_visible_networkequipment",
        "is_visible_peripheral",
        "is_visible_phone",
        "is_visible_printer",
        "is_visible_softwareversion",
        "is_visible_softwarelicense",
        "is_visible_line",
        "is_visible_certificate",
        "is_visible_rack",
        "is_visible_passivedcequipment",
        "is_visible_enclosure",
        "is_visible_pdu",
        "is_visible_cluster",
        "is_visible_contract",
        "is_visible_appliance",
        "is_visible_databaseinstance",
        "is_visible_cable",
        "is_visible_unmanaged",
    ];
    b.uint("id", s.id);
    b.str("name", &s.name);
    b.fk("entities_id", Rel::Entity, 0);
    b.flag("is_recursive", true);
    b.text("comment", &s.comment);
    b.fk("states_id", Rel::State, s.states_id);
    b.str("completename", &s.completename);
    b.uint("level", s.level);
    let parents: Vec<u64> = (s.states_id > 0)
        .then_some(s.states_id)
        .into_iter()
        .collect();
    b.str("ancestors_cache", &ancestors(&parents));
    b.null("sons_cache");
    for key in VISIBLE {
        b.flag(key, true);
    }
    b.ts("date_mod", s.date_mod);
    b.ts("date_creation", s.date_creation);
}

fn entity(b: &mut Builder<'_>, e: &EntityRow) {
    b.uint("id", e.id);
    b.str("name", &e.name);
    match e.entities_id {
        Some(parent) => b.fk("entities_id", Rel::Entity, parent),
        None => b.null("entities_id"),
    }
    b.str("completename", &e.completename);
    b.text("comment", &e.comment);
    b.uint("level", e.level);
    b.null("sons_cache");
    let parents: Vec<u64> = match e.entities_id {
        Some(0) => vec![0],
        Some(p) => vec![0, p],
        None => Vec::new(),
    };
    b.str("ancestors_cache", &ancestors(&parents));
    b.null("registration_number");
    b.text("address", &e.address);
    b.text("postcode", &e.postcode);
    b.text("town", &e.town);
    b.null("state");
    b.text("country", &e.country);
    b.null("website");
    b.null("phonenumber");
    b.null("fax");
    b.null("email");
    let inherit = if e.entities_id.is_some() { "-2" } else { "0" };
    b.str("autofill_buy_date", inherit);
    b.str("autofill_delivery_date", inherit);
    b.str("autofill_warranty_date", inherit);
    b.str("autofill_use_date", &e.autofill_use_date);
    b.str("autofill_order_date", inherit);
    b.str("autofill_decommission_date", &e.autofill_decommission_date);
    b.ts("date_mod", e.date_mod);
    b.ts("date_creation", e.date_creation);
    b.null("latitude");
    b.null("longitude");
    b.null("altitude");
}

fn location(b: &mut Builder<'_>, l: &LocationRow) {
    b.uint("id", l.id);
    b.fk("entities_id", Rel::Entity, l.entities_id);
    b.flag("is_recursive", false);
    b.str("name", &l.name);
    b.fk("locations_id", Rel::Location, l.locations_id);
    b.str("completename", &l.completename);
    b.text("comment", &l.comment);
    b.uint("level", l.level);
    let parents: Vec<u64> = (l.locations_id > 0)
        .then_some(l.locations_id)
        .into_iter()
        .collect();
    b.str("ancestors_cache", &ancestors(&parents));
    b.null("sons_cache");
    b.text("address", &l.address);
    b.text("postcode", &l.postcode);
    b.text("town", &l.town);
    b.null("state");
    b.text("country", &l.country);
    b.text("building", &l.building);
    b.null("room");
    b.null("latitude");
    b.null("longitude");
    b.null("altitude");
    b.ts("date_mod", l.date_mod);
    b.ts("date_creation", l.date_creation);
}

fn supplier(b: &mut Builder<'_>, s: &SupplierRow) {
    b.uint("id", s.id);
    b.fk("entities_id", Rel::Entity, 0);
    b.flag("is_recursive", true);
    b.str("name", &s.name);
    b.uint("suppliertypes_id", 0);
    b.text("registration_number", &s.registration_number);
    b.null("address");
    b.null("postcode");
    b.text("town", &s.town);
    b.null("state");
    b.text("country", &s.country);
    b.text("website", &s.website);
    b.null("phonenumber");
    b.text("comment", &s.comment);
    b.flag("is_deleted", false);
    b.null("fax");
    b.null("email");
    b.ts("date_mod", s.date_mod);
    b.ts("date_creation", s.date_creation);
    b.flag("is_active", true);
    b.null("pictures");
}

fn infocom(b: &mut Builder<'_>, ic: &Infocom) {
    let t = ic.itemtype;
    b.uint("id", ic.id);
    b.uint("items_id", ic.items_id);
    let href = format!("{}/{}/{}", b.ctx.api_url, t.itemtype(), ic.items_id);
    b.link(t.itemtype().to_string(), href);
    b.str("itemtype", t.itemtype());
    // GLPI links the entity of an infocom only through its item.
    let entity = match (b.ctx.expand, Rel::Entity.label(b.f, ic.entities_id)) {
        (true, Some(label)) => Value::from(label),
        _ => Value::from(ic.entities_id),
    };
    b.row.0.push(("entities_id", entity));
    b.flag("is_recursive", false);
    b.date("buy_date", ic.buy_date);
    b.date("use_date", ic.use_date);
    b.int("warranty_duration", ic.warranty_duration);
    b.text("warranty_info", &ic.warranty_info);
    b.fk("suppliers_id", Rel::Supplier, ic.suppliers_id);
    b.text("order_number", &ic.order_number);
    b.text("delivery_number", &ic.delivery_number);
    b.text("immo_number", &ic.immo_number);
    b.str("value", &ic.value);
    b.str("warranty_value", &ic.warranty_value);
    b.int("sink_time", ic.sink_time);
    b.int("sink_type", ic.sink_type);
    b.row.0.push(("sink_coeff", json!(0.0)));
    b.text("comment", &ic.comment);
    b.text("bill", &ic.bill);
    b.fk("budgets_id", Rel::Budget, ic.budgets_id);
    b.int("alert", 0);
    b.date("order_date", ic.order_date);
    b.date("delivery_date", ic.delivery_date);
    b.date("inventory_date", ic.inventory_date);
    b.date("warranty_date", ic.warranty_date);
    b.ts("date_mod", ic.date_mod);
    b.ts("date_creation", ic.date_creation);
    b.ts("decommission_date", ic.decommission_date);
    b.uint("businesscriticities_id", 0);
}

/// GLPI 10's `glpi_printerlogs`, in its column order (GLPI 11 has `itemtype` and
/// `items_id` in place of `printers_id`).
fn printer_log(b: &mut Builder<'_>, r: &PrinterLogRow) {
    b.uint("id", r.id);
    b.fk("printers_id", Rel::Printer, r.printers_id);
    b.uint("total_pages", r.total_pages);
    b.uint("bw_pages", r.bw_pages);
    b.uint("color_pages", r.color_pages);
    b.uint("rv_pages", r.rv_pages);
    b.uint("prints", r.prints);
    b.uint("bw_prints", r.bw_prints);
    b.uint("color_prints", r.color_prints);
    b.uint("copies", r.copies);
    b.uint("bw_copies", r.bw_copies);
    b.uint("color_copies", r.color_copies);
    b.uint("scanned", r.scanned);
    b.uint("faxed", r.faxed);
    let day = r.date.map_or(Value::Null, |d| {
        Value::from(d.format("%Y-%m-%d").to_string())
    });
    b.row.0.push(("date", day));
    b.ts("date_creation", r.date_creation);
    b.ts("date_mod", r.date_mod);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itemtype_names_round_trip_through_parse() {
        for c in [
            Collection::Asset(AssetType::NetworkEquipment),
            Collection::Model(AssetType::Monitor),
            Collection::Type(AssetType::Phone),
            Collection::State,
            Collection::Infocom,
            Collection::PrinterLog,
        ] {
            assert_eq!(Collection::parse(&c.itemtype()), Some(c));
        }
        assert_eq!(
            Collection::parse("computermodel"),
            Some(Collection::Model(AssetType::Computer))
        );
        assert_eq!(Collection::parse("Ticket"), None);
    }

    #[test]
    fn printer_and_phone_models_have_no_power_columns() {
        assert!(
            !Collection::Model(AssetType::Printer)
                .columns()
                .contains(&"power_consumption")
        );
        assert!(
            !Collection::Model(AssetType::Phone)
                .columns()
                .contains(&"weight")
        );
        assert!(
            Collection::Model(AssetType::Peripheral)
                .columns()
                .contains(&"power_consumption")
        );
    }

    #[test]
    fn computer_columns_follow_glpi_10_order() {
        let cols = Collection::Asset(AssetType::Computer).columns();
        assert_eq!(
            &cols[..5],
            ["id", "entities_id", "name", "serial", "otherserial"]
        );
        assert_eq!(cols.last(), Some(&"last_boot"));
        assert!(cols.contains(&"groups_id"));
    }
}
