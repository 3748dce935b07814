//! Opening a ticket through the API (a website with the tenant's key, or an agent), and the one
//! way every use case opens a ticket for a customer: found by their channel identity (filled in,
//! never overwritten) or created, in one write with the ticket and its first entry.

use domain::TenantId;
use domain::customer::{ChannelIdentity, Customer};
use domain::ticket::{
    CustomerId, Opening, Priority, Source, Ticket, TicketCustomer, TicketId, TimelineEntry,
    customer_message,
};
use thiserror::Error;

use super::mint;
use super::ports::{Claim, CustomerWrite, NewTicketWrite, TicketReader, TicketWriter, Written};
use crate::StoreError;
use crate::clock::{now_rfc3339, random_u64};
use crate::figures::{Figure, count};
use crate::retry::Retries;

/// A ticket as a website or an agent asks for it, its fields already checked by the caller.
#[derive(Debug, Clone)]
pub struct TicketRequest {
    pub source: Source,
    pub identity: ChannelIdentity,
    pub name: Option<String>,
    pub primary_email: Option<String>,
    pub subject: String,
    pub first_message: String,
    pub priority: Option<Priority>,
    pub tags: Vec<String>,
}

#[derive(Debug, Error)]
pub enum OpenTicketError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Opens a ticket; answers it as stored (its customer as the profile shows them) with its first
/// entry.
pub async fn open_ticket(
    tickets: &(impl TicketReader + TicketWriter),
    tenant: &TenantId,
    request: TicketRequest,
) -> Result<(Ticket, TimelineEntry), OpenTicketError> {
    let at = now_rfc3339();
    let first = customer_message(mint(), &at, request.first_message);
    let opening = Opening {
        ticket_id: TicketId::generate(random_u64()),
        at,
        source: request.source,
        customer: TicketCustomer {
            internal_id: CustomerId::generate(random_u64()),
            name: request.name,
            primary_email: request.primary_email,
            channel_identity: request.identity.handle.clone(),
        },
        subject: request.subject,
        priority: request.priority.unwrap_or(Priority::Medium),
        tags: request.tags,
    };
    let mut retries = Retries::default();
    loop {
        match open_once(
            tickets,
            tenant,
            &opening,
            &first,
            &request.identity,
            false,
            &[],
            &retries,
        )
        .await?
        {
            Written::Done(ticket) => {
                count(Figure::TicketsOpened, 1);
                count(Figure::MessagesIn, 1);
                return Ok((ticket, first));
            }
            // Someone created this customer (or took this ticket id) meanwhile: look again.
            Written::Stale | Written::ClaimTaken(_) => retries.pause().await?,
        }
    }
}

/// One try at opening a ticket for the customer known by `identity`: their profile completes
/// what the opening says of them (and gains what it lacked), or they are created. `claims` are
/// written with it; after a first try the customer is read as just written.
#[allow(clippy::too_many_arguments)]
pub(super) async fn open_once(
    tickets: &(impl TicketReader + TicketWriter),
    tenant: &TenantId,
    opening: &Opening,
    first: &TimelineEntry,
    identity: &ChannelIdentity,
    takes_channel_messages: bool,
    claims: &[Claim],
    retries: &Retries,
) -> Result<Written<Ticket>, StoreError> {
    let known = tickets
        .customer_by_identity(tenant, identity, retries.attempt() > 0)
        .await?;
    let mut ticket = Ticket::open(opening.clone());
    let customer = match known {
        Some(known) => {
            let (shown, filled) = known.customer.meets(&opening.customer);
            ticket.customer = shown;
            CustomerWrite::FillIn { known, filled }
        }
        None => CustomerWrite::Create(Customer::first_contact(
            opening.customer.internal_id.clone(),
            &opening.customer,
            identity,
            &opening.at,
        )),
    };
    let write = NewTicketWrite {
        ticket: &ticket,
        first_entry: first,
        identity,
        customer: &customer,
        takes_channel_messages,
    };
    Ok(match tickets.open(tenant, write, claims).await? {
        Written::Done(()) => Written::Done(ticket),
        Written::ClaimTaken(at) => Written::ClaimTaken(at),
        Written::Stale => Written::Stale,
    })
}
