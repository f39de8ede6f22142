//! A small LSTM (`lstm`) on `candle` (CPU): one recurrent layer and a linear head predicting
//! the next value, applied recursively.
//!
//! * **Input.** The `T = max(3m/2, 8)` periods before the target, each as its value scaled by
//!   the rolling level `L_t` (mean of the last `m` periods before the target, or of all `T`
//!   without a season): `y/L_t` for positive series, otherwise `(y − L_t)/s` with `s` the mean
//!   absolute one-step change — the scaling of [`RandomForest`](super::RandomForest), so the net
//!   learns shapes around the level and follows the series to new levels. With each value come
//!   the next period's position in the season (sine and cosine) and every regressor's value
//!   there (its known future when forecasting).
//! * **Output: the next value only.** The horizon is not known when fitting, and a one-step head
//!   shares one training target per period (many more samples than an `h`-step head on the
//!   short series of demand planning); forecasts feed predictions back as inputs.
//! * **Training.** Mean squared error, full batch, AdamW for a fixed number of epochs on the
//!   most recent [`Lstm::max_rows`] targets (censored and missing periods are never targets).
//! * **Determinism.** candle's CPU device cannot be seeded, so the initial weights (uniform in
//!   ±1/√hidden, PyTorch's LSTM initialisation) are drawn from a SplitMix64 generator seeded
//!   with [`Lstm::seed`] and handed to candle's layers; training is deterministic from there.
//! * **Intervals** as for the forest: refits at [`Lstm::origins`] rolling origins give per-step
//!   errors relative to the level at their origin, blended with `σ₁·h^¼` (σ₁ the one-step
//!   in-sample residual spread) as a prior worth four errors; empirical quantiles once a step
//!   has ten errors; half-widths never shrink.
//! * **Fallbacks.** Fewer than [`Lstm::min_history`] observed periods, a constant series, or a
//!   training that does not give finite numbers: [`Naive`](super::Naive), recorded.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::rnn::{LSTM, LSTMConfig, RNN};
use candle_nn::{AdamW, Linear, Module, Optimizer, ParamsAdamW, VarBuilder, VarMap};

use super::{RelativeSpread as Spread, SimpleFitted, naive_instead};
use crate::checks::{Fallback, observed_values};
use crate::error::ForecastError;
use crate::stats::{check_levels, sort_finite};
use crate::traits::{Forecaster, Predict};
use crate::types::{Forecast, Regressor, Series};

/// Training targets needed after the input window.
const MIN_ROWS: usize = 12;

/// The LSTM forecaster (`lstm`). See the [module documentation](self).
#[derive(Debug, Clone, PartialEq)]
pub struct Lstm {
    /// Hidden units of the recurrent layer.
    pub hidden: usize,
    /// Passes over the training windows.
    pub epochs: usize,
    /// AdamW learning rate.
    pub learning_rate: f64,
    /// AdamW decoupled weight decay.
    pub weight_decay: f64,
    /// Most recent periods used as training targets.
    pub max_rows: usize,
    /// Rolling origins refitted to learn the multi-step errors for the intervals.
    pub origins: usize,
    /// Seed of the initial weights.
    pub seed: u64,
}

