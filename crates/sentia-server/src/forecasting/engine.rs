//! One series through the forecasting engine: every candidate model is backtested from
//! rolling origins, wrapped in [`Conformal`] for calibrated 80 %/95 % intervals, and the
//! most accurate are combined ([`super::ensemble`]).
//!
//! Backtest protocol: the last [`ORIGINS`] (library models: [`SLOW_ORIGINS`]) origins one
//! period apart, each forecasting [`HORIZON`] periods; point metrics over every uncensored
//! actual of those origins. The final forecast is the model wrapped in [`Conformal`]
//! calibrated on the same origins. Interval coverage is scored leave-one-out: an origin's
//! intervals are `point ± q`, `q` the conformal quantile of the *other* origins' absolute
//! errors, so no origin is scored with its own error.

use sentia_forecast::backtest::{BacktestConfig, rolling_origin};
use sentia_forecast::{Conformal, DynForecaster, Forecaster, Predict, Series, metrics, models};
use sentia_store::forecasting::history::DemandPeriod;

use super::adjusted::SeasonallyAdjusted;
use super::ensemble::{self, Candidate};

/// Periods forecast (13 weeks: a quarter, beyond the longest supplier lead time).
pub const HORIZON: usize = 13;
/// Interval levels stored.
pub const LEVELS: [f64; 2] = [0.8, 0.95];
/// Rolling origins (one period apart) per small model: scored for the metrics and used as
/// the final [`Conformal`] model's calibration windows.
pub const ORIGINS: usize = 16;
/// Rolling origins for the library models (AutoETS, AutoARIMA), whose fits cost far more.
pub const SLOW_ORIGINS: usize = 6;
/// Fewest calibration errors for a conformal interval.
pub const MIN_CALIBRATION: usize = 5;
/// Average demand interval (periods per non-zero period) from which a series counts as
/// intermittent and the Croston family joins the candidates (Syntetos–Boylan cut-off).
pub const INTERMITTENT_ADI: f64 = 1.32;
/// Models tried on every series.
pub const MODELS: &[&str] = &[
    "snaive", "naive", "drift", "ma", "ets", "arima", "theta", "mstl",
];
/// Models added on intermittent series.
pub const INTERMITTENT_MODELS: &[&str] = &["croston", "sba", "tsb"];

/// A forecast path with its intervals, clipped at zero.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Path {
    /// Point per step.
    pub point: Vec<f64>,
    /// 80 % lower bound per step.
    pub lo80: Vec<f64>,
    /// 80 % upper bound per step.
    pub hi80: Vec<f64>,
    /// 95 % lower bound per step.
    pub lo95: Vec<f64>,
    /// 95 % upper bound per step.
    pub hi95: Vec<f64>,
}

impl Path {
    fn from_forecast(f: &sentia_forecast::Forecast) -> Option<Self> {
        let i80 = f.interval(0.8)?;
        let i95 = f.interval(0.95)?;
        let mut p = Path {
            point: f.point.clone(),
            lo80: i80.lower.clone(),
            hi80: i80.upper.clone(),
            lo95: i95.lower.clone(),
            hi95: i95.upper.clone(),
        };
        p.tidy();
        Some(p)
    }

    /// Clips at zero (demand is never negative) and enforces nesting
    /// lo95 ≤ lo80 ≤ point ≤ hi80 ≤ hi95 (already true of symmetric conformal intervals;
    /// kept against rounding).
    pub fn tidy(&mut self) {
        for k in 0..self.point.len() {
            let p = self.point[k].max(0.0);
            let lo80 = self.lo80[k].max(0.0).min(p);
            let hi80 = self.hi80[k].max(p);
            self.point[k] = p;
            self.lo80[k] = lo80;
            self.hi80[k] = hi80;
            self.lo95[k] = self.lo95[k].max(0.0).min(lo80);
            self.hi95[k] = self.hi95[k].max(hi80);
        }
    }

    /// Weighted average of paths of equal length (weights sum to 1).
    pub fn combine(parts: &[(&Path, f64)]) -> Path {
        let h = parts.first().map_or(0, |(p, _)| p.point.len());
        let mix = |get: fn(&Path) -> &Vec<f64>| -> Vec<f64> {
            (0..h)
                .map(|k| parts.iter().map(|(p, w)| get(p)[k] * w).sum())
                .collect()
        };
        let mut out = Path {
            point: mix(|p| &p.point),
            lo80: mix(|p| &p.lo80),
            hi80: mix(|p| &p.hi80),
            lo95: mix(|p| &p.lo95),
            hi95: mix(|p| &p.hi95),
        };
        out.tidy();
        out
    }
}

