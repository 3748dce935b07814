//! What the ticket use cases need from whoever stores tickets and customers (DynamoDB in
//! production, memory in the fast tests), sized to the uses: reading, and writing a ticket's
//! opening or change on condition that what it was decided on still holds.

use std::future::Future;

use domain::TenantId;
use domain::customer::{ChannelIdentity, Customer};
use domain::replay::Replay;
use domain::ticket::{
    Channel, CustomerId, FilledIn, Priority, StatusCounts, Ticket, TicketChange, TicketId,
    TicketStatus, TimelineEntry,
};

use crate::{ListError, StoreError};

/// A ticket with one page of its timeline, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketWithTimeline {
    pub ticket: Ticket,
    pub timeline: Vec<TimelineEntry>,
    /// Where the next timeline page starts; `None` when this page reaches the end.
    pub timeline_next_cursor: Option<String>,
    /// The store's sort key of each entry of `timeline`: what its cursors are made of.
    pub entry_keys: Vec<String>,
}

/// Which part of a ticket's timeline to read: the first `limit` entries, or those after
/// `cursor`.
#[derive(Debug, Clone, Copy)]
pub struct TimelinePage<'a> {
    pub limit: usize,
    pub cursor: Option<&'a str>,
}

/// The order of a listing, newest first either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TicketOrder {
    /// By when each ticket was opened (seed 004's order).
    #[default]
    Created,
    /// By each ticket's last change: a message, a status, an assignment.
    Activity,
}

/// Which tickets a listing wants, newest first. Every filter applies before the page is cut.
#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    pub order: TicketOrder,
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub assigned_agent_id: Option<String>,
    pub customer: Option<CustomerId>,
    pub tag: Option<String>,
    pub channel: Option<Channel>,
    /// Inclusive bounds on `created_at`, in the stored RFC 3339 form.
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    pub limit: usize,
    /// Matching tickets to skip first (seed 004's `page`).
    pub skip: usize,
    /// Continues a previous page.
    pub cursor: Option<String>,
}

/// One page of a listing, newest first.
#[derive(Debug, Clone)]
pub struct TicketPage {
    pub tickets: Vec<Ticket>,
    pub next_cursor: Option<String>,
}

/// A known customer, and the ticket their channel messages go to while it is worked on.
#[derive(Debug, Clone)]
pub struct KnownCustomer {
    pub customer: Customer,
    pub open_ticket_id: Option<TicketId>,
}

/// What opening a ticket writes for its customer.
#[derive(Debug, Clone)]
pub enum CustomerWrite {
    /// A customer met for the first time: created, and their identity claimed, so two first
    /// contacts racing make one customer.
    Create(Customer),
    /// A known customer: what their profile gains, written only while it still lacks it.
    FillIn {
        known: KnownCustomer,
        filled: FilledIn,
    },
}

/// A new ticket to write, with its first entry and its customer.
#[derive(Debug, Clone, Copy)]
pub struct NewTicketWrite<'a> {
    pub ticket: &'a Ticket,
    pub first_entry: &'a TimelineEntry,
    pub identity: &'a ChannelIdentity,
    pub customer: &'a CustomerWrite,
    /// Whether the customer's channel messages go to this ticket from now on (moved only from
    /// the ticket they went to as read).
    pub takes_channel_messages: bool,
}

/// A claim written with a ticket's opening or change, all or nothing: the write happens only
/// if every claim is free.
#[derive(Debug, Clone)]
pub enum Claim {
    /// A provider's message id, taken once within its window (epoch seconds).
    Once { key: String, until_secs: u64 },
    /// A client's idempotency record.
    Replay(Replay),
    /// A chatbot session's handoff ticket, taken over only from `previous` as it was read.
    Handoff {
        session: String,
        ticket: TicketId,
        previous: Option<TicketId>,
    },
}

/// How a conditional write ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written<T> {
    Done(T),
    /// The claim at this position was taken already: nothing was written.
    ClaimTaken(usize),
    /// What the decision was made on (the ticket, the customer) changed meanwhile: nothing was
    /// written; read again and decide again.
    Stale,
}

/// Reading tickets and customers.
pub trait TicketReader: Sync {
    /// The tenant's ticket alone (no timeline): what a status poll needs.
    fn ticket(
        &self,
        tenant: &TenantId,
        id: &TicketId,
    ) -> impl Future<Output = Result<Option<Ticket>, StoreError>> + Send;

    /// The tenant's ticket with a page of its timeline; `None` when missing or another tenant's.
    fn ticket_page(
        &self,
        tenant: &TenantId,
        id: &TicketId,
        page: TimelinePage<'_>,
    ) -> impl Future<Output = Result<Option<TicketWithTimeline>, ListError>> + Send;

    /// The cursor that continues a timeline after the entry stored under `entry_key`.
    fn timeline_cursor(&self, ticket: &TicketId, entry_key: &str) -> String;

    /// A page of the tenant's tickets.
    fn tickets(
        &self,
        tenant: &TenantId,
        query: &TicketQuery,
    ) -> impl Future<Output = Result<TicketPage, ListError>> + Send;

    /// The tenant's customer.
    fn customer(
        &self,
        tenant: &TenantId,
        id: &CustomerId,
    ) -> impl Future<Output = Result<Option<Customer>, StoreError>> + Send;

    /// The customer known by `identity`. Right after someone else created them the usual
    /// lookup may not show them yet; `fresh` asks for what was just written.
    fn customer_by_identity(
        &self,
        tenant: &TenantId,
        identity: &ChannelIdentity,
        fresh: bool,
    ) -> impl Future<Output = Result<Option<KnownCustomer>, StoreError>> + Send;

    /// The ticket a known customer's channel messages go to while it is being worked on: the
    /// one they were pointed at, else their newest active ticket.
    fn channel_ticket(
        &self,
        tenant: &TenantId,
        known: &KnownCustomer,
    ) -> impl Future<Output = Result<Option<Ticket>, StoreError>> + Send;

    /// How many of the tenant's tickets are in each status.
    fn status_counts(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<StatusCounts, StoreError>> + Send;

    /// The ticket a chatbot session's last handoff opened.
    fn handoff_ticket(
        &self,
        tenant: &TenantId,
        session: &str,
    ) -> impl Future<Output = Result<Option<TicketId>, StoreError>> + Send;
}

/// Writing tickets, each write conditioned on what it was decided on.
pub trait TicketWriter: Sync {
    /// Opens a ticket with its first entry and its customer's creation or filling in.
    fn open(
        &self,
        tenant: &TenantId,
        write: NewTicketWrite<'_>,
        claims: &[Claim],
    ) -> impl Future<Output = Result<Written<()>, StoreError>> + Send;

    /// Writes `change` to the ticket as `read`: on condition that it still has the status read
    /// and, for a change that adds no message, the message count read. Answers the stored sort
    /// keys of the appended entries.
    fn change(
        &self,
        tenant: &TenantId,
        read: &Ticket,
        change: &TicketChange,
        claims: &[Claim],
    ) -> impl Future<Output = Result<Written<Vec<String>>, StoreError>> + Send;
}
