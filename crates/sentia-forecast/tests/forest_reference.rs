//! The random forest (`rf`) on AirPassengers (train 132, h = 12, m = 12): deterministic under
//! its seed, and accurate. Measured with the default configuration (and the calendar the
//! benchmark reader gives the series): sMAPE 2.56, MASE 0.391, cov80 100.0, cov95 100.0
//! (statsforecast 2.1.1: SeasonalNaive sMAPE 10.57, AutoETS 7.45, AutoARIMA 4.03).
#![cfg(all(feature = "forest", feature = "bench"))]

use std::path::PathBuf;

use sentia_forecast::bench::{BenchOptions, read_long_csv, run_bench};
use sentia_forecast::models::RandomForest;
use sentia_forecast::{Forecaster, Predict, Series};

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/airpassengers.csv.gz")
}

#[test]
fn rf_on_airpassengers_is_deterministic_and_accurate() {
    let d = read_long_csv(&data()).unwrap();
    let train = Series::new(d[0].train.clone())
        .unwrap()
        .with_season(12)
        .unwrap();
    let a = RandomForest::default().fit(&train).unwrap();
    let b = RandomForest::default().fit(&train).unwrap();
    assert!(a.is_forest() && a.fallbacks().is_empty());
    let (fa, fb) = (
        a.predict(12, &[0.8, 0.95]).unwrap(),
        b.predict(12, &[0.8, 0.95]).unwrap(),
    );
    assert_eq!(fa, fb);
    let opts = BenchOptions {
        data: data(),
        horizon: 12,
        season: 12,
        models: vec!["rf".into()],
        group: None,
        limit: None,
        threads: 1,
    };
    let report = run_bench(&opts).unwrap();
    let run = &report.runs[0];
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    assert_eq!(run.with_fallback, 0);
    let s = &run.score;
    assert!(s.smape < 3.0, "sMAPE {}", s.smape);
    assert!(s.mase < 0.45, "MASE {}", s.mase);
    assert!(s.cov95 >= 90.0, "cov95 {}", s.cov95);
}
