//! MSTL + ETS (feature `augurs`): the series is decomposed by MSTL (Bandara, Hyndman and
//! Bergmeir 2021: STL applied in turn for each season length) into trend, one seasonal
//! component per period and a remainder; the seasonally adjusted series (trend + remainder) is
//! forecast by a non-seasonal AutoETS and the last cycle of each seasonal component is repeated
//! on top. Both steps come from `augurs` (`augurs-mstl`, `augurs-ets`).
//!
//! * **Periods.** The series' season by default; several (e.g. 7 and 365 for daily data) with
//!   [`Mstl::with_periods`] or the name `mstl:7+365`. A period needs two full cycles of
//!   history: shorter ones are dropped (recorded); with none left the model runs as a
//!   non-seasonal [`Ets`](super::Ets) (recorded).
//! * **Intervals.** The ETS trend model's normal intervals, shifted by the seasonal component;
//!   `augurs` gives one level per call, so each requested level is its own call.
//! * **Censored and missing points** are replaced by a straight line between the observed
//!   neighbours before decomposing (STL needs a regular series).
//! * **Scaling.** `augurs` decomposes in `f32`; values are divided by their largest magnitude
//!   first and multiplied back, so large magnitudes neither overflow nor lose precision.
//! * **Fallbacks.** A constant series runs as [`Naive`](super::Naive); an error or a panic
//!   inside `augurs`, or a non-finite forecast, runs as naive too. Each is recorded.

use std::panic::{AssertUnwindSafe, catch_unwind};

use augurs_core::{Fit, Predict as AugursPredict};
use augurs_ets::AutoETS;
use augurs_mstl::{FittedMSTLModel, MSTLModel};

use super::{Ets, naive_instead};
use crate::checks::{Fallback, observed_values};
use crate::error::ForecastError;
use crate::stats::check_levels;
use crate::traits::{DynForecaster, DynPredict, Forecaster, Predict};
use crate::types::{Forecast, Series};

/// MSTL decomposition with a non-seasonal AutoETS forecasting the adjusted series.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mstl {
    /// Season lengths to decompose; empty = the series' season.
    pub periods: Vec<usize>,
}

impl Mstl {
    /// MSTL with explicit season lengths (e.g. `[7, 365]` for daily data).
    pub fn with_periods(periods: Vec<usize>) -> Self {
        Self { periods }
    }

    fn requested_periods(&self, series: &Series) -> Vec<usize> {
        if self.periods.is_empty() {
            vec![series.season()]
        } else {
            self.periods.clone()
        }
    }
}

/// The MSTL decomposition of the history, in the series' units: `data = trend + Σ seasonal +
/// remainder` at every period.
#[derive(Debug, Clone, PartialEq)]
pub struct Decomposition {
    /// Trend per period.
    pub trend: Vec<f64>,
    /// `(period, component)` for each season length decomposed, in the order given.
    pub seasonal: Vec<(usize, Vec<f64>)>,
    /// What neither trend nor season explains.
    pub remainder: Vec<f64>,
}

/// A fitted [`Mstl`].
pub struct MstlFitted {
    engine: Engine,
    fallbacks: Vec<Fallback>,
}

impl std::fmt::Debug for MstlFitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MstlFitted")
            .field("decomposition", &self.decomposition())
            .field("fallbacks", &self.fallbacks)
            .finish_non_exhaustive()
    }
}

enum Engine {
    Augurs {
        model: Box<FittedMSTLModel>,
        scale: f64,
        decomposition: Decomposition,
    },
    Instead(DynPredict),
}

impl MstlFitted {
    /// The decomposition behind the forecast, or `None` when a fallback ran instead.
    pub fn decomposition(&self) -> Option<&Decomposition> {
        match &self.engine {
            Engine::Augurs { decomposition, .. } => Some(decomposition),
            Engine::Instead(_) => None,
        }
    }
}

/// The values with censored and missing points replaced by a line between their observed
/// neighbours (flat before the first and after the last).
pub(crate) fn filled_values(series: &Series) -> Vec<f64> {
    let y = series.values();
    let known: Vec<usize> = (0..y.len()).filter(|&i| !series.is_censored(i)).collect();
    let mut out = y.to_vec();
    if known.is_empty() {
        return out;
    }
    let mut next = 0;
    for (i, slot) in out.iter_mut().enumerate() {
        while next < known.len() && known[next] < i {
            next += 1;
        }
        if known.get(next) == Some(&i) {
            continue;
        }
        let after = known.get(next).copied();
        let before = next.checked_sub(1).map(|k| known[k]);
        *slot = match (before, after) {
            (Some(b), Some(a)) => y[b] + (i - b) as f64 / (a - b) as f64 * (y[a] - y[b]),
            (Some(b), None) => y[b],
            (None, Some(a)) => y[a],
            (None, None) => y[i],
        };
    }
    out
}

