//! Property tests: no input panics; intervals are nested and (for the random-walk models)
//! widen with the horizon; fitting is deterministic.

use proptest::prelude::*;
use sentia_forecast::models::{MODEL_NAMES, by_name};
use sentia_forecast::{DynForecaster, ForecastError, Series};

/// Models from `augurs` (feature `augurs`), checked on the same bad input.
#[cfg(all(feature = "augurs", feature = "prophet"))]
const AUGURS: &[&str] = &["mstl", "mstl:3+7", "prophet"];
#[cfg(all(feature = "augurs", not(feature = "prophet")))]
const AUGURS: &[&str] = &["mstl", "mstl:3+7"];
#[cfg(not(feature = "augurs"))]
const AUGURS: &[&str] = &[];
/// The machine-learning models, when their features are on.
fn ml_models() -> &'static [&'static str] {
    #[cfg(feature = "forest")]
    return sentia_forecast::models::ML_MODEL_NAMES;
    #[cfg(not(feature = "forest"))]
    return &[];
}

fn all_models(season: usize, horizon: usize) -> Vec<Box<dyn DynForecaster>> {
    MODEL_NAMES
        .iter()
        .copied()
        .chain(ml_models().iter().copied())
        .chain(["arima", "snaive+conformal", "ma+conformal", "tsb+conformal"])
        .chain(AUGURS.iter().copied())
        .map(|n| by_name(n, season, horizon).unwrap())
        .collect()
}

/// Values of every bad kind, mixed with ordinary ones.
fn wild_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => -1e4..1e4f64,
        2 => Just(0.0),
        1 => Just(-3.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(1e300),
        1 => Just(-f64::MAX),
    ]
}

/// Finite values: ordinary, constant runs, zeros (intermittent) and negatives.
fn finite_values() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        prop::collection::vec(-1e4..1e4f64, 1..50),
        (1usize..50, -1e3..1e3f64).prop_map(|(n, c)| vec![c; n]),
        prop::collection::vec(prop_oneof![3 => Just(0.0), 1 => 0.0..20.0f64], 1..50),
    ]
}

