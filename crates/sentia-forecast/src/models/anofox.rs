//! AutoETS, AutoARIMA and AutoTheta from `anofox-forecast` 0.19.0, behind our traits.
//!
//! * AutoETS: when the library skips every seasonal candidate (fewer than 3 seasons, or a weak-seasonality test on the raw values), the
//!   seasonal candidates are fitted here and compared on the same AICc.
//! * Seasonal forms need `min_seasons` (default 2) full seasons; with less history, or a season
//!   length of 1, the non-seasonal form of the same model runs and a [`Fallback`] is recorded.
//! * The library cannot skip points: censored and missing points are replaced by linear
//!   interpolation between observed neighbours (flat at the ends) before fitting, and this is
//!   recorded as a [`Fallback`].
//! * Intervals are the library's (normal, from the fitted model's forecast variance). If the
//!   library gives none, or non-finite ones, the model is wrapped in [`Conformal`] and the
//!   substitution is recorded.
//! * If the library refuses the series (or panics on it), the model runs as [`Naive`](super::Naive) and the
//!   reason is recorded. No library panic escapes.

use std::panic::{AssertUnwindSafe, catch_unwind};

use anofox_forecast::core::TimeSeries;
use anofox_forecast::models::Forecaster as LibForecaster;
use anofox_forecast::models::arima::{ARIMA, AutoARIMA, ModelOrder, SARIMA};
use anofox_forecast::models::exponential::{
    AutoETS, ETS, ETSSeasonalType, ETSSpec, ErrorType, TrendType,
};
use anofox_forecast::models::theta::AutoTheta as LibAutoTheta;

use super::{SimpleFitted, naive_instead};
use crate::checks::{Fallback, observed_values};
use crate::conformal::{Conformal, ConformalFitted};
use crate::error::ForecastError;
use crate::stats::check_levels;
use crate::traits::{DynPredict, Forecaster, Predict};
use crate::types::{Forecast, Series};

/// Observations the non-seasonal forms need before the library is asked at all.
const MIN_NON_SEASONAL: usize = 4;

/// Horizon the conformal fallback is calibrated for (longer horizons are scaled by √(k/H)).
const CONFORMAL_FALLBACK_HORIZON: usize = 12;

/// Which library model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ets,
    Arima,
    Theta,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Ets => "ets:anofox",
            Kind::Arima => "arima",
            Kind::Theta => "theta",
        }
    }

    /// Fits the library model; returns it with a description of the selected form, e.g.
    /// `ETS(M,Ad,M)[12]`, `ARIMA(0,1,1)(0,1,0)[12]` or `Theta(DOTM)[12]`, and the form itself
    /// where it can be refitted without selecting again.
    fn fit(self, season: usize, ts: &TimeSeries) -> Result<Selected, String> {
        let suffix = if season > 1 {
            format!("[{season}]")
        } else {
            String::new()
        };
        match self {
            Kind::Ets => {
                let mut m = if season > 1 {
                    AutoETS::with_period(season)
                } else {
                    AutoETS::non_seasonal()
                };
                guarded(|| m.fit(ts))?;
                let spec = m
                    .selected_spec()
                    .map_or_else(|| "ETS(?)".into(), |s| s.short_name());
                if season > 1 && !m.model_scores().iter().any(|(s, _)| s.has_seasonal()) {
                    let best = m.model_scores().first().map_or(f64::INFINITY, |s| s.1);
                    let trend_free = m.spike_guard_triggered();
                    if let Some((ets, spec)) = best_seasonal_ets(ts, season, best, trend_free) {
                        let label = format!("{}{suffix}", spec.short_name());
                        return Ok((ets, label, Some(Form::Ets(spec))));
                    }
                }
                let form = m.selected_spec().map(Form::Ets);
                Ok((Box::new(m), format!("{spec}{suffix}"), form))
            }
            Kind::Arima => {
                let mut m = if season > 1 {
                    AutoARIMA::seasonal(season)
                } else {
                    AutoARIMA::new()
                };
                guarded(|| m.fit(ts))?;
                let form = m.selected_full_order().map(Form::Arima);
                let desc = match m.selected_full_order() {
                    Some(o) if o.is_seasonal() => format!(
                        "ARIMA({},{},{})({},{},{})[{}]",
                        o.p, o.d, o.q, o.cap_p, o.cap_d, o.cap_q, o.s
                    ),
                    Some(o) => format!("ARIMA({},{},{})", o.p, o.d, o.q),
                    None => "ARIMA(?)".into(),
                };
                Ok((Box::new(m), desc, form))
            }
            Kind::Theta => {
                let mut m = if season > 1 {
                    LibAutoTheta::seasonal(season)
                } else {
                    LibAutoTheta::new()
                };
                guarded(|| m.fit(ts))?;
                let sel = m
                    .selected_model()
                    .map_or_else(|| "?".into(), |t| t.to_string());
                Ok((Box::new(m), format!("Theta({sel}){suffix}"), None))
            }
        }
    }
}

