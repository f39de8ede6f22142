//! Prophet's maximum a posteriori fit without Stan: the log posterior of Prophet's Stan model
//! (`prophet.stan`, linear and flat trends) with its analytic gradient, maximised by `argmin`'s
//! L-BFGS with a Moré–Thuente line search, stopping as Stan's L-BFGS does for Python Prophet.
//!
//! Model, in the scaled units `augurs-prophet` prepares (y divided by its largest magnitude,
//! time from 0 to 1 over the history):
//!
//! ```text
//! trend_i = (k + Σ_j A_ij δ_j) t_i + m − Σ_j A_ij s_j δ_j      A_ij = [t_i ≥ s_j]  (flat: m)
//! μ_i     = trend_i (1 + Σ_c X_ic β_c m_c) + Σ_c X_ic β_c a_c
//! k, m ~ N(0, 5)   δ_j ~ Laplace(0, τ)   σ ~ N⁺(0, 0.5)   β_c ~ N(0, σ_c)   y_i ~ N(μ_i, σ)
//! ```
//!
//! The search runs on `(k, m, δ, β, ln σ)`; the Jacobian of `ln σ` is added only when asked
//! (`jacobian`), as in Stan's `optimize`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use argmin::core::observers::{Observe, ObserverMode};
use argmin::core::{
    CostFunction, Executor, Gradient, IterState, KV, State, TerminationReason, TerminationStatus,
};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use augurs_prophet::optimizer::{
    Data, Error, InitialParams, OptimizeOpts, OptimizedParams, Optimizer,
};
use augurs_prophet::{PositiveFloat, TrendIndicator};

/// Stan's L-BFGS defaults as Python Prophet calls them (`iter=10000`, `history_size=5`), with
/// Stan's convergence tolerances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbfgsSettings {
    /// Absolute change of the objective below which the search stops (Stan `tol_obj`).
    pub tol_obj: f64,
    /// Relative change of the objective, in units of machine epsilon (Stan `tol_rel_obj`).
    pub tol_rel_obj: f64,
    /// Gradient norm below which the search stops (Stan `tol_grad`).
    pub tol_grad: f64,
    /// Relative gradient `g'H⁻¹g / max(|f|, 1)`, in units of machine epsilon (Stan
    /// `tol_rel_grad`); `H⁻¹` is taken as the last step's curvature scale `s'y / y'y`.
    pub tol_rel_grad: f64,
    /// Length of the last step below which the search stops (Stan `tol_param`).
    pub tol_param: f64,
    /// Iteration limit (Stan `iter`).
    pub iter: u64,
    /// Correction pairs kept (Stan `history_size`).
    pub history: usize,
}

impl Default for LbfgsSettings {
    fn default() -> Self {
        Self {
            tol_obj: 1e-12,
            tol_rel_obj: 1e4,
            tol_grad: 1e-8,
            tol_rel_grad: 1e7,
            tol_param: 1e-8,
            iter: 10_000,
            history: 5,
        }
    }
}

/// Width of the rounding of `|δ|` at 0, in scaled units. The Laplace prior's kink at 0 stalls
/// a quasi-Newton search: the curvature pairs it learns across the kink are wrong, and it stops
/// short of the optimum in the other parameters. `√(δ² + ε²) − ε` differs from `|δ|` by less
/// than ε, so the objective moves by less than `S·ε/τ` (0.05 with Prophet's 25 changepoints and
/// τ = 0.05, against objectives in the hundreds to thousands). Measured: ε = 1e-6 gives the same
/// benchmark scores as 1e-4 at four times the iterations.
const SMOOTH: f64 = 1e-4;

fn smooth_abs(v: f64) -> f64 {
    (v * v + SMOOTH * SMOOTH).sqrt() - SMOOTH
}

fn smooth_abs_slope(v: f64) -> f64 {
    v / (v * v + SMOOTH * SMOOTH).sqrt()
}

/// First trial step along the gradient (Stan's `init_alpha`). Prophet's objective has
/// gradients of 1e3–1e5 at its start on long series; a unit step there overflows σ.
const INIT_ALPHA: f64 = 1e-3;
/// L-BFGS runs at most, each resumed from the best point of the one before.
const MAX_RUNS: usize = 20;

/// An [`Optimizer`] for `augurs-prophet` on `argmin`'s L-BFGS.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ArgminLbfgs {
    /// Stopping rules; fields of [`OptimizeOpts`] that are set override them.
    pub settings: LbfgsSettings,
}

