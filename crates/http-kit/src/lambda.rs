//! Serving a router as a Lambda function behind API Gateway's HTTP API.

use axum::Router;

pub use lambda_http::Error;

/// Runs `router` on the Lambda runtime until the execution environment ends. Logs and metrics
/// go to CloudWatch through stdout (see the `telemetry` crate; call `telemetry::init` first).
pub async fn run(router: Router) -> Result<(), Error> {
    lambda_http::run(router).await
}
