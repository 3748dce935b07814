//! `POST /api/v1/chat/respond`: the assistant's reply to a visitor (seed 001). Every message of
//! one visitor (tenant, source, user id) joins the same conversation and the same lead, whose
//! intent is scored from the whole conversation.

use auth::{AgentAuth, KeyCaller};
use axum::extract::State;
use axum::{Json, Router};
use contracts::lead_chat::{ChatRespondRequest, ChatRespondResponse};
use domain::lead::{LeadSource, UserId};
use http_kit::catalogue::ErrorCode;
use http_kit::{ApiError, ErrorKey, IdempotentJson};
use serde_json::{Value, json};
use usecases::conversations::Message;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::chat::{ChatService, ChatState};

pub fn routes() -> OpenApiRouter<ChatState> {
    OpenApiRouter::new().routes(routes!(respond))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    wiring::chat::app(routes(), ErrorKey::Detail, backend, agents, service)
}

/// Reply to a visitor's message
///
/// Send an `Idempotency-Key` header to make retries safe: a retry with the same key gets the
/// first answer and stores nothing twice.
#[utoipa::path(
    post,
    path = "/api/v1/chat/respond",
    tag = "Chat",
    request_body = ChatRespondRequest,
    params(http_kit::idempotency::IdempotencyKeyHeader),
    responses(
        (status = 200, description = "The assistant's reply and the conversation's intent", body = ChatRespondResponse),
        (status = 400, description = "A field is missing or invalid"),
        (status = 401, description = "Missing or invalid API key"),
        (status = 429, description = "Too many messages; see Retry-After"),
        (status = 422, description = "The Idempotency-Key was used for a different request"),
    ),
    security(("api_key" = []), ("bearer" = []))
)]
async fn respond(
    State(state): State<ChatState>,
    KeyCaller(grant): KeyCaller,
    IdempotentJson { body, key }: IdempotentJson<ChatRespondRequest>,
) -> Result<Json<Value>, ApiError> {
    let source = chat_source(&body.source)?;
    let user_id = UserId::parse(&body.user_id)
        .map_err(|error| ApiError::new(ErrorCode::InvalidUserId, format!("user_id {error}")))?;
    let message = Message::from_visitor(
        &grant.tenant,
        "chat-respond",
        source,
        user_id,
        &body.message,
        key.as_ref(),
        grant.scope(),
    )?;
    let answer = state
        .service
        .converse(&grant.tenant, message, |lead, reply| {
            json!(ChatRespondResponse::of(lead, reply))
        })
        .await?;
    Ok(Json(answer.body))
}

/// The channels a visitor can chat from (seed 001's sources, and Messenger).
fn chat_source(raw: &str) -> Result<LeadSource, ApiError> {
    const CHAT_SOURCES: [LeadSource; 4] = [
        LeadSource::Website,
        LeadSource::Whatsapp,
        LeadSource::Instagram,
        LeadSource::Messenger,
    ];
    LeadSource::parse(raw)
        .ok()
        .filter(|source| CHAT_SOURCES.contains(source))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidSource,
                format!(
                    "unknown source '{raw}'; expected one of: {}",
                    CHAT_SOURCES.map(LeadSource::as_str).join(", ")
                ),
            )
        })
}
