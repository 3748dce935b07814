//! `PATCH /api/v1/lead/{lead_id}`: an agent moves a lead along the pipeline (`new`, `contacted`,
//! `qualified`, `converted`, seed 002's statuses). Read, decide, and write conditioned on the lead
//! not having changed, with the analytics change in the same transaction.

use auth::{Agent, AgentAuth};
use axum::extract::{Path, State};
use axum::{Json, Router};
use chat_kit::conversation::SHOWN_MESSAGES;
use chat_kit::views::lead_response;
use chat_kit::{AppState, ChatService, lead_not_found, store_failure};
use contracts::lead_chat::{LeadResponse, UpdateLeadRequest};
use domain::lead::{LeadId, LeadStatus};
use http_kit::catalogue::ErrorCode;
use http_kit::{ApiError, ErrorKey, JsonBody};
use store::conversations::{LeadWrite, Lookup, Saved};
use usecases::clock::now_ms;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(update_lead))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    chat_kit::app(routes(), ErrorKey::Detail, backend, agents, service)
}

/// Change a lead's pipeline status
#[utoipa::path(
    patch,
    path = "/api/v1/lead/{lead_id}",
    tag = "Leads",
    params(("lead_id" = String, Path, description = "Lead id")),
    request_body = UpdateLeadRequest,
    responses(
        (status = 200, description = "The lead as it is now", body = LeadResponse),
        (status = 400, description = "Unknown status"),
        (status = 401, description = "No valid agent token"),
        (status = 404, description = "Lead not found"),
    ),
    security(("cognito" = []))
)]
async fn update_lead(
    State(state): State<AppState>,
    agent: Agent,
    Path(lead_id): Path<String>,
    JsonBody(request): JsonBody<UpdateLeadRequest>,
) -> Result<Json<LeadResponse>, ApiError> {
    let status = LeadStatus::parse(request.status.trim())
        .map_err(|error| ApiError::new(ErrorCode::InvalidStatus, error.to_string()))?;
    let lead_id = LeadId::from_stored(lead_id);
    let leads = &state.service.leads;
    let mut retries = usecases::retry::Retries::default();
    loop {
        let read = match leads
            .conversation(&agent.tenant, &lead_id, SHOWN_MESSAGES)
            .await
            .map_err(store_failure)?
        {
            Lookup::Found(read) => *read,
            Lookup::Missing | Lookup::OtherTenant => return Err(lead_not_found()),
        };
        if read.lead.status == status {
            return Ok(Json(lead_response(read.lead, &read.recent)));
        }
        let mut lead = read.lead.clone();
        lead.status = status;
        lead.updated_at = now_ms().max(lead.updated_at);
        match leads
            .save(
                &agent.tenant,
                &read,
                LeadWrite::lead(lead.clone(), &read),
                &mut retries,
            )
            .await
            .map_err(store_failure)?
        {
            Saved::Done => return Ok(Json(lead_response(lead, &read.recent))),
            _ => retries
                .pause()
                .await
                .map_err(|error| store_failure(error.into()))?,
        }
    }
}
