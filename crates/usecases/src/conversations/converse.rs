//! One visitor message, answered: read the lead with its latest messages, check the session and
//! the rate limit, ask the assistant, and write the exchange in one step conditioned on the lead
//! not having changed; a lost race reads and decides again.

use std::time::Duration;

use domain::conversation::{
    ChatMessage, ChatRole, ChatTextError, Contact, ConversationKey, SessionId, chat_text,
};
use domain::lead::{Lead, LeadIntent, LeadSource, UserId};
use domain::replay::{ClientKey, ReplayKey, Replayed};
use domain::{Email, TenantId, TenantProfile};
use serde_json::Value;
use thiserror::Error;

use super::engine::{Profile, Reply, Role, TenantBrief, Turn};
use super::ports::{
    Conversation, Conversations, LeadWrite, Lookup, NewConversations, Saved, TenantProfiles,
};
use super::{ASSISTANT_CONTEXT, Chat};
use crate::StoreError;
use crate::clock::now_ms;
use crate::figures::{Figure, count};
use crate::replays::Replays;
use crate::retry::Retries;

/// How long a message may keep being decided again after losing to a concurrent write. The
/// assistant is asked again only when its longest reply still fits: the chat functions' 25 s
/// timeout holds the first reply (the model's timeout is at most 15 s), and this.
const CONVERSATION_BUDGET: Duration = Duration::from_secs(12);

/// One visitor message to answer.
#[derive(Debug, Clone)]
pub struct Message {
    /// Whose conversation it is.
    pub key: ConversationKey,
    /// The text, already checked ([`domain::conversation::chat_text`]).
    pub text: String,
    /// Who starts new conversations (an API key, an agent, a channel account), for the limit on
    /// how many one caller starts.
    pub caller_scope: String,
    /// A client's idempotency key or a provider's message id.
    pub replay: Option<ReplayKey>,
    /// The channel account a channel conversation comes through, kept on a new lead.
    pub channel_account: Option<String>,
}

impl Message {
    /// A visitor's message in a widget session (seed 002's chat routes, public and internal
    /// alike): a client's key on `route` is scoped to the session, since another session is
    /// another visitor of the tenant.
    pub fn in_session(
        tenant: &TenantId,
        route: &str,
        session_id: &str,
        text: &str,
        client_key: Option<&ClientKey>,
        caller_scope: String,
    ) -> Result<(Self, SessionId), ConverseError> {
        let text = chat_text(text)?;
        let session = SessionId::parse(session_id).ok_or(ConverseError::UnknownSession)?;
        let key = ConversationKey::Session(session.clone());
        let replay =
            client_key.map(|given| given.replay_key(tenant, route, key.lead_id(tenant).as_str()));
        Ok((
            Self {
                key,
                text,
                caller_scope,
                replay,
                channel_account: None,
            },
            session,
        ))
    }

    /// A message of a visitor known by the id a website or channel gives them (seed 001's chat
    /// route): a client's key on `route` is scoped to the visitor's conversation.
    pub fn from_visitor(
        tenant: &TenantId,
        route: &str,
        source: LeadSource,
        user_id: UserId,
        text: &str,
        client_key: Option<&ClientKey>,
        caller_scope: String,
    ) -> Result<Self, ConverseError> {
        let text = chat_text(text)?;
        let key = ConversationKey::Visitor { source, user_id };
        let replay =
            client_key.map(|given| given.replay_key(tenant, route, key.lead_id(tenant).as_str()));
        Ok(Self {
            key,
            text,
            caller_scope,
            replay,
            channel_account: None,
        })
    }
}

/// The answer to a message, and whether it is the stored answer of an earlier copy.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub body: Value,
    pub repeated: bool,
}

