//! Sales orders that come from outside — Shopify webhooks and syncs, Amazon, Unleashed, CSV
//! import — upserted by `(source, external_id)`, so replayed webhooks, re-syncs and re-imports
//! update instead of duplicating.
//!
//! Connectors normalise what they fetch into an [`IncomingOrder`] (the store does not know
//! the connectors) and call [`upsert_order`], which in one transaction validates it, converts
//! its money into the base currency, writes the order with its lines and refunds, and appends
//! a [`ORDERS_EVENT`] to the events outbox. Conventions, the same as the demo company's:
//!
//! - The base currency is GBP ([`Currency::BASE`]). `fx_rates` rows are GBP-based: units of
//!   the quote currency per one GBP, scaled by 10⁹. The rate of a day is that day's row, or
//!   the latest earlier one when the day has none; an order dated before every rate of its
//!   currency is refused.
//! - Base amounts are converted with [`DayRates::convert`] (divide by the GBP rate, rounded
//!   half away from zero): the order total, each line's net, each refund (at the rate of the
//!   refund's day). The order stores the shop→base rate as GBP per one unit of the shop
//!   currency, scaled by 10⁹ and rounded half up (the demo's `shop_to_base`), so
//!   `total_shop × rate / 10⁹` can differ from `total_base_minor` by one minor unit.
//! - Line COGS is quantity × the product's standard cost (`products.unit_cost_minor`, GBP) at
//!   the time of the upsert.
//! - Statuses are the demo's: `fulfilled`, `partially_refunded`, `refunded`.
//!
//! Outcomes: a new order is [`UpsertOutcome::Inserted`]; a delivery whose
//! `source_updated_at` is older than the stored one is [`UpsertOutcome::Stale`] and changes
//! nothing; one whose content equals what is stored is [`UpsertOutcome::Unchanged`] and
//! appends no event (only a newer `source_updated_at` is recorded, so a later out-of-order
//! delivery is still recognised as stale); anything else is [`UpsertOutcome::Updated`]: the
//! order row is rewritten, lines are upserted by their `(source, external_id)` and lines no
//! longer present are deleted, refunds are upserted (never deleted: sources only add them).
//!
//! Concurrent upserts of one new order are safe: the order is inserted with
//! `ON CONFLICT DO NOTHING` against the unique `(source, external_id)` index, and the loser
//! re-reads the winner's row and treats its delivery as an update. On SQLite the transaction
//! takes the write lock at `BEGIN`, so upserts simply run one after the other.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ConnectionTrait, DbBackend, QueryResult, TransactionSession, TransactionTrait, Value,
};
use sentia_core::currency::{Currency, DayRates, FX_SCALE};
use serde_json::json;

use crate::forecasting::stmt;
use crate::{StoreError, StoreResult, db_time, events};

/// Kind of the outbox event an insert or update of an order appends. It starts with `data.`,
/// so [`crate::sales::data_version`] changes with it.
pub const ORDERS_EVENT: &str = "data.orders";

/// Order statuses the store keeps (the values the demo company uses).
pub const STATUSES: [&str; 3] = ["fulfilled", "partially_refunded", "refunded"];

/// An order as a source delivers it, normalised by its connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingOrder {
    /// Where it comes from, such as `shopify:uk`; with `external_id` the order's identity.
    pub source: String,
    /// The source's id of the order.
    pub external_id: String,
    /// Order number shown to people (`#1001`).
    pub order_number: String,
    /// Code of the channel sold on (`channels.code`).
    pub channel_code: String,
    /// When the order was placed.
    pub ordered_at: DateTime<Utc>,
    /// When the source last changed the order; older deliveries than the stored one are stale.
    pub source_updated_at: DateTime<Utc>,
    /// One of [`STATUSES`].
    pub status: String,
    /// The channel's currency, in which the shop keeps its books (ISO code).
    pub shop_currency: String,
    /// The currency the buyer saw (ISO code).
    pub presentment_currency: String,
    /// Order total in the shop currency, minor units.
    pub total_shop_minor: i64,
    /// Order total in the presentment currency, minor units.
    pub total_presentment_minor: i64,
    /// The order's lines; at least one.
    pub lines: Vec<IncomingLine>,
    /// Refunds of the order so far.
    pub refunds: Vec<IncomingRefund>,
}

