//! Assets as `AssetsTransformer::transformAsset` writes them (Snipe-IT v7/v8): every
//! text through `e()`, related records as `{id, name, tag_color}` or `null`, dates through
//! `Helper::getFormattedDateObject`, costs through `Helper::formatCurrencyOutput`, and
//! `custom_fields` as an object keyed by field name (`{}` when the model has none).
//!
//! Rows are written straight into the answer's bytes, with no `serde_json::Value` in
//! between: the fake runs beside parcd in the benchmark, on the same cores, and building a
//! tree of some sixty values per row cost it more than parcd spent reading them.

use std::fmt::{self, Display};

use chrono::{NaiveDate, NaiveDateTime};
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::fleet::{Asset, Cost, DigitSeparator, Fieldset, Fleet, Named, StatusLabel, StatusType};

/// Laravel's `e()`: `htmlspecialchars` with `ENT_QUOTES`.
pub fn e(s: &str) -> String {
    E(s).to_string()
}

/// [`e`] written where it goes, as a JSON string.
struct E<'a>(&'a str);

impl Display for E<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#039;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

impl Serialize for E<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// PHP's `number_format($cents / 100, 2, $dec, $thousands)`.
pub fn number_format(cents: i64, sep: DigitSeparator) -> String {
    let (dec, thousands) = match sep {
        DigitSeparator::CommaDot => ('.', ','),
        DigitSeparator::DotComma => (',', '.'),
    };
    let units = (cents.abs() / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(thousands);
        }
        grouped.push(c);
    }
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{grouped}{dec}{:02}", cents.abs() % 100)
}

/// A date as `Helper::getFormattedDateObject` gives it, or null.
struct DateObj(Option<NaiveDate>);

impl Serialize for DateObj {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Some(d) = self.0 else {
            return s.serialize_none();
        };
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("date", &Fmt(format_args!("{}", d.format("%Y-%m-%d"))))?;
        m.serialize_entry("formatted", &Fmt(format_args!("{}", d.format("%d/%m/%Y"))))?;
        m.end()
    }
}

/// A timestamp as `getFormattedDateObject(…, 'datetime')` gives it, or null.
struct DateTimeObj(Option<NaiveDateTime>);

impl Serialize for DateTimeObj {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Some(d) = self.0 else {
            return s.serialize_none();
        };
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry(
            "datetime",
            &Fmt(format_args!("{}", d.format("%Y-%m-%d %H:%M:%S"))),
        )?;
        m.serialize_entry(
            "formatted",
            &Fmt(format_args!("{}", d.format("%d/%m/%Y %H:%M"))),
        )?;
        m.end()
    }
}

/// Anything displayable, as a JSON string written in place.
struct Fmt<T>(T);

impl<T: Display> Serialize for Fmt<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// `"N months"`.
struct Months(i32);

impl Display for Months {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} months", self.0)
    }
}

/// A related record: `{id, name, tag_color}`, or null.
struct Related<'a>(Option<&'a Named>);

impl Serialize for Related<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Some(n) = self.0 else {
            return s.serialize_none();
        };
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("id", &n.id)?;
        m.serialize_entry("name", &E(&n.name))?;
        m.serialize_entry("tag_color", &())?;
        m.end()
    }
}

fn related(table: &[Named], idx: Option<usize>) -> Related<'_> {
    Related(idx.and_then(|i| table.get(i)))
}

/// `purchase_cost` and `book_value`: `formatCurrencyOutput`, or null.
struct CostText<'a>(Option<&'a Cost>, DigitSeparator);

impl Serialize for CostText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            None => s.serialize_none(),
            Some(Cost::Cents(c)) => s.serialize_str(&number_format(*c, self.1)),
            // `formatCurrencyOutput` hands non-numeric text back as it is.
            Some(Cost::Text(t)) => s.serialize_str(t),
        }
    }
}

/// One custom field: `{field, value, field_format, element}`.
struct Field<'a> {
    db_column: &'static str,
    value: Option<&'a str>,
    format: &'static str,
    element: &'static str,
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("field", self.db_column)?;
        m.serialize_entry("value", &E(self.value.unwrap_or("")))?;
        m.serialize_entry("field_format", self.format)?;
        m.serialize_entry("element", self.element)?;
        m.end()
    }
}

/// The status label of a row, or null.
struct Status<'a>(Option<&'a StatusLabel>, bool);

