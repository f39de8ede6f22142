//! Forecast runs: the demand history from the database through the engine for every series,
//! in parallel across cores, in a blocking task; results stored in one transaction.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use chrono::Days;
use sentia_store::forecasting::history::{DemandHistory, DemandSeries, WEEK_SEASON};
use sentia_store::forecasting::{
    self as store, ForecastPoint, ModelMetrics, NewForecast, RunRecord,
};
use sentia_store::{Db, StoreError};

use super::engine::{self, HORIZON, Scores};
use super::reconcile;
use crate::clock::Clock;

/// Engine and library versions stored with every forecast.
pub const ENGINE_VERSION: &str = concat!(
    "sentia-forecast ",
    env!("CARGO_PKG_VERSION"),
    " (anofox-forecast 0.19.0, augurs 0.10.3)"
);

/// Model name of the combined forecast.
pub const ENSEMBLE: &str = "ensemble";

/// Origins, in weeks before the end of the history, of the frozen forecasts made once after
/// the first run (a run of its own, `backfill`), so accuracy over time can be shown before
/// new actuals arrive: 13 weeks back, so its whole horizon has actuals.
pub const BACKFILL_WEEKS: &[usize] = &[13];

/// What a run forecasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// The current forecast of every series (freezes the previous one).
    Current,
    /// Frozen forecasts as of [`BACKFILL_WEEKS`] before the end of the history.
    Backfill,
}

impl RunKind {
    fn origins(self) -> &'static [usize] {
        match self {
            RunKind::Current => &[0],
            RunKind::Backfill => BACKFILL_WEEKS,
        }
    }
}

/// This process's name as the owner of the runs it starts: the process id and a random
/// suffix, so instances sharing a database (or one restarted with the same pid) never mistake
/// each other's runs for their own.
pub fn instance_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        use rand::Rng;
        let n: u32 = rand::thread_rng().r#gen();
        format!("pid{}-{n:08x}", std::process::id())
    })
}

/// Runs a forecast run to its end: computes and stores, or records the failure, renewing
/// the run's heartbeat meanwhile (see [`store::RUN_LEASE`]). Never panics outward. Returns
/// whether it succeeded.
#[tracing::instrument(skip_all, fields(run_id = run.id))]
pub async fn execute(db: Db, clock: Clock, run: RunRecord, kind: RunKind) -> bool {
    let started = Instant::now();
    let beat = {
        let (db, clock, id) = (db.clone(), clock.clone(), run.id);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(store::RUN_HEARTBEAT);
            every.tick().await;
            loop {
                every.tick().await;
                match store::heartbeat(&db, id, instance_id(), clock.now()).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(run_id = id, "forecast run taken over as interrupted");
                        break;
                    }
                    Err(e) => tracing::warn!(error = %e, "could not renew the run's heartbeat"),
                }
            }
        })
    };
    let result = compute_and_store(&db, &clock, run.id, kind, started).await;
    beat.abort();
    let ms = started.elapsed().as_millis() as i64;
    match result {
        Ok(n) => {
            tracing::info!(series = n, ms, ?kind, "forecast run succeeded");
            true
        }
        Err(e) => {
            tracing::error!(error = ?e, ms, "forecast run failed");
            if let Err(e2) = store::fail_run(&db, run.id, &format!("{e:#}"), clock.now(), ms).await
            {
                tracing::error!(error = ?e2, "could not record the failed forecast run");
            }
            false
        }
    }
}

async fn compute_and_store(
    db: &Db,
    clock: &Clock,
    run_id: i64,
    kind: RunKind,
    started: Instant,
) -> anyhow::Result<usize> {
    let history = load_history(db).await?;
    let series = history.series.len();
    let forecasts = tokio::task::spawn_blocking(move || compute(&history, kind.origins()))
        .await
        .context("forecast computation panicked")?;
    let ms = started.elapsed().as_millis() as i64;
    store::complete_run(
        db,
        run_id,
        &forecasts,
        kind == RunKind::Current,
        clock.now(),
        ms,
    )
    .await
    .context("storing forecasts")?;
    Ok(series)
}

