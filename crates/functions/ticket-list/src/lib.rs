//! `GET /api/tickets/`: the tenant's tickets, newest first, filtered before the page is cut and
//! paged with an opaque cursor (seed 004's `page` still works). Served by index Queries.

use auth::{Agent, AgentAuth};
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use contracts::tickets::{ListTicketsQuery, TicketListResponse, TicketSummary};
use domain::ticket::{Channel, CustomerId, Priority, TicketStatus};
use http_kit::params::{bounded_number, enum_param, present, time_bound};
use http_kit::{ApiError, ErrorCode};
use usecases::tickets::{TicketOrder, TicketQuery, list_tickets as listing};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::support::SupportState;

const DEFAULT_PAGE_SIZE: usize = 20;
const MAX_PAGE_SIZE: usize = 100;
/// Seed 004's `page` skips whole pages; beyond this a cursor is the way.
const MAX_PAGE: usize = 50;

pub fn routes() -> OpenApiRouter<SupportState> {
    OpenApiRouter::new()
        .routes(routes!(list_tickets))
        .route("/api/tickets", axum::routing::get(list_tickets))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    wiring::support::app(routes(), backend, agents)
}

/// List tickets
#[utoipa::path(
    get,
    path = "/api/tickets/",
    tag = "Tickets",
    params(ListTicketsQuery),
    responses(
        (status = 200, description = "A page of tickets, newest first (opened, or last changed with `sort=activity`)", body = TicketListResponse),
        (status = 400, description = "`invalid_query`: a filter or paging parameter is invalid (or given twice); `invalid_cursor`: cursor is not one this listing gave"),
        (status = 401, description = "No valid agent token"),
    ),
    security(("cognito" = []))
)]
async fn list_tickets(
    State(state): State<SupportState>,
    agent: Agent,
    Query(query): Query<ListTicketsQuery>,
) -> Result<Json<TicketListResponse>, ApiError> {
    let page_size = bounded_number(
        "limit",
        query.limit.as_deref().or(query.page_size.as_deref()),
        DEFAULT_PAGE_SIZE,
        MAX_PAGE_SIZE,
    )?;
    let page = bounded_number("page", query.page.as_deref(), 1, MAX_PAGE)?;
    let cursor = present(query.cursor.as_deref()).map(str::to_owned);
    if cursor.is_some() && page > 1 {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            "use either page or cursor, not both",
        ));
    }
    let order = match present(query.sort.as_deref()) {
        None | Some("created") => TicketOrder::Created,
        Some("activity") => TicketOrder::Activity,
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("unknown sort '{other}'; expected created or activity"),
            ));
        }
    };
    let listing_query = TicketQuery {
        order,
        status: enum_param(query.status.as_deref(), TicketStatus::parse)?,
        priority: enum_param(query.priority.as_deref(), Priority::parse)?,
        assigned_agent_id: present(query.assigned_agent_id.as_deref()).map(str::to_owned),
        customer: present(query.customer_id.as_deref())
            .map(CustomerId::parse)
            .transpose()
            .map_err(|error| {
                ApiError::new(ErrorCode::InvalidQuery, format!("customer_id {error}"))
            })?,
        tag: present(query.tag.as_deref()).map(str::to_lowercase),
        channel: enum_param(query.channel.as_deref(), Channel::parse)?,
        created_from: time_bound("created_from", query.created_from.as_deref(), false)?,
        created_to: time_bound("created_to", query.created_to.as_deref(), true)?,
        limit: page_size,
        skip: (page - 1) * page_size,
        cursor,
    };
    let listed = listing(&state.service, &agent.tenant, &listing_query).await?;
    let tickets = TicketSummary::list(listed.tickets);
    Ok(Json(TicketListResponse {
        total_count: tickets.len(),
        tickets,
        page,
        page_size,
        next_cursor: listed.next_cursor,
    }))
}
