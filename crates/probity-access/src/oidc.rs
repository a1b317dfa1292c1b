//! OpenID Connect single sign-on: the configuration and the mapping from an ID token's claims to
//! Probity roles. The network flow (discovery, code exchange, token validation) belongs to the
//! server and is not here; this part is pure and tested on its own.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Error, Result, Role, RoleSet};

/// Largest client secret file read, in bytes.
const MAX_SECRET_FILE: u64 = 4096;
/// Most claim values looked at (a person in more groups than this is unusual; the rest are
/// ignored rather than slowing every sign-in).
const MAX_CLAIM_VALUES: usize = 2000;

fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "profile".into(), "email".into()]
}

fn default_username_claim() -> String {
    "preferred_username".into()
}

fn default_role_claim() -> String {
    "groups".into()
}

/// Single sign-on settings, as written in the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The provider's issuer URL (`https://login.microsoftonline.com/<tenant>/v2.0`).
    pub issuer: String,
    /// Probity's client id at the provider.
    pub client_id: String,
    /// A file holding the client secret (kept out of the configuration file).
    pub client_secret_file: PathBuf,
    /// Where the provider sends the browser back (`https://probity.example/auth/callback`).
    pub redirect_url: String,
    /// Scopes asked for.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The claim that names the person (`preferred_username`, `upn`, `email`).
    #[serde(default = "default_username_claim")]
    pub username_claim: String,
    /// The claim listing the person's groups or app roles (`groups`, `roles`, or a dotted path
    /// such as `realm_access.roles`).
    #[serde(default = "default_role_claim")]
    pub role_claim: String,
    /// Which Probity roles each group (or app role) value gives. Values are matched exactly.
    #[serde(default)]
    pub group_roles: BTreeMap<String, Vec<Role>>,
}

/// The client secret. It does not print.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// The secret, for the token request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(…)")
    }
}

fn is_local_http(url: &str) -> bool {
    ["http://localhost", "http://127.0.0.1", "http://[::1]"]
        .iter()
        .any(|prefix| {
            url.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        })
}

fn check_url(what: &str, url: &str) -> Result<()> {
    if url.starts_with("https://") && url.len() > "https://".len() {
        return Ok(());
    }
    if is_local_http(url) {
        return Ok(());
    }
    Err(Error::OidcConfig(format!(
        "{what} {url:?} must be an https:// URL (plain http only for localhost)"
    )))
}

impl OidcConfig {
    /// Checks the settings; the error says which one is wrong.
    pub fn validate(&self) -> Result<()> {
        check_url("issuer", &self.issuer)?;
        check_url("redirect_url", &self.redirect_url)?;
        if self.client_id.trim().is_empty() {
            return Err(Error::OidcConfig("client_id is empty".into()));
        }
        if !self.scopes.iter().any(|scope| scope == "openid") {
            return Err(Error::OidcConfig("scopes must include openid".into()));
        }
        if self.role_claim.trim().is_empty() || self.username_claim.trim().is_empty() {
            return Err(Error::OidcConfig(
                "role_claim and username_claim must name a claim".into(),
            ));
        }
        if self.group_roles.is_empty() {
            return Err(Error::OidcConfig(
                "group_roles is empty, so nobody could sign in: map at least one group to a role"
                    .into(),
            ));
        }
        for (group, roles) in &self.group_roles {
            if roles.contains(&Role::IngestClient) {
                return Err(Error::OidcConfig(format!(
                    "group {group:?} maps to ingest-client, which is for tokens, not people"
                )));
            }
        }
        Ok(())
    }

    /// Reads the client secret from [`OidcConfig::client_secret_file`] (trimmed; at most 4 KiB).
    pub fn load_client_secret(&self) -> Result<ClientSecret> {
        let path = &self.client_secret_file;
        let io_error = |source| Error::Io {
            path: path.clone(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io_error)?;
        let mut text = String::new();
        file.take(MAX_SECRET_FILE + 1)
            .read_to_string(&mut text)
            .map_err(io_error)?;
        if text.len() as u64 > MAX_SECRET_FILE {
            return Err(Error::OidcConfig(format!(
                "{} is larger than {MAX_SECRET_FILE} bytes; it should hold only the client secret",
                path.display()
            )));
        }
        let secret = text.trim();
        if secret.is_empty() {
            return Err(Error::OidcConfig(format!("{} is empty", path.display())));
        }
        Ok(ClientSecret(secret.to_owned()))
    }

    /// The roles the claims give: the union over every group value that [`group_roles`] maps.
    /// Unknown groups give nothing; no known group gives an empty set (no access).
    ///
    /// [`group_roles`]: OidcConfig::group_roles
    pub fn roles_from_claims(&self, claims: &Value) -> RoleSet {
        let mut roles = RoleSet::default();
        for value in claim_strings(claims, &self.role_claim)
            .into_iter()
            .take(MAX_CLAIM_VALUES)
        {
            let Some(mapped) = self.group_roles.get(value) else {
                continue;
            };
            for role in mapped {
                if *role != Role::IngestClient {
                    roles.insert(*role);
                }
            }
        }
        roles
    }

    /// The account name from the claims, if present.
    pub fn username_from_claims<'a>(&self, claims: &'a Value) -> Option<&'a str> {
        claim(claims, &self.username_claim)?.as_str()
    }
}

