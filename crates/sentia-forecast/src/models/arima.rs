//! AutoARIMA: seasonal ARIMA models selected by the stepwise search of Hyndman and Khandakar
//! (2008), as R's `forecast::auto.arima()` and statsforecast's `AutoARIMA`, with their default
//! limits (p, q ≤ 5, P, Q ≤ 2, d ≤ 2, D ≤ 1, start (2,2)(1,1), AICc, at most 94 models).
//!
//! * **Differencing.** D = 1 when the seasonal strength of a decomposition exceeds 0.64
//!   (statsforecast's `seas` heuristic; our decomposition is a 2×m moving-average trend with a
//!   tricube mean over 11 seasons of each period, close to STL with `s.window = 11`), then d by
//!   repeated KPSS tests of level stationarity at 5% (`floor(3√n/13)` Newey–West lags, as
//!   statsforecast). A constant is offered when d + D ≤ 1 (a mean, or a drift).
//! * **Estimation.** The differenced series is a stationary ARMA with the multiplicative
//!   polynomials expanded. Each candidate is fitted as statsforecast's `CSS-ML`: a BFGS minimum
//!   of the conditional sum of squares gives the start, then BFGS maximises the exact Gaussian
//!   likelihood with the autoregressive parts kept stationary by the partial-autocorrelation
//!   (tanh) transform. The exact likelihood comes from the innovations algorithm of Brockwell
//!   and Davis (§5.3, §8.7) on the ARMA autocovariances — the same likelihood a Kalman filter
//!   with a stationary (Gardner) start gives, with no state covariance to initialise. Seasons
//!   over 12 run the search on the conditional sums of squares and refit the best candidates
//!   by exact likelihood, as `approximation = TRUE` does; so do series longer than 1000 (R and
//!   statsforecast approximate from 150 points: our exact likelihood is cheap enough not to).
//!   Candidates with an AR or MA root within 1.01 of the unit circle are rejected.
//! * **Forecasts.** Point forecasts and mean squared errors from the innovations
//!   representation (Brockwell and Davis §5.3, §6.4), which is the state-space forecast of the
//!   fitted model given all the data; normal intervals with statsforecast's σ² (residual
//!   sum of squares over n − d − mD − k + 1).
//! * **Censored points** are replaced by a line between their observed neighbours before the
//!   fit (ARIMA needs a regular series).
//! * **Fallbacks.** Fewer than 4 observed points, data that overflow, or no estimable candidate:
//!   [`Naive`](super::Naive). A constant series runs a flat mean with zero-width intervals; a
//!   season over 52 or too short a history for two seasons runs the non-seasonal search. Each is
//!   recorded as a [`Fallback`].

use super::{SimpleFitted, naive_instead};
use crate::checks::{Fallback, observed_values};
use crate::error::ForecastError;
use crate::stats::{check_levels, z_for_level};
use crate::traits::{DynPredict, Forecaster, Predict};
use crate::types::{Forecast, Series};

/// Longest season the seasonal search accepts.
const MAX_SEASON: usize = 52;
/// Observed points below which the model runs as naive.
const MIN_POINTS: usize = 4;
/// Seasonal strength above which one seasonal difference is taken (statsforecast's `seas`).
const SEASONAL_STRENGTH: f64 = 0.64;
/// KPSS 5% critical value for level stationarity (Kwiatkowski et al. 1992).
const KPSS_CRITICAL: f64 = 0.463;
/// Candidates with a root closer to the unit circle than this are rejected.
const MIN_ROOT: f64 = 1.01;
/// Most models the stepwise search fits.
const MAX_MODELS: usize = 94;

/// An ARIMA(p,d,q)(P,D,Q)[m] order with or without a constant (mean when d + D = 0, drift when
/// d + D = 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArimaOrder {
    /// Non-seasonal AR order.
    pub p: usize,
    /// Non-seasonal differences.
    pub d: usize,
    /// Non-seasonal MA order.
    pub q: usize,
    /// Seasonal AR order.
    pub sp: usize,
    /// Seasonal differences.
    pub sd: usize,
    /// Seasonal MA order.
    pub sq: usize,
    /// Season length (1 = non-seasonal).
    pub m: usize,
    /// Whether a constant (mean or drift) is estimated.
    pub constant: bool,
}

impl ArimaOrder {
    /// `ARIMA(1,1,0)(0,1,0)[12] with drift`-style label (R's and statsforecast's).
    pub fn label(&self) -> String {
        let mut s = format!("ARIMA({},{},{})", self.p, self.d, self.q);
        if self.m > 1 && self.sp + self.sd + self.sq > 0 {
            s += &format!("({},{},{})[{}]", self.sp, self.sd, self.sq, self.m);
        }
        if self.constant {
            s += if self.d + self.sd == 0 {
                " with non-zero mean"
            } else {
                " with drift"
            };
        }
        s
    }

    fn coefficients(&self) -> usize {
        self.p + self.q + self.sp + self.sq + usize::from(self.constant)
    }

    fn same_search_point(&self, other: &ArimaOrder) -> bool {
        (self.p, self.q, self.sp, self.sq, self.constant)
            == (other.p, other.q, other.sp, other.sq, other.constant)
    }
}

/// AutoARIMA: the ARIMA order with the lowest AICc found by the stepwise search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arima {
    /// Largest non-seasonal AR and MA orders (default 5; at most m − 1 for seasonal data).
    pub max_p: usize,
    /// See `max_p`.
    pub max_q: usize,
    /// Largest seasonal AR and MA orders (default 2).
    pub max_sp: usize,
    /// See `max_sp`.
    pub max_sq: usize,
    /// Largest number of non-seasonal differences (default 2).
    pub max_d: usize,
    /// Largest number of seasonal differences (default 1).
    pub max_sd: usize,
    /// Search on conditional sums of squares: `None` (default) when the season is longer than
    /// 12 or the series longer than 1000 (R and statsforecast: longer than 150; our exact
    /// likelihood is cheap enough to search series up to 1000 with it, and more accurate).
    pub approximation: Option<bool>,
    /// Fit only this order (e.g. for a refit); `None` searches.
    pub order: Option<ArimaOrder>,
}

impl Default for Arima {
    fn default() -> Self {
        Self {
            max_p: 5,
            max_q: 5,
            max_sp: 2,
            max_sq: 2,
            max_d: 2,
            max_sd: 1,
            approximation: None,
            order: None,
        }
    }
}

/// A fitted ARIMA order.
#[derive(Debug, Clone, PartialEq)]
pub struct ArimaModel {
    order: ArimaOrder,
    /// Coefficients in R's order: ar, ma, sar, sma (the constant apart).
    coef: Vec<f64>,
    /// Mean of the differenced series, in the data's units (0 without a constant).
    mean: f64,
    /// Innovation variance, statsforecast's (sum of squared standardised innovations over
    /// n − d − mD − k + 1).
    sigma2: f64,
    loglik: f64,
    aicc: f64,
    /// The series the model was fitted on (censored points interpolated).
    y: Vec<f64>,
}

impl ArimaModel {
    /// The order.
    pub fn order(&self) -> ArimaOrder {
        self.order
    }

    /// Coefficients: ar1…arp, ma1…maq, sar1…sarP, sma1…smaQ.
    pub fn coefficients(&self) -> &[f64] {
        &self.coef
    }

    /// The constant: the mean of the series (d + D = 0) or the drift per period (d + D = 1).
    pub fn constant(&self) -> f64 {
        if self.order.sd == 1 && self.order.d == 0 {
            self.mean / self.order.m as f64
        } else {
            self.mean
        }
    }

