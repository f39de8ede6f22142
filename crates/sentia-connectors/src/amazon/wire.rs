//! Shapes of the Selling Partner API answers the client reads.

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// `{access_token, refresh_token, token_type, expires_in}` from LWA.
#[derive(Debug, Deserialize)]
pub(crate) struct LwaToken {
    pub access_token: String,
    pub expires_in: u64,
}

/// `{"errors":[{code, message, details?}]}` on every SP-API refusal.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorList {
    #[serde(default)]
    pub errors: Vec<ApiError>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ApiError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// `{amount, currencyCode}`; `amount` is a decimal string.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Amount {
    pub currency_code: String,
    pub amount: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Pagination {
    pub next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrdersPage {
    #[serde(default)]
    pub orders: Vec<Order>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Order {
    pub order_id: String,
    pub purchase_date: DateTime<Utc>,
    pub last_update_date: DateTime<Utc>,
    pub order_status: String,
    pub marketplace_id: String,
    pub order_total: Option<Amount>,
    #[serde(default)]
    pub order_items: Vec<OrderItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderItem {
    pub order_item_id: String,
    pub seller_sku: Option<String>,
    pub asin: Option<String>,
    pub quantity_ordered: i64,
    pub item_price: Option<Amount>,
    pub item_tax: Option<Amount>,
    pub promotion_discount: Option<Amount>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreatedReport {
    pub report_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Report {
    pub report_id: String,
    pub processing_status: String,
    pub report_document_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReportDocument {
    pub url: String,
    pub compression_algorithm: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InventoryAnswer {
    pub payload: InventoryPayload,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InventoryPayload {
    #[serde(default)]
    pub inventory_summaries: Vec<InventorySummary>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InventorySummary {
    pub seller_sku: String,
    pub asin: Option<String>,
    pub fn_sku: Option<String>,
    #[serde(default)]
    pub total_quantity: i64,
    pub inventory_details: Option<InventoryDetails>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InventoryDetails {
    #[serde(default)]
    pub fulfillable_quantity: i64,
    #[serde(default)]
    pub inbound_working_quantity: i64,
    #[serde(default)]
    pub inbound_shipped_quantity: i64,
    #[serde(default)]
    pub inbound_receiving_quantity: i64,
    pub reserved_quantity: Option<Reserved>,
    pub unfulfillable_quantity: Option<Unfulfillable>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Reserved {
    #[serde(default)]
    pub total_reserved_quantity: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Unfulfillable {
    #[serde(default)]
    pub total_unfulfillable_quantity: i64,
}
