//! Writing the demo company into the database, and removing it again.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionSession,
    TransactionTrait, Value,
};

use super::{DemoConfig, DemoData, DemoSummary, MAX_DAYS, generate};
use crate::bulk::{Rows, sync_id_sequence};
use crate::{StoreError, StoreResult};

/// Marks every row the demo writes.
const SOURCE: &str = "demo";

/// Business tables, children before parents: the order [`clear`] deletes in (and the reverse
/// of the insert order).
/// Forecasts and planner overrides: they describe the data being replaced, so a clear deletes
/// them first (the audit log keeps who overrode what). The demo never writes them.
const FORECAST_TABLES: [&str; 5] = [
    "forecast_overrides",
    "forecast_model_metrics",
    "forecast_points",
    "forecasts",
    "forecast_runs",
];

const TABLES: [&str; 25] = [
    "cash_balances",
    "cash_movements",
    "payments",
    "invoices",
    "cash_accounts",
    "downtime_events",
    "production_runs",
    "production_orders",
    "work_centers",
    "bom_lines",
    "purchase_order_lines",
    "purchase_orders",
    "suppliers",
    "stock_movements",
    "inventory_positions",
    "refunds",
    "sales_order_lines",
    "sales_orders",
    "promotions",
    "customers",
    "channels",
    "product_prices",
    "products",
    "locations",
    "fx_rates",
];

/// `app_meta` keys the demo owns.
const META_KEYS: [&str; 2] = ["data_through", "demo_seed"];

fn s(v: &str) -> Value {
    Value::String(Some(v.to_owned()))
}
fn big(v: i64) -> Value {
    Value::BigInt(Some(v))
}
fn int(v: i32) -> Value {
    Value::Int(Some(v))
}
fn opt_big(v: Option<i64>) -> Value {
    Value::BigInt(v)
}
fn date(v: NaiveDate) -> Value {
    Value::ChronoDate(Some(v))
}
fn ts(v: DateTime<Utc>) -> Value {
    Value::ChronoDateTimeUtc(Some(v))
}

/// Generates the demo company for `cfg` and inserts it in one transaction. Refuses with
/// [`StoreError::Conflict`] when products already exist, so it never mixes with real data.
#[tracing::instrument(skip_all, fields(seed = cfg.seed, days = cfg.days))]
pub async fn load<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    cfg: &DemoConfig,
) -> StoreResult<DemoSummary> {
    if cfg.days == 0 || cfg.days > MAX_DAYS {
        return Err(StoreError::Invalid(format!(
            "demo days must be 1 to {MAX_DAYS}, not {}",
            cfg.days
        )));
    }
    let txn = crate::begin_write(db).await?;
    let backend = txn.get_database_backend();
    let existing = txn
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM products",
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    if existing > 0 {
        return Err(StoreError::Conflict(format!(
            "{existing} products already exist; clear the data before loading the demo company"
        )));
    }
    let data = generate(cfg);
    let summary = data.summary();
    insert_all(&txn, &data).await?;
    // Reloading gives the same row ids: a new generation tells running reports to rebuild.
    crate::meta::set(&txn, "data_generation", &Utc::now().to_rfc3339()).await?;
    txn.commit().await?;
    tracing::info!(
        orders = summary.orders,
        lines = summary.order_lines,
        "demo company loaded"
    );
    Ok(summary)
}

/// Deletes all business data (forecasts and overrides included) and the demo's `app_meta` keys
/// in one transaction, children before parents. Reference data (currencies, regions), users, roles, sessions, the audit log
/// and the events outbox stay.
#[tracing::instrument(skip_all)]
pub async fn clear<C: ConnectionTrait + TransactionTrait>(db: &C) -> StoreResult<()> {
    let txn = crate::begin_write(db).await?;
    let backend = txn.get_database_backend();
    for table in FORECAST_TABLES.iter().chain(&TABLES) {
        txn.execute_raw(Statement::from_string(
            backend,
            format!("DELETE FROM {table}"),
        ))
        .await?;
    }
    delete_meta(&txn, backend).await?;
    txn.commit().await?;
    Ok(())
}

/// Replaces all business data with a fresh demo company in one transaction: a failure or a
/// kill part-way leaves the previous data untouched.
#[tracing::instrument(skip_all)]
pub async fn reset(db: &DatabaseConnection, cfg: &DemoConfig) -> StoreResult<DemoSummary> {
    let txn = crate::begin_write(db).await?;
    clear(&txn).await?;
    let summary = load(&txn, cfg).await?;
    txn.commit().await?;
    Ok(summary)
}