    /// Innovation variance.
    pub fn sigma2(&self) -> f64 {
        self.sigma2
    }

    /// Exact log-likelihood of the differenced series.
    pub fn loglik(&self) -> f64 {
        self.loglik
    }

    /// AICc of the fit.
    pub fn aicc(&self) -> f64 {
        self.aicc
    }

    /// Point forecasts and forecast variances for steps 1..=h.
    fn forecast(&self, h: usize) -> Option<(Vec<f64>, Vec<f64>)> {
        let o = self.order;
        let delta = difference_polynomial(o.d, o.sd, o.m);
        let w = difference(&self.y, o.d, o.sd, o.m);
        let scale = spread(&w).unwrap_or(1.0);
        let mu = self.mean / scale;
        let x: Vec<f64> = w.iter().map(|v| v / scale - mu).collect();
        let (phi, theta) = expand(&o, &self.coef);
        let mut work = Work::default();
        work.run(&x, &phi, &theta, h)?;
        let n = x.len();
        // Point forecasts of the mean-removed differenced series.
        let mut xf = x.clone();
        xf.resize(n + h, 0.0);
        for step in 1..=h {
            let t = n + step; // 1-based index of the forecast point
            let row = t - 1;
            let mut f = 0.0;
            if row >= work.m0 {
                for (r, ph) in phi.iter().enumerate() {
                    if t > r + 1 {
                        f += ph * xf[t - r - 2];
                    }
                }
            }
            for j in step..=work.band(row) {
                f += work.theta(row, j) * work.innov[t - j - 1];
            }
            xf[t - 1] = f;
        }
        // Undo the differencing.
        let mut yf = self.y.clone();
        for step in 0..h {
            let mut v = (xf[n + step] + mu) * scale;
            let t = yf.len();
            for (k, dk) in delta.iter().enumerate() {
                v += dk * yf[t - k - 1];
            }
            yf.push(v);
        }
        // Forecast variance (Brockwell & Davis §6.4): χ from 1/(φ(z)δ(z)).
        let mut full = vec![1.0];
        full.extend(phi.iter().map(|v| -v));
        let mut dpoly = vec![1.0];
        dpoly.extend(delta.iter().map(|v| -v));
        let star = poly_mul(&full, &dpoly);
        let mut chi = vec![0.0; h];
        for r in 0..h {
            let mut c = if r == 0 { 1.0 } else { 0.0 };
            for k in 1..star.len().min(r + 1) {
                c -= star[k] * chi[r - k];
            }
            chi[r] = c;
        }
        let sigma2 = self.sigma2 / (scale * scale);
        let mut var = Vec::with_capacity(h);
        for step in 1..=h {
            let mut total = 0.0;
            for j in 0..step {
                let mut inner = 0.0;
                for (r, c) in chi.iter().enumerate().take(j + 1) {
                    let row = n + step - r - 1;
                    let lag = j - r;
                    let th = if lag == 0 {
                        1.0
                    } else if lag <= work.band(row) {
                        work.theta(row, lag)
                    } else {
                        0.0
                    };
                    inner += c * th;
                }
                total += inner * inner * work.v(n + step - j - 1);
            }
            var.push(total * sigma2 * scale * scale);
        }
        Some((yf.split_off(self.y.len()), var))
    }
}

/// What ran.
#[derive(Debug, Clone, PartialEq)]
enum Engine {
    Model(Box<ArimaModel>),
    /// A constant series: its value, no spread.
    Flat(f64),
    Naive(SimpleFitted),
}

/// A fitted AutoARIMA.
#[derive(Debug, Clone, PartialEq)]
pub struct ArimaFitted {
    engine: Engine,
    fallbacks: Vec<Fallback>,
    config: Arima,
}

impl ArimaFitted {
    /// What ran: the order (e.g. `ARIMA(1,1,0)(0,1,0)[12]`), `ARIMA(0,0,0) with non-zero mean`
    /// for a constant series, or `naive`.
    pub fn selected(&self) -> String {
        match &self.engine {
            Engine::Model(m) => m.order.label(),
            Engine::Flat(_) => "ARIMA(0,0,0) with non-zero mean".into(),
            Engine::Naive(_) => "naive".into(),
        }
    }

    /// The fitted order, unless the series was constant or the model fell back to naive.
    pub fn model(&self) -> Option<&ArimaModel> {
        match &self.engine {
            Engine::Model(m) => Some(m),
            _ => None,
        }
    }
}

impl Predict for ArimaFitted {
    fn predict_in_place(
        &self,
        horizon: usize,
        levels: &[f64],
        out: &mut Forecast,
    ) -> Result<(), ForecastError> {
        let model = match &self.engine {
            Engine::Naive(n) => return n.predict_in_place(horizon, levels, out),
            Engine::Flat(v) => {
                check_levels(levels)?;
                out.reset(horizon, levels);
                out.point.iter_mut().for_each(|p| *p = *v);
                for iv in &mut out.intervals {
                    iv.lower.iter_mut().for_each(|p| *p = *v);
                    iv.upper.iter_mut().for_each(|p| *p = *v);
                }
                return Ok(());
            }
            Engine::Model(m) => m,
        };
        check_levels(levels)?;
        out.reset(horizon, levels);
        if horizon == 0 {
            return Ok(());
        }
        let non_finite = || ForecastError::NonFiniteOutput {
            model: "arima".into(),
        };
        let (point, var) = model.forecast(horizon).ok_or_else(non_finite)?;
        for k in 0..horizon {
            out.point[k] = point[k];
            let sd = if var[k].is_finite() && var[k] >= 0.0 {
                var[k].sqrt()
            } else {
                (model.sigma2 * (k + 1) as f64).sqrt()
            };
            for iv in &mut out.intervals {
                let w = z_for_level(iv.level) * sd;
                iv.lower[k] = point[k] - w;
                iv.upper[k] = point[k] + w;
            }
        }
        if !out.is_finite() {
            return Err(non_finite());
        }
        Ok(())
    }

    fn fallbacks(&self) -> &[Fallback] {
        &self.fallbacks
    }

    fn refit(&self, series: &Series) -> Option<Result<DynPredict, ForecastError>> {
        let Engine::Model(m) = &self.engine else {
            return None;
        };
        let config = Arima {
            order: Some(m.order),
            ..self.config
        };
        Some(config.fit(series).map(|f| Box::new(f) as DynPredict))
    }
}

impl Forecaster for Arima {
    type Fitted = ArimaFitted;

    fn name(&self) -> String {
        "arima".into()
    }

    fn min_history(&self, season: usize) -> usize {
        if season > 1 && season <= MAX_SEASON {
            (2 * season + 1).max(MIN_POINTS)
        } else {
            MIN_POINTS
        }
    }

