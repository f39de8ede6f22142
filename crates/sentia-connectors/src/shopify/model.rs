//! Connector records produced from Shopify answers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::money::{Money, Qty};

/// Payment state of an order (`displayFinancialStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FinancialStatus {
    /// Awaiting payment.
    Pending,
    /// Payment authorised, not captured.
    Authorized,
    /// Part of the total paid.
    PartiallyPaid,
    /// Fully paid.
    Paid,
    /// Part of the payment refunded.
    PartiallyRefunded,
    /// Fully refunded.
    Refunded,
    /// Authorisation voided.
    Voided,
    /// Authorisation expired.
    Expired,
    /// A status this client does not know yet, kept verbatim.
    Other(String),
}

impl FinancialStatus {
    /// Maps Shopify's enum value.
    pub fn parse(s: &str) -> Self {
        match s {
            "PENDING" => Self::Pending,
            "AUTHORIZED" => Self::Authorized,
            "PARTIALLY_PAID" => Self::PartiallyPaid,
            "PAID" => Self::Paid,
            "PARTIALLY_REFUNDED" => Self::PartiallyRefunded,
            "REFUNDED" => Self::Refunded,
            "VOIDED" => Self::Voided,
            "EXPIRED" => Self::Expired,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// An amount in the shop's currency and in the currency the customer saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyPair {
    /// In the shop's currency.
    pub shop: Money,
    /// In the presentment (customer) currency.
    pub presentment: Money,
}

/// One order from a Shopify store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceOrder {
    /// Source system and store, e.g. `shopify:sentia-uk.myshopify.com`.
    pub source: String,
    /// Shopify's global id (`gid://shopify/Order/…`).
    pub external_id: String,
    /// Display name, e.g. `#1001`.
    pub name: String,
    /// When the order was placed.
    pub created_at: DateTime<Utc>,
    /// Last change; drives the incremental sync.
    pub updated_at: DateTime<Utc>,
    /// When it was cancelled, if it was.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Whether it was cancelled.
    pub cancelled: bool,
    /// Payment state.
    pub financial_status: FinancialStatus,
    /// Order total in the shop's currency.
    pub shop_total: Money,
    /// Order total in the presentment currency.
    pub presentment_total: Money,
    /// Amount refunded, both currencies.
    pub refunded: MoneyPair,
    /// Line items.
    pub lines: Vec<SourceOrderLine>,
    /// Refunds.
    pub refunds: Vec<SourceRefund>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceOrderLine {
    /// Shopify's global id of the line (`gid://shopify/LineItem/…`).
    pub external_id: String,
    /// SKU on the line (from the variant when the line has none).
    pub sku: Option<String>,
    /// Variant global id, when the variant still exists.
    pub variant_id: Option<String>,
    /// Units ordered.
    pub quantity: Qty,
    /// Units that can still be refunded.
    pub refundable_quantity: Qty,
    /// Unit price before discounts, both currencies.
    pub unit_price: MoneyPair,
    /// Discounts on the whole line, both currencies (`None` when Shopify gave none).
    pub discount: Option<MoneyPair>,
}

/// One refund on an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRefund {
    /// Shopify's global id of the refund (`gid://shopify/Refund/…`).
    pub external_id: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Amount refunded, both currencies.
    pub amount: MoneyPair,
    /// Refunded lines.
    pub lines: Vec<SourceRefundLine>,
}

/// One refunded line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRefundLine {
    /// SKU of the refunded line item.
    pub sku: Option<String>,
    /// Units refunded.
    pub quantity: Qty,
    /// Subtotal refunded for the line, both currencies.
    pub subtotal: MoneyPair,
}

/// A product with its variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceProduct {
    /// Source system and store.
    pub source: String,
    /// Product global id.
    pub external_id: String,
    /// Product title.
    pub title: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Variants (SKUs).
    pub variants: Vec<SourceVariant>,
}

/// One variant (a sellable SKU).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceVariant {
    /// Variant global id.
    pub external_id: String,
    /// SKU, when set.
    pub sku: Option<String>,
    /// Price in the shop's currency.
    pub price: Money,
    /// Inventory item global id (the key for stock levels).
    pub inventory_item_id: Option<String>,
}

/// Stock of one SKU at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceStockLevel {
    /// Source system and store.
    pub source: String,
    /// `{inventory item id}@{location id}`.
    pub external_id: String,
    /// The SKU.
    pub sku: String,
    /// Location global id.
    pub location_id: String,
    /// Location name.
    pub location_name: String,
    /// Units available to sell.
    pub available: i64,
    /// Units physically on hand.
    pub on_hand: i64,
}

/// What an incremental order sync returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSync {
    /// Orders created or changed since the previous cursor (none already returned).
    pub orders: Vec<SourceOrder>,
    /// The cursor to pass to the next sync.
    pub cursor: crate::sync::IncrementalCursor,
}
