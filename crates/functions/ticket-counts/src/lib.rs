//! `GET /api/tickets/counts`: how many of the tenant's tickets are in each status, for the agent
//! console's inbox. One `BatchGetItem` of running counters that every opening and status change
//! moves in its own transaction.

use auth::{Agent, AgentAuth};
use axum::Json;
use axum::Router;
use axum::extract::State;
use contracts::tickets::TicketCounts;
use http_kit::ApiError;
use http_kit::outcomes::store_failure;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::support::SupportState;

pub fn routes() -> OpenApiRouter<SupportState> {
    OpenApiRouter::new().routes(routes!(ticket_counts))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    wiring::support::app(routes(), backend, agents)
}

/// Tickets per status
#[utoipa::path(
    get,
    path = "/api/tickets/counts",
    tag = "Tickets",
    responses(
        (status = 200, description = "The tenant's tickets in each status, and in all", body = TicketCounts),
        (status = 304, description = "Not modified since the `If-None-Match` tag"),
        (status = 401, description = "No valid agent token"),
    ),
    security(("cognito" = []))
)]
async fn ticket_counts(
    State(state): State<SupportState>,
    agent: Agent,
) -> Result<Json<TicketCounts>, ApiError> {
    let counts = usecases::tickets::status_counts(&state.service, &agent.tenant)
        .await
        .map_err(|error| store_failure(error, "ticket"))?;
    Ok(Json(TicketCounts::from(&counts)))
}
