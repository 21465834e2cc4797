//! Assets as `AssetsTransformer::transformAsset` writes them (Snipe-IT v7/v8): every
//! text through `e()`, related records as `{id, name, tag_color}` or `null`, dates through
//! `Helper::getFormattedDateObject`, costs through `Helper::formatCurrencyOutput`, and
//! `custom_fields` as an object keyed by field name (`{}` when the model has none).

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Map, Value, json};

use super::fleet::{Asset, Cost, DigitSeparator, Fieldset, Fleet, Named, StatusType};

/// Laravel's `e()`: `htmlspecialchars` with `ENT_QUOTES`.
pub fn e(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            c => out.push(c),
        }
    }
    out
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

fn date_obj(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| {
        json!({"date": d.format("%Y-%m-%d").to_string(), "formatted": d.format("%d/%m/%Y").to_string()})
    })
}

fn datetime_obj(d: Option<NaiveDateTime>) -> Value {
    d.map_or(Value::Null, |d| {
        json!({"datetime": d.format("%Y-%m-%d %H:%M:%S").to_string(),
               "formatted": d.format("%d/%m/%Y %H:%M").to_string()})
    })
}

fn related(table: &[Named], idx: Option<usize>) -> Value {
    idx.and_then(|i| table.get(i)).map_or(
        Value::Null,
        |n| json!({"id": n.id, "name": e(&n.name), "tag_color": null}),
    )
}

fn cost(c: Option<&Cost>, sep: DigitSeparator) -> Value {
    match c {
        None => Value::Null,
        Some(Cost::Cents(c)) => Value::String(number_format(*c, sep)),
        // `formatCurrencyOutput` hands non-numeric text back as it is.
        Some(Cost::Text(t)) => Value::String(t.clone()),
    }
}

fn field(db_column: &str, value: Option<&str>, format: &str, element: &str) -> Value {
    json!({"field": db_column, "value": e(value.unwrap_or("")), "field_format": format, "element": element})
}

