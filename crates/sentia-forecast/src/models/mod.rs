//! The small models, all behind [`Forecaster`](crate::Forecaster), and a registry by name.
//!
//! | model | point | intervals |
//! |---|---|---|
//! | [`Naive`] | last observation | normal, σ√h (fpp3 §5.5) |
//! | [`SeasonalNaive`] | same season last year (`snaive`), plus the mean yearly change per year ahead with drift (`sdrift`) | normal, σ√(k+1), k = ⌊(h−1)/m⌋ (fpp3 §5.5) |
//! | [`Drift`] | line through first and last observation | normal, σ√(h(1+h/T)) (fpp3 §5.5) |
//! | [`MovingAverage`] | mean of the last `window` observations | empirical, per step |
//! | [`Croston`] (classic, SBA) | smoothed size / smoothed interval | empirical, per step, ≥ 0 |
//! | [`Tsb`] | smoothed probability × smoothed size | empirical, per step, ≥ 0 |
//! | [`Ets`] | our AutoETS (`ets`); every form combined with Akaike weights (`ets:aicw`) | analytic, classes 1–3 (the weighted mean of the forms' bounds) |
//! | [`AutoEts`] (feature `anofox`) | AutoETS, `anofox-forecast` (`ets:anofox`) | the library's (normal) |
//! | [`Arima`] | our AutoARIMA (`arima`) | exact forecast variance of the fitted model (normal) |
//! | [`AutoArima`] (feature `anofox`) | AutoARIMA, `anofox-forecast` (`arima:anofox`) | the library's (normal) |
//! | [`AutoTheta`] (feature `anofox`) | AutoTheta, `anofox-forecast` | the library's (normal) |
//! | [`Mstl`] (feature `augurs`) | MSTL decomposition + non-seasonal AutoETS, `augurs` | the ETS trend's (normal) |
//! | [`Prophet`] (feature `prophet`) | `augurs-prophet` fitted by [`ArgminLbfgs`] | seeded simulation, Prophet's method |
//! | [`Lstm`] (feature `lstm`) | `candle` LSTM on level-scaled windows, one-step head, recursive | empirical from rolling refits, per step |
//! | [`RandomForest`] (feature `forest`) | `smartcore` forest on lag, calendar and regressor features, recursive | empirical from rolling refits, per step |
//!
//! σ is the residual standard deviation with fpp3's degrees of freedom (residuals that exist,
//! minus estimated parameters). Empirical intervals take quantiles of the in-sample errors of
//! the forecasts made from every past origin, separately for each horizon step.

#[cfg(feature = "anofox")]
mod anofox;
mod arima;
mod croston;
#[cfg(feature = "anofox")]
mod ensemble;
mod ets;
#[cfg(feature = "forest")]
mod forest;
#[cfg(feature = "lstm")]
mod lstm;
mod moving_average;
#[cfg(feature = "augurs")]
mod mstl;
mod naive;
#[cfg(feature = "prophet")]
mod prophet;
#[cfg(feature = "prophet")]
mod prophet_lbfgs;

#[cfg(feature = "anofox")]
pub use anofox::{AutoArima, AutoEts, AutoTheta, LibraryFitted};
pub use arima::{Arima, ArimaFitted, ArimaModel, ArimaOrder};
pub use croston::{Croston, CrostonVariant, Tsb};
#[cfg(feature = "anofox")]
pub use ensemble::{Combination, Ensemble, EnsembleFitted, MemberReport, MemberRuns, Settled};
pub use ets::{Component, Ets, EtsFitted, EtsForm, EtsModel, EtsParameters, ParameterRegion};
#[cfg(feature = "forest")]
pub use forest::{ForestFitted, RandomForest};
#[cfg(feature = "lstm")]
pub use lstm::{Lstm, LstmFitted};
pub use moving_average::MovingAverage;
#[cfg(feature = "augurs")]
pub use mstl::{Decomposition, Mstl, MstlFitted};
pub use naive::{Drift, Naive, SeasonalNaive};
#[cfg(feature = "prophet")]
pub use prophet::{Component as ProphetComponent, Prophet, ProphetComponents, ProphetFitted};
#[cfg(feature = "prophet")]
pub use prophet_lbfgs::{ArgminLbfgs, LbfgsSettings};

use crate::checks::Fallback;
use crate::conformal::Conformal;
use crate::error::ForecastError;
use crate::stats::{check_levels, quantile_sorted, sort_finite, z_for_level};
use crate::traits::{DynForecaster, Predict};
use crate::types::Forecast;

