//! `POST /leads`: captures a lead from a chatbot's lead form (seed 000). One lead per tenant and
//! user id: capturing again for a known user brings that lead up to date.

use auth::{Tenant, WithApiKeys};
use axum::Json;
use axum::Router;
use axum::extract::State;
use contracts::lead_capture::{CaptureLeadRequest, CaptureLeadResponse};
use domain::lead::{ConversationId, LeadDataError, LeadDetails, LeadId, UserId};
use http_kit::catalogue::ErrorCode;
use http_kit::{ApiError, ErrorKey, JsonBody};
use store::leads::{LeadStore, NewLeadIds};
use usecases::clock::{now_ms, random_u64};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This function's state: the lead store, and the API keys its callers present.
pub type AppState = WithApiKeys<LeadStore>;

/// The documented routes of this function, for its router and the OpenAPI document.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(capture_lead))
}

/// The function's router, with its clients built from `backend`.
pub fn app(backend: &store::Backend) -> Router {
    let state = WithApiKeys::new(backend, backend.leads());
    http_kit::finish(routes(), state, ErrorKey::Message)
}

/// Capture a lead
#[utoipa::path(
    post,
    path = "/leads",
    tag = "Lead capture",
    request_body = CaptureLeadRequest,
    responses(
        (status = 200, description = "Lead captured successfully", body = CaptureLeadResponse),
        (status = 400, description = "Missing required lead data, or a field is invalid"),
        (status = 401, description = "Missing or invalid API key"),
    ),
    security(("api_key" = []), ("bearer" = []))
)]
async fn capture_lead(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    JsonBody(request): JsonBody<CaptureLeadRequest>,
) -> Result<Json<CaptureLeadResponse>, ApiError> {
    let fields = request.lead_data.ok_or_else(missing_lead_data)?;
    let details = LeadDetails::from_fields(fields).map_err(|error| match error {
        LeadDataError::MissingEmail => missing_lead_data(),
        other => ApiError::new(ErrorCode::InvalidLeadData, other.to_string()),
    })?;
    let conversation = request
        .conversation_id
        .map(|raw| {
            ConversationId::parse(&raw).map_err(|error| {
                ApiError::new(
                    ErrorCode::InvalidConversationId,
                    format!("conversationId {error}"),
                )
            })
        })
        .transpose()?;
    let now = now_ms();
    let user = details
        .user_id
        .clone()
        .unwrap_or_else(|| UserId::generate(now, random_u64()));
    let ids = NewLeadIds {
        lead_id: LeadId::generate(now, random_u64()),
        now_ms: now,
    };
    let lead = state
        .service
        .capture(&tenant, &user, &details, conversation.as_ref(), &ids)
        .await
        .map_err(|error| ApiError::internal("Error processing lead", &error))?;
    if lead.lead_id == ids.lead_id {
        telemetry::count(telemetry::Figure::LeadsCaptured, 1);
    }
    Ok(Json(CaptureLeadResponse {
        message: "Lead captured successfully",
        lead_id: lead.lead_id.to_string(),
        user_id: user.to_string(),
        conversation_id: conversation.map(|id| id.to_string()),
    }))
}

fn missing_lead_data() -> ApiError {
    ApiError::new(ErrorCode::MissingLeadData, "Missing required lead data")
}
