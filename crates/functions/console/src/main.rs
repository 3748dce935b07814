//! Lambda entry point of `console`; the routes live in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    let config = console::ConsoleConfig::from_env()?;
    http_kit::lambda::run(console::app(&config)).await
}
