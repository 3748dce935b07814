//! Cognito tokens in, agents out: signature (RS256 against the pool's JWKS), issuer, token use,
//! app client and lifetime checked, then the agent's id, tenant and role read from the claims.

use std::collections::HashSet;
use std::time::Duration;

use domain::TenantId;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

use crate::jwks::{KeyError, KeySet};
use crate::settings::CognitoSettings;

/// Clock skew tolerated on `exp` and `nbf`, in seconds: Lambda hosts and Cognito keep time
/// well, but not to the second, and a token refused one second early costs a sign-in.
pub const CLOCK_LEEWAY_SECS: u64 = 60;

/// The Cognito group whose members are support agents.
pub const AGENTS_GROUP: &str = "agents";
/// The Cognito group whose members administer their tenant (and act as agents too).
pub const ADMINS_GROUP: &str = "admins";

/// What an agent may do, from their Cognito groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Agent,
    Admin,
}

impl Role {
    /// The strongest role the groups grant: `admins` wins over `agents`; other groups grant
    /// nothing.
    pub fn from_groups<G: AsRef<str>>(groups: &[G]) -> Option<Self> {
        let mut role = None;
        for group in groups {
            match group.as_ref() {
                ADMINS_GROUP => return Some(Self::Admin),
                AGENTS_GROUP => role = Some(Self::Agent),
                _ => {}
            }
        }
        role
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Admin => "admin",
        }
    }
}

/// A signed-in support agent: who, for which tenant, with which role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// The Cognito username: what tickets are assigned to and what `AdminGetUser` looks up.
    pub id: String,
    /// Cognito's immutable user id.
    pub sub: String,
    pub tenant: TenantId,
    pub role: Role,
}

impl Agent {
    /// The agent as the use cases know them.
    pub fn actor(&self) -> usecases::Actor {
        usecases::Actor::Agent {
            id: self.id.clone(),
            tenant: self.tenant.clone(),
        }
    }

    /// The agent as a caller, for what is counted or remembered per caller: `agent#<sub>`.
    pub fn scope(&self) -> String {
        format!("agent#{}", self.sub)
    }
}

/// Why a token was not accepted. Every variant but the last two is the caller's problem (401);
/// [`TokenError::NoRole`] is a valid sign-in without permission (403), and
/// [`TokenError::KeysUnavailable`] is ours (500).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a JWT")]
    Malformed,
    #[error("signed with an algorithm other than RS256")]
    UnsupportedAlgorithm,
    #[error("signed with a key the user pool does not publish")]
    UnknownKey,
    #[error("the signature does not match the token")]
    BadSignature,
    #[error("expired")]
    Expired,
    #[error("not valid yet")]
    NotYetValid,
    #[error("issued by another issuer")]
    WrongIssuer,
    #[error("issued for another app client")]
    WrongClient,
    #[error("neither an access nor an ID token")]
    WrongTokenUse,
    #[error("a required claim is missing or malformed: {0}")]
    MissingClaim(String),
    #[error("carries no valid tenant")]
    NoTenant,
    #[error("the user is in neither the agents nor the admins group")]
    NoRole,
    #[error("{0}")]
    KeysUnavailable(String),
}

/// The claims this verifier reads. Cognito access tokens name the user `username` and the app
/// client `client_id`; ID tokens say `cognito:username` and `aud`, and only they carry custom
/// attributes such as the tenant (unless a pre-token-generation trigger adds them to access
/// tokens).
#[derive(Debug, Deserialize)]
pub struct CognitoClaims {
    pub sub: String,
    pub token_use: String,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub aud: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default, rename = "cognito:username")]
    pub cognito_username: Option<String>,
    #[serde(default, rename = "cognito:groups")]
    pub groups: Vec<String>,
    /// Every other claim, among them the tenant claim, whose name is configured.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl CognitoClaims {
    /// The agent these claims describe, once `token_use` and the app client are checked.
    /// Signature, issuer and lifetime must have been checked already.
    pub fn into_agent(
        self,
        app_client_ids: &[String],
        tenant_claim: &str,
    ) -> Result<Agent, TokenError> {
        let (client, id) = match self.token_use.as_str() {
            "access" => (self.client_id, self.username),
            "id" => (self.aud, self.cognito_username),
            _ => return Err(TokenError::WrongTokenUse),
        };
        if !client.is_some_and(|client| app_client_ids.contains(&client)) {
            return Err(TokenError::WrongClient);
        }
        let id = id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| TokenError::MissingClaim("username".to_owned()))?;
        let tenant = self
            .other
            .get(tenant_claim)
            .and_then(serde_json::Value::as_str)
            .and_then(|raw| TenantId::parse(raw).ok())
            .ok_or(TokenError::NoTenant)?;
        let role = Role::from_groups(&self.groups).ok_or(TokenError::NoRole)?;
        Ok(Agent {
            id,
            sub: self.sub,
            tenant,
            role,
        })
    }
}

