//! What the ticket and customer functions (seed 004) share: their state, ids read from paths,
//! query values parsed with errors naming the parameter, the views they answer with, and how
//! store outcomes become `{"detail": …}` answers.

use auth::{Agent, AgentAuth, Assignability, Caller, WithAgents};
use axum::Router;
use axum::http::StatusCode;
use contracts::tickets::{TicketSummary, TicketView, TimelineQuery};
use domain::ticket::{MessageId, Ticket, TimelineEntry, Visibility, limits};
use http_kit::{ApiError, ErrorKey};
use store::StoreError;
use store::tickets::{ChangeError, ListError, TicketStore, TicketWithTimeline};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use usecases::clock::random_u64;
use utoipa_axum::router::OpenApiRouter;

pub use domain::ticket::TicketId;

/// The state of every ticket and customer function: the ticket store, and the Cognito agents and
/// tenant API keys its callers present.
pub type AppState = WithAgents<TicketStore>;

/// A ticket or customer function's router, with seed 004's error key.
pub fn app(
    routes: OpenApiRouter<AppState>,
    backend: &store::Backend,
    agents: &AgentAuth,
) -> Router {
    let state = WithAgents::new(backend, agents, backend.tickets());
    http_kit::finish(routes, state, ErrorKey::Detail)
}

/// A ticket or customer function's Lambda entry point: configuration read once (tables and
/// Cognito, every missing variable reported together), clients built once, then `app` served.
pub async fn run(
    app: fn(&store::Backend, &AgentAuth) -> Router,
) -> Result<(), http_kit::lambda::Error> {
    let (backend, cognito) = store::Backend::from_env_with(auth::CognitoSettings::read).await?;
    let agents = AgentAuth::new(cognito, backend.sdk_config());
    http_kit::lambda::run(app(&backend, &agents)).await
}

/// The answer for a ticket that does not exist or belongs to another tenant.
pub fn ticket_not_found() -> ApiError {
    ApiError::not_found("Ticket not found")
}

/// The answer for a customer that does not exist or belongs to another tenant.
pub fn customer_not_found() -> ApiError {
    ApiError::not_found("Customer not found")
}

/// Checks in Cognito that `agent_id` is an enabled agent of `tenant`, or answers 422 saying why
/// the ticket cannot be assigned to them.
pub async fn check_assignable(
    state: &AppState,
    agent_id: &str,
    tenant: &domain::TenantId,
) -> Result<(), ApiError> {
    let refuse = |why: &str| {
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_agent",
            format!("Cannot assign to agent {agent_id}: {why}"),
        ))
    };
    match state.agents.directory().assignable(agent_id, tenant).await {
        Ok(Assignability::Yes) => Ok(()),
        Ok(Assignability::Unknown | Assignability::OtherTenant) => {
            refuse("no such agent in this tenant")
        }
        Ok(Assignability::Disabled) => refuse("the agent's account is disabled"),
        Ok(Assignability::NotAnAgent) => {
            refuse("the user is in neither the agents nor the admins group")
        }
        Err(error) => Err(ApiError::internal("Could not look the agent up", &error)),
    }
}

/// A ticket id from the path; one that cannot be an id cannot name a ticket either.
pub fn ticket_id(raw: &str) -> Result<TicketId, ApiError> {
    TicketId::parse(raw).map_err(|_| ticket_not_found())
}

/// A store failure: ours, logged, answered 500 (503 when DynamoDB is throttling us).
pub fn store_failure(error: StoreError) -> ApiError {
    match error {
        StoreError::Contended => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "contended",
            "The ticket is changing too fast; retry shortly",
        ),
        other => ApiError::internal("Could not reach the ticket store", &other),
    }
}

/// A listing's failure: a cursor the caller garbled, or the store.
pub fn list_failure(error: ListError) -> ApiError {
    match error {
        ListError::InvalidCursor => ApiError::bad_request(
            "invalid_cursor",
            "cursor is not valid for this listing; start again without it",
        ),
        ListError::Store(error) => store_failure(error),
    }
}

/// The ticket as `caller` may see it: API-key callers (websites, chatbots) never see internal
/// notes and system events.
pub fn ticket_view(read: TicketWithTimeline, caller: &Caller) -> TicketView {
    let mut view = agent_view(read);
    if caller.agent().is_none() {
        view.timeline
            .retain(|entry| entry.visibility == Visibility::Public);
    }
    view
}

/// The ticket with everything on its timeline, as agents see it.
pub fn agent_view(read: TicketWithTimeline) -> TicketView {
    TicketView {
        ticket: read.ticket,
        timeline: read.timeline,
        timeline_next_cursor: read.timeline_next_cursor,
    }
}

/// Tickets for a listing, which carries no timelines.
pub fn summaries(tickets: Vec<Ticket>) -> Vec<TicketSummary> {
    tickets
        .into_iter()
        .map(|ticket| TicketSummary {
            ticket,
            timeline: [],
        })
        .collect()
}

