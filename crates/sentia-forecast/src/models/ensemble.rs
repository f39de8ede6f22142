//! The ensemble: member models combined with weights from rolling-origin backtest error, and
//! intervals calibrated on the same backtest.
//!
//! Fitting runs every member on the whole series and on a few rolling origins (the last
//! `folds` origins, `step` periods apart, each leaving `horizon` periods to score). Then:
//!
//! * **Weights.** A member's backtest error is its mean absolute error over every fold and step
//!   (scale-free comparisons are not needed: all members are scored on the same points). The
//!   weight is `(1 − shrink)·w_inv + shrink/K`, with `w_inv ∝ 1/MAE`: error-based weights
//!   pulled towards the equal weights that are so hard to beat with few folds (the "forecast
//!   combination puzzle"). A member that failed its backtest gets no weight; a member that
//!   failed on the whole series is left out. With no usable fold the weights are equal, and
//!   that is recorded as a [`Fallback`].
//! * **Point forecast.** The weighted mean of the members' points.
//! * **Intervals.** The weighted mean of the members' bounds (quantile averaging), then
//!   calibrated: the ensemble's own backtest errors, divided by the half-width its averaged
//!   interval had at that fold and step, give one pool of standardised scores per level; the
//!   conformal quantile of that pool rescales the half-widths at every step. This keeps the
//!   shape the models give across the horizon (widening with the step) and fixes the level
//!   from data: pooling the steps gives `folds × horizon` scores instead of `folds` per step.
//!   The factor is shrunk towards 1 with few scores. Without folds the averaged intervals are
//!   used as they are (recorded).
//!
//! [`EnsembleFitted`] explains itself: [`EnsembleFitted::members`] lists each member's selected
//! form, weight and backtest errors.

use crate::backtest::{Backtest, BacktestConfig, rolling_origin};
use crate::checks::Fallback;
use crate::error::ForecastError;
use crate::stats::{check_levels, conformal_quantile, sort_finite};
use crate::traits::{DynForecaster, DynPredict, Forecaster, Predict};
use crate::types::{Forecast, Series};

/// Levels whose backtest intervals are kept for calibration; any other requested level is
/// calibrated from the nearest of these.
const CALIBRATION_LEVELS: [f64; 2] = [0.8, 0.95];

/// An ensemble of models; see the module documentation.
pub struct Ensemble {
    members: Vec<Box<dyn DynForecaster>>,
    horizon: usize,
    /// Rolling origins per member (default 3).
    pub folds: usize,
    /// Periods between origins (default: half a season, at least 1).
    pub step: usize,
    /// Pull of the weights towards equal weights, in [0, 1] (default 0.5).
    pub shrink: f64,
    /// Exponent of the inverse-error weights (default 1).
    pub power: f64,
    /// Members whose backtest error exceeds `trim` times the best member's get no weight
    /// (before the shrinkage towards equal weights, which then spreads over the rest);
    /// `f64::INFINITY` keeps every member.
    pub trim: f64,
    /// Pseudo-count of the interval factor's shrinkage towards 1 when [`Ensemble::prior_tail`]
    /// is 0 (10 scores).
    pub prior_scores: f64,
    /// When > 0, the interval factor is shrunk towards 1 with this many pseudo-exceedances
    /// (scores beyond the level's quantile) instead of [`Ensemble::prior_scores`] (default 1).
    pub prior_tail: f64,
    /// Parts of the horizon with their own interval factor, each shrunk towards the factor of
    /// all steps (default 1: one factor for every step).
    pub segments: usize,
    /// The members with the largest backtest errors left out of each series' combination
    /// (default 0; at least one member is always kept): a trimmed combination.
    pub drop_worst: usize,
    /// Whether backtests select each member's form again on every fold (`true`, the default:
    /// the backtest error then includes the optimism of selecting on data that contains the
    /// fold's window, which calibrated intervals need) or refit the form selected on the whole
    /// series (`false`: several times cheaper, intervals a little too narrow).
    pub reselect: bool,
    /// How the members are combined (default [`Combination::WeightedMean`]).
    pub combination: Combination,
}

/// A member in a backtest: its selected form refitted on each fold (see [`Predict::refit`]),
/// or the unfitted model fitted anew where it has no separate selection step.
struct Refit<'a> {
    model: &'a dyn DynForecaster,
    fitted: &'a DynPredict,
}

impl Forecaster for Refit<'_> {
    type Fitted = DynPredict;

    fn name(&self) -> String {
        self.model.dyn_name()
    }

    fn min_history(&self, season: usize) -> usize {
        self.model.dyn_min_history(season)
    }

    fn fit(&self, series: &Series) -> Result<DynPredict, ForecastError> {
        self.fitted
            .refit(series)
            .unwrap_or_else(|| self.model.fit_dyn(series))
    }
}

