//! Lambda entry point of `lex-code-hook`; the handler lives in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init(env!("CARGO_PKG_NAME"));
    lex_code_hook::run().await
}