/// Backtest metrics of one model on one series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scores {
    /// Origins scored.
    pub folds: usize,
    /// Mean absolute error.
    pub mae: Option<f64>,
    /// Root mean squared error.
    pub rmse: Option<f64>,
    /// sMAPE, percent.
    pub smape: Option<f64>,
    /// MASE.
    pub mase: Option<f64>,
    /// WAPE, percent.
    pub wape: Option<f64>,
    /// Mean forecast − actual.
    pub bias: Option<f64>,
    /// 80 % coverage, percent.
    pub coverage80: Option<f64>,
    /// 95 % coverage, percent.
    pub coverage95: Option<f64>,
}

/// One candidate's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelOutcome {
    /// Model name.
    pub name: String,
    /// Backtest metrics (default when the backtest could not run).
    pub scores: Scores,
    /// Forecast with conformal intervals (`None` when the model failed).
    pub forecast: Option<Path>,
    /// Weight in the combination.
    pub weight: f64,
    /// Fallbacks taken or why the model is missing.
    pub note: Option<String>,
    /// Eval-origin forecasts (point and calibrated bounds), for scoring the combination.
    folds: Vec<FoldPath>,
}

#[derive(Debug, Clone, PartialEq)]
struct FoldPath {
    train_len: usize,
    path: Option<Path>,
}

/// Everything the engine produced for one series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesOutcome {
    /// Candidates, in [`MODELS`] order.
    pub models: Vec<ModelOutcome>,
    /// The combined forecast.
    pub combined: Path,
    /// Backtest metrics of the combination.
    pub combined_scores: Scores,
    /// Why the weights are what they are.
    pub reason: String,
    /// Whether the Croston family was tried.
    pub intermittent: bool,
    /// Average demand interval.
    pub adi: Option<f64>,
    /// Periods of history.
    pub history: usize,
    /// Censored periods (stockouts).
    pub censored: usize,
    /// Gaps (no data).
    pub gaps: usize,
    /// Backtest errors of the combination (actual − point) at every origin and step, keyed
    /// by `origin · HORIZON + step` (the origin as the periods of history it saw, the step
    /// from 0), so that series on one calendar line up; censored and missing periods are left
    /// out. Reconciliation weighs the series of a hierarchy by these.
    pub residuals: Vec<(usize, f64)>,
}

/// Builds the engine's series from weekly periods.
pub fn to_series(periods: &[DemandPeriod], season: usize) -> Result<Series, String> {
    let values: Vec<Option<f64>> = periods.iter().map(|p| p.units).collect();
    let mask: Vec<bool> = periods.iter().map(|p| p.censored).collect();
    Series::from_options(&values)
        .and_then(|s| s.with_censored(mask))
        .and_then(|s| s.with_season(season))
        .map_err(|e| e.to_string())
}

fn conformal_q(sorted_abs: &[f64], level: f64) -> Option<f64> {
    let n = sorted_abs.len();
    if n < MIN_CALIBRATION {
        return None;
    }
    let k = ((n as f64 + 1.0) * level).ceil() as usize;
    Some(sorted_abs[k.clamp(1, n) - 1])
}

