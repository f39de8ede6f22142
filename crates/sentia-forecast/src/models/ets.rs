//! AutoETS: the innovations state-space exponential smoothing models of Hyndman, Koehler, Ord
//! and Snyder (2008), selected by AICc as R's `forecast::ets()` and statsforecast's `AutoETS`.
//!
//! * **Forms.** Error additive (A) or multiplicative (M); trend none (N), additive (A) or
//!   damped (Ad); season none, additive or multiplicative. The 15 forms with finite forecast
//!   variance are tried (no multiplicative trend, no additive error with a multiplicative
//!   season); multiplicative components only on strictly positive data.
//! * **Estimation.** Smoothing parameters and initial states are estimated together by
//!   maximising the likelihood (`n·ln Σe² + 2·Σln|ŷ|` for multiplicative errors) with a bounded
//!   Nelder–Mead search, started from the classical heuristics (a decomposition of the first
//!   seasons for the seasonal states, a line through the first periods for level and slope).
//! * **Parameter region.** [`ParameterRegion::Usual`] (default) keeps `0 < β ≤ α_start` and
//!   `γ ≤ 1 − α_start` as box bounds, with `α_start = 0.2/m` (statsforecast's region: a slowly
//!   changing slope and season); [`ParameterRegion::Admissible`] is R's: `β < α`, `γ < 1 − α`
//!   and the model's characteristic roots inside the unit circle, checked at every step.
//! * **Censored and missing points** are skipped: the state moves on with its own one-step
//!   forecast (the standard treatment of a missing observation), and the likelihood counts the
//!   observed points only.
//! * **Intervals.** Analytic forecast variances: class 1 (linear, additive error) and class 2
//!   (multiplicative error, additive components) in closed form, class 3 (multiplicative season)
//!   by the recursion of Hyndman et al. (2008, ch. 6); normal quantiles around the point.
//! * **Fallbacks.** A season longer than 24 or shorter than `min_seasons` seasons of history
//!   runs the non-seasonal forms; a constant series runs a flat level; when no form can be
//!   estimated (too few points for its parameters) the model runs as [`Naive`](super::Naive). Each is
//!   recorded as a [`Fallback`].

use nalgebra::DMatrix;

use super::{SimpleFitted, naive_instead};
use crate::checks::{Fallback, observed_values};
use crate::error::ForecastError;
use crate::stats::{check_levels, z_for_level};
use crate::traits::{DynPredict, Forecaster, Predict};
use crate::types::{Forecast, Series};

/// Values closer to zero than this are treated as zero in divisions.
const TOL: f64 = 1e-10;
/// Stand-in for a division by (nearly) zero, as in R's `etscalc`.
const HUGE: f64 = 1e10;
/// Longest season the seasonal forms accept (as R's `ets()`).
const MAX_SEASON: usize = 24;
/// Smoothing-parameter bounds: α, β, γ, φ.
const LOWER: [f64; 4] = [1e-4, 1e-4, 1e-4, 0.8];
const UPPER: [f64; 4] = [0.9999, 0.9999, 0.9999, 0.98];

/// One component of an ETS form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// Absent.
    None,
    /// Additive.
    Additive,
    /// Multiplicative.
    Multiplicative,
}

impl Component {
    fn letter(self) -> &'static str {
        match self {
            Component::None => "N",
            Component::Additive => "A",
            Component::Multiplicative => "M",
        }
    }
}

/// An ETS form, e.g. ETS(M,Ad,M).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EtsForm {
    /// Error: additive or multiplicative.
    pub error: Component,
    /// Trend: none or additive (multiplicative trends are not offered).
    pub trend: Component,
    /// Whether the trend is damped.
    pub damped: bool,
    /// Season: none, additive or multiplicative.
    pub season: Component,
}

impl EtsForm {
    /// `ETS(M,Ad,M)`-style label.
    pub fn label(&self) -> String {
        format!(
            "ETS({},{}{},{})",
            self.error.letter(),
            self.trend.letter(),
            if self.damped { "d" } else { "" },
            self.season.letter()
        )
    }

    fn has_trend(&self) -> bool {
        self.trend != Component::None
    }

    fn has_season(&self) -> bool {
        self.season != Component::None
    }

    /// The forms tried, in statsforecast's order (the order matters for
    /// [`ParameterRegion::Usual`], whose bounds narrow as seasonal forms are visited).
    fn candidates(positive: bool, seasonal: bool) -> Vec<EtsForm> {
        use Component::{Additive as A, Multiplicative as M, None as N};
        let mut out = Vec::new();
        for error in [A, M] {
            for trend in [N, A] {
                for season in [N, A, M] {
                    for damped in [true, false] {
                        if trend == N && damped {
                            continue;
                        }
                        if error == A && season == M {
                            continue;
                        }
                        if !positive && (error == M || season == M) {
                            continue;
                        }
                        if season != N && !seasonal {
                            continue;
                        }
                        out.push(EtsForm {
                            error,
                            trend,
                            damped,
                            season,
                        });
                    }
                }
            }
        }
        out
    }
}

/// Where the smoothing parameters may lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParameterRegion {
    /// Box bounds: α, β, γ in [1e-4, 0.9999], φ in [0.8, 0.98], with β capped at the starting
    /// α and γ at 1 − starting α (statsforecast's region).
    #[default]
    Usual,
    /// R's `bounds = "both"`: β < α, γ < 1 − α, φ in [0.8, 0.98] and the characteristic roots
    /// of the model inside the unit circle (forecastable).
    Admissible,
}

/// AutoETS: the ETS form with the lowest AICc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ets {
    /// Full seasons of history required before seasonal forms are tried (default 2).
    pub min_seasons: usize,
    /// The parameter region (default [`ParameterRegion::Usual`]).
    pub region: ParameterRegion,
    /// Nelder–Mead iterations per form (default 1000).
    pub max_iter: usize,
    /// Try only this form (e.g. for a refit); `None` selects by AICc.
    pub form: Option<EtsForm>,
    /// Combine every fitted form with Akaike weights `exp(−ΔAICc/2)` (Kolassa 2011) instead of
    /// keeping the best one (`ets:aicw`).
    pub akaike: bool,
}

impl Default for Ets {
    fn default() -> Self {
        Self {
            min_seasons: 2,
            region: ParameterRegion::Usual,
            max_iter: 1000,
            form: None,
            akaike: false,
        }
    }
}

