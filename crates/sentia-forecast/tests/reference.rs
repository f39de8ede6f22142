//! Reference values on AirPassengers (statsforecast 2.1.1 `SeasonalNaive(season_length=12)`,
//! from `shared/data/README.md`) and hand-computed forecasts.

use std::path::PathBuf;

use sentia_forecast::bench::{BenchOptions, read_long_csv, run_bench};
use sentia_forecast::models::{Drift, Naive, SeasonalNaive};
use sentia_forecast::{Conformal, Forecaster, Predict, Series};

/// A copy of `shared/data/<name>` kept with the tests (AirPassengers is 144 rows), so the
/// reference checks always run.
fn data(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    assert!(p.exists(), "test data {} is missing", p.display());
    Some(p)
}

fn airpassengers_train() -> Option<Series> {
    let d = read_long_csv(&data("airpassengers.csv.gz")?).unwrap();
    Some(
        Series::new(d[0].train.clone())
            .unwrap()
            .with_season(12)
            .unwrap(),
    )
}

#[test]
fn seasonal_naive_matches_statsforecast_on_airpassengers() {
    let Some(path) = data("airpassengers.csv.gz") else {
        return;
    };
    let opts = BenchOptions {
        data: path,
        horizon: 12,
        season: 12,
        models: vec!["snaive".into()],
        group: None,
        limit: None,
        threads: 1,
    };
    let report = run_bench(&opts).unwrap();
    let s = &report.runs[0].score;
    assert!((s.smape - 10.57).abs() <= 0.01, "sMAPE {}", s.smape);
    assert!((s.mase - 1.571).abs() <= 0.01, "MASE {}", s.mase);
    // 3 of 12 and 11 of 12 test points inside, as statsforecast.
    assert!((s.cov80 - 25.0).abs() < 1e-9, "cov80 {}", s.cov80);
    assert!((s.cov95 - 91.7).abs() < 0.05, "cov95 {}", s.cov95);
    // Deterministic: the same scores again (timings aside).
    let again = run_bench(&opts).unwrap().runs[0].score.clone();
    assert_eq!(
        (again.smape, again.mase, again.cov95),
        (s.smape, s.mase, s.cov95)
    );
}

#[test]
fn naive_drift_and_seasonal_points_by_hand() {
    let Some(y) = airpassengers_train() else {
        return;
    };
    // y_1 = 112 (Jan 1949), y_132 = 405 (Dec 1959), Jan 1959 = 360.
    let slope = (405.0 - 112.0) / 131.0;
    let f = Drift.fit(&y).unwrap().predict(12, &[0.95]).unwrap();
    assert!((f.point[0] - (405.0 + slope)).abs() < 1e-9);
    assert!((f.point[11] - (405.0 + 12.0 * slope)).abs() < 1e-9);
    let f = Naive.fit(&y).unwrap().predict(3, &[]).unwrap();
    assert_eq!(f.point, vec![405.0; 3]);
    let f = SeasonalNaive::default()
        .fit(&y)
        .unwrap()
        .predict(13, &[])
        .unwrap();
    assert_eq!(f.point[0], 360.0);
    assert_eq!(f.point[11], 405.0);
    assert_eq!(f.point[12], 360.0);
}

#[test]
fn naive_interval_uses_residual_sd_times_sqrt_h() {
    let Some(y) = airpassengers_train() else {
        return;
    };
    let v = y.values();
    let res: Vec<f64> = v.windows(2).map(|w| w[1] - w[0]).collect();
    let sigma = (res.iter().map(|e| e * e).sum::<f64>() / res.len() as f64).sqrt();
    let f = Naive.fit(&y).unwrap().predict(4, &[0.95]).unwrap();
    let iv = f.interval(0.95).unwrap();
    let want = 1.959_963_984_540_054 * sigma * 2.0; // h = 4: √4
    assert!((iv.upper[3] - 405.0 - want).abs() < 1e-6);
}

#[test]
fn conformal_calibrates_per_step_on_airpassengers() {
    let Some(y) = airpassengers_train() else {
        return;
    };
    let fitted = Conformal::new(SeasonalNaive::default(), 12)
        .fit(&y)
        .unwrap();
    assert_eq!(fitted.windows(), 36);
    assert!(fitted.fallbacks().is_empty());
    let f = fitted.predict(24, &[0.8, 0.95]).unwrap();
    let (i80, i95) = (f.interval(0.8).unwrap(), f.interval(0.95).unwrap());
    for k in 0..24 {
        assert!(i95.lower[k] <= i80.lower[k] && i80.upper[k] <= i95.upper[k]);
        assert!((f.point[k] - i80.lower[k] - (i80.upper[k] - f.point[k])).abs() < 1e-9);
    }
}

#[test]
fn conformal_records_fallback_when_history_is_short() {
    let y = Series::new((0..30).map(f64::from).collect())
        .unwrap()
        .with_season(12)
        .unwrap();
    let fitted = Conformal::new(SeasonalNaive::default(), 12)
        .fit(&y)
        .unwrap();
    assert_eq!(fitted.windows(), 0);
    assert!(
        fitted
            .fallbacks()
            .iter()
            .any(|f| f.to == "snaive intervals")
    );
}
