//! The weekly demand history against the tables it is built from, on both backends: units
//! add up to the order lines of the complete weeks, weeks are whole Mondays, and a week is
//! censored exactly when the SKU's stock at the channel's location ended a day at zero.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sentia_store::demo::{self, DemoConfig};
use sentia_store::forecasting::history::demand_history;
use sentia_store::testing::{TestDb, backends};
use sentia_store::{connect, migrate};

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<Option<i64>>(0).unwrap().unwrap_or(0)
}

#[tokio::test]
async fn weekly_history_matches_the_sales_and_stock_tables() {
    for backend in backends() {
        let t = TestDb::create(backend).await.unwrap();
        let db = connect(&t.url).await.unwrap();
        migrate(&db).await.unwrap();
        let end = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(); // a Wednesday
        demo::load(
            &db,
            &DemoConfig {
                seed: 7,
                end,
                days: 200,
            },
        )
        .await
        .unwrap();
        let h = demand_history(&db).await.unwrap().expect("history");
        assert_eq!(h.series.len(), 54, "{backend}");
        assert_eq!(
            h.next_period,
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        let first = h.series[0].periods[0].start;
        assert_eq!(first.weekday(), Weekday::Mon);
        assert!(first >= h.first_day && first < h.first_day + Days::new(7));

        let total: f64 = h
            .series
            .iter()
            .flat_map(|s| &s.periods)
            .filter_map(|p| p.units)
            .sum();
        let sql = format!(
            "SELECT CAST(SUM(l.quantity) AS BIGINT) FROM sales_order_lines l \
             JOIN sales_orders o ON o.id = l.order_id \
             WHERE o.order_date >= '{first}' AND o.order_date < '{}'",
            h.next_period
        );
        assert_eq!(
            total as i64,
            scalar(&db, &sql).await,
            "{backend}: units add up"
        );

        // Censoring against the stock ledger for one SKU × channel with stockouts.
        let censored: usize = h
            .series
            .iter()
            .map(|s| s.periods.iter().filter(|p| p.censored).count())
            .sum();
        assert!(censored > 0, "{backend}: the demo has stockouts");
        let s = h
            .series
            .iter()
            .find(|s| s.periods.iter().any(|p| p.censored))
            .unwrap();
        let week = s.periods.iter().find(|p| p.censored).unwrap();
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT d.moved_on FROM (SELECT DISTINCT moved_on FROM stock_movements) d \
             WHERE d.moved_on >= '{}' AND d.moved_on < '{}' AND \
             (SELECT COALESCE(CAST(SUM(m.quantity) AS BIGINT), 0) FROM stock_movements m \
              JOIN products p ON p.id = m.product_id JOIN channels c ON c.fulfilment_location_id = m.location_id \
              WHERE p.sku = '{}' AND c.code = '{}' AND m.moved_on <= d.moved_on) <= 0) x",
            week.start,
            week.start + Days::new(7),
            s.sku,
            s.channel
        );
        assert!(
            scalar(&db, &sql).await >= 1,
            "{backend}: {} {} week {} has a day ending with no stock",
            s.sku,
            s.channel,
            week.start
        );
        db.close().await.ok();
        t.drop_database().await.ok();
    }
}
