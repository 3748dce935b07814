//! What the conversation and lead use cases need from whoever stores leads (DynamoDB in
//! production, memory in the fast tests): a lead with its latest messages, and a change to it
//! written on condition that the lead is still as it was read.

use std::future::Future;

use domain::analytics::Tally;
use domain::conversation::{ChatMessage, RateLimit, RateWindow, Session};
use domain::lead::{Lead, LeadId, LeadUpdate, UserId};
use domain::replay::Replay;
use domain::ticket::StatusCounts;
use domain::{TenantId, TenantProfile};

use crate::StoreError;

/// A lead's conversation as read, with what a write needs to find unchanged.
#[derive(Debug, Clone, PartialEq)]
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

    /// A conversation as a store read it, at its stored `version`.
    pub fn stored(
        lead: Lead,
        recent: Vec<ChatMessage>,
        session: Option<Session>,
        window: RateWindow,
        version: u64,
    ) -> Self {
        Self {
            lead,
            recent,
            session,
            window,
            version: Some(version),
        }
    }

    pub fn is_stored(&self) -> bool {
        self.version.is_some()
    }

    /// The version a write must find; `None` for a lead that must not exist yet.
    pub fn version(&self) -> Option<u64> {
        self.version
    }

    /// The version a write of this conversation stores: every write moves it on by one, and a
    /// new lead starts at 1.
    pub fn written_version(&self) -> u64 {
        self.version.map_or(1, |version| version + 1)
    }

    /// This conversation as a successful write of it left it stored.
    pub fn after_write(mut self) -> Self {
        self.version = Some(self.written_version());
        self
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

/// The limit on how many new conversations one caller (a key, an agent, a channel account)
/// starts, checked when a write creates a lead.
#[derive(Debug, Clone)]
pub struct NewConversations {
    pub caller_scope: String,
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
    /// The answer remembered under the request's idempotency key, taken once.
    pub replay: Option<Replay>,
    /// Checked when the write creates the lead.
    pub new_conversations: Option<NewConversations>,
}

impl LeadWrite {
    /// A change of the lead alone.
    pub fn lead(lead: Lead, read: &Conversation) -> Self {
        Self {
            lead,
            window: read.window,
            messages: Vec::new(),
            replay: None,
            new_conversations: None,
        }
    }
}

/// How a conditional write of a lead ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    Done,
    /// The lead changed since it was read (or, for a new lead, exists): nothing was written;
    /// read again and decide again.
    Changed,
    /// The idempotency key's record exists: nothing was written.
    ReplayTaken,
    /// The caller started too many conversations: nothing was written.
    TooManyNewConversations {
        retry_after_secs: u64,
    },
}

/// Leads and their conversations.
pub trait Conversations: Sync {
    /// The tenant's lead with its latest `recent` messages.
    fn conversation(
        &self,
        tenant: &TenantId,
        lead_id: &LeadId,
        recent: usize,
    ) -> impl Future<Output = Result<Lookup, StoreError>> + Send;

    /// Writes `write` to the conversation `read` was read from, all or nothing: the lead
    /// (created when `read` is not stored), the messages, the change to the tenant's analytics,
    /// the replay record and the count of the caller's new conversations.
    fn save(
        &self,
        tenant: &TenantId,
        read: &Conversation,
        write: &LeadWrite,
    ) -> impl Future<Output = Result<Saved, StoreError>> + Send;
}

/// How an update of a user's lead ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Updated {
    /// The lead as written.
    Applied(Lead),
    /// The lead did not take the update (it holds the conversation already); the lead as it is.
    Refused(Lead),
}

/// Seed 000's leads: one per user of a tenant, found through the user.
pub trait UserLeads: Sync {
    /// The id of the user's lead.
    fn lead_of_user(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Option<LeadId>, StoreError>> + Send;

    /// Creates the user's lead, on condition the user has none: `false` when another request
    /// created it first.
    fn create_user_lead(
        &self,
        tenant: &TenantId,
        user: &UserId,
        lead: &Lead,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Applies `update` to the tenant's lead in one step, on condition it
    /// [applies](LeadUpdate::applies_to); concurrent updates all land, none lost.
    fn update_lead(
        &self,
        tenant: &TenantId,
        lead_id: &LeadId,
        update: &LeadUpdate,
    ) -> impl Future<Output = Result<Updated, StoreError>> + Send;

    /// Every lead of the tenant's user, newest first.
    fn leads_of_user(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Vec<Lead>, StoreError>> + Send;
}

/// What the assistant is told about each tenant.
pub trait TenantProfiles: Sync {
    /// The tenant's profile; a tenant without one is [`TenantProfile::unnamed`].
    fn profile(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<TenantProfile, StoreError>> + Send;
}

/// The running figures of a tenant, moved by every write of a lead or a ticket.
pub trait LeadFigures: Sync {
    /// Its leads' tally and how many of its tickets are in each status, read together (one
    /// round trip for the summary the console polls).
    fn figures(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<(Tally, StatusCounts), StoreError>> + Send;
}
