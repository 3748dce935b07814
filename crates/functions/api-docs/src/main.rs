//! Lambda entry point of `api-docs`; the routes live in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    http_kit::lambda::run(api_docs::app()).await
}
