//! `GET /api/tickets/{id}`: a ticket with one page of its timeline (seed 004). One Query reads the
//! ticket and its first page together.

use auth::{AgentAuth, Caller};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use contracts::tickets::{TicketView, TimelineQuery};
use domain::ticket::TicketId;
use http_kit::ApiError;
use http_kit::outcomes::ticket_not_found;
use http_kit::params::bounded_number;
use usecases::tickets::{DEFAULT_TIMELINE_PAGE, MAX_TIMELINE_PAGE, TimelinePage, read_ticket};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::support::SupportState;

pub fn routes() -> OpenApiRouter<SupportState> {
    OpenApiRouter::new().routes(routes!(get_ticket))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    wiring::support::app(routes(), backend, agents)
}

/// Get a ticket
///
/// The timeline comes oldest first, a page at a time. Callers with an API key see only the
/// public entries.
#[utoipa::path(
    get,
    path = "/api/tickets/{id}",
    tag = "Tickets",
    params(("id" = String, Path, description = "Ticket id"), TimelineQuery),
    responses(
        (status = 200, description = "The ticket", body = TicketView),
        (status = 400, description = "`invalid_query`: timeline_limit is not 1-500; `invalid_cursor`: timeline_cursor is not one this ticket's reads gave"),
        (status = 401, description = "No valid agent token or API key"),
        (status = 404, description = "Ticket not found"),
    ),
    security(("cognito" = []), ("api_key" = []))
)]
async fn get_ticket(
    State(state): State<SupportState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<TimelineQuery>,
) -> Result<Json<TicketView>, ApiError> {
    // An id that cannot be an id cannot name a ticket either.
    let id = TicketId::parse(&id).map_err(|_| ticket_not_found())?;
    let page = TimelinePage {
        limit: bounded_number(
            "timeline_limit",
            query.timeline_limit.as_deref(),
            DEFAULT_TIMELINE_PAGE,
            MAX_TIMELINE_PAGE,
        )?,
        cursor: query.timeline_cursor.as_deref(),
    };
    let read = read_ticket(&state.service, &caller.actor(), &id, page).await?;
    Ok(Json(read.into()))
}
