//! Runs the forecasting benchmark, as `sentia forecast bench` will:
//!
//! ```text
//! cargo run --release -p sentia-forecast --example bench -- \
//!     --data ../shared/data/m3_monthly.csv.gz --horizon 18 --season 12 \
//!     [--models snaive,drift] [--group MICRO] [--limit 40] [--threads 2] [--out results.json]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use sentia_forecast::bench::{BenchOptions, run_bench};

fn main() -> ExitCode {
    let mut opts = BenchOptions {
        data: PathBuf::new(),
        horizon: 0,
        season: 1,
        models: Vec::new(),
        group: None,
        limit: None,
        threads: 1,
    };
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else {
            eprintln!("{flag} needs a value");
            return ExitCode::FAILURE;
        };
        let number = || value.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        let parsed = match flag.as_str() {
            "--horizon" => number().map(|n| opts.horizon = n),
            "--season" => number().map(|n| opts.season = n),
            "--limit" => number().map(|n| opts.limit = Some(n)),
            "--threads" => number().map(|n| opts.threads = n),
            "--data" | "--group" | "--models" | "--out" => {
                match flag.as_str() {
                    "--data" => opts.data = PathBuf::from(&value),
                    "--group" => opts.group = Some(value.clone()),
                    "--models" => opts.models = value.split(',').map(str::to_owned).collect(),
                    _ => out = Some(PathBuf::from(&value)),
                }
                Ok(())
            }
            other => Err(format!("unknown flag {other}")),
        };
        if let Err(e) = parsed {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    }
    match run_bench(&opts) {
        Ok(report) => {
            println!("{report}");
            for run in &report.runs {
                for (id, err) in run.failures.iter().take(3) {
                    eprintln!("{}: {id}: {err}", run.name);
                }
            }
            if let Some(path) = out
                && let Err(e) = std::fs::write(&path, report.to_json())
            {
                eprintln!("cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
