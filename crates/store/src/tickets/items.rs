//! How tickets, their timeline entries and their customers are stored: the items, the
//! attributes their indexes are keyed by, the keys of the claims that keep them unique, and the
//! decoding of stream images.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::TenantId;
use domain::customer::{ChannelIdentity, Customer};
use domain::ticket::{Channel, Ticket, TicketId, TicketStatus, TimelineEntry};
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// The sort key of the ticket item itself; it sorts before every `timeline#…` entry.
pub(super) const TICKET_ENTRY: &str = "ticket";
pub(super) const TIMELINE_PREFIX: &str = "timeline#";

/// A ticket as stored: the ticket plus its tenant and the attributes its indexes are keyed by.
#[derive(Serialize, Deserialize)]
pub(super) struct TicketItem {
    pub entry_key: String,
    pub tenant_id: String,
    pub customer_id: String,
    pub status_timestamp: String,
    pub tenant_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_assignee: Option<String>,
    #[serde(flatten)]
    pub ticket: Ticket,
}

impl TicketItem {
    pub fn new(tenant: &TenantId, ticket: Ticket) -> Self {
        Self {
            entry_key: TICKET_ENTRY.to_owned(),
            tenant_id: tenant.to_string(),
            customer_id: ticket.customer.internal_id.to_string(),
            status_timestamp: status_timestamp(ticket.status, &ticket.created_at),
            tenant_status: tenant_status(tenant, ticket.status),
            tenant_assignee: ticket
                .assigned_agent_id
                .as_deref()
                .map(|agent| tenant_assignee(tenant, agent)),
            ticket,
        }
    }
}

/// A timeline entry as stored.
#[derive(Serialize, Deserialize)]
pub(super) struct EntryItem {
    pub ticket_id: String,
    pub entry_key: String,
    pub tenant_id: String,
    #[serde(flatten)]
    pub entry: TimelineEntry,
}

/// A customer as stored.
#[derive(Serialize, Deserialize)]
pub(super) struct CustomerItem {
    pub tenant_id: String,
    pub channel_identity: String,
    /// The ticket the customer's channel messages go to while it is being worked on. Changed only
    /// under a condition on its previous value, so two first messages racing each other open one
    /// ticket, not two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_ticket_id: Option<String>,
    #[serde(flatten)]
    pub customer: Customer,
}

/// What a Tickets or Customers stream image holds.
pub(crate) enum StoredItem {
    Ticket {
        tenant: String,
        ticket: Box<Ticket>,
    },
    Entry {
        tenant: String,
        ticket_id: TicketId,
        entry: TimelineEntry,
    },
    Customer {
        tenant: String,
        customer: Customer,
    },
}

/// Whether an item of the Tickets table is a ticket (else a timeline entry).
pub(super) fn is_ticket(item: &HashMap<String, AttributeValue>) -> bool {
    item.get("entry_key")
        .and_then(|key| key.as_s().ok())
        .is_some_and(|key| key == TICKET_ENTRY)
}

/// Decodes an item of the Tickets table (a ticket or a timeline entry).
pub(crate) fn stream_ticket_item(
    item: HashMap<String, AttributeValue>,
) -> Result<StoredItem, StoreError> {
    if is_ticket(&item) {
        let stored: TicketItem = serde_dynamo::from_item(item)?;
        Ok(StoredItem::Ticket {
            tenant: stored.tenant_id,
            ticket: Box::new(stored.ticket),
        })
    } else {
        let stored: EntryItem = serde_dynamo::from_item(item)?;
        let ticket_id = TicketId::parse(&stored.ticket_id)
            .map_err(|error| StoreError::Malformed(format!("ticket_id {error}")))?;
        Ok(StoredItem::Entry {
            tenant: stored.tenant_id,
            ticket_id,
            entry: stored.entry,
        })
    }
}

/// Decodes an item of the Customers table.
pub(crate) fn stream_customer_item(
    item: HashMap<String, AttributeValue>,
) -> Result<StoredItem, StoreError> {
    let stored: CustomerItem = serde_dynamo::from_item(item)?;
    Ok(StoredItem::Customer {
        tenant: stored.tenant_id,
        customer: stored.customer,
    })
}

pub(super) fn status_timestamp(status: TicketStatus, created_at: &str) -> String {
    format!("{status}#{created_at}")
}

pub(super) fn tenant_status(tenant: &TenantId, status: TicketStatus) -> String {
    format!("{tenant}#{status}")
}

pub(super) fn tenant_assignee(tenant: &TenantId, agent: &str) -> String {
    format!("{tenant}#{agent}")
}

pub(super) fn identity_key(tenant: &TenantId, identity: &ChannelIdentity) -> String {
    format!("{tenant}#{}#{}", identity.channel, identity.handle)
}

pub(super) fn identity_claim(tenant: &TenantId, identity: &ChannelIdentity) -> String {
    format!("channel-identity#{}", identity_key(tenant, identity))
}

pub(super) fn handoff_claim(tenant: &TenantId, session: &str) -> String {
    format!("handoff#{tenant}#{session}")
}

/// The link from a provider's id of a message we sent to its timeline entry. Keyed by the
/// account it was sent from, so a status report arriving through another account (another
/// tenant's number) finds nothing to move.
pub(super) fn outbound_claim(
    channel: Channel,
    account_id: &str,
    provider_message_id: &str,
) -> String {
    format!("outbound-message#{channel}#{account_id}#{provider_message_id}")
}

/// An entry's sort key: when it was written, to the nanosecond (two messages sent one after the
/// other within a millisecond keep their order), then its position among the entries written
/// together (a message sorts before the status change it caused), then its id.
pub(super) fn entry_key(written: Written, position: usize, entry: &TimelineEntry) -> String {
    format!(
        "{TIMELINE_PREFIX}{:020}#{position:02}#{}",
        written.0, entry.message_id
    )
}

/// The moment a write's timeline entries were written, in nanoseconds since the epoch.
#[derive(Debug, Clone, Copy)]
pub(super) struct Written(u128);

impl Written {
    pub fn now() -> Self {
        Self(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos()),
        )
    }
}
