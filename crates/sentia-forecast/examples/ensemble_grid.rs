//! Compares ensemble settings on the same member runs: every member is fitted and backtested
//! once per series (on up to `--folds` origins), then each variant is settled (weights,
//! interval factors) and scored on the test rows by the bench's protocol.
//!
//! ```text
//! cargo run --release -p sentia-forecast --example ensemble_grid -- \
//!     --data ../shared/data/aus_retail.csv.gz --horizon 12 --season 12 --folds 6 \
//!     --variants "default;prior=3;shrink=0.25;drop=snaive;folds=4,tail=2"
//! ```
//!
//! `--reselect 1` backtests every member with its whole model selection on each fold;
//! `--members a,b,…` sets the pool the variants draw from (default: the ensemble's members);
//! `--every k` runs every k-th series.
//!
//! A variant is `key=value` pairs split by commas: `folds`, `shrink`, `power`, `trim`, `prior`,
//! `tail`, `segments`, `worst` (as in the ensemble's name), `drop=a+b` (members left out),
//! `only=a+b` (the members kept), `gate=a+b` (members kept only for series that pass the seasonality test,
//! [`sentia_forecast::checks::seasonal_at_lag`]) and `median=1` (weighted median). `default` is the default ensemble.

use std::path::PathBuf;
use std::process::ExitCode;

use sentia_forecast::bench::read_long_csv;
use sentia_forecast::checks::seasonal_at_lag;
use sentia_forecast::metrics;
use sentia_forecast::models::{Combination, ENSEMBLE_MEMBERS, Ensemble, by_name};
use sentia_forecast::{Forecast, Series};

const LEVELS: [f64; 2] = [0.8, 0.95];

struct Variant {
    label: String,
    ensemble: Ensemble,
    keep: Vec<bool>,
    /// Members kept only for series that pass the seasonality test.
    gate: Vec<bool>,
}

fn ensemble(pool: &[String], season: usize, horizon: usize) -> Result<Ensemble, String> {
    let members = pool
        .iter()
        .map(|n| by_name(n, season, horizon).ok_or(format!("unknown model {n}")))
        .collect::<Result<_, _>>()?;
    Ensemble::new(members, horizon, season).map_err(|e| e.to_string())
}

fn variant(spec: &str, pool: &[String], season: usize, horizon: usize) -> Result<Variant, String> {
    let mut e = ensemble(pool, season, horizon)?;
    let mut keep = vec![true; pool.len()];
    let mut gate = vec![false; pool.len()];
    for kv in spec.split(',').filter(|s| !s.is_empty() && *s != "default") {
        let (k, v) = kv.split_once('=').ok_or(format!("bad setting {kv}"))?;
        if k == "drop" || k == "gate" || k == "only" {
            let mut named = vec![false; pool.len()];
            for name in v.split('+') {
                let i = pool
                    .iter()
                    .position(|m| m == name)
                    .ok_or(format!("unknown member {name}"))?;
                named[i] = true;
            }
            for (i, n) in named.into_iter().enumerate() {
                match k {
                    "drop" => keep[i] &= !n,
                    "only" => keep[i] &= n,
                    _ => gate[i] |= n,
                }
            }
            continue;
        }
        let x: f64 = v.parse().map_err(|e| format!("{kv}: {e}"))?;
        match k {
            "folds" => e.folds = x as usize,
            "shrink" => e.shrink = x,
            "power" => e.power = x,
            "trim" => e.trim = x,
            "prior" => e.prior_scores = x,
            "tail" => e.prior_tail = x,
            "segments" => e.segments = x as usize,
            "worst" => e.drop_worst = x as usize,
            "median" if x > 0.0 => e.combination = Combination::WeightedMedian,
            _ => return Err(format!("unknown setting {kv}")),
        }
    }
    Ok(Variant {
        label: spec.to_owned(),
        ensemble: e,
        keep,
        gate,
    })
}

#[derive(Default)]
struct Tally {
    smape: Vec<f64>,
    mase: Vec<f64>,
    in80: usize,
    in95: usize,
    points: usize,
    failures: usize,
    /// Per series: the combination's backtest MAE scaled as MASE is.
    backtest_mase: Vec<f64>,
    /// Per step: points inside the 80% and 95% intervals.
    by_step: Vec<(usize, usize)>,
}