/// One line of an [`IncomingOrder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingLine {
    /// The source's id of the line (unique within the order's source).
    pub external_id: String,
    /// Product sold (`products.sku` of a finished product).
    pub sku: String,
    /// Units sold, positive.
    pub quantity: i64,
    /// Price of one unit in the shop currency, minor units.
    pub unit_price_minor: i64,
    /// Discount on the line in the shop currency, minor units.
    pub discount_minor: i64,
    /// Net revenue of the line in the shop currency, minor units.
    pub net_shop_minor: i64,
    /// Net revenue of the line in the presentment currency, minor units.
    pub net_presentment_minor: i64,
}

/// One refund of an [`IncomingOrder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingRefund {
    /// The source's id of the refund (unique within the order's source).
    pub external_id: String,
    /// When the money went back.
    pub refunded_at: DateTime<Utc>,
    /// Amount refunded in the shop currency, minor units, positive.
    pub amount_shop_minor: i64,
    /// Units returned (0 when the goods were not sent back).
    pub quantity_returned: i64,
    /// Why, as the source says.
    pub reason: String,
}

/// What [`upsert_order`] did; `id` is the order's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// The order was new and is now stored.
    Inserted {
        /// Order row id.
        id: i64,
    },
    /// The stored order was changed to the delivered one.
    Updated {
        /// Order row id.
        id: i64,
    },
    /// The delivery equals what is stored: no change and no event.
    Unchanged {
        /// Order row id.
        id: i64,
    },
    /// The delivery is older than what is stored: no change and no event.
    Stale {
        /// Order row id.
        id: i64,
    },
}

impl UpsertOutcome {
    /// The order's row id.
    pub fn id(self) -> i64 {
        match self {
            Self::Inserted { id }
            | Self::Updated { id }
            | Self::Unchanged { id }
            | Self::Stale { id } => id,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Inserted { .. } => "inserted",
            Self::Updated { .. } => "updated",
            Self::Unchanged { .. } => "unchanged",
            Self::Stale { .. } => "stale",
        }
    }
}

fn invalid(field: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("{field}: {reason}"))
}

