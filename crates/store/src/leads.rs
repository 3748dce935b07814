//! Leads in DynamoDB: one lead per (tenant, userId), kept unique by a claim item written in the
//! same transaction, and conversation ids appended atomically in order of first arrival.
//!
//! Each call costs one consistent read (the claim) and one write in the common case; only a lost
//! creation race costs a second read and write.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use domain::TenantId;
use domain::events::LeadState;
use domain::lead::{
    ConversationId, ConversationTracking, ExtraFields, Lead, LeadDetails, LeadId, LeadIntent,
    LeadSource, LeadStatus, UserId,
};
use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::analytics::tally_write;
use crate::tables::{LEADS, TableNames};
use domain::analytics::Tally;
use usecases::retry::Retries;

/// Ids for a lead that may have to be created, minted by the caller (which owns the clock and
/// the randomness) so this adapter stays deterministic under test.
#[derive(Debug, Clone)]
pub struct NewLeadIds {
    pub lead_id: LeadId,
    pub now_ms: u64,
}

#[derive(Clone)]
pub struct LeadStore {
    pub(crate) client: Client,
    pub(crate) leads_table: String,
    pub(crate) claims_table: String,
    pub(crate) analytics_table: String,
}

/// The sort key of a lead's own item; its messages (`chat#…`) sort before it, so a query in
/// descending order returns the lead first and then its latest messages.
pub(crate) const LEAD_ENTRY: &str = "lead";

/// A lead as stored: the domain lead plus its tenant, the composite keys of its indexes (absent
/// when the lead has no user id or email: an index key cannot be empty), and the state of its
/// conversation (version, session, rate window).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LeadItem {
    pub lead_id: String,
    pub entry_key: String,
    pub tenant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_email: Option<String>,
    #[serde(default = "form_source")]
    pub source: LeadSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major: Option<String>,
    pub timestamp: u64,
    pub updated_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub conversation_ids: Vec<String>,
    #[serde(default)]
    pub extra: ExtraFields,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<LeadIntent>,
    #[serde(default)]
    pub score: u8,
    #[serde(default = "new_status")]
    pub status: LeadStatus,
    #[serde(default)]
    pub is_lead_ready: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_message: Option<String>,
    #[serde(default)]
    pub message_count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_account: Option<String>,
    /// Moves on every write, so a read-decide-write can be conditioned on nothing having changed.
    #[serde(default)]
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_expires_at: Option<u64>,
    #[serde(default)]
    pub rate_window_start: u64,
    #[serde(default)]
    pub rate_window_count: u32,
}

fn form_source() -> LeadSource {
    LeadSource::Form
}

fn new_status() -> LeadStatus {
    LeadStatus::New
}

impl LeadItem {
    /// The stored form of `lead` of `tenant`, with no conversation state yet.
    pub(crate) fn of(tenant: &TenantId, lead: &Lead) -> Self {
        Self {
            lead_id: lead.lead_id.to_string(),
            entry_key: LEAD_ENTRY.to_owned(),
            tenant_id: tenant.to_string(),
            tenant_user_id: lead
                .user_id
                .as_ref()
                .map(|user| tenant_key(tenant, user.as_str())),
            tenant_email: lead.email.as_ref().map(|email| tenant_key(tenant, email)),
            source: lead.source,
            user_id: lead.user_id.as_ref().map(ToString::to_string),
            email: lead.email.clone(),
            name: lead.name.clone(),
            phone: lead.phone.clone(),
            school: lead.school.clone(),
            major: lead.major.clone(),
            timestamp: lead.timestamp,
            updated_at: lead.updated_at,
            conversation_id: lead.conversation_id.as_ref().map(ToString::to_string),
            conversation_ids: lead
                .conversation_ids
                .iter()
                .map(ToString::to_string)
                .collect(),
            extra: lead.extra.clone(),
            intent: lead.intent,
            score: lead.score,
            status: lead.status,
            is_lead_ready: lead.is_lead_ready,
            ai_summary: lead.ai_summary.clone(),
            first_message: lead.first_message.clone(),
            message_count: lead.message_count,
            channel_account: lead.channel_account.clone(),
            version: 0,
            session_id: None,
            session_expires_at: None,
            rate_window_start: 0,
            rate_window_count: 0,
        }
    }

