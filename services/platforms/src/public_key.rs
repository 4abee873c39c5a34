//! Reading the Freshchat RSA public key however it was pasted: SPKI or PKCS#1, PEM (with any label,
//! even a wrong one), DER, bare base64, or a PEM squashed onto one line.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
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