/// The order row as it is (or would be) stored.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OrderRow {
    channel_id: i64,
    order_number: String,
    ordered_at: DateTime<Utc>,
    order_date: NaiveDate,
    status: String,
    shop_currency: String,
    presentment_currency: String,
    total_shop_minor: i64,
    total_presentment_minor: i64,
    total_base_minor: i64,
    fx_shop_to_base_scaled: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct LineRow {
    external_id: String,
    line_no: i32,
    product_id: i64,
    quantity: i64,
    unit_price_minor: i64,
    discount_minor: i64,
    net_shop_minor: i64,
    net_presentment_minor: i64,
    net_base_minor: i64,
    cogs_base_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RefundRow {
    external_id: String,
    refunded_at: DateTime<Utc>,
    refund_date: NaiveDate,
    amount_shop_minor: i64,
    amount_base_minor: i64,
    quantity_returned: i64,
    reason: String,
}

/// Everything an upsert writes, computed and validated before any write.
struct Desired {
    order: OrderRow,
    lines: Vec<LineRow>,
    refunds: Vec<RefundRow>,
}

fn s(v: &str) -> Value {
    Value::String(Some(v.to_owned()))
}

async fn known_currency<C: ConnectionTrait>(
    conn: &C,
    field: &str,
    code: &str,
) -> StoreResult<Currency> {
    let c: Currency = code.parse().map_err(|e| invalid(field, e))?;
    let b = conn.get_database_backend();
    let row = conn
        .query_one_raw(stmt(
            b,
            "SELECT code FROM currencies WHERE code = ?",
            vec![s(code)],
        ))
        .await?;
    if row.is_none() {
        return Err(invalid(field, format!("currency '{code}' is not known")));
    }
    Ok(c)
}

/// The GBP-based rates of `day` for currency `c` (the day's row or the latest earlier one),
/// as a [`DayRates`] whose only meaningful entries are GBP and `c`.
async fn rates_on<C: ConnectionTrait>(
    conn: &C,
    field: &str,
    c: Currency,
    day: NaiveDate,
) -> StoreResult<DayRates> {
    let per_gbp = if c == Currency::BASE {
        FX_SCALE
    } else {
        let b = conn.get_database_backend();
        let row = conn
            .query_one_raw(stmt(
                b,
                "SELECT rate_scaled FROM fx_rates WHERE base_currency = ? AND quote_currency = ? \
                 AND rate_date <= ? ORDER BY rate_date DESC LIMIT 1",
                vec![
                    s(Currency::BASE.code()),
                    s(c.code()),
                    Value::ChronoDate(Some(day)),
                ],
            ))
            .await?
            .ok_or_else(|| {
                invalid(
                    field,
                    format!("no {}→{} rate on or before {day}", Currency::BASE, c),
                )
            })?;
        row.try_get::<i64>("", "rate_scaled")?
    };
    let (eur, usd) = match c {
        Currency::Eur => (per_gbp, FX_SCALE),
        Currency::Usd => (FX_SCALE, per_gbp),
        Currency::Gbp => (FX_SCALE, FX_SCALE),
    };
    DayRates::new(eur, usd).ok_or_else(|| StoreError::Invalid(format!("{field}: bad stored rate")))
}

/// Validates `o` and computes the rows it stands for. Reads only.
async fn desired<C: ConnectionTrait>(conn: &C, o: &IncomingOrder) -> StoreResult<Desired> {
    let b = conn.get_database_backend();
    for (field, v) in [
        ("source", &o.source),
        ("external_id", &o.external_id),
        ("order_number", &o.order_number),
    ] {
        if v.trim().is_empty() {
            return Err(invalid(field, "must not be empty"));
        }
    }
    if !STATUSES.contains(&o.status.as_str()) {
        return Err(invalid(
            "status",
            format!("'{}' is not one of {}", o.status, STATUSES.join(", ")),
        ));
    }
    let channel = conn
        .query_one_raw(stmt(
            b,
            "SELECT id, currency FROM channels WHERE code = ?",
            vec![s(&o.channel_code)],
        ))
        .await?
        .ok_or_else(|| {
            invalid(
                "channel_code",
                format!("unknown channel '{}'", o.channel_code),
            )
        })?;
    let channel_id: i64 = channel.try_get("", "id")?;
    let channel_currency: String = channel.try_get("", "currency")?;
    let shop = known_currency(conn, "shop_currency", &o.shop_currency).await?;
    known_currency(conn, "presentment_currency", &o.presentment_currency).await?;
    if o.shop_currency != channel_currency {
        return Err(invalid(
            "shop_currency",
            format!(
                "'{}' is not the currency of channel '{}' ({channel_currency})",
                o.shop_currency, o.channel_code
            ),
        ));
    }
    for (field, v) in [
        ("total_shop_minor", o.total_shop_minor),
        ("total_presentment_minor", o.total_presentment_minor),
    ] {
        if v < 0 {
            return Err(invalid(field, format!("must not be negative, got {v}")));
        }
    }
    if o.lines.is_empty() {
        return Err(invalid("lines", "an order needs at least one line"));
    }

    let ordered_at = db_time(o.ordered_at);
    let order_date = ordered_at.date_naive();
    let rates = rates_on(conn, "ordered_at", shop, order_date).await?;
    let to_base = |minor: i64, r: &DayRates| r.convert(minor, shop, Currency::BASE);

    let mut seen = HashSet::new();
    let mut lines = Vec::with_capacity(o.lines.len());
    for (i, l) in o.lines.iter().enumerate() {
        let f = |name: &str| format!("lines[{i}].{name}");
        if l.external_id.trim().is_empty() {
            return Err(invalid(&f("external_id"), "must not be empty"));
        }
        if !seen.insert(l.external_id.as_str()) {
            return Err(invalid(
                &f("external_id"),
                format!("'{}' appears twice in the order", l.external_id),
            ));
        }
        if l.quantity <= 0 {
            return Err(invalid(
                &f("quantity"),
                format!("must be positive, got {}", l.quantity),
            ));
        }
        for (name, v) in [
            ("unit_price_minor", l.unit_price_minor),
            ("discount_minor", l.discount_minor),
            ("net_shop_minor", l.net_shop_minor),
            ("net_presentment_minor", l.net_presentment_minor),
        ] {
            if v < 0 {
                return Err(invalid(&f(name), format!("must not be negative, got {v}")));
            }
        }
        let product = conn
            .query_one_raw(stmt(
                b,
                "SELECT id, kind, unit_cost_minor FROM products WHERE sku = ?",
                vec![s(&l.sku)],
            ))
            .await?
            .ok_or_else(|| invalid(&f("sku"), format!("unknown SKU '{}'", l.sku)))?;
        let kind: String = product.try_get("", "kind")?;
        if kind != "finished" {
            return Err(invalid(
                &f("sku"),
                format!("'{}' is a {kind} product, not one that is sold", l.sku),
            ));
        }
        let unit_cost: i64 = product.try_get("", "unit_cost_minor")?;
        let cogs = l
            .quantity
            .checked_mul(unit_cost)
            .ok_or_else(|| invalid(&f("quantity"), "too large"))?;
        lines.push(LineRow {
            external_id: l.external_id.clone(),
            line_no: i32::try_from(i + 1).map_err(|_| invalid("lines", "too many lines"))?,
            product_id: product.try_get("", "id")?,
            quantity: l.quantity,
            unit_price_minor: l.unit_price_minor,
            discount_minor: l.discount_minor,
            net_shop_minor: l.net_shop_minor,
            net_presentment_minor: l.net_presentment_minor,
            net_base_minor: to_base(l.net_shop_minor, &rates),
            cogs_base_minor: cogs,
        });
    }

    let mut seen = HashSet::new();
    let mut refunds = Vec::with_capacity(o.refunds.len());
    for (i, r) in o.refunds.iter().enumerate() {
        let f = |name: &str| format!("refunds[{i}].{name}");
        if r.external_id.trim().is_empty() {
            return Err(invalid(&f("external_id"), "must not be empty"));
        }
        if !seen.insert(r.external_id.as_str()) {
            return Err(invalid(
                &f("external_id"),
                format!("'{}' appears twice in the order", r.external_id),
            ));
        }
        if r.amount_shop_minor <= 0 {
            return Err(invalid(
                &f("amount_shop_minor"),
                format!("must be positive, got {}", r.amount_shop_minor),
            ));
        }
        if r.quantity_returned < 0 {
            return Err(invalid(
                &f("quantity_returned"),
                format!("must not be negative, got {}", r.quantity_returned),
            ));
        }
        let refunded_at = db_time(r.refunded_at);
        let refund_date = refunded_at.date_naive();
        let day = rates_on(conn, &f("refunded_at"), shop, refund_date).await?;
        refunds.push(RefundRow {
            external_id: r.external_id.clone(),
            refunded_at,
            refund_date,
            amount_shop_minor: r.amount_shop_minor,
            amount_base_minor: to_base(r.amount_shop_minor, &day),
            quantity_returned: r.quantity_returned,
            reason: r.reason.clone(),
        });
    }

    Ok(Desired {
        order: OrderRow {
            channel_id,
            order_number: o.order_number.clone(),
            ordered_at,
            order_date,
            status: o.status.clone(),
            shop_currency: o.shop_currency.clone(),
            presentment_currency: o.presentment_currency.clone(),
            total_shop_minor: o.total_shop_minor,
            total_presentment_minor: o.total_presentment_minor,
            total_base_minor: to_base(o.total_shop_minor, &rates),
            fx_shop_to_base_scaled: crate::demo::shop_to_base(&rates, shop),
        },
        lines,
        refunds,
    })
}

const ORDER_COLS: &str = "id, channel_id, order_number, ordered_at, order_date, status, \
    shop_currency, presentment_currency, total_shop_minor, total_presentment_minor, \
    total_base_minor, fx_shop_to_base_scaled, source_updated_at";

fn order_of(r: &QueryResult) -> StoreResult<(i64, OrderRow, Option<DateTime<Utc>>)> {
    Ok((
        r.try_get("", "id")?,
        OrderRow {
            channel_id: r.try_get("", "channel_id")?,
            order_number: r.try_get("", "order_number")?,
            ordered_at: r.try_get("", "ordered_at")?,
            order_date: r.try_get("", "order_date")?,
            status: r.try_get("", "status")?,
            shop_currency: r.try_get("", "shop_currency")?,
            presentment_currency: r.try_get("", "presentment_currency")?,
            total_shop_minor: r.try_get("", "total_shop_minor")?,
            total_presentment_minor: r.try_get("", "total_presentment_minor")?,
            total_base_minor: r.try_get("", "total_base_minor")?,
            fx_shop_to_base_scaled: r.try_get("", "fx_shop_to_base_scaled")?,
        },
        r.try_get("", "source_updated_at")?,
    ))
}

/// The stored order of `(source, external_id)`, locked for the rest of the transaction on
/// PostgreSQL.
async fn find_order<C: ConnectionTrait>(
    conn: &C,
    source: &str,
    external_id: &str,
) -> StoreResult<Option<(i64, OrderRow, Option<DateTime<Utc>>)>> {
    let b = conn.get_database_backend();
    let lock = if b == DbBackend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let row = conn
        .query_one_raw(stmt(
            b,
            &format!(
                "SELECT {ORDER_COLS} FROM sales_orders WHERE source = ? AND external_id = ?{lock}"
            ),
            vec![s(source), s(external_id)],
        ))
        .await?;
    row.as_ref().map(order_of).transpose()
}

/// Stored lines of an order by external id, with their row ids and sources.
async fn stored_lines<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
) -> StoreResult<Vec<(i64, String, LineRow)>> {
    let b = conn.get_database_backend();
    let rows = conn
        .query_all_raw(stmt(
            b,
            "SELECT id, source, external_id, line_no, product_id, quantity, unit_price_minor, \
             discount_minor, net_shop_minor, net_presentment_minor, net_base_minor, \
             cogs_base_minor FROM sales_order_lines WHERE order_id = ? ORDER BY line_no, id",
            vec![order_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "id")?,
                r.try_get("", "source")?,
                LineRow {
                    external_id: r.try_get("", "external_id")?,
                    line_no: r.try_get("", "line_no")?,
                    product_id: r.try_get("", "product_id")?,
                    quantity: r.try_get("", "quantity")?,
                    unit_price_minor: r.try_get("", "unit_price_minor")?,
                    discount_minor: r.try_get("", "discount_minor")?,
                    net_shop_minor: r.try_get("", "net_shop_minor")?,
                    net_presentment_minor: r.try_get("", "net_presentment_minor")?,
                    net_base_minor: r.try_get("", "net_base_minor")?,
                    cogs_base_minor: r.try_get("", "cogs_base_minor")?,
                },
            ))
        })
        .collect()
}

