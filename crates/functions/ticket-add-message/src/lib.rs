//! `POST /api/tickets/{id}/message`: adds a message to a ticket's timeline; a customer writing on
//! a resolved ticket reopens it (seed 004).

use auth::{AgentAuth, Caller};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use contracts::tickets::{AddMessageRequest, TicketView};
use domain::ticket::{TicketId, limits};
use http_kit::outcomes::ticket_not_found;
use http_kit::params::text_field;
use http_kit::{ApiError, ErrorCode, JsonBody};
use usecases::tickets::NewMessage;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::support::SupportState;

pub fn routes() -> OpenApiRouter<SupportState> {
    OpenApiRouter::new().routes(routes!(add_message))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    wiring::support::app(routes(), backend, agents)
}

/// Add a message to a ticket
///
/// Agents write as `agent` by default (internal notes with `visibility: internal`); callers with
/// an API key write as `customer` or `bot`, publicly.
#[utoipa::path(
    post,
    path = "/api/tickets/{id}/message",
    tag = "Tickets",
    params(("id" = String, Path, description = "Ticket id")),
    request_body = AddMessageRequest,
    responses(
        (status = 200, description = "The ticket with its timeline", body = TicketView),
        (status = 400, description = "A field is missing or invalid"),
        (status = 401, description = "No valid agent token or API key"),
        (status = 403, description = "An API key cannot write as an agent or an internal note"),
        (status = 404, description = "Ticket not found"),
        (status = 409, description = "The ticket is closed"),
    ),
    security(("cognito" = []), ("api_key" = []))
)]
async fn add_message(
    State(state): State<SupportState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<AddMessageRequest>,
) -> Result<Json<TicketView>, ApiError> {
    let id = TicketId::parse(&id).map_err(|_| ticket_not_found())?;
    if request.attachments.len() > limits::ATTACHMENTS {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            format!("at most {} attachments are allowed", limits::ATTACHMENTS),
        ));
    }
    let message = NewMessage {
        content: text_field("content", &request.content, limits::CONTENT_CHARS)?,
        sender_type: request.sender_type,
        agent_id: request.agent_id,
        visibility: request.visibility,
        attachments: request.attachments,
    };
    let added =
        usecases::tickets::add_message(&state.service, &caller.actor(), &id, message).await?;
    Ok(Json(added.into()))
}
