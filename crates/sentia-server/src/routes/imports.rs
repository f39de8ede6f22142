//! CSV and Excel imports: templates per kind, the import itself (dry run or commit, the raw
//! file as the request body) and the recent batches. The engine is
//! [`sentia_store::import`]; a committed import is audited in its own transaction.
//!
//! An import answers 200 with its report whatever the outcome: `committed` says whether the
//! records were written, `problems` why not (row, column, reason).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use sentia_store::StoreError;
use sentia_store::import::{self, Actor, ImportKind, ImportOptions, ImportReport};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{CurrentUser, RequestMeta};
use crate::error::{ApiError, ApiErrorBody, ApiResult, Json, Path, Query};
use crate::state::AppState;

/// Largest file an import accepts, bytes.
pub const MAX_IMPORT_BYTES: usize = 200 * 1024 * 1024;

fn kind_of(kind: &str) -> ApiResult<ImportKind> {
    kind.parse()
        .map_err(|e: import::UnknownKind| ApiError::missing("kind", e.to_string()))
}

/// One problem of a file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportProblemView {
    /// Row as seen in the file (header = 1; 0 for the whole file).
    pub row: u64,
    /// Column (empty for the whole row or file).
    pub field: String,
    /// Why.
    pub reason: String,
}

/// Records by outcome.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct ImportCountsView {
    /// New records.
    pub inserted: u64,
    /// Changed records.
    pub updated: u64,
    /// Records already so.
    pub unchanged: u64,
}

/// What an import found and did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportReportView {
    /// `products`, `sales_orders`, `stock_counts`, `purchase_orders`, `invoices` or
    /// `production_runs`.
    pub kind: String,
    /// File name as given.
    pub file_name: String,
    /// `csv` or `xlsx`.
    pub format: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Data rows.
    pub rows: u64,
    /// A dry run keeps nothing.
    pub dry_run: bool,
    /// Whether the records were written.
    pub committed: bool,
    /// Problems in all; any refuses the whole file.
    pub problem_count: u64,
    /// The first problems, in file order.
    pub problems: Vec<ImportProblemView>,
    /// Notes that refuse nothing (unknown columns).
    pub warnings: Vec<ImportProblemView>,
    /// Records by outcome (what a commit would do, for a dry run).
    pub counts: ImportCountsView,
    /// The batch of a committed import.
    pub batch_id: Option<i64>,
    /// Milliseconds taken.
    pub duration_ms: u64,
}

fn problems(v: &[import::RowProblem]) -> Vec<ImportProblemView> {
    v.iter()
        .map(|p| ImportProblemView {
            row: p.row,
            field: p.field.clone(),
            reason: p.reason.clone(),
        })
        .collect()
}

fn report_view(r: &ImportReport) -> ImportReportView {
    ImportReportView {
        kind: r.kind.to_string(),
        file_name: r.file_name.clone(),
        format: match r.format {
            import::Format::Csv => "csv".into(),
            import::Format::Xlsx => "xlsx".into(),
        },
        sha256: r.sha256.clone(),
        rows: r.rows,
        dry_run: r.dry_run,
        committed: r.committed,
        problem_count: r.problem_count,
        problems: problems(&r.problems),
        warnings: problems(&r.warnings),
        counts: ImportCountsView {
            inserted: r.counts.inserted,
            updated: r.counts.updated,
            unchanged: r.counts.unchanged,
        },
        batch_id: r.batch_id,
        duration_ms: r.duration_ms,
    }
}

/// Format of a template.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TemplateQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