    fn fit(&self, series: &Series) -> Result<ArimaFitted, ForecastError> {
        let observed = observed_values(series)?;
        let mut fallbacks = Vec::new();
        let naive = |mut fallbacks: Vec<Fallback>, reason: String| {
            let inner = naive_instead(series, "arima", reason, &mut fallbacks)?;
            Ok(ArimaFitted {
                engine: Engine::Naive(inner),
                fallbacks,
                config: *self,
            })
        };
        if observed.len() < MIN_POINTS {
            return naive(
                fallbacks,
                format!(
                    "{} observed points; ARIMA needs at least {MIN_POINTS}",
                    observed.len()
                ),
            );
        }
        let first = observed[0];
        if observed.iter().all(|v| *v == first) {
            fallbacks.push(Fallback::new(
                "arima",
                "ARIMA(0,0,0) with a fixed mean",
                "the series is constant",
            ));
            return Ok(ArimaFitted {
                engine: Engine::Flat(first),
                fallbacks,
                config: *self,
            });
        }
        let y = interpolate_censored(series);
        if spread(&y).is_none() {
            return naive(
                fallbacks,
                "the values are too large to difference and square".into(),
            );
        }
        let n = y.len();
        let mut m = series.season();
        if m > 1 && (m > MAX_SEASON || n <= 2 * m) {
            let reason = if m > MAX_SEASON {
                format!("a season of {m} periods is longer than the {MAX_SEASON} searched")
            } else {
                format!("{n} periods, not more than two seasons of {m}")
            };
            fallbacks.push(Fallback::new(
                "arima (seasonal)",
                "arima (non-seasonal)",
                reason,
            ));
            m = 1;
        }
        let approximation = self.approximation.unwrap_or(n > 1000 || m > 12);
        let best = match self.order {
            Some(o) => {
                let o = ArimaOrder {
                    m: if o.m == m { m } else { 1 },
                    sp: if o.m == m { o.sp } else { 0 },
                    sd: if o.m == m { o.sd } else { 0 },
                    sq: if o.m == m { o.sq } else { 0 },
                    ..o
                };
                fit_order(&y, o, Method::CssMl)
            }
            None => search(self, &y, m, approximation),
        };
        match best {
            Some(model) => Ok(ArimaFitted {
                engine: Engine::Model(Box::new(model)),
                fallbacks,
                config: *self,
            }),
            None => naive(
                fallbacks,
                format!("no ARIMA order could be estimated on {n} periods"),
            ),
        }
    }
}

/// The values with censored points replaced by a line between their observed neighbours
/// (flat at the ends).
fn interpolate_censored(series: &Series) -> Vec<f64> {
    let y = series.values();
    if series.censored().is_none() {
        return y.to_vec();
    }
    let obs: Vec<(usize, f64)> = series.observed().collect();
    let mut out = y.to_vec();
    for (i, o) in out.iter_mut().enumerate() {
        if !series.is_censored(i) {
            continue;
        }
        let pos = obs.partition_point(|(j, _)| *j < i);
        let before = pos.checked_sub(1).and_then(|k| obs.get(k));
        *o = match (before, obs.get(pos)) {
            (Some(&(i0, v0)), Some(&(i1, v1))) => {
                v0 + (v1 - v0) * (i - i0) as f64 / (i1 - i0) as f64
            }
            (Some(&(_, v)), None) | (None, Some(&(_, v))) => v,
            (None, None) => *o,
        };
    }
    out
}

/// Root mean square deviation from the mean, computed without overflow; `None` when zero or
/// not finite.
fn spread(x: &[f64]) -> Option<f64> {
    let a = x.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if a == 0.0 || !a.is_finite() || x.is_empty() {
        return None;
    }
    let n = x.len() as f64;
    let mean = x.iter().map(|v| v / a).sum::<f64>() / n;
    let var = x.iter().map(|v| (v / a - mean).powi(2)).sum::<f64>() / n;
    let s = a * var.sqrt();
    (s > 0.0 && s.is_finite()).then_some(s)
}

fn is_constant(x: &[f64]) -> bool {
    x.iter().all(|v| *v == x[0])
}

/// One lag-`lag` difference.
fn diff(x: &[f64], lag: usize) -> Vec<f64> {
    if x.len() <= lag {
        return Vec::new();
    }
    (lag..x.len()).map(|t| x[t] - x[t - lag]).collect()
}

/// `(1 − B)^d (1 − B^m)^D y`.
fn difference(y: &[f64], d: usize, sd: usize, m: usize) -> Vec<f64> {
    let mut w = y.to_vec();
    for _ in 0..sd {
        w = diff(&w, m);
    }
    for _ in 0..d {
        w = diff(&w, 1);
    }
    w
}

/// δ₁…δ_k of `(1 − B)^d (1 − B^m)^D = 1 − Σ δ_k B^k`.
fn difference_polynomial(d: usize, sd: usize, m: usize) -> Vec<f64> {
    let mut p = vec![1.0];
    for _ in 0..d {
        p = poly_mul(&p, &[1.0, -1.0]);
    }
    for _ in 0..sd {
        let mut s = vec![0.0; m + 1];
        s[0] = 1.0;
        s[m] = -1.0;
        p = poly_mul(&p, &s);
    }
    p.iter().skip(1).map(|v| -v).collect()
}

fn poly_mul(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; a.len() + b.len() - 1];
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            out[i + j] += x * y;
        }
    }
    out
}

/// KPSS statistic for level stationarity with `floor(3√n/13)` Bartlett lags; `None` when it
/// cannot be computed.
fn kpss(x: &[f64]) -> Option<f64> {
    let n = x.len();
    let lags = (3.0 * (n as f64).sqrt() / 13.0).floor() as usize;
    if n < 2 || lags >= n {
        return None;
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    let e: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let mut s = e.iter().map(|v| v * v).sum::<f64>();
    for i in 1..=lags {
        let w = 1.0 - i as f64 / (lags as f64 + 1.0);
        s += 2.0 * w * (i..n).map(|t| e[t] * e[t - i]).sum::<f64>();
    }
    s /= n as f64;
    let mut cum = 0.0;
    let mut eta = 0.0;
    for v in &e {
        cum += v;
        eta += cum * cum;
    }
    eta /= (n * n) as f64;
    let stat = eta / s;
    stat.is_finite().then_some(stat)
}

/// Number of first differences by repeated KPSS tests (statsforecast's `ndiffs`).
fn ndiffs(x: &[f64], max_d: usize) -> usize {
    let mut x = x.to_vec();
    if x.is_empty() || is_constant(&x) {
        return 0;
    }
    let rejects = |x: &[f64]| kpss(x).is_some_and(|s| s > KPSS_CRITICAL);
    let mut d = 0;
    let mut dodiff = rejects(&x);
    while dodiff && d < max_d {
        d += 1;
        x = diff(&x, 1);
        if x.is_empty() || is_constant(&x) {
            return d;
        }
        dodiff = rejects(&x);
    }
    d
}

/// Seasonal strength `max(0, 1 − var(R)/var(S + R))` of a decomposition: a centred 2×m moving
/// average trend and, per period, a tricube-weighted mean of the detrended values of the 11
/// nearest seasons (re-centred to sum to zero over each season).
fn seasonal_strength(x: &[f64], m: usize) -> f64 {
    let n = x.len();
    if m < 2 || n < 2 * m + 1 {
        return 0.0;
    }
    let half = m / 2;
    let (lo, hi) = (half, n - half); // trend exists on lo..hi
    let mut detr = vec![0.0; n];
    for (t, dt) in detr.iter_mut().enumerate().take(hi).skip(lo) {
        let trend = if m.is_multiple_of(2) {
            let s: f64 = x[t - half + 1..t + half].iter().sum();
            (s + 0.5 * (x[t - half] + x[t + half])) / m as f64
        } else {
            x[t - half..=t + half].iter().sum::<f64>() / m as f64
        };
        *dt = x[t] - trend;
    }
    const WINDOW: f64 = 11.0;
    let mut season = vec![0.0; n];
    for (t, st) in season.iter_mut().enumerate().take(hi).skip(lo) {
        let (mut sw, mut s) = (0.0, 0.0);
        let mut u = t % m;
        while u < hi {
            if u >= lo {
                let dist = (u as f64 - t as f64).abs() / m as f64;
                let r = dist / (WINDOW / 2.0 + 0.5);
                if r < 1.0 {
                    let w = (1.0 - r * r * r).powi(3);
                    sw += w;
                    s += w * detr[u];
                }
            }
            u += m;
        }
        *st = if sw > 0.0 { s / sw } else { 0.0 };
    }
    // Re-centre: subtract the moving average of the seasonal component where it exists.
    let mut centred = Vec::with_capacity(hi - lo);
    let mut remainder = Vec::with_capacity(hi - lo);
    for t in lo..hi {
        let a = t.saturating_sub(half).max(lo);
        let b = (t + half + 1).min(hi);
        let level = season[a..b].iter().sum::<f64>() / (b - a) as f64;
        let s = season[t] - level;
        centred.push(s + (detr[t] - season[t]));
        remainder.push(detr[t] - season[t]);
    }
    let var = |v: &[f64]| {
        let k = v.len() as f64;
        let mean = v.iter().sum::<f64>() / k;
        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0)
    };
    let vs = var(&centred);
    if vs <= 0.0 || !vs.is_finite() {
        return 0.0;
    }
    (1.0 - var(&remainder) / vs).clamp(0.0, 1.0)
}

