//! Lambda entry point of `chatbot-session`; the routes live in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    wiring::chat::run(chatbot_session::app).await
}
