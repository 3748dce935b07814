//! Tickets, their timelines and their customers in DynamoDB.
//!
//! A ticket is one item and each timeline entry its own item under the same partition, so
//! reading a ticket with its first timeline page is one Query and appending is one
//! `TransactWriteItems` (the entries, plus the ticket's counters and status, atomically).
//! Changes that depend on the ticket's state are read-decide-write with the read status as the
//! write's condition, retried when another writer got there first.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use domain::TenantId;
use domain::customer::{ChannelIdentity, Customer};
use domain::ticket::{
    Channel, CustomerId, Delivery, MessageId, Priority, Ticket, TicketCustomer, TicketId,
    TicketStatus, TimelineEntry,
};
use serde::{Deserialize, Serialize};

use crate::cursor::{self, InvalidCursor};
use crate::replay::{self, Replay, Replayed};
use crate::tables::{CUSTOMERS, TableNames};
use crate::transact::{Transacted, transact};
use crate::{StoreError, condition_held};
use usecases::retry::Retries;

/// The sort key of the ticket item itself; it sorts before every `timeline#…` entry.
const TICKET_ENTRY: &str = "ticket";
const TIMELINE_PREFIX: &str = "timeline#";
/// How many timeline entries a ticket read returns unless asked for fewer.
pub const DEFAULT_TIMELINE_PAGE: usize = 100;
pub const MAX_TIMELINE_PAGE: usize = 500;
/// Items read per Query round while filling a page that a filter may thin out.
const FILTERED_BATCH: usize = 200;
/// Bounds of an open created-time range: below and above every RFC 3339 timestamp (an empty
/// string cannot be a key value).
const LOWEST: &str = "0";
const HIGHEST: &str = "~";

#[derive(Clone)]
pub struct TicketStore {
    client: Client,
    tickets_table: String,
    customers_table: String,
    claims_table: String,
}

/// A ticket as stored: the ticket plus its tenant and the attributes its indexes are keyed by.
#[derive(Serialize, Deserialize)]
struct TicketItem {
    entry_key: String,
    tenant_id: String,
    customer_id: String,
    status_timestamp: String,
    tenant_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tenant_assignee: Option<String>,
    #[serde(flatten)]
    ticket: Ticket,
}

impl TicketItem {
    fn new(tenant: &TenantId, ticket: Ticket) -> Self {
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
struct EntryItem {
    ticket_id: String,
    entry_key: String,
    tenant_id: String,
    #[serde(flatten)]
    entry: TimelineEntry,
}

/// A customer as stored.
#[derive(Serialize, Deserialize)]
struct CustomerItem {
    tenant_id: String,
    channel_identity: String,
    /// The ticket the customer's channel messages go to while it is being worked on. Changed only
    /// under a condition on its previous value, so two first messages racing each other open one
    /// ticket, not two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    open_ticket_id: Option<String>,
    #[serde(flatten)]
    customer: Customer,
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

/// Decodes an item of the Tickets table (a ticket or a timeline entry).
pub(crate) fn stream_ticket_item(
    item: HashMap<String, AttributeValue>,
) -> Result<StoredItem, StoreError> {
    let is_ticket = item
        .get("entry_key")
        .and_then(|key| key.as_s().ok())
        .is_some_and(|key| key == TICKET_ENTRY);
    if is_ticket {
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

fn status_timestamp(status: TicketStatus, created_at: &str) -> String {
    format!("{status}#{created_at}")
}

fn tenant_status(tenant: &TenantId, status: TicketStatus) -> String {
    format!("{tenant}#{status}")
}

fn tenant_assignee(tenant: &TenantId, agent: &str) -> String {
    format!("{tenant}#{agent}")
}

fn identity_key(tenant: &TenantId, identity: &ChannelIdentity) -> String {
    format!("{tenant}#{}#{}", identity.channel, identity.handle)
}

/// The link from a provider's id of a message we sent to its timeline entry. Keyed by the
/// account it was sent from, so a status report arriving through another account (another
/// tenant's number) finds nothing to move.
fn outbound_claim(channel: Channel, account_id: &str, provider_message_id: &str) -> String {
    format!("outbound-message#{channel}#{account_id}#{provider_message_id}")
}

fn handoff_claim(tenant: &TenantId, session: &str) -> String {
    format!("handoff#{tenant}#{session}")
}

fn identity_claim(tenant: &TenantId, identity: &ChannelIdentity) -> String {
    format!("channel-identity#{}", identity_key(tenant, identity))
}

/// An entry's sort key: when it was written, to the nanosecond (two messages sent one after the
/// other within a millisecond keep their order), then its position among the entries written
/// together (a message sorts before the status change it caused), then its id.
fn entry_key(written: Written, position: usize, entry: &TimelineEntry) -> String {
    format!(
        "{TIMELINE_PREFIX}{:020}#{position:02}#{}",
        written.0, entry.message_id
    )
}

/// The moment a write's timeline entries were written, in nanoseconds since the epoch.
#[derive(Debug, Clone, Copy)]
struct Written(u128);

impl Written {
    fn now() -> Self {
        Self(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos()),
        )
    }
}

/// A ticket with one page of its timeline, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketWithTimeline {
    pub ticket: Ticket,
    pub timeline: Vec<TimelineEntry>,
    /// Where the next timeline page starts; `None` when this page reaches the end.
    pub timeline_next_cursor: Option<String>,
    /// The stored sort key of each entry of `timeline`, for cursors.
    entry_keys: Vec<String>,
}

/// A new ticket: the ticket (its customer part filled in by the store), its first timeline entry,
/// and who the customer is.
pub struct NewTicket {
    pub ticket: Ticket,
    pub first_entry: TimelineEntry,
    pub identity: ChannelIdentity,
    /// Used only when the customer is new.
    pub new_customer_id: CustomerId,
}

/// A customer's message arriving from a channel.
pub struct ChannelMessage {
    /// The ticket to open (with the message as its first entry) when the customer has no active
    /// one; its `identity` finds the customer.
    pub opening: NewTicket,
    /// The provider's id of the message, unique within its channel.
    pub provider_message_id: String,
    /// Epoch seconds until which a repeat of this message is recognised: the providers' retry
    /// window, after which the record expires.
    pub dedupe_until: u64,
    /// Logged when the message reopens a ticket (its content is set here).
    pub status_event: TimelineEntry,
}

/// A chatbot handing a conversation to a person.
pub struct Handoff {
    /// The ticket to open, with the handoff's message as its first entry.
    pub opening: NewTicket,
    /// The chatbot's session: one handoff ticket at a time is worked on per session.
    pub session: String,
    /// The client's idempotency record, written with the ticket.
    pub replay: Option<Replay>,
}

/// What became of a handoff.
#[derive(Debug, Clone, PartialEq)]
pub enum HandedOff {
    Opened(Ticket),
    /// The session's earlier handoff ticket is still being worked on: nothing was written.
    AlreadyOpen(Ticket),
    /// The idempotency key was used for this request before; this was the answer.
    Repeated(String),
    /// The idempotency key was used for another request: nothing was written.
    KeyReused,
}

/// What became of a channel message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Added to the customer's active ticket.
    Joined(TicketId),
    /// Opened a new ticket.
    Opened(TicketId),
    /// Seen before: nothing was written.
    Duplicate,
}

/// A stored customer and where their channel messages go.
#[derive(Debug, Clone)]
struct KnownCustomer {
    customer: Customer,
    open_ticket_id: Option<String>,
}

/// Whether opening a ticket also makes it the one the customer's channel messages go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pointer {
    Leave,
    Claim,
}

/// What a read-decide-write changes on a ticket. `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TicketChange {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub assigned_agent_id: Option<String>,
    pub tags: Option<Vec<String>>,
    /// Entries appended to the timeline, in order.
    pub entries: Vec<TimelineEntry>,
    pub updated_at: String,
}

