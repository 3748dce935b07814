//! `GET /api/tickets/{id}`: a ticket with one page of its timeline (seed 004). One Query reads the
//! ticket and its first page together.

use auth::{AgentAuth, Caller};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use contracts::tickets::{TicketView, TimelineQuery};
use http_kit::ApiError;
use support_kit::{
    AppState, list_failure, ticket_id, ticket_not_found, ticket_view, timeline_limit,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_ticket))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    support_kit::app(routes(), backend, agents)
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
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<TimelineQuery>,
) -> Result<Json<TicketView>, ApiError> {
    let id = ticket_id(&id)?;
    let limit = timeline_limit(&query)?;
    let read = state
        .service
        .read(
            caller.tenant(),
            &id,
            limit,
            query.timeline_cursor.as_deref(),
        )
        .await
        .map_err(list_failure)?
        .ok_or_else(ticket_not_found)?;
    Ok(Json(ticket_view(read, &caller)))
}
