//! `GET /api/v1/analytics/summary`: a tenant's lead analytics (seed 001), every figure real. One
//! `BatchGetItem` of running counters that each lead write moves in its own transaction, so the
//! summary costs the same for ten leads as for ten million and matches a recount exactly.

use auth::{AgentAuth, Caller};
use axum::extract::State;
use axum::{Json, Router};
use contracts::lead_chat::AnalyticsSummary;
use http_kit::outcomes::store_failure;
use http_kit::{ApiError, ErrorKey};
use usecases::leads;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::chat::{ChatService, ChatState};

pub fn routes() -> OpenApiRouter<ChatState> {
    OpenApiRouter::new().routes(routes!(analytics_summary))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    wiring::chat::app(routes(), ErrorKey::Detail, backend, agents, service)
}

/// Lead analytics summary
#[utoipa::path(
    get,
    path = "/api/v1/analytics/summary",
    tag = "Analytics",
    responses(
        (status = 200, description = "Counts, average reply time and conversion rate", body = AnalyticsSummary),
        (status = 401, description = "No valid API key or agent token"),
    ),
    security(("api_key" = []), ("bearer" = []), ("cognito" = []))
)]
async fn analytics_summary(
    State(state): State<ChatState>,
    caller: Caller,
) -> Result<Json<AnalyticsSummary>, ApiError> {
    let tally = leads::figures(&state.service.conversations, caller.tenant())
        .await
        .map_err(|error| store_failure(error, "analytics"))?;
    Ok(Json(AnalyticsSummary::from(&tally)))
}
