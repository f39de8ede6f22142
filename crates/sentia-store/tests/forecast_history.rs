//! The weekly demand history against the tables it is built from, on both backends: units
//! add up to the order lines of the complete weeks, weeks are whole Mondays, and a week is
//! censored exactly when the SKU's stock at the channel's location ended a day at zero.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sentia_store::demo::{self, DemoConfig};
use sentia_store::forecasting::history::{REGION_PREFIX, TOTAL_KEY, demand_history};
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

        // Totals: overall, 3 regions, 6 channels, 9 SKUs, each the sum of its parts.
        assert_eq!(h.totals.len(), 1 + 3 + 6 + 9, "{backend}");
        let overall = h.find(TOTAL_KEY, TOTAL_KEY).expect("the overall total");
        let overall_units: f64 = overall.periods.iter().filter_map(|p| p.units).sum();
        assert_eq!(
            overall_units as i64, total as i64,
            "{backend}: the total adds up"
        );
        for t in &h.totals {
            assert!(!t.is_bottom());
            let parts: Vec<_> = h
                .series
                .iter()
                .filter(|s| {
                    (t.sku == TOTAL_KEY || t.sku == s.sku)
                        && (t.channel == TOTAL_KEY
                            || t.channel == s.channel
                            || t.channel == format!("{REGION_PREFIX}{}", s.region))
                })
                .collect();
            assert!(!parts.is_empty(), "{backend}: {} / {}", t.sku, t.channel);
            for (w, p) in t.periods.iter().enumerate() {
                let sum: f64 = parts.iter().filter_map(|s| s.periods[w].units).sum();
                assert_eq!(
                    p.units.unwrap_or(0.0),
                    sum,
                    "{backend}: {} / {} week {w}",
                    t.sku,
                    t.channel
                );
                assert!(
                    !p.censored
                        || parts
                            .iter()
                            .any(|s| s.periods[w].censored || s.periods[w].units.is_none()),
                    "{backend}: a total is censored only by its parts"
                );
            }
        }
        // One small series out of stock does not censor the whole company's week.
        let weeks_with_a_stockout = (0..overall.periods.len())
            .filter(|&w| h.series.iter().any(|s| s.periods[w].censored))
            .count();
        let overall_censored = overall.periods.iter().filter(|p| p.censored).count();
        assert!(
            overall_censored < weeks_with_a_stockout,
            "{backend}: {overall_censored} of {weeks_with_a_stockout}"
        );
        assert_eq!(
            h.totals
                .iter()
                .filter(|t| t.channel.starts_with(REGION_PREFIX))
                .count(),
            3
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
