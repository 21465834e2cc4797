//! The simulated inventory: plain rows of the GLPI tables the legacy API exposes.
//!
//! Rows keep GLPI's own shapes (FK `0` = none, nullable text, `decimal` amounts as text) so
//! the server only has to lay them out. Every mutation goes through [`Fleet`]'s methods,
//! which keep the per-table id order and the `(itemtype, items_id)` → infocom index true.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};

use super::catalog::{ST_PRODUCTION, ST_RETIRED};

/// An asset itemtype of GLPI's legacy API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AssetType {
    /// Desktops, laptops, thin clients, servers and tablets (by their type).
    #[default]
    Computer,
    /// Screens, interactive displays included.
    Monitor,
    /// Printers, multifunction printers and copiers (by their type).
    Printer,
    /// Smartphones and desk IP phones (by their type).
    Phone,
    /// Switches and Wi-Fi access points.
    NetworkEquipment,
    /// Docks, projectors, scanners, UPS, video-conference kits.
    Peripheral,
}

impl AssetType {
    /// Every asset itemtype the simulator serves.
    pub const ALL: [AssetType; 6] = [
        AssetType::Computer,
        AssetType::Monitor,
        AssetType::Printer,
        AssetType::Phone,
        AssetType::NetworkEquipment,
        AssetType::Peripheral,
    ];

    /// The GLPI class name, as used in URLs and in `Infocom.itemtype`.
    pub fn itemtype(self) -> &'static str {
        match self {
            AssetType::Computer => "Computer",
            AssetType::Monitor => "Monitor",
            AssetType::Printer => "Printer",
            AssetType::Phone => "Phone",
            AssetType::NetworkEquipment => "NetworkEquipment",
            AssetType::Peripheral => "Peripheral",
        }
    }

    /// Parses a GLPI class name. PHP class names are case-insensitive, so is this.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.itemtype().eq_ignore_ascii_case(name))
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Lower-case stem of the table and FK names (`computer` → `computertypes_id`).
    pub(crate) fn stem(self) -> &'static str {
        match self {
            AssetType::Computer => "computer",
            AssetType::Monitor => "monitor",
            AssetType::Printer => "printer",
            AssetType::Phone => "phone",
            AssetType::NetworkEquipment => "networkequipment",
            AssetType::Peripheral => "peripheral",
        }
    }

    /// Whether GLPI's `glpi_<stem>models` table has `weight` and `power_consumption`.
    pub fn model_has_power(self) -> bool {
        !matches!(self, AssetType::Printer | AssetType::Phone)
    }
}

/// The `groups_id` of an asset row, in the three shapes clients meet: an int (GLPI ≤ 10),
/// an array of group ids (GLPI 11 single GET), or no key at all (GLPI 11 list GET).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Groups {
    /// No `groups_id` key.
    #[default]
    Absent,
    /// `"groups_id": 3` (0 = none).
    One(u64),
    /// `"groups_id": [3, 7]`, possibly empty.
    Many(Vec<u64>),
}

/// A DATE column that may hold MySQL's legacy zero date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlDate {
    /// `"YYYY-MM-DD"`.
    Date(NaiveDate),
    /// `"0000-00-00"`, left over by imports from old GLPI or OCS versions.
    Zero,
}

