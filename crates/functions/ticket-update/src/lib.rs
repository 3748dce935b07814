//! `PUT /api/tickets/{id}`: an agent changes a ticket's status (through the state machine),
//! priority, assignee or tags; each change is logged on the timeline (seed 004).

use auth::{Agent, AgentAuth};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use contracts::tickets::{TicketView, UpdateTicketRequest};
use domain::ticket::Ticket;
use http_kit::{ApiError, JsonBody};
use store::tickets::TicketChange;
use support_kit::{AppState, agent_view, changed, check_assignable, event, ticket_id};
use usecases::clock::now_rfc3339;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(update_ticket))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    support_kit::app(routes(), backend, agents)
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
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<UpdateTicketRequest>,
) -> Result<Json<TicketView>, ApiError> {
    let id = ticket_id(&id)?;
    if request.status.is_none()
        && request.priority.is_none()
        && request.assigned_agent_id.is_none()
        && request.tags.is_none()
    {
        return Err(ApiError::bad_request("no_updates", "No updates provided"));
    }
    let tags = request.tags.as_deref().map(support_kit::tags).transpose()?;
    if let Some(assignee) = &request.assigned_agent_id {
        check_assignable(&state, assignee, &agent.tenant).await?;
    }
    let decide = |ticket: &Ticket| -> Result<TicketChange, ApiError> {
        let now = now_rfc3339();
        let event = |content: String| event(&now, content, Some(&agent));
        let mut change = TicketChange {
            updated_at: now.clone(),
            ..TicketChange::default()
        };
        if let Some(status) = request.status.filter(|status| *status != ticket.status) {
            ticket.status.change_to(status).map_err(|refused| {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "invalid_transition",
                    refused.to_string(),
                )
            })?;
            change.status = Some(status);
            change
                .entries
                .push(event(Ticket::status_event(ticket.status, status)));
        }
        if let Some(priority) = request
            .priority
            .filter(|priority| *priority != ticket.priority)
        {
            change.priority = Some(priority);
            change.entries.push(event(format!(
                "Priority changed from {} to {priority}",
                ticket.priority
            )));
        }
        if let Some(assignee) = request
            .assigned_agent_id
            .clone()
            .filter(|assignee| ticket.assigned_agent_id.as_ref() != Some(assignee))
        {
            change
                .entries
                .push(event(Ticket::assignment_event(&assignee)));
            change.assigned_agent_id = Some(assignee);
        }
        if let Some(tags) = &tags
            && let Some(logged) = Ticket::tags_event(&ticket.tags, tags)
        {
            change.entries.push(event(logged));
            change.tags = Some(tags.clone());
        }
        Ok(change)
    };
    let outcome = state.service.change(&agent.tenant, &id, decide).await;
    Ok(Json(agent_view(changed(outcome)?)))
}
