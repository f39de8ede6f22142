//! Data checks: what is refused, what is recorded, and what is only flagged.
//!
//! * Refused ([`ForecastError`]): empty input, NaN/inf (with the index), every point censored,
//!   negative demand for the Croston family.
//! * Recorded ([`Fallback`]): a model that lacks the history it needs runs as a simpler model
//!   (seasonal naive on fewer than two seasons → naive; moving average longer than the series →
//!   a shorter window), or cannot estimate intervals (no residuals → zero-width intervals).
//! * Flagged only ([`DataReport`]): outliers, gaps, censored points, constant or all-zero
//!   series. Nothing is silently changed.

use crate::error::ForecastError;
use crate::types::Series;

/// A recorded substitution: the requested model or method could not run as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Fallback {
    /// What was asked for, e.g. `snaive`.
    pub from: String,
    /// What ran instead, e.g. `naive`.
    pub to: String,
    /// Why, in words a planner can read.
    pub reason: String,
}

impl Fallback {
    /// Builds a fallback record.
    pub fn new(from: impl Into<String>, to: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            from: from.into(),
            to: to.into(),
            reason: reason.into(),
        }
    }
}

/// Refuses an empty slice and non-finite values (reporting the first offending index).
pub fn validate_values(values: &[f64]) -> Result<(), ForecastError> {
    if values.is_empty() {
        return Err(ForecastError::Empty);
    }
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(ForecastError::NonFinite {
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

/// The observed (uncensored, non-missing) values in order, or [`ForecastError::AllCensored`].
pub(crate) fn observed_values(series: &Series) -> Result<Vec<f64>, ForecastError> {
    let v: Vec<f64> = series.observed().map(|(_, v)| v).collect();
    if v.is_empty() {
        Err(ForecastError::AllCensored)
    } else {
        Ok(v)
    }
}

/// Refuses negative observed values for demand models.
pub(crate) fn require_non_negative(series: &Series, model: &str) -> Result<(), ForecastError> {
    match series.observed().find(|(_, v)| *v < 0.0) {
        Some((index, value)) => Err(ForecastError::NegativeDemand {
            model: model.to_owned(),
            index,
            value,
        }),
        None => Ok(()),
    }
}

/// What a look at a series found. Informational: nothing here changes a forecast.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DataReport {
    /// Number of periods.
    pub len: usize,
    /// Censored or missing periods (excluded from fitting where the model allows).
    pub censored: usize,
    /// Explicit gaps.
    pub gaps: Vec<usize>,
    /// Indexes flagged as outliers (see [`outliers`]).
    pub outliers: Vec<usize>,
    /// Observed values are all equal.
    pub constant: bool,
    /// Observed values are all zero.
    pub all_zero: bool,
    /// Some observed value is negative.
    pub has_negative: bool,
    /// Share of observed periods with zero value (intermittency).
    pub zero_share: f64,
    /// Fewer than two full seasons (seasonal models will fall back).
    pub shorter_than_two_seasons: bool,
}

/// Inspects a series: counts, flags and outliers.
pub fn inspect(series: &Series) -> DataReport {
    let obs: Vec<f64> = series.observed().map(|(_, v)| v).collect();
    let first = obs.first().copied();
    let zeros = obs.iter().filter(|v| **v == 0.0).count();
    DataReport {
        len: series.len(),
        censored: (0..series.len()).filter(|&i| series.is_censored(i)).count(),
        gaps: series.gaps().to_vec(),
        outliers: outliers(series),
        constant: first.is_some_and(|f| obs.iter().all(|v| *v == f)),
        all_zero: !obs.is_empty() && zeros == obs.len(),
        has_negative: obs.iter().any(|v| *v < 0.0),
        zero_share: if obs.is_empty() {
            0.0
        } else {
            zeros as f64 / obs.len() as f64
        },
        shorter_than_two_seasons: series.season() > 1 && series.len() < 2 * series.season(),
    }
}

/// Indexes of observed points further than 3.5 robust standard deviations (1.4826·MAD) from the
/// median of a centred window (the season length, at least 7 points, made odd). A series with
/// zero MAD flags nothing (intermittent demand is not an outlier).
pub fn outliers(series: &Series) -> Vec<usize> {
    let obs: Vec<(usize, f64)> = series.observed().collect();
    let n = obs.len();
    if n < 5 {
        return Vec::new();
    }
    let window = (series.season().max(7) | 1).min(if n % 2 == 1 { n } else { n - 1 });
    let half = window / 2;
    // Deviations from a running median remove trend and most seasonality.
    let mut dev = Vec::with_capacity(n);
    let mut buf = Vec::with_capacity(window);
    for k in 0..n {
        let start = k.saturating_sub(half).min(n - window);
        buf.clear();
        buf.extend(obs[start..start + window].iter().map(|(_, v)| *v));
        dev.push(obs[k].1 - median(&mut buf));
    }
    let mut abs: Vec<f64> = dev.iter().map(|d| d.abs()).collect();
    let mad = median(&mut abs) * 1.4826;
    if !mad.is_finite() || mad <= 0.0 {
        return Vec::new();
    }
    dev.iter()
        .zip(&obs)
        .filter(|(d, _)| d.abs() > 3.5 * mad)
        .map(|(_, (i, _))| *i)
        .collect()
}

/// Whether `values` are seasonal at lag `m` by the classical autocorrelation test (the one
/// R's `thetaf` and statsforecast's Theta use): the lag-`m` autocorrelation exceeds its 90%
/// one-sided limit `1.645·√((1 + 2·Σ_{k<m} r_k²) / n)` under Bartlett's variance for a process
/// with no correlation beyond lag `m − 1`. Needs more than two seasons (`false` otherwise, as
/// for a constant series).
pub fn seasonal_at_lag(values: &[f64], m: usize) -> bool {
    let n = values.len();
    if m < 2 || n <= 2 * m {
        return false;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let dev: Vec<f64> = values.iter().map(|v| v - mean).collect();
    let c0: f64 = dev.iter().map(|d| d * d).sum();
    if !c0.is_finite() || c0 <= 0.0 {
        return false;
    }
    let r = |k: usize| dev[k..].iter().zip(&dev).map(|(a, b)| a * b).sum::<f64>() / c0;
    let spread: f64 = (1..m).map(|k| r(k).powi(2)).sum();
    let limit = 1.645 * ((1.0 + 2.0 * spread) / n as f64).sqrt();
    r(m).abs() > limit
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seasonality_test_tells_a_season_from_noise_and_trend() {
        let season: Vec<f64> = (0..60)
            .map(|t| 100.0 + 20.0 * (std::f64::consts::TAU * t as f64 / 12.0).sin())
            .collect();
        assert!(seasonal_at_lag(&season, 12));
        // A straight trend has large autocorrelations at every lag, so its lag-12 one stays
        // inside the widened limit.
        let trend: Vec<f64> = (0..60).map(|t| t as f64).collect();
        assert!(!seasonal_at_lag(&trend, 12));
        // Deterministic noise (an LCG), no season.
        let mut x = 12_345u64;
        let noise: Vec<f64> = (0..120)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (x >> 33) as f64 / (1u64 << 31) as f64
            })
            .collect();
        assert!(!seasonal_at_lag(&noise, 12));
        // Too short, constant, or no season length: not seasonal.
        assert!(!seasonal_at_lag(&season[..24], 12));
        assert!(!seasonal_at_lag(&[5.0; 60], 12));
        assert!(!seasonal_at_lag(&season, 1));
    }

    #[test]
    fn refuses_non_finite_with_index() {
        assert_eq!(validate_values(&[]), Err(ForecastError::Empty));
        let e = validate_values(&[1.0, 2.0, f64::INFINITY]).unwrap_err();
        assert!(matches!(e, ForecastError::NonFinite { index: 2, .. }));
        assert!(Series::new(vec![f64::NAN]).is_err());
    }

    #[test]
    fn flags_a_spike_but_not_intermittent_zeros() {
        let mut v: Vec<f64> = (0..40).map(|i| 10.0 + (i % 3) as f64).collect();
        v[20] = 100.0;
        let s = Series::new(v).unwrap();
        assert_eq!(outliers(&s), vec![20]);
        let s = Series::new(vec![0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0]).unwrap();
        assert!(outliers(&s).is_empty());
    }

    #[test]
    fn gaps_are_explicit_and_censored() {
        let s = Series::from_options(&[Some(1.0), None, Some(3.0), None]).unwrap();
        assert_eq!(s.values(), &[1.0, 2.0, 3.0, 3.0]);
        assert_eq!(s.gaps(), &[1, 3]);
        let r = inspect(&s);
        assert_eq!(r.censored, 2);
        assert_eq!(
            Series::from_options(&[None, None]),
            Err(ForecastError::AllCensored)
        );
    }
}
