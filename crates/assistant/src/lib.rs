//! The website chat assistant: answers a visitor, extracts their contact details and scores how
//! ready they are to buy.
//!
//! Pure logic plus one HTTP client. It knows nothing of storage, Lambda or HTTP servers: callers
//! hand it the conversation so far and store what it returns.
//!
//! - [`extract`] finds an email, phone and name in free text;
//! - [`intent`] scores a conversation HOT/WARM/COLD/NEUTRAL with word-level rules;
//! - [`Engine`] is the reply trait, with the deterministic [`BuiltIn`] engine and the
//!   [`OpenAiCompatible`] chat-completions provider that falls back to it;
//! - [`from_settings`] picks the engine from `AI_*` variables.

pub mod builtin;
pub mod config;
pub mod engine;
pub mod extract;
pub mod intent;
pub mod llm;
mod words;

pub use builtin::BuiltIn;
pub use config::{EngineConfig, LlmConfig, Provider, from_settings};
pub use engine::{Engine, Profile, Reply, ReplyFuture, Role, TenantBrief, Turn};
pub use intent::{IntentScore, is_ready};
pub use llm::OpenAiCompatible;