/// Number of seasonal differences (0 or 1 by default) by the seasonal-strength heuristic.
fn nsdiffs(x: &[f64], m: usize, max_sd: usize) -> usize {
    if is_constant(x) || m >= x.len() {
        return 0;
    }
    let mut x = x.to_vec();
    let mut d = 0;
    let mut dodiff = seasonal_strength(&x, m) > SEASONAL_STRENGTH;
    while dodiff && d < max_sd {
        d += 1;
        x = diff(&x, m);
        if is_constant(&x) {
            return d;
        }
        dodiff = x.len() >= 2 * m && d < max_sd && seasonal_strength(&x, m) > SEASONAL_STRENGTH;
    }
    d
}

/// The expanded polynomials: `φ(B)Φ(B^m) = 1 − Σ phi_k B^k`, `θ(B)Θ(B^m) = 1 + Σ theta_k B^k`.
fn expand(o: &ArimaOrder, coef: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (ar, rest) = coef.split_at(o.p);
    let (ma, rest) = rest.split_at(o.q);
    let (sar, rest) = rest.split_at(o.sp);
    let sma = &rest[..o.sq];
    let m = o.m.max(1);
    let mut phi = vec![0.0; o.p + m * o.sp];
    let mut theta = vec![0.0; o.q + m * o.sq];
    phi[..o.p].copy_from_slice(ar);
    theta[..o.q].copy_from_slice(ma);
    for j in 0..o.sp {
        phi[(j + 1) * m - 1] += sar[j];
        for i in 0..o.p {
            phi[(j + 1) * m + i] -= ar[i] * sar[j];
        }
    }
    for j in 0..o.sq {
        theta[(j + 1) * m - 1] += sma[j];
        for i in 0..o.q {
            theta[(j + 1) * m + i] += ma[i] * sma[j];
        }
    }
    (phi, theta)
}

/// Partial autocorrelations (through tanh) to a stationary AR polynomial (R's `partrans`).
fn partrans(raw: &[f64], out: &mut [f64]) {
    let p = raw.len();
    for j in 0..p {
        out[j] = raw[j].tanh();
    }
    let mut work = out[..p].to_vec();
    for j in 1..p {
        let a = out[j];
        for k in 0..j {
            work[k] -= a * out[j - k - 1];
        }
        out[..j].copy_from_slice(&work[..j]);
    }
}

/// Inverse of [`partrans`]; `None` when the polynomial is not stationary.
fn invpartrans(phi: &[f64]) -> Option<Vec<f64>> {
    let p = phi.len();
    let mut new = phi.to_vec();
    let mut work = phi.to_vec();
    for j in (1..p).rev() {
        let a = new[j];
        if a.abs() >= 1.0 {
            return None;
        }
        for k in 0..j {
            work[k] = (new[k] + a * new[j - k - 1]) / (1.0 - a * a);
        }
        new[..j].copy_from_slice(&work[..j]);
    }
    new.iter()
        .map(|v| (v.abs() < 1.0).then(|| v.atanh()))
        .collect()
}

/// Whether all roots of `1 − Σ a_k z^k` (`sign` = −1) or `1 + Σ a_k z^k` (`sign` = 1) lie
/// outside the circle of radius `r`.
fn roots_outside(a: &[f64], sign: f64, r: f64) -> bool {
    let last = match a.iter().rposition(|v| v.abs() > 1e-8) {
        Some(k) => k,
        None => return true,
    };
    // Roots of the reciprocal polynomial z^k + sign·Σ a_j z^{k−j} inside 1/r.
    let k = last + 1;
    let mut c = vec![0.0; k + 1];
    c[k] = 1.0;
    for j in 1..=k {
        c[k - j] = sign * a[j - 1];
    }
    super::ets::roots_within(&c, 1.0 / r)
}

/// The estimation method of one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    /// Conditional sum of squares only (the approximate search).
    Css,
    /// CSS start, then exact likelihood.
    CssMl,
}

/// The differenced, scaled data a candidate is fitted on.
struct Prepared {
    /// Differenced series over its scale.
    w: Vec<f64>,
    scale: f64,
}

/// Fits one order; `None` when it cannot be estimated or is rejected (a root near the unit
/// circle, a non-finite criterion).
fn fit_order(y: &[f64], o: ArimaOrder, method: Method) -> Option<ArimaModel> {
    let w = difference(y, o.d, o.sd, o.m);
    let scale = spread(&w).unwrap_or(1.0);
    let data = Prepared {
        w: w.iter().map(|v| v / scale).collect(),
        scale,
    };
    fit_prepared(y, &data, o, method)
}

