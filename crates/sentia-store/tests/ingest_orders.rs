//! Upserting incoming sales orders into a database holding the demo company: a new order is
//! inserted with base-currency amounts at the day's stored rate and COGS at standard cost, a
//! replay changes nothing, a newer delivery replaces lines, an older one is stale, refunds are
//! added, invalid input writes nothing, concurrent deliveries of one new order make one
//! order, and the reporting data version moves with every change. Runs on SQLite always and
//! on PostgreSQL when `SENTIA_TEST_DATABASE_URL` is set.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value};
use sentia_store::demo::{self, DemoConfig};
use sentia_store::events::since;
use sentia_store::ingest::{
    IncomingLine, IncomingOrder, IncomingRefund, ORDERS_EVENT, UpsertOutcome, upsert_order,
};
use sentia_store::sales::data_version;
use sentia_store::testing::{TestDb, backends};
use sentia_store::{StoreError, connect, migrate};

const SCALE: i128 = 1_000_000_000;

/// The single-value result of `sql` with `values`, as i64.
async fn scalar(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> i64 {
    let b = db.get_database_backend();
    let sql = if b == sea_orm::DbBackend::Postgres {
        let mut out = String::new();
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(c);
            }
        }
        out
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

async fn text(db: &DatabaseConnection, sql: &str) -> String {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("row");
    row.try_get_by_index::<String>(0).expect("text")
}

/// What the demo company offers the tests.
struct Fixture {
    /// A channel selling in EUR.
    channel: String,
    /// Three finished SKUs with their standard cost.
    skus: Vec<(String, i64)>,
    /// A component SKU (not sold).
    component: String,
}

const END: (i32, u32, u32) = (2026, 11, 30);

async fn setup(backend: &str) -> (TestDb, DatabaseConnection, Fixture) {
    let t = TestDb::create(backend).await.expect("test database");
    let db = connect(&t.url).await.expect("connect");
    migrate(&db).await.expect("migrate");
    let cfg = DemoConfig {
        seed: 7,
        end: NaiveDate::from_ymd_opt(END.0, END.1, END.2).expect("date"),
        days: 30,
    };
    demo::load(&db, &cfg).await.expect("demo");
    let channel = text(
        &db,
        "SELECT code FROM channels WHERE currency = 'EUR' ORDER BY id LIMIT 1",
    )
    .await;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT sku, unit_cost_minor FROM products WHERE kind = 'finished' ORDER BY id LIMIT 3",
        ))
        .await
        .expect("skus");
    let skus = rows
        .iter()
        .map(|r| {
            (
                r.try_get("", "sku").unwrap(),
                r.try_get("", "unit_cost_minor").unwrap(),
            )
        })
        .collect::<Vec<(String, i64)>>();
    assert_eq!(skus.len(), 3);
    let component = text(
        &db,
        "SELECT sku FROM products WHERE kind = 'component' ORDER BY id LIMIT 1",
    )
    .await;
    (
        t,
        db,
        Fixture {
            channel,
            skus,
            component,
        },
    )
}

fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(END.0, END.1, d, h, 0, 0).unwrap() + Duration::nanoseconds(987_654_321)
}

fn line(ext: &str, sku: &str, quantity: i64, unit: i64) -> IncomingLine {
    IncomingLine {
        external_id: ext.into(),
        sku: sku.into(),
        quantity,
        unit_price_minor: unit,
        discount_minor: 0,
        net_shop_minor: quantity * unit,
        net_presentment_minor: quantity * unit,
    }
}

/// A three-line EUR order placed on the 20th, as the source had it at `updated`.
fn order(f: &Fixture, ext: &str, updated: DateTime<Utc>) -> IncomingOrder {
    let lines = vec![
        line(&format!("{ext}-L1"), &f.skus[0].0, 2, 2_999),
        line(&format!("{ext}-L2"), &f.skus[1].0, 1, 4_550),
        line(&format!("{ext}-L3"), &f.skus[2].0, 3, 1_233),
    ];
    let total = lines.iter().map(|l| l.net_shop_minor).sum::<i64>() + 495; // + shipping
    IncomingOrder {
        source: "shopify:eu".into(),
        external_id: ext.into(),
        order_number: format!("#{ext}"),
        channel_code: f.channel.clone(),
        ordered_at: at(20, 10),
        source_updated_at: updated,
        status: "fulfilled".into(),
        shop_currency: "EUR".into(),
        presentment_currency: "EUR".into(),
        total_shop_minor: total,
        total_presentment_minor: total,
        lines,
        refunds: vec![],
    }
}

