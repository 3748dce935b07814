//! `POST /api/chatbot/session`: starts or resumes a website widget session with the tenant's key
//! (seed 002). A live session of the tenant resumes with its history; an unknown or expired one
//! gives way to a new session with its own lead.

use auth::{AgentAuth, KeyCaller};
use axum::body::Bytes;
use axum::extract::State;
use axum::{Json, Router};
use contracts::chatbot::{SessionRequest, SessionResponse};
use http_kit::{ApiError, ErrorKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::chat::{ChatService, ChatState};

pub fn routes() -> OpenApiRouter<ChatState> {
    OpenApiRouter::new().routes(routes!(open_session))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    wiring::chat::app(routes(), ErrorKey::Error, backend, agents, service)
}

/// Start or resume a widget session
#[utoipa::path(
    post,
    path = "/api/chatbot/session",
    tag = "Chatbot widget",
    request_body(
        content = Option<SessionRequest>,
        description = "The session to resume; an empty body (or none) starts a new one"
    ),
    responses(
        (status = 200, description = "The session, with its conversation so far", body = SessionResponse),
        (status = 400, description = "The body is not JSON, or `sessionId` is not a string"),
        (status = 413, description = "The body is larger than 64 KiB"),
        (status = 401, description = "Missing or invalid API key"),
        (status = 403, description = "Session does not belong to this tenant"),
        (status = 429, description = "Too many new sessions; see Retry-After"),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
async fn open_session(
    State(state): State<ChatState>,
    KeyCaller(grant): KeyCaller,
    body: Bytes,
) -> Result<Json<SessionResponse>, ApiError> {
    let request: SessionRequest = http_kit::json::parse_or_default(&body)?;
    let opened = state
        .service
        .open_session(&grant.tenant, request.session_id.as_deref(), &grant.scope())
        .await?;
    Ok(Json(SessionResponse::of(&opened, false)))
}
