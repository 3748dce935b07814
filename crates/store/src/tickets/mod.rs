//! Tickets, their timelines and their customers in DynamoDB: the adapter behind the ticket use
//! cases' ports.
//!
//! A ticket is one item and each timeline entry its own item under the same partition, so
//! reading a ticket with its first timeline page is one Query, and an opening or a change is one
//! `TransactWriteItems` (the entries, the ticket's fields and counters, the claims that come
//! with it), conditioned on what the use case decided on. By concern: `items` (items, keys,
//! stream images), `timeline` (reads and pages), `customers`, `writes`, `listing` and
//! `delivery_links`.

mod customers;
mod delivery_links;
mod items;
mod listing;
mod timeline;
mod writes;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::TenantId;
use domain::customer::{ChannelIdentity, Customer};
use domain::replay::{Replay, Replayed};
use domain::ticket::{CustomerId, Ticket, TicketChange, TicketId};
use usecases::ListError;
use usecases::replays::Replays;
use usecases::tickets::{
    Claim, KnownCustomer, NewTicketWrite, TicketPage, TicketQuery, TicketReader,
    TicketWithTimeline, TicketWriter, TimelinePage, Written,
};

pub(crate) use items::{StoredItem, stream_customer_item, stream_ticket_item};

use crate::tables::TableNames;

#[derive(Clone)]
pub struct TicketStore {
    client: Client,
    tickets_table: String,
    customers_table: String,
    claims_table: String,
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
}

impl TicketReader for TicketStore {
    async fn ticket(
        &self,
        tenant: &TenantId,
        id: &TicketId,
    ) -> Result<Option<Ticket>, usecases::StoreError> {
        Ok(self.owned(tenant, id).await?)
    }

    async fn ticket_page(
        &self,
        tenant: &TenantId,
        id: &TicketId,
        page: TimelinePage<'_>,
    ) -> Result<Option<TicketWithTimeline>, ListError> {
        self.read_page(tenant, id, page).await
    }

    fn timeline_cursor(&self, ticket: &TicketId, entry_key: &str) -> String {
        Self::cursor_after(ticket, entry_key)
    }

    async fn tickets(
        &self,
        tenant: &TenantId,
        query: &TicketQuery,
    ) -> Result<TicketPage, ListError> {
        self.list(tenant, query).await
    }

    async fn customer(
        &self,
        tenant: &TenantId,
        id: &CustomerId,
    ) -> Result<Option<Customer>, usecases::StoreError> {
        Ok(self
            .known_customer(tenant, id, false)
            .await?
            .map(|known| known.customer))
    }

    async fn customer_by_identity(
        &self,
        tenant: &TenantId,
        identity: &ChannelIdentity,
        fresh: bool,
    ) -> Result<Option<KnownCustomer>, usecases::StoreError> {
        Ok(self.customer_with_identity(tenant, identity, fresh).await?)
    }

    async fn channel_ticket(
        &self,
        tenant: &TenantId,
        known: &KnownCustomer,
    ) -> Result<Option<Ticket>, usecases::StoreError> {
        Ok(self.customer_channel_ticket(tenant, known).await?)
    }

    async fn handoff_ticket(
        &self,
        tenant: &TenantId,
        session: &str,
    ) -> Result<Option<TicketId>, usecases::StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.claims_table)
            .key(
                "claim",
                AttributeValue::S(items::handoff_claim(tenant, session)),
            )
            .consistent_read(true)
            .send()
            .await
            .map_err(crate::StoreError::from)?;
        match output.item.as_ref().and_then(|item| item.get("ticket_id")) {
            Some(AttributeValue::S(id)) => TicketId::parse(id).map(Some).map_err(|error| {
                usecases::StoreError::Malformed(format!("handoff ticket_id {error}"))
            }),
            _ => Ok(None),
        }
    }
}

impl TicketWriter for TicketStore {
    async fn open(
        &self,
        tenant: &TenantId,
        write: NewTicketWrite<'_>,
        claims: &[Claim],
    ) -> Result<Written<()>, usecases::StoreError> {
        Ok(self.write_opening(tenant, write, claims).await?)
    }

    async fn change(
        &self,
        tenant: &TenantId,
        read: &Ticket,
        change: &TicketChange,
        claims: &[Claim],
    ) -> Result<Written<Vec<String>>, usecases::StoreError> {
        Ok(self.write_change(tenant, read, change, claims).await?)
    }
}

impl Replays for TicketStore {
    async fn earlier(&self, replay: &Replay) -> Result<Option<Replayed>, usecases::StoreError> {
        Ok(crate::replay::earlier(&self.client, &self.claims_table, replay).await?)
    }
}
