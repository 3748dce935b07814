//! The bare floor of the cold-start benchmark: a lambda_http function with the same runtime,
//! logging and axum routing as every HTTP function, answering a fixed text and touching nothing
//! else. No function can start faster than this.

use axum::Router;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let app = Router::new().fallback(|| async { "hello" });
    lambda_http::run(app).await
}
