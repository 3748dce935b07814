//! Tickets, their timelines and their customers in memory, behind the ticket ports: an opening or
//! a change is written whole or not at all, on the conditions the DynamoDB adapter puts on its
//! transaction, and listings and timelines page as its queries do.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use domain::TenantId;
use domain::customer::{ChannelIdentity, Customer};
use domain::replay::{Replay, Replayed};
use domain::ticket::{
    Channel, CustomerId, FilledIn, MessageId, StatusCounts, Ticket, TicketChange, TicketId,
    TimelineEntry,
};
use serde_json::json;

use super::{Races, Stall, answer, contend, decode_cursor, encode_cursor, lock};
use crate::channels::{DeliveryReports, StatusReport};
use crate::replays::Replays;
use crate::tickets::{
    Claim, CustomerWrite, KnownCustomer, NewTicketWrite, TicketOrder, TicketPage, TicketQuery,
    TicketReader, TicketWithTimeline, TicketWriter, TimelinePage, Written,
};
use crate::{InvalidCursor, ListError, StoreError};

/// Tickets and customers in memory; clones share them.
#[derive(Clone, Default)]
pub struct MemoryTickets {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    tickets: HashMap<TicketId, StoredTicket>,
    customers: HashMap<CustomerId, StoredCustomer>,
    /// Whose each channel identity is: the claim that makes one customer per identity.
    identities: HashMap<(TenantId, ChannelIdentity), CustomerId>,
    /// Keys taken once (provider message ids), with when they may go (epoch seconds).
    taken: HashMap<String, u64>,
    replays: HashMap<String, Replay>,
    /// Each chatbot session's latest handoff ticket.
    handoffs: HashMap<(TenantId, String), TicketId>,
    /// Messages sent on a channel, by the account and the provider's id they went out with.
    outbound: HashMap<(Channel, String, String), OutboundLink>,
    /// Counts the writes: orders tickets by arrival and timeline entries by when they came.
    writes: u64,
    races: Races,
}

struct StoredTicket {
    tenant: TenantId,
    /// The write that opened it: what orders tickets created within the same millisecond.
    arrival: u64,
    ticket: Ticket,
    /// By stored sort key, which orders the entries as written.
    timeline: BTreeMap<String, TimelineEntry>,
}

struct StoredCustomer {
    tenant: TenantId,
    /// The ticket their channel messages go to while it is worked on.
    open_ticket_id: Option<TicketId>,
    customer: Customer,
}

struct OutboundLink {
    tenant: TenantId,
    ticket: TicketId,
    entry_key: String,
}

impl MemoryTickets {
    /// The next `writes` openings or changes find what they were decided on changed: nothing is
    /// written and the use case is told to read again ([`Written::Stale`]), as when DynamoDB
    /// cancels a transaction that conflicted with another.
    pub fn lose_next_writes(&self, writes: usize) {
        lock(&self.state).races.lose(writes);
    }

    /// The next `writes` openings or changes wait for one another before any of them runs, so
    /// each was decided on what the store held before the others were written, as concurrent
    /// requests are; then they run one at a time. Every one of them must come, or the ones that
    /// came wait for ever.
    pub fn race_next_writes(&self, writes: usize) {
        lock(&self.state).races.race(writes);
    }

    /// The caller of the `reads`-th read from now (1: the next) is held once it has its answer,
    /// until [`Stall::resume`]: meanwhile other requests run, then it acts on what it read.
    pub fn stall_after_reads(&self, reads: usize) -> Stall {
        lock(&self.state).races.stall(reads)
    }

    /// A read of the state as it is now, as the stalls a test set up say.
    async fn read<T>(&self, read: impl FnOnce(&State) -> T) -> T {
        answer(&self.state, |state| &mut state.races, read).await
    }

    /// Remembers which timeline entry a message sent on a channel is, so the provider's delivery
    /// reports for the account it went out from find it (what the outbound sender does once the
    /// provider accepted the message). `false` when the tenant's ticket has no such message.
    pub fn link_outbound(
        &self,
        tenant: &TenantId,
        channel: Channel,
        account_id: &str,
        provider_message_id: &str,
        ticket: &TicketId,
        message: &MessageId,
    ) -> bool {
        let mut state = lock(&self.state);
        let Some(entry_key) = state.owned(tenant, ticket).and_then(|stored| {
            stored
                .timeline
                .iter()
                .find(|(_, entry)| entry.message_id == *message)
                .map(|(key, _)| key.clone())
        }) else {
            return false;
        };
        state.outbound.insert(
            (
                channel,
                account_id.to_owned(),
                provider_message_id.to_owned(),
            ),
            OutboundLink {
                tenant: tenant.clone(),
                ticket: ticket.clone(),
                entry_key,
            },
        );
        true
    }
}