fn main() -> ExitCode {
    let mut data = PathBuf::new();
    let (mut horizon, mut season, mut folds) = (0usize, 12usize, 6usize);
    let mut reselect = false;
    let mut specs = String::from("default");
    let mut pool: Vec<String> = ENSEMBLE_MEMBERS.iter().map(|m| (*m).to_owned()).collect();
    let mut every = 1usize;
    let mut args = std::env::args().skip(1);
    while let (Some(flag), Some(value)) = (args.next(), args.next()) {
        match flag.as_str() {
            "--data" => data = PathBuf::from(value),
            "--horizon" => horizon = value.parse().unwrap_or(0),
            "--season" => season = value.parse().unwrap_or(0),
            "--folds" => folds = value.parse().unwrap_or(0),
            "--reselect" => reselect = value == "1",
            "--variants" => specs = value,
            "--members" => pool = value.split(',').map(str::to_owned).collect(),
            "--every" => every = value.parse().unwrap_or(1).max(1),
            other => {
                eprintln!("unknown flag {other}");
                return ExitCode::FAILURE;
            }
        }
    }
    let series = match read_long_csv(&data) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let variants: Vec<Variant> = match specs
        .split(';')
        .map(|s| variant(s.trim(), &pool, season, horizon))
        .collect()
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(mut runner) = ensemble(&pool, season, horizon) else {
        eprintln!("bad --members");
        return ExitCode::FAILURE;
    };
    let series: Vec<_> = series.into_iter().step_by(every).collect();
    let mut member_mase: Vec<Vec<f64>> = vec![Vec::new(); pool.len()];
    runner.folds = folds;
    runner.reselect = reselect;
    let mut tallies: Vec<Tally> = variants.iter().map(|_| Tally::default()).collect();
    for t in &mut tallies {
        t.by_step = vec![(0, 0); horizon];
    }
    let mut seasonal_series = 0usize;
    for s in &series {
        let mut x = match Series::new(s.train.clone()).and_then(|x| x.with_season(season)) {
            Ok(x) => x,
            Err(_) => continue,
        };
        if let Some(c) = s.calendar {
            x = x.with_calendar(c.start, c.frequency);
        }
        let Ok(runs) = runner.run_members(&x) else {
            tallies.iter_mut().for_each(|t| t.failures += 1);
            continue;
        };
        let members = runs.forecasts(horizon, &LEVELS);
        let refs: Vec<Option<&Forecast>> = members.iter().map(Option::as_ref).collect();
        for (acc, f) in member_mase.iter_mut().zip(&refs) {
            if let Some(x) = f.and_then(|f| metrics::mase(&s.test, &f.point, &s.train, season).ok())
            {
                acc.push(x);
            }
        }
        let seasonal = seasonal_at_lag(&s.train, season);
        seasonal_series += usize::from(seasonal);
        for (v, t) in variants.iter().zip(&mut tallies) {
            let keep: Vec<bool> = v
                .keep
                .iter()
                .zip(&v.gate)
                .map(|(k, g)| *k && (seasonal || !g))
                .collect();
            let settled = v.ensemble.settle_members(&runs, &keep);
            let mut fc = Forecast::default();
            if settled.combine(&refs, horizon, &LEVELS, &mut fc).is_err() {
                t.failures += 1;
                continue;
            }
            if let (Some(e), Ok(scale)) = (
                settled.backtest_mae(&runs),
                metrics::seasonal_scale(&s.train, season),
            ) {
                t.backtest_mase.push(e / scale);
            }
            if let Ok(x) = metrics::smape(&s.test, &fc.point) {
                t.smape.push(x);
            }
            if let Ok(x) = metrics::mase(&s.test, &fc.point, &s.train, season) {
                t.mase.push(x);
            }
            for (k, y) in s.test.iter().enumerate() {
                let inside = |i: usize| {
                    let iv = &fc.intervals[i];
                    usize::from(iv.lower[k] <= *y && *y <= iv.upper[k])
                };
                t.in80 += inside(0);
                t.in95 += inside(1);
                t.by_step[k].0 += inside(0);
                t.by_step[k].1 += inside(1);
                t.points += 1;
            }
        }
    }
    println!(
        "| variant | sMAPE | MASE | MASE median | cov80 | cov95 | backtest MASE (series) | failures |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (v, t) in variants.iter().zip(&mut tallies) {
        let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len().max(1) as f64;
        t.mase.sort_by(f64::total_cmp);
        let med = t.mase.get(t.mase.len() / 2).copied().unwrap_or(f64::NAN);
        let pct = |k: usize| 100.0 * k as f64 / t.points.max(1) as f64;
        println!(
            "| {} | {:.2} | {:.3} | {:.3} | {:.1} | {:.1} | {:.3} ({}) | {} |",
            v.label,
            mean(&t.smape),
            mean(&t.mase),
            med,
            pct(t.in80),
            pct(t.in95),
            mean(&t.backtest_mase),
            t.backtest_mase.len(),
            t.failures
        );
    }
    for (name, m) in pool.iter().zip(&member_mase) {
        println!(
            "member {name}: MASE {:.3} ({} series)",
            m.iter().sum::<f64>() / m.len().max(1) as f64,
            m.len()
        );
    }
    println!(
        "seasonal at lag {season} (90% autocorrelation test): {seasonal_series} of {} series",
        series.len()
    );
    let n = series.len().max(1) as f64;
    for (v, t) in variants.iter().zip(&tallies) {
        let steps: Vec<String> = t
            .by_step
            .iter()
            .map(|(a, b)| format!("{:.0}/{:.0}", 100.0 * *a as f64 / n, 100.0 * *b as f64 / n))
            .collect();
        println!("per step {}: {}", v.label, steps.join(" "));
    }
    ExitCode::SUCCESS
}