/// Why a read-decide-write did not happen.
#[derive(Debug)]
pub enum ChangeError<E> {
    /// No such ticket for this tenant; nothing was written.
    NotFound,
    /// The decision refused the change; nothing was written.
    Refused(E),
    Store(StoreError),
}

impl<E> From<StoreError> for ChangeError<E> {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// Which tickets a listing wants. Every filter applies before the page is cut.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub assigned_agent_id: Option<String>,
    pub customer: Option<CustomerId>,
    pub tag: Option<String>,
    pub channel: Option<domain::ticket::Channel>,
    /// Inclusive bounds on `created_at`, in the stored RFC 3339 form.
    pub created_from: Option<String>,
    pub created_to: Option<String>,
}

/// One page of a listing, newest first.
#[derive(Debug, Clone)]
pub struct TicketPage {
    pub tickets: Vec<Ticket>,
    pub next_cursor: Option<String>,
}

#[derive(Debug)]
pub enum ListError {
    InvalidCursor,
    Store(StoreError),
}

impl From<InvalidCursor> for ListError {
    fn from(_: InvalidCursor) -> Self {
        Self::InvalidCursor
    }
}

impl From<StoreError> for ListError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<serde_dynamo::Error> for ListError {
    fn from(error: serde_dynamo::Error) -> Self {
        Self::Store(error.into())
    }
}

