//! Per-request CPU of the handlers, without the network: each scenario's DynamoDB calls are first
//! recorded against moto, then a worker process sends the same requests through the function's
//! router with the DynamoDB client answered in-process from the recording.
//!
//! Two figures per scenario: instructions per request, counted by callgrind (deterministic, so
//! comparable across runs and machines), from two runs that differ only in the number of
//! requests, so start-up cancels out; and wall-clock p50/p99 per request of a native run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use auth::{AgentAuth, CognitoSettings};
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use domain::settings::Settings;
use serde_json::{Value, json};
use store::{Backend, TableNames};
use usecases::conversations::ChatLimits;

use crate::Error;
use crate::calls::{Call, CallLog, Replay};
use crate::scenarios::{self, Scenario};
use crate::stack::{Stack, send};
use crate::stats::summary;

/// Requests in the two callgrind runs; their difference is what is divided by.
const FEWER: usize = 20;
const MORE: usize = 120;
/// Requests timed natively, after as many again to warm up.
const TIMED: usize = 2000;
/// Variants from here on are this phase's own: a webhook message id the round-trip script has
/// already delivered would take the duplicate's shortcut.
const FIRST_VARIANT: usize = 100;

/// The router a scenario's function serves, over `backend`.
fn router(function: &str, backend: &Backend, agents: &AgentAuth) -> Result<Router, Error> {
    let chat = wiring::chat::chat_service(
        backend,
        Arc::new(assistant::BuiltIn),
        ChatLimits::unlimited(),
    );
    Ok(match function {
        "hello" => Router::new().route("/", get(|| async { "hello" })),
        "health" => health::app(backend),
        "lead-capture" => lead_capture::app(backend),
        "ticket-get" => ticket_get::app(backend, agents),
        "ticket-create" => ticket_create::app(backend, agents),
        "chatbot-chat" => chatbot_chat::app(backend, agents, chat),
        "webhook-whatsapp" => webhook_whatsapp::app(backend, chat),
        other => return Err(format!("no router for {other}").into()),
    })
}

/// Sends requests 0 and 1 of `scenario` against moto and keeps their DynamoDB calls and the
/// sample, for the worker to replay.
async fn record(stack: &Stack, scenario: Scenario, dir: &Path) -> Result<PathBuf, Error> {
    let log = CallLog::default();
    let backend = Backend::connect_with(stack.backend.tables.clone(), |config| {
        config.interceptor(log.clone())
    })
    .await;
    let router = router(scenario.function, &backend, &stack.agents)?;
    let sample = scenario.sample(stack)?;
    let mut recorded = Vec::new();
    for i in 0..2 {
        let (status, body) = send(
            &router,
            scenarios::request(&scenario.event(&sample, FIRST_VARIANT + i)?)?,
        )
        .await;
        if !status.is_success() {
            return Err(format!("{}: request {i} answered {status}: {body}", scenario.name).into());
        }
        recorded.push(log.take());
    }
    let steady = recorded.pop().unwrap_or_default();
    let opening = recorded.pop().unwrap_or_default();
    let path = dir.join(format!("{}.json", scenario.name));
    let recording = json!({
        "scenario": scenario.name,
        "sample": sample,
        "opening": opening.iter().map(Call::to_json).collect::<Vec<_>>(),
        "steady": steady.iter().map(Call::to_json).collect::<Vec<_>>(),
    });
    std::fs::write(&path, serde_json::to_string_pretty(&recording)?)?;
    Ok(path)
}