impl State {
    /// The tenant's ticket; another tenant's is as missing.
    fn owned(&self, tenant: &TenantId, id: &TicketId) -> Option<&StoredTicket> {
        self.tickets
            .get(id)
            .filter(|stored| stored.tenant == *tenant)
    }

    fn next_write(&mut self) -> u64 {
        self.writes += 1;
        self.writes
    }

    /// The position of the first of `claims` that is taken already.
    fn first_taken(&self, tenant: &TenantId, claims: &[Claim]) -> Option<usize> {
        claims.iter().position(|claim| match claim {
            Claim::Once { key, .. } => self.taken.contains_key(key),
            Claim::Replay(replay) => self.replays.contains_key(&replay.key),
            // Taken over only from the ticket it named as read (from none: only if new).
            Claim::Handoff {
                session, previous, ..
            } => self.handoffs.get(&(tenant.clone(), session.clone())) != previous.as_ref(),
        })
    }

    fn take(&mut self, tenant: &TenantId, claims: &[Claim]) {
        for claim in claims {
            match claim {
                Claim::Once { key, until_secs } => {
                    self.taken.insert(key.clone(), *until_secs);
                }
                Claim::Replay(replay) => {
                    self.replays.insert(replay.key.clone(), replay.clone());
                }
                Claim::Handoff {
                    session, ticket, ..
                } => {
                    self.handoffs
                        .insert((tenant.clone(), session.clone()), ticket.clone());
                }
            }
        }
    }

    /// Whether a known customer can take what the opening fills in (each field only while it is
    /// still missing) and, when the new ticket is to receive their channel messages, have their
    /// pointer moved from the ticket it named as read. Nothing to write holds unconditionally.
    fn fill_in_holds(&self, known: &KnownCustomer, filled: &FilledIn, moves_pointer: bool) -> bool {
        if filled.is_empty() && !moves_pointer {
            return true;
        }
        let Some(stored) = self.customers.get(&known.customer.internal_id) else {
            return false;
        };
        (filled.name.is_none() || stored.customer.name.is_none())
            && (filled.primary_email.is_none() || stored.customer.primary_email.is_none())
            && (!moves_pointer || stored.open_ticket_id == known.open_ticket_id)
    }

    fn open(
        &mut self,
        tenant: &TenantId,
        write: NewTicketWrite<'_>,
        claims: &[Claim],
    ) -> Written<()> {
        if let Some(at) = self.first_taken(tenant, claims) {
            return Written::ClaimTaken(at);
        }
        let pointer = write
            .takes_channel_messages
            .then(|| write.ticket.ticket_id.clone());
        let identity = (tenant.clone(), write.identity.clone());
        let customer_holds = match write.customer {
            CustomerWrite::Create(customer) => {
                !self.identities.contains_key(&identity)
                    && !self.customers.contains_key(&customer.internal_id)
            }
            CustomerWrite::FillIn { known, filled } => {
                self.fill_in_holds(known, filled, pointer.is_some())
            }
        };
        if !customer_holds || self.tickets.contains_key(&write.ticket.ticket_id) {
            return Written::Stale;
        }
        self.take(tenant, claims);
        match write.customer {
            CustomerWrite::Create(customer) => {
                self.identities
                    .insert(identity, customer.internal_id.clone());
                self.customers.insert(
                    customer.internal_id.clone(),
                    StoredCustomer {
                        tenant: tenant.clone(),
                        open_ticket_id: pointer,
                        customer: customer.clone(),
                    },
                );
            }
            CustomerWrite::FillIn { known, filled } => {
                if let Some(stored) = self.customers.get_mut(&known.customer.internal_id) {
                    if filled.name.is_some() {
                        stored.customer.name.clone_from(&filled.name);
                    }
                    if filled.primary_email.is_some() {
                        stored
                            .customer
                            .primary_email
                            .clone_from(&filled.primary_email);
                    }
                    if pointer.is_some() {
                        stored.open_ticket_id = pointer;
                    }
                }
            }
        }
        let arrival = self.next_write();
        let timeline = BTreeMap::from([(
            entry_key(arrival, 0, write.first_entry),
            write.first_entry.clone(),
        )]);
        self.tickets.insert(
            write.ticket.ticket_id.clone(),
            StoredTicket {
                tenant: tenant.clone(),
                arrival,
                ticket: write.ticket.clone(),
                timeline,
            },
        );
        Written::Done(())
    }

