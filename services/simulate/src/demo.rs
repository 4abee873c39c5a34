//! The built-in demo sources (tenant `demo`, one per platform) shared by `chatstream dev`, `simulate` and
//! docker-compose. Their credentials are demo-only and public: never use them for a real integration.

use chatstream_platforms::Platform;

/// Tenant of every demo source.
pub const TENANT: &str = "demo";
/// LiveChat demo `secret_key`.
pub const LIVECHAT_SECRET: &str = include_str!("../../../deploy/compose/secrets/demo-livechat-secret");
/// Chatwoot demo HMAC secret.
pub const CHATWOOT_SECRET: &str = include_str!("../../../deploy/compose/secrets/demo-chatwoot-secret");
/// Userlike demo token (sent in [`USERLIKE_TOKEN_HEADER`]).
pub const USERLIKE_TOKEN: &str = include_str!("../../../deploy/compose/secrets/demo-userlike-token");
/// Header carrying the Userlike demo token.
pub const USERLIKE_TOKEN_HEADER: &str = "X-Chatstream-Token";
/// Freshchat demo RSA public key (SPKI PEM).
pub const FRESHCHAT_PUBLIC_KEY: &str = include_str!("../../../deploy/compose/secrets/demo-freshchat.pem");
/// Freshchat demo RSA private key (PKCS#8 PEM), used to sign like Freshchat does.
pub const FRESHCHAT_PRIVATE_KEY: &str = include_str!("../../../deploy/compose/secrets/demo-freshchat-private.pem");

/// The demo source id of a platform (`demo-livechat`, …).
pub fn source_id(platform: Platform) -> String {
    format!("demo-{platform}")
}

/// The demo sources as `[[source]]` TOML with inline credentials, as the ingress reads it.
pub fn sources_toml() -> String {
    format!(
        r#"[[source]]
id = "demo-livechat"
tenant = "{TENANT}"
platform = "livechat"
secret_key = {livechat:?}

[[source]]
id = "demo-chatwoot"
tenant = "{TENANT}"
platform = "chatwoot"
secret = {chatwoot:?}

[[source]]
id = "demo-freshchat"
tenant = "{TENANT}"
platform = "freshchat"
public_key = {freshchat:?}

[[source]]
id = "demo-userlike"
tenant = "{TENANT}"
platform = "userlike"
token = {userlike:?}
token_header = "{USERLIKE_TOKEN_HEADER}"
"#,
        livechat = LIVECHAT_SECRET.trim(),
        chatwoot = CHATWOOT_SECRET.trim(),
        freshchat = FRESHCHAT_PUBLIC_KEY,
        userlike = USERLIKE_TOKEN.trim(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_sources_parse() {
        let sources = chatstream_platforms::Sources::load(None, Some(&super::sources_toml())).unwrap();
        assert_eq!(sources.len(), 4);
    }
}
