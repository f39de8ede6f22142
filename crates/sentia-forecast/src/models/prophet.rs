//! Prophet-style model (feature `prophet`): `augurs-prophet`'s Prophet (Taylor and Letham 2018:
//! a piecewise-linear trend with 25 potential changepoints in the first 80% of the history,
//! Fourier seasonalities, holiday and regressor effects) fitted by our own optimizer
//! ([`ArgminLbfgs`]: the Stan model's log posterior on `argmin`'s L-BFGS), with Python
//! Prophet's defaults.
//!
//! * **Dates.** A dated series gives Prophet its real dates, so Prophet's automatic
//!   seasonalities apply (yearly with two years of history; weekly on daily data with two
//!   weeks). An undated series with a season `m > 1` is laid out one day per period with a
//!   custom seasonality of `m` days (Fourier order `min(10, m/2)`).
//! * **Regressors.** [`Holiday`](crate::RegressorKind::Holiday) regressors become Prophet
//!   holidays (each period with a value above 0 is an occurrence; a holiday has one effect);
//!   promotions and other drivers become additive extra regressors (standardised as Prophet
//!   does), their known future feeding the forecast.
//! * **Censored and missing points** are left out of the fit (Prophet needs no regular grid).
//! * **Intervals.** Prophet's own simulation draws from an unseeded generator; here the same
//!   simulation runs seeded: 1000 paths, each with new changepoints in the forecast period
//!   (Poisson count at the history's changepoint rate, Laplace sizes at the fitted mean
//!   `|δ|`) plus the fitted observation noise; bounds are the paths' quantiles. Two fits of one
//!   series find the same parameters (the optimizer orders Prophet's feature columns by their
//!   contents, not by Prophet's hash maps), so forecasts agree to the last bits (Prophet sums
//!   several components in its hash-map order).
//! * **Fallbacks.** Fewer than three observed points, a constant series, or a failure or
//!   panic inside Prophet run as [`Naive`](super::Naive), recorded.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use augurs_prophet::optimizer::{Data, InitialParams, OptimizeOpts, OptimizedParams, Optimizer};
use augurs_prophet::{
    Holiday, HolidayOccurrence, PredictionData, Prophet as AugursProphet, ProphetOptions,
    Regressor as ProphetRegressor, Seasonality, SeasonalityOption, TimestampSeconds, TrainingData,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::mstl::panic_message;
use super::naive_instead;
use super::prophet_lbfgs::ArgminLbfgs;
use crate::checks::{Fallback, observed_values};
use crate::error::ForecastError;
use crate::stats::{check_levels, quantile_sorted, sort_finite};
use crate::traits::{DynPredict, Forecaster, Predict};
use crate::types::{Forecast, RegressorKind, Series};

const NAME: &str = "prophet";
/// Simulated paths for the intervals (Prophet's `uncertainty_samples`).
const PATHS: usize = 1000;
/// Seed of the interval simulation.
const SEED: u64 = 0x005e_171a;
const DAY: TimestampSeconds = 86_400;

/// Prophet with Python Prophet's defaults, fitted by [`ArgminLbfgs`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prophet {
    /// The optimizer and its stopping rules.
    pub optimizer: ArgminLbfgs,
}

/// The fitted parameters the interval simulation needs, recorded by the optimizer.
#[derive(Debug, Clone)]
struct Recorded {
    delta: Vec<f64>,
    sigma: f64,
}

/// Our optimizer, keeping a copy of what it found (Prophet keeps its parameters private).
#[derive(Debug, Clone)]
struct Recording {
    inner: ArgminLbfgs,
    last: Arc<Mutex<Option<Recorded>>>,
}

impl Optimizer for Recording {
    fn optimize(
        &self,
        init: &InitialParams,
        data: &Data,
        opts: &OptimizeOpts,
    ) -> Result<OptimizedParams, augurs_prophet::optimizer::Error> {
        let out = self.inner.optimize(init, data, opts)?;
        if let Ok(mut last) = self.last.lock() {
            *last = Some(Recorded {
                delta: out.delta.clone(),
                sigma: *out.sigma_obs,
            });
        }
        Ok(out)
    }
}

/// One named effect over the history and the forecast horizon.
pub type Component = (String, Vec<f64>);

