//! Benchmark runner for the long CSV format of `shared/data` (see its README for the protocol).
//!
//! Each model is fitted on the `train` rows of every series and forecasts `horizon` steps,
//! scored on the `test` rows: sMAPE (M3, %, mean over series), MASE (scaled by the training
//! series' mean absolute seasonal difference; mean and median over series) and the coverage of
//! the 80% and 95% intervals (share of all test points). Wall and CPU seconds cover fit +
//! predict of all series after one untimed warm-up series; CPU seconds are summed over the
//! worker threads (series are split between `threads` workers, each measuring its own thread).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::metrics;
use crate::models::by_name;
use crate::traits::DynForecaster;
use crate::types::{Calendar, Forecast, Frequency, Series};

/// The interval levels scored.
pub const LEVELS: [f64; 2] = [0.8, 0.95];

/// Models run when [`BenchOptions::models`] is empty.
pub const DEFAULT_MODELS: &[&str] = &["snaive", "snaive+conformal", "naive", "drift", "ma"];

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchOptions {
    /// A long-format CSV, plain or gzip (detected from the content).
    pub data: PathBuf,
    /// Forecast horizon; every series must have exactly this many test rows.
    pub horizon: usize,
    /// Season length for the models and the MASE scale.
    pub season: usize,
    /// Model names as accepted by [`crate::models::by_name`]; empty = [`DEFAULT_MODELS`].
    pub models: Vec<String>,
    /// Only series of this group (e.g. `MICRO`).
    pub group: Option<String>,
    /// Only the first `limit` series (in file order, after the group filter).
    pub limit: Option<usize>,
    /// Worker threads fitting series in parallel (at least 1).
    pub threads: usize,
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The data file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A CSV record could not be parsed.
    #[error("bad CSV record: {0}")]
    Csv(#[from] csv::Error),
    /// The data violate the format (ids, `t` order, splits, test length).
    #[error("bad data: {0}")]
    Format(String),
    /// A model name is not known.
    #[error("unknown model {0:?}; known: {known}", known = crate::models::MODEL_NAMES.join(", "))]
    UnknownModel(String),
    /// An option is out of range or no series is selected.
    #[error("invalid option: {0}")]
    InvalidOption(String),
}

/// One series of the benchmark file.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchSeries {
    /// `series_id`.
    pub id: String,
    /// `group`.
    pub group: String,
    /// Values of the `train` rows in `t` order.
    pub train: Vec<f64>,
    /// Values of the `test` rows in `t` order.
    pub test: Vec<f64>,
    /// The dates of the periods, when the first two `date`s parse (`YYYY-MM-DD`) and are a
    /// day, a week or a month apart.
    pub calendar: Option<Calendar>,
}

/// The calendar implied by the first two dates of a series.
fn infer_calendar(first: &str, second: Option<&str>) -> Option<Calendar> {
    use chrono::NaiveDate;
    let start = NaiveDate::parse_from_str(first, "%Y-%m-%d").ok()?;
    let next = NaiveDate::parse_from_str(second?, "%Y-%m-%d").ok()?;
    let frequency = match (next - start).num_days() {
        1 => Frequency::Daily,
        7 => Frequency::Weekly,
        28..=31 => Frequency::Monthly,
        _ => return None,
    };
    Some(Calendar { start, frequency })
}

#[derive(Debug, serde::Deserialize)]
struct Row {
    series_id: String,
    group: String,
    t: usize,
    date: String,
    value: f64,
    split: String,
}

/// Reads a long-format CSV file (`series_id,group,t,date,value,split`), gzip or plain.
pub fn read_long_csv(path: &Path) -> Result<Vec<BenchSeries>, BenchError> {
    let io = |source| BenchError::Io {
        path: path.to_owned(),
        source,
    };
    let mut reader = BufReader::new(std::fs::File::open(path).map_err(io)?);
    let gzip = reader.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    if gzip {
        read_long_csv_from(flate2::read::MultiGzDecoder::new(reader))
    } else {
        read_long_csv_from(reader)
    }
}

/// `(series_id, group, [(t, value, is_test, date)])` while reading.
type RawSeries = (String, String, Vec<(usize, f64, bool, String)>);

