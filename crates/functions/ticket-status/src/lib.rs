//! `GET /api/tickets/{id}/status`: what a chatbot polls after handing a conversation to a human
//! (seed 004). One consistent GetItem: the latest agent reply is kept on the ticket item.

use auth::{AgentAuth, Caller};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use contracts::tickets::TicketStatusView;
use http_kit::ApiError;
use support_kit::{AppState, store_failure, ticket_id, ticket_not_found};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ticket_status))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    support_kit::app(routes(), backend, agents)
}

/// Get a ticket's status
#[utoipa::path(
    get,
    path = "/api/tickets/{id}/status",
    tag = "Tickets",
    params(("id" = String, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The ticket's status and latest public agent reply", body = TicketStatusView),
        (status = 401, description = "No valid agent token or API key"),
        (status = 404, description = "Ticket not found"),
    ),
    security(("cognito" = []), ("api_key" = []))
)]
async fn ticket_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketStatusView>, ApiError> {
    let id = ticket_id(&id)?;
    let ticket = state
        .service
        .ticket(caller.tenant(), &id)
        .await
        .map_err(store_failure)?
        .ok_or_else(ticket_not_found)?;
    Ok(Json(TicketStatusView {
        ticket_id: ticket.ticket_id.to_string(),
        status: ticket.status,
        last_updated: ticket.updated_at,
        has_agent_reply: ticket.last_agent_message.is_some(),
        last_agent_message: ticket.last_agent_message,
    }))
}
