//! What the chat and lead functions (seeds 001 and 002) share: their state, the conversation flow
//! (read the lead, ask the assistant, write the exchange), the views they answer with, and how
//! failures become answers.

pub mod conversation;
pub mod views;
pub mod widget;

use std::sync::Arc;

use assistant::{Engine, EngineConfig};
use auth::{AgentAuth, WithAgents};
use axum::Router;
use domain::conversation::RateLimit;
use domain::settings::Settings;
use http_kit::catalogue::ErrorCode;
use http_kit::{ApiError, ErrorKey};
use store::StoreError;
use store::analytics::AnalyticsStore;
use store::leads::LeadStore;
use store::tenants::TenantStore;
use utoipa_axum::router::OpenApiRouter;

pub use conversation::{ChatError, converse, open_session};

/// What the chat and lead functions work with, built once per cold start.
#[derive(Clone)]
pub struct ChatService {
    pub leads: LeadStore,
    pub analytics: AnalyticsStore,
    pub tenants: TenantStore,
    pub engine: Arc<dyn Engine>,
    pub limits: ChatLimits,
}

/// Abuse limits: how fast one conversation may go, and how many new conversations one caller (an
/// API key, an agent) may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatLimits {
    pub messages_per_conversation: RateLimit,
    pub new_conversations_per_caller: RateLimit,
}

impl Default for ChatLimits {
    fn default() -> Self {
        Self {
            messages_per_conversation: RateLimit::per_minute(20),
            new_conversations_per_caller: RateLimit::per_minute(60),
        }
    }
}

impl ChatLimits {
    /// No limits: for conversations whose messages a provider delivers signed (a WhatsApp
    /// number), where refusing one would only make the provider send it again.
    pub fn unlimited() -> Self {
        Self {
            messages_per_conversation: RateLimit::per_minute(u32::MAX),
            new_conversations_per_caller: RateLimit::per_minute(u32::MAX),
        }
    }

    /// Reads `CHAT_MESSAGES_PER_MINUTE` and `CHAT_NEW_CONVERSATIONS_PER_MINUTE`, defaults when
    /// unset.
    pub fn read<F: Fn(&str) -> Option<String>>(settings: &mut Settings<F>) -> Self {
        let defaults = Self::default();
        let per_minute = |raw: &str| {
            raw.parse::<u32>()
                .ok()
                .filter(|max| *max > 0)
                .map(RateLimit::per_minute)
                .ok_or_else(|| "must be a whole number above 0".to_owned())
        };
        Self {
            messages_per_conversation: settings.parsed_or(
                "CHAT_MESSAGES_PER_MINUTE",
                defaults.messages_per_conversation,
                per_minute,
            ),
            new_conversations_per_caller: settings.parsed_or(
                "CHAT_NEW_CONVERSATIONS_PER_MINUTE",
                defaults.new_conversations_per_caller,
                per_minute,
            ),
        }
    }
}

impl ChatService {
    /// The service a function runs, its engine built from configuration once the provider's key
    /// has been read from Secrets Manager (when it is kept there).
    pub async fn start(
        backend: &store::Backend,
        mut engine: EngineConfig,
        limits: ChatLimits,
    ) -> Result<Self, store::secrets::SecretError> {
        if let Some(secret) = engine.secret_mut() {
            store::secrets::reveal(backend.sdk_config(), secret).await?;
        }
        Ok(Self::new(backend, Arc::from(engine.build()), limits))
    }

    pub fn new(backend: &store::Backend, engine: Arc<dyn Engine>, limits: ChatLimits) -> Self {
        Self {
            leads: backend.leads(),
            analytics: backend.analytics(),
            tenants: backend.tenants(),
            engine,
            limits,
        }
    }
}

/// The state of every chat and lead function: the service, and the agents and API keys its
/// callers present.
pub type AppState = WithAgents<ChatService>;

/// A chat or lead function's router with the seed family's error key.
pub fn app(
    routes: OpenApiRouter<AppState>,
    key: ErrorKey,
    backend: &store::Backend,
    agents: &AgentAuth,
    service: ChatService,
) -> Router {
    http_kit::finish(routes, WithAgents::new(backend, agents, service), key)
}

/// The function's router from its configuration (what the Lambda entry point and the devserver
/// both build).
pub type AppFn = fn(&store::Backend, &AgentAuth, ChatService) -> Router;

/// A chat or lead function's Lambda entry point: configuration read once (tables, Cognito, the
/// assistant, the limits; every missing variable reported together), clients built once.
pub async fn run(app: AppFn) -> Result<(), http_kit::lambda::Error> {
    let (backend, (cognito, engine, limits)) = store::Backend::from_env_with(|settings| {
        (
            auth::CognitoSettings::read(settings),
            EngineConfig::from_settings(settings),
            ChatLimits::read(settings),
        )
    })
    .await?;
    let agents = AgentAuth::new(cognito, backend.sdk_config());
    let service = ChatService::start(&backend, engine, limits).await?;
    http_kit::lambda::run(app(&backend, &agents, service)).await
}

/// A store failure: ours, logged, answered 500 (503 when writers keep colliding).
pub fn store_failure(error: StoreError) -> ApiError {
    match error {
        StoreError::Contended => ApiError::new(
            ErrorCode::Contended,
            "The conversation is changing too fast; retry shortly",
        ),
        other => ApiError::internal("Could not reach the lead store", &other),
    }
}

/// The answer for a lead that does not exist or is another tenant's.
pub fn lead_not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "Lead not found")
}