impl Serialize for Status<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Some(label) = self.0 else {
            return s.serialize_none();
        };
        // AssetPresenter::statusMeta: "deployed" for a checked-out asset.
        let meta = if self.1 && label.kind == StatusType::Deployable {
            "deployed"
        } else {
            label.kind.as_str()
        };
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("id", &label.id)?;
        m.serialize_entry("name", &E(&label.name))?;
        m.serialize_entry("status_type", label.kind.as_str())?;
        m.serialize_entry("status_meta", meta)?;
        m.end()
    }
}

/// The user an asset is checked out to, or null.
struct User<'a>(Option<&'a Named>);

impl Serialize for User<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Some(u) = self.0 else {
            return s.serialize_none();
        };
        let (first, last) = u.name.split_once(' ').unwrap_or((&u.name, ""));
        let mut m = s.serialize_map(Some(9))?;
        m.serialize_entry("id", &u.id)?;
        m.serialize_entry("username", &Fmt(format_args!("agent{}", u.id)))?;
        m.serialize_entry("name", &E(&u.name))?;
        m.serialize_entry("first_name", &E(first))?;
        m.serialize_entry("last_name", &E(last))?;
        m.serialize_entry("email", &())?;
        m.serialize_entry("employee_number", &())?;
        m.serialize_entry("jobtitle", &())?;
        m.serialize_entry("type", "user")?;
        m.end()
    }
}

/// `custom_fields`: the fieldset's fields by name, `{}` (a `stdClass`) when none.
struct CustomFields<'a>(Option<Fieldset>, &'a Asset);

impl Serialize for CustomFields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.1;
        let reconditionne = Field {
            db_column: "_snipeit_reconditionne_2",
            value: a.reconditionne.as_deref(),
            format: "ANY",
            element: "listbox",
        };
        let mut m = s.serialize_map(None)?;
        match self.0 {
            Some(Fieldset::Computer) => {
                let mac = Field {
                    db_column: "_snipeit_adresse_mac_1",
                    value: a.mac_address.as_deref(),
                    format: "MAC",
                    element: "text",
                };
                m.serialize_entry("Adresse MAC", &mac)?;
                m.serialize_entry("Reconditionné", &reconditionne)?;
            }
            Some(Fieldset::Phone) => {
                let imei = Field {
                    db_column: "_snipeit_imei_3",
                    value: a.imei.as_deref(),
                    format: "NUMERIC",
                    element: "text",
                };
                m.serialize_entry("IMEI", &imei)?;
                m.serialize_entry("Reconditionné", &reconditionne)?;
            }
            _ => {}
        }
        m.end()
    }
}

/// One asset row, in `transformAsset`'s order of keys.
pub struct AssetRow<'a> {
    f: &'a Fleet,
    a: &'a Asset,
}

/// One asset row, serialised where it goes.
pub fn asset<'a>(f: &'a Fleet, a: &'a Asset) -> AssetRow<'a> {
    AssetRow { f, a }
}

