//! `/api/webhooks/twitter` (seed 004): the X Account Activity API webhook: the CRC check and
//! direct-message deliveries.

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use http_kit::{ApiError, ErrorKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webhooks::{DeliveryOutcome, Handling, Provider, WebhookState};

pub fn routes() -> OpenApiRouter<WebhookState> {
    OpenApiRouter::new()
        .routes(routes!(crc_check, deliver))
        .layer(webhooks::delivery_body_limit())
}

pub fn app(backend: &store::Backend, chat: wiring::chat::ChatService) -> Router {
    http_kit::finish(routes(), WebhookState::new(backend, chat), ErrorKey::Detail)
}

/// Challenge-response check
///
/// X calls this when the webhook is registered and hourly after. Register the URL with
/// `?account=<the X user id>` so the right consumer secret signs the answer.
#[utoipa::path(
    get,
    path = "/api/webhooks/twitter",
    operation_id = "twitter_crc_check",
    tag = "Webhooks",
    params(
        ("crc_token" = String, Query, min_length = 1, description = "The token to sign"),
        ("account" = String, Query, min_length = 1, description = "The X user id (`for_user_id`) the webhook is for"),
    ),
    responses(
        (status = 200, description = "`{\"response_token\": \"sha256=<base64 HMAC>\"}`"),
        (status = 400, description = "crc_token or account missing"),
        (status = 403, description = "No tenant connected that account"),
    )
)]
async fn crc_check(
    State(state): State<WebhookState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    webhooks::x_crc(&state, &query).await
}

/// Receive a delivery
///
/// Checked against `x-twitter-webhooks-signature` over the raw body with the account's consumer
/// secret; every direct message joins its customer's active ticket (or opens one) once.
#[utoipa::path(
    post,
    path = "/api/webhooks/twitter",
    operation_id = "twitter_delivery",
    tag = "Webhooks",
    request_body(content = Object, description = "An Account Activity delivery (`for_user_id`, `direct_message_events`, …)"),
    params(("x-twitter-webhooks-signature" = String, Header, description = "`sha256=<base64 HMAC-SHA256 of the body with the consumer secret>`")),
    responses(
        (status = 200, description = "Taken (also when every message was a repeat)", body = DeliveryOutcome),
        (status = 400, description = "A verified body that is not an Account Activity delivery"),
        (status = 401, description = "Not verified: no signature, a signature that does not match, or no connected account that could vouch for the body; nothing in it is used"),
        (status = 413, description = "The body is larger than 1 MiB"),
    )
)]
async fn deliver(
    State(state): State<WebhookState>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<DeliveryOutcome>, ApiError> {
    webhooks::receive_delivery(
        Provider::X,
        Handling::Tickets,
        &state,
        (&extensions, &headers),
        &body,
    )
    .await
}