/// One asset row.
pub fn asset(f: &Fleet, a: &Asset) -> Value {
    let sep = f.settings.digit_separator;
    let model = Some(&f.models[a.model]).filter(|m| !m.deleted);
    let label = Some(&f.statuses[a.status]).filter(|s| !s.deleted);
    let status = label.map_or(Value::Null, |s| {
        // AssetPresenter::statusMeta: "deployed" for a checked-out asset.
        let meta = if a.assigned_to.is_some() && s.kind == StatusType::Deployable {
            "deployed"
        } else {
            s.kind.as_str()
        };
        json!({"id": s.id, "name": e(&s.name), "status_type": s.kind.as_str(), "status_meta": meta})
    });
    let assigned = a
        .assigned_to
        .and_then(|u| f.users.get(u))
        .map_or(Value::Null, |u| {
            let (first, last) = u.name.split_once(' ').unwrap_or((&u.name, ""));
            json!({"id": u.id, "username": format!("agent{}", u.id), "name": e(&u.name),
               "first_name": e(first), "last_name": e(last), "email": null,
               "employee_number": null, "jobtitle": null, "type": "user"})
        });
    let warranty_expires = (a.warranty_months > 0)
        .then_some(a.purchase_date)
        .flatten()
        .and_then(|d| d.checked_add_months(chrono::Months::new(a.warranty_months)));
    let custom_fields = match model.map(|m| m.fieldset) {
        Some(Fieldset::Computer) => {
            let mut m = Map::new();
            m.insert(
                "Adresse MAC".into(),
                field(
                    "_snipeit_adresse_mac_1",
                    a.mac_address.as_deref(),
                    "MAC",
                    "text",
                ),
            );
            m.insert(
                "Reconditionné".into(),
                field(
                    "_snipeit_reconditionne_2",
                    a.reconditionne.as_deref(),
                    "ANY",
                    "listbox",
                ),
            );
            Value::Object(m)
        }
        Some(Fieldset::Phone) => {
            let mut m = Map::new();
            m.insert(
                "IMEI".into(),
                field("_snipeit_imei_3", a.imei.as_deref(), "NUMERIC", "text"),
            );
            m.insert(
                "Reconditionné".into(),
                field(
                    "_snipeit_reconditionne_2",
                    a.reconditionne.as_deref(),
                    "ANY",
                    "listbox",
                ),
            );
            Value::Object(m)
        }
        // `new \stdClass`: an empty object, not an empty list.
        _ => Value::Object(Map::new()),
    };
    let deleted = a.deleted_at.is_some();
    // Two halves: one `json!` of every field exceeds the macro's recursion limit.
    let mut row = json!({
        "id": a.id,
        "name": e(a.name.as_deref().unwrap_or("")),
        "asset_tag": e(&a.asset_tag),
        "serial": e(a.serial.as_deref().unwrap_or("")),
        "model": model.map_or(Value::Null, |m| json!({"id": m.id, "name": e(&m.name)})),
        "byod": false,
        "requestable": false,
        "child_asset_count": 0,
        "model_number": model.map_or(Value::Null, |m| Value::String(e(&m.model_number))),
        "eol": match (a.asset_eol_date, a.purchase_date) {
            (Some(eol), Some(p)) => Value::String(format!("{} months", months_between(p, eol))),
            _ => Value::Null,
        },
        "asset_eol_date": date_obj(a.asset_eol_date),
        "status_label": status.clone(),
        "status": status,
        "category": model.map_or(Value::Null, |m| related(&f.categories, Some(m.category))),
        "manufacturer": model.map_or(Value::Null, |m| related(&f.manufacturers, Some(m.manufacturer))),
        "depreciation": null,
        "supplier": related(&f.suppliers, a.supplier),
        "notes": a.notes.as_deref().map_or(Value::Null, |n| Value::String(e(n))),
        "order_number": a.order_number.as_deref().map_or(Value::Null, |o| Value::String(e(o))),
        "company": related(&f.companies, a.company),
        "location": related(&f.locations, a.location),
        "rtd_location": related(&f.locations, a.location),
    });
    let rest = json!({
        "image": null,
        "qr_code_url": format!("/hardware/{}/qr_code", a.id),
        "qr": null,
        "alt_barcode": null,
        "assigned_to": assigned,
        "warranty_months": (a.warranty_months > 0).then(|| format!("{} months", a.warranty_months)),
        "warranty_expires": date_obj(warranty_expires),
        "created_by": {"id": 1, "name": "Admin DSI"},
        "created_at": datetime_obj(Some(a.created_at)),
        "updated_at": datetime_obj(Some(a.updated_at)),
        "last_audit_date": null,
        "next_audit_date": null,
        "deleted_at": datetime_obj(a.deleted_at),
        "purchase_date": date_obj(a.purchase_date),
        "age": "",
        "last_checkout": datetime_obj(a.last_checkout),
        "last_checkin": null,
        "expected_checkin": null,
        "purchase_cost": cost(a.purchase_cost.as_ref(), sep),
        "checkin_counter": 0,
        "checkout_counter": u32::from(a.last_checkout.is_some()),
        "requests_counter": 0,
        "user_can_checkout": !deleted && a.assigned_to.is_none() && label.is_some_and(|s| s.kind == StatusType::Deployable),
        "book_value": cost(a.purchase_cost.as_ref(), sep),
        "custom_fields": custom_fields,
        "available_actions": {
            "checkout": !deleted, "checkin": !deleted, "clone": true, "restore": deleted,
            "update": !deleted, "audit": true, "delete": !deleted && a.assigned_to.is_none(),
        },
    });
    if let (Value::Object(row), Value::Object(rest)) = (&mut row, rest) {
        row.extend(rest);
    }
    row
}

fn months_between(from: NaiveDate, to: NaiveDate) -> i32 {
    use chrono::Datelike;
    (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32
}
