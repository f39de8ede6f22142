//! Plain rows of the demo company, one struct per table, with explicit ids.
//!
//! They carry only what varies; constant columns (`source = 'demo'`, external ids derived from
//! numbers) are added by the loader. Everything derives `Hash` so a whole data set can be
//! checksummed in tests.

use chrono::{DateTime, NaiveDate, Utc};
use sentia_core::currency::Currency;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct FxRate {
    pub id: i64,
    pub date: NaiveDate,
    pub quote: Currency,
    pub rate_scaled: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Location {
    pub id: i64,
    pub code: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub region: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Product {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub kind: &'static str,
    pub family: &'static str,
    pub bottle_size_ml: Option<i32>,
    pub uom: &'static str,
    pub unit_cost_minor: i64,
    pub case_pack: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Price {
    pub id: i64,
    pub product_id: i64,
    pub currency: Currency,
    pub price_minor: i64,
    pub valid_from: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Channel {
    pub id: i64,
    pub code: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub region: &'static str,
    pub currency: Currency,
    pub fulfilment_location_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Customer {
    pub id: i64,
    pub name: &'static str,
    pub kind: &'static str,
    pub region: &'static str,
    pub email: Option<&'static str>,
    pub payment_terms_days: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Promotion {
    pub id: i64,
    pub name: String,
    pub channel_id: i64,
    pub product_id: Option<i64>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub discount_bp: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SalesOrder {
    pub id: i64,
    pub channel_id: i64,
    pub number: String,
    pub ordered_at: DateTime<Utc>,
    pub date: NaiveDate,
    pub status: &'static str,
    pub currency: Currency,
    pub total_shop_minor: i64,
    pub total_base_minor: i64,
    pub fx_shop_to_base_scaled: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SalesLine {
    pub id: i64,
    pub order_id: i64,
    pub line_no: i32,
    pub product_id: i64,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    pub net_shop_minor: i64,
    pub net_base_minor: i64,
    pub cogs_base_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Refund {
    pub id: i64,
    pub order_id: i64,
    pub refunded_at: DateTime<Utc>,
    pub date: NaiveDate,
    pub amount_shop_minor: i64,
    pub amount_base_minor: i64,
    pub quantity_returned: i64,
    pub reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct InventoryPosition {
    pub id: i64,
    pub product_id: i64,
    pub location_id: i64,
    pub on_hand: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct StockMovement {
    pub id: i64,
    pub product_id: i64,
    pub location_id: i64,
    pub date: NaiveDate,
    pub quantity: i64,
    pub kind: &'static str,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Supplier {
    pub id: i64,
    pub code: &'static str,
    pub name: &'static str,
    pub currency: Currency,
    pub lead_time_days: i32,
    pub payment_terms_days: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PurchaseOrder {
    pub id: i64,
    pub supplier_id: i64,
    pub number: String,
    pub ordered_on: NaiveDate,
    pub expected_on: NaiveDate,
    pub received_on: Option<NaiveDate>,
    pub status: &'static str,
    pub currency: Currency,
    pub total_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PurchaseOrderLine {
    pub id: i64,
    pub purchase_order_id: i64,
    pub product_id: i64,
    pub quantity: i64,
    pub unit_cost_minor: i64,
    pub received_quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BomLine {
    pub id: i64,
    pub product_id: i64,
    pub component_id: i64,
    pub quantity_per: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct WorkCenter {
    pub id: i64,
    pub code: &'static str,
    pub name: &'static str,
    pub ideal_cycle_ms: i64,
    pub shift_minutes: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ProductionOrder {
    pub id: i64,
    pub number: String,
    pub product_id: i64,
    pub work_center_id: i64,
    pub quantity_planned: i64,
    pub quantity_good: i64,
    pub due_on: NaiveDate,
    pub status: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ProductionRun {
    pub id: i64,
    pub production_order_id: i64,
    pub work_center_id: i64,
    pub date: NaiveDate,
    pub planned_minutes: i32,
    pub ideal_cycle_ms: i64,
    pub total_count: i64,
    pub good_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct DowntimeEvent {
    pub id: i64,
    pub production_run_id: i64,
    pub minutes: i32,
    pub planned: bool,
    pub reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CashAccount {
    pub id: i64,
    pub code: &'static str,
    pub name: &'static str,
    pub currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Invoice {
    pub id: i64,
    pub kind: &'static str,
    pub number: String,
    pub customer_id: Option<i64>,
    pub supplier_id: Option<i64>,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub currency: Currency,
    pub total_minor: i64,
    pub total_base_minor: i64,
    pub status: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Payment {
    pub id: i64,
    pub invoice_id: i64,
    pub cash_account_id: i64,
    pub paid_on: NaiveDate,
    pub amount_minor: i64,
    pub currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CashMovement {
    pub id: i64,
    pub cash_account_id: i64,
    pub date: NaiveDate,
    pub amount_minor: i64,
    pub kind: &'static str,
    pub payment_id: Option<i64>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CashBalance {
    pub id: i64,
    pub cash_account_id: i64,
    pub date: NaiveDate,
    pub balance_minor: i64,
}
