//! `GET /`, `GET /health` (seed 001) and `GET /api/health`, `GET /api/ready` (seed 004): liveness
//! answers without touching anything, readiness after a real DynamoDB read.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use contracts::health::{
    HealthResponse, ReadyChecks, ReadyResponse, RootResponse, ServiceHealthResponse,
};
use http_kit::ErrorKey;
use store::api_keys::ApiKeyStore;
use usecases::clock::now_rfc3339;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Clone)]
pub struct AppState {
    /// Any table would do for the readiness read; the key table is the one every request needs.
    pub probe: ApiKeyStore,
}

/// The documented routes of this function, for its router and the OpenAPI document.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(root))
        .routes(routes!(health))
        .routes(routes!(service_health))
        .routes(routes!(ready))
}

/// The function's router, with its clients built from `backend`.
pub fn app(backend: &store::Backend) -> Router {
    let state = AppState {
        probe: backend.api_keys(),
    };
    http_kit::finish(routes(), state, ErrorKey::Detail)
}

/// Is the system running?
#[utoipa::path(get, path = "/", tag = "Health",
    responses((status = 200, description = "Running", body = RootResponse)))]
async fn root() -> Json<RootResponse> {
    Json(RootResponse {
        message: "AI Lead Capture & Automation System is running!",
    })
}

/// Liveness
#[utoipa::path(get, path = "/health", tag = "Health",
    responses((status = 200, description = "Healthy", body = HealthResponse)))]
async fn health() -> Json<HealthResponse> {
    Json(HealthResponse { status: "healthy" })
}

/// Liveness of the support API
#[utoipa::path(get, path = "/api/health", tag = "Health",
    responses((status = 200, description = "Healthy", body = ServiceHealthResponse)))]
async fn service_health() -> Json<ServiceHealthResponse> {
    Json(ServiceHealthResponse {
        status: "healthy",
        timestamp: now_rfc3339(),
        service: "omnichannel-support-api",
    })
}

/// Readiness: DynamoDB answers a read
#[utoipa::path(get, path = "/api/ready", tag = "Health",
    responses(
        (status = 200, description = "Ready", body = ReadyResponse),
        (status = 503, description = "DynamoDB did not answer", body = ReadyResponse),
    ))]
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<ReadyResponse>) {
    let (status, dynamodb) = match state.probe.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::warn!(%error, "readiness check: DynamoDB did not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        }
    };
    let body = ReadyResponse {
        ready: status == StatusCode::OK,
        timestamp: now_rfc3339(),
        checks: ReadyChecks { dynamodb },
    };
    (status, Json(body))
}
