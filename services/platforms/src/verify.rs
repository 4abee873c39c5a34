//! Authentication of a delivery, always on the exact raw bytes and with constant-time comparison.

use crate::public_key::RsaVerifier;
use crate::sources::{Auth, Secret, TokenLocation};
use crate::{chatwoot, freshchat};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use subtle::ConstantTimeEq;

/// Read access to the request's headers (case-insensitive) and URL query.
pub trait RequestMeta {
    /// The value of a header, by lower-case name.
    fn header(&self, name: &str) -> Option<&[u8]>;
    /// The value of a URL query parameter.
    fn query_param(&self, name: &str) -> Option<Cow<'_, str>>;
}

/// How a delivery was authenticated (stored with the raw record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    LiveChatSecretKey,
    ChatwootHmac,
    FreshchatRsa,
    UrlToken,
    HeaderToken,
}

impl Verification {
    /// The name stored in `RawWebhook.verification`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::LiveChatSecretKey => "livechat_secret_key",
            Verification::ChatwootHmac => "chatwoot_hmac",
            Verification::FreshchatRsa => "freshchat_rsa",
            Verification::UrlToken => "url_token",
            Verification::HeaderToken => "header_token",
        }
    }
}

/// Why a delivery was not accepted as authentic. Messages say what was wrong and never contain secrets.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("body has no top-level \"secret_key\" string; LiveChat sends the secret you registered the webhook with in every delivery")]
    MissingSecretKey,
    #[error("secret_key does not match the one configured for this source")]
    WrongSecretKey,
    #[error("missing {0} header; this source expects signed Chatwoot deliveries (set verification = \"url_token\" for Chatwoot versions that sign nothing)")]
    MissingHeader(&'static str),
    #[error(
        "missing X-Freshchat-Signature header; Freshchat signs every delivery with the key in its webhook settings"
    )]
    MissingFreshchatSignature,
    #[error("malformed {header} header: {detail}")]
    MalformedHeader { header: &'static str, detail: &'static str },
    #[error("X-Chatwoot-Timestamp is {age_seconds} s away from now, outside the allowed {tolerance_seconds} s (replayed, or the sender's clock is wrong)")]
    StaleTimestamp { age_seconds: i64, tolerance_seconds: u64 },
    #[error("signature does not match the body (wrong secret or key, or the body was changed in transit)")]
    BadSignature,
    #[error("missing token: send it in the {0}")]
    MissingToken(String),
    #[error("token does not match the one configured for this source")]
    WrongToken,
}

impl VerifyError {
    /// A short, bounded label for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            VerifyError::MissingSecretKey
            | VerifyError::MissingHeader(_)
            | VerifyError::MissingFreshchatSignature
            | VerifyError::MissingToken(_) => "missing_credentials",
            VerifyError::MalformedHeader { .. } => "malformed_header",
            VerifyError::StaleTimestamp { .. } => "stale_timestamp",
            VerifyError::WrongSecretKey | VerifyError::BadSignature | VerifyError::WrongToken => "bad_credentials",
        }
    }
}

/// Checks one delivery against the source's credentials.
///
/// `body` is the exact raw request body; `parsed` is the same body parsed (LiveChat carries its secret
/// inside the JSON); `now_unix` is the current time in seconds (for Chatwoot's timestamp window).
pub fn verify(
    auth: &Auth,
    meta: &impl RequestMeta,
    body: &[u8],
    parsed: &serde_json::Value,
    now_unix: i64,
) -> Result<Verification, VerifyError> {
    match auth {
        Auth::LiveChatSecretKey(expected) => {
            let got = parsed.get("secret_key").and_then(|v| v.as_str()).ok_or(VerifyError::MissingSecretKey)?;
            secrets_equal(got.as_bytes(), expected)
                .then_some(Verification::LiveChatSecretKey)
                .ok_or(VerifyError::WrongSecretKey)
        }
        Auth::ChatwootHmac { secret, tolerance_seconds } => {
            verify_chatwoot(secret, *tolerance_seconds, meta, body, now_unix).map(|()| Verification::ChatwootHmac)
        }
        Auth::FreshchatRsa(key) => verify_freshchat(key, meta, body).map(|()| Verification::FreshchatRsa),
        Auth::Token { token, location } => verify_token(token, location, meta),
    }
}