#[derive(Debug, Error)]
pub enum ConverseError {
    #[error(transparent)]
    InvalidMessage(#[from] ChatTextError),
    /// The session does not exist or is another tenant's.
    #[error("Invalid session")]
    UnknownSession,
    #[error("Session expired; start a new session")]
    SessionExpired,
    #[error("Too many messages in this conversation; wait a moment before sending more")]
    TooManyMessages { retry_after_secs: u64 },
    #[error("Too many new conversations from this caller; wait a moment before starting more")]
    TooManyNewConversations { retry_after_secs: u64 },
    /// The idempotency key came with another request before.
    #[error("the idempotency key was used for a different request")]
    KeyReused,
    #[error("a remembered answer could not be read: {0}")]
    UnreadableAnswer(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl<C, T> Chat<C, T>
where
    C: Conversations + Replays,
    T: TenantProfiles,
{
    /// The visitor's text to the conversation of `message.key`, answered by the assistant and
    /// stored with the reply. `respond` makes the route's answer from the lead and the reply; it
    /// is stored with the exchange under `message.replay`, and a repeat with the same key gets
    /// it back without a second exchange.
    pub async fn converse(
        &self,
        tenant: &TenantId,
        message: Message,
        respond: impl Fn(&Lead, &Reply) -> Value,
    ) -> Result<Answer, ConverseError> {
        // A repeat is recognised by the exchange's own write (its replay record is taken), not
        // by a read first: the widget sends a key with every message and repeats are rare, so a
        // read on every message would cost more than the assistant answering a repeat again.
        let brief = brief(&self.tenants.profile(tenant).await?);
        let lead_id = message.key.lead_id(tenant);
        let mut retries = Retries::within(CONVERSATION_BUDGET);
        loop {
            if retries.attempt() > 0 && !retries.has(self.engine.longest_reply()) {
                return Err(StoreError::Contended.into());
            }
            let received_at = now_ms();
            let read = match self
                .conversations
                .conversation(tenant, &lead_id, ASSISTANT_CONTEXT)
                .await?
            {
                Lookup::Found(conversation) => *conversation,
                Lookup::Missing => match &message.key {
                    ConversationKey::Session(_) => return Err(ConverseError::UnknownSession),
                    ConversationKey::Visitor { source, user_id } => {
                        let mut lead =
                            Lead::visitor(lead_id.clone(), *source, user_id.clone(), received_at);
                        lead.channel_account.clone_from(&message.channel_account);
                        Conversation::new(lead, None)
                    }
                },
                Lookup::OtherTenant => return Err(ConverseError::UnknownSession),
            };
            if read
                .session
                .as_ref()
                .is_some_and(|session| !session.is_live(received_at))
            {
                return Err(ConverseError::SessionExpired);
            }
            let window = self
                .limits
                .messages_per_conversation
                .admit(read.window, received_at)
                .map_err(|limited| ConverseError::TooManyMessages {
                    retry_after_secs: limited.retry_after_secs,
                })?;

            let history: Vec<Turn> = read.recent.iter().map(turn).collect();
            let reply = self.engine.reply(&brief, &history, &message.text).await;
            let visitor = ChatMessage {
                role: ChatRole::User,
                content: message.text.clone(),
                timestamp: received_at,
            };
            let answer = ChatMessage {
                role: ChatRole::Assistant,
                content: reply.text.clone(),
                timestamp: now_ms().max(received_at),
            };
            let mut lead = read.lead.clone();
            lead.record_exchange(
                &visitor,
                &answer,
                reply.intent,
                reply.score,
                contact(&reply.profile),
            );
            let body = respond(&lead, &reply);
            let turned_hot =
                lead.intent == Some(LeadIntent::Hot) && read.lead.intent != Some(LeadIntent::Hot);
            let replay = message
                .replay
                .as_ref()
                .map(|key| key.remember(body.to_string(), received_at));
            let write = LeadWrite {
                window,
                messages: vec![visitor, answer],
                replay: replay.clone(),
                new_conversations: Some(NewConversations {
                    caller_scope: message.caller_scope.clone(),
                    limit: self.limits.new_conversations_per_caller,
                    now_ms: received_at,
                }),
                lead,
            };
            match self.conversations.save(tenant, &read, &write).await? {
                Saved::Done => {
                    count(Figure::MessagesIn, 1);
                    count(Figure::MessagesOut, 1);
                    if !read.is_stored() {
                        count(Figure::LeadsCaptured, 1);
                    }
                    if turned_hot {
                        count(Figure::HotLeads, 1);
                    }
                    return Ok(Answer {
                        body,
                        repeated: false,
                    });
                }
                Saved::ReplayTaken => {
                    if let Some(replay) = &replay
                        && let Some(answer) = earlier(&self.conversations, replay).await?
                    {
                        return Ok(answer);
                    }
                    retries.pause().await?;
                }
                Saved::TooManyNewConversations { retry_after_secs } => {
                    return Err(ConverseError::TooManyNewConversations { retry_after_secs });
                }
                Saved::Changed => retries.pause().await?,
            }
        }
    }
}

/// What the earlier use of the request's idempotency key answered; `None` when its record
/// expired meanwhile (the request is then new).
pub(crate) async fn earlier(
    replays: &impl Replays,
    replay: &domain::replay::Replay,
) -> Result<Option<Answer>, ConverseError> {
    match replays.earlier(replay).await? {
        Some(Replayed::Same(stored)) => serde_json::from_str(&stored)
            .map(|body| {
                Some(Answer {
                    body,
                    repeated: true,
                })
            })
            .map_err(|error| ConverseError::UnreadableAnswer(error.to_string())),
        Some(Replayed::Different) => Err(ConverseError::KeyReused),
        None => Ok(None),
    }
}

/// The assistant's brief for a tenant.
fn brief(profile: &TenantProfile) -> TenantBrief {
    TenantBrief {
        business: profile.name.clone(),
        allowed_topics: profile.allowed_topics.clone(),
    }
}

fn turn(message: &ChatMessage) -> Turn {
    Turn {
        role: match message.role {
            ChatRole::User => Role::Visitor,
            ChatRole::Assistant => Role::Assistant,
        },
        content: message.content.clone(),
    }
}

/// The contact details the assistant found, with any email checked and normalised.
fn contact(profile: &Profile) -> Contact {
    Contact {
        name: profile.name.clone(),
        email: profile
            .email
            .as_deref()
            .and_then(|raw| Email::parse(raw).ok())
            .map(|email| email.to_string()),
        phone: profile.phone.clone(),
    }
}
