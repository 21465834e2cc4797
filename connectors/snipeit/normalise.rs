//! Snipe-IT asset rows to parcd records: the phase from the status label, the class from
//! the category, the purchase from the asset's own columns.
//!
//! Phase, in this order:
//! 1. the label's name, through the status map (defaults and `[status_map]`), so that a
//!    label named "Réformé > Don" or "En réparation" means what it says;
//! 2. otherwise the label's `status_type`: `deployable` → `in_stock`, `pending` →
//!    `in_stock` (received, not ready to deploy: imaging, awaiting parts), `undeployable` →
//!    `in_repair` (Snipe-IT's own undeployable labels are "Out for Repair", "Out for
//!    Diagnostics"; name the others, e.g. "Broken - Not Fixable" = "retired"), `archived` →
//!    `retired` (out of use; the exit itself needs a label name such as "Recyclé");
//! 3. a label of unknown type gets `default_phase`, flagged unmapped; an asset without a
//!    label (its label was deleted) gets `no_status_phase`, flagged unmapped too.
//!
//! Then a checked-out asset (`assigned_to` set) that came out `in_stock` is `in_service`:
//! Snipe-IT keeps the deployable label ("Disponible", "Ready to Deploy") on a checked-out
//! asset and shows it as Deployed.

use super::params::SnipeitParams;
use super::wire::{self, Row};
use crate::amount::parse_amount_cents;
use crate::mapping::family_of;
use crate::record::{AssetRecord, Phase, PurchaseRecord};

/// The phase a label's `status_type` gives, when its name maps to nothing.
fn phase_of_type(status_type: &str) -> Option<Phase> {
    match status_type {
        "deployable" | "pending" => Some(Phase::InStock),
        "undeployable" => Some(Phase::InRepair),
        "archived" => Some(Phase::Retired),
        _ => None,
    }
}

/// The phase of a row, and whether its status was understood.
pub(super) fn phase(row: &Row, params: &SnipeitParams) -> (Phase, bool) {
    let (phase, mapped) = match row.label() {
        None => (params.status_map.no_status, false),
        Some(label) => {
            let name = wire::clean_raw(&label.name);
            match params.status_map.phase_of(name.as_deref()) {
                (p, true) if name.is_some() => (p, true),
                (unmapped, _) => wire::clean_raw(&label.status_type)
                    .as_deref()
                    .and_then(phase_of_type)
                    .map_or((unmapped, false), |p| (p, true)),
            }
        }
    };
    if row.checked_out && phase == Phase::InStock {
        (Phase::InService, mapped)
    } else {
        (phase, mapped)
    }
}

/// The purchase of a row; `None` when Snipe-IT knows nothing of it.
pub(super) fn purchase(row: &Row, params: &SnipeitParams) -> Option<PurchaseRecord> {
    let cost = wire::clean_raw(&row.purchase_cost);
    let amount_cents = cost.as_deref().and_then(parse_amount_cents);
    let amount_unreadable = match (&cost, amount_cents) {
        (Some(text), None) => Some(text.chars().take(64).collect()),
        _ => None,
    };
    let mut comment: Vec<String> = wire::text(&row.notes).into_iter().collect();
    for name in &params.origin_fields {
        // A DATE custom field carries a date object, read as its date.
        if let Some(value) = row.custom_field(name).and_then(wire::clean) {
            comment.push(format!("{name}: {value}"));
        }
    }
    let p = PurchaseRecord {
        buy_date: wire::date(&row.purchase_date),
        warranty_end: wire::date(&row.warranty_expires),
        amount_cents,
        amount_unreadable,
        supplier: wire::text(&row.supplier),
        order_number: wire::text(&row.order_number),
        comment: (!comment.is_empty()).then(|| comment.join("\n")),
        ..PurchaseRecord::default()
    };
    (p != PurchaseRecord::default()).then_some(p)
}

