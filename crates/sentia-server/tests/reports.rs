//! The sales summary and KPI overview against the database itself, and bad input.

mod common;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use common::{TestApp, error_code};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use sentia_core::currency::{Currency, DayRates};
use serde_json::Value;

/// Revenue, cogs and units per (region) computed straight from order lines and FX rows.
async fn direct_sums(
    app: &TestApp,
    cur: Currency,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<String, (i64, i64, i64)> {
    let backend = app.db.get_database_backend();
    let rates: BTreeMap<NaiveDate, (i64, i64)> = {
        let rows = app
            .db
            .query_all_raw(Statement::from_string(
                backend,
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
        m
    };
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT o.order_date, o.shop_currency, c.region, l.quantity, l.net_shop_minor, l.cogs_base_minor \
             FROM sales_order_lines l JOIN sales_orders o ON o.id = l.order_id JOIN channels c ON c.id = o.channel_id",
        ))
        .await
        .unwrap();
    let mut out: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for r in rows {
        let d: NaiveDate = r.try_get("", "order_date").unwrap();
        if d < from || d > to {
            continue;
        }
        let (eur, usd) = rates[&d];
        let day = DayRates::new(eur, usd).unwrap();
        let shop: Currency = r
            .try_get::<String>("", "shop_currency")
            .unwrap()
            .parse()
            .unwrap();
        let region: String = r.try_get("", "region").unwrap();
        let qty: i64 = r.try_get("", "quantity").unwrap();
        let net: i64 = r.try_get("", "net_shop_minor").unwrap();
        let cogs: i64 = r.try_get("", "cogs_base_minor").unwrap();
        let e = out.entry(region).or_default();
        e.0 += day.convert(net, shop, cur);
        e.1 += day.convert(cogs, Currency::Gbp, cur);
        e.2 += qty;
    }
    out
}

async fn summary_matches_order_lines(app: &TestApp) {
    let (s, k) = app.get("/api/v1/kpis/overview").await;
    assert_eq!(s, StatusCode::OK);
    let through =
        NaiveDate::parse_from_str(k["data_through"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let from = through - chrono::Duration::days(i64::from(common::DEMO_DAYS) + 5);
    for cur in Currency::ALL {
        let expected = direct_sums(app, cur, from, through).await;
        assert_eq!(expected.len(), 3, "sales in all three regions");
        let (s, body) = app
            .get(&format!(
                "/api/v1/sales/summary?from={from}&to={through}&group_by=region&granularity=month&currency={cur}"
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["currency"], cur.code());
        let mut total = (0, 0, 0);
        for g in body["groups"].as_array().unwrap() {
            let key = g["key"].as_str().unwrap();
            let t = &g["totals"];
            let got = (
                t["revenue_minor"].as_i64().unwrap(),
                t["cogs_minor"].as_i64().unwrap(),
                t["units"].as_i64().unwrap(),
            );
            assert_eq!(got, expected[key], "{cur} {key}");
            total.0 += got.0;
            total.1 += got.1;
            total.2 += got.2;
        }
        assert_eq!(body["totals"]["revenue_minor"].as_i64().unwrap(), total.0);
        assert_eq!(
            body["totals"]["gross_margin_minor"].as_i64().unwrap(),
            total.0 - total.1
        );
        assert!(total.0 > 0 && total.2 > 0);
        // The monthly buckets of each series add up to its group's totals.
        for (series, group) in body["series"]
            .as_array()
            .unwrap()
            .iter()
            .zip(body["groups"].as_array().unwrap())
        {
            let sum: i64 = series["points"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["revenue_minor"].as_i64().unwrap())
                .sum();
            assert_eq!(sum, group["totals"]["revenue_minor"].as_i64().unwrap());
        }
    }
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

async fn kpis_follow_the_summary(app: &TestApp) {
    let (_, k) = app.get("/api/v1/kpis/overview?currency=EUR").await;
    let (_, s) = app
        .get(&format!(
            "/api/v1/sales/summary?from={}&to={}&currency=EUR",
            k["from"].as_str().unwrap(),
            k["to"].as_str().unwrap()
        ))
        .await;
    let kpi = |id: &str| {
        k["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        kpi("revenue")["value"].as_f64().unwrap() as i64,
        s["totals"]["revenue_minor"].as_i64().unwrap()
    );
    assert_eq!(
        kpi("units")["value"].as_f64().unwrap() as i64,
        s["totals"]["units"].as_i64().unwrap()
    );
    let (_, p) = app
        .get(&format!(
            "/api/v1/sales/summary?from={}&to={}&currency=EUR",
            k["previous_from"].as_str().unwrap(),
            k["previous_to"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        kpi("revenue")["previous"].as_f64().unwrap() as i64,
        p["totals"]["revenue_minor"].as_i64().unwrap()
    );
    assert!(kpi("inventory_value")["value"].as_f64().unwrap() > 0.0);
    assert!(kpi("stock_cover_days")["value"].as_f64().unwrap() > 0.0);

    // Inventory value = finished stock on hand × standard cost, converted at the day's rate.
    let backend = app.db.get_database_backend();
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT CAST(SUM(i.on_hand * p.unit_cost_minor) AS BIGINT) AS v FROM inventory_positions i \
             JOIN products p ON p.id = i.product_id WHERE p.kind = 'finished'",
        ))
        .await
        .unwrap()
        .unwrap();
    let gbp: i64 = row.try_get("", "v").unwrap();
    let (_, kg) = app.get("/api/v1/kpis/overview?currency=GBP").await;
    let inv = kg["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "inventory_value")
        .unwrap();
    assert_eq!(inv["value"].as_f64().unwrap() as i64, gbp);
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