/// A fitted library model, its label and (if it can be refitted as it is) its form.
type Selected = (Box<dyn LibForecaster + Send + Sync>, String, Option<Form>);

/// A selected model form, refitted on other data without selecting again.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Form {
    Ets(ETSSpec),
    Arima(ModelOrder),
}

impl Form {
    fn fit(self, season: usize, ts: &TimeSeries, label: &str) -> Result<Selected, String> {
        match self {
            Form::Ets(spec) => {
                let mut m = ETS::new(spec, season);
                guarded(|| m.fit(ts))?;
                Ok((Box::new(m), label.to_owned(), Some(self)))
            }
            Form::Arima(o) if o.is_seasonal() => {
                let mut m = SARIMA::new(o.p, o.d, o.q, o.cap_p, o.cap_d, o.cap_q, o.s);
                guarded(|| m.fit(ts))?;
                Ok((Box::new(m), label.to_owned(), Some(self)))
            }
            Form::Arima(o) => {
                let mut m = ARIMA::new(o.p, o.d, o.q);
                guarded(|| m.fit(ts))?;
                Ok((Box::new(m), label.to_owned(), Some(self)))
            }
        }
    }
}

/// The seasonal ETS form with the lowest AICc, if it beats `to_beat`.
///
/// `AutoETS` 0.19.0 drops every seasonal candidate when the series has fewer than three seasons
/// or when a one-way ANOVA of the *raw* values by season position gives F ≤ 1. On a strongly
/// trending series the trend swamps the within-position variance, so clearly seasonal series
/// (e.g. most of `aus_retail`) were fitted without a season. This fits the seasonal candidates
/// the library would have tried (R's restricted set; additive only on non-positive data; no
/// trend when the library's spike guard fired) and keeps the AICc comparison.
fn best_seasonal_ets(
    ts: &TimeSeries,
    season: usize,
    to_beat: f64,
    trend_free: bool,
) -> Option<(Box<dyn LibForecaster + Send + Sync>, ETSSpec)> {
    if ts.primary_values().len() < 2 * season {
        return None;
    }
    let positive = ts.primary_values().iter().all(|v| *v > 0.0);
    let errors: &[ErrorType] = if positive {
        &[ErrorType::Additive, ErrorType::Multiplicative]
    } else {
        &[ErrorType::Additive]
    };
    let trends: &[TrendType] = if trend_free {
        &[TrendType::None]
    } else {
        &[
            TrendType::None,
            TrendType::Additive,
            TrendType::AdditiveDamped,
        ]
    };
    let seasonals: &[ETSSeasonalType] = if positive {
        &[ETSSeasonalType::Additive, ETSSeasonalType::Multiplicative]
    } else {
        &[ETSSeasonalType::Additive]
    };
    let mut best: Option<(ETS, ETSSpec, f64)> = None;
    for &e in errors {
        for &t in trends {
            for &s in seasonals {
                let spec = ETSSpec::new(e, t, s);
                if spec.is_r_restricted() {
                    continue;
                }
                let mut model = ETS::new(spec, season);
                let Ok(Some(score)) = guarded(|| model.fit(ts).map(|()| model.aicc())) else {
                    continue;
                };
                if score.is_finite() && best.as_ref().is_none_or(|b| score < b.2) {
                    best = Some((model, spec, score));
                }
            }
        }
    }
    let (model, spec, score) = best?;
    (score < to_beat).then(|| (Box::new(model) as Box<_>, spec))
}