fn mean(it: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = it.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

/// Scores paths made at `train_len` origins against the series.
fn score(series: &Series, folds: &[(usize, &Path)], scale: Option<f64>) -> Scores {
    let (mut a, mut f) = (Vec::new(), Vec::new());
    let (mut in80, mut in95, mut n_iv) = (0usize, 0usize, 0usize);
    for (t, p) in folds {
        for k in 0..p.point.len() {
            let i = t + k;
            if i >= series.len() || series.is_censored(i) {
                continue;
            }
            let y = series.values()[i];
            a.push(y);
            f.push(p.point[k]);
            n_iv += 1;
            in80 += usize::from(p.lo80[k] <= y && y <= p.hi80[k]);
            in95 += usize::from(p.lo95[k] <= y && y <= p.hi95[k]);
        }
    }
    let ok = |r: Result<f64, metrics::MetricError>| r.ok().filter(|x| x.is_finite());
    let mae = ok(metrics::mae(&a, &f));
    Scores {
        folds: folds.len(),
        mae,
        rmse: ok(metrics::rmse(&a, &f)),
        smape: ok(metrics::smape(&a, &f)),
        mase: mae.zip(scale).map(|(m, s)| m / s),
        wape: ok(metrics::wape(&a, &f)),
        bias: ok(metrics::bias(&a, &f)),
        coverage80: (n_iv > 0).then(|| 100.0 * in80 as f64 / n_iv as f64),
        coverage95: (n_iv > 0).then(|| 100.0 * in95 as f64 / n_iv as f64),
    }
}

/// Models that run on the seasonally adjusted series when the season is long (see
/// [`SeasonallyAdjusted`]).
pub const ADJUSTED_MODELS: &[&str] = &["ets", "arima"];
/// Season lengths from which [`ADJUSTED_MODELS`] run seasonally adjusted.
pub const LONG_SEASON: usize = 25;

/// The model for `name`: from the engine's registry, except that AutoETS and AutoARIMA on a
/// long season run non-seasonally on the seasonally adjusted series.
pub fn model_for(name: &str, season: usize) -> Option<Box<dyn DynForecaster>> {
    if season >= LONG_SEASON && ADJUSTED_MODELS.contains(&name) {
        let inner = models::by_name(name, 1, HORIZON)?;
        return Some(Box::new(SeasonallyAdjusted::new(inner, name, season)));
    }
    models::by_name(name, season, HORIZON)
}

/// Models whose final intervals are computed here from the backtest's errors instead of by
/// [`Conformal`], which would refit the very same windows a second time: the same
/// split-conformal rule (per step, the ⌈(n+1)·level⌉-th smallest absolute error), half the
/// fits. Measured on the demo: AutoARIMA costs ~0.14 s per fit, the small models microseconds.
pub fn conformal_from_backtest(name: &str) -> bool {
    matches!(name, "ets" | "arima" | "theta")
}

/// Fits `inner` on the whole series and sets its intervals to point ± the conformal
/// quantile of `step_scores` (the model's own intervals when there are too few scores).
fn final_from_backtest(
    inner: &dyn DynForecaster,
    series: &Series,
    step_scores: &[Vec<f64>],
    notes: &mut Vec<String>,
) -> Option<Path> {
    let fitted = match inner.fit_dyn(series) {
        Ok(f) => f,
        Err(e) => {
            notes.push(format!("fit: {e}"));
            return None;
        }
    };
    for fb in fitted.fallbacks() {
        notes.push(format!("{} → {}: {}", fb.from, fb.to, fb.reason));
    }
    let f = match fitted.predict(HORIZON, &LEVELS) {
        Ok(f) => f,
        Err(e) => {
            notes.push(format!("predict: {e}"));
            return None;
        }
    };
    let mut path = Path::from_forecast(&f)?;
    let q: Option<Vec<(f64, f64)>> = (0..HORIZON)
        .map(|k| {
            let s = step_scores.get(k)?;
            Some((conformal_q(s, 0.8)?, conformal_q(s, 0.95)?))
        })
        .collect();
    match q {
        Some(q) => {
            for (k, (q80, q95)) in q.iter().enumerate() {
                let p = f.point[k];
                path.point[k] = p;
                path.lo80[k] = p - q80;
                path.hi80[k] = p + q80;
                path.lo95[k] = p - q95;
                path.hi95[k] = p + q95;
            }
            path.tidy();
        }
        None => notes.push(format!(
            "fewer than {MIN_CALIBRATION} backtest windows: the model's own intervals"
        )),
    }
    Some(path)
}

/// Backtest origins for a model: the library models cost far more per fit than the small
/// ones, so they get fewer (measured: see `docs/benchmarks.md`).
pub fn origins_for(name: &str) -> usize {
    match name {
        "ets" | "arima" => SLOW_ORIGINS,
        _ => ORIGINS,
    }
}

fn run_model(name: &str, series: &Series, scale: Option<f64>) -> ModelOutcome {
    let season = series.season();
    let failed = |note: String| ModelOutcome {
        name: name.to_owned(),
        scores: Scores::default(),
        forecast: None,
        weight: 0.0,
        note: Some(note),
        folds: Vec::new(),
    };
    let Some(inner) = model_for(name, season) else {
        return failed(format!("unknown model '{name}'"));
    };
    let started = std::time::Instant::now();
    let min_train = inner.dyn_min_history(season).clamp(1, 8);
    let mut notes: Vec<String> = Vec::new();

    // One rolling-origin backtest: the same origins the final Conformal model calibrates on.
    let n = series.len();
    let available = n.saturating_sub(HORIZON + min_train - 1);
    let origins = origins_for(name).min(available);
    let mut folds = Vec::new();
    let mut scores = Scores::default();
    // Sorted absolute errors per step over every origin: the conformal scores.
    let mut step_scores: Vec<Vec<f64>> = Vec::new();
    if origins >= 1 {
        let cfg = BacktestConfig {
            folds: origins,
            horizon: HORIZON,
            step: 1,
            levels: LEVELS.to_vec(),
        };
        match rolling_origin(&inner, series, &cfg) {
            Ok(bt) => {
                step_scores = bt.errors_by_step();
                for e in &mut step_scores {
                    e.iter_mut().for_each(|x| *x = x.abs());
                    e.sort_by(f64::total_cmp);
                }
                for (j, fold) in bt.folds.iter().enumerate() {
                    // Leave-one-out conformal bounds: the quantile of the other origins'
                    // absolute errors, so an origin never calibrates its own interval.
                    let path = (0..HORIZON)
                        .map(|k| {
                            let mut e: Vec<f64> = bt
                                .folds
                                .iter()
                                .enumerate()
                                .filter(|(i, _)| *i != j)
                                .filter_map(|(_, c)| c.errors.get(k).copied().flatten())
                                .map(f64::abs)
                                .collect();
                            e.sort_by(f64::total_cmp);
                            Some((conformal_q(&e, 0.8)?, conformal_q(&e, 0.95)?))
                        })
                        .collect::<Option<Vec<(f64, f64)>>>()
                        .map(|q| {
                            let p = &fold.forecast.point;
                            let mut path = Path {
                                point: p.clone(),
                                lo80: p.iter().zip(&q).map(|(x, q)| x - q.0).collect(),
                                hi80: p.iter().zip(&q).map(|(x, q)| x + q.0).collect(),
                                lo95: p.iter().zip(&q).map(|(x, q)| x - q.1).collect(),
                                hi95: p.iter().zip(&q).map(|(x, q)| x + q.1).collect(),
                            };
                            path.tidy();
                            path
                        })
                        .or_else(|| Path::from_forecast(&fold.forecast));
                    folds.push(FoldPath {
                        train_len: fold.train_len,
                        path,
                    });
                }
                let scored: Vec<(usize, &Path)> = folds
                    .iter()
                    .filter_map(|f| Some((f.train_len, f.path.as_ref()?)))
                    .collect();
                scores = score(series, &scored, scale);
            }
            Err(e) => notes.push(format!("backtest: {e}")),
        }
    } else {
        notes.push(format!(
            "backtest: {n} periods are too few for {HORIZON}-step origins"
        ));
    }

    let forecast = if conformal_from_backtest(name) {
        final_from_backtest(inner.as_ref(), series, &step_scores, &mut notes)
    } else {
        let mut model = Conformal::new(inner, HORIZON);
        model.max_windows = origins.max(1);
        model.min_scores = MIN_CALIBRATION;
        match model.fit(series) {
            Ok(fitted) => {
                for fb in fitted.fallbacks() {
                    notes.push(format!("{} → {}: {}", fb.from, fb.to, fb.reason));
                }
                match fitted.predict(HORIZON, &LEVELS) {
                    Ok(f) => Path::from_forecast(&f),
                    Err(e) => {
                        notes.push(format!("predict: {e}"));
                        None
                    }
                }
            }
            Err(e) => {
                notes.push(format!("fit: {e}"));
                None
            }
        }
    };
    tracing::debug!(
        model = name,
        origins,
        ms = started.elapsed().as_millis() as u64,
        "model backtested and fitted"
    );
    ModelOutcome {
        name: name.to_owned(),
        scores,
        forecast,
        weight: 0.0,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
        folds,
    }
}

/// Forecasts one series: all candidates, then the combination.
pub fn forecast(periods: &[DemandPeriod], season: usize) -> Result<SeriesOutcome, String> {
    let series = to_series(periods, season)?;
    let observed: Vec<f64> = series.observed().map(|(_, v)| v).collect();
    let nonzero = observed.iter().filter(|v| **v > 0.0).count();
    let adi = (nonzero > 0).then(|| observed.len() as f64 / nonzero as f64);
    let intermittent = adi.is_none_or(|a| a >= INTERMITTENT_ADI);
    let scale = {
        let m = if observed.len() > season * 2 {
            season
        } else {
            1
        };
        metrics::seasonal_scale(&observed, m)
            .ok()
            .filter(|s| *s > 0.0)
    };
    let names = MODELS.iter().chain(if intermittent {
        INTERMITTENT_MODELS
    } else {
        &[]
    });
    let mut outcomes: Vec<ModelOutcome> =
        names.map(|name| run_model(name, &series, scale)).collect();

    let candidates: Vec<Candidate> = outcomes
        .iter()
        .map(|m| Candidate {
            name: m.name.clone(),
            mae: m.scores.mae.filter(|_| m.forecast.is_some()),
        })
        .collect();
    let choice = ensemble::weights(&candidates);
    for (m, w) in outcomes.iter_mut().zip(&choice.weights) {
        m.weight = *w;
    }
    let chosen: Vec<(&Path, f64)> = outcomes
        .iter()
        .filter(|m| m.weight > 0.0)
        .filter_map(|m| Some((m.forecast.as_ref()?, m.weight)))
        .collect();
    let combined = if chosen.is_empty() {
        flat_fallback(&observed)
    } else {
        Path::combine(&chosen)
    };
    // The combination's backtest: the same weights over each model's eval-origin paths.
    let mut combined_folds: Vec<(usize, Path)> = Vec::new();
    if let Some(first) = outcomes.iter().find(|m| m.weight > 0.0) {
        for f in &first.folds {
            let parts: Option<Vec<(&Path, f64)>> = outcomes
                .iter()
                .filter(|m| m.weight > 0.0)
                .map(|m| {
                    let fold = m.folds.iter().find(|g| g.train_len == f.train_len)?;
                    Some((fold.path.as_ref()?, m.weight))
                })
                .collect();
            if let Some(parts) = parts {
                combined_folds.push((f.train_len, Path::combine(&parts)));
            }
        }
    }
    let refs: Vec<(usize, &Path)> = combined_folds.iter().map(|(t, p)| (*t, p)).collect();
    let combined_scores = score(&series, &refs, scale);
    let residuals = combined_folds
        .iter()
        .flat_map(|(t, p)| {
            let (t, series) = (*t, &series);
            p.point.iter().enumerate().filter_map(move |(k, f)| {
                let i = t + k;
                (i < series.len() && !series.is_censored(i))
                    .then(|| (t * HORIZON + k, series.values()[i] - f))
                    .filter(|(_, e)| e.is_finite())
            })
        })
        .collect();
    Ok(SeriesOutcome {
        models: outcomes,
        combined,
        combined_scores,
        reason: choice.reason,
        intermittent,
        adi,
        history: series.len(),
        censored: periods.iter().filter(|p| p.censored).count(),
        gaps: series.gaps().len(),
        residuals,
    })
}

/// The mean of the observed periods with empirical ±spread, when no model could forecast.
fn flat_fallback(observed: &[f64]) -> Path {
    let m = mean(observed.iter().copied()).unwrap_or(0.0);
    let sd = mean(observed.iter().map(|v| (v - m) * (v - m)))
        .unwrap_or(0.0)
        .sqrt();
    let mut p = Path {
        point: vec![m; HORIZON],
        lo80: vec![m - 1.2816 * sd; HORIZON],
        hi80: vec![m + 1.2816 * sd; HORIZON],
        lo95: vec![m - 1.96 * sd; HORIZON],
        hi95: vec![m + 1.96 * sd; HORIZON],
    };
    p.tidy();
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Days, NaiveDate};

    fn periods(values: &[f64]) -> Vec<DemandPeriod> {
        let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        values
            .iter()
            .enumerate()
            .map(|(i, v)| DemandPeriod {
                start: d0 + Days::new(7 * i as u64),
                units: Some(*v),
                stockout_days: 0,
                censored: false,
            })
            .collect()
    }

    #[test]
    fn combines_with_nested_intervals_and_weights_summing_to_one() {
        let v: Vec<f64> = (0..80)
            .map(|i| 20.0 + (i as f64 * 0.7).sin() * 5.0 + (i % 3) as f64)
            .collect();
        let out = forecast(&periods(&v), 52).unwrap();
        let total: f64 = out.models.iter().map(|m| m.weight).sum();
        assert!((total - 1.0).abs() < 1e-9, "weights sum to {total}");
        let c = &out.combined;
        assert_eq!(c.point.len(), HORIZON);
        for k in 0..HORIZON {
            assert!(
                c.lo95[k] <= c.lo80[k]
                    && c.lo80[k] <= c.point[k]
                    && c.point[k] <= c.hi80[k]
                    && c.hi80[k] <= c.hi95[k]
            );
        }
        assert!(out.combined_scores.mae.is_some());
        assert!(!out.reason.is_empty());
    }

    #[test]
    fn a_short_series_still_gets_a_forecast() {
        let out = forecast(&periods(&[3.0, 0.0, 4.0, 2.0]), 52).unwrap();
        assert_eq!(out.combined.point.len(), HORIZON);
        assert!(
            out.combined
                .point
                .iter()
                .all(|x| x.is_finite() && *x >= 0.0)
        );
    }
}