/// The negative log posterior and its gradient at `(k, m, δ, β, ln σ)`.
#[derive(Debug)]
pub(crate) struct Posterior<'a> {
    data: &'a Data,
    jacobian: bool,
    /// Per changepoint, the first observation at or after it.
    starts: Vec<usize>,
    /// The lowest objective evaluated and where, kept in case a line search gives up.
    best: RefCell<Option<(f64, Vec<f64>)>>,
    /// The last evaluation: point, objective, gradient.
    last: RefCell<Option<Evaluation>>,
}

type Evaluation = (Vec<f64>, f64, Vec<f64>);

impl<'a> Posterior<'a> {
    /// Refuses times out of order (`augurs-prophet` sorts them; the sums below rely on it).
    pub(crate) fn new(data: &'a Data, jacobian: bool) -> Result<Self, Error> {
        if data.t.windows(2).any(|w| w[0] > w[1]) {
            return Err(Error::static_str("Prophet times are not in order"));
        }
        // First observation at or after each changepoint: where its indicator column starts.
        let starts = data
            .t_change
            .iter()
            .map(|c| data.t.partition_point(|t| t < c))
            .collect();
        Ok(Self {
            data,
            jacobian,
            starts,
            best: RefCell::new(None),
            last: RefCell::new(None),
        })
    }

    fn sizes(&self) -> (usize, usize, usize) {
        (
            self.data.y.len(),
            self.data.t_change.len(),
            self.data.K.max(0) as usize,
        )
    }

    /// Trend at every observation: the slope and offset move by `δ_j` and `−s_j δ_j` from
    /// changepoint `j` on, accumulated in time order.
    pub(crate) fn trend(&self, x: &[f64]) -> Vec<f64> {
        let d = self.data;
        let (n, s, _) = self.sizes();
        let (k, m) = (x[0], x[1]);
        let delta = &x[2..2 + s];
        if d.trend_indicator == TrendIndicator::Flat {
            return vec![m; n];
        }
        let (mut slope, mut offset, mut j) = (k, m, 0);
        (0..n)
            .map(|i| {
                while j < s && self.starts[j] <= i {
                    slope += delta[j];
                    offset -= d.t_change[j] * delta[j];
                    j += 1;
                }
                slope * d.t[i] + offset
            })
            .collect()
    }

    pub(crate) fn value(&self, x: &[f64]) -> f64 {
        self.value_and_gradient(x).0
    }

    /// The objective and its gradient, reusing the last evaluation at the same point (the
    /// line search asks for cost and gradient separately).
    pub(crate) fn value_and_gradient(&self, x: &[f64]) -> (f64, Vec<f64>) {
        if let Some((lx, f, g)) = self.last.borrow().as_ref()
            && lx.as_slice() == x
        {
            return (*f, g.clone());
        }
        let (f, g) = self.evaluate(x);
        *self.last.borrow_mut() = Some((x.to_vec(), f, g.clone()));
        (f, g)
    }

