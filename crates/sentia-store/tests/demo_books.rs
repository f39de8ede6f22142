//! The demo company loaded into a real database: the books reconcile in SQL, loading twice is
//! refused, clearing and reloading works, and the full three years load fast enough. Runs on
//! SQLite always and on PostgreSQL when `SENTIA_TEST_DATABASE_URL` is set.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sentia_store::demo::{self, DemoConfig};
use sentia_store::forecasting as store;
use sentia_store::testing::{TestDb, backends, one_week_forecast};
use sentia_store::{StoreError, connect, migrate};

/// The single-value result of `sql`, as i64 (`COUNT`, `CAST(SUM(..) AS BIGINT)`, ids).
async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let stmt = Statement::from_string(db.get_database_backend(), sql.to_owned());
    let row = db
        .query_one_raw(stmt)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or_else(|| panic!("{sql}: no row"));
    row.try_get_by_index::<Option<i64>>(0)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or(0)
}

async fn text(db: &DatabaseConnection, sql: &str) -> Option<String> {
    let stmt = Statement::from_string(db.get_database_backend(), sql.to_owned());
    let row = db.query_one_raw(stmt).await.expect("query")?;
    row.try_get_by_index::<String>(0).ok()
}

/// Checks that must all return zero rows of disagreement.
const RECONCILE: [(&str, &str); 11] = [
    (
        "stock positions equal the sum of their movements and are not negative",
        "SELECT COUNT(*) FROM inventory_positions ip
         LEFT JOIN (SELECT product_id, location_id, CAST(SUM(quantity) AS BIGINT) AS q
                    FROM stock_movements GROUP BY product_id, location_id) m
           ON m.product_id = ip.product_id AND m.location_id = ip.location_id
         WHERE m.q IS NULL OR m.q <> ip.on_hand OR ip.on_hand < 0",
    ),
    (
        "every (product, location) with movements has a position",
        "SELECT COUNT(*) FROM (SELECT DISTINCT product_id, location_id FROM stock_movements) m
         WHERE NOT EXISTS (SELECT 1 FROM inventory_positions ip
                           WHERE ip.product_id = m.product_id AND ip.location_id = m.location_id)",
    ),
    (
        "payments per account equal their receipt/payment cash movements, signed",
        "SELECT COUNT(*) FROM cash_accounts a
         WHERE COALESCE((SELECT CAST(SUM(CASE WHEN i.kind = 'ACCREC' THEN p.amount_minor
                                              ELSE -p.amount_minor END) AS BIGINT)
                         FROM payments p JOIN invoices i ON i.id = p.invoice_id
                         WHERE p.cash_account_id = a.id), 0)
            <> COALESCE((SELECT CAST(SUM(m.amount_minor) AS BIGINT) FROM cash_movements m
                         WHERE m.cash_account_id = a.id AND m.kind IN ('receipt', 'payment')), 0)",
    ),
    (
        "each payment has exactly its own cash movement",
        "SELECT COUNT(*) FROM payments p
         LEFT JOIN cash_movements m ON m.payment_id = p.id
         WHERE m.id IS NULL OR m.cash_account_id <> p.cash_account_id
            OR ABS(m.amount_minor) <> p.amount_minor OR m.moved_on <> p.paid_on",
    ),
    (
        "the last balance of each account equals the sum of all its movements",
        "SELECT COUNT(*) FROM cash_accounts a
         WHERE (SELECT b.balance_minor FROM cash_balances b WHERE b.cash_account_id = a.id
                ORDER BY b.balance_date DESC LIMIT 1)
            <> (SELECT CAST(SUM(m.amount_minor) AS BIGINT) FROM cash_movements m
                WHERE m.cash_account_id = a.id)",
    ),
    (
        "every day's balance equals the account's movements up to that day",
        "SELECT COUNT(*) FROM cash_balances b
         WHERE b.balance_minor <> COALESCE((SELECT CAST(SUM(m.amount_minor) AS BIGINT)
                                            FROM cash_movements m
                                            WHERE m.cash_account_id = b.cash_account_id
                                              AND m.moved_on <= b.balance_date), 0)",
    ),
    (
        "every account has a balance for every day of the history",
        "SELECT COUNT(*) FROM cash_accounts a
         WHERE (SELECT COUNT(*) FROM cash_balances b WHERE b.cash_account_id = a.id)
            <> (SELECT COUNT(*) FROM fx_rates WHERE quote_currency = 'EUR')",
    ),
    (
        "order totals equal the sums of their lines",
        "SELECT COUNT(*) FROM sales_orders o
         LEFT JOIN (SELECT order_id, CAST(SUM(net_shop_minor) AS BIGINT) AS s,
                           CAST(SUM(net_base_minor) AS BIGINT) AS b
                    FROM sales_order_lines GROUP BY order_id) l ON l.order_id = o.id
         WHERE l.s IS NULL OR l.s <> o.total_shop_minor OR l.b <> o.total_base_minor
            OR o.total_presentment_minor <> o.total_shop_minor",
    ),
    (
        "lines: net = quantity × price − discount",
        "SELECT COUNT(*) FROM sales_order_lines
         WHERE net_shop_minor <> quantity * unit_price_minor - discount_minor",
    ),
    (
        "no invoice is paid twice or overpaid, and PAID means paid",
        "SELECT COUNT(*) FROM invoices i
         WHERE (SELECT COUNT(*) FROM payments p WHERE p.invoice_id = i.id) > 1
            OR COALESCE((SELECT CAST(SUM(p.amount_minor) AS BIGINT) FROM payments p
                         WHERE p.invoice_id = i.id), 0) > i.total_minor
            OR (i.status = 'PAID') <> EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id)",
    ),
    (
        "refunds never exceed their order",
        "SELECT COUNT(*) FROM refunds r JOIN sales_orders o ON o.id = r.order_id
         WHERE r.amount_shop_minor > o.total_shop_minor OR r.refund_date < o.order_date",
    ),
];