/// The smoothing parameters of a fitted form (β, γ are 0 and φ is 1 where absent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EtsParameters {
    /// Level smoothing.
    pub alpha: f64,
    /// Slope smoothing (R's parameterisation: `b = φb + β/α·(r − φb)`).
    pub beta: f64,
    /// Season smoothing.
    pub gamma: f64,
    /// Damping.
    pub phi: f64,
}

/// A fitted ETS form.
#[derive(Debug, Clone, PartialEq)]
pub struct EtsModel {
    form: EtsForm,
    m: usize,
    params: EtsParameters,
    /// Final level, slope and seasonal states (`season[k]` is the state of the k-th period after
    /// the end of the series, for k < m).
    level: f64,
    slope: f64,
    season: Vec<f64>,
    sigma2: f64,
    aicc: f64,
    /// The bounds the form was estimated within, for a refit.
    upper: [f64; 4],
    region: ParameterRegion,
    max_iter: usize,
}

impl EtsModel {
    /// The form, e.g. ETS(M,Ad,M).
    pub fn form(&self) -> EtsForm {
        self.form
    }

    /// The smoothing parameters.
    pub fn parameters(&self) -> EtsParameters {
        self.params
    }

    /// AICc of the fit.
    pub fn aicc(&self) -> f64 {
        self.aicc
    }

    /// Innovation variance (relative for multiplicative errors).
    pub fn sigma2(&self) -> f64 {
        self.sigma2
    }

    fn points(&self, h: usize, out: &mut [f64]) {
        let p = &self.params;
        let mut phistar = p.phi;
        for (i, o) in out.iter_mut().enumerate().take(h) {
            let mut f = match self.form.trend {
                Component::None => self.level,
                _ => self.level + phistar * self.slope,
            };
            if self.form.has_season() {
                let s = self.season[i % self.m];
                f = if self.form.season == Component::Additive {
                    f + s
                } else {
                    f * s
                };
            }
            *o = f;
            phistar += p.phi.powi(i as i32 + 2);
        }
    }

    /// Forecast variance per step.
    fn variances(&self, point: &[f64]) -> Vec<f64> {
        let h = point.len();
        let EtsParameters {
            alpha,
            beta,
            gamma,
            phi,
        } = self.params;
        let m = self.m as f64;
        let s2 = self.sigma2;
        let f = self.form;
        let damped_sum = |k: usize| (1..=k).map(|j| phi.powi(j as i32)).sum::<f64>();
        if f.error == Component::Additive {
            // Class 1 (Hyndman et al. 2008, table 6.1).
            return (1..=h)
                .map(|step| {
                    let k = step as f64;
                    let hm = ((step - 1) / self.m.max(1)) as f64;
                    let level = alpha * alpha * (k - 1.0);
                    let trend = match (f.trend, f.damped) {
                        (Component::None, _) => level,
                        (_, false) => {
                            (k - 1.0)
                                * (alpha * alpha
                                    + alpha * beta * k
                                    + beta * beta * k * (2.0 * k - 1.0) / 6.0)
                        }
                        (_, true) => {
                            let e2 = beta * phi * k / (1.0 - phi).powi(2);
                            let e3 = 2.0 * alpha * (1.0 - phi) + beta * phi;
                            let e4 = beta * phi * (1.0 - phi.powi(step as i32))
                                / ((1.0 - phi).powi(2) * (1.0 - phi * phi));
                            let e5 = 2.0 * alpha * (1.0 - phi * phi)
                                + beta * phi * (1.0 + 2.0 * phi - phi.powi(step as i32));
                            level + e2 * e3 - e4 * e5
                        }
                    };
                    let season = if !f.has_season() {
                        0.0
                    } else {
                        match (f.trend, f.damped) {
                            (Component::None, _) => gamma * hm * (2.0 * alpha + gamma),
                            (_, false) => {
                                gamma * hm * (2.0 * alpha + gamma + beta * m * (hm + 1.0))
                            }
                            (_, true) => {
                                let pm = phi.powf(m);
                                gamma * hm * (2.0 * alpha + gamma)
                                    + 2.0 * beta * gamma * phi / ((1.0 - phi) * (1.0 - pm))
                                        * (hm * (1.0 - pm) - pm * (1.0 - phi.powf(m * hm)))
                            }
                        }
                    };
                    s2 * (1.0 + trend + season)
                })
                .collect();
        }
        if f.season != Component::Multiplicative {
            // Class 2: θ₁ = μ₁², θ_k = μ_k² + σ² Σ_{j<k} c_j² θ_{k−j}; var = (1+σ²)θ − μ².
            let c: Vec<f64> = (1..=h)
                .map(|j| {
                    let trend = match (f.trend, f.damped) {
                        (Component::None, _) => 0.0,
                        (_, false) => beta * j as f64,
                        (_, true) => beta * damped_sum(j),
                    };
                    let season = if f.has_season() && j.is_multiple_of(self.m) {
                        gamma
                    } else {
                        0.0
                    };
                    alpha + trend + season
                })
                .collect();
            let mut theta = vec![0.0; h];
            for k in 0..h {
                let sum: f64 = (0..k).map(|j| c[j] * c[j] * theta[k - 1 - j]).sum();
                theta[k] = point[k] * point[k] + s2 * sum;
            }
            return (0..h)
                .map(|k| (1.0 + s2) * theta[k] - point[k] * point[k])
                .collect();
        }
        self.class3_variances(h)
    }

