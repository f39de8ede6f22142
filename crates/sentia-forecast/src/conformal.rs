//! Conformal prediction intervals for any model, calibrated per horizon step.

use crate::backtest::{BacktestConfig, rolling_origin};
use crate::checks::Fallback;
use crate::error::ForecastError;
use crate::stats::{check_levels, conformal_quantile, sort_finite};
use crate::traits::{Forecaster, Predict};
use crate::types::{Forecast, Series};

/// Wraps a model and replaces its intervals by split-conformal ones: for each horizon step
/// `k`, the interval is `point ± q_k`, where `q_k` is the ⌈(n+1)·level⌉-th smallest absolute
/// `k`-step error over `n` rolling-origin backtest windows (the last `max_windows` origins, one
/// period apart, each with at least the model's minimum history).
///
/// Intervals are symmetric around the point and not clipped: a non-negative model (Croston
/// family) may get a negative lower bound, which callers clip if they need to.
///
/// Steps beyond the calibrated horizon reuse the last step's scores scaled by √(k/H). With
/// fewer than `min_scores` windows the model's own intervals are kept and a [`Fallback`] is
/// recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Conformal<M> {
    inner: M,
    horizon: usize,
    /// Most rolling-origin windows used for calibration (default 36).
    pub max_windows: usize,
    /// Fewest windows for which conformal intervals are used (default 5).
    pub min_scores: usize,
}

impl<M> Conformal<M> {
    /// Calibrates `inner` for horizons up to `horizon` (at least 1).
    pub fn new(inner: M, horizon: usize) -> Self {
        Self {
            inner,
            horizon: horizon.max(1),
            max_windows: 36,
            min_scores: 5,
        }
    }

    /// The wrapped model.
    pub fn inner(&self) -> &M {
        &self.inner
    }
}

/// A fitted model with conformal scores per horizon step.
#[derive(Debug, Clone)]
pub struct ConformalFitted<P> {
    inner: P,
    /// Sorted absolute errors per step; empty when calibration fell back.
    scores: Vec<Vec<f64>>,
    fallbacks: Vec<Fallback>,
}

impl<P> ConformalFitted<P> {
    /// Calibration windows behind step 1 (0 when the model's own intervals are used).
    pub fn windows(&self) -> usize {
        self.scores.first().map_or(0, Vec::len)
    }

    /// The wrapped fitted model.
    pub fn inner(&self) -> &P {
        &self.inner
    }
}

impl<M> Forecaster for Conformal<M>
where
    M: Forecaster + Send + Sync,
    M::Fitted: Send + Sync + 'static,
{
    type Fitted = ConformalFitted<M::Fitted>;

    fn name(&self) -> String {
        format!("{}+conformal", self.inner.name())
    }

    fn min_history(&self, season: usize) -> usize {
        self.inner.min_history(season)
    }

    fn fit(&self, series: &Series) -> Result<Self::Fitted, ForecastError> {
        let inner = self.inner.fit(series)?;
        let mut fallbacks = inner.fallbacks().to_vec();
        let h = self.horizon;
        let min_train = self.inner.min_history(series.season()).max(1);
        let available = series.len().saturating_sub(h + min_train - 1);
        let folds = available.min(self.max_windows);
        let mut scores = Vec::new();
        if folds >= self.min_scores.max(1) {
            let cfg = BacktestConfig {
                folds,
                horizon: h,
                step: 1,
                levels: Vec::new(),
            };
            let bt = rolling_origin(&self.inner, series, &cfg)?;
            scores = bt.errors_by_step();
            for s in &mut scores {
                s.iter_mut().for_each(|e| *e = e.abs());
                sort_finite(s);
            }
            if scores.iter().any(|s| s.len() < self.min_scores.max(1)) {
                scores.clear();
            }
        }
        if scores.is_empty() {
            fallbacks.push(Fallback::new(
                self.name(),
                format!("{} intervals", self.inner.name()),
                format!(
                    "{} observations give fewer than {} calibration windows of {h} steps",
                    series.len(),
                    self.min_scores
                ),
            ));
        }
        Ok(ConformalFitted {
            inner,
            scores,
            fallbacks,
        })
    }
}

impl<P: Predict> Predict for ConformalFitted<P> {
    fn predict_in_place(
        &self,
        horizon: usize,
        levels: &[f64],
        out: &mut Forecast,
    ) -> Result<(), ForecastError> {
        check_levels(levels)?;
        self.inner.predict_in_place(horizon, levels, out)?;
        let Some(last) = self.scores.last() else {
            return Ok(());
        };
        let cal_h = self.scores.len();
        for k in 0..horizon {
            let (s, scale) = match self.scores.get(k) {
                Some(s) => (s, 1.0),
                None => (last, ((k + 1) as f64 / cal_h as f64).sqrt()),
            };
            let p = out.point[k];
            for iv in &mut out.intervals {
                let q = conformal_quantile(s, iv.level) * scale;
                iv.lower[k] = p - q;
                iv.upper[k] = p + q;
            }
        }
        // Calibration errors near the float range (values of ±1e300) overflow to infinite
        // widths: refuse rather than hand out an interval nobody can use.
        if !out.is_finite() {
            return Err(ForecastError::NonFiniteOutput {
                model: "conformal".into(),
            });
        }
        Ok(())
    }

    fn fallbacks(&self) -> &[Fallback] {
        &self.fallbacks
    }
}