/// Reads long-format CSV from any reader (plain text). Series keep their file order.
pub fn read_long_csv_from<R: Read>(reader: R) -> Result<Vec<BenchSeries>, BenchError> {
    let mut rows: Vec<RawSeries> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in csv::Reader::from_reader(reader).deserialize::<Row>() {
        let row = row?;
        let is_test = match row.split.as_str() {
            "train" => false,
            "test" => true,
            other => {
                return Err(BenchError::Format(format!(
                    "series {}: split {other:?} is neither train nor test",
                    row.series_id
                )));
            }
        };
        let k = *index.entry(row.series_id.clone()).or_insert_with(|| {
            rows.push((row.series_id.clone(), row.group.clone(), Vec::new()));
            rows.len() - 1
        });
        rows[k].2.push((row.t, row.value, is_test, row.date));
    }
    rows.into_iter()
        .map(|(id, group, mut obs)| {
            obs.sort_by_key(|o| o.0);
            if obs.iter().enumerate().any(|(i, o)| o.0 != i) {
                return Err(BenchError::Format(format!(
                    "series {id}: t is not 0, 1, 2, … without gaps or duplicates"
                )));
            }
            let first_test = obs.iter().position(|o| o.2).unwrap_or(obs.len());
            if obs[first_test..].iter().any(|o| !o.2) {
                return Err(BenchError::Format(format!(
                    "series {id}: a train row follows a test row"
                )));
            }
            Ok(BenchSeries {
                id,
                group,
                train: obs[..first_test].iter().map(|o| o.1).collect(),
                test: obs[first_test..].iter().map(|o| o.1).collect(),
                calendar: infer_calendar(&obs[0].3, obs.get(1).map(|o| o.3.as_str())),
            })
        })
        .collect()
}

/// The scores of one model, in the shape of the results JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModelScore {
    /// Mean over series of the per-series mean sMAPE, %.
    pub smape: f64,
    /// Mean over series of MASE.
    pub mase: f64,
    /// Median over series of MASE.
    pub mase_median: f64,
    /// Share of test points inside the 80% interval, %.
    pub cov80: f64,
    /// Share of test points inside the 95% interval, %.
    pub cov95: f64,
    /// Wall seconds for fit + predict of all series.
    pub wall_s: f64,
    /// CPU seconds of the worker threads for the same work (wall when unavailable).
    pub cpu_s: f64,
}

/// One model's run: scores plus what went wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRun {
    /// Model name as requested.
    pub name: String,
    /// The scores.
    pub score: ModelScore,
    /// Series scored (forecast produced).
    pub scored: usize,
    /// Series whose MASE is undefined (zero or too-short scale), left out of MASE.
    pub mase_undefined: usize,
    /// Series on which the model recorded at least one fallback.
    pub with_fallback: usize,
    /// `(series_id, error)` for series the model refused; left out of every score.
    pub failures: Vec<(String, String)>,
}

/// The benchmark result.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// Series in the run.
    pub series: usize,
    /// Worker threads used for fitting.
    pub threads: usize,
    /// Whether CPU seconds were measured (`false`: they repeat wall seconds).
    pub cpu_measured: bool,
    /// One entry per model, in the order requested.
    pub runs: Vec<ModelRun>,
}

impl BenchReport {
    /// `{model: {smape, mase, mase_median, cov80, cov95, wall_s, cpu_s}}`.
    pub fn results(&self) -> BTreeMap<String, ModelScore> {
        self.runs
            .iter()
            .map(|r| (r.name.clone(), r.score.clone()))
            .collect()
    }

    /// [`BenchReport::results`] as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.results()).unwrap_or_else(|_| "{}".into())
    }
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<20} {:>6} {:>7} {:>6} {:>8} {:>6} {:>6} {:>8} {:>8} {:>9} {:>5} {:>5}",
            "model",
            "series",
            "sMAPE",
            "MASE",
            "MASE med",
            "cov80",
            "cov95",
            "wall s",
            "CPU s",
            "ms/series",
            "fallb",
            "fail"
        )?;
        for r in &self.runs {
            let s = &r.score;
            writeln!(
                f,
                "{:<20} {:>6} {:>7.2} {:>6.3} {:>8.3} {:>6.1} {:>6.1} {:>8.3} {:>8.3} {:>9.3} {:>5} {:>5}",
                r.name,
                r.scored,
                s.smape,
                s.mase,
                s.mase_median,
                s.cov80,
                s.cov95,
                s.wall_s,
                s.cpu_s,
                1000.0 * s.cpu_s / r.scored.max(1) as f64,
                r.with_fallback,
                r.failures.len()
            )?;
        }
        write!(
            f,
            "{} series, {} thread(s), CPU time {}",
            self.series,
            self.threads,
            if self.cpu_measured {
                "from /proc/thread-self/stat"
            } else {
                "unavailable (wall shown)"
            }
        )
    }
}