/// A short message from a caught panic.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

const NAME: &str = "mstl";

impl Forecaster for Mstl {
    type Fitted = MstlFitted;

    fn name(&self) -> String {
        if self.periods.is_empty() {
            NAME.to_owned()
        } else {
            let p: Vec<String> = self.periods.iter().map(|p| p.to_string()).collect();
            format!("{NAME}:{}", p.join("+"))
        }
    }

    fn min_history(&self, season: usize) -> usize {
        let longest = self.periods.iter().copied().max().unwrap_or(season);
        2 * longest.max(2)
    }

    fn fit(&self, series: &Series) -> Result<MstlFitted, ForecastError> {
        let observed = observed_values(series)?;
        let mut fallbacks = Vec::new();
        let instead = |engine: Result<DynPredict, ForecastError>, fallbacks: Vec<Fallback>| {
            let engine = engine?;
            let mut all = fallbacks;
            all.extend(engine.fallbacks().iter().cloned());
            Ok(MstlFitted {
                engine: Engine::Instead(engine),
                fallbacks: all,
            })
        };
        let naive = |reason: String, mut fallbacks: Vec<Fallback>| {
            let inner = naive_instead(series, NAME, reason, &mut fallbacks)?;
            Ok(MstlFitted {
                engine: Engine::Instead(Box::new(inner)),
                fallbacks,
            })
        };
        if observed.iter().all(|v| *v == observed[0]) {
            return naive("the series is constant".into(), fallbacks);
        }
        let n = series.len();
        let requested = self.requested_periods(series);
        let mut periods = Vec::new();
        for p in requested.iter().copied().filter(|p| *p > 1) {
            if n >= 2 * p {
                periods.push(p);
            } else {
                fallbacks.push(Fallback::new(
                    format!("{NAME} period {p}"),
                    "no seasonal component",
                    format!("{n} periods, fewer than two seasons of {p}"),
                ));
            }
        }
        if periods.is_empty() {
            let why = if requested.iter().all(|p| *p <= 1) {
                "the series is not seasonal".to_owned()
            } else {
                "no season length has two full seasons of history".to_owned()
            };
            fallbacks.push(Fallback::new(NAME, "ets (non-seasonal)", why));
            let plain = series.clone().with_season(1)?;
            return instead(Ets::default().fit_dyn(&plain), fallbacks);
        }
        let y = filled_values(series);
        let scale = y.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
        let scaled: Vec<f64> = y.iter().map(|v| v / scale).collect();
        let fitted = catch_unwind(AssertUnwindSafe(|| {
            let model = MSTLModel::new(periods.clone(), AutoETS::non_seasonal().into_trend_model());
            let fitted = model.fit(&scaled).map_err(|e| e.to_string())?;
            // A one-step forecast proves the fit usable before anything is promised.
            let probe = fitted.predict(1, Some(0.95)).map_err(|e| e.to_string())?;
            let finite = probe.point.iter().all(|x| x.is_finite())
                && probe
                    .intervals
                    .iter()
                    .all(|i| i.lower.iter().chain(&i.upper).all(|x| x.is_finite()));
            if finite {
                Ok(fitted)
            } else {
                Err("the forecast is not finite".to_owned())
            }
        }));
        let model = match fitted {
            Ok(Ok(model)) => model,
            Ok(Err(e)) => return naive(format!("augurs MSTL failed: {e}"), fallbacks),
            Err(payload) => {
                let msg = panic_message(payload.as_ref());
                return naive(format!("augurs MSTL panicked: {msg}"), fallbacks);
            }
        };
        let fit = model.fit();
        let back = |v: &[f32]| {
            v.iter()
                .map(|x| f64::from(*x) * scale)
                .collect::<Vec<f64>>()
        };
        let decomposition = Decomposition {
            trend: back(fit.trend()),
            seasonal: periods
                .iter()
                .copied()
                .zip(fit.seasonal().iter().map(|s| back(s)))
                .collect(),
            remainder: back(fit.remainder()),
        };
        Ok(MstlFitted {
            engine: Engine::Augurs {
                model: Box::new(model),
                scale,
                decomposition,
            },
            fallbacks,
        })
    }
}