    fn evaluate(&self, x: &[f64]) -> (f64, Vec<f64>) {
        let d = self.data;
        let (n, s, kk) = self.sizes();
        let (k, m) = (x[0], x[1]);
        let delta = &x[2..2 + s];
        let beta = &x[2 + s..2 + s + kk];
        let log_sigma = x[2 + s + kk];
        let sigma = log_sigma.exp();
        let tau = *d.tau;
        let trend = self.trend(x);
        let mut f = k * k / 50.0 + m * m / 50.0 + 2.0 * sigma * sigma;
        f += delta.iter().map(|v| smooth_abs(*v)).sum::<f64>() / tau;
        f += beta
            .iter()
            .zip(&d.sigmas)
            .map(|(b, sc)| b * b / (2.0 * **sc * **sc))
            .sum::<f64>();
        let mut g = vec![0.0; x.len()];
        g[0] = k / 25.0;
        g[1] = m / 25.0;
        for j in 0..s {
            g[2 + j] = smooth_abs_slope(delta[j]) / tau;
        }
        for c in 0..kk {
            g[2 + s + c] = beta[c] / (*d.sigmas[c] * *d.sigmas[c]);
        }
        let inv_var = 1.0 / (sigma * sigma);
        let mut sse = 0.0;
        // d f / d trend_i, for the trend parameters below.
        let mut dtrend = vec![0.0; n];
        for i in 0..n {
            let row = &d.X[i * kk..(i + 1) * kk];
            let (mut factor, mut additive) = (1.0, 0.0);
            for c in 0..kk {
                factor += row[c] * beta[c] * f64::from(d.s_m[c]);
                additive += row[c] * beta[c] * f64::from(d.s_a[c]);
            }
            let r = d.y[i] - (trend[i] * factor + additive);
            sse += r * r;
            let dmu = -r * inv_var;
            dtrend[i] = dmu * factor;
            for c in 0..kk {
                g[2 + s + c] +=
                    dmu * row[c] * (trend[i] * f64::from(d.s_m[c]) + f64::from(d.s_a[c]));
            }
        }
        f += n as f64 * log_sigma + sse / (2.0 * sigma * sigma);
        if self.jacobian {
            f -= log_sigma;
        }
        if d.trend_indicator == TrendIndicator::Flat {
            g[1] += dtrend.iter().sum::<f64>();
        } else {
            // Suffix sums of dtrend·t and dtrend give each changepoint's gradient in O(n + S).
            let (mut sum_t, mut sum) = (0.0, 0.0);
            let mut j = s;
            for i in (0..n).rev() {
                sum_t += dtrend[i] * d.t[i];
                sum += dtrend[i];
                while j > 0 && self.starts[j - 1] == i {
                    j -= 1;
                    g[2 + j] += sum_t - d.t_change[j] * sum;
                }
            }
            g[0] += sum_t;
            g[1] += sum;
        }
        g[2 + s + kk] = 4.0 * sigma * sigma + n as f64 - sse * inv_var;
        if self.jacobian {
            g[2 + s + kk] -= 1.0;
        }
        (f, g)
    }

    fn remember(&self, f: f64, x: &[f64]) {
        let mut best = self.best.borrow_mut();
        if f.is_finite() && best.as_ref().is_none_or(|(b, _)| f < *b) {
            *best = Some((f, x.to_vec()));
        }
    }
}

/// The posterior as `argmin` borrows it (the executor takes its problem by value), times
/// `scale`: with no curvature learned yet, L-BFGS tries a unit step along the scaled
/// gradient, so `scale` sets the first trial step (Stan's `init_alpha`). Later steps use the
/// learned curvature, which scaling does not change.
struct Problem<'p, 'a> {
    posterior: &'p Posterior<'a>,
    scale: f64,
}

impl CostFunction for Problem<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let f = self.posterior.value(x);
        self.posterior.remember(f, x);
        if f.is_finite() {
            Ok(f * self.scale)
        } else {
            // The line search fails here; the search resumes from the best point seen.
            Err(argmin::core::Error::msg("the objective is not finite"))
        }
    }
}

impl Gradient for Problem<'_, '_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, x: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        let mut g = self.posterior.value_and_gradient(x).1;
        for v in &mut g {
            *v *= self.scale;
        }
        if g.iter().all(|v| v.is_finite()) {
            Ok(g)
        } else {
            Err(argmin::core::Error::msg("the gradient is not finite"))
        }
    }
}

/// Stan's convergence tests, checked after every L-BFGS iteration; argmin's own are off. On
/// convergence it sets `stopped` and ends the run with an error (an observer cannot end a run
/// otherwise); the run's best point is kept by [`Posterior`].
struct StanStop {
    settings: LbfgsSettings,
    scale: f64,
    stopped: Rc<Cell<bool>>,
}

type LbfgsState = IterState<Vec<f64>, Vec<f64>, (), (), (), f64>;

