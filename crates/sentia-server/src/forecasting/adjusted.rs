//! A model fitted on the seasonally adjusted series, with the season added back: the
//! library's AutoETS and AutoARIMA with a 52-week season fit 52 seasonal states (seconds per
//! fit on three years of weeks, far too slow to backtest 54 series), so on weekly data they
//! run non-seasonally on the history minus classical seasonal indices (the STL/MSTL + ETS
//! approach, with a classical decomposition).

use sentia_forecast::{
    DynForecaster, DynPredict, Forecast, ForecastError, Forecaster, Predict, Series,
};

use super::decompose;

/// `inner` (a non-seasonal model) on the series adjusted by seasonal indices of `season`.
pub struct SeasonallyAdjusted {
    inner: Box<dyn DynForecaster>,
    name: String,
    season: usize,
}

impl SeasonallyAdjusted {
    /// Wraps `inner` (built for season 1) under `name`.
    pub fn new(inner: Box<dyn DynForecaster>, name: &str, season: usize) -> Self {
        Self {
            inner,
            name: name.to_owned(),
            season,
        }
    }
}

/// The fitted form: the inner fit and the seasonal index of each future step.
pub struct AdjustedFitted {
    inner: DynPredict,
    /// Seasonal index by position in the season (empty: no adjustment).
    index: Vec<f64>,
    /// Periods the model was fitted on.
    n: usize,
    fallbacks: Vec<sentia_forecast::Fallback>,
}

impl Predict for AdjustedFitted {
    fn predict_in_place(
        &self,
        horizon: usize,
        levels: &[f64],
        out: &mut Forecast,
    ) -> Result<(), ForecastError> {
        self.inner.predict_in_place(horizon, levels, out)?;
        if self.index.is_empty() {
            return Ok(());
        }
        let m = self.index.len();
        for k in 0..horizon {
            let s = self.index[(self.n + k) % m];
            out.point[k] += s;
            for iv in &mut out.intervals {
                iv.lower[k] += s;
                iv.upper[k] += s;
            }
        }
        Ok(())
    }

    fn fallbacks(&self) -> &[sentia_forecast::Fallback] {
        &self.fallbacks
    }
}

impl Forecaster for SeasonallyAdjusted {
    type Fitted = AdjustedFitted;

    fn name(&self) -> String {
        self.name.clone()
    }

    fn min_history(&self, season: usize) -> usize {
        self.inner.dyn_min_history(season)
    }

    fn fit(&self, series: &Series) -> Result<AdjustedFitted, ForecastError> {
        let values = series.values();
        let d = decompose::classical(values, self.season);
        let mut fallbacks = Vec::new();
        let (adjusted, index) = if d.season == self.season {
            let index: Vec<f64> = (0..self.season)
                .map(|p| d.seasonal[p].unwrap_or(0.0))
                .collect();
            let adjusted: Vec<f64> = values
                .iter()
                .enumerate()
                .map(|(t, v)| v - index[t % self.season])
                .collect();
            (adjusted, index)
        } else {
            fallbacks.push(sentia_forecast::Fallback::new(
                format!("{} on seasonally adjusted data", self.name),
                format!("{} without seasonal adjustment", self.name),
                format!(
                    "{} periods are fewer than two seasons of {}",
                    values.len(),
                    self.season
                ),
            ));
            (values.to_vec(), Vec::new())
        };
        let mut s = Series::new(adjusted)?;
        if let Some(mask) = series.censored() {
            s = s.with_censored(mask.to_vec())?;
        }
        let inner = self.inner.fit_dyn(&s)?;
        fallbacks.extend(inner.fallbacks().iter().cloned());
        Ok(AdjustedFitted {
            inner,
            index,
            n: values.len(),
            fallbacks,
        })
    }
}
