//! The channel webhook functions: the connected accounts, the tickets they feed, and the
//! assistant of seed 001's lead flow.

use usecases::conversations::ChatLimits;

use crate::chat::{ChatService, start_chat};

/// A webhook function's router from its configuration.
pub type AppFn = fn(&store::Backend, ChatService) -> axum::Router;

/// A webhook function's Lambda entry point: the tables and the assistant's settings read once
/// (every missing variable reported together), clients built once.
pub async fn run(app: AppFn) -> Result<(), http_kit::lambda::Error> {
    let (backend, engine) =
        store::Backend::from_env_with(assistant::EngineConfig::from_settings).await?;
    let chat = start_chat(&backend, engine, ChatLimits::unlimited()).await?;
    http_kit::lambda::run(app(&backend, chat)).await
}
