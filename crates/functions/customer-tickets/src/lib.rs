//! `GET /api/customers/{id}/tickets`: a customer's tickets, newest first, optionally of one status,
//! through `CustomerIndex` (seed 004). The answer is a JSON array as the original's; the next
//! page's cursor travels in the `x-next-cursor` header.

use auth::{Agent, AgentAuth};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use contracts::tickets::{CustomerTicketsQuery, TicketSummary};
use domain::ticket::{CustomerId, TicketStatus};
use http_kit::ApiError;
use http_kit::outcomes::customer_not_found;
use http_kit::params::{bounded_number, enum_param, present};
use usecases::tickets::TicketQuery;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::support::SupportState;

/// Where the next page's cursor travels.
pub const NEXT_CURSOR_HEADER: &str = "x-next-cursor";

pub fn routes() -> OpenApiRouter<SupportState> {
    OpenApiRouter::new().routes(routes!(customer_tickets))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    wiring::support::app(routes(), backend, agents)
}

/// List a customer's tickets
#[utoipa::path(
    get,
    path = "/api/customers/{id}/tickets",
    tag = "Customers",
    params(("id" = String, Path, description = "Customer id"), CustomerTicketsQuery),
    responses(
        (status = 200, description = "The customer's tickets, newest first", body = [TicketSummary],
            headers(("x-next-cursor" = String, description = "Cursor of the next page, when there is one"))),
        (status = 400, description = "`invalid_query`: status or limit is invalid; `invalid_cursor`: cursor is not one this listing gave"),
        (status = 401, description = "No valid agent token"),
        (status = 404, description = "Customer not found"),
    ),
    security(("cognito" = []))
)]
async fn customer_tickets(
    State(state): State<SupportState>,
    agent: Agent,
    Path(id): Path<String>,
    Query(query): Query<CustomerTicketsQuery>,
) -> Result<Response, ApiError> {
    let customer = CustomerId::parse(&id).map_err(|_| customer_not_found())?;
    let listing = TicketQuery {
        status: enum_param(query.status.as_deref(), TicketStatus::parse)?,
        customer: Some(customer),
        limit: bounded_number("limit", query.limit.as_deref(), 20, 100)?,
        cursor: present(query.cursor.as_deref()).map(str::to_owned),
        ..TicketQuery::default()
    };
    let listed =
        usecases::tickets::customer_tickets(&state.service, &agent.tenant, &listing).await?;
    let mut response = Json(TicketSummary::list(listed.tickets)).into_response();
    if let Some(next) = listed
        .next_cursor
        .and_then(|next| HeaderValue::from_str(&next).ok())
    {
        response.headers_mut().insert(NEXT_CURSOR_HEADER, next);
    }
    Ok(response)
}
