//! Helpers for the end-to-end tests: a fresh set of tables in the local moto server per test,
//! the demo tenants' keys, and a one-call way to send a request through a router.
//!
//! The tests run under `make test`, which starts moto and sets `AWS_ENDPOINT_URL`.

use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use store::{Backend, TableNames, tables};
use tower::ServiceExt;

pub use devserver::demo::TENANTS;

/// The demo tenants' keys (`acme`, then `globex`), valid in every [`Stack`].
pub const KEY_A: &str = TENANTS[0].api_key;
pub const KEY_B: &str = TENANTS[1].api_key;

/// Tables of its own in the local moto server, with the demo tenants' keys stored.
pub struct Stack {
    pub backend: Backend,
}

impl Stack {
    pub async fn new() -> Self {
        assert!(
            std::env::var_os("AWS_ENDPOINT_URL").is_some(),
            "AWS_ENDPOINT_URL is not set: run the tests with `make test` (it starts moto)"
        );
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let prefix = format!(
            "t{}-{}-{}-",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            http_kit::clock::random_u64() % 1_000_000
        );
        let backend = Backend::connect(TableNames::with_prefix(&prefix)).await;
        tables::ensure_tables(&backend.dynamodb, &backend.tables)
            .await
            .expect("tables are created in moto");
        devserver::demo::seed(&backend.api_keys(), http_kit::clock::now_ms())
            .await
            .expect("demo keys are stored");
        Self { backend }
    }

    /// The whole product's router, as `make dev` serves it.
    pub fn app(&self) -> Router {
        devserver::app(&self.backend)
    }

    /// Every item of a table (a test-only Scan, to prove what was and was not written).
    pub async fn items(
        &self,
        table: &str,
    ) -> Vec<std::collections::HashMap<String, store::AttributeValue>> {
        let output = self
            .backend
            .dynamodb
            .scan()
            .table_name(table)
            .consistent_read(true)
            .send()
            .await
            .expect("scan works in moto");
        output.items.unwrap_or_default()
    }
}

/// A response's status and its body as JSON (`Value::Null` when the body is empty or not JSON).
pub async fn send(router: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("routers are infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("bodies are readable")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Sends `body` (raw text, so malformed JSON can be sent too) with an optional API key.
pub async fn call(
    router: &Router,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let body = body.map_or_else(Body::empty, |text| Body::from(text.to_owned()));
    send(router, request.body(body).expect("valid request")).await
}

/// The repository's root directory.
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository root")
        .to_path_buf()
}
