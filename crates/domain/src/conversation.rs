//! Chat conversations with leads: who a conversation is with, its messages, its sessions and
//! their limits, and what one exchange of messages changes on the lead.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::TenantId;
use crate::lead::{Lead, LeadId, LeadIntent, LeadSource, LeadStatus, UserId};
use crate::wire::wire_enum;

wire_enum!(
    /// Who wrote a chat message (seed 001's and 002's `role`).
    ChatRole, "role" {
        User => "user",
        Assistant => "assistant",
    }
);

/// The longest chat message accepted, in characters: far above anything a person types into a
/// chat window, far below what would make one message a cost problem for a model.
pub const MAX_CHAT_MESSAGE_CHARS: usize = 4_000;

/// How long a widget session lasts after it starts (seed 002's `expires`).
pub const SESSION_LIFETIME_MS: u64 = 7 * 24 * 60 * 60 * 1000;

/// One message of a conversation with a lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    pub role: ChatRole,
    pub content: String,
    /// Epoch milliseconds.
    pub timestamp: u64,
}

/// Why a chat message was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChatTextError {
    #[error("message must not be empty")]
    Empty,
    #[error("message must be at most {MAX_CHAT_MESSAGE_CHARS} characters")]
    TooLong,
}

/// A visitor's message as it will be stored: trimmed, not empty, within the cap.
pub fn chat_text(raw: &str) -> Result<String, ChatTextError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ChatTextError::Empty);
    }
    if text.chars().count() > MAX_CHAT_MESSAGE_CHARS {
        return Err(ChatTextError::TooLong);
    }
    Ok(text.to_owned())
}

/// A widget session's id: a random UUID, as seed 002's clients keep it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(String);

impl SessionId {
    /// A version 4 UUID from 128 random bits supplied by the caller.
    pub fn generate(high: u64, low: u64) -> Self {
        let high = (high & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
        let low = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        Self(format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xffff,
            high & 0xffff,
            low >> 48,
            low & 0xffff_ffff_ffff
        ))
    }

    /// A session id a client sent back; `None` when it cannot be one of ours (so it names no
    /// session, and a new one starts).
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let shaped = raw.len() == 36
            && raw.chars().enumerate().all(|(at, c)| match at {
                8 | 13 | 18 | 23 => c == '-',
                _ => c.is_ascii_hexdigit(),
            });
        shaped.then(|| Self(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A widget session: its id and when it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    /// Epoch milliseconds.
    pub expires_at: u64,
}

impl Session {
    pub fn start(id: SessionId, now_ms: u64) -> Self {
        Self {
            id,
            expires_at: now_ms + SESSION_LIFETIME_MS,
        }
    }

    pub fn is_live(&self, now_ms: u64) -> bool {
        now_ms < self.expires_at
    }
}

/// Who a conversation is with, which decides its lead: one lead per widget session (seed 002),
/// and one per tenant, source and user id for seed 001's chat and its channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConversationKey {
    Session(SessionId),
    Visitor { source: LeadSource, user_id: UserId },
}

impl ConversationKey {
    /// The id of the conversation's lead, derived from the key, so finding the lead of a
    /// conversation is one read and two requests can never create two leads for it.
    pub fn lead_id(&self, tenant: &TenantId) -> LeadId {
        match self {
            Self::Session(session) => LeadId::from_stored(format!("lead_s_{session}")),
            Self::Visitor { source, user_id } => {
                let mut hash = Sha256::new();
                for part in [tenant.as_str(), source.as_str(), user_id.as_str()] {
                    hash.update(part.as_bytes());
                    hash.update([0]);
                }
                let digest = hash.finalize();
                let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
                LeadId::from_stored(format!("lead_{source}_{hex}"))
            }
        }
    }

    /// Where a lead started by this conversation came from.
    pub fn source(&self) -> LeadSource {
        match self {
            Self::Session(_) => LeadSource::Chatbot,
            Self::Visitor { source, .. } => *source,
        }
    }
}

/// How many requests a window admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u32,
    pub window_ms: u64,
}

/// The requests counted in the current window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateWindow {
    /// Epoch milliseconds, a multiple of the window length.
    pub start_ms: u64,
    pub count: u32,
}

/// A request over the limit, and when the next one will be admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    pub retry_after_secs: u64,
}

