//! CSV and Excel (xlsx) imports of products, sales orders, stock counts, purchase orders,
//! invoices and production runs.
//!
//! An import reads the file ([`Format::detect`]: an xlsx is recognised by its content, its
//! first sheet is read; anything else is read as UTF-8 CSV), matches the header row to the
//! kind's columns ([`ImportKind::columns`], case-insensitively; missing required columns
//! refuse the file, unknown columns are reported as warnings and ignored), parses and
//! validates every row, and reports every problem with the row number a person sees in the
//! file (the header is row 1), the column and the reason ([`ImportReport`]).
//!
//! All or nothing: when any row has a problem nothing is written. Otherwise the records are
//! upserted in one transaction together with an `import_batches` row and one `data.<kind>`
//! event, so after a crash the import is either wholly there or wholly absent. A dry run
//! does the same work and rolls it back, so its counts say exactly what a commit would do.
//!
//! Records are keyed `source = 'import'` with an `external_id` made from the natural key of
//! the file's row (order number and line, SKU, …), so importing the same file again changes
//! nothing: the report says 0 inserted and N unchanged. Sales orders, the large files, are
//! validated in memory against reference data read once and written with multi-row inserts;
//! the other kinds go through the record upserts of [`crate::ingest`].

mod batches;
mod fields;
mod kinds;
mod records;
mod sales;
mod table;
mod xlsx;

use std::time::Instant;

use chrono::{DateTime, Utc};
use csv::StringRecord;
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};
use sha2::{Digest, Sha256};

pub use batches::{ImportBatch, list_batches};
pub use kinds::{Column, ImportKind, KINDS, UnknownKind};
pub use table::Format;
pub use xlsx::workbook as xlsx_workbook;

use crate::StoreResult;
use crate::ingest::{BatchCounts, Refs};

/// The `source` of every record an import writes.
pub const SOURCE: &str = "import";

/// At most this many problems are listed in a report (all are counted).
pub const MAX_LISTED_PROBLEMS: usize = 1000;

/// One problem of a file: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowProblem {
    /// Row number as a person sees it in the file (the header is row 1; 0 for the file as a
    /// whole).
    pub row: u64,
    /// The column at fault, as the kind names it (empty for the file or row as a whole).
    pub field: String,
    /// Why, for a person to read.
    pub reason: String,
}

/// What an import found and did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportReport {
    /// The kind of records imported.
    pub kind: ImportKind,
    /// The file's name as given.
    pub file_name: String,
    /// How the file was read.
    pub format: Format,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
    /// Data rows read (the header not counted).
    pub rows: u64,
    /// Whether this was a dry run (nothing kept, whatever the outcome).
    pub dry_run: bool,
    /// Whether the records were committed.
    pub committed: bool,
    /// How many problems the file has; any problem refuses the whole file.
    pub problem_count: u64,
    /// The problems, in file order, at most [`MAX_LISTED_PROBLEMS`].
    pub problems: Vec<RowProblem>,
    /// Things that refuse nothing but deserve a look (unknown columns).
    pub warnings: Vec<RowProblem>,
    /// Records by outcome (orders for the order kinds, runs for production runs); for a dry
    /// run, what a commit would do.
    pub counts: BatchCounts,
    /// The `import_batches` row of a committed import.
    pub batch_id: Option<i64>,
    /// Time taken, milliseconds.
    pub duration_ms: u64,
}

impl ImportReport {
    /// Whether the file was refused (it has problems).
    pub fn refused(&self) -> bool {
        self.problem_count > 0
    }

    /// Data rows per second over the whole import.
    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / (self.duration_ms.max(1) as f64 / 1000.0)
    }
}

/// How far an import is, for progress output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Rows read and checked so far.
    Reading {
        /// Data rows read.
        rows: u64,
    },
    /// The write transaction is open and records are being written.
    Writing {
        /// Records (lines for sales orders) written so far.
        done: u64,
        /// Records to write.
        total: u64,
    },
}

/// Who runs an import, as recorded in `import_batches`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The signed-in user, none for the command line.
    pub user_id: Option<i64>,
    /// Shown to people (an e-mail address, or `cli`).
    pub name: String,
}

/// Options of [`run_import`].
pub struct ImportOptions<'a> {
    /// Validate and count only; keep nothing.
    pub dry_run: bool,
    /// Who runs it.
    pub actor: Actor,
    /// Called now and then with how far the import is.
    pub progress: Option<&'a (dyn Fn(Progress) + Send + Sync)>,
}

/// Problems found while reading, capped for listing but all counted.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    list: Vec<RowProblem>,
    total: u64,
}

