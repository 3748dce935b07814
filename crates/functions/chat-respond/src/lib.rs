//! `POST /api/v1/chat/respond`: the assistant's reply to a visitor (seed 001). Every message of
//! one visitor (tenant, source, user id) joins the same conversation and the same lead, whose
//! intent is scored from the whole conversation.

use auth::{AgentAuth, KeyCaller};
use axum::extract::State;
use axum::{Json, Router};
use chat_kit::conversation::Converse;
use chat_kit::{AppState, ChatService, converse};
use contracts::lead_chat::{ChatRespondRequest, ChatRespondResponse};
use domain::conversation::{ConversationKey, chat_text};
use domain::lead::{LeadSource, UserId};
use http_kit::catalogue::ErrorCode;
use http_kit::{ApiError, ErrorKey, IdempotentJson};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(respond))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    chat_kit::app(routes(), ErrorKey::Detail, backend, agents, service)
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
    State(state): State<AppState>,
    KeyCaller(grant): KeyCaller,
    IdempotentJson {
        body: request,
        key: idempotency,
    }: IdempotentJson<ChatRespondRequest>,
) -> Result<Json<Value>, ApiError> {
    let text = chat_text(&request.message)
        .map_err(|error| ApiError::new(ErrorCode::InvalidMessage, error.to_string()))?;
    let source = chat_source(&request.source)?;
    let user_id = UserId::parse(&request.user_id)
        .map_err(|error| ApiError::new(ErrorCode::InvalidUserId, format!("user_id {error}")))?;
    let tenant = grant.tenant.clone();
    let key = ConversationKey::Visitor { source, user_id };
    // The same key from another visitor of the tenant is another key.
    let replay = idempotency
        .map(|given| given.replay_key(&tenant, "chat-respond", key.lead_id(&tenant).as_str()));
    let request = Converse {
        key,
        text,
        caller_scope: grant.scope(),
        replay,
        channel_account: None,
    };
    converse(&state.service, &tenant, request, |lead, reply| {
        serde_json::json!(ChatRespondResponse {
            response: reply.text.clone(),
            intent: reply.intent,
            follow_up: reply.follow_up,
            lead_id: lead.lead_id.to_string(),
        })
    })
    .await
    .map(|answer| Json(answer.body))
    .map_err(chat_kit::ChatError::into_api_error)
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
