//! Lambda entry point of `widget-script`; the route lives in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    http_kit::lambda::run(widget_script::app()).await
}