impl std::fmt::Debug for Ensemble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ensemble")
            .field(
                "members",
                &self
                    .members
                    .iter()
                    .map(|m| m.dyn_name())
                    .collect::<Vec<_>>(),
            )
            .field("horizon", &self.horizon)
            .field("folds", &self.folds)
            .field("step", &self.step)
            .field("shrink", &self.shrink)
            .finish()
    }
}

impl Ensemble {
    /// An ensemble of `members`, backtested `horizon` steps ahead (the horizon it will be asked
    /// for) with origins `season / 2` apart. Refuses an empty member list.
    pub fn new(
        members: Vec<Box<dyn DynForecaster>>,
        horizon: usize,
        season: usize,
    ) -> Result<Self, ForecastError> {
        if members.is_empty() {
            return Err(ForecastError::InvalidParameter {
                name: "members",
                reason: "an ensemble needs at least one member".into(),
            });
        }
        Ok(Self {
            members,
            horizon: horizon.max(1),
            folds: 3,
            step: (season / 2).max(1),
            shrink: 0.5,
            power: 1.0,
            trim: f64::INFINITY,
            prior_scores: 10.0,
            prior_tail: 1.0,
            segments: 1,
            drop_worst: 0,
            reselect: true,
            combination: Combination::WeightedMean,
        })
    }
}

/// One member of a fitted ensemble, with what its weight rests on.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MemberReport {
    /// Member name, e.g. `ets`.
    pub name: String,
    /// Weight in the combination (weights sum to 1).
    pub weight: f64,
    /// Mean absolute backtest error over every fold and step, if the backtest ran.
    pub backtest_mae: Option<f64>,
    /// Root mean squared backtest error, if the backtest ran.
    pub backtest_rmse: Option<f64>,
    /// Folds behind the errors.
    pub folds: usize,
    /// Why the member's backtest or fit failed, if it did.
    pub error: Option<String>,
}

/// A fitted ensemble.
pub struct EnsembleFitted {
    /// One entry per member; `None` for a member that could not be fitted.
    fitted: Vec<Option<DynPredict>>,
    settled: Settled,
}

impl std::fmt::Debug for EnsembleFitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnsembleFitted")
            .field("members", &self.settled.report)
            .field("factors", &self.settled.factors)
            .field("fallbacks", &self.settled.fallbacks)
            .finish()
    }
}

impl EnsembleFitted {
    /// Every member (including those left out, with weight 0 and the reason).
    pub fn members(&self) -> &[MemberReport] {
        &self.settled.report
    }

    /// `(level, factor)`: how much the averaged intervals were widened (> 1) or narrowed.
    pub fn interval_factors(&self) -> &[(f64, f64)] {
        &self.settled.factors
    }

    /// Standardised backtest scores behind the interval factors.
    pub fn calibration_scores(&self) -> usize {
        self.settled.scores
    }
}

/// How member forecasts are combined, value by value (each step's point and each bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Combination {
    /// `Σ wᵢ xᵢ`.
    WeightedMean,
    /// The value where the members' cumulative weight, in order of value, reaches one half
    /// (the mean of the two values around it on an exact tie): the ordinary median under equal
    /// weights. Robust to one member going astray, which a mean is not.
    WeightedMedian,
}

fn weighted_median(pairs: &mut [(f64, f64)]) -> f64 {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let mut cum = 0.0;
    for (i, &(v, w)) in pairs.iter().enumerate() {
        cum += w / total;
        if (cum - 0.5).abs() < 1e-9 {
            return pairs.get(i + 1).map_or(v, |next| (v + next.0) / 2.0);
        }
        if cum > 0.5 {
            return v;
        }
    }
    pairs.last().map_or(0.0, |p| p.0)
}

/// Combines forecasts of equal horizon and levels with `weights` by `rule`.
fn combine(
    forecasts: &[&Forecast],
    weights: &[f64],
    rule: Combination,
    out: &mut Forecast,
    levels: &[f64],
) {
    let h = forecasts.first().map_or(0, |f| f.horizon());
    out.reset(h, levels);
    let mut pairs = Vec::with_capacity(forecasts.len());
    let mut value = |get: &dyn Fn(&Forecast) -> f64| -> f64 {
        match rule {
            Combination::WeightedMean => {
                forecasts.iter().zip(weights).map(|(f, w)| w * get(f)).sum()
            }
            Combination::WeightedMedian => {
                pairs.clear();
                pairs.extend(forecasts.iter().zip(weights).map(|(f, w)| (get(f), *w)));
                weighted_median(&mut pairs)
            }
        }
    };
    for k in 0..h {
        out.point[k] = value(&|f| f.point[k]);
        for (i, o) in out.intervals.iter_mut().enumerate() {
            o.lower[k] = value(&|f| f.intervals[i].lower[k]);
            o.upper[k] = value(&|f| f.intervals[i].upper[k]);
        }
    }
}

