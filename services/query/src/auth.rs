//! Bearer-token authentication of the API routes. Tokens are never logged; their configured names are.

use crate::error::ApiError;
use crate::server::QueryState;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Middleware: requires `Authorization: Bearer <token>` with a configured token and hands its
/// [`crate::tokens::Principal`] to the handler (as a request extension); 401 otherwise.
pub async fn require_token(State(state): State<QueryState>, mut request: Request, next: Next) -> Response {
    let outcome = match request.headers().get(header::AUTHORIZATION) {
        None => Err(("missing", "missing bearer token: send the header `Authorization: Bearer <token>`")),
        Some(value) => match value.to_str().ok().and_then(bearer) {
            None => Err(("malformed", "the Authorization header must be `Bearer <token>`")),
            Some(token) => state.tokens.authenticate(token).ok_or(("unknown", "unknown token")),
        },
    };
    match outcome {
        Ok(principal) => {
            tracing::debug!(token = &*principal.name, path = request.uri().path(), "authenticated");
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err((reason, message)) => {
            state.metrics.auth_failures.with_label_values(&[reason]).inc();
            ApiError::Unauthorized(message.to_string()).into_response()
        }
    }
}

/// The token of a `Bearer` credential (scheme case-insensitive).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn bearer_credentials_are_recognised() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("abc"), None);
    }
}
