//! The local stack a benchmark run works against: the tables, demo tenants, channel accounts and
//! agents `make dev` creates, in the moto server `infra/moto.sh` started for the run, and the
//! environment a deployed function would get, pointing at it.

use std::sync::Arc;

use auth::AgentAuth;
use aws_sdk_cognitoidentityprovider::Client as CognitoClient;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use chat_kit::{ChatLimits, ChatService};
use devserver::cognito::{self, LocalPool};
use devserver::demo;
use http_body_util::BodyExt;
use serde_json::Value;
use store::{Backend, tables};
use tower::ServiceExt;

use crate::Error;

/// Chat limits far above what a run sends, so repeated starts measure the chat path rather than
/// the 429 the default limits would answer after twenty messages a minute.
pub const UNLIMITED_CHAT: [(&str, &str); 2] = [
    ("CHAT_MESSAGES_PER_MINUTE", "1000000"),
    ("CHAT_NEW_CONVERSATIONS_PER_MINUTE", "1000000"),
];

pub struct Stack {
    pub backend: Backend,
    pub agents: AgentAuth,
    pub cognito: CognitoClient,
    pub pool: LocalPool,
    /// What every function process gets besides the Lambda runtime's own variables.
    pub env: Vec<(String, String)>,
    /// `{{…}}` placeholders of the sample events and their values in this stack.
    pub placeholders: Vec<(String, String)>,
}

impl Stack {
    /// Creates everything `make dev` creates, with the table names of the environment (the
    /// Makefile's `LOCAL_TABLES`), and the ids the sample events refer to.
    pub async fn prepare() -> Result<Self, Error> {
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .map_err(|_| "AWS_ENDPOINT_URL is not set: run the bench through `make bench`")?;
        let backend = Backend::from_env().await?;
        tables::ensure_tables(&backend.dynamodb, &backend.tables).await?;
        demo::seed(&backend.api_keys(), usecases::clock::now_ms()).await?;
        demo::seed_tenant_profiles(&backend.tenants()).await?;
        demo::seed_channel_accounts(&backend.channel_accounts()).await?;
        let cognito_client = CognitoClient::new(backend.sdk_config());
        let pool = cognito::ensure_pool(&cognito_client, cognito::LOCAL_POOL_NAME).await?;
        cognito::seed_agents(&cognito_client, &pool).await?;
        let settings = cognito::settings(&pool, &endpoint);
        let agents = AgentAuth::new(settings.clone(), backend.sdk_config());

        let mut env: Vec<(String, String)> = Vec::new();
        for name in [
            "AWS_ENDPOINT_URL",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "KAFKA_BOOTSTRAP_SERVERS",
        ] {
            if let Ok(value) = std::env::var(name) {
                env.push((name.to_owned(), value));
            }
        }
        // Lambda hands every function temporary credentials with a session token.
        env.push(("AWS_SESSION_TOKEN".to_owned(), "local".to_owned()));
        for (name, value) in backend.tables.env_vars() {
            env.push((name.to_owned(), value));
        }
        for (name, value) in [
            ("COGNITO_USER_POOL_ID", settings.user_pool_id.clone()),
            ("COGNITO_APP_CLIENT_ID", settings.app_client_ids.join(",")),
            ("COGNITO_ISSUER", settings.issuer.clone()),
            ("COGNITO_JWKS_URL", settings.jwks_url.clone()),
            ("COGNITO_TENANT_CLAIM", settings.tenant_claim.clone()),
        ] {
            env.push((name.to_owned(), value));
        }
        for (name, value) in UNLIMITED_CHAT {
            env.push((name.to_owned(), value.to_owned()));
        }
        // The Lex samples come from this bot; outbound deliveries in the sample batch are for
        // tickets this stack does not have, so no provider is ever called (port 9 discards).
        env.push(("LEX_BOT_TENANTS".to_owned(), "BOOKSTORE1=acme".to_owned()));
        env.push((
            "META_GRAPH_API_URL".to_owned(),
            "http://127.0.0.1:9/meta".to_owned(),
        ));
        env.push(("X_API_URL".to_owned(), "http://127.0.0.1:9/x".to_owned()));

        let mut stack = Self {
            backend,
            agents,
            cognito: cognito_client,
            pool,
            env,
            placeholders: Vec::new(),
        };
        for agent in ["ana", "adam", "gina"] {
            let token = stack.token(agent).await?;
            stack
                .placeholders
                .push((format!("{{{{agent-token:{agent}}}}}"), token));
        }
        stack.create_sample_records().await?;
        Ok(stack)
    }