/// The index a listing reads and how: its name, its partition, and the key condition on its
/// sort key.
struct ListingPlan {
    index: &'static str,
    partition: (&'static str, String),
    sort: (&'static str, Option<(String, String)>),
    filters: Vec<&'static str>,
    /// Whether a filter may drop tickets (the tenant check on customer indexes never does).
    thinned: bool,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl TicketStore {
    pub fn new(client: Client, tables: &TableNames) -> Self {
        Self {
            client,
            tickets_table: tables.tickets.clone(),
            customers_table: tables.customers.clone(),
            claims_table: tables.claims.clone(),
        }
    }

    /// Opens a ticket, finding the customer by their channel identity or creating them, in one
    /// transaction with the ticket and its first entry. Returns the ticket as stored.
    pub async fn create(&self, tenant: &TenantId, new: NewTicket) -> Result<Ticket, StoreError> {
        let mut retries = Retries::default();
        loop {
            let existing = self
                .customer_for(tenant, &new.identity, retries.attempt())
                .await?;
            let (ticket, writes) = self.opening(tenant, &new, existing.as_ref(), Pointer::Leave)?;
            match transact(&self.client, writes, &mut retries).await? {
                Transacted::Done => return Ok(ticket),
                // Someone created this customer (or took this ticket id) meanwhile: look again.
                Transacted::ConditionFailed { .. } => retries.pause().await?,
            }
        }
    }

    /// A chatbot's handoff of a conversation: a ticket opened for the session, at most one at a
    /// time. While the session's earlier handoff ticket is still being worked on, that ticket is
    /// the answer and nothing is written; a client's idempotency record is written with the
    /// ticket, so a retry with the same key gets the first answer even after the ticket closed.
    pub async fn hand_off(
        &self,
        tenant: &TenantId,
        handoff: Handoff,
    ) -> Result<HandedOff, StoreError> {
        let claim = handoff_claim(tenant, &handoff.session);
        let mut retries = Retries::default();
        loop {
            let previous = match self.claimed_ticket(&claim).await? {
                Some(id) => match self.ticket(tenant, &id).await? {
                    Some(ticket) if ticket.status.is_active() => {
                        // A retry of the request that opened it gets that request's answer.
                        return Ok(match self.earlier_handoff(&handoff).await? {
                            Some(outcome) => outcome,
                            None => HandedOff::AlreadyOpen(ticket),
                        });
                    }
                    _ => Some(id),
                },
                None => None,
            };
            let existing = self
                .customer_for(tenant, &handoff.opening.identity, retries.attempt())
                .await?;
            let (ticket, opening) =
                self.opening(tenant, &handoff.opening, existing.as_ref(), Pointer::Leave)?;
            let mut writes = Vec::with_capacity(opening.len() + 2);
            if let Some(replay) = &handoff.replay {
                writes.push(replay::put(&self.claims_table, tenant, replay)?);
            }
            writes.push(self.handoff_claim_put(&claim, &ticket.ticket_id, previous.as_ref())?);
            writes.extend(opening);
            match transact(&self.client, writes, &mut retries).await? {
                Transacted::Done => return Ok(HandedOff::Opened(ticket)),
                Transacted::ConditionFailed { writes } => {
                    if handoff.replay.is_some()
                        && writes.contains(&0)
                        && let Some(outcome) = self.earlier_handoff(&handoff).await?
                    {
                        return Ok(outcome);
                    }
                    // Another handoff of the session (or a new customer) got there first.
                    retries.pause().await?;
                }
            }
        }
    }

    /// What an earlier use of the handoff's idempotency key answered, if it was used.
    async fn earlier_handoff(&self, handoff: &Handoff) -> Result<Option<HandedOff>, StoreError> {
        let Some(replay) = &handoff.replay else {
            return Ok(None);
        };
        Ok(
            match replay::earlier(&self.client, &self.claims_table, replay).await? {
                Some(Replayed::Same(response)) => Some(HandedOff::Repeated(response)),
                Some(Replayed::Different) => Some(HandedOff::KeyReused),
                None => None,
            },
        )
    }

    /// The ticket a session's last handoff opened, read consistently.
    async fn claimed_ticket(&self, claim: &str) -> Result<Option<TicketId>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.claims_table)
            .key("claim", AttributeValue::S(claim.to_owned()))
            .consistent_read(true)
            .send()
            .await?;
        match output.item.as_ref().and_then(|item| item.get("ticket_id")) {
            Some(AttributeValue::S(id)) => TicketId::parse(id)
                .map(Some)
                .map_err(|error| StoreError::Malformed(format!("handoff ticket_id {error}"))),
            _ => Ok(None),
        }
    }

    /// Points a session's handoff claim at `ticket`, if it still names what was read.
    fn handoff_claim_put(
        &self,
        claim: &str,
        ticket: &TicketId,
        previous: Option<&TicketId>,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.claims_table)
            .item("claim", AttributeValue::S(claim.to_owned()))
            .item("ticket_id", AttributeValue::S(ticket.to_string()));
        let put = match previous {
            Some(previous) => put
                .condition_expression("ticket_id = :previous")
                .expression_attribute_values(":previous", AttributeValue::S(previous.to_string())),
            None => put.condition_expression("attribute_not_exists(claim)"),
        };
        let put = put
            .build()
            .map_err(|error| StoreError::Malformed(error.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// A customer's message from a channel, at most once per provider message id: it joins the
    /// customer's ticket that is still being worked on (reopening a pending one), or opens a new
    /// ticket, creating the customer on first contact. The de-duplication record is written in
    /// the same transaction, so a delivery repeated (even concurrently) changes nothing.
    pub async fn receive(
        &self,
        tenant: &TenantId,
        message: ChannelMessage,
    ) -> Result<Received, StoreError> {
        let guard = self.put_new(
            &self.claims_table,
            HashMap::from([
                (
                    "claim".to_owned(),
                    AttributeValue::S(format!(
                        "channel-message#{}#{}",
                        message.opening.identity.channel, message.provider_message_id
                    )),
                ),
                (
                    "expiresAt".to_owned(),
                    AttributeValue::N(message.dedupe_until.to_string()),
                ),
            ]),
            "claim",
        )?;
        let mut retries = Retries::default();
        loop {
            let existing = self
                .customer_for(tenant, &message.opening.identity, retries.attempt())
                .await?;
            let active = match &existing {
                Some(known) => self.channel_ticket(tenant, known).await?,
                None => None,
            };
            let (outcome, writes) = match active {
                Some(ticket) => {
                    let reopened = domain::ticket::status_after_message(
                        ticket.status,
                        message.opening.first_entry.sender_type,
                        message.opening.first_entry.visibility,
                    )
                    .ok()
                    .flatten();
                    let mut entries = vec![message.opening.first_entry.clone()];
                    if let Some(next) = reopened {
                        let mut event = message.status_event.clone();
                        event.content = Ticket::status_event(ticket.status, next);
                        entries.push(event);
                    }
                    let change = TicketChange {
                        status: reopened,
                        updated_at: message.opening.first_entry.timestamp.clone(),
                        entries,
                        ..TicketChange::default()
                    };
                    // The index may lag: the write holds only if the ticket is still as read.
                    let mut writes =
                        vec![guard.clone(), self.ticket_update(tenant, &ticket, &change)?];
                    let written = Written::now();
                    for (position, entry) in change.entries.iter().enumerate() {
                        writes.push(self.entry_put(
                            tenant,
                            &ticket.ticket_id,
                            entry,
                            written,
                            position,
                        )?);
                    }
                    (Received::Joined(ticket.ticket_id), writes)
                }
                None => {
                    let (ticket, opening) =
                        self.opening(tenant, &message.opening, existing.as_ref(), Pointer::Claim)?;
                    let mut writes = vec![guard.clone()];
                    writes.extend(opening);
                    (Received::Opened(ticket.ticket_id), writes)
                }
            };
            match transact(&self.client, writes, &mut retries).await? {
                Transacted::Done => return Ok(outcome),
                Transacted::ConditionFailed { writes } if writes.contains(&0) => {
                    return Ok(Received::Duplicate);
                }
                Transacted::ConditionFailed { .. } => retries.pause().await?,
            }
        }
    }

    /// Remembers which timeline entry an outbound channel message is, so the provider's delivery
    /// reports for the account it was sent from find it. The sender calls this once the provider
    /// accepted the message; the link expires at `keep_until` (epoch seconds). `false` when the
    /// ticket has no such message.
    #[allow(clippy::too_many_arguments)]
    pub async fn link_outbound(
        &self,
        tenant: &TenantId,
        channel: Channel,
        account_id: &str,
        provider_message_id: &str,
        ticket: &TicketId,
        message: &MessageId,
        keep_until: u64,
    ) -> Result<bool, StoreError> {
        let Some(entry_key) = self.entry_key_of(tenant, ticket, message).await? else {
            return Ok(false);
        };
        self.client
            .put_item()
            .table_name(&self.claims_table)
            .item(
                "claim",
                AttributeValue::S(outbound_claim(channel, account_id, provider_message_id)),
            )
            .item("tenant_id", AttributeValue::S(tenant.to_string()))
            .item("ticket_id", AttributeValue::S(ticket.to_string()))
            .item("entry_key", AttributeValue::S(entry_key))
            .item("expiresAt", AttributeValue::N(keep_until.to_string()))
            .send()
            .await?;
        Ok(true)
    }

    /// Moves an outbound message to the state its provider reported, never backwards (a late
    /// `delivered` does not undo `read`). Only a message `tenant` sent from `account_id` is
    /// touched: `false` when the message is not one that account sent (or its link expired) or
    /// the report is older than what is recorded.
    pub async fn record_delivery(
        &self,
        tenant: &TenantId,
        channel: Channel,
        account_id: &str,
        provider_message_id: &str,
        delivery: &Delivery,
    ) -> Result<bool, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.claims_table)
            .key(
                "claim",
                AttributeValue::S(outbound_claim(channel, account_id, provider_message_id)),
            )
            .send()
            .await?;
        let link = output.item.unwrap_or_default();
        let (
            Some(AttributeValue::S(owner)),
            Some(AttributeValue::S(ticket)),
            Some(AttributeValue::S(entry_key)),
        ) = (
            link.get("tenant_id"),
            link.get("ticket_id"),
            link.get("entry_key"),
        )
        else {
            return Ok(false);
        };
        if owner != tenant.as_str() {
            return Ok(false);
        }
        self.apply_delivery(ticket, entry_key, delivery).await
    }

    /// Records how far an outbound message got when no provider id links to it (a send that
    /// failed before the provider accepted it); `Ok(false)` when the message is not the
    /// tenant's or already further along.
    pub async fn mark_delivery(
        &self,
        tenant: &TenantId,
        ticket: &TicketId,
        message: &MessageId,
        delivery: &Delivery,
    ) -> Result<bool, StoreError> {
        match self.entry_key_of(tenant, ticket, message).await? {
            Some(entry_key) => {
                self.apply_delivery(ticket.as_str(), &entry_key, delivery)
                    .await
            }
            None => Ok(false),
        }
    }

    /// Moves a timeline entry's delivery state forward only (a late `sent` never undoes `read`).
    async fn apply_delivery(
        &self,
        ticket: &str,
        entry_key: &str,
        delivery: &Delivery,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tickets_table)
            .key("ticket_id", AttributeValue::S(ticket.to_owned()))
            .key("entry_key", AttributeValue::S(entry_key.to_owned()))
            .update_expression("SET delivery = :delivery, delivery_rank = :rank")
            .condition_expression(
                "attribute_exists(entry_key) AND \
                 (attribute_not_exists(delivery_rank) OR delivery_rank < :rank)",
            )
            .expression_attribute_values(
                ":delivery",
                AttributeValue::M(serde_dynamo::to_item(delivery)?),
            )
            .expression_attribute_values(
                ":rank",
                AttributeValue::N(delivery.state.rank().to_string()),
            )
            .send()
            .await;
        condition_held(result)
    }

