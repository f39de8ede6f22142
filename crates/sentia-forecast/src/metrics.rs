//! Point and interval accuracy metrics.
//!
//! Conventions: errors are `actual − forecast`; percentages (MAPE, sMAPE, WAPE, coverage) are
//! in percent; [`bias`] is `mean(forecast − actual)`, positive when over-forecasting. Every
//! function refuses empty or mismatched input and undefined values with a [`MetricError`]
//! rather than returning NaN.

/// Why a metric is undefined for the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MetricError {
    /// No points to score.
    #[error("no points to score")]
    Empty,
    /// The slices have different lengths.
    #[error("length mismatch: {0} actuals, {1} forecasts")]
    LengthMismatch(usize, usize),
    /// The denominator is zero (MAPE with a zero actual, WAPE with all-zero actuals, MASE on a
    /// series with no seasonal variation in training).
    #[error("the metric's denominator is zero")]
    ZeroDenominator,
    /// MASE: the training series is not longer than the season.
    #[error("training series too short for the scaling period")]
    ShortTraining,
    /// A parameter (quantile, level) is outside (0, 1).
    #[error("quantile or level outside (0, 1)")]
    InvalidLevel,
    /// An input value is NaN or infinite.
    #[error("non-finite input")]
    NonFinite,
}

type R = Result<f64, MetricError>;

/// The zipped pairs, after refusing mismatched, empty or non-finite input.
fn pairs<'a>(
    a: &'a [f64],
    f: &'a [f64],
) -> Result<impl Iterator<Item = (&'a f64, &'a f64)>, MetricError> {
    if a.len() != f.len() {
        return Err(MetricError::LengthMismatch(a.len(), f.len()));
    }
    if a.is_empty() {
        return Err(MetricError::Empty);
    }
    if a.iter().chain(f).any(|x| !x.is_finite()) {
        return Err(MetricError::NonFinite);
    }
    Ok(a.iter().zip(f))
}

/// Mean absolute error.
pub fn mae(actual: &[f64], forecast: &[f64]) -> R {
    let n = actual.len() as f64;
    Ok(pairs(actual, forecast)?
        .map(|(a, f)| (a - f).abs())
        .sum::<f64>()
        / n)
}

/// Root mean squared error.
pub fn rmse(actual: &[f64], forecast: &[f64]) -> R {
    let n = actual.len() as f64;
    Ok((pairs(actual, forecast)?
        .map(|(a, f)| (a - f).powi(2))
        .sum::<f64>()
        / n)
        .sqrt())
}

/// Mean absolute percentage error, %: `100·mean(|y − ŷ| / |y|)`. Undefined with a zero actual.
pub fn mape(actual: &[f64], forecast: &[f64]) -> R {
    let it = pairs(actual, forecast)?;
    if actual.contains(&0.0) {
        return Err(MetricError::ZeroDenominator);
    }
    Ok(100.0 * it.map(|(a, f)| ((a - f) / a).abs()).sum::<f64>() / actual.len() as f64)
}

/// Symmetric MAPE, M3 definition, %: `mean(200·|y − ŷ| / (|y| + |ŷ|))`, a point where both are
/// zero scoring 0.
pub fn smape(actual: &[f64], forecast: &[f64]) -> R {
    let n = actual.len() as f64;
    Ok(pairs(actual, forecast)?
        .map(|(a, f)| {
            let d = a.abs() + f.abs();
            if d == 0.0 {
                0.0
            } else {
                200.0 * (a - f).abs() / d
            }
        })
        .sum::<f64>()
        / n)
}

/// In-sample mean absolute seasonal difference `mean |y_t − y_{t−m}|` (the MASE scale).
pub fn seasonal_scale(train: &[f64], season: usize) -> R {
    let m = season.max(1);
    if train.len() <= m {
        return Err(MetricError::ShortTraining);
    }
    if train.iter().any(|x| !x.is_finite()) {
        return Err(MetricError::NonFinite);
    }
    let scale = train
        .windows(m + 1)
        .map(|w| (w[m] - w[0]).abs())
        .sum::<f64>()
        / (train.len() - m) as f64;
    if scale > 0.0 {
        Ok(scale)
    } else {
        Err(MetricError::ZeroDenominator)
    }
}

/// Mean absolute scaled error: MAE over the test points divided by [`seasonal_scale`] of the
/// training series with season `season` (1 for non-seasonal scaling).
pub fn mase(actual: &[f64], forecast: &[f64], train: &[f64], season: usize) -> R {
    let e = mae(actual, forecast)?;
    Ok(e / seasonal_scale(train, season)?)
}

/// Weighted absolute percentage error, %: `100·Σ|y − ŷ| / Σ|y|`.
pub fn wape(actual: &[f64], forecast: &[f64]) -> R {
    let num: f64 = pairs(actual, forecast)?.map(|(a, f)| (a - f).abs()).sum();
    let den: f64 = actual.iter().map(|a| a.abs()).sum();
    if den == 0.0 {
        return Err(MetricError::ZeroDenominator);
    }
    Ok(100.0 * num / den)
}

/// Bias: `mean(ŷ − y)`; positive means over-forecasting.
pub fn bias(actual: &[f64], forecast: &[f64]) -> R {
    let n = actual.len() as f64;
    Ok(pairs(actual, forecast)?.map(|(a, f)| f - a).sum::<f64>() / n)
}