/// One row of `glpi_computers`, `glpi_monitors`, ... (common columns plus the few
/// type-specific ones the simulator fills).
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(missing_docs)] // Fields are the GLPI columns of the same name.
pub struct Asset {
    pub itemtype: AssetType,
    pub id: u64,
    pub entities_id: u64,
    pub is_recursive: bool,
    pub name: Option<String>,
    pub serial: Option<String>,
    pub otherserial: Option<String>,
    pub contact: Option<String>,
    pub users_id: u64,
    pub groups_id: Groups,
    pub comment: Option<String>,
    pub locations_id: u64,
    pub types_id: u64,
    pub models_id: u64,
    pub manufacturers_id: u64,
    pub states_id: u64,
    pub is_deleted: bool,
    pub is_template: bool,
    pub template_name: Option<String>,
    pub is_dynamic: bool,
    pub autoupdatesystems_id: u64,
    pub uuid: Option<String>,
    pub date_mod: Option<NaiveDateTime>,
    pub date_creation: Option<NaiveDateTime>,
    pub last_inventory_update: Option<NaiveDateTime>,
    /// Computers only.
    pub last_boot: Option<NaiveDateTime>,
    /// Monitors only: diagonal as `decimal(5,2)` text.
    pub size: Option<String>,
    /// Phones only.
    pub number_line: Option<String>,
    /// Printers only.
    pub last_pages_counter: u64,
    /// Printers and network equipment: SNMP `sysDescr`.
    pub sysdescr: Option<String>,
    /// Network equipment (`ram`) and printers (`memory_size`), in MiB.
    pub ram: Option<u64>,
}

/// One row of `glpi_infocoms`: the financial and lifecycle dates of an asset.
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(missing_docs)] // Fields are the GLPI columns of the same name.
pub struct Infocom {
    pub id: u64,
    pub itemtype: AssetType,
    pub items_id: u64,
    pub entities_id: u64,
    pub buy_date: Option<SqlDate>,
    pub use_date: Option<SqlDate>,
    /// Months; `-1` means lifelong.
    pub warranty_duration: i64,
    pub warranty_info: Option<String>,
    pub suppliers_id: u64,
    pub order_number: Option<String>,
    pub delivery_number: Option<String>,
    pub immo_number: Option<String>,
    /// `decimal(20,4)` as text, e.g. `"899.0000"`, excl. VAT.
    pub value: String,
    pub warranty_value: String,
    pub sink_time: i64,
    pub sink_type: i64,
    pub comment: Option<String>,
    pub bill: Option<String>,
    pub budgets_id: u64,
    pub order_date: Option<SqlDate>,
    pub delivery_date: Option<SqlDate>,
    pub inventory_date: Option<SqlDate>,
    pub warranty_date: Option<SqlDate>,
    pub date_mod: Option<NaiveDateTime>,
    pub date_creation: Option<NaiveDateTime>,
    /// A TIMESTAMP, unlike the other dates.
    pub decommission_date: Option<NaiveDateTime>,
}

/// One row of `glpi_printerlogs` (GLPI 10): a printer's page counters on one day, as the
/// GLPI Agent's network inventory writes them, one row per printer and day.
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(missing_docs)] // Fields are the GLPI columns of the same name.
pub struct PrinterLogRow {
    pub id: u64,
    pub printers_id: u64,
    pub total_pages: u64,
    pub bw_pages: u64,
    pub color_pages: u64,
    pub rv_pages: u64,
    pub prints: u64,
    pub bw_prints: u64,
    pub color_prints: u64,
    pub copies: u64,
    pub bw_copies: u64,
    pub color_copies: u64,
    pub scanned: u64,
    pub faxed: u64,
    pub date: Option<NaiveDate>,
    pub date_creation: Option<NaiveDateTime>,
    pub date_mod: Option<NaiveDateTime>,
}

/// What a printer's counters read on one inventory: the `PAGECOUNTERS` the agent sends
/// (`TOTAL`, `BLACK`, `COLOR`, `RECTOVERSO`, `COPYTOTAL`, `SCANNED`), 0 for those it does
/// not report, as GLPI stores them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)] // Fields are the columns of `glpi_printerlogs` they fill.
pub struct PageCounters {
    pub total_pages: u64,
    pub bw_pages: u64,
    pub color_pages: u64,
    pub rv_pages: u64,
    pub copies: u64,
    pub scanned: u64,
}

