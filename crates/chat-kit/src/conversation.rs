//! The conversation flow every chat route follows: read the lead with its latest messages, check
//! the session and the rate limit, ask the assistant, and write the exchange in one transaction
//! conditioned on the lead not having changed; a lost race reads and decides again.

use std::time::Duration;

use assistant::{Role, TenantBrief, Turn};
use domain::conversation::{ChatMessage, ChatRole, Contact, ConversationKey, Session, SessionId};
use domain::lead::{Lead, LeadSource, UserId};
use domain::replay::ReplayKey;
use domain::{Email, TenantId, TenantProfile};
use http_kit::ApiError;
use http_kit::catalogue::ErrorCode;
use http_kit::idempotency::key_reused;
use serde_json::Value;
use store::conversations::{Conversation, LeadWrite, Lookup, Opening, Saved};
use usecases::clock::{now_ms, random_u64};
use usecases::retry::Retries;

use crate::{ChatService, store_failure};

/// How many of the latest messages the assistant sees: enough context for any engine, bounded so
/// a conversation of thousands of messages costs the same per message as a short one.
pub const ASSISTANT_CONTEXT: usize = 50;
/// How many of the latest messages a resumed session or a lead read shows.
pub const SHOWN_MESSAGES: usize = 200;
/// How long a message may keep being decided again after losing to a concurrent write. The
/// assistant is asked again only when its longest reply still fits: the chat functions' 25 s
/// timeout holds the first reply (the model's timeout is at most 15 s), and this.
const CONVERSATION_BUDGET: Duration = Duration::from_secs(12);

/// Why a conversation could not go on, before the route says it in its own words.
#[derive(Debug)]
pub enum ChatError {
    /// The session does not exist or is another tenant's.
    UnknownSession,
    SessionExpired,
    Refused(ApiError),
}

impl ChatError {
    /// The answer, in seed 002's words (the only routes whose sessions can be unknown or expired).
    pub fn into_api_error(self) -> ApiError {
        match self {
            Self::UnknownSession => ApiError::new(ErrorCode::InvalidSession, "Invalid session"),
            Self::SessionExpired => ApiError::new(
                ErrorCode::SessionExpired,
                "Session expired; start a new session",
            ),
            Self::Refused(error) => error,
        }
    }
}

impl From<ApiError> for ChatError {
    fn from(error: ApiError) -> Self {
        Self::Refused(error)
    }
}

/// The answer to a message, and whether it is the stored answer of an earlier copy.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub body: Value,
    pub repeated: bool,
}

/// The assistant's brief for a tenant.
fn brief(profile: &TenantProfile) -> TenantBrief {
    TenantBrief {
        business: profile.name.clone(),
        allowed_topics: profile.allowed_topics.clone(),
    }
}

/// One visitor message to answer.
#[derive(Debug, Clone)]
pub struct Converse {
    /// Whose conversation it is.
    pub key: ConversationKey,
    pub text: String,
    /// Who starts new conversations (an API key, an agent, a channel account), for the limit on
    /// how many one caller starts.
    pub caller_scope: String,
    /// A client's idempotency key or a provider's message id.
    pub replay: Option<ReplayKey>,
    /// The channel account a channel conversation comes through, kept on a new lead.
    pub channel_account: Option<String>,
}

