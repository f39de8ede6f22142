//! The one error type of the HTTP edge and its JSON shape:
//! `{"error": {"code", "message", "details": [{"field", "reason"}]}}`.
//!
//! Internal errors are logged once with their cause and answered with a generic message:
//! database text never reaches a client.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A problem with one input field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// Parameter or body field at fault.
    pub field: String,
    /// Why it was refused.
    pub reason: String,
}

/// Error details.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiErrorDetail {
    /// Stable machine-readable code such as `invalid_query` or `unauthorized`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// Field-level problems, empty when none apply.
    pub details: Vec<FieldError>,
}

/// Body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// The error.
    pub error: ApiErrorDetail,
}

/// An error answered to a client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request's parameters are malformed.
    #[error("{message}")]
    BadRequest {
        /// Stable code.
        code: &'static str,
        /// Explanation.
        message: String,
        /// Field problems.
        details: Vec<FieldError>,
    },
    /// 422: well-formed but not acceptable values.
    #[error("{message}")]
    Unprocessable {
        /// Explanation.
        message: String,
        /// Field problems.
        details: Vec<FieldError>,
    },
    /// 401: no valid session.
    #[error("sign in required")]
    Unauthorized,
    /// 401 on a failed login.
    #[error("invalid e-mail or password")]
    InvalidCredentials,
    /// 429 on a sign-in for an e-mail with too many recent failures (answered alike whether
    /// or not the account exists); `Retry-After` says when the lockout window has passed.
    #[error("too many failed sign-ins; try again later")]
    AccountLocked {
        /// Seconds until a sign-in is considered again.
        retry_after_secs: u64,
    },
    /// 401: signed in with a password, the second factor is still to come.
    #[error("enter the code from your authenticator app to finish signing in")]
    MfaRequired,
    /// 403: the route needs two-factor sign-in, which the user has not set up.
    #[error("set up two-factor sign-in to use administration")]
    MfaEnrollmentRequired,
    /// 403: the route needs a fresh second-factor check (step-up).
    #[error("confirm with a code from your authenticator app (valid 5 minutes)")]
    StepUpRequired,
    /// 429: too many requests; `Retry-After` says when to try again.
    #[error("too many requests; slow down")]
    RateLimited {
        /// Seconds until the next request is allowed.
        retry_after_secs: u64,
    },
    /// 403: a state-changing request sent from a page of another origin.
    #[error("cross-origin request refused")]
    ForeignOrigin,
    /// 403: the feature is switched off (for the user's role) by an admin.
    #[error("the feature '{0}' is switched off")]
    FeatureDisabled(String),
    /// 403: signed in but not allowed.
    #[error("you do not have permission '{0}'")]
    Forbidden(String),
    /// 404.
    #[error("not found")]
    NotFound,
    /// 404 naming the path parameter or field that points at nothing.
    #[error("{message}")]
    Missing {
        /// Explanation.
        message: String,
        /// The field at fault.
        details: Vec<FieldError>,
    },
    /// 409: the change conflicts with stored data (a unique key, a concurrent edit).
    #[error("{0}")]
    Conflict(String),
    /// 503: the data is not ready yet (e.g. demo still loading).
    #[error("{0}")]
    Unavailable(String),
    /// 500: logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A 400 about one field.
    pub fn field(field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        ApiError::BadRequest {
            code: "invalid_query",
            message: format!("invalid value for '{field}': {reason}"),
            details: vec![FieldError {
                field: field.to_owned(),
                reason,
            }],
        }
    }

    /// A 404 about one field (an unknown SKU, channel or id).
    pub fn missing(field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        ApiError::Missing {
            message: format!("'{field}' matches nothing: {reason}"),
            details: vec![FieldError {
                field: field.to_owned(),
                reason,
            }],
        }
    }

    /// A 422 about one field.
    pub fn unprocessable(field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        ApiError::Unprocessable {
            message: format!("'{field}' is not acceptable: {reason}"),
            details: vec![FieldError {
                field: field.to_owned(),
                reason,
            }],
        }
    }
}

impl From<sentia_store::StoreError> for ApiError {
    fn from(e: sentia_store::StoreError) -> Self {
        match e {
            sentia_store::StoreError::NotFound => ApiError::NotFound,
            sentia_store::StoreError::Conflict(m) => ApiError::Conflict(m),
            other => ApiError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        // serde_urlencoded names the offending parameter either as "unknown field `x`" or as
        // a "x: reason" prefix. The text holds only the client's own parameter names.
        let text = r.body_text();
        let text = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&text)
            .to_owned();
        let (field, reason) = if let Some(rest) = text.strip_prefix("unknown field `") {
            let name = rest.split('`').next().unwrap_or("query").to_owned();
            (name, "unknown parameter".to_owned())
        } else if let Some(rest) = text.strip_prefix("duplicate field `") {
            let name = rest.split('`').next().unwrap_or("query").to_owned();
            (
                name,
                "given more than once; use a comma-separated list".to_owned(),
            )
        } else if let Some((name, why)) = text
            .split_once(": ")
            .filter(|(n, _)| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            (name.to_owned(), why.to_owned())
        } else {
            ("query".to_owned(), text.clone())
        };
        ApiError::BadRequest {
            code: "invalid_query",
            message: text,
            details: vec![FieldError { field, reason }],
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        ApiError::BadRequest {
            code: "invalid_body",
            message: r.body_text(),
            details: vec![],
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::BadRequest {
            code: "invalid_path",
            message: r.body_text(),
            details: vec![FieldError {
                field: "path".to_owned(),
                reason: r.body_text(),
            }],
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, details) = match &self {
            ApiError::BadRequest { code, details, .. } => {
                (StatusCode::BAD_REQUEST, *code, details.clone())
            }
            ApiError::Unprocessable { details, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unprocessable",
                details.clone(),
            ),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", vec![]),
            ApiError::InvalidCredentials => {
                (StatusCode::UNAUTHORIZED, "invalid_credentials", vec![])
            }
            ApiError::AccountLocked { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "account_locked", vec![])
            }
            ApiError::MfaRequired => (StatusCode::UNAUTHORIZED, "mfa_required", vec![]),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", vec![]),
            ApiError::MfaEnrollmentRequired => {
                (StatusCode::FORBIDDEN, "mfa_enrollment_required", vec![])
            }
            ApiError::StepUpRequired => (StatusCode::FORBIDDEN, "step_up_required", vec![]),
            ApiError::ForeignOrigin => (StatusCode::FORBIDDEN, "forbidden_origin", vec![]),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", vec![]),
            ApiError::FeatureDisabled(_) => (StatusCode::FORBIDDEN, "feature_disabled", vec![]),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", vec![]),
            ApiError::Missing { details, .. } => {
                (StatusCode::NOT_FOUND, "not_found", details.clone())
            }
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict", vec![]),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", vec![]),
            ApiError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", vec![])
            }
        };
        let message = match &self {
            ApiError::Internal(_) => "an internal error occurred; it has been logged".to_owned(),
            other => other.to_string(),
        };
        let body = ApiErrorBody {
            error: ApiErrorDetail {
                code: code.to_owned(),
                message,
                details,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::AccountLocked { retry_after_secs }
        | ApiError::RateLimited { retry_after_secs } = self
        {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs),
            );
        }
        response
    }
}

/// Query extractor that answers malformed or unknown parameters in our error shape.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Path extractor that answers malformed path parameters in our error shape.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// JSON body extractor that answers malformed bodies in our error shape.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