impl Default for Lstm {
    fn default() -> Self {
        Self {
            hidden: 16,
            epochs: 150,
            learning_rate: 0.02,
            weight_decay: 1e-4,
            max_rows: 120,
            origins: 2,
            seed: 0x15_7a_00,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Scale {
    Ratio,
    Shift { s: f64 },
}

/// Input layout shared by training and forecasting.
#[derive(Debug, Clone, PartialEq)]
struct Layout {
    m: usize,
    window: usize,
    w: usize,
    scale: Scale,
    regressors: Vec<Regressor>,
}

impl Layout {
    fn new(series: &Series, scale: Scale) -> Self {
        let m = series.season();
        let window = window(m);
        Self {
            m,
            window,
            w: if m > 1 { m } else { window },
            scale,
            regressors: series.regressors().to_vec(),
        }
    }

    fn in_dim(&self) -> usize {
        1 + if self.m > 1 { 2 } else { 0 } + self.regressors.len()
    }

    fn level(&self, y: &[f64], t: usize) -> f64 {
        y[t - self.w..t].iter().sum::<f64>() / self.w as f64
    }

    fn to_model(&self, v: f64, level: f64) -> f64 {
        match self.scale {
            Scale::Ratio => v / level,
            Scale::Shift { s } => (v - level) / s,
        }
    }

    fn to_value(&self, z: f64, level: f64) -> f64 {
        match self.scale {
            Scale::Ratio => z * level,
            Scale::Shift { s } => level + z * s,
        }
    }

    fn unit(&self, level: f64) -> f64 {
        match self.scale {
            Scale::Ratio => level,
            Scale::Shift { s } => s,
        }
    }

    /// Appends the input sequence for target `t` (`window × in_dim` values) to `out`.
    fn input(&self, y: &[f64], t: usize, out: &mut Vec<f32>) {
        let level = self.level(y, t);
        let start = t - self.window;
        for (s, v) in (start..t).zip(&y[start..t]) {
            out.push(self.to_model(*v, level) as f32);
            if self.m > 1 {
                let angle = std::f64::consts::TAU * ((s + 1) % self.m) as f64 / self.m as f64;
                out.push(angle.sin() as f32);
                out.push(angle.cos() as f32);
            }
            out.extend(self.regressors.iter().map(|r| r.at(s + 1) as f32));
        }
    }
}

fn window(m: usize) -> usize {
    (m + m / 2).max(8)
}

/// The network and what forecasting needs.
struct Model {
    layout: Layout,
    lstm: LSTM,
    head: Linear,
    history: Vec<f64>,
    /// One-step in-sample residuals in model units.
    residuals: Vec<f64>,
    non_negative: bool,
}

impl Model {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let states = self.lstm.seq(x)?;
        let last = states
            .last()
            .ok_or_else(|| candle_core::Error::Msg("empty input window".into()))?;
        self.head.forward(last.h())
    }

    fn points(&self, h: usize) -> Result<Vec<f64>, ForecastError> {
        let bad = || ForecastError::NonFiniteOutput {
            model: "lstm".into(),
        };
        let mut y = self.history.clone();
        let n = y.len();
        let (window, dim) = (self.layout.window, self.layout.in_dim());
        let mut buf = Vec::with_capacity(window * dim);
        let mut out = Vec::with_capacity(h);
        for t in n..n + h {
            buf.clear();
            self.layout.input(&y, t, &mut buf);
            let z = Tensor::from_vec(buf.clone(), (1, window, dim), &Device::Cpu)
                .and_then(|x| self.forward(&x))
                .and_then(|p| p.flatten_all()?.to_vec1::<f32>())
                .map_err(|_| bad())?;
            let v = self
                .layout
                .to_value(f64::from(z[0]), self.layout.level(&y, t));
            if !v.is_finite() {
                return Err(bad());
            }
            y.push(v);
            out.push(v);
        }
        Ok(out)
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014), for the initial weights.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[-bound, bound)`.
    fn uniform(&mut self, bound: f64) -> f32 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((2.0 * u - 1.0) * bound) as f32
    }
}

/// Fits the network on `series`, or says why it cannot.
fn fit_model(cfg: &Lstm, series: &Series) -> Result<Model, String> {
    let y = series.values();
    let n = y.len();
    let observed = observed_values(series).map_err(|e| e.to_string())?;
    let scale = if y.iter().all(|v| *v > 0.0) {
        Scale::Ratio
    } else {
        let steps: Vec<f64> = observed.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
        let s = steps.iter().sum::<f64>() / steps.len().max(1) as f64;
        if !(s.is_finite() && s > 0.0) {
            return Err("the series does not change from one period to the next".into());
        }
        Scale::Shift { s }
    };
    let layout = Layout::new(series, scale);
    let (window, dim) = (layout.window, layout.in_dim());
    let first = window.max(n.saturating_sub(cfg.max_rows.max(MIN_ROWS)));
    let mut inputs: Vec<f32> = Vec::new();
    let mut targets: Vec<f32> = Vec::new();
    for t in first..n {
        if series.is_censored(t) {
            continue;
        }
        let start = inputs.len();
        layout.input(y, t, &mut inputs);
        let z = layout.to_model(y[t], layout.level(y, t)) as f32;
        if !(z.is_finite() && inputs[start..].iter().all(|v| v.is_finite())) {
            return Err("inputs are not finite (magnitudes near the limits of f64)".into());
        }
        targets.push(z);
    }
    let rows = targets.len();
    if rows < MIN_ROWS {
        return Err(format!(
            "{rows} observed training periods after a window of {window}; the LSTM needs {MIN_ROWS}"
        ));
    }
    let model = train(cfg, layout, inputs, targets, dim).map_err(|e| e.to_string())?;
    Ok(Model {
        history: y.to_vec(),
        non_negative: observed.iter().all(|v| *v >= 0.0),
        ..model
    })
}

fn train(
    cfg: &Lstm,
    layout: Layout,
    inputs: Vec<f32>,
    targets: Vec<f32>,
    dim: usize,
) -> candle_core::Result<Model> {
    let dev = Device::Cpu;
    let hidden = cfg.hidden.max(1);
    let rows = targets.len();
    let varmap = VarMap::new();
    let mut rng = SplitMix(cfg.seed);
    let bound = 1.0 / (hidden as f64).sqrt();
    let shapes: [(&str, Vec<usize>); 6] = [
        ("weight_ih_l0", vec![4 * hidden, dim]),
        ("weight_hh_l0", vec![4 * hidden, hidden]),
        ("bias_ih_l0", vec![4 * hidden]),
        ("bias_hh_l0", vec![4 * hidden]),
        ("head.weight", vec![1, hidden]),
        ("head.bias", vec![1]),
    ];
    {
        let mut data = varmap
            .data()
            .lock()
            .map_err(|_| candle_core::Error::Msg("variable map poisoned".into()))?;
        for (name, shape) in shapes {
            let count = shape.iter().product();
            let values: Vec<f32> = (0..count).map(|_| rng.uniform(bound)).collect();
            let var = Var::from_tensor(&Tensor::from_vec(values, shape, &dev)?)?;
            data.insert(name.to_owned(), var);
        }
    }
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &dev);
    let lstm = candle_nn::rnn::lstm(dim, hidden, LSTMConfig::default(), vb.clone())?;
    let head = candle_nn::linear(hidden, 1, vb.pp("head"))?;
    let mut model = Model {
        layout,
        lstm,
        head,
        history: Vec::new(),
        residuals: Vec::new(),
        non_negative: false,
    };
    let window = model.layout.window;
    let x = Tensor::from_vec(inputs, (rows, window, dim), &dev)?;
    let target = Tensor::from_vec(targets.clone(), (rows, 1), &dev)?;
    let mut opt = AdamW::new(
        varmap.all_vars(),
        ParamsAdamW {
            lr: cfg.learning_rate,
            weight_decay: cfg.weight_decay,
            ..ParamsAdamW::default()
        },
    )?;
    for _ in 0..cfg.epochs {
        let loss = candle_nn::loss::mse(&model.forward(&x)?, &target)?;
        opt.backward_step(&loss)?;
    }
    let fitted = model.forward(&x)?.flatten_all()?.to_vec1::<f32>()?;
    model.residuals = targets
        .iter()
        .zip(&fitted)
        .map(|(y, p)| f64::from(y - p))
        .collect();
    if !model.residuals.iter().all(|r| r.is_finite()) {
        return Err(candle_core::Error::Msg("training diverged".into()));
    }
    Ok(model)
}

enum Engine {
    Net(Box<Model>, Spread),
    Naive(SimpleFitted),
}

/// A fitted [`Lstm`].
pub struct LstmFitted {
    engine: Engine,
    fallbacks: Vec<Fallback>,
}

impl std::fmt::Debug for LstmFitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("LstmFitted");
        match &self.engine {
            Engine::Net(m, s) => d
                .field("window", &m.layout.window)
                .field("rows", &m.residuals.len())
                .field("spread", s),
            Engine::Naive(n) => d.field("naive", n),
        };
        d.field("fallbacks", &self.fallbacks).finish()
    }
}

impl LstmFitted {
    /// Whether the network runs (not its naive fallback).
    pub fn is_network(&self) -> bool {
        matches!(self.engine, Engine::Net(..))
    }
}

impl Predict for LstmFitted {
    fn predict_in_place(
        &self,
        horizon: usize,
        levels: &[f64],
        out: &mut Forecast,
    ) -> Result<(), ForecastError> {
        let (model, spread) = match &self.engine {
            Engine::Naive(n) => return n.predict_in_place(horizon, levels, out),
            Engine::Net(m, s) => (m, s),
        };
        check_levels(levels)?;
        let points = model.points(horizon)?;
        out.reset(horizon, levels);
        out.point.copy_from_slice(&points);
        let y = &model.history;
        let unit = model.layout.unit(model.layout.level(y, y.len()));
        for iv in &mut out.intervals {
            let (mut lo, mut hi) = (0.0f64, 0.0f64);
            for h in 1..=horizon {
                let (l, u) = spread.offsets(h, iv.level);
                lo = lo.min(l * unit);
                hi = hi.max(u * unit);
                iv.lower[h - 1] = points[h - 1] + lo;
                iv.upper[h - 1] = points[h - 1] + hi;
            }
        }
        if model.non_negative {
            for x in out.point.iter_mut().chain(
                out.intervals
                    .iter_mut()
                    .flat_map(|i| i.lower.iter_mut().chain(i.upper.iter_mut())),
            ) {
                *x = x.max(0.0);
            }
        }
        if !out.is_finite() {
            return Err(ForecastError::NonFiniteOutput {
                model: "lstm".into(),
            });
        }
        Ok(())
    }

    fn fallbacks(&self) -> &[Fallback] {
        &self.fallbacks
    }
}

impl Forecaster for Lstm {
    type Fitted = LstmFitted;

    fn name(&self) -> String {
        "lstm".into()
    }

    /// The input window and [`MIN_ROWS`] training targets after it.
    fn min_history(&self, season: usize) -> usize {
        window(season) + MIN_ROWS
    }

    fn fit(&self, series: &Series) -> Result<LstmFitted, ForecastError> {
        let mut fallbacks = Vec::new();
        let observed = observed_values(series)?;
        let need = self.min_history(series.season());
        let model = if observed.len() < need {
            Err(format!(
                "{} observed periods; the LSTM needs {need} for season {}",
                observed.len(),
                series.season()
            ))
        } else if observed.iter().all(|v| *v == observed[0]) {
            Err("the series is constant".into())
        } else {
            fit_model(self, series)
        };
        match model {
            Ok(model) => {
                let spread = self.spread(series, &model);
                Ok(LstmFitted {
                    engine: Engine::Net(Box::new(model), spread),
                    fallbacks,
                })
            }
            Err(reason) => {
                let inner = naive_instead(series, "lstm", reason, &mut fallbacks)?;
                Ok(LstmFitted {
                    engine: Engine::Naive(inner),
                    fallbacks,
                })
            }
        }
    }
}

impl Lstm {
    /// Errors of refits at rolling origins (every `max(1, m/2)` periods back from the end),
    /// each forecasting the rest of the history, relative to the level at the origin.
    fn spread(&self, series: &Series, model: &Model) -> Spread {
        let n = series.len();
        let m = series.season();
        let step = (m / 2).max(1);
        let need = self.min_history(m);
        let max_h = (2 * m).max(12);
        let mut errors: Vec<Vec<f64>> = Vec::new();
        for j in 1..=self.origins {
            let Some(origin) = n.checked_sub(j * step).filter(|o| *o >= need) else {
                break;
            };
            let prefix = series.prefix(origin);
            let Ok(fit) = fit_model(self, &prefix) else {
                continue;
            };
            let h = (n - origin).min(max_h);
            let Ok(points) = fit.points(h) else {
                continue;
            };
            let unit = fit.layout.unit(fit.layout.level(prefix.values(), origin));
            if errors.len() < h {
                errors.resize(h, Vec::new());
            }
            for (k, p) in points.iter().enumerate() {
                let t = origin + k;
                if !series.is_censored(t) {
                    errors[k].push((series.values()[t] - p) / unit);
                }
            }
        }
        for e in &mut errors {
            e.retain(|x| x.is_finite());
            sort_finite(e);
        }
        let r = &model.residuals;
        let sigma1 = crate::stats::rms(r, r.len())
            .filter(|s| s.is_finite())
            .unwrap_or(0.0);
        Spread { errors, sigma1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATTERN: [f64; 12] = [
        1.0, 0.9, 1.1, 1.3, 0.8, 0.9, 1.0, 1.2, 0.95, 1.05, 0.85, 0.95,
    ];

    fn seasonal(n: usize) -> Series {
        let v: Vec<f64> = (0..n)
            .map(|t| (100.0 + 0.5 * t as f64) * PATTERN[t % 12] + ((t * 7919) % 13) as f64 * 0.3)
            .collect();
        Series::new(v).unwrap().with_season(12).unwrap()
    }

    #[test]
    fn one_seed_gives_identical_forecasts_and_another_seed_differs() {
        let s = seasonal(72);
        let cfg = Lstm {
            epochs: 60,
            origins: 0,
            ..Lstm::default()
        };
        let a = cfg.fit(&s).unwrap().predict(12, &[0.8, 0.95]).unwrap();
        let b = cfg.fit(&s).unwrap().predict(12, &[0.8, 0.95]).unwrap();
        assert_eq!(a, b);
        let other = Lstm { seed: 9, ..cfg };
        let c = other.fit(&s).unwrap().predict(12, &[0.8]).unwrap();
        assert_ne!(a.point, c.point);
    }

    #[test]
    fn follows_the_seasonal_pattern_and_intervals_widen() {
        let s = seasonal(96);
        let f = Lstm::default().fit(&s).unwrap();
        assert!(f.is_network() && f.fallbacks().is_empty());
        let fc = f.predict(24, &[0.8, 0.95]).unwrap();
        // Period 96 is month 0: month 3 (1.3) sits well above month 4 (0.8) in both years.
        for year in [0, 12] {
            assert!(
                fc.point[year + 3] > 1.3 * fc.point[year + 4],
                "{:?}",
                fc.point
            );
        }
        let level = s.values()[84..].iter().sum::<f64>() / 12.0;
        let mean = fc.point[..12].iter().sum::<f64>() / 12.0;
        assert!((mean / level - 1.0).abs() < 0.1, "{mean} vs {level}");
        let (i80, i95) = (fc.interval(0.8).unwrap(), fc.interval(0.95).unwrap());
        for k in 0..24 {
            assert!(i95.lower[k] <= i80.lower[k] && i80.upper[k] <= i95.upper[k]);
        }
        assert!(i95.upper[23] - i95.lower[23] > i95.upper[0] - i95.lower[0]);
    }

    #[test]
    fn short_and_constant_series_fall_back() {
        let f = Lstm::default().fit(&seasonal(25)).unwrap();
        assert!(!f.is_network());
        assert_eq!(f.fallbacks()[0].to, "naive");
        assert!(f.fallbacks()[0].reason.contains("25 observed"));
        let constant = Series::new(vec![3.0; 60]).unwrap().with_season(12).unwrap();
        let f = Lstm::default().fit(&constant).unwrap();
        assert!(!f.is_network());
        assert_eq!(f.predict(2, &[0.9]).unwrap().point, vec![3.0; 2]);
        assert!(f.fallbacks()[0].reason.contains("constant"));
    }
}
