//! The widget's two calls (seed 002), shared by the website routes (tenant key) and the dashboard
//! routes (agent token): open or resume a session, and send a message in it.

use axum::body::Bytes;
use contracts::chatbot::{ChatRequest, ChatResponse, SessionRequest, SessionResponse};
use domain::TenantId;
use domain::conversation::{ConversationKey, SessionId, chat_text};
use http_kit::catalogue::ErrorCode;
use http_kit::{ApiError, IdempotentJson};
use serde_json::Value;

use crate::conversation::{ChatError, Converse, converse, open_session};
use crate::views::session_response;
use crate::{ChatService, store_failure};

/// Opens or resumes a session. An empty body counts as `{}`: the widget's first call may send
/// nothing at all.
pub async fn session(
    service: &ChatService,
    tenant: &TenantId,
    body: &Bytes,
    caller_scope: &str,
    internal: bool,
) -> Result<SessionResponse, ApiError> {
    let request: SessionRequest = if body.iter().all(u8::is_ascii_whitespace) {
        SessionRequest::default()
    } else {
        http_kit::json::parse(body)?
    };
    let (conversation, session) =
        open_session(service, tenant, request.session_id.as_deref(), caller_scope).await?;
    let profile = service
        .tenants
        .profile(tenant)
        .await
        .map_err(store_failure)?;
    Ok(session_response(
        &session,
        &conversation.lead,
        &conversation.recent,
        &profile,
        internal,
    ))
}

/// A visitor's message in a session, answered by the assistant; both are stored. An
/// `Idempotency-Key` on `route` is scoped to the session.
pub async fn chat(
    service: &ChatService,
    tenant: &TenantId,
    route: &str,
    request: IdempotentJson<ChatRequest>,
    caller_scope: &str,
) -> Result<Value, ApiError> {
    let IdempotentJson { body: request, key } = request;
    let text = chat_text(&request.message)
        .map_err(|error| ApiError::new(ErrorCode::InvalidMessage, error.to_string()))?;
    let session = SessionId::parse(&request.session_id)
        .ok_or(ChatError::UnknownSession)
        .map_err(ChatError::into_api_error)?;
    let conversation = ConversationKey::Session(session.clone());
    // The same key in another session (another visitor of the tenant) is another key.
    let replay =
        key.map(|given| given.replay_key(tenant, route, conversation.lead_id(tenant).as_str()));
    let request = Converse {
        key: conversation,
        text,
        caller_scope: caller_scope.to_owned(),
        replay,
        channel_account: None,
    };
    converse(service, tenant, request, |lead, reply| {
        serde_json::json!(ChatResponse {
            message: reply.text.clone(),
            session_id: session.to_string(),
            is_lead_ready: lead.is_lead_ready,
        })
    })
    .await
    .map(|answer| answer.body)
    .map_err(ChatError::into_api_error)
}
