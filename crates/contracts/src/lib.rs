//! The JSON shapes of Frontdesk's routes, kept exactly as each seed's existing clients know them
//! and described for the OpenAPI document. Function crates convert domain values into these.

pub mod agents;
pub mod chatbot;
pub mod health;
pub mod lead_capture;
pub mod lead_chat;
pub mod lex;
pub mod tickets;
pub mod webhooks;
