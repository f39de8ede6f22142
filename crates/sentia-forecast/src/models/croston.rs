//! Intermittent demand: Croston (classic and SBA) and TSB.
//!
//! Censored and missing periods are dropped before fitting (a stockout is not a zero-demand
//! period). Negative values are refused. A series without any demand forecasts zero, recorded.

use super::{Path, SimpleFitted, Spread, empirical_spread};
use crate::checks::{Fallback, observed_values, require_non_negative};
use crate::error::ForecastError;
use crate::traits::Forecaster;
use crate::types::Series;

/// Which Croston estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrostonVariant {
    /// Croston (1972): smoothed size / smoothed inter-demand interval.
    Classic,
    /// Syntetos–Boylan approximation: the classic estimate × (1 − α/2), removing its bias.
    Sba,
}

/// Croston's method with smoothing `alpha` for both size and interval (default 0.1, as
/// statsforecast's `CrostonClassic`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Croston {
    variant: CrostonVariant,
    alpha: f64,
}

impl Croston {
    /// Croston with α = 0.1.
    pub fn new(variant: CrostonVariant) -> Self {
        Self {
            variant,
            alpha: 0.1,
        }
    }

    /// Croston with a chosen α in (0, 1].
    pub fn with_alpha(variant: CrostonVariant, alpha: f64) -> Result<Self, ForecastError> {
        check_alpha("alpha", alpha)?;
        Ok(Self { variant, alpha })
    }
}

/// Teunter–Syntetos–Babai: demand probability smoothed every period (`alpha_p`), size smoothed
/// at demands (`alpha_d`); forecast = probability × size. Defaults 0.1 and 0.1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tsb {
    alpha_d: f64,
    alpha_p: f64,
}

impl Default for Tsb {
    fn default() -> Self {
        Self {
            alpha_d: 0.1,
            alpha_p: 0.1,
        }
    }
}

impl Tsb {
    /// TSB with chosen smoothing parameters in (0, 1].
    pub fn new(alpha_d: f64, alpha_p: f64) -> Result<Self, ForecastError> {
        check_alpha("alpha_d", alpha_d)?;
        check_alpha("alpha_p", alpha_p)?;
        Ok(Self { alpha_d, alpha_p })
    }
}

fn check_alpha(name: &'static str, a: f64) -> Result<(), ForecastError> {
    if a.is_finite() && a > 0.0 && a <= 1.0 {
        Ok(())
    } else {
        Err(ForecastError::InvalidParameter {
            name,
            reason: format!("{a} is not in (0, 1]"),
        })
    }
}

/// Builds the fitted model from the forecasts made at each origin.
fn finish(model: String, obs: Vec<f64>, origin: Vec<Option<f64>>) -> SimpleFitted {
    let mut fallbacks = Vec::new();
    let point = origin.last().copied().flatten();
    let Some(point) = point else {
        fallbacks.push(Fallback::new(
            model.clone(),
            "zero forecast",
            "no positive demand observed",
        ));
        return SimpleFitted {
            model,
            path: Path::Flat(0.0),
            spread: Spread::Zero,
            non_negative: true,
            fallbacks,
        };
    };
    let spread = empirical_spread(origin, obs, &model, &mut fallbacks);
    SimpleFitted {
        model,
        path: Path::Flat(point),
        spread,
        non_negative: true,
        fallbacks,
    }
}

impl Forecaster for Croston {
    type Fitted = SimpleFitted;

    fn name(&self) -> String {
        match self.variant {
            CrostonVariant::Classic => "croston".into(),
            CrostonVariant::Sba => "sba".into(),
        }
    }

    fn fit(&self, series: &Series) -> Result<SimpleFitted, ForecastError> {
        require_non_negative(series, &self.name())?;
        let obs = observed_values(series)?;
        let a = self.alpha;
        let factor = match self.variant {
            CrostonVariant::Classic => 1.0,
            CrostonVariant::Sba => 1.0 - a / 2.0,
        };
        let mut level: Option<(f64, f64)> = None; // (size, interval)
        let mut since = 0.0;
        let origin = obs
            .iter()
            .map(|&y| {
                since += 1.0;
                if y > 0.0 {
                    level = Some(match level {
                        None => (y, since),
                        Some((z, p)) => (z + a * (y - z), p + a * (since - p)),
                    });
                    since = 0.0;
                }
                level.map(|(z, p)| factor * z / p)
            })
            .collect();
        Ok(finish(self.name(), obs, origin))
    }
}

impl Forecaster for Tsb {
    type Fitted = SimpleFitted;

    fn name(&self) -> String {
        "tsb".into()
    }

    fn fit(&self, series: &Series) -> Result<SimpleFitted, ForecastError> {
        require_non_negative(series, "tsb")?;
        let obs = observed_values(series)?;
        let (ad, ap) = (self.alpha_d, self.alpha_p);
        let mut prob: Option<f64> = None;
        let mut size: Option<f64> = None;
        let origin = obs
            .iter()
            .map(|&y| {
                let d = if y > 0.0 { 1.0 } else { 0.0 };
                prob = Some(prob.map_or(d, |p| p + ap * (d - p)));
                if y > 0.0 {
                    size = Some(size.map_or(y, |z| z + ad * (y - z)));
                }
                Some(prob? * size?)
            })
            .collect();
        Ok(finish(self.name(), obs, origin))
    }
}