/// CPU seconds (user + system) of the calling thread, from `/proc/thread-self/stat` (falling
/// back to the whole process); `None` off Linux.
pub fn thread_cpu_seconds() -> Option<f64> {
    // USER_HZ is 100 on every Linux ABI; /proc reports in those ticks.
    const TICKS: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/thread-self/stat")
        .or_else(|_| std::fs::read_to_string("/proc/self/stat"))
        .ok()?;
    // The command name (field 2) may contain spaces: fields resume after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS)
}

fn fit_predict(
    model: &dyn DynForecaster,
    s: &BenchSeries,
    season: usize,
    horizon: usize,
) -> Result<(Forecast, bool), String> {
    let mut series = Series::new(s.train.clone())
        .and_then(|x| x.with_season(season))
        .map_err(|e| e.to_string())?;
    if let Some(c) = s.calendar {
        series = series.with_calendar(c.start, c.frequency);
    }
    let fitted = model.fit_dyn(&series).map_err(|e| e.to_string())?;
    let fc = fitted
        .predict(horizon, &LEVELS)
        .map_err(|e| e.to_string())?;
    Ok((fc, !fitted.fallbacks().is_empty()))
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Fits and predicts every series, split round-robin between `threads` scoped workers; the
/// results keep the order of `data`. Returns the summed CPU seconds of the workers, if known.
#[expect(clippy::type_complexity, reason = "a private helper's plain tuple")]
fn fit_all(
    model: &dyn DynForecaster,
    data: &[BenchSeries],
    season: usize,
    horizon: usize,
    threads: usize,
) -> (Vec<Result<(Forecast, bool), String>>, Option<f64>) {
    let parts: Vec<(Vec<(usize, Result<(Forecast, bool), String>)>, Option<f64>)> =
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|w| {
                    scope.spawn(move || {
                        let cpu0 = thread_cpu_seconds();
                        let out: Vec<_> = (w..data.len())
                            .step_by(threads)
                            .map(|i| (i, fit_predict(model, &data[i], season, horizon)))
                            .collect();
                        let cpu = cpu0.zip(thread_cpu_seconds()).map(|(a, b)| b - a);
                        (out, cpu)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|_| (Vec::new(), None)))
                .collect()
        });
    let cpu = parts.iter().map(|p| p.1).sum::<Option<f64>>();
    let mut slots: Vec<Option<Result<(Forecast, bool), String>>> = vec![None; data.len()];
    for (i, r) in parts.into_iter().flat_map(|p| p.0) {
        slots[i] = Some(r);
    }
    let out = slots
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("the worker thread panicked".into())))
        .collect();
    (out, cpu)
}

