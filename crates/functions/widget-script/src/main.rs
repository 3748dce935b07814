//! Lambda entry point of `widget-script`; the route lives in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), http_kit::lambda::Error> {
    http_kit::lambda::init_logging();
    http_kit::lambda::run(widget_script::app()).await
}
