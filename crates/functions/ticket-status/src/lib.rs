//! `GET /api/tickets/{id}/status`: what a chatbot polls after handing a conversation to a human
//! (seed 004). One consistent GetItem: the latest agent reply is kept on the ticket item.

use auth::{AgentAuth, Caller};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use contracts::tickets::TicketStatusView;
use domain::ticket::TicketId;
use http_kit::ApiError;
use http_kit::outcomes::ticket_not_found;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::support::SupportState;

pub fn routes() -> OpenApiRouter<SupportState> {
    OpenApiRouter::new().routes(routes!(ticket_status))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    wiring::support::app(routes(), backend, agents)
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
    State(state): State<SupportState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketStatusView>, ApiError> {
    let id = TicketId::parse(&id).map_err(|_| ticket_not_found())?;
    let ticket = usecases::tickets::ticket_status(&state.service, caller.tenant(), &id).await?;
    Ok(Json(TicketStatusView {
        ticket_id: ticket.ticket_id.to_string(),
        status: ticket.status,
        last_updated: ticket.updated_at,
        has_agent_reply: ticket.last_agent_message.is_some(),
        last_agent_message: ticket.last_agent_message,
    }))
}
