//! The OpenAPI document at `/openapi.json`, generated from the handlers' annotations. The API routes are
//! listed once ([`api_routes`]); the router is built from that list and a test checks it against the document.

use crate::error::ErrorBody;
use crate::server::QueryState;
use crate::{api, summary};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, MethodRouter};
use std::sync::OnceLock;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::ContentBuilder;
use utoipa::{Modify, OpenApi};

/// Every `/api/v1` route with its handler (all behind the bearer token).
pub fn api_routes() -> Vec<(&'static str, MethodRouter<QueryState>)> {
    vec![
        ("/api/v1/tenants", get(api::tenants)),
        ("/api/v1/sessions", get(api::sessions)),
        ("/api/v1/sessions/{tenant}/{platform}/{chat_id}/{session_id}", get(api::session)),
        ("/api/v1/unread", get(api::unread)),
        ("/api/v1/unread/daily", get(api::unread_daily)),
        ("/api/v1/agents/status", get(api::agents_status)),
        ("/api/v1/agents/availability/daily", get(api::availability_daily)),
        ("/api/v1/ratings", get(api::ratings)),
        ("/api/v1/ratings/csat", get(api::csat)),
        ("/api/v1/summary", get(summary::summary)),
    ]
}

/// The dashboard's static files (served by [`crate::dashboard::router`], no auth): path and content type.
pub const DASHBOARD_FILES: &[(&str, &str)] =
    &[("/", "text/html"), ("/app.js", "text/javascript"), ("/style.css", "text/css")];

/// The OpenAPI document of the query role.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "chatstream query API",
        description = "Sessions, unread chats, agent availability and ratings over the analytics views. \
            Every /api/v1 endpoint needs `Authorization: Bearer <token>`; a token reads only its tenants. \
            List endpoints page with `limit` and `cursor` and answer CSV for `Accept: text/csv` or `format=csv`. \
            Times are RFC 3339 in UTC, durations in seconds."
    ),
    paths(
        api::tenants,
        api::sessions,
        api::session,
        api::unread,
        api::unread_daily,
        api::agents_status,
        api::availability_daily,
        api::ratings,
        api::csat,
        summary::summary,
        openapi_json,
    ),
    components(schemas(ErrorBody)),
    modifiers(&Extras),
    tags(
        (name = "api", description = "Analytics over HTTP (bearer token)"),
        (name = "meta", description = "This document and the dashboard (no token)"),
    )
)]
pub struct ApiDoc;

/// The bearer security scheme and the dashboard's files, which have no handler annotations.
struct Extras;

impl Modify for Extras {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        for (path, content_type) in DASHBOARD_FILES {
            let response = ResponseBuilder::new()
                .description("The dashboard file (embedded in the binary)")
                .content(*content_type, ContentBuilder::new().build())
                .build();
            let operation = OperationBuilder::new()
                .tag("meta")
                .summary(Some(format!("Dashboard: {path}")))
                .response("200", response)
                .build();
            doc.paths.paths.insert(path.to_string(), PathItem::new(HttpMethod::Get, operation));
        }
    }
}

/// The document as JSON text (built once).
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")))
}

/// This OpenAPI document.
#[utoipa::path(
    get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json"))
)]
pub async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], document())
}