/// What a Prophet forecast is made of, per period over the history then the horizon, in the
/// series' units: `trend + Σ seasonal + Σ holidays + Σ regressors` is the point forecast
/// (additive mode).
#[derive(Debug, Clone, PartialEq)]
pub struct ProphetComponents {
    /// The piecewise-linear trend.
    pub trend: Vec<f64>,
    /// Seasonalities by name (`yearly`, `weekly`, `daily`, `season`), sorted by name.
    pub seasonal: Vec<Component>,
    /// Holiday effects by the regressor's name, sorted.
    pub holidays: Vec<Component>,
    /// Promotion and other regressor effects by name, sorted.
    pub regressors: Vec<Component>,
}

/// A fitted [`Prophet`].
pub struct ProphetFitted {
    engine: Engine,
    fallbacks: Vec<Fallback>,
}

enum Engine {
    Prophet(Box<Fitted>),
    Instead(DynPredict),
}

struct Fitted {
    model: AugursProphet<Recording>,
    series: Series,
    /// Timestamps of the history, one per period (censored ones included).
    stamps: Vec<TimestampSeconds>,
    /// First and last timestamp of the fitted points (Prophet's time scale).
    t0: TimestampSeconds,
    t1: TimestampSeconds,
    /// Largest |y| of the fitted points (Prophet's y scale).
    y_scale: f64,
    fit: Recorded,
}

impl std::fmt::Debug for ProphetFitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProphetFitted")
            .field("fallbacks", &self.fallbacks)
            .finish_non_exhaustive()
    }
}

/// Prophet's name for one of our regressors (kept apart from its own component names).
fn holiday_key(name: &str) -> String {
    format!("holiday_{name}")
}

fn regressor_key(name: &str) -> String {
    format!("regressor_{name}")
}

/// The timestamp of period `i`: the series' date at midnight UTC, or day `i` of 2000 for an
/// undated series.
fn stamp(series: &Series, i: usize) -> TimestampSeconds {
    match series.date(i) {
        Some(d) => d
            .and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp()),
        None => 946_684_800 + i as TimestampSeconds * DAY,
    }
}

impl Fitted {
    /// Prophet's input for periods `from..to`: their dates and regressor values.
    fn prediction_data(&self, from: usize, to: usize) -> Result<PredictionData, String> {
        let ds = (from..to).map(|i| self.stamp(i)).collect();
        let x: HashMap<String, Vec<f64>> = self
            .series
            .regressors()
            .iter()
            .filter(|r| r.kind != RegressorKind::Holiday)
            .map(|r| {
                (
                    regressor_key(&r.name),
                    (from..to).map(|i| r.at(i)).collect(),
                )
            })
            .collect();
        let data = PredictionData::new(ds);
        if x.is_empty() {
            Ok(data)
        } else {
            data.with_regressors(x).map_err(|e| e.to_string())
        }
    }

    fn stamp(&self, i: usize) -> TimestampSeconds {
        self.stamps
            .get(i)
            .copied()
            .unwrap_or_else(|| stamp(&self.series, i))
    }

    fn predict(&self, from: usize, to: usize) -> Result<augurs_prophet::Predictions, String> {
        let data = self.prediction_data(from, to)?;
        catch_unwind(AssertUnwindSafe(|| self.model.predict(data)))
            .map_err(|p| panic_message(p.as_ref()))?
            .map_err(|e| e.to_string())
    }
}