fn fit_prepared(y: &[f64], data: &Prepared, o: ArimaOrder, method: Method) -> Option<ArimaModel> {
    let w = &data.w;
    let nstar = w.len();
    let k = o.coefficients();
    let narma = k - usize::from(o.constant);
    let ncond = o.p + o.m * o.sp;
    if nstar <= ncond + k + 1 || nstar < 2 {
        return None;
    }
    let mut x0 = vec![0.0; k];
    if o.constant {
        x0[k - 1] = w.iter().sum::<f64>() / nstar as f64;
    }
    let mut css_work = Vec::new();
    let css = |x: &[f64], buf: &mut Vec<f64>| -> f64 {
        let (phi, theta) = expand(&o, &x[..narma]);
        let mu = if o.constant { x[k - 1] } else { 0.0 };
        match css_variance(w, mu, &phi, &theta, ncond, buf) {
            Some(s) if s > 0.0 => 0.5 * s.ln(),
            _ => f64::INFINITY,
        }
    };
    let (x_css, f_css) = bfgs(|x| css(x, &mut css_work), &x0, 100)?;
    let npar = k + 1;
    let denominator = nstar as f64 - npar as f64 - 1.0;
    let (coef, mean, loglik, aic, s_sum) = match method {
        Method::Css => {
            let sigma2 = (2.0 * f_css).exp();
            let (phi, theta) = expand(&o, &x_css[..narma]);
            let mu = if o.constant { x_css[k - 1] } else { 0.0 };
            let ssq = css_residual_ssq(w, mu, &phi, &theta, ncond)?;
            let aic = nstar as f64 * sigma2.ln() + 2.0 * npar as f64;
            (x_css[..narma].to_vec(), mu, f64::NAN, aic, ssq)
        }
        Method::CssMl => {
            // Stationary start, transformed.
            let mut start = x_css.clone();
            for (off, len) in [(0, o.p), (o.p + o.q, o.sp)] {
                if len == 0 {
                    continue;
                }
                let part = &x_css[off..off + len];
                if !roots_outside(part, -1.0, 1.0) {
                    return None;
                }
                let raw = invpartrans(part)?;
                start[off..off + len].copy_from_slice(&raw);
            }
            let mut work = Work::default();
            let mut coef_buf = vec![0.0; narma];
            let mut ml = |x: &[f64]| -> f64 {
                untransform(&o, &x[..narma], &mut coef_buf);
                let (phi, theta) = expand(&o, &coef_buf);
                let mu = if o.constant { x[k - 1] } else { 0.0 };
                match work.likelihood(w, mu, &phi, &theta) {
                    Some((s, sumlog)) => {
                        let n = nstar as f64;
                        0.5 * ((s / n).ln() + sumlog / n)
                    }
                    None => f64::INFINITY,
                }
            };
            let (x_ml, f_ml) = bfgs(&mut ml, &start, 100)?;
            let mut coef = vec![0.0; narma];
            untransform(&o, &x_ml[..narma], &mut coef);
            let mu = if o.constant { x_ml[k - 1] } else { 0.0 };
            let (phi, theta) = expand(&o, &coef);
            let (s, _) = work.likelihood(w, mu, &phi, &theta)?;
            let n = nstar as f64;
            let value = 2.0 * n * f_ml + n + n * (2.0 * std::f64::consts::PI).ln();
            let aic = value + 2.0 * npar as f64;
            (coef, mu, -0.5 * value, aic, s)
        }
    };
    if !aic.is_finite() {
        return None;
    }
    // In the data's units (the scaled fit shifts every candidate's criterion alike).
    let aic = aic + 2.0 * nstar as f64 * data.scale.ln();
    let aicc = if denominator > 0.0 {
        aic + 2.0 * (npar * (npar + 1)) as f64 / denominator
    } else {
        f64::INFINITY
    };
    let (phi, theta) = expand(&o, &coef);
    if !roots_outside(&phi, -1.0, MIN_ROOT) || !roots_outside(&theta, 1.0, MIN_ROOT) {
        return None;
    }
    let scale = data.scale;
    let sigma2 = s_sum / (nstar as f64 - npar as f64 + 1.0) * scale * scale;
    let loglik = loglik - nstar as f64 * scale.ln();
    (aicc.is_finite() && sigma2.is_finite()).then(|| ArimaModel {
        order: o,
        coef,
        mean: mean * scale,
        sigma2,
        loglik,
        aicc,
        y: y.to_vec(),
    })
}

/// The AR parts of `x` through [`partrans`], the MA parts as they are.
fn untransform(o: &ArimaOrder, x: &[f64], out: &mut [f64]) {
    out.copy_from_slice(x);
    if o.p > 0 {
        partrans(&x[..o.p], &mut out[..o.p]);
    }
    if o.sp > 0 {
        let off = o.p + o.q;
        partrans(&x[off..off + o.sp], &mut out[off..off + o.sp]);
    }
}

/// Conditional residual variance (R's `ARIMA_CSS`): residuals from `ncond` on, earlier ones 0.
fn css_variance(
    w: &[f64],
    mu: f64,
    phi: &[f64],
    theta: &[f64],
    ncond: usize,
    resid: &mut Vec<f64>,
) -> Option<f64> {
    let n = w.len();
    resid.clear();
    resid.resize(n, 0.0);
    let mut ssq = 0.0;
    for t in ncond..n {
        let mut e = w[t] - mu;
        for (j, ph) in phi.iter().enumerate() {
            e -= ph * (w[t - j - 1] - mu);
        }
        let lim = (t - ncond).min(theta.len());
        for (j, th) in theta.iter().enumerate().take(lim) {
            e -= th * resid[t - j - 1];
        }
        resid[t] = e;
        ssq += e * e;
    }
    let nu = n - ncond;
    let s = ssq / nu as f64;
    s.is_finite().then_some(s)
}

fn css_residual_ssq(w: &[f64], mu: f64, phi: &[f64], theta: &[f64], ncond: usize) -> Option<f64> {
    let mut buf = Vec::new();
    css_variance(w, mu, phi, theta, ncond, &mut buf).map(|s| s * (w.len() - ncond) as f64)
}

/// Buffers of the innovations algorithm, reused across likelihood evaluations.
#[derive(Default)]
struct Work {
    gamma: Vec<f64>,
    /// κ for one index ≤ m0 < the other, by lag.
    cross: Vec<f64>,
    /// MA autocovariances by lag.
    ma_acov: Vec<f64>,
    a: Vec<f64>,
    /// θ_{n,j} for j = 1..=band(n), row-major with stride `stride`.
    theta: Vec<f64>,
    stride: usize,
    v: Vec<f64>,
    /// Row from which θ and v no longer change (steady state).
    frozen: usize,
    /// One-step innovations `x_t − x̂_t`.
    innov: Vec<f64>,
    xhat: Vec<f64>,
    m0: usize,
    q: usize,
    p: usize,
}

impl Work {
    fn band(&self, n: usize) -> usize {
        if n < self.m0 { n } else { self.q }
    }

    fn row(&self, n: usize) -> usize {
        n.min(self.frozen)
    }

    fn theta(&self, n: usize, j: usize) -> f64 {
        self.theta[self.row(n) * self.stride + j - 1]
    }

    fn v(&self, n: usize) -> f64 {
        self.v[self.row(n)]
    }

    /// κ(i, j) of Brockwell & Davis (5.3.5), 1-based.
    fn kappa(&self, i: usize, j: usize) -> f64 {
        let (lo, hi) = if i < j { (i, j) } else { (j, i) };
        let h = hi - lo;
        let m0 = self.m0;
        if hi <= m0 {
            self.gamma[h]
        } else if lo > m0 {
            self.ma_acov.get(h).copied().unwrap_or(0.0)
        } else if hi <= 2 * m0 && h <= m0 {
            self.cross[h]
        } else {
            0.0
        }
    }

