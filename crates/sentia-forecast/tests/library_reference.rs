//! Golden tests for our AutoETS (`ets`) and the `anofox-forecast` models on AirPassengers (train 132, h = 12, m = 12)
//! against statsforecast 2.1.1 (`shared/data/README.md`: AutoETS sMAPE 7.45 / MASE 1.170 /
//! cov 58.3–83.3; AutoARIMA sMAPE 4.03 / MASE 0.608 / cov 83.3–91.7).
//!
//! * Our AutoARIMA (`arima`) selects ARIMA(1,1,0)(0,1,0)[12], as statsforecast, with its
//!   coefficient, likelihood, forecasts and intervals, and reproduces statsforecast's row to its
//!   printed precision (sMAPE ±0.005, MASE ±0.001, both coverages exactly); so does the
//!   library's (`arima:anofox`).
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
use sentia_forecast::models::{Arima, AutoArima, AutoEts, AutoTheta};
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

/// Our AutoARIMA (`arima`) against statsforecast 2.1.1's `AutoARIMA(season_length=12)` on the
/// same 132 training points: both select ARIMA(1,1,0)(0,1,0)[12] (no constant: d + D = 2). The
/// reference values were printed by statsforecast (`model_["coef"]`, `sigma2`, `loglik`,
/// `aicc`, `predict(12, level=[80, 95])`). Tolerances: the coefficient to 2e-3 and the
/// log-likelihood to 0.05 (two BFGS runs with different gradients and stopping rules reach the
/// same optimum to about that), forecasts to 0.1% and interval bounds to 0.3% (σ² enters
/// through the coefficient); the accuracy row (`shared/data/README.md`) to its printed
/// precision, as the anofox-forecast wrapper (`arima:anofox`) also does.
#[test]
fn autoarima_matches_statsforecast_on_airpassengers() {
    let y = train();
    let fitted = Arima::default().fit(&y).unwrap();
    assert_eq!(fitted.selected(), "ARIMA(1,1,0)(0,1,0)[12]");
    assert!(fitted.fallbacks().is_empty());
    let model = fitted.model().unwrap();
    let ar1 = model.coefficients()[0];
    assert!((ar1 - -0.244_764).abs() < 2e-3, "ar1 {ar1}");
    assert!(
        (model.loglik() - -447.951).abs() < 0.05,
        "loglik {}",
        model.loglik()
    );
    assert!(
        (model.aicc() - 900.006).abs() < 0.1,
        "aicc {}",
        model.aicc()
    );
    assert!(
        (model.sigma2() - 109.799).abs() < 0.3,
        "sigma2 {}",
        model.sigma2()
    );
    let f = fitted.predict(12, &[0.8, 0.95]).unwrap();
    let mean = [
        424.084, 407.042, 470.808, 460.865, 484.851, 536.855, 612.854, 623.854, 527.854, 471.854,
        426.854, 469.854,
    ];
    let lo95 = [
        403.546, 381.306, 440.105, 426.038, 446.308, 494.93, 567.799, 575.873, 477.115, 418.5,
        371.007, 411.621,
    ];
    let hi80 = [
        437.513, 423.871, 490.883, 483.637, 510.053, 564.268, 642.314, 655.227, 561.03, 506.74,
        463.37, 507.93,
    ];
    let (i80, i95) = (f.interval(0.8).unwrap(), f.interval(0.95).unwrap());
    for k in 0..12 {
        assert!(
            (f.point[k] / mean[k] - 1.0).abs() < 1e-3,
            "mean {k}: {}",
            f.point[k]
        );
        assert!(
            (i95.lower[k] / lo95[k] - 1.0).abs() < 3e-3,
            "lo95 {k}: {}",
            i95.lower[k]
        );
        assert!(
            (i80.upper[k] / hi80[k] - 1.0).abs() < 3e-3,
            "hi80 {k}: {}",
            i80.upper[k]
        );
    }
    let s = score("arima");
    assert!((s.smape - 4.03).abs() <= 0.005, "sMAPE {}", s.smape);
    assert!((s.mase - 0.608).abs() <= 0.001, "MASE {}", s.mase);
    assert!((s.cov80 - 83.3).abs() < 0.05, "cov80 {}", s.cov80);
    assert!((s.cov95 - 91.7).abs() < 0.05, "cov95 {}", s.cov95);
}

/// The anofox-forecast AutoARIMA (`arima:anofox`, kept for comparison) selects the same order
/// and reproduces the same row.
#[test]
fn anofox_autoarima_matches_statsforecast_on_airpassengers() {
    let fitted = AutoArima::default().fit(&train()).unwrap();
    assert_eq!(fitted.selected(), "ARIMA(1,1,0)(0,1,0)[12]");
    let s = score("arima:anofox");
    assert!((s.smape - 4.03).abs() <= 0.005, "sMAPE {}", s.smape);
    assert!((s.mase - 0.608).abs() <= 0.001, "MASE {}", s.mase);
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
    for model in [
        "ets",
        "ets:aicw",
        "ets:anofox",
        "arima",
        "arima:anofox",
        "theta",
    ] {
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