/// An asset row as a record; `None` when the row has no id.
pub(super) fn asset(row: &Row, params: &SnipeitParams) -> Option<AssetRecord> {
    let id = row.id?;
    let category = wire::text(&row.category);
    let model = wire::text(&row.model);
    let family = family_of(category.as_deref());
    let class = params
        .class_rules
        .class_of(family, category.as_deref(), model.as_deref());
    let (phase, status_mapped) = phase(row, params);
    let status = row.label().and_then(|l| wire::text(&l.name));
    Some(AssetRecord {
        external_id: format!("hardware/{id}"),
        item_type: family.to_string(),
        class,
        name: wire::text(&row.name),
        serial: wire::text(&row.serial),
        inventory_number: wire::text(&row.asset_tag),
        type_name: category,
        model,
        manufacturer: wire::text(&row.manufacturer),
        entity: wire::text(&row.company),
        location: wire::text(&row.location),
        status,
        phase,
        status_mapped,
        rated_power_w: None,
        // Snipe-IT has no address field of its own (a DSI keeps one in a custom field).
        addresses: Vec::new(),
        modified_at: wire::text(&row.updated_at),
        purchase: purchase(row, params),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;
    use serde::Deserialize;
    use serde_json::{Value, json};

    fn row(v: Value) -> Row<'static> {
        Row::deserialize(v).unwrap()
    }

    fn params(extra: Value) -> SnipeitParams {
        let mut table = json!({"url": "http://127.0.0.1:9", "api_token": "t"});
        for (k, v) in extra.as_object().unwrap() {
            table[k] = v.clone();
        }
        let mut p = Params::new("s", table.as_object().unwrap().clone());
        let s = SnipeitParams::from_params(&mut p).unwrap();
        assert!(p.finish().is_empty());
        s
    }

    fn label(name: &str, status_type: &str) -> Value {
        json!({"id": 1, "name": name, "status_type": status_type, "status_meta": status_type})
    }

    fn with(label: Value, assigned: bool) -> Value {
        json!({"id": 1, "status_label": label.clone(), "status": label,
               "assigned_to": if assigned { json!({"id": 4, "name": "Jean Dupont", "type": "user"}) } else { Value::Null }})
    }

    #[test]
    fn a_label_name_wins_then_its_type_then_checkout_makes_stock_in_service() {
        let p =
            params(json!({"status_map": {"Prêt à déployer": "in_stock", "Perdu": "destroyed"}}));
        let cases = [
            (
                label("Ready to Deploy", "deployable"),
                false,
                Phase::InStock,
                true,
            ),
            (
                label("Ready to Deploy", "deployable"),
                true,
                Phase::InService,
                true,
            ),
            (
                label("Disponible", "deployable"),
                true,
                Phase::InService,
                true,
            ),
            (
                label("Prêt à déployer", "deployable"),
                true,
                Phase::InService,
                true,
            ),
            (label("Pending", "pending"), false, Phase::InStock, true),
            (label("En commande", "pending"), false, Phase::Ordered, true),
            (
                label("Out for Repair", "undeployable"),
                false,
                Phase::InRepair,
                true,
            ),
            (
                label("Perdu", "undeployable"),
                false,
                Phase::Destroyed,
                true,
            ),
            (label("Archived", "archived"), false, Phase::Retired, true),
            (
                label("Réformé > Don", "archived"),
                false,
                Phase::Reused,
                true,
            ),
            (label("Recyclé", "archived"), false, Phase::Recycled, true),
            (label("Bizarre", "unknown"), false, Phase::InService, false),
        ];
        for (label, assigned, want, mapped) in cases {
            let name = label["name"].clone();
            assert_eq!(
                phase(&row(with(label, assigned)), &p),
                (want, mapped),
                "{name} assigned={assigned}"
            );
        }
        let no_label = json!({"id": 1, "status_label": null, "status": null, "assigned_to": null});
        assert_eq!(phase(&row(no_label.clone()), &p), (Phase::InService, false));
        let p = params(json!({"no_status_phase": "in_stock", "default_phase": "retired"}));
        assert_eq!(phase(&row(no_label), &p), (Phase::InStock, false));
        assert_eq!(
            phase(&row(with(label("Bizarre", "x"), false)), &p),
            (Phase::Retired, false)
        );
    }

    #[test]
    fn costs_in_either_locale_are_read_and_an_unreadable_one_keeps_its_text() {
        let p = params(json!({}));
        for (cost, cents) in [
            ("1,234.56", 123_456),
            ("1.234,56", 123_456),
            ("649.00", 64_900),
        ] {
            let got = purchase(&row(json!({"purchase_cost": cost})), &p).unwrap();
            assert_eq!(got.amount_cents, Some(cents), "{cost}");
            assert_eq!(got.amount_unreadable, None);
        }
        let got = purchase(&row(json!({"purchase_cost": "environ 600"})), &p).unwrap();
        assert_eq!(got.amount_cents, None);
        assert_eq!(got.amount_unreadable.as_deref(), Some("environ 600"));
        assert_eq!(
            purchase(
                &row(json!({"purchase_cost": null, "purchase_date": null})),
                &p
            ),
            None
        );
    }

    #[test]
    fn origin_custom_fields_join_the_notes_in_the_comment() {
        let p = params(json!({"origin_fields": ["Reconditionné", "Date de réception", "Absent"]}));
        let sent = json!({
            "notes": "Lot n&#039;12",
            "custom_fields": {
                "Reconditionné": {"field": "_snipeit_reconditionne_2", "value": "Oui", "field_format": "ANY", "element": "listbox"},
                "Date de réception": {"field": "_snipeit_reception_3", "value": {"date": "2024-03-01", "formatted": "01/03/2024"}, "field_format": "DATE", "element": "text"},
                "Adresse MAC": {"field": "_snipeit_mac_address_1", "value": "00:11:22:33:44:55", "field_format": "MAC", "element": "text"},
            },
        });
        let got = purchase(&row(sent), &p).unwrap();
        assert_eq!(
            got.comment.as_deref(),
            Some("Lot n'12\nReconditionné: Oui\nDate de réception: 2024-03-01")
        );
        // Snipe-IT sends `{}` (not `[]`) for an asset without fields; both are fine.
        assert_eq!(purchase(&row(json!({"custom_fields": []})), &p), None);
    }
}