    /// A new seed 000 lead of `user` holding only what every such lead has.
    fn new(
        tenant: &TenantId,
        user: &UserId,
        email: String,
        conversation: Option<&ConversationId>,
        ids: &NewLeadIds,
    ) -> Self {
        let lead = Lead {
            user_id: Some(user.clone()),
            email: Some(email),
            conversation_id: conversation.cloned(),
            conversation_ids: conversation.into_iter().cloned().collect(),
            ..Lead::new(ids.lead_id.clone(), LeadSource::Form, ids.now_ms)
        };
        Self::of(tenant, &lead)
    }

    pub(crate) fn to_lead(&self) -> Result<Lead, StoreError> {
        let user_id = self
            .user_id
            .as_deref()
            .map(UserId::parse)
            .transpose()
            .map_err(|e| StoreError::Malformed(format!("userId {e}")))?;
        let conversation = |raw: &String| {
            ConversationId::parse(raw)
                .map_err(|e| StoreError::Malformed(format!("conversation id {e}")))
        };
        Ok(Lead {
            lead_id: LeadId::from_stored(self.lead_id.clone()),
            source: self.source,
            user_id,
            email: self.email.clone(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            school: self.school.clone(),
            major: self.major.clone(),
            timestamp: self.timestamp,
            updated_at: self.updated_at,
            conversation_id: self
                .conversation_id
                .as_ref()
                .map(conversation)
                .transpose()?,
            conversation_ids: self
                .conversation_ids
                .iter()
                .map(conversation)
                .collect::<Result<_, _>>()?,
            extra: self.extra.clone(),
            intent: self.intent,
            score: self.score,
            status: self.status,
            is_lead_ready: self.is_lead_ready,
            ai_summary: self.ai_summary.clone(),
            first_message: self.first_message.clone(),
            message_count: self.message_count,
            channel_account: self.channel_account.clone(),
        })
    }

    fn into_lead(self) -> Result<Lead, StoreError> {
        self.to_lead()
    }
}

/// A lead item from a table stream image: its tenant and what its events report on.
pub(crate) fn stream_state(item: &LeadItem) -> LeadState {
    LeadState {
        lead_id: item.lead_id.clone(),
        source: item.source,
        user_id: item.user_id.clone(),
        email: item.email.clone(),
        name: item.name.clone(),
        phone: item.phone.clone(),
        intent: item.intent,
        score: item.score,
        status: item.status,
        is_lead_ready: item.is_lead_ready,
        ai_summary: item.ai_summary.clone(),
        conversation_ids: item.conversation_ids.clone(),
        updated_at: item.updated_at,
    }
}

pub(crate) fn tenant_key(tenant: &TenantId, value: &str) -> String {
    format!("{tenant}#{value}")
}

fn user_claim(tenant: &TenantId, user: &UserId) -> String {
    format!("lead-user#{tenant}#{user}")
}

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn decode(item: HashMap<String, AttributeValue>) -> Result<Lead, StoreError> {
    serde_dynamo::from_item::<_, LeadItem>(item)?.into_lead()
}

impl LeadStore {
    pub fn new(client: Client, tables: &TableNames) -> Self {
        Self {
            client,
            leads_table: tables.leads.clone(),
            claims_table: tables.claims.clone(),
            analytics_table: tables.lead_analytics.clone(),
        }
    }