fn check_bounds(actual: &[f64], lower: &[f64], upper: &[f64]) -> Result<(), MetricError> {
    let _ = pairs(actual, lower)?;
    pairs(actual, upper).map(|_| ())
}

/// Coverage, %: share of actuals inside `[lower, upper]` (bounds inclusive).
pub fn coverage(actual: &[f64], lower: &[f64], upper: &[f64]) -> R {
    check_bounds(actual, lower, upper)?;
    let inside = actual
        .iter()
        .zip(lower.iter().zip(upper))
        .filter(|(a, (l, u))| *l <= *a && *a <= *u)
        .count();
    Ok(100.0 * inside as f64 / actual.len() as f64)
}

/// Pinball (quantile) loss of the `tau`-quantile forecast `q`, averaged:
/// `mean(max(τ·(y − q), (τ − 1)·(y − q)))`.
pub fn pinball(actual: &[f64], q: &[f64], tau: f64) -> R {
    if !(tau > 0.0 && tau < 1.0) {
        return Err(MetricError::InvalidLevel);
    }
    let n = actual.len() as f64;
    Ok(pairs(actual, q)?
        .map(|(a, q)| {
            let d = a - q;
            (tau * d).max((tau - 1.0) * d)
        })
        .sum::<f64>()
        / n)
}

/// Winkler (interval) score of a central `level` interval, averaged: width, plus
/// `2/α·(lower − y)` below or `2/α·(y − upper)` above, with `α = 1 − level`.
pub fn winkler(actual: &[f64], lower: &[f64], upper: &[f64], level: f64) -> R {
    if !(level > 0.0 && level < 1.0) {
        return Err(MetricError::InvalidLevel);
    }
    check_bounds(actual, lower, upper)?;
    let alpha = 1.0 - level;
    let total: f64 = actual
        .iter()
        .zip(lower.iter().zip(upper))
        .map(|(&y, (&l, &u))| {
            let mut s = u - l;
            if y < l {
                s += 2.0 / alpha * (l - y);
            } else if y > u {
                s += 2.0 / alpha * (y - u);
            }
            s
        })
        .sum();
    Ok(total / actual.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const Y: [f64; 4] = [10.0, 20.0, 30.0, 40.0];
    const F: [f64; 4] = [12.0, 18.0, 33.0, 40.0];

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn point_metrics_by_hand() {
        // errors 2, 2, 3, 0
        close(mae(&Y, &F).unwrap(), 7.0 / 4.0);
        close(rmse(&Y, &F).unwrap(), (17.0f64 / 4.0).sqrt());
        // 20% + 10% + 10% + 0 = 40% / 4
        close(mape(&Y, &F).unwrap(), 10.0);
        // 200·(2/22 + 2/38 + 3/63 + 0) / 4
        close(
            smape(&Y, &F).unwrap(),
            50.0 * (2.0 / 22.0 + 2.0 / 38.0 + 3.0 / 63.0),
        );
        close(wape(&Y, &F).unwrap(), 100.0 * 7.0 / 100.0);
        close(bias(&Y, &F).unwrap(), 3.0 / 4.0);
        close(smape(&[0.0], &[0.0]).unwrap(), 0.0);
    }

    #[test]
    fn mase_scales_by_seasonal_differences() {
        // train 1,2,4,7 with m = 2: |4-1| = 3, |7-2| = 5 → scale 4
        let train = [1.0, 2.0, 4.0, 7.0];
        close(seasonal_scale(&train, 2).unwrap(), 4.0);
        close(mase(&Y, &F, &train, 2).unwrap(), 7.0 / 4.0 / 4.0);
        // m = 1: 1, 2, 3 → 2
        close(mase(&Y, &F, &train, 1).unwrap(), 7.0 / 8.0);
        assert_eq!(
            mase(&Y, &F, &[5.0, 5.0, 5.0], 1),
            Err(MetricError::ZeroDenominator)
        );
        assert_eq!(mase(&Y, &F, &[5.0], 1), Err(MetricError::ShortTraining));
    }

    #[test]
    fn interval_metrics_by_hand() {
        let lo = [9.0, 21.0, 25.0, 35.0];
        let hi = [11.0, 25.0, 35.0, 39.0];
        // inside: 10 yes, 20 no (below), 30 yes, 40 no (above)
        close(coverage(&Y, &lo, &hi).unwrap(), 50.0);
        // level 0.8, 2/α = 10: widths 2 + 4 + 10 + 4 = 20; penalties 10·1 + 10·1 = 20
        close(winkler(&Y, &lo, &hi, 0.8).unwrap(), 40.0 / 4.0);
        // τ = 0.9 on q = F: d = -2, 2, -3, 0 → 0.2, 1.8, 0.3, 0
        close(pinball(&Y, &F, 0.9).unwrap(), 2.3 / 4.0);
    }

    #[test]
    fn refuses_bad_input() {
        assert_eq!(mae(&[], &[]), Err(MetricError::Empty));
        assert_eq!(mae(&[1.0], &[]), Err(MetricError::LengthMismatch(1, 0)));
        assert_eq!(mae(&[f64::NAN], &[1.0]), Err(MetricError::NonFinite));
        assert_eq!(mape(&[0.0], &[1.0]), Err(MetricError::ZeroDenominator));
        assert_eq!(pinball(&Y, &F, 1.0), Err(MetricError::InvalidLevel));
    }
}
