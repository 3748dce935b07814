//! `POST /api/webhooks/chatbot` (seed 004): a chatbot hands a conversation to a human. The
//! ticket is tagged `chatbot_handoff` and carries the bot's transcript and the lead it produced;
//! the bot then polls `GET /api/tickets/{id}/status` for the agent's reply. A session has one
//! handoff ticket at a time: handing it off again while that ticket is worked on answers with
//! it, so a widget retrying after a lost answer never opens a second ticket.

use auth::{Tenant, WithApiKeys};
use axum::Json;
use axum::Router;
use axum::extract::State;
use contracts::webhooks::{ChatbotHandoffRequest, ChatbotHandoffResponse};
use domain::Email;
use domain::customer::ChannelIdentity;
use domain::ticket::{Channel, Priority, Ticket, limits};
use http_kit::params::{tags, text_field};
use http_kit::{ApiError, ErrorCode, ErrorKey, IdempotentJson};
use serde_json::json;
use store::tickets::TicketStore;
use usecases::tickets::{HandedOff, Handoff, hand_off as handing_off};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const DEFAULT_SUBJECT: &str = "Chatbot escalation";
/// Bounds on the transcript kept on the ticket (the body cap bounds it too).
const MAX_TRANSCRIPT_TURNS: usize = 200;

pub type AppState = WithApiKeys<TicketStore>;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(hand_off))
}

pub fn app(backend: &store::Backend) -> Router {
    let state = WithApiKeys::new(backend, backend.tickets());
    http_kit::finish(routes(), state, ErrorKey::Detail)
}

/// Hand a chatbot conversation to a human
#[utoipa::path(
    post,
    path = "/api/webhooks/chatbot",
    tag = "Webhooks",
    request_body = ChatbotHandoffRequest,
    params(http_kit::idempotency::IdempotencyKeyHeader),
    responses(
        (status = 200, description = "Ticket created, or the session's handoff ticket that is still open", body = ChatbotHandoffResponse),
        (status = 400, description = "A field is missing or invalid"),
        (status = 401, description = "Missing or invalid API key"),
        (status = 422, description = "The Idempotency-Key was used for a different request"),
    ),
    security(("api_key" = []), ("bearer" = []))
)]
async fn hand_off(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    IdempotentJson {
        body: request,
        key: idempotency,
    }: IdempotentJson<ChatbotHandoffRequest>,
) -> Result<Json<ChatbotHandoffResponse>, ApiError> {
    let invalid = |text: String| ApiError::new(ErrorCode::InvalidField, text);
    let session = ChannelIdentity::parse(Channel::WebChat, &request.session_id)
        .map_err(|error| invalid(format!("session_id {error}")))?;
    let primary_email = request
        .customer_email
        .as_deref()
        .filter(|email| !email.trim().is_empty())
        .map(|raw| {
            Email::parse(raw)
                .map(String::from)
                .map_err(|_| invalid("customer_email is not a valid email address".to_owned()))
        })
        .transpose()?;
    // Seed 004 keys the customer by their email when the bot knows it, else by the session.
    let identity = match &primary_email {
        Some(email) => ChannelIdentity::parse(Channel::WebChat, email)
            .map_err(|error| invalid(format!("customer_email {error}")))?,
        None => session.clone(),
    };
    if request.transcript.len() > MAX_TRANSCRIPT_TURNS {
        return Err(invalid(format!(
            "transcript holds at most {MAX_TRANSCRIPT_TURNS} turns"
        )));
    }
    let message = match request.initial_message.trim() {
        "" => "The chatbot handed this conversation to an agent.".to_owned(),
        text => text_field("initial_message", text, limits::CONTENT_CHARS)?,
    };
    let handoff = Handoff {
        replay: idempotency
            .map(|given| given.replay_key(&tenant, "webhook-chatbot", &session.handle)),
        channel_data: json!({
            "session_id": session.handle,
            "lead_id": request.lead_id,
            "transcript": request.transcript,
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
        session,
        identity,
        name: request.customer_name.filter(|name| !name.trim().is_empty()),
        primary_email,
        subject: text_field(
            "subject",
            request.subject.as_deref().unwrap_or(DEFAULT_SUBJECT),
            limits::SUBJECT_CHARS,
        )?,
        priority: request.priority.unwrap_or(Priority::Medium),
        tags: tags(&request.tags)?,
        message,
    };
    let created = |ticket: &Ticket| {
        answer(
            ticket,
            format!(
                "Ticket #{} created. An agent will respond shortly.",
                ticket.ticket_id
            ),
        )
    };
    let rendered = |ticket: &Ticket| serde_json::to_string(&created(ticket)).unwrap_or_default();
    Ok(Json(
        match handing_off(&state.service, &state.service, &tenant, handoff, rendered).await? {
            HandedOff::Opened(ticket) => created(&ticket),
            HandedOff::AlreadyOpen(open) => answer(
                &open,
                format!(
                    "Ticket #{} is already open for this conversation. An agent will respond shortly.",
                    open.ticket_id
                ),
            ),
            HandedOff::Repeated(stored) => serde_json::from_str(&stored).map_err(|error| {
                ApiError::internal("A stored response could not be read", &error)
            })?,
        },
    ))
}

fn answer(ticket: &Ticket, message: String) -> ChatbotHandoffResponse {
    ChatbotHandoffResponse {
        success: true,
        message,
        ticket_id: ticket.ticket_id.to_string(),
    }
}
