//! End-to-end latency: the devserver (every route on one port, what `make dev` runs) under a
//! load generator at a fixed concurrency, and moto alone answering a GetItem loop at the same
//! concurrency, so the part that is ours reads as the difference.
//!
//! Each of the load generator's workers sends its share of the requests one after another, as
//! one client would; a worker has a lead and a chat session of its own, so workers never write
//! the same conversation at once (which a real widget never does either).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

use crate::Error;
use crate::devserver_process::{Devserver, Events};
use crate::scenarios::{self, Scenario};
use crate::stack::Stack;
use crate::stats::{millis, summary};

pub struct Load {
    pub concurrency: usize,
    /// Measured requests per scenario (after a warm-up of one per worker).
    pub requests: usize,
}

/// One prepared request.
struct Prepared {
    method: reqwest::Method,
    path: String,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

fn prepare(event: &str) -> Result<Prepared, Error> {
    let request = lambda_http::request::from_str(event)
        .map_err(|error| format!("not an API Gateway event: {error}"))?;
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let mut headers = parts.headers;
    headers.remove(reqwest::header::HOST);
    headers.remove(reqwest::header::CONTENT_LENGTH);
    let body = match body {
        lambda_http::Body::Empty => Vec::new(),
        lambda_http::Body::Text(text) => text.into_bytes(),
        lambda_http::Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    Ok(Prepared {
        method: parts.method,
        path,
        headers,
        body,
    })
}

pub async fn measure(
    stack: &Stack,
    devserver: &Path,
    out: &Path,
    load: &Load,
) -> Result<Value, Error> {
    let devserver = Devserver::start(stack, devserver, out, Events::Off).await?;
    let base = devserver.base.clone();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let sessions = sessions(&client, &base, load.concurrency).await?;
    let mut rows = Vec::new();
    for scenario in scenarios::MEASURED.iter().filter(|s| s.function != "hello") {
        let requests = requests(stack, *scenario, &sessions, load)?;
        let (latencies, errors) = run_load(&client, &base, requests).await;
        eprintln!(
            "  latency: {} p50 {:.2} ms ({errors} errors)",
            scenario.name,
            crate::stats::median(&latencies)
        );
        rows.push(json!({
            "name": scenario.name,
            "label": scenario.label,
            "ms": summary(&latencies),
            "errors": errors,
        }));
    }
    let moto = moto_get_item(stack, load).await?;
    Ok(json!({
        "concurrency": load.concurrency,
        "requests": load.requests,
        "moto_get_item_ms": summary(&moto),
        "scenarios": rows,
    }))
}

/// A widget session per worker.
async fn sessions(
    client: &reqwest::Client,
    base: &str,
    count: usize,
) -> Result<Vec<String>, Error> {
    let key = devserver::demo::TENANTS[0].api_key;
    let mut sessions = Vec::new();
    for _ in 0..count {
        let answer = client
            .post(format!("{base}/api/chatbot/session"))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await?
            .bytes()
            .await?;
        let answer: Value = serde_json::from_slice(&answer)?;
        let session = answer["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session in {answer}"))?;
        sessions.push(session.to_owned());
    }
    Ok(sessions)
}

/// Each worker's requests, warm-up first: the scenario's requests with the worker's own lead
/// (`userId`) and chat session in place of the sample's.
fn requests(
    stack: &Stack,
    scenario: Scenario,
    sessions: &[String],
    load: &Load,
) -> Result<Vec<Vec<Prepared>>, Error> {
    let sample = scenario.sample(stack)?;
    let sample_session = stack
        .placeholders
        .iter()
        .find(|(name, _)| name == "{{session_id}}")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let sample_user = serde_json::from_str::<Value>(&sample)
        .ok()
        .and_then(|event| serde_json::from_str::<Value>(event["body"].as_str()?).ok())
        .and_then(|body| body["leadData"]["userId"].as_str().map(str::to_owned));
    let per_worker = load.requests.div_ceil(load.concurrency) + 1;
    let mut workers = Vec::new();
    for (worker, session) in sessions.iter().enumerate() {
        let mut own = Vec::with_capacity(per_worker);
        for n in 0..per_worker {
            // Message ids apart from those of the other phases (see `Scenario::event`).
            let i = 10_000 + worker * per_worker + n;
            let mut event = scenario.event(&sample, i)?;
            if !sample_session.is_empty() {
                event = event.replace(&sample_session, session);
            }
            if let Some(user) = &sample_user {
                event = event.replace(user.as_str(), &format!("{user}_bench{worker}"));
            }
            own.push(prepare(&event)?);
        }
        workers.push(own);
    }
    Ok(workers)
}

/// Runs every worker's requests, each worker one at a time, all workers at once. The first
/// request of each worker is a warm-up and not counted.
async fn run_load(
    client: &reqwest::Client,
    base: &str,
    workers: Vec<Vec<Prepared>>,
) -> (Vec<f64>, usize) {
    let base = Arc::new(base.to_owned());
    let mut tasks = Vec::new();
    for requests in workers {
        let client = client.clone();
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(requests.len());
            let mut errors = 0;
            for (n, request) in requests.into_iter().enumerate() {
                let started = Instant::now();
                let outcome = client
                    .request(request.method, format!("{base}{}", request.path))
                    .headers(request.headers)
                    .body(request.body)
                    .send()
                    .await;
                let ok = match outcome {
                    Ok(response) => {
                        let success = response.status().is_success();
                        success && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                let elapsed = started.elapsed();
                if n == 0 {
                    continue;
                }
                if ok {
                    latencies.push(millis(elapsed));
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        if let Ok((latencies, failed)) = task.await {
            all.extend(latencies);
            errors += failed;
        }
    }
    (all, errors)
}

/// moto alone: a GetItem of a demo tenant's profile, at the load's concurrency.
async fn moto_get_item(stack: &Stack, load: &Load) -> Result<Vec<f64>, Error> {
    let per_worker = load.requests.div_ceil(load.concurrency) + 1;
    let mut tasks = Vec::new();
    for _ in 0..load.concurrency {
        let client = stack.backend.dynamodb.clone();
        let table = stack.backend.tables.tenants.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for n in 0..per_worker {
                let started = Instant::now();
                let found = client
                    .get_item()
                    .table_name(&table)
                    .key("tenantId", AttributeValue::S("acme".to_owned()))
                    .send()
                    .await;
                let elapsed = started.elapsed();
                if found.is_ok() && n > 0 {
                    latencies.push(millis(elapsed));
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await?);
    }
    Ok(all)
}