    /// The stored sort key of one of a ticket's messages.
    async fn entry_key_of(
        &self,
        tenant: &TenantId,
        ticket: &TicketId,
        message: &MessageId,
    ) -> Result<Option<String>, StoreError> {
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.tickets_table)
                .key_condition_expression(
                    "ticket_id = :ticket AND begins_with(entry_key, :timeline)",
                )
                .filter_expression("message_id = :message AND tenant_id = :tenant")
                .expression_attribute_values(":ticket", AttributeValue::S(ticket.to_string()))
                .expression_attribute_values(
                    ":timeline",
                    AttributeValue::S(TIMELINE_PREFIX.to_owned()),
                )
                .expression_attribute_values(":message", AttributeValue::S(message.to_string()))
                .expression_attribute_values(":tenant", AttributeValue::S(tenant.to_string()))
                .set_exclusive_start_key(start)
                .send()
                .await?;
            let found = output
                .items
                .unwrap_or_default()
                .into_iter()
                .find_map(|item| {
                    item.get("entry_key")
                        .and_then(|key| key.as_s().ok())
                        .cloned()
                });
            if found.is_some() {
                return Ok(found);
            }
            match output.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(None),
            }
        }
    }

    /// The customer known by `identity`: through the index in the common case, and after a lost
    /// race through the claim (read consistently), which names the customer someone else just
    /// created.
    async fn customer_for(
        &self,
        tenant: &TenantId,
        identity: &ChannelIdentity,
        attempt: u32,
    ) -> Result<Option<KnownCustomer>, StoreError> {
        if attempt == 0 {
            self.customer_by_index(tenant, identity).await
        } else {
            self.customer_by_claim(tenant, identity).await
        }
    }

    /// The ticket as it will be stored and the writes that open it: the customer's creation (or
    /// the filling in of what the known customer lacks), the ticket and its first entry.
    fn opening(
        &self,
        tenant: &TenantId,
        new: &NewTicket,
        existing: Option<&KnownCustomer>,
        pointer: Pointer,
    ) -> Result<(Ticket, Vec<TransactWriteItem>), StoreError> {
        let identity = &new.identity;
        let mut ticket = new.ticket.clone();
        let mut writes = Vec::with_capacity(5);
        let claimed = (pointer == Pointer::Claim).then(|| ticket.ticket_id.to_string());
        match existing {
            Some(known) => {
                let customer = &known.customer;
                writes.extend(self.update_customer(known, &ticket.customer, claimed)?);
                ticket.customer = TicketCustomer {
                    internal_id: customer.internal_id.clone(),
                    name: customer.name.clone().or(ticket.customer.name.clone()),
                    primary_email: customer
                        .primary_email
                        .clone()
                        .or(ticket.customer.primary_email.clone()),
                    channel_identity: identity.handle.clone(),
                };
            }
            None => {
                ticket.customer.internal_id = new.new_customer_id.clone();
                ticket.customer.channel_identity = identity.handle.clone();
                let customer = Customer {
                    internal_id: new.new_customer_id.clone(),
                    name: ticket.customer.name.clone(),
                    primary_email: ticket.customer.primary_email.clone(),
                    channels: vec![identity.channel],
                    identities: vec![identity.clone()],
                    created_at: ticket.created_at.clone(),
                    updated_at: ticket.created_at.clone(),
                };
                writes.extend(self.new_customer_writes(tenant, identity, customer, claimed)?);
            }
        }
        writes.push(self.put_new(
            &self.tickets_table,
            serde_dynamo::to_item(TicketItem::new(tenant, ticket.clone()))?,
            "ticket_id",
        )?);
        writes.push(self.entry_put(
            tenant,
            &ticket.ticket_id,
            &new.first_entry,
            Written::now(),
            0,
        )?);
        Ok((ticket, writes))
    }

    /// The ticket a customer's channel message joins: the one their pointer names while it is
    /// still being worked on (read consistently), or without a pointer their newest active ticket
    /// (one opened through the API or a handoff).
    async fn channel_ticket(
        &self,
        tenant: &TenantId,
        known: &KnownCustomer,
    ) -> Result<Option<Ticket>, StoreError> {
        match &known.open_ticket_id {
            Some(id) => {
                let id = TicketId::parse(id)
                    .map_err(|error| StoreError::Malformed(format!("open_ticket_id {error}")))?;
                Ok(self
                    .ticket(tenant, &id)
                    .await?
                    .filter(|ticket| ticket.status.is_active()))
            }
            None => {
                self.active_ticket(tenant, &known.customer.internal_id)
                    .await
            }
        }
    }

    /// The customer's newest ticket that is still being worked on (new, open or waiting for
    /// them), newest first through `CustomerCreatedIndex`.
    async fn active_ticket(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
    ) -> Result<Option<Ticket>, StoreError> {
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.tickets_table)
                .index_name("CustomerCreatedIndex")
                .key_condition_expression("customer_id = :customer")
                .filter_expression("tenant_id = :tenant AND #status IN (:new, :open, :pending)")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":customer", AttributeValue::S(customer.to_string()))
                .expression_attribute_values(":tenant", AttributeValue::S(tenant.to_string()))
                .expression_attribute_values(
                    ":new",
                    AttributeValue::S(TicketStatus::New.to_string()),
                )
                .expression_attribute_values(
                    ":open",
                    AttributeValue::S(TicketStatus::Open.to_string()),
                )
                .expression_attribute_values(
                    ":pending",
                    AttributeValue::S(TicketStatus::PendingCustomer.to_string()),
                )
                .scan_index_forward(false)
                .set_exclusive_start_key(start)
                .send()
                .await?;
            if let Some(item) = output.items.unwrap_or_default().into_iter().next() {
                let stored: TicketItem = serde_dynamo::from_item(item)?;
                return Ok(Some(stored.ticket));
            }
            match output.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(None),
            }
        }
    }

    /// The ticket with the first `limit` timeline entries, or the page after `timeline_cursor`.
    /// `None` when it does not exist or belongs to another tenant.
    pub async fn read(
        &self,
        tenant: &TenantId,
        id: &TicketId,
        limit: usize,
        timeline_cursor: Option<&str>,
    ) -> Result<Option<TicketWithTimeline>, ListError> {
        let limit = limit.clamp(1, MAX_TIMELINE_PAGE);
        let Some(cursor) = timeline_cursor else {
            // The ticket item sorts first, so one Query returns it with the first page.
            let (items, more) = self.timeline_query(id, None, limit + 1).await?;
            let mut items = items.into_iter();
            let Some(first) = items.next() else {
                return Ok(None);
            };
            let Some(ticket) = self.owned_ticket(tenant, first)? else {
                return Ok(None);
            };
            let entries: Vec<HashMap<String, AttributeValue>> = items.collect();
            return Ok(Some(self.with_timeline(ticket, entries, more)?));
        };
        let start = cursor::decode(
            cursor,
            "timeline",
            &["ticket_id", "entry_key"],
            ("ticket_id", id.as_str()),
        )?;
        let (ticket, page) = tokio::join!(
            self.ticket_item(id),
            self.timeline_query(id, Some(start), limit)
        );
        let Some(ticket) = ticket? else {
            return Ok(None);
        };
        let Some(ticket) = self.owned_ticket(tenant, ticket)? else {
            return Ok(None);
        };
        let (entries, more) = page?;
        Ok(Some(self.with_timeline(ticket, entries, more)?))
    }

    /// The ticket alone (no timeline): one consistent GetItem, what a status poll needs.
    pub async fn ticket(
        &self,
        tenant: &TenantId,
        id: &TicketId,
    ) -> Result<Option<Ticket>, StoreError> {
        match self.ticket_item(id).await? {
            Some(item) => self.owned_ticket(tenant, item),
            None => Ok(None),
        }
    }

    /// Reads the ticket, lets `decide` turn it into a change (or refuse), and writes the change
    /// with the read status as its condition: a concurrent status change (a close) makes it
    /// decide again on what is there now. Messages that leave the status alone never conflict
    /// with each other. Returns the ticket as
    /// changed, with its first timeline page.
    pub async fn change<E>(
        &self,
        tenant: &TenantId,
        id: &TicketId,
        decide: impl Fn(&Ticket) -> Result<TicketChange, E>,
    ) -> Result<TicketWithTimeline, ChangeError<E>> {
        let mut retries = Retries::default();
        loop {
            let current = match self.read(tenant, id, DEFAULT_TIMELINE_PAGE, None).await {
                Ok(Some(current)) => current,
                Ok(None) => return Err(ChangeError::NotFound),
                Err(ListError::Store(error)) => return Err(error.into()),
                Err(ListError::InvalidCursor) => unreachable!("the first page needs no cursor"),
            };
            let change = decide(&current.ticket).map_err(ChangeError::Refused)?;
            let mut writes = vec![self.ticket_update(tenant, &current.ticket, &change)?];
            let written = Written::now();
            for (position, entry) in change.entries.iter().enumerate() {
                writes.push(self.entry_put(tenant, id, entry, written, position)?);
            }
            match transact(&self.client, writes, &mut retries).await? {
                Transacted::Done => return Ok(apply(current, change, written)),
                Transacted::ConditionFailed { .. } => {
                    retries.pause().await.map_err(StoreError::from)?
                }
            }
        }
    }

    /// A page of the tenant's tickets matching `filter`, newest first. `skip` drops that many
    /// matching tickets first (seed 004's `page`); a cursor continues a previous page.
    pub async fn list(
        &self,
        tenant: &TenantId,
        filter: &TicketFilter,
        limit: usize,
        skip: usize,
        cursor: Option<&str>,
    ) -> Result<TicketPage, ListError> {
        let plan = ListingPlan::new(tenant, filter);
        let key_attributes = ["ticket_id", "entry_key", plan.partition.0, plan.sort.0];
        let mut start = cursor
            .map(|cursor| {
                cursor::decode(
                    cursor,
                    plan.index,
                    &key_attributes,
                    (plan.partition.0, &plan.partition.1),
                )
            })
            .transpose()?;
        let mut to_skip = skip;
        let mut tickets = Vec::with_capacity(limit);
        loop {
            let output = plan
                .query(
                    &self.client,
                    &self.tickets_table,
                    start.take(),
                    limit - tickets.len() + to_skip,
                )
                .send()
                .await
                .map_err(StoreError::from)?;
            let items = output.items.unwrap_or_default();
            let exhausted = output.last_evaluated_key.is_none();
            let count = items.len();
            for (position, item) in items.into_iter().enumerate() {
                if to_skip > 0 {
                    to_skip -= 1;
                    continue;
                }
                let stored: TicketItem = serde_dynamo::from_item(item.clone())?;
                tickets.push(stored.ticket);
                if tickets.len() == limit {
                    let more = !exhausted || position + 1 < count;
                    let next_cursor =
                        more.then(|| cursor::encode(plan.index, &item, &key_attributes));
                    return Ok(TicketPage {
                        tickets,
                        next_cursor,
                    });
                }
            }
            match output.last_evaluated_key {
                Some(key) => start = Some(key),
                None => {
                    return Ok(TicketPage {
                        tickets,
                        next_cursor: None,
                    });
                }
            }
        }
    }

    /// The tenant's customer with this id.
    pub async fn customer(
        &self,
        tenant: &TenantId,
        id: &CustomerId,
    ) -> Result<Option<Customer>, StoreError> {
        Ok(self
            .known_customer(tenant, id, false)
            .await?
            .map(|known| known.customer))
    }

    async fn known_customer(
        &self,
        tenant: &TenantId,
        id: &CustomerId,
        consistent: bool,
    ) -> Result<Option<KnownCustomer>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.customers_table)
            .key(CUSTOMERS.partition_key, AttributeValue::S(id.to_string()))
            .consistent_read(consistent)
            .send()
            .await?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let stored: CustomerItem = serde_dynamo::from_item(item)?;
        Ok(
            (stored.tenant_id == tenant.as_str()).then_some(KnownCustomer {
                customer: stored.customer,
                open_ticket_id: stored.open_ticket_id,
            }),
        )
    }

    /// The customer known by this channel identity, through `ChannelIdentityIndex` (eventually
    /// consistent: a customer created a moment ago may not show yet).
    async fn customer_by_index(
        &self,
        tenant: &TenantId,
        identity: &ChannelIdentity,
    ) -> Result<Option<KnownCustomer>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.customers_table)
            .index_name(CUSTOMERS.indexes[0].name)
            .key_condition_expression("channel_identity = :identity")
            .expression_attribute_values(
                ":identity",
                AttributeValue::S(identity_key(tenant, identity)),
            )
            .limit(1)
            .send()
            .await?;
        match output.items.unwrap_or_default().into_iter().next() {
            Some(item) => {
                let stored: CustomerItem = serde_dynamo::from_item(item)?;
                Ok(Some(KnownCustomer {
                    customer: stored.customer,
                    open_ticket_id: stored.open_ticket_id,
                }))
            }
            None => Ok(None),
        }
    }

    /// The customer an identity's claim points at: a consistent read, for the moment right
    /// after a creation that the index does not show yet.
    async fn customer_by_claim(
        &self,
        tenant: &TenantId,
        identity: &ChannelIdentity,
    ) -> Result<Option<KnownCustomer>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.claims_table)
            .key("claim", AttributeValue::S(identity_claim(tenant, identity)))
            .consistent_read(true)
            .send()
            .await?;
        let owner = output
            .item
            .as_ref()
            .and_then(|item| item.get("owner"))
            .and_then(|owner| owner.as_s().ok());
        match owner {
            Some(owner) => {
                let id = CustomerId::parse(owner)
                    .map_err(|error| StoreError::Malformed(format!("claim owner {error}")))?;
                self.known_customer(tenant, &id, true).await
            }
            None => Ok(None),
        }
    }

    fn new_customer_writes(
        &self,
        tenant: &TenantId,
        identity: &ChannelIdentity,
        customer: Customer,
        open_ticket_id: Option<String>,
    ) -> Result<[TransactWriteItem; 2], StoreError> {
        let claim = HashMap::from([
            (
                "claim".to_owned(),
                AttributeValue::S(identity_claim(tenant, identity)),
            ),
            (
                "owner".to_owned(),
                AttributeValue::S(customer.internal_id.to_string()),
            ),
        ]);
        let item = CustomerItem {
            tenant_id: tenant.to_string(),
            channel_identity: identity_key(tenant, identity),
            open_ticket_id,
            customer,
        };
        Ok([
            self.put_new(&self.claims_table, claim, "claim")?,
            self.put_new(
                &self.customers_table,
                serde_dynamo::to_item(item)?,
                CUSTOMERS.partition_key,
            )?,
        ])
    }

    /// The known customer's update for a new ticket: their missing name or email filled in
    /// (never overwritten), and, when the ticket is to receive their channel messages, the
    /// pointer moved to it if it still is what was read.
    fn update_customer(
        &self,
        known: &KnownCustomer,
        given: &TicketCustomer,
        open_ticket_id: Option<String>,
    ) -> Result<Option<TransactWriteItem>, StoreError> {
        let customer = &known.customer;
        let mut sets = Vec::new();
        // Each filled-in field is conditioned on still being absent, so a concurrent first write
        // of it is never overwritten: the loser reads again and finds it there.
        let mut conditions = Vec::new();
        let mut update = Update::builder().table_name(&self.customers_table).key(
            CUSTOMERS.partition_key,
            AttributeValue::S(customer.internal_id.to_string()),
        );
        if let (None, Some(name)) = (&customer.name, &given.name) {
            sets.push("#name = :name");
            conditions.push("attribute_not_exists(#name)");
            update = update
                .expression_attribute_names("#name", "name")
                .expression_attribute_values(":name", AttributeValue::S(name.clone()));
        }
        if let (None, Some(email)) = (&customer.primary_email, &given.primary_email) {
            sets.push("primary_email = :email");
            conditions.push("attribute_not_exists(primary_email)");
            update = update.expression_attribute_values(":email", AttributeValue::S(email.clone()));
        }
        if let Some(ticket) = open_ticket_id {
            sets.push("open_ticket_id = :ticket");
            update = update.expression_attribute_values(":ticket", AttributeValue::S(ticket));
            match &known.open_ticket_id {
                Some(seen) => {
                    conditions.push("open_ticket_id = :seen");
                    update = update
                        .expression_attribute_values(":seen", AttributeValue::S(seen.clone()));
                }
                None => conditions.push("attribute_not_exists(open_ticket_id)"),
            }
        }
        if sets.is_empty() {
            return Ok(None);
        }
        let update = update
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression(conditions.join(" AND "))
            .build()
            .map_err(|error| StoreError::Malformed(error.to_string()))?;
        Ok(Some(TransactWriteItem::builder().update(update).build()))
    }

    fn put_new(
        &self,
        table: &str,
        item: HashMap<String, AttributeValue>,
        key: &str,
    ) -> Result<TransactWriteItem, StoreError> {
        Ok(TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(table)
                    .set_item(Some(item))
                    .condition_expression("attribute_not_exists(#key)")
                    .expression_attribute_names("#key", key)
                    .build()
                    .map_err(|error| StoreError::Malformed(error.to_string()))?,
            )
            .build())
    }

    fn entry_put(
        &self,
        tenant: &TenantId,
        id: &TicketId,
        entry: &TimelineEntry,
        written: Written,
        position: usize,
    ) -> Result<TransactWriteItem, StoreError> {
        let item = EntryItem {
            ticket_id: id.to_string(),
            entry_key: entry_key(written, position, entry),
            tenant_id: tenant.to_string(),
            entry: entry.clone(),
        };
        self.put_new(
            &self.tickets_table,
            serde_dynamo::to_item(item)?,
            "entry_key",
        )
    }

    /// The ticket item's update for `change`, conditioned on the ticket existing for this tenant
    /// with the status the decision saw: every decision depends on the status (a message is
    /// refused on a closed ticket, a customer's reopens a resolved one), so a change that raced a
    /// status change is decided again rather than written over it.
    fn ticket_update(
        &self,
        tenant: &TenantId,
        current: &Ticket,
        change: &TicketChange,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut sets = vec!["updated_at = :now".to_owned()];
        let mut values = HashMap::from([
            (
                ":now".to_owned(),
                AttributeValue::S(change.updated_at.clone()),
            ),
            (":tenant".to_owned(), AttributeValue::S(tenant.to_string())),
            (
                ":added".to_owned(),
                AttributeValue::N(change.entries.len().to_string()),
            ),
        ]);
        let mut names = HashMap::from([("#status".to_owned(), "status".to_owned())]);
        values.insert(
            ":seen_status".into(),
            AttributeValue::S(current.status.to_string()),
        );
        let mut condition =
            "attribute_exists(ticket_id) AND tenant_id = :tenant AND #status = :seen_status"
                .to_owned();
        // A change that adds no message (a status, priority, assignee or tag change) was decided
        // on the whole ticket as read: a message that committed meanwhile makes it decide again,
        // so its log entry sorts after that message, in the order things happened.
        if change.entries.iter().all(TimelineEntry::is_event) {
            values.insert(
                ":seen_count".into(),
                AttributeValue::N(current.message_count.to_string()),
            );
            condition.push_str(" AND message_count = :seen_count");
        }
        if let Some(status) = change.status {
            sets.push("#status = :status".to_owned());
            sets.push("status_timestamp = :status_timestamp".to_owned());
            sets.push("tenant_status = :tenant_status".to_owned());
            values.insert(":status".into(), AttributeValue::S(status.to_string()));
            values.insert(
                ":status_timestamp".into(),
                AttributeValue::S(status_timestamp(status, &current.created_at)),
            );
            values.insert(
                ":tenant_status".into(),
                AttributeValue::S(tenant_status(tenant, status)),
            );
        }
        if let Some(priority) = change.priority {
            names.insert("#priority".to_owned(), "priority".to_owned());
            sets.push("#priority = :priority".to_owned());
            values.insert(":priority".into(), AttributeValue::S(priority.to_string()));
        }
        if let Some(agent) = &change.assigned_agent_id {
            sets.push("assigned_agent_id = :agent".to_owned());
            sets.push("tenant_assignee = :tenant_assignee".to_owned());
            values.insert(":agent".into(), AttributeValue::S(agent.clone()));
            values.insert(
                ":tenant_assignee".into(),
                AttributeValue::S(tenant_assignee(tenant, agent)),
            );
        }
        if let Some(tags) = &change.tags {
            sets.push("tags = :tags".to_owned());
            values.insert(
                ":tags".into(),
                AttributeValue::L(tags.iter().cloned().map(AttributeValue::S).collect()),
            );
        }
        if let Some(reply) = change
            .entries
            .iter()
            .rev()
            .find(|entry| entry.is_public_agent_reply())
        {
            sets.push("last_agent_message = :reply".to_owned());
            values.insert(
                ":reply".into(),
                AttributeValue::M(serde_dynamo::to_item(reply)?),
            );
        }
        let update = Update::builder()
            .table_name(&self.tickets_table)
            .key(
                "ticket_id",
                AttributeValue::S(current.ticket_id.to_string()),
            )
            .key("entry_key", AttributeValue::S(TICKET_ENTRY.to_owned()))
            .update_expression(format!("SET {} ADD message_count :added", sets.join(", ")))
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(|error| StoreError::Malformed(error.to_string()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    async fn ticket_item(
        &self,
        id: &TicketId,
    ) -> Result<Option<HashMap<String, AttributeValue>>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.tickets_table)
            .key("ticket_id", AttributeValue::S(id.to_string()))
            .key("entry_key", AttributeValue::S(TICKET_ENTRY.to_owned()))
            .consistent_read(true)
            .send()
            .await?;
        Ok(output.item)
    }

    /// Up to `limit` items of a ticket's partition in key order (the ticket first, then its
    /// timeline), and whether more follow.
    async fn timeline_query(
        &self,
        id: &TicketId,
        start: Option<HashMap<String, AttributeValue>>,
        limit: usize,
    ) -> Result<(Vec<HashMap<String, AttributeValue>>, bool), StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.tickets_table)
            .key_condition_expression("ticket_id = :id")
            .expression_attribute_values(":id", AttributeValue::S(id.to_string()))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await?;
        let more = output.last_evaluated_key.is_some();
        Ok((output.items.unwrap_or_default(), more))
    }

    fn owned_ticket(
        &self,
        tenant: &TenantId,
        item: HashMap<String, AttributeValue>,
    ) -> Result<Option<Ticket>, StoreError> {
        let is_ticket = item
            .get("entry_key")
            .and_then(|key| key.as_s().ok())
            .is_some_and(|key| key == TICKET_ENTRY);
        if !is_ticket {
            return Ok(None);
        }
        let stored: TicketItem = serde_dynamo::from_item(item)?;
        Ok((stored.tenant_id == tenant.as_str()).then_some(stored.ticket))
    }

    fn with_timeline(
        &self,
        ticket: Ticket,
        items: Vec<HashMap<String, AttributeValue>>,
        more: bool,
    ) -> Result<TicketWithTimeline, StoreError> {
        let next_cursor = if more {
            items
                .last()
                .map(|last| cursor::encode("timeline", last, &["ticket_id", "entry_key"]))
        } else {
            None
        };
        let (entry_keys, timeline) = items
            .into_iter()
            .map(|item| {
                serde_dynamo::from_item::<_, EntryItem>(item)
                    .map(|stored| (stored.entry_key, stored.entry))
            })
            .collect::<Result<(Vec<_>, Vec<_>), _>>()?;
        Ok(TicketWithTimeline {
            ticket,
            timeline,
            timeline_next_cursor: next_cursor,
            entry_keys,
        })
    }
}

