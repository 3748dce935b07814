//! `GET /api/tickets/`: the tenant's tickets, newest first, filtered before the page is cut and
//! paged with an opaque cursor (seed 004's `page` still works). Served by index Queries.

use auth::{Agent, AgentAuth};
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use contracts::tickets::{ListTicketsQuery, TicketListResponse};
use domain::ticket::{Channel, CustomerId, Priority, TicketStatus};
use http_kit::ApiError;
use store::tickets::TicketFilter;
use support_kit::{
    AppState, bounded_number, enum_param, list_failure, present, summaries, time_bound,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const DEFAULT_PAGE_SIZE: usize = 20;
const MAX_PAGE_SIZE: usize = 100;
/// Seed 004's `page` skips whole pages; beyond this a cursor is the way.
const MAX_PAGE: usize = 50;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tickets))
        .route("/api/tickets", axum::routing::get(list_tickets))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    support_kit::app(routes(), backend, agents)
}

/// List tickets
#[utoipa::path(
    get,
    path = "/api/tickets/",
    tag = "Tickets",
    params(ListTicketsQuery),
    responses(
        (status = 200, description = "A page of tickets, newest first", body = TicketListResponse),
        (status = 400, description = "`invalid_query`: a filter or paging parameter is invalid (or given twice); `invalid_cursor`: cursor is not one this listing gave"),
        (status = 401, description = "No valid agent token"),
    ),
    security(("cognito" = []))
)]
async fn list_tickets(
    State(state): State<AppState>,
    agent: Agent,
    Query(query): Query<ListTicketsQuery>,
) -> Result<Json<TicketListResponse>, ApiError> {
    let filter = TicketFilter {
        status: enum_param(query.status.as_deref(), TicketStatus::parse)?,
        priority: enum_param(query.priority.as_deref(), Priority::parse)?,
        assigned_agent_id: present(query.assigned_agent_id.as_deref()).map(str::to_owned),
        customer: present(query.customer_id.as_deref())
            .map(CustomerId::parse)
            .transpose()
            .map_err(|error| {
                ApiError::bad_request("invalid_query", format!("customer_id {error}"))
            })?,
        tag: present(query.tag.as_deref()).map(str::to_lowercase),
        channel: enum_param(query.channel.as_deref(), Channel::parse)?,
        created_from: time_bound("created_from", query.created_from.as_deref(), false)?,
        created_to: time_bound("created_to", query.created_to.as_deref(), true)?,
    };
    let page_size = bounded_number(
        "limit",
        query.limit.as_deref().or(query.page_size.as_deref()),
        DEFAULT_PAGE_SIZE,
        MAX_PAGE_SIZE,
    )?;
    let page = bounded_number("page", query.page.as_deref(), 1, MAX_PAGE)?;
    let cursor = present(query.cursor.as_deref());
    if cursor.is_some() && page > 1 {
        return Err(ApiError::bad_request(
            "invalid_query",
            "use either page or cursor, not both",
        ));
    }
    let listed = state
        .service
        .list(
            &agent.tenant,
            &filter,
            page_size,
            (page - 1) * page_size,
            cursor,
        )
        .await
        .map_err(list_failure)?;
    let tickets = summaries(listed.tickets);
    Ok(Json(TicketListResponse {
        total_count: tickets.len(),
        tickets,
        page,
        page_size,
        next_cursor: listed.next_cursor,
    }))
}
