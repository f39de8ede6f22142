//! Shopify orders as webhooks deliver them (the REST order shape of `orders/create`,
//! `orders/updated`, `orders/paid` and `orders/cancelled`), mapped to the store's
//! [`IncomingOrder`]. Identities are Shopify's global ids, the same ones the GraphQL sync
//! reads, so a webhook and a later sync of one order update one row.

use chrono::{DateTime, Utc};
use sentia_connectors::money::parse_decimal;
use sentia_store::ingest::{IncomingLine, IncomingOrder, IncomingRefund};
use serde::Deserialize;

/// Why a delivered order cannot be taken.
#[derive(Debug, thiserror::Error)]
#[error("Shopify order, {field}: {reason}")]
pub struct MappingError {
    /// The field (a JSON path).
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

fn bad(field: impl Into<String>, reason: impl Into<String>) -> MappingError {
    MappingError {
        field: field.into(),
        reason: reason.into(),
    }
}

#[derive(Debug, Deserialize)]
struct Amount {
    amount: String,
}

#[derive(Debug, Deserialize)]
struct MoneySet {
    shop_money: Amount,
    presentment_money: Amount,
}

#[derive(Debug, Deserialize)]
struct LineItem {
    id: u64,
    sku: Option<String>,
    quantity: i64,
    price_set: MoneySet,
    total_discount_set: Option<MoneySet>,
}

#[derive(Debug, Deserialize)]
struct Transaction {
    kind: Option<String>,
    status: Option<String>,
    amount: String,
}

#[derive(Debug, Deserialize)]
struct RefundLine {
    quantity: i64,
    restock_type: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Refund {
    id: u64,
    created_at: DateTime<Utc>,
    note: Option<String>,
    #[serde(default)]
    transactions: Vec<Transaction>,
    #[serde(default)]
    refund_line_items: Vec<RefundLine>,
}

#[derive(Debug, Deserialize)]
struct Order {
    id: u64,
    name: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    cancelled_at: Option<DateTime<Utc>>,
    financial_status: Option<String>,
    currency: String,
    presentment_currency: Option<String>,
    total_price_set: MoneySet,
    line_items: Vec<LineItem>,
    #[serde(default)]
    refunds: Vec<Refund>,
}

fn minor(field: &str, text: &str) -> Result<i64, MappingError> {
    parse_decimal(text, 2).map_err(|e| bad(field, e.to_string()))
}

/// Maps a webhook's order (the raw JSON) for the shop `domain`, sold on `channel_code`.
pub fn order_from_webhook(
    body: &serde_json::Value,
    domain: &str,
    channel_code: &str,
) -> Result<IncomingOrder, MappingError> {
    let o: Order = serde_json::from_value(body.clone()).map_err(|e| bad("order", e.to_string()))?;
    let mut lines = Vec::new();
    for (i, l) in o.line_items.iter().enumerate() {
        let at = |f: &str| format!("line_items[{i}].{f}");
        let sku = l
            .sku
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(at("sku"), "is missing"))?;
        if l.quantity <= 0 {
            return Err(bad(at("quantity"), "must be positive"));
        }
        let unit = minor(
            &at("price_set.shop_money.amount"),
            &l.price_set.shop_money.amount,
        )?;
        let unit_p = minor(
            &at("price_set.presentment_money.amount"),
            &l.price_set.presentment_money.amount,
        )?;
        let (disc, disc_p) = match &l.total_discount_set {
            Some(d) => (
                minor(
                    &at("total_discount_set.shop_money.amount"),
                    &d.shop_money.amount,
                )?,
                minor(
                    &at("total_discount_set.presentment_money.amount"),
                    &d.presentment_money.amount,
                )?,
            ),
            None => (0, 0),
        };
        lines.push(IncomingLine {
            external_id: format!("gid://shopify/LineItem/{}", l.id),
            sku: sku.to_owned(),
            quantity: l.quantity,
            unit_price_minor: unit,
            discount_minor: disc,
            net_shop_minor: unit * l.quantity - disc,
            net_presentment_minor: unit_p * l.quantity - disc_p,
        });
    }
    let mut refunds = Vec::new();
    for (i, r) in o.refunds.iter().enumerate() {
        let mut amount = 0;
        for (j, t) in r.transactions.iter().enumerate() {
            let ok = t.kind.as_deref() == Some("refund")
                && t.status.as_deref().is_none_or(|s| s == "success");
            if ok {
                amount += minor(&format!("refunds[{i}].transactions[{j}].amount"), &t.amount)?;
            }
        }
        if amount <= 0 {
            continue;
        }
        refunds.push(IncomingRefund {
            external_id: format!("gid://shopify/Refund/{}", r.id),
            refunded_at: r.created_at,
            amount_shop_minor: amount,
            quantity_returned: r
                .refund_line_items
                .iter()
                .filter(|l| l.restock_type.as_deref() != Some("no_restock"))
                .map(|l| l.quantity.max(0))
                .sum(),
            reason: r
                .note
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "refund".into()),
        });
    }
    let total = minor(
        "total_price_set.shop_money.amount",
        &o.total_price_set.shop_money.amount,
    )?;
    let total_p = minor(
        "total_price_set.presentment_money.amount",
        &o.total_price_set.presentment_money.amount,
    )?;
    let refunded: i64 = refunds.iter().map(|r| r.amount_shop_minor).sum();
    let status = match o.financial_status.as_deref() {
        Some("refunded" | "voided") => "refunded",
        _ if o.cancelled_at.is_some() => "refunded",
        Some("partially_refunded") => "partially_refunded",
        _ if refunded > 0 && refunded < total => "partially_refunded",
        _ if refunded > 0 => "refunded",
        _ => "fulfilled",
    };
    Ok(IncomingOrder {
        source: format!("shopify:{domain}"),
        external_id: format!("gid://shopify/Order/{}", o.id),
        order_number: o.name,
        channel_code: channel_code.to_owned(),
        ordered_at: o.created_at,
        source_updated_at: o.updated_at,
        status: status.to_owned(),
        presentment_currency: o.presentment_currency.unwrap_or_else(|| o.currency.clone()),
        shop_currency: o.currency,
        total_shop_minor: total,
        total_presentment_minor: total_p,
        lines,
        refunds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order() -> serde_json::Value {
        let m = |a: &str| json!({ "shop_money": { "amount": a, "currency_code": "GBP" }, "presentment_money": { "amount": a, "currency_code": "GBP" } });
        json!({
            "id": 820982911946154508u64, "name": "#1001",
            "created_at": "2026-11-30T10:00:00-05:00", "updated_at": "2026-11-30T10:05:00-05:00",
            "cancelled_at": null, "financial_status": "paid", "currency": "GBP", "presentment_currency": "GBP",
            "total_price_set": m("59.90"),
            "line_items": [{ "id": 1, "sku": "GIN-70", "quantity": 2, "price_set": m("29.95"), "total_discount_set": m("0.00") }],
            "refunds": []
        })
    }

    #[test]
    fn maps_amounts_exactly_and_keeps_shopify_ids() {
        let o = order_from_webhook(&order(), "sentia-uk.myshopify.com", "SHOP-UK").unwrap();
        assert_eq!(o.source, "shopify:sentia-uk.myshopify.com");
        assert_eq!(o.external_id, "gid://shopify/Order/820982911946154508");
        assert_eq!(o.total_shop_minor, 5990);
        assert_eq!(o.lines[0].net_shop_minor, 5990);
        assert_eq!(o.lines[0].external_id, "gid://shopify/LineItem/1");
        assert_eq!(o.status, "fulfilled");
        assert_eq!(o.ordered_at.to_rfc3339(), "2026-11-30T15:00:00+00:00");
    }

    #[test]
    fn refunds_and_bad_fields_are_read_or_named() {
        let mut v = order();
        v["refunds"] = json!([{ "id": 9, "created_at": "2026-12-01T00:00:00Z", "note": "",
            "transactions": [{ "kind": "refund", "status": "success", "amount": "29.95" }],
            "refund_line_items": [{ "quantity": 1, "restock_type": "return" }] }]);
        let o = order_from_webhook(&v, "s", "SHOP-UK").unwrap();
        assert_eq!(o.refunds[0].amount_shop_minor, 2995);
        assert_eq!(o.refunds[0].quantity_returned, 1);
        assert_eq!(o.status, "partially_refunded");
        let mut v = order();
        v["line_items"][0]["quantity"] = json!(0);
        let e = order_from_webhook(&v, "s", "SHOP-UK").unwrap_err();
        assert_eq!(e.field, "line_items[0].quantity");
        let mut v = order();
        v["total_price_set"]["shop_money"]["amount"] = json!("59.905");
        let e = order_from_webhook(&v, "s", "SHOP-UK").unwrap_err();
        assert!(e.field.starts_with("total_price_set"), "{e}");
        let mut v = order();
        v["line_items"][0]["sku"] = json!(null);
        assert_eq!(
            order_from_webhook(&v, "s", "SHOP-UK").unwrap_err().field,
            "line_items[0].sku"
        );
    }
}