fn fit_prophet(config: &Prophet, series: &Series) -> Result<Fitted, String> {
    let n = series.len();
    let stamps: Vec<TimestampSeconds> = (0..n).map(|i| stamp(series, i)).collect();
    let kept: Vec<usize> = (0..n).filter(|&i| !series.is_censored(i)).collect();
    let y: Vec<f64> = kept.iter().map(|&i| series.values()[i]).collect();
    let mut opts = ProphetOptions {
        // The interval simulation is ours (seeded); Prophet's draws from an unseeded generator.
        uncertainty_samples: 0,
        ..ProphetOptions::default()
    };
    let dated = series.calendar().is_some();
    if !dated {
        opts.yearly_seasonality = SeasonalityOption::Manual(false);
        opts.weekly_seasonality = SeasonalityOption::Manual(false);
        opts.daily_seasonality = SeasonalityOption::Manual(false);
    }
    let mut holidays = HashMap::new();
    for r in series
        .regressors()
        .iter()
        .filter(|r| r.kind == RegressorKind::Holiday)
    {
        let occurrences: Vec<HolidayOccurrence> = (0..r.values.len())
            .filter(|&i| r.values[i] > 0.0)
            .map(|i| {
                let start = stamp(series, i);
                let end = stamp(series, i + 1).max(start + DAY);
                HolidayOccurrence::new(start, end)
            })
            .collect();
        if !occurrences.is_empty() {
            holidays.insert(holiday_key(&r.name), Holiday::new(occurrences));
        }
    }
    opts.holidays = holidays;
    let last = Arc::new(Mutex::new(None));
    let mut model = AugursProphet::new(
        opts,
        Recording {
            inner: config.optimizer,
            last: Arc::clone(&last),
        },
    );
    let m = series.season();
    if !dated && m > 1 {
        let order = NonZeroU32::new((m / 2).clamp(1, 10) as u32).unwrap_or(NonZeroU32::MIN);
        let period =
            augurs_prophet::PositiveFloat::try_from(m as f64).map_err(|e| e.to_string())?;
        model
            .add_seasonality("season".into(), Seasonality::new(period, order))
            .map_err(|e| e.to_string())?;
    }
    let mut x = HashMap::new();
    for r in series
        .regressors()
        .iter()
        .filter(|r| r.kind != RegressorKind::Holiday)
    {
        let key = regressor_key(&r.name);
        model.add_regressor(key.clone(), ProphetRegressor::additive());
        x.insert(key, kept.iter().map(|&i| r.at(i)).collect());
    }
    let ds: Vec<TimestampSeconds> = kept.iter().map(|&i| stamps[i]).collect();
    let mut data = TrainingData::new(ds, y.clone()).map_err(|e| e.to_string())?;
    if !x.is_empty() {
        data = data.with_regressors(x).map_err(|e| e.to_string())?;
    }
    model
        .fit(data, OptimizeOpts::default())
        .map_err(|e| e.to_string())?;
    let recorded = last
        .lock()
        .ok()
        .and_then(|r| r.clone())
        .ok_or_else(|| "the optimizer recorded no parameters".to_owned())?;
    let (t0, t1) = (stamps[kept[0]], stamps[kept[kept.len() - 1]]);
    let y_scale = y.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
    Ok(Fitted {
        model,
        series: series.clone(),
        stamps,
        t0,
        t1,
        y_scale: if y_scale > 0.0 { y_scale } else { 1.0 },
        fit: recorded,
    })
}

impl Forecaster for Prophet {
    type Fitted = ProphetFitted;

    fn name(&self) -> String {
        NAME.to_owned()
    }

    fn min_history(&self, season: usize) -> usize {
        // Prophet fits any three points; its seasonalities switch themselves on with history.
        let _ = season;
        3
    }

    fn fit(&self, series: &Series) -> Result<ProphetFitted, ForecastError> {
        let observed = observed_values(series)?;
        let naive = |reason: String| {
            let mut fallbacks = Vec::new();
            let inner = naive_instead(series, NAME, reason, &mut fallbacks)?;
            Ok(ProphetFitted {
                engine: Engine::Instead(Box::new(inner)),
                fallbacks,
            })
        };
        if observed.len() < 3 {
            let reason = format!("{} observed points, fewer than 3", observed.len());
            return naive(reason);
        }
        if observed.iter().all(|v| *v == observed[0]) {
            return naive("the series is constant".into());
        }
        let fitted = catch_unwind(AssertUnwindSafe(|| {
            let fitted = fit_prophet(self, series)?;
            // A one-step forecast proves the fit usable before anything is promised.
            let probe = fitted.predict(series.len(), series.len() + 1)?;
            if probe.yhat.point.iter().all(|v| v.is_finite()) {
                Ok(fitted)
            } else {
                Err("the forecast is not finite".to_owned())
            }
        }));
        match fitted {
            Ok(Ok(f)) => Ok(ProphetFitted {
                engine: Engine::Prophet(Box::new(f)),
                fallbacks: Vec::new(),
            }),
            Ok(Err(e)) => naive(format!("Prophet failed: {e}")),
            Err(p) => naive(format!("Prophet panicked: {}", panic_message(p.as_ref()))),
        }
    }
}

