//! Conversations with leads in DynamoDB: the lead item and its messages share a partition, so the
//! lead with its latest messages is one Query, and an exchange (both messages, the lead's new
//! state, the analytics change and, when the client sent one, its idempotency record) is one
//! `TransactWriteItems` conditioned on the lead's version: a concurrent writer makes it fail
//! whole, and the caller reads again and decides again.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use domain::TenantId;
use domain::analytics::Tally;
use domain::conversation::{
    ChatMessage, ChatRole, RateLimit, RateLimited, RateWindow, Session, SessionId,
};
use domain::lead::{Lead, LeadId, LeadSource};
use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::analytics::tally_write;
use crate::leads::{LEAD_ENTRY, LeadItem, LeadStore, s};
use crate::replay::{self, Replay, Replayed};
use crate::transact::{Transacted, transact};
use usecases::retry::Retries;

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

/// A lead's conversation as read, with what a write needs to find unchanged.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub lead: Lead,
    /// The latest messages, oldest first.
    pub recent: Vec<ChatMessage>,
    pub session: Option<Session>,
    /// The messages counted towards the lead's rate limit.
    pub window: RateWindow,
    /// The stored version; `None` while the lead is not stored yet.
    version: Option<u64>,
}

impl Conversation {
    /// The conversation of a lead that does not exist yet.
    pub fn new(lead: Lead, session: Option<Session>) -> Self {
        Self {
            lead,
            recent: Vec::new(),
            session,
            window: RateWindow::default(),
            version: None,
        }
    }

    pub fn is_stored(&self) -> bool {
        self.version.is_some()
    }
}

/// What looking a conversation up found.
#[derive(Debug)]
pub enum Lookup {
    Found(Box<Conversation>),
    Missing,
    /// The lead exists but is another tenant's.
    OtherTenant,
}

/// A limit on how many new conversations one caller (a key, an agent) starts.
#[derive(Debug, Clone)]
pub struct Opening {
    pub scope: String,
    pub limit: RateLimit,
    pub now_ms: u64,
}

/// A change to write: the lead as it will be, and what comes with it.
#[derive(Debug, Clone)]
pub struct LeadWrite {
    pub lead: Lead,
    pub window: RateWindow,
    /// The visitor's message and the reply to it, oldest first.
    pub messages: Vec<ChatMessage>,
    pub replay: Option<Replay>,
    /// Checked when the write creates the lead.
    pub opening: Option<Opening>,
}

impl LeadWrite {
    /// A change of the lead alone.
    pub fn lead(lead: Lead, read: &Conversation) -> Self {
        Self {
            lead,
            window: read.window,
            messages: Vec::new(),
            replay: None,
            opening: None,
        }
    }
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    Done,
    /// The lead changed since it was read: read again and decide again.
    Changed,
    /// The idempotency key was used before for this request; this was its response.
    Repeated(String),
    /// The idempotency key was used before for another request: nothing was written.
    KeyReused,
    /// The caller started too many conversations.
    RateLimited(RateLimited),
}

impl LeadStore {
    /// The tenant's lead with its latest `recent` messages.
    pub async fn conversation(
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
        Ok(Lookup::Found(Box::new(Conversation {
            lead: item.to_lead()?,
            recent,
            session,
            window: RateWindow {
                start_ms: item.rate_window_start,
                count: item.rate_window_count,
            },
            version: Some(item.version),
        })))
    }

    /// Writes `change` to the conversation `read` was read from: the lead (created when `read`
    /// is not stored), the messages, the analytics change and the replay record, all or nothing.
    /// Transaction conflicts are retried within the caller's `retries`.
    pub async fn save(
        &self,
        tenant: &TenantId,
        read: &Conversation,
        change: LeadWrite,
        retries: &mut Retries,
    ) -> Result<Saved, StoreError> {
        let mut item = LeadItem::of(tenant, &change.lead);
        item.version = read.version.map_or(1, |version| version + 1);
        item.session_id = read.session.as_ref().map(|session| session.id.to_string());
        item.session_expires_at = read.session.as_ref().map(|session| session.expires_at);
        item.rate_window_start = change.window.start_ms;
        item.rate_window_count = change.window.count;

        let mut lead_put = Put::builder()
            .table_name(&self.leads_table)
            .set_item(Some(serde_dynamo::to_item(&item)?));
        lead_put = match read.version {
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
        let opening = change.opening.as_ref().filter(|_| !read.is_stored());
        let opening_at = match opening {
            Some(opening) => {
                writes.push(self.opening_write(opening)?);
                Some(writes.len() - 1)
            }
            None => None,
        };

        match transact(&self.client, writes, retries).await? {
            Transacted::Done => Ok(Saved::Done),
            Transacted::Conflict => Ok(Saved::Changed),
            Transacted::ConditionFailed { writes } => {
                if let (Some(at), Some(replay)) = (replay_at, &change.replay)
                    && writes.contains(&at)
                {
                    return Ok(
                        match replay::earlier(&self.client, &self.claims_table, replay).await? {
                            Some(Replayed::Same(response)) => Saved::Repeated(response),
                            Some(Replayed::Different) => Saved::KeyReused,
                            None => Saved::Changed,
                        },
                    );
                }
                if let (Some(at), Some(opening)) = (opening_at, opening)
                    && writes.contains(&at)
                    && !writes.contains(&0)
                {
                    let window_ms = opening.limit.window_ms.max(1);
                    let ends = opening.now_ms - opening.now_ms % window_ms + window_ms;
                    return Ok(Saved::RateLimited(RateLimited {
                        retry_after_secs: (ends - opening.now_ms).div_ceil(1000).max(1),
                    }));
                }
                Ok(Saved::Changed)
            }
        }
    }

    /// Counts one new conversation of the opening's caller in the current window, refused
    /// (condition failed) when the window is full.
    fn opening_write(&self, opening: &Opening) -> Result<TransactWriteItem, StoreError> {
        let window_ms = opening.limit.window_ms.max(1);
        let start = opening.now_ms - opening.now_ms % window_ms;
        let expires = (start + window_ms) / 1000 + 60;
        let update = Update::builder()
            .table_name(&self.claims_table)
            .key("claim", s(format!("rate#{}#{start}", opening.scope)))
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
