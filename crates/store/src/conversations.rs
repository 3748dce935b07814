//! Conversations with leads in DynamoDB, the adapter behind the conversation use cases' port:
//! the lead item and its messages share a partition, so the lead with its latest messages is one
//! Query, and an exchange (both messages, the lead's new state, the analytics change and, when
//! the client sent one, its idempotency record) is one `TransactWriteItems` conditioned on the
//! lead's version: a concurrent writer makes it fail whole, and the use case reads again and
//! decides again.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use domain::TenantId;
use domain::analytics::Tally;
use domain::conversation::{ChatMessage, ChatRole, RateWindow, Session, SessionId};
use domain::lead::{LeadId, LeadSource};
use domain::replay::{Replay, Replayed};
use serde::{Deserialize, Serialize};
use usecases::conversations::{
    Conversation, Conversations, LeadWrite, Lookup, NewConversations, Saved,
};
use usecases::replays::Replays;

use crate::StoreError;
use crate::analytics::tally_write;
use crate::leads::{LEAD_ENTRY, LeadItem, LeadStore, s};
use crate::replay;
use crate::transact::{Transacted, transact_once};

const CHAT_PREFIX: &str = "chat#";

/// A stored message of a lead's conversation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageItem {
    pub lead_id: String,
    pub entry_key: String,
    pub tenant_id: String,
    pub source: LeadSource,
    pub role: ChatRole,
    pub content: String,
    pub timestamp: u64,
    /// On a reply: how long after the visitor's message it came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responded_in_ms: Option<u64>,
}

impl MessageItem {
    pub(crate) fn to_message(&self) -> ChatMessage {
        ChatMessage {
            role: self.role,
            content: self.content.clone(),
            timestamp: self.timestamp,
        }
    }
}

/// An item of the leads table: a lead, or a message of one.
pub(crate) enum LeadEntry {
    Lead(Box<LeadItem>),
    Message(MessageItem),
}

pub(crate) fn lead_entry(item: HashMap<String, AttributeValue>) -> Result<LeadEntry, StoreError> {
    let is_lead = matches!(item.get("entryKey"), Some(AttributeValue::S(key)) if key == LEAD_ENTRY);
    Ok(if is_lead {
        LeadEntry::Lead(Box::new(serde_dynamo::from_item(item)?))
    } else {
        LeadEntry::Message(serde_dynamo::from_item(item)?)
    })
}

impl Conversations for LeadStore {
    async fn conversation(
        &self,
        tenant: &TenantId,
        lead_id: &LeadId,
        recent: usize,
    ) -> Result<Lookup, usecases::StoreError> {
        Ok(self.read_conversation(tenant, lead_id, recent).await?)
    }

    async fn save(
        &self,
        tenant: &TenantId,
        read: &Conversation,
        write: &LeadWrite,
    ) -> Result<Saved, usecases::StoreError> {
        Ok(self.write_conversation(tenant, read, write).await?)
    }
}

impl Replays for LeadStore {
    async fn earlier(&self, replay: &Replay) -> Result<Option<Replayed>, usecases::StoreError> {
        Ok(replay::earlier(&self.client, &self.claims_table, replay).await?)
    }
}

