//! The website chat assistant: answers a visitor, extracts their contact details and scores how
//! ready they are to buy.
//!
//! Pure logic plus one HTTP client. It knows nothing of storage, Lambda or HTTP servers: callers
//! hand it the conversation so far and store what it returns.
//!
//! - [`extract`] finds an email, phone and name in free text;
//! - [`intent`] scores a conversation HOT/WARM/COLD/NEUTRAL with word-level rules;
//! - [`Engine`] (the conversation use cases' port) is implemented by the deterministic [`BuiltIn`] engine and the
//!   [`OpenAiCompatible`] chat-completions provider that falls back to it;
//! - [`from_settings`] picks the engine from `AI_*` variables.

pub mod builtin;
pub mod config;
pub mod extract;
pub mod intent;
pub mod llm;
mod words;

pub use builtin::BuiltIn;
pub use config::{EngineConfig, LlmConfig, Provider, from_settings};
pub use intent::IntentScore;
pub use llm::OpenAiCompatible;
/// The port this crate implements, for callers that name it through the engine they build.
pub use usecases::conversations::{Engine, Profile, Reply, ReplyFuture, Role, TenantBrief, Turn};
