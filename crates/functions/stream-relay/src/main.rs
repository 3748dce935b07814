//! Lambda entry point of `stream-relay`; the handler lives in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    stream_relay::run().await
}
