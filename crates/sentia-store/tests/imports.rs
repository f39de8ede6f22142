//! CSV and xlsx imports into a database holding the demo company: every kind round-trips
//! into the core tables with the right money, a file with any bad row commits nothing and
//! names row, column and reason, re-importing changes nothing, a dry run keeps nothing, and
//! any malformed input (arbitrary bytes, mangled CSV, truncated or byte-flipped xlsx) gives a
//! report and commits nothing. Runs on SQLite always and on PostgreSQL when
//! `SENTIA_TEST_DATABASE_URL` is set.

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value};
use sentia_store::demo::{self, DemoConfig};
use sentia_store::import::{
    Actor, ImportKind, ImportOptions, ImportReport, KINDS, run_import, xlsx_workbook,
};
use sentia_store::ingest::BatchCounts;
use sentia_store::testing::{TestDb, backends};
use sentia_store::{connect, migrate};

async fn scalar(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> i64 {
    let b = db.get_database_backend();
    let mut n = 0;
    let sql: String = if b == sea_orm::DbBackend::Postgres {
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

async fn import(
    db: &DatabaseConnection,
    kind: ImportKind,
    name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> ImportReport {
    let opts = ImportOptions {
        dry_run,
        actor: Actor {
            user_id: None,
            name: "test".into(),
        },
        progress: None,
    };
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    run_import(db, kind, name, bytes, &opts, now)
        .await
        .expect("import runs")
}

fn counts(inserted: u64, updated: u64, unchanged: u64) -> BatchCounts {
    BatchCounts {
        inserted,
        updated,
        unchanged,
    }
}

/// Rows written by imports, over every table an import writes.
async fn imported_rows(db: &DatabaseConnection) -> i64 {
    let mut n = 0;
    for t in [
        "products",
        "sales_orders",
        "sales_order_lines",
        "stock_movements",
        "inventory_positions",
        "purchase_orders",
        "purchase_order_lines",
        "invoices",
        "production_orders",
        "production_runs",
    ] {
        n += scalar(
            db,
            &format!("SELECT COUNT(*) FROM {t} WHERE source = 'import'"),
            vec![],
        )
        .await;
    }
    n + scalar(db, "SELECT COUNT(*) FROM import_batches", vec![]).await
}

fn csv(rows: &[&[&str]]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(*r).unwrap();
    }
    w.into_inner().unwrap()
}

fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    xlsx_workbook(
        &rows
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect::<Vec<_>>(),
    )
}

const SALES: &[&[&str]] = &[
    &[
        "Order_Number",
        "line",
        "ordered_at",
        "channel",
        "currency",
        "presentment_currency",
        "sku",
        "quantity",
        "unit_price",
        "discount",
        "net_presentment",
    ],
    &[
        "S-1",
        "1",
        "2026-11-20T10:00:00Z",
        "SHOP-EU",
        "EUR",
        "USD",
        "GIN-70",
        "2",
        "30.00",
        "5.00",
        "60.00",
    ],
    &[
        "S-1",
        "2",
        "2026-11-20T10:00:00Z",
        "SHOP-EU",
        "EUR",
        "USD",
        "RUM-70",
        "1",
        "25.50",
        "",
        "29.00",
    ],
    &[
        "S-2",
        "1",
        "2026-11-21",
        "SHOP-UK",
        "",
        "",
        "GIN-70",
        "3",
        "24.99",
        "",
        "",
    ],
];

#[tokio::test]
async fn sales_orders_round_trip_with_base_money_and_cogs() {
    for backend in backends() {
        let (t, db) = setup(backend).await;
        for (name, bytes) in [("sales.csv", csv(SALES)), ("sales.xlsx", xlsx(SALES))] {
            let r = import(&db, ImportKind::SalesOrders, name, &bytes, false).await;
            assert!(!r.refused(), "{backend} {name}: {:?}", r.problems);
            assert!(r.committed, "{backend} {name}");
            assert_eq!(r.rows, 3, "{backend} {name}");
            if name.ends_with("csv") {
                assert_eq!(r.counts, counts(2, 0, 0), "{backend} {name}");
            } else {
                // The same rows as an xlsx are the same records.
                assert_eq!(r.counts, counts(0, 0, 2), "{backend} {name}");
            }
        }
        let q = |sql: &'static str| scalar(&db, sql, vec![]);
        assert_eq!(
            q("SELECT total_shop_minor FROM sales_orders WHERE source = 'import' AND external_id = 'S-1'").await,
            2 * 3000 - 500 + 2550,
            "{backend}"
        );
        assert_eq!(
            q("SELECT total_presentment_minor FROM sales_orders WHERE source = 'import' AND external_id = 'S-1'").await,
            8900,
            "{backend}"
        );
        // Base amounts at the order day's EUR rate, half away from zero.
        let rate = scalar(
            &db,
            "SELECT rate_scaled FROM fx_rates WHERE quote_currency = 'EUR' AND rate_date <= ? \
             ORDER BY rate_date DESC LIMIT 1",
            vec![Value::ChronoDate(NaiveDate::from_ymd_opt(2026, 11, 20))],
        )
        .await;
        let to_base = |minor: i64| {
            let n = i128::from(minor) * 1_000_000_000;
            let d = i128::from(rate);
            ((n + d / 2) / d) as i64
        };
        assert_eq!(
            q("SELECT total_base_minor FROM sales_orders WHERE source = 'import' AND external_id = 'S-1'").await,
            to_base(8050),
            "{backend}"
        );
        assert_eq!(
            q("SELECT net_base_minor FROM sales_order_lines WHERE source = 'import' AND external_id = 'S-1/1'").await,
            to_base(5500),
            "{backend}"
        );
        let gin_cost = q("SELECT unit_cost_minor FROM products WHERE sku = 'GIN-70'").await;
        assert_eq!(
            q("SELECT cogs_base_minor FROM sales_order_lines WHERE source = 'import' AND external_id = 'S-2/1'").await,
            3 * gin_cost,
            "{backend}"
        );
        assert_eq!(
            q("SELECT total_base_minor FROM sales_orders WHERE source = 'import' AND external_id = 'S-2'").await,
            7497,
            "{backend}: GBP needs no conversion"
        );
        // One event per committed batch that changed something.
        assert_eq!(
            q("SELECT COUNT(*) FROM events WHERE kind = 'data.orders'").await,
            1,
            "{backend}"
        );
        assert_eq!(
            q("SELECT COUNT(*) FROM import_batches").await,
            2,
            "{backend}"
        );

        // A changed price updates the order, the line count stays.
        let mut changed = SALES.iter().map(|r| r.to_vec()).collect::<Vec<_>>();
        changed[3][8] = "19.99";
        let rows = changed.iter().map(Vec::as_slice).collect::<Vec<_>>();
        let r = import(&db, ImportKind::SalesOrders, "c.csv", &csv(&rows), false).await;
        assert_eq!(r.counts, counts(0, 1, 1), "{backend}");
        assert_eq!(
            q("SELECT total_shop_minor FROM sales_orders WHERE source = 'import' AND external_id = 'S-2'").await,
            5997,
            "{backend}"
        );
        assert_eq!(
            q("SELECT COUNT(*) FROM sales_order_lines WHERE source = 'import'").await,
            3,
            "{backend}"
        );
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn a_bad_row_refuses_the_whole_file_naming_row_field_and_reason() {
    for backend in backends() {
        let (t, db) = setup(backend).await;
        let rows: &[&[&str]] = &[
            &[
                "order_number",
                "ordered_at",
                "channel",
                "sku",
                "quantity",
                "unit_price",
                "notes",
            ],
            &[
                "B-1",
                "2026-11-20",
                "SHOP-UK",
                "GIN-70",
                "1",
                "10.00",
                "fine",
            ],
            &["B-2", "20/11/2026", "SHOP-UK", "GIN-70", "1", "10.00", ""],
            &["B-3", "2026-11-20", "NOPE", "NOSUCH", "-2", "1.234", ""],
            &["B-1", "2026-11-21", "SHOP-UK", "RUM-70", "1", "10.00", ""],
            &["B-4", "2020-01-01", "SHOP-EU", "GIN-70", "1", "10.00", ""],
        ];
        let r = import(&db, ImportKind::SalesOrders, "bad.csv", &csv(rows), false).await;
        assert!(r.refused() && !r.committed, "{backend}");
        let got = r
            .problems
            .iter()
            .map(|p| (p.row, p.field.as_str()))
            .collect::<Vec<_>>();
        assert_eq!(
            got,
            [
                (3, "ordered_at"),
                (4, "channel"),
                (4, "sku"),
                (4, "quantity"),
                (4, "unit_price"),
                (5, "order_number"),
                (6, "ordered_at"),
            ],
            "{backend}: {:?}",
            r.problems
        );
        assert!(r.problems[5].reason.contains("row 2"), "{backend}");
        assert!(r.problems[6].reason.contains("rate"), "{backend}");
        assert_eq!(r.warnings.len(), 1, "{backend}: the unknown column");
        assert_eq!(r.warnings[0].field, "notes");
        assert_eq!(imported_rows(&db).await, 0, "{backend}");

        let r = import(
            &db,
            ImportKind::SalesOrders,
            "x.csv",
            b"order_number,sku\nA,B\n",
            false,
        )
        .await;
        let missing = r
            .problems
            .iter()
            .map(|p| p.field.as_str())
            .collect::<Vec<_>>();
        assert_eq!(
            missing,
            ["ordered_at", "channel", "quantity", "unit_price"],
            "{backend}"
        );
        assert!(r.problems.iter().all(|p| p.row == 1), "{backend}");
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn every_kind_round_trips_and_reimports_unchanged() {
    let files: [(ImportKind, &[&[&str]]); 5] = [
        (
            ImportKind::Products,
            &[
                &["sku", "name", "kind", "family", "unit_cost", "case_pack"],
                &["TONIC-20", "Tonic 20cl", "finished", "Mixer", "0.45", "24"],
                &["CAP-X", "Cap", "component", "Closure", "0.06", ""],
            ],
        ),
        (
            ImportKind::StockCounts,
            &[
                &["sku", "location", "counted_on", "on_hand"],
                &["GIN-70", "WH-UK", "2026-11-30", "321"],
                &["RUM-70", "WH-UK", "2026-11-30", "0"],
            ],
        ),
        (
            ImportKind::PurchaseOrders,
            &[
                &[
                    "po_number",
                    "supplier",
                    "ordered_on",
                    "expected_on",
                    "currency",
                    "sku",
                    "quantity",
                    "unit_cost",
                ],
                &[
                    "PO-9",
                    "SUP-GLASS",
                    "2026-11-02",
                    "2026-11-20",
                    "EUR",
                    "LIQ-GIN",
                    "100",
                    "1.25",
                ],
                &[
                    "PO-9",
                    "SUP-GLASS",
                    "2026-11-02",
                    "2026-11-20",
                    "EUR",
                    "LIQ-RUM",
                    "10",
                    "2.00",
                ],
            ],
        ),
        (
            ImportKind::Invoices,
            &[
                &[
                    "invoice_number",
                    "kind",
                    "customer",
                    "supplier",
                    "issued_on",
                    "due_on",
                    "currency",
                    "total",
                ],
                &[
                    "INV-9",
                    "ACCREC",
                    "Amazon UK Services Ltd.",
                    "",
                    "2026-11-30",
                    "2026-12-30",
                    "GBP",
                    "1250.00",
                ],
                &[
                    "BILL-9",
                    "accpay",
                    "",
                    "SUP-GLASS",
                    "2026-11-15",
                    "2026-12-15",
                    "EUR",
                    "99.99",
                ],
            ],
        ),
        (
            ImportKind::ProductionRuns,
            &[
                &[
                    "order_number",
                    "sku",
                    "work_center",
                    "quantity_planned",
                    "due_on",
                    "run_date",
                    "planned_minutes",
                    "total_count",
                    "good_count",
                ],
                &[
                    "MO-9",
                    "GIN-70",
                    "LINE-1",
                    "6000",
                    "2026-12-04",
                    "2026-11-29",
                    "450",
                    "2900",
                    "2850",
                ],
                &[
                    "MO-9",
                    "GIN-70",
                    "LINE-1",
                    "6000",
                    "2026-12-04",
                    "2026-11-30",
                    "450",
                    "3000",
                    "2990",
                ],
            ],
        ),
    ];
    for backend in backends() {
        let (t, db) = setup(backend).await;
        for (kind, rows) in files {
            let r = import(&db, kind, "f.csv", &csv(rows), false).await;
            assert!(r.committed, "{backend} {kind}: {:?}", r.problems);
            let n = if kind == ImportKind::PurchaseOrders {
                1
            } else {
                2
            };
            assert_eq!(r.counts, counts(n, 0, 0), "{backend} {kind}");
            let again = import(&db, kind, "f.xlsx", &xlsx(rows), false).await;
            assert_eq!(
                again.counts,
                counts(0, 0, n),
                "{backend} {kind}: {:?}",
                again.problems
            );
        }
        let q = |sql: &'static str| scalar(&db, sql, vec![]);
        assert_eq!(
            q("SELECT unit_cost_minor FROM products WHERE sku = 'TONIC-20'").await,
            45,
            "{backend}"
        );
        assert_eq!(
            q(
                "SELECT on_hand FROM inventory_positions p JOIN products x ON x.id = p.product_id \
               JOIN locations l ON l.id = p.location_id WHERE x.sku = 'GIN-70' AND l.code = 'WH-UK'"
            )
            .await,
            321,
            "{backend}"
        );
        assert_eq!(
            q("SELECT total_minor FROM purchase_orders WHERE source = 'import'").await,
            14500,
            "{backend}"
        );
        assert_eq!(
            q("SELECT total_base_minor FROM invoices WHERE source = 'import' AND kind = 'ACCREC'")
                .await,
            125_000,
            "{backend}"
        );
        assert_eq!(
            q("SELECT COUNT(*) FROM invoices WHERE source = 'import' AND kind = 'ACCPAY' AND supplier_id IS NOT NULL").await,
            1,
            "{backend}"
        );
        assert_eq!(
            q("SELECT quantity_good FROM production_orders WHERE source = 'import'").await,
            5840,
            "{backend}"
        );
        assert_eq!(
            q("SELECT COUNT(*) FROM import_batches").await,
            10,
            "{backend}"
        );

        // A dry run of a new file keeps nothing but counts what a commit would do.
        let before = imported_rows(&db).await;
        let rows: &[&[&str]] = &[
            &["sku", "location", "counted_on", "on_hand"],
            &["WHS-70", "WH-UK", "2026-11-30", "5"],
        ];
        let r = import(&db, ImportKind::StockCounts, "d.csv", &csv(rows), true).await;
        assert_eq!(r.counts, counts(1, 0, 0), "{backend}");
        assert!(!r.committed && r.batch_id.is_none(), "{backend}");
        assert_eq!(imported_rows(&db).await, before, "{backend}");

        // Problems of the record kinds point at the file's rows and columns.
        let rows: &[&[&str]] = &[
            &[
                "po_number",
                "supplier",
                "ordered_on",
                "expected_on",
                "currency",
                "sku",
                "quantity",
                "unit_cost",
            ],
            &[
                "PO-8",
                "SUP-GLASS",
                "2026-11-02",
                "2026-11-20",
                "EUR",
                "LIQ-GIN",
                "1",
                "1.00",
            ],
            &[
                "PO-8",
                "SUP-GLASS",
                "2026-11-02",
                "2026-11-20",
                "EUR",
                "NOSUCH",
                "1",
                "1.00",
            ],
            &[
                "PO-7",
                "SUP-NONE",
                "2026-11-02",
                "2026-11-20",
                "XXX",
                "LIQ-GIN",
                "1",
                "1.00",
            ],
        ];
        let r = import(&db, ImportKind::PurchaseOrders, "p.csv", &csv(rows), false).await;
        let got = r
            .problems
            .iter()
            .map(|p| (p.row, p.field.as_str()))
            .collect::<Vec<_>>();
        assert_eq!(
            got,
            [(3, "sku"), (4, "supplier"), (4, "currency")],
            "{backend}: {:?}",
            r.problems
        );
        assert_eq!(imported_rows(&db).await, before, "{backend}");
        t.drop_database().await.unwrap();
    }
}

#[test]
fn templates_have_every_column_and_parse_back() {
    for kind in KINDS {
        let t = kind.template_csv();
        let header = t.lines().next().unwrap();
        assert_eq!(header.split(',').count(), kind.columns().len(), "{kind}");
        assert_eq!(t.lines().count(), 2, "{kind}");
        assert!(kind.template_xlsx().starts_with(b"PK\x03\x04"), "{kind}");
    }
}

/// Any bytes at all: a report, never a panic, nothing committed.
#[test]
fn malformed_input_gives_a_report_and_commits_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (t, db) = rt.block_on(setup("sqlite"));
    let valid_xlsx = xlsx(SALES);
    let valid_csv = csv(SALES);
    let mut with_bad_row = SALES.iter().map(|r| r.to_vec()).collect::<Vec<_>>();
    with_bad_row[2][7] = "-1";
    let bad_xlsx = xlsx(&with_bad_row.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let cfg = ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let input = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..400).prop_map(|b| ("f.csv", b)),
        proptest::collection::vec(any::<u8>(), 0..400).prop_map(|b| ("f.xlsx", b)),
        // Mangled CSV: a valid file with bytes flipped, cut or spliced.
        (any::<usize>(), any::<u8>(), any::<usize>()).prop_map({
            let v = valid_csv.clone();
            move |(i, b, cut)| {
                let mut x = v.clone();
                let i = i % x.len();
                x[i] = b;
                x.truncate(cut % (x.len() + 1));
                ("f.csv", x)
            }
        }),
        // A valid workbook truncated, or with bytes flipped.
        (any::<usize>(), any::<u8>(), any::<bool>()).prop_map({
            let v = bad_xlsx.clone();
            move |(i, b, truncate)| {
                let mut x = v.clone();
                let i = i % x.len();
                if truncate {
                    x.truncate(i);
                } else {
                    x[i] ^= b | 1;
                }
                ("f.xlsx", x)
            }
        }),
    ];
    proptest!(cfg, |((name, bytes) in input, k in 0usize..KINDS.len())| {
        let kind = KINDS[k];
        let r = rt.block_on(import(&db, kind, name, &bytes, false));
        // Either refused with a report, or (a mangled file that is still valid) committed:
        // refused reports list problems and nothing is kept.
        if r.refused() {
            prop_assert!(!r.problems.is_empty());
            prop_assert!(!r.committed);
        }
        if !r.committed {
            prop_assert_eq!(rt.block_on(imported_rows(&db)), 0);
        } else {
            // Undo what a still-valid mangled file committed, so later cases start clean.
            rt.block_on(async {
                for s in [
                    "DELETE FROM sales_order_lines WHERE source = 'import'",
                    "DELETE FROM sales_orders WHERE source = 'import'",
                    "DELETE FROM import_batches",
                ] {
                    db.execute_unprepared(s).await.unwrap();
                }
            });
        }
    });
    // The valid workbook itself imports; the one with a bad row does not.
    let r = rt.block_on(import(
        &db,
        ImportKind::SalesOrders,
        "v.xlsx",
        &valid_xlsx,
        true,
    ));
    assert!(!r.refused(), "{:?}", r.problems);
    let r = rt.block_on(import(
        &db,
        ImportKind::SalesOrders,
        "b.xlsx",
        &bad_xlsx,
        false,
    ));
    assert_eq!(r.problems.len(), 1);
    assert_eq!(
        (r.problems[0].row, r.problems[0].field.as_str()),
        (3, "quantity")
    );
    rt.block_on(t.drop_database()).unwrap();
}