impl ProphetFitted {
    /// The components over the history and `horizon` more periods, or `None` when a fallback
    /// ran instead of Prophet.
    pub fn components(&self, horizon: usize) -> Option<Result<ProphetComponents, ForecastError>> {
        let Engine::Prophet(f) = &self.engine else {
            return None;
        };
        let n = f.series.len();
        let p = match f.predict(0, n + horizon) {
            Ok(p) => p,
            Err(_) => return Some(Err(failed())),
        };
        let sorted = |m: &HashMap<String, augurs_prophet::FeaturePrediction>, prefix: &str| {
            let mut v: Vec<Component> = m
                .iter()
                .filter_map(|(k, c)| Some((k.strip_prefix(prefix)?.to_owned(), c.point.clone())))
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        Some(Ok(ProphetComponents {
            trend: p.trend.point.clone(),
            seasonal: sorted(&p.seasonalities, ""),
            holidays: sorted(&p.holidays, "holiday_"),
            regressors: sorted(&p.regressors, "regressor_"),
        }))
    }
}

fn failed() -> ForecastError {
    ForecastError::NonFiniteOutput {
        model: NAME.to_owned(),
    }
}

/// A Laplace(0, `scale`) draw by inversion.
fn laplace(rng: &mut ChaCha8Rng, scale: f64) -> f64 {
    let u: f64 = rng.r#gen::<f64>() - 0.5;
    -scale * u.signum() * (1.0 - 2.0 * u.abs()).max(f64::MIN_POSITIVE).ln()
}

/// A Poisson(`lambda`) draw (Knuth's product of uniforms; `lambda` is small here).
fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> usize {
    if lambda <= 0.0 {
        return 0;
    }
    let limit = (-lambda).exp();
    let mut k = 0;
    let mut p: f64 = rng.r#gen();
    while p > limit && k < 10_000 {
        k += 1;
        p *= rng.r#gen::<f64>();
    }
    k
}

impl Predict for ProphetFitted {
    fn predict_in_place(
        &self,
        horizon: usize,
        levels: &[f64],
        out: &mut Forecast,
    ) -> Result<(), ForecastError> {
        let f = match &self.engine {
            Engine::Instead(inner) => return inner.predict_in_place(horizon, levels, out),
            Engine::Prophet(f) => f,
        };
        check_levels(levels)?;
        out.reset(horizon, levels);
        if horizon == 0 {
            return Ok(());
        }
        let n = f.series.len();
        let p = f.predict(n, n + horizon).map_err(|_| failed())?;
        out.point.copy_from_slice(&p.yhat.point[..horizon]);
        // Prophet's time scale: 0 at the first fitted point, 1 at the last.
        let span = (f.t1 - f.t0).max(1) as f64;
        let t: Vec<f64> = (n..n + horizon)
            .map(|i| (f.stamp(i) - f.t0) as f64 / span)
            .collect();
        let t_max = t.iter().copied().fold(1.0, f64::max);
        let s = f.fit.delta.len();
        let lambda = f.fit.delta.iter().map(|d| d.abs()).sum::<f64>() / s.max(1) as f64 + 1e-8;
        let mut rng = ChaCha8Rng::seed_from_u64(SEED);
        let mut paths = vec![Vec::with_capacity(PATHS); horizon];
        let mut changes: Vec<(f64, f64)> = Vec::new();
        for _ in 0..PATHS {
            changes.clear();
            let count = if s > 0 {
                poisson(&mut rng, s as f64 * (t_max - 1.0))
            } else {
                0
            };
            for _ in 0..count {
                let at = 1.0 + rng.r#gen::<f64>() * (t_max - 1.0);
                changes.push((at, laplace(&mut rng, lambda)));
            }
            for (k, tk) in t.iter().enumerate() {
                let shift: f64 = changes
                    .iter()
                    .filter(|(at, _)| *at < *tk)
                    .map(|(at, d)| d * (tk - at))
                    .sum();
                let noise: f64 = rng.sample(StandardNormal);
                paths[k].push(out.point[k] + f.y_scale * (shift + f.fit.sigma * noise));
            }
        }
        for (k, path) in paths.iter_mut().enumerate() {
            sort_finite(path);
            for iv in &mut out.intervals {
                iv.lower[k] = quantile_sorted(path, (1.0 - iv.level) / 2.0);
                iv.upper[k] = quantile_sorted(path, (1.0 + iv.level) / 2.0);
            }
        }
        if !out.is_finite() {
            return Err(failed());
        }
        Ok(())
    }