impl Problems {
    pub fn push(&mut self, row: u64, field: &str, reason: impl Into<String>) {
        self.total += 1;
        if self.list.len() < MAX_LISTED_PROBLEMS {
            self.list.push(RowProblem {
                row,
                field: field.to_owned(),
                reason: reason.into(),
            });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

/// A file's header matched to a kind's columns.
pub(crate) struct Header {
    kind: ImportKind,
    /// Position in the file of each of the kind's columns, in `kind.columns()` order.
    pos: Vec<Option<usize>>,
}

impl Header {
    fn match_columns(
        kind: ImportKind,
        names: &[String],
        header_row: u64,
        problems: &mut Problems,
        warnings: &mut Vec<RowProblem>,
    ) -> Self {
        let cols = kind.columns();
        let mut pos = vec![None; cols.len()];
        for (i, n) in names.iter().enumerate() {
            if n.is_empty() {
                continue;
            }
            match cols.iter().position(|c| c.name.eq_ignore_ascii_case(n)) {
                Some(k) if pos[k].is_some() => {
                    problems.push(header_row, cols[k].name, "the column appears twice")
                }
                Some(k) => pos[k] = Some(i),
                None => warnings.push(RowProblem {
                    row: header_row,
                    field: n.clone(),
                    reason: format!(
                        "unknown column, ignored (the columns are {})",
                        cols.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
                    ),
                }),
            }
        }
        for (k, c) in cols.iter().enumerate() {
            if c.required && pos[k].is_none() {
                problems.push(header_row, c.name, "required column is missing");
            }
        }
        Self { kind, pos }
    }

    /// Position in the file of the kind's column `name` (a programming error to ask for a
    /// column the kind does not have: that gives `None`, as for a column the file lacks).
    pub fn idx(&self, name: &str) -> Option<usize> {
        self.kind
            .columns()
            .iter()
            .position(|c| c.name == name)
            .and_then(|k| self.pos[k])
    }
}

/// The text of column `idx` in `rec`, trimmed; empty when the file lacks it.
pub(crate) fn cell(rec: &StringRecord, idx: Option<usize>) -> &str {
    idx.and_then(|i| rec.get(i)).unwrap_or("").trim()
}

/// Reads, validates and (unless refused or a dry run) commits one file. See the module
/// documentation. The report is returned for refused files too; an `Err` is only a database
/// failure, and then nothing was committed either.
#[tracing::instrument(skip_all, fields(kind = %kind, file_name = %file_name, bytes = bytes.len()))]
pub async fn run_import<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    kind: ImportKind,
    file_name: &str,
    bytes: &[u8],
    opts: &ImportOptions<'_>,
    now: DateTime<Utc>,
) -> StoreResult<ImportReport> {
    let started = Instant::now();
    let format = Format::detect(file_name, bytes);
    let mut report = ImportReport {
        kind,
        file_name: file_name.to_owned(),
        format,
        sha256: hex::encode(Sha256::digest(bytes)),
        rows: 0,
        dry_run: opts.dry_run,
        committed: false,
        problem_count: 0,
        problems: Vec::new(),
        warnings: Vec::new(),
        counts: BatchCounts::default(),
        batch_id: None,
        duration_ms: 0,
    };
    let mut problems = Problems::default();
    let finish = |mut report: ImportReport, problems: Problems| {
        report.problem_count = problems.total;
        report.problems = problems.list;
        report.duration_ms = started.elapsed().as_millis() as u64;
        report
    };
    let mut table = match table::Table::open(format, bytes) {
        Ok(t) => t,
        Err(reason) => {
            problems.push(0, "", reason);
            return Ok(finish(report, problems));
        }
    };
    let header = Header::match_columns(
        kind,
        table.headers(),
        table.header_row(),
        &mut problems,
        &mut report.warnings,
    );
    if !problems.is_empty() {
        return Ok(finish(report, problems));
    }
    let refs = Refs::load(conn).await?;
    let mut parsed = match kind {
        ImportKind::SalesOrders => {
            Parsed::Sales(sales::read(&mut table, &header, &refs, &mut problems, opts))
        }
        _ => Parsed::Records(records::read(
            kind,
            &mut table,
            &header,
            &refs,
            &mut problems,
            opts,
        )),
    };
    report.rows = parsed.rows();
    if report.rows == 0 && problems.is_empty() {
        problems.push(0, "", "the file has no data rows");
    }
    if let Parsed::Records(r) = &parsed {
        r.validate(conn, &mut problems).await?;
    }
    if let Parsed::Sales(s) = &mut parsed {
        s.finish(&refs, &mut problems);
    }
    if !problems.is_empty() {
        return Ok(finish(report, problems));
    }

    let txn = crate::begin_write(conn).await?;
    let counts = match &parsed {
        Parsed::Sales(s) => s.write(&txn, opts, now).await?,
        Parsed::Records(r) => r.write(&txn, now).await?,
    };
    report.counts = counts;
    if opts.dry_run {
        txn.rollback().await?;
        return Ok(finish(report, problems));
    }
    let mut report = finish(report, problems);
    let id = batches::insert(&txn, &report, &opts.actor, now).await?;
    txn.commit().await?;
    report.batch_id = Some(id);
    report.committed = true;
    Ok(report)
}

enum Parsed {
    Sales(sales::SalesFile),
    Records(records::RecordsFile),
}

impl Parsed {
    fn rows(&self) -> u64 {
        match self {
            Parsed::Sales(s) => s.rows,
            Parsed::Records(r) => r.rows,
        }
    }
}