macro_rules! library_model {
    ($(#[$doc:meta])* $ty:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $ty {
            /// Full seasons of history required before the seasonal form is used (default 2).
            pub min_seasons: usize,
        }

        impl Default for $ty {
            fn default() -> Self {
                Self { min_seasons: 2 }
            }
        }

        impl Forecaster for $ty {
            type Fitted = LibraryFitted;

            fn name(&self) -> String {
                $kind.name().into()
            }

            fn min_history(&self, season: usize) -> usize {
                min_history(season, self.min_seasons)
            }

            fn fit(&self, series: &Series) -> Result<LibraryFitted, ForecastError> {
                fit(series, $kind, self.min_seasons, true, None)
            }
        }
    };
}

library_model!(
    /// AutoETS (Hyndman et al. 2008): the ETS form with the lowest AICc among the 19 stable
    /// error/trend/season combinations, as R's `ets()`.
    AutoEts,
    Kind::Ets
);
library_model!(
    /// AutoARIMA: (seasonal) ARIMA with orders chosen by the Hyndman–Khandakar stepwise search,
    /// as R's `auto.arima()`.
    AutoArima,
    Kind::Arima
);
library_model!(
    /// AutoTheta: the Theta variant (standard, optimised, dynamic, dynamic optimised) with the
    /// lowest in-sample MSE, on the seasonally adjusted series (multiplicative decomposition).
    AutoTheta,
    Kind::Theta
);

fn min_history(season: usize, min_seasons: usize) -> usize {
    if season > 1 {
        (min_seasons.max(1) * season).max(MIN_NON_SEASONAL)
    } else {
        MIN_NON_SEASONAL
    }
}

/// A fitted library model, or what ran instead.
pub struct LibraryFitted {
    engine: Engine,
    fallbacks: Vec<Fallback>,
}

enum Engine {
    Library {
        name: String,
        model: Box<dyn LibForecaster + Send + Sync>,
        /// `false` inside the conformal fallback: intervals are left zero-width.
        intervals: bool,
        /// The selected form and the settings it was fitted with, for [`Predict::refit`].
        refit: Option<(Form, Kind, usize, usize)>,
    },
    /// The library model without usable intervals, wrapped in [`Conformal`].
    Conformal(Box<ConformalFitted<LibraryFitted>>),
    /// The library refused the series.
    Naive(SimpleFitted),
}

impl LibraryFitted {
    /// What ran: the selected library form (e.g. `ETS(M,Ad,M)[12]`), `conformal(...)` when the
    /// library's intervals were replaced, or `naive`.
    pub fn selected(&self) -> String {
        match &self.engine {
            Engine::Library { name, .. } => name.clone(),
            Engine::Conformal(f) => format!("conformal({})", f.inner().selected()),
            Engine::Naive(_) => "naive".into(),
        }
    }
}

impl std::fmt::Debug for LibraryFitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibraryFitted")
            .field("selected", &self.selected())
            .field("fallbacks", &self.fallbacks)
            .finish()
    }
}

/// Runs a library call, turning an error or a panic into a message.
fn guarded<T>(f: impl FnOnce() -> anofox_forecast::Result<T>) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .map_or_else(
                || "library panicked".into(),
                |s| format!("library panicked: {s}"),
            )),
    }
}