    fn fallbacks(&self) -> &[Fallback] {
        &self.fallbacks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Frequency;
    use chrono::NaiveDate;

    const SEASON: [f64; 12] = [
        -10.0, -14.0, -4.0, 2.0, 6.0, 14.0, 22.0, 20.0, 8.0, -4.0, -18.0, -22.0,
    ];

    /// Monthly from January 2010: trend, a yearly pattern and a little deterministic noise.
    fn monthly(n: usize) -> Series {
        let v: Vec<f64> = (0..n)
            .map(|t| 200.0 + 1.5 * t as f64 + SEASON[t % 12] + ((t * 7919) % 11) as f64 * 0.4)
            .collect();
        Series::new(v)
            .unwrap()
            .with_season(12)
            .unwrap()
            .with_calendar(
                NaiveDate::from_ymd_opt(2010, 1, 1).unwrap(),
                Frequency::Monthly,
            )
    }

    #[test]
    fn follows_trend_and_yearly_season_with_widening_intervals() {
        let s = monthly(96);
        let fitted = Prophet::default().fit(&s).unwrap();
        assert!(fitted.fallbacks().is_empty(), "{:?}", fitted.fallbacks());
        let f = fitted.predict(24, &[0.8, 0.95]).unwrap();
        for (k, p) in f.point.iter().enumerate() {
            let t = 96 + k;
            let truth = 202.0 + 1.5 * t as f64 + SEASON[t % 12];
            assert!((p - truth).abs() < 6.0, "step {k}: {p} vs {truth}");
        }
        let (i80, i95) = (f.interval(0.8).unwrap(), f.interval(0.95).unwrap());
        for k in 0..24 {
            assert!(i95.lower[k] < i80.lower[k] && i80.lower[k] < f.point[k]);
            assert!(f.point[k] < i80.upper[k] && i80.upper[k] < i95.upper[k]);
        }
        let w = |k: usize| i95.upper[k] - i95.lower[k];
        assert!(w(23) > w(0), "{} vs {}", w(23), w(0));
    }

    #[test]
    fn two_fits_give_identical_forecasts() {
        let s = monthly(60);
        let a = Prophet::default()
            .fit(&s)
            .unwrap()
            .predict(12, &[0.9])
            .unwrap();
        let b = Prophet::default()
            .fit(&s)
            .unwrap()
            .predict(12, &[0.9])
            .unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn two_fits_agree_with_several_seasonalities_and_drivers() {
        // Daily over two and a half years: weekly and yearly seasonalities, a holiday and a
        // promotion, whose columns `augurs-prophet` orders by hash maps.
        let n = 750;
        let promo: Vec<f64> = (0..n + 30)
            .map(|i| f64::from(u8::from(i % 11 < 2)))
            .collect();
        let holiday: Vec<f64> = (0..n + 30)
            .map(|i| f64::from(u8::from(i % 91 == 5)))
            .collect();
        let v: Vec<f64> = (0..n)
            .map(|i| {
                let t = i as f64;
                100.0
                    + 0.02 * t
                    + 10.0 * (t * std::f64::consts::TAU / 365.25).sin()
                    + [0.0, 3.0, 5.0, 4.0, 8.0, 15.0, 12.0][i % 7]
                    + 20.0 * promo[i]
                    + 40.0 * holiday[i]
                    + ((i * 31) % 7) as f64
            })
            .collect();
        let s = Series::new(v)
            .unwrap()
            .with_season(7)
            .unwrap()
            .with_calendar(
                NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(),
                Frequency::Daily,
            )
            .with_regressor("promo", RegressorKind::Promotion, promo)
            .unwrap()
            .with_regressor(
                "price",
                RegressorKind::Other,
                (0..n + 30).map(|i| (i % 5) as f64).collect(),
            )
            .unwrap()
            .with_regressor("sale day", RegressorKind::Holiday, holiday)
            .unwrap();
        let fits: Vec<Forecast> = (0..2)
            .map(|_| {
                Prophet::default()
                    .fit(&s)
                    .unwrap()
                    .predict(30, &[0.8])
                    .unwrap()
            })
            .collect();
        let c = Prophet::default()
            .fit(&s)
            .unwrap()
            .components(30)
            .unwrap()
            .unwrap();
        let names: Vec<&str> = c.seasonal.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["weekly", "yearly"]);
        let (a, b) = (&fits[0], &fits[1]);
        let diff = (0..30)
            .map(|k| (a.point[k] - b.point[k]).abs())
            .fold(0.0, f64::max);
        // The fits are identical; `augurs-prophet` then sums the components in its hash-map
        // order, which can change the last bits of the point forecast.
        assert!(diff <= 1e-12 * a.point[0].abs(), "{diff}");
    }

    #[test]
    fn components_add_up_to_the_forecast() {
        let s = monthly(72);
        let fitted = Prophet::default().fit(&s).unwrap();
        let c = fitted.components(12).unwrap().unwrap();
        assert_eq!(c.trend.len(), 84);
        assert_eq!(c.seasonal.len(), 1);
        assert_eq!(c.seasonal[0].0, "yearly");
        let f = fitted.predict(12, &[]).unwrap();
        for k in 0..12 {
            let sum = c.trend[72 + k] + c.seasonal[0].1[72 + k];
            assert!(
                (sum - f.point[k]).abs() < 1e-6 * f.point[k].abs(),
                "step {k}"
            );
        }
        // The yearly component peaks in summer, as the data does.
        let yearly = &c.seasonal[0].1;
        assert!(
            yearly[6] > yearly[0] + 20.0,
            "{} vs {}",
            yearly[6],
            yearly[0]
        );
    }

    /// Daily, from a Monday: a weekly pattern, a holiday that doubles sales and a promotion
    /// that adds 30.
    fn daily_with_drivers() -> (Series, usize) {
        let n = 140;
        let h = 14;
        let holiday: Vec<f64> = (0..n + h)
            .map(|i| f64::from(u8::from(i % 30 == 17)))
            .collect();
        let promo: Vec<f64> = (0..n + h).map(|i| f64::from(u8::from(i % 9 < 2))).collect();
        let v: Vec<f64> = (0..n)
            .map(|i| {
                let week = [0.0, 3.0, 5.0, 4.0, 8.0, 15.0, 12.0][i % 7];
                100.0 + week + 100.0 * holiday[i] + 30.0 * promo[i] + ((i * 31) % 5) as f64
            })
            .collect();
        let s = Series::new(v)
            .unwrap()
            .with_season(7)
            .unwrap()
            .with_calendar(
                NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                Frequency::Daily,
            )
            .with_regressor("launch day", RegressorKind::Holiday, holiday)
            .unwrap()
            .with_regressor("promo", RegressorKind::Promotion, promo)
            .unwrap();
        (s, h)
    }

    #[test]
    fn holidays_and_promotions_carry_into_the_forecast() {
        let (s, h) = daily_with_drivers();
        let fitted = Prophet::default().fit(&s).unwrap();
        assert!(fitted.fallbacks().is_empty(), "{:?}", fitted.fallbacks());
        let f = fitted.predict(h, &[0.8]).unwrap();
        // No holiday falls in periods 140..154 (137 and 167 do); promotions on 144, 145, 153.
        let base = |i: usize| 102.0 + [0.0, 3.0, 5.0, 4.0, 8.0, 15.0, 12.0][i % 7];
        for k in 0..h {
            let i = 140 + k;
            let promo = if i % 9 < 2 { 30.0 } else { 0.0 };
            let truth = base(i) + promo;
            assert!(
                (f.point[k] - truth).abs() < 8.0,
                "period {i}: {} vs {truth}",
                f.point[k]
            );
        }
        let c = fitted.components(h).unwrap().unwrap();
        assert_eq!(c.holidays[0].0, "launch day");
        assert_eq!(c.regressors[0].0, "promo");
        let holiday = &c.holidays[0].1;
        assert!((holiday[17] - 100.0).abs() < 10.0, "{}", holiday[17]);
        assert!(holiday[18].abs() < 1e-9);
        let promo = &c.regressors[0].1;
        assert!((promo[144] - promo[146] - 30.0).abs() < 5.0, "{promo:?}");
        let names: Vec<&str> = c.seasonal.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["weekly"]);
    }

