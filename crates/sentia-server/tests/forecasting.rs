//! Forecasting end to end over HTTP on both backends: runs over every series, stored
//! intervals, frozen forecasts, overrides kept and superseded, permissions and bad input.

mod common;

use std::time::Duration;

use common::{TestApp, error_code};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use sentia_store::testing::backends;
use serde_json::{Value, json};

/// 9 SKUs × 6 channels.
const SERIES: usize = 54;
/// Totals: overall, 3 regions, 6 channels, 9 SKUs.
const TOTALS: usize = 1 + 3 + 6 + 9;

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, Value) {
    let r = client.get(app.url(path)).send().await.expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = client.post(app.url(path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Polls a run until it is no longer running (bounded: 120 s).
async fn wait_for_run(app: &TestApp, client: &reqwest::Client, id: i64) -> Value {
    for _ in 0..1200 {
        let (status, run) = get(app, client, &format!("/api/v1/forecasting/runs/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{run}");
        if run["state"] != "running" {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("forecast run {id} did not finish within 120 s");
}

/// Polls until the backfill run that follows the first run has finished (bounded: 120 s).
async fn wait_for_backfill(app: &TestApp, client: &reqwest::Client) -> Value {
    for _ in 0..1200 {
        let (status, runs) = get(app, client, "/api/v1/forecasting/runs").await;
        assert_eq!(status, StatusCode::OK, "{runs}");
        if let Some(run) = runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["triggered_by"] == "backfill" && r["state"] != "running")
        {
            return run.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the backfill run did not finish within 120 s");
}

/// Starts a run as the signed-in admin and waits for it.
async fn run_forecast(app: &TestApp) -> Value {
    let (status, run) = post(app, &app.client, "/api/v1/forecasting/runs", None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    assert_eq!(run["state"], "running");
    let run = wait_for_run(app, &app.client, run["id"].as_i64().unwrap()).await;
    assert_eq!(run["state"], "succeeded", "{run}");
    run
}

#[tokio::test]
async fn the_startup_run_forecasts_every_series_with_nested_intervals_and_later_runs_freeze_it() {
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |c| c.forecast_on_start = true).await;
        app.login_admin().await;
        let (status, runs) = get(&app, &app.client, "/api/v1/forecasting/runs").await;
        assert_eq!(status, StatusCode::OK, "{backend}: {runs}");
        // The startup run may already have finished and handed over to the backfill run,
        // which then lists first: look the startup run up by its trigger.
        let first = runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["triggered_by"] == "startup")
            .unwrap_or_else(|| panic!("{backend}: no startup run in {runs}"));
        let first = wait_for_run(&app, &app.client, first["id"].as_i64().unwrap()).await;
        assert_eq!(first["state"], "succeeded", "{backend}: {first}");
        assert_eq!(first["series_count"], SERIES as i64, "{backend}");
        let backfill = wait_for_backfill(&app, &app.client).await;
        assert_eq!(backfill["state"], "succeeded", "{backend}: {backfill}");

        let (status, list) = get(&app, &app.client, "/api/v1/forecasting/series").await;
        assert_eq!(status, StatusCode::OK, "{backend}");
        let series = list["series"].as_array().unwrap();
        assert_eq!(series.len(), SERIES, "{backend}");
        assert!(
            series
                .iter()
                .all(|s| s["forecast_units"].as_f64().is_some()),
            "{backend}: every series has a forecast"
        );

        // Every stored point is nested, and there are 13 per forecast.
        let bad = app
            .scalar(
                "SELECT COUNT(*) FROM forecast_points WHERE NOT (lo95 <= lo80 AND lo80 <= point \
             AND point <= hi80 AND hi80 <= hi95 AND lo95 >= 0)",
            )
            .await;
        assert_eq!(bad, 0, "{backend}: points with broken nesting");
        let forecasts = app.scalar("SELECT COUNT(*) FROM forecasts").await;
        let points = app.scalar("SELECT COUNT(*) FROM forecast_points").await;
        assert_eq!(points, forecasts * 13, "{backend}");
        let current = app
            .scalar("SELECT COUNT(*) FROM forecasts WHERE frozen = FALSE")
            .await;
        assert_eq!(
            current,
            (SERIES + TOTALS) as i64,
            "{backend}: one current forecast per series and per total"
        );
        let totals = list["totals"].as_array().unwrap();
        assert_eq!(totals.len(), TOTALS, "{backend}");
        assert!(
            totals
                .iter()
                .all(|s| s["forecast_units"].as_f64().is_some()),
            "{backend}: every total has a forecast"
        );

        // Every total, current and frozen, equals the sum of its series at every step.
        let incoherent = app
            .scalar(
                "SELECT COUNT(*) FROM forecasts t JOIN forecast_points tp ON tp.forecast_id = t.id \
                 WHERE (t.sku = '*' OR t.channel = '*' OR t.channel LIKE 'region:%') \
                 AND ABS(tp.point - (SELECT COALESCE(SUM(bp.point), 0) FROM forecasts b \
                     JOIN forecast_points bp ON bp.forecast_id = b.id \
                     JOIN channels c ON c.code = b.channel \
                     WHERE b.run_id = t.run_id AND b.origin_date = t.origin_date \
                     AND b.sku <> '*' AND bp.step = tp.step \
                     AND (t.sku = '*' OR b.sku = t.sku) \
                     AND (t.channel = '*' OR b.channel = t.channel \
                          OR t.channel = 'region:' || c.region))) > 1e-6",
            )
            .await;
        assert_eq!(incoherent, 0, "{backend}: totals that do not add up");
        let (status, total) =
            get(&app, &app.client, "/api/v1/forecasting/series/*/region:UK").await;
        assert_eq!(status, StatusCode::OK, "{backend}: {total}");
        assert_eq!(total["forecast"].as_array().unwrap().len(), 13);
        assert_eq!(
            total["parameters"]["reconciliation"]["method"], "ols",
            "{backend}: {}",
            total["parameters"]["reconciliation"]
        );
        assert!(
            !total["history"].as_array().unwrap().is_empty(),
            "{backend}: a total has its summed history"
        );
        assert!(
            forecasts > current,
            "{backend}: the first run stores frozen past origins"
        );

        let (status, d) = get(
            &app,
            &app.client,
            "/api/v1/forecasting/series/GIN-70/AMZ-UK",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{backend}: {d}");
        assert_eq!(d["forecast"].as_array().unwrap().len(), 13);
        assert_eq!(d["models"][0]["model"], "ensemble", "{backend}");
        assert!(
            d["models"].as_array().unwrap().len() >= 8,
            "{backend}: {}",
            d["models"]
        );
        let w: f64 = d["weights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["weight"].as_f64().unwrap())
            .sum();
        assert!((w - 1.0).abs() < 1e-6, "{backend}: weights sum to {w}");
        assert!(d["weight_reason"].as_str().unwrap().contains("MAE"));
        assert_eq!(
            d["decomposition"]["points"].as_array().unwrap().len(),
            d["history"].as_array().unwrap().len()
        );
        // Backfilled frozen forecasts are scored against the weeks that followed them.
        let acc = d["accuracy"].as_array().unwrap();
        assert!(!acc.is_empty(), "{backend}: accuracy over time");
        assert!(acc.iter().all(|a| a["scored"].as_i64().unwrap() > 0));
        let first_forecast = d["forecast_id"].as_i64().unwrap();

        // A second run freezes the first run's forecasts and keeps them.
        let second = run_forecast(&app).await;
        assert_eq!(second["series_count"], SERIES as i64);
        let frozen = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM forecasts WHERE id = {first_forecast} AND frozen = TRUE"
            ))
            .await;
        assert_eq!(frozen, 1, "{backend}: the earlier forecast is kept, frozen");
        let current = app
            .scalar("SELECT COUNT(*) FROM forecasts WHERE frozen = FALSE")
            .await;
        assert_eq!(current, (SERIES + TOTALS) as i64, "{backend}");
        let (_, d2) = get(
            &app,
            &app.client,
            "/api/v1/forecasting/series/GIN-70/AMZ-UK",
        )
        .await;
        assert_ne!(d2["forecast_id"], d["forecast_id"]);
        assert_eq!(d2["run_id"], second["id"]);

        // One run at a time.
        let run = sentia_store::forecasting::start_run(&app.db, "test", "test", chrono::Utc::now())
            .await
            .unwrap();
        let again =
            sentia_store::forecasting::start_run(&app.db, "test", "test", chrono::Utc::now()).await;
        assert!(
            matches!(again, Err(sentia_store::StoreError::Conflict(_))),
            "{backend}: {again:?}"
        );
        let (status, body) = post(&app, &app.client, "/api/v1/forecasting/runs", None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{backend}: {body}");
        sentia_store::forecasting::fail_run(&app.db, run.id, "test", chrono::Utc::now(), 0)
            .await
            .unwrap();
        app.finish().await;
    }
}

#[tokio::test]
async fn overrides_are_kept_superseded_audited_and_scored() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        app.login_admin().await;
        run_forecast(&app).await;
        let path = "/api/v1/forecasting/series/RUM-50/SHOP-UK";
        let (status, d) = get(&app, &app.client, path).await;
        assert_eq!(status, StatusCode::OK, "{backend}: {d}");
        let week = d["forecast"][2]["period_start"]
            .as_str()
            .unwrap()
            .to_owned();
        let base = d["forecast"][2]["point"].as_f64().unwrap();

        let ov = format!("{path}/overrides");
        let (status, a) = post(
            &app,
            &app.client,
            &ov,
            Some(json!({"period_start": week, "value": 10.0, "reason": "Retailer promotion"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{backend}: {a}");
        assert_eq!(a["base_point"].as_f64().unwrap(), base);
        assert_eq!(a["supersedes_id"], Value::Null);
        let (status, b) = post(
            &app,
            &app.client,
            &ov,
            Some(json!({"period_start": week, "value": 12.5, "reason": "Promotion extended"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{backend}: {b}");
        assert_eq!(b["supersedes_id"], a["id"], "{backend}");

        let (_, list) = get(&app, &app.client, &ov).await;
        let list = list["overrides"].as_array().unwrap().clone();
        assert_eq!(list.len(), 2, "{backend}: both kept");
        assert_eq!(list[0]["value"], 10.0);
        assert_eq!(list[0]["reason"], "Retailer promotion");
        assert_eq!(list[0]["active"], false);
        assert_eq!(list[0]["superseded_by"], b["id"]);
        assert_eq!(list[1]["active"], true);
        assert_eq!(list[1]["user_email"], "admin@sentia.demo");
        assert_eq!(list[1]["score"]["status"], "pending");
        let (_, d) = get(&app, &app.client, path).await;
        assert_eq!(d["forecast"][2]["override_value"], 12.5, "{backend}");

        // Audited, and the chain verifies.
        let rows = app
            .db
            .query_all_raw(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT action, entity_id FROM audit_log WHERE entity = 'forecast_override' ORDER BY id"
                    .to_owned(),
            ))
            .await
            .unwrap();
        assert_eq!(rows.len(), 2, "{backend}");
        let action: String = rows[1].try_get("", "action").unwrap();
        assert_eq!(action, "forecast_override.create");
        let v = sentia_store::audit::verify(&app.db).await.unwrap();
        assert_eq!(v.first_broken, None, "{backend}: the audit chain verifies");
        assert!(v.rows >= 3, "{backend}: sign-in and both overrides");

        // Once a week's actual is known the override is scored against it.
        let hist = d["history"].as_array().unwrap();
        let past = hist
            .iter()
            .rev()
            .find(|p| p["censored"] == false && p["units"].is_number())
            .expect("an uncensored week");
        let actual = past["units"].as_f64().unwrap();
        let admin_id = app
            .scalar("SELECT id FROM users WHERE email = 'admin@sentia.demo'")
            .await;
        sentia_store::forecasting::create_override(
            &app.db,
            &sentia_store::forecasting::NewOverride {
                sku: "RUM-50".into(),
                channel: "SHOP-UK".into(),
                period_start: past["period_start"].as_str().unwrap().parse().unwrap(),
                value: actual + 1.0,
                reason: "scored".into(),
                user_id: admin_id,
                base_forecast_id: None,
                base_point: Some(actual + 3.0),
                created_at: chrono::Utc::now(),
            },
        )
        .await
        .unwrap();
        let (_, list) = get(&app, &app.client, &ov).await;
        let scored = list["overrides"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["reason"] == "scored")
            .unwrap()
            .clone();
        assert_eq!(scored["score"]["status"], "scored", "{backend}: {scored}");
        assert_eq!(scored["score"]["actual"].as_f64().unwrap(), actual);
        assert_eq!(scored["score"]["override_error"].as_f64().unwrap(), 1.0);
        assert_eq!(scored["score"]["forecast_error"].as_f64().unwrap(), 3.0);
        assert_eq!(scored["score"]["improved"], true);
        app.finish().await;
    }
}

#[tokio::test]
async fn roles_see_and_change_only_what_they_may() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let anon = TestApp::new_client();
        let (status, _) = get(&app, &anon, "/api/v1/forecasting/series").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend}");

        let manager = app.signed_in_client("manager@sentia.demo").await;
        let (status, run) = post(&app, &manager, "/api/v1/forecasting/runs", None).await;
        assert_eq!(
            status,
            StatusCode::ACCEPTED,
            "{backend}: manager runs: {run}"
        );
        let run = wait_for_run(&app, &manager, run["id"].as_i64().unwrap()).await;
        assert_eq!(run["state"], "succeeded");

        let viewer = app.signed_in_client("viewer@sentia.demo").await;
        let (status, list) = get(&app, &viewer, "/api/v1/forecasting/series").await;
        assert_eq!(status, StatusCode::OK, "{backend}: viewer reads");
        assert_eq!(list["series"].as_array().unwrap().len(), SERIES);
        let (status, d) = get(&app, &viewer, "/api/v1/forecasting/series/GIN-20/AMZ-US").await;
        assert_eq!(status, StatusCode::OK, "{backend}: {d}");
        let r = viewer
            .get(app.url("/api/v1/forecasting/series/GIN-20/AMZ-US/export"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let csv = r.text().await.unwrap();
        assert!(csv.starts_with("sku,channel,week_start,kind,"));
        assert_eq!(csv.lines().filter(|l| l.contains(",forecast,")).count(), 13);
        let (status, body) = post(&app, &viewer, "/api/v1/forecasting/runs", None).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{backend}: viewer cannot run"
        );
        assert_eq!(error_code(&body), "forbidden");
        let week = d["forecast"][0]["period_start"].clone();
        let (status, _) = post(
            &app,
            &viewer,
            "/api/v1/forecasting/series/GIN-20/AMZ-US/overrides",
            Some(json!({"period_start": week, "value": 1.0, "reason": "no"})),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{backend}: viewer cannot override"
        );

        let operator = app.signed_in_client("operator@sentia.demo").await;
        for path in [
            "/api/v1/forecasting/series",
            "/api/v1/forecasting/series/GIN-20/AMZ-US",
            "/api/v1/forecasting/runs",
        ] {
            let (status, _) = get(&app, &operator, path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{backend}: operator {path}");
        }
        let (status, _) = post(&app, &operator, "/api/v1/forecasting/runs", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{backend}");
        let (status, me) = get(&app, &viewer, "/api/v1/me").await;
        assert_eq!(status, StatusCode::OK);
        let perms: Vec<&str> = me["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .filter(|p| p.starts_with("forecasting:"))
            .collect();
        assert_eq!(perms, vec!["forecasting:read"], "{backend}");
        app.finish().await;
    }
}

fn field(body: &Value) -> String {
    body["error"]["details"][0]["field"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        app.login_admin().await;
        // Before any run there is history but no forecast to override.
        let (status, body) = post(
            &app,
            &app.client,
            "/api/v1/forecasting/series/GIN-70/AMZ-UK/overrides",
            Some(json!({"period_start": "2030-01-07", "value": 1.0, "reason": "x"})),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{backend}: {body}");
        run_forecast(&app).await;

        let (status, body) = get(&app, &app.client, "/api/v1/forecasting/series/NOPE/AMZ-UK").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{backend}");
        assert_eq!(error_code(&body), "not_found");
        assert_eq!(field(&body), "sku");
        let (status, body) = get(
            &app,
            &app.client,
            "/api/v1/forecasting/series/GIN-70/NOPE/accuracy",
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(field(&body), "channel");
        let (status, body) = get(&app, &app.client, "/api/v1/forecasting/runs/abc").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        error_code(&body);
        let (status, body) = get(&app, &app.client, "/api/v1/forecasting/runs/999999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(field(&body), "id");

        let (_, d) = get(
            &app,
            &app.client,
            "/api/v1/forecasting/series/GIN-70/AMZ-UK",
        )
        .await;
        let week = d["forecast"][0]["period_start"]
            .as_str()
            .unwrap()
            .to_owned();
        let ov = "/api/v1/forecasting/series/GIN-70/AMZ-UK/overrides";
        let cases: Vec<(Value, &str)> = vec![
            (
                json!({"period_start": "2026-13-01", "value": 1.0, "reason": "x"}),
                "period_start",
            ),
            (
                json!({"period_start": "1999-01-04", "value": 1.0, "reason": "x"}),
                "period_start",
            ),
            (json!({"value": 1.0, "reason": "x"}), "period_start"),
            (
                json!({"period_start": week, "value": 1.0, "reason": "   "}),
                "reason",
            ),
            (json!({"period_start": week, "value": 1.0}), "reason"),
            (
                json!({"period_start": week, "value": -1.0, "reason": "x"}),
                "value",
            ),
            (
                json!({"period_start": week, "value": "NaN", "reason": "x"}),
                "value",
            ),
            (
                json!({"period_start": week, "value": "inf", "reason": "x"}),
                "value",
            ),
            (json!({"period_start": week, "reason": "x"}), "value"),
            (
                json!({"period_start": week, "value": 1.0, "reason": "x", "extra": 1}),
                "extra",
            ),
        ];
        for (body, expected) in cases {
            let (status, err) = post(&app, &app.client, ov, Some(body.clone())).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{backend}: {body} → {err}"
            );
            assert_eq!(field(&err), expected, "{backend}: {body} → {err}");
        }
        // A number too large for a double never reaches the handler as infinity.
        let r = app
            .client
            .post(app.url(ov))
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"period_start":"{week}","value":1e999,"reason":"x"}}"#
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field(&r.json().await.unwrap()), "value");
        let r = app
            .client
            .post(app.url(ov))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error_code(&r.json().await.unwrap()), "invalid_body");
        // A total is the sum of its series: it is not overridden itself.
        let (status, err) = post(
            &app,
            &app.client,
            "/api/v1/forecasting/series/GIN-70/*/overrides",
            Some(json!({"period_start": week, "value": 1.0, "reason": "x"})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {err}");
        assert_eq!(field(&err), "channel", "{backend}: {err}");
        let n = app.scalar("SELECT COUNT(*) FROM forecast_overrides").await;
        assert_eq!(n, 0, "{backend}: nothing refused was stored");
        app.finish().await;
    }
}
