//! `/api/webhooks/facebook` (seed 004): the Facebook Messenger webhook.

use axum::Router;
use http_kit::ErrorKey;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webhooks::WebhookState;

webhooks::meta_webhook!(
    messenger_tickets,
    webhooks::Provider::Messenger,
    webhooks::Handling::Tickets,
    "/api/webhooks/facebook",
    "A Messenger delivery (`object: page`)"
);

pub fn routes() -> OpenApiRouter<WebhookState> {
    OpenApiRouter::new()
        .routes(routes!(
            messenger_tickets::handshake,
            messenger_tickets::deliver
        ))
        .layer(webhooks::delivery_body_limit())
}

pub fn app(backend: &store::Backend, chat: wiring::chat::ChatService) -> Router {
    http_kit::finish(routes(), WebhookState::new(backend, chat), ErrorKey::Detail)
}
