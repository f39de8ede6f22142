//! Shapes of Unleashed answers and their odd encodings (`/Date(ms)/`, numbers as money).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Page<T> {
    pub pagination: Pagination,
    pub items: Vec<T>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Pagination {
    pub number_of_pages: u64,
}

/// Parses `/Date(1473116400000)/` or `/Date(1551744000000+0000)/` (ms since the epoch, UTC).
pub fn parse_ms_date(s: &str) -> Option<DateTime<Utc>> {
    let inner = s.strip_prefix("/Date(")?.strip_suffix(")/")?;
    let end = inner[1..].find(['+', '-']).map_or(inner.len(), |i| i + 1);
    let ms: i64 = inner[..end].parse().ok()?;
    DateTime::from_timestamp_millis(ms)
}

pub(crate) fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => parse_ms_date(&s)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("not a /Date(ms)/ value: {s}"))),
    }
}

/// A decimal sent as a JSON number or string, kept as its text so it converts exactly.
pub(crate) fn de_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::String(s) => Ok(Some(s)),
        other => Err(serde::de::Error::custom(format!("not a decimal: {other}"))),
    }
}

/// A nested `{ProductCode}` / `{CurrencyCode}` / `{WarehouseCode}` / `{CustomerCode}` object.
#[derive(Debug, Deserialize)]
pub(crate) struct CodeRef {
    #[serde(
        rename = "ProductCode",
        alias = "CurrencyCode",
        alias = "WarehouseCode",
        alias = "CustomerCode"
    )]
    pub code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Product {
    pub guid: String,
    pub product_code: String,
    pub product_description: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    pub default_sell_price: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    pub default_purchase_price: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    pub average_land_price: Option<String>,
    #[serde(default)]
    pub is_assembled_product: bool,
    #[serde(default)]
    pub is_component: bool,
    #[serde(default, deserialize_with = "de_date")]
    pub last_modified_on: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct StockOnHand {
    pub product_guid: String,
    pub product_code: String,
    pub warehouse_code: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    pub qty_on_hand: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    pub allocated_qty: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    pub available_qty: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    pub on_purchase: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    pub avg_cost: Option<String>,
    #[serde(default, deserialize_with = "de_decimal")]
    pub total_cost: Option<String>,
    #[serde(default, deserialize_with = "de_date")]
    pub last_modified_on: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct OrderLine {
    pub line_number: i64,
    pub product: CodeRef,
    #[serde(deserialize_with = "de_decimal")]
    pub order_quantity: Option<String>,
    #[serde(deserialize_with = "de_decimal")]
    pub unit_price: Option<String>,
    #[serde(deserialize_with = "de_decimal")]
    pub line_total: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SalesOrder {
    pub guid: String,
    pub order_number: String,
    #[serde(deserialize_with = "de_date")]
    pub order_date: Option<DateTime<Utc>>,
    pub order_status: String,
    pub customer: Option<CodeRef>,
    pub warehouse: Option<CodeRef>,
    pub currency: CodeRef,
    #[serde(deserialize_with = "de_decimal")]
    pub exchange_rate: Option<String>,
    #[serde(deserialize_with = "de_decimal")]
    pub sub_total: Option<String>,
    #[serde(deserialize_with = "de_decimal")]
    pub total: Option<String>,
    #[serde(rename = "BCTotal", deserialize_with = "de_decimal")]
    pub bc_total: Option<String>,
    #[serde(default, deserialize_with = "de_date")]
    pub payment_due_date: Option<DateTime<Utc>>,
    #[serde(default)]
    pub sales_order_lines: Vec<OrderLine>,
    #[serde(default, deserialize_with = "de_date")]
    pub last_modified_on: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SupplierRef {
    pub supplier_code: Option<String>,
    pub supplier_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PurchaseOrder {
    pub guid: String,
    pub order_number: String,
    #[serde(deserialize_with = "de_date")]
    pub order_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de_date")]
    pub required_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de_date")]
    pub completed_date: Option<DateTime<Utc>>,
    pub supplier: Option<SupplierRef>,
    pub order_status: String,
    #[serde(default, deserialize_with = "de_date")]
    pub supplier_invoice_date: Option<DateTime<Utc>>,
    pub currency: CodeRef,
    #[serde(deserialize_with = "de_decimal")]
    pub total: Option<String>,
    #[serde(rename = "BCTotal", deserialize_with = "de_decimal")]
    pub bc_total: Option<String>,
    #[serde(default)]
    pub purchase_order_lines: Vec<OrderLine>,
    #[serde(default, deserialize_with = "de_date")]
    pub last_modified_on: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Assembly {
    pub guid: String,
    pub assembly_number: String,
    pub product: CodeRef,
    #[serde(deserialize_with = "de_decimal")]
    pub quantity: Option<String>,
    pub assembly_status: String,
    #[serde(default, deserialize_with = "de_date")]
    pub assemble_by: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de_date")]
    pub last_modified_on: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct BomLine {
    pub product: CodeRef,
    #[serde(deserialize_with = "de_decimal")]
    pub quantity: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct BillOfMaterials {
    pub guid: String,
    pub bill_number: Option<String>,
    pub product: CodeRef,
    #[serde(default)]
    pub bill_of_materials_lines: Vec<BomLine>,
    #[serde(default, deserialize_with = "de_date")]
    pub last_modified_on: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Supplier {
    pub guid: String,
    pub supplier_code: String,
    pub supplier_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Warehouse {
    pub guid: String,
    pub warehouse_code: String,
    pub warehouse_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ms_dates_with_and_without_offset() {
        let t = parse_ms_date("/Date(1473116400000)/").unwrap();
        assert_eq!(t.to_rfc3339(), "2016-09-05T23:00:00+00:00");
        assert_eq!(
            parse_ms_date("/Date(1551744000000+0000)/")
                .unwrap()
                .timestamp(),
            1_551_744_000
        );
        assert_eq!(parse_ms_date("/Date(-1000)/").unwrap().timestamp(), -1);
        assert!(parse_ms_date("2016-09-05").is_none());
        assert!(parse_ms_date("/Date(abc)/").is_none());
    }
}
