//! Lambda entry point of `customer-get`; the routes live in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    support_kit::run(customer_get::app).await
}
