//! Seed 001 (AI lead capture): `POST /api/v1/chat/respond`, `POST /api/v1/lead/`,
//! `GET|PATCH /api/v1/lead/{lead_id}` and `GET /api/v1/analytics/summary`. Field names are
//! snake_case and intents upper-case, as its clients know them.

use domain::conversation::{ChatMessage, ChatRole};
use domain::lead::{Lead, LeadIntent, LeadSource, LeadStatus};
use serde::{Deserialize, Serialize};
use usecases::clock::rfc3339_from_ms;
use usecases::conversations::{Conversation, Reply};
use usecases::leads::{Figures, LeadPage, ListedLead};
use utoipa::{IntoParams, ToSchema};

use crate::tickets::TicketCounts;

/// `POST /api/v1/chat/respond` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChatRespondRequest {
    /// What the visitor wrote (at most 4,000 characters).
    #[schema(example = "I am interested in your product")]
    pub message: String,
    /// The visitor's id on their channel: the widget's user id, or a WhatsApp phone number.
    #[schema(example = "web_user_12345")]
    pub user_id: String,
    /// `website`, `whatsapp` or `instagram` (also `messenger`).
    #[schema(example = "website")]
    pub source: String,
}

/// `POST /api/v1/chat/respond` answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatRespondResponse {
    pub response: String,
    /// The intent of the whole conversation so far.
    pub intent: LeadIntent,
    /// Whether the reply asks the visitor something.
    pub follow_up: bool,
    /// The lead this conversation belongs to.
    pub lead_id: String,
}

/// `POST /api/v1/lead/` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateLeadRequest {
    #[schema(example = "Test Lead")]
    pub name: String,
    #[schema(example = "test@example.com")]
    pub email: Option<String>,
    #[schema(example = "+1234567890")]
    pub phone: Option<String>,
    #[schema(example = "website")]
    pub source: String,
    /// `HOT`, `WARM`, `COLD` or `NEUTRAL` (any case); `COLD` when absent.
    #[schema(example = "WARM")]
    pub intent: Option<String>,
}

/// `PATCH /api/v1/lead/{lead_id}` body: an agent moving the lead along the pipeline.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateLeadRequest {
    /// `new`, `contacted`, `qualified` or `converted`.
    #[schema(example = "contacted")]
    pub status: String,
}

/// One message of a lead's conversation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChatMessageView {
    pub role: ChatRole,
    pub content: String,
    /// RFC 3339, UTC, milliseconds.
    #[schema(example = "2023-01-01T00:00:00.000Z")]
    pub timestamp: String,
}

/// A lead as seed 001's routes show it, with the pipeline fields of seed 002.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeadResponse {
    #[schema(example = "lead_website_5c0e9b0e1f3a4d2b8c7d6e5f4a3b2c1d")]
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub source: LeadSource,
    pub intent: LeadIntent,
    /// The latest messages (up to 200), oldest first.
    pub messages: Vec<ChatMessageView>,
    /// How many messages the conversation holds in all.
    pub message_count: u64,
    pub status: LeadStatus,
    pub is_lead_ready: bool,
    pub ai_summary: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// `GET /api/v1/analytics/summary` answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AnalyticsSummary {
    /// Leads that held a conversation (at least one message).
    pub total_conversations: i64,
    /// Every lead.
    pub leads_captured: i64,
    pub hot_leads: i64,
    pub warm_leads: i64,
    pub cold_leads: i64,
    /// Average seconds from a visitor's message to the reply.
    pub avg_response_time: f64,
    /// Converted leads as a percentage of all leads.
    pub conversion_rate: f64,
    /// Leads at each stage of the sales pipeline.
    pub leads_by_stage: LeadsByStage,
    /// The tenant's tickets in each status.
    pub tickets_by_status: TicketCounts,
}

/// Leads at each stage of the sales pipeline.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeadsByStage {
    pub new: i64,
    pub contacted: i64,
    pub qualified: i64,
    pub converted: i64,
}