/// Errors per step needed before empirical quantiles are trusted.
const MIN_EMPIRICAL: usize = 10;

/// The fitted form shared by every model in this module.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleFitted {
    model: String,
    path: Path,
    spread: Spread,
    non_negative: bool,
    fallbacks: Vec<Fallback>,
}

#[derive(Debug, Clone, PartialEq)]
enum Path {
    Flat(f64),
    /// `base + slope·(offset + h)`.
    Line {
        base: f64,
        slope: f64,
        offset: usize,
    },
    /// Value and seasons-ahead of the source point for each of the first `m` steps, plus
    /// `drift` per season ahead (0 for seasonal naive).
    Seasonal {
        values: Vec<f64>,
        ahead: Vec<usize>,
        drift: f64,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Spread {
    /// No residuals: zero-width intervals (recorded as a fallback).
    Zero,
    /// σ√h for a random walk, starting `offset` steps after the last observation.
    RandomWalk { sigma: f64, offset: usize },
    /// σ√(h(1+h/T)).
    Drift { sigma: f64, t: usize, offset: usize },
    /// σ√(seasons ahead).
    Seasonal { sigma: f64 },
    /// Per-step quantiles of in-sample errors of flat forecasts: `origin[t]` is the forecast
    /// made after observing `obs[..=t]`.
    Empirical {
        origin: Vec<Option<f64>>,
        obs: Vec<f64>,
        sigma1: f64,
    },
}

impl SimpleFitted {
    fn point(&self, h: usize) -> f64 {
        match &self.path {
            Path::Flat(v) => *v,
            Path::Line {
                base,
                slope,
                offset,
            } => base + slope * (offset + h) as f64,
            Path::Seasonal {
                values,
                ahead,
                drift,
            } => {
                let m = values.len();
                let i = (h - 1) % m;
                values[i] + drift * (ahead[i] + (h - 1) / m) as f64
            }
        }
    }

    fn sigma_h(&self, h: usize) -> f64 {
        match &self.spread {
            Spread::Zero | Spread::Empirical { .. } => 0.0,
            Spread::RandomWalk { sigma, offset } => sigma * ((offset + h) as f64).sqrt(),
            Spread::Drift { sigma, t, offset } => {
                let hh = (offset + h) as f64;
                sigma * (hh * (1.0 + hh / *t as f64)).sqrt()
            }
            Spread::Seasonal { sigma } => match &self.path {
                Path::Seasonal { ahead, .. } => {
                    let m = ahead.len();
                    let k = ahead[(h - 1) % m] + (h - 1) / m;
                    sigma * (k as f64).sqrt()
                }
                _ => *sigma * (h as f64).sqrt(),
            },
        }
    }
}

/// Sorted in-sample errors of flat forecasts `k` steps ahead.
fn errors_at(origin: &[Option<f64>], obs: &[f64], k: usize) -> Vec<f64> {
    let mut e: Vec<f64> = origin
        .iter()
        .enumerate()
        .filter_map(|(t, f)| Some(obs.get(t + k)? - (*f)?))
        .collect();
    sort_finite(&mut e);
    e
}

impl Predict for SimpleFitted {
    fn predict_in_place(
        &self,
        horizon: usize,
        levels: &[f64],
        out: &mut Forecast,
    ) -> Result<(), ForecastError> {
        check_levels(levels)?;
        out.reset(horizon, levels);
        for h in 1..=horizon {
            out.point[h - 1] = self.point(h);
        }
        if let Spread::Empirical {
            origin,
            obs,
            sigma1,
        } = &self.spread
        {
            let mut last_good: Option<Vec<f64>> = None;
            for h in 1..=horizon {
                let e = errors_at(origin, obs, h);
                if e.len() >= MIN_EMPIRICAL {
                    last_good = Some(e);
                }
                let p = out.point[h - 1];
                for iv in &mut out.intervals {
                    let (lo, hi) = match &last_good {
                        Some(e) => (
                            quantile_sorted(e, (1.0 - iv.level) / 2.0),
                            quantile_sorted(e, (1.0 + iv.level) / 2.0),
                        ),
                        None => {
                            let w = z_for_level(iv.level) * sigma1;
                            (-w, w)
                        }
                    };
                    iv.lower[h - 1] = p + lo;
                    iv.upper[h - 1] = p + hi;
                }
            }
        } else {
            for h in 1..=horizon {
                let p = out.point[h - 1];
                let s = self.sigma_h(h);
                for iv in &mut out.intervals {
                    let w = z_for_level(iv.level) * s;
                    iv.lower[h - 1] = p - w;
                    iv.upper[h - 1] = p + w;
                }
            }
        }
        if self.non_negative {
            for x in out
                .point
                .iter_mut()
                .chain(out.intervals.iter_mut().flat_map(|i| i.lower.iter_mut()))
            {
                *x = x.max(0.0);
            }
            for iv in &mut out.intervals {
                for u in &mut iv.upper {
                    *u = u.max(0.0);
                }
            }
        }
        if !out.is_finite() {
            return Err(ForecastError::NonFiniteOutput {
                model: self.model.clone(),
            });
        }
        Ok(())
    }

    fn fallbacks(&self) -> &[Fallback] {
        &self.fallbacks
    }
}

/// Weight, in errors, of the `σ₁·h^¼` prior in [`RelativeSpread`]'s normal intervals.
#[cfg(any(feature = "forest", feature = "lstm"))]
const PRIOR_ERRORS: f64 = 4.0;

/// Interval spread of the recursive machine-learning models, in units of the level at the
/// forecast origin: per step, empirical quantiles of rolling-refit errors when there are
/// enough, else a normal interval whose variance blends those errors with σ₁²·√h.
#[cfg(any(feature = "forest", feature = "lstm"))]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RelativeSpread {
    /// Sorted errors per step (index 0 = one step ahead).
    pub(crate) errors: Vec<Vec<f64>>,
    pub(crate) sigma1: f64,
}

#[cfg(any(feature = "forest", feature = "lstm"))]
impl RelativeSpread {
    /// Lower and upper offsets for step `h` (1-based) at `level`.
    pub(crate) fn offsets(&self, h: usize, level: f64) -> (f64, f64) {
        let e: &[f64] = self.errors.get(h - 1).map_or(&[], Vec::as_slice);
        if e.len() >= MIN_EMPIRICAL {
            return (
                quantile_sorted(e, (1.0 - level) / 2.0),
                quantile_sorted(e, (1.0 + level) / 2.0),
            );
        }
        let sum_sq: f64 = e.iter().map(|x| x * x).sum();
        let prior = self.sigma1 * self.sigma1 * (h as f64).sqrt();
        let sd = ((sum_sq + PRIOR_ERRORS * prior) / (e.len() as f64 + PRIOR_ERRORS)).sqrt();
        let w = z_for_level(level) * sd;
        (-w, w)
    }
}

/// The spread of a flat forecast from its one-step in-sample errors (`origin[t]` forecasts
/// `obs[t + 1]`), or zero-width intervals, recorded, when there is no error to learn from.
fn empirical_spread(
    origin: Vec<Option<f64>>,
    obs: Vec<f64>,
    model: &str,
    fallbacks: &mut Vec<Fallback>,
) -> Spread {
    let one_step: Vec<f64> = origin
        .iter()
        .zip(obs.iter().skip(1))
        .filter_map(|(f, y)| Some(y - (*f)?))
        .collect();
    match crate::stats::rms(&one_step, one_step.len()) {
        Some(sigma1) => Spread::Empirical {
            origin,
            obs,
            sigma1,
        },
        None => zero_spread(model, fallbacks),
    }
}

/// Fits [`Naive`] in place of `model`, recording why (and any fallback of naive's own) in
/// `fallbacks`.
fn naive_instead(
    series: &crate::types::Series,
    model: &str,
    reason: String,
    fallbacks: &mut Vec<Fallback>,
) -> Result<SimpleFitted, ForecastError> {
    use crate::traits::Forecaster;
    fallbacks.push(Fallback::new(model, "naive", reason));
    let inner = Naive.fit(series)?;
    fallbacks.extend(inner.fallbacks().iter().cloned());
    Ok(inner)
}

/// Records a zero-width-interval fallback when no residual exists.
fn zero_spread(model: &str, fallbacks: &mut Vec<Fallback>) -> Spread {
    fallbacks.push(Fallback::new(
        format!("{model} intervals"),
        "zero-width intervals",
        "no in-sample residuals to estimate the spread from",
    ));
    Spread::Zero
}

/// Default model list for benchmarks and the product: the names accepted by [`by_name`].
pub const MODEL_NAMES: &[&str] = &[
    "snaive", "sdrift", "naive", "drift", "ma", "croston", "sba", "tsb",
];

/// The library models accepted by [`by_name`] (feature `anofox`): slower than
/// [`MODEL_NAMES`], so listed apart.
#[cfg(feature = "anofox")]
pub const LIBRARY_MODEL_NAMES: &[&str] = &["ets", "arima", "theta"];

/// The `augurs` models accepted by [`by_name`] (feature `augurs`).
#[cfg(feature = "augurs")]
pub const AUGURS_MODEL_NAMES: &[&str] = &["mstl"];

/// The Prophet-style model accepted by [`by_name`] (feature `prophet`).
#[cfg(feature = "prophet")]
pub const PROPHET_MODEL_NAMES: &[&str] = &["prophet"];
/// The machine-learning models accepted by [`by_name`] (feature `forest`: `rf`).
#[cfg(feature = "forest")]
pub const ML_MODEL_NAMES: &[&str] = &["rf"];

/// Members of the default `ensemble` (feature `anofox`; MSTL with feature `augurs`).
#[cfg(all(feature = "anofox", feature = "augurs"))]
pub const ENSEMBLE_MEMBERS: &[&str] = &["ets:aicw", "arima", "theta", "sdrift", "mstl"];
/// Members of the default `ensemble` (feature `anofox`; MSTL with feature `augurs`).
#[cfg(all(feature = "anofox", not(feature = "augurs")))]
pub const ENSEMBLE_MEMBERS: &[&str] = &["ets:aicw", "arima", "theta", "sdrift"];

/// A model by name, for CLIs and configuration.
///
/// Names: `naive`, `snaive` (or `snaive:K`, needing K seasons of history instead of 2),
/// `sdrift` (seasonal naive with drift), `drift`, `ma` (window = the season length, at least
/// 3) or `ma:N`, `croston`, `sba`, `tsb`, `ets` (our AutoETS, statsforecast's parameter region),
/// `ets:aicw` (every ETS form weighted by its Akaike weight),
/// `ets:admissible` (R's admissible region) and `arima` (our AutoARIMA, [`Arima`]), and with
/// feature `anofox` `ets:anofox` and `arima:anofox` (the library's AutoETS and AutoARIMA, for
/// comparison), `theta`, `ensemble` (members
/// [`ENSEMBLE_MEMBERS`]), `ensemble:a+b+…` (the named members) and either with settings,
/// `ensemble~trim=1.5,shrink=0.3:a+b`; any of them with the suffix `+conformal` is wrapped in
/// [`Conformal`] calibrated for `horizon` steps. With feature `augurs`: `mstl` (the season
/// length) and `mstl:P+Q+…` (the listed season lengths, e.g. `mstl:7+365`); with feature
/// `prophet`: `prophet`; with feature `forest`: `rf` ([`RandomForest`]); with feature `lstm`:
/// `lstm` ([`Lstm`]). Returns `None` for an unknown name.
pub fn by_name(name: &str, season: usize, horizon: usize) -> Option<Box<dyn DynForecaster>> {
    if let Some(inner) = name.strip_suffix("+conformal") {
        let inner = by_name(inner, season, horizon)?;
        return Some(Box::new(Conformal::new(inner, horizon.max(1))));
    }
    let model: Box<dyn DynForecaster> = match name {
        "naive" => Box::new(Naive),
        "snaive" => Box::new(SeasonalNaive::default()),
        "sdrift" => Box::new(SeasonalNaive::with_drift()),
        "drift" => Box::new(Drift),
        "ma" => Box::new(MovingAverage::new(season.max(3)).ok()?),
        "croston" => Box::new(Croston::new(CrostonVariant::Classic)),
        "sba" => Box::new(Croston::new(CrostonVariant::Sba)),
        "tsb" => Box::new(Tsb::default()),
        "ets" => Box::new(Ets::default()),
        "arima" => Box::new(Arima::default()),
        "ets:aicw" => Box::new(Ets {
            akaike: true,
            ..Ets::default()
        }),
        "ets:admissible" => Box::new(Ets {
            region: ParameterRegion::Admissible,
            ..Ets::default()
        }),
        #[cfg(feature = "forest")]
        "rf" => Box::new(RandomForest::default()),
        #[cfg(feature = "lstm")]
        "lstm" => Box::new(Lstm::default()),
        #[cfg(feature = "anofox")]
        "ets:anofox" => Box::new(AutoEts::default()),
        #[cfg(feature = "anofox")]
        "arima:anofox" => Box::new(AutoArima::default()),
        #[cfg(feature = "anofox")]
        "theta" => Box::new(AutoTheta::default()),
        #[cfg(feature = "augurs")]
        "mstl" => Box::new(Mstl::default()),
        #[cfg(feature = "prophet")]
        "prophet" => Box::new(Prophet::default()),
        other => {
            #[cfg(feature = "anofox")]
            if let Some(spec) = other.strip_prefix("ensemble") {
                return ensemble_named(spec, season, horizon);
            }
            #[cfg(feature = "augurs")]
            if let Some(list) = other.strip_prefix("mstl:") {
                let periods = list
                    .split('+')
                    .map(|p| p.parse().ok().filter(|p| *p >= 2))
                    .collect::<Option<Vec<usize>>>()?;
                return Some(Box::new(Mstl::with_periods(periods)));
            }
            if let Some(k) = other.strip_prefix("snaive:") {
                let min_seasons = k.parse().ok().filter(|k| *k >= 1)?;
                Box::new(SeasonalNaive {
                    min_seasons,
                    ..SeasonalNaive::default()
                })
            } else {
                let w = other.strip_prefix("ma:")?.parse().ok()?;
                Box::new(MovingAverage::new(w).ok()?)
            }
        }
    };
    Some(model)
}

/// An ensemble from what follows `ensemble` in its name: optional settings
/// `~key=value,…` (keys `shrink`, `power`, `trim`, `folds`, `prior`, `tail`, `segments`, `worst`, `reselect` = 0 or 1), then optionally `:a+b+…` members
/// (default [`ENSEMBLE_MEMBERS`]).
#[cfg(feature = "anofox")]
fn ensemble_named(spec: &str, season: usize, horizon: usize) -> Option<Box<dyn DynForecaster>> {
    let (settings, members) = match spec.split_once(':') {
        Some((settings, list)) => (settings, list.split('+').collect::<Vec<_>>()),
        None => (spec, ENSEMBLE_MEMBERS.to_vec()),
    };
    let mut e = ensemble_of(&members, season, horizon)?;
    if let Some(list) = settings.strip_prefix('~') {
        for kv in list.split(',') {
            let (key, value) = kv.split_once('=')?;
            let v: f64 = value.parse().ok().filter(|v: &f64| *v >= 0.0)?;
            match key {
                "shrink" if v <= 1.0 => e.shrink = v,
                "power" => e.power = v,
                "trim" if v >= 1.0 => e.trim = v,
                "folds" if v >= 1.0 && v.fract() == 0.0 => e.folds = v as usize,
                "prior" => e.prior_scores = v,
                "tail" => e.prior_tail = v,
                "segments" if v >= 1.0 && v.fract() == 0.0 => e.segments = v as usize,
                "worst" if v.fract() == 0.0 => e.drop_worst = v as usize,
                "reselect" if v == 0.0 || v == 1.0 => e.reselect = v == 1.0,
                _ => return None,
            }
        }
    } else if !settings.is_empty() {
        return None;
    }
    Some(Box::new(e))
}

/// An [`Ensemble`] of the named members (none of them an ensemble itself).
#[cfg(feature = "anofox")]
fn ensemble_of(names: &[&str], season: usize, horizon: usize) -> Option<Ensemble> {
    let members = names
        .iter()
        .filter(|n| !n.starts_with("ensemble"))
        .map(|n| by_name(n, season, horizon))
        .collect::<Option<Vec<_>>>()?;
    if members.len() != names.len() {
        return None;
    }
    Ensemble::new(members, horizon, season).ok()
}

#[cfg(all(test, feature = "anofox"))]
mod tests {
    use super::by_name;

