//! Lambda entry point of `outbound-delivery`; the handler lives in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    outbound_delivery::run().await
}
