//! Seed 004's chatbot handoff: a bot hands a conversation to a human.

use domain::ticket::Priority;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One turn of the bot's conversation before the handoff.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct TranscriptTurn {
    /// `user`, `assistant` or `bot`, as the bot names them.
    pub role: String,
    pub content: String,
}

/// `POST /api/webhooks/chatbot` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChatbotHandoffRequest {
    /// The bot's session: the customer's handle when no email is known. One handoff ticket per
    /// session is worked on at a time.
    #[schema(min_length = 1, max_length = 320)]
    pub session_id: String,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    /// Default `Chatbot escalation`.
    pub subject: Option<String>,
    /// What the customer asked for when the bot gave up; may be empty.
    #[serde(default)]
    pub initial_message: String,
    pub priority: Option<Priority>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The conversation so far, kept on the ticket for the agent.
    #[serde(default)]
    pub transcript: Vec<TranscriptTurn>,
    /// The lead the conversation produced, if any.
    pub lead_id: Option<String>,
}

/// `POST /api/webhooks/chatbot` answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatbotHandoffResponse {
    pub success: bool,
    pub ticket_id: String,
    #[schema(example = "Ticket #tkt_0a1b2c3d4e5f created. An agent will respond shortly.")]
    pub message: String,
}
