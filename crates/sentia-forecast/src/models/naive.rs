//! Naive, seasonal naive and drift: the random-walk family (fpp3 §5.2, intervals §5.5).

use super::{Path, SimpleFitted, Spread, zero_spread};
use crate::checks::{Fallback, observed_values};
use crate::error::ForecastError;
use crate::stats::rms;
use crate::traits::Forecaster;
use crate::types::Series;

/// Naive: every forecast is the last observed value. Intervals σ√h.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Naive;

/// Seasonal naive: the value one season back. Intervals σ√(k+1), k = ⌊(h−1)/m⌋.
///
/// Needs `min_seasons` full seasons (default 2, so that each season position has a residual);
/// with less history, or a season length of 1, it runs as [`Naive`] and records the fallback.
///
/// With `drift` it is the seasonal random walk with drift (`sdrift`, ARIMA(0,0,0)(0,1,0) with a
/// constant): each season ahead adds the mean seasonal difference `mean(y_t − y_{t−m})`, and σ
/// is that of the seasonal differences around their mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeasonalNaive {
    /// Full seasons of history required before the seasonal form is used.
    pub min_seasons: usize,
    /// Add the mean seasonal difference per season ahead.
    pub drift: bool,
}

impl Default for SeasonalNaive {
    fn default() -> Self {
        Self {
            min_seasons: 2,
            drift: false,
        }
    }
}

impl SeasonalNaive {
    /// The seasonal random walk with drift (`sdrift`).
    pub fn with_drift() -> Self {
        Self {
            drift: true,
            ..Self::default()
        }
    }

    fn label(&self) -> &'static str {
        if self.drift { "sdrift" } else { "snaive" }
    }
}

/// Drift: the line through the first and last observations. Intervals σ√(h(1+h/T)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drift;

/// Consecutive observed pairs `(y[i-lag], y[i])`, skipping any pair with a censored end.
fn lag_pairs(series: &Series, lag: usize) -> impl Iterator<Item = (f64, f64)> + '_ {
    let v = series.values();
    (lag..series.len())
        .filter(move |&i| !series.is_censored(i) && !series.is_censored(i - lag))
        .map(move |i| (v[i - lag], v[i]))
}

fn last_observed(series: &Series) -> Result<(usize, f64), ForecastError> {
    series.observed().last().ok_or(ForecastError::AllCensored)
}

fn fit_naive(series: &Series, fallbacks: Vec<Fallback>) -> Result<SimpleFitted, ForecastError> {
    let mut fallbacks = fallbacks;
    let (t_last, last) = last_observed(series)?;
    let res: Vec<f64> = lag_pairs(series, 1).map(|(a, b)| b - a).collect();
    let offset = series.len() - 1 - t_last;
    let spread = match rms(&res, res.len()) {
        Some(sigma) => Spread::RandomWalk { sigma, offset },
        None => zero_spread("naive", &mut fallbacks),
    };
    Ok(SimpleFitted {
        model: "naive".into(),
        path: Path::Flat(last),
        spread,
        non_negative: false,
        fallbacks,
    })
}

impl Forecaster for Naive {
    type Fitted = SimpleFitted;

    fn name(&self) -> String {
        "naive".into()
    }

    fn fit(&self, series: &Series) -> Result<SimpleFitted, ForecastError> {
        fit_naive(series, Vec::new())
    }
}

impl Forecaster for SeasonalNaive {
    type Fitted = SimpleFitted;

    fn name(&self) -> String {
        self.label().into()
    }

    fn min_history(&self, season: usize) -> usize {
        self.min_seasons.max(1) * season
    }

