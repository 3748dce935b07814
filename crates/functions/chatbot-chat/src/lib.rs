//! `POST /api/chatbot/chat`: a website visitor's message in a widget session (seed 002). The
//! message and the reply are stored on the session's lead, whose intent, contact details and
//! readiness follow the whole conversation.

use auth::{AgentAuth, KeyCaller};
use axum::extract::State;
use axum::{Json, Router};
use chat_kit::{AppState, ChatService};
use contracts::chatbot::{ChatRequest, ChatResponse};
use http_kit::{ApiError, ErrorKey, IdempotentJson};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(chat))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    chat_kit::app(routes(), ErrorKey::Error, backend, agents, service)
}

/// Send a message in a widget session
///
/// Send an `Idempotency-Key` header to make retries safe: a retry with the same key gets the
/// first answer and stores nothing twice.
#[utoipa::path(
    post,
    path = "/api/chatbot/chat",
    tag = "Chatbot widget",
    request_body = ChatRequest,
    params(http_kit::idempotency::IdempotencyKeyHeader),
    responses(
        (status = 200, description = "The assistant's reply", body = ChatResponse),
        (status = 400, description = "The message is missing, empty or too long"),
        (status = 401, description = "Missing or invalid API key"),
        (status = 403, description = "Invalid or expired session"),
        (status = 429, description = "Too many messages; see Retry-After"),
        (status = 422, description = "The Idempotency-Key was used for a different request"),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
async fn chat(
    State(state): State<AppState>,
    KeyCaller(grant): KeyCaller,
    request: IdempotentJson<ChatRequest>,
) -> Result<Json<Value>, ApiError> {
    let scope = grant.scope();
    chat_kit::widget::chat(
        &state.service,
        &grant.tenant,
        "chatbot-chat",
        request,
        &scope,
    )
    .await
    .map(Json)
}