    /// Class 3 (multiplicative error and season): the moment recursion of Hyndman et al.
    /// (2008, §6.4), as R's `class3models`.
    fn class3_variances(&self, h: usize) -> Vec<f64> {
        let m = self.m;
        let EtsParameters {
            alpha,
            beta,
            gamma,
            phi,
        } = self.params;
        let s2 = self.sigma2;
        let trend = self.form.has_trend();
        let k = 1 + usize::from(trend);
        let h1 = DMatrix::from_element(1, k, 1.0);
        let mut h2 = DMatrix::zeros(1, m);
        h2[(0, m - 1)] = 1.0;
        let (f1, g1) = if trend {
            (
                DMatrix::from_row_slice(
                    2,
                    2,
                    &[1.0, 1.0, 0.0, if self.form.damped { phi } else { 1.0 }],
                ),
                DMatrix::from_row_slice(2, 2, &[alpha, alpha, beta, beta]),
            )
        } else {
            (
                DMatrix::from_element(1, 1, 1.0),
                DMatrix::from_element(1, 1, alpha),
            )
        };
        let mut f2 = DMatrix::zeros(m, m);
        f2[(0, m - 1)] = 1.0;
        for i in 1..m {
            f2[(i, i - 1)] = 1.0;
        }
        let mut g2 = DMatrix::zeros(m, m);
        g2[(0, m - 1)] = gamma;
        // States in R's order: season[0] is the most recent seasonal state.
        let lb: Vec<f64> = if trend {
            vec![self.level, self.slope]
        } else {
            vec![self.level]
        };
        let seasonal: Vec<f64> = (0..m).map(|j| self.season[m - 1 - j]).collect();
        let mut mh =
            DMatrix::from_column_slice(k, 1, &lb) * DMatrix::from_row_slice(1, m, &seasonal);
        let size = k * m;
        let mut vh = DMatrix::<f64>::zeros(size, size);
        let h21 = h2.kronecker(&h1);
        let f21 = f2.kronecker(&f1);
        let g21 = g2.kronecker(&g1);
        let kk = g2.kronecker(&f1) + f2.kronecker(&g1);
        let mut var = Vec::with_capacity(h);
        for _ in 0..h {
            let mu = (&h1 * &mh * h2.transpose())[(0, 0)];
            let v = (1.0 + s2) * (&h21 * &vh * h21.transpose())[(0, 0)] + s2 * mu * mu;
            var.push(v);
            let vec_mh = DMatrix::from_column_slice(size, 1, mh.as_slice());
            let outer = &vec_mh * vec_mh.transpose();
            vh = &f21 * &vh * f21.transpose()
                + s2 * (&f21 * &vh * g21.transpose()
                    + &g21 * &vh * f21.transpose()
                    + &kk * (&vh + &outer) * kk.transpose()
                    + s2 * (&g21 * (3.0 * &vh + 2.0 * &outer) * g21.transpose()));
            mh = &f1 * &mh * f2.transpose() + (&g1 * &mh * g2.transpose()) * s2;
        }
        var
    }
}

/// What ran.
#[derive(Debug, Clone, PartialEq)]
enum Engine {
    Model(EtsModel),
    /// Every fitted form with its Akaike weight, the best first.
    Averaged(Vec<(f64, EtsModel)>),
    Naive(SimpleFitted),
}

/// Forms whose Akaike weight is below this are left out of an average.
const MIN_AKAIKE_WEIGHT: f64 = 1e-3;

/// A fitted AutoETS.
#[derive(Debug, Clone, PartialEq)]
pub struct EtsFitted {
    engine: Engine,
    fallbacks: Vec<Fallback>,
}

impl EtsFitted {
    /// What ran: the selected form with its season (e.g. `ETS(M,Ad,M)[12]`), or `naive`.
    pub fn selected(&self) -> String {
        match &self.engine {
            Engine::Model(m) if m.form.has_season() => format!("{}[{}]", m.form.label(), m.m),
            Engine::Model(m) => m.form.label(),
            Engine::Averaged(models) => {
                let parts: Vec<String> = models
                    .iter()
                    .map(|(w, m)| {
                        let season = if m.form.has_season() {
                            format!("[{}]", m.m)
                        } else {
                            String::new()
                        };
                        format!("{:.2}·{}{season}", w, m.form.label())
                    })
                    .collect();
                parts.join(" + ")
            }
            Engine::Naive(_) => "naive".into(),
        }
    }

    /// The fitted form, unless the model fell back to naive.
    pub fn model(&self) -> Option<&EtsModel> {
        match &self.engine {
            Engine::Model(m) => Some(m),
            Engine::Averaged(models) => models.first().map(|(_, m)| m),
            Engine::Naive(_) => None,
        }
    }
}

impl Predict for EtsFitted {
    fn predict_in_place(
        &self,
        horizon: usize,
        levels: &[f64],
        out: &mut Forecast,
    ) -> Result<(), ForecastError> {
        match &self.engine {
            Engine::Naive(n) => n.predict_in_place(horizon, levels, out),
            Engine::Model(m) => predict_model(m, horizon, levels, out),
            Engine::Averaged(models) => {
                check_levels(levels)?;
                out.reset(horizon, levels);
                let mut one = Forecast::default();
                for (w, m) in models {
                    predict_model(m, horizon, levels, &mut one)?;
                    for (o, p) in out.point.iter_mut().zip(&one.point) {
                        *o += w * p;
                    }
                    for (oi, pi) in out.intervals.iter_mut().zip(&one.intervals) {
                        for (o, p) in oi.lower.iter_mut().zip(&pi.lower) {
                            *o += w * p;
                        }
                        for (o, p) in oi.upper.iter_mut().zip(&pi.upper) {
                            *o += w * p;
                        }
                    }
                }
                Ok(())
            }
        }
    }

    fn fallbacks(&self) -> &[Fallback] {
        &self.fallbacks
    }

    fn refit(&self, series: &Series) -> Option<Result<DynPredict, ForecastError>> {
        let Engine::Model(m) = &self.engine else {
            return None;
        };
        let config = Ets {
            min_seasons: 1,
            region: m.region,
            max_iter: m.max_iter,
            form: Some(m.form),
            akaike: false,
        };
        Some(fit_with_bounds(&config, series, Some(m.upper)).map(|f| Box::new(f) as DynPredict))
    }
}

/// One fitted form's forecast with normal intervals.
fn predict_model(
    model: &EtsModel,
    horizon: usize,
    levels: &[f64],
    out: &mut Forecast,
) -> Result<(), ForecastError> {
    check_levels(levels)?;
    out.reset(horizon, levels);
    model.points(horizon, &mut out.point);
    let var = model.variances(&out.point);
    for (k, v) in var.iter().enumerate() {
        // A negative or non-finite variance (numerically, far out) falls back to the
        // one-step variance grown with the square root of the horizon.
        let sd = if v.is_finite() && *v >= 0.0 {
            v.sqrt()
        } else {
            let scale = if model.form.error == Component::Multiplicative {
                out.point[k].abs()
            } else {
                1.0
            };
            (model.sigma2 * (k + 1) as f64).sqrt() * scale
        };
        for iv in &mut out.intervals {
            let w = z_for_level(iv.level) * sd;
            iv.lower[k] = out.point[k] - w;
            iv.upper[k] = out.point[k] + w;
        }
    }
    if !out.is_finite() {
        return Err(ForecastError::NonFiniteOutput {
            model: "ets".into(),
        });
    }
    Ok(())
}

impl Forecaster for Ets {
    type Fitted = EtsFitted;

    fn name(&self) -> String {
        if self.akaike { "ets:aicw" } else { "ets" }.into()
    }

