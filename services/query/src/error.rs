//! API errors: every one is answered as JSON `{"error": "..."}` with a fitting status.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chatstream_projector::StoreError;
use serde::Serialize;

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong and what to do about it.
    pub error: String,
}

/// The error answers every list endpoint documents (OpenAPI), besides its own.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only its OpenAPI description is used; the answers themselves come from [`ApiError`].
pub enum ListErrors {
    /// A malformed parameter or cursor
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No token or an unknown one
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// `tenant` is not one of the token's
    #[response(status = 403)]
    Forbidden(ErrorBody),
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: a parameter is malformed or missing.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no bearer token, or one that is not configured.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the token may not read the tenant asked for.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such resource.
    #[error("{0}")]
    NotFound(String),
    /// 500/503: the store failed (details go to the log, not to the client).
    #[error("store query failed: {0}")]
    Store(#[from] StoreError),
    /// 500: a view returned a value of an unexpected type (a chatstream bug).
    #[error("unexpected value in the analytics views: {0}")]
    Decode(String),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Store(e) if e.is_transient() => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Store(_) | ApiError::Decode(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            ApiError::Store(e) => {
                tracing::error!(error = %e, "store query failed");
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    "the store is not reachable right now; retry shortly".to_string()
                } else {
                    "the store query failed; the query role's log has the details".to_string()
                }
            }
            ApiError::Decode(detail) => {
                tracing::error!(%detail, "unexpected value in the analytics views");
                "unexpected value in the analytics views; the query role's log has the details".to_string()
            }
            other => other.to_string(),
        };
        let mut response = (status, Json(ErrorBody { error: message })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
