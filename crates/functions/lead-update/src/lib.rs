//! `PATCH /api/v1/lead/{lead_id}`: an agent moves a lead along the pipeline (`new`, `contacted`,
//! `qualified`, `converted`, seed 002's statuses). Read, decide, and write conditioned on the lead
//! not having changed, with the analytics change in the same transaction.

use auth::{Agent, AgentAuth};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::{Json, Router};
use contracts::lead_chat::{LeadResponse, UpdateLeadRequest};
use domain::lead::{LeadId, LeadStatus};
use http_kit::catalogue::ErrorCode;
use http_kit::etag::{if_match_versions, version_tag};
use http_kit::{ApiError, ErrorKey, JsonBody};
use usecases::leads;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::chat::{ChatService, ChatState};

pub fn routes() -> OpenApiRouter<ChatState> {
    OpenApiRouter::new().routes(routes!(update_lead))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    wiring::chat::app(routes(), ErrorKey::Detail, backend, agents, service)
}

/// Change a lead's pipeline status
#[utoipa::path(
    patch,
    path = "/api/v1/lead/{lead_id}",
    tag = "Leads",
    params(
        ("lead_id" = String, Path, description = "Lead id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the lead was read with: the change is made only while the lead is still that version (else 412)"),
    ),
    request_body = UpdateLeadRequest,
    responses(
        (status = 200, description = "The lead as it is now, with its new `ETag`", body = LeadResponse,
            headers(("ETag" = String, description = "The lead's version"))),
        (status = 400, description = "Unknown status"),
        (status = 401, description = "No valid agent token"),
        (status = 404, description = "Lead not found"),
        (status = 412, description = "`If-Match` names a version the lead is no longer at"),
    ),
    security(("cognito" = []))
)]
async fn update_lead(
    State(state): State<ChatState>,
    agent: Agent,
    Path(lead_id): Path<String>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<UpdateLeadRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let status = LeadStatus::parse(request.status.trim())
        .map_err(|error| ApiError::new(ErrorCode::InvalidStatus, error.to_string()))?;
    let seen = if_match_versions(&headers)?;
    let lead_id = LeadId::from_stored(lead_id);
    let moved = leads::move_lead(
        &state.service.conversations,
        &agent.tenant,
        &lead_id,
        status,
        seen.as_deref(),
    )
    .await?;
    let tag = version_tag(moved.version().unwrap_or_default());
    Ok(([(header::ETAG, tag)], Json(LeadResponse::from(moved))))
}
