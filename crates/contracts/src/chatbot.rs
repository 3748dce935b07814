//! Seed 002 (chatbot widget): `POST /api/chatbot/session[/internal]` and
//! `POST /api/chatbot/chat[/internal]`. Field names are camelCase, as its widget sends them.

use domain::conversation::SessionId;
use domain::lead::Lead;
use serde::{Deserialize, Serialize};
use usecases::clock::rfc3339_from_ms;
use usecases::conversations::{OpenedSession, Reply};
use utoipa::ToSchema;

use crate::lead_chat::ChatMessageView;

/// `POST /api/chatbot/session` body: the session to resume, if the widget has one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionRequest {
    pub session_id: Option<String>,
}

/// `POST /api/chatbot/session` answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionResponse {
    #[schema(example = "3f0c2a8e-4b1d-4c6e-9a7f-2d5b8e1c0a93")]
    pub session_id: String,
    /// The conversation so far (latest 200 messages), oldest first; empty for a new session.
    pub messages: Vec<ChatMessageView>,
    /// What is known of the visitor; `null` until they said something about themselves.
    pub profile: Option<VisitorProfile>,
    /// The business the widget speaks for (seed 002 called it the realtor).
    pub realtor: BusinessView,
    /// The session's lead.
    pub lead_id: String,
    /// When the session ends, RFC 3339; after it the widget gets a new session.
    pub expires_at: String,
}

/// What is known of a visitor.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VisitorProfile {
    pub contact_info: ContactInfo,
    /// 0–100.
    pub lead_score: u8,
    pub is_qualified: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContactInfo {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The business behind a widget.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BusinessView {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// `POST /api/chatbot/chat` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatRequest {
    /// What the visitor wrote (at most 4,000 characters).
    #[schema(min_length = 1, max_length = 4000)]
    pub message: String,
    /// The session `POST /api/chatbot/session` returned.
    #[schema(min_length = 1)]
    pub session_id: String,
}

/// `POST /api/chatbot/chat` answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatResponse {
    /// The assistant's reply.
    pub message: String,
    pub session_id: String,
    /// Whether the lead now has what a salesperson needs.
    pub is_lead_ready: bool,
}

impl VisitorProfile {
    /// What the widget knows of its visitor: `None` until something is known.
    pub fn of(lead: &Lead) -> Option<Self> {
        let known = lead.name.is_some() || lead.has_contact() || lead.score > 0;
        known.then(|| Self {
            contact_info: ContactInfo {
                name: lead.name.clone(),
                email: lead.email.clone(),
                phone: lead.phone.clone(),
            },
            lead_score: lead.score,
            is_qualified: lead.is_lead_ready,
        })
    }
}

impl SessionResponse {
    /// A session as the widget receives it; `internal` callers (agents) see the business's
    /// email, website visitors its domain, as seed 002 answered.
    pub fn of(opened: &OpenedSession, internal: bool) -> Self {
        let OpenedSession {
            session,
            conversation,
            profile,
        } = opened;
        Self {
            session_id: session.id.to_string(),
            messages: ChatMessageView::list(&conversation.recent),
            profile: VisitorProfile::of(&conversation.lead),
            realtor: BusinessView {
                name: profile.name.clone(),
                email: profile.email.clone().filter(|_| internal),
                domain: profile.domain.clone().filter(|_| !internal),
            },
            lead_id: conversation.lead.lead_id.to_string(),
            expires_at: rfc3339_from_ms(session.expires_at),
        }
    }
}

impl ChatResponse {
    pub fn of(lead: &Lead, reply: &Reply, session: &SessionId) -> Self {
        Self {
            message: reply.text.clone(),
            session_id: session.to_string(),
            is_lead_ready: lead.is_lead_ready,
        }
    }
}