/// Constant-time equality that also hides the expected secret's length (both sides are hashed first).
fn secrets_equal(got: &[u8], expected: &Secret) -> bool {
    let a = Sha256::digest(got);
    let b = Sha256::digest(expected.expose().as_bytes());
    bool::from(a.ct_eq(&b))
}

fn header_str<'a>(meta: &'a impl RequestMeta, name: &'static str) -> Result<&'a str, VerifyError> {
    let raw = meta.header(name).ok_or(VerifyError::MissingHeader(name))?;
    std::str::from_utf8(raw)
        .map(str::trim)
        .map_err(|_| VerifyError::MalformedHeader { header: name, detail: "not valid UTF-8" })
}

fn verify_chatwoot(
    secret: &Secret,
    tolerance_seconds: u64,
    meta: &impl RequestMeta,
    body: &[u8],
    now_unix: i64,
) -> Result<(), VerifyError> {
    let signature = header_str(meta, chatwoot::SIGNATURE_HEADER)?;
    let timestamp = header_str(meta, chatwoot::TIMESTAMP_HEADER)?;
    let hex_sig = signature.strip_prefix("sha256=").ok_or(VerifyError::MalformedHeader {
        header: chatwoot::SIGNATURE_HEADER,
        detail: "expected sha256=<64 hex digits>",
    })?;
    let sig = hex::decode(hex_sig).ok().filter(|s| s.len() == 32).ok_or(VerifyError::MalformedHeader {
        header: chatwoot::SIGNATURE_HEADER,
        detail: "expected sha256=<64 hex digits>",
    })?;
    let ts: i64 = timestamp.parse().map_err(|_| VerifyError::MalformedHeader {
        header: chatwoot::TIMESTAMP_HEADER,
        detail: "expected unix seconds",
    })?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()).map_err(|_| VerifyError::BadSignature)?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    // Signature first: a forged request learns nothing about the clock window.
    mac.verify_slice(&sig).map_err(|_| VerifyError::BadSignature)?;
    let age = now_unix.saturating_sub(ts);
    if age.unsigned_abs() > tolerance_seconds {
        return Err(VerifyError::StaleTimestamp { age_seconds: age, tolerance_seconds });
    }
    Ok(())
}

fn verify_freshchat(key: &RsaVerifier, meta: &impl RequestMeta, body: &[u8]) -> Result<(), VerifyError> {
    use base64::{engine::general_purpose::STANDARD, Engine as _};
    let header = header_str(meta, freshchat::SIGNATURE_HEADER).map_err(|e| match e {
        VerifyError::MissingHeader(_) => VerifyError::MissingFreshchatSignature,
        other => other,
    })?;
    let raw = STANDARD.decode(header.as_bytes()).map_err(|_| VerifyError::MalformedHeader {
        header: freshchat::SIGNATURE_HEADER,
        detail: "expected standard base64",
    })?;
    if raw.is_empty() {
        return Err(VerifyError::MalformedHeader { header: freshchat::SIGNATURE_HEADER, detail: "empty signature" });
    }
    key.verify(body, &raw).then_some(()).ok_or(VerifyError::BadSignature)
}

fn verify_token(
    token: &Secret,
    location: &TokenLocation,
    meta: &impl RequestMeta,
) -> Result<Verification, VerifyError> {
    let (got, how): (Option<Cow<'_, [u8]>>, Verification) = match location {
        TokenLocation::Header(name) => (meta.header(name).map(Cow::Borrowed), Verification::HeaderToken),
        TokenLocation::Query(name) => {
            (meta.query_param(name).map(|v| Cow::Owned(v.into_owned().into_bytes())), Verification::UrlToken)
        }
    };
    let got = got.ok_or_else(|| VerifyError::MissingToken(location.describe()))?;
    secrets_equal(&got, token).then_some(how).ok_or(VerifyError::WrongToken)
}