/// Values for the library: censored and missing points replaced by linear interpolation
/// between observed neighbours (flat at the ends). Returns the values and how many were
/// replaced.
fn fill_censored(series: &Series) -> Result<(Vec<f64>, usize), ForecastError> {
    observed_values(series)?;
    let v = series.values();
    let known: Vec<usize> = (0..v.len()).filter(|&i| !series.is_censored(i)).collect();
    let mut out = Vec::with_capacity(v.len());
    let mut replaced = 0;
    let mut next = 0;
    for (i, &x) in v.iter().enumerate() {
        while next < known.len() && known[next] < i {
            next += 1;
        }
        if !series.is_censored(i) {
            out.push(x);
            continue;
        }
        replaced += 1;
        let after = known.get(next).copied();
        let before = next.checked_sub(1).map(|k| known[k]);
        out.push(match (before, after) {
            (Some(b), Some(a)) => v[b] + (i - b) as f64 / (a - b) as f64 * (v[a] - v[b]),
            (Some(b), None) => v[b],
            (None, Some(a)) => v[a],
            (None, None) => x,
        });
    }
    Ok((out, replaced))
}

fn time_series(values: Vec<f64>) -> Result<TimeSeries, String> {
    let stamps = (0..values.len())
        .map(|i| {
            chrono::DateTime::from_timestamp(i as i64 * 86_400, 0)
                .ok_or_else(|| "timestamp out of range".to_owned())
        })
        .collect::<Result<Vec<_>, _>>()?;
    guarded(|| TimeSeries::univariate(stamps, values))
}

/// Whether the library gives finite intervals at one step ahead.
fn library_intervals_ok(model: &(dyn LibForecaster + Send + Sync)) -> bool {
    guarded(|| model.predict_with_intervals(1, 0.95)).is_ok_and(|f| {
        let lo = f.lower_series(0).ok().and_then(|s| s.first().copied());
        let hi = f.upper_series(0).ok().and_then(|s| s.first().copied());
        let p = f.primary().first().copied();
        matches!((lo, p, hi), (Some(l), Some(p), Some(h))
            if l.is_finite() && h.is_finite() && p.is_finite() && l <= p && p <= h)
    })
}

fn fit(
    series: &Series,
    kind: Kind,
    min_seasons: usize,
    allow_conformal: bool,
    form: Option<(Form, &str, usize)>,
) -> Result<LibraryFitted, ForecastError> {
    let name = kind.name();
    let m = series.season();
    let n = series.len();
    let mut fallbacks = Vec::new();
    let (values, replaced) = fill_censored(series)?;
    if replaced > 0 {
        fallbacks.push(Fallback::new(
            format!("{name} on observed points"),
            format!("{name} on interpolated points"),
            format!(
                "{replaced} censored or missing points interpolated: the library cannot skip points"
            ),
        ));
    }
    let need = min_history(m, min_seasons);
    let season = if m > 1 && n < need {
        fallbacks.push(Fallback::new(
            format!("{name} (seasonal)"),
            format!("{name} (non-seasonal)"),
            format!("{n} observations, fewer than {min_seasons} seasons of {m} ({need})"),
        ));
        1
    } else {
        m
    };
    let naive = |mut fallbacks: Vec<Fallback>, reason: String| {
        let inner = naive_instead(series, name, reason, &mut fallbacks)?;
        Ok(LibraryFitted {
            engine: Engine::Naive(inner),
            fallbacks,
        })
    };
    if n < MIN_NON_SEASONAL {
        return naive(
            fallbacks,
            format!("{n} observations, fewer than {MIN_NON_SEASONAL}"),
        );
    }
    let ts = match time_series(values) {
        Ok(ts) => ts,
        Err(e) => return naive(fallbacks, e),
    };
    // A given form is used only for the season it was selected with.
    let selected = match form.filter(|f| f.2 == season) {
        Some((f, label, _)) => f.fit(season, &ts, label).or_else(|_| kind.fit(season, &ts)),
        None => kind.fit(season, &ts),
    };
    let (model, label, form) = match selected {
        Ok(fitted) => fitted,
        Err(e) => return naive(fallbacks, format!("the library refused the series: {e}")),
    };
    let point_ok = guarded(|| model.predict(1))
        .is_ok_and(|f| f.primary().len() == 1 && f.primary()[0].is_finite());
    if !point_ok {
        return naive(fallbacks, "the library gave no finite forecast".into());
    }
    if allow_conformal && !library_intervals_ok(model.as_ref()) {
        fallbacks.push(Fallback::new(
            format!("{label} intervals"),
            format!("{name}+conformal intervals"),
            "the library gave no finite intervals",
        ));
        let point_only = PointOnly { kind, min_seasons };
        let wrapped = Conformal::new(point_only, CONFORMAL_FALLBACK_HORIZON.max(m)).fit(series)?;
        let extra: Vec<Fallback> = wrapped
            .fallbacks()
            .iter()
            .filter(|f| !fallbacks.contains(f))
            .cloned()
            .collect();
        fallbacks.extend(extra);
        return Ok(LibraryFitted {
            engine: Engine::Conformal(Box::new(wrapped)),
            fallbacks,
        });
    }
    Ok(LibraryFitted {
        engine: Engine::Library {
            name: label,
            model,
            intervals: allow_conformal,
            refit: form.map(|f| (f, kind, min_seasons, season)),
        },
        fallbacks,
    })
}

