//! Lambda entry point of `lex-code-hook`; the handler lives in `lib.rs`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    http_kit::lambda::init_logging();
    lex_code_hook::run().await
}