/// Rows in the tables an upsert writes, and `data.orders` events.
async fn counts(db: &DatabaseConnection) -> [i64; 4] {
    [
        scalar(db, "SELECT COUNT(*) FROM sales_orders", vec![]).await,
        scalar(db, "SELECT COUNT(*) FROM sales_order_lines", vec![]).await,
        scalar(db, "SELECT COUNT(*) FROM refunds", vec![]).await,
        scalar(
            db,
            "SELECT COUNT(*) FROM events WHERE kind = ?",
            vec![ORDERS_EVENT.into()],
        )
        .await,
    ]
}

/// The stored EUR rate (EUR per GBP, scaled) for `day`.
async fn eur_rate(db: &DatabaseConnection, day: NaiveDate) -> i64 {
    scalar(
        db,
        "SELECT rate_scaled FROM fx_rates WHERE base_currency = 'GBP' AND quote_currency = 'EUR' \
         AND rate_date = ?",
        vec![Value::ChronoDate(Some(day))],
    )
    .await
}

/// EUR minor units to GBP at `per_gbp`, rounded half away from zero (positive amounts).
fn to_gbp(minor: i64, per_gbp: i64) -> i64 {
    let num = i128::from(minor) * SCALE;
    let den = i128::from(per_gbp);
    ((2 * num + den) / (2 * den)) as i64
}

async fn order_col(db: &DatabaseConnection, id: i64, col: &str) -> i64 {
    scalar(
        db,
        &format!("SELECT {col} FROM sales_orders WHERE id = ?"),
        vec![id.into()],
    )
    .await
}

async fn line_col(db: &DatabaseConnection, ext: &str, col: &str) -> i64 {
    scalar(
        db,
        &format!("SELECT {col} FROM sales_order_lines WHERE external_id = ?"),
        vec![ext.into()],
    )
    .await
}