impl StanStop {
    fn converged(&self, state: &LbfgsState) -> bool {
        let st = &self.settings;
        let (f, f_prev) = (
            state.get_cost() / self.scale,
            state.get_prev_cost() / self.scale,
        );
        if !f_prev.is_finite() || !f.is_finite() {
            return false;
        }
        let df = (f_prev - f).abs();
        if df < st.tol_obj
            || df / f.abs().max(f_prev.abs()).max(1.0) < st.tol_rel_obj * f64::EPSILON
        {
            return true;
        }
        let Some(g) = state.get_gradient() else {
            return false;
        };
        let g_norm = g.iter().map(|v| v * v).sum::<f64>().sqrt() / self.scale;
        if g_norm < st.tol_grad {
            return true;
        }
        let (Some(x), Some(x_prev), Some(g_prev)) = (
            state.get_param(),
            state.get_prev_param(),
            state.get_prev_gradient(),
        ) else {
            return false;
        };
        let step: Vec<f64> = x.iter().zip(x_prev).map(|(a, b)| a - b).collect();
        let dg: Vec<f64> = g
            .iter()
            .zip(g_prev)
            .map(|(a, b)| (a - b) / self.scale)
            .collect();
        let dx = step.iter().map(|v| v * v).sum::<f64>().sqrt();
        if dx < st.tol_param {
            return true;
        }
        let sy: f64 = step.iter().zip(&dg).map(|(a, b)| a * b).sum();
        let yy: f64 = dg.iter().map(|v| v * v).sum();
        if sy > 0.0 && yy > 0.0 {
            let rel_grad = sy / yy * g_norm * g_norm / f.abs().max(1.0);
            if rel_grad < st.tol_rel_grad * f64::EPSILON {
                return true;
            }
        }
        false
    }
}

impl Observe<LbfgsState> for StanStop {
    fn observe_iter(&mut self, state: &LbfgsState, _kv: &KV) -> Result<(), argmin::core::Error> {
        if self.converged(state) {
            self.stopped.set(true);
            return Err(argmin::core::Error::msg("converged"));
        }
        Ok(())
    }
}

fn opt_err(e: impl std::fmt::Display) -> Error {
    Error::string(e.to_string())
}

impl ArgminLbfgs {
    /// Runs the search from `x0`; returns the best point and the iterations used.
    pub(crate) fn minimise(
        &self,
        posterior: &Posterior<'_>,
        x0: Vec<f64>,
        opts: &OptimizeOpts,
    ) -> Result<(Vec<f64>, u64), Error> {
        let st = self.settings;
        let settings = LbfgsSettings {
            tol_obj: opts.tol_obj.unwrap_or(st.tol_obj),
            tol_rel_obj: opts.tol_rel_obj.unwrap_or(st.tol_rel_obj),
            tol_grad: opts.tol_grad.unwrap_or(st.tol_grad),
            tol_rel_grad: opts.tol_rel_grad.unwrap_or(st.tol_rel_grad),
            tol_param: opts.tol_param.unwrap_or(st.tol_param),
            iter: opts.iter.map_or(st.iter, u64::from),
            history: opts.history_size.map_or(st.history, |h| h.max(1) as usize),
        };
        // Stan's tests run after every iteration (see [`StanStop`]). A run that ends because
        // its line search failed (a trial step overflowed, or found no decrease) is resumed
        // from the best point with fresh curvature, as long as that improves the objective.
        let mut x = x0;
        let mut used = 0;
        for _ in 0..MAX_RUNS {
            let f0 = posterior.value(&x);
            if !f0.is_finite() {
                return Err(Error::static_str(
                    "the objective is not finite at the start",
                ));
            }
            let problem = Problem {
                posterior,
                scale: INIT_ALPHA,
            };
            let solver = LBFGS::new(MoreThuenteLineSearch::new(), settings.history)
                .with_tolerance_grad(0.0)
                .map_err(opt_err)?
                .with_tolerance_cost(0.0)
                .map_err(opt_err)?;
            let stopped = Rc::new(Cell::new(false));
            let stop = StanStop {
                settings,
                scale: INIT_ALPHA,
                stopped: Rc::clone(&stopped),
            };
            let start = x.clone();
            let budget = settings.iter.saturating_sub(used).max(1);
            let run = Executor::new(problem, solver)
                .configure(|s| s.param(start).max_iters(budget))
                .add_observer(stop, ObserverMode::Always)
                .timer(false)
                .run();
            let converged = match &run {
                Ok(res) => {
                    used += res.state().get_iter().max(1);
                    matches!(
                        res.state().get_termination_status(),
                        TerminationStatus::Terminated(TerminationReason::MaxItersReached)
                    )
                }
                Err(_) => {
                    used += 1;
                    stopped.get()
                }
            };
            let best = posterior.best.borrow().clone();
            let Some((f_best, x_best)) = best else {
                return Err(Error::static_str("no point evaluated"));
            };
            let improved = f0 - f_best
                > settings
                    .tol_obj
                    .max(settings.tol_rel_obj * f64::EPSILON * f0.abs().max(1.0));
            if f_best < f0 {
                x = x_best;
            }
            if converged || !improved || used >= settings.iter {
                break;
            }
        }
        Ok((x, used))
    }
}

