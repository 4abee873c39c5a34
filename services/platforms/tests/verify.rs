//! Signature and token verification for every platform: valid, wrong key, tampered body, one trailing
//! newline added, stale and future timestamps, malformed and missing headers.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use chatstream_platforms::sources::{Secret, TokenLocation};
use chatstream_platforms::{verify, Auth, RequestMeta, Sources, Verification, VerifyError};
use hmac::{Hmac, Mac};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use sha2::Sha256;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Default)]
struct Req {
    headers: HashMap<String, Vec<u8>>,
    query: HashMap<String, String>,
}

impl Req {
    fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.insert(k.to_ascii_lowercase(), v.as_bytes().to_vec());
        self
    }
    fn query(mut self, k: &str, v: &str) -> Self {
        self.query.insert(k.into(), v.into());
        self
    }
}

impl RequestMeta for Req {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.get(name).map(Vec::as_slice)
    }
    fn query_param(&self, name: &str) -> Option<Cow<'_, str>> {
        self.query.get(name).map(|s| Cow::Borrowed(s.as_str()))
    }
}

fn keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keys")
}

fn check(auth: &Auth, req: &Req, body: &[u8], now: i64) -> Result<Verification, VerifyError> {
    let parsed = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    verify(auth, req, body, &parsed, now)
}

// ---------- LiveChat ----------

const LC_BODY: &[u8] =
    br#"{"webhook_id":"w","secret_key":"lc-secret","action":"incoming_event","payload":{"chat_id":"C1"}}"#;

#[test]
fn livechat_valid_secret_key() {
    let auth = Auth::LiveChatSecretKey(Secret::new("lc-secret"));
    assert_eq!(check(&auth, &Req::default(), LC_BODY, 0), Ok(Verification::LiveChatSecretKey));
}

