//! Lambda entry point of `ticket-status`; the routes live in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    wiring::support::run(ticket_status::app).await
}
