//! `POST /api/chatbot/session/internal`: starts or resumes a widget session for a signed-in agent
//! trying the assistant from the dashboard (seed 002). The session is the agent's tenant's.

use auth::{Agent, AgentAuth};
use axum::body::Bytes;
use axum::extract::State;
use axum::{Json, Router};
use contracts::chatbot::{SessionRequest, SessionResponse};
use http_kit::{ApiError, ErrorKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::chat::{ChatService, ChatState};

pub fn routes() -> OpenApiRouter<ChatState> {
    OpenApiRouter::new().routes(routes!(open_internal_session))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    wiring::chat::app(routes(), ErrorKey::Error, backend, agents, service)
}

/// Start or resume a widget session
#[utoipa::path(
    post,
    path = "/api/chatbot/session/internal",
    tag = "Chatbot widget",
    request_body(
        content = Option<SessionRequest>,
        description = "The session to resume; an empty body (or none) starts a new one"
    ),
    responses(
        (status = 200, description = "The session, with its conversation so far", body = SessionResponse),
        (status = 400, description = "The body is not JSON, or `sessionId` is not a string"),
        (status = 413, description = "The body is larger than 64 KiB"),
        (status = 401, description = "No valid agent token"),
        (status = 403, description = "Session does not belong to this tenant"),
        (status = 429, description = "Too many new sessions; see Retry-After"),
    ),
    security(("cognito" = []))
)]
async fn open_internal_session(
    State(state): State<ChatState>,
    agent: Agent,
    body: Bytes,
) -> Result<Json<SessionResponse>, ApiError> {
    let request: SessionRequest = http_kit::json::parse_or_default(&body)?;
    let opened = state
        .service
        .open_session(&agent.tenant, request.session_id.as_deref(), &agent.scope())
        .await?;
    Ok(Json(SessionResponse::of(&opened, true)))
}
