//! `POST /api/tickets/create`: opens a ticket for a customer found (or created) by their channel
//! identity, with the customer's first message as its first timeline entry (seed 004).

use auth::{AgentAuth, Caller};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use contracts::tickets::{CreateTicketRequest, TicketView};
use domain::Email;
use domain::customer::ChannelIdentity;
use domain::ticket::limits;
use http_kit::params::{tags, text_field};
use http_kit::{ApiError, ErrorCode, JsonBody};
use usecases::tickets::{TicketRequest, open_ticket};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wiring::support::SupportState;

/// The longest customer name kept.
const NAME_CHARS: usize = 200;

pub fn routes() -> OpenApiRouter<SupportState> {
    OpenApiRouter::new().routes(routes!(create_ticket))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    wiring::support::app(routes(), backend, agents)
}

/// Create a ticket
///
/// Finds the customer by (`source.channel`, `customer.channel_identity`), creating them on first
/// contact, and opens a `new` ticket whose timeline starts with `initial_message`.
#[utoipa::path(
    post,
    path = "/api/tickets/create",
    tag = "Tickets",
    request_body = CreateTicketRequest,
    responses(
        (status = 201, description = "Ticket created", body = TicketView),
        (status = 400, description = "A field is missing or invalid"),
        (status = 401, description = "No valid agent token or API key"),
    ),
    security(("cognito" = []), ("api_key" = []))
)]
async fn create_ticket(
    State(state): State<SupportState>,
    caller: Caller,
    JsonBody(request): JsonBody<CreateTicketRequest>,
) -> Result<(StatusCode, Json<TicketView>), ApiError> {
    let invalid = |text: String| ApiError::new(ErrorCode::InvalidField, text);
    let identity =
        ChannelIdentity::parse(request.source.channel, &request.customer.channel_identity)
            .map_err(|error| invalid(format!("customer.channel_identity {error}")))?;
    let primary_email = request
        .customer
        .primary_email
        .as_deref()
        .map(|raw| {
            Email::parse(raw).map(String::from).map_err(|_| {
                invalid("customer.primary_email is not a valid email address".to_owned())
            })
        })
        .transpose()?;
    let request = TicketRequest {
        subject: text_field("subject", &request.subject, limits::SUBJECT_CHARS)?,
        first_message: text_field(
            "initial_message",
            &request.initial_message,
            limits::CONTENT_CHARS,
        )?,
        tags: tags(&request.tags)?,
        name: request
            .customer
            .name
            .as_deref()
            .map(|name| text_field("customer.name", name, NAME_CHARS))
            .transpose()?,
        primary_email,
        identity,
        source: request.source,
        priority: request.priority,
    };
    let (ticket, first) = open_ticket(&state.service, caller.tenant(), request).await?;
    Ok((
        StatusCode::CREATED,
        Json(TicketView {
            ticket,
            timeline: vec![first],
            timeline_next_cursor: None,
        }),
    ))
}
