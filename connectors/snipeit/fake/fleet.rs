//! The data a fake Snipe-IT serves: reference tables (status labels, categories, models,
//! companies…) and assets pointing into them by index, as Snipe-IT's tables do by id.

use chrono::{NaiveDate, NaiveDateTime};

/// Snipe-IT's four kinds of status label (`Statuslabel::getStatuslabelType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusType {
    /// Ready to deploy; deployed when checked out.
    Deployable,
    /// Not deployable yet.
    Pending,
    /// Out of use for now (repair, broken, lost).
    Undeployable,
    /// Out of the fleet; left out of the default listing.
    Archived,
}

impl StatusType {
    /// The `status_type` text of the API.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusType::Deployable => "deployable",
            StatusType::Pending => "pending",
            StatusType::Undeployable => "undeployable",
            StatusType::Archived => "archived",
        }
    }
}

/// A status label. A soft-deleted one still joins its assets into the listings (Snipe-IT
/// joins `status_labels` without looking at `deleted_at`) but the API shows `null`.
#[derive(Debug, Clone)]
pub struct StatusLabel {
    /// The row id.
    pub id: u64,
    /// The name as typed (escaped on output).
    pub name: String,
    /// What the label means to Snipe-IT.
    pub kind: StatusType,
    /// Soft-deleted: shown as `null`.
    pub deleted: bool,
}

/// A row of a simple table (company, location, supplier, manufacturer, category, user).
#[derive(Debug, Clone)]
pub struct Named {
    /// The row id.
    pub id: u64,
    /// The name as typed (escaped on output).
    pub name: String,
}

/// The custom fields of a model's fieldset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fieldset {
    /// No custom fields: `"custom_fields": {}`.
    None,
    /// "Adresse MAC" and "Reconditionné".
    Computer,
    /// "IMEI" and "Reconditionné".
    Phone,
}

/// An asset model. A soft-deleted model shows as `null`, and with it the category,
/// manufacturer and custom fields.
#[derive(Debug, Clone)]
pub struct Model {
    /// The row id.
    pub id: u64,
    /// The name as typed (escaped on output).
    pub name: String,
    /// The manufacturer's reference.
    pub model_number: String,
    /// Index into [`Fleet::categories`].
    pub category: usize,
    /// Index into [`Fleet::manufacturers`].
    pub manufacturer: usize,
    /// The custom fields of its assets.
    pub fieldset: Fieldset,
    /// Months from purchase to the asset's planned end of life.
    pub eol_months: u32,
    /// Soft-deleted: shown as `null`.
    pub deleted: bool,
}

/// A purchase cost as stored: a number (formatted on output with the instance's
/// separators) or text left by an old import, served as it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Cost {
    /// An amount in cents.
    Cents(i64),
    /// Free text from an import.
    Text(String),
}

/// One asset (Snipe-IT's `assets` row).
#[derive(Debug, Clone)]
pub struct Asset {
    /// The row id.
    pub id: u64,
    /// The asset name; often empty for monitors and phones.
    pub name: Option<String>,
    /// The inventory number.
    pub asset_tag: String,
    /// The serial number.
    pub serial: Option<String>,
    /// Index into [`Fleet::models`].
    pub model: usize,
    /// Index into [`Fleet::statuses`].
    pub status: usize,
    /// Index into [`Fleet::companies`].
    pub company: Option<usize>,
    /// Index into [`Fleet::locations`].
    pub location: Option<usize>,
    /// Index into [`Fleet::suppliers`].
    pub supplier: Option<usize>,
    /// Index into [`Fleet::users`]: checked out to that user.
    pub assigned_to: Option<usize>,
    /// Date of purchase.
    pub purchase_date: Option<NaiveDate>,
    /// Cost excluding VAT.
    pub purchase_cost: Option<Cost>,
    /// Warranty from the purchase date; 0 for none.
    pub warranty_months: u32,
    /// Planned end of life (purchase + the model's EOL months).
    pub asset_eol_date: Option<NaiveDate>,
    /// The purchase order (bon de commande).
    pub order_number: Option<String>,
    /// Free notes.
    pub notes: Option<String>,
    /// The "Adresse MAC" custom field.
    pub mac_address: Option<String>,
    /// The "IMEI" custom field.
    pub imei: Option<String>,
    /// The "Reconditionné" custom field: `"Oui"`, `"Non"` or empty.
    pub reconditionne: Option<String>,
    /// When the row was created.
    pub created_at: NaiveDateTime,
    /// When the row last changed: what incremental syncs sort on.
    pub updated_at: NaiveDateTime,
    /// When it was last checked out.
    pub last_checkout: Option<NaiveDateTime>,
    /// Soft-deleted: only `status=Deleted` lists it.
    pub deleted_at: Option<NaiveDateTime>,
}

/// How the instance writes numbers (Admin → Settings → Localization).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigitSeparator {
    /// `1,234.56`, Snipe-IT's default.
    CommaDot,
    /// `1.234,56`.
    DotComma,
}

/// Instance settings that change what the API answers.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How costs are written.
    pub digit_separator: DigitSeparator,
    /// Archived assets in the default listing too.
    pub show_archived_in_list: bool,
    /// `config('app.max_results')`: the ceiling of `limit`.
    pub max_results: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            digit_separator: DigitSeparator::CommaDot,
            show_archived_in_list: false,
            max_results: 500,
        }
    }
}

