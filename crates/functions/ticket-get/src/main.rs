//! Lambda entry point of `ticket-get`; the routes live in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    support_kit::run(ticket_get::app).await
}