/// Scores models on already-loaded series (the pure part of [`run_bench`]).
pub fn bench_series(
    data: &[BenchSeries],
    models: &[String],
    horizon: usize,
    season: usize,
    threads: usize,
) -> Result<BenchReport, BenchError> {
    let threads = threads.clamp(1, data.len().max(1));
    if horizon == 0 || season == 0 {
        return Err(BenchError::InvalidOption(
            "horizon and season must be at least 1".into(),
        ));
    }
    if data.is_empty() {
        return Err(BenchError::InvalidOption("no series selected".into()));
    }
    if let Some(s) = data.iter().find(|s| s.test.len() != horizon) {
        return Err(BenchError::Format(format!(
            "series {} has {} test rows, expected the horizon {horizon}",
            s.id,
            s.test.len()
        )));
    }
    let names: Vec<String> = if models.is_empty() {
        DEFAULT_MODELS.iter().map(|s| (*s).to_owned()).collect()
    } else {
        models.to_vec()
    };
    let mut cpu_measured = true;
    let mut runs = Vec::with_capacity(names.len());
    for name in names {
        let model = by_name(&name, season, horizon)
            .ok_or_else(|| BenchError::UnknownModel(name.clone()))?;
        // Untimed warm-up on the first series (page faults, lazy allocations).
        let _ = fit_predict(model.as_ref(), &data[0], season, horizon);
        let t0 = Instant::now();
        let (out, cpu) = fit_all(model.as_ref(), data, season, horizon, threads);
        let wall_s = t0.elapsed().as_secs_f64();
        let cpu_s = cpu.unwrap_or_else(|| {
            cpu_measured = false;
            wall_s
        });
        let (mut smapes, mut mases) = (Vec::new(), Vec::new());
        let (mut in80, mut in95, mut points) = (0usize, 0usize, 0usize);
        let (mut with_fallback, mut mase_undefined) = (0, 0);
        let mut failures = Vec::new();
        for (s, r) in data.iter().zip(out) {
            let (fc, fell_back) = match r {
                Ok(x) => x,
                Err(e) => {
                    failures.push((s.id.clone(), e));
                    continue;
                }
            };
            with_fallback += usize::from(fell_back);
            match metrics::smape(&s.test, &fc.point) {
                Ok(v) => smapes.push(v),
                Err(e) => failures.push((s.id.clone(), format!("sMAPE: {e}"))),
            }
            match metrics::mase(&s.test, &fc.point, &s.train, season) {
                Ok(v) => mases.push(v),
                Err(_) => mase_undefined += 1,
            }
            let inside = |level: f64| {
                fc.interval(level).map_or(0, |iv| {
                    s.test
                        .iter()
                        .zip(iv.lower.iter().zip(&iv.upper))
                        .filter(|(y, (l, u))| *l <= *y && *y <= *u)
                        .count()
                })
            };
            in80 += inside(0.8);
            in95 += inside(0.95);
            points += s.test.len();
        }
        let pct = |k: usize| 100.0 * k as f64 / points.max(1) as f64;
        runs.push(ModelRun {
            score: ModelScore {
                smape: mean(&smapes),
                mase: mean(&mases),
                mase_median: median(&mut mases),
                cov80: pct(in80),
                cov95: pct(in95),
                wall_s,
                cpu_s,
            },
            name,
            scored: smapes.len(),
            mase_undefined,
            with_fallback,
            failures,
        });
    }
    Ok(BenchReport {
        series: data.len(),
        threads,
        cpu_measured,
        runs,
    })
}

/// Reads `opts.data`, selects series and runs [`bench_series`].
pub fn run_bench(opts: &BenchOptions) -> Result<BenchReport, BenchError> {
    let mut data = read_long_csv(&opts.data)?;
    if let Some(g) = &opts.group {
        data.retain(|s| &s.group == g);
    }
    if let Some(n) = opts.limit {
        data.truncate(n);
    }
    bench_series(&data, &opts.models, opts.horizon, opts.season, opts.threads)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "series_id,group,t,date,value,split\n\
        a,\"x, y\",1,2000-02-01,2,train\n\
        a,\"x, y\",0,2000-01-01,1,train\n\
        a,\"x, y\",2,2000-03-01,3,test\n\
        b,z,0,2000-01-01,5,train\n\
        b,z,1,2000-02-01,5,test\n";

    #[test]
    fn reads_long_format_in_t_order() {
        let s = read_long_csv_from(CSV.as_bytes()).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].group, "x, y");
        assert_eq!(s[0].train, vec![1.0, 2.0]);
        assert_eq!(s[0].test, vec![3.0]);
        assert_eq!(s[1].train, vec![5.0]);
        let c = s[0].calendar.unwrap();
        assert_eq!(c.frequency, Frequency::Monthly);
        assert_eq!(c.date(2).to_string(), "2000-03-01");
        assert!(infer_calendar("2000-01-01", Some("2000-01-08")).is_some());
        assert!(infer_calendar("d", Some("2000-01-08")).is_none());
        assert!(infer_calendar("2000-01-01", Some("2000-03-08")).is_none());
    }

    #[test]
    fn refuses_bad_layouts() {
        let gap = "series_id,group,t,date,value,split\na,g,0,d,1,train\na,g,2,d,1,test\n";
        assert!(matches!(
            read_long_csv_from(gap.as_bytes()),
            Err(BenchError::Format(_))
        ));
        let data = read_long_csv_from(CSV.as_bytes()).unwrap();
        assert!(matches!(
            bench_series(&data, &["nope".into()], 1, 1, 1),
            Err(BenchError::UnknownModel(_))
        ));
        assert!(matches!(
            bench_series(&data, &[], 2, 1, 1),
            Err(BenchError::Format(_))
        ));
    }

    #[test]
    fn cpu_clock_reads_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(thread_cpu_seconds().is_some());
        }
    }
}