async fn stored_refunds<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
) -> StoreResult<Vec<(i64, String, RefundRow)>> {
    let b = conn.get_database_backend();
    let rows = conn
        .query_all_raw(stmt(
            b,
            "SELECT id, source, external_id, refunded_at, refund_date, amount_shop_minor, \
             amount_base_minor, quantity_returned, reason FROM refunds WHERE order_id = ? \
             ORDER BY id",
            vec![order_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "id")?,
                r.try_get("", "source")?,
                RefundRow {
                    external_id: r.try_get("", "external_id")?,
                    refunded_at: r.try_get("", "refunded_at")?,
                    refund_date: r.try_get("", "refund_date")?,
                    amount_shop_minor: r.try_get("", "amount_shop_minor")?,
                    amount_base_minor: r.try_get("", "amount_base_minor")?,
                    quantity_returned: r.try_get("", "quantity_returned")?,
                    reason: r.try_get("", "reason")?,
                },
            ))
        })
        .collect()
}

/// Refuses lines or refunds whose `(source, external_id)` already belongs to another order.
async fn check_not_elsewhere<C: ConnectionTrait>(
    conn: &C,
    source: &str,
    order_id: i64,
    d: &Desired,
) -> StoreResult<()> {
    let b = conn.get_database_backend();
    let items = d
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                "sales_order_lines",
                format!("lines[{i}].external_id"),
                &l.external_id,
            )
        })
        .chain(d.refunds.iter().enumerate().map(|(i, r)| {
            (
                "refunds",
                format!("refunds[{i}].external_id"),
                &r.external_id,
            )
        }));
    for (table, field, ext) in items {
        let row = conn
            .query_one_raw(stmt(
                b,
                &format!("SELECT order_id FROM {table} WHERE source = ? AND external_id = ?"),
                vec![s(source), s(ext)],
            ))
            .await?;
        if let Some(row) = row {
            let other: i64 = row.try_get("", "order_id")?;
            if other != order_id {
                return Err(invalid(
                    &field,
                    format!("'{ext}' already belongs to another order (id {other})"),
                ));
            }
        }
    }
    Ok(())
}

