//! Bearer tokens, each scoped to tenants, from a TOML file (`CHATSTREAM_QUERY_TOKENS_FILE`):
//!
//! ```toml
//! [[tokens]]
//! name = "dashboard-acme"          # shows up in logs, never the token itself
//! sha256 = "<hex sha256 of the token>"   # or: token = "<plain token>"
//! tenants = ["acme"]               # ["*"] = every tenant
//! ```
//!
//! Only SHA-256 digests are kept in memory; a presented token is hashed and compared in constant time with
//! every configured digest.

use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// A tokens file that cannot be used, with what to fix.
#[derive(Debug, thiserror::Error)]
pub enum TokensError {
    #[error("cannot read the tokens file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("invalid tokens file {path}: {detail}")]
    Invalid { path: String, detail: String },
    #[error(
        "no tokens configured: the query role refuses to start without any. Set --tokens-file \
         (CHATSTREAM_QUERY_TOKENS_FILE) to a TOML file with [[tokens]] entries (name, sha256 or token, tenants); \
         see docs/query.md"
    )]
    NoTokens,
}

/// The tenants a token may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantScope {
    /// `["*"]`: every tenant.
    All,
    /// These tenants only.
    Only(BTreeSet<String>),
}

impl TenantScope {
    /// Whether `tenant` is in scope.
    pub fn allows(&self, tenant: &str) -> bool {
        match self {
            TenantScope::All => true,
            TenantScope::Only(set) => set.contains(tenant),
        }
    }
}

/// Who is asking: the name of the token presented and its tenants.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The token's configured name (safe to log).
    pub name: Arc<str>,
    /// What it may read.
    pub scope: Arc<TenantScope>,
}

struct Token {
    name: Arc<str>,
    digest: [u8; 32],
    scope: Arc<TenantScope>,
}

