//! Runs one function binary as Lambda runs it, against the local Runtime API, and times what it
//! does: from process start to its first poll (init), each invocation from the event handed over
//! to the answer posted, and its peak resident memory as the kernel counts it (read the same way
//! for any process: the soak watches the local stack's with it).

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde_json::Value;

use crate::Error;
use crate::runtime_api::{Arrival, RuntimeApi};

/// How long a process may take to first poll, and to answer one event (and poll again).
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub init: Duration,
    pub invoke: Duration,
}

impl Default for Timeouts {
    /// Generous for a native binary, whose whole cold start takes milliseconds.
    fn default() -> Self {
        Self {
            init: Duration::from_secs(30),
            invoke: Duration::from_secs(30),
        }
    }
}

/// One process start and its invocations.
pub struct Launch<'a> {
    pub binary: &'a Path,
    /// A program and its arguments the binary is started through, such as an emulator for
    /// another architecture (`["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"]`), whose memory
    /// is then what the peaks count; empty to start the binary itself.
    pub runner: &'a [&'a str],
    pub timeouts: Timeouts,
    pub function_name: &'a str,
    pub env: &'a [(String, String)],
    pub event: &'a [u8],
    pub invocations: usize,
    /// Where the process's stdout and stderr go (its logs), appended.
    pub log: &'a Path,
    /// Called before each invocation is handed over.
    pub before_invocation: &'a (dyn Fn() + Sync),
}

pub struct Run {
    /// Process start → first `GET /runtime/invocation/next`.
    pub init: Duration,
    /// The first event handed over → its answer posted.
    pub first: Duration,
    pub first_answer: Answer,
    /// Every later invocation, in order.
    pub warm: Vec<Duration>,
    /// VmHWM after the first invocation, and after the last, in KiB.
    pub peak_after_first_kib: u64,
    pub peak_kib: u64,
}

/// What a function answered to an event.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Posted to `/error` rather than `/response`.
    pub error: bool,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

pub async fn run(launch: Launch<'_>) -> Result<Run, Error> {
    let mut api = RuntimeApi::start(launch.function_name).await?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(launch.log)?;
    let mut command = match launch.runner.split_first() {
        Some((program, arguments)) => {
            let mut command = std::process::Command::new(program);
            command.args(arguments).arg(launch.binary);
            command
        }
        None => std::process::Command::new(launch.binary),
    };
    // Nothing of the harness's own environment leaks in: the function sees what Lambda would
    // set, and the configuration of the stack.
    command
        .env_clear()
        .envs(launch.env.iter().map(|(name, value)| (name, value)))
        .envs(lambda_env(launch.function_name, &api))
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log));
    let started = Instant::now();
    let mut child = Child(command.spawn()?);
    let pid = child.0.id();

    let outcome = async {
        let Some(polled) = next_poll(&mut api, launch.timeouts.init).await? else {
            return Err::<(Run, Reply), Error>("no first poll".into());
        };
        let init = polled.0.duration_since(started);
        (launch.before_invocation)();
        let (first, first_answer) =
            invoke(&mut api, polled.1, launch.event, launch.timeouts.invoke).await?;
        let peak_after_first_kib = peak_kib(pid)?;
        let mut warm = Vec::with_capacity(launch.invocations.saturating_sub(1));
        for _ in 1..launch.invocations {
            let Some((_, reply)) = next_poll(&mut api, launch.timeouts.invoke).await? else {
                return Err("no poll after an answer".into());
            };
            (launch.before_invocation)();
            warm.push(
                invoke(&mut api, reply, launch.event, launch.timeouts.invoke)
                    .await?
                    .0,
            );
        }
        // The process is parked in its next poll now, as Lambda would freeze it; the poll is
        // held until the process is stopped, so it cannot exit on an answer in between.
        let Some((_, parked)) = next_poll(&mut api, launch.timeouts.invoke).await? else {
            return Err("no poll after the last answer".into());
        };
        let peak_kib = peak_kib(pid)?;
        let run = Run {
            init,
            first,
            first_answer,
            warm,
            peak_after_first_kib,
            peak_kib,
        };
        Ok((run, parked))
    };
    let result = tokio::select! {
        result = outcome => result,
        status = child.exited() => Err(format!(
            "{} exited ({status}) before it was done; its log is {}",
            launch.function_name,
            launch.log.display()
        ).into()),
    };
    drop(child);
    result
        .map(|(run, _parked)| run)
        .map_err(|error| format!("{}: {error}", launch.function_name).into())
}

/// A function process, killed when dropped, however the run ends.
struct Child(std::process::Child);

impl Child {
    /// Resolves when the process has exited, with its status.
    async fn exited(&mut self) -> String {
        loop {
            match self.0.try_wait() {
                Ok(Some(status)) => return status.to_string(),
                Ok(None) => tokio::time::sleep(Duration::from_millis(5)).await,
                Err(error) => return error.to_string(),
            }
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The variables the Lambda service sets for a function (besides the Runtime API's address).
fn lambda_env(function_name: &str, api: &RuntimeApi) -> Vec<(String, String)> {
    [
        ("AWS_LAMBDA_RUNTIME_API", api.addr.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", function_name.to_owned()),
        // template.yaml's Globals.
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{function_name}"),
        ),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/01/01/[$LATEST]local".to_owned(),
        ),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO".to_owned()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("LAMBDA_TASK_ROOT", "/var/task".to_owned()),
        ("TZ", ":UTC".to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}

type Reply = tokio::sync::oneshot::Sender<Vec<u8>>;

/// Waits for the process to poll; `None` when it does not within `timeout`.
async fn next_poll(
    api: &mut RuntimeApi,
    timeout: Duration,
) -> Result<Option<(Instant, Reply)>, Error> {
    match api.arrival(timeout).await {
        Some(Arrival::Poll { at, reply }) => Ok(Some((at, reply))),
        Some(Arrival::InitError { body }) => {
            Err(format!("init error: {}", String::from_utf8_lossy(&body)).into())
        }
        Some(Arrival::Outcome { .. }) => Err("an answer nobody asked for".into()),
        None => Ok(None),
    }
}

/// Hands `event` over and waits for the answer.
async fn invoke(
    api: &mut RuntimeApi,
    reply: Reply,
    event: &[u8],
    timeout: Duration,
) -> Result<(Duration, Answer), Error> {
    let sent = Instant::now();
    reply
        .send(event.to_vec())
        .map_err(|_| "the poll was dropped")?;
    match api.arrival(timeout).await {
        Some(Arrival::Outcome { at, error, body }) => {
            Ok((at.duration_since(sent), Answer { error, body }))
        }
        Some(Arrival::Poll { .. }) => Err("polled again without answering".into()),
        Some(Arrival::InitError { .. }) => Err("init error after init".into()),
        None => Err("no answer in time".into()),
    }
}

/// The process's peak resident set so far (VmHWM), in KiB.
pub fn peak_kib(pid: u32) -> Result<u64, Error> {
    status_kib(pid, "VmHWM")
}

/// The process's resident set now (VmRSS), in KiB.
pub fn resident_kib(pid: u32) -> Result<u64, Error> {
    status_kib(pid, "VmRSS")
}

/// A memory figure of `/proc/<pid>/status`, in KiB.
fn status_kib(pid: u32, field: &str) -> Result<u64, Error> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no {field} in /proc/{pid}/status").into())
}
