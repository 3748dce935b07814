//! Writing tickets: an opening (customer, ticket and first entry) or a change (the ticket's new
//! fields and its new entries), each one `TransactWriteItems` with the claims that come with it,
//! conditioned on what the decision was made on.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use domain::TenantId;
use domain::ticket::{Ticket, TicketChange, TicketId, TimelineEntry};
use usecases::tickets::{Claim, CustomerWrite, NewTicketWrite, Written};

use super::TicketStore;
use super::items::{
    EntryItem, TICKET_ENTRY, TicketItem, Written as WrittenAt, entry_key, handoff_claim,
    status_timestamp, tenant_assignee, tenant_status,
};
use crate::StoreError;
use crate::transact::{Transacted, transact_once};

impl TicketStore {
    /// Opens a ticket: the customer's creation (or what they gain), the ticket and its first
    /// entry, with `claims`, in one transaction.
    pub(super) async fn write_opening(
        &self,
        tenant: &TenantId,
        write: NewTicketWrite<'_>,
        claims: &[Claim],
    ) -> Result<Written<()>, StoreError> {
        let mut writes = self.claim_writes(tenant, claims)?;
        let pointer = write
            .takes_channel_messages
            .then_some(&write.ticket.ticket_id);
        match write.customer {
            CustomerWrite::Create(customer) => {
                writes.extend(self.create_customer(tenant, write.identity, customer, pointer)?);
            }
            CustomerWrite::FillIn { known, filled } => {
                writes.extend(self.fill_in_customer(known, filled, pointer)?);
            }
        }
        writes.push(self.put_new(
            &self.tickets_table,
            serde_dynamo::to_item(TicketItem::new(tenant, write.ticket.clone()))?,
            "ticket_id",
        )?);
        writes.push(self.entry_put(
            tenant,
            &write.ticket.ticket_id,
            write.first_entry,
            WrittenAt::now(),
            0,
        )?);
        let outcome = self.run(writes, claims.len()).await?;
        Ok(match outcome {
            Written::Done(_) => Written::Done(()),
            Written::ClaimTaken(at) => Written::ClaimTaken(at),
            Written::Stale => Written::Stale,
        })
    }

    /// Writes `change` to the ticket as `read`, with `claims`; answers the new entries' keys.
    pub(super) async fn write_change(
        &self,
        tenant: &TenantId,
        read: &Ticket,
        change: &TicketChange,
        claims: &[Claim],
    ) -> Result<Written<Vec<String>>, StoreError> {
        let mut writes = self.claim_writes(tenant, claims)?;
        writes.push(self.ticket_update(tenant, read, change)?);
        let written = WrittenAt::now();
        let mut keys = Vec::with_capacity(change.entries.len());
        for (position, entry) in change.entries.iter().enumerate() {
            keys.push(entry_key(written, position, entry));
            writes.push(self.entry_put(tenant, &read.ticket_id, entry, written, position)?);
        }
        Ok(match self.run(writes, claims.len()).await? {
            Written::Done(()) => Written::Done(keys),
            Written::ClaimTaken(at) => Written::ClaimTaken(at),
            Written::Stale => Written::Stale,
        })
    }

    /// Runs a transaction whose first `claims` writes are claims: a refused claim is reported as
    /// taken, any other refused condition (or a conflict with a write in flight) as stale, for the
    /// use case to read again and decide again within its own retry budget.
    async fn run(
        &self,
        writes: Vec<TransactWriteItem>,
        claims: usize,
    ) -> Result<Written<()>, StoreError> {
        match transact_once(&self.client, writes).await? {
            Transacted::Done => Ok(Written::Done(())),
            Transacted::Conflict => Ok(Written::Stale),
            Transacted::ConditionFailed { writes } => Ok(
                match writes.into_iter().find(|position| *position < claims) {
                    Some(claim) => Written::ClaimTaken(claim),
                    None => Written::Stale,
                },
            ),
        }
    }

    /// The writes of `claims`, each refused when taken.
    fn claim_writes(
        &self,
        tenant: &TenantId,
        claims: &[Claim],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        claims
            .iter()
            .map(|claim| match claim {
                Claim::Once { key, until_secs } => self.put_new(
                    &self.claims_table,
                    HashMap::from([
                        ("claim".to_owned(), AttributeValue::S(key.clone())),
                        (
                            "expiresAt".to_owned(),
                            AttributeValue::N(until_secs.to_string()),
                        ),
                    ]),
                    "claim",
                ),
                Claim::Replay(replay) => crate::replay::put(&self.claims_table, tenant, replay),
                Claim::Handoff {
                    session,
                    ticket,
                    previous,
                } => self.handoff_put(tenant, session, ticket, previous.as_ref()),
            })
            .collect()
    }

    /// Points a session's handoff claim at `ticket`, if it still names what was read.
    fn handoff_put(
        &self,
        tenant: &TenantId,
        session: &str,
        ticket: &TicketId,
        previous: Option<&TicketId>,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.claims_table)
            .item("claim", AttributeValue::S(handoff_claim(tenant, session)))
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

    pub(super) fn put_new(
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
        written: WrittenAt,
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
    /// with the status the decision saw (every decision depends on the status: a message is
    /// refused on a closed ticket, a customer's reopens a resolved one) and, for a change that
    /// adds no message, the message count it saw, so its logged entries sort after a message
    /// that was written meanwhile.
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
            (
                ":seen_status".to_owned(),
                AttributeValue::S(current.status.to_string()),
            ),
        ]);
        let mut names = HashMap::from([("#status".to_owned(), "status".to_owned())]);
        let mut condition =
            "attribute_exists(ticket_id) AND tenant_id = :tenant AND #status = :seen_status"
                .to_owned();
        if change.adds_no_message() {
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
        if let Some(reply) = change.last_agent_reply() {
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
}
