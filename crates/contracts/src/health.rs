//! Liveness and readiness answers: seed 001's `GET /` and `GET /health`, seed 004's
//! `GET /api/health` and `GET /api/ready`.

use serde::Serialize;
use utoipa::ToSchema;

/// `GET /` (seed 001).
#[derive(Debug, Serialize, ToSchema)]
pub struct RootResponse {
    #[schema(example = "AI Lead Capture & Automation System is running!")]
    pub message: &'static str,
}

/// `GET /health` (seed 001).
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    #[schema(example = "healthy")]
    pub status: &'static str,
}

/// `GET /api/health` (seed 004).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceHealthResponse {
    #[schema(example = "healthy")]
    pub status: &'static str,
    /// RFC 3339, UTC.
    pub timestamp: String,
    #[schema(example = "omnichannel-support-api")]
    pub service: &'static str,
}

/// `GET /api/ready` (seed 004), with what was checked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyResponse {
    pub ready: bool,
    /// RFC 3339, UTC.
    pub timestamp: String,
    pub checks: ReadyChecks,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyChecks {
    /// `ok`, or `unavailable` when DynamoDB did not answer a read.
    #[schema(example = "ok")]
    pub dynamodb: &'static str,
}