    /// Writes `change` on condition that the tenant's ticket still has the status read and, for
    /// a change that adds no message, the message count read.
    fn change(
        &mut self,
        tenant: &TenantId,
        read: &Ticket,
        change: &TicketChange,
        claims: &[Claim],
    ) -> Written<Vec<String>> {
        if let Some(at) = self.first_taken(tenant, claims) {
            return Written::ClaimTaken(at);
        }
        let holds = self.owned(tenant, &read.ticket_id).is_some_and(|stored| {
            stored.ticket.status == read.status
                && (!change.adds_no_message() || stored.ticket.message_count == read.message_count)
        });
        if !holds {
            return Written::Stale;
        }
        self.take(tenant, claims);
        let written = self.next_write();
        let Some(stored) = self.tickets.get_mut(&read.ticket_id) else {
            return Written::Stale;
        };
        change.apply_to(&mut stored.ticket);
        let keys = change
            .entries
            .iter()
            .enumerate()
            .map(|(position, entry)| {
                let key = entry_key(written, position, entry);
                stored.timeline.insert(key.clone(), entry.clone());
                key
            })
            .collect();
        Written::Done(keys)
    }
}

/// An entry's sort key: the write it came with, then its place among that write's entries (a
/// message sorts before the status change it caused), then its id.
fn entry_key(written: u64, position: usize, entry: &TimelineEntry) -> String {
    format!("timeline#{written:020}#{position:02}#{}", entry.message_id)
}

/// What a listing's cursor is bound to: the tenant and every filter, so a cursor continues only
/// the listing it came from.
fn listing(tenant: &TenantId, query: &TicketQuery) -> String {
    format!(
        "{tenant}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        query.order,
        query.status,
        query.priority,
        query.assigned_agent_id,
        query.customer,
        query.tag,
        query.channel,
        query.created_from,
        query.created_to
    )
}

/// Where a listing stands in newest-first order: created (or last changed) when, and in which
/// write.
type Place = (String, u64);

fn place(stored: &StoredTicket) -> Place {
    (stored.ticket.created_at.clone(), stored.arrival)
}

/// The place of `stored` in a listing of `order`.
fn place_in(order: TicketOrder, stored: &StoredTicket) -> Place {
    match order {
        TicketOrder::Created => place(stored),
        TicketOrder::Activity => (stored.ticket.updated_at.clone(), stored.arrival),
    }
}

fn listing_cursor(listing: &str, last: &Place) -> String {
    encode_cursor(&json!({"listing": listing, "created_at": last.0, "arrival": last.1}))
}

fn listing_place(cursor: &str, listing: &str) -> Result<Place, InvalidCursor> {
    let position = decode_cursor(cursor).ok_or(InvalidCursor)?;
    if position["listing"].as_str() != Some(listing) {
        return Err(InvalidCursor);
    }
    match (
        position["created_at"].as_str(),
        position["arrival"].as_u64(),
    ) {
        (Some(created_at), Some(arrival)) => Ok((created_at.to_owned(), arrival)),
        _ => Err(InvalidCursor),
    }
}

fn timeline_after(cursor: &str, ticket: &TicketId) -> Result<String, InvalidCursor> {
    let position = decode_cursor(cursor).ok_or(InvalidCursor)?;
    if position["timeline"].as_str() != Some(ticket.as_str()) {
        return Err(InvalidCursor);
    }
    position["after"]
        .as_str()
        .map(str::to_owned)
        .ok_or(InvalidCursor)
}