/// Column indexes sorted by mode, prior scale and values: an order that does not depend on
/// the order the columns came in.
fn canonical_order(data: &Data, kk: usize) -> Vec<usize> {
    let n = data.y.len();
    let key = |c: usize| (data.s_a[c], data.s_m[c], *data.sigmas[c]);
    let mut order: Vec<usize> = (0..kk).collect();
    order.sort_by(|&a, &b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0)
            .then(ka.1.cmp(&kb.1))
            .then(ka.2.total_cmp(&kb.2))
            .then_with(|| {
                (0..n)
                    .map(|i| data.X[i * kk + a].total_cmp(&data.X[i * kk + b]))
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
    });
    order
}

/// `data` with its feature columns in `order`.
fn permute_columns(data: &Data, order: &[usize]) -> Data {
    let kk = order.len();
    let mut x = Vec::with_capacity(data.X.len());
    for row in data.X.chunks(kk.max(1)) {
        x.extend(order.iter().map(|&c| row[c]));
    }
    Data {
        X: x,
        s_a: order.iter().map(|&c| data.s_a[c]).collect(),
        s_m: order.iter().map(|&c| data.s_m[c]).collect(),
        sigmas: order.iter().map(|&c| data.sigmas[c]).collect(),
        ..data.clone()
    }
}

