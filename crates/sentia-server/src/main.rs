//! `sentia`: one binary with subcommands.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use sentia_server::config::Config;
use sentia_server::forecasting::runner::{self, RunKind};
use sentia_server::{Application, bootstrap};

#[derive(Parser)]
#[command(
    name = "sentia",
    version,
    about = "Manufacturing intelligence for Sentia Spirits"
)]
struct Cli {
    /// Configuration file (optional; SENTIA_* environment variables override it).
    #[arg(long, global = true, default_value = "sentia.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the web app (the default).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free one).
        #[arg(long)]
        bind: Option<SocketAddr>,
    },
    /// Run jobs only (syncs, imports, forecasts, the schedulers), serving no HTTP: for
    /// scaled deployments whose web instances set `run_jobs = false`.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo company (into an empty database, or after --reset).
    Demo {
        /// Delete all business data first, then reload the demo.
        #[arg(long)]
        reset: bool,
        /// Days of history (default from configuration: 1096).
        #[arg(long)]
        days: Option<u32>,
    },
    /// Import a CSV or Excel (xlsx) file: all rows or none; exit 2 with the report when the
    /// file is refused.
    Import {
        /// products, sales_orders, stock_counts, purchase_orders, invoices or production_runs.
        kind: sentia_store::import::ImportKind,
        /// The file (CSV or xlsx).
        file: PathBuf,
        /// Check the file and count what would change, keep nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Audit trail tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Forecasting tools.
    Forecast {
        #[command(subcommand)]
        command: ForecastCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain of the audit trail; exit 1 naming the first broken row.
    Verify,
}

#[derive(Subcommand)]
enum ForecastCommand {
    /// Run the demand forecast for every SKU × channel and every total now, reconcile and
    /// store it, and print the timing.
    Run,
    /// Score models on a public benchmark file (long CSV: series_id,group,t,date,value,split):
    /// fit on the train rows, forecast the horizon, score on the test rows.
    Bench {
        /// The data file, plain or gzip.
        #[arg(long)]
        data: PathBuf,
        /// Forecast horizon (test rows per series).
        #[arg(long)]
        horizon: usize,
        /// Season length.
        #[arg(long)]
        season: usize,
        /// Comma-separated model names (default: all baseline models).
        #[arg(long, value_delimiter = ',')]
        models: Vec<String>,
        /// Only series of this group.
        #[arg(long)]
        group: Option<String>,
        /// Only the first N series.
        #[arg(long)]
        limit: Option<usize>,
        /// Worker threads fitting series in parallel (default: the machine's cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Write the results as JSON here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Compare the reconciliation methods on the database's demand history: forecast every
    /// series and total as of past origins, reconcile by each method, and print WAPE per level
    /// on the 13 weeks after each origin.
    ReconcileBench {
        /// Origins, in weeks before the end of the history (each at least 13).
        #[arg(long, value_delimiter = ',', default_value = "13,26,39,52,65,78")]
        origins: Vec<usize>,
    },
}

fn print_run(run: &sentia_store::forecasting::RunRecord) {
    println!(
        "Forecast run {} ({}) {}: {} series in {:.1} s{}",
        run.id,
        run.triggered_by,
        run.state,
        run.series_count,
        run.duration_ms.unwrap_or(0) as f64 / 1000.0,
        run.error
            .as_deref()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default()
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SENTIA_LOG")
                .unwrap_or_else(|_| "warn,sentia_server=info,sentia_store=info".into()),
        )
        .json()
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let mut config = Config::load(&cli.config).context("reading configuration")?;
    match cli.command.unwrap_or(Command::Serve { bind: None }) {
        Command::Serve { bind } => {
            if let Some(b) = bind {
                config.bind = b;
            }
            let app = Application::build(config).await?;
            bootstrap::print_logins(&app.demo_logins);
            println!("Sentia is listening on http://{}", app.local_addr());
            app.run().await
        }
        Command::Worker => sentia_server::run_worker(config).await,
        Command::Migrate => {
            let db = sentia_store::connect(&config.database_url).await?;
            sentia_store::migrate(&db).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::Demo { reset, days } => {
            let db = sentia_store::connect(&config.database_url).await?;
            sentia_store::migrate(&db).await?;
            if !reset && !bootstrap::is_empty(&db).await? {
                anyhow::bail!(
                    "the database already holds data; use `sentia demo --reset` to replace it"
                );
            }
            let started = std::time::Instant::now();
            let s = bootstrap::load_demo(&db, days.unwrap_or(config.demo_days), reset).await?;
            println!(
                "Demo loaded in {:.1} s: {} orders, {} order lines, {} stock movements.",
                started.elapsed().as_secs_f64(),
                s.orders,
                s.order_lines,
                s.stock_movements
            );
            bootstrap::print_logins(
                &bootstrap::ensure_demo_users(&db, config.demo_password.as_deref()).await?,
            );
            Ok(())
        }
        Command::Forecast {
            command: ForecastCommand::Run,
        } => {
            let db = sentia_store::connect(&config.database_url).await?;
            sentia_store::migrate(&db).await?;
            let clock = sentia_server::clock::Clock::system();
            let first = !sentia_store::forecasting::has_forecasts(&db).await?;
            let run = sentia_store::forecasting::start_run(
                &db,
                "cli",
                runner::instance_id(),
                clock.now(),
            )
            .await?;
            let ok =
                runner::execute(db.clone(), clock.clone(), run.clone(), RunKind::Current).await;
            print_run(&sentia_store::forecasting::get_run(&db, run.id).await?);
            if !ok {
                anyhow::bail!("the forecast run failed");
            }
            if first {
                runner::backfill(db.clone(), clock).await;
                if let Some(run) = sentia_store::forecasting::list_runs(&db, 1).await?.pop() {
                    print_run(&run);
                }
            }
            Ok(())
        }
        Command::Forecast {
            command: ForecastCommand::ReconcileBench { origins },
        } => {
            let db = sentia_store::connect(&config.database_url).await?;
            sentia_store::migrate(&db).await?;
            let history = runner::load_history(&db).await?;
            let started = std::time::Instant::now();
            let comparison = tokio::task::spawn_blocking(move || {
                sentia_server::forecasting::reconcile_bench::compare(&history, &origins)
            })
            .await?;
            if comparison.origins.is_empty() {
                anyhow::bail!("no origin could be scored: the history is too short");
            }
            println!("{comparison}");
            println!("in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Forecast {
            command:
                ForecastCommand::Bench {
                    data,
                    horizon,
                    season,
                    models,
                    group,
                    limit,
                    threads,
                    out,
                },
        } => {
            let threads = threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
            let opts = sentia_forecast::bench::BenchOptions {
                data,
                horizon,
                season,
                models,
                group,
                limit,
                threads,
            };
            let report =
                tokio::task::spawn_blocking(move || sentia_forecast::bench::run_bench(&opts))
                    .await??;
            println!("{report}");
            if let Some(out) = out {
                std::fs::write(&out, report.to_json())
                    .with_context(|| format!("writing {}", out.display()))?;
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let db = sentia_store::connect(&config.database_url).await?;
            let v = sentia_store::audit::verify(&db).await?;
            match v.first_broken {
                None => {
                    println!("Audit trail verified: all {} rows are intact.", v.rows);
                    Ok(())
                }
                Some(broken) => {
                    eprintln!("Audit trail BROKEN: {broken}.");
                    std::process::exit(1);
                }
            }
        }
        Command::Import {
            kind,
            file,
            dry_run,
            json,
        } => {
            let report =
                sentia_server::imports::run_cli(&config.database_url, kind, &file, dry_run, json)
                    .await?;
            if report.refused() {
                std::process::exit(2);
            }
            Ok(())
        }
        Command::Openapi => {
            println!("{}", sentia_server::openapi_json());
            Ok(())
        }
    }
}