    #[test]
    fn a_future_holiday_lifts_its_day() {
        let (s, h) = daily_with_drivers();
        // Move one known holiday into the forecast period.
        let mut holiday = s.regressors()[0].values.clone();
        holiday[150] = 1.0;
        let promo = s.regressors()[1].values.clone();
        let s2 = Series::new(s.values().to_vec())
            .unwrap()
            .with_season(7)
            .unwrap()
            .with_calendar(
                NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                Frequency::Daily,
            )
            .with_regressor("launch day", RegressorKind::Holiday, holiday)
            .unwrap()
            .with_regressor("promo", RegressorKind::Promotion, promo)
            .unwrap();
        let a = Prophet::default().fit(&s).unwrap().predict(h, &[]).unwrap();
        let b = Prophet::default()
            .fit(&s2)
            .unwrap()
            .predict(h, &[])
            .unwrap();
        assert!((b.point[10] - a.point[10] - 100.0).abs() < 10.0);
        assert!((b.point[9] - a.point[9]).abs() < 1e-6);
    }

    #[test]
    fn undated_series_use_their_season() {
        let v = monthly(60).values().to_vec();
        let s = Series::new(v).unwrap().with_season(12).unwrap();
        let fitted = Prophet::default().fit(&s).unwrap();
        let c = fitted.components(12).unwrap().unwrap();
        assert_eq!(c.seasonal[0].0, "season");
        let f = fitted.predict(12, &[0.8]).unwrap();
        // July (index 6) well above December (index 11).
        assert!(f.point[6] - f.point[11] > 30.0, "{:?}", f.point);
    }

