//! Authenticating a body the way each vendor does, with a source's credentials.

use crate::demo;
use base64::{engine::general_purpose::STANDARD, Engine as _};
use chatstream_platforms::Platform;
use hmac::{Hmac, Mac};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer as _};
use sha2::Sha256;
use std::sync::Arc;

/// Credentials to sign deliveries for one source.
#[derive(Clone)]
pub enum Credentials {
    /// LiveChat puts `secret_key` inside the body: nothing to add at send time.
    LiveChat,
    /// Chatwoot HMAC-SHA256 over `"{ts}.{body}"`.
    Chatwoot { secret: String },
    /// Freshchat RSA PKCS#1 v1.5 / SHA-256 over the body.
    Freshchat { key: Arc<SigningKey<Sha256>> },
    /// A token in a header (Userlike).
    HeaderToken { header: String, token: String },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(***)")
    }
}

/// The private key is not a PKCS#8 RSA key.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the RSA private key: {0}")]
pub struct KeyError(String);

impl Credentials {
    /// The demo credentials of a platform.
    pub fn demo(platform: Platform) -> Self {
        match platform {
            Platform::LiveChat => Credentials::LiveChat,
            Platform::Chatwoot => Credentials::Chatwoot { secret: demo::CHATWOOT_SECRET.trim().to_string() },
            Platform::Freshchat => Credentials::freshchat(demo::FRESHCHAT_PRIVATE_KEY)
                .unwrap_or_else(|e| panic!("the embedded demo key is broken: {e}")),
            Platform::Userlike => Credentials::HeaderToken {
                header: demo::USERLIKE_TOKEN_HEADER.to_ascii_lowercase(),
                token: demo::USERLIKE_TOKEN.trim().to_string(),
            },
        }
    }

    /// Freshchat credentials from a PKCS#8 PEM private key.
    pub fn freshchat(private_pem: &str) -> Result<Self, KeyError> {
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(private_pem).map_err(|e| KeyError(e.to_string()))?;
        Ok(Credentials::Freshchat { key: Arc::new(SigningKey::<Sha256>::new(key)) })
    }

    /// Headers that authenticate `body`, signed at `now_unix` (seconds).
    pub fn headers(&self, body: &[u8], now_unix: i64) -> Vec<(String, String)> {
        match self {
            Credentials::LiveChat => Vec::new(),
            Credentials::Chatwoot { secret } => {
                let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
                mac.update(now_unix.to_string().as_bytes());
                mac.update(b".");
                mac.update(body);
                vec![
                    ("x-chatwoot-timestamp".into(), now_unix.to_string()),
                    ("x-chatwoot-signature".into(), format!("sha256={}", hex::encode(mac.finalize().into_bytes()))),
                ]
            }
            Credentials::Freshchat { key } => {
                vec![("x-freshchat-signature".into(), STANDARD.encode(key.sign(body).to_bytes()))]
            }
            Credentials::HeaderToken { header, token } => vec![(header.clone(), token.clone())],
        }
    }
}
