//! Reading tickets and customers: a ticket with a page of its timeline (integrations see its
//! public entries only), its status, a filtered listing, a customer and their tickets. Another
//! tenant's ticket or customer is answered exactly as a missing one.

use domain::TenantId;
use domain::customer::Customer;
use domain::ticket::{CustomerId, Ticket, TicketChange, TicketId, Visibility};
use thiserror::Error;

use super::ports::{TicketPage, TicketQuery, TicketReader, TicketWithTimeline, TimelinePage};
use super::{DEFAULT_TIMELINE_PAGE, MAX_TIMELINE_PAGE};
use crate::{Actor, InvalidCursor, ListError, StoreError};

#[derive(Debug, Error)]
pub enum ReadTicketError {
    #[error("Ticket not found")]
    NotFound,
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ListError> for ReadTicketError {
    fn from(error: ListError) -> Self {
        match error {
            ListError::InvalidCursor(invalid) => Self::InvalidCursor(invalid),
            ListError::Store(error) => Self::Store(error),
        }
    }
}

/// The ticket with a page of its timeline, as `actor` may see it: integrations (websites,
/// chatbots) never see internal notes and system events.
pub async fn read_ticket(
    tickets: &impl TicketReader,
    actor: &Actor,
    id: &TicketId,
    page: TimelinePage<'_>,
) -> Result<TicketWithTimeline, ReadTicketError> {
    let page = TimelinePage {
        limit: page.limit.clamp(1, MAX_TIMELINE_PAGE),
        cursor: page.cursor,
    };
    let read = tickets
        .ticket_page(actor.tenant(), id, page)
        .await?
        .ok_or(ReadTicketError::NotFound)?;
    Ok(as_seen_by(read, actor))
}

/// A ticket's page as `actor` may see it: integrations (websites, chatbots) see its public
/// entries only, never internal notes or system events.
pub fn as_seen_by(mut read: TicketWithTimeline, actor: &Actor) -> TicketWithTimeline {
    if actor.agent().is_none() {
        let (keys, timeline) = read
            .entry_keys
            .into_iter()
            .zip(read.timeline)
            .filter(|(_, entry)| entry.visibility == Visibility::Public)
            .unzip();
        read.entry_keys = keys;
        read.timeline = timeline;
    }
    read
}

/// The ticket alone: what a chatbot polls after a handoff (one read).
pub async fn ticket_status(
    tickets: &impl TicketReader,
    tenant: &TenantId,
    id: &TicketId,
) -> Result<Ticket, ReadTicketError> {
    tickets
        .ticket(tenant, id)
        .await?
        .ok_or(ReadTicketError::NotFound)
}

/// A page of the tenant's tickets matching `query`, newest first.
pub async fn list_tickets(
    tickets: &impl TicketReader,
    tenant: &TenantId,
    query: &TicketQuery,
) -> Result<TicketPage, ListError> {
    tickets.tickets(tenant, query).await
}

#[derive(Debug, Error)]
pub enum CustomerTicketsError {
    #[error("Customer not found")]
    NotFound,
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ListError> for CustomerTicketsError {
    fn from(error: ListError) -> Self {
        match error {
            ListError::InvalidCursor(invalid) => Self::InvalidCursor(invalid),
            ListError::Store(error) => Self::Store(error),
        }
    }
}

/// The tenant's customer.
pub async fn customer(
    tickets: &impl TicketReader,
    tenant: &TenantId,
    id: &CustomerId,
) -> Result<Customer, CustomerTicketsError> {
    tickets
        .customer(tenant, id)
        .await?
        .ok_or(CustomerTicketsError::NotFound)
}

/// A page of a customer's tickets, newest first; a customer that is not the tenant's is not
/// found, even when the listing (which carries no customer) is empty.
pub async fn customer_tickets(
    tickets: &impl TicketReader,
    tenant: &TenantId,
    query: &TicketQuery,
) -> Result<TicketPage, CustomerTicketsError> {
    let listed = tickets.tickets(tenant, query).await?;
    if listed.tickets.is_empty()
        && query.cursor.is_none()
        && let Some(customer_id) = &query.customer
    {
        customer(tickets, tenant, customer_id).await?;
    }
    Ok(listed)
}

/// The first timeline page after `change` was written, as the caller will see it: the ticket
/// changed as the domain says, and the new entries (stored under `keys`) joining the page when
/// it reached the end of the timeline.
pub(super) fn page_after(
    tickets: &impl TicketReader,
    mut read: TicketWithTimeline,
    change: &TicketChange,
    keys: Vec<String>,
) -> TicketWithTimeline {
    change.apply_to(&mut read.ticket);
    if read.timeline_next_cursor.is_none() {
        read.timeline.extend(change.entries.iter().cloned());
        read.entry_keys.extend(keys);
        if read.timeline.len() > DEFAULT_TIMELINE_PAGE {
            read.timeline.truncate(DEFAULT_TIMELINE_PAGE);
            read.entry_keys.truncate(DEFAULT_TIMELINE_PAGE);
            read.timeline_next_cursor = read
                .entry_keys
                .last()
                .map(|last| tickets.timeline_cursor(&read.ticket.ticket_id, last));
        }
    }
    read
}