/// The demand history to forecast from; an error when there are no orders at all.
pub async fn load_history(db: &Db) -> anyhow::Result<DemandHistory> {
    store::history::demand_history(db)
        .await
        .context("loading demand history")?
        .ok_or_else(|| anyhow::anyhow!("there are no orders to forecast from"))
}

/// Forecasts every series and every total as of each origin in `backs` (weeks before the end
/// of the history; 0 = now), using every core, then reconciles each origin's forecasts so
/// that every total equals the sum of its series ([`reconcile::reconcile`]).
pub fn compute(history: &DemandHistory, backs: &[usize]) -> Vec<NewForecast> {
    let mut result = Vec::new();
    for mut origin in base_forecasts(history, backs) {
        reconcile::reconcile(&history.series, &mut origin.forecasts, &origin.residuals);
        result.extend(origin.forecasts);
    }
    result
}

/// The base (not yet reconciled) forecasts of every series and total as of one origin.
#[derive(Debug, Clone)]
pub struct BaseForecasts {
    /// Weeks before the end of the history.
    pub back: usize,
    /// One per node that could be cut at this origin: the series, then the totals.
    pub forecasts: Vec<NewForecast>,
    /// The backtest errors of each forecast ([`forecast_node`]).
    pub residuals: Vec<Vec<(usize, f64)>>,
}

/// [`forecast_node`] for every series and total at each origin in `backs`, in parallel on
/// every core, in `backs` order.
pub fn base_forecasts(history: &DemandHistory, backs: &[usize]) -> Vec<BaseForecasts> {
    let nodes: Vec<&DemandSeries> = history.series.iter().chain(&history.totals).collect();
    let mut tasks: Vec<(usize, usize)> = Vec::new();
    for &back in backs {
        tasks.extend((0..nodes.len()).map(|i| (i, back)));
    }
    let next = AtomicUsize::new(0);
    type Done = (usize, NewForecast, Vec<(usize, f64)>);
    let out: Mutex<Vec<Done>> = Mutex::new(Vec::with_capacity(tasks.len()));
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(tasks.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let t = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(i, back)) = tasks.get(t) else {
                        break;
                    };
                    if let Some((f, r)) = forecast_node(nodes[i], back) {
                        out.lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((t, f, r));
                    }
                }
            });
        }
    });
    let mut v = out.into_inner().unwrap_or_else(|e| e.into_inner());
    v.sort_by_key(|(t, _, _)| *t);
    backs
        .iter()
        .map(|&back| {
            let (forecasts, residuals) = v
                .iter()
                .filter(|(t, _, _)| tasks[*t].1 == back)
                .map(|(_, f, r)| (f.clone(), r.clone()))
                .unzip();
            BaseForecasts {
                back,
                forecasts,
                residuals,
            }
        })
        .collect()
}

fn metrics_row(name: &str, s: &Scores, weight: f64, note: Option<String>) -> ModelMetrics {
    ModelMetrics {
        model: name.to_owned(),
        folds: s.folds as i32,
        mae: s.mae,
        rmse: s.rmse,
        smape: s.smape,
        mase: s.mase,
        wape: s.wape,
        bias: s.bias,
        coverage80: s.coverage80,
        coverage95: s.coverage95,
        weight,
        note,
    }
}

