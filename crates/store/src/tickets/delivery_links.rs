//! What became of the messages agents sent on a channel: the link from a provider's message id
//! (per account) to its timeline entry, and the entry's delivery state, moved forward only.

use aws_sdk_dynamodb::types::AttributeValue;
use domain::TenantId;
use domain::ticket::{Channel, Delivery, MessageId, TicketId};

use super::TicketStore;
use super::items::{TIMELINE_PREFIX, outbound_claim};
use crate::{StoreError, condition_held};

impl TicketStore {
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
        let mut items = self
            .client
            .query()
            .table_name(&self.tickets_table)
            .key_condition_expression("ticket_id = :ticket AND begins_with(entry_key, :timeline)")
            .filter_expression("message_id = :message AND tenant_id = :tenant")
            .expression_attribute_values(":ticket", AttributeValue::S(ticket.to_string()))
            .expression_attribute_values(":timeline", AttributeValue::S(TIMELINE_PREFIX.to_owned()))
            .expression_attribute_values(":message", AttributeValue::S(message.to_string()))
            .expression_attribute_values(":tenant", AttributeValue::S(tenant.to_string()))
            .into_paginator()
            .items()
            .send();
        let found = items.try_next().await?;
        Ok(found.and_then(|item| {
            item.get("entry_key")
                .and_then(|key| key.as_s().ok())
                .cloned()
        }))
    }
}
