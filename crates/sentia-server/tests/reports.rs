//! The sales summary and KPI overview against the database itself, and bad input.

mod common;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use common::{TestApp, error_code};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use sentia_core::currency::{Currency, DayRates};
use serde_json::Value;

/// Sums straight from the tables, per region and day: (gross sales, refunds, cogs, units).
type Direct = BTreeMap<(String, NaiveDate), (i64, i64, i64, i64)>;

async fn rates_by_day(app: &TestApp) -> BTreeMap<NaiveDate, DayRates> {
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT rate_date, quote_currency, rate_scaled FROM fx_rates WHERE base_currency = 'GBP'",
        ))
        .await
        .unwrap();
    let mut m: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for r in rows {
        let d: NaiveDate = r.try_get("", "rate_date").unwrap();
        let q: String = r.try_get("", "quote_currency").unwrap();
        let v: i64 = r.try_get("", "rate_scaled").unwrap();
        let e = m.entry(d).or_default();
        if q == "EUR" {
            e.0 = v
        } else if q == "USD" {
            e.1 = v
        }
    }
    m.into_iter()
        .map(|(d, (e, u))| (d, DayRates::new(e, u).unwrap()))
        .collect()
}

async fn direct_sums(app: &TestApp, cur: Currency) -> Direct {
    let backend = app.db.get_database_backend();
    let rates = rates_by_day(app).await;
    let mut out: Direct = BTreeMap::new();
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT o.order_date, o.shop_currency, c.region, l.quantity, l.net_shop_minor, l.cogs_base_minor \
             FROM sales_order_lines l JOIN sales_orders o ON o.id = l.order_id JOIN channels c ON c.id = o.channel_id",
        ))
        .await
        .unwrap();
    for r in rows {
        let d: NaiveDate = r.try_get("", "order_date").unwrap();
        let day = rates[&d];
        let shop: Currency = r
            .try_get::<String>("", "shop_currency")
            .unwrap()
            .parse()
            .unwrap();
        let e = out
            .entry((r.try_get("", "region").unwrap(), d))
            .or_default();
        e.0 += day.convert(r.try_get("", "net_shop_minor").unwrap(), shop, cur);
        e.2 += day.convert(
            r.try_get("", "cogs_base_minor").unwrap(),
            Currency::Gbp,
            cur,
        );
        e.3 += r.try_get::<i64>("", "quantity").unwrap();
    }
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT r.refund_date, o.shop_currency, c.region, r.amount_shop_minor \
             FROM refunds r JOIN sales_orders o ON o.id = r.order_id JOIN channels c ON c.id = o.channel_id",
        ))
        .await
        .unwrap();
    for r in rows {
        let d: NaiveDate = r.try_get("", "refund_date").unwrap();
        let shop: Currency = r
            .try_get::<String>("", "shop_currency")
            .unwrap()
            .parse()
            .unwrap();
        let e = out
            .entry((r.try_get("", "region").unwrap(), d))
            .or_default();
        e.1 += rates[&d].convert(r.try_get("", "amount_shop_minor").unwrap(), shop, cur);
    }
    out
}

