//! `GET /demo`: a made-up shop ("Acme Outdoor") that embeds the chat widget exactly as a
//! customer's website would, so `make dev` shows the widget working and the browser test has a
//! real page to drive. Served by the devserver only; it is no Lambda's route.

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;

const PAGE: &str = include_str!("demo_page.html");
const SHOP_CSS: &str = include_str!("demo_shop.css");

/// What a careful shop would send: scripts and styles only from files, never inline or
/// evaluated. The widget has to work under it, so the page proves it does.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The demo shop's routes.
pub fn routes() -> Router {
    Router::new()
        .route("/demo", get(page))
        .route("/demo/shop.css", get(shop_css))
}

async fn page() -> impl IntoResponse {
    (
        [(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)],
        Html(PAGE),
    )
}

async fn shop_css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        SHOP_CSS,
    )
}
