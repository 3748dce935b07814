//! What operators see of every Frontdesk function, in the conventions of AWS Lambda Powertools:
//! JSON log lines (one per invocation, at INFO, carrying the request id and the X-Ray trace id),
//! CloudWatch metrics in Embedded Metric Format (per route, cold starts, and the business
//! figures), flushed to stdout once per invocation so CloudWatch turns them into metrics.
//!
//! Metrics go through the `metrics` facade, so any code records a figure with [`count`] without
//! knowing where it goes. Only a function running under a Lambda Runtime API installs the EMF
//! recorder; in the devserver and the tests the calls cost nothing and write nothing.
//!
//! Never log a secret, an API key, a token or a message body: the fields here are ids, names,
//! statuses and durations only.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use metrics_cloudwatch_embedded::Collector;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// The CloudWatch namespace of every metric (the dashboard and alarms in `template.yaml` read it).
pub const NAMESPACE: &str = "Frontdesk";

/// The metrics recorder, when this process runs as a Lambda function.
static COLLECTOR: OnceLock<&'static Collector> = OnceLock::new();
/// The crate name of the function this process runs (the `Function` dimension).
static FUNCTION: OnceLock<&'static str> = OnceLock::new();
/// Whether an invocation has begun in this process: the first one is the cold start.
static INVOKED: AtomicBool = AtomicBool::new(false);

/// The business figures are the application layer's, counted where they happen; this crate only
/// records them, with every other metric.
pub use usecases::figures::{Figure, count};

/// Sets up logging, and the EMF recorder when running under a Lambda Runtime API; call first in
/// `main`, with the function crate's name (`env!("CARGO_PKG_NAME")`).
///
/// Logs are JSON when Lambda's logging configuration asks for it (`AWS_LAMBDA_LOG_FORMAT=JSON`,
/// as `template.yaml` sets), plain text otherwise; the level comes from `AWS_LAMBDA_LOG_LEVEL`,
/// else `RUST_LOG`, else INFO.
pub fn init(function: &'static str) {
    init_logging(function);
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        install_recorder(function);
    }
}

/// Logging alone, for processes that are not a function (the devserver, which serves every
/// route in one process, and the benchmarks); `process` names them in each log line.
pub fn init_logging(process: &'static str) {
    let _ = FUNCTION.set(process);
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|level| level.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let filter = EnvFilter::builder()
        .with_default_directive(level.into())
        .from_env_lossy();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT")
        .is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .without_time();
    // Lambda stamps every line itself; a second clock would only disagree with it.
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}

fn install_recorder(function: &'static str) {
    let service = std::env::var("FRONTDESK_SERVICE").unwrap_or_else(|_| "frontdesk".to_owned());
    match metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(NAMESPACE)
        .with_dimension("Service", service)
        .init()
    {
        Ok(collector) => {
            let _ = COLLECTOR.set(collector);
            describe();
        }
        Err(error) => tracing::warn!(%error, function, "metrics are off: no recorder"),
    }
}

/// Units of the metrics, which EMF carries to CloudWatch.
fn describe() {
    for figure in Figure::ALL {
        metrics::describe_counter!(figure.name(), metrics::Unit::Count, figure.name());
    }
    for name in ["Requests", "Errors", "ClientErrors", "ColdStart"] {
        metrics::describe_counter!(name, metrics::Unit::Count, name);
    }
    metrics::describe_histogram!("Latency", metrics::Unit::Milliseconds, "Latency");
}

/// One invocation, from its start: whether it is the process's first, and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct Invocation {
    started: Instant,
    cold_start: bool,
}

impl Invocation {
    /// Starts timing an invocation; the first of the process counts a `ColdStart`.
    pub fn begin() -> Self {
        let cold_start = !INVOKED.swap(true, Ordering::Relaxed);
        if cold_start {
            let function = FUNCTION.get().copied().unwrap_or("unknown");
            metrics::counter!("ColdStart", "Function" => function).increment(1);
        }
        Self {
            started: Instant::now(),
            cold_start,
        }
    }

    pub fn cold_start(&self) -> bool {
        self.cold_start
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Milliseconds since the start, with microseconds, for log lines and metrics.
    pub fn elapsed_ms(&self) -> f64 {
        self.elapsed().as_secs_f64() * 1000.0
    }
}

/// Ends an invocation by an event source (a stream batch, a Kafka batch, a Lex turn): its one
/// log line, saying how many records it took and how many failed, and its metrics.
pub fn finish_batch(
    invocation: Invocation,
    context: &BatchContext<'_>,
    records: usize,
    failed: usize,
) {
    tracing::info!(
        function = function(),
        request_id = context.request_id,
        xray_trace_id = context.trace_id,
        source = context.source,
        records,
        failed,
        latency_ms = invocation.elapsed_ms(),
        cold_start = invocation.cold_start(),
        "batch"
    );
    flush(Some(context.request_id), context.trace_id);
}

/// Where an event-driven invocation came from, for its log line.
#[derive(Debug, Clone, Copy)]
pub struct BatchContext<'a> {
    pub request_id: &'a str,
    pub trace_id: Option<&'a str>,
    /// What invoked it: `dynamodb-stream`, `kafka`, `lex`.
    pub source: &'static str,
}

/// The process's name, as [`init`] or [`init_logging`] was given it.
pub fn function() -> &'static str {
    FUNCTION.get().copied().unwrap_or("unknown")
}

/// Records an HTTP request: `Requests`, `Errors` (5xx), `ClientErrors` (4xx) and `Latency`, per
/// route.
pub fn record_request(route: &str, status: u16, latency_ms: f64) {
    let route = route.to_owned();
    metrics::counter!("Requests", "Route" => route.clone()).increment(1);
    if status >= 500 {
        metrics::counter!("Errors", "Route" => route.clone()).increment(1);
    } else if status >= 400 {
        metrics::counter!("ClientErrors", "Route" => route.clone()).increment(1);
    }
    metrics::histogram!("Latency", "Route" => route).record(latency_ms);
}

/// Writes this invocation's metrics to stdout as EMF documents, tagged with its request id and
/// trace id; nothing when no recorder is installed. Call once at the end of each invocation.
pub fn flush(request_id: Option<&str>, trace_id: Option<&str>) {
    let Some(collector) = COLLECTOR.get() else {
        return;
    };
    for (name, value) in [("RequestId", request_id), ("TraceId", trace_id)] {
        match value {
            Some(value) => {
                collector.set_property(name, value.to_owned());
            }
            None => {
                collector.remove_property(name);
            }
        }
    }
    let stdout = std::io::stdout();
    if let Err(error) = collector.flush(stdout.lock()) {
        tracing::warn!(%error, "metrics could not be written");
    }
}