/// Finds a claim: by its whole name first (claim names may contain dots, as URLs do), then as a
/// dotted path into nested objects.
fn claim<'a>(claims: &'a Value, name: &str) -> Option<&'a Value> {
    if let Some(value) = claims.get(name) {
        return Some(value);
    }
    let mut current = claims;
    for part in name.split('.') {
        current = current.get(part)?;
    }
    Some(current)
}

fn claim_strings<'a>(claims: &'a Value, name: &str) -> Vec<&'a str> {
    match claim(claims, name) {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> OidcConfig {
        serde_json::from_value(json!({
            "issuer": "https://login.example.net/tenant/v2.0",
            "client_id": "probity",
            "client_secret_file": "/etc/probity/oidc-secret",
            "redirect_url": "https://probity.example/auth/callback",
            "group_roles": {
                "PSD-Analysts": ["analyst"],
                "PSD-Investigators": ["investigator", "analyst"],
                "Superintendents": ["authorising-officer"],
                "Oversight": ["auditor"]
            }
        }))
        .unwrap()
    }

    #[test]
    fn defaults_apply_and_a_sound_config_validates() {
        let config = config();
        assert_eq!(config.role_claim, "groups");
        assert_eq!(config.username_claim, "preferred_username");
        assert_eq!(config.scopes, vec!["openid", "profile", "email"]);
        config.validate().unwrap();
    }

    #[test]
    fn unsafe_or_empty_settings_are_refused() {
        let mut plain = config();
        plain.issuer = "http://login.example.net".into();
        assert!(plain.validate().unwrap_err().to_string().contains("issuer"));
        let mut local = config();
        local.redirect_url = "http://localhost:8080/auth/callback".into();
        local.validate().unwrap();
        let mut sneaky = config();
        sneaky.redirect_url = "http://localhost.evil.example/cb".into();
        assert!(sneaky.validate().is_err());
        let mut nobody = config();
        nobody.group_roles.clear();
        assert!(nobody.validate().is_err());
        let mut shipper = config();
        shipper
            .group_roles
            .insert("Shippers".into(), vec![Role::IngestClient]);
        assert!(shipper.validate().is_err());
        assert!(
            serde_json::from_value::<OidcConfig>(json!({"issuer": "https://x", "typo": 1}))
                .is_err()
        );
    }

    #[test]
    fn groups_map_to_the_union_of_their_roles() {
        let config = config();
        let claims = json!({
            "preferred_username": "j.doe@force.example",
            "groups": ["Everyone", "PSD-Investigators", "Oversight"]
        });
        let roles = config.roles_from_claims(&claims);
        assert_eq!(roles.to_list(), "analyst,investigator,auditor");
        assert_eq!(
            config.username_from_claims(&claims),
            Some("j.doe@force.example")
        );
        // Unknown groups, a missing claim, or a claim of the wrong type give no role.
        assert!(
            config
                .roles_from_claims(&json!({"groups": ["Everyone"]}))
                .is_empty()
        );
        assert!(config.roles_from_claims(&json!({})).is_empty());
        assert!(config.roles_from_claims(&json!({"groups": 7})).is_empty());
        // Matching is exact.
        assert!(
            config
                .roles_from_claims(&json!({"groups": ["psd-analysts"]}))
                .is_empty()
        );
    }

    #[test]
    fn role_claims_can_be_single_nested_or_dotted_names() {
        let mut config = config();
        config.role_claim = "realm_access.roles".into();
        let nested = json!({"realm_access": {"roles": "Superintendents"}});
        assert_eq!(
            config.roles_from_claims(&nested).to_list(),
            "authorising-officer"
        );
        config.role_claim = "https://probity.example/roles".into();
        let url_named = json!({"https://probity.example/roles": ["PSD-Analysts"]});
        assert_eq!(config.roles_from_claims(&url_named).to_list(), "analyst");
    }

    #[test]
    fn the_client_secret_is_read_trimmed_and_not_printed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "s3cr3t-value\n").unwrap();
        let mut config = config();
        config.client_secret_file = path.clone();
        let secret = config.load_client_secret().unwrap();
        assert_eq!(secret.expose(), "s3cr3t-value");
        assert_eq!(format!("{secret:?}"), "ClientSecret(…)");
        std::fs::write(&path, "x".repeat(5000)).unwrap();
        assert!(config.load_client_secret().is_err());
        std::fs::write(&path, "  \n").unwrap();
        assert!(config.load_client_secret().is_err());
    }
}