impl Optimizer for ArgminLbfgs {
    fn optimize(
        &self,
        init: &InitialParams,
        data: &Data,
        opts: &OptimizeOpts,
    ) -> Result<OptimizedParams, Error> {
        if data.trend_indicator == TrendIndicator::Logistic {
            return Err(Error::static_str(
                "logistic growth is not implemented by this optimizer",
            ));
        }
        let (n, s, kk) = (data.y.len(), data.t_change.len(), data.K.max(0) as usize);
        if data.t.len() != n || data.X.len() != n * kk || data.sigmas.len() != kk {
            return Err(Error::static_str("inconsistent Prophet data"));
        }
        if init.delta.len() != s || init.beta.len() != kk {
            return Err(Error::static_str(
                "initial parameters do not match the data",
            ));
        }
        // `augurs-prophet` orders the feature columns by hash-map iteration, which differs
        // between two models of the same series; fitting in an order fixed by the columns'
        // contents makes every fit of the same data take the same path to the same optimum.
        let order = canonical_order(data, kk);
        let canonical = permute_columns(data, &order);
        let posterior = Posterior::new(&canonical, opts.jacobian.unwrap_or(false))?;
        let mut x0 = vec![init.k, init.m];
        x0.extend(&init.delta);
        x0.extend(order.iter().map(|&c| init.beta[c]));
        x0.push(init.sigma_obs.ln());
        let (x, _) = self.minimise(&posterior, x0, opts)?;
        let trend = posterior.trend(&x);
        let sigma = x[2 + s + kk].exp().max(f64::MIN_POSITIVE);
        let mut beta = vec![0.0; kk];
        for (pos, &c) in order.iter().enumerate() {
            beta[c] = x[2 + s + pos];
        }
        Ok(OptimizedParams {
            k: x[0],
            m: x[1],
            delta: x[2..2 + s].to_vec(),
            beta,
            sigma_obs: PositiveFloat::try_from(sigma).map_err(opt_err)?,
            trend,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pf(x: f64) -> PositiveFloat {
        PositiveFloat::try_from(x).unwrap()
    }

    /// 40 points with two changepoints, one additive and one multiplicative column.
    fn data(flat: bool) -> Data {
        let n = 40;
        let t: Vec<f64> = (0..n).map(|i| i as f64 / (n - 1) as f64).collect();
        let x: Vec<f64> = t
            .iter()
            .flat_map(|t| [(6.0 * t).sin(), (11.0 * t).cos()])
            .collect();
        let y: Vec<f64> = t
            .iter()
            .enumerate()
            .map(|(i, t)| 0.2 + 0.5 * t + 0.1 * (6.0 * t).sin() + 0.01 * ((i * 37) % 7) as f64)
            .collect();
        Data {
            T: n as i32,
            y,
            t,
            cap: vec![0.0; n],
            S: 2,
            t_change: vec![0.3, 0.65],
            trend_indicator: if flat {
                TrendIndicator::Flat
            } else {
                TrendIndicator::Linear
            },
            K: 2,
            s_a: vec![1, 0],
            s_m: vec![0, 1],
            X: x,
            sigmas: vec![pf(10.0), pf(2.0)],
            tau: pf(0.05),
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        for (flat, jacobian) in [(false, false), (false, true), (true, false)] {
            let d = data(flat);
            let p = Posterior::new(&d, jacobian).unwrap();
            // Away from δ = 0, where |δ| has its kink.
            let x = vec![0.4, 0.15, 0.07, -0.03, 0.2, -0.4, (0.08f64).ln()];
            let (_, g) = p.value_and_gradient(&x);
            for i in 0..x.len() {
                let h = 1e-6;
                let (mut up, mut down) = (x.clone(), x.clone());
                up[i] += h;
                down[i] -= h;
                let fd = (p.value(&up) - p.value(&down)) / (2.0 * h);
                let tol = 1e-5 * fd.abs().max(1.0);
                assert!(
                    (fd - g[i]).abs() < tol,
                    "flat {flat} jacobian {jacobian} param {i}: {fd} vs {}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn finds_the_optimum_to_stan_tolerances() {
        let d = data(false);
        let init = InitialParams {
            k: 0.5,
            m: 0.2,
            delta: vec![0.0; 2],
            beta: vec![0.0; 2],
            sigma_obs: pf(1.0),
        };
        let opt = ArgminLbfgs::default()
            .optimize(&init, &d, &OptimizeOpts::default())
            .unwrap();
        let p = Posterior::new(&d, false).unwrap();
        let mut x = vec![opt.k, opt.m];
        x.extend(&opt.delta);
        x.extend(&opt.beta);
        x.push(opt.sigma_obs.ln());
        let (f, g) = p.value_and_gradient(&x);
        // Stationary to Stan's tolerances: the objective's curvature is about n/σ² ≈ 1e5, so
        // a gradient of 5e-2 is a parameter error near 5e-7.
        for (i, gi) in g.iter().enumerate() {
            assert!(gi.abs() < 5e-2, "param {i}: gradient {gi}");
        }
        // The noise is about 0.02: the fit explains the signal.
        assert!(
            *opt.sigma_obs < 0.03 && *opt.sigma_obs > 0.005,
            "{}",
            *opt.sigma_obs
        );
        assert!((opt.beta[0] - 0.1).abs() < 0.03, "{:?}", opt.beta);
        // No nearby point is better.
        for i in 0..x.len() {
            for step in [-1e-4, 1e-4] {
                let mut y = x.clone();
                y[i] += step;
                assert!(p.value(&y) >= f - 1e-7, "param {i} step {step}");
            }
        }
        assert_eq!(opt.trend.len(), 40);
    }

    #[test]
    fn column_order_does_not_change_the_fit() {
        let d = data(false);
        let swapped = permute_columns(&d, &[1, 0]);
        let init = InitialParams {
            k: 0.5,
            m: 0.2,
            delta: vec![0.0; 2],
            beta: vec![0.0; 2],
            sigma_obs: pf(1.0),
        };
        let o = ArgminLbfgs::default();
        let a = o.optimize(&init, &d, &OptimizeOpts::default()).unwrap();
        let b = o
            .optimize(&init, &swapped, &OptimizeOpts::default())
            .unwrap();
        assert_eq!(a.beta, vec![b.beta[1], b.beta[0]]);
        assert_eq!(a.delta, b.delta);
        assert_eq!((a.k, a.m, *a.sigma_obs), (b.k, b.m, *b.sigma_obs));
    }

    #[test]
    fn refuses_logistic_growth_and_mismatched_input() {
        let mut d = data(false);
        let init = InitialParams {
            k: 0.0,
            m: 0.0,
            delta: vec![0.0; 2],
            beta: vec![0.0; 2],
            sigma_obs: pf(1.0),
        };
        let bad = InitialParams {
            delta: vec![0.0; 3],
            ..init.clone()
        };
        let o = ArgminLbfgs::default();
        assert!(o.optimize(&bad, &d, &OptimizeOpts::default()).is_err());
        d.trend_indicator = TrendIndicator::Logistic;
        let e = o.optimize(&init, &d, &OptimizeOpts::default()).unwrap_err();
        assert!(e.to_string().contains("logistic"), "{e}");
    }
}