    /// Records a lead capture (`POST /leads`): creates the user's lead, or, when the user already
    /// has one, brings its details up to date. The conversation, when given, is tracked as by
    /// [`Self::track_conversation`].
    pub async fn capture(
        &self,
        tenant: &TenantId,
        user: &UserId,
        details: &LeadDetails,
        conversation: Option<&ConversationId>,
        ids: &NewLeadIds,
    ) -> Result<Lead, StoreError> {
        let mut retries = Retries::default();
        loop {
            if let Some(lead_id) = self.claimed_lead(tenant, user).await? {
                return self
                    .update_details(tenant, &lead_id, details, conversation, ids.now_ms)
                    .await;
            }
            let item = LeadItem {
                name: details.name.clone(),
                school: details.school.clone(),
                major: details.major.clone(),
                phone: details.phone.clone(),
                timestamp: details.timestamp.unwrap_or(ids.now_ms),
                extra: details.extra.clone(),
                ..LeadItem::new(tenant, user, details.email.to_string(), conversation, ids)
            };
            if let Some(lead) = self.create(tenant, user, item).await? {
                return Ok(lead);
            }
            retries.pause().await?;
        }
    }

    /// Adds a conversation to the user's lead (`POST /leads/update-conversation`), creating a
    /// placeholder lead when the user has none. Concurrent calls for one new user make exactly
    /// one lead, and every distinct conversation id is kept once, in order of arrival.
    pub async fn track_conversation(
        &self,
        tenant: &TenantId,
        user: &UserId,
        conversation: &ConversationId,
        ids: &NewLeadIds,
    ) -> Result<(ConversationTracking, Lead), StoreError> {
        let mut retries = Retries::default();
        loop {
            if let Some(lead_id) = self.claimed_lead(tenant, user).await? {
                return self
                    .append_conversation(tenant, &lead_id, conversation, ids.now_ms)
                    .await;
            }
            let email = user.placeholder_email();
            let item = LeadItem::new(tenant, user, email, Some(conversation), ids);
            if let Some(lead) = self.create(tenant, user, item).await? {
                return Ok((ConversationTracking::CreatedLead, lead));
            }
            retries.pause().await?;
        }
    }

    /// Every lead of a tenant's user, newest first (`GET /users/{userId}/conversations`).
    pub async fn leads_of_user(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Vec<Lead>, StoreError> {
        let index = LEADS.indexes[0];
        let mut leads = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.leads_table)
                .index_name(index.name)
                .key_condition_expression("#key = :key")
                .expression_attribute_names("#key", index.partition_key)
                .expression_attribute_values(":key", s(tenant_key(tenant, user.as_str())))
                .set_exclusive_start_key(start)
                .send()
                .await?;
            for item in page.items.unwrap_or_default() {
                leads.push(decode(item)?);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        leads.sort_by_key(|lead| std::cmp::Reverse(lead.timestamp));
        Ok(leads)
    }

    async fn claimed_lead(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<LeadId>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.claims_table)
            .key("claim", s(user_claim(tenant, user)))
            .consistent_read(true)
            .send()
            .await?;
        match output.item.as_ref().and_then(|item| item.get("ownerId")) {
            None => Ok(None),
            Some(AttributeValue::S(id)) => Ok(Some(LeadId::from_stored(id.clone()))),
            Some(other) => Err(StoreError::Malformed(format!("claim ownerId is {other:?}"))),
        }
    }

