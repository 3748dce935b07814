//! Lambda entry point of `outbound-delivery`; the handler lives in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    http_kit::lambda::init_logging();
    outbound_delivery::run().await
}