fn order_values(o: &OrderRow) -> Vec<Value> {
    vec![
        o.channel_id.into(),
        s(&o.order_number),
        Value::ChronoDateTimeUtc(Some(o.ordered_at)),
        Value::ChronoDate(Some(o.order_date)),
        s(&o.status),
        s(&o.shop_currency),
        s(&o.presentment_currency),
        o.total_shop_minor.into(),
        o.total_presentment_minor.into(),
        o.total_base_minor.into(),
        o.fx_shop_to_base_scaled.into(),
    ]
}

fn line_values(l: &LineRow) -> Vec<Value> {
    vec![
        l.line_no.into(),
        l.product_id.into(),
        l.quantity.into(),
        l.unit_price_minor.into(),
        l.discount_minor.into(),
        l.net_shop_minor.into(),
        l.net_presentment_minor.into(),
        l.net_base_minor.into(),
        l.cogs_base_minor.into(),
    ]
}

fn refund_values(r: &RefundRow) -> Vec<Value> {
    vec![
        Value::ChronoDateTimeUtc(Some(r.refunded_at)),
        Value::ChronoDate(Some(r.refund_date)),
        r.amount_shop_minor.into(),
        r.amount_base_minor.into(),
        r.quantity_returned.into(),
        s(&r.reason),
    ]
}

