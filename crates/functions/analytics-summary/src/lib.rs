//! `GET /api/v1/analytics/summary`: a tenant's lead analytics (seed 001), every figure real. One
//! `BatchGetItem` of running counters that each lead write moves in its own transaction, so the
//! summary costs the same for ten leads as for ten million and matches a recount exactly.

use auth::{AgentAuth, Caller};
use axum::extract::State;
use axum::{Json, Router};
use chat_kit::{AppState, ChatService, store_failure};
use contracts::lead_chat::AnalyticsSummary;
use http_kit::{ApiError, ErrorKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(analytics_summary))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    chat_kit::app(routes(), ErrorKey::Detail, backend, agents, service)
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
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<AnalyticsSummary>, ApiError> {
    let tally = state
        .service
        .analytics
        .tally(caller.tenant())
        .await
        .map_err(store_failure)?;
    Ok(Json(AnalyticsSummary {
        total_conversations: tally.conversations,
        leads_captured: tally.leads,
        hot_leads: tally.hot,
        warm_leads: tally.warm,
        cold_leads: tally.cold,
        avg_response_time: tally.avg_response_secs(),
        conversion_rate: tally.conversion_rate(),
    }))
}
