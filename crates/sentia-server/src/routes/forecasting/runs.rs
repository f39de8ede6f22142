//! Starting forecast runs and following them.

use axum::extract::State;
use axum::http::StatusCode;
use sentia_store::forecasting as store;

use super::views::{ForecastRun, ForecastRunList};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiErrorBody, ApiResult, Json, Path};
use crate::forecasting::runner;
use crate::state::AppState;

/// Starts a forecast run over every series in the background; answers at once with the
/// run (state `running`). Poll `get_forecast_run` for its end. 409 while a run is running.
#[utoipa::path(post, path = "/api/v1/forecasting/runs", operation_id = "create_forecast_run", tag = "forecasting",
    responses((status = 202, body = ForecastRun), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
        (status = 503, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn create_forecast_run(
    user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<(StatusCode, Json<ForecastRun>)> {
    super::history(&state).await?;
    let run = runner::start(&state.db, &state.clock, &format!("api:{}", user.user.id)).await?;
    Ok((StatusCode::ACCEPTED, Json(run.into())))
}

/// One forecast run.
#[utoipa::path(get, path = "/api/v1/forecasting/runs/{id}", operation_id = "get_forecast_run", tag = "forecasting",
    params(("id" = i64, Path, description = "Run id")),
    responses((status = 200, body = ForecastRun), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn get_forecast_run(
    _user: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ForecastRun>> {
    match store::get_run(&state.db, id).await {
        Ok(r) => Ok(Json(r.into())),
        Err(sentia_store::StoreError::NotFound) => {
            Err(ApiError::missing("id", format!("no forecast run {id}")))
        }
        Err(e) => Err(e.into()),
    }
}

/// The 20 newest forecast runs.
#[utoipa::path(get, path = "/api/v1/forecasting/runs", operation_id = "list_forecast_runs", tag = "forecasting",
    responses((status = 200, body = ForecastRunList), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_forecast_runs(
    _user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<ForecastRunList>> {
    let runs = store::list_runs(&state.db, 20).await?;
    Ok(Json(ForecastRunList {
        runs: runs.into_iter().map(Into::into).collect(),
    }))
}