#[test]
fn livechat_wrong_and_missing_secret_key() {
    let auth = Auth::LiveChatSecretKey(Secret::new("other"));
    assert_eq!(check(&auth, &Req::default(), LC_BODY, 0), Err(VerifyError::WrongSecretKey));
    let auth = Auth::LiveChatSecretKey(Secret::new("lc-secret"));
    assert_eq!(check(&auth, &Req::default(), br#"{"action":"x"}"#, 0), Err(VerifyError::MissingSecretKey));
    assert_eq!(check(&auth, &Req::default(), br#"{"secret_key":1}"#, 0), Err(VerifyError::MissingSecretKey));
    // A prefix of the right secret is not the secret.
    let auth = Auth::LiveChatSecretKey(Secret::new("lc-secret-longer"));
    assert_eq!(check(&auth, &Req::default(), LC_BODY, 0), Err(VerifyError::WrongSecretKey));
}

// ---------- Chatwoot ----------

const CW_SECRET: &str = "cw-secret";
const CW_BODY: &[u8] = br#"{"event":"message_created","id":1,"conversation":{"id":7}}"#;
const NOW: i64 = 1_763_700_000;

fn cw_sign(secret: &str, ts: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn cw_auth() -> Auth {
    Auth::ChatwootHmac { secret: Secret::new(CW_SECRET), tolerance_seconds: 300 }
}

fn cw_req(sig: &str, ts: &str) -> Req {
    Req::default().header("X-Chatwoot-Signature", sig).header("X-Chatwoot-Timestamp", ts)
}

#[test]
fn chatwoot_valid_signature() {
    let req = cw_req(&cw_sign(CW_SECRET, NOW, CW_BODY), &NOW.to_string());
    assert_eq!(check(&cw_auth(), &req, CW_BODY, NOW + 2), Ok(Verification::ChatwootHmac));
}

#[test]
fn chatwoot_uppercase_hex_is_accepted() {
    let sig = cw_sign(CW_SECRET, NOW, CW_BODY);
    let upper = format!("sha256={}", sig["sha256=".len()..].to_ascii_uppercase());
    assert_eq!(check(&cw_auth(), &cw_req(&upper, &NOW.to_string()), CW_BODY, NOW), Ok(Verification::ChatwootHmac));
}

#[test]
fn chatwoot_wrong_key() {
    let req = cw_req(&cw_sign("not-the-secret", NOW, CW_BODY), &NOW.to_string());
    assert_eq!(check(&cw_auth(), &req, CW_BODY, NOW), Err(VerifyError::BadSignature));
}

#[test]
fn chatwoot_tampered_body() {
    let req = cw_req(&cw_sign(CW_SECRET, NOW, CW_BODY), &NOW.to_string());
    let tampered = br#"{"event":"message_created","id":2,"conversation":{"id":7}}"#;
    assert_eq!(check(&cw_auth(), &req, tampered, NOW), Err(VerifyError::BadSignature));
}

#[test]
fn chatwoot_one_trailing_newline_breaks_the_signature() {
    let req = cw_req(&cw_sign(CW_SECRET, NOW, CW_BODY), &NOW.to_string());
    let mut body = CW_BODY.to_vec();
    body.push(b'\n');
    assert_eq!(check(&cw_auth(), &req, &body, NOW), Err(VerifyError::BadSignature));
}

#[test]
fn chatwoot_signature_binds_the_timestamp() {
    // A valid signature replayed with a fresh timestamp header must fail.
    let req = cw_req(&cw_sign(CW_SECRET, NOW - 3600, CW_BODY), &NOW.to_string());
    assert_eq!(check(&cw_auth(), &req, CW_BODY, NOW), Err(VerifyError::BadSignature));
}

#[test]
fn chatwoot_stale_and_future_timestamps() {
    let stale = NOW - 301;
    let req = cw_req(&cw_sign(CW_SECRET, stale, CW_BODY), &stale.to_string());
    assert_eq!(
        check(&cw_auth(), &req, CW_BODY, NOW),
        Err(VerifyError::StaleTimestamp { age_seconds: 301, tolerance_seconds: 300 })
    );
    let future = NOW + 400;
    let req = cw_req(&cw_sign(CW_SECRET, future, CW_BODY), &future.to_string());
    assert_eq!(
        check(&cw_auth(), &req, CW_BODY, NOW),
        Err(VerifyError::StaleTimestamp { age_seconds: -400, tolerance_seconds: 300 })
    );
    // Exactly at the edge is accepted.
    let edge = NOW - 300;
    let req = cw_req(&cw_sign(CW_SECRET, edge, CW_BODY), &edge.to_string());
    assert_eq!(check(&cw_auth(), &req, CW_BODY, NOW), Ok(Verification::ChatwootHmac));
}

#[test]
fn chatwoot_malformed_headers() {
    let ts = NOW.to_string();
    let good = cw_sign(CW_SECRET, NOW, CW_BODY);
    for (sig, t) in [
        (good.trim_start_matches("sha256=").to_string(), ts.clone()), // no prefix
        ("sha256=zz".to_string(), ts.clone()),                        // not hex
        ("sha256=abcd".to_string(), ts.clone()),                      // too short
        ("sha1=abcd".to_string(), ts.clone()),                        // other algorithm
        (good.clone(), "yesterday".to_string()),                      // not unix seconds
        (good.clone(), "".to_string()),
    ] {
        let err = check(&cw_auth(), &cw_req(&sig, &t), CW_BODY, NOW).unwrap_err();
        assert!(matches!(err, VerifyError::MalformedHeader { .. }), "{sig} / {t}: {err:?}");
        assert_eq!(err.reason(), "malformed_header");
    }
}

#[test]
fn chatwoot_missing_headers_point_to_url_token_mode() {
    let err = check(&cw_auth(), &Req::default(), CW_BODY, NOW).unwrap_err();
    assert_eq!(err, VerifyError::MissingHeader("x-chatwoot-signature"));
    assert!(err.to_string().contains("url_token"));
    let req = Req::default().header("X-Chatwoot-Signature", &cw_sign(CW_SECRET, NOW, CW_BODY));
    assert_eq!(check(&cw_auth(), &req, CW_BODY, NOW), Err(VerifyError::MissingHeader("x-chatwoot-timestamp")));
}

// ---------- Freshchat ----------

fn fc_sign(body: &[u8]) -> String {
    let pem = std::fs::read_to_string(keys_dir().join("freshchat-test-private.pem")).unwrap();
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).unwrap();
    STANDARD.encode(SigningKey::<Sha256>::new(key).sign(body).to_bytes())
}

fn fc_auth(key_file: &str) -> Auth {
    let dir = keys_dir();
    let toml = format!(
        "[[source]]\nid = \"fc\"\ntenant = \"t\"\nplatform = \"freshchat\"\npublic_key = {{ file = \"{}\" }}\n",
        dir.join(key_file).display()
    );
    let sources = Sources::load(None, Some(&toml)).unwrap();
    sources.get("fc").unwrap().auth.clone()
}

const FC_BODY: &[u8] =
    br#"{"actor":{"actor_type":"user"},"action":"message_create","data":{"message":{"conversation_id":"c1"}}}"#;

#[test]
fn freshchat_valid_signature_with_every_key_format() {
    let sig = fc_sign(FC_BODY);
    for key in ["spki.pem", "pkcs1.pem", "spki.der", "spki-labelled-pkcs1-one-line.txt"] {
        let req = Req::default().header("X-FreshChat-Signature", &sig);
        assert_eq!(check(&fc_auth(key), &req, FC_BODY, 0), Ok(Verification::FreshchatRsa), "key format {key}");
    }
}

#[test]
fn freshchat_wrong_key() {
    let req = Req::default().header("X-Freshchat-Signature", &fc_sign(FC_BODY));
    assert_eq!(check(&fc_auth("other-spki.pem"), &req, FC_BODY, 0), Err(VerifyError::BadSignature));
}

#[test]
fn freshchat_tampered_body_and_trailing_newline() {
    let req = Req::default().header("X-Freshchat-Signature", &fc_sign(FC_BODY));
    let mut newline = FC_BODY.to_vec();
    newline.push(b'\n');
    assert_eq!(check(&fc_auth("spki.pem"), &req, &newline, 0), Err(VerifyError::BadSignature));
    let tampered = String::from_utf8_lossy(FC_BODY).replace("c1", "c2");
    assert_eq!(check(&fc_auth("spki.pem"), &req, tampered.as_bytes(), 0), Err(VerifyError::BadSignature));
}

#[test]
fn freshchat_malformed_and_missing_signature() {
    let auth = fc_auth("spki.pem");
    for bad in ["***", "c2hvcnQ=", ""] {
        let req = Req::default().header("X-Freshchat-Signature", bad);
        let err = check(&auth, &req, FC_BODY, 0).unwrap_err();
        assert!(matches!(err, VerifyError::MalformedHeader { .. } | VerifyError::BadSignature), "{bad:?}: {err:?}");
    }
    let err = check(&auth, &Req::default(), FC_BODY, 0).unwrap_err();
    assert_eq!(err.reason(), "missing_credentials");
}

#[test]
fn freshchat_key_that_is_not_a_key_is_a_config_error() {
    let toml = "[[source]]\nid = \"fc\"\ntenant = \"t\"\nplatform = \"freshchat\"\npublic_key = \"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\"\n";
    let err = Sources::load(None, Some(toml)).unwrap_err().to_string();
    assert!(err.contains("source \"fc\"") && err.contains("public_key"), "{err}");
}

// ---------- Userlike and Chatwoot url_token ----------

#[test]
fn token_in_header_or_query() {
    let header =
        Auth::Token { token: Secret::new("ul-token"), location: TokenLocation::Header("x-chatstream-token".into()) };
    let req = Req::default().header("X-Chatstream-Token", "ul-token");
    assert_eq!(check(&header, &req, b"{}", 0), Ok(Verification::HeaderToken));
    let req = Req::default().header("X-Chatstream-Token", "nope");
    assert_eq!(check(&header, &req, b"{}", 0), Err(VerifyError::WrongToken));
    let err = check(&header, &Req::default(), b"{}", 0).unwrap_err();
    assert!(err.to_string().contains("x-chatstream-token header"), "{err}");

    let query = Auth::Token { token: Secret::new("ul-token"), location: TokenLocation::Query("token".into()) };
    assert_eq!(check(&query, &Req::default().query("token", "ul-token"), b"{}", 0), Ok(Verification::UrlToken));
    assert_eq!(check(&query, &Req::default().query("token", "ul-token2"), b"{}", 0), Err(VerifyError::WrongToken));
    // A token in the wrong place does not count.
    assert!(check(&query, &Req::default().header("token", "ul-token"), b"{}", 0).is_err());
}

// ---------- configuration ----------

#[test]
fn sources_from_toml_with_file_and_env_secrets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lc.secret"), "from-file\n").unwrap();
    std::env::set_var("CHATSTREAM_TEST_UL_TOKEN", "from-env");
    let toml = r#"
[[source]]
id = "acme-livechat"
tenant = "acme"
platform = "livechat"
secret_key = { file = "lc.secret" }

[[source]]
id = "acme-userlike"
tenant = "acme"
platform = "userlike"
token = { env = "CHATSTREAM_TEST_UL_TOKEN" }
token_header = "X-Chatstream-Token"

[[source]]
id = "acme-chatwoot-old"
tenant = "acme"
platform = "chatwoot"
verification = "url_token"
token = "plain"
"#;
    let path = dir.path().join("sources.toml");
    std::fs::write(&path, toml).unwrap();
    let sources = Sources::load(Some(&path), None).unwrap();
    assert_eq!(sources.len(), 3);
    let lc = sources.get("acme-livechat").unwrap();
    assert!(matches!(&lc.auth, Auth::LiveChatSecretKey(s) if s.expose() == "from-file"));
    let ul = sources.get("acme-userlike").unwrap();
    assert_eq!(ul.token_header(), Some("x-chatstream-token"));
    assert!(matches!(&ul.auth, Auth::Token { token, .. } if token.expose() == "from-env"));
    let cw = sources.get("acme-chatwoot-old").unwrap();
    assert!(matches!(&cw.auth, Auth::Token { location: TokenLocation::Query(q), .. } if q == "token"));
    // Debug output never shows a secret.
    let debug = format!("{:?}", sources);
    assert!(!debug.contains("from-file") && !debug.contains("from-env") && !debug.contains("plain"), "{debug}");
}

#[test]
fn configuration_errors_name_the_source_and_the_fix() {
    let cases = [
        ("[[source]]\nid=\"a\"\ntenant=\"t\"\nplatform=\"livechat\"\n", "secret_key"),
        ("[[source]]\nid=\"a\"\ntenant=\"t\"\nplatform=\"zendesk\"\nsecret=\"x\"\n", "unknown platform"),
        ("[[source]]\nid=\"a b\"\ntenant=\"t\"\nplatform=\"userlike\"\ntoken=\"x\"\n", "URL path segment"),
        ("[[source]]\nid=\"a\"\ntenant=\"t/x\"\nplatform=\"userlike\"\ntoken=\"x\"\n", "routing key"),
        ("[[source]]\nid=\"a\"\ntenant=\"t\"\nplatform=\"userlike\"\ntoken={env=\"CHATSTREAM_TEST_UNSET_VAR\"}\n", "not set"),
        ("[[source]]\nid=\"a\"\ntenant=\"t\"\nplatform=\"freshchat\"\nverification=\"hmac\"\n", "use one of: rsa"),
        ("[[source]]\nid=\"a\"\ntenant=\"t\"\nplatform=\"userlike\"\ntoken=\"x\"\ntypo=1\n", "unknown field"),
        ("[[source]]\nid=\"a\"\ntenant=\"t\"\nplatform=\"livechat\"\nsecret=\"x\"\nsecret_key=\"y\"\n", "`secret` is not used by livechat"),
        ("[[source]]\nid=\"a\"\ntenant=\"t\"\nplatform=\"userlike\"\ntoken={fiel=\"x\"}\n", "a secret must be a string"),
        (
            "[[source]]\nid=\"a\"\ntenant=\"t\"\nplatform=\"userlike\"\ntoken=\"x\"\n[[source]]\nid=\"a\"\ntenant=\"t\"\nplatform=\"userlike\"\ntoken=\"y\"\n",
            "configured twice",
        ),
    ];
    for (toml, want) in cases {
        let err = Sources::load(None, Some(toml)).unwrap_err().to_string();
        assert!(err.contains(want), "expected {want:?} in: {err}");
    }
}

#[test]
fn the_documented_example_file_is_valid() {
    // Every secret the example names must resolve: point its files and variables at test values.
    let example = std::fs::read_to_string(keys_dir().join("../../../deploy/sources.example.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut text = example.replace("/run/secrets/chatstream/", &format!("{}/", dir.path().display()));
    for name in ["acme-livechat-secret", "acme-chatwoot-legacy-token", "acme-userlike-token"] {
        std::fs::write(dir.path().join(name), "s3cret\n").unwrap();
    }
    std::fs::copy(keys_dir().join("spki.pem"), dir.path().join("acme-freshchat.pem")).unwrap();
    std::env::set_var("ACME_CHATWOOT_SECRET", "from-env");
    text.push('\n');
    let sources = Sources::load(None, Some(&text)).unwrap();
    assert_eq!(sources.len(), 6);
}
