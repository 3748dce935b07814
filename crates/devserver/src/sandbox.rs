//! Stand-ins for the providers' send APIs under `make dev`: outbound delivery is pointed here
//! (unless `META_GRAPH_API_URL` / `X_API_URL` say otherwise), so replies "go out" without real
//! accounts, show in the log, and can be listed at `GET /_sandbox/sent`.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// Where the sandbox's routes live, relative to the devserver's base URL.
pub const META_PATH: &str = "/_sandbox/meta";
pub const X_PATH: &str = "/_sandbox/x";

#[derive(Clone, Default)]
struct Sent(Arc<Mutex<Vec<Value>>>);

impl Sent {
    fn record(&self, entry: Value) -> usize {
        let mut sent = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        tracing::info!(%entry, "sandbox provider accepted an outbound message");
        sent.push(entry);
        sent.len()
    }
}

/// The sandbox's routes.
pub fn routes() -> Router {
    Router::new()
        .route(
            &format!("{META_PATH}/{{account}}/messages"),
            post(meta_send),
        )
        .route(
            &format!("{X_PATH}/2/dm_conversations/with/{{recipient}}/messages"),
            post(x_send),
        )
        .route("/_sandbox/sent", get(list))
        .with_state(Sent::default())
}

async fn meta_send(
    State(sent): State<Sent>,
    Path(account): Path<String>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let recipient = body["to"]
        .as_str()
        .or_else(|| body["recipient"]["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let n = sent.record(json!({"provider": "meta", "account": account, "request": body}));
    // One answer shaped for both the WhatsApp Cloud API and the Send API.
    Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": recipient, "wa_id": recipient}],
        "messages": [{"id": format!("wamid.sandbox-{n}")}],
        "recipient_id": recipient,
        "message_id": format!("mid.sandbox-{n}"),
    }))
}

async fn x_send(
    State(sent): State<Sent>,
    Path(recipient): Path<String>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let n = sent.record(json!({"provider": "x", "recipient": recipient, "request": body}));
    Json(
        json!({"data": {"dm_conversation_id": format!("sandbox-{recipient}"), "dm_event_id": format!("sandbox-{n}")}}),
    )
}

async fn list(State(sent): State<Sent>) -> Json<Value> {
    let sent = sent
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Json(Value::Array(sent.clone()))
}