/// The configured tokens.
#[derive(Clone)]
pub struct Tokens {
    entries: Arc<Vec<Token>>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names only: digests and tokens stay out of logs and panics.
        f.debug_list().entries(self.entries.iter().map(|t| &*t.name)).finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRepr {
    #[serde(default)]
    tokens: Vec<EntryRepr>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryRepr {
    name: String,
    sha256: Option<String>,
    token: Option<String>,
    tenants: Vec<String>,
}

/// SHA-256 of a token.
fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The hex SHA-256 of `token`, as the tokens file's `sha256` field wants it.
pub fn sha256_hex(token: &str) -> String {
    hex::encode(digest(token))
}

/// A new random token: 32 bytes from the OS generator, hex-encoded.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn scope_of(tenants: Vec<String>) -> Result<TenantScope, String> {
    if tenants.is_empty() {
        return Err("tenants is empty: list the tenants this token may read, or [\"*\"] for all".into());
    }
    if tenants.iter().any(|t| t == "*") {
        return Ok(TenantScope::All);
    }
    if let Some(blank) = tenants.iter().find(|t| t.trim().is_empty()) {
        return Err(format!("tenant {blank:?} is blank"));
    }
    Ok(TenantScope::Only(tenants.into_iter().collect()))
}

impl Tokens {
    /// Reads and validates a tokens file.
    pub fn load(path: &Path) -> Result<Tokens, TokensError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| TokensError::Read { path: path.display().to_string(), source })?;
        Tokens::parse(&text).map_err(|detail| TokensError::Invalid { path: path.display().to_string(), detail })
    }

    /// Parses the TOML text of a tokens file; the error says which entry is wrong and why.
    pub fn parse(text: &str) -> Result<Tokens, String> {
        let file: FileRepr = toml::from_str(text).map_err(|e| e.message().to_string())?;
        if file.tokens.is_empty() {
            return Err("it has no [[tokens]] entries".into());
        }
        let mut entries: Vec<Token> = Vec::new();
        for (i, e) in file.tokens.into_iter().enumerate() {
            let at = format!("token #{} ({:?})", i + 1, e.name);
            if e.name.trim().is_empty() {
                return Err(format!("token #{}: name is empty", i + 1));
            }
            let digest = match (e.sha256, e.token) {
                (Some(hex_digest), None) => {
                    let bytes =
                        hex::decode(hex_digest.trim()).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()).ok_or_else(
                            || format!("{at}: sha256 must be 64 hex digits (e.g. `printf %s \"$TOKEN\" | sha256sum`)"),
                        )?;
                    bytes
                }
                (None, Some(token)) if token.is_empty() => return Err(format!("{at}: token is empty")),
                (None, Some(token)) => digest(&token),
                (Some(_), Some(_)) => return Err(format!("{at}: give either sha256 or token, not both")),
                (None, None) => return Err(format!("{at}: give sha256 (hex SHA-256 of the token) or token")),
            };
            let scope = scope_of(e.tenants).map_err(|why| format!("{at}: {why}"))?;
            if entries.iter().any(|t| *t.name == *e.name) {
                return Err(format!("{at}: the name is used twice"));
            }
            if let Some(other) = entries.iter().find(|t| bool::from(t.digest.ct_eq(&digest))) {
                return Err(format!("{at}: the same token as {:?}", &*other.name));
            }
            entries.push(Token { name: e.name.into(), digest, scope: Arc::new(scope) });
        }
        Ok(Tokens { entries: Arc::new(entries) })
    }

    /// One token named `token` for `tenants` (`"*"` = every tenant), e.g. for `chatstream dev` and tests.
    pub fn single<I, S>(token: &str, tenants: I) -> Tokens
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let tenants: Vec<String> = tenants.into_iter().map(Into::into).collect();
        let scope = if tenants.iter().any(|t| t == "*") {
            TenantScope::All
        } else {
            TenantScope::Only(tenants.into_iter().collect())
        };
        Tokens {
            entries: Arc::new(vec![Token { name: "token".into(), digest: digest(token), scope: Arc::new(scope) }]),
        }
    }

    /// How many tokens are configured.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The principal of `presented`, if it is a configured token. Every digest is compared (in constant
    /// time each), so the time taken does not depend on which entry, if any, matches.
    pub fn authenticate(&self, presented: &str) -> Option<Principal> {
        if presented.is_empty() {
            return None;
        }
        let digest = digest(presented);
        let mut found = None;
        for t in self.entries.iter() {
            if bool::from(t.digest.ct_eq(&digest)) {
                found = Some(Principal { name: t.name.clone(), scope: t.scope.clone() });
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_with_digests_and_plain_tokens_authenticates_both() {
        let text = format!(
            "[[tokens]]\nname = \"a\"\nsha256 = \"{}\"\ntenants = [\"acme\"]\n\n[[tokens]]\nname = \"b\"\ntoken = \"s3cret\"\ntenants = [\"*\"]\n",
            sha256_hex("hello")
        );
        let tokens = Tokens::parse(&text).unwrap();
        let a = tokens.authenticate("hello").unwrap();
        assert_eq!(&*a.name, "a");
        assert!(a.scope.allows("acme") && !a.scope.allows("globex"));
        let b = tokens.authenticate("s3cret").unwrap();
        assert_eq!(*b.scope, TenantScope::All);
        assert!(tokens.authenticate("nope").is_none());
        assert!(tokens.authenticate("").is_none());
        assert!(!format!("{tokens:?}").contains("s3cret"));
    }

    #[test]
    fn invalid_entries_are_named_in_the_error() {
        let cases = [
            ("", "no [[tokens]]"),
            ("[[tokens]]\nname = \"x\"\ntenants = [\"a\"]\n", "give sha256"),
            ("[[tokens]]\nname = \"x\"\nsha256 = \"abc\"\ntenants = [\"a\"]\n", "64 hex digits"),
            ("[[tokens]]\nname = \"x\"\ntoken = \"t\"\ntenants = []\n", "tenants is empty"),
            ("[[tokens]]\nname = \"x\"\ntoken = \"t\"\ntenants = [\"a\"]\nrole = \"admin\"\n", "unknown field"),
            (
                "[[tokens]]\nname = \"x\"\ntoken = \"t\"\ntenants = [\"a\"]\n[[tokens]]\nname = \"y\"\ntoken = \"t\"\ntenants = [\"a\"]\n",
                "the same token as \"x\"",
            ),
        ];
        for (text, expected) in cases {
            let err = Tokens::parse(text).err().unwrap_or_default();
            assert!(err.contains(expected), "{text:?} → {err:?}");
        }
    }

    #[test]
    fn new_tokens_are_long_and_different() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