fn check(model: &dyn DynForecaster, series: &Series, h: usize) -> Result<(), TestCaseError> {
    let Ok(fitted) = model.fit_dyn(series) else {
        return Ok(());
    };
    let Ok(f) = fitted.predict(h, &[0.8, 0.95]) else {
        return Ok(());
    };
    prop_assert_eq!(f.point.len(), h);
    prop_assert!(f.point.iter().all(|x| x.is_finite()));
    let (i80, i95) = (f.interval(0.8).unwrap(), f.interval(0.95).unwrap());
    for k in 0..h {
        prop_assert!(i80.lower[k].is_finite() && i95.upper[k].is_finite());
        prop_assert!(i95.lower[k] <= i80.lower[k] + 1e-9 * i80.lower[k].abs());
        prop_assert!(i80.upper[k] <= i95.upper[k] + 1e-9 * i95.upper[k].abs());
        prop_assert!(i80.lower[k] <= i80.upper[k]);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn bad_input_never_panics(
        values in prop::collection::vec(wild_value(), 0..40),
        season in 0usize..14,
        h in 0usize..25,
        mask in prop::collection::vec(any::<bool>(), 0..40),
    ) {
        let series = Series::new(values.clone()).and_then(|s| s.with_season(season));
        match (&series, values.iter().position(|v| !v.is_finite())) {
            (Err(ForecastError::NonFinite { index, .. }), Some(i)) => prop_assert_eq!(*index, i),
            (Err(ForecastError::Empty), _) => prop_assert!(values.is_empty()),
            (Err(_), _) => prop_assert_eq!(season, 0),
            (Ok(_), bad) => prop_assert!(bad.is_none()),
        }
        let Ok(series) = series else { return Ok(()) };
        let series = series.clone().with_censored(mask).unwrap_or(series);
        for model in all_models(season.max(1), h.max(1)) {
            check(model.as_ref(), &series, h)?;
        }
        // Levels outside (0, 1) are refused, not panicked on.
        if let Ok(f) = by_name("naive", 1, 1).unwrap().fit_dyn(&series) {
            prop_assert!(f.predict(3, &[95.0]).is_err());
            prop_assert!(f.predict(3, &[f64::NAN]).is_err());
        }
    }

    #[test]
    fn finite_input_gives_nested_intervals(
        values in finite_values(),
        season in 1usize..13,
        h in 1usize..30,
    ) {
        let series = Series::new(values).unwrap().with_season(season).unwrap();
        for model in all_models(season, h) {
            check(model.as_ref(), &series, h)?;
        }
    }

    #[test]
    fn random_walk_intervals_widen_with_horizon(
        values in prop::collection::vec(-1e4..1e4f64, 1..60),
        season in 1usize..13,
        h in 1usize..40,
    ) {
        let series = Series::new(values).unwrap().with_season(season).unwrap();
        for name in ["naive", "snaive", "drift"] {
            let f = by_name(name, season, h).unwrap().fit_dyn(&series).unwrap()
                .predict(h, &[0.8, 0.95]).unwrap();
            for iv in &f.intervals {
                let width: Vec<f64> = iv.upper.iter().zip(&iv.lower).map(|(u, l)| u - l).collect();
                for k in 1..h {
                    prop_assert!(width[k] >= width[k - 1] - 1e-9 * width[k].abs(), "{name}: {width:?}");
                }
            }
        }
    }

    #[test]
    fn fitting_is_deterministic(values in finite_values(), season in 1usize..13) {
        let series = Series::new(values).unwrap().with_season(season).unwrap();
        for model in all_models(season, 6) {
            let a = model.fit_dyn(&series).and_then(|f| f.predict(6, &[0.9]));
            let b = model.fit_dyn(&series).and_then(|f| f.predict(6, &[0.9]));
            prop_assert_eq!(a, b);
        }
    }
}

/// Our AutoARIMA on each named kind of bad input: it fits (or refuses with an error, never a
/// panic), and what it forecasts is finite with nested intervals.
#[test]
fn arima_handles_empty_constant_zero_negative_short_and_non_finite_series() {
    let arima = by_name("arima", 12, 12).unwrap();
    // Empty and non-finite input is refused before any model sees it.
    assert!(matches!(Series::new(vec![]), Err(ForecastError::Empty)));
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert!(Series::new(vec![1.0, bad, 3.0]).is_err());
    }
    let cases: Vec<(&str, Vec<f64>)> = vec![
        ("one point", vec![4.0]),
        ("three points", vec![1.0, 2.0, 3.0]),
        ("short", vec![3.0, 1.0, 4.0, 1.0, 5.0]),
        ("constant", vec![7.5; 40]),
        ("all zero", vec![0.0; 40]),
        (
            "negative",
            (0..60)
                .map(|t| -100.0 - (t as f64 * 0.9).sin() * 7.0 - t as f64)
                .collect(),
        ),
        ("huge", vec![1e300, -1e300, 1e300, -1e300, 1e300, 1e300]),
        ("linear", (0..50).map(f64::from).collect()),
        (
            "seasonal zeros",
            (0..60)
                .map(|t| if t % 12 == 0 { 5.0 } else { 0.0 })
                .collect(),
        ),
    ];
    for (name, values) in cases {
        let series = Series::new(values).unwrap().with_season(12).unwrap();
        let Ok(fitted) = arima.fit_dyn(&series) else {
            continue;
        };
        match fitted.predict(12, &[0.8, 0.95]) {
            Ok(f) => {
                let (a, b) = (f.interval(0.8).unwrap(), f.interval(0.95).unwrap());
                for k in 0..12 {
                    assert!(f.point[k].is_finite(), "{name}");
                    assert!(
                        b.lower[k] <= a.lower[k] && a.lower[k] <= f.point[k],
                        "{name}"
                    );
                    assert!(
                        f.point[k] <= a.upper[k] && a.upper[k] <= b.upper[k],
                        "{name}"
                    );
                }
                if name == "constant" || name == "all zero" {
                    assert_eq!(f.point[0], series.values()[0], "{name}");
                }
            }
            Err(e) => assert!(
                matches!(e, ForecastError::NonFiniteOutput { .. }),
                "{name}: {e}"
            ),
        }
    }
}

proptest! {
    // The ensemble fits every member several times: fewer cases.
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn ensembles_never_panic_and_nest_their_intervals(
        values in prop_oneof![
            finite_values(),
            prop::collection::vec(50.0..150.0f64, 30..80),
        ],
        season in 1usize..13,
        h in 1usize..19,
    ) {
        let series = Series::new(values).unwrap().with_season(season).unwrap();
        for name in ["ensemble", "ensemble:snaive+naive+drift"] {
            let model = by_name(name, season, h).unwrap();
            check(model.as_ref(), &series, h)?;
            let a = model.fit_dyn(&series).and_then(|f| f.predict(h, &[0.9]));
            let b = model.fit_dyn(&series).and_then(|f| f.predict(h, &[0.9]));
            prop_assert_eq!(a, b, "{} is not deterministic", name);
        }
    }
}

#[cfg(feature = "lstm")]
proptest! {
    // Each fit trains a network three times (the model and two interval origins): few cases.
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn lstm_never_panics_nests_its_intervals_and_is_deterministic(
        values in prop_oneof![
            finite_values(),
            prop::collection::vec(50.0..150.0f64, 20..60),
        ],
        season in 1usize..13,
        h in 1usize..19,
    ) {
        let series = Series::new(values).unwrap().with_season(season).unwrap();
        let model = by_name("lstm", season, h).unwrap();
        check(model.as_ref(), &series, h)?;
        let a = model.fit_dyn(&series).and_then(|f| f.predict(h, &[0.9]));
        let b = model.fit_dyn(&series).and_then(|f| f.predict(h, &[0.9]));
        prop_assert_eq!(a, b);
    }
}