/// Inverse-error weights shrunk towards equal; members without an error, or with more than
/// `trim` times the best error, get none.
fn weights(errors: &[Option<f64>], shrink: f64, power: f64, trim: f64) -> Option<Vec<f64>> {
    let least = errors
        .iter()
        .flatten()
        .filter(|e| e.is_finite())
        .fold(f64::INFINITY, |a, b| a.min(*b));
    let errors: Vec<Option<f64>> = errors
        .iter()
        .map(|e| e.filter(|e| e.is_finite() && (trim.is_infinite() || *e <= least * trim)))
        .collect();
    let errors = &errors[..];
    let usable: Vec<usize> = (0..errors.len())
        .filter(|&i| errors[i].is_some_and(|e| e.is_finite()))
        .collect();
    if usable.is_empty() {
        return None;
    }
    // A perfect member (zero error) would take all the weight; floor the errors at a tiny
    // share of the best non-zero one so the others keep some.
    let best = usable
        .iter()
        .filter_map(|&i| errors[i])
        .filter(|e| *e > 0.0)
        .fold(f64::INFINITY, f64::min);
    let floor = if best.is_finite() { best * 1e-3 } else { 1.0 };
    let inv: Vec<f64> = errors
        .iter()
        .map(|e| match e {
            Some(e) if e.is_finite() => 1.0 / e.max(floor).powf(power),
            _ => 0.0,
        })
        .collect();
    let total: f64 = inv.iter().sum();
    let k = usable.len() as f64;
    Some(
        inv.iter()
            .zip(errors)
            .map(|(w, e)| {
                if e.is_some_and(|e| e.is_finite()) {
                    (1.0 - shrink) * w / total + shrink / k
                } else {
                    0.0
                }
            })
            .collect(),
    )
}

impl Forecaster for Ensemble {
    type Fitted = EnsembleFitted;

    fn name(&self) -> String {
        "ensemble".into()
    }

    fn min_history(&self, season: usize) -> usize {
        self.members
            .iter()
            .map(|m| m.dyn_min_history(season))
            .max()
            .unwrap_or(1)
    }

    fn fit(&self, series: &Series) -> Result<EnsembleFitted, ForecastError> {
        let runs = self.run_members(series)?;
        let settled = self.settle(&runs);
        Ok(EnsembleFitted {
            fitted: runs.fitted,
            settled,
        })
    }
}

/// The members fitted on the whole series and backtested, before weighting and calibration:
/// [`Ensemble::run_members`]. [`Ensemble::settle`] turns them into weights and interval
/// factors, so several settings can be compared on the same member runs.
pub struct MemberRuns {
    fitted: Vec<Option<DynPredict>>,
    report: Vec<MemberReport>,
    backtests: Vec<Option<Backtest>>,
    /// Folds that fit the series (0: none).
    folds: usize,
    min_train: usize,
    len: usize,
    fallbacks: Vec<Fallback>,
}

impl MemberRuns {
    /// Each member's forecast (`None` for a member that could not be fitted or predicted).
    pub fn forecasts(&self, horizon: usize, levels: &[f64]) -> Vec<Option<Forecast>> {
        self.fitted
            .iter()
            .map(|f| f.as_ref().and_then(|f| f.predict(horizon, levels).ok()))
            .collect()
    }

    /// Member names, in order.
    pub fn names(&self) -> Vec<String> {
        self.report.iter().map(|r| r.name.clone()).collect()
    }
}

/// Weights and interval calibration of an ensemble: [`Ensemble::settle`].
#[derive(Debug, Clone)]
pub struct Settled {
    /// Weights of the members, summing to 1 (0 for members left out).
    weights: Vec<f64>,
    report: Vec<MemberReport>,
    combination: Combination,
    /// Interval factor per calibration level (1 = the averaged intervals as they are).
    factors: Vec<(f64, f64)>,
    /// Per calibration level, the factor of each segment of the calibrated horizon.
    by_segment: Vec<Vec<f64>>,
    /// The calibrated horizon.
    horizon: usize,
    scores: usize,
    /// Backtest folds the weights and factors came from (the last ones of each member's).
    folds: usize,
    fallbacks: Vec<Fallback>,
}

impl Settled {
    /// The combination's own mean absolute point error on the backtest folds it was settled
    /// on (with the weights those folds gave, so a little optimistic), or `None` without a
    /// backtest of every weighted member. Comparing it between settings of one run says which
    /// combination the series' recent history favours.
    pub fn backtest_mae(&self, runs: &MemberRuns) -> Option<f64> {
        let weighted: Vec<usize> = (0..self.weights.len())
            .filter(|&i| self.weights[i] > 0.0)
            .collect();
        if self.folds == 0 || weighted.is_empty() {
            return None;
        }
        let mut bts = Vec::with_capacity(weighted.len());
        for &i in &weighted {
            let b = runs.backtests.get(i)?.as_ref()?;
            let n = b.folds.len();
            bts.push(&b.folds[n - self.folds.min(n)..]);
        }
        let ws: Vec<f64> = weighted.iter().map(|&i| self.weights[i]).collect();
        let mut combined = Forecast::default();
        let (mut sum, mut n) = (0.0, 0usize);
        for j in 0..bts[0].len() {
            let fs: Vec<&Forecast> = bts.iter().map(|b| &b[j].forecast).collect();
            combine(&fs, &ws, self.combination, &mut combined, &[]);
            for (k, y) in bts[0][j].actual.iter().enumerate() {
                if bts[0][j].errors[k].is_some() {
                    sum += (y - combined.point[k]).abs();
                    n += 1;
                }
            }
        }
        (n > 0).then(|| sum / n as f64).filter(|e| e.is_finite())
    }