/// The library model with zero-width intervals, for the conformal fallback.
struct PointOnly {
    kind: Kind,
    min_seasons: usize,
}

impl Forecaster for PointOnly {
    type Fitted = LibraryFitted;

    fn name(&self) -> String {
        self.kind.name().into()
    }

    fn min_history(&self, season: usize) -> usize {
        min_history(season, self.min_seasons)
    }

    fn fit(&self, series: &Series) -> Result<LibraryFitted, ForecastError> {
        fit(series, self.kind, self.min_seasons, false, None)
    }
}

impl Predict for LibraryFitted {
    fn predict_in_place(
        &self,
        horizon: usize,
        levels: &[f64],
        out: &mut Forecast,
    ) -> Result<(), ForecastError> {
        check_levels(levels)?;
        let (name, model, intervals) = match &self.engine {
            Engine::Naive(f) => return f.predict_in_place(horizon, levels, out),
            Engine::Conformal(f) => return f.predict_in_place(horizon, levels, out),
            Engine::Library {
                name,
                model,
                intervals,
                ..
            } => (name, model, *intervals),
        };
        out.reset(horizon, levels);
        if horizon == 0 {
            return Ok(());
        }
        let bad = || ForecastError::NonFiniteOutput {
            model: name.clone(),
        };
        let points = guarded(|| model.predict(horizon)).map_err(|_| bad())?;
        if points.primary().len() != horizon {
            return Err(bad());
        }
        out.point.copy_from_slice(points.primary());
        for iv in &mut out.intervals {
            if !intervals {
                iv.lower.copy_from_slice(&out.point);
                iv.upper.copy_from_slice(&out.point);
                continue;
            }
            match guarded(|| model.predict_with_intervals(horizon, iv.level)) {
                Ok(f) => {
                    let (Ok(lo), Ok(hi)) = (f.lower_series(0), f.upper_series(0)) else {
                        return Err(bad());
                    };
                    if lo.len() != horizon || hi.len() != horizon {
                        return Err(bad());
                    }
                    iv.lower.copy_from_slice(lo);
                    iv.upper.copy_from_slice(hi);
                }
                Err(_) => return Err(bad()),
            }
        }
        if !out.is_finite() {
            return Err(bad());
        }
        Ok(())
    }

    fn fallbacks(&self) -> &[Fallback] {
        &self.fallbacks
    }