async fn insert_line<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
    source: &str,
    l: &LineRow,
) -> StoreResult<()> {
    let mut v = vec![order_id.into()];
    v.extend(line_values(l));
    v.extend([s(source), s(&l.external_id)]);
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO sales_order_lines (order_id, line_no, product_id, quantity, \
         unit_price_minor, discount_minor, net_shop_minor, net_presentment_minor, \
         net_base_minor, cogs_base_minor, source, external_id) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        v,
    ))
    .await?;
    Ok(())
}

async fn insert_refund<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
    source: &str,
    r: &RefundRow,
) -> StoreResult<()> {
    let mut v = vec![order_id.into()];
    v.extend(refund_values(r));
    v.extend([s(source), s(&r.external_id)]);
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO refunds (order_id, refunded_at, refund_date, amount_shop_minor, \
         amount_base_minor, quantity_returned, reason, source, external_id) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        v,
    ))
    .await?;
    Ok(())
}

/// Inserts the order unless `(source, external_id)` exists (or is being inserted by a
/// concurrent transaction, which this waits for on PostgreSQL). Returns the new id.
async fn try_insert_order<C: ConnectionTrait>(
    conn: &C,
    o: &IncomingOrder,
    d: &Desired,
) -> StoreResult<Option<i64>> {
    let mut v = order_values(&d.order);
    v.extend([
        Value::ChronoDateTimeUtc(Some(db_time(o.source_updated_at))),
        s(&o.source),
        s(&o.external_id),
    ]);
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "INSERT INTO sales_orders (channel_id, order_number, ordered_at, order_date, status, \
             shop_currency, presentment_currency, total_shop_minor, total_presentment_minor, \
             total_base_minor, fx_shop_to_base_scaled, source_updated_at, source, external_id) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (source, external_id) DO NOTHING RETURNING id",
            v,
        ))
        .await?;
    row.map(|r| r.try_get::<i64>("", "id"))
        .transpose()
        .map_err(StoreError::from)
}

