//! The assistant, as the conversation use cases ask it: a reply to a visitor's message given the
//! conversation so far, with what it found out about the visitor. The `assistant` crate
//! implements it (a built-in engine and an LLM provider).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use domain::lead::LeadIntent;

/// Who said a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Visitor,
    Assistant,
}

/// One message of the conversation so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub role: Role,
    pub content: String,
}

impl Turn {
    pub fn visitor(content: impl Into<String>) -> Self {
        Self {
            role: Role::Visitor,
            content: content.into(),
        }
    }

    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// What is known about the visitor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Profile {
    /// Whether the lead has what a salesperson needs: who they are and a way to reach them.
    pub fn is_complete(&self) -> bool {
        self.name.is_some() && (self.email.is_some() || self.phone.is_some())
    }
}

/// The assistant's answer to one visitor message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    pub intent: LeadIntent,
    /// 0–100: how ready to buy the whole conversation reads.
    pub score: u8,
    /// Everything known after this turn, from the whole conversation.
    pub profile: Profile,
    /// Whether the reply asks the visitor something and so expects an answer.
    pub follow_up: bool,
    /// Whether the message was refused for being outside the tenant's topics.
    pub off_topic: bool,
    /// Which engine answered: `"built-in"` or `"llm"` (so a fallback is visible to callers).
    pub engine: &'static str,
}

/// What the assistant needs to know about the business it speaks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantBrief {
    pub business: String,
    /// The subjects the assistant may discuss; empty means anything.
    pub allowed_topics: Vec<String>,
}

/// The future an [`Engine`] returns.
pub type ReplyFuture<'a> = Pin<Box<dyn Future<Output = Reply> + Send + 'a>>;

/// Answers a visitor.
///
/// The method returns a boxed future rather than being an `async fn` so the trait stays
/// object-safe: callers hold a `dyn Engine` chosen by configuration at start-up. A reply never
/// fails: an engine that cannot answer degrades to a simpler one itself, because a visitor
/// waiting in a chat window is better served by a plain answer than an error.
pub trait Engine: Send + Sync {
    /// The reply to `message`, given the conversation before it (`history`, oldest first, not
    /// including `message`).
    fn reply<'a>(
        &'a self,
        brief: &'a TenantBrief,
        history: &'a [Turn],
        message: &'a str,
    ) -> ReplyFuture<'a>;

    /// The longest a reply may take: what a caller with a deadline must leave for asking again.
    fn longest_reply(&self) -> Duration {
        Duration::ZERO
    }
}
