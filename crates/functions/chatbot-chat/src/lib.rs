//! `POST /api/chatbot/chat`: a website visitor's message in a widget session (seed 002). The
//! message and the reply are stored on the session's lead, whose intent, contact details and
//! readiness follow the whole conversation.

use auth::{AgentAuth, KeyCaller};
use axum::extract::State;
use axum::{Json, Router};
use contracts::chatbot::{ChatRequest, ChatResponse};
use http_kit::{ApiError, ErrorKey, IdempotentJson};
use serde_json::{Value, json};
use usecases::conversations::Message;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::chat::{ChatService, ChatState};

pub fn routes() -> OpenApiRouter<ChatState> {
    OpenApiRouter::new().routes(routes!(chat))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    wiring::chat::app(routes(), ErrorKey::Error, backend, agents, service)
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
    State(state): State<ChatState>,
    KeyCaller(grant): KeyCaller,
    IdempotentJson { body, key }: IdempotentJson<ChatRequest>,
) -> Result<Json<Value>, ApiError> {
    let (message, session) = Message::in_session(
        &grant.tenant,
        "chatbot-chat",
        &body.session_id,
        &body.message,
        key.as_ref(),
        grant.scope(),
    )?;
    let answer = state
        .service
        .converse(&grant.tenant, message, |lead, reply| {
            json!(ChatResponse::of(lead, reply, &session))
        })
        .await?;
    Ok(Json(answer.body))
}
