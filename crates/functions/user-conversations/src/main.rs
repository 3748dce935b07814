//! Lambda entry point of `user-conversations`; the routes live in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    let backend = store::Backend::from_env().await?;
    http_kit::lambda::run(user_conversations::app(&backend)).await
}
