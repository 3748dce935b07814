//! Seed 000 (chatbot lead capture): `POST /leads`, `POST /leads/update-conversation` and
//! `GET /users/{userId}/conversations`. Field names are camelCase as its clients send them.

use domain::lead::{ExtraFields, Lead};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// `POST /leads` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaptureLeadRequest {
    /// The lead's details: `email` is required; `name`, `school`, `major`, `userId` and
    /// `timestamp` (epoch ms) are known fields; any other scalar field (phone, country, city,
    /// program, …) is kept, up to 30 of them.
    #[schema(value_type = Object, example = json!({
        "email": "ana@example.com", "name": "Ana", "phone": "+34600111222",
        "userId": "user_1700000000000_k3j5h2a", "program": "MBA"
    }))]
    pub lead_data: Option<Map<String, Value>>,
    /// The chatbot conversation the lead came from.
    pub conversation_id: Option<String>,
}

/// `POST /leads` answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaptureLeadResponse {
    #[schema(example = "Lead captured successfully")]
    pub message: &'static str,
    #[schema(example = "lead_1678901234567_a1b2c3d")]
    pub lead_id: String,
    pub user_id: String,
    pub conversation_id: Option<String>,
}

/// `POST /leads/update-conversation` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateConversationRequest {
    pub user_id: Option<String>,
    pub conversation_id: Option<String>,
}

/// `POST /leads/update-conversation` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateConversationResponse {
    #[schema(example = "Lead updated with new conversation ID")]
    pub message: &'static str,
    pub lead: LeadView,
}

/// `GET /users/{userId}/conversations` answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserConversationsResponse {
    pub user_id: String,
    pub leads: Vec<LeadView>,
    /// Every conversation of every lead of the user, in order of first arrival.
    pub all_conversation_ids: Vec<String>,
}

/// A lead as seed 000's routes show it: its known fields, then its extra fields at the top level.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadView {
    pub lead_id: String,
    pub user_id: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub major: Option<String>,
    /// When the lead was captured, epoch milliseconds.
    pub timestamp: u64,
    /// The most recently added conversation.
    pub conversation_id: Option<String>,
    /// Every conversation of the lead, in order of first arrival, without repeats.
    pub conversation_ids: Vec<String>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: ExtraFields,
}

impl From<Lead> for LeadView {
    fn from(lead: Lead) -> Self {
        Self {
            lead_id: lead.lead_id.to_string(),
            // Seed 000's routes only ever see leads with a user id and an email; a lead started
            // by a chat before it left an address shows them empty rather than failing.
            user_id: lead.user_id.map(|id| id.to_string()).unwrap_or_default(),
            email: lead.email.unwrap_or_default(),
            name: lead.name,
            phone: lead.phone,
            school: lead.school,
            major: lead.major,
            timestamp: lead.timestamp,
            conversation_id: lead.conversation_id.map(|id| id.to_string()),
            conversation_ids: lead
                .conversation_ids
                .into_iter()
                .map(|id| id.to_string())
                .collect(),
            extra: lead.extra,
        }
    }
}