    /// Writes the claim and the lead together; the claim's condition makes the pair unique.
    /// `None` when another request created the user's lead first.
    async fn create(
        &self,
        tenant: &TenantId,
        user: &UserId,
        item: LeadItem,
    ) -> Result<Option<Lead>, StoreError> {
        let lead_id = item.lead_id.clone();
        let encoded: HashMap<String, AttributeValue> = serde_dynamo::to_item(&item)?;
        let claim = Put::builder()
            .table_name(&self.claims_table)
            .item("claim", s(user_claim(tenant, user)))
            .item("ownerId", s(lead_id))
            .item("tenantId", s(tenant.as_str()))
            .condition_expression("attribute_not_exists(claim)")
            .build()
            .map_err(|e| StoreError::Malformed(e.to_string()))?;
        let lead = Put::builder()
            .table_name(&self.leads_table)
            .set_item(Some(encoded))
            .condition_expression("attribute_not_exists(leadId)")
            .build()
            .map_err(|e| StoreError::Malformed(e.to_string()))?;
        let created = item.to_lead()?;
        let mut writes = vec![
            TransactWriteItem::builder().put(claim).build(),
            TransactWriteItem::builder().put(lead).build(),
        ];
        writes.extend(tally_write(
            &self.analytics_table,
            tenant,
            &Tally::change(None, &created),
        )?);
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Some(created)),
            Err(SdkError::ServiceError(error))
                if matches!(
                    error.err(),
                    TransactWriteItemsError::TransactionCanceledException(_)
                ) =>
            {
                // The claim exists (or a concurrent transaction holds it): the user's lead is
                // someone else's creation, reached next time round through the update path.
                tracing::debug!(%tenant, %user, "lead creation lost a race; retrying as an update");
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn append_conversation(
        &self,
        tenant: &TenantId,
        lead_id: &LeadId,
        conversation: &ConversationId,
        now_ms: u64,
    ) -> Result<(ConversationTracking, Lead), StoreError> {
        let request = self
            .client
            .update_item()
            .update_expression(
                "SET conversationIds = list_append(conversationIds, :new), \
                 conversationId = :conversation, updatedAt = :now, \
                 version = if_not_exists(version, :zero) + :one",
            )
            .condition_expression(
                "tenantId = :tenant AND NOT contains(conversationIds, :conversation)",
            )
            .expression_attribute_values(":new", AttributeValue::L(vec![s(conversation.as_str())]))
            .expression_attribute_values(":conversation", s(conversation.as_str()))
            .expression_attribute_values(":now", AttributeValue::N(now_ms.to_string()))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":tenant", s(tenant.as_str()));
        match self.conditional_update(tenant, lead_id, request).await? {
            Update::Applied(lead) => Ok((ConversationTracking::Added, lead)),
            Update::Refused(lead) if lead.tracks(conversation) => {
                Ok((ConversationTracking::AlreadyTracked, lead))
            }
            Update::Refused(_) => Err(StoreError::Malformed(format!(
                "lead {lead_id} refused a conversation it does not hold"
            ))),
        }
    }

    async fn update_details(
        &self,
        tenant: &TenantId,
        lead_id: &LeadId,
        details: &LeadDetails,
        conversation: Option<&ConversationId>,
        now_ms: u64,
    ) -> Result<Lead, StoreError> {
        let mut sets = vec![
            "email = :email".to_owned(),
            "tenantEmail = :tenantEmail".to_owned(),
            "updatedAt = :now".to_owned(),
            "version = if_not_exists(version, :zero) + :one".to_owned(),
        ];
        let mut values = HashMap::from([
            (":email".to_owned(), s(details.email.as_str())),
            (
                ":tenantEmail".to_owned(),
                s(tenant_key(tenant, details.email.as_str())),
            ),
            (":now".to_owned(), AttributeValue::N(now_ms.to_string())),
            (":tenant".to_owned(), s(tenant.as_str())),
            (":zero".to_owned(), AttributeValue::N("0".into())),
            (":one".to_owned(), AttributeValue::N("1".into())),
        ]);
        let mut names = HashMap::new();
        for (attribute, value) in [
            ("name", &details.name),
            ("phone", &details.phone),
            ("school", &details.school),
            ("major", &details.major),
        ] {
            if let Some(value) = value {
                // `name` is one of DynamoDB's reserved words, so attributes go through aliases.
                sets.push(format!("#{attribute} = :{attribute}"));
                names.insert(format!("#{attribute}"), attribute.to_owned());
                values.insert(format!(":{attribute}"), s(value.as_str()));
            }
        }
        if !details.extra.is_empty() {
            // The latest capture's extra fields replace the earlier ones: merging field by field
            // could grow a lead past the caps the domain enforces on one submission.
            sets.push("extra = :extra".to_owned());
            values.insert(
                ":extra".to_owned(),
                serde_dynamo::to_attribute_value(&details.extra)?,
            );
        }
        let mut condition = "tenantId = :tenant".to_owned();
        if let Some(conversation) = conversation {
            sets.push("conversationIds = list_append(conversationIds, :new)".to_owned());
            sets.push("conversationId = :conversation".to_owned());
            values.insert(
                ":new".to_owned(),
                AttributeValue::L(vec![s(conversation.as_str())]),
            );
            values.insert(":conversation".to_owned(), s(conversation.as_str()));
            condition.push_str(" AND NOT contains(conversationIds, :conversation)");
        }
        let request = self
            .client
            .update_item()
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression(condition)
            .set_expression_attribute_names((!names.is_empty()).then_some(names))
            .set_expression_attribute_values(Some(values));
        match self.conditional_update(tenant, lead_id, request).await? {
            Update::Applied(lead) => Ok(lead),
            // Already tracked: bring the details up to date without appending again.
            Update::Refused(lead) if conversation.is_some_and(|c| lead.tracks(c)) => {
                Box::pin(self.update_details(tenant, lead_id, details, None, now_ms)).await
            }
            Update::Refused(_) => Err(StoreError::Malformed(format!(
                "lead {lead_id} refused an update for its own tenant"
            ))),
        }
    }

