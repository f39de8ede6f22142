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
    /// Pseudo-count of the interval factor's shrinkage towards 1 (default 10 scores).
    pub prior_scores: f64,
    /// Whether backtests select each member's form again on every fold (`true`) or refit the
    /// form selected on the whole series (`false`, the default: several times cheaper).
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
            reselect: false,
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
    /// Weights of `fitted`, summing to 1 (0 for members left out).
    weights: Vec<f64>,
    report: Vec<MemberReport>,
    combination: Combination,
    /// Interval factor per calibration level (1 = the averaged intervals as they are).
    factors: Vec<(f64, f64)>,
    scores: usize,
    fallbacks: Vec<Fallback>,
}

impl std::fmt::Debug for EnsembleFitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnsembleFitted")
            .field("members", &self.report)
            .field("factors", &self.factors)
            .field("fallbacks", &self.fallbacks)
            .finish()
    }
}

impl EnsembleFitted {
    /// Every member (including those left out, with weight 0 and the reason).
    pub fn members(&self) -> &[MemberReport] {
        &self.report
    }

    /// `(level, factor)`: how much the averaged intervals were widened (> 1) or narrowed.
    pub fn interval_factors(&self) -> &[(f64, f64)] {
        &self.factors
    }

    /// Standardised backtest scores behind the interval factors.
    pub fn calibration_scores(&self) -> usize {
        self.scores
    }

    /// The factor for `level`: that of the nearest calibration level.
    fn factor(&self, level: f64) -> f64 {
        self.factors
            .iter()
            .min_by(|a, b| (a.0 - level).abs().total_cmp(&(b.0 - level).abs()))
            .map_or(1.0, |f| f.1)
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
                    Ok(bt) => {
                        let errs: Vec<f64> = bt.errors_by_step().into_iter().flatten().collect();
                        if !errs.is_empty() {
                            let n = errs.len() as f64;
                            r.backtest_mae = Some(errs.iter().map(|e| e.abs()).sum::<f64>() / n);
                            r.backtest_rmse =
                                Some((errs.iter().map(|e| e * e).sum::<f64>() / n).sqrt());
                        }
                        r.folds = bt.folds.len();
                        Some(bt)
                    }
                    Err(e) => {
                        r.error = Some(format!("backtest: {e}"));
                        None
                    }
                }
            })
            .collect();

        let errors: Vec<Option<f64>> = report.iter().map(|r| r.backtest_mae).collect();
        let w = match weights(&errors, self.shrink, self.power, self.trim) {
            Some(w) => w,
            None => {
                fallbacks.push(Fallback::new(
                    "ensemble weights from backtest error",
                    "equal weights",
                    if folds == 0 {
                        format!(
                            "{} observations leave no backtest window of {h} steps after {min_train}",
                            series.len()
                        )
                    } else {
                        "no member's backtest could be scored".to_owned()
                    },
                ));
                let k = fitted.iter().flatten().count() as f64;
                fitted
                    .iter()
                    .map(|f| if f.is_some() { 1.0 / k } else { 0.0 })
                    .collect()
            }
        };
        for (r, &wi) in report.iter_mut().zip(&w) {
            r.weight = wi;
        }

        // Calibrate on the folds where every weighted member has a forecast.
        let weighted: Vec<usize> = (0..w.len()).filter(|&i| w[i] > 0.0).collect();
        let mut pools: Vec<Vec<f64>> = vec![Vec::new(); CALIBRATION_LEVELS.len()];
        if folds > 0 && weighted.iter().all(|&i| backtests[i].is_some()) {
            let bts: Vec<&Backtest> = weighted
                .iter()
                .filter_map(|&i| backtests[i].as_ref())
                .collect();
            let ww: Vec<f64> = weighted.iter().map(|&i| w[i]).collect();
            let mut combined = Forecast::default();
            for j in 0..bts[0].folds.len() {
                let fs: Vec<&Forecast> = bts.iter().map(|b| &b.folds[j].forecast).collect();
                combine(
                    &fs,
                    &ww,
                    self.combination,
                    &mut combined,
                    &CALIBRATION_LEVELS,
                );
                let fold = &bts[0].folds[j];
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
                            pool.push(dev / half);
                        } else if dev == 0.0 {
                            pool.push(0.0);
                        }
                    }
                }
            }
        }
        let scores = pools.iter().map(Vec::len).min().unwrap_or(0);
        let factors = CALIBRATION_LEVELS
            .iter()
            .zip(&mut pools)
            .map(|(&level, pool)| {
                if pool.is_empty() {
                    return (level, 1.0);
                }
                sort_finite(pool);
                let q = conformal_quantile(pool, level);
                let n = pool.len() as f64;
                // Geometric shrinkage towards 1 with `prior_scores` pseudo-scores.
                let f = (q.max(1e-6).ln() * n / (n + self.prior_scores)).exp();
                (level, f)
            })
            .collect();
        if scores == 0 {
            fallbacks.push(Fallback::new(
                "ensemble intervals calibrated on backtest errors",
                "averaged member intervals",
                "no backtest window to calibrate on",
            ));
        }
        Ok(EnsembleFitted {
            fitted,
            weights: w,
            report,
            combination: self.combination,
            factors,
            scores,
            fallbacks,
        })
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
        let mut parts = Vec::new();
        let mut ws = Vec::new();
        for (f, &w) in self.fitted.iter().zip(&self.weights) {
            if let Some(f) = f.as_ref().filter(|_| w > 0.0) {
                parts.push(f.predict(horizon, levels)?);
                ws.push(w);
            }
        }
        let refs: Vec<&Forecast> = parts.iter().collect();
        combine(&refs, &ws, self.combination, out, levels);
        for iv in &mut out.intervals {
            let c = self.factor(iv.level);
            for k in 0..horizon {
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

    fn fallbacks(&self) -> &[Fallback] {
        &self.fallbacks
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
}