/// A template for a kind: the header row and one example row, as CSV or xlsx.
#[utoipa::path(get, path = "/api/v1/imports/templates/{kind}", operation_id = "get_import_template", tag = "data",
    params(("kind" = String, Path, description = "Import kind"), TemplateQuery),
    responses((status = 200, content_type = "text/csv", body = String, description = "The template"),
        (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn get_import_template(
    _user: CurrentUser,
    Path(kind): Path<String>,
    Query(q): Query<TemplateQuery>,
) -> ApiResult<impl IntoResponse> {
    let kind = kind_of(&kind)?;
    let (body, content_type, ext) = match q.format.as_deref().unwrap_or("csv") {
        "csv" => (
            kind.template_csv().into_bytes(),
            "text/csv; charset=utf-8",
            "csv",
        ),
        "xlsx" => (
            kind.template_xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => return Err(ApiError::field("format", "must be csv or xlsx")),
    };
    let disposition = format!("attachment; filename=\"sentia-{kind}-template.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    ))
}

/// Options of an import.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Check and count only, keep nothing (default true).
    pub dry_run: Option<bool>,
    /// The file's name (its extension helps tell CSV from xlsx).
    pub filename: Option<String>,
}

/// Imports a file sent as the raw request body (CSV or xlsx, at most 200 MB): all rows or
/// none. Answers with the report; `committed` says whether anything was written.
#[utoipa::path(post, path = "/api/v1/imports/{kind}", operation_id = "create_import", tag = "data",
    params(("kind" = String, Path, description = "Import kind"), ImportQuery),
    request_body(content = String, content_type = "application/octet-stream", description = "The file"),
    responses((status = 200, body = ImportReportView), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 413, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn create_import(
    user: CurrentUser,
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(kind): Path<String>,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> ApiResult<Json<ImportReportView>> {
    let kind = kind_of(&kind)?;
    let name = q
        .filename
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("{kind}.csv"));
    if name.len() > 255 {
        return Err(ApiError::field(
            "filename",
            "must be at most 255 characters",
        ));
    }
    let now = state.now();
    let opts = ImportOptions {
        dry_run: q.dry_run.unwrap_or(true),
        actor: Actor {
            user_id: Some(user.user.id),
            name: user.user.email.clone(),
        },
        progress: None,
    };
    // One transaction for the records, the batch row and the audit entry.
    let txn = sentia_store::begin_write(&state.db)
        .await
        .map_err(StoreError::from)?;
    let report = import::run_import(&txn, kind, &name, &body, &opts, now).await?;
    if report.committed {
        sentia_store::audit::append(
            &txn,
            &meta
                .entry(
                    now,
                    Some(user.user.id),
                    "import.commit",
                    "import_batch",
                    report.batch_id.map(|id| id.to_string()),
                )
                .details(serde_json::json!({
                    "kind": kind.as_str(),
                    "file_name": report.file_name,
                    "sha256": report.sha256,
                    "rows": report.rows,
                    "inserted": report.counts.inserted,
                    "updated": report.counts.updated,
                    "unchanged": report.counts.unchanged,
                })),
        )
        .await?;
        txn.commit().await.map_err(StoreError::from)?;
    } else {
        txn.rollback().await.map_err(StoreError::from)?;
    }
    Ok(Json(report_view(&report)))
}

/// A committed import.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportBatchView {
    /// Id.
    pub id: i64,
    /// Kind of records.
    pub kind: String,
    /// File name.
    pub file_name: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Data rows.
    pub row_count: i64,
    /// New records.
    pub inserted: i64,
    /// Changed records.
    pub updated: i64,
    /// Records already so.
    pub unchanged: i64,
    /// Who ran it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Milliseconds taken.
    pub duration_ms: i64,
}

/// Recent committed imports.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportBatchList {
    /// Newest first, at most 50.
    pub batches: Vec<ImportBatchView>,
}

/// The 50 most recent committed imports, newest first.
#[utoipa::path(get, path = "/api/v1/imports", operation_id = "list_imports", tag = "data",
    responses((status = 200, body = ImportBatchList), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_imports(
    _user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<ImportBatchList>> {
    let batches = import::list_batches(&state.db, 50).await?;
    Ok(Json(ImportBatchList {
        batches: batches
            .into_iter()
            .map(|b| ImportBatchView {
                id: b.id,
                kind: b.kind,
                file_name: b.file_name,
                sha256: b.sha256,
                row_count: b.row_count,
                inserted: b.inserted,
                updated: b.updated,
                unchanged: b.unchanged,
                created_by: b.created_by,
                created_at: b.created_at,
                duration_ms: b.duration_ms,
            })
            .collect(),
    }))
}