#[tokio::test]
async fn demo_books_reconcile_on_every_backend() {
    let cfg = DemoConfig {
        seed: 42,
        end: NaiveDate::from_ymd_opt(2025, 12, 31).expect("date"),
        days: 200,
    };
    for backend in backends() {
        let test_db = TestDb::create(backend).await.expect("test database");
        let db = connect(&test_db.url).await.expect("connect");
        migrate(&db).await.expect("migrate");

        let summary = demo::load(&db, &cfg).await.expect("load");
        assert!(
            summary.orders > 10_000 && summary.payments > 20,
            "{backend}: {summary:?}"
        );
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM sales_orders").await,
            summary.orders as i64
        );
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM sales_order_lines").await,
            summary.order_lines as i64
        );
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM stock_movements").await,
            summary.stock_movements as i64
        );
        for (what, sql) in RECONCILE {
            assert_eq!(scalar(&db, sql).await, 0, "{backend}: {what}");
        }
        assert_eq!(
            scalar(&db, "SELECT COUNT(DISTINCT rate_date) FROM fx_rates").await,
            200
        );
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM fx_rates").await, 400);
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM cash_balances").await, 600);
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM cash_balances WHERE balance_minor < 0"
            )
            .await,
            0
        );
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM products WHERE kind = 'finished'").await,
            9,
            "{backend}"
        );
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM channels").await, 6);
        assert_eq!(
            text(&db, "SELECT value FROM app_meta WHERE key = 'data_through'")
                .await
                .as_deref(),
            Some("2025-12-31")
        );
        assert_eq!(
            text(&db, "SELECT value FROM app_meta WHERE key = 'demo_seed'")
                .await
                .as_deref(),
            Some("42")
        );

        // Identity sequences were moved past the explicit ids: a plain insert gets a new id.
        db.execute_unprepared(
            "INSERT INTO cash_accounts (code, name, currency, source, external_id) \
             VALUES ('TEST', 'Test', 'GBP', 'test', 'TEST')",
        )
        .await
        .expect("insert after load");
        assert_eq!(
            scalar(&db, "SELECT id FROM cash_accounts WHERE code = 'TEST'").await,
            4
        );

        let again = demo::load(&db, &cfg).await;
        assert!(
            matches!(again, Err(StoreError::Conflict(_))),
            "{backend}: {again:?}"
        );

        // A forecast run, its forecast and a planner's override of it: they describe the
        // data being cleared, so they go with it.
        let now = chrono::Utc::now();
        let run = store::start_run(&db, "test", "test", now)
            .await
            .expect("run");
        let week = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        store::complete_run(&db, run.id, &[one_week_forecast()], true, now, 1)
            .await
            .expect("stored");
        let user = sentia_store::users::upsert(
            &db,
            "planner@example.com",
            "Planner",
            sentia_core::reference::Role::Manager,
            "x",
            now,
        )
        .await
        .expect("user");
        let base = store::current_forecasts(&db).await.expect("current")[0].id;
        for value in [12.0, 14.0] {
            store::create_override(
                &db,
                &store::NewOverride {
                    sku: "GIN-70".into(),
                    channel: "AMZ-UK".into(),
                    period_start: week,
                    value,
                    reason: "promotion".into(),
                    user_id: user,
                    base_forecast_id: Some(base),
                    base_point: Some(10.0),
                    created_at: now,
                },
            )
            .await
            .expect("override");
        }

        demo::clear(&db).await.expect("clear");
        for table in [
            "forecast_runs",
            "forecasts",
            "forecast_points",
            "forecast_overrides",
        ] {
            assert_eq!(
                scalar(&db, &format!("SELECT COUNT(*) FROM {table}")).await,
                0,
                "{backend}: {table} cleared"
            );
        }
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM users").await,
            1,
            "users stay"
        );
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM products").await, 0);
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM stock_movements").await, 0);
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM app_meta WHERE key IN ('data_through', 'demo_seed')"
            )
            .await,
            0
        );
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM currencies").await,
            3,
            "reference data stays"
        );
        assert!(
            scalar(&db, "SELECT COUNT(*) FROM roles").await > 0,
            "roles stay"
        );

        let reloaded = demo::load(&db, &cfg).await.expect("load after clear");
        assert_eq!(reloaded, summary, "{backend}: same config, same data");
        for (what, sql) in RECONCILE {
            assert_eq!(scalar(&db, sql).await, 0, "{backend} after reload: {what}");
        }

        db.close().await.expect("close");
        test_db.drop_database().await.expect("drop");
    }
}

/// The acceptance figure: the full default history (1 096 days) loads in under 30 seconds.
#[tokio::test]
async fn full_demo_loads_in_under_30_seconds() {
    let cfg = DemoConfig::default();
    for backend in backends() {
        let test_db = TestDb::create(backend).await.expect("test database");
        let db = connect(&test_db.url).await.expect("connect");
        migrate(&db).await.expect("migrate");

        let started = Instant::now();
        let summary = demo::load(&db, &cfg).await.expect("load");
        let took = started.elapsed();
        println!("{backend}: full demo load took {took:.2?}: {summary:?}");
        assert_eq!(summary.days, 1096);
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM sales_orders").await,
            summary.orders as i64
        );
        assert!(took < Duration::from_secs(30), "{backend}: {took:?}");

        db.close().await.expect("close");
        test_db.drop_database().await.expect("drop");
    }
}
