//! Lambda entry point of `lead-update-conversation`; the routes live in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    let backend = store::Backend::from_env().await?;
    http_kit::lambda::run(lead_update_conversation::app(&backend)).await
}
