//! Lambda entry point of `webhook-chatbot`; the route lives in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    let backend = store::Backend::from_env().await?;
    http_kit::lambda::run(webhook_chatbot::app(&backend)).await
}