/// Checks tokens of one user pool. Built once per execution environment; the JWKS is fetched
/// on first use.
pub struct TokenVerifier {
    settings: CognitoSettings,
    keys: KeySet,
    validation: Validation,
}

impl TokenVerifier {
    pub fn new(settings: CognitoSettings, min_refetch_interval: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.required_spec_claims = HashSet::from(["exp", "iss", "sub"].map(str::to_owned));
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = CLOCK_LEEWAY_SECS;
        // `aud` is only in ID tokens; the app client is checked against `aud` or `client_id`
        // by token use, in `CognitoClaims::into_agent`.
        validation.validate_aud = false;
        Self {
            keys: KeySet::new(settings.jwks_url.clone(), min_refetch_interval),
            settings,
            validation,
        }
    }

    pub fn settings(&self) -> &CognitoSettings {
        &self.settings
    }

    pub async fn verify(&self, token: &str) -> Result<Agent, TokenError> {
        // `alg: none` and other algorithms jsonwebtoken does not know fail here already, as
        // unreadable headers, before any key is looked at.
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenError::UnsupportedAlgorithm);
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        let key = self.keys.key(&kid).await.map_err(|error| match error {
            KeyError::Unknown => TokenError::UnknownKey,
            KeyError::Unavailable(cause) => TokenError::KeysUnavailable(cause),
        })?;
        let claims = jsonwebtoken::decode::<CognitoClaims>(token, &key, &self.validation)
            .map_err(|error| match error.into_kind() {
                ErrorKind::InvalidSignature => TokenError::BadSignature,
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
                ErrorKind::InvalidAlgorithm => TokenError::UnsupportedAlgorithm,
                ErrorKind::MissingRequiredClaim(claim) | ErrorKind::InvalidClaimFormat(claim) => {
                    TokenError::MissingClaim(claim)
                }
                _ => TokenError::Malformed,
            })?
            .claims;
        claims.into_agent(&self.settings.app_client_ids, &self.settings.tenant_claim)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const CLIENTS: &[&str] = &["console", "admin-tool"];

    fn clients() -> Vec<String> {
        CLIENTS.iter().map(|client| (*client).to_owned()).collect()
    }

    fn id_claims() -> serde_json::Value {
        json!({
            "sub": "5f0c-sub",
            "token_use": "id",
            "aud": "console",
            "cognito:username": "ana",
            "cognito:groups": ["agents"],
            "custom:tenant_id": "acme",
            "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x",
            "exp": 4_000_000_000u64,
        })
    }

    fn access_claims() -> serde_json::Value {
        json!({
            "sub": "5f0c-sub",
            "token_use": "access",
            "client_id": "admin-tool",
            "username": "ana",
            "cognito:groups": ["agents"],
            "custom:tenant_id": "acme",
            "scope": "aws.cognito.signin.user.admin",
        })
    }

    fn agent(claims: serde_json::Value) -> Result<Agent, TokenError> {
        let claims: CognitoClaims = serde_json::from_value(claims).unwrap();
        claims.into_agent(&clients(), "custom:tenant_id")
    }

    fn with(
        mut claims: serde_json::Value,
        name: &str,
        value: serde_json::Value,
    ) -> serde_json::Value {
        claims[name] = value;
        claims
    }

    fn without(mut claims: serde_json::Value, name: &str) -> serde_json::Value {
        claims.as_object_mut().unwrap().remove(name);
        claims
    }