/// Brings the stored order `id` to `d`; returns whether anything but the source's
/// timestamp differed.
async fn update_order<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    stored: &OrderRow,
    o: &IncomingOrder,
    d: &Desired,
) -> StoreResult<bool> {
    let b = conn.get_database_backend();
    let lines = stored_lines(conn, id).await?;
    let refunds = stored_refunds(conn, id).await?;
    let same_lines = lines.len() == d.lines.len()
        && lines
            .iter()
            .zip(&d.lines)
            .all(|((_, src, have), want)| src == &o.source && have == want);
    let stored_refund: BTreeMap<(&str, &str), &RefundRow> = refunds
        .iter()
        .map(|(_, src, r)| ((src.as_str(), r.external_id.as_str()), r))
        .collect();
    let same_refunds = d.refunds.iter().all(|want| {
        stored_refund.get(&(o.source.as_str(), want.external_id.as_str())) == Some(&want)
    });
    let updated_at = Value::ChronoDateTimeUtc(Some(db_time(o.source_updated_at)));
    if stored == &d.order && same_lines && same_refunds {
        // Only remember the newer timestamp, so an older delivery arriving later is stale.
        conn.execute_raw(stmt(
            b,
            "UPDATE sales_orders SET source_updated_at = ? WHERE id = ? \
             AND (source_updated_at IS NULL OR source_updated_at < ?)",
            vec![updated_at.clone(), id.into(), updated_at],
        ))
        .await?;
        return Ok(false);
    }

    let mut v = order_values(&d.order);
    v.extend([updated_at, id.into()]);
    conn.execute_raw(stmt(
        b,
        "UPDATE sales_orders SET channel_id = ?, order_number = ?, ordered_at = ?, \
         order_date = ?, status = ?, shop_currency = ?, presentment_currency = ?, \
         total_shop_minor = ?, total_presentment_minor = ?, total_base_minor = ?, \
         fx_shop_to_base_scaled = ?, source_updated_at = ? WHERE id = ?",
        v,
    ))
    .await?;

    // Lines: delete those no longer delivered, then update or insert the rest.
    let mut keep: BTreeMap<&str, i64> = BTreeMap::new();
    for (line_id, src, have) in &lines {
        let delivered =
            src == &o.source && d.lines.iter().any(|l| l.external_id == have.external_id);
        if delivered {
            keep.insert(have.external_id.as_str(), *line_id);
        } else {
            conn.execute_raw(stmt(
                b,
                "DELETE FROM sales_order_lines WHERE id = ?",
                vec![(*line_id).into()],
            ))
            .await?;
        }
    }
    for l in &d.lines {
        match keep.get(l.external_id.as_str()) {
            Some(line_id) => {
                let mut v = line_values(l);
                v.push((*line_id).into());
                conn.execute_raw(stmt(
                    b,
                    "UPDATE sales_order_lines SET line_no = ?, product_id = ?, quantity = ?, \
                     unit_price_minor = ?, discount_minor = ?, net_shop_minor = ?, \
                     net_presentment_minor = ?, net_base_minor = ?, cogs_base_minor = ? \
                     WHERE id = ?",
                    v,
                ))
                .await?;
            }
            None => insert_line(conn, id, &o.source, l).await?,
        }
    }

    // Refunds: update or insert, never delete.
    for r in &d.refunds {
        let existing = refunds
            .iter()
            .find(|(_, src, have)| src == &o.source && have.external_id == r.external_id);
        match existing {
            Some((_, _, have)) if have == r => {}
            Some((refund_id, _, _)) => {
                let mut v = refund_values(r);
                v.push((*refund_id).into());
                conn.execute_raw(stmt(
                    b,
                    "UPDATE refunds SET refunded_at = ?, refund_date = ?, amount_shop_minor = ?, \
                     amount_base_minor = ?, quantity_returned = ?, reason = ? WHERE id = ?",
                    v,
                ))
                .await?;
            }
            None => insert_refund(conn, id, &o.source, r).await?,
        }
    }
    Ok(true)
}

