//! The chat and lead functions (seeds 001 and 002): the conversations with the assistant and the
//! leads they feed, with the Cognito agents and tenant API keys their callers present.

use std::sync::Arc;

use assistant::EngineConfig;
use auth::{AgentAuth, WithAgents};
use axum::Router;
use http_kit::ErrorKey;
use store::leads::LeadStore;
use store::tenants::TenantStore;
use usecases::conversations::{Chat, ChatLimits, Engine};
use utoipa_axum::router::OpenApiRouter;

/// The conversation use cases over DynamoDB.
pub type ChatService = Chat<LeadStore, TenantStore>;

/// The state of every chat and lead function.
pub type ChatState = WithAgents<ChatService>;

/// The conversation use cases with `engine` answering.
pub fn chat_service(
    backend: &store::Backend,
    engine: Arc<dyn Engine>,
    limits: ChatLimits,
) -> ChatService {
    Chat {
        conversations: backend.leads(),
        tenants: backend.tenants(),
        engine,
        limits,
    }
}

/// The conversation use cases with the engine `config` describes, built once the provider's key
/// has been read from Secrets Manager (when it is kept there).
pub async fn start_chat(
    backend: &store::Backend,
    mut config: EngineConfig,
    limits: ChatLimits,
) -> Result<ChatService, store::secrets::SecretError> {
    if let Some(secret) = config.secret_mut() {
        store::secrets::reveal(backend.sdk_config(), secret).await?;
    }
    Ok(chat_service(backend, Arc::from(config.build()), limits))
}

/// A chat or lead function's router with the seed family's error key.
pub fn app(
    routes: OpenApiRouter<ChatState>,
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
    let service = start_chat(&backend, engine, limits).await?;
    http_kit::lambda::run(app(&backend, &agents, service)).await
}
