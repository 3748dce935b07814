//! Lambda entry point of `analytics-summary`; the routes live in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    wiring::chat::run(analytics_summary::app).await
}
