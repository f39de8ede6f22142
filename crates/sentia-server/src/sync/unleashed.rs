//! Syncing one Unleashed account: stock on hand per warehouse and purchase orders,
//! incrementally from the stored `stock:{WAREHOUSE}` and `purchase_orders` cursors.
//!
//! Settings: `warehouses`, a list of `CODE` or `CODE=LOCATION` items (an Unleashed warehouse,
//! and the Sentia location its stock is counted at when the codes differ; empty: every
//! warehouse of the account, each at the location of the same code), and optionally
//! `base_url` (a proxy). Credentials: `api_id`, `api_key`.
//!
//! Each stock row Unleashed reports changed is a stock count at its location on the day of
//! the change, keyed by the row and the time of the change: a row delivered again is
//! unchanged, a later change is a new count. Purchase orders are upserted with their lines;
//! Parked and Placed orders are open, Receipted, Costed and Completed ones received, Deleted
//! ones cancelled.
//!
//! What is not taken, and why: Unleashed's products (Sentia's catalogue is the master: the
//! ERP knows no family, bottle size or case pack; products are matched by code), its sales
//! orders (each sale comes from the channel it was made on, Shopify or Amazon, and the ERP's
//! copies would count it twice), and its assemblies (they carry neither the line nor the
//! time a run took, which OEE needs).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use sentia_connectors::IncrementalCursor;
use sentia_connectors::money::{Qty, UnitPrice};
use sentia_connectors::unleashed::{
    UnleashedClient, UnleashedConfig, UnleashedPurchaseOrder, UnleashedStock,
};
use sentia_store::ingest::{IncomingPurchaseLine, IncomingPurchaseOrder, IncomingStockCount};
use sentia_store::sources::Source;

use super::{Reconciliation, SyncError, SyncReport, optional, required, settings_of};
use crate::state::AppState;

/// The cursor object of purchase orders.
pub const PURCHASE_ORDERS: &str = "purchase_orders";

/// The cursor object of one warehouse's stock.
fn stock_object(warehouse: &str) -> String {
    format!("stock:{warehouse}")
}

/// The `warehouses` setting: Unleashed warehouse code → Sentia location code. Empty: every
/// warehouse, at the location of the same code.
pub fn warehouse_map(source: &Source) -> Result<BTreeMap<String, String>, SyncError> {
    let items: Vec<String> = match source.settings.get("warehouses") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    SyncError::Config("setting warehouses must be a list of codes".into())
                })
            })
            .collect::<Result<_, _>>()?,
        Some(serde_json::Value::String(s)) => s.split(',').map(str::to_owned).collect(),
        Some(_) => {
            return Err(SyncError::Config(
                "setting warehouses must be a list of codes".into(),
            ));
        }
    };
    let mut map = BTreeMap::new();
    let mut locations = BTreeSet::new();
    for item in items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        let (code, location) = match item.split_once('=') {
            Some((c, l)) => (c.trim(), l.trim()),
            None => (item, item),
        };
        if code.is_empty() || location.is_empty() {
            return Err(SyncError::Config(format!(
                "setting warehouses: {item:?} is not CODE or CODE=LOCATION"
            )));
        }
        if !locations.insert(location.to_owned()) {
            return Err(SyncError::Config(format!(
                "setting warehouses: two warehouses are counted at location {location}; \
                 each location takes one warehouse's stock"
            )));
        }
        if map.insert(code.to_owned(), location.to_owned()).is_some() {
            return Err(SyncError::Config(format!(
                "setting warehouses: warehouse {code} is named twice"
            )));
        }
    }
    Ok(map)
}

fn client(
    source: &Source,
    creds: &serde_json::Map<String, serde_json::Value>,
) -> Result<UnleashedClient, SyncError> {
    let settings = settings_of(source);
    let mut config = UnleashedConfig::new(
        required(creds, "api_id", "credential")?,
        required(creds, "api_key", "credential")?.to_owned(),
    );
    if let Some(url) = optional(&settings, "base_url") {
        config.base_url = url.to_owned();
    }
    Ok(UnleashedClient::new(config)?)
}

/// Whole units of a quantity, refusing fractions and negatives.
fn units(q: Qty, what: &str) -> Result<i64, String> {
    let milli = q.milli();
    if milli % 1000 != 0 {
        return Err(format!(
            "{what} {}.{:03} is not a whole number of units",
            milli / 1000,
            (milli % 1000).abs()
        ));
    }
    Ok(milli / 1000)
}

/// A unit price in minor units, rounded half away from zero (Unleashed keeps up to six
/// decimals; Sentia's costs are in pence and cents).
fn minor(p: &UnitPrice) -> i64 {
    let m = p.micros;
    let q = m / 10_000;
    let r = m % 10_000;
    if r.abs() >= 5_000 { q + m.signum() } else { q }
}

fn day(t: Option<DateTime<Utc>>) -> Option<NaiveDate> {
    t.map(|t| t.date_naive())
}

