//! Imports from the command line (`sentia import <kind> FILE`): the engine is
//! [`sentia_store::import`]; this reads the file, prints progress to stderr and the report to
//! stdout.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use sentia_store::import::{self, Actor, ImportKind, ImportOptions, ImportReport, Progress};

/// The report as people read it: the outcome, then one line per problem (`row 7, sku:
/// unknown SKU 'X'`).
pub fn render_report(r: &ImportReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} import of {} ({:?}, {} data rows, sha256 {}):",
        r.kind,
        r.file_name,
        r.format,
        r.rows,
        &r.sha256[..12.min(r.sha256.len())]
    );
    for w in &r.warnings {
        let _ = writeln!(out, "  warning: row {}, {}: {}", w.row, w.field, w.reason);
    }
    if r.refused() {
        let _ = writeln!(
            out,
            "REFUSED: {} problem(s), nothing was imported.",
            r.problem_count
        );
        for p in &r.problems {
            let at = if p.field.is_empty() {
                format!("row {}", p.row)
            } else {
                format!("row {}, {}", p.row, p.field)
            };
            let _ = writeln!(out, "  {at}: {}", p.reason);
        }
        let hidden = r.problem_count.saturating_sub(r.problems.len() as u64);
        if hidden > 0 {
            let _ = writeln!(out, "  … and {hidden} more");
        }
        return out;
    }
    let verb = if r.committed {
        "Imported"
    } else {
        "Dry run, nothing kept; a commit would give"
    };
    let _ = writeln!(
        out,
        "{verb}: {} inserted, {} updated, {} unchanged in {:.1} s ({:.0} rows/s){}.",
        r.counts.inserted,
        r.counts.updated,
        r.counts.unchanged,
        r.duration_ms as f64 / 1000.0,
        r.rows_per_second(),
        r.batch_id
            .map(|id| format!(", batch {id}"))
            .unwrap_or_default()
    );
    out
}

/// Runs `sentia import`: imports `file` as `kind` into the database at `database_url`
/// (migrated first), printing progress lines to stderr and the report (or its JSON) to
/// stdout. Returns the report; the caller exits non-zero when it was refused.
pub async fn run_cli(
    database_url: &str,
    kind: ImportKind,
    file: &Path,
    dry_run: bool,
    json: bool,
) -> anyhow::Result<ImportReport> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    let db = sentia_store::connect(database_url).await?;
    sentia_store::migrate(&db).await?;
    let progress = |p: Progress| match p {
        Progress::Reading { rows } => eprintln!("import: read {rows} rows"),
        Progress::Writing { done, total } => eprintln!("import: writing {done}/{total}"),
    };
    let opts = ImportOptions {
        dry_run,
        actor: Actor {
            user_id: None,
            name: "cli".into(),
        },
        progress: Some(&progress),
    };
    let report = import::run_import(&db, kind, &name, &bytes, &opts, chrono::Utc::now())
        .await
        .context("importing")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render_report(&report));
    }
    Ok(report)
}
