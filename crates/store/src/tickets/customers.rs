//! Customers of the Tickets adapter: found by their channel identity (through the index, or
//! after a lost race through the identity's claim, read consistently), the ticket their channel
//! messages go to, and the writes that create a customer or fill in what they lacked.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use domain::TenantId;
use domain::customer::{ChannelIdentity, Customer};
use domain::ticket::{CustomerId, FilledIn, Ticket, TicketId, TicketStatus};
use usecases::tickets::KnownCustomer;

use super::TicketStore;
use super::items::{CustomerItem, TicketItem, identity_claim, identity_key};
use crate::StoreError;
use crate::tables::CUSTOMERS;

impl TicketStore {
    /// The tenant's customer with this id.
    pub(super) async fn known_customer(
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
        if stored.tenant_id != tenant.as_str() {
            return Ok(None);
        }
        known(stored).map(Some)
    }

    /// The customer known by `identity`: through `ChannelIdentityIndex` (eventually consistent:
    /// a customer created a moment ago may not show yet), or, `fresh`, through the identity's
    /// claim, which names the customer someone else just created.
    pub(super) async fn customer_with_identity(
        &self,
        tenant: &TenantId,
        identity: &ChannelIdentity,
        fresh: bool,
    ) -> Result<Option<KnownCustomer>, StoreError> {
        if fresh {
            return self.customer_by_claim(tenant, identity).await;
        }
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
            Some(item) => known(serde_dynamo::from_item(item)?).map(Some),
            None => Ok(None),
        }
    }

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

    /// The ticket a customer's channel messages join: the one their pointer names while it is
    /// still being worked on (read consistently), or without a pointer their newest active ticket
    /// (one opened through the API or a handoff).
    pub(super) async fn customer_channel_ticket(
        &self,
        tenant: &TenantId,
        known: &KnownCustomer,
    ) -> Result<Option<Ticket>, StoreError> {
        match &known.open_ticket_id {
            Some(id) => Ok(self
                .owned(tenant, id)
                .await?
                .filter(|ticket| ticket.status.is_active())),
            None => {
                self.active_ticket(tenant, &known.customer.internal_id)
                    .await
            }
        }
    }

    /// The customer's newest ticket that is still being worked on, newest first through
    /// `CustomerCreatedIndex`.
    async fn active_ticket(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
    ) -> Result<Option<Ticket>, StoreError> {
        let mut items = self
            .client
            .query()
            .table_name(&self.tickets_table)
            .index_name("CustomerCreatedIndex")
            .key_condition_expression("customer_id = :customer")
            .filter_expression("tenant_id = :tenant AND #status IN (:new, :open, :pending)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":customer", AttributeValue::S(customer.to_string()))
            .expression_attribute_values(":tenant", AttributeValue::S(tenant.to_string()))
            .expression_attribute_values(":new", AttributeValue::S(TicketStatus::New.to_string()))
            .expression_attribute_values(":open", AttributeValue::S(TicketStatus::Open.to_string()))
            .expression_attribute_values(
                ":pending",
                AttributeValue::S(TicketStatus::PendingCustomer.to_string()),
            )
            .scan_index_forward(false)
            .into_paginator()
            .items()
            .send();
        let first = items.try_next().await?;
        match first {
            Some(item) => {
                let stored: TicketItem = serde_dynamo::from_item(item)?;
                Ok(Some(stored.ticket))
            }
            None => Ok(None),
        }
    }

    /// A new customer's writes: the identity's claim and the customer, each only if new.
    pub(super) fn create_customer(
        &self,
        tenant: &TenantId,
        identity: &ChannelIdentity,
        customer: &Customer,
        open_ticket_id: Option<&TicketId>,
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
            open_ticket_id: open_ticket_id.map(ToString::to_string),
            customer: customer.clone(),
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

    /// A known customer's update for a new ticket: what their profile gains, each field only
    /// while it is still missing, and, when the ticket is to receive their channel messages, the
    /// pointer moved to it if it still is what was read. `None` when nothing changes.
    pub(super) fn fill_in_customer(
        &self,
        known: &KnownCustomer,
        filled: &FilledIn,
        open_ticket_id: Option<&TicketId>,
    ) -> Result<Option<TransactWriteItem>, StoreError> {
        let mut sets = Vec::new();
        let mut conditions = Vec::new();
        let mut update = Update::builder().table_name(&self.customers_table).key(
            CUSTOMERS.partition_key,
            AttributeValue::S(known.customer.internal_id.to_string()),
        );
        if let Some(name) = &filled.name {
            sets.push("#name = :name");
            conditions.push("attribute_not_exists(#name)");
            update = update
                .expression_attribute_names("#name", "name")
                .expression_attribute_values(":name", AttributeValue::S(name.clone()));
        }
        if let Some(email) = &filled.primary_email {
            sets.push("primary_email = :email");
            conditions.push("attribute_not_exists(primary_email)");
            update = update.expression_attribute_values(":email", AttributeValue::S(email.clone()));
        }
        if let Some(ticket) = open_ticket_id {
            sets.push("open_ticket_id = :ticket");
            update = update
                .expression_attribute_values(":ticket", AttributeValue::S(ticket.to_string()));
            match &known.open_ticket_id {
                Some(seen) => {
                    conditions.push("open_ticket_id = :seen");
                    update = update
                        .expression_attribute_values(":seen", AttributeValue::S(seen.to_string()));
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
}

fn known(stored: CustomerItem) -> Result<KnownCustomer, StoreError> {
    let open_ticket_id = stored
        .open_ticket_id
        .as_deref()
        .map(TicketId::parse)
        .transpose()
        .map_err(|error| StoreError::Malformed(format!("open_ticket_id {error}")))?;
    Ok(KnownCustomer {
        customer: stored.customer,
        open_ticket_id,
    })
}
