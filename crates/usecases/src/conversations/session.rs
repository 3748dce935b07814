//! A widget session (seed 002): the one the visitor names when it is the tenant's and still
//! live, else a new one with its own lead.

use domain::conversation::{ConversationKey, Session, SessionId};
use domain::lead::{Lead, LeadSource};
use domain::{TenantId, TenantProfile};
use thiserror::Error;

use super::ports::{
    Conversation, Conversations, LeadWrite, Lookup, NewConversations, Saved, TenantProfiles,
};
use super::{Chat, SHOWN_MESSAGES};
use crate::StoreError;
use crate::clock::{now_ms, random_u64};
use crate::figures::{Figure, count};
use crate::replays::Replays;
use crate::retry::Retries;

/// A session opened or resumed, with what the widget shows of it.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    pub session: Session,
    pub conversation: Conversation,
    pub profile: TenantProfile,
}

#[derive(Debug, Error)]
pub enum SessionError {
    #[error("Session does not belong to this tenant")]
    OtherTenant,
    #[error("Too many new conversations from this caller; wait a moment before starting more")]
    TooManyNewConversations { retry_after_secs: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl<C, T> Chat<C, T>
where
    C: Conversations + Replays,
    T: TenantProfiles,
{
    /// The session `requested` names when it is the tenant's and live; else a new one, counted
    /// against `caller_scope`'s new conversations.
    pub async fn open_session(
        &self,
        tenant: &TenantId,
        requested: Option<&str>,
        caller_scope: &str,
    ) -> Result<OpenedSession, SessionError> {
        let (session, conversation) = match self.resumable(tenant, requested).await? {
            Some(resumed) => resumed,
            None => self.start_session(tenant, caller_scope).await?,
        };
        Ok(OpenedSession {
            session,
            conversation,
            profile: self.tenants.profile(tenant).await?,
        })
    }

    async fn resumable(
        &self,
        tenant: &TenantId,
        requested: Option<&str>,
    ) -> Result<Option<(Session, Conversation)>, SessionError> {
        let Some(id) = requested.and_then(SessionId::parse) else {
            return Ok(None);
        };
        let key = ConversationKey::Session(id);
        match self
            .conversations
            .conversation(tenant, &key.lead_id(tenant), SHOWN_MESSAGES)
            .await?
        {
            Lookup::Found(conversation) => Ok(conversation
                .session
                .clone()
                .filter(|session| session.is_live(now_ms()))
                .map(|session| (session, *conversation))),
            Lookup::OtherTenant => Err(SessionError::OtherTenant),
            Lookup::Missing => Ok(None),
        }
    }

    async fn start_session(
        &self,
        tenant: &TenantId,
        caller_scope: &str,
    ) -> Result<(Session, Conversation), SessionError> {
        let now = now_ms();
        let mut retries = Retries::default();
        loop {
            let session = Session::start(SessionId::generate(random_u64(), random_u64()), now);
            let key = ConversationKey::Session(session.id.clone());
            let lead = Lead::new(key.lead_id(tenant), LeadSource::Chatbot, now);
            let fresh = Conversation::new(lead.clone(), Some(session.clone()));
            let mut write = LeadWrite::lead(lead, &fresh);
            write.new_conversations = Some(NewConversations {
                caller_scope: caller_scope.to_owned(),
                limit: self.limits.new_conversations_per_caller,
                now_ms: now,
            });
            match self.conversations.save(tenant, &fresh, &write).await? {
                Saved::Done => {
                    count(Figure::LeadsCaptured, 1);
                    return Ok((session, fresh));
                }
                Saved::TooManyNewConversations { retry_after_secs } => {
                    return Err(SessionError::TooManyNewConversations { retry_after_secs });
                }
                // A session id that is already taken (2^-122): draw another.
                Saved::Changed | Saved::ReplayTaken => retries.pause().await?,
            }
        }
    }
}
