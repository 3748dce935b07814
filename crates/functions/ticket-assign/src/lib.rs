//! `PUT /api/tickets/{id}/assign?agent_id=…`: assigns a ticket to an agent, after checking in
//! Cognito that the agent exists and belongs to the tenant, and logs it (seed 004).

use auth::{Agent, AgentAuth};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use contracts::tickets::{AssignQuery, AssignResponse};
use domain::ticket::TicketId;
use http_kit::outcomes::ticket_not_found;
use http_kit::params::present;
use http_kit::{ApiError, ErrorCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::support::SupportState;

pub fn routes() -> OpenApiRouter<SupportState> {
    OpenApiRouter::new().routes(routes!(assign_ticket))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    wiring::support::app(routes(), backend, agents)
}

/// Assign a ticket
#[utoipa::path(
    put,
    path = "/api/tickets/{id}/assign",
    tag = "Tickets",
    params(("id" = String, Path, description = "Ticket id"), AssignQuery),
    responses(
        (status = 200, description = "Assigned", body = AssignResponse),
        (status = 401, description = "No valid agent token"),
        (status = 404, description = "Ticket not found"),
        (status = 422, description = "agent_id is missing, or not an agent of this tenant"),
    ),
    security(("cognito" = []))
)]
async fn assign_ticket(
    State(state): State<SupportState>,
    agent: Agent,
    Path(id): Path<String>,
    Query(query): Query<AssignQuery>,
) -> Result<Json<AssignResponse>, ApiError> {
    let id = TicketId::parse(&id).map_err(|_| ticket_not_found())?;
    let assignee = present(query.agent_id.as_deref())
        .map(str::to_owned)
        .ok_or_else(|| ApiError::new(ErrorCode::MissingAgentId, "agent_id is required"))?;
    let assigned = usecases::tickets::assign_ticket(
        &state.service,
        state.agents.directory(),
        &agent.tenant,
        &agent.id,
        &id,
        assignee,
    )
    .await?;
    Ok(Json(AssignResponse {
        success: true,
        ticket: assigned.into(),
    }))
}