/// `bench cpu-worker --recording FILE --requests N [--timed RESULT]`: sends N requests of the
/// recorded scenario through its router, DynamoDB answered from the recording. With `--timed`,
/// it times each request and writes their summary to RESULT.
pub fn worker(args: &[String]) -> Result<(), Error> {
    let mut recording = None;
    let mut requests = 0;
    let mut timed = None;
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--recording" => recording = Some(PathBuf::from(value)),
            "--requests" => requests = value.parse()?,
            "--timed" => timed = Some(PathBuf::from(value)),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let recording: Value = serde_json::from_str(&std::fs::read_to_string(
        recording.ok_or("--recording is required")?,
    )?)?;
    let calls = |key: &str| -> Vec<Call> {
        recording[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Call::from_json)
            .collect()
    };
    let replay = Replay::new(calls("opening"), calls("steady"));
    let scenario = scenarios::find(recording["scenario"].as_str().unwrap_or_default())?;
    let sample = recording["sample"].as_str().ok_or("no sample")?.to_owned();
    // One thread, as a Lambda execution environment with one request at a time has, so every
    // instruction of a request is on it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        telemetry::init_logging("bench");
        let mut settings = Settings::from_env();
        let tables = TableNames::read(&mut settings);
        let cognito = CognitoSettings::read(&mut settings);
        settings.finish()?;
        let backend =
            Backend::connect_with(tables, |config| config.http_client(replay.http_client())).await;
        let agents = AgentAuth::new(cognito, backend.sdk_config());
        let router = router(scenario.function, &backend, &agents)?;
        match timed {
            None => {
                // Built ahead, and as many in both callgrind runs, so only handling differs.
                let mut built: Vec<Request<Body>> = (0..MORE)
                    .map(|i| scenarios::request(&scenario.event(&sample, FIRST_VARIANT + i)?))
                    .collect::<Result<_, Error>>()?;
                for request in built.drain(..requests.min(MORE)) {
                    check(scenario, send(&router, request).await)?;
                }
            }
            Some(result) => {
                let mut micros = Vec::with_capacity(requests);
                for i in 0..2 * requests {
                    let request = scenarios::request(&scenario.event(&sample, FIRST_VARIANT + i)?)?;
                    let started = Instant::now();
                    let answer = send(&router, request).await;
                    let elapsed = started.elapsed();
                    check(scenario, answer)?;
                    if i >= requests {
                        micros.push(elapsed.as_secs_f64() * 1e6);
                    }
                }
                std::fs::write(result, summary(&micros).to_string())?;
            }
        }
        Ok::<(), Error>(())
    })
}

fn check(scenario: Scenario, (status, body): (axum::http::StatusCode, Value)) -> Result<(), Error> {
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("{}: answered {status}: {body}", scenario.name).into())
    }
}

/// Records, counts and times every measured scenario.
pub async fn measure(stack: &Stack, out: &Path) -> Result<Value, Error> {
    let dir = out.join("cpu");
    std::fs::create_dir_all(&dir)?;
    let harness = std::env::current_exe()?;
    let mut rows = Vec::new();
    for scenario in scenarios::MEASURED {
        let recording = record(stack, scenario, &dir).await?;
        let fewer = callgrind(&harness, &recording, stack, FEWER)?;
        let more = callgrind(&harness, &recording, stack, MORE)?;
        let per_request = (more.saturating_sub(fewer)) as f64 / (MORE - FEWER) as f64;
        let result = dir.join(format!("{}.timed.json", scenario.name));
        let status = worker_command(&harness, &recording, stack, TIMED)
            .args(["--timed".as_ref(), result.as_os_str()])
            .status()?;
        if !status.success() {
            return Err(format!("the timed run of {} failed", scenario.name).into());
        }
        let timed: Value = serde_json::from_str(&std::fs::read_to_string(&result)?)?;
        let steady: Vec<Call> =
            serde_json::from_str::<Value>(&std::fs::read_to_string(&recording)?)?["steady"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Call::from_json)
                .collect();
        eprintln!(
            "  cpu: {} {:.0} instructions/request, p50 {} µs",
            scenario.name, per_request, timed["median"]
        );
        rows.push(json!({
            "name": scenario.name,
            "label": scenario.label,
            "event": scenario.file,
            "instructions_per_request": per_request.round(),
            "wall_us": timed,
            "dynamodb_calls_per_request": steady.iter().map(|call| call.operation.clone()).collect::<Vec<_>>(),
        }));
    }
    Ok(json!({
        "callgrind_requests": [FEWER, MORE],
        "timed_requests": TIMED,
        "scenarios": rows,
    }))
}

fn worker_command(harness: &Path, recording: &Path, stack: &Stack, requests: usize) -> Command {
    let mut command = Command::new(harness);
    worker_args(&mut command, recording, stack, requests);
    command
}

fn worker_args(command: &mut Command, recording: &Path, stack: &Stack, requests: usize) {
    command
        .arg("cpu-worker")
        .arg("--recording")
        .arg(recording)
        .arg("--requests")
        .arg(requests.to_string())
        .env_clear()
        .envs(stack.env.iter().map(|(name, value)| (name, value)))
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_LAMBDA_LOG_LEVEL", "INFO")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
}

/// Instructions of a whole worker run under callgrind.
fn callgrind(
    harness: &Path,
    recording: &Path,
    stack: &Stack,
    requests: usize,
) -> Result<u64, Error> {
    let mut command = Command::new("valgrind");
    command.args([
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        "--trace-children=no",
    ]);
    command.arg(harness);
    worker_args(&mut command, recording, stack, requests);
    let output = command.stderr(Stdio::piped()).output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("callgrind run failed:\n{stderr}").into());
    }
    stderr
        .lines()
        .find_map(|line| line.split("Collected :").nth(1))
        .and_then(|count| count.trim().parse().ok())
        .ok_or_else(|| format!("no instruction count in callgrind's output:\n{stderr}").into())
}
