//! A lead created through the API, read, and moved along the sales pipeline: each write
//! conditioned on the lead as read.

use domain::analytics::Tally;
use domain::lead::{Lead, LeadId, LeadIntent, LeadSource, LeadStatus};
use domain::replay::ReplayKey;
use domain::ticket::StatusCounts;
use domain::{Email, TenantId};
use serde_json::Value;
use thiserror::Error;

use crate::StoreError;
use crate::clock::{now_ms, random_u64};
use crate::conversations::{
    Answer, Conversation, Conversations, ConverseError, LeadFigures, LeadWrite, Lookup,
    SHOWN_MESSAGES, Saved, earlier,
};
use crate::figures::{Figure, count};
use crate::replays::Replays;
use crate::retry::Retries;

#[derive(Debug, Error)]
pub enum LeadError {
    /// The lead does not exist or is another tenant's.
    #[error("Lead not found")]
    NotFound,
    /// The lead changed since the version the caller saw.
    #[error("The lead changed since it was read; read it again")]
    Stale,
    #[error("the idempotency key was used for a different request")]
    KeyReused,
    #[error("a remembered answer could not be read: {0}")]
    UnreadableAnswer(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ConverseError> for LeadError {
    fn from(error: ConverseError) -> Self {
        match error {
            ConverseError::KeyReused => Self::KeyReused,
            ConverseError::UnreadableAnswer(why) => Self::UnreadableAnswer(why),
            ConverseError::Store(error) => Self::Store(error),
            other => Self::Store(StoreError::Malformed(other.to_string())),
        }
    }
}

/// A lead as a form or an integration sends it (seed 001), its fields already checked.
#[derive(Debug, Clone)]
pub struct NewLead {
    pub source: LeadSource,
    pub name: String,
    pub email: Option<Email>,
    pub phone: Option<String>,
    /// Seed 001 files a lead that names no intent as COLD.
    pub intent: Option<LeadIntent>,
}

/// Creates a lead, remembering `respond`'s answer under `replay` so a repeat gets it back and
/// creates nothing.
pub async fn create_lead(
    leads: &(impl Conversations + Replays),
    tenant: &TenantId,
    new: NewLead,
    replay: Option<&ReplayKey>,
    respond: impl Fn(&Lead) -> Value,
) -> Result<Answer, LeadError> {
    let now = now_ms();
    let mut lead = Lead::new(LeadId::generate(now, random_u64()), new.source, now);
    lead.name = Some(new.name);
    lead.email = new.email.map(|email| email.to_string());
    lead.phone = new.phone;
    lead.intent = Some(new.intent.unwrap_or(LeadIntent::Cold));
    let body = respond(&lead);
    let fresh = Conversation::new(lead.clone(), None);
    let mut write = LeadWrite::lead(lead, &fresh);
    write.replay = replay.map(|key| key.remember(body.to_string(), now));
    match leads.save(tenant, &fresh, &write).await? {
        Saved::Done => {
            count(Figure::LeadsCaptured, 1);
            if write.lead.intent == Some(LeadIntent::Hot) {
                count(Figure::HotLeads, 1);
            }
            Ok(Answer {
                body,
                repeated: false,
            })
        }
        Saved::ReplayTaken => match &write.replay {
            Some(replay) => earlier(leads, replay)
                .await?
                // The record expired between the refused write and the read: a retry is new.
                .ok_or(LeadError::Store(StoreError::Contended)),
            None => Err(unexpected("a lead without a key was refused for its key")),
        },
        // A fresh random id cannot be taken, and lead creation counts no new conversations.
        Saved::Changed | Saved::TooManyNewConversations { .. } => {
            Err(unexpected("a new lead's id was taken"))
        }
    }
}

fn unexpected(what: &str) -> LeadError {
    LeadError::Store(StoreError::Malformed(what.to_owned()))
}

/// The tenant's lead with its latest messages.
pub async fn read_lead(
    leads: &impl Conversations,
    tenant: &TenantId,
    id: &LeadId,
) -> Result<Conversation, LeadError> {
    match leads.conversation(tenant, id, SHOWN_MESSAGES).await? {
        Lookup::Found(read) => Ok(*read),
        Lookup::Missing | Lookup::OtherTenant => Err(LeadError::NotFound),
    }
}

/// Moves the tenant's lead to `status`; when `seen_versions` is given, only if the lead is still
/// at one of those versions (an agent acting on what their screen showed). Answers the lead as
/// it is now.
pub async fn move_lead(
    leads: &impl Conversations,
    tenant: &TenantId,
    id: &LeadId,
    status: LeadStatus,
    seen_versions: Option<&[u64]>,
) -> Result<Conversation, LeadError> {
    let mut retries = Retries::default();
    loop {
        let mut read = read_lead(leads, tenant, id).await?;
        if seen_versions.is_some_and(|seen| !read.version().is_some_and(|now| seen.contains(&now)))
        {
            return Err(LeadError::Stale);
        }
        let mut lead = read.lead.clone();
        if !lead.move_to(status, now_ms()) {
            return Ok(read);
        }
        match leads
            .save(tenant, &read, &LeadWrite::lead(lead.clone(), &read))
            .await?
        {
            Saved::Done => {
                read.lead = lead;
                return Ok(read.after_write());
            }
            // The lead changed meanwhile: what the caller saw is no longer what it is.
            Saved::Changed if seen_versions.is_some() => return Err(LeadError::Stale),
            _ => retries.pause().await?,
        }
    }
}

/// The tenant's running figures: its leads' and its tickets'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    pub leads: Tally,
    pub tickets: StatusCounts,
}

/// The tenant's running figures.
pub async fn figures(figures: &impl LeadFigures, tenant: &TenantId) -> Result<Figures, StoreError> {
    let (leads, tickets) = figures.figures(tenant).await?;
    Ok(Figures { leads, tickets })
}
