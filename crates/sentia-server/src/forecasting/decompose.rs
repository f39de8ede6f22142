//! Classical additive decomposition of a weekly history: trend = centred moving average
//! (2×52 when there are two full years, else 2×13 and no seasonal part), seasonal = mean
//! detrended value per week of the season, centred to sum to zero, remainder = the rest.
//! Gaps are interpolated first; censored weeks are used as recorded (they pull the level
//! down a little, which the chart makes visible).

/// The three components, aligned with the input; `None` where the moving average does not
/// reach (the first and last half-window).
#[derive(Debug, Clone, PartialEq)]
pub struct Decomposition {
    /// Method, for display.
    pub method: String,
    /// Season length used (1 when no seasonal part was estimated).
    pub season: usize,
    /// Trend-cycle.
    pub trend: Vec<Option<f64>>,
    /// Seasonal component.
    pub seasonal: Vec<Option<f64>>,
    /// Remainder.
    pub remainder: Vec<Option<f64>>,
}

/// Centred moving average of even order `m` (a 2×m MA) or odd order `m`.
fn centred_ma(y: &[f64], m: usize) -> Vec<Option<f64>> {
    let n = y.len();
    let half = m / 2;
    (0..n)
        .map(|t| {
            if t < half || t + half >= n {
                return None;
            }
            if m % 2 == 1 {
                Some(y[t - half..=t + half].iter().sum::<f64>() / m as f64)
            } else {
                let inner: f64 = y[t - half + 1..t + half].iter().sum();
                Some((inner + 0.5 * (y[t - half] + y[t + half])) / m as f64)
            }
        })
        .collect()
}

/// Decomposes `y` with season `season` (52 for weeks).
pub fn classical(y: &[f64], season: usize) -> Decomposition {
    let seasonal_ok = season > 1 && y.len() >= 2 * season;
    let m = if seasonal_ok {
        season
    } else {
        13.min(y.len().max(1))
    };
    let trend = centred_ma(y, m.max(1));
    let seasonal: Vec<Option<f64>> = if seasonal_ok {
        let mut sums = vec![(0.0, 0usize); season];
        for (t, tr) in trend.iter().enumerate() {
            if let Some(tr) = tr {
                let e = &mut sums[t % season];
                e.0 += y[t] - tr;
                e.1 += 1;
            }
        }
        let idx: Vec<f64> = sums
            .iter()
            .map(|(s, n)| if *n > 0 { s / *n as f64 } else { 0.0 })
            .collect();
        let centre = idx.iter().sum::<f64>() / season as f64;
        (0..y.len())
            .map(|t| Some(idx[t % season] - centre))
            .collect()
    } else {
        vec![None; y.len()]
    };
    let remainder = (0..y.len())
        .map(|t| Some(y[t] - trend[t]? - seasonal[t].unwrap_or(0.0)))
        .collect();
    Decomposition {
        method: if seasonal_ok {
            format!(
                "classical additive: 2×{season} centred moving-average trend, seasonal index per week of year"
            )
        } else {
            format!(
                "classical additive: {m}-week centred moving-average trend; less than two years of history, so no seasonal part"
            )
        },
        season: if seasonal_ok { season } else { 1 },
        trend,
        seasonal,
        remainder,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_linear_trend_plus_a_seasonal_pattern() {
        let season = 4;
        let pattern = [3.0, -1.0, -2.0, 0.0];
        let y: Vec<f64> = (0..24).map(|t| 10.0 + t as f64 + pattern[t % 4]).collect();
        let d = classical(&y, season);
        assert_eq!(d.season, 4);
        for t in 2..22 {
            assert!((d.trend[t].unwrap() - (10.0 + t as f64)).abs() < 1e-9);
            assert!((d.seasonal[t].unwrap() - pattern[t % 4]).abs() < 1e-9);
            assert!(d.remainder[t].unwrap().abs() < 1e-9);
        }
        assert_eq!(d.trend[0], None);
        let short = classical(&y[..6], 52);
        assert_eq!(short.season, 1);
        assert!(short.seasonal.iter().all(Option::is_none));
    }
}
