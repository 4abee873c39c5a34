//! Webhook sources: one integration of one tenant, with its platform and credentials.
//!
//! Configured in TOML (a file and/or an inline string from the environment); every secret may be a
//! plain string, `{ file = "…" }` (e.g. a Kubernetes secret mount) or `{ env = "VAR" }`.
//! See `deploy/sources.example.toml` for every field.

use crate::public_key::{parse_rsa_public_key, RsaVerifier};
use crate::Platform;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Default Chatwoot timestamp window (the vendor recommends rejecting anything older than ~5 minutes).
pub const DEFAULT_TOLERANCE_SECONDS: u64 = 300;
/// Default URL query parameter that carries a source token.
pub const DEFAULT_TOKEN_QUERY: &str = "token";

/// Where the sources come from (shared by every role that reads them).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SourcesArgs {
    /// TOML file with the `[[source]]` entries (see deploy/sources.example.toml).
    #[arg(long = "sources-file", env = "CHATSTREAM_SOURCES_FILE")]
    pub sources_file: Option<PathBuf>,
    /// `[[source]]` entries as inline TOML (added to those of the file).
    #[arg(long = "sources", env = "CHATSTREAM_SOURCES", hide_env_values = true)]
    pub sources: Option<String>,
}

impl SourcesArgs {
    /// Loads the configured sources.
    pub fn load(&self) -> Result<Sources, SourceError> {
        Sources::load(self.sources_file.as_deref(), self.sources.as_deref())
    }
}

/// A secret value. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself: only for verification and signing, never for logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where a token is carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenLocation {
    /// A request header (lower-case name).
    Header(String),
    /// A URL query parameter.
    Query(String),
}

impl TokenLocation {
    /// Human description for error messages.
    pub fn describe(&self) -> String {
        match self {
            TokenLocation::Header(h) => format!("{h} header"),
            TokenLocation::Query(q) => format!("?{q}= URL query parameter"),
        }
    }
}

/// How deliveries of a source are authenticated.
#[derive(Debug, Clone)]
pub enum Auth {
    /// LiveChat: `secret_key` in the JSON body.
    LiveChatSecretKey(Secret),
    /// Chatwoot: HMAC-SHA256 over `"{timestamp}.{body}"`, timestamp within the tolerance.
    ChatwootHmac { secret: Secret, tolerance_seconds: u64 },
    /// Freshchat: RSA PKCS#1 v1.5 / SHA-256 signature of the body.
    FreshchatRsa(Arc<RsaVerifier>),
    /// A shared token (Userlike; Chatwoot installations that sign nothing).
    Token { token: Secret, location: TokenLocation },
}

/// One configured webhook source.
#[derive(Debug, Clone)]
pub struct Source {
    /// The `{source_id}` of `POST /webhooks/{source_id}`.
    pub id: String,
    pub tenant: String,
    pub platform: Platform,
    pub auth: Auth,
    /// Keep message and feedback text in canonical events (default false: chat text is personal data).
    pub keep_message_text: bool,
    /// Zone of naive timestamps in payloads (Userlike), default UTC.
    pub timezone: chrono_tz::Tz,
}

impl Source {
    /// The request header that carries this source's token, if any (never stored with the record).
    pub fn token_header(&self) -> Option<&str> {
        match &self.auth {
            Auth::Token { location: TokenLocation::Header(h), .. } => Some(h),
            _ => None,
        }
    }
}