    /// Autocovariances (σ² = 1) of the ARMA for lags 0..=m0 (Brockwell & Davis §3.3).
    fn autocovariances(&mut self, phi: &[f64], theta: &[f64]) -> Option<()> {
        let (p, q) = (phi.len(), theta.len());
        let m0 = p.max(q);
        let th = |j: usize| if j == 0 { 1.0 } else { theta[j - 1] };
        let mut psi = vec![0.0; q + 1];
        for j in 0..=q {
            let mut s = th(j);
            for k in 1..=j.min(p) {
                s += phi[k - 1] * psi[j - k];
            }
            psi[j] = s;
        }
        let rhs = |k: usize| -> f64 { (k..=q).map(|j| th(j) * psi[j - k]).sum() };
        let size = p + 1;
        self.a.clear();
        self.a.resize(size * (size + 1), 0.0);
        let cols = size + 1;
        for k in 0..size {
            self.a[k * cols + k] += 1.0;
            for r in 1..=p {
                let c = k.abs_diff(r);
                self.a[k * cols + c] -= phi[r - 1];
            }
            self.a[k * cols + size] = rhs(k);
        }
        // Gaussian elimination with partial pivoting.
        let a = &mut self.a;
        for c in 0..size {
            let piv = (c..size)
                .max_by(|x, y| a[x * cols + c].abs().total_cmp(&a[y * cols + c].abs()))
                .unwrap_or(c);
            if a[piv * cols + c].abs() < 1e-12 {
                return None;
            }
            if piv != c {
                for j in 0..cols {
                    a.swap(piv * cols + j, c * cols + j);
                }
            }
            let d = a[c * cols + c];
            for r in c + 1..size {
                let f = a[r * cols + c] / d;
                if f != 0.0 {
                    for j in c..cols {
                        a[r * cols + j] -= f * a[c * cols + j];
                    }
                }
            }
        }
        self.gamma.clear();
        self.gamma.resize(m0 + 1, 0.0);
        for r in (0..size).rev() {
            let mut s = a[r * cols + size];
            for j in r + 1..size {
                s -= a[r * cols + j] * self.gamma[j];
            }
            self.gamma[r] = s / a[r * cols + r];
        }
        for k in size..=m0 {
            let mut s = rhs(k);
            for r in 1..=p {
                s += phi[r - 1] * self.gamma[k - r];
            }
            self.gamma[k] = s;
        }
        if !(self.gamma[0] > 0.0 && self.gamma.iter().all(|g| g.is_finite())) {
            return None;
        }
        self.cross.clear();
        for h in 0..=m0 {
            let mut s = self.gamma[h];
            for r in 1..=p {
                s -= phi[r - 1] * self.gamma[r.abs_diff(h)];
            }
            self.cross.push(s);
        }
        self.ma_acov.clear();
        for h in 0..=q {
            self.ma_acov
                .push((0..=q - h).map(|r| th(r) * th(r + h)).sum::<f64>());
        }
        self.m0 = m0;
        self.q = q;
        self.p = p;
        Some(())
    }

    /// Innovations over `x` (mean removed) and `extra` rows beyond it: θ, v, x̂ and the
    /// innovations.
    fn run(&mut self, x: &[f64], phi: &[f64], theta: &[f64], extra: usize) -> Option<()> {
        self.autocovariances(phi, theta)?;
        let n = x.len();
        let rows = n + extra;
        let m0 = self.m0;
        let q = self.q;
        self.stride = m0.max(1);
        let stride = self.stride;
        self.theta.clear();
        self.theta.resize(rows * stride, 0.0);
        self.v.clear();
        self.v.resize(rows, 0.0);
        self.frozen = usize::MAX;
        self.v[0] = self.kappa(1, 1);
        if self.v[0] <= 0.0 {
            return None;
        }
        for nn in 1..rows {
            if self.frozen != usize::MAX {
                break;
            }
            let l = self.band(nn);
            for k in nn - l..nn {
                let mut s = self.kappa(nn + 1, k + 1);
                let lk = self.band(k);
                let jlo = k.saturating_sub(lk).max(nn - l);
                for j in jlo..k {
                    s -= self.theta[k * stride + (k - j) - 1]
                        * self.theta[nn * stride + (nn - j) - 1]
                        * self.v[j];
                }
                self.theta[nn * stride + (nn - k) - 1] = s / self.v[k];
            }
            let mut vn = self.kappa(nn + 1, nn + 1);
            for j in nn - l..nn {
                let t = self.theta[nn * stride + (nn - j) - 1];
                vn -= t * t * self.v[j];
            }
            if !(vn > 0.0 && vn.is_finite()) {
                return None;
            }
            self.v[nn] = vn;
            // Steady state: the row equals the previous one.
            if nn > m0 + 1 && (vn - self.v[nn - 1]).abs() < 1e-12 * vn {
                let same = (1..=q).all(|j| {
                    let a = self.theta[nn * stride + j - 1];
                    let b = self.theta[(nn - 1) * stride + j - 1];
                    (a - b).abs() <= 1e-10 * (1.0 + a.abs())
                });
                if same {
                    self.frozen = nn;
                }
            }
        }
        // One-step predictions over the data.
        self.xhat.clear();
        self.xhat.resize(n, 0.0);
        self.innov.clear();
        self.innov.resize(n, 0.0);
        for t in 0..n {
            // Predicting x[t] (B&D X_{t+1}) from row t.
            let mut f = 0.0;
            if t > 0 {
                if t >= m0 {
                    for (r, ph) in phi.iter().enumerate() {
                        f += ph * x[t - r - 1];
                    }
                }
                let l = self.band(t);
                let row = self.row(t);
                for j in 1..=l {
                    f += self.theta[row * stride + j - 1] * self.innov[t - j];
                }
            }
            self.xhat[t] = f;
            self.innov[t] = x[t] - f;
        }
        Some(())
    }

    /// `(Σ e_t²/v_t, Σ ln v_t)` of the exact likelihood of `w − mu`.
    fn likelihood(&mut self, w: &[f64], mu: f64, phi: &[f64], theta: &[f64]) -> Option<(f64, f64)> {
        let x: Vec<f64> = w.iter().map(|v| v - mu).collect();
        self.run(&x, phi, theta, 0)?;
        let (mut s, mut sumlog) = (0.0, 0.0);
        for t in 0..x.len() {
            let v = self.v(t);
            s += self.innov[t] * self.innov[t] / v;
            sumlog += v.ln();
        }
        (s.is_finite() && s > 0.0).then_some((s, sumlog))
    }
}

/// BFGS with central-difference gradients (step 1e-3) and backtracking, after R's `vmmin`
/// (`optim(method = "BFGS")`, relative tolerance 1e-8). Returns the minimum point and value,
/// `None` when the start is not finite.
fn bfgs(mut f: impl FnMut(&[f64]) -> f64, x0: &[f64], max_iter: usize) -> Option<(Vec<f64>, f64)> {
    const STEP: f64 = 1e-3;
    const RELTOL: f64 = 1e-8;
    const ACCTOL: f64 = 1e-4;
    const STEPREDN: f64 = 0.2;
    const RELTEST: f64 = 10.0;
    let n = x0.len();
    let mut b = x0.to_vec();
    let mut fmin = f(&b);
    if !fmin.is_finite() {
        return None;
    }
    if n == 0 {
        return Some((b, fmin));
    }
    let grad = |x: &[f64], g: &mut [f64], f: &mut dyn FnMut(&[f64]) -> f64| {
        let mut xx = x.to_vec();
        for i in 0..n {
            xx[i] = x[i] + STEP;
            let up = f(&xx);
            xx[i] = x[i] - STEP;
            let down = f(&xx);
            xx[i] = x[i];
            g[i] = if up.is_finite() && down.is_finite() {
                (up - down) / (2.0 * STEP)
            } else {
                0.0
            };
        }
    };
    let mut g = vec![0.0; n];
    grad(&b, &mut g, &mut f);
    let mut hess = vec![0.0; n * n];
    let reset = |h: &mut [f64]| {
        h.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..n {
            h[i * n + i] = 1.0;
        }
    };
    let mut x = b.clone();
    let mut t = vec![0.0; n];
    let mut c = vec![0.0; n];
    let mut xb = vec![0.0; n];
    let mut gradcount = 1usize;
    let mut ilast = gradcount;
    let mut iter = 0;
    loop {
        if ilast == gradcount {
            reset(&mut hess);
        }
        x.copy_from_slice(&b);
        c.copy_from_slice(&g);
        for i in 0..n {
            t[i] = -(0..n).map(|j| hess[i * n + j] * g[j]).sum::<f64>();
        }
        let gradproj: f64 = t.iter().zip(&g).map(|(a, b)| a * b).sum();
        let mut count;
        if gradproj < 0.0 {
            let mut steplength = 1.0;
            let mut accpoint = false;
            let mut fv;
            loop {
                count = 0;
                for i in 0..n {
                    b[i] = x[i] + steplength * t[i];
                    if RELTEST + x[i] == RELTEST + b[i] {
                        count += 1;
                    }
                }
                if count < n {
                    fv = f(&b);
                    accpoint = fv.is_finite() && fv <= fmin + gradproj * steplength * ACCTOL;
                    if !accpoint {
                        steplength *= STEPREDN;
                    } else {
                        let enough = (fv - fmin).abs() > RELTOL * (fmin.abs() + RELTOL);
                        if !enough {
                            count = n;
                        }
                        fmin = fv;
                    }
                }
                if count == n || accpoint {
                    break;
                }
            }
            if count < n {
                grad(&b, &mut g, &mut f);
                gradcount += 1;
                iter += 1;
                let mut d1 = 0.0;
                for i in 0..n {
                    t[i] *= steplength;
                    c[i] = g[i] - c[i];
                    d1 += t[i] * c[i];
                }
                if d1 > 0.0 {
                    let mut d2 = 0.0;
                    for i in 0..n {
                        xb[i] = (0..n).map(|j| hess[i * n + j] * c[j]).sum::<f64>();
                        d2 += xb[i] * c[i];
                    }
                    d2 = 1.0 + d2 / d1;
                    for i in 0..n {
                        for j in 0..n {
                            hess[i * n + j] +=
                                (d2 * t[i] * t[j] - xb[i] * t[j] - t[i] * xb[j]) / d1;
                        }
                    }
                } else {
                    ilast = gradcount;
                }
            } else if ilast < gradcount {
                count = 0;
                ilast = gradcount;
            }
        } else {
            count = 0;
            if ilast == gradcount {
                count = n;
            } else {
                ilast = gradcount;
            }
        }
        if iter >= max_iter {
            break;
        }
        if gradcount - ilast > 2 * n {
            ilast = gradcount;
        }
        if count == n && ilast == gradcount {
            break;
        }
    }
    Some((b, fmin))
}