impl RateLimit {
    pub fn per_minute(max: u32) -> Self {
        Self {
            max,
            window_ms: 60_000,
        }
    }

    /// The start of the window `now_ms` falls in (epoch milliseconds).
    pub fn window_start(&self, now_ms: u64) -> u64 {
        now_ms - now_ms % self.window_ms.max(1)
    }

    /// Refused at `now_ms`: come back when the window ends.
    pub fn refused(&self, now_ms: u64) -> RateLimited {
        let ends = self.window_start(now_ms) + self.window_ms.max(1);
        RateLimited {
            retry_after_secs: (ends - now_ms).div_ceil(1000).max(1),
        }
    }

    /// The window after admitting one more request at `now_ms`, or when to come back.
    pub fn admit(&self, current: RateWindow, now_ms: u64) -> Result<RateWindow, RateLimited> {
        let start_ms = self.window_start(now_ms);
        let count = if current.start_ms == start_ms {
            current.count
        } else {
            0
        };
        if count >= self.max {
            return Err(self.refused(now_ms));
        }
        Ok(RateWindow {
            start_ms,
            count: count + 1,
        })
    }
}

/// What is known of a visitor after a message, found by the assistant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Lead {
    /// Records one exchange (the visitor's message and the reply) on the lead: the count, the
    /// first message, the intent the whole conversation now has, and any contact detail found;
    /// a lead that now [meets readiness](Lead::meets_readiness) is marked ready with its summary.
    pub fn record_exchange(
        &mut self,
        visitor: &ChatMessage,
        reply: &ChatMessage,
        intent: LeadIntent,
        score: u8,
        contact: Contact,
    ) {
        self.message_count += 2;
        self.first_message
            .get_or_insert_with(|| visitor.content.clone());
        self.updated_at = reply.timestamp;
        self.intent = Some(intent);
        self.score = score;
        if contact.name.is_some() {
            self.name = contact.name;
        }
        if contact.email.is_some() {
            self.email = contact.email;
        }
        if contact.phone.is_some() {
            self.phone = contact.phone;
        }
        if self.meets_readiness() {
            let summary = self.ready_summary(&visitor.content);
            self.mark_ready(summary);
        }
    }

    /// Marks the lead ready for a salesperson with a summary of why. Readiness is kept once
    /// reached, and moves a lead not yet worked on to `qualified`; a lead an agent already
    /// converted stays converted.
    pub fn mark_ready(&mut self, summary: String) {
        if self.is_lead_ready {
            return;
        }
        self.is_lead_ready = true;
        self.ai_summary = Some(summary);
        if matches!(self.status, LeadStatus::New | LeadStatus::Contacted) {
            self.status = LeadStatus::Qualified;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_sessions_are_v4_uuids_that_parse_back() {
        let id = SessionId::generate(u64::MAX, u64::MAX);
        assert_eq!(id.as_str().len(), 36);
        assert_eq!(&id.as_str()[14..15], "4");
        assert!(matches!(&id.as_str()[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(SessionId::parse(id.as_str()), Some(id.clone()));
        assert_ne!(SessionId::generate(1, 2), SessionId::generate(1, 3));
        assert_eq!(SessionId::parse("not-a-session"), None);
        assert_eq!(SessionId::parse(""), None);
    }

    #[test]
    fn lead_ids_follow_the_conversation_and_the_tenant() {
        let acme = TenantId::parse("acme").unwrap();
        let globex = TenantId::parse("globex").unwrap();
        let visitor = |source, user: &str| ConversationKey::Visitor {
            source,
            user_id: UserId::parse(user).unwrap(),
        };
        let web = visitor(LeadSource::Website, "web_user_1");
        assert_eq!(web.lead_id(&acme), web.lead_id(&acme));
        assert_ne!(web.lead_id(&acme), web.lead_id(&globex));
        assert_ne!(
            web.lead_id(&acme),
            visitor(LeadSource::Whatsapp, "web_user_1").lead_id(&acme)
        );
        assert!(web.lead_id(&acme).as_str().starts_with("lead_website_"));
        let session = SessionId::generate(7, 9);
        assert_eq!(
            ConversationKey::Session(session.clone())
                .lead_id(&acme)
                .as_str(),
            format!("lead_s_{session}")
        );
    }

    #[test]
    fn messages_are_trimmed_and_capped() {
        assert_eq!(chat_text("  hi "), Ok("hi".to_owned()));
        assert_eq!(chat_text(" \n "), Err(ChatTextError::Empty));
        assert_eq!(
            chat_text(&"a".repeat(MAX_CHAT_MESSAGE_CHARS + 1)),
            Err(ChatTextError::TooLong)
        );
    }

    #[test]
    fn a_window_admits_its_maximum_then_says_when_to_return() {
        let limit = RateLimit::per_minute(2);
        let first = limit.admit(RateWindow::default(), 120_500).unwrap();
        assert_eq!(
            first,
            RateWindow {
                start_ms: 120_000,
                count: 1
            }
        );
        let second = limit.admit(first, 130_000).unwrap();
        assert_eq!(
            limit.admit(second, 170_200),
            Err(RateLimited {
                retry_after_secs: 10
            })
        );
        assert_eq!(
            limit.admit(second, 180_000),
            Ok(RateWindow {
                start_ms: 180_000,
                count: 1
            })
        );
    }

    #[test]
    fn an_exchange_updates_counts_intent_and_contact() {
        let mut lead = Lead::new(LeadId::from_stored("lead_1".into()), LeadSource::Chatbot, 1);
        let visitor = ChatMessage {
            role: ChatRole::User,
            content: "hi".into(),
            timestamp: 5,
        };
        let reply = ChatMessage {
            role: ChatRole::Assistant,
            content: "hello".into(),
            timestamp: 6,
        };
        let contact = Contact {
            email: Some("ana@example.com".into()),
            ..Contact::default()
        };
        lead.record_exchange(&visitor, &reply, LeadIntent::Warm, 20, contact);
        lead.record_exchange(&visitor, &reply, LeadIntent::Hot, 70, Contact::default());
        assert_eq!(lead.message_count, 4);
        assert_eq!(lead.first_message.as_deref(), Some("hi"));
        assert_eq!(lead.intent, Some(LeadIntent::Hot));
        assert_eq!(
            lead.email.as_deref(),
            Some("ana@example.com"),
            "known details stay"
        );
        assert_eq!(lead.updated_at, 6);
    }

    #[test]
    fn an_exchange_that_reaches_readiness_marks_the_lead_ready_with_a_summary() {
        let mut lead = Lead::new(LeadId::from_stored("lead_1".into()), LeadSource::Website, 1);
        let message = |role, content: &str, timestamp| ChatMessage {
            role,
            content: content.into(),
            timestamp,
        };
        let hot_without_contact = message(ChatRole::User, "I want to buy 3 today", 5);
        let answer = message(ChatRole::Assistant, "Great", 6);
        lead.record_exchange(
            &hot_without_contact,
            &answer,
            LeadIntent::Hot,
            70,
            Contact::default(),
        );
        assert!(!lead.is_lead_ready, "no way to reach the visitor yet");
        let contact = Contact {
            name: Some("Ana".into()),
            phone: Some("+15550100".into()),
            ..Contact::default()
        };
        let reachable = message(ChatRole::User, "call me on +15550100", 7);
        lead.record_exchange(&reachable, &answer, LeadIntent::Hot, 80, contact);
        assert!(lead.is_lead_ready);
        assert_eq!(lead.status, LeadStatus::Qualified);
        assert_eq!(
            lead.ai_summary.as_deref(),
            Some(
                "Ana (+15550100) is a HOT lead (score 80) from website. First message: \"I want \
                 to buy 3 today\". Latest: \"call me on +15550100\"."
            )
        );
    }

    #[test]
    fn readiness_qualifies_once_and_never_undoes_a_conversion() {
        let mut lead = Lead::new(LeadId::from_stored("lead_1".into()), LeadSource::Chatbot, 1);
        lead.mark_ready("first".into());
        lead.mark_ready("second".into());
        assert_eq!(
            (lead.status, lead.ai_summary.as_deref()),
            (LeadStatus::Qualified, Some("first"))
        );
        let mut converted = Lead::new(LeadId::from_stored("lead_2".into()), LeadSource::Chatbot, 1);
        converted.status = LeadStatus::Converted;
        converted.mark_ready("s".into());
        assert_eq!(converted.status, LeadStatus::Converted);
        assert!(converted.is_lead_ready);
    }
}
