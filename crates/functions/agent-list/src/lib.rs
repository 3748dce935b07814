//! `GET /api/agents`: the tenant's agents and admins as the user pool knows them (id, name,
//! email, role, whether enabled), for the console's assignment. Another tenant's agents never
//! appear.

use auth::{Agent, AgentAuth};
use axum::Json;
use axum::Router;
use axum::extract::State;
use contracts::agents::AgentList;
use http_kit::ApiError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::support::SupportState;

pub fn routes() -> OpenApiRouter<SupportState> {
    OpenApiRouter::new().routes(routes!(list_agents))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    wiring::support::app(routes(), backend, agents)
}

/// The tenant's agents
#[utoipa::path(
    get,
    path = "/api/agents",
    tag = "Agents",
    responses(
        (status = 200, description = "Every agent and admin of the tenant, by id", body = AgentList),
        (status = 304, description = "Not modified since the `If-None-Match` tag"),
        (status = 401, description = "No valid agent token"),
    ),
    security(("cognito" = []))
)]
async fn list_agents(
    State(state): State<SupportState>,
    agent: Agent,
) -> Result<Json<AgentList>, ApiError> {
    let team = usecases::agents::team(state.agents.directory(), &agent.tenant)
        .await
        .map_err(|error| ApiError::internal("Could not read the agents' directory", &error))?;
    Ok(Json(AgentList::from(team)))
}
