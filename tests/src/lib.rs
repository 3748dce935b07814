//! Helpers for the end-to-end tests: a fresh set of tables and a user pool in the local moto
//! server per test, the demo tenants' keys and agents' tokens, and a one-call way to send a
//! request through a router.
//!
//! The tests run under `make test`, which starts moto and sets `AWS_ENDPOINT_URL`.
//! The event tests also use the Kafka broker it starts (see [`kafka`]); the artifact tests, the
//! arm64 binaries `make build` produced (see [`artifacts`]).

pub mod artifacts;
pub mod desk;
pub mod kafka;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use auth::AgentAuth;
use aws_sdk_cognitoidentityprovider::Client as CognitoClient;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chat_kit::{ChatLimits, ChatService};
use devserver::cognito::{self, LocalPool, SignIn};
use http_body_util::BodyExt;
use serde_json::Value;
use store::{Backend, TableNames, tables};
use tower::ServiceExt;

pub use devserver::demo::{AGENTS, TENANTS};

/// The demo tenants' keys (`acme`, then `globex`), valid in every [`Stack`].
pub const KEY_A: &str = TENANTS[0].api_key;
pub const KEY_B: &str = TENANTS[1].api_key;

/// Tables and a user pool of its own in the local moto server, with the demo tenants' keys and
/// the demo agents stored.
pub struct Stack {
    pub backend: Backend,
    /// The agent verifier for this stack's pool, as a function builds it.
    pub agents: AgentAuth,
    pub pool: LocalPool,
    pub cognito: CognitoClient,
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
            usecases::clock::random_u64() % 1_000_000
        );
        let backend = Backend::connect(TableNames::with_prefix(&prefix)).await;
        tables::ensure_tables(&backend.dynamodb, &backend.tables)
            .await
            .expect("tables are created in moto");
        devserver::demo::seed(&backend.api_keys(), usecases::clock::now_ms())
            .await
            .expect("demo keys are stored");
        devserver::demo::seed_channel_accounts(&backend.channel_accounts())
            .await
            .expect("demo channel accounts are stored");
        devserver::demo::seed_tenant_profiles(&backend.tenants())
            .await
            .expect("demo tenant profiles are stored");
        let cognito = CognitoClient::new(backend.sdk_config());
        let pool = cognito::ensure_pool(&cognito, &format!("{prefix}pool"))
            .await
            .expect("the user pool is created in moto");
        cognito::seed_agents(&cognito, &pool)
            .await
            .expect("demo agents are created in moto");
        let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("checked above");
        let agents = AgentAuth::new(cognito::settings(&pool, &endpoint), backend.sdk_config());
        Self {
            backend,
            agents,
            pool,
            cognito,
        }
    }

    /// The whole product's router, as `make dev` serves it (built-in assistant, default limits).
    pub fn app(&self) -> Router {
        self.app_with(self.chat(ChatLimits::default()))
    }

    /// The whole product's router with the chat routes' service given.
    pub fn app_with(&self, chat: ChatService) -> Router {
        devserver::app(&self.backend, &self.agents, chat)
    }

    /// The chat routes' service with the built-in assistant and `limits`.
    pub fn chat(&self, limits: ChatLimits) -> ChatService {
        ChatService::new(&self.backend, Arc::new(assistant::BuiltIn), limits)
    }

    /// A fresh ID token of a demo agent (`ana`, `adam`, `gina`, `olga`), issued by moto.
    pub async fn token(&self, username: &str) -> String {
        self.sign_in(username).await.id_token
    }

    /// Both tokens of a demo agent's sign-in.
    pub async fn sign_in(&self, username: &str) -> SignIn {
        cognito::sign_in(&self.cognito, &self.pool, username)
            .await
            .unwrap_or_else(|error| panic!("{username} signs in to moto: {error}"))
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
    let auth = key.map_or(Auth::None, Auth::Key);
    call_as(router, method, path, auth, body).await
}

/// The credentials a request carries.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    None,
    /// A tenant API key, as `X-Api-Key`.
    Key(&'a str),
    /// `Authorization: Bearer <token>`: an agent's token (or an API key, which works there too).
    Bearer(&'a str),
}

/// Sends `body` (raw text) with the given credentials.
pub async fn call_as(
    router: &Router,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    match auth {
        Auth::None => {}
        Auth::Key(key) => request = request.header("x-api-key", key),
        Auth::Bearer(token) => request = request.header("authorization", format!("Bearer {token}")),
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