/// The answer to a read-decide-write on a ticket.
pub fn changed(
    outcome: Result<TicketWithTimeline, ChangeError<ApiError>>,
) -> Result<TicketWithTimeline, ApiError> {
    outcome.map_err(|error| match error {
        ChangeError::NotFound => ticket_not_found(),
        ChangeError::Refused(refusal) => refusal,
        ChangeError::Store(error) => store_failure(error),
    })
}

/// A system event for the timeline, stamped `now`, recording who caused it when an agent did.
pub fn event(now: &str, content: String, agent: Option<&Agent>) -> TimelineEntry {
    let mut entry = TimelineEntry::event(MessageId::generate(random_u64()), now, content);
    entry.agent_id = agent.map(|agent| agent.id.clone());
    entry
}

/// A query value, trimmed; blank counts as absent.
pub fn present(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|raw| !raw.is_empty())
}

/// The timeline page size a request asks for.
pub fn timeline_limit(query: &TimelineQuery) -> Result<usize, ApiError> {
    bounded_number(
        "timeline_limit",
        query.timeline_limit.as_deref(),
        store::tickets::DEFAULT_TIMELINE_PAGE,
        store::tickets::MAX_TIMELINE_PAGE,
    )
}

/// A whole number between 1 and `max` from a query parameter, `default` when absent.
pub fn bounded_number(
    name: &str,
    raw: Option<&str>,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    let Some(raw) = present(raw) else {
        return Ok(default);
    };
    match raw.parse::<usize>() {
        Ok(value) if (1..=max).contains(&value) => Ok(value),
        _ => Err(ApiError::bad_request(
            "invalid_query",
            format!("{name} must be a whole number from 1 to {max}"),
        )),
    }
}

/// An enum value from a query parameter, refused with the accepted values.
pub fn enum_param<T, E: std::fmt::Display>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, ApiError> {
    raw.map(str::trim)
        .filter(|raw| !raw.is_empty())
        .map(|raw| {
            parse(raw).map_err(|error| ApiError::bad_request("invalid_query", error.to_string()))
        })
        .transpose()
}

/// A time bound from a query parameter in the stored form (RFC 3339 UTC, milliseconds). A bare
/// date means its first millisecond, or its last when `end_of_day`.
pub fn time_bound(
    name: &str,
    raw: Option<&str>,
    end_of_day: bool,
) -> Result<Option<String>, ApiError> {
    let Some(raw) = present(raw) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::bad_request(
            "invalid_query",
            format!(
                "{name} must be an RFC 3339 time (2026-11-22T10:00:00Z) or a date (2026-11-22)"
            ),
        )
    };
    let instant = if raw.len() == 10 {
        let clock = if end_of_day {
            "T23:59:59.999Z"
        } else {
            "T00:00:00Z"
        };
        OffsetDateTime::parse(&format!("{raw}{clock}"), &Rfc3339).map_err(|_| invalid())?
    } else {
        OffsetDateTime::parse(raw, &Rfc3339).map_err(|_| invalid())?
    };
    Ok(Some(usecases::clock::rfc3339_millis(instant)))
}

/// A free-text field of a request, trimmed and bounded, or a 400 naming it.
pub fn text_field(field: &'static str, text: &str, max: usize) -> Result<String, ApiError> {
    domain::ticket::bounded_text(field, text, max)
        .map_err(|error| ApiError::bad_request("invalid_field", error.to_string()))
}

/// Tags from a request, normalised, or a 400 naming the problem.
pub fn tags(raw: &[String]) -> Result<Vec<String>, ApiError> {
    domain::ticket::normalise_tags(raw)
        .map_err(|error| ApiError::bad_request("invalid_field", error.to_string()))
}

/// The longest message a timeline entry holds.
pub const CONTENT_CHARS: usize = limits::CONTENT_CHARS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_bounds_are_normalised_to_the_stored_form() {
        assert_eq!(
            time_bound("created_from", Some("2026-11-22T10:00:00+02:00"), false).unwrap(),
            Some("2026-11-22T08:00:00.000Z".to_owned())
        );
        assert_eq!(
            time_bound("created_to", Some("2026-11-22"), true).unwrap(),
            Some("2026-11-22T23:59:59.999Z".to_owned())
        );
        assert_eq!(
            time_bound("created_from", Some("2026-11-22"), false).unwrap(),
            Some("2026-11-22T00:00:00.000Z".to_owned())
        );
        let error = time_bound("created_from", Some("yesterday"), false).unwrap_err();
        assert!(error.text.contains("created_from"), "{}", error.text);
        assert_eq!(time_bound("created_to", None, true).unwrap(), None);
    }

    #[test]
    fn numbers_are_bounded_and_named() {
        assert_eq!(bounded_number("limit", None, 20, 100).unwrap(), 20);
        assert_eq!(bounded_number("limit", Some("5"), 20, 100).unwrap(), 5);
        for bad in ["0", "101", "-1", "ten"] {
            let error = bounded_number("limit", Some(bad), 20, 100).unwrap_err();
            assert_eq!(error.text, "limit must be a whole number from 1 to 100");
        }
    }
}