/// The ticket after `change`, as the caller will see it: the new entries join the first page
/// when that page reached the end of the timeline.
fn apply(
    mut current: TicketWithTimeline,
    change: TicketChange,
    written: Written,
) -> TicketWithTimeline {
    let ticket = &mut current.ticket;
    ticket.updated_at = change.updated_at;
    if let Some(status) = change.status {
        ticket.status = status;
    }
    if let Some(priority) = change.priority {
        ticket.priority = priority;
    }
    if let Some(agent) = change.assigned_agent_id {
        ticket.assigned_agent_id = Some(agent);
    }
    if let Some(tags) = change.tags {
        ticket.tags = tags;
    }
    if let Some(reply) = change
        .entries
        .iter()
        .rev()
        .find(|entry| entry.is_public_agent_reply())
    {
        ticket.last_agent_message = Some(reply.clone());
    }
    ticket.message_count += change.entries.len() as u64;
    if current.timeline_next_cursor.is_none() {
        for (position, entry) in change.entries.into_iter().enumerate() {
            current
                .entry_keys
                .push(entry_key(written, position, &entry));
            current.timeline.push(entry);
        }
        if current.timeline.len() > DEFAULT_TIMELINE_PAGE {
            current.timeline.truncate(DEFAULT_TIMELINE_PAGE);
            current.entry_keys.truncate(DEFAULT_TIMELINE_PAGE);
            let last = current.entry_keys.last().expect("the page is not empty");
            let key = HashMap::from([
                (
                    "ticket_id".to_owned(),
                    AttributeValue::S(ticket.ticket_id.to_string()),
                ),
                ("entry_key".to_owned(), AttributeValue::S(last.clone())),
            ]);
            current.timeline_next_cursor = Some(cursor::encode(
                "timeline",
                &key,
                &["ticket_id", "entry_key"],
            ));
        }
    }
    current
}