/// Inserts or updates `order` by its `(source, external_id)`, with its lines and refunds, in
/// one transaction (a savepoint when `conn` is a transaction), and appends a
/// [`ORDERS_EVENT`] when something changed. See the module documentation for the rules.
///
/// Invalid input — unknown channel, SKU or currency, a shop currency other than the
/// channel's, non-positive quantities, negative amounts, an unknown status, no FX rate for the
/// order's day or earlier, a line or refund id that belongs to another order — is refused with
/// [`StoreError::Invalid`] naming the field (`lines[1].sku: unknown SKU 'X'`), and nothing is
/// written.
#[tracing::instrument(skip_all, fields(source = %order.source, external_id = %order.external_id))]
pub async fn upsert_order<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    order: &IncomingOrder,
    now: DateTime<Utc>,
) -> StoreResult<UpsertOutcome> {
    let txn = crate::begin_write(conn).await?;
    let d = desired(&txn, order).await?;

    let mut found = find_order(&txn, &order.source, &order.external_id).await?;
    let mut inserted = None;
    if found.is_none() {
        match try_insert_order(&txn, order, &d).await? {
            Some(id) => {
                check_not_elsewhere(&txn, &order.source, id, &d).await?;
                for l in &d.lines {
                    insert_line(&txn, id, &order.source, l).await?;
                }
                for r in &d.refunds {
                    insert_refund(&txn, id, &order.source, r).await?;
                }
                inserted = Some(id);
            }
            // A concurrent upsert inserted it first: treat this delivery as an update.
            None => found = find_order(&txn, &order.source, &order.external_id).await?,
        }
    }
    let outcome = match (inserted, found) {
        (Some(id), _) => UpsertOutcome::Inserted { id },
        (None, Some((id, stored, stored_updated_at))) => {
            if stored_updated_at.is_some_and(|t| db_time(order.source_updated_at) < t) {
                UpsertOutcome::Stale { id }
            } else {
                check_not_elsewhere(&txn, &order.source, id, &d).await?;
                if update_order(&txn, id, &stored, order, &d).await? {
                    UpsertOutcome::Updated { id }
                } else {
                    UpsertOutcome::Unchanged { id }
                }
            }
        }
        (None, None) => {
            return Err(StoreError::Conflict(format!(
                "order {}/{} was inserted and removed concurrently",
                order.source, order.external_id
            )));
        }
    };
    if matches!(
        outcome,
        UpsertOutcome::Inserted { .. } | UpsertOutcome::Updated { .. }
    ) {
        // Last: the append holds the outbox lock until commit on PostgreSQL.
        let payload = json!({
            "order_id": outcome.id(),
            "source": order.source,
            "external_id": order.external_id,
            "outcome": outcome.label(),
        });
        events::append(&txn, ORDERS_EVENT, &payload, now).await?;
    }
    txn.commit().await?;
    Ok(outcome)
}