/// The stepwise search (statsforecast's `auto_arima_f`).
fn search(config: &Arima, y: &[f64], m: usize, approximation: bool) -> Option<ArimaModel> {
    let n = y.len();
    let sd = if m > 1 && n > 2 * m {
        nsdiffs(y, m, config.max_sd)
    } else {
        0
    };
    let dx = difference(y, 0, sd, m);
    let mut d = ndiffs(&dx, config.max_d);
    if d > 0 && difference(&dx, d, 0, 1).is_empty() {
        d -= 1;
    }
    let w = difference(&dx, d, 0, 1);
    if w.len() < 2 {
        return None;
    }
    let allow_constant = d + sd <= 1;
    let base = ArimaOrder {
        p: 0,
        d,
        q: 0,
        sp: 0,
        sd,
        sq: 0,
        m,
        constant: allow_constant,
    };
    if is_constant(&w) {
        // A deterministic path: the differences are constant.
        return Some(ArimaModel {
            order: base,
            coef: Vec::new(),
            mean: if allow_constant { w[0] } else { 0.0 },
            sigma2: 0.0,
            loglik: f64::INFINITY,
            aicc: f64::NEG_INFINITY,
            y: y.to_vec(),
        });
    }
    let mut max_p = config.max_p.min(n / 3);
    let mut max_q = config.max_q.min(n / 3);
    let (max_sp, max_sq) = if m > 1 {
        (config.max_sp.min(n / 3 / m), config.max_sq.min(n / 3 / m))
    } else {
        (0, 0)
    };
    if m > 1 {
        max_p = max_p.min(m - 1);
        max_q = max_q.min(m - 1);
    }
    let scale = spread(&w).unwrap_or(1.0);
    let data = Prepared {
        w: w.iter().map(|v| v / scale).collect(),
        scale,
    };
    let method = if approximation {
        Method::Css
    } else {
        Method::CssMl
    };
    let mut tried: Vec<(ArimaOrder, f64)> = Vec::new();
    let mut best: Option<ArimaModel> = None;
    let mut try_order = |o: ArimaOrder, best: &mut Option<ArimaModel>| -> bool {
        if tried.len() >= MAX_MODELS || tried.iter().any(|(t, _)| t.same_search_point(&o)) {
            return false;
        }
        let fit = fit_prepared(y, &data, o, method);
        let ic = fit.as_ref().map_or(f64::INFINITY, |f| f.aicc);
        tried.push((o, ic));
        let better = best.as_ref().is_none_or(|b| ic < b.aicc);
        if better && fit.is_some() {
            *best = fit;
            true
        } else {
            false
        }
    };
    let (mut start_p, mut start_q, mut start_sp, mut start_sq) = (2, 2, 1, 1);
    if n < 10 {
        start_p = 1;
        start_q = 1;
        start_sp = 0;
        start_sq = 0;
    }
    let mut cur = ArimaOrder {
        p: start_p.min(max_p),
        q: start_q.min(max_q),
        sp: start_sp.min(max_sp),
        sq: start_sq.min(max_sq),
        ..base
    };
    try_order(cur, &mut best);
    if try_order(base, &mut best) {
        cur = base;
    }
    if max_p > 0 || max_sp > 0 {
        let o = ArimaOrder {
            p: usize::from(max_p > 0),
            sp: usize::from(m > 1 && max_sp > 0),
            ..base
        };
        if try_order(o, &mut best) {
            cur = o;
        }
    }
    if max_q > 0 || max_sq > 0 {
        let o = ArimaOrder {
            q: usize::from(max_q > 0),
            sq: usize::from(m > 1 && max_sq > 0),
            ..base
        };
        if try_order(o, &mut best) {
            cur = o;
        }
    }
    if allow_constant {
        let o = ArimaOrder {
            constant: false,
            ..base
        };
        if try_order(o, &mut best) {
            cur = o;
        }
    }
    // Neighbours in statsforecast's order: (ΔP, ΔQ), then (Δp, Δq), then the constant.
    const SEASONAL: [(i32, i32); 8] = [
        (-1, 0),
        (0, -1),
        (1, 0),
        (0, 1),
        (-1, -1),
        (-1, 1),
        (1, -1),
        (1, 1),
    ];
    let step = |v: usize, dv: i32, max: usize| -> Option<usize> {
        let nv = v as i64 + dv as i64;
        (nv >= 0 && nv as usize <= max).then_some(nv as usize)
    };
    loop {
        let mut improved = false;
        let mut moves: Vec<ArimaOrder> = Vec::with_capacity(17);
        for (dp, dq) in SEASONAL {
            if let (Some(sp), Some(sq)) = (step(cur.sp, dp, max_sp), step(cur.sq, dq, max_sq)) {
                moves.push(ArimaOrder { sp, sq, ..cur });
            }
        }
        for (dp, dq) in SEASONAL {
            if let (Some(p), Some(q)) = (step(cur.p, dp, max_p), step(cur.q, dq, max_q)) {
                moves.push(ArimaOrder { p, q, ..cur });
            }
        }
        if allow_constant {
            moves.push(ArimaOrder {
                constant: !cur.constant,
                ..cur
            });
        }
        for o in moves {
            if try_order(o, &mut best) {
                cur = o;
                improved = true;
                break;
            }
        }
        // Past the model limit no move is fitted, so none improves.
        if !improved {
            break;
        }
    }
    if approximation {
        // Refit the candidates by exact likelihood, best first, until one is accepted.
        tried.sort_by(|a, b| a.1.total_cmp(&b.1));
        for (o, ic) in &tried {
            if !ic.is_finite() {
                break;
            }
            if let Some(fit) = fit_prepared(y, &data, *o, Method::CssMl) {
                return Some(fit);
            }
        }
        return None;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::test_series::seasonal_series;

    #[test]
    fn partrans_round_trips_and_is_stationary() {
        let raw = [0.4, -1.2, 0.3];
        let mut phi = [0.0; 3];
        partrans(&raw, &mut phi);
        assert!(roots_outside(&phi, -1.0, 1.0), "{phi:?}");
        let back = invpartrans(&phi).unwrap();
        for (a, b) in raw.iter().zip(&back) {
            assert!((a - b).abs() < 1e-10, "{raw:?} {back:?}");
        }
    }

    #[test]
    fn exact_likelihood_of_ar1_matches_the_closed_form() {
        // AR(1): −2 log L = n ln(2πσ²) + ln(1/(1−φ²)) + (x₁²(1−φ²) + Σ(x_t − φx_{t−1})²)/σ².
        let x = [0.3, -0.5, 1.2, 0.7, -0.1, 0.4, 0.9, -0.8];
        let phi = 0.6;
        let mut w = Work::default();
        let (s, sumlog) = w.likelihood(&x, 0.0, &[phi], &[]).unwrap();
        let mut want = x[0] * x[0] * (1.0 - phi * phi);
        for t in 1..x.len() {
            want += (x[t] - phi * x[t - 1]).powi(2);
        }
        assert!((s - want).abs() < 1e-12, "{s} {want}");
        assert!((sumlog - (1.0 / (1.0 - phi * phi)).ln()).abs() < 1e-12);
    }

    #[test]
    fn exact_likelihood_of_ma1_matches_the_covariance_matrix() {
        // MA(1) with θ: Σ tridiagonal (1+θ², θ); x'Σ⁻¹x and ln|Σ| by a Cholesky factor.
        let x: [f64; 6] = [0.3, -0.5, 1.2, 0.7, -0.1, 0.4];
        let th: f64 = -0.7;
        let n = x.len();
        let sigma = nalgebra::DMatrix::from_fn(n, n, |i, j| match i.abs_diff(j) {
            0 => 1.0 + th * th,
            1 => th,
            _ => 0.0,
        });
        let chol = sigma.clone().cholesky().unwrap();
        let xv = nalgebra::DVector::from_column_slice(&x);
        let quad = xv.dot(&chol.solve(&xv));
        let logdet: f64 = chol.l().diagonal().iter().map(|d: &f64| 2.0 * d.ln()).sum();
        let mut w = Work::default();
        let (s, sumlog) = w.likelihood(&x, 0.0, &[], &[th]).unwrap();
        assert!((s - quad).abs() < 1e-10, "{s} {quad}");
        assert!((sumlog - logdet).abs() < 1e-10, "{sumlog} {logdet}");
    }

    #[test]
    fn kpss_and_seasonal_strength_choose_the_differences() {
        let walk: Vec<f64> = (0..120)
            .scan(0.0, |s, t| {
                *s += ((t * 7919 % 17) as f64 - 8.0) * 0.5 + 0.3;
                Some(*s)
            })
            .collect();
        assert!(ndiffs(&walk, 2) >= 1);
        let noise: Vec<f64> = (0..120).map(|t| (t * 7919 % 17) as f64 - 8.0).collect();
        assert_eq!(ndiffs(&noise, 2), 0);
        let seasonal: Vec<f64> = (0..96)
            .map(|t| 10.0 * ((t % 12) as f64 - 5.5).abs() + ((t * 31 % 7) as f64))
            .collect();
        assert!(seasonal_strength(&seasonal, 12) > SEASONAL_STRENGTH);
        assert_eq!(nsdiffs(&seasonal, 12, 1), 1);
        assert!(seasonal_strength(&noise, 12) < SEASONAL_STRENGTH);
    }

    #[test]
    fn seasonal_data_get_a_seasonal_difference_and_a_refit_keeps_the_order() {
        let s = seasonal_series(96);
        let f = Arima::default().fit(&s).unwrap();
        let order = f.model().unwrap().order();
        assert_eq!((order.sd, order.m), (1, 12), "{}", f.selected());
        assert!(f.fallbacks().is_empty());
        let fc = f.predict(12, &[0.8, 0.95]).unwrap();
        // Month 3 of the pattern (1.3) stays above month 4 (0.8) a year ahead.
        assert!(fc.point[3] > fc.point[4] * 1.3, "{:?}", fc.point);
        let r = f.refit(&s.prefix(84)).unwrap().unwrap();
        assert_eq!(r.predict(12, &[0.8]).unwrap().point.len(), 12);
        let again = Arima {
            order: Some(order),
            ..Arima::default()
        }
        .fit(&s.prefix(84))
        .unwrap();
        assert_eq!(again.model().unwrap().order(), order);
    }

    #[test]
    fn random_walk_interval_widths_grow_with_the_square_root_of_the_horizon() {
        let walk: Vec<f64> = (0..80)
            .scan(50.0, |s, t| {
                *s += ((t * 7919 % 17) as f64 - 8.0) * 0.5;
                Some(*s)
            })
            .collect();
        let order = ArimaOrder {
            p: 0,
            d: 1,
            q: 0,
            sp: 0,
            sd: 0,
            sq: 0,
            m: 1,
            constant: false,
        };
        let f = Arima {
            order: Some(order),
            ..Arima::default()
        }
        .fit(&Series::new(walk.clone()).unwrap())
        .unwrap();
        let fc = f.predict(9, &[0.8]).unwrap();
        let iv = fc.interval(0.8).unwrap();
        let width = |k: usize| iv.upper[k] - iv.lower[k];
        assert!(
            (width(8) / width(0) - 3.0).abs() < 1e-9,
            "{}",
            width(8) / width(0)
        );
        assert!(fc.point.iter().all(|p| *p == walk[79]));
    }

    #[test]
    fn short_constant_long_season_and_censored_series_say_what_ran() {
        let short = Series::new(vec![1.0, 2.0, 3.0]).unwrap();
        assert_eq!(Arima::default().fit(&short).unwrap().selected(), "naive");
        let constant = Series::new(vec![5.0; 30]).unwrap();
        let f = Arima::default().fit(&constant).unwrap();
        assert_eq!(f.predict(3, &[0.9]).unwrap().point, vec![5.0; 3]);
        assert!(!f.fallbacks().is_empty());
        let long = Series::new((0..150).map(|t| 10.0 + (t % 60) as f64).collect())
            .unwrap()
            .with_season(60)
            .unwrap();
        let f = Arima::default().fit(&long).unwrap();
        assert!(!f.selected().contains('['), "{}", f.selected());
        assert!(f.fallbacks().iter().any(|fb| fb.reason.contains("60")));
        // A wild censored point is replaced by its neighbours' line, so it does not move the fit.
        let s = seasonal_series(96);
        let base = Arima::default()
            .fit(&s)
            .unwrap()
            .predict(1, &[0.8])
            .unwrap();
        let mut v = s.values().to_vec();
        v[60] = 1e5;
        let mut mask = vec![false; 96];
        mask[60] = true;
        let censored = Series::new(v)
            .unwrap()
            .with_season(12)
            .unwrap()
            .with_censored(mask)
            .unwrap();
        let c = Arima::default()
            .fit(&censored)
            .unwrap()
            .predict(1, &[0.8])
            .unwrap();
        assert!((c.point[0] - base.point[0]).abs() < 0.05 * base.point[0]);
    }
}