impl Serialize for AssetRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (f, a) = (self.f, self.a);
        let sep = f.settings.digit_separator;
        let model = Some(&f.models[a.model]).filter(|m| !m.deleted);
        let label = Some(&f.statuses[a.status]).filter(|s| !s.deleted);
        let checked_out = a.assigned_to.is_some();
        let warranty_expires = (a.warranty_months > 0)
            .then_some(a.purchase_date)
            .flatten()
            .and_then(|d| d.checked_add_months(chrono::Months::new(a.warranty_months)));
        let deleted = a.deleted_at.is_some();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &a.id)?;
        m.serialize_entry("name", &E(a.name.as_deref().unwrap_or("")))?;
        m.serialize_entry("asset_tag", &E(&a.asset_tag))?;
        m.serialize_entry("serial", &E(a.serial.as_deref().unwrap_or("")))?;
        m.serialize_entry(
            "model",
            &model.map(|m| Model {
                id: m.id,
                name: E(&m.name),
            }),
        )?;
        m.serialize_entry("byod", &false)?;
        m.serialize_entry("requestable", &false)?;
        m.serialize_entry("model_number", &model.map(|m| E(&m.model_number)))?;
        let eol = match (a.asset_eol_date, a.purchase_date) {
            (Some(eol), Some(p)) => Some(months_between(p, eol)),
            _ => None,
        };
        m.serialize_entry("eol", &eol.map(|n| Fmt(Months(n))))?;
        m.serialize_entry("asset_eol_date", &DateObj(a.asset_eol_date))?;
        m.serialize_entry("status_label", &Status(label, checked_out))?;
        m.serialize_entry("status", &Status(label, checked_out))?;
        m.serialize_entry(
            "category",
            &model.map(|m| related(&f.categories, Some(m.category))),
        )?;
        m.serialize_entry(
            "manufacturer",
            &model.map(|m| related(&f.manufacturers, Some(m.manufacturer))),
        )?;
        m.serialize_entry("supplier", &related(&f.suppliers, a.supplier))?;
        m.serialize_entry("depreciation", &())?;
        m.serialize_entry("notes", &a.notes.as_deref().map(E))?;
        m.serialize_entry("order_number", &a.order_number.as_deref().map(E))?;
        m.serialize_entry("company", &related(&f.companies, a.company))?;
        m.serialize_entry("location", &related(&f.locations, a.location))?;
        m.serialize_entry("rtd_location", &related(&f.locations, a.location))?;
        m.serialize_entry("image", &())?;
        m.serialize_entry("qr", &())?;
        m.serialize_entry(
            "qr_code_url",
            &Fmt(format_args!("/hardware/{}/qr_code", a.id)),
        )?;
        m.serialize_entry("alt_barcode", &())?;
        m.serialize_entry(
            "assigned_to",
            &User(a.assigned_to.and_then(|u| f.users.get(u))),
        )?;
        m.serialize_entry(
            "warranty_months",
            &(a.warranty_months > 0).then_some(Fmt(Months(a.warranty_months as i32))),
        )?;
        m.serialize_entry("warranty_expires", &DateObj(warranty_expires))?;
        m.serialize_entry("created_by", &CreatedBy)?;
        m.serialize_entry("created_at", &DateTimeObj(Some(a.created_at)))?;
        m.serialize_entry("updated_at", &DateTimeObj(Some(a.updated_at)))?;
        m.serialize_entry("last_audit_date", &())?;
        m.serialize_entry("next_audit_date", &())?;
        m.serialize_entry("deleted_at", &DateTimeObj(a.deleted_at))?;
        m.serialize_entry("purchase_date", &DateObj(a.purchase_date))?;
        m.serialize_entry("age", "")?;
        m.serialize_entry("last_checkout", &DateTimeObj(a.last_checkout))?;
        m.serialize_entry("last_checkin", &())?;
        m.serialize_entry("expected_checkin", &())?;
        m.serialize_entry("purchase_cost", &CostText(a.purchase_cost.as_ref(), sep))?;
        m.serialize_entry("checkin_counter", &0)?;
        m.serialize_entry("checkout_counter", &u32::from(a.last_checkout.is_some()))?;
        m.serialize_entry("requests_counter", &0)?;
        m.serialize_entry(
            "user_can_checkout",
            &(!deleted && !checked_out && label.is_some_and(|s| s.kind == StatusType::Deployable)),
        )?;
        m.serialize_entry("book_value", &CostText(a.purchase_cost.as_ref(), sep))?;
        m.serialize_entry("child_asset_count", &0)?;
        m.serialize_entry("custom_fields", &CustomFields(model.map(|m| m.fieldset), a))?;
        m.serialize_entry(
            "available_actions",
            &Actions {
                deleted,
                checked_out,
            },
        )?;
        m.end()
    }
}

#[derive(serde::Serialize)]
struct Model<'a> {
    id: u64,
    name: E<'a>,
}

struct CreatedBy;

impl Serialize for CreatedBy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("id", &1)?;
        m.serialize_entry("name", "Admin DSI")?;
        m.end()
    }
}

struct Actions {
    deleted: bool,
    checked_out: bool,
}

impl Serialize for Actions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.deleted;
        let mut m = s.serialize_map(Some(7))?;
        m.serialize_entry("checkout", &!d)?;
        m.serialize_entry("checkin", &!d)?;
        m.serialize_entry("clone", &true)?;
        m.serialize_entry("restore", &d)?;
        m.serialize_entry("update", &!d)?;
        m.serialize_entry("audit", &true)?;
        m.serialize_entry("delete", &(!d && !self.checked_out))?;
        m.end()
    }
}

fn months_between(from: NaiveDate, to: NaiveDate) -> i32 {
    use chrono::Datelike;
    (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32
}

/// A page of a listing: `{"total": …, "rows": […]}`.
pub struct ListBody<'a> {
    pub fleet: &'a Fleet,
    pub total: u64,
    pub rows: &'a [usize],
}

impl Serialize for ListBody<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Rows<'a>(&'a Fleet, &'a [usize]);
        impl Serialize for Rows<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.1.iter().map(|i| asset(self.0, &self.0.assets[*i])))
            }
        }
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("total", &self.total)?;
        m.serialize_entry("rows", &Rows(self.fleet, self.rows))?;
        m.end()
    }
}
