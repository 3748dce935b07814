//! Support agents signed in with Cognito: the verifier and directory a function builds once per
//! cold start, and the axum extractors that turn a request's credentials into an [`Agent`] or a
//! [`Caller`].

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use domain::TenantId;
use http_kit::ApiError;
use http_kit::catalogue::ErrorCode;
use http_kit::observe::{CallerKind, RequestFacts};

use crate::api_key::{self, ApiKeys, KEY_PREFIX, KeyGrant};
use crate::directory::AgentDirectory;
use crate::jwks::DEFAULT_MIN_REFETCH_INTERVAL;
use crate::settings::CognitoSettings;
use crate::token::{Agent, TokenError, TokenVerifier};

/// Verifies agents' tokens and looks agents up. Clones share the JWKS cache.
#[derive(Clone)]
pub struct AgentAuth {
    verifier: Arc<TokenVerifier>,
    directory: AgentDirectory,
}

impl AgentAuth {
    /// The Cognito client is derived from the execution environment's one `SdkConfig`; the
    /// JWKS is fetched when the first token arrives.
    pub fn new(settings: CognitoSettings, sdk_config: &aws_config::SdkConfig) -> Self {
        let directory = AgentDirectory::new(
            aws_sdk_cognitoidentityprovider::Client::new(sdk_config),
            settings.user_pool_id.clone(),
            settings.tenant_claim.clone(),
        );
        Self {
            verifier: Arc::new(TokenVerifier::new(settings, DEFAULT_MIN_REFETCH_INTERVAL)),
            directory,
        }
    }

    /// Changes how often a token with an unknown `kid` may trigger a JWKS refetch (60 s by
    /// default). Meant to be called right after [`AgentAuth::new`]: it starts a new key cache.
    pub fn with_jwks_refetch_interval(mut self, interval: Duration) -> Self {
        self.verifier = Arc::new(TokenVerifier::new(self.settings().clone(), interval));
        self
    }

    pub fn settings(&self) -> &CognitoSettings {
        self.verifier.settings()
    }

    /// The agent a token (the credential of `Authorization: Bearer`) signs in.
    pub async fn verify(&self, bearer_token: &str) -> Result<Agent, TokenError> {
        self.verifier.verify(bearer_token).await
    }

    pub fn directory(&self) -> &AgentDirectory {
        &self.directory
    }
}

impl From<TokenError> for ApiError {
    /// The texts name the kind of problem and never the token or what a library said about it.
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::NoRole => forbidden(),
            TokenError::KeysUnavailable(cause) => {
                ApiError::internal("Could not verify the authentication token", &cause)
            }
            TokenError::Expired => ApiError::new(ErrorCode::TokenExpired, "Token has expired"),
            TokenError::NotYetValid => invalid_token("Token is not valid yet"),
            TokenError::NoTenant => invalid_token("Token carries no tenant"),
            TokenError::Malformed
            | TokenError::UnsupportedAlgorithm
            | TokenError::UnknownKey
            | TokenError::BadSignature
            | TokenError::WrongIssuer
            | TokenError::WrongClient
            | TokenError::WrongTokenUse
            | TokenError::MissingClaim(_) => invalid_token("Invalid authentication token"),
        }
    }
}

fn not_authenticated() -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, "Not authenticated")
}

fn invalid_token(text: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidToken, text)
}

fn forbidden() -> ApiError {
    ApiError::new(ErrorCode::Forbidden, "Insufficient permissions")
}

async fn verified(auth: &AgentAuth, token: &str) -> Result<Agent, ApiError> {
    auth.verify(token).await.map_err(|error| {
        if !matches!(error, TokenError::KeysUnavailable(_)) {
            tracing::info!(reason = %error, "agent token refused");
        }
        ApiError::from(error)
    })
}

/// A handler taking an [`Agent`] answers 401 to a request without a valid agent token in
/// `Authorization: Bearer`, and 403 to an agent in neither the `agents` nor `admins` group.
impl<S> FromRequestParts<S> for Agent
where
    S: Send + Sync,
    AgentAuth: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = api_key::bearer_token(&parts.headers).ok_or_else(not_authenticated)?;
        if token.starts_with(KEY_PREFIX) {
            return Err(ApiError::new(
                ErrorCode::Unauthorized,
                "This route takes an agent's sign-in token, not an API key",
            ));
        }
        let agent = verified(&AgentAuth::from_ref(state), token).await?;
        RequestFacts::record(&parts.extensions, &agent.tenant, CallerKind::Agent);
        Ok(agent)
    }
}

/// Whoever calls a route open to both integrations and agents: a tenant's API key (in
/// `X-Api-Key`, or `Authorization: Bearer fdk_…`) or an agent's Cognito token (any other
/// bearer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Agent(Agent),
    Key(KeyGrant),
}

impl Caller {
    pub fn tenant(&self) -> &TenantId {
        match self {
            Self::Agent(agent) => &agent.tenant,
            Self::Key(grant) => &grant.tenant,
        }
    }

    pub fn agent(&self) -> Option<&Agent> {
        match self {
            Self::Agent(agent) => Some(agent),
            Self::Key(_) => None,
        }
    }

    /// The caller as the use cases know them.
    pub fn actor(&self) -> usecases::Actor {
        match self {
            Self::Agent(agent) => agent.actor(),
            Self::Key(grant) => usecases::Actor::Integration {
                tenant: grant.tenant.clone(),
            },
        }
    }

    /// Who this is, for what is counted or remembered per caller (limits, idempotency keys).
    pub fn scope(&self) -> String {
        match self {
            Self::Agent(agent) => agent.scope(),
            Self::Key(grant) => grant.scope(),
        }
    }
}

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    AgentAuth: FromRef<S>,
    ApiKeys: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let api_key_header = parts
            .headers
            .get("x-api-key")
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|key| !key.is_empty());
        let key = match (api_key_header, api_key::bearer_token(&parts.headers)) {
            (Some(key), _) => key,
            (None, Some(bearer)) if bearer.starts_with(KEY_PREFIX) => bearer,
            (None, Some(token)) => {
                let agent = verified(&AgentAuth::from_ref(state), token).await?;
                RequestFacts::record(&parts.extensions, &agent.tenant, CallerKind::Agent);
                return Ok(Self::Agent(agent));
            }
            (None, None) => return Err(not_authenticated()),
        };
        api_key::admit_key(
            &parts.extensions,
            &parts.headers,
            &ApiKeys::from_ref(state),
            key,
        )
        .await
        .map(Self::Key)
    }
}

/// The state of a function whose routes take agents (and perhaps API keys too): its own service
/// and the verifiers the [`Agent`] and [`Caller`] extractors use.
#[derive(Clone)]
pub struct WithAgents<S> {
    pub service: S,
    pub agents: AgentAuth,
    pub keys: ApiKeys,
}

impl<S> WithAgents<S> {
    pub fn new(backend: &store::Backend, agents: &AgentAuth, service: S) -> Self {
        Self {
            service,
            agents: agents.clone(),
            keys: ApiKeys::new(backend.api_keys()),
        }
    }
}

impl<S> FromRef<WithAgents<S>> for AgentAuth {
    fn from_ref(state: &WithAgents<S>) -> Self {
        state.agents.clone()
    }
}

impl<S> FromRef<WithAgents<S>> for ApiKeys {
    fn from_ref(state: &WithAgents<S>) -> Self {
        state.keys.clone()
    }
}
