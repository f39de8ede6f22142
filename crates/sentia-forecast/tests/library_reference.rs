//! Golden tests for our AutoETS (`ets`) and the `anofox-forecast` models on AirPassengers (train 132, h = 12, m = 12)
//! against statsforecast 2.1.1 (`shared/data/README.md`: AutoETS sMAPE 7.45 / MASE 1.170 /
//! cov 58.3–83.3; AutoARIMA sMAPE 4.03 / MASE 0.608 / cov 83.3–91.7).
//!
//! * AutoARIMA selects ARIMA(1,1,0)(0,1,0)[12] and reproduces statsforecast's row to its printed
//!   precision (sMAPE ±0.005, MASE ±0.001, both coverages exactly).
//! * Our AutoETS (`ets`) reproduces statsforecast's row (sMAPE ±0.01, MASE ±0.002).
//! * The library's AutoETS (`ets:anofox`) does not reproduce the row and is not expected to: the library selects
//!   ETS(M,A,M) by AICc (1248.1; M,N,M 1254.7; M,Ad,M 1255.6), with its own optimiser and
//!   initial states, and scores sMAPE 4.14 / MASE 0.663. statsforecast's 7.45 / 1.170 is a
//!   different selection or different parameter estimates. The test asserts it is no worse
//!   than statsforecast and pins our own values (±0.05 sMAPE, ±0.01 MASE) as a regression check.
//! * AutoTheta has no statsforecast row on AirPassengers; our values are pinned.
#![cfg(all(feature = "anofox", feature = "bench"))]

use std::path::PathBuf;

use sentia_forecast::bench::{BenchOptions, ModelScore, read_long_csv, run_bench};
use sentia_forecast::models::{AutoArima, AutoEts, AutoTheta};
use sentia_forecast::{Conformal, Forecaster, Predict, Series};

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/airpassengers.csv.gz")
}

fn score(model: &str) -> ModelScore {
    let opts = BenchOptions {
        data: data(),
        horizon: 12,
        season: 12,
        models: vec![model.into()],
        group: None,
        limit: None,
        threads: 1,
    };
    let report = run_bench(&opts).unwrap();
    let run = &report.runs[0];
    assert!(run.failures.is_empty(), "{model}: {:?}", run.failures);
    assert_eq!(run.with_fallback, 0, "{model} fell back");
    run.score.clone()
}

fn train() -> Series {
    let d = read_long_csv(&data()).unwrap();
    Series::new(d[0].train.clone())
        .unwrap()
        .with_season(12)
        .unwrap()
}

#[test]
fn autoarima_matches_statsforecast_on_airpassengers() {
    let y = train();
    let fitted = AutoArima::default().fit(&y).unwrap();
    assert_eq!(fitted.selected(), "ARIMA(1,1,0)(0,1,0)[12]");
    assert!(fitted.fallbacks().is_empty());
    let s = score("arima");
    assert!((s.smape - 4.03).abs() <= 0.005, "sMAPE {}", s.smape);
    assert!((s.mase - 0.608).abs() <= 0.001, "MASE {}", s.mase);
    assert!((s.cov80 - 83.3).abs() < 0.05, "cov80 {}", s.cov80);
    assert!((s.cov95 - 91.7).abs() < 0.05, "cov95 {}", s.cov95);
}

#[test]
fn anofox_autoets_on_airpassengers_is_no_worse_than_statsforecast() {
    let fitted = AutoEts::default().fit(&train()).unwrap();
    assert_eq!(fitted.selected(), "ETS(M,A,M)[12]");
    let s = score("ets:anofox");
    assert!(s.smape <= 7.45 && s.mase <= 1.170, "{s:?}");
    assert!((s.smape - 4.135).abs() <= 0.05, "sMAPE {}", s.smape);
    assert!((s.mase - 0.663).abs() <= 0.01, "MASE {}", s.mase);
    // 11 of 12 and 12 of 12 test points inside (statsforecast: 7 and 10).
    assert!((s.cov80 - 91.7).abs() < 0.05, "cov80 {}", s.cov80);
    assert!((s.cov95 - 100.0).abs() < 0.05, "cov95 {}", s.cov95);
}

#[test]
fn theta_on_airpassengers_pinned() {
    let fitted = AutoTheta::default().fit(&train()).unwrap();
    assert!(
        fitted.selected().starts_with("Theta("),
        "{}",
        fitted.selected()
    );
    let s = score("theta");
    assert!((s.smape - 4.135).abs() <= 0.05, "sMAPE {}", s.smape);
    assert!((s.mase - 0.668).abs() <= 0.01, "MASE {}", s.mase);
}

#[test]
fn library_intervals_nest_and_conformal_wraps() {
    let y = train();
    for model in ["ets", "ets:anofox", "theta"] {
        let m = sentia_forecast::models::by_name(model, 12, 12).unwrap();
        let f = m.fit_dyn(&y).unwrap().predict(18, &[0.8, 0.95]).unwrap();
        let (a, b) = (f.interval(0.8).unwrap(), f.interval(0.95).unwrap());
        for k in 0..18 {
            assert!(
                b.lower[k] <= a.lower[k] && a.lower[k] <= f.point[k],
                "{model} {k}"
            );
            assert!(
                f.point[k] <= a.upper[k] && a.upper[k] <= b.upper[k],
                "{model} {k}"
            );
        }
    }
    let fitted = Conformal::new(AutoTheta::default(), 12).fit(&y).unwrap();
    assert_eq!(fitted.windows(), 36);
    let named = sentia_forecast::models::by_name("theta+conformal", 12, 12).unwrap();
    assert_eq!(named.dyn_name(), "theta+conformal");
}

/// Our AutoETS reproduces statsforecast 2.1.1's AutoETS row on AirPassengers
/// (`shared/data/README.md`: sMAPE 7.45, MASE 1.170).
#[test]
fn autoets_matches_statsforecast_on_airpassengers() {
    let s = score("ets");
    assert!((s.smape - 7.45).abs() <= 0.01, "sMAPE {}", s.smape);
    assert!((s.mase - 1.170).abs() <= 0.002, "MASE {}", s.mase);
}