    #[test]
    fn short_constant_and_censored_input() {
        let f = Prophet::default()
            .fit(&Series::new(vec![5.0; 30]).unwrap())
            .unwrap();
        assert_eq!(f.fallbacks()[0].to, "naive");
        assert!(f.components(3).is_none());
        let f = Prophet::default()
            .fit(&Series::new(vec![1.0, 2.0]).unwrap())
            .unwrap();
        assert!(f.fallbacks()[0].reason.contains("fewer than 3"));
        // A stockout month is left out, not fitted as demand.
        let s = monthly(60);
        let mut v = s.values().to_vec();
        v[30] = 0.0;
        let mut mask = vec![false; 60];
        mask[30] = true;
        let censored = Series::new(v)
            .unwrap()
            .with_season(12)
            .unwrap()
            .with_calendar(
                NaiveDate::from_ymd_opt(2010, 1, 1).unwrap(),
                Frequency::Monthly,
            )
            .with_censored(mask)
            .unwrap();
        let a = Prophet::default().fit(&s).unwrap().predict(6, &[]).unwrap();
        let b = Prophet::default()
            .fit(&censored)
            .unwrap()
            .predict(6, &[])
            .unwrap();
        for k in 0..6 {
            assert!((a.point[k] - b.point[k]).abs() < 3.0, "step {k}");
        }
    }

    #[test]
    fn random_draws_are_well_formed() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let draws: Vec<f64> = (0..20_000).map(|_| laplace(&mut rng, 2.0)).collect();
        let mean_abs = draws.iter().map(|d| d.abs()).sum::<f64>() / draws.len() as f64;
        assert!((mean_abs - 2.0).abs() < 0.06, "{mean_abs}");
        let counts: Vec<usize> = (0..20_000).map(|_| poisson(&mut rng, 3.5)).collect();
        let mean = counts.iter().sum::<usize>() as f64 / counts.len() as f64;
        assert!((mean - 3.5).abs() < 0.06, "{mean}");
        assert_eq!(poisson(&mut rng, 0.0), 0);
    }
}
