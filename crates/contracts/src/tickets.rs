//! Seed 004 (omnichannel support): tickets, their timelines and customers, in the shapes its
//! original returned (snake_case fields, `{"detail": …}` errors).

use domain::customer::Customer;
use domain::ticket::{
    Attachment, Channel, Priority, SenderType, Source, StatusCounts, Ticket, TicketStatus,
    TimelineEntry, Visibility,
};
use serde::{Deserialize, Serialize};
use usecases::tickets::TicketWithTimeline;
use utoipa::{IntoParams, ToSchema};

/// The customer part of `POST /api/tickets/create`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CustomerInput {
    pub name: Option<String>,
    pub primary_email: Option<String>,
    /// The customer's handle on the ticket's channel (email address, phone number, session id…).
    pub channel_identity: String,
}

/// `POST /api/tickets/create` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTicketRequest {
    pub source: Source,
    pub customer: CustomerInput,
    #[schema(example = "Order never arrived")]
    pub subject: String,
    pub initial_message: String,
    pub priority: Option<Priority>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// `PUT /api/tickets/{id}` body: only the fields present change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateTicketRequest {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub assigned_agent_id: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// `POST /api/tickets/{id}/message` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddMessageRequest {
    pub content: String,
    /// Defaults to `agent` for agents and `customer` for API-key callers.
    pub sender_type: Option<SenderType>,
    /// Defaults to the signed-in agent.
    pub agent_id: Option<String>,
    #[serde(default = "public")]
    pub visibility: Visibility,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

fn public() -> Visibility {
    Visibility::Public
}

/// A ticket with one page of its timeline (oldest first).
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketView {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub timeline: Vec<TimelineEntry>,
    /// Pass as `timeline_cursor` to read the next page; `null` when the timeline is complete.
    pub timeline_next_cursor: Option<String>,
}

impl From<TicketWithTimeline> for TicketView {
    fn from(read: TicketWithTimeline) -> Self {
        Self {
            ticket: read.ticket,
            timeline: read.timeline,
            timeline_next_cursor: read.timeline_next_cursor,
        }
    }
}

/// Paging of a ticket's timeline.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Entries per page (1–500, default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub timeline_limit: Option<String>,
    /// `timeline_next_cursor` of the previous page.
    pub timeline_cursor: Option<String>,
}

/// `GET /api/tickets/{id}/status`: what a chatbot polls after a handoff.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketStatusView {
    pub ticket_id: String,
    pub status: TicketStatus,
    pub last_updated: String,
    pub has_agent_reply: bool,
    pub last_agent_message: Option<TimelineEntry>,
}

/// `PUT /api/tickets/{id}/assign` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignQuery {
    /// The agent's Cognito username (required: without it the answer is 422).
    #[param(required = true, min_length = 1)]
    pub agent_id: Option<String>,
}

/// `PUT /api/tickets/{id}/assign` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignResponse {
    pub success: bool,
    pub ticket: TicketView,
}

/// `GET /api/tickets/` query. Every filter applies before the page is cut.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListTicketsQuery {
    /// Given once: a repeated filter is refused.
    #[param(value_type = Option<TicketStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<Priority>)]
    pub priority: Option<String>,
    pub assigned_agent_id: Option<String>,
    pub customer_id: Option<String>,
    #[param(min_length = 1)]
    pub tag: Option<String>,
    #[param(value_type = Option<Channel>)]
    pub channel: Option<String>,
    /// Created at or after this time (RFC 3339 or `YYYY-MM-DD`).
    pub created_from: Option<String>,
    /// Created at or before this time (RFC 3339 or `YYYY-MM-DD`, which means the whole day).
    pub created_to: Option<String>,
    /// Tickets per page, 1–100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// Seed 004's name for `limit`.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub page_size: Option<String>,
    /// Seed 004's page number (1-based, at most 50); prefer `cursor`.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    pub page: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `created` (the default: newest opened first) or `activity` (latest change first: a new
    /// message, a status, an assignment brings a ticket to the top).
    pub sort: Option<String>,
}

/// A ticket in a listing. Listings carry no timeline entries (`timeline` is empty, as a
/// placeholder for clients that expect the key); read the ticket for them.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketSummary {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub timeline: [TimelineEntry; 0],
}

impl TicketSummary {
    /// Tickets as a listing shows them.
    pub fn list(tickets: Vec<Ticket>) -> Vec<Self> {
        tickets
            .into_iter()
            .map(|ticket| Self {
                ticket,
                timeline: [],
            })
            .collect()
    }
}

/// `GET /api/tickets/` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketListResponse {
    pub tickets: Vec<TicketSummary>,
    /// How many tickets this page holds.
    pub total_count: usize,
    pub page: usize,
    pub page_size: usize,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// `GET /api/customers/{id}` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    pub customer_id: String,
    /// Always `active` (seed 004's field).
    pub status: &'static str,
    #[serde(flatten)]
    pub customer: Customer,
}

/// `GET /api/customers/{id}/tickets` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerTicketsQuery {
    #[param(value_type = Option<TicketStatus>)]
    pub status: Option<String>,
    /// Tickets per page, 1–100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// The `x-next-cursor` header of the previous page.
    pub cursor: Option<String>,
}

/// Tickets in each status, and all of them (`GET /api/tickets/counts`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TicketCounts {
    pub new: i64,
    pub open: i64,
    pub pending_customer: i64,
    pub resolved: i64,
    pub closed: i64,
    pub total: i64,
}

impl From<&StatusCounts> for TicketCounts {
    fn from(counts: &StatusCounts) -> Self {
        // A count below zero could only come from tickets older than the counters (a deployment
        // upgraded in place); it reads as none.
        let count = |status| counts.get(status).max(0);
        Self {
            new: count(TicketStatus::New),
            open: count(TicketStatus::Open),
            pending_customer: count(TicketStatus::PendingCustomer),
            resolved: count(TicketStatus::Resolved),
            closed: count(TicketStatus::Closed),
            total: TicketStatus::ALL.iter().map(|status| count(*status)).sum(),
        }
    }
}