impl LeadStore {
    /// The tenant's lead with its latest `recent` messages.
    async fn read_conversation(
        &self,
        tenant: &TenantId,
        lead_id: &LeadId,
        recent: usize,
    ) -> Result<Lookup, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.leads_table)
            .key_condition_expression("leadId = :lead")
            .expression_attribute_values(":lead", s(lead_id.as_str()))
            .scan_index_forward(false)
            .limit(i32::try_from(recent + 1).unwrap_or(i32::MAX))
            .consistent_read(true)
            .send()
            .await?;
        let mut entries = output.items.unwrap_or_default().into_iter();
        let Some(first) = entries.next() else {
            return Ok(Lookup::Missing);
        };
        let LeadEntry::Lead(item) = lead_entry(first)? else {
            return Err(StoreError::Malformed(format!(
                "lead {lead_id} has messages but no lead item"
            )));
        };
        if item.tenant_id != tenant.as_str() {
            return Ok(Lookup::OtherTenant);
        }
        let mut recent = Vec::new();
        for entry in entries {
            if let LeadEntry::Message(message) = lead_entry(entry)? {
                recent.push(message.to_message());
            }
        }
        recent.reverse();
        let session = match (&item.session_id, item.session_expires_at) {
            (Some(id), Some(expires_at)) => Some(Session {
                id: SessionId::parse(id)
                    .ok_or_else(|| StoreError::Malformed(format!("session id {id}")))?,
                expires_at,
            }),
            _ => None,
        };
        Ok(Lookup::Found(Box::new(Conversation::stored(
            item.to_lead()?,
            recent,
            session,
            RateWindow {
                start_ms: item.rate_window_start,
                count: item.rate_window_count,
            },
            item.version,
        ))))
    }

    /// Writes `change` to the conversation `read` was read from: the lead (created when `read`
    /// is not stored), the messages, the analytics change, the replay record and the caller's
    /// count of new conversations, all or nothing.
    async fn write_conversation(
        &self,
        tenant: &TenantId,
        read: &Conversation,
        change: &LeadWrite,
    ) -> Result<Saved, StoreError> {
        let mut item = LeadItem::of(tenant, &change.lead);
        item.version = read.written_version();
        item.session_id = read.session.as_ref().map(|session| session.id.to_string());
        item.session_expires_at = read.session.as_ref().map(|session| session.expires_at);
        item.rate_window_start = change.window.start_ms;
        item.rate_window_count = change.window.count;

        let mut lead_put = Put::builder()
            .table_name(&self.leads_table)
            .set_item(Some(serde_dynamo::to_item(&item)?));
        lead_put = match read.version() {
            None => lead_put.condition_expression("attribute_not_exists(leadId)"),
            Some(version) => lead_put
                .condition_expression(if version == 0 {
                    "tenantId = :tenant AND (attribute_not_exists(version) OR version = :version)"
                } else {
                    "tenantId = :tenant AND version = :version"
                })
                .expression_attribute_values(":tenant", s(tenant.as_str()))
                .expression_attribute_values(":version", AttributeValue::N(version.to_string())),
        };
        let mut writes = vec![put(lead_put)?];

        let written = written_ns();
        let mut tally = Tally::change(read.is_stored().then_some(&read.lead), &change.lead);
        let mut previous: Option<&ChatMessage> = read.recent.last();
        for (position, message) in change.messages.iter().enumerate() {
            let responded_in_ms = match (message.role, previous) {
                (ChatRole::Assistant, Some(asked)) if asked.role == ChatRole::User => {
                    Some(message.timestamp.saturating_sub(asked.timestamp))
                }
                _ => None,
            };
            if let Some(ms) = responded_in_ms {
                tally = tally + Tally::reply(ms);
            }
            let entry = MessageItem {
                lead_id: item.lead_id.clone(),
                entry_key: format!("{CHAT_PREFIX}{written:020}#{position:02}"),
                tenant_id: tenant.to_string(),
                source: change.lead.source,
                role: message.role,
                content: message.content.clone(),
                timestamp: message.timestamp,
                responded_in_ms,
            };
            writes.push(put(Put::builder()
                .table_name(&self.leads_table)
                .set_item(Some(serde_dynamo::to_item(&entry)?))
                .condition_expression("attribute_not_exists(entryKey)"))?);
            previous = Some(message);
        }
        if let Some(write) = tally_write(&self.analytics_table, tenant, &tally)? {
            writes.push(write);
        }
        let replay_at = match &change.replay {
            Some(replay) => {
                writes.push(replay::put(&self.claims_table, tenant, replay)?);
                Some(writes.len() - 1)
            }
            None => None,
        };
        let opening = change
            .new_conversations
            .as_ref()
            .filter(|_| !read.is_stored());
        let opening_at = match opening {
            Some(opening) => {
                writes.push(self.opening_write(opening)?);
                Some(writes.len() - 1)
            }
            None => None,
        };

        Ok(match transact_once(&self.client, writes).await? {
            Transacted::Done => Saved::Done,
            Transacted::Conflict => Saved::Changed,
            Transacted::ConditionFailed { writes } => {
                if replay_at.is_some_and(|at| writes.contains(&at)) {
                    Saved::ReplayTaken
                } else if let Some(opening) = opening
                    && opening_at.is_some_and(|at| writes.contains(&at))
                    && !writes.contains(&0)
                {
                    Saved::TooManyNewConversations {
                        retry_after_secs: opening.limit.refused(opening.now_ms).retry_after_secs,
                    }
                } else {
                    Saved::Changed
                }
            }
        })
    }

    /// Counts one new conversation of the caller in the current window, refused (condition
    /// failed) when the window is full.
    fn opening_write(&self, opening: &NewConversations) -> Result<TransactWriteItem, StoreError> {
        let start = opening.limit.window_start(opening.now_ms);
        let expires = (start + opening.limit.window_ms.max(1)) / 1000 + 60;
        let update = Update::builder()
            .table_name(&self.claims_table)
            .key("claim", s(format!("rate#{}#{start}", opening.caller_scope)))
            .update_expression(
                "SET opened = if_not_exists(opened, :zero) + :one, expiresAt = :expires",
            )
            .condition_expression("attribute_not_exists(opened) OR opened < :max")
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":max", AttributeValue::N(opening.limit.max.to_string()))
            .expression_attribute_values(":expires", AttributeValue::N(expires.to_string()))
            .build()
            .map_err(|error| StoreError::Malformed(error.to_string()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}

fn put(
    builder: aws_sdk_dynamodb::types::builders::PutBuilder,
) -> Result<TransactWriteItem, StoreError> {
    let put = builder
        .build()
        .map_err(|error| StoreError::Malformed(error.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Nanoseconds since the epoch: messages written one after the other within a millisecond keep
/// their order.
fn written_ns() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos())
}
