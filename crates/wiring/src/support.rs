//! The ticket and customer functions (seed 004): the ticket store, the agents' directory, and
//! the Cognito agents and tenant API keys their callers present.

use auth::{AgentAuth, WithAgents};
use axum::Router;
use http_kit::ErrorKey;
use store::tickets::TicketStore;
use utoipa_axum::router::OpenApiRouter;

/// The state of every ticket and customer function.
pub type SupportState = WithAgents<TicketStore>;

/// A ticket or customer function's router, with seed 004's error key.
pub fn app(
    routes: OpenApiRouter<SupportState>,
    backend: &store::Backend,
    agents: &AgentAuth,
) -> Router {
    let state = WithAgents::new(backend, agents, backend.tickets());
    http_kit::finish(routes, state, ErrorKey::Detail)
}

/// A ticket or customer function's Lambda entry point: configuration read once (tables and
/// Cognito), clients built once, then `app` served.
pub async fn run(
    app: fn(&store::Backend, &AgentAuth) -> Router,
) -> Result<(), http_kit::lambda::Error> {
    let (backend, cognito) = store::Backend::from_env_with(auth::CognitoSettings::read).await?;
    let agents = AgentAuth::new(cognito, backend.sdk_config());
    http_kit::lambda::run(app(&backend, &agents)).await
}