    #[test]
    fn ensemble_settings_parse_and_bad_ones_are_refused() {
        for ok in [
            "ensemble",
            "ensemble~worst=1,segments=2,tail=2:snaive+naive",
            "ensemble~shrink=0.25,power=2,folds=4,prior=3,reselect=1",
        ] {
            assert!(by_name(ok, 12, 6).is_some(), "{ok}");
        }
        for bad in [
            "ensemble~segments=0",
            "ensemble~worst=1.5",
            "ensemble~shrink=2",
            "ensemble~bogus=1",
            "ensemble~reselect=2",
            "ensemble:ensemble",
        ] {
            assert!(by_name(bad, 12, 6).is_none(), "{bad}");
        }
    }
}

/// Series the models' unit tests share.
#[cfg(test)]
pub(crate) mod test_series {
    use crate::types::Series;

    /// A trending monthly series with a fixed seasonal pattern and a little deterministic noise.
    pub(crate) fn seasonal_series(n: usize) -> Series {
        let v: Vec<f64> = (0..n)
            .map(|t| {
                let s = [
                    1.0, 0.9, 1.1, 1.3, 0.8, 0.9, 1.0, 1.2, 0.95, 1.05, 0.85, 0.95,
                ][t % 12];
                (100.0 + 0.8 * t as f64) * s + ((t * 7919) % 13) as f64 * 0.3
            })
            .collect();
        Series::new(v).unwrap().with_season(12).unwrap()
    }
}
