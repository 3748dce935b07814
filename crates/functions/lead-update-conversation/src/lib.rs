//! `POST /leads/update-conversation`: adds a chatbot conversation to a user's lead, creating a
//! placeholder lead for a user seen for the first time (seed 000).

use auth::{Tenant, WithApiKeys};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use contracts::lead_capture::{UpdateConversationRequest, UpdateConversationResponse};
use domain::lead::{ConversationId, ConversationTracking, LeadId, UserId};
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
    OpenApiRouter::new().routes(routes!(update_conversation))
}

/// The function's router, with its clients built from `backend`.
pub fn app(backend: &store::Backend) -> Router {
    let state = WithApiKeys::new(backend, backend.leads());
    http_kit::finish(routes(), state, ErrorKey::Message)
}

/// Track a conversation for a user
#[utoipa::path(
    post,
    path = "/leads/update-conversation",
    tag = "Lead capture",
    request_body = UpdateConversationRequest,
    responses(
        (status = 201, description = "New lead created with conversation ID", body = UpdateConversationResponse),
        (status = 200, description = "Lead updated with new conversation ID, or conversation already tracked", body = UpdateConversationResponse),
        (status = 400, description = "Both userId and conversationId are required"),
        (status = 401, description = "Missing or invalid API key"),
    ),
    security(("api_key" = []), ("bearer" = []))
)]
async fn update_conversation(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    JsonBody(request): JsonBody<UpdateConversationRequest>,
) -> Result<(StatusCode, Json<UpdateConversationResponse>), ApiError> {
    let (Some(user), Some(conversation)) = (request.user_id, request.conversation_id) else {
        return Err(both_required());
    };
    let user = UserId::parse(&user).map_err(|error| match error {
        domain::text::IdentifierError::Empty => both_required(),
        other => ApiError::new(ErrorCode::InvalidUserId, format!("userId {other}")),
    })?;
    let conversation = ConversationId::parse(&conversation).map_err(|error| match error {
        domain::text::IdentifierError::Empty => both_required(),
        other => ApiError::new(
            ErrorCode::InvalidConversationId,
            format!("conversationId {other}"),
        ),
    })?;
    let now = now_ms();
    let ids = NewLeadIds {
        lead_id: LeadId::generate(now, random_u64()),
        now_ms: now,
    };
    let (tracking, lead) = state
        .service
        .track_conversation(&tenant, &user, &conversation, &ids)
        .await
        .map_err(|error| ApiError::internal("Error updating lead conversation", &error))?;
    let (status, message) = match tracking {
        ConversationTracking::CreatedLead => {
            telemetry::count(telemetry::Figure::LeadsCaptured, 1);
            (StatusCode::CREATED, "New lead created with conversation ID")
        }
        ConversationTracking::Added => (StatusCode::OK, "Lead updated with new conversation ID"),
        ConversationTracking::AlreadyTracked => {
            (StatusCode::OK, "Conversation already tracked for this lead")
        }
    };
    Ok((
        status,
        Json(UpdateConversationResponse {
            message,
            lead: lead.into(),
        }),
    ))
}

fn both_required() -> ApiError {
    ApiError::new(
        ErrorCode::MissingFields,
        "Both userId and conversationId are required",
    )
}