/// One message of a conversation: the visitor's text to the conversation of `request.key`,
/// answered by the assistant and stored with the reply. `respond` makes the route's answer from
/// the lead and the reply; it is stored with the exchange under `request.replay`, and a repeat
/// with the same key gets it back without a second exchange.
pub async fn converse(
    service: &ChatService,
    tenant: &TenantId,
    request: Converse,
    respond: impl Fn(&Lead, &assistant::Reply) -> Value,
) -> Result<Answer, ChatError> {
    let Converse {
        key,
        text,
        caller_scope,
        replay,
        channel_account,
    } = request;
    // A repeat is recognised by the exchange's own write (its replay record's condition fails),
    // not by a read first: the widget sends a key with every message and repeats are rare, so a
    // read on every message would cost more than the assistant answering a repeat again.
    let profile = service
        .tenants
        .profile(tenant)
        .await
        .map_err(store_failure)?;
    let brief = brief(&profile);
    let lead_id = key.lead_id(tenant);
    let mut retries = Retries::within(CONVERSATION_BUDGET);
    loop {
        if retries.attempt() > 0 && !retries.has(service.engine.longest_reply()) {
            return Err(store_failure(store::StoreError::Contended).into());
        }
        let received_at = now_ms();
        let read = match service
            .leads
            .conversation(tenant, &lead_id, ASSISTANT_CONTEXT)
            .await
            .map_err(store_failure)?
        {
            Lookup::Found(conversation) => *conversation,
            Lookup::Missing => match &key {
                ConversationKey::Session(_) => return Err(ChatError::UnknownSession),
                ConversationKey::Visitor { source, user_id } => {
                    let mut lead = visitor_lead(&lead_id, *source, user_id, received_at);
                    lead.channel_account = channel_account.clone();
                    Conversation::new(lead, None)
                }
            },
            Lookup::OtherTenant => return Err(ChatError::UnknownSession),
        };
        if read
            .session
            .as_ref()
            .is_some_and(|session| !session.is_live(received_at))
        {
            return Err(ChatError::SessionExpired);
        }
        let window = service
            .limits
            .messages_per_conversation
            .admit(read.window, received_at)
            .map_err(|limited| {
                ApiError::too_many_requests(
                    "Too many messages in this conversation; wait a moment before sending more",
                    limited.retry_after_secs,
                )
            })?;

        let history: Vec<Turn> = read.recent.iter().map(turn).collect();
        let reply = service.engine.reply(&brief, &history, &text).await;
        let visitor = ChatMessage {
            role: ChatRole::User,
            content: text.clone(),
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
        if assistant::is_ready(lead.score, lead.email.is_some(), lead.phone.is_some()) {
            lead.mark_ready(summary(&lead, &text));
        }
        let body = respond(&lead, &reply);
        let turned_hot = lead.intent == Some(domain::lead::LeadIntent::Hot)
            && read.lead.intent != Some(domain::lead::LeadIntent::Hot);
        let write = LeadWrite {
            window,
            messages: vec![visitor, answer],
            replay: replay
                .as_ref()
                .map(|replay| replay.remember(body.to_string(), received_at)),
            opening: Some(Opening {
                scope: caller_scope.clone(),
                limit: service.limits.new_conversations_per_caller,
                now_ms: received_at,
            }),
            lead,
        };
        match service
            .leads
            .save(tenant, &read, write, &mut retries)
            .await
            .map_err(store_failure)?
        {
            Saved::Done => {
                telemetry::count(telemetry::Figure::MessagesIn, 1);
                telemetry::count(telemetry::Figure::MessagesOut, 1);
                if !read.is_stored() {
                    telemetry::count(telemetry::Figure::LeadsCaptured, 1);
                }
                if turned_hot {
                    telemetry::count(telemetry::Figure::HotLeads, 1);
                }
                return Ok(Answer {
                    body,
                    repeated: false,
                });
            }
            Saved::Repeated(stored) => return Ok(repeated(&stored)?),
            Saved::KeyReused => return Err(key_reused().into()),
            Saved::RateLimited(limited) => {
                return Err(new_conversations_limited(limited.retry_after_secs).into());
            }
            Saved::Changed => retries
                .pause()
                .await
                .map_err(|error| store_failure(error.into()))?,
        }
    }
}

/// A widget session: the one `requested` names when it is the tenant's and still live, else a new
/// one with its own lead. 403 when it names another tenant's session.
pub async fn open_session(
    service: &ChatService,
    tenant: &TenantId,
    requested: Option<&str>,
    caller_scope: &str,
) -> Result<(Conversation, Session), ApiError> {
    let now = now_ms();
    if let Some(id) = requested.and_then(SessionId::parse) {
        let key = ConversationKey::Session(id);
        match service
            .leads
            .conversation(tenant, &key.lead_id(tenant), SHOWN_MESSAGES)
            .await
            .map_err(store_failure)?
        {
            Lookup::Found(conversation) => {
                if let Some(session) = conversation
                    .session
                    .clone()
                    .filter(|session| session.is_live(now))
                {
                    return Ok((*conversation, session));
                }
            }
            Lookup::OtherTenant => {
                return Err(ApiError::new(
                    ErrorCode::SessionOfAnotherTenant,
                    "Session does not belong to this tenant",
                ));
            }
            Lookup::Missing => {}
        }
    }
    let mut retries = Retries::default();
    loop {
        let session = Session::start(SessionId::generate(random_u64(), random_u64()), now);
        let key = ConversationKey::Session(session.id.clone());
        let lead = Lead::new(key.lead_id(tenant), LeadSource::Chatbot, now);
        let fresh = Conversation::new(lead.clone(), Some(session.clone()));
        let mut write = LeadWrite::lead(lead, &fresh);
        write.opening = Some(Opening {
            scope: caller_scope.to_owned(),
            limit: service.limits.new_conversations_per_caller,
            now_ms: now,
        });
        match service
            .leads
            .save(tenant, &fresh, write, &mut retries)
            .await
            .map_err(store_failure)?
        {
            Saved::Done => {
                telemetry::count(telemetry::Figure::LeadsCaptured, 1);
                return Ok((fresh, session));
            }
            Saved::RateLimited(limited) => {
                return Err(new_conversations_limited(limited.retry_after_secs));
            }
            // A session id that is already taken (2^-122): draw another.
            Saved::Changed | Saved::Repeated(_) | Saved::KeyReused => {
                retries
                    .pause()
                    .await
                    .map_err(|error| store_failure(error.into()))?;
            }
        }
    }
}

fn new_conversations_limited(retry_after_secs: u64) -> ApiError {
    ApiError::too_many_requests(
        "Too many new conversations from this caller; wait a moment before starting more",
        retry_after_secs,
    )
}

/// The stored answer of an earlier copy of a request.
fn repeated(stored: &str) -> Result<Answer, ApiError> {
    serde_json::from_str(stored)
        .map(|body| Answer {
            body,
            repeated: true,
        })
        .map_err(|error| ApiError::internal("A stored response could not be read", &error))
}

fn visitor_lead(
    lead_id: &domain::lead::LeadId,
    source: LeadSource,
    user_id: &UserId,
    now: u64,
) -> Lead {
    let mut lead = Lead::new(lead_id.clone(), source, now);
    lead.user_id = Some(user_id.clone());
    // On WhatsApp the user id is the visitor's phone number.
    if source == LeadSource::Whatsapp {
        lead.phone = Some(user_id.to_string());
    }
    lead
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
fn contact(profile: &assistant::Profile) -> Contact {
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

/// What a salesperson reads first about a lead that became ready.
fn summary(lead: &Lead, latest: &str) -> String {
    let who = lead.name.as_deref().unwrap_or("A visitor");
    let reach: Vec<&str> = [lead.email.as_deref(), lead.phone.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let intent = lead.intent.map_or("NEUTRAL", |intent| intent.as_str());
    let first = lead.first_message.as_deref().unwrap_or(latest);
    format!(
        "{who} ({}) is a {intent} lead (score {}) from {}. First message: \"{first}\". Latest: \"{latest}\".",
        reach.join(", "),
        lead.score,
        lead.source,
    )
}