    fn fit(&self, series: &Series) -> Result<SimpleFitted, ForecastError> {
        let m = series.season();
        let n = series.len();
        let need = self.min_history(m);
        if m < 2 || n < need {
            let reason = if m < 2 {
                "the series has no season (season length 1)".to_owned()
            } else {
                format!(
                    "{n} observations, fewer than {} seasons of {m} ({need})",
                    self.min_seasons
                )
            };
            return fit_naive(series, vec![Fallback::new(self.label(), "naive", reason)]);
        }
        observed_values(series)?;
        let (t_last, last) = last_observed(series)?;
        let v = series.values();
        let mut values = Vec::with_capacity(m);
        let mut ahead = Vec::with_capacity(m);
        let mut fallbacks = Vec::new();
        for s in 0..m {
            let target = n + s;
            let source = (1..=target / m)
                .map(|k| target - k * m)
                .find(|&i| !series.is_censored(i));
            match source {
                Some(i) => {
                    values.push(v[i]);
                    ahead.push((target - i) / m);
                }
                None => {
                    fallbacks.push(Fallback::new(
                        self.label(),
                        "naive",
                        format!("no observed value at season position {}", target % m),
                    ));
                    values.push(last);
                    ahead.push((target - t_last).div_ceil(m));
                }
            }
        }
        let mut res: Vec<f64> = lag_pairs(series, m).map(|(a, b)| b - a).collect();
        let mut drift = 0.0;
        let mut dof = res.len();
        if self.drift && !res.is_empty() {
            drift = res.iter().sum::<f64>() / res.len() as f64;
            for r in &mut res {
                *r -= drift;
            }
            dof -= 1;
        }
        let spread = match rms(&res, dof) {
            Some(sigma) => Spread::Seasonal { sigma },
            None => zero_spread(self.label(), &mut fallbacks),
        };
        Ok(SimpleFitted {
            model: self.label().into(),
            path: Path::Seasonal {
                values,
                ahead,
                drift,
            },
            spread,
            non_negative: false,
            fallbacks,
        })
    }
}

impl Forecaster for Drift {
    type Fitted = SimpleFitted;

    fn name(&self) -> String {
        "drift".into()
    }

    fn min_history(&self, _season: usize) -> usize {
        2
    }

    fn fit(&self, series: &Series) -> Result<SimpleFitted, ForecastError> {
        let (t0, y0) = series.observed().next().ok_or(ForecastError::AllCensored)?;
        let (t1, y1) = last_observed(series)?;
        if t1 == t0 {
            return fit_naive(
                series,
                vec![Fallback::new(
                    "drift",
                    "naive",
                    "a single observed value gives no slope",
                )],
            );
        }
        let slope = (y1 - y0) / (t1 - t0) as f64;
        let res: Vec<f64> = lag_pairs(series, 1).map(|(a, b)| b - a - slope).collect();
        let mut fallbacks = Vec::new();
        let offset = series.len() - 1 - t1;
        // One parameter (the slope) is estimated: fpp3's T − K − M degrees of freedom.
        let spread = match rms(&res, res.len().saturating_sub(1)) {
            Some(sigma) => Spread::Drift {
                sigma,
                t: series.observed().count(),
                offset,
            },
            None => zero_spread("drift", &mut fallbacks),
        };
        if !slope.is_finite() {
            return Err(ForecastError::NonFiniteOutput {
                model: "drift".into(),
            });
        }
        Ok(SimpleFitted {
            model: "drift".into(),
            path: Path::Line {
                base: y1,
                slope,
                offset,
            },
            spread,
            non_negative: false,
            fallbacks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traits::Predict;

    #[test]
    fn seasonal_drift_continues_a_trending_season_exactly_where_seasonal_naive_lags() {
        // A fixed pattern on a line: every seasonal difference is 12 · 0.5 = 6.
        let y = |t: usize| 10.0 + (t % 12) as f64 + 0.5 * t as f64;
        let s = Series::new((0..40).map(y).collect())
            .unwrap()
            .with_season(12)
            .unwrap();
        let drift = SeasonalNaive::with_drift().fit(&s).unwrap();
        let plain = SeasonalNaive::default().fit(&s).unwrap();
        let (fd, fp) = (
            drift.predict(18, &[0.8]).unwrap(),
            plain.predict(18, &[0.8]).unwrap(),
        );
        for h in 1..=18 {
            let truth = y(40 + h - 1);
            assert!((fd.point[h - 1] - truth).abs() < 1e-9, "h {h}");
            // Seasonal naive repeats last year's value: 6 short in year one, 12 in year two.
            let seasons = (h - 1) / 12 + 1;
            assert!((truth - fp.point[h - 1] - 6.0 * seasons as f64).abs() < 1e-9);
        }
        assert_eq!(SeasonalNaive::with_drift().name(), "sdrift");
        assert!(drift.fallbacks().is_empty());
    }
}