    /// The factor for `level` at step `k` (0-based): that of the nearest calibration level and
    /// of the step's segment (steps beyond the calibrated horizon take the last segment's).
    fn factor(&self, level: f64, k: usize) -> f64 {
        let Some(i) = (0..self.factors.len()).min_by(|&a, &b| {
            (self.factors[a].0 - level)
                .abs()
                .total_cmp(&(self.factors[b].0 - level).abs())
        }) else {
            return 1.0;
        };
        let segs = &self.by_segment[i];
        let g = (k.min(self.horizon - 1) * segs.len()) / self.horizon;
        segs.get(g).copied().unwrap_or(self.factors[i].1)
    }

    /// Member weights, in member order.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The ensemble forecast from the members' forecasts (in member order, as
    /// [`MemberRuns::forecasts`] gives them), all of `horizon` steps at `levels`.
    pub fn combine(
        &self,
        members: &[Option<&Forecast>],
        horizon: usize,
        levels: &[f64],
        out: &mut Forecast,
    ) -> Result<(), ForecastError> {
        check_levels(levels)?;
        let mut parts = Vec::new();
        let mut ws = Vec::new();
        for (f, &w) in members.iter().zip(&self.weights) {
            if w > 0.0 {
                let f = f.ok_or_else(|| ForecastError::NonFiniteOutput {
                    model: "ensemble member".into(),
                })?;
                parts.push(f);
                ws.push(w);
            }
        }
        combine(&parts, &ws, self.combination, out, levels);
        for iv in &mut out.intervals {
            for k in 0..horizon {
                let c = self.factor(iv.level, k);
                let p = out.point[k];
                iv.lower[k] = p - c * (p - iv.lower[k]).max(0.0);
                iv.upper[k] = p + c * (iv.upper[k] - p).max(0.0);
            }
        }
        // Separate factors per level could cross: a wider level never gets a narrower band.
        let mut order: Vec<usize> = (0..out.intervals.len()).collect();
        order.sort_by(|&a, &b| out.intervals[a].level.total_cmp(&out.intervals[b].level));
        for pair in order.windows(2) {
            let (narrow, wide) = (pair[0], pair[1]);
            for k in 0..horizon {
                let (lo, hi) = (
                    out.intervals[narrow].lower[k],
                    out.intervals[narrow].upper[k],
                );
                let w = &mut out.intervals[wide];
                w.lower[k] = w.lower[k].min(lo);
                w.upper[k] = w.upper[k].max(hi);
            }
        }
        if !out.is_finite() {
            return Err(ForecastError::NonFiniteOutput {
                model: "ensemble".into(),
            });
        }
        Ok(())
    }
}

impl Ensemble {
    /// Fits every member on `series` and backtests it on up to [`Ensemble::folds`] origins.
    /// Fails only when no member can be fitted.
    pub fn run_members(&self, series: &Series) -> Result<MemberRuns, ForecastError> {
        let mut fallbacks = Vec::new();
        let mut fitted: Vec<Option<DynPredict>> = Vec::with_capacity(self.members.len());
        let mut report = Vec::with_capacity(self.members.len());
        let mut first_error = None;
        for m in &self.members {
            let mut r = MemberReport {
                name: m.dyn_name(),
                weight: 0.0,
                backtest_mae: None,
                backtest_rmse: None,
                folds: 0,
                error: None,
            };
            match m.fit_dyn(series) {
                Ok(f) => {
                    fallbacks.extend(f.fallbacks().iter().map(|fb| {
                        Fallback::new(format!("{}: {}", r.name, fb.from), &fb.to, &fb.reason)
                    }));
                    fitted.push(Some(f));
                }
                Err(e) => {
                    fallbacks.push(Fallback::new(
                        &r.name,
                        "left out of the ensemble",
                        e.to_string(),
                    ));
                    r.error = Some(e.to_string());
                    first_error.get_or_insert(e);
                    fitted.push(None);
                }
            }
            report.push(r);
        }
        if fitted.iter().all(Option::is_none) {
            return Err(first_error.unwrap_or(ForecastError::Empty));
        }

        // Folds that fit the series: every member has its minimum history at the oldest origin.
        let h = self.horizon;
        let min_train = self.min_history(series.season()).max(1);
        let mut folds = self.folds;
        while folds > 0 && series.len() < min_train + h + (folds - 1) * self.step {
            folds -= 1;
        }
        let cfg = BacktestConfig {
            folds: folds.max(1),
            horizon: h,
            step: self.step,
            levels: CALIBRATION_LEVELS.to_vec(),
        };
        let backtests: Vec<Option<Backtest>> = self
            .members
            .iter()
            .zip(&mut report)
            .zip(&fitted)
            .map(|((m, r), f)| {
                let f = f.as_ref().filter(|_| folds > 0)?;
                let result = if self.reselect {
                    rolling_origin(m, series, &cfg)
                } else {
                    rolling_origin(
                        &Refit {
                            model: m.as_ref(),
                            fitted: f,
                        },
                        series,
                        &cfg,
                    )
                };
                match result {
                    Ok(bt) => Some(bt),
                    Err(e) => {
                        r.error = Some(format!("backtest: {e}"));
                        None
                    }
                }
            })
            .collect();
        Ok(MemberRuns {
            fitted,
            report,
            backtests,
            folds,
            min_train,
            len: series.len(),
            fallbacks,
        })
    }

