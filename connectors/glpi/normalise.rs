//! GLPI rows to parcd records.

use serde_json::Value;

use super::dropdowns::Dropdowns;
use super::params::GlpiParams;
use super::wire;
use crate::record::{AssetRecord, PurchaseRecord};

/// An Infocom row as a purchase.
pub(super) fn purchase(row: &Value, d: &Dropdowns) -> PurchaseRecord {
    let warranty_end = wire::date(row, "warranty_date").and_then(|start| {
        let months = wire::uint(row, "warranty_duration")?;
        // -1 ("lifelong") does not parse as unsigned and leaves no end date.
        start.checked_add_months(chrono::Months::new(u32::try_from(months).ok()?))
    });
    PurchaseRecord {
        order_date: wire::date(row, "order_date"),
        buy_date: wire::date(row, "buy_date"),
        delivery_date: wire::date(row, "delivery_date"),
        use_date: wire::date(row, "use_date"),
        warranty_end,
        decommission_date: wire::date(row, "decommission_date"),
        amount_cents: wire::cents(row, "value"),
        amount_unreadable: wire::unreadable_amount(row, "value"),
        supplier: d.name("Supplier", wire::fk(row, "suppliers_id")),
        order_number: wire::text(row, "order_number"),
        comment: wire::text(row, "comment"),
    }
}

/// An asset row as a record; `None` when the row has no id.
pub(super) fn asset(
    itemtype: &str,
    row: &Value,
    d: &Dropdowns,
    params: &GlpiParams,
    purchase_of: impl Fn(u64) -> Option<PurchaseRecord>,
) -> Option<AssetRecord> {
    let id = wire::uint(row, "id")?;
    let lower = itemtype.to_lowercase();
    let types = format!("{itemtype}Type");
    let models = format!("{itemtype}Model");
    let type_name = d.name(&types, wire::fk(row, &format!("{lower}types_id")));
    let model_id = wire::fk(row, &format!("{lower}models_id"));
    let model = d.name(&models, model_id);
    let status = d.name("State", wire::fk(row, "states_id"));
    let (phase, status_mapped) = params.status_map.phase_of(status.as_deref());
    let class = params
        .class_rules
        .class_of(itemtype, type_name.as_deref(), model.as_deref());
    Some(AssetRecord {
        external_id: format!("{itemtype}/{id}"),
        item_type: itemtype.to_string(),
        class,
        name: wire::text(row, "name"),
        serial: wire::text(row, "serial"),
        inventory_number: wire::text(row, "otherserial"),
        type_name,
        model,
        manufacturer: d.name("Manufacturer", wire::fk(row, "manufacturers_id")),
        entity: d.entity(row),
        location: d.name("Location", wire::fk(row, "locations_id")),
        status,
        phase,
        status_mapped,
        rated_power_w: d.power_w(&models, model_id),
        addresses: super::addresses::of(row),
        modified_at: wire::text(row, "date_mod"),
        purchase: purchase_of(id),
    })
}
