//! Lambda entry point of `stream-relay`; the handler lives in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    http_kit::lambda::init_logging();
    stream_relay::run().await
}
