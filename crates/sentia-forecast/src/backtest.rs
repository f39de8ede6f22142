//! Rolling-origin evaluation (time-series cross-validation, fpp3 §5.10).
//!
//! Fold `j` (oldest first) trains on the first `n − horizon − (folds−1−j)·step` periods and
//! forecasts the next `horizon`; the last fold's window ends at the end of the series.

use crate::checks::Fallback;
use crate::error::ForecastError;
use crate::traits::{Forecaster, Predict};
use crate::types::{Forecast, Series};

/// How to cut the series into folds.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestConfig {
    /// Number of forecast origins (≥ 1).
    pub folds: usize,
    /// Steps forecast from each origin (≥ 1).
    pub horizon: usize,
    /// Periods between consecutive origins (≥ 1).
    pub step: usize,
    /// Interval levels to forecast at each origin (may be empty).
    pub levels: Vec<f64>,
}

/// One origin's forecast and its errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Fold {
    /// Periods the model was fitted on.
    pub train_len: usize,
    /// The forecast from this origin.
    pub forecast: Forecast,
    /// The held-out values.
    pub actual: Vec<f64>,
    /// `actual − point` per step; `None` where the actual is censored or missing.
    pub errors: Vec<Option<f64>>,
    /// Fallbacks the model took when fitted on this fold.
    pub fallbacks: Vec<Fallback>,
}

impl Fold {
    /// Mean absolute error over the uncensored steps, if any.
    pub fn mae(&self) -> Option<f64> {
        mean(self.errors.iter().flatten().map(|e| e.abs()))
    }

    /// Root mean squared error over the uncensored steps, if any.
    pub fn rmse(&self) -> Option<f64> {
        mean(self.errors.iter().flatten().map(|e| e * e)).map(f64::sqrt)
    }
}

fn mean(it: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = it.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

/// All folds, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// The folds.
    pub folds: Vec<Fold>,
}

impl Backtest {
    /// Errors (`actual − point`) grouped by horizon step: element `k` holds the `k+1`-step
    /// errors of every fold, censored actuals skipped.
    pub fn errors_by_step(&self) -> Vec<Vec<f64>> {
        let h = self.folds.iter().map(|f| f.errors.len()).max().unwrap_or(0);
        (0..h)
            .map(|k| {
                self.folds
                    .iter()
                    .filter_map(|f| f.errors.get(k).copied().flatten())
                    .collect()
            })
            .collect()
    }

    /// Mean absolute error per horizon step (`None` where a step has no uncensored actual).
    pub fn mae_by_step(&self) -> Vec<Option<f64>> {
        self.errors_by_step()
            .iter()
            .map(|e| mean(e.iter().map(|x| x.abs())))
            .collect()
    }
}

/// Runs `model` over the folds of `series` described by `cfg`.
pub fn rolling_origin<F: Forecaster + ?Sized>(
    model: &F,
    series: &Series,
    cfg: &BacktestConfig,
) -> Result<Backtest, ForecastError> {
    for (name, v) in [
        ("folds", cfg.folds),
        ("horizon", cfg.horizon),
        ("step", cfg.step),
    ] {
        if v == 0 {
            return Err(ForecastError::InvalidParameter {
                name,
                reason: "must be at least 1".into(),
            });
        }
    }
    let n = series.len();
    let span = (cfg.folds - 1)
        .checked_mul(cfg.step)
        .and_then(|s| s.checked_add(cfg.horizon + 1))
        .unwrap_or(usize::MAX);
    if n < span {
        return Err(ForecastError::TooShort {
            model: format!("backtest of {}", model.name()),
            needed: span,
            got: n,
        });
    }
    let mut folds = Vec::with_capacity(cfg.folds);
    for j in (0..cfg.folds).rev() {
        let train_len = n - cfg.horizon - j * cfg.step;
        let fitted = model.fit(&series.prefix(train_len))?;
        let forecast = fitted.predict(cfg.horizon, &cfg.levels)?;
        let actual = series.values()[train_len..train_len + cfg.horizon].to_vec();
        let errors = actual
            .iter()
            .zip(&forecast.point)
            .enumerate()
            .map(|(k, (y, f))| (!series.is_censored(train_len + k)).then_some(y - f))
            .collect();
        folds.push(Fold {
            train_len,
            forecast,
            actual,
            errors,
            fallbacks: fitted.fallbacks().to_vec(),
        });
    }
    Ok(Backtest { folds })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Naive;

    #[test]
    fn folds_end_at_the_series_end() {
        let s = Series::new((0..10).map(f64::from).collect()).unwrap();
        let cfg = BacktestConfig {
            folds: 3,
            horizon: 2,
            step: 2,
            levels: vec![0.8],
        };
        let bt = rolling_origin(&Naive, &s, &cfg).unwrap();
        let lens: Vec<usize> = bt.folds.iter().map(|f| f.train_len).collect();
        assert_eq!(lens, vec![4, 6, 8]);
        // naive on a unit ramp: k-step error is k
        assert_eq!(bt.errors_by_step(), vec![vec![1.0; 3], vec![2.0; 3]]);
        assert_eq!(bt.mae_by_step(), vec![Some(1.0), Some(2.0)]);
        assert_eq!(bt.folds[0].mae(), Some(1.5));
        assert!(rolling_origin(&Naive, &s, &BacktestConfig { folds: 9, ..cfg }).is_err());
    }
}
