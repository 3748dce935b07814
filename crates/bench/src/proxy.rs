//! A recording stand-in for the AWS endpoint, for runs of many invocations: it passes a
//! function's first two invocations through to moto and keeps their DynamoDB answers, then
//! answers every later DynamoDB call itself from the second invocation's.
//!
//! moto copies every table on each transaction, so a thousand writing invocations against it
//! slow down with all the data of the run and grow moto by gigabytes; the function's own memory
//! over many invocations is what is measured, not moto's. Other services (Cognito, SES) always
//! reach moto.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};

use crate::Error;
use crate::calls::{Call, Replay};

/// The prefix of a DynamoDB request's `X-Amz-Target`.
const DYNAMODB_TARGET: &str = "DynamoDB_20120810.";

pub struct RecordingEndpoint {
    pub url: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

struct Shared {
    upstream: String,
    http: reqwest::Client,
    state: Mutex<RecordState>,
}

#[derive(Default)]
struct RecordState {
    /// Which invocation is running, from 1.
    invocation: usize,
    second: Vec<Call>,
    replay: Option<Replay>,
}

impl RecordingEndpoint {
    pub async fn start(upstream: &str) -> Result<Self, Error> {
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            state: Mutex::default(),
        });
        let app = Router::new().fallback(forward).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            url: format!("http://{addr}"),
            shared,
            server,
        })
    }

    /// Called before each invocation; from the third on, DynamoDB is answered from the second.
    pub fn next_invocation(&self) {
        let mut state = self
            .shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        state.invocation += 1;
        if state.invocation == 3 {
            state.replay = Some(Replay::new(Vec::new(), std::mem::take(&mut state.second)));
        }
    }
}

impl Drop for RecordingEndpoint {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn forward(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let operation = headers
        .get("x-amz-target")
        .and_then(|target| target.to_str().ok())
        .and_then(|target| target.strip_prefix(DYNAMODB_TARGET))
        .map(str::to_owned);
    let replay = {
        let state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.replay.clone()
    };
    if let (Some(operation), Some(replay)) = (&operation, replay)
        && let Some(call) = replay.answer(operation)
    {
        return respond(call.status, &call.response_headers, call.response);
    }
    let path = uri.path_and_query().map_or("/", |path| path.as_str());
    let mut upstream_headers = headers.clone();
    upstream_headers.remove("host");
    upstream_headers.remove("content-length");
    let sent = shared
        .http
        .request(method, format!("{}{path}", shared.upstream))
        .headers(upstream_headers)
        .body(body)
        .send()
        .await;
    let Ok(answer) = sent else {
        return respond(502, &[], b"moto did not answer".to_vec());
    };
    let status = answer.status().as_u16();
    let answer_headers: Vec<(String, String)> = answer
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect();
    let bytes = answer
        .bytes()
        .await
        .map(|bytes| bytes.to_vec())
        .unwrap_or_default();
    if let Some(operation) = operation {
        let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.invocation == 2 {
            state.second.push(Call {
                operation,
                tables: Vec::new(),
                status,
                response_headers: answer_headers.clone(),
                response: bytes.clone(),
            });
        }
    }
    respond(status, &answer_headers, bytes)
}

fn respond(status: u16, headers: &[(String, String)], body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (name, value) in headers {
        let skip = ["content-length", "transfer-encoding", "connection"];
        if skip.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            axum::http::HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}
