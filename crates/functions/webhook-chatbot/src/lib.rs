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
use domain::ticket::{
    Channel, CustomerId, MessageId, Priority, SenderType, Source, Ticket, TicketCustomer, TicketId,
    TicketStatus, TimelineEntry, Visibility, limits,
};
use http_kit::idempotency::key_reused;
use http_kit::{ApiError, ErrorKey, IdempotentJson};
use serde_json::json;
use store::tickets::{HandedOff, Handoff, NewTicket, TicketStore};
use usecases::clock::{now_ms, now_rfc3339, random_u64};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The tag every handed-off ticket carries.
pub const HANDOFF_TAG: &str = "chatbot_handoff";
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
) -> Result<Json<serde_json::Value>, ApiError> {
    let invalid = |text: String| ApiError::bad_request("invalid_field", text);
    let session = ChannelIdentity::parse(Channel::WebChat, &request.session_id)
        .map_err(|error| invalid(format!("session_id {error}")))?;
    let email = request
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
    let identity = match &email {
        Some(email) => ChannelIdentity::parse(Channel::WebChat, email)
            .map_err(|error| invalid(format!("customer_email {error}")))?,
        None => session.clone(),
    };
    let subject = domain::ticket::bounded_text(
        "subject",
        request.subject.as_deref().unwrap_or(DEFAULT_SUBJECT),
        limits::SUBJECT_CHARS,
    )
    .map_err(|error| invalid(error.to_string()))?;
    let mut tags = vec![HANDOFF_TAG.to_owned()];
    tags.extend(request.tags.iter().cloned());
    let tags = domain::ticket::normalise_tags(&tags).map_err(|error| invalid(error.to_string()))?;
    if request.transcript.len() > MAX_TRANSCRIPT_TURNS {
        return Err(invalid(format!(
            "transcript holds at most {MAX_TRANSCRIPT_TURNS} turns"
        )));
    }
    let content = match request.initial_message.trim() {
        "" => "The chatbot handed this conversation to an agent.".to_owned(),
        text => domain::ticket::bounded_text("initial_message", text, limits::CONTENT_CHARS)
            .map_err(|error| invalid(error.to_string()))?,
    };

    let now = now_rfc3339();
    let mut first_entry = TimelineEntry::message(
        MessageId::generate(random_u64()),
        &now,
        SenderType::Customer,
        Visibility::Public,
        content,
    );
    first_entry.channel_specific_data = json!({
        "session_id": session.handle,
        "lead_id": request.lead_id,
        "transcript": request.transcript,
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    let customer_id = CustomerId::generate(random_u64());
    let ticket = Ticket {
        ticket_id: TicketId::generate(random_u64()),
        created_at: now.clone(),
        updated_at: now,
        status: TicketStatus::New,
        priority: request.priority.unwrap_or(Priority::Medium),
        assigned_agent_id: None,
        tags,
        source: Source {
            channel: Channel::WebChat,
            origin_platform_id: Some(session.handle.clone()),
            is_bot_handoff: true,
            account_id: None,
        },
        customer: TicketCustomer {
            internal_id: customer_id.clone(),
            name: request.customer_name.filter(|name| !name.trim().is_empty()),
            primary_email: email,
            channel_identity: identity.handle.clone(),
        },
        subject,
        last_agent_message: None,
        message_count: 1,
    };
    let answer = |ticket_id: &TicketId, message: String| {
        json!(ChatbotHandoffResponse {
            success: true,
            message,
            ticket_id: ticket_id.to_string(),
        })
    };
    let created = answer(
        &ticket.ticket_id,
        format!(
            "Ticket #{} created. An agent will respond shortly.",
            ticket.ticket_id
        ),
    );
    let replay = idempotency.map(|given| {
        given
            .replay_key(&tenant, "webhook-chatbot", &session.handle)
            .remember(created.to_string(), now_ms())
    });
    let handoff = Handoff {
        opening: NewTicket {
            ticket,
            first_entry,
            identity,
            new_customer_id: customer_id,
        },
        session: session.handle.clone(),
        replay,
    };
    match state.service.hand_off(&tenant, handoff).await {
        Ok(HandedOff::Opened(_)) => {
            telemetry::count(telemetry::Figure::TicketsOpened, 1);
            telemetry::count(telemetry::Figure::MessagesIn, 1);
            Ok(Json(created))
        }
        Ok(HandedOff::AlreadyOpen(open)) => Ok(Json(answer(
            &open.ticket_id,
            format!(
                "Ticket #{} is already open for this conversation. An agent will respond shortly.",
                open.ticket_id
            ),
        ))),
        Ok(HandedOff::Repeated(stored)) => serde_json::from_str(&stored)
            .map(Json)
            .map_err(|error| ApiError::internal("A stored response could not be read", &error)),
        Ok(HandedOff::KeyReused) => Err(key_reused()),
        Err(error) => Err(ApiError::internal("Could not create the ticket", &error)),
    }
}