    fn min_history(&self, season: usize) -> usize {
        if season > 1 && season <= MAX_SEASON {
            (self.min_seasons.max(1) * season).max(MIN_POINTS)
        } else {
            MIN_POINTS
        }
    }

    fn fit(&self, series: &Series) -> Result<EtsFitted, ForecastError> {
        fit_with_bounds(self, series, None)
    }
}

/// Observed points below which no form is tried (ETS(A,N,N) has 3 parameters with σ).
const MIN_POINTS: usize = 4;

fn fit_with_bounds(
    config: &Ets,
    series: &Series,
    fixed_upper: Option<[f64; 4]>,
) -> Result<EtsFitted, ForecastError> {
    let observed = observed_values(series)?;
    let y = series.values();
    let n = y.len();
    let mask: Vec<bool> = (0..n).map(|i| !series.is_censored(i)).collect();
    let n_obs = observed.len();
    let mut fallbacks = Vec::new();
    let m = series.season();
    let need = config.min_seasons.max(1) * m;
    let seasonal = m > 1 && m <= MAX_SEASON && n >= need && n > m;
    if m > 1 && !seasonal {
        let reason = if m > MAX_SEASON {
            format!("a season of {m} periods is longer than the {MAX_SEASON} ETS can model")
        } else {
            format!(
                "{n} periods, fewer than {} seasons of {m}",
                config.min_seasons.max(1)
            )
        };
        fallbacks.push(Fallback::new(
            "ets (seasonal)",
            "ets (non-seasonal)",
            reason,
        ));
    }
    let naive = |mut fallbacks: Vec<Fallback>, reason: String| {
        let inner = naive_instead(series, "ets", reason, &mut fallbacks)?;
        Ok(EtsFitted {
            engine: Engine::Naive(inner),
            fallbacks,
        })
    };
    if n_obs < MIN_POINTS {
        return naive(
            fallbacks,
            format!("{n_obs} observed points; ETS needs at least {MIN_POINTS}"),
        );
    }
    let first = observed[0];
    if observed.iter().all(|v| *v == first) {
        fallbacks.push(Fallback::new(
            "ets",
            "ETS(A,N,N) with a fixed level",
            "the series is constant",
        ));
        let model = EtsModel {
            form: EtsForm {
                error: Component::Additive,
                trend: Component::None,
                damped: false,
                season: Component::None,
            },
            m: 1,
            params: EtsParameters {
                alpha: UPPER[0],
                beta: 0.0,
                gamma: 0.0,
                phi: 1.0,
            },
            level: first,
            slope: 0.0,
            season: Vec::new(),
            sigma2: 0.0,
            aicc: f64::NEG_INFINITY,
            upper: UPPER,
            region: config.region,
            max_iter: config.max_iter,
        };
        return Ok(EtsFitted {
            engine: Engine::Model(model),
            fallbacks,
        });
    }
    // Multiplicative components need strictly positive data (observed and interpolated).
    let positive = y.iter().all(|v| *v > 0.0);
    let forms = match config.form {
        Some(f) => {
            let ok = (!f.has_season() || seasonal)
                && (positive
                    || (f.error != Component::Multiplicative
                        && f.season != Component::Multiplicative));
            if ok {
                vec![f]
            } else {
                // The form cannot run on these data: select again among those that can.
                EtsForm::candidates(positive, seasonal)
            }
        }
        None => EtsForm::candidates(positive, seasonal),
    };
    let data = Data {
        y,
        mask: &mask,
        n_obs,
    };
    let mut upper = fixed_upper.unwrap_or(UPPER);
    let mut fitted: Vec<EtsModel> = Vec::new();
    for form in forms {
        let npars = 2
            + 2 * usize::from(form.has_trend())
            + 2 * usize::from(form.has_season())
            + usize::from(form.damped);
        if n_obs <= npars + 4 {
            continue;
        }
        let mm = if form.has_season() { m } else { 1 };
        let mut form_upper = upper;
        let bounds = if config.region == ParameterRegion::Usual {
            &mut upper
        } else {
            &mut form_upper
        };
        let Some(model) = fit_form(&data, form, mm, bounds, config) else {
            continue;
        };
        fitted.push(model);
    }
    // The best first; ties keep the candidates' order.
    fitted.sort_by(|a, b| a.aicc.total_cmp(&b.aicc));
    let engine = if config.akaike && fitted.len() > 1 && fitted[0].aicc.is_finite() {
        let best = fitted[0].aicc;
        let raw: Vec<f64> = fitted
            .iter()
            .map(|m| (-(m.aicc - best) / 2.0).exp())
            .collect();
        let total: f64 = raw.iter().sum();
        let mut models: Vec<(f64, EtsModel)> = raw
            .into_iter()
            .zip(fitted)
            .filter(|(w, _)| *w / total >= MIN_AKAIKE_WEIGHT)
            .collect();
        let kept: f64 = models.iter().map(|(w, _)| w).sum();
        for (w, _) in &mut models {
            *w /= kept;
        }
        Some(Engine::Averaged(models))
    } else {
        fitted.into_iter().next().map(Engine::Model)
    };
    match engine {
        Some(engine) => Ok(EtsFitted { engine, fallbacks }),
        None => naive(
            fallbacks,
            format!("{n_obs} observed points are too few to estimate any ETS form"),
        ),
    }
}

/// The data a form is estimated on.
struct Data<'a> {
    y: &'a [f64],
    /// `true` where the point is observed (not censored, not missing).
    mask: &'a [bool],
    n_obs: usize,
}

/// Starting smoothing parameters (R's `initparam`); narrows `upper` for β and γ.
fn start_parameters(form: EtsForm, m: usize, upper: &mut [f64; 4]) -> Vec<f64> {
    let alpha = LOWER[0] + 0.2 * (upper[0] - LOWER[0]) / m as f64;
    let mut p = vec![alpha];
    if form.has_trend() {
        upper[1] = upper[1].min(alpha);
        let mut beta = LOWER[1] + 0.1 * (upper[1] - LOWER[1]);
        if beta < 0.0 || beta > alpha {
            beta = alpha - 1e-3;
        }
        p.push(beta);
    }
    if form.has_season() {
        upper[2] = upper[2].min(1.0 - alpha);
        let mut gamma = LOWER[2] + 0.05 * (upper[2] - LOWER[2]);
        if gamma < 0.0 || gamma > 1.0 - alpha {
            gamma = 1.0 - alpha - 1e-3;
        }
        p.push(gamma);
    }
    if form.damped {
        p.push(LOWER[3] + 0.99 * (UPPER[3] - LOWER[3]));
    }
    p
}