/// Maps a stock row of a warehouse to a count at `location`, on the day it changed (`today`
/// when Unleashed gives no time).
pub fn stock_count(
    s: &UnleashedStock,
    location: &str,
    today: NaiveDate,
) -> Result<IncomingStockCount, String> {
    let on_hand = units(s.on_hand, "on hand")
        .map_err(|why| format!("stock of {} at {}: {why}", s.product_code, s.warehouse_code))?;
    let at = s
        .modified_at
        .map_or_else(|| today.to_string(), |t| t.timestamp_millis().to_string());
    Ok(IncomingStockCount {
        source: s.source.clone(),
        external_id: format!("{}@{at}", s.external_id),
        sku: s.product_code.clone(),
        location_code: location.to_owned(),
        counted_on: day(s.modified_at).unwrap_or(today),
        on_hand,
    })
}

/// Maps a purchase order.
pub fn purchase_order(o: &UnleashedPurchaseOrder) -> Result<IncomingPurchaseOrder, String> {
    let fail = |why: String| format!("{}: {why}", o.order_number);
    let ordered_on = day(o.order_date).ok_or_else(|| fail("no order date".into()))?;
    let (status, received) = match o.status.as_str() {
        "Parked" | "Placed" => ("open", false),
        "Receipted" | "Costed" | "Complete" | "Completed" => ("received", true),
        "Deleted" => ("cancelled", false),
        other => return Err(fail(format!("status {other:?} is not known"))),
    };
    let supplier_code = o
        .supplier_code
        .clone()
        .ok_or_else(|| fail("no supplier".into()))?;
    let lines = o
        .lines
        .iter()
        .map(|l| {
            let sku = l
                .product_code
                .clone()
                .ok_or_else(|| fail(format!("line {} has no product", l.line_number)))?;
            let quantity = units(l.quantity, "quantity")
                .map_err(|why| fail(format!("line {}: {why}", l.line_number)))?;
            Ok(IncomingPurchaseLine {
                external_id: format!("{}:{}", o.external_id, l.line_number),
                sku,
                quantity,
                unit_cost_minor: minor(&l.unit_price),
                received_quantity: if received { quantity } else { 0 },
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(IncomingPurchaseOrder {
        source: o.source.clone(),
        external_id: o.external_id.clone(),
        po_number: o.order_number.clone(),
        supplier_code,
        ordered_on,
        expected_on: day(o.required_date).unwrap_or(ordered_on).max(ordered_on),
        received_on: if received {
            Some(
                day(o.completed_date)
                    .or(day(o.modified_at))
                    .unwrap_or(ordered_on)
                    .max(ordered_on),
            )
        } else {
            None
        },
        status: status.to_owned(),
        currency: o.currency.code().to_owned(),
        lines,
    })
}

/// Syncs the stock of each warehouse and the purchase orders changed since their stored
/// cursors (everything when `full`).
pub async fn sync(
    state: &AppState,
    source: &Source,
    creds: &serde_json::Map<String, serde_json::Value>,
    full: bool,
) -> Result<SyncReport, SyncError> {
    let client = client(source, creds)?;
    let mut warehouses = warehouse_map(source)?;
    if warehouses.is_empty() {
        warehouses = client
            .warehouses()
            .await?
            .into_iter()
            .map(|w| (w.code.clone(), w.code))
            .collect();
    }
    let today = state.now().date_naive();
    let mut report = SyncReport::default();
    for (warehouse, location) in &warehouses {
        let object = stock_object(warehouse);
        let cursor = super::cursor_of(state, &source.code, &object, full).await?;
        let synced = client.stock_on_hand(warehouse, &cursor).await?;
        let mapped = synced
            .records
            .iter()
            .map(|s| stock_count(s, location, today))
            .collect();
        report.absorb(super::store_mapped(state, mapped).await?);
        super::save_cursor_of(state, &source.code, &object, &synced.cursor).await?;
    }
    let cursor = super::cursor_of(state, &source.code, PURCHASE_ORDERS, full).await?;
    let synced = client.purchase_orders(&cursor).await?;
    let mapped = synced.records.iter().map(purchase_order).collect();
    report.absorb(super::store_mapped(state, mapped).await?);
    super::save_cursor_of(state, &source.code, PURCHASE_ORDERS, &synced.cursor).await?;
    Ok(report)
}

/// Compares the account's purchase orders with the ones Sentia holds from it.
pub async fn reconcile(
    state: &AppState,
    source: &Source,
    creds: &serde_json::Map<String, serde_json::Value>,
) -> Result<Vec<Reconciliation>, SyncError> {
    let client = client(source, creds)?;
    let all = client.purchase_orders(&IncrementalCursor::full()).await?;
    let in_source: BTreeSet<String> = all.records.into_iter().map(|o| o.external_id).collect();
    let in_sentia = super::stored_ids(state, "purchase_orders", "unleashed").await?;
    Ok(vec![super::compare(
        "purchase orders",
        &in_source,
        &in_sentia,
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use sentia_core::currency::Currency;

    #[test]
    fn unit_prices_round_half_away_from_zero_to_minor_units() {
        let p = |micros| UnitPrice {
            micros,
            currency: Currency::Gbp,
        };
        assert_eq!(minor(&p(1_234_500)), 123);
        assert_eq!(minor(&p(1_235_000)), 124);
        assert_eq!(minor(&p(1_234_999)), 123);
        assert_eq!(minor(&p(-1_235_000)), -124);
        assert_eq!(minor(&p(0)), 0);
    }

    #[test]
    fn fractional_quantities_are_refused() {
        assert_eq!(units(Qty(12_000), "q"), Ok(12));
        assert!(units(Qty(12_500), "q").unwrap_err().contains("12.500"));
    }
}
