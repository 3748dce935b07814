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
use domain::ticket::{
    CustomerId, MessageId, Priority, SenderType, Ticket, TicketCustomer, TicketId, TicketStatus,
    TimelineEntry, Visibility, limits,
};
use http_kit::{ApiError, JsonBody};
use store::tickets::NewTicket;
use support_kit::{AppState, CONTENT_CHARS, store_failure, text_field};
use usecases::clock::{now_rfc3339, random_u64};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The longest customer name kept.
const NAME_CHARS: usize = 200;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_ticket))
}

pub fn app(backend: &store::Backend, agents: &AgentAuth) -> Router {
    support_kit::app(routes(), backend, agents)
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
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<CreateTicketRequest>,
) -> Result<(StatusCode, Json<TicketView>), ApiError> {
    let subject = text_field("subject", &request.subject, limits::SUBJECT_CHARS)?;
    let first_message = text_field("initial_message", &request.initial_message, CONTENT_CHARS)?;
    let tags = support_kit::tags(&request.tags)?;
    let identity =
        ChannelIdentity::parse(request.source.channel, &request.customer.channel_identity)
            .map_err(|error| {
                ApiError::bad_request(
                    "invalid_field",
                    format!("customer.channel_identity {error}"),
                )
            })?;
    let name = request
        .customer
        .name
        .as_deref()
        .map(|name| text_field("customer.name", name, NAME_CHARS))
        .transpose()?;
    let primary_email = request
        .customer
        .primary_email
        .as_deref()
        .map(|raw| {
            Email::parse(raw).map(String::from).map_err(|_| {
                ApiError::bad_request(
                    "invalid_field",
                    "customer.primary_email is not a valid email address",
                )
            })
        })
        .transpose()?;

    let now = now_rfc3339();
    let customer_id = CustomerId::generate(random_u64());
    let ticket = Ticket {
        ticket_id: TicketId::generate(random_u64()),
        created_at: now.clone(),
        updated_at: now.clone(),
        status: TicketStatus::New,
        priority: request.priority.unwrap_or(Priority::Medium),
        assigned_agent_id: None,
        tags,
        source: request.source,
        customer: TicketCustomer {
            internal_id: customer_id.clone(),
            name,
            primary_email,
            channel_identity: identity.handle.clone(),
        },
        subject,
        last_agent_message: None,
        message_count: 1,
    };
    let first_entry = TimelineEntry::message(
        MessageId::generate(random_u64()),
        &now,
        SenderType::Customer,
        Visibility::Public,
        first_message,
    );
    let ticket = state
        .service
        .create(
            caller.tenant(),
            NewTicket {
                ticket,
                first_entry: first_entry.clone(),
                identity,
                new_customer_id: customer_id,
            },
        )
        .await
        .map_err(store_failure)?;
    telemetry::count(telemetry::Figure::TicketsOpened, 1);
    telemetry::count(telemetry::Figure::MessagesIn, 1);
    Ok((
        StatusCode::CREATED,
        Json(TicketView {
            ticket,
            timeline: vec![first_entry],
            timeline_next_cursor: None,
        }),
    ))
}
