//! Sales and stock facts for reporting.
//!
//! Reports aggregate in memory (see the server's sales cube), so these functions stream
//! compact fact rows rather than running one aggregate query per request.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, QueryResult, Statement};
use sentia_core::currency::{Currency, DayRates};

use crate::{StoreError, StoreResult};

/// One order line reduced to what reports need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineFact {
    /// Order the line belongs to.
    pub order_id: i64,
    /// Day of the order.
    pub date: NaiveDate,
    /// Channel sold on.
    pub channel_id: i64,
    /// Product sold.
    pub product_id: i64,
    /// Units sold.
    pub quantity: i64,
    /// Net revenue in the shop (channel) currency, minor units.
    pub net_shop_minor: i64,
    /// Currency of `net_shop_minor`.
    pub shop_currency: Currency,
    /// Cost of goods sold in GBP minor units.
    pub cogs_base_minor: i64,
}

/// Net stock change of one finished product at one location on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockChange {
    /// Day of the movements.
    pub date: NaiveDate,
    /// Product moved.
    pub product_id: i64,
    /// Where.
    pub location_id: i64,
    /// Sum of signed quantities.
    pub quantity: i64,
}

fn stmt<C: ConnectionTrait>(conn: &C, sql: &str) -> Statement {
    Statement::from_string(conn.get_database_backend(), sql.to_owned())
}

fn col<T: sea_orm::TryGetable>(row: &QueryResult, name: &str) -> StoreResult<T> {
    row.try_get("", name).map_err(StoreError::from)
}

fn currency(row: &QueryResult, name: &str) -> StoreResult<Currency> {
    let code: String = col(row, name)?;
    code.parse()
        .map_err(|e: sentia_core::currency::UnknownCurrency| StoreError::Invalid(e.to_string()))
}

/// Every order line as a fact row.
#[tracing::instrument(skip_all)]
pub async fn line_facts<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<LineFact>> {
    let rows = conn
        .query_all_raw(stmt(
            conn,
            "SELECT l.order_id, o.order_date, o.channel_id, l.product_id, l.quantity, l.net_shop_minor, \
             o.shop_currency, l.cogs_base_minor \
             FROM sales_order_lines l JOIN sales_orders o ON o.id = l.order_id",
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(LineFact {
                order_id: col(r, "order_id")?,
                date: col(r, "order_date")?,
                channel_id: col(r, "channel_id")?,
                product_id: col(r, "product_id")?,
                quantity: col(r, "quantity")?,
                net_shop_minor: col(r, "net_shop_minor")?,
                shop_currency: currency(r, "shop_currency")?,
                cogs_base_minor: col(r, "cogs_base_minor")?,
            })
        })
        .collect()
}

/// One refund reduced to what reports need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundFact {
    /// Order refunded.
    pub order_id: i64,
    /// Day of the refund.
    pub date: NaiveDate,
    /// Channel of the order.
    pub channel_id: i64,
    /// Amount in the shop currency, minor units.
    pub amount_shop_minor: i64,
    /// Currency of the amount.
    pub shop_currency: Currency,
}

/// Every refund as a fact row.
#[tracing::instrument(skip_all)]
pub async fn refund_facts<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<RefundFact>> {
    let rows = conn
        .query_all_raw(stmt(
            conn,
            "SELECT r.order_id, r.refund_date, o.channel_id, r.amount_shop_minor, o.shop_currency \
             FROM refunds r JOIN sales_orders o ON o.id = r.order_id",
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(RefundFact {
                order_id: col(r, "order_id")?,
                date: col(r, "refund_date")?,
                channel_id: col(r, "channel_id")?,
                amount_shop_minor: col(r, "amount_shop_minor")?,
                shop_currency: currency(r, "shop_currency")?,
            })
        })
        .collect()
}

