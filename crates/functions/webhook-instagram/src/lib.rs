//! `/api/v1/webhook/instagram` (seed 001): the Instagram messaging webhook.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use http_kit::{ApiError, ErrorKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webhook_kit::{DeliveryOutcome, Provider, WebhookState};

const PROVIDER: Provider = Provider::Instagram;

pub fn routes() -> OpenApiRouter<WebhookState> {
    OpenApiRouter::new()
        .routes(routes!(handshake, deliver))
        .layer(webhook_kit::delivery_body_limit())
}

pub fn app(backend: &store::Backend) -> Router {
    http_kit::finish(routes(), WebhookState::new(backend), ErrorKey::Detail)
}

/// Subscription handshake (seed 001)
///
/// Meta calls this once when the webhook is configured: the raw `hub.challenge` comes back when
/// `hub.verify_token` is one a tenant connected for this channel; anything else is 403.
#[utoipa::path(
    get,
    path = "/api/v1/webhook/instagram",
    tag = "Webhooks",
    params(
        ("hub.mode" = String, Query, description = "`subscribe`"),
        ("hub.verify_token" = String, Query, description = "The verify token configured for the account"),
        ("hub.challenge" = String, Query, description = "Echoed back on success"),
    ),
    responses(
        (status = 200, description = "The challenge, as plain text", content_type = "text/plain", body = String),
        (status = 403, description = "Verification failed"),
    )
)]
async fn handshake(State(state): State<WebhookState>, RawQuery(query): RawQuery) -> Response {
    webhook_kit::meta_handshake(PROVIDER, &state, query.as_deref().unwrap_or_default()).await
}

/// Receive a delivery (seed 001)
///
/// Checked against `X-Hub-Signature-256` over the raw body with the account's app secret; every
/// message joins its customer's active ticket (or opens one) once, whatever the retries.
#[utoipa::path(
    post,
    path = "/api/v1/webhook/instagram",
    tag = "Webhooks",
    request_body(content = Object, description = "An Instagram messaging delivery (`object: instagram`)"),
    params(("X-Hub-Signature-256" = String, Header, description = "`sha256=<hex HMAC-SHA256 of the body with the app secret>`")),
    responses(
        (status = 200, description = "Taken (also when every message was a repeat)", body = DeliveryOutcome),
        (status = 400, description = "Not a delivery of this provider"),
        (status = 401, description = "Missing or wrong signature, or an account no tenant connected"),
    )
)]
async fn deliver(
    State(state): State<WebhookState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<DeliveryOutcome>, ApiError> {
    webhook_kit::receive_delivery(PROVIDER, &state, &headers, &body).await
}
