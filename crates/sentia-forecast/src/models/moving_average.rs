//! Moving average of the last `window` observations.

use super::{Path, SimpleFitted, empirical_spread};
use crate::checks::{Fallback, observed_values};
use crate::error::ForecastError;
use crate::traits::Forecaster;
use crate::types::Series;

/// Flat forecast at the mean of the last `window` observed values (censored points skipped).
/// Intervals are empirical per step. A series shorter than the window uses the whole series,
/// recorded as a fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MovingAverage {
    window: usize,
}

impl MovingAverage {
    /// A moving average over `window ≥ 1` periods.
    pub fn new(window: usize) -> Result<Self, ForecastError> {
        if window == 0 {
            return Err(ForecastError::InvalidParameter {
                name: "window",
                reason: "must be at least 1".into(),
            });
        }
        Ok(Self { window })
    }

    /// The window length.
    pub fn window(&self) -> usize {
        self.window
    }
}

impl Forecaster for MovingAverage {
    type Fitted = SimpleFitted;

    fn name(&self) -> String {
        format!("ma({})", self.window)
    }

    fn min_history(&self, _season: usize) -> usize {
        self.window
    }

    fn fit(&self, series: &Series) -> Result<SimpleFitted, ForecastError> {
        let obs = observed_values(series)?;
        let mut fallbacks = Vec::new();
        let w = if obs.len() < self.window {
            fallbacks.push(Fallback::new(
                self.name(),
                format!("ma({})", obs.len()),
                format!(
                    "{} observed values, fewer than the window {}",
                    obs.len(),
                    self.window
                ),
            ));
            obs.len()
        } else {
            self.window
        };
        // Running sums would drift for long series; windows are short, so sum directly.
        let mean = |end: usize| obs[end + 1 - w..=end].iter().sum::<f64>() / w as f64;
        let origin: Vec<Option<f64>> = (0..obs.len())
            .map(|t| (t + 1 >= w).then(|| mean(t)))
            .collect();
        let point = mean(obs.len() - 1);
        let spread = empirical_spread(origin, obs, &self.name(), &mut fallbacks);
        Ok(SimpleFitted {
            model: self.name(),
            path: Path::Flat(point),
            spread,
            non_negative: false,
            fallbacks,
        })
    }
}