#[tokio::test]
async fn an_order_is_inserted_replayed_updated_refunded_and_stale_deliveries_change_nothing() {
    for backend in backends() {
        let (t, db, f) = setup(backend).await;
        let now = at(30, 12);
        let before = counts(&db).await;
        let v0 = data_version(&db).await.unwrap();

        // New order.
        let o1 = order(&f, "1001", at(20, 11));
        let out = upsert_order(&db, &o1, now).await.unwrap();
        let UpsertOutcome::Inserted { id } = out else {
            panic!("{backend}: {out:?}")
        };
        assert_eq!(
            counts(&db).await,
            [before[0] + 1, before[1] + 3, before[2], before[3] + 1],
            "{backend}"
        );
        let per = eur_rate(&db, at(20, 0).date_naive()).await;
        assert!(per > 0, "{backend}: a rate for the day");
        let fx = order_col(&db, id, "fx_shop_to_base_scaled").await;
        // GBP per EUR, scaled by 10⁹, rounded half up: the reciprocal of the stored rate.
        assert_eq!(
            i128::from(fx),
            (SCALE * SCALE + i128::from(per) / 2) / i128::from(per),
            "{backend}"
        );
        let base = order_col(&db, id, "total_base_minor").await;
        assert_eq!(base, to_gbp(o1.total_shop_minor, per), "{backend}");
        // The same amount through the stored shop→base rate, within the one minor unit that
        // rounding the reciprocal may cost.
        let via_fx = (i128::from(o1.total_shop_minor) * i128::from(fx) + SCALE / 2) / SCALE;
        assert!(
            (via_fx - i128::from(base)).abs() <= 1,
            "{backend}: {via_fx} vs {base}"
        );
        assert_eq!(
            order_col(&db, id, "total_shop_minor").await,
            14_742,
            "{backend}"
        );
        for (i, l) in o1.lines.iter().enumerate() {
            assert_eq!(
                line_col(&db, &l.external_id, "net_base_minor").await,
                to_gbp(l.net_shop_minor, per),
                "{backend}"
            );
            assert_eq!(
                line_col(&db, &l.external_id, "cogs_base_minor").await,
                l.quantity * f.skus[i].1,
                "{backend}"
            );
            assert_eq!(
                line_col(&db, &l.external_id, "CAST(line_no AS BIGINT)").await,
                i as i64 + 1,
                "{backend}"
            );
        }
        let ev = since(&db, 0, 1_000_000).await.unwrap();
        let last = ev.last().unwrap();
        assert_eq!(last.kind, ORDERS_EVENT, "{backend}");
        assert_eq!(last.payload["order_id"], id, "{backend}");
        assert_eq!(last.payload["source"], "shopify:eu", "{backend}");
        assert_eq!(last.payload["external_id"], "1001", "{backend}");
        assert_eq!(last.payload["outcome"], "inserted", "{backend}");
        let v1 = data_version(&db).await.unwrap();
        assert_ne!(v1, v0, "{backend}: insert moves the data version");

        // The same delivery again (a replayed webhook): nothing changes, no event.
        let after_insert = counts(&db).await;
        assert_eq!(
            upsert_order(&db, &o1, now).await.unwrap(),
            UpsertOutcome::Unchanged { id },
            "{backend}"
        );
        assert_eq!(counts(&db).await, after_insert, "{backend}");
        assert_eq!(data_version(&db).await.unwrap(), v1, "{backend}");

        // Newer: first line's quantity changed, third line gone.
        let mut o2 = order(&f, "1001", at(21, 9));
        o2.lines[0] = line("1001-L1", &f.skus[0].0, 5, 2_999);
        o2.lines.pop();
        o2.total_shop_minor = 5 * 2_999 + 4_550;
        o2.total_presentment_minor = o2.total_shop_minor;
        assert_eq!(
            upsert_order(&db, &o2, now).await.unwrap(),
            UpsertOutcome::Updated { id },
            "{backend}"
        );
        let after_update = counts(&db).await;
        assert_eq!(
            after_update,
            [
                after_insert[0],
                after_insert[1] - 1,
                after_insert[2],
                after_insert[3] + 1
            ],
            "{backend}"
        );
        let on_order = "SELECT COUNT(*) FROM sales_order_lines WHERE order_id = ?";
        assert_eq!(scalar(&db, on_order, vec![id.into()]).await, 2, "{backend}");
        assert_eq!(line_col(&db, "1001-L3", "COUNT(*)").await, 0, "{backend}");
        assert_eq!(line_col(&db, "1001-L1", "quantity").await, 5, "{backend}");
        assert_eq!(
            line_col(&db, "1001-L1", "cogs_base_minor").await,
            5 * f.skus[0].1,
            "{backend}"
        );
        assert_eq!(
            order_col(&db, id, "total_base_minor").await,
            to_gbp(o2.total_shop_minor, per),
            "{backend}"
        );
        let last = since(&db, 0, 1_000_000).await.unwrap().pop().unwrap();
        assert_eq!(last.payload["outcome"], "updated", "{backend}");
        let v2 = data_version(&db).await.unwrap();
        assert_ne!(v2, v1, "{backend}: update moves the data version");

        // The older delivery arrives late: stale, nothing changes.
        assert_eq!(
            upsert_order(&db, &o1, now).await.unwrap(),
            UpsertOutcome::Stale { id },
            "{backend}"
        );
        assert_eq!(counts(&db).await, after_update, "{backend}");
        assert_eq!(line_col(&db, "1001-L1", "quantity").await, 5, "{backend}");
        assert_eq!(line_col(&db, "1001-L3", "COUNT(*)").await, 0, "{backend}");
        assert_eq!(data_version(&db).await.unwrap(), v2, "{backend}");

        // A refund on the 25th, converted at that day's rate.
        let mut o3 = o2.clone();
        o3.source_updated_at = at(25, 15);
        o3.status = "partially_refunded".into();
        o3.refunds.push(IncomingRefund {
            external_id: "1001-R1".into(),
            refunded_at: at(25, 14),
            amount_shop_minor: 2_999,
            quantity_returned: 1,
            reason: "damaged in transit".into(),
        });
        assert_eq!(
            upsert_order(&db, &o3, now).await.unwrap(),
            UpsertOutcome::Updated { id },
            "{backend}"
        );
        assert_eq!(
            counts(&db).await,
            [
                after_update[0],
                after_update[1],
                after_update[2] + 1,
                after_update[3] + 1
            ],
            "{backend}"
        );
        let per25 = eur_rate(&db, at(25, 0).date_naive()).await;
        let refund_base = scalar(
            &db,
            "SELECT amount_base_minor FROM refunds WHERE source = 'shopify:eu' AND external_id = ?",
            vec!["1001-R1".into()],
        )
        .await;
        assert_eq!(refund_base, to_gbp(2_999, per25), "{backend}");
        // Replaying it is a no-op again.
        assert_eq!(
            upsert_order(&db, &o3, now).await.unwrap(),
            UpsertOutcome::Unchanged { id },
            "{backend}"
        );
        assert_eq!(
            counts(&db).await[2..],
            [after_update[2] + 1, after_update[3] + 1],
            "{backend}"
        );

        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

fn expect_invalid(r: Result<UpsertOutcome, StoreError>, field: &str, backend: &str) {
    match r {
        Err(StoreError::Invalid(msg)) => {
            assert!(
                msg.contains(field),
                "{backend}: '{msg}' should name {field}"
            )
        }
        other => panic!("{backend}: expected Invalid naming {field}, got {other:?}"),
    }
}

#[tokio::test]
async fn invalid_orders_are_refused_with_the_field_named_and_nothing_written() {
    for backend in backends() {
        let (t, db, f) = setup(backend).await;
        let now = at(30, 12);
        let before = counts(&db).await;

        let mut o = order(&f, "2001", at(20, 11));
        o.lines[1].sku = "NO-SUCH-SKU".into();
        expect_invalid(upsert_order(&db, &o, now).await, "lines[1].sku", backend);

        let mut o = order(&f, "2001", at(20, 11));
        o.lines[2].sku = f.component.clone();
        expect_invalid(upsert_order(&db, &o, now).await, "lines[2].sku", backend);

        let mut o = order(&f, "2001", at(20, 11));
        o.channel_code = "NOWHERE".into();
        expect_invalid(upsert_order(&db, &o, now).await, "channel_code", backend);

        let mut o = order(&f, "2001", at(20, 11));
        o.lines[0].quantity = 0;
        expect_invalid(
            upsert_order(&db, &o, now).await,
            "lines[0].quantity",
            backend,
        );

        let mut o = order(&f, "2001", at(20, 11));
        o.presentment_currency = "JPY".into();
        expect_invalid(
            upsert_order(&db, &o, now).await,
            "presentment_currency",
            backend,
        );

        let mut o = order(&f, "2001", at(20, 11));
        o.shop_currency = "USD".into();
        expect_invalid(upsert_order(&db, &o, now).await, "shop_currency", backend);

        let mut o = order(&f, "2001", at(20, 11));
        o.total_shop_minor = -1;
        expect_invalid(
            upsert_order(&db, &o, now).await,
            "total_shop_minor",
            backend,
        );

        let mut o = order(&f, "2001", at(20, 11));
        o.status = "paid".into();
        expect_invalid(upsert_order(&db, &o, now).await, "status", backend);

        // Before the first stored rate there is nothing to convert with.
        let mut o = order(&f, "2001", at(20, 11));
        o.ordered_at = Utc.with_ymd_and_hms(2020, 1, 1, 12, 0, 0).unwrap();
        expect_invalid(upsert_order(&db, &o, now).await, "ordered_at", backend);

        assert_eq!(counts(&db).await, before, "{backend}: nothing written");

        // An invalid update of a stored order leaves it as it was.
        let good = order(&f, "2002", at(20, 11));
        let id = upsert_order(&db, &good, now).await.unwrap().id();
        let stored = counts(&db).await;
        let mut bad = good.clone();
        bad.source_updated_at = at(22, 0);
        bad.lines[0].quantity = 9;
        bad.lines[2].sku = "NO-SUCH-SKU".into();
        expect_invalid(upsert_order(&db, &bad, now).await, "lines[2].sku", backend);
        assert_eq!(counts(&db).await, stored, "{backend}");
        assert_eq!(line_col(&db, "2002-L1", "quantity").await, 2, "{backend}");
        // A new order claiming a line of another order is refused, and its order row (written
        // before the lines were checked) is rolled back with it.
        let mut thief = order(&f, "2003", at(20, 11));
        thief.lines[0].external_id = "2002-L1".into();
        expect_invalid(
            upsert_order(&db, &thief, now).await,
            "lines[0].external_id",
            backend,
        );
        assert_eq!(counts(&db).await, stored, "{backend}");
        // …and did not record its timestamp: the good delivery is still current, not stale.
        assert_eq!(
            upsert_order(&db, &good, now).await.unwrap(),
            UpsertOutcome::Unchanged { id },
            "{backend}"
        );

        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn a_day_without_a_rate_uses_the_latest_earlier_one() {
    for backend in backends() {
        let (t, db, f) = setup(backend).await;
        // The demo's rates end on the 30th: an order on 3 December converts at that rate.
        let mut o = order(&f, "3001", at(20, 11));
        o.ordered_at = Utc.with_ymd_and_hms(END.0, 12, 3, 9, 0, 0).unwrap();
        o.source_updated_at = o.ordered_at;
        let later = NaiveDate::from_ymd_opt(END.0, 12, 3).unwrap();
        let rates_that_day = scalar(
            &db,
            "SELECT COUNT(*) FROM fx_rates WHERE rate_date >= ?",
            vec![Value::ChronoDate(Some(later))],
        )
        .await;
        assert_eq!(rates_that_day, 0, "{backend}: no rate that day");
        let id = upsert_order(&db, &o, at(30, 12)).await.unwrap().id();
        let per = eur_rate(&db, NaiveDate::from_ymd_opt(END.0, END.1, END.2).unwrap()).await;
        assert!(per > 0, "{backend}");
        assert_eq!(
            order_col(&db, id, "total_base_minor").await,
            to_gbp(o.total_shop_minor, per),
            "{backend}"
        );
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_deliveries_of_one_new_order_make_one_order() {
    for backend in backends() {
        let (t, db, f) = setup(backend).await;
        let before = counts(&db).await;
        let o = order(&f, "4001", at(20, 11));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let (db, o) = (db.clone(), o.clone());
            tasks.spawn(async move { upsert_order(&db, &o, at(30, 12)).await });
        }
        let mut outcomes = Vec::new();
        while let Some(r) = tasks.join_next().await {
            outcomes.push(r.expect("task").expect("upsert"));
        }
        let inserted = outcomes
            .iter()
            .filter(|o| matches!(o, UpsertOutcome::Inserted { .. }))
            .count();
        assert_eq!(inserted, 1, "{backend}: {outcomes:?}");
        let id = outcomes[0].id();
        assert!(
            outcomes.iter().all(|o| o.id() == id),
            "{backend}: {outcomes:?}"
        );
        assert!(
            outcomes.iter().all(|o| matches!(
                o,
                UpsertOutcome::Inserted { .. } | UpsertOutcome::Unchanged { .. }
            )),
            "{backend}: {outcomes:?}"
        );
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM sales_orders WHERE source = 'shopify:eu' AND external_id = ?",
                vec!["4001".into()],
            )
            .await,
            1,
            "{backend}"
        );
        assert_eq!(
            counts(&db).await,
            [before[0] + 1, before[1] + 3, before[2], before[3] + 1],
            "{backend}"
        );
        db.close().await.unwrap();
        t.drop_database().await.unwrap();
    }
}