/// Everything a fake instance holds.
#[derive(Debug, Clone)]
pub struct Fleet {
    /// Instance settings.
    pub settings: Settings,
    /// Status labels.
    pub statuses: Vec<StatusLabel>,
    /// Companies: the communes and bodies sharing the instance.
    pub companies: Vec<Named>,
    /// Locations.
    pub locations: Vec<Named>,
    /// Suppliers.
    pub suppliers: Vec<Named>,
    /// Manufacturers.
    pub manufacturers: Vec<Named>,
    /// Asset categories.
    pub categories: Vec<Named>,
    /// Asset models.
    pub models: Vec<Model>,
    /// Users assets are checked out to.
    pub users: Vec<Named>,
    /// By ascending id.
    pub assets: Vec<Asset>,
    /// The clock of the generated data: every stamp is at or before it.
    pub generated_at: NaiveDateTime,
}

impl Fleet {
    /// Ids of the assets not deleted, archived ones included.
    pub fn ids(&self) -> Vec<u64> {
        self.assets
            .iter()
            .filter(|a| a.deleted_at.is_none())
            .map(|a| a.id)
            .collect()
    }

    /// Assets not deleted.
    pub fn len(&self) -> usize {
        self.assets
            .iter()
            .filter(|a| a.deleted_at.is_none())
            .count()
    }

    /// True when no asset is left.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An asset by id, deleted or not.
    pub fn asset(&self, id: u64) -> Option<&Asset> {
        self.assets
            .binary_search_by_key(&id, |a| a.id)
            .ok()
            .map(|i| &self.assets[i])
    }

    /// An asset by id, for changes; the caller stamps `updated_at`.
    pub fn asset_mut(&mut self, id: u64) -> Option<&mut Asset> {
        self.assets
            .binary_search_by_key(&id, |a| a.id)
            .ok()
            .map(|i| &mut self.assets[i])
    }

    /// The status label of an asset.
    pub fn status_of(&self, a: &Asset) -> &StatusLabel {
        &self.statuses[a.status]
    }

    /// Index of the status label named `name`.
    pub fn status_index(&self, name: &str) -> Option<usize> {
        self.statuses.iter().position(|s| s.name == name)
    }

    /// Gives asset `id` the label `label` at `at`, checking it in unless the label is
    /// deployable (Snipe-IT checks out only deployable assets). False when either is
    /// unknown.
    pub fn set_status(&mut self, id: u64, label: &str, at: NaiveDateTime) -> bool {
        let Some(s) = self.status_index(label) else {
            return false;
        };
        let deployable = self.statuses[s].kind == StatusType::Deployable;
        match self.asset_mut(id) {
            Some(a) => {
                a.status = s;
                if !deployable {
                    a.assigned_to = None;
                }
                a.updated_at = at;
                true
            }
            None => false,
        }
    }

    /// Checks asset `id` out to the first user at `at`.
    pub fn check_out(&mut self, id: u64, at: NaiveDateTime) -> bool {
        match self.asset_mut(id) {
            Some(a) => {
                a.assigned_to = Some(0);
                a.last_checkout = Some(at);
                a.updated_at = at;
                true
            }
            None => false,
        }
    }

    /// Sets the purchase cost of asset `id` at `at`.
    pub fn set_cost(&mut self, id: u64, cost: Option<Cost>, at: NaiveDateTime) -> bool {
        match self.asset_mut(id) {
            Some(a) => {
                a.purchase_cost = cost;
                a.updated_at = at;
                true
            }
            None => false,
        }
    }

    /// Soft-deletes asset `id` at `at`, as the Delete button does.
    pub fn delete(&mut self, id: u64, at: NaiveDateTime) -> bool {
        match self.asset_mut(id) {
            Some(a) if a.deleted_at.is_none() => {
                a.deleted_at = Some(at);
                a.assigned_to = None;
                a.updated_at = at;
                true
            }
            _ => false,
        }
    }

    /// Moves asset `id` to a model that was since deleted: the API then shows it without
    /// model, category, manufacturer nor custom fields.
    pub fn orphan_model(&mut self, id: u64, at: NaiveDateTime) -> bool {
        let Some(m) = self.asset(id).map(|a| a.model) else {
            return false;
        };
        let mut gone = self.models[m].clone();
        gone.id = self.models.iter().map(|m| m.id).max().unwrap_or(0) + 1;
        gone.name = format!("{} (supprimé)", gone.name);
        gone.deleted = true;
        self.models.push(gone);
        let idx = self.models.len() - 1;
        let a = self.asset_mut(id).expect("found above");
        a.model = idx;
        a.updated_at = at;
        true
    }

    /// Moves asset `id` to a deployable status label that was since deleted: the API then
    /// shows `"status_label": null`.
    pub fn orphan_status(&mut self, id: u64, at: NaiveDateTime) -> bool {
        if self.asset(id).is_none() {
            return false;
        }
        self.statuses.push(StatusLabel {
            id: self.statuses.iter().map(|s| s.id).max().unwrap_or(0) + 1,
            name: "Ancien statut".into(),
            kind: StatusType::Deployable,
            deleted: true,
        });
        let idx = self.statuses.len() - 1;
        let a = self.asset_mut(id).expect("found above");
        a.status = idx;
        a.updated_at = at;
        true
    }
}