/// Direct sums per region over `from..=to`.
fn per_region(
    direct: &Direct,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<String, (i64, i64, i64, i64)> {
    let mut m: BTreeMap<String, (i64, i64, i64, i64)> = BTreeMap::new();
    for ((region, d), v) in direct {
        if *d >= from && *d <= to {
            let e = m.entry(region.clone()).or_default();
            e.0 += v.0;
            e.1 += v.1;
            e.2 += v.2;
            e.3 += v.3;
        }
    }
    m
}

async fn summary_matches_order_lines(app: &TestApp) {
    let (s, k) = app.get("/api/v1/kpis/overview").await;
    assert_eq!(s, StatusCode::OK);
    let through =
        NaiveDate::parse_from_str(k["data_through"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let whole = (
        through - chrono::Duration::days(i64::from(common::DEMO_DAYS) + 5),
        through,
    );
    // A window inside the data, starting mid-week, so bucket edges are exercised.
    let inner = (
        through - chrono::Duration::days(45),
        through - chrono::Duration::days(9),
    );
    for cur in Currency::ALL {
        let direct = direct_sums(app, cur).await;
        for (from, to) in [whole, inner] {
            let expected = per_region(&direct, from, to);
            assert_eq!(expected.len(), 3, "sales in all three regions");
            assert!(
                expected.values().any(|v| v.1 > 0),
                "some refunds in the window"
            );
            let (s, body) = app
                .get(&format!(
                    "/api/v1/sales/summary?from={from}&to={to}&group_by=region&granularity=week&currency={cur}"
                ))
                .await;
            assert_eq!(s, StatusCode::OK, "{body}");
            assert_eq!(body["currency"], cur.code());
            assert_eq!(body["groups"].as_array().unwrap().len(), 3);
            for (g, series) in body["groups"]
                .as_array()
                .unwrap()
                .iter()
                .zip(body["series"].as_array().unwrap())
            {
                let key = g["key"].as_str().unwrap();
                let t = &g["totals"];
                let (gross, refunds, cogs, units) = expected[key];
                assert_eq!(
                    t["gross_sales_minor"].as_i64().unwrap(),
                    gross,
                    "{cur} {key} gross"
                );
                assert_eq!(
                    t["refunds_minor"].as_i64().unwrap(),
                    refunds,
                    "{cur} {key} refunds"
                );
                assert_eq!(
                    t["revenue_minor"].as_i64().unwrap(),
                    gross - refunds,
                    "{cur} {key} net"
                );
                assert_eq!(t["cogs_minor"].as_i64().unwrap(), cogs, "{cur} {key} cogs");
                assert_eq!(t["units"].as_i64().unwrap(), units, "{cur} {key} units");
                assert_eq!(
                    t["gross_margin_minor"].as_i64().unwrap(),
                    gross - refunds - cogs
                );
                // Each weekly bucket equals the direct sum of its days (Monday-based weeks,
                // clipped to the range).
                assert_eq!(series["key"], g["key"]);
                for p in series["points"].as_array().unwrap() {
                    let start =
                        NaiveDate::parse_from_str(p["period"].as_str().unwrap(), "%Y-%m-%d")
                            .unwrap();
                    assert_eq!(start.format("%u").to_string(), "1", "weeks start on Monday");
                    let (b_from, b_to) =
                        (start.max(from), (start + chrono::Duration::days(6)).min(to));
                    let d = per_region(&direct, b_from, b_to)
                        .remove(key)
                        .unwrap_or_default();
                    assert_eq!(
                        p["revenue_minor"].as_i64().unwrap(),
                        d.0 - d.1,
                        "{cur} {key} week {start}"
                    );
                    assert_eq!(
                        p["units"].as_i64().unwrap(),
                        d.3,
                        "{cur} {key} week {start}"
                    );
                }
            }
        }
    }
    let (from, through) = whole;
    // Drill-down: region → channel → SKU keeps the totals consistent.
    let (_, uk) = app
        .get(&format!(
            "/api/v1/sales/summary?from={from}&to={through}&region=UK&group_by=channel"
        ))
        .await;
    let uk_total = uk["totals"]["revenue_minor"].as_i64().unwrap();
    let channels: Vec<&Value> = uk["groups"].as_array().unwrap().iter().collect();
    assert_eq!(channels.len(), 2, "Amazon and Shopify in the UK");
    assert_eq!(
        channels
            .iter()
            .map(|g| g["totals"]["revenue_minor"].as_i64().unwrap())
            .sum::<i64>(),
        uk_total
    );
    let (_, skus) = app
        .get(&format!(
            "/api/v1/sales/summary?from={from}&to={through}&region=UK&channel=AMZ-UK&group_by=sku"
        ))
        .await;
    assert_eq!(skus["groups"].as_array().unwrap().len(), 9);
    let amz_uk = channels.iter().find(|g| g["key"] == "AMZ-UK").unwrap();
    assert_eq!(
        skus["totals"], amz_uk["totals"],
        "the SKUs of a channel add up to it"
    );
    let (_, one) = app
        .get(&format!(
            "/api/v1/sales/summary?from={from}&to={through}&channel=AMZ-UK&sku=GIN-70"
        ))
        .await;
    let gin = skus["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "GIN-70")
        .unwrap();
    assert_eq!(one["totals"], gin["totals"]);
}

fn kpi(overview: &Value, id: &str) -> Value {
    overview["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap()
        .clone()
}

async fn kpis_follow_the_summary(app: &TestApp) {
    let (_, k) = app.get("/api/v1/kpis/overview?currency=EUR").await;
    let (_, s) = app
        .get(&format!(
            "/api/v1/sales/summary?from={}&to={}&currency=EUR",
            k["from"].as_str().unwrap(),
            k["to"].as_str().unwrap()
        ))
        .await;
    let revenue = kpi(&k, "revenue");
    assert_eq!(
        revenue["value_minor"].as_i64().unwrap(),
        s["totals"]["revenue_minor"].as_i64().unwrap()
    );
    assert_eq!(
        revenue["value"].as_f64().unwrap() as i64,
        revenue["value_minor"].as_i64().unwrap()
    );
    assert_eq!(
        kpi(&k, "units")["value"].as_f64().unwrap() as i64,
        s["totals"]["units"].as_i64().unwrap()
    );
    assert!(
        kpi(&k, "units")["value_minor"].is_null(),
        "only money carries minor units"
    );
    let (_, p) = app
        .get(&format!(
            "/api/v1/sales/summary?from={}&to={}&currency=EUR",
            k["previous_from"].as_str().unwrap(),
            k["previous_to"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        revenue["previous_minor"].as_i64().unwrap(),
        p["totals"]["revenue_minor"].as_i64().unwrap()
    );
    // Margin change is in percentage points, not a relative change.
    let margin = kpi(&k, "gross_margin_pct");
    let points = margin["value"].as_f64().unwrap() - margin["previous"].as_f64().unwrap();
    assert!((margin["change_points"].as_f64().unwrap() - points).abs() < 1e-9);
    assert!(margin["change_pct"].is_null());
    // Stock cover = units on hand / average daily units sold.
    let cover = kpi(&k, "stock_cover_days")["value"].as_f64().unwrap();
    let on_hand = app.scalar("SELECT CAST(SUM(i.on_hand) AS BIGINT) AS v FROM inventory_positions i JOIN products p ON p.id = i.product_id WHERE p.kind = 'finished'",
    )
    .await;
    let expected = on_hand as f64 / (s["totals"]["units"].as_i64().unwrap() as f64 / 30.0);
    assert!((cover - expected).abs() < 1e-6, "{cover} vs {expected}");

    // Inventory value = finished stock × standard cost (GBP), for the whole company, a region
    // (its locations) and a channel (its fulfilment location).
    let cases = [
        ("", "1 = 1"),
        ("&region=EU", "l.region = 'EU'"),
        (
            "&channel=AMZ-US",
            "l.id = (SELECT fulfilment_location_id FROM channels WHERE code = 'AMZ-US')",
        ),
    ];
    for (filter, location) in cases {
        let gbp = app.scalar(&format!(
                "SELECT CAST(SUM(i.on_hand * p.unit_cost_minor) AS BIGINT) AS v FROM inventory_positions i \
                 JOIN products p ON p.id = i.product_id JOIN locations l ON l.id = i.location_id \
                 WHERE p.kind = 'finished' AND {location}"
            ),
        )
        .await;
        assert!(gbp > 0, "stock in {filter}");
        let (_, kg) = app
            .get(&format!("/api/v1/kpis/overview?currency=GBP{filter}"))
            .await;
        assert_eq!(
            kpi(&kg, "inventory_value")["value_minor"].as_i64().unwrap(),
            gbp,
            "{filter}"
        );
    }
    // The previous period's inventory is the stock ledger summed up to its last day.
    let (_, kg) = app.get("/api/v1/kpis/overview?currency=GBP").await;
    let previous_to = kg["previous_to"].as_str().unwrap();
    let gbp = app.scalar(&format!(
            "SELECT CAST(SUM(m.quantity * p.unit_cost_minor) AS BIGINT) AS v FROM stock_movements m \
             JOIN products p ON p.id = m.product_id WHERE p.kind = 'finished' AND m.moved_on <= '{previous_to}'"
        ),
    )
    .await;
    assert_eq!(
        kpi(&kg, "inventory_value")["previous_minor"]
            .as_i64()
            .unwrap(),
        gbp
    );

    // A period outside the data has no values; one whose previous period the data covers only
    // partly is not compared against (no false growth at the start of the history).
    let (_, none) = app
        .get("/api/v1/kpis/overview?from=2001-01-01&to=2001-01-31")
        .await;
    assert!(kpi(&none, "revenue")["value"].is_null());
    let through =
        NaiveDate::parse_from_str(kg["data_through"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let start = through - chrono::Duration::days(i64::from(common::DEMO_DAYS) - 1);
    let (from, to) = (
        start + chrono::Duration::days(10),
        start + chrono::Duration::days(39),
    );
    let (_, early) = app
        .get(&format!("/api/v1/kpis/overview?from={from}&to={to}"))
        .await;
    let rev = kpi(&early, "revenue");
    assert!(rev["value_minor"].as_i64().unwrap() > 0);
    assert!(
        rev["previous"].is_null() && rev["change_pct"].is_null(),
        "{rev}"
    );
}

async fn bad_input_is_refused_cleanly(app: &TestApp) {
    let cases: &[(&str, StatusCode, &str)] = &[
        (
            "/api/v1/sales/summary?colour=red",
            StatusCode::BAD_REQUEST,
            "colour",
        ),
        (
            "/api/v1/sales/summary?from=2026-02-30",
            StatusCode::BAD_REQUEST,
            "from",
        ),
        (
            "/api/v1/sales/summary?from=yesterday",
            StatusCode::BAD_REQUEST,
            "from",
        ),
        (
            "/api/v1/sales/summary?currency=JPY",
            StatusCode::BAD_REQUEST,
            "currency",
        ),
        (
            "/api/v1/sales/summary?region=MARS",
            StatusCode::BAD_REQUEST,
            "region",
        ),
        (
            "/api/v1/sales/summary?channel=EBAY",
            StatusCode::BAD_REQUEST,
            "channel",
        ),
        (
            "/api/v1/sales/summary?sku=VODKA-70",
            StatusCode::BAD_REQUEST,
            "sku",
        ),
        (
            "/api/v1/sales/summary?granularity=hour",
            StatusCode::BAD_REQUEST,
            "granularity",
        ),
        (
            "/api/v1/sales/summary?group_by=colour",
            StatusCode::BAD_REQUEST,
            "group_by",
        ),
        (
            "/api/v1/sales/summary?from=2026-03-01&to=2026-02-01",
            StatusCode::UNPROCESSABLE_ENTITY,
            "from",
        ),
        (
            "/api/v1/sales/summary?from=1900-01-01&to=2026-01-01",
            StatusCode::UNPROCESSABLE_ENTITY,
            "to",
        ),
        (
            "/api/v1/kpis/overview?from=2026-03-01&to=2026-02-01",
            StatusCode::UNPROCESSABLE_ENTITY,
            "from",
        ),
        (
            "/api/v1/kpis/overview?currency=gbp",
            StatusCode::BAD_REQUEST,
            "currency",
        ),
        (
            "/api/v1/products?page_size=1000000",
            StatusCode::UNPROCESSABLE_ENTITY,
            "page_size",
        ),
        (
            "/api/v1/products?page_size=99999999999999999999999",
            StatusCode::BAD_REQUEST,
            "page_size",
        ),
        (
            "/api/v1/products?page=0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "page",
        ),
        ("/api/v1/products?page=-1", StatusCode::BAD_REQUEST, "page"),
        (
            "/api/v1/products?page=18446744073709551615",
            StatusCode::UNPROCESSABLE_ENTITY,
            "page",
        ),
        (
            "/api/v1/sales/summary?from=-262143-01-01&to=-262143-01-02&granularity=week",
            StatusCode::BAD_REQUEST,
            "from",
        ),
        (
            "/api/v1/sales/summary?to=%2B262142-12-31",
            StatusCode::BAD_REQUEST,
            "to",
        ),
        (
            "/api/v1/sales/summary?region=UK&region=EU",
            StatusCode::BAD_REQUEST,
            "region",
        ),
        (
            "/api/v1/kpis/overview?granularity=week",
            StatusCode::BAD_REQUEST,
            "granularity",
        ),
    ];
    for (path, status, field) in cases {
        let (s, body) = app.get(path).await;
        assert_eq!(s, *status, "{path}: {body}");
        error_code(&body);
        let details = body["error"]["details"].as_array().unwrap();
        assert!(
            details.iter().any(|d| d["field"] == *field),
            "{path} names field {field}: {body}"
        );
    }
    // Several problems are reported together.
    let (s, body) = app
        .get("/api/v1/sales/summary?currency=JPY&granularity=hour")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["details"].as_array().unwrap().len(), 2);
    // A range outside the data is valid and simply empty.
    let (s, body) = app
        .get("/api/v1/sales/summary?from=2001-01-01&to=2001-01-31")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["totals"]["revenue_minor"], 0);
}

/// Random mixes of valid and invalid parameters: the answer is always 200, 400 or 422 in our
/// shape — never a 500 or a dropped connection.
async fn random_queries_never_fail_the_server(app: &TestApp) {
    use rand::{Rng, SeedableRng};
    let names = [
        "from",
        "to",
        "granularity",
        "group_by",
        "currency",
        "region",
        "channel",
        "sku",
        "page",
        "x",
    ];
    let values = [
        "",
        "2026-01-01",
        "2025-12-31",
        "9999-12-31",
        "0000-01-01",
        "2026-02-29",
        "-1",
        "1e9",
        "day",
        "week",
        "month",
        "region",
        "sku",
        "channel",
        "none",
        "GBP",
        "EUR",
        "usd",
        "UK,EU",
        "UK,,US",
        "AMZ-UK",
        "GIN-70,RUM-20",
        "%00",
        "%FF%FE",
        "'; DROP TABLE sales_orders; --",
        "😀",
        "a=b",
        "&&",
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for _ in 0..150 {
        let n = rng.gen_range(0..5);
        let q: Vec<String> = (0..n)
            .map(|_| {
                let v = values[rng.gen_range(0..values.len())];
                format!(
                    "{}={}",
                    names[rng.gen_range(0..names.len())],
                    v.replace(' ', "%20").replace('#', "%23")
                )
            })
            .collect();
        let path = if rng.gen_bool(0.5) {
            "/api/v1/sales/summary"
        } else {
            "/api/v1/kpis/overview"
        };
        let url = format!("{path}?{}", q.join("&"));
        let (s, body) = app.get(&url).await;
        assert!(
            [
                StatusCode::OK,
                StatusCode::BAD_REQUEST,
                StatusCode::UNPROCESSABLE_ENTITY
            ]
            .contains(&s),
            "{url} → {s} {body}"
        );
        if s != StatusCode::OK {
            error_code(&body);
        }
    }
}

async fn products_are_paged(app: &TestApp) {
    let (s, body) = app.get("/api/v1/products?page=2&page_size=4").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["total"], 9);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(
        items[0]["sku"], "RUM-50",
        "page 2 of 4 starts at the 5th SKU"
    );
    for p in items {
        assert_eq!(
            p["prices"].as_array().unwrap().len(),
            3,
            "a price per currency: {p}"
        );
        assert!(p["unit_cost"]["amount_minor"].as_i64().unwrap() > 0);
    }
    let (_, all) = app.get("/api/v1/products?page_size=500").await;
    let skus: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect();
    assert_eq!(
        skus,
        [
            "GIN-20", "GIN-50", "GIN-70", "RUM-20", "RUM-50", "RUM-70", "WHS-20", "WHS-50",
            "WHS-70"
        ]
    );
    let (_, ch) = app.get("/api/v1/channels").await;
    assert_eq!(ch.as_array().unwrap().len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_on_every_backend() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        app.login_admin().await;
        summary_matches_order_lines(&app).await;
        kpis_follow_the_summary(&app).await;
        bad_input_is_refused_cleanly(&app).await;
        random_queries_never_fail_the_server(&app).await;
        products_are_paged(&app).await;
        app.finish().await;
    }
}
