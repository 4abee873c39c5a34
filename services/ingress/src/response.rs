//! JSON responses of the webhook endpoint. Error bodies say what was wrong and what to do.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Outcome label of a request (metrics and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    UnknownSource,
    Unauthorized,
    Malformed,
    TooLarge,
    Timeout,
    Unavailable,
}

impl Outcome {
    /// Bounded metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::UnknownSource => "unknown_source",
            Outcome::Unauthorized => "unauthorized",
            Outcome::Malformed => "malformed",
            Outcome::TooLarge => "too_large",
            Outcome::Timeout => "timeout",
            Outcome::Unavailable => "unavailable",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Outcome::Accepted => StatusCode::OK,
            Outcome::UnknownSource => StatusCode::NOT_FOUND,
            Outcome::Unauthorized => StatusCode::UNAUTHORIZED,
            Outcome::Malformed => StatusCode::BAD_REQUEST,
            Outcome::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Outcome::Timeout => StatusCode::REQUEST_TIMEOUT,
            Outcome::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    status: &'a str,
    request_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

/// A response with its outcome, for the handler to record before sending.
#[derive(Debug)]
pub struct Reply {
    pub outcome: Outcome,
    pub request_id: String,
    pub message: Option<String>,
    /// Seconds for `Retry-After` (503 only).
    pub retry_after: Option<u32>,
}

impl Reply {
    /// 200: the delivery is in Kafka.
    pub fn accepted(request_id: String) -> Self {
        Self { outcome: Outcome::Accepted, request_id, message: None, retry_after: None }
    }

    /// An error reply with a message for the sender's operator.
    pub fn error(outcome: Outcome, request_id: String, message: impl Into<String>) -> Self {
        let retry_after = (outcome == Outcome::Unavailable).then_some(1);
        Self { outcome, request_id, message: Some(message.into()), retry_after }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let body = Body {
            status: if self.outcome == Outcome::Accepted { "accepted" } else { "rejected" },
            request_id: &self.request_id,
            error: (self.outcome != Outcome::Accepted).then_some(self.outcome.as_str()),
            message: self.message.as_deref(),
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut resp = (self.outcome.status(), [(header::CONTENT_TYPE, "application/json")], json).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}