    /// Weights and interval factors from `runs`, with this ensemble's settings, on the last
    /// [`Ensemble::folds`] of the backtested folds (all of them when there are fewer).
    pub fn settle(&self, runs: &MemberRuns) -> Settled {
        self.settle_members(runs, &vec![true; runs.report.len()])
    }

    /// [`Ensemble::settle`] as if only the members with `keep[i]` were in the ensemble (the
    /// others get weight 0).
    pub fn settle_members(&self, runs: &MemberRuns, keep: &[bool]) -> Settled {
        let h = self.horizon;
        let mut fallbacks = runs.fallbacks.clone();
        let mut report = runs.report.clone();
        let kept = |i: usize| keep.get(i).copied().unwrap_or(false);
        let folds = runs.folds.min(self.folds);
        let used = |bt: &'_ Backtest| -> std::ops::Range<usize> {
            let n = bt.folds.len();
            n - folds.min(n)..n
        };
        for (r, bt) in report.iter_mut().zip(&runs.backtests) {
            let Some(bt) = bt.as_ref().filter(|_| folds > 0) else {
                continue;
            };
            let fs = &bt.folds[used(bt)];
            let errs: Vec<f64> = fs
                .iter()
                .flat_map(|f| f.errors.iter().flatten())
                .copied()
                .collect();
            if !errs.is_empty() {
                let n = errs.len() as f64;
                r.backtest_mae = Some(errs.iter().map(|e| e.abs()).sum::<f64>() / n);
                r.backtest_rmse = Some((errs.iter().map(|e| e * e).sum::<f64>() / n).sqrt());
            }
            r.folds = fs.len();
        }

        let mut errors: Vec<Option<f64>> = report
            .iter()
            .enumerate()
            .map(|(i, r)| r.backtest_mae.filter(|e| kept(i) && e.is_finite()))
            .collect();
        for _ in 0..self.drop_worst {
            if errors.iter().flatten().count() <= 1 {
                break;
            }
            if let Some(worst) =
                (0..errors.len())
                    .filter(|&i| errors[i].is_some())
                    .max_by(|&a, &b| {
                        errors[a]
                            .unwrap_or(0.0)
                            .total_cmp(&errors[b].unwrap_or(0.0))
                    })
            {
                errors[worst] = None;
            }
        }
        let w = match weights(&errors, self.shrink, self.power, self.trim) {
            Some(w) => w,
            None => {
                fallbacks.push(Fallback::new(
                    "ensemble weights from backtest error",
                    "equal weights",
                    if folds == 0 {
                        format!(
                            "{} observations leave no backtest window of {h} steps after {}",
                            runs.len, runs.min_train
                        )
                    } else {
                        "no member's backtest could be scored".to_owned()
                    },
                ));
                let ok = |i: usize| runs.fitted[i].is_some() && kept(i);
                let k = (0..runs.fitted.len()).filter(|&i| ok(i)).count() as f64;
                (0..runs.fitted.len())
                    .map(|i| if ok(i) { 1.0 / k } else { 0.0 })
                    .collect()
            }
        };
        for (r, &wi) in report.iter_mut().zip(&w) {
            r.weight = wi;
        }

