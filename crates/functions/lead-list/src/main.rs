//! Lambda entry point of `lead-list`; the routes live in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    wiring::chat::run(lead_list::app).await
}