/// One row of `glpi_entities` (the columns that matter to an inventory client).
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(missing_docs)] // Fields are the GLPI columns of the same name.
pub struct EntityRow {
    pub id: u64,
    pub name: String,
    /// `None` only for the root entity (id 0), as in GLPI.
    pub entities_id: Option<u64>,
    pub completename: String,
    pub level: u64,
    pub comment: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub town: Option<String>,
    pub country: Option<String>,
    /// Entity auto-fill rules: `"STATUS_<id>"`, `"-2"` (inherit) or `"0"` (none).
    pub autofill_use_date: String,
    pub autofill_decommission_date: String,
    pub date_mod: Option<NaiveDateTime>,
    pub date_creation: Option<NaiveDateTime>,
}

/// One row of `glpi_locations`.
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(missing_docs)] // Fields are the GLPI columns of the same name.
pub struct LocationRow {
    pub id: u64,
    pub entities_id: u64,
    pub name: String,
    pub locations_id: u64,
    pub completename: String,
    pub level: u64,
    pub comment: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub town: Option<String>,
    pub country: Option<String>,
    pub building: Option<String>,
    pub date_mod: Option<NaiveDateTime>,
    pub date_creation: Option<NaiveDateTime>,
}

/// One row of `glpi_states`.
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(missing_docs)] // Fields are the GLPI columns of the same name.
pub struct StateRow {
    pub id: u64,
    pub name: String,
    pub states_id: u64,
    pub completename: String,
    pub level: u64,
    pub comment: Option<String>,
    pub date_mod: Option<NaiveDateTime>,
    pub date_creation: Option<NaiveDateTime>,
}

/// A row of a plain dropdown: manufacturers and the `<Asset>Type` tables.
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(missing_docs)] // Fields are the GLPI columns of the same name.
pub struct NamedRow {
    pub id: u64,
    pub name: String,
    pub comment: Option<String>,
    pub date_mod: Option<NaiveDateTime>,
    pub date_creation: Option<NaiveDateTime>,
}

/// A row of a `<Asset>Model` table. `weight` and `power_consumption` are only rendered
/// for the itemtypes whose table has them (see [`AssetType::model_has_power`]).
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(missing_docs)] // Fields are the GLPI columns of the same name.
pub struct ModelRow {
    pub id: u64,
    pub name: String,
    pub comment: Option<String>,
    pub product_number: Option<String>,
    pub weight: i64,
    /// W; 0 = unset.
    pub power_consumption: i64,
    pub date_mod: Option<NaiveDateTime>,
    pub date_creation: Option<NaiveDateTime>,
}

/// One row of `glpi_suppliers`.
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(missing_docs)] // Fields are the GLPI columns of the same name.
pub struct SupplierRow {
    pub id: u64,
    pub name: String,
    pub registration_number: Option<String>,
    pub town: Option<String>,
    pub country: Option<String>,
    pub website: Option<String>,
    pub comment: Option<String>,
    pub date_mod: Option<NaiveDateTime>,
    pub date_creation: Option<NaiveDateTime>,
}

/// What [`Fleet::generate`] builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FleetSpec {
    /// Non-template assets, all itemtypes together.
    pub assets: usize,
    /// Same seed, same fleet.
    pub seed: u64,
    /// Extra rows with `is_template = 1`, spread over the itemtypes.
    pub templates: usize,
}

/// The whole simulated GLPI database.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fleet {
    pub(crate) entities: Vec<EntityRow>,
    pub(crate) locations: Vec<LocationRow>,
    pub(crate) states: Vec<StateRow>,
    pub(crate) manufacturers: Vec<NamedRow>,
    pub(crate) suppliers: Vec<SupplierRow>,
    pub(crate) models: [Vec<ModelRow>; 6],
    pub(crate) types: [Vec<NamedRow>; 6],
    /// Per itemtype, ordered by id.
    pub(crate) assets: [Vec<Asset>; 6],
    /// Ordered by id.
    pub(crate) infocoms: Vec<Infocom>,
    pub(crate) infocom_of: HashMap<(AssetType, u64), u64>,
    /// Ordered by id; at most one row per printer and day.
    pub(crate) printer_logs: Vec<PrinterLogRow>,
    /// Network ports with their addresses (`network.rs`), none in a generated fleet.
    pub(crate) network_ports: Vec<super::network::NetworkPortRow>,
    pub(crate) next_asset_id: [u64; 6],
    pub(crate) next_infocom_id: u64,
}