        // Calibrate on the folds where every weighted member has a forecast.
        let weighted: Vec<usize> = (0..w.len()).filter(|&i| w[i] > 0.0).collect();
        // Per level: (step, standardised score).
        let mut pools: Vec<Vec<(usize, f64)>> = vec![Vec::new(); CALIBRATION_LEVELS.len()];
        if folds > 0 && weighted.iter().all(|&i| runs.backtests[i].is_some()) {
            let bts: Vec<&[crate::backtest::Fold]> = weighted
                .iter()
                .filter_map(|&i| runs.backtests[i].as_ref())
                .map(|b| &b.folds[used(b)])
                .collect();
            let ww: Vec<f64> = weighted.iter().map(|&i| w[i]).collect();
            let mut combined = Forecast::default();
            for j in 0..bts[0].len() {
                let fs: Vec<&Forecast> = bts.iter().map(|b| &b[j].forecast).collect();
                combine(
                    &fs,
                    &ww,
                    self.combination,
                    &mut combined,
                    &CALIBRATION_LEVELS,
                );
                let fold = &bts[0][j];
                for (k, y) in fold.actual.iter().enumerate() {
                    if fold.errors[k].is_none() {
                        continue;
                    }
                    let p = combined.point[k];
                    for (pool, iv) in pools.iter_mut().zip(&combined.intervals) {
                        let half = if *y >= p {
                            iv.upper[k] - p
                        } else {
                            p - iv.lower[k]
                        };
                        let dev = (y - p).abs();
                        if half > 0.0 && half.is_finite() {
                            pool.push((k, dev / half));
                        } else if dev == 0.0 {
                            pool.push((k, 0.0));
                        }
                    }
                }
            }
        }
        let scores = pools.iter().map(Vec::len).min().unwrap_or(0);
        let segments = self.segments.clamp(1, h);
        let segment = |k: usize| k * segments / h;
        let mut factors = Vec::with_capacity(pools.len());
        let mut by_segment = Vec::with_capacity(pools.len());
        for (&level, pool) in CALIBRATION_LEVELS.iter().zip(&pools) {
            // Geometric shrinkage of the conformal quantile `q` of `n` scores towards `towards`
            // with `prior_scores` pseudo-scores, or with `prior_tail` pseudo-exceedances: a
            // quantile's information is the count of scores beyond it, n·(1 − level).
            let shrunk = |scores: &mut Vec<f64>, towards: f64| -> f64 {
                if scores.is_empty() {
                    return towards;
                }
                sort_finite(scores);
                let q = conformal_quantile(scores, level);
                let n = scores.len() as f64;
                let (n, prior) = if self.prior_tail > 0.0 {
                    (n * (1.0 - level), self.prior_tail)
                } else {
                    (n, self.prior_scores)
                };
                ((q.max(1e-6).ln() * n + towards.ln() * prior) / (n + prior)).exp()
            };
            let mut all: Vec<f64> = pool.iter().map(|p| p.1).collect();
            let f = shrunk(&mut all, 1.0);
            factors.push((level, f));
            // With several segments, each segment's factor is shrunk towards the pooled one.
            by_segment.push(if segments > 1 {
                (0..segments)
                    .map(|g| {
                        let mut part: Vec<f64> = pool
                            .iter()
                            .filter(|p| segment(p.0) == g)
                            .map(|p| p.1)
                            .collect();
                        shrunk(&mut part, f)
                    })
                    .collect()
            } else {
                vec![f]
            });
        }
        if scores == 0 {
            fallbacks.push(Fallback::new(
                "ensemble intervals calibrated on backtest errors",
                "averaged member intervals",
                "no backtest window to calibrate on",
            ));
        }
        Settled {
            weights: w,
            report,
            combination: self.combination,
            factors,
            by_segment,
            horizon: h,
            scores,
            folds,
            fallbacks,
        }
    }
}

impl Predict for EnsembleFitted {
    fn predict_in_place(
        &self,
        horizon: usize,
        levels: &[f64],
        out: &mut Forecast,
    ) -> Result<(), ForecastError> {
        check_levels(levels)?;
        let mut parts = Vec::with_capacity(self.fitted.len());
        for (f, &w) in self.fitted.iter().zip(&self.settled.weights) {
            parts.push(match f.as_ref().filter(|_| w > 0.0) {
                Some(f) => Some(f.predict(horizon, levels)?),
                None => None,
            });
        }
        let refs: Vec<Option<&Forecast>> = parts.iter().map(Option::as_ref).collect();
        self.settled.combine(&refs, horizon, levels, out)
    }

    fn fallbacks(&self) -> &[Fallback] {
        &self.settled.fallbacks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Ets, Naive, SeasonalNaive};

    fn seasonal(n: usize) -> Series {
        Series::new(
            (0..n)
                .map(|t| {
                    let t = t as f64;
                    100.0 + 20.0 * (t * std::f64::consts::PI / 6.0).sin() + (t * 7.3).sin()
                })
                .collect(),
        )
        .unwrap()
        .with_season(12)
        .unwrap()
    }

    fn pair(horizon: usize) -> Ensemble {
        Ensemble::new(
            vec![Box::new(SeasonalNaive::default()), Box::new(Naive)],
            horizon,
            12,
        )
        .unwrap()
    }

    #[test]
    fn the_better_member_gets_more_weight() {
        let f = pair(6).fit(&seasonal(72)).unwrap();
        let m = f.members();
        assert_eq!(m.len(), 2);
        assert!((m[0].weight + m[1].weight - 1.0).abs() < 1e-12);
        assert!(m[0].weight > 0.7, "{m:?}");
        assert!(m[0].backtest_mae.unwrap() < m[1].backtest_mae.unwrap());
        assert_eq!(m[0].folds, 3);
        assert!(f.calibration_scores() >= 18);
        let fc = f.predict(6, &[0.8, 0.95]).unwrap();
        for k in 0..6 {
            let (i80, i95) = (&fc.intervals[0], &fc.intervals[1]);
            assert!(i95.lower[k] <= i80.lower[k] && i80.lower[k] <= fc.point[k]);
            assert!(fc.point[k] <= i80.upper[k] && i80.upper[k] <= i95.upper[k]);
        }
    }