    /// A fresh ID token of a demo agent.
    pub async fn token(&self, agent: &str) -> Result<String, Error> {
        cognito::id_token(&self.cognito, &self.pool, agent).await
    }

    /// The chat routes' service as the functions build it here: the built-in assistant, and
    /// limits out of the way.
    pub fn chat(&self) -> ChatService {
        ChatService::new(
            &self.backend,
            Arc::new(assistant::BuiltIn),
            ChatLimits::unlimited(),
        )
    }

    /// Every route on one router, as `make dev` serves it.
    pub fn app(&self) -> Router {
        devserver::app(&self.backend, &self.agents, self.chat())
    }

    /// Runs the sample events that create what other samples refer to (a ticket and its
    /// customer, a lead, a widget session of each kind, the user whose conversations are read)
    /// and records their ids as placeholder values.
    async fn create_sample_records(&mut self) -> Result<(), Error> {
        let app = self.app();
        let producers: [(&str, &[Produced]); 5] = [
            ("lead-update-conversation/new-user.json", &[]),
            (
                "ticket-create/create-ticket.json",
                &[
                    ("{{ticket_id}}", &["ticket_id"]),
                    ("{{customer_id}}", &["customer", "internal_id"]),
                ],
            ),
            ("lead-create/create-lead.json", &[("{{lead_id}}", &["id"])]),
            (
                "chatbot-session/new-session.json",
                &[("{{session_id}}", &["sessionId"])],
            ),
            (
                "chatbot-session-internal/new-session.json",
                &[("{{internal_session_id}}", &["sessionId"])],
            ),
        ];
        for (file, produced) in producers {
            let (status, body) = send(&app, self.request(file)?).await;
            if !status.is_success() {
                return Err(format!("{file} answered {status}: {body}").into());
            }
            for (placeholder, path) in produced {
                let value = path
                    .iter()
                    .fold(&body, |value, key| &value[*key])
                    .as_str()
                    .ok_or_else(|| format!("{file}: no {} in {body}", path.join(".")))?;
                self.placeholders
                    .push(((*placeholder).to_owned(), value.to_owned()));
            }
        }
        Ok(())
    }

    /// A sample event's text with this stack's placeholder values.
    pub fn event_text(&self, file: &str) -> Result<String, Error> {
        let path = crate::repo_root().join("events").join(file);
        let mut text = std::fs::read_to_string(&path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        for (placeholder, value) in &self.placeholders {
            text = text.replace(placeholder.as_str(), value);
        }
        Ok(text)
    }

    /// A sample API Gateway event as the request the router would get from lambda_http.
    pub fn request(&self, file: &str) -> Result<Request<Body>, Error> {
        let request = lambda_http::request::from_str(&self.event_text(file)?)
            .map_err(|error| format!("{file} is not an API Gateway event: {error}"))?;
        Ok(request.map(Body::new))
    }
}

/// Empties the moto server of the run (`AWS_ENDPOINT_URL`): every table, item and user pool.
pub async fn reset_moto() -> Result<(), Error> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")?;
    let answer = reqwest::Client::new()
        .post(format!("{}/moto-api/reset", endpoint.trim_end_matches('/')))
        .send()
        .await?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(format!("moto refused the reset: {}", answer.status()).into())
    }
}

/// A placeholder a sample's answer fills, and where in the answer its value is.
type Produced = (&'static str, &'static [&'static str]);

/// Sends one request through a router; the status and the body as JSON (`Null` if it is not).
pub async fn send(router: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|never| match never {});
    let (status, bytes) = read(response).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn read(response: Response<Body>) -> (StatusCode, Vec<u8>) {
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map(|body| body.to_bytes().to_vec())
        .unwrap_or_default();
    (status, bytes)
}
