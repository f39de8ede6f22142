//! Sentia's forecasting engine (pure: no async, and no IO outside the [`bench`] reader).
//!
//! * [`Series`] — a univariate series with an optional censoring mask (stockout days: the
//!   observed value is a lower bound on demand, so it is never fitted as if it were demand) and
//!   a season length.
//! * [`Forecaster`] — an unfitted model; [`Forecaster::fit`] returns a different type that
//!   implements [`Predict`] (allocating [`Predict::predict`] and in-place
//!   [`Predict::predict_in_place`]), as in `augurs-core`. [`DynForecaster`] is the object-safe
//!   form for lists of models.
//! * [`models`] — seasonal naive, naive, drift, moving average, Croston, SBA, TSB; with feature
//!   `anofox` (default) AutoETS, AutoARIMA and AutoTheta from `anofox-forecast`; with feature
//!   `augurs` (default) MSTL + ETS, and with `prophet` (default) a Prophet-style model fitted by
//!   our own L-BFGS; and
//!   [`Conformal`], which wraps any model and calibrates its intervals per horizon step from
//!   rolling-origin residuals; with feature `forest` (default) a random forest on lag,
//!   calendar and regressor features ([`models::RandomForest`], `rf`); with feature `lstm`
//!   a small LSTM on `candle` ([`models::Lstm`], `lstm`).
//! * [`models::Ensemble`] (feature `anofox`): members weighted by backtest error, intervals
//!   calibrated on the same backtest, with a report of weights and errors.
//! * [`hierarchy`]: coherent forecasts over SKU × channel × region and their totals
//!   (bottom-up, OLS, WLS, MinT with shrinkage).
//! * [`metrics`], [`backtest`], [`checks`] and (feature `bench`) the [`bench`] runner.
//!
//! Bad input never panics: it is refused with a [`ForecastError`] or handled by a recorded
//! [`Fallback`].
#![forbid(unsafe_code)]

pub mod backtest;
#[cfg(feature = "bench")]
pub mod bench;
pub mod checks;
mod conformal;
mod error;
pub mod hierarchy;
pub mod metrics;
pub mod models;
mod stats;
mod traits;
mod types;

pub use checks::Fallback;
pub use conformal::{Conformal, ConformalFitted};
pub use error::ForecastError;
pub use traits::{DynForecaster, DynPredict, Forecaster, Predict};
pub use types::{Calendar, Forecast, Frequency, Interval, Regressor, RegressorKind, Series};
