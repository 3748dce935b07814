//! Conversations with the assistant: a visitor's message answered on their lead (the website
//! chat of seed 001, the widget of seed 002, the channels' lead flow) and the widget's sessions.
//! The assistant is a port ([`Engine`]) like the store.

mod converse;
mod engine;
mod limits;
mod ports;
mod session;

use std::sync::Arc;

pub(crate) use converse::earlier;
pub use converse::{Answer, ConverseError, Message};
pub use engine::{Engine, Profile, Reply, ReplyFuture, Role, TenantBrief, Turn};
pub use limits::ChatLimits;
pub use ports::{
    Conversation, Conversations, LeadFigures, LeadWrite, Lookup, NewConversations, Saved,
    TenantProfiles, Updated, UserLeads,
};
pub use session::{OpenedSession, SessionError};

/// How many of the latest messages the assistant sees: enough context for any engine, bounded so
/// a conversation of thousands of messages costs the same per message as a short one.
pub const ASSISTANT_CONTEXT: usize = 50;
/// How many of the latest messages a resumed session or a lead read shows.
pub const SHOWN_MESSAGES: usize = 200;

/// What the conversation use cases work with, built once per cold start: where leads and
/// tenants are kept, the assistant, and the abuse limits.
pub struct Chat<C, T> {
    pub conversations: C,
    pub tenants: T,
    pub engine: Arc<dyn Engine>,
    pub limits: ChatLimits,
}

impl<C: Clone, T: Clone> Clone for Chat<C, T> {
    fn clone(&self) -> Self {
        Self {
            conversations: self.conversations.clone(),
            tenants: self.tenants.clone(),
            engine: Arc::clone(&self.engine),
            limits: self.limits,
        }
    }
}
