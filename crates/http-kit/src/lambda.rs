//! Serving a router as a Lambda function behind API Gateway's HTTP API.

use axum::Router;

pub use lambda_http::Error;

/// Runs `router` on the Lambda runtime until the execution environment ends. Logs go to
/// CloudWatch in the format the function's `LoggingConfig` asks for (JSON in `template.yaml`).
pub async fn run(router: Router) -> Result<(), Error> {
    lambda_http::run(router).await
}

/// Sets up logging for a function; call first in `main`, before building any client.
pub fn init_logging() {
    lambda_http::tracing::init_default_subscriber();
}
