//! `POST /api/tickets/{id}/message`: adds a message to a ticket's timeline; a customer writing on
//! a resolved ticket reopens it (seed 004).

use auth::{AgentAuth, Caller};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use contracts::tickets::{AddMessageRequest, TicketView};
use domain::ticket::{
    MessageId, SenderType, Ticket, TimelineEntry, Visibility, limits, status_after_message,
};
use http_kit::{ApiError, JsonBody};
use store::tickets::TicketChange;
use support_kit::{AppState, CONTENT_CHARS, changed, event, text_field, ticket_id, ticket_view};
use usecases::clock::{now_rfc3339, random_u64};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(add_message))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    support_kit::app(routes(), backend, agents)
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
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<AddMessageRequest>,
) -> Result<Json<TicketView>, ApiError> {
    let id = ticket_id(&id)?;
    let content = text_field("content", &request.content, CONTENT_CHARS)?;
    if request.attachments.len() > limits::ATTACHMENTS {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("at most {} attachments are allowed", limits::ATTACHMENTS),
        ));
    }
    let (sender_type, agent_id) = match caller.agent() {
        Some(agent) => (
            request.sender_type.unwrap_or(SenderType::Agent),
            Some(request.agent_id.clone().unwrap_or_else(|| agent.id.clone())),
        ),
        None => {
            let sender = request.sender_type.unwrap_or(SenderType::Customer);
            if !matches!(sender, SenderType::Customer | SenderType::Bot)
                || request.visibility == Visibility::Internal
            {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "With an API key, messages are written as customer or bot, publicly; agents sign in",
                ));
            }
            (sender, None)
        }
    };
    if sender_type == SenderType::System {
        return Err(ApiError::bad_request(
            "invalid_field",
            "sender_type 'system' is reserved for events the help desk logs",
        ));
    }
    let agent_id = agent_id.filter(|_| sender_type == SenderType::Agent);
    let decide = |ticket: &Ticket| -> Result<TicketChange, ApiError> {
        let now = now_rfc3339();
        let status = status_after_message(ticket.status, sender_type, request.visibility).map_err(
            |closed| ApiError::new(StatusCode::CONFLICT, "ticket_closed", closed.to_string()),
        )?;
        let mut message = TimelineEntry::message(
            MessageId::generate(random_u64()),
            &now,
            sender_type,
            request.visibility,
            content.clone(),
        );
        message.agent_id = agent_id.clone();
        message.attachments = request.attachments.clone();
        let mut entries = vec![message];
        if let Some(next) = status {
            entries.push(event(&now, Ticket::status_event(ticket.status, next), None));
        }
        Ok(TicketChange {
            status,
            entries,
            updated_at: now,
            ..TicketChange::default()
        })
    };
    let outcome = state.service.change(caller.tenant(), &id, decide).await;
    let view = ticket_view(changed(outcome)?, &caller);
    match (sender_type, request.visibility) {
        (SenderType::Customer, _) => telemetry::count(telemetry::Figure::MessagesIn, 1),
        (SenderType::Agent | SenderType::Bot, Visibility::Public) => {
            telemetry::count(telemetry::Figure::MessagesOut, 1);
        }
        _ => {}
    }
    Ok(Json(view))
}