async fn delete_meta<C: ConnectionTrait>(conn: &C, backend: DbBackend) -> StoreResult<()> {
    let sql = match backend {
        DbBackend::Postgres => "DELETE FROM app_meta WHERE key IN ($1, $2)",
        _ => "DELETE FROM app_meta WHERE key IN (?, ?)",
    };
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        META_KEYS.map(s),
    ))
    .await?;
    Ok(())
}

async fn insert_all<C: ConnectionTrait>(conn: &C, d: &DemoData) -> StoreResult<()> {
    let backend = conn.get_database_backend();
    let created = d.start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let updated = d.end.and_hms_opt(23, 59, 59).unwrap_or_default().and_utc();

    let mut r = Rows::new(
        "fx_rates",
        &[
            "id",
            "rate_date",
            "base_currency",
            "quote_currency",
            "rate_scaled",
            "source",
            "external_id",
        ],
    );
    for x in &d.fx_rates {
        r.push(vec![
            big(x.id),
            date(x.date),
            s("GBP"),
            s(x.quote.code()),
            big(x.rate_scaled),
            s(SOURCE),
            s(&format!("FX-{}-GBP{}", x.date, x.quote)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "locations",
        &[
            "id",
            "code",
            "name",
            "kind",
            "region",
            "source",
            "external_id",
        ],
    );
    for x in &d.locations {
        r.push(vec![
            big(x.id),
            s(x.code),
            s(x.name),
            s(x.kind),
            s(x.region),
            s(SOURCE),
            s(x.code),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "products",
        &[
            "id",
            "sku",
            "name",
            "kind",
            "family",
            "bottle_size_ml",
            "uom",
            "unit_cost_minor",
            "case_pack",
            "active",
            "source",
            "external_id",
            "created_at",
        ],
    );
    for x in &d.products {
        r.push(vec![
            big(x.id),
            s(&x.sku),
            s(&x.name),
            s(x.kind),
            s(x.family),
            Value::Int(x.bottle_size_ml),
            s(x.uom),
            big(x.unit_cost_minor),
            int(x.case_pack),
            Value::Bool(Some(true)),
            s(SOURCE),
            s(&x.sku),
            ts(created),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "product_prices",
        &[
            "id",
            "product_id",
            "currency",
            "price_minor",
            "valid_from",
            "source",
            "external_id",
        ],
    );
    for x in &d.prices {
        r.push(vec![
            big(x.id),
            big(x.product_id),
            s(x.currency.code()),
            big(x.price_minor),
            date(x.valid_from),
            s(SOURCE),
            s(&format!("PRICE-{}", x.id)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "channels",
        &[
            "id",
            "code",
            "name",
            "kind",
            "region",
            "currency",
            "fulfilment_location_id",
            "source",
            "external_id",
        ],
    );
    for x in &d.channels {
        r.push(vec![
            big(x.id),
            s(x.code),
            s(x.name),
            s(x.kind),
            s(x.region),
            s(x.currency.code()),
            big(x.fulfilment_location_id),
            s(SOURCE),
            s(x.code),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "customers",
        &[
            "id",
            "name",
            "kind",
            "region",
            "email",
            "payment_terms_days",
            "source",
            "external_id",
        ],
    );
    for x in &d.customers {
        r.push(vec![
            big(x.id),
            s(x.name),
            s(x.kind),
            s(x.region),
            Value::String(x.email.map(str::to_owned)),
            int(x.payment_terms_days),
            s(SOURCE),
            s(&format!("CUST-{:03}", x.id)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "promotions",
        &[
            "id",
            "name",
            "channel_id",
            "product_id",
            "starts_on",
            "ends_on",
            "discount_bp",
            "source",
            "external_id",
        ],
    );
    for x in &d.promotions {
        r.push(vec![
            big(x.id),
            s(&x.name),
            big(x.channel_id),
            opt_big(x.product_id),
            date(x.starts_on),
            date(x.ends_on),
            int(x.discount_bp),
            s(SOURCE),
            s(&format!("PROMO-{}", x.id)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "sales_orders",
        &[
            "id",
            "channel_id",
            "order_number",
            "ordered_at",
            "order_date",
            "status",
            "shop_currency",
            "presentment_currency",
            "total_shop_minor",
            "total_presentment_minor",
            "total_base_minor",
            "fx_shop_to_base_scaled",
            "source",
            "external_id",
        ],
    );
    for x in &d.orders {
        let cur = x.currency.code();
        r.push(vec![
            big(x.id),
            big(x.channel_id),
            s(&x.number),
            ts(x.ordered_at),
            date(x.date),
            s(x.status),
            s(cur),
            s(cur),
            big(x.total_shop_minor),
            big(x.total_shop_minor),
            big(x.total_base_minor),
            big(x.fx_shop_to_base_scaled),
            s(SOURCE),
            s(&x.number),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "sales_order_lines",
        &[
            "id",
            "order_id",
            "line_no",
            "product_id",
            "quantity",
            "unit_price_minor",
            "discount_minor",
            "net_shop_minor",
            "net_presentment_minor",
            "net_base_minor",
            "cogs_base_minor",
            "source",
            "external_id",
        ],
    );
    for x in &d.lines {
        let number = &d.orders[(x.order_id - 1) as usize].number;
        r.push(vec![
            big(x.id),
            big(x.order_id),
            int(x.line_no),
            big(x.product_id),
            big(x.quantity),
            big(x.unit_price_minor),
            big(x.discount_minor),
            big(x.net_shop_minor),
            big(x.net_shop_minor),
            big(x.net_base_minor),
            big(x.cogs_base_minor),
            s(SOURCE),
            s(&format!("{number}-{}", x.line_no)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "refunds",
        &[
            "id",
            "order_id",
            "refunded_at",
            "refund_date",
            "amount_shop_minor",
            "amount_base_minor",
            "quantity_returned",
            "reason",
            "source",
            "external_id",
        ],
    );
    for x in &d.refunds {
        r.push(vec![
            big(x.id),
            big(x.order_id),
            ts(x.refunded_at),
            date(x.date),
            big(x.amount_shop_minor),
            big(x.amount_base_minor),
            big(x.quantity_returned),
            s(x.reason),
            s(SOURCE),
            s(&format!("RF-{:06}", x.id)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "inventory_positions",
        &[
            "id",
            "product_id",
            "location_id",
            "on_hand",
            "updated_at",
            "source",
            "external_id",
        ],
    );
    for x in &d.positions {
        r.push(vec![
            big(x.id),
            big(x.product_id),
            big(x.location_id),
            big(x.on_hand),
            ts(updated),
            s(SOURCE),
            s(&format!("POS-{}-{}", x.product_id, x.location_id)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "stock_movements",
        &[
            "id",
            "product_id",
            "location_id",
            "moved_on",
            "quantity",
            "kind",
            "reference",
            "source",
            "external_id",
        ],
    );
    for x in &d.movements {
        r.push(vec![
            big(x.id),
            big(x.product_id),
            big(x.location_id),
            date(x.date),
            big(x.quantity),
            s(x.kind),
            s(&x.reference),
            s(SOURCE),
            s(&format!("SM-{:07}", x.id)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "suppliers",
        &[
            "id",
            "code",
            "name",
            "currency",
            "lead_time_days",
            "payment_terms_days",
            "source",
            "external_id",
        ],
    );
    for x in &d.suppliers {
        r.push(vec![
            big(x.id),
            s(x.code),
            s(x.name),
            s(x.currency.code()),
            int(x.lead_time_days),
            int(x.payment_terms_days),
            s(SOURCE),
            s(x.code),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "purchase_orders",
        &[
            "id",
            "supplier_id",
            "po_number",
            "ordered_on",
            "expected_on",
            "received_on",
            "status",
            "currency",
            "total_minor",
            "source",
            "external_id",
        ],
    );
    for x in &d.purchase_orders {
        r.push(vec![
            big(x.id),
            big(x.supplier_id),
            s(&x.number),
            date(x.ordered_on),
            date(x.expected_on),
            Value::ChronoDate(x.received_on),
            s(x.status),
            s(x.currency.code()),
            big(x.total_minor),
            s(SOURCE),
            s(&x.number),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "purchase_order_lines",
        &[
            "id",
            "purchase_order_id",
            "product_id",
            "quantity",
            "unit_cost_minor",
            "received_quantity",
            "source",
            "external_id",
        ],
    );
    for x in &d.po_lines {
        r.push(vec![
            big(x.id),
            big(x.purchase_order_id),
            big(x.product_id),
            big(x.quantity),
            big(x.unit_cost_minor),
            big(x.received_quantity),
            s(SOURCE),
            s(&format!("POL-{:06}", x.id)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "bom_lines",
        &[
            "id",
            "product_id",
            "component_id",
            "quantity_per",
            "source",
            "external_id",
        ],
    );
    for x in &d.bom {
        r.push(vec![
            big(x.id),
            big(x.product_id),
            big(x.component_id),
            big(x.quantity_per),
            s(SOURCE),
            s(&format!("BOM-{:03}", x.id)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "work_centers",
        &[
            "id",
            "code",
            "name",
            "ideal_cycle_ms",
            "shift_minutes",
            "source",
            "external_id",
        ],
    );
    for x in &d.work_centers {
        r.push(vec![
            big(x.id),
            s(x.code),
            s(x.name),
            big(x.ideal_cycle_ms),
            int(x.shift_minutes),
            s(SOURCE),
            s(x.code),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "production_orders",
        &[
            "id",
            "order_number",
            "product_id",
            "work_center_id",
            "quantity_planned",
            "quantity_good",
            "due_on",
            "status",
            "source",
            "external_id",
        ],
    );
    for x in &d.production_orders {
        r.push(vec![
            big(x.id),
            s(&x.number),
            big(x.product_id),
            big(x.work_center_id),
            big(x.quantity_planned),
            big(x.quantity_good),
            date(x.due_on),
            s(x.status),
            s(SOURCE),
            s(&x.number),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "production_runs",
        &[
            "id",
            "production_order_id",
            "work_center_id",
            "run_date",
            "planned_minutes",
            "ideal_cycle_ms",
            "total_count",
            "good_count",
            "source",
            "external_id",
        ],
    );
    for x in &d.runs {
        r.push(vec![
            big(x.id),
            big(x.production_order_id),
            big(x.work_center_id),
            date(x.date),
            int(x.planned_minutes),
            big(x.ideal_cycle_ms),
            big(x.total_count),
            big(x.good_count),
            s(SOURCE),
            s(&format!("RUN-{:06}", x.id)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "downtime_events",
        &[
            "id",
            "production_run_id",
            "minutes",
            "planned",
            "reason",
            "source",
            "external_id",
        ],
    );
    for x in &d.downtime {
        r.push(vec![
            big(x.id),
            big(x.production_run_id),
            int(x.minutes),
            Value::Bool(Some(x.planned)),
            s(x.reason),
            s(SOURCE),
            s(&format!("DT-{}", x.id)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "cash_accounts",
        &["id", "code", "name", "currency", "source", "external_id"],
    );
    for x in &d.cash_accounts {
        r.push(vec![
            big(x.id),
            s(x.code),
            s(x.name),
            s(x.currency.code()),
            s(SOURCE),
            s(&format!("BANK-{}", x.code)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "invoices",
        &[
            "id",
            "kind",
            "invoice_number",
            "customer_id",
            "supplier_id",
            "issued_on",
            "due_on",
            "currency",
            "total_minor",
            "total_base_minor",
            "status",
            "source",
            "external_id",
        ],
    );
    for x in &d.invoices {
        r.push(vec![
            big(x.id),
            s(x.kind),
            s(&x.number),
            opt_big(x.customer_id),
            opt_big(x.supplier_id),
            date(x.issued_on),
            date(x.due_on),
            s(x.currency.code()),
            big(x.total_minor),
            big(x.total_base_minor),
            s(x.status),
            s(SOURCE),
            s(&x.number),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "payments",
        &[
            "id",
            "invoice_id",
            "cash_account_id",
            "paid_on",
            "amount_minor",
            "currency",
            "source",
            "external_id",
        ],
    );
    for x in &d.payments {
        r.push(vec![
            big(x.id),
            big(x.invoice_id),
            big(x.cash_account_id),
            date(x.paid_on),
            big(x.amount_minor),
            s(x.currency.code()),
            s(SOURCE),
            s(&format!("PAY-{:06}", x.id)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "cash_movements",
        &[
            "id",
            "cash_account_id",
            "moved_on",
            "amount_minor",
            "kind",
            "payment_id",
            "description",
            "source",
            "external_id",
        ],
    );
    for x in &d.cash_movements {
        r.push(vec![
            big(x.id),
            big(x.cash_account_id),
            date(x.date),
            big(x.amount_minor),
            s(x.kind),
            opt_big(x.payment_id),
            s(&x.description),
            s(SOURCE),
            s(&format!("CM-{}", x.id)),
        ]);
    }
    r.insert(conn).await?;

    let mut r = Rows::new(
        "cash_balances",
        &[
            "id",
            "cash_account_id",
            "balance_date",
            "balance_minor",
            "source",
            "external_id",
        ],
    );
    for x in &d.cash_balances {
        r.push(vec![
            big(x.id),
            big(x.cash_account_id),
            date(x.date),
            big(x.balance_minor),
            s(SOURCE),
            s(&format!("BAL-{}-{}", x.cash_account_id, x.date)),
        ]);
    }
    r.insert(conn).await?;

    delete_meta(conn, backend).await?;
    let mut r = Rows::new("app_meta", &["key", "value"]);
    r.push(vec![
        s("data_through"),
        s(&d.end.format("%Y-%m-%d").to_string()),
    ]);
    r.push(vec![s("demo_seed"), s(&d.seed.to_string())]);
    r.insert(conn).await?;

    for table in TABLES {
        sync_id_sequence(conn, table).await?;
    }
    Ok(())
}