    fn refit(&self, series: &Series) -> Option<Result<DynPredict, ForecastError>> {
        let Engine::Library {
            name,
            refit: Some((form, kind, min_seasons, season)),
            ..
        } = &self.engine
        else {
            return None;
        };
        let given = Some((*form, name.as_str(), *season));
        Some(fit(series, *kind, *min_seasons, true, given).map(|f| Box::new(f) as DynPredict))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_seasonal_series_falls_back_to_non_seasonal() {
        let y = Series::new((0..20).map(|i| 10.0 + f64::from(i % 5)).collect())
            .unwrap()
            .with_season(12)
            .unwrap();
        for model in [
            Box::new(AutoEts::default()) as Box<dyn crate::DynForecaster>,
            Box::new(AutoTheta::default()),
        ] {
            let f = model.fit_dyn(&y).unwrap();
            assert!(
                f.fallbacks()
                    .iter()
                    .any(|f| f.to.ends_with("(non-seasonal)")),
                "{:?}",
                f.fallbacks()
            );
            let fc = f.predict(6, &[0.8, 0.95]).unwrap();
            assert_eq!(fc.point.len(), 6);
            assert!(fc.point.iter().all(|x| x.is_finite()));
        }
    }

    #[test]
    fn tiny_and_constant_series_never_panic() {
        for v in [
            vec![1.0],
            vec![1.0, 2.0],
            vec![5.0; 30],
            vec![0.0; 40],
            vec![1e300, -1e300, 1e300, -1e300, 1e300],
        ] {
            let y = Series::new(v).unwrap().with_season(12).unwrap();
            for model in [
                Box::new(AutoEts::default()) as Box<dyn crate::DynForecaster>,
                Box::new(AutoArima::default()),
                Box::new(AutoTheta::default()),
            ] {
                if let Ok(f) = model.fit_dyn(&y) {
                    let _ = f.predict(3, &[0.9]);
                }
            }
        }
    }

    #[test]
    fn censored_points_are_interpolated_and_recorded() {
        let y = Series::new((0..30).map(f64::from).collect())
            .unwrap()
            .with_censored((0..30).map(|i| i == 10).collect())
            .unwrap();
        let (v, k) = fill_censored(&y).unwrap();
        assert_eq!((v[10], k), (10.0, 1));
        let f = AutoEts::default().fit(&y).unwrap();
        assert!(f.fallbacks().iter().any(|f| f.to.contains("interpolated")));
    }

    #[test]
    fn conformal_fallback_path_gives_calibrated_intervals() {
        let y = Series::new(
            (0..72)
                .map(|i| 100.0 + f64::from(i) + 10.0 * f64::from(i % 12 == 6) + f64::from(i % 7))
                .collect(),
        )
        .unwrap()
        .with_season(12)
        .unwrap();
        let point_only = fit(&y, Kind::Theta, 2, false, None).unwrap();
        let f = point_only.predict(3, &[0.9]).unwrap();
        assert_eq!(f.intervals[0].lower, f.point);
        let wrapped = Conformal::new(
            PointOnly {
                kind: Kind::Theta,
                min_seasons: 2,
            },
            12,
        )
        .fit(&y)
        .unwrap();
        assert!(wrapped.windows() >= 5);
        let f = wrapped.predict(12, &[0.9]).unwrap();
        assert!((0..12).all(|k| f.intervals[0].upper[k] > f.point[k]));
    }

    #[test]
    fn trending_seasonal_series_keeps_its_season() {
        // The trend swamps the library's raw-value seasonality test (F < 1).
        let y = Series::new(
            (0..96)
                .map(|t| {
                    let t = f64::from(t);
                    100.0 + 5.0 * t + 15.0 * (t * std::f64::consts::PI / 6.0).sin()
                })
                .collect(),
        )
        .unwrap()
        .with_season(12)
        .unwrap();
        let selected = AutoEts::default().fit(&y).unwrap().selected();
        assert!(
            selected.ends_with("A)[12]") || selected.ends_with("M)[12]"),
            "{selected}"
        );
    }
}
