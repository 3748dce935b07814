//! A local stand-in for the Lambda Runtime API, so a function binary runs here exactly as it
//! starts in Lambda: it polls for an event, handles it, posts the answer and polls again. Each
//! poll and answer is timestamped on arrival, which is what the cold-start figures are made of.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::{mpsc, oneshot};

/// What the function did, as the harness sees it.
#[derive(Debug)]
pub enum Arrival {
    /// `GET /runtime/invocation/next`: the function is ready for an event. Answer through `reply`.
    Poll {
        at: Instant,
        reply: oneshot::Sender<Vec<u8>>,
    },
    /// `POST /runtime/invocation/{id}/response` (`error: false`) or `…/error` (`error: true`).
    Outcome {
        at: Instant,
        error: bool,
        body: Bytes,
    },
    /// `POST /runtime/init/error`: the function could not start.
    InitError { body: Bytes },
}

#[derive(Clone)]
struct Shared {
    arrivals: mpsc::UnboundedSender<Arrival>,
    function_arn: String,
}

/// One Runtime API endpoint on a loopback port, for one function process.
pub struct RuntimeApi {
    pub addr: SocketAddr,
    pub arrivals: mpsc::UnboundedReceiver<Arrival>,
    server: tokio::task::JoinHandle<()>,
}

impl RuntimeApi {
    pub async fn start(function_name: &str) -> std::io::Result<Self> {
        let (sender, arrivals) = mpsc::unbounded_channel();
        let shared = Shared {
            arrivals: sender,
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{function_name}"),
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            arrivals,
            server,
        })
    }

    /// The next thing the function did, or `None` after `timeout`.
    pub async fn arrival(&mut self, timeout: Duration) -> Option<Arrival> {
        tokio::time::timeout(timeout, self.arrivals.recv())
            .await
            .ok()
            .flatten()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn next(State(shared): State<Shared>) -> Response {
    let at = Instant::now();
    let (reply, event) = oneshot::channel();
    if shared.arrivals.send(Arrival::Poll { at, reply }).is_err() {
        return StatusCode::GONE.into_response();
    }
    // Lambda holds the poll open until there is an event; so does this, until the harness has
    // one or has stopped the process (then nobody reads the answer).
    let Ok(event) = event.await else {
        return StatusCode::GONE.into_response();
    };
    let request_id = format!("local-{}", COUNTER.fetch_add(1, Ordering::Relaxed));
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
        + 30_000;
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("content-type", "application/json".to_owned());
    set("lambda-runtime-aws-request-id", request_id);
    set("lambda-runtime-deadline-ms", deadline.to_string());
    set("lambda-runtime-invoked-function-arn", shared.function_arn);
    set(
        "lambda-runtime-trace-id",
        "Root=1-65f0c0de-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0".to_owned(),
    );
    (StatusCode::OK, headers, event).into_response()
}

/// Request ids only need to differ within a run.
static COUNTER: AtomicU64 = AtomicU64::new(0);

async fn response(shared: State<Shared>, _id: Path<String>, body: Bytes) -> StatusCode {
    outcome(&shared, body, false)
}

async fn error(shared: State<Shared>, _id: Path<String>, body: Bytes) -> StatusCode {
    outcome(&shared, body, true)
}

fn outcome(shared: &Shared, body: Bytes, error: bool) -> StatusCode {
    let at = Instant::now();
    let _ = shared.arrivals.send(Arrival::Outcome { at, error, body });
    StatusCode::ACCEPTED
}

async fn init_error(State(shared): State<Shared>, body: Bytes) -> StatusCode {
    let _ = shared.arrivals.send(Arrival::InitError { body });
    StatusCode::ACCEPTED
}
