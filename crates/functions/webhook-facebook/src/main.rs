//! Lambda entry point of `webhook-facebook`; the routes live in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    wiring::webhooks::run(webhook_facebook::app).await
}