    /// Sends an update of one of the tenant's leads whose condition may refuse it, and returns
    /// the lead as it is afterwards either way.
    async fn conditional_update(
        &self,
        tenant: &TenantId,
        lead_id: &LeadId,
        request: UpdateItemFluentBuilder,
    ) -> Result<Update, StoreError> {
        let result = request
            .table_name(&self.leads_table)
            .key("leadId", s(lead_id.as_str()))
            .key("entryKey", s(LEAD_ENTRY))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Update::Applied(decode(
                output.attributes.ok_or_else(|| missing_lead(lead_id))?,
            )?)),
            Err(SdkError::ServiceError(error)) => match error.into_err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => Ok(Update::Refused(
                    self.owned_lead(tenant, lead_id, failed.item).await?,
                )),
                other => Err(StoreError::Unavailable(other.to_string())),
            },
            Err(error) => Err(error.into()),
        }
    }

    /// The lead a failed condition returned, checked to be the tenant's: claims are per tenant, so
    /// a lead of another tenant (or none) behind a claim means the data is inconsistent.
    async fn owned_lead(
        &self,
        tenant: &TenantId,
        lead_id: &LeadId,
        returned: Option<HashMap<String, AttributeValue>>,
    ) -> Result<Lead, StoreError> {
        let item = match returned {
            Some(item) => item,
            // Older DynamoDB-compatible servers do not return the item; read it instead.
            None => self
                .client
                .get_item()
                .table_name(&self.leads_table)
                .key("leadId", s(lead_id.as_str()))
                .key("entryKey", s(LEAD_ENTRY))
                .key("entryKey", s(LEAD_ENTRY))
                .consistent_read(true)
                .send()
                .await?
                .item
                .ok_or_else(|| missing_lead(lead_id))?,
        };
        match item.get("tenantId") {
            Some(AttributeValue::S(owner)) if owner == tenant.as_str() => decode(item),
            _ => Err(StoreError::Malformed(format!(
                "claim of tenant {tenant} points at lead {lead_id} of another tenant"
            ))),
        }
    }
}

/// What a conditional update did.
enum Update {
    /// The condition held; the lead as written.
    Applied(Lead),
    /// The condition failed; the lead as it stands.
    Refused(Lead),
}

fn missing_lead(lead_id: &LeadId) -> StoreError {
    StoreError::Malformed(format!("claimed lead {lead_id} does not exist"))
}