    #[test]
    fn the_combination_backtest_error_is_that_of_its_only_member() {
        let e = pair(6);
        let runs = e.run_members(&seasonal(72)).unwrap();
        for keep in [[true, false], [false, true]] {
            let settled = e.settle_members(&runs, &keep);
            let i = usize::from(keep[1]);
            let member = settled.report[i].backtest_mae.unwrap();
            let own = settled.backtest_mae(&runs).unwrap();
            assert!((own - member).abs() < 1e-9, "{keep:?}: {own} vs {member}");
        }
        let both = e.settle(&runs).backtest_mae(&runs).unwrap();
        assert!(both.is_finite() && both > 0.0);
    }

    #[test]
    fn without_backtest_windows_weights_are_equal_and_recorded() {
        let f = pair(12).fit(&seasonal(30)).unwrap();
        assert!(f.members().iter().all(|m| (m.weight - 0.5).abs() < 1e-12));
        assert!(f.fallbacks().iter().any(|fb| fb.to == "equal weights"));
        assert!(
            f.fallbacks()
                .iter()
                .any(|fb| fb.to == "averaged member intervals")
        );
        assert_eq!(f.interval_factors(), &[(0.8, 1.0), (0.95, 1.0)]);
    }

    /// The mean, with intervals far too narrow (±0.01).
    struct Overconfident;

    struct OverconfidentFitted(f64);

    impl Predict for OverconfidentFitted {
        fn predict_in_place(
            &self,
            horizon: usize,
            levels: &[f64],
            out: &mut Forecast,
        ) -> Result<(), ForecastError> {
            out.reset(horizon, levels);
            out.point.fill(self.0);
            for iv in &mut out.intervals {
                iv.lower.fill(self.0 - 0.01);
                iv.upper.fill(self.0 + 0.01);
            }
            Ok(())
        }
    }

    impl Forecaster for Overconfident {
        type Fitted = OverconfidentFitted;

        fn name(&self) -> String {
            "overconfident".into()
        }

        fn fit(&self, series: &Series) -> Result<OverconfidentFitted, ForecastError> {
            let v = series.values();
            Ok(OverconfidentFitted(v.iter().sum::<f64>() / v.len() as f64))
        }
    }

    #[test]
    fn too_narrow_member_intervals_are_widened() {
        let y: Vec<f64> = (0..96).map(|t| 50.0 + f64::from((t * 37) % 11)).collect();
        let s = Series::new(y.clone()).unwrap();
        let mut e = Ensemble::new(vec![Box::new(Overconfident)], 6, 1).unwrap();
        e.step = 6;
        e.prior_scores = 0.0;
        e.prior_tail = 0.0;
        let f = e.fit(&s).unwrap();
        let factors = f.interval_factors();
        assert!(factors.iter().all(|(_, c)| *c > 100.0), "{factors:?}");
        // The calibrated 95% interval now spans the data's range around the mean (50..60).
        let fc = f.predict(6, &[0.95]).unwrap();
        assert!(
            fc.intervals[0].lower[0] <= 51.0 && fc.intervals[0].upper[0] >= 59.0,
            "{fc:?}"
        );
        // Without calibration (no windows) the member's own intervals stay.
        let short = Series::new(y[..6].to_vec()).unwrap();
        let f = e.fit(&short).unwrap();
        let fc = f.predict(1, &[0.95]).unwrap();
        assert!((fc.intervals[0].upper[0] - fc.point[0] - 0.01).abs() < 1e-9);
    }

    #[test]
    fn weighted_median_is_the_median_under_equal_weights() {
        let mut p = [(4.0, 0.25), (1.0, 0.25), (3.0, 0.25), (2.0, 0.25)];
        assert_eq!(weighted_median(&mut p), 2.5);
        let mut p = [(10.0, 1.0), (1.0, 1.0), (2.0, 1.0)];
        assert_eq!(weighted_median(&mut p), 2.0);
        // A heavy member pulls the median to itself.
        let mut p = [(10.0, 0.6), (1.0, 0.2), (2.0, 0.2)];
        assert_eq!(weighted_median(&mut p), 10.0);
    }

    #[test]
    fn refuses_no_members_and_bad_levels() {
        assert!(Ensemble::new(Vec::new(), 6, 12).is_err());
        let f = pair(6).fit(&seasonal(72)).unwrap();
        assert!(f.predict(6, &[1.5]).is_err());
    }