/// Daily FX rates (GBP based), by day.
#[tracing::instrument(skip_all)]
pub async fn day_rates<C: ConnectionTrait>(conn: &C) -> StoreResult<BTreeMap<NaiveDate, DayRates>> {
    let rows = conn
        .query_all_raw(stmt(
            conn,
            "SELECT rate_date, quote_currency, rate_scaled FROM fx_rates \
             WHERE base_currency = 'GBP' ORDER BY rate_date",
        ))
        .await?;
    let mut pairs: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for r in &rows {
        let day: NaiveDate = col(r, "rate_date")?;
        let rate: i64 = col(r, "rate_scaled")?;
        let e = pairs.entry(day).or_default();
        match currency(r, "quote_currency")? {
            Currency::Eur => e.0 = rate,
            Currency::Usd => e.1 = rate,
            Currency::Gbp => {}
        }
    }
    Ok(pairs
        .into_iter()
        .filter_map(|(d, (eur, usd))| DayRates::new(eur, usd).map(|r| (d, r)))
        .collect())
}

/// Net daily stock changes of finished products per location.
#[tracing::instrument(skip_all)]
pub async fn finished_stock_changes<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<StockChange>> {
    let rows = conn
        .query_all_raw(stmt(
            conn,
            "SELECT m.moved_on, m.product_id, m.location_id, CAST(SUM(m.quantity) AS BIGINT) AS qty \
             FROM stock_movements m JOIN products p ON p.id = m.product_id \
             WHERE p.kind = 'finished' GROUP BY m.moved_on, m.product_id, m.location_id \
             ORDER BY m.moved_on",
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StockChange {
                date: col(r, "moved_on")?,
                product_id: col(r, "product_id")?,
                location_id: col(r, "location_id")?,
                quantity: col(r, "qty")?,
            })
        })
        .collect()
}

/// A stock location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Row id.
    pub id: i64,
    /// Code such as `FBA-UK`.
    pub code: String,
    /// Region code it is in.
    pub region: String,
}

/// All stock locations.
#[tracing::instrument(skip_all)]
pub async fn locations<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<Location>> {
    let rows = conn
        .query_all_raw(stmt(
            conn,
            "SELECT id, code, region FROM locations ORDER BY id",
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Location {
                id: col(r, "id")?,
                code: col(r, "code")?,
                region: col(r, "region")?,
            })
        })
        .collect()
}

/// A finished product's identity and standard cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductCost {
    /// Row id.
    pub id: i64,
    /// SKU code.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Standard unit cost, GBP minor units.
    pub unit_cost_minor: i64,
}

/// All finished products, by SKU.
#[tracing::instrument(skip_all)]
pub async fn finished_products<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<ProductCost>> {
    let rows = conn
        .query_all_raw(stmt(
            conn,
            "SELECT id, sku, name, unit_cost_minor FROM products WHERE kind = 'finished' ORDER BY sku",
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ProductCost {
                id: col(r, "id")?,
                sku: col(r, "sku")?,
                name: col(r, "name")?,
                unit_cost_minor: col(r, "unit_cost_minor")?,
            })
        })
        .collect()
}

/// A fingerprint of the reporting data; it changes whenever facts are added or reloaded.
/// Uses only primary-key maxima and a meta row, so it is cheap on both backends. It does not
/// see updates in place or deletions below the maxima: every writer that changes facts that
/// way must, in the same transaction, add a `data.…` event (job progress and finished
/// forecasts are events too, but change no facts) or set `app_meta.data_generation` (as the demo loader does).
#[tracing::instrument(skip_all)]
pub async fn data_version<C: ConnectionTrait>(conn: &C) -> StoreResult<String> {
    let sql = "SELECT \
        (SELECT COALESCE(MAX(id), 0) FROM sales_order_lines) AS l, \
        (SELECT COALESCE(MAX(id), 0) FROM stock_movements) AS m, \
        (SELECT COALESCE(MAX(id), 0) FROM refunds) AS r, \
        (SELECT COALESCE(MAX(id), 0) FROM fx_rates) AS f, \
        (SELECT COALESCE(MAX(id), 0) FROM events WHERE kind LIKE 'data.%') AS e, \
        (SELECT COALESCE(MAX(value), '') FROM app_meta WHERE key = 'data_generation') AS g";
    let row = conn
        .query_one_raw(stmt(conn, sql))
        .await?
        .ok_or(StoreError::NotFound)?;
    let r: i64 = col(&row, "r")?;
    let (l, m, f, e): (i64, i64, i64, i64) = (
        col(&row, "l")?,
        col(&row, "m")?,
        col(&row, "f")?,
        col(&row, "e")?,
    );
    let g: String = col(&row, "g")?;
    Ok(format!("{l}/{m}/{r}/{f}/{e}/{g}"))
}
