//! Seed 000's leads: one per user of a tenant, created by the user's first lead form or first
//! conversation, brought up to date by later ones. Concurrent calls for one new user make one
//! lead; every distinct conversation is kept once, in order of arrival.

use domain::TenantId;
use domain::lead::{
    ConversationId, ConversationTracking, Lead, LeadDetails, LeadId, LeadUpdate, UserId,
};

use crate::StoreError;
use crate::clock::{now_ms, random_u64};
use crate::conversations::{Updated, UserLeads};
use crate::figures::{Figure, count};
use crate::retry::Retries;

/// A lead form: creates its user's lead, or brings the one they have up to date. A form that
/// names no user is a new user, given an id. The conversation, when given, is tracked as
/// [`track_conversation`] does. Answers the user and their lead.
pub async fn capture_lead(
    leads: &impl UserLeads,
    tenant: &TenantId,
    details: &LeadDetails,
    conversation: Option<&ConversationId>,
) -> Result<(UserId, Lead), StoreError> {
    let now = now_ms();
    let user = details
        .user_id
        .clone()
        .unwrap_or_else(|| UserId::generate(now, random_u64()));
    capture_for(leads, tenant, &user, details, conversation, now)
        .await
        .map(|lead| (user, lead))
}

async fn capture_for(
    leads: &impl UserLeads,
    tenant: &TenantId,
    user: &UserId,
    details: &LeadDetails,
    conversation: Option<&ConversationId>,
    now: u64,
) -> Result<Lead, StoreError> {
    let update = LeadUpdate::capture(details, conversation, now);
    let mut retries = Retries::default();
    loop {
        if let Some(id) = leads.lead_of_user(tenant, user).await? {
            return match leads.update_lead(tenant, &id, &update).await? {
                Updated::Applied(lead) => Ok(lead),
                // Already tracked: bring the details up to date without adding it again.
                Updated::Refused(_) => applied(
                    &id,
                    leads
                        .update_lead(tenant, &id, &update.without_conversation())
                        .await?,
                ),
            };
        }
        let lead = Lead::captured(new_id(now), user.clone(), details, conversation, now);
        if leads.create_user_lead(tenant, user, &lead).await? {
            count(Figure::LeadsCaptured, 1);
            return Ok(lead);
        }
        // Another request created the user's lead first: update that one.
        retries.pause().await?;
    }
}

/// A conversation of `user`: added to their lead (once), or to a placeholder lead made for a
/// user who has none yet.
pub async fn track_conversation(
    leads: &impl UserLeads,
    tenant: &TenantId,
    user: &UserId,
    conversation: &ConversationId,
) -> Result<(ConversationTracking, Lead), StoreError> {
    let now = now_ms();
    let mut retries = Retries::default();
    loop {
        if let Some(id) = leads.lead_of_user(tenant, user).await? {
            return Ok(
                match leads
                    .update_lead(tenant, &id, &LeadUpdate::track(conversation, now))
                    .await?
                {
                    Updated::Applied(lead) => (ConversationTracking::Added, lead),
                    Updated::Refused(lead) => (ConversationTracking::AlreadyTracked, lead),
                },
            );
        }
        let lead = Lead::placeholder(new_id(now), user.clone(), conversation, now);
        if leads.create_user_lead(tenant, user, &lead).await? {
            count(Figure::LeadsCaptured, 1);
            return Ok((ConversationTracking::CreatedLead, lead));
        }
        retries.pause().await?;
    }
}

/// Every lead of the tenant's user, newest first.
pub async fn leads_of_user(
    leads: &impl UserLeads,
    tenant: &TenantId,
    user: &UserId,
) -> Result<Vec<Lead>, StoreError> {
    let mut found = leads.leads_of_user(tenant, user).await?;
    found.sort_by_key(|lead| std::cmp::Reverse(lead.timestamp));
    Ok(found)
}

fn new_id(now: u64) -> LeadId {
    LeadId::generate(now, random_u64())
}

/// An update without a conversation is refused only by a store that lost the lead's tenant.
fn applied(id: &LeadId, updated: Updated) -> Result<Lead, StoreError> {
    match updated {
        Updated::Applied(lead) => Ok(lead),
        Updated::Refused(_) => Err(StoreError::Malformed(format!(
            "lead {id} refused an update for its own tenant"
        ))),
    }
}