/// One series or total as of `back` weeks before the end of its history (0 = the current
/// forecast), before reconciliation, with its backtest errors (see
/// [`engine::SeriesOutcome::residuals`]). `None` when the
/// history is too short to cut.
pub fn forecast_node(
    series: &DemandSeries,
    back: usize,
) -> Option<(NewForecast, Vec<(usize, f64)>)> {
    let n = series.periods.len().checked_sub(back)?;
    let periods = &series.periods[..n];
    let origin = periods.last()?.start;
    let mut residuals = Vec::new();
    let (path, metrics, parameters) = match engine::forecast(periods, WEEK_SEASON) {
        Ok(out) => {
            let mut metrics: Vec<ModelMetrics> = out
                .models
                .iter()
                .map(|m| metrics_row(&m.name, &m.scores, m.weight, m.note.clone()))
                .collect();
            metrics.push(metrics_row(
                ENSEMBLE,
                &out.combined_scores,
                1.0,
                Some("the combined forecast".into()),
            ));
            let weights: serde_json::Map<String, serde_json::Value> = out
                .models
                .iter()
                .filter(|m| m.weight > 0.0)
                .map(|m| (m.name.clone(), m.weight.into()))
                .collect();
            let params = serde_json::json!({
                "method": "inverse-MAE weighted combination of the best backtested models",
                "weights": weights,
                "reason": out.reason,
                "candidates": out.models.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
                "intervals": "split-conformal per horizon step from rolling-origin errors",
                "backtest": {"origins": engine::ORIGINS, "library_model_origins": engine::SLOW_ORIGINS,
                             "horizon": HORIZON, "step": 1, "coverage": "leave-one-out conformal"},
                "season": WEEK_SEASON,
                "history_periods": out.history,
                "censored_periods": out.censored,
                "gaps": out.gaps,
                "intermittent": out.intermittent,
                "adi": out.adi,
            });
            residuals = out.residuals;
            (out.combined, metrics, params)
        }
        Err(e) => {
            // No usable observation at all: a zero forecast, said so.
            let zero = engine::Path {
                point: vec![0.0; HORIZON],
                lo80: vec![0.0; HORIZON],
                hi80: vec![0.0; HORIZON],
                lo95: vec![0.0; HORIZON],
                hi95: vec![0.0; HORIZON],
            };
            let params = serde_json::json!({
                "method": "zero forecast",
                "weights": {},
                "reason": format!("the history cannot be modelled: {e}"),
            });
            (zero, Vec::new(), params)
        }
    };
    let points = (0..HORIZON)
        .map(|k| ForecastPoint {
            step: k as i32 + 1,
            period_start: origin + Days::new(7 * (k as u64 + 1)),
            point: path.point[k],
            lo80: path.lo80[k],
            hi80: path.hi80[k],
            lo95: path.lo95[k],
            hi95: path.hi95[k],
        })
        .collect();
    let forecast = NewForecast {
        sku: series.sku.clone(),
        channel: series.channel.clone(),
        granularity: "week".into(),
        season: WEEK_SEASON as i32,
        model: ENSEMBLE.into(),
        engine_version: ENGINE_VERSION.into(),
        parameters,
        horizon: HORIZON as i32,
        origin_date: origin,
        frozen: back > 0,
        points,
        metrics,
    };
    Some((forecast, residuals))
}

/// Starts a run of current forecasts in the background and returns its record; refused with
/// a conflict while another run is running. After the first run ever, a backfill run of
/// frozen past-origin forecasts follows.
pub async fn start(db: &Db, clock: &Clock, triggered_by: &str) -> Result<RunRecord, StoreError> {
    let first = !store::has_forecasts(db).await?;
    let run = store::start_run(db, triggered_by, instance_id(), clock.now()).await?;
    let (db, clock, record) = (db.clone(), clock.clone(), run.clone());
    tokio::spawn(async move {
        if execute(db.clone(), clock.clone(), record, RunKind::Current).await && first {
            backfill(db, clock).await;
        }
    });
    Ok(run)
}

/// Runs the backfill (see [`BACKFILL_WEEKS`]) to its end.
pub async fn backfill(db: Db, clock: Clock) -> bool {
    match store::start_run(&db, "backfill", instance_id(), clock.now()).await {
        Ok(run) => execute(db, clock, run, RunKind::Backfill).await,
        Err(e) => {
            tracing::warn!(error = %e, "backfill run not started");
            false
        }
    }
}