/// A lead as a listing shows it: the lead without its messages, and the `ETag` a change of it
/// may send as `If-Match`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeadSummary {
    #[schema(example = "lead_website_5c0e9b0e1f3a4d2b8c7d6e5f4a3b2c1d")]
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub source: LeadSource,
    pub intent: LeadIntent,
    pub message_count: u64,
    pub status: LeadStatus,
    pub is_lead_ready: bool,
    pub ai_summary: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The lead's version, as `GET /api/v1/lead/{id}` sends it in `ETag`.
    #[schema(example = "\"v7\"")]
    pub etag: String,
}

/// `GET /api/v1/leads` answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeadList {
    /// Latest activity first.
    pub leads: Vec<LeadSummary>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

impl From<ListedLead> for LeadSummary {
    fn from(listed: ListedLead) -> Self {
        let full = LeadResponse::of(listed.lead, &[]);
        Self {
            id: full.id,
            name: full.name,
            email: full.email,
            phone: full.phone,
            source: full.source,
            intent: full.intent,
            message_count: full.message_count,
            status: full.status,
            is_lead_ready: full.is_lead_ready,
            ai_summary: full.ai_summary,
            created_at: full.created_at,
            updated_at: full.updated_at,
            etag: format!("\"v{}\"", listed.version),
        }
    }
}

impl From<LeadPage> for LeadList {
    fn from(page: LeadPage) -> Self {
        Self {
            leads: page.leads.into_iter().map(LeadSummary::from).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

impl ChatMessageView {
    pub fn list(messages: &[ChatMessage]) -> Vec<Self> {
        messages
            .iter()
            .map(|message| Self {
                role: message.role,
                content: message.content.clone(),
                timestamp: rfc3339_from_ms(message.timestamp),
            })
            .collect()
    }
}

impl LeadResponse {
    /// A lead as seed 001 shows it: unknown text fields empty, an unscored lead `NEUTRAL`.
    pub fn of(lead: Lead, recent: &[ChatMessage]) -> Self {
        Self {
            id: lead.lead_id.to_string(),
            name: lead.name.unwrap_or_default(),
            email: lead.email.unwrap_or_default(),
            phone: lead.phone.unwrap_or_default(),
            source: lead.source,
            intent: lead.intent.unwrap_or(LeadIntent::Neutral),
            messages: ChatMessageView::list(recent),
            message_count: lead.message_count,
            status: lead.status,
            is_lead_ready: lead.is_lead_ready,
            ai_summary: lead.ai_summary,
            created_at: rfc3339_from_ms(lead.timestamp),
            updated_at: rfc3339_from_ms(lead.updated_at),
        }
    }
}

impl From<Conversation> for LeadResponse {
    fn from(conversation: Conversation) -> Self {
        Self::of(conversation.lead, &conversation.recent)
    }
}

impl From<&Figures> for AnalyticsSummary {
    fn from(figures: &Figures) -> Self {
        let tally = &figures.leads;
        Self {
            total_conversations: tally.conversations,
            leads_captured: tally.leads,
            hot_leads: tally.hot,
            warm_leads: tally.warm,
            cold_leads: tally.cold,
            avg_response_time: tally.avg_response_secs(),
            conversion_rate: tally.conversion_rate(),
            leads_by_stage: LeadsByStage {
                new: tally.stage_new,
                contacted: tally.contacted,
                qualified: tally.qualified,
                converted: tally.converted,
            },
            tickets_by_status: TicketCounts::from(&figures.tickets),
        }
    }
}

impl ChatRespondResponse {
    pub fn of(lead: &Lead, reply: &Reply) -> Self {
        Self {
            response: reply.text.clone(),
            intent: reply.intent,
            follow_up: reply.follow_up,
            lead_id: lead.lead_id.to_string(),
        }
    }
}

/// `GET /api/v1/leads` query. Every filter applies before the page is cut.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListLeadsQuery {
    /// The pipeline stage.
    #[param(value_type = Option<LeadStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<LeadIntent>)]
    pub intent: Option<String>,
    /// Only leads that are (`true`) or are not (`false`) ready for a salesperson.
    #[param(value_type = Option<bool>)]
    pub ready: Option<String>,
    /// Leads per page, 1–100 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