/// A configuration problem, naming the source and field and what to do.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read sources file {path}: {detail}")]
    Read { path: PathBuf, detail: String },
    #[error("sources configuration ({origin}) is not valid TOML for [[source]] entries: {detail}")]
    Parse { origin: String, detail: String },
    #[error("source {id:?}: {detail}")]
    Invalid { id: String, detail: String },
    #[error("source id {0:?} is configured twice; ids must be unique (they are the URL path /webhooks/{{id}})")]
    Duplicate(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SecretRef {
    Value(String),
    File { file: PathBuf },
    Env { env: String },
    Inline { value: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: String,
    tenant: String,
    platform: String,
    verification: Option<String>,
    secret_key: Option<SecretRef>,
    secret: Option<SecretRef>,
    timestamp_tolerance_seconds: Option<u64>,
    public_key: Option<SecretRef>,
    token: Option<SecretRef>,
    token_header: Option<String>,
    token_query: Option<String>,
    #[serde(default)]
    keep_message_text: bool,
    timezone: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    source: Vec<RawSource>,
}

/// All configured sources, by id.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    by_id: HashMap<String, Arc<Source>>,
}

impl Sources {
    /// Loads sources from an optional file and an optional inline TOML string (both may be given).
    pub fn load(file: Option<&Path>, inline: Option<&str>) -> Result<Self, SourceError> {
        let mut sources = Sources::default();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| SourceError::Read { path: path.to_owned(), detail: e.to_string() })?;
            sources.add_toml(&text, &path.display().to_string(), path.parent())?;
        }
        if let Some(text) = inline.filter(|t| !t.trim().is_empty()) {
            sources.add_toml(text, "CHATSTREAM_SOURCES", None)?;
        }
        Ok(sources)
    }

    /// Parses `[[source]]` entries from TOML text; relative secret file paths resolve against `base_dir`.
    pub fn add_toml(&mut self, text: &str, origin: &str, base_dir: Option<&Path>) -> Result<(), SourceError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| SourceError::Parse {
            origin: origin.into(),
            detail: e.to_string().replace(
                "data did not match any variant of untagged enum SecretRef",
                "a secret must be a string, { file = \"…\" }, { env = \"VAR\" } or { value = \"…\" }",
            ),
        })?;
        for r in raw.source {
            let source = build(r, base_dir)?;
            self.insert(source)?;
        }
        Ok(())
    }

    /// Adds one source.
    pub fn insert(&mut self, source: Source) -> Result<(), SourceError> {
        if self.by_id.contains_key(&source.id) {
            return Err(SourceError::Duplicate(source.id));
        }
        self.by_id.insert(source.id.clone(), Arc::new(source));
        Ok(())
    }

    /// The source with this id.
    pub fn get(&self, id: &str) -> Option<&Arc<Source>> {
        self.by_id.get(id)
    }

    /// All sources, sorted by id.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Source>> {
        let mut v: Vec<_> = self.by_id.values().collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v.into_iter()
    }

    /// Number of sources.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when no source is configured.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn build(r: RawSource, base_dir: Option<&Path>) -> Result<Source, SourceError> {
    let id = r.id.clone();
    let invalid = |detail: String| SourceError::Invalid { id: id.clone(), detail };
    if !valid_name(&r.id) {
        return Err(invalid("id must be 1-128 characters of A-Z a-z 0-9 - _ . (it is a URL path segment)".into()));
    }
    if !valid_name(&r.tenant) {
        return Err(invalid(format!(
            "tenant {:?} must be 1-128 characters of A-Z a-z 0-9 - _ . (it is part of the Kafka routing key)",
            r.tenant
        )));
    }
    let platform: Platform = r.platform.parse().map_err(|e: crate::UnknownPlatform| invalid(e.to_string()))?;
    // Secrets are bytes as stored (a DER key file is binary); text secrets lose trailing newlines.
    let resolve_raw = |field: &str, s: Option<SecretRef>| -> Result<Vec<u8>, SourceError> {
        let s = s.ok_or_else(|| {
            invalid(format!("{platform} sources need `{field}` (a string, {{ file = \"…\" }} or {{ env = \"VAR\" }})"))
        })?;
        let value = match s {
            SecretRef::Value(v) | SecretRef::Inline { value: v } => v.into_bytes(),
            SecretRef::File { file } => {
                let path = match base_dir {
                    Some(d) if file.is_relative() => d.join(&file),
                    _ => file,
                };
                std::fs::read(&path)
                    .map_err(|e| invalid(format!("cannot read `{field}` from file {}: {e}", path.display())))?
            }
            SecretRef::Env { env } => std::env::var(&env)
                .map_err(|_| invalid(format!("`{field}` names environment variable {env}, which is not set")))?
                .into_bytes(),
        };
        if value.is_empty() {
            return Err(invalid(format!("`{field}` is empty")));
        }
        Ok(value)
    };
    let resolve = |field: &str, s: Option<SecretRef>| -> Result<Secret, SourceError> {
        let raw = resolve_raw(field, s)?;
        let text = String::from_utf8(raw).map_err(|_| invalid(format!("`{field}` is not valid UTF-8 text")))?;
        let text = text.trim_end_matches(['\n', '\r']);
        if text.is_empty() {
            return Err(invalid(format!("`{field}` is empty")));
        }
        Ok(Secret(text.to_string()))
    };
    let token_auth = |r_token: Option<SecretRef>, header: Option<String>, query: Option<String>| {
        let location = match (header, query) {
            (Some(_), Some(_)) => return Err(invalid("set token_header or token_query, not both".into())),
            (Some(h), None) => TokenLocation::Header(h.to_ascii_lowercase()),
            (None, q) => TokenLocation::Query(q.unwrap_or_else(|| DEFAULT_TOKEN_QUERY.into())),
        };
        Ok(Auth::Token { token: resolve("token", r_token)?, location })
    };
    // A field the platform does not use is a mistake worth reporting (a secret under the wrong name).
    let uses_token = matches!(
        (platform, r.verification.as_deref()),
        (Platform::Userlike, _) | (Platform::Chatwoot, Some("url_token"))
    );
    let set_fields: [(&str, bool, bool); 7] = [
        ("secret_key", r.secret_key.is_some(), platform == Platform::LiveChat),
        ("secret", r.secret.is_some(), platform == Platform::Chatwoot && !uses_token),
        (
            "timestamp_tolerance_seconds",
            r.timestamp_tolerance_seconds.is_some(),
            platform == Platform::Chatwoot && !uses_token,
        ),
        ("public_key", r.public_key.is_some(), platform == Platform::Freshchat),
        ("token", r.token.is_some(), uses_token),
        ("token_header", r.token_header.is_some(), uses_token),
        ("token_query", r.token_query.is_some(), uses_token),
    ];
    if let Some((field, _, _)) = set_fields.iter().find(|(_, set, used)| *set && !*used) {
        return Err(invalid(format!(
            "`{field}` is not used by {platform} sources{}; remove it or check the field name (see deploy/sources.example.toml)",
            r.verification.as_deref().map(|v| format!(" with verification = {v:?}")).unwrap_or_default()
        )));
    }
    let verification = r.verification.as_deref().map(str::to_ascii_lowercase);
    let auth = match (platform, verification.as_deref()) {
        (Platform::LiveChat, None | Some("secret_key")) => {
            Auth::LiveChatSecretKey(resolve("secret_key", r.secret_key)?)
        }
        (Platform::Chatwoot, None | Some("hmac")) => Auth::ChatwootHmac {
            secret: resolve("secret", r.secret)?,
            tolerance_seconds: r.timestamp_tolerance_seconds.unwrap_or(DEFAULT_TOLERANCE_SECONDS),
        },
        (Platform::Chatwoot, Some("url_token")) => token_auth(r.token, r.token_header, r.token_query)?,
        (Platform::Freshchat, None | Some("rsa")) => {
            let material = resolve_raw("public_key", r.public_key)?;
            let key = parse_rsa_public_key(&material).map_err(|e| invalid(format!("public_key: {e}")))?;
            Auth::FreshchatRsa(Arc::new(RsaVerifier::new(&key).map_err(|e| invalid(format!("public_key: {e}")))?))
        }
        (Platform::Userlike, None | Some("token")) => token_auth(r.token, r.token_header, r.token_query)?,
        (p, Some(v)) => {
            let allowed = match p {
                Platform::LiveChat => "secret_key",
                Platform::Chatwoot => "hmac, url_token",
                Platform::Freshchat => "rsa",
                Platform::Userlike => "token",
            };
            return Err(invalid(format!("verification {v:?} is not available for {p}; use one of: {allowed}")));
        }
    };
    let timezone = match r.timezone.as_deref() {
        None => chrono_tz::UTC,
        Some(name) => name.parse::<chrono_tz::Tz>().map_err(|_| {
            invalid(format!(
                "timezone {name:?} is not an IANA zone name (examples: UTC, Europe/Berlin, America/New_York)"
            ))
        })?,
    };
    Ok(Source { id: r.id, tenant: r.tenant, platform, auth, keep_message_text: r.keep_message_text, timezone })
}