impl ListingPlan {
    /// Picks the index that narrows the listing most; the remaining filters become a
    /// FilterExpression, which DynamoDB applies before the listing counts a ticket towards the
    /// page (the loop in `list` keeps reading until the page is full).
    fn new(tenant: &TenantId, filter: &TicketFilter) -> Self {
        let mut plan = Self {
            index: "",
            partition: ("", String::new()),
            sort: ("created_at", None),
            filters: Vec::new(),
            thinned: false,
            names: HashMap::new(),
            values: HashMap::new(),
        };
        let range = match (&filter.created_from, &filter.created_to) {
            (None, None) => None,
            (from, to) => Some((
                from.clone().unwrap_or_else(|| LOWEST.to_owned()),
                to.clone().unwrap_or_else(|| HIGHEST.to_owned()),
            )),
        };
        let mut status_in_key = false;
        let mut assignee_in_key = false;
        if let Some(customer) = &filter.customer {
            plan.partition = ("customer_id", customer.to_string());
            plan.filter("tenant_id = :tenant", ":tenant", tenant.to_string());
            plan.thinned = false;
            if let Some(status) = filter.status {
                status_in_key = true;
                plan.index = "CustomerIndex";
                let (from, to) = range
                    .clone()
                    .unwrap_or_else(|| (LOWEST.to_owned(), HIGHEST.to_owned()));
                plan.sort = (
                    "status_timestamp",
                    Some((
                        status_timestamp(status, &from),
                        status_timestamp(status, &to),
                    )),
                );
            } else {
                plan.index = "CustomerCreatedIndex";
                plan.sort = ("created_at", range);
            }
        } else if let Some(agent) = &filter.assigned_agent_id {
            assignee_in_key = true;
            plan.index = "TenantAssigneeIndex";
            plan.partition = ("tenant_assignee", tenant_assignee(tenant, agent));
            plan.sort = ("created_at", range);
        } else if let Some(status) = filter.status {
            status_in_key = true;
            plan.index = "TenantStatusIndex";
            plan.partition = ("tenant_status", tenant_status(tenant, status));
            plan.sort = ("created_at", range);
        } else {
            plan.index = "TenantCreatedIndex";
            plan.partition = ("tenant_id", tenant.to_string());
            plan.sort = ("created_at", range);
        }
        if let (Some(status), false) = (filter.status, status_in_key) {
            plan.names.insert("#status".into(), "status".into());
            plan.filter("#status = :status", ":status", status.to_string());
        }
        if let (Some(agent), false) = (&filter.assigned_agent_id, assignee_in_key) {
            plan.filter("assigned_agent_id = :agent", ":agent", agent.clone());
        }
        if let Some(priority) = filter.priority {
            plan.names.insert("#priority".into(), "priority".into());
            plan.filter("#priority = :priority", ":priority", priority.to_string());
        }
        if let Some(tag) = &filter.tag {
            plan.filter("contains(tags, :tag)", ":tag", tag.clone());
        }
        if let Some(channel) = filter.channel {
            plan.names.insert("#source".into(), "source".into());
            plan.names.insert("#channel".into(), "channel".into());
            plan.filter(
                "#source.#channel = :channel",
                ":channel",
                channel.to_string(),
            );
        }
        plan
    }