/// Whether `ticket` passes every filter of `query`.
fn matches(ticket: &Ticket, query: &TicketQuery) -> bool {
    query.status.is_none_or(|status| ticket.status == status)
        && query
            .priority
            .is_none_or(|priority| ticket.priority == priority)
        && query
            .assigned_agent_id
            .as_ref()
            .is_none_or(|agent| ticket.assigned_agent_id.as_ref() == Some(agent))
        && query
            .customer
            .as_ref()
            .is_none_or(|customer| ticket.customer.internal_id == *customer)
        && query
            .tag
            .as_ref()
            .is_none_or(|tag| ticket.tags.contains(tag))
        && query
            .channel
            .is_none_or(|channel| ticket.source.channel == channel)
        && query
            .created_from
            .as_ref()
            .is_none_or(|from| ticket.created_at >= *from)
        && query
            .created_to
            .as_ref()
            .is_none_or(|to| ticket.created_at <= *to)
}

impl TicketReader for MemoryTickets {
    async fn status_counts(&self, tenant: &TenantId) -> Result<StatusCounts, StoreError> {
        // A recount: what the store's running counters stand for.
        let state = lock(&self.state);
        Ok(state
            .tickets
            .values()
            .filter(|stored| &stored.tenant == tenant)
            .fold(StatusCounts::default(), |counts, stored| {
                counts + StatusCounts::one(stored.ticket.status)
            }))
    }

    async fn ticket(&self, tenant: &TenantId, id: &TicketId) -> Result<Option<Ticket>, StoreError> {
        Ok(self
            .read(|state| state.owned(tenant, id).map(|stored| stored.ticket.clone()))
            .await)
    }

    async fn ticket_page(
        &self,
        tenant: &TenantId,
        id: &TicketId,
        page: TimelinePage<'_>,
    ) -> Result<Option<TicketWithTimeline>, ListError> {
        let after = page
            .cursor
            .map(|cursor| timeline_after(cursor, id))
            .transpose()?;
        Ok(self
            .read(|state| {
                let stored = state.owned(tenant, id)?;
                let mut rest = stored
                    .timeline
                    .iter()
                    .filter(|(key, _)| after.as_ref().is_none_or(|after| *key > after));
                let (entry_keys, timeline): (Vec<String>, Vec<TimelineEntry>) = rest
                    .by_ref()
                    .take(page.limit)
                    .map(|(key, entry)| (key.clone(), entry.clone()))
                    .unzip();
                let more = rest.next().is_some();
                let timeline_next_cursor = entry_keys
                    .last()
                    .filter(|_| more)
                    .map(|last| self.timeline_cursor(id, last));
                Some(TicketWithTimeline {
                    ticket: stored.ticket.clone(),
                    timeline,
                    timeline_next_cursor,
                    entry_keys,
                })
            })
            .await)
    }

    fn timeline_cursor(&self, ticket: &TicketId, entry_key: &str) -> String {
        encode_cursor(&json!({"timeline": ticket.as_str(), "after": entry_key}))
    }

    async fn tickets(
        &self,
        tenant: &TenantId,
        query: &TicketQuery,
    ) -> Result<TicketPage, ListError> {
        let listing = listing(tenant, query);
        let after = query
            .cursor
            .as_deref()
            .map(|cursor| listing_place(cursor, &listing))
            .transpose()?;
        // As the adapter reads it: a page without a size is every ticket that matches.
        let limit = if query.limit == 0 {
            usize::MAX
        } else {
            query.limit
        };
        Ok(self
            .read(|state| {
                let mut matching: Vec<&StoredTicket> = state
                    .tickets
                    .values()
                    .filter(|stored| stored.tenant == *tenant && matches(&stored.ticket, query))
                    .collect();
                matching.sort_by_key(|stored| std::cmp::Reverse(place_in(query.order, stored)));
                let mut rest = matching
                    .into_iter()
                    .filter(|stored| {
                        after
                            .as_ref()
                            .is_none_or(|after| place_in(query.order, stored) < *after)
                    })
                    .skip(query.skip);
                let page: Vec<&StoredTicket> = rest.by_ref().take(limit).collect();
                let next_cursor = match (page.last(), rest.next()) {
                    (Some(last), Some(_)) => {
                        Some(listing_cursor(&listing, &place_in(query.order, last)))
                    }
                    _ => None,
                };
                TicketPage {
                    tickets: page
                        .into_iter()
                        .map(|stored| stored.ticket.clone())
                        .collect(),
                    next_cursor,
                }
            })
            .await)
    }

