//! The views the chat and lead routes answer with, made from domain values.

use contracts::chatbot::{BusinessView, ContactInfo, SessionResponse, VisitorProfile};
use contracts::lead_chat::{ChatMessageView, LeadResponse};
use domain::TenantProfile;
use domain::conversation::{ChatMessage, Session};
use domain::lead::{Lead, LeadIntent};
use usecases::clock::rfc3339_from_ms;

pub fn messages(messages: &[ChatMessage]) -> Vec<ChatMessageView> {
    messages
        .iter()
        .map(|message| ChatMessageView {
            role: message.role,
            content: message.content.clone(),
            timestamp: rfc3339_from_ms(message.timestamp),
        })
        .collect()
}

/// A lead as seed 001 shows it: unknown text fields empty, an unscored lead `NEUTRAL`.
pub fn lead_response(lead: Lead, recent: &[ChatMessage]) -> LeadResponse {
    LeadResponse {
        id: lead.lead_id.to_string(),
        name: lead.name.unwrap_or_default(),
        email: lead.email.unwrap_or_default(),
        phone: lead.phone.unwrap_or_default(),
        source: lead.source,
        intent: lead.intent.unwrap_or(LeadIntent::Neutral),
        messages: messages(recent),
        message_count: lead.message_count,
        status: lead.status,
        is_lead_ready: lead.is_lead_ready,
        ai_summary: lead.ai_summary,
        created_at: rfc3339_from_ms(lead.timestamp),
        updated_at: rfc3339_from_ms(lead.updated_at),
    }
}

/// What the widget knows of its visitor: `None` until something is known.
pub fn visitor_profile(lead: &Lead) -> Option<VisitorProfile> {
    let known = lead.name.is_some() || lead.has_contact() || lead.score > 0;
    known.then(|| VisitorProfile {
        contact_info: ContactInfo {
            name: lead.name.clone(),
            email: lead.email.clone(),
            phone: lead.phone.clone(),
        },
        lead_score: lead.score,
        is_qualified: lead.is_lead_ready,
    })
}

/// A session as the widget receives it; `internal` callers (agents) see the business's email,
/// website visitors its domain, as seed 002 answered.
pub fn session_response(
    session: &Session,
    lead: &Lead,
    recent: &[ChatMessage],
    profile: &TenantProfile,
    internal: bool,
) -> SessionResponse {
    SessionResponse {
        session_id: session.id.to_string(),
        messages: messages(recent),
        profile: visitor_profile(lead),
        realtor: BusinessView {
            name: profile.name.clone(),
            email: profile.email.clone().filter(|_| internal),
            domain: profile.domain.clone().filter(|_| !internal),
        },
        lead_id: lead.lead_id.to_string(),
        expires_at: rfc3339_from_ms(session.expires_at),
    }
}
