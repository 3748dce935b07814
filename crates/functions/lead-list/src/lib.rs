//! `GET /api/v1/leads`: the tenant's leads, latest activity first, by pipeline stage, intent and
//! readiness, a page at a time, each with the `ETag` a move of it sends as `If-Match`. Served by
//! index Queries, never a scan.

use auth::{AgentAuth, Caller};
use axum::extract::{Query, State};
use axum::{Json, Router};
use contracts::lead_chat::{LeadList, ListLeadsQuery};
use domain::lead::{LeadIntent, LeadStatus};
use http_kit::params::{bounded_number, enum_param, present};
use http_kit::{ApiError, ErrorCode, ErrorKey};
use usecases::leads::{DEFAULT_LEAD_PAGE, LeadQuery, MAX_LEAD_PAGE, list_leads};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::chat::{ChatService, ChatState};

pub fn routes() -> OpenApiRouter<ChatState> {
    OpenApiRouter::new().routes(routes!(list))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth, service: ChatService) -> Router {
    wiring::chat::app(routes(), ErrorKey::Detail, backend, agents, service)
}

/// List leads
#[utoipa::path(
    get,
    path = "/api/v1/leads",
    operation_id = "list_leads",
    tag = "Leads",
    params(ListLeadsQuery),
    responses(
        (status = 200, description = "A page of leads, latest activity first", body = LeadList),
        (status = 304, description = "Not modified since the `If-None-Match` tag"),
        (status = 400, description = "A filter or paging parameter is invalid, or the cursor is not one this listing gave"),
        (status = 401, description = "No valid API key or agent token"),
    ),
    security(("api_key" = []), ("bearer" = []), ("cognito" = []))
)]
async fn list(
    State(state): State<ChatState>,
    caller: Caller,
    Query(query): Query<ListLeadsQuery>,
) -> Result<Json<LeadList>, ApiError> {
    let listing = LeadQuery {
        status: enum_param(query.status.as_deref(), LeadStatus::parse)?,
        intent: enum_param(query.intent.as_deref(), |raw| {
            LeadIntent::parse(&raw.to_ascii_uppercase())
        })?,
        ready: present(query.ready.as_deref())
            .map(|raw| match raw {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(ApiError::new(
                    ErrorCode::InvalidQuery,
                    "ready must be true or false",
                )),
            })
            .transpose()?,
        limit: bounded_number(
            "limit",
            query.limit.as_deref(),
            DEFAULT_LEAD_PAGE,
            MAX_LEAD_PAGE,
        )?,
        cursor: present(query.cursor.as_deref()).map(str::to_owned),
    };
    let page = list_leads(&state.service.conversations, caller.tenant(), &listing).await?;
    Ok(Json(page.into()))
}