/// Initial states (R's `initstate`): level, slope, then the first `m − 1` seasonal states
/// (the last is implied: seasonal states sum to 0, or to m when multiplicative).
fn start_states(y: &[f64], form: EtsForm, m: usize) -> Option<Vec<f64>> {
    let n = y.len();
    let mut states = Vec::new();
    let mut seasonal_part = Vec::new();
    let adjusted: Vec<f64> = if form.has_season() {
        let mult = form.season == Component::Multiplicative;
        let seasonal = if n < 3 * m {
            fourier_seasonal(y, m, mult)?
        } else {
            classical_seasonal(y, m, mult)?
        };
        // States for periods m−1, …, 1 (period 0's is implied).
        let mut init: Vec<f64> = (1..m).rev().map(|i| seasonal[i]).collect();
        if mult {
            for s in &mut init {
                *s = s.max(1e-2);
            }
            let sum: f64 = init.iter().sum();
            if sum > m as f64 {
                let d: f64 = init.iter().map(|s| s + 1e-2).sum();
                for s in &mut init {
                    *s /= d;
                }
            }
        }
        seasonal_part = init;
        y.iter()
            .zip(&seasonal)
            .map(|(v, s)| if mult { v / s.max(1e-2) } else { v - s })
            .collect()
    } else {
        y.to_vec()
    };
    let mm = if form.has_season() { m } else { 1 };
    let maxn = (2 * mm).max(10).min(n);
    if form.has_trend() {
        let (a, b) = line(&adjusted[..maxn]);
        let (mut l0, mut b0) = (a, b);
        if (l0 + b0).abs() < 1e-8 {
            l0 *= 1.0 + 1e-3;
            b0 *= 1.0 - 1e-3;
        }
        states.push(l0);
        states.push(b0);
    } else {
        states.push(adjusted[..maxn].iter().sum::<f64>() / maxn as f64);
    }
    states.extend(seasonal_part);
    states.iter().all(|v| v.is_finite()).then_some(states)
}

/// Least-squares line through `(t, v)` for t = 1, 2, …: (intercept at t = 0, slope).
fn line(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let tm = (n + 1.0) / 2.0;
    let vm = v.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in v.iter().enumerate() {
        let dt = (i + 1) as f64 - tm;
        sxy += dt * (y - vm);
        sxx += dt * dt;
    }
    let b = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (vm - b * tm, b)
}

/// Seasonal component of a classical decomposition (centred moving average trend, averaged
/// detrended values per season position, normalised).
fn classical_seasonal(y: &[f64], m: usize, mult: bool) -> Option<Vec<f64>> {
    let n = y.len();
    let half = m / 2;
    let mut weights = vec![1.0 / m as f64; if m.is_multiple_of(2) { m + 1 } else { m }];
    if m.is_multiple_of(2) {
        weights[0] = 0.5 / m as f64;
        weights[m] = 0.5 / m as f64;
    }
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    for t in half..n.checked_sub(half)? {
        let trend: f64 = weights
            .iter()
            .enumerate()
            .map(|(k, w)| w * y[t + k - half])
            .sum();
        let d = if mult { y[t] / trend } else { y[t] - trend };
        if d.is_finite() {
            sums[t % m] += d;
            counts[t % m] += 1;
        }
    }
    if counts.contains(&0) {
        return None;
    }
    let mut figure: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, c)| s / *c as f64)
        .collect();
    let mean = figure.iter().sum::<f64>() / m as f64;
    for f in &mut figure {
        if mult {
            *f /= mean;
        } else {
            *f -= mean;
        }
    }
    Some((0..n).map(|t| figure[t % m]).collect())
}

/// Seasonal component from a regression on a line and one Fourier pair, for series shorter
/// than three seasons.
fn fourier_seasonal(y: &[f64], m: usize, mult: bool) -> Option<Vec<f64>> {
    let n = y.len();
    let w = 2.0 * std::f64::consts::PI / m as f64;
    let with_sin = m > 2;
    let cols = if with_sin { 4 } else { 3 };
    let x = DMatrix::from_fn(n, cols, |i, j| {
        let t = (i + 1) as f64;
        match j {
            0 => 1.0,
            1 => t,
            2 => (w * t).cos(),
            _ => (w * t).sin(),
        }
    });
    let target = DMatrix::from_column_slice(n, 1, y);
    let coef = x.svd(true, true).solve(&target, 1e-12).ok()?;
    let (c0, c1) = (coef[(0, 0)], coef[(1, 0)]);
    Some(
        (0..n)
            .map(|i| {
                let base = c0 + c1 * (i + 1) as f64;
                if mult { y[i] / base } else { y[i] - base }
            })
            .collect(),
    )
}

/// Estimates one form: Nelder–Mead over the smoothing parameters and initial states.
fn fit_form(
    data: &Data<'_>,
    form: EtsForm,
    m: usize,
    upper: &mut [f64; 4],
    config: &Ets,
) -> Option<EtsModel> {
    let states = start_states(data.y, form, m)?;
    let start = start_parameters(form, m, upper);
    let n_par = start.len();
    let mut x0 = start;
    x0.extend(&states);
    let np = x0.len();
    if np + 1 >= data.n_obs {
        return None;
    }
    // The usual region searches the narrowed box; the admissible one the full box, with its
    // constraints checked by the objective.
    let box_upper = if config.region == ParameterRegion::Usual {
        *upper
    } else {
        UPPER
    };
    let mut lower = vec![f64::NEG_INFINITY; np];
    let mut up = vec![f64::INFINITY; np];
    let mut j = 0;
    for (i, present) in [true, form.has_trend(), form.has_season(), form.damped]
        .into_iter()
        .enumerate()
    {
        if present {
            lower[j] = LOWER[i];
            up[j] = box_upper[i];
            j += 1;
        }
    }
    let mut scratch = vec![0.0; m];
    let admissible_only = config.region == ParameterRegion::Admissible;
    let objective = |x: &[f64], scratch: &mut Vec<f64>| -> f64 {
        let p = unpack(form, x);
        if admissible_only && !admissible(form, p, m) {
            return f64::INFINITY;
        }
        if !seasonal_states(form, m, &x[n_par..], scratch) {
            return f64::INFINITY;
        }
        let (l0, b0) = (x[n_par], if form.has_trend() { x[n_par + 1] } else { 0.0 });
        let r = run(data, form, m, p, l0, b0, scratch, None);
        if r.lik.is_nan() {
            f64::INFINITY
        } else {
            r.lik.max(-1e10)
        }
    };
    let (x, _) = nelder_mead(
        |x| objective(x, &mut scratch),
        &x0,
        &lower,
        &up,
        config.max_iter,
        1e-4,
    );
    let p = unpack(form, &x);
    if !seasonal_states(form, m, &x[n_par..], &mut scratch) {
        return None;
    }
    let (l0, b0) = (x[n_par], if form.has_trend() { x[n_par + 1] } else { 0.0 });
    let mut sse = 0.0;
    let r = run(data, form, m, p, l0, b0, &mut scratch, Some(&mut sse));
    if !r.lik.is_finite() {
        return None;
    }
    let n = data.n_obs as f64;
    let k = (np + 1) as f64;
    let aicc = r.lik + 2.0 * k + 2.0 * k * (k + 1.0) / (n - k - 1.0);
    if !aicc.is_finite() {
        return None;
    }
    let dof = n - k - 1.0;
    let sigma2 = sse / if dof > 0.0 { dof } else { n };
    Some(EtsModel {
        form,
        m,
        params: p,
        level: r.level,
        slope: r.slope,
        season: r.season,
        sigma2,
        aicc,
        upper: *upper,
        region: config.region,
        max_iter: config.max_iter,
    })
}

