//! `PUT /api/tickets/{id}`: an agent changes a ticket's status (through the state machine),
//! priority, assignee or tags; each change is logged on the timeline (seed 004).

use auth::{Agent, AgentAuth};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use contracts::tickets::{TicketView, UpdateTicketRequest};
use domain::ticket::{TicketId, TicketUpdate};
use http_kit::outcomes::ticket_not_found;
use http_kit::params::tags;
use http_kit::{ApiError, JsonBody};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::support::SupportState;

pub fn routes() -> OpenApiRouter<SupportState> {
    OpenApiRouter::new().routes(routes!(update_ticket))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    wiring::support::app(routes(), backend, agents)
}

/// Update a ticket
///
/// Only the fields present change. A status change the state machine does not allow answers
/// 409 naming it; an assignee who is not an agent of this tenant answers 422.
#[utoipa::path(
    put,
    path = "/api/tickets/{id}",
    tag = "Tickets",
    params(("id" = String, Path, description = "Ticket id")),
    request_body = UpdateTicketRequest,
    responses(
        (status = 200, description = "The updated ticket", body = TicketView),
        (status = 400, description = "No updates provided, or a field is invalid"),
        (status = 401, description = "No valid agent token"),
        (status = 404, description = "Ticket not found"),
        (status = 409, description = "The status change is not allowed"),
        (status = 422, description = "The assignee is not an agent of this tenant"),
    ),
    security(("cognito" = []))
)]
async fn update_ticket(
    State(state): State<SupportState>,
    agent: Agent,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<UpdateTicketRequest>,
) -> Result<Json<TicketView>, ApiError> {
    let id = TicketId::parse(&id).map_err(|_| ticket_not_found())?;
    let update = TicketUpdate {
        status: request.status,
        priority: request.priority,
        assignee: request.assigned_agent_id,
        tags: request.tags.as_deref().map(tags).transpose()?,
    };
    let updated = usecases::tickets::update_ticket(
        &state.service,
        state.agents.directory(),
        &agent.tenant,
        &agent.id,
        &id,
        update,
    )
    .await?;
    Ok(Json(updated.into()))
}
