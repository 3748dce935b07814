//! `GET /users/{userId}/conversations`: a user's leads and every conversation id they hold
//! (seed 000). Another tenant's user answers 404, like a user nobody knows.

use auth::{Tenant, WithApiKeys};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use contracts::lead_capture::{LeadView, UserConversationsResponse};
use domain::lead::{UserId, all_conversation_ids};
use http_kit::catalogue::ErrorCode;
use http_kit::{ApiError, ErrorKey};
use store::leads::LeadStore;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This function's state: the lead store, and the API keys its callers present.
pub type AppState = WithApiKeys<LeadStore>;

/// The documented routes of this function, for its router and the OpenAPI document.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(user_conversations))
}

/// The function's router, with its clients built from `backend`.
pub fn app(backend: &store::Backend) -> Router {
    let state = WithApiKeys::new(backend, backend.leads());
    http_kit::finish(routes(), state, ErrorKey::Message)
}

/// A user's leads and conversations
#[utoipa::path(
    get,
    path = "/users/{userId}/conversations",
    tag = "Lead capture",
    params(("userId" = String, Path, description = "The chatbot client's user id")),
    responses(
        (status = 200, description = "The user's leads and conversation ids", body = UserConversationsResponse),
        (status = 400, description = "UserId is required"),
        (status = 401, description = "Missing or invalid API key"),
        (status = 404, description = "No leads found for this userId"),
    ),
    security(("api_key" = []), ("bearer" = []))
)]
async fn user_conversations(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    Path(user_id): Path<String>,
) -> Result<Json<UserConversationsResponse>, ApiError> {
    let user = UserId::parse(&user_id).map_err(|error| match error {
        domain::text::IdentifierError::Empty => {
            ApiError::new(ErrorCode::MissingUserId, "UserId is required")
        }
        other => ApiError::new(ErrorCode::InvalidUserId, format!("userId {other}")),
    })?;
    let leads = state
        .service
        .leads_of_user(&tenant, &user)
        .await
        .map_err(|error| ApiError::internal("Error retrieving user conversations", &error))?;
    if leads.is_empty() {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "No leads found for this userId",
        ));
    }
    let all_conversation_ids = all_conversation_ids(&leads)
        .into_iter()
        .map(|id| id.to_string())
        .collect();
    Ok(Json(UserConversationsResponse {
        user_id: user.to_string(),
        leads: leads.into_iter().map(LeadView::from).collect(),
        all_conversation_ids,
    }))
}
