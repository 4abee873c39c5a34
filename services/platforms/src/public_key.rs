//! Reading the Freshchat RSA public key however it was pasted: SPKI or PKCS#1, PEM (with any label,
//! even a wrong one), DER, bare base64, or a PEM squashed onto one line.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey};
use rsa::RsaPublicKey;

/// The key material could not be read as an RSA public key.
#[derive(Debug, thiserror::Error)]
#[error("not an RSA public key: {0}. Paste the key from Freshchat's webhook settings as PEM (-----BEGIN PUBLIC KEY----- or RSA PUBLIC KEY), DER, or base64")]
pub struct KeyError(String);

/// Parses an RSA public key in any of the accepted forms.
pub fn parse_rsa_public_key(input: &[u8]) -> Result<RsaPublicKey, KeyError> {
    if input.first() == Some(&0x30) {
        return from_der(input);
    }
    let text = std::str::from_utf8(input).map_err(|_| KeyError("neither DER nor text".into()))?;
    // Drop every `-----BEGIN …-----` / `-----END …-----` marker, whatever its label, and all whitespace
    // (including literal "\n" sequences from copy-pasted JSON strings).
    let mut b64 = String::with_capacity(text.len());
    let mut rest = text.replace("\\n", "\n");
    while let Some(start) = rest.find("-----") {
        b64.push_str(&rest[..start]);
        let after = &rest[start + 5..];
        match after.find("-----") {
            Some(end) => rest = after[end + 5..].to_string(),
            None => return Err(KeyError("unterminated PEM marker".into())),
        }
    }
    b64.push_str(&rest);
    b64.retain(|c| !c.is_whitespace());
    if b64.is_empty() {
        return Err(KeyError("empty key".into()));
    }
    let der = STANDARD.decode(b64.as_bytes()).map_err(|e| KeyError(format!("base64 body does not decode ({e})")))?;
    from_der(&der)
}

fn from_der(der: &[u8]) -> Result<RsaPublicKey, KeyError> {
    RsaPublicKey::from_public_key_der(der)
        .or_else(|spki| RsaPublicKey::from_pkcs1_der(der).map_err(|pkcs1| (spki, pkcs1)))
        .map_err(|(spki, pkcs1)| KeyError(format!("neither SubjectPublicKeyInfo ({spki}) nor PKCS#1 ({pkcs1})")))
}

/// Verifies RSA PKCS#1 v1.5 / SHA-256 signatures with one public key.
///
/// Verification runs through OpenSSL (already linked for Kafka TLS): measured ~6× faster than the pure-Rust
/// `rsa` crate, whose per-call Montgomery setup was a quarter of the ingress's CPU under load. Keys are still
/// read by [`parse_rsa_public_key`], which accepts every format vendors paste.
pub struct RsaVerifier {
    key: openssl::pkey::PKey<openssl::pkey::Public>,
}

impl std::fmt::Debug for RsaVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaVerifier({} bits)", self.key.bits())
    }
}

impl RsaVerifier {
    /// A verifier for `key`.
    pub fn new(key: &RsaPublicKey) -> Result<Self, KeyError> {
        let der = key.to_public_key_der().map_err(|e| KeyError(e.to_string()))?;
        let key = openssl::pkey::PKey::public_key_from_der(der.as_bytes()).map_err(|e| KeyError(e.to_string()))?;
        Ok(Self { key })
    }

    /// True when `signature` is a valid PKCS#1 v1.5 / SHA-256 signature of exactly `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(mut verifier) = openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &self.key) else {
            return false;
        };
        verifier.set_rsa_padding(openssl::rsa::Padding::PKCS1).is_ok()
            && verifier.update(message).is_ok()
            && verifier.verify(signature).unwrap_or(false)
    }
}
