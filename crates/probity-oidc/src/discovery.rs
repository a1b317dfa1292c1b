//! The provider's metadata from `/.well-known/openid-configuration`.

use serde::Deserialize;

use crate::http::{check_url, get_json};
use crate::{Error, Result};

/// Largest discovery document read (Entra ID's is about 2 KiB).
const MAX_DISCOVERY_BYTES: u64 = 64 * 1024;

/// How Probity authenticates itself at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with the form-encoded client id and secret (the protocol's default).
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Post,
}

/// The parts of the provider's metadata Probity uses.
#[derive(Debug, Clone)]
pub struct ProviderMetadata {
    /// The issuer, exactly as ID tokens name it.
    pub issuer: String,
    /// Where the browser is sent to sign in.
    pub authorization_endpoint: String,
    /// Where codes are exchanged for tokens.
    pub token_endpoint: String,
    /// The provider's signing keys.
    pub jwks_uri: String,
    /// How Probity authenticates at the token endpoint.
    pub client_auth: ClientAuth,
}

#[derive(Deserialize)]
struct RawMetadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    response_types_supported: Vec<String>,
}

/// The discovery URL of an issuer.
pub(crate) fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// Fetches and checks the provider's metadata.
pub(crate) fn discover(agent: &ureq::Agent, issuer: &str) -> Result<ProviderMetadata> {
    check_url("issuer", issuer)?;
    let url = discovery_url(issuer);
    let document = get_json(agent, &url, MAX_DISCOVERY_BYTES)?;
    parse(issuer, document)
}

fn provider_error(reason: String) -> Error {
    Error::Provider {
        endpoint: "discovery",
        reason,
    }
}

/// Checks a discovery document against the configured issuer.
pub(crate) fn parse(issuer: &str, document: serde_json::Value) -> Result<ProviderMetadata> {
    let raw: RawMetadata = serde_json::from_value(document)
        .map_err(|error| provider_error(format!("the metadata is incomplete: {error}")))?;
    if raw.issuer != issuer {
        return Err(provider_error(format!(
            "it names the issuer {:?}, but the configuration says {issuer:?}; they must match exactly",
            raw.issuer
        )));
    }
    check_url("authorization_endpoint", &raw.authorization_endpoint)?;
    check_url("token_endpoint", &raw.token_endpoint)?;
    check_url("jwks_uri", &raw.jwks_uri)?;
    if issuer.starts_with("https://") {
        for endpoint in [
            &raw.authorization_endpoint,
            &raw.token_endpoint,
            &raw.jwks_uri,
        ] {
            if !endpoint.starts_with("https://") {
                return Err(provider_error(format!(
                    "the issuer is https but {endpoint:?} is not"
                )));
            }
        }
    }
    if !raw.response_types_supported.is_empty()
        && !raw
            .response_types_supported
            .iter()
            .any(|kind| kind == "code")
    {
        return Err(provider_error(
            "the provider does not offer the authorisation code flow".into(),
        ));
    }
    if let Some(methods) = &raw.code_challenge_methods_supported
        && !methods.iter().any(|method| method == "S256")
    {
        return Err(provider_error(
            "the provider does not offer PKCE with S256".into(),
        ));
    }
    let client_auth = choose_client_auth(raw.token_endpoint_auth_methods_supported.as_deref())?;
    Ok(ProviderMetadata {
        issuer: raw.issuer,
        authorization_endpoint: raw.authorization_endpoint,
        token_endpoint: raw.token_endpoint,
        jwks_uri: raw.jwks_uri,
        client_auth,
    })
}

/// Basic where offered (and where the provider says nothing, as the protocol's default), else
/// post.
fn choose_client_auth(methods: Option<&[String]>) -> Result<ClientAuth> {
    let Some(methods) = methods else {
        return Ok(ClientAuth::Basic);
    };
    if methods.iter().any(|method| method == "client_secret_basic") {
        return Ok(ClientAuth::Basic);
    }
    if methods.iter().any(|method| method == "client_secret_post") {
        return Ok(ClientAuth::Post);
    }
    Err(provider_error(format!(
        "the token endpoint offers {methods:?}; Probity needs client_secret_basic or client_secret_post"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document() -> serde_json::Value {
        json!({
            "issuer": "https://login.example.net/t/v2.0",
            "authorization_endpoint": "https://login.example.net/t/oauth2/v2.0/authorize",
            "token_endpoint": "https://login.example.net/t/oauth2/v2.0/token",
            "jwks_uri": "https://login.example.net/t/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"]
        })
    }

    #[test]
    fn a_sound_document_parses_and_picks_the_offered_client_auth() {
        let metadata = parse("https://login.example.net/t/v2.0", document()).unwrap();
        assert_eq!(metadata.client_auth, ClientAuth::Post);
        assert!(metadata.token_endpoint.ends_with("/token"));
        let mut basic = document();
        basic["token_endpoint_auth_methods_supported"] =
            json!(["client_secret_post", "client_secret_basic"]);
        let metadata = parse("https://login.example.net/t/v2.0", basic).unwrap();
        assert_eq!(metadata.client_auth, ClientAuth::Basic);
    }

    #[test]
    fn mismatches_and_unsafe_endpoints_are_refused() {
        let wrong_issuer = parse("https://login.example.net/other/v2.0", document());
        assert!(wrong_issuer.unwrap_err().to_string().contains("must match"));
        let mut plain = document();
        plain["token_endpoint"] = json!("http://login.example.net/token");
        assert!(parse("https://login.example.net/t/v2.0", plain).is_err());
        let mut downgrade = document();
        downgrade["jwks_uri"] = json!("http://127.0.0.1/keys");
        assert!(parse("https://login.example.net/t/v2.0", downgrade).is_err());
        let mut no_pkce = document();
        no_pkce["code_challenge_methods_supported"] = json!(["plain"]);
        assert!(parse("https://login.example.net/t/v2.0", no_pkce).is_err());
        let mut jwt_only = document();
        jwt_only["token_endpoint_auth_methods_supported"] = json!(["private_key_jwt"]);
        assert!(parse("https://login.example.net/t/v2.0", jwt_only).is_err());
        let mut missing = document();
        missing.as_object_mut().unwrap().remove("jwks_uri");
        assert!(parse("https://login.example.net/t/v2.0", missing).is_err());
        assert_eq!(
            discovery_url("https://login.example.net/t/v2.0/"),
            "https://login.example.net/t/v2.0/.well-known/openid-configuration"
        );
    }
}