    async fn customer(
        &self,
        tenant: &TenantId,
        id: &CustomerId,
    ) -> Result<Option<Customer>, StoreError> {
        Ok(self
            .read(|state| {
                state
                    .customers
                    .get(id)
                    .filter(|stored| stored.tenant == *tenant)
                    .map(|stored| stored.customer.clone())
            })
            .await)
    }

    /// Always what was just written, `fresh` or not: memory has no index to lag.
    async fn customer_by_identity(
        &self,
        tenant: &TenantId,
        identity: &ChannelIdentity,
        _fresh: bool,
    ) -> Result<Option<KnownCustomer>, StoreError> {
        Ok(self
            .read(|state| {
                let id = state.identities.get(&(tenant.clone(), identity.clone()))?;
                state.customers.get(id).map(|stored| KnownCustomer {
                    customer: stored.customer.clone(),
                    open_ticket_id: stored.open_ticket_id.clone(),
                })
            })
            .await)
    }

    async fn channel_ticket(
        &self,
        tenant: &TenantId,
        known: &KnownCustomer,
    ) -> Result<Option<Ticket>, StoreError> {
        Ok(self
            .read(|state| {
                let active = |stored: &&StoredTicket| stored.ticket.status.is_active();
                let found = match &known.open_ticket_id {
                    Some(id) => state.owned(tenant, id).filter(active),
                    None => state
                        .tickets
                        .values()
                        .filter(|stored| {
                            stored.tenant == *tenant
                                && stored.ticket.customer.internal_id == known.customer.internal_id
                        })
                        .filter(active)
                        .max_by_key(|stored| place(stored)),
                };
                found.map(|stored| stored.ticket.clone())
            })
            .await)
    }

    async fn handoff_ticket(
        &self,
        tenant: &TenantId,
        session: &str,
    ) -> Result<Option<TicketId>, StoreError> {
        Ok(self
            .read(|state| {
                state
                    .handoffs
                    .get(&(tenant.clone(), session.to_owned()))
                    .cloned()
            })
            .await)
    }
}

impl TicketWriter for MemoryTickets {
    async fn open(
        &self,
        tenant: &TenantId,
        write: NewTicketWrite<'_>,
        claims: &[Claim],
    ) -> Result<Written<()>, StoreError> {
        Ok(contend(
            &self.state,
            |state| &mut state.races,
            Written::Stale,
            |state| state.open(tenant, write, claims),
        )
        .await)
    }

    async fn change(
        &self,
        tenant: &TenantId,
        read: &Ticket,
        change: &TicketChange,
        claims: &[Claim],
    ) -> Result<Written<Vec<String>>, StoreError> {
        Ok(contend(
            &self.state,
            |state| &mut state.races,
            Written::Stale,
            |state| state.change(tenant, read, change, claims),
        )
        .await)
    }
}

impl Replays for MemoryTickets {
    async fn earlier(&self, replay: &Replay) -> Result<Option<Replayed>, StoreError> {
        Ok(self
            .read(|state| {
                state.replays.get(&replay.key).map(|stored| {
                    if stored.fingerprint == replay.fingerprint {
                        Replayed::Same(stored.response.clone())
                    } else {
                        Replayed::Different
                    }
                })
            })
            .await)
    }
}

impl DeliveryReports for MemoryTickets {
    /// Moves the delivery state of a message the report's tenant sent from its account forward
    /// only: a late `delivered` never undoes `read`.
    async fn record_delivery(&self, report: &StatusReport) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let link = (
            report.channel,
            report.account_id.clone(),
            report.message_id.clone(),
        );
        let Some((ticket, entry_key)) = state
            .outbound
            .get(&link)
            .filter(|link| link.tenant == report.tenant)
            .map(|link| (link.ticket.clone(), link.entry_key.clone()))
        else {
            return Ok(false);
        };
        let Some(entry) = state
            .tickets
            .get_mut(&ticket)
            .and_then(|stored| stored.timeline.get_mut(&entry_key))
        else {
            return Ok(false);
        };
        let further = entry
            .delivery
            .as_ref()
            .is_none_or(|recorded| recorded.state.rank() < report.delivery.state.rank());
        if further {
            entry.delivery = Some(report.delivery.clone());
        }
        Ok(further)
    }
}
