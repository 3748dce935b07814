//! `/api/v1/webhook/instagram` (seed 001): the Instagram messaging webhook.

use axum::Router;
use http_kit::ErrorKey;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webhook_kit::WebhookState;

webhook_kit::meta_webhook!(
    instagram,
    webhook_kit::Provider::Instagram,
    "/api/v1/webhook/instagram",
    "An Instagram messaging delivery (`object: instagram`)"
);

pub fn routes() -> OpenApiRouter<WebhookState> {
    OpenApiRouter::new()
        .routes(routes!(instagram::handshake, instagram::deliver))
        .layer(webhook_kit::delivery_body_limit())
}

pub fn app(backend: &store::Backend) -> Router {
    http_kit::finish(routes(), WebhookState::new(backend), ErrorKey::Detail)
}
