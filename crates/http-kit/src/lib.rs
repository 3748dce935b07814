//! The axum and Lambda glue every Frontdesk HTTP function shares: JSON bodies in, errors out in
//! the caller's seed family, and `run` to serve a router as a Lambda function.

pub mod catalogue;
pub mod conditional;
pub mod errors;
pub mod idempotency;
pub mod json;
pub mod lambda;
pub mod observe;
pub mod outcomes;
pub mod params;

pub use catalogue::ErrorCode;
pub use errors::{ApiError, ErrorKey};
pub use idempotency::{IdempotencyKey, IdempotentJson};
pub use json::JsonBody;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;

/// The largest JSON body any route accepts. API Gateway allows 10 MB; nothing a lead form or a
/// chat widget sends comes near this, and a cap keeps a single request from costing memory.
pub const MAX_JSON_BODY_BYTES: usize = 64 * 1024;

/// Turns a function's documented routes into the router it serves: its state attached, errors
/// rendered with the seed family's key, bodies capped, and every request logged and measured
/// once its answer is final.
pub fn finish<S>(routes: OpenApiRouter<S>, state: S, key: ErrorKey) -> Router
where
    S: Clone + Send + Sync + 'static,
{
    let (router, _) = routes.split_for_parts();
    router
        .with_state(state)
        .layer(axum::middleware::map_response(move |response| {
            errors::render(key, response)
        }))
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY_BYTES))
        .layer(axum::middleware::from_fn(observe::observe))
}