/// The instant the generated data describes: every generated date is at or before it.
/// A fixed instant keeps [`Fleet::generate`] a pure function of its spec.
pub fn generated_at() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 2)
        .and_then(|d| d.and_hms_opt(7, 45, 0))
        .unwrap_or_default()
}

impl Fleet {
    /// Builds a fleet; the same spec always gives the same fleet.
    pub fn generate(spec: &FleetSpec) -> Fleet {
        super::generate::generate(spec)
    }

    /// Non-template assets of every itemtype.
    pub fn len(&self) -> usize {
        self.assets
            .iter()
            .flatten()
            .filter(|a| !a.is_template && !a.is_deleted)
            .count()
    }

    /// Whether the fleet holds no non-template asset.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ids of the non-template assets of an itemtype, ascending; empty for an unknown one.
    pub fn ids(&self, itemtype: &str) -> Vec<u64> {
        AssetType::parse(itemtype)
            .map(|t| {
                self.assets[t.index()]
                    .iter()
                    .filter(|a| !a.is_template)
                    .map(|a| a.id)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Rows of an itemtype, templates included, ordered by id.
    pub fn assets(&self, itemtype: AssetType) -> &[Asset] {
        &self.assets[itemtype.index()]
    }

    /// One asset row, templates included.
    pub fn asset(&self, itemtype: &str, id: u64) -> Option<&Asset> {
        let t = AssetType::parse(itemtype)?;
        let rows = &self.assets[t.index()];
        rows.binary_search_by_key(&id, |a| a.id)
            .ok()
            .map(|i| &rows[i])
    }

    pub(crate) fn asset_mut(&mut self, t: AssetType, id: u64) -> Option<&mut Asset> {
        let rows = &mut self.assets[t.index()];
        let i = rows.binary_search_by_key(&id, |a| a.id).ok()?;
        Some(&mut rows[i])
    }

    /// Every infocom row, ordered by id.
    pub fn infocoms(&self) -> &[Infocom] {
        &self.infocoms
    }

    /// The infocom row of an asset, if it has one.
    pub fn infocom(&self, itemtype: &str, id: u64) -> Option<&Infocom> {
        let t = AssetType::parse(itemtype)?;
        let ic = *self.infocom_of.get(&(t, id))?;
        self.infocom_index(ic).map(|i| &self.infocoms[i])
    }

    pub(crate) fn infocom_index(&self, infocom_id: u64) -> Option<usize> {
        self.infocoms
            .binary_search_by_key(&infocom_id, |ic| ic.id)
            .ok()
    }

    fn infocom_mut(&mut self, t: AssetType, id: u64) -> Option<&mut Infocom> {
        let ic = *self.infocom_of.get(&(t, id))?;
        let i = self.infocom_index(ic)?;
        Some(&mut self.infocoms[i])
    }

    /// Every printer log row, ordered by id.
    pub fn printer_logs(&self) -> &[PrinterLogRow] {
        &self.printer_logs
    }

    /// A printer's inventory by the GLPI Agent at `now`, as GLPI 10 records it
    /// (`Glpi\Inventory\Asset\Printer::handleMetrics`): the log row of the printer and
    /// day is created, or rewritten in place when the day has one already; the printer's
    /// `last_pages_counter` takes the total, and its `last_inventory_update` and
    /// `date_mod` move. Does nothing for an unknown printer.
    pub fn inventory_printer(
        &mut self,
        printers_id: u64,
        counters: PageCounters,
        now: NaiveDateTime,
    ) {
        let Some(printer) = self.asset_mut(AssetType::Printer, printers_id) else {
            return;
        };
        printer.last_pages_counter = counters.total_pages;
        printer.last_inventory_update = Some(now);
        printer.date_mod = Some(now);
        let day = now.date();
        let fill = |row: &mut PrinterLogRow| {
            row.total_pages = counters.total_pages;
            row.bw_pages = counters.bw_pages;
            row.color_pages = counters.color_pages;
            row.rv_pages = counters.rv_pages;
            row.copies = counters.copies;
            row.prints = counters.total_pages.saturating_sub(counters.copies);
            row.scanned = counters.scanned;
            row.date_mod = Some(now);
        };
        if let Some(row) = self
            .printer_logs
            .iter_mut()
            .find(|r| r.printers_id == printers_id && r.date == Some(day))
        {
            fill(row);
            return;
        }
        let id = self.printer_logs.last().map_or(0, |r| r.id) + 1;
        let mut row = PrinterLogRow {
            id,
            printers_id,
            date: Some(day),
            date_creation: Some(now),
            ..PrinterLogRow::default()
        };
        fill(&mut row);
        self.printer_logs.push(row);
    }

    /// `days` of daily inventories up to `now`'s day for every printer the agent
    /// inventories (`is_dynamic`, with a counter), consistent with its `last_pages_counter`:
    /// the history GLPI 10 shows in a printer's *Page counters* tab.
    pub fn record_printer_history(&mut self, days: u32, now: NaiveDateTime) {
        let printers: Vec<(u64, u64)> = self.assets[AssetType::Printer.index()]
            .iter()
            .filter(|a| a.is_dynamic && !a.is_template && !a.is_deleted && a.last_pages_counter > 0)
            .map(|a| (a.id, a.last_pages_counter))
            .collect();
        for back in (0..i64::from(days)).rev() {
            let at = now - chrono::Duration::days(back);
            for &(id, last) in &printers {
                let per_day = 20 + id * 37 % 400;
                let total = last.saturating_sub(per_day * back as u64);
                // A third of them print in colour, a quarter of their pages.
                let color = if id % 3 == 0 { total / 4 } else { 0 };
                self.inventory_printer(
                    id,
                    PageCounters {
                        total_pages: total,
                        bw_pages: total - color,
                        color_pages: color,
                        rv_pages: total * 2 / 5,
                        copies: total / 10,
                        scanned: total / 8,
                    },
                    at,
                );
            }
        }
    }

    /// The entity tree, root (id 0) first.
    pub fn entities(&self) -> &[EntityRow] {
        &self.entities
    }

    /// The location tree: one root per member, its sites below.
    pub fn locations(&self) -> &[LocationRow] {
        &self.locations
    }

    /// The state tree ("Réformé > Don"...), including states created since.
    pub fn states(&self) -> &[StateRow] {
        &self.states
    }

    /// Manufacturer dropdown rows.
    pub fn manufacturers(&self) -> &[NamedRow] {
        &self.manufacturers
    }

    /// Supplier rows (`Infocom.suppliers_id`).
    pub fn suppliers(&self) -> &[SupplierRow] {
        &self.suppliers
    }

    /// The `<Itemtype>Model` rows.
    pub fn models(&self, itemtype: AssetType) -> &[ModelRow] {
        &self.models[itemtype.index()]
    }

    /// The `<Itemtype>Type` rows.
    pub fn types(&self, itemtype: AssetType) -> &[NamedRow] {
        &self.types[itemtype.index()]
    }

    /// The `name` of a state id (`None` for 0 or an unknown id).
    pub fn state_name(&self, states_id: u64) -> Option<&str> {
        self.states
            .iter()
            .find(|s| s.id == states_id)
            .map(|s| s.name.as_str())
    }

    /// Finds a state by `completename`, then by `name`; creates it when missing. A name
    /// with `" > "` creates the parents it lacks, as GLPI's tree dropdowns do.
    pub(crate) fn state_id_or_create(&mut self, state_name: &str, now: NaiveDateTime) -> u64 {
        if let Some(s) = self
            .states
            .iter()
            .find(|s| s.completename == state_name)
            .or_else(|| self.states.iter().find(|s| s.name == state_name))
        {
            return s.id;
        }
        let (parent, name) = match state_name.rsplit_once(" > ") {
            Some((path, leaf)) => (self.state_id_or_create(path, now), leaf),
            None => (0, state_name),
        };
        let (completename, level) = match self.states.iter().find(|s| s.id == parent) {
            Some(p) => (format!("{} > {name}", p.completename), p.level + 1),
            None => (name.to_string(), 1),
        };
        let id = self.states.iter().map(|s| s.id).max().unwrap_or(0) + 1;
        self.states.push(StateRow {
            id,
            name: name.to_string(),
            states_id: parent,
            completename,
            level,
            comment: None,
            date_mod: Some(now),
            date_creation: Some(now),
        });
        id
    }

    /// Whether a state is "Réformé" or one of its children (the exits).
    pub(crate) fn is_retired_family(&self, states_id: u64) -> bool {
        let mut id = states_id;
        // Trees are shallow; the bound only guards against a cycle made by hand.
        for _ in 0..8 {
            if id == ST_RETIRED {
                return true;
            }
            match self.states.iter().find(|s| s.id == id) {
                Some(s) if s.states_id != 0 => id = s.states_id,
                _ => return false,
            }
        }
        false
    }

    /// Moves an asset to a state (created if new) and stamps `date_mod`.
    ///
    /// Like the syndicate's entity auto-fill rules in GLPI, entering "En production" fills
    /// a missing infocom `use_date`, and entering "Réformé" or one of its children fills a
    /// missing `decommission_date`; the infocom's `date_mod` then moves too.
    pub fn set_state(&mut self, itemtype: &str, id: u64, state_name: &str, now: NaiveDateTime) {
        let Some(t) = AssetType::parse(itemtype) else {
            return;
        };
        if self.asset_mut(t, id).is_none() {
            return;
        }
        let sid = self.state_id_or_create(state_name, now);
        let retired = self.is_retired_family(sid);
        if let Some(a) = self.asset_mut(t, id) {
            a.states_id = sid;
            a.date_mod = Some(now);
        }
        if let Some(ic) = self.infocom_mut(t, id) {
            if sid == ST_PRODUCTION && ic.use_date.is_none() {
                ic.use_date = Some(SqlDate::Date(now.date()));
                ic.date_mod = Some(now);
            }
            if retired && ic.decommission_date.is_none() {
                ic.decommission_date = Some(now);
                ic.date_mod = Some(now);
            }
        }
    }

    /// Purges an asset and its infocom, as emptying GLPI's trash does.
    pub fn remove(&mut self, itemtype: &str, id: u64) -> bool {
        let Some(t) = AssetType::parse(itemtype) else {
            return false;
        };
        let rows = &mut self.assets[t.index()];
        let Ok(i) = rows.binary_search_by_key(&id, |a| a.id) else {
            return false;
        };
        rows.remove(i);
        if let Some(ic) = self.infocom_of.remove(&(t, id))
            && let Some(j) = self.infocom_index(ic)
        {
            self.infocoms.remove(j);
        }
        true
    }

    /// Adds a bare asset in the syndicate's entity, without infocom, and returns its id.
    /// The type and state dropdown rows are created when missing.
    ///
    /// # Panics
    /// When `itemtype` is not one of the six asset itemtypes: a fixture bug.
    pub fn add_item(
        &mut self,
        itemtype: &str,
        name: &str,
        type_name: &str,
        state_name: &str,
        now: NaiveDateTime,
    ) -> u64 {
        let t = AssetType::parse(itemtype)
            .unwrap_or_else(|| panic!("{itemtype} is not an asset itemtype of the simulator"));
        let types_id = self.type_id_or_create(t, type_name, now);
        let states_id = self.state_id_or_create(state_name, now);
        let id = self.take_asset_id(t);
        self.push_asset(Asset {
            itemtype: t,
            id,
            entities_id: 1,
            name: Some(name.to_string()),
            groups_id: Groups::One(0),
            types_id,
            states_id,
            date_mod: Some(now),
            date_creation: Some(now),
            ..Asset::default()
        });
        id
    }

    /// Sets the raw `value` of an asset's infocom (e.g. `"649.0000"`), creating the infocom
    /// row when missing. Only the infocom's `date_mod` moves: in GLPI the asset row is not
    /// touched by a financial edit.
    pub fn set_infocom_value(&mut self, itemtype: &str, id: u64, value: &str, now: NaiveDateTime) {
        let Some(t) = AssetType::parse(itemtype) else {
            return;
        };
        let Some(entities_id) = self.asset_mut(t, id).map(|a| a.entities_id) else {
            return;
        };
        if let Some(ic) = self.infocom_mut(t, id) {
            ic.value = value.to_string();
            ic.date_mod = Some(now);
            return;
        }
        let infocom_id = self.take_infocom_id();
        self.push_infocom(Infocom {
            id: infocom_id,
            itemtype: t,
            items_id: id,
            entities_id,
            value: value.to_string(),
            warranty_value: "0.0000".into(),
            date_mod: Some(now),
            date_creation: Some(now),
            ..Infocom::default()
        });
    }

    /// Edits an asset's infocom (creating it when missing), as a user editing the financial
    /// tab in GLPI: only the infocom's `date_mod` moves. Does nothing for an unknown asset.
    pub fn edit_infocom(
        &mut self,
        itemtype: &str,
        id: u64,
        now: NaiveDateTime,
        edit: impl FnOnce(&mut Infocom),
    ) {
        let Some(t) = AssetType::parse(itemtype) else {
            return;
        };
        if self.infocom_mut(t, id).is_none() {
            self.set_infocom_value(itemtype, id, "0.0000", now);
        }
        if let Some(ic) = self.infocom_mut(t, id) {
            edit(ic);
            ic.date_mod = Some(now);
        }
    }

    /// Edits every infocom row (a test fixture's bulk correction).
    pub fn edit_all_infocoms(&mut self, now: NaiveDateTime, mut edit: impl FnMut(&mut Infocom)) {
        for ic in &mut self.infocoms {
            edit(ic);
            ic.date_mod = Some(now);
        }
    }

    /// Applies `changes` realistic edits: lifecycle moves (stock → production → réformé →
    /// don / vendu / recyclé / détruit, repairs), new purchases with their infocom, purged
    /// items and infocom corrections. Every touched row gets `date_mod = now`.
    pub fn evolve(&mut self, changes: usize, rng_seed: u64, now: NaiveDateTime) {
        super::generate::evolve(self, changes, rng_seed, now);
    }

    pub(crate) fn type_id_or_create(
        &mut self,
        t: AssetType,
        type_name: &str,
        now: NaiveDateTime,
    ) -> u64 {
        let rows = &mut self.types[t.index()];
        if let Some(r) = rows.iter().find(|r| r.name == type_name) {
            return r.id;
        }
        let id = rows.len() as u64 + 1;
        rows.push(NamedRow {
            id,
            name: type_name.to_string(),
            comment: None,
            date_mod: Some(now),
            date_creation: Some(now),
        });
        id
    }

    pub(crate) fn take_asset_id(&mut self, t: AssetType) -> u64 {
        let next = &mut self.next_asset_id[t.index()];
        *next += 1;
        *next
    }

    pub(crate) fn take_infocom_id(&mut self) -> u64 {
        self.next_infocom_id += 1;
        self.next_infocom_id
    }

    /// Appends a row whose id was taken from [`Fleet::take_asset_id`], so order holds.
    pub(crate) fn push_asset(&mut self, asset: Asset) {
        self.assets[asset.itemtype.index()].push(asset);
    }

    pub(crate) fn push_infocom(&mut self, infocom: Infocom) {
        self.infocom_of
            .insert((infocom.itemtype, infocom.items_id), infocom.id);
        self.infocoms.push(infocom);
    }

    /// Infocom of a row by position, for the generator's edits.
    pub(crate) fn infocom_at_mut(&mut self, index: usize) -> Option<&mut Infocom> {
        self.infocoms.get_mut(index)
    }
}