    fn filter(&mut self, expression: &'static str, placeholder: &str, value: String) {
        self.filters.push(expression);
        self.thinned = true;
        self.values
            .insert(placeholder.to_owned(), AttributeValue::S(value));
    }

    fn query(
        &self,
        client: &Client,
        table: &str,
        start: Option<HashMap<String, AttributeValue>>,
        wanted: usize,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let mut names = self.names.clone();
        let mut values = self.values.clone();
        names.insert("#pk".into(), self.partition.0.to_owned());
        values.insert(":pk".into(), AttributeValue::S(self.partition.1.clone()));
        let mut key_condition = "#pk = :pk".to_owned();
        if let Some((from, to)) = &self.sort.1 {
            names.insert("#sk".into(), self.sort.0.to_owned());
            values.insert(":from".into(), AttributeValue::S(from.clone()));
            values.insert(":to".into(), AttributeValue::S(to.clone()));
            key_condition.push_str(" AND #sk BETWEEN :from AND :to");
        }
        let filter = (!self.filters.is_empty()).then(|| self.filters.join(" AND "));
        let batch = if self.thinned {
            wanted.max(FILTERED_BATCH)
        } else {
            wanted
        };
        client
            .query()
            .table_name(table)
            .index_name(self.index)
            .key_condition_expression(key_condition)
            .set_filter_expression(filter)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(false)
            // One more than wanted, so a full page knows whether anything follows it.
            .limit(i32::try_from(batch + 1).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start)
    }
}