fn unpack(form: EtsForm, x: &[f64]) -> EtsParameters {
    let mut j = 1;
    let mut next = |present: bool, absent: f64| {
        if present {
            j += 1;
            x[j - 1]
        } else {
            absent
        }
    };
    let beta = next(form.has_trend(), 0.0);
    let gamma = next(form.has_season(), 0.0);
    let phi = next(form.damped, 1.0);
    EtsParameters {
        alpha: x[0],
        beta,
        gamma,
        phi,
    }
}

/// Writes the m seasonal states in period order (`out[k]` serves period k) from the m − 1
/// free ones (period m−1 first) and the implied last; `false` if a multiplicative state is
/// negative.
fn seasonal_states(form: EtsForm, m: usize, states: &[f64], out: &mut Vec<f64>) -> bool {
    out.clear();
    if !form.has_season() {
        return true;
    }
    let free = &states[1 + usize::from(form.has_trend())..];
    let mult = form.season == Component::Multiplicative;
    let sum: f64 = free.iter().sum();
    let last = if mult { m as f64 } else { 0.0 } - sum;
    out.push(last);
    out.extend(free.iter().rev());
    !(mult && out.iter().any(|s| *s < 0.0))
}

/// Result of running the state equations over the data.
struct Run {
    lik: f64,
    level: f64,
    slope: f64,
    /// Seasonal states for the periods after the end, in period order.
    season: Vec<f64>,
}

/// Runs the state equations (R's `etscalc`). `ring` holds the seasonal states in period
/// order and is consumed. Censored and missing points take the one-step forecast as their
/// value. With `sse`, also sums the squared innovations.
#[allow(clippy::too_many_arguments)]
fn run(
    data: &Data<'_>,
    form: EtsForm,
    m: usize,
    p: EtsParameters,
    l0: f64,
    b0: f64,
    ring: &mut [f64],
    sse: Option<&mut f64>,
) -> Run {
    let EtsParameters {
        alpha,
        beta,
        gamma,
        phi,
    } = p;
    let (mut l, mut b) = (l0, b0);
    let mut pos = 0;
    let (mut sum_e2, mut sum_log) = (0.0, 0.0);
    let additive_error = form.error == Component::Additive;
    let trend = form.has_trend();
    let season = form.season;
    let ratio = beta / alpha;
    for (t, &value) in data.y.iter().enumerate() {
        let (q, phib) = if trend {
            let phib = phi * b;
            (l + phib, phib)
        } else {
            (l, 0.0)
        };
        let s = if season == Component::None {
            0.0
        } else {
            ring[pos]
        };
        let f = match season {
            Component::None => q,
            Component::Additive => q + s,
            Component::Multiplicative => q * s,
        };
        let yt = if data.mask[t] {
            let e = if additive_error {
                value - f
            } else {
                let d = if f.abs() < TOL { f + TOL } else { f };
                (value - f) / d
            };
            sum_e2 += e * e;
            let af = f.abs();
            sum_log += if af > 0.0 { af.ln() } else { (af + 1e-8).ln() };
            value
        } else {
            f
        };
        let pv = match season {
            Component::None => yt,
            Component::Additive => yt - s,
            Component::Multiplicative => {
                if s.abs() < TOL {
                    HUGE
                } else {
                    yt / s
                }
            }
        };
        let new_l = q + alpha * (pv - q);
        if trend {
            b = phib + ratio * ((new_l - l) - phib);
        }
        if season != Component::None {
            let tv = if season == Component::Additive {
                yt - q
            } else if q.abs() < TOL {
                HUGE
            } else {
                yt / q
            };
            ring[pos] = s + gamma * (tv - s);
            pos = (pos + 1) % m;
        }
        l = new_l;
    }
    let n = data.n_obs as f64;
    let mut lik = n * if sum_e2 > 0.0 {
        sum_e2.ln()
    } else {
        (sum_e2 + 1e-8).ln()
    };
    if !additive_error {
        lik += 2.0 * sum_log;
    }
    if let Some(out) = sse {
        *out = sum_e2;
    }
    let season_out = if season == Component::None {
        Vec::new()
    } else {
        (0..m).map(|k| ring[(pos + k) % m]).collect()
    };
    Run {
        lik,
        level: l,
        slope: if trend { b } else { 0.0 },
        season: season_out,
    }
}

/// R's admissibility test (`bounds = "both"`): usual bounds relative to α, then stability of
/// the characteristic polynomial.
fn admissible(form: EtsForm, p: EtsParameters, m: usize) -> bool {
    let EtsParameters {
        alpha,
        beta,
        gamma,
        phi,
    } = p;
    if form.has_trend() && beta > alpha {
        return false;
    }
    if form.has_season() && gamma > 1.0 - alpha {
        return false;
    }
    if !(0.0..=1.0 + 1e-8).contains(&phi) {
        return false;
    }
    if !form.has_season() {
        if alpha < 1.0 - 1.0 / phi || alpha > 1.0 + 1.0 / phi {
            return false;
        }
        if form.has_trend() && (beta < alpha * (phi - 1.0) || beta > (1.0 + phi) * (2.0 - alpha)) {
            return false;
        }
        return true;
    }
    let mf = m as f64;
    if gamma < (1.0 - 1.0 / phi - alpha).max(0.0) || gamma > 1.0 + 1.0 / phi - alpha {
        return false;
    }
    if alpha < 1.0 - 1.0 / phi - gamma * (1.0 - mf + phi + phi * mf) / (2.0 * phi * mf) {
        return false;
    }
    if beta < -(1.0 - phi) * (gamma / mf + alpha) {
        return false;
    }
    let mut poly = vec![
        phi * (1.0 - alpha - gamma),
        alpha + beta - alpha * phi + gamma - 1.0,
    ];
    poly.extend(std::iter::repeat_n(
        alpha + beta - alpha * phi,
        m.saturating_sub(2),
    ));
    poly.push(alpha + beta - phi);
    poly.push(1.0);
    roots_within(&poly, 1.0 + 1e-10)
}

