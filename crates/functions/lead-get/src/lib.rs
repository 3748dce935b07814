//! `GET /api/v1/lead/{lead_id}`: a lead with its latest messages (seed 001). A lead that does not
//! exist, or is another tenant's, is a 404 (the original answered 500).

use auth::{AgentAuth, Caller};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::{Json, Router};
use contracts::lead_chat::LeadResponse;
use domain::lead::LeadId;
use http_kit::etag::version_tag;
use http_kit::{ApiError, ErrorKey};
use usecases::leads;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::chat::{ChatService, ChatState};

pub fn routes() -> OpenApiRouter<ChatState> {
    OpenApiRouter::new().routes(routes!(get_lead))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    wiring::chat::app(routes(), ErrorKey::Detail, backend, agents, service)
}

/// Get a lead
#[utoipa::path(
    get,
    path = "/api/v1/lead/{lead_id}",
    tag = "Leads",
    params(("lead_id" = String, Path, description = "Lead id")),
    responses(
        (status = 200, description = "The lead with its latest 200 messages; its `ETag` is the lead's version, for `If-Match` on a change", body = LeadResponse,
            headers(("ETag" = String, description = "The lead's version"))),
        (status = 304, description = "Not modified since the `If-None-Match` version"),
        (status = 401, description = "No valid API key or agent token"),
        (status = 404, description = "Lead not found"),
    ),
    security(("api_key" = []), ("bearer" = []), ("cognito" = []))
)]
async fn get_lead(
    State(state): State<ChatState>,
    caller: Caller,
    Path(lead_id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let lead_id = LeadId::from_stored(lead_id);
    let read = leads::read_lead(&state.service.conversations, caller.tenant(), &lead_id).await?;
    let tag = version_tag(read.version().unwrap_or_default());
    Ok(([(header::ETAG, tag)], Json(LeadResponse::from(read))))
}
