//! `PUT /api/tickets/{id}/assign?agent_id=…`: assigns a ticket to an agent, after checking in
//! Cognito that the agent exists and belongs to the tenant, and logs it (seed 004).

use auth::{Agent, AgentAuth};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use contracts::tickets::{AssignQuery, AssignResponse};
use domain::ticket::Ticket;
use http_kit::ApiError;
use store::tickets::TicketChange;
use support_kit::{AppState, agent_view, changed, check_assignable, event, present, ticket_id};
use usecases::clock::now_rfc3339;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(assign_ticket))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    support_kit::app(routes(), backend, agents)
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
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Query(query): Query<AssignQuery>,
) -> Result<Json<AssignResponse>, ApiError> {
    let id = ticket_id(&id)?;
    let assignee = present(query.agent_id.as_deref())
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "missing_agent_id",
                "agent_id is required",
            )
        })?;
    check_assignable(&state, &assignee, &agent.tenant).await?;
    let decide = |ticket: &Ticket| -> Result<TicketChange, ApiError> {
        let now = now_rfc3339();
        let mut change = TicketChange {
            updated_at: now.clone(),
            ..TicketChange::default()
        };
        if ticket.assigned_agent_id.as_ref() != Some(&assignee) {
            let logged = event(&now, Ticket::assignment_event(&assignee), Some(&agent));
            change.entries.push(logged);
            change.assigned_agent_id = Some(assignee.clone());
        }
        Ok(change)
    };
    let outcome = state.service.change(&agent.tenant, &id, decide).await;
    Ok(Json(AssignResponse {
        success: true,
        ticket: agent_view(changed(outcome)?),
    }))
}