    #[test]
    fn an_id_token_names_the_agent_tenant_and_role() {
        assert_eq!(
            agent(id_claims()),
            Ok(Agent {
                id: "ana".into(),
                sub: "5f0c-sub".into(),
                tenant: TenantId::parse("acme").unwrap(),
                role: Role::Agent,
            })
        );
    }

    #[test]
    fn an_access_token_uses_username_and_client_id() {
        assert_eq!(agent(access_claims()).unwrap().id, "ana");
        // `username` belongs to access tokens, `cognito:username` to ID tokens.
        let crossed = with(
            without(access_claims(), "username"),
            "cognito:username",
            json!("ana"),
        );
        assert_eq!(
            agent(crossed),
            Err(TokenError::MissingClaim("username".into()))
        );
    }

    #[test]
    fn the_app_client_is_aud_in_id_tokens_and_client_id_in_access_tokens() {
        assert_eq!(
            agent(with(id_claims(), "aud", json!("someone-else"))),
            Err(TokenError::WrongClient)
        );
        // An ID token naming a good client only in `client_id` is not for us.
        let id_with_client_id = with(without(id_claims(), "aud"), "client_id", json!("console"));
        assert_eq!(agent(id_with_client_id), Err(TokenError::WrongClient));
        assert_eq!(
            agent(with(access_claims(), "client_id", json!("someone-else"))),
            Err(TokenError::WrongClient)
        );
        let access_with_aud = with(
            without(access_claims(), "client_id"),
            "aud",
            json!("console"),
        );
        assert_eq!(agent(access_with_aud), Err(TokenError::WrongClient));
    }

    #[test]
    fn only_access_and_id_tokens_are_accepted() {
        for token_use in ["refresh", "", "ID"] {
            assert_eq!(
                agent(with(id_claims(), "token_use", json!(token_use))),
                Err(TokenError::WrongTokenUse),
                "{token_use}"
            );
        }
    }

    #[test]
    fn the_tenant_must_be_present_and_valid() {
        assert_eq!(
            agent(without(id_claims(), "custom:tenant_id")),
            Err(TokenError::NoTenant)
        );
        assert_eq!(
            agent(with(id_claims(), "custom:tenant_id", json!("Not A Tenant"))),
            Err(TokenError::NoTenant)
        );
        let claims: CognitoClaims =
            serde_json::from_value(with(id_claims(), "custom:org", json!("globex"))).unwrap();
        assert_eq!(
            claims
                .into_agent(&clients(), "custom:org")
                .unwrap()
                .tenant
                .as_str(),
            "globex"
        );
    }

    #[test]
    fn groups_decide_the_role() {
        assert_eq!(Role::from_groups(&["agents"]), Some(Role::Agent));
        assert_eq!(Role::from_groups(&["admins"]), Some(Role::Admin));
        assert_eq!(Role::from_groups(&["agents", "admins"]), Some(Role::Admin));
        assert_eq!(Role::from_groups(&["admins", "agents"]), Some(Role::Admin));
        assert_eq!(Role::from_groups(&["Agents", "staff"]), None);
        assert_eq!(Role::from_groups::<&str>(&[]), None);
        assert_eq!(
            agent(with(
                id_claims(),
                "cognito:groups",
                json!(["admins", "agents"])
            ))
            .unwrap()
            .role,
            Role::Admin
        );
        assert_eq!(
            agent(without(id_claims(), "cognito:groups")),
            Err(TokenError::NoRole)
        );
    }

    #[test]
    fn errors_map_to_the_documented_answers() {
        use axum::http::StatusCode;
        use http_kit::ApiError;

        let answer = |error: TokenError| {
            let api = ApiError::from(error);
            (api.status(), api.code.as_str(), api.text)
        };
        assert_eq!(
            answer(TokenError::Expired),
            (
                StatusCode::UNAUTHORIZED,
                "token_expired",
                "Token has expired".into()
            )
        );
        assert_eq!(
            answer(TokenError::BadSignature),
            (
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "Invalid authentication token".into()
            )
        );
        assert_eq!(
            answer(TokenError::NoRole),
            (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Insufficient permissions".into()
            )
        );
        let (status, code, text) =
            answer(TokenError::KeysUnavailable("GET http://x: refused".into()));
        assert_eq!(
            (status, code),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal")
        );
        assert!(!text.contains("refused"), "{text}");
    }
}
