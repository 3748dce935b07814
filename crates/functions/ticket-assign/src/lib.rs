//! `PUT /api/tickets/{id}/assign?agent_id=…`: assigns a ticket to an agent, after checking in
//! Cognito that the agent exists and belongs to the tenant, and logs it (seed 004).

use auth::{Agent, AgentAuth};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use contracts::tickets::{AssignQuery, AssignResponse, TicketView};
use domain::ticket::{MessageId, Ticket, TimelineEntry};
use http_kit::ApiError;
use http_kit::clock::{now_rfc3339, random_u64};
use store::tickets::{ChangeError, TicketChange};
use support_kit::{AppState, check_assignable, store_failure, ticket_id, ticket_not_found};
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
    let assignee = query
        .agent_id
        .map(|raw| raw.trim().to_owned())
        .filter(|raw| !raw.is_empty())
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
            let mut entry = TimelineEntry::event(
                MessageId::generate(random_u64()),
                &now,
                Ticket::assignment_event(&assignee),
            );
            entry.agent_id = Some(agent.id.clone());
            change.entries.push(entry);
            change.assigned_agent_id = Some(assignee.clone());
        }
        Ok(change)
    };
    match state.service.change(&agent.tenant, &id, decide).await {
        Ok(changed) => Ok(Json(AssignResponse {
            success: true,
            ticket: TicketView {
                ticket: changed.ticket,
                timeline: changed.timeline,
                timeline_next_cursor: changed.timeline_next_cursor,
            },
        })),
        Err(ChangeError::NotFound) => Err(ticket_not_found()),
        Err(ChangeError::Refused(error)) => Err(error),
        Err(ChangeError::Store(error)) => Err(store_failure(error)),
    }
}