impl Predict for MstlFitted {
    fn predict_in_place(
        &self,
        horizon: usize,
        levels: &[f64],
        out: &mut Forecast,
    ) -> Result<(), ForecastError> {
        let (model, scale) = match &self.engine {
            Engine::Instead(inner) => return inner.predict_in_place(horizon, levels, out),
            Engine::Augurs { model, scale, .. } => (model, *scale),
        };
        check_levels(levels)?;
        out.reset(horizon, levels);
        if horizon == 0 {
            return Ok(());
        }
        let failed = |_| ForecastError::NonFiniteOutput {
            model: NAME.to_owned(),
        };
        let point = model.predict(horizon, None).map_err(failed)?;
        for (o, p) in out.point.iter_mut().zip(&point.point) {
            *o = p * scale;
        }
        for iv in &mut out.intervals {
            let f = model.predict(horizon, Some(iv.level)).map_err(failed)?;
            let Some(b) = f.intervals.filter(|b| (b.level - iv.level).abs() < 1e-12) else {
                return Err(ForecastError::NonFiniteOutput {
                    model: NAME.to_owned(),
                });
            };
            for k in 0..horizon {
                iv.lower[k] = b.lower[k] * scale;
                iv.upper[k] = b.upper[k] * scale;
            }
        }
        if !out.is_finite() {
            return Err(ForecastError::NonFiniteOutput {
                model: NAME.to_owned(),
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

    fn seasonal(n: usize) -> Series {
        let v: Vec<f64> = (0..n)
            .map(|t| {
                let s = [
                    0.0, -8.0, 6.0, 14.0, -12.0, -5.0, 0.0, 10.0, -2.0, 4.0, -9.0, 2.0,
                ][t % 12];
                100.0 + 0.5 * t as f64 + s + ((t * 7919) % 13) as f64 * 0.2
            })
            .collect();
        Series::new(v).unwrap().with_season(12).unwrap()
    }

    #[test]
    fn follows_the_seasonal_pattern_and_intervals_widen() {
        let s = seasonal(96);
        let fitted = Mstl::default().fit(&s).unwrap();
        assert!(fitted.fallbacks().is_empty(), "{:?}", fitted.fallbacks());
        let f = fitted.predict(24, &[0.8, 0.95]).unwrap();
        // Month 3 (peak) above month 4 (trough) in both forecast years, by most of the 26 gap.
        for year in 0..2 {
            let (peak, trough) = (f.point[year * 12 + 3], f.point[year * 12 + 4]);
            assert!(peak - trough > 20.0, "year {year}: {peak} vs {trough}");
        }
        // Close to the noise-free continuation.
        for (k, p) in f.point.iter().enumerate() {
            let t = 96 + k;
            let s = [
                0.0, -8.0, 6.0, 14.0, -12.0, -5.0, 0.0, 10.0, -2.0, 4.0, -9.0, 2.0,
            ][t % 12];
            let truth = 101.2 + 0.5 * t as f64 + s;
            assert!((p - truth).abs() < 4.0, "step {k}: {p} vs {truth}");
        }
        let (i80, i95) = (f.interval(0.8).unwrap(), f.interval(0.95).unwrap());
        let w80: Vec<f64> = i80
            .upper
            .iter()
            .zip(&i80.lower)
            .map(|(u, l)| u - l)
            .collect();
        let w95: Vec<f64> = i95
            .upper
            .iter()
            .zip(&i95.lower)
            .map(|(u, l)| u - l)
            .collect();
        for k in 0..24 {
            assert!(w95[k] > w80[k] && w80[k] > 0.0, "step {k}");
            assert!(i80.lower[k] < f.point[k] && f.point[k] < i80.upper[k]);
        }
        for k in 1..24 {
            assert!(w80[k] >= w80[k - 1] - 1e-9, "step {k}: {w80:?}");
        }
        // A normal interval: the 95% width is 1.96/1.2816 times the 80% width.
        assert!((w95[5] / w80[5] - 1.959964 / 1.281552).abs() < 1e-3);
    }

    #[test]
    fn intervals_widen_on_a_wandering_level() {
        // A level that moves by pseudo-random steps: the ETS trend model must grow its spread.
        let mut level = 100.0;
        let mut state: u64 = 12345;
        let v: Vec<f64> = (0..120)
            .map(|t| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                level += ((state >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 6.0;
                level
                    + [
                        0.0, 5.0, 9.0, 4.0, -3.0, -8.0, -6.0, 0.0, 2.0, 6.0, -4.0, -5.0,
                    ][t % 12]
            })
            .collect();
        let s = Series::new(v).unwrap().with_season(12).unwrap();
        let f = Mstl::default()
            .fit(&s)
            .unwrap()
            .predict(18, &[0.8])
            .unwrap();
        let iv = f.interval(0.8).unwrap();
        let w: Vec<f64> = iv.upper.iter().zip(&iv.lower).map(|(u, l)| u - l).collect();
        assert!(w[17] > 2.0 * w[0], "{w:?}");
    }

    #[test]
    fn decomposition_sums_to_the_data() {
        let mut v = seasonal(72).values().to_vec();
        for (t, x) in v.iter_mut().enumerate() {
            *x = *x * 1e6 + 3e5 * ((t % 7) as f64);
        }
        let s = Series::new(v.clone()).unwrap().with_season(12).unwrap();
        let fitted = Mstl::with_periods(vec![12, 7]).fit(&s).unwrap();
        let d = fitted.decomposition().unwrap();
        assert_eq!(
            d.seasonal.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
            [12, 7]
        );
        for (t, x) in v.iter().enumerate() {
            let sum =
                d.trend[t] + d.seasonal.iter().map(|(_, c)| c[t]).sum::<f64>() + d.remainder[t];
            assert!((sum - x).abs() < 1e-5 * x.abs(), "t {t}: {sum} vs {x}");
        }
        // The weekly pattern is found: its component spans most of the 1.8e6 it adds.
        let weekly = &d.seasonal[1].1;
        let span = weekly.iter().cloned().fold(f64::MIN, f64::max)
            - weekly.iter().cloned().fold(f64::MAX, f64::min);
        assert!(span > 1.2e6, "{span}");
        assert_eq!(Mstl::with_periods(vec![12, 7]).name(), "mstl:12+7");
    }

    #[test]
    fn short_constant_and_non_seasonal_series_fall_back() {
        let short = Series::new(seasonal(20).values().to_vec())
            .unwrap()
            .with_season(12)
            .unwrap();
        let f = Mstl::default().fit(&short).unwrap();
        assert!(f.decomposition().is_none());
        assert_eq!(f.fallbacks()[0].from, "mstl period 12");
        assert_eq!(f.fallbacks()[1].to, "ets (non-seasonal)");
        assert_eq!(f.predict(5, &[0.9]).unwrap().point.len(), 5);

        let flat = Series::new(vec![4.0; 40]).unwrap().with_season(12).unwrap();
        let f = Mstl::default().fit(&flat).unwrap();
        assert_eq!(f.fallbacks()[0].to, "naive");
        assert_eq!(f.predict(3, &[0.8]).unwrap().point, vec![4.0; 3]);

        // One of two periods too long: dropped, the other still decomposed.
        let s = seasonal(40);
        let f = Mstl::with_periods(vec![12, 30]).fit(&s).unwrap();
        assert_eq!(f.fallbacks().len(), 1);
        assert_eq!(f.decomposition().unwrap().seasonal.len(), 1);
    }

    #[test]
    fn censored_points_are_bridged_not_fitted() {
        let s = seasonal(48);
        let mut mask = vec![false; 48];
        mask[20] = true;
        let mut v = s.values().to_vec();
        v[20] = 0.0; // a stockout: far below demand
        let censored = Series::new(v)
            .unwrap()
            .with_season(12)
            .unwrap()
            .with_censored(mask)
            .unwrap();
        let filled = filled_values(&censored);
        assert!((filled[20] - (filled[19] + filled[21]) / 2.0).abs() < 1e-12);
        let d = Mstl::default().fit(&censored).unwrap();
        let d = d.decomposition().unwrap();
        assert!(d.remainder[20].abs() < 20.0, "{}", d.remainder[20]);
    }

    #[test]
    fn the_registry_parses_period_lists() {
        use crate::models::by_name;
        assert_eq!(by_name("mstl", 12, 6).unwrap().dyn_name(), "mstl");
        assert_eq!(
            by_name("mstl:7+365", 7, 6).unwrap().dyn_name(),
            "mstl:7+365"
        );
        assert!(by_name("mstl:", 7, 6).is_none());
        assert!(by_name("mstl:1+7", 7, 6).is_none());
        assert!(by_name("mstl:7+x", 7, 6).is_none());
    }

    #[test]
    fn a_caught_panic_reads_as_text() {
        let payload = catch_unwind(|| panic!("odd input {}", 3)).unwrap_err();
        assert_eq!(panic_message(payload.as_ref()), "odd input 3");
    }
}