/// Whether every root of `Σ c_k z^k` (increasing powers, leading coefficient non-zero) lies
/// strictly inside the circle of radius `r` (Schur–Cohn recursion on the scaled polynomial).
pub(super) fn roots_within(coeffs: &[f64], r: f64) -> bool {
    let mut c: Vec<f64> = coeffs
        .iter()
        .enumerate()
        .map(|(k, v)| v * r.powi(k as i32))
        .collect();
    while c.len() > 1 {
        let n = c.len() - 1;
        let (c0, cn) = (c[0], c[n]);
        if cn == 0.0 || c0.abs() >= cn.abs() {
            return false;
        }
        let next: Vec<f64> = (0..n).map(|k| cn * c[k + 1] - c0 * c[n - k - 1]).collect();
        // Rescale to keep the numbers in range.
        let scale = next.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        if scale == 0.0 || !scale.is_finite() {
            return false;
        }
        c = next.into_iter().map(|v| v / scale).collect();
    }
    true
}

/// Bounded Nelder–Mead with adaptive coefficients (Gao & Han 2012): points are clamped to the
/// box; stops when the standard deviation of the simplex values falls below `tol` or after
/// `max_iter` iterations. Returns the best point and its value.
fn nelder_mead(
    mut f: impl FnMut(&[f64]) -> f64,
    x0: &[f64],
    lower: &[f64],
    upper: &[f64],
    max_iter: usize,
    tol: f64,
) -> (Vec<f64>, f64) {
    let n = x0.len();
    let nf = n as f64;
    let (refl, expand, contract, shrink) =
        (1.0, 1.0 + 2.0 / nf, 0.75 - 1.0 / (2.0 * nf), 1.0 - 1.0 / nf);
    let clamp = |x: &mut [f64]| {
        for i in 0..n {
            x[i] = x[i].clamp(lower[i], upper[i]);
        }
    };
    // Every trial point lies on the line from the centre through a point:
    // `centre + coef·(through − centre)`, clamped to the box.
    let along = |out: &mut [f64], centre: &[f64], through: &[f64], coef: f64| {
        for i in 0..n {
            out[i] = (centre[i] + coef * (through[i] - centre[i])).clamp(lower[i], upper[i]);
        }
    };
    let mut start = x0.to_vec();
    clamp(&mut start);
    let mut simplex: Vec<Vec<f64>> = vec![start.clone(); n + 1];
    for (i, row) in simplex.iter_mut().enumerate().skip(1) {
        let j = i - 1;
        let v = if row[j] == 0.0 { 1e-4 } else { row[j] * 1.05 };
        row[j] = v.clamp(lower[j], upper[j]);
    }
    let mut values: Vec<f64> = simplex.iter().map(|x| f(x)).collect();
    let mut order: Vec<usize> = (0..=n).collect();
    let (mut centre, mut xr, mut xe, mut xc) =
        (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    for _ in 0..max_iter {
        if values.iter().all(|v| v.is_finite()) {
            let k = values.len() as f64;
            let mean = values.iter().sum::<f64>() / k;
            let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / k).sqrt();
            if sd < tol {
                break;
            }
        }
        order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
        let (best, worst, second) = (order[0], order[n], order[n - 1]);
        centre.iter_mut().for_each(|c| *c = 0.0);
        for (k, x) in simplex.iter().enumerate() {
            if k != worst {
                for i in 0..n {
                    centre[i] += x[i] / nf;
                }
            }
        }
        along(&mut xr, &centre, &simplex[worst], -refl);
        let fr = f(&xr);
        let trial = if values[best] <= fr && fr < values[second] {
            Some((&xr, fr))
        } else if fr < values[best] {
            along(&mut xe, &centre, &xr, expand);
            let fe = f(&xe);
            Some(if fe < fr { (&xe, fe) } else { (&xr, fr) })
        } else {
            // Contract outside when the reflection beat the worst point, inside otherwise.
            let outside = fr < values[worst];
            along(
                &mut xc,
                &centre,
                &xr,
                if outside { contract } else { -contract },
            );
            let fc = f(&xc);
            let accept = if outside {
                fc <= fr
            } else {
                fc < values[worst]
            };
            accept.then_some((&xc, fc))
        };
        if let Some((x, v)) = trial {
            simplex[worst].copy_from_slice(x);
            values[worst] = v;
            continue;
        }
        // Shrink towards the best point.
        let keep = simplex[best].clone();
        for (k, x) in simplex.iter_mut().enumerate() {
            if k == best {
                continue;
            }
            for i in 0..n {
                x[i] = keep[i] + shrink * (x[i] - keep[i]);
            }
            clamp(x);
            values[k] = f(x);
        }
    }
    let best = (0..=n)
        .min_by(|a, b| values[*a].total_cmp(&values[*b]))
        .unwrap_or(0);
    (simplex[best].clone(), values[best])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::test_series::seasonal_series;

    #[test]
    fn schur_cohn_agrees_with_companion_eigenvalues() {
        let polys: [&[f64]; 5] = [
            &[0.5, 1.0],
            &[2.0, 1.0],
            &[0.06, -0.5, 1.0],
            &[-0.9, 0.1, 0.2, 1.0],
            &[0.3, -0.2, 0.1, 0.1, -1.2, 1.0],
        ];
        for p in polys {
            let n = p.len() - 1;
            let companion = DMatrix::from_fn(n, n, |i, j| {
                if i == n - 1 {
                    -p[j]
                } else if j == i + 1 {
                    1.0
                } else {
                    0.0
                }
            });
            let max = companion
                .complex_eigenvalues()
                .iter()
                .map(|z| z.norm())
                .fold(0.0, f64::max);
            assert_eq!(
                roots_within(p, 1.0 + 1e-10),
                max < 1.0 + 1e-10,
                "{p:?}: {max}"
            );
        }
    }

    #[test]
    fn selects_a_seasonal_form_for_seasonal_data_and_forecasts_the_pattern() {
        let s = seasonal_series(96);
        let f = Ets::default().fit(&s).unwrap();
        assert!(
            f.selected().ends_with(",M)[12]") || f.selected().ends_with(",A)[12]"),
            "{}",
            f.selected()
        );
        assert!(f.fallbacks().is_empty());
        let fc = f.predict(12, &[0.8, 0.95]).unwrap();
        // Month 3 of the pattern (1.3) is above month 4 (0.8) a year ahead as well.
        assert!(fc.point[3] > fc.point[4] * 1.3, "{:?}", fc.point);
        let (i80, i95) = (fc.interval(0.8).unwrap(), fc.interval(0.95).unwrap());
        for k in 0..12 {
            assert!(i95.lower[k] < i80.lower[k] && i80.upper[k] < i95.upper[k]);
        }
        // Intervals widen with the horizon.
        assert!(i95.upper[11] - i95.lower[11] > i95.upper[0] - i95.lower[0]);
    }

    #[test]
    fn akaike_weights_average_every_close_form_and_sum_to_one() {
        // Four years of a noisy seasonal level: no single form stands out.
        let v: Vec<f64> = (0..48)
            .map(|t| {
                let season = [
                    1.0, 0.9, 1.1, 1.3, 0.8, 0.9, 1.0, 1.2, 0.95, 1.05, 0.85, 0.95,
                ];
                100.0 * season[t % 12] + ((t * 7919) % 23) as f64 - 11.0
            })
            .collect();
        let s = Series::new(v).unwrap().with_season(12).unwrap();
        let f = Ets {
            akaike: true,
            ..Ets::default()
        }
        .fit(&s)
        .unwrap();
        let Engine::Averaged(models) = &f.engine else {
            panic!("not averaged: {}", f.selected());
        };
        assert!(models.len() > 1, "{}", f.selected());
        let total: f64 = models.iter().map(|(w, _)| w).sum();
        assert!((total - 1.0).abs() < 1e-12);
        // The best form (lowest AICc) is first, carries the largest weight, and is what
        // plain AutoETS selects.
        assert!(models.windows(2).all(|p| p[0].1.aicc <= p[1].1.aicc));
        assert!(models.iter().all(|(w, _)| *w <= models[0].0));
        let single = Ets::default().fit(&s).unwrap();
        assert_eq!(single.model().unwrap().form(), models[0].1.form());
        assert!(f.selected().contains('·') && f.selected().contains(" + "));
        // The point is the weighted mean of the forms' points, and the bands nest.
        let fc = f.predict(12, &[0.8, 0.95]).unwrap();
        for k in 0..12 {
            let mean: f64 = models
                .iter()
                .map(|(w, m)| {
                    let mut one = Forecast::default();
                    predict_model(m, 12, &[0.8], &mut one).unwrap();
                    w * one.point[k]
                })
                .sum();
            assert!((fc.point[k] - mean).abs() < 1e-9 * mean.abs().max(1.0));
            let (i80, i95) = (fc.interval(0.8).unwrap(), fc.interval(0.95).unwrap());
            assert!(i95.lower[k] < i80.lower[k] && i80.lower[k] < fc.point[k]);
            assert!(fc.point[k] < i80.upper[k] && i80.upper[k] < i95.upper[k]);
        }
    }

    #[test]
    fn refit_keeps_the_form_and_censored_points_are_skipped() {
        let s = seasonal_series(96);
        let f = Ets::default().fit(&s).unwrap();
        let shorter = s.prefix(84);
        let r = f.refit(&shorter).unwrap().unwrap();
        let refitted = r.predict(12, &[0.8]).unwrap();
        assert_eq!(refitted.point.len(), 12);
        // A wild censored point does not move the fit; the same point observed does.
        let mut v = s.values().to_vec();
        v[60] = 1e5;
        let mut mask = vec![false; 96];
        mask[60] = true;
        let censored = Series::new(v.clone())
            .unwrap()
            .with_season(12)
            .unwrap()
            .with_censored(mask)
            .unwrap();
        let a = Ets::default()
            .fit(&censored)
            .unwrap()
            .predict(1, &[0.8])
            .unwrap();
        let base = f.predict(1, &[0.8]).unwrap();
        assert!((a.point[0] - base.point[0]).abs() < 0.05 * base.point[0]);
        let wild = Series::new(v).unwrap().with_season(12).unwrap();
        let b = Ets::default()
            .fit(&wild)
            .unwrap()
            .predict(1, &[0.8])
            .unwrap();
        let wb = b.interval(0.8).unwrap();
        let wa = a.interval(0.8).unwrap();
        assert!(wb.upper[0] - wb.lower[0] > 2.0 * (wa.upper[0] - wa.lower[0]));
    }

    #[test]
    fn short_constant_and_long_season_series_fall_back_and_say_so() {
        let short = Series::new(vec![1.0, 2.0, 3.0]).unwrap();
        let f = Ets::default().fit(&short).unwrap();
        assert_eq!(f.selected(), "naive");
        let constant = Series::new(vec![5.0; 30]).unwrap();
        let f = Ets::default().fit(&constant).unwrap();
        assert_eq!(f.predict(3, &[0.9]).unwrap().point, vec![5.0; 3]);
        assert!(!f.fallbacks().is_empty());
        let weekly = Series::new((0..120).map(|t| 10.0 + (t % 52) as f64).collect())
            .unwrap()
            .with_season(52)
            .unwrap();
        let f = Ets::default().fit(&weekly).unwrap();
        assert!(!f.selected().contains('['));
        assert!(f.fallbacks().iter().any(|fb| fb.reason.contains("52")));
        let negative = Series::new(
            (0..40)
                .map(|t| (t as f64 * 0.7).sin() * 5.0 - 1.0)
                .collect(),
        )
        .unwrap();
        let f = Ets::default().fit(&negative).unwrap();
        assert!(f.selected().starts_with("ETS(A"), "{}", f.selected());
    }

    #[test]
    fn both_regions_fit_and_the_admissible_one_respects_its_constraints() {
        let s = seasonal_series(72);
        let cfg = Ets {
            region: ParameterRegion::Admissible,
            ..Ets::default()
        };
        let f = cfg.fit(&s).unwrap();
        let m = f.model().unwrap();
        let p = m.parameters();
        assert!(admissible(m.form(), p, 12), "{p:?}");
        assert!(m.aicc().is_finite() && m.sigma2() > 0.0);
    }
}
