//! A minimal Confluent-compatible schema registry client: register a schema under a subject, look one up by id.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// Why a registry call failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("schema registry URL {0:?} is not supported: use http://host:port (optionally http://user:password@host:port); https is not built in yet, put a TLS-terminating proxy in front")]
    UnsupportedUrl(String),
    #[error("schema registry at {url} is unreachable: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("schema registry answered {status} for {what}: {body}")]
    Status { what: String, status: u16, body: String },
    #[error("schema registry answered unreadable JSON for {what}: {detail}")]
    BadResponse { what: String, detail: String },
}

/// Talks to a Confluent-compatible schema registry over HTTP.
#[derive(Clone)]
pub struct RegistryClient {
    base: String,
    authorization: Option<String>,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print credentials.
        f.debug_struct("RegistryClient").field("base", &self.base).finish()
    }
}

const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

impl RegistryClient {
    /// A client for `url` (`http://[user:password@]host:port[/prefix]`).
    pub fn new(url: &str) -> Result<Self, RegistryError> {
        let rest = url.strip_prefix("http://").ok_or_else(|| RegistryError::UnsupportedUrl(redact(url)))?;
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        if host.is_empty() {
            return Err(RegistryError::UnsupportedUrl(redact(url)));
        }
        let authorization = userinfo.map(|u| format!("Basic {}", STANDARD.encode(u.as_bytes())));
        let base = format!("http://{host}/{}", path.trim_end_matches('/'));
        let base = base.trim_end_matches('/').to_string();
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Self { base, authorization, client })
    }

    /// Registers `schema_json` under `subject` (idempotent in the registry) and returns its global id.
    pub async fn register(&self, subject: &str, schema_json: &str) -> Result<u32, RegistryError> {
        let body = serde_json::json!({ "schema": schema_json }).to_string();
        let what = format!("registering subject {subject}");
        let v = self.call(Method::POST, &format!("/subjects/{subject}/versions"), Some(body), &what).await?;
        v.get("id")
            .and_then(serde_json::Value::as_u64)
            .and_then(|id| u32::try_from(id).ok())
            .ok_or_else(|| RegistryError::BadResponse { what, detail: format!("no numeric id in {v}") })
    }

    /// Fetches the schema text registered under global `id`.
    pub async fn schema_by_id(&self, id: u32) -> Result<String, RegistryError> {
        let what = format!("schema id {id}");
        let v = self.call(Method::GET, &format!("/schemas/ids/{id}"), None, &what).await?;
        v.get("schema")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| RegistryError::BadResponse { what, detail: format!("no schema string in {v}") })
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        what: &str,
    ) -> Result<serde_json::Value, RegistryError> {
        let url = format!("{}{path}", self.base);
        let mut req = Request::builder().method(method).uri(&url).header("accept", CONTENT_TYPE);
        if body.is_some() {
            req = req.header("content-type", CONTENT_TYPE);
        }
        if let Some(auth) = &self.authorization {
            req = req.header("authorization", auth);
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| RegistryError::UnsupportedUrl(format!("{url}: {e}")))?;
        let unreachable = |detail: String| RegistryError::Unreachable { url: self.base.clone(), detail };
        let resp = tokio::time::timeout(Duration::from_secs(10), self.client.request(req))
            .await
            .map_err(|_| unreachable("no answer within 10 s".into()))?
            .map_err(|e| unreachable(e.to_string()))?;
        let status = resp.status();
        let bytes = resp.into_body().collect().await.map_err(|e| unreachable(e.to_string()))?.to_bytes();
        if status != StatusCode::OK {
            return Err(RegistryError::Status {
                what: what.into(),
                status: status.as_u16(),
                body: String::from_utf8_lossy(&bytes).chars().take(500).collect(),
            });
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| RegistryError::BadResponse { what: what.into(), detail: e.to_string() })
    }
}

fn redact(url: &str) -> String {
    match url.split_once("://").and_then(|(s, r)| r.rsplit_once('@').map(|(_, h)| format!("{s}://***@{h}"))) {
        Some(r) => r,
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_https_and_garbage_with_guidance() {
        let err = RegistryClient::new("https://user:secret@registry").unwrap_err().to_string();
        assert!(err.contains("https is not built in"), "{err}");
        assert!(!err.contains("secret"), "credentials leaked into the error: {err}");
        assert!(RegistryClient::new("http://").is_err());
    }

    #[test]
    fn debug_never_prints_credentials() {
        let c = RegistryClient::new("http://user:s3cret@localhost:8081/prefix/").unwrap();
        assert!(!format!("{c:?}").contains("s3cret"));
        assert_eq!(c.base, "http://localhost:8081/prefix");
        assert_eq!(c.authorization.as_deref(), Some("Basic dXNlcjpzM2NyZXQ="));
    }
}
