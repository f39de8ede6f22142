//! The model traits: [`Forecaster`] (unfitted) → [`Predict`] (fitted), and the object-safe
//! [`DynForecaster`].

use crate::checks::Fallback;
use crate::error::ForecastError;
use crate::types::{Forecast, Series};

/// A fitted model.
pub trait Predict {
    /// Writes `horizon` steps of forecasts with one interval per level (each in (0, 1)) into
    /// `out`, reusing its allocations.
    fn predict_in_place(
        &self,
        horizon: usize,
        levels: &[f64],
        out: &mut Forecast,
    ) -> Result<(), ForecastError>;

    /// Allocating form of [`Predict::predict_in_place`].
    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast, ForecastError> {
        let mut out = Forecast::default();
        self.predict_in_place(horizon, levels, &mut out)?;
        Ok(out)
    }

    /// Fallbacks taken while fitting (e.g. seasonal naive → naive on a short series).
    fn fallbacks(&self) -> &[Fallback] {
        &[]
    }

    /// Fits the form this model selected (e.g. `ETS(M,Ad,M)`, `ARIMA(0,1,1)(0,1,1)[12]`) to
    /// other data without selecting again: estimates only. Backtests use it to score the form
    /// that will forecast at a fraction of the cost of a full selection. `None`: the model has
    /// no separate selection step, so fit the unfitted model anew.
    fn refit(&self, series: &Series) -> Option<Result<DynPredict, ForecastError>> {
        let _ = series;
        None
    }
}

/// An unfitted model: configuration only. Fitting never mutates it.
pub trait Forecaster {
    /// The fitted model.
    type Fitted: Predict;

    /// Short stable name, used in benchmark output (e.g. `snaive`, `ma(12)`).
    fn name(&self) -> String;

    /// Observations the model needs to run as itself (not its fallback) for season length
    /// `season`.
    fn min_history(&self, season: usize) -> usize {
        let _ = season;
        1
    }

    /// Fits the model. Refuses what it cannot fit; records a [`Fallback`] where it can.
    fn fit(&self, series: &Series) -> Result<Self::Fitted, ForecastError>;
}

/// A fitted model behind a pointer.
pub type DynPredict = Box<dyn Predict + Send + Sync>;

impl<P: Predict + ?Sized> Predict for Box<P> {
    fn predict_in_place(
        &self,
        horizon: usize,
        levels: &[f64],
        out: &mut Forecast,
    ) -> Result<(), ForecastError> {
        (**self).predict_in_place(horizon, levels, out)
    }

    fn fallbacks(&self) -> &[Fallback] {
        (**self).fallbacks()
    }

    fn refit(&self, series: &Series) -> Option<Result<DynPredict, ForecastError>> {
        (**self).refit(series)
    }
}

/// Object-safe form of [`Forecaster`], implemented for every `Forecaster`; use
/// `Box<dyn DynForecaster>` for lists of heterogeneous models.
pub trait DynForecaster: Send + Sync {
    /// See [`Forecaster::name`].
    fn dyn_name(&self) -> String;
    /// See [`Forecaster::min_history`].
    fn dyn_min_history(&self, season: usize) -> usize;
    /// See [`Forecaster::fit`]; the fitted model is boxed.
    fn fit_dyn(&self, series: &Series) -> Result<DynPredict, ForecastError>;
}

impl<F> DynForecaster for F
where
    F: Forecaster + Send + Sync,
    F::Fitted: Send + Sync + 'static,
{
    fn dyn_name(&self) -> String {
        self.name()
    }

    fn dyn_min_history(&self, season: usize) -> usize {
        self.min_history(season)
    }

    fn fit_dyn(&self, series: &Series) -> Result<DynPredict, ForecastError> {
        Ok(Box::new(self.fit(series)?))
    }
}

/// Lets a boxed model be wrapped again, e.g. `Conformal::new(boxed, h)`.
impl Forecaster for Box<dyn DynForecaster> {
    type Fitted = DynPredict;

    // `(**self)` dispatches to the boxed model; `self.` would pick the blanket
    // `DynForecaster` impl of the box itself and recurse.
    fn name(&self) -> String {
        (**self).dyn_name()
    }

    fn min_history(&self, season: usize) -> usize {
        (**self).dyn_min_history(season)
    }

    fn fit(&self, series: &Series) -> Result<Self::Fitted, ForecastError> {
        (**self).fit_dyn(series)
    }
}
