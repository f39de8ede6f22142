//! Shopify GraphQL documents and the shapes of their answers.

use chrono::{DateTime, Utc};
use serde::Deserialize;

pub(crate) const MONEY_BAG: &str = "fragment Bag on MoneyBag { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }";

pub(crate) const ORDERS: &str = "query Orders($first: Int!, $after: String, $query: String, $lines: Int!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id name createdAt updatedAt cancelledAt displayFinancialStatus currencyCode presentmentCurrencyCode
      totalPriceSet { ...Bag }
      totalRefundedSet { ...Bag }
      lineItems(first: $lines) { pageInfo { hasNextPage endCursor } nodes { ...Line } }
      refunds { id createdAt totalRefundedSet { ...Bag } refundLineItems(first: 100) { nodes { quantity lineItem { sku } subtotalSet { ...Bag } } } }
    }
  }
}";

/// The rest of an order's lines, when they did not fit in the orders page.
pub(crate) const ORDER_LINES: &str = "query OrderLines($id: ID!, $after: String, $lines: Int!) {
  order(id: $id) { lineItems(first: $lines, after: $after) { pageInfo { hasNextPage endCursor } nodes { ...Line } } }
}";

pub(crate) const LINE: &str = "fragment Line on LineItem { id sku quantity refundableQuantity originalUnitPriceSet { ...Bag } totalDiscountSet { ...Bag } variant { id sku } }";

pub(crate) const PRODUCTS: &str = "query Products($first: Int!, $after: String) {
  shop { currencyCode }
  products(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id title updatedAt variants(first: 100) { nodes { id sku price inventoryItem { id } } } }
  }
}";

pub(crate) const STOCK_BY_SKU: &str = "query Stock($query: String!) {
  productVariants(first: 10, query: $query) {
    nodes {
      id sku
      inventoryItem { id inventoryLevels(first: 50) { nodes { location { id name } quantities(names: [\"available\", \"on_hand\"]) { name quantity } } } }
    }
  }
}";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Nodes<T> {
    pub nodes: Vec<T>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Connection<T> {
    pub page_info: PageInfo,
    pub nodes: Vec<T>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MoneyV2 {
    pub amount: String,
    pub currency_code: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MoneyBag {
    pub shop_money: MoneyV2,
    pub presentment_money: MoneyV2,
}

#[derive(Debug, Deserialize)]
pub(crate) struct OrderLinesData {
    pub order: Option<OrderLines>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderLines {
    pub line_items: Connection<LineItem>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct OrdersData {
    pub orders: Connection<Order>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Order {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub display_financial_status: Option<String>,
    pub total_price_set: MoneyBag,
    pub total_refunded_set: MoneyBag,
    pub line_items: Connection<LineItem>,
    #[serde(default)]
    pub refunds: Vec<Refund>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LineItem {
    pub id: String,
    pub sku: Option<String>,
    pub quantity: i64,
    pub refundable_quantity: i64,
    pub original_unit_price_set: MoneyBag,
    #[serde(default)]
    pub total_discount_set: Option<MoneyBag>,
    pub variant: Option<VariantRef>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct VariantRef {
    pub id: String,
    pub sku: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Refund {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub total_refunded_set: MoneyBag,
    pub refund_line_items: Nodes<RefundLineItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RefundLineItem {
    pub quantity: i64,
    pub line_item: Option<SkuOnly>,
    pub subtotal_set: MoneyBag,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SkuOnly {
    pub sku: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ShopCurrency {
    pub currency_code: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ProductsData {
    pub shop: ShopCurrency,
    pub products: Connection<Product>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Product {
    pub id: String,
    pub title: String,
    pub updated_at: DateTime<Utc>,
    pub variants: Nodes<Variant>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Variant {
    pub id: String,
    pub sku: Option<String>,
    pub price: String,
    pub inventory_item: Option<IdOnly>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct IdOnly {
    pub id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StockData {
    pub product_variants: Nodes<StockVariant>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StockVariant {
    pub sku: Option<String>,
    pub inventory_item: Option<StockItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StockItem {
    pub id: String,
    pub inventory_levels: Nodes<Level>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Level {
    pub location: Location,
    pub quantities: Vec<Quantity>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Location {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Quantity {
    pub name: String,
    pub quantity: i64,
}

/// `extensions.cost` of every answer.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Cost {
    pub requested_query_cost: Option<f64>,
    pub throttle_status: ThrottleStatus,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ThrottleStatus {
    pub currently_available: f64,
    pub restore_rate: f64,
}
