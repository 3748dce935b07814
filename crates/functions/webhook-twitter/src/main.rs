//! Lambda entry point of `webhook-twitter`; the routes live in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    http_kit::lambda::init_logging();
    let backend = store::Backend::from_env().await?;
    http_kit::lambda::run(webhook_twitter::app(&backend)).await
}
