//! Batch upserts of products, stock counts, purchase orders, invoices and production runs
//! into a database holding the demo company: a batch inserts, the same batch again changes
//! nothing and appends no event, a changed record is updated, an invalid batch writes
//! nothing, stock positions stay equal to the sum of their movements, invoices get their
//! base amount at the day's rate. Runs on SQLite always and on PostgreSQL when
//! `SENTIA_TEST_DATABASE_URL` is set.

use chrono::{NaiveDate, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value};
use sentia_store::demo::{self, DemoConfig};
use sentia_store::ingest::{
    BatchCounts, IncomingInvoice, IncomingProduct, IncomingProductionOrder, IncomingProductionRun,
    IncomingPurchaseLine, IncomingPurchaseOrder, IncomingStockCount, upsert_invoices,
    upsert_production_runs, upsert_products, upsert_purchase_orders, upsert_stock_counts,
    validate_stock_counts,
};
use sentia_store::testing::{TestDb, backends};
use sentia_store::{StoreError, connect, migrate};

async fn scalar(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> i64 {
    let b = db.get_database_backend();
    let mut n = 0;
    let sql = if b == sea_orm::DbBackend::Postgres {
        sql.chars()
            .map(|c| {
                if c == '?' {
                    n += 1;
                    format!("${n}")
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        sql.to_owned()
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(b, &sql, values))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or_else(|| panic!("{sql}: no row"));
    row.try_get_by_index::<Option<i64>>(0)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or(0)
}

async fn setup(backend: &str) -> (TestDb, DatabaseConnection) {
    let t = TestDb::create(backend).await.expect("test database");
    let db = connect(&t.url).await.expect("connect");
    migrate(&db).await.expect("migrate");
    let cfg = DemoConfig {
        seed: 7,
        end: NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
        days: 30,
    };
    demo::load(&db, &cfg).await.expect("demo");
    (t, db)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("day")
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

fn counts(inserted: u64, updated: u64, unchanged: u64) -> BatchCounts {
    BatchCounts {
        inserted,
        updated,
        unchanged,
    }
}

async fn events(db: &DatabaseConnection, kind: &str) -> i64 {
    scalar(
        db,
        "SELECT COUNT(*) FROM events WHERE kind = ?",
        vec![kind.into()],
    )
    .await
}

/// Every position equals the sum of its movements.
async fn ledger_mismatches(db: &DatabaseConnection) -> i64 {
    scalar(
        db,
        "SELECT COUNT(*) FROM inventory_positions p WHERE p.on_hand <> \
         (SELECT COALESCE(SUM(m.quantity), 0) FROM stock_movements m \
          WHERE m.product_id = p.product_id AND m.location_id = p.location_id)",
        vec![],
    )
    .await
}

#[tokio::test]
async fn products_insert_update_and_refuse() {
    for backend in backends() {
        let (t, db) = setup(backend).await;
        let p = IncomingProduct {
            source: "test".into(),
            external_id: "P1".into(),
            sku: "TONIC-20".into(),
            name: "Tonic 20cl".into(),
            kind: "finished".into(),
            family: "Mixer".into(),
            bottle_size_ml: Some(200),
            uom: "bottle".into(),
            unit_cost_minor: 45,
            case_pack: 24,
            active: true,
        };
        let c = upsert_products(&db, std::slice::from_ref(&p), now())
            .await
            .unwrap();
        assert_eq!(c, counts(1, 0, 0), "{backend}");
        let c = upsert_products(&db, std::slice::from_ref(&p), now())
            .await
            .unwrap();
        assert_eq!(c, counts(0, 0, 1), "{backend}");
        assert_eq!(events(&db, "data.products").await, 1, "{backend}");
        let dearer = IncomingProduct {
            unit_cost_minor: 50,
            ..p.clone()
        };
        let c = upsert_products(&db, &[dearer], now()).await.unwrap();
        assert_eq!(c, counts(0, 1, 0), "{backend}");
        let cost = scalar(
            &db,
            "SELECT unit_cost_minor FROM products WHERE sku = 'TONIC-20'",
            vec![],
        )
        .await;
        assert_eq!(cost, 50, "{backend}");
        // A SKU of another product, and a bad case pack: nothing is written.
        let taken = IncomingProduct {
            external_id: "P2".into(),
            sku: "GIN-70".into(),
            ..p.clone()
        };
        let new_one = IncomingProduct {
            external_id: "P3".into(),
            sku: "TONIC-50".into(),
            case_pack: 0,
            ..p.clone()
        };
        let before = scalar(&db, "SELECT COUNT(*) FROM products", vec![]).await;
        let err = upsert_products(&db, &[new_one, taken], now())
            .await
            .unwrap_err();
        let StoreError::Invalid(msg) = err else {
            panic!("{backend}: not invalid")
        };
        assert!(msg.contains("[0].case_pack"), "{backend}: {msg}");
        assert!(msg.contains("[1].sku"), "{backend}: {msg}");
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM products", vec![]).await,
            before,
            "{backend}"
        );
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn stock_counts_keep_positions_equal_to_movements() {
    for backend in backends() {
        let (t, db) = setup(backend).await;
        assert_eq!(ledger_mismatches(&db).await, 0, "{backend}: demo ledger");
        let count = |ext: &str, sku: &str, qty: i64| IncomingStockCount {
            source: "test".into(),
            external_id: ext.into(),
            sku: sku.into(),
            location_code: "WH-UK".into(),
            counted_on: day(30),
            on_hand: qty,
        };
        let batch = [count("C1", "GIN-70", 123), count("C2", "RUM-70", 0)];
        let c = upsert_stock_counts(&db, &batch, now()).await.unwrap();
        assert_eq!(c, counts(2, 0, 0), "{backend}");
        let on_hand = |sku: &'static str| {
            let db = db.clone();
            async move {
                scalar(
                    &db,
                    "SELECT on_hand FROM inventory_positions p JOIN products x ON x.id = \
                     p.product_id JOIN locations l ON l.id = p.location_id \
                     WHERE x.sku = ? AND l.code = 'WH-UK'",
                    vec![sku.into()],
                )
                .await
            }
        };
        assert_eq!(on_hand("GIN-70").await, 123, "{backend}");
        assert_eq!(on_hand("RUM-70").await, 0, "{backend}");
        assert_eq!(ledger_mismatches(&db).await, 0, "{backend}");
        // Again: unchanged, no new movement, no new event.
        let movements = scalar(&db, "SELECT COUNT(*) FROM stock_movements", vec![]).await;
        let c = upsert_stock_counts(&db, &batch, now()).await.unwrap();
        assert_eq!(c, counts(0, 0, 2), "{backend}");
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM stock_movements", vec![]).await,
            movements,
            "{backend}"
        );
        assert_eq!(events(&db, "data.stock").await, 1, "{backend}");
        // A corrected count moves the stock by the correction.
        let c = upsert_stock_counts(&db, &[count("C1", "GIN-70", 120)], now())
            .await
            .unwrap();
        assert_eq!(c, counts(0, 1, 0), "{backend}");
        assert_eq!(on_hand("GIN-70").await, 120, "{backend}");
        assert_eq!(ledger_mismatches(&db).await, 0, "{backend}");
        // Invalid: negative, unknown SKU, same cell twice. Nothing written.
        let bad = [
            count("C3", "GIN-70", -1),
            count("C4", "NOPE", 5),
            count("C5", "WHS-70", 1),
            count("C6", "WHS-70", 2),
        ];
        let problems = validate_stock_counts(&db, &bad).await.unwrap();
        let fields = problems
            .iter()
            .map(|p| (p.item, p.field.as_str()))
            .collect::<Vec<_>>();
        assert_eq!(
            fields,
            [(0, "on_hand"), (1, "sku"), (3, "sku")],
            "{backend}"
        );
        assert!(upsert_stock_counts(&db, &bad, now()).await.is_err());
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM stock_movements", vec![]).await,
            movements,
            "{backend}"
        );
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn purchase_orders_invoices_and_runs_round_trip() {
    for backend in backends() {
        let (t, db) = setup(backend).await;
        let line = |ext: &str, qty: i64| IncomingPurchaseLine {
            external_id: ext.into(),
            sku: "LIQ-GIN".into(),
            quantity: qty,
            unit_cost_minor: 905,
            received_quantity: 0,
        };
        let po = IncomingPurchaseOrder {
            source: "test".into(),
            external_id: "PO-1".into(),
            po_number: "PO-1".into(),
            supplier_code: "SUP-GLASS".into(),
            ordered_on: day(2),
            expected_on: day(20),
            received_on: None,
            status: "open".into(),
            currency: "EUR".into(),
            lines: vec![line("PO-1/1", 10), line("PO-1/2", 5)],
        };
        let c = upsert_purchase_orders(&db, std::slice::from_ref(&po), now())
            .await
            .unwrap();
        assert_eq!(c, counts(1, 0, 0), "{backend}");
        let total = "SELECT total_minor FROM purchase_orders WHERE source = 'test'";
        assert_eq!(scalar(&db, total, vec![]).await, 15 * 905, "{backend}");
        let c = upsert_purchase_orders(&db, std::slice::from_ref(&po), now())
            .await
            .unwrap();
        assert_eq!(c, counts(0, 0, 1), "{backend}");
        // One line dropped: the order is updated and the line deleted.
        let shorter = IncomingPurchaseOrder {
            lines: vec![line("PO-1/1", 10)],
            ..po.clone()
        };
        let c = upsert_purchase_orders(&db, &[shorter], now())
            .await
            .unwrap();
        assert_eq!(c, counts(0, 1, 0), "{backend}");
        assert_eq!(scalar(&db, total, vec![]).await, 10 * 905, "{backend}");
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM purchase_order_lines WHERE source = 'test'",
                vec![]
            )
            .await,
            1,
            "{backend}"
        );

        // An EUR invoice gets its GBP total at the issue day's rate.
        let rate = scalar(
            &db,
            "SELECT rate_scaled FROM fx_rates WHERE quote_currency = 'EUR' AND rate_date <= ? \
             ORDER BY rate_date DESC LIMIT 1",
            vec![Value::ChronoDate(Some(day(15)))],
        )
        .await;
        let inv = IncomingInvoice {
            source: "test".into(),
            external_id: "ACCPAY/B-1".into(),
            kind: "ACCPAY".into(),
            invoice_number: "B-1".into(),
            customer_name: None,
            supplier_code: Some("SUP-GLASS".into()),
            issued_on: day(15),
            due_on: day(30),
            currency: "EUR".into(),
            total_minor: 100_000,
            status: "AUTHORISED".into(),
        };
        let c = upsert_invoices(&db, std::slice::from_ref(&inv), now())
            .await
            .unwrap();
        assert_eq!(c, counts(1, 0, 0), "{backend}");
        let base = scalar(
            &db,
            "SELECT total_base_minor FROM invoices WHERE source = 'test'",
            vec![],
        )
        .await;
        let want = (100_000i128 * 1_000_000_000 + i128::from(rate) / 2) / i128::from(rate);
        assert!(
            (i128::from(base) - want).abs() <= 1,
            "{backend}: {base} vs {want}"
        );
        let c = upsert_invoices(&db, std::slice::from_ref(&inv), now())
            .await
            .unwrap();
        assert_eq!(c, counts(0, 0, 1), "{backend}");
        let no_customer = IncomingInvoice {
            external_id: "ACCREC/S-1".into(),
            kind: "ACCREC".into(),
            supplier_code: None,
            ..inv.clone()
        };
        assert!(upsert_invoices(&db, &[no_customer], now()).await.is_err());

        // Two runs of one order: the order's good units are the sum.
        let order = IncomingProductionOrder {
            external_id: "MO-1".into(),
            order_number: "MO-1".into(),
            sku: "GIN-70".into(),
            work_center_code: "LINE-1".into(),
            quantity_planned: 6000,
            due_on: day(30),
            status: "in_progress".into(),
        };
        let run = |ext: &str, d: u32, good: i64| IncomingProductionRun {
            source: "test".into(),
            external_id: ext.into(),
            order: order.clone(),
            run_date: day(d),
            planned_minutes: 450,
            total_count: 3000,
            good_count: good,
        };
        let runs = [run("R1", 28, 2900), run("R2", 29, 2950)];
        let c = upsert_production_runs(&db, &runs, now()).await.unwrap();
        assert_eq!(c, counts(2, 0, 0), "{backend}");
        assert_eq!(
            scalar(
                &db,
                "SELECT quantity_good FROM production_orders WHERE source = 'test'",
                vec![]
            )
            .await,
            5850,
            "{backend}"
        );
        let c = upsert_production_runs(&db, &runs, now()).await.unwrap();
        assert_eq!(c, counts(0, 0, 2), "{backend}");
        assert_eq!(events(&db, "data.production").await, 1, "{backend}");
        let too_good = [run("R3", 30, 3001)];
        assert!(upsert_production_runs(&db, &too_good, now()).await.is_err());
        t.drop_database().await.unwrap();
    }
}

/// Inside a caller's transaction the batch is a savepoint: rolling the caller back leaves
/// nothing.
#[tokio::test]
async fn upserts_run_in_the_callers_transaction() {
    use sea_orm::TransactionTrait;
    for backend in backends() {
        let (t, db) = setup(backend).await;
        let txn = db.begin().await.unwrap();
        let c = IncomingStockCount {
            source: "test".into(),
            external_id: "C1".into(),
            sku: "GIN-70".into(),
            location_code: "WH-UK".into(),
            counted_on: day(30),
            on_hand: 7,
        };
        upsert_stock_counts(&txn, &[c], now()).await.unwrap();
        txn.rollback().await.unwrap();
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM stock_movements WHERE source = 'test'",
                vec![]
            )
            .await,
            0,
            "{backend}"
        );
        t.drop_database().await.unwrap();
    }
}