    #[test]
    fn backtests_refit_the_selected_form() {
        let s = seasonal(84);
        let fitted = Ets::default().fit(&s).unwrap();
        let form = fitted.selected();
        let again = fitted.refit(&s.prefix(70)).unwrap().unwrap();
        let fc = again.predict(3, &[0.8]).unwrap();
        assert!(fc.point.iter().all(|x| x.is_finite()));
        // The refitted model reports the same form through the ensemble's member list.
        let e = Ensemble::new(vec![Box::new(Ets::default())], 6, 12)
            .unwrap()
            .fit(&s)
            .unwrap();
        assert_eq!(e.members()[0].folds, 3, "{form}");
        assert!((e.members()[0].weight - 1.0).abs() < 1e-12);
    }

    #[test]
    fn settling_fewer_folds_of_a_longer_run_matches_a_shorter_fit() {
        let s = seasonal(96);
        let mut long = pair(6);
        long.folds = 6;
        let runs = long.run_members(&s).unwrap();
        let short = pair(6);
        let settled = short.settle(&runs);
        let direct = short.fit(&s).unwrap();
        for (a, b) in settled.weights().iter().zip(direct.members()) {
            assert!((a - b.weight).abs() < 1e-12, "{a} vs {b:?}");
        }
        assert_eq!(direct.members()[0].folds, 3);
        // All six folds weigh the members differently from the last three.
        let all = long.settle(&runs);
        assert!((all.weights()[0] - settled.weights()[0]).abs() > 1e-9);
        // The combined forecast is the fitted ensemble's.
        let members = runs.forecasts(6, &[0.8, 0.95]);
        let refs: Vec<Option<&Forecast>> = members.iter().map(Option::as_ref).collect();
        let mut out = Forecast::default();
        settled.combine(&refs, 6, &[0.8, 0.95], &mut out).unwrap();
        assert_eq!(out, direct.predict(6, &[0.8, 0.95]).unwrap());
    }

    #[test]
    fn a_dropped_member_gets_no_weight() {
        let runs = pair(6).run_members(&seasonal(72)).unwrap();
        let settled = pair(6).settle_members(&runs, &[false, true]);
        assert_eq!(settled.weights(), &[0.0, 1.0]);
        assert_eq!(runs.names(), vec!["snaive".to_owned(), "naive".to_owned()]);
    }

    #[test]
    fn a_tail_prior_trusts_the_80_percent_quantile_more_than_the_95() {
        let y: Vec<f64> = (0..96).map(|t| 50.0 + f64::from((t * 37) % 11)).collect();
        let s = Series::new(y).unwrap();
        let mut e = Ensemble::new(vec![Box::new(Overconfident)], 6, 1).unwrap();
        e.step = 6;
        let free = {
            e.prior_scores = 0.0;
            e.prior_tail = 0.0;
            e.fit(&s).unwrap().interval_factors().to_vec()
        };
        e.prior_tail = 2.0;
        let tail = e.fit(&s).unwrap().interval_factors().to_vec();
        // Both shrunk towards 1 (the raw factors are far above 1) ...
        assert!(
            tail[0].1 < free[0].1 && tail[1].1 < free[1].1,
            "{tail:?} {free:?}"
        );
        // ... the 95% one, resting on fewer exceedances, by more (in logs).
        let pull = |i: usize| tail[i].1.ln() / free[i].1.ln();
        assert!(pull(1) < pull(0), "{tail:?} {free:?}");
    }

    #[test]
    fn dropping_the_worst_member_keeps_the_better_one_alone() {
        let mut e = pair(6);
        e.drop_worst = 1;
        let f = e.fit(&seasonal(72)).unwrap();
        assert_eq!(f.members()[0].weight, 1.0, "{:?}", f.members());
        assert_eq!(f.members()[1].weight, 0.0);
        // At least one member is always kept.
        e.drop_worst = 5;
        let f = e.fit(&seasonal(72)).unwrap();
        assert_eq!(f.members()[0].weight, 1.0, "{:?}", f.members());
    }

    #[test]
    fn segments_let_later_steps_widen_more() {
        // A flat forecast of a trending series misses by more at later steps.
        let s = Series::new((0..96).map(f64::from).collect()).unwrap();
        let mut e = Ensemble::new(vec![Box::new(Overconfident)], 6, 1).unwrap();
        e.step = 6;
        e.prior_scores = 0.0;
        e.prior_tail = 0.0;
        let one = e.fit(&s).unwrap().predict(6, &[0.8]).unwrap();
        e.segments = 2;
        let two = e.fit(&s).unwrap().predict(6, &[0.8]).unwrap();
        let half = |fc: &Forecast, k: usize| fc.intervals[0].upper[k] - fc.point[k];
        // One factor: the same half-width at every step (the member's is constant).
        assert!((half(&one, 0) - half(&one, 5)).abs() < 1e-9);
        // Two segments: the later half is wider than the earlier.
        assert!(half(&two, 5) > half(&two, 0) + 1.0, "{two:?}");
        assert!((half(&two, 0) - half(&two, 2)).abs() < 1e-9);
    }
}
