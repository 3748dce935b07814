//! The one log line and the metrics of every HTTP invocation: request id, route, tenant, caller
//! kind, status, latency, cold start and X-Ray trace id, written once the answer is known
//! (whatever produced it: a handler, an extractor's rejection, a layer). What authenticated the
//! caller is recorded on the request's [`RequestFacts`] by the auth extractors as they run.

use std::sync::{Arc, Mutex};

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use domain::TenantId;
use lambda_http::RequestExt;

/// How a caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    ApiKey,
    Agent,
    /// A provider's webhook delivery, verified by its signature.
    Signature,
}

impl CallerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiKey => "api_key",
            Self::Agent => "agent",
            Self::Signature => "signature",
        }
    }
}

/// What became known about a request while it was handled, for its log line.
#[derive(Debug, Clone, Default)]
pub struct RequestFacts(Arc<Mutex<Facts>>);

#[derive(Debug, Clone, Default)]
struct Facts {
    tenant: Option<String>,
    caller: Option<CallerKind>,
}

impl RequestFacts {
    /// Records who the caller is once they are authenticated.
    pub fn caller(&self, tenant: &TenantId, kind: CallerKind) {
        if let Ok(mut facts) = self.0.lock() {
            facts.tenant = Some(tenant.to_string());
            facts.caller = Some(kind);
        }
    }

    /// Records the caller on the request's facts, when the request carries them (every router
    /// [`crate::finish`] built does).
    pub fn record(extensions: &axum::http::Extensions, tenant: &TenantId, kind: CallerKind) {
        if let Some(facts) = extensions.get::<Self>() {
            facts.caller(tenant, kind);
        }
    }

    fn snapshot(&self) -> Facts {
        self.0.lock().map(|facts| facts.clone()).unwrap_or_default()
    }
}

/// Middleware: times the request, lets the handler and extractors fill in its facts, then logs
/// the line and records the route's metrics.
pub async fn observe(mut request: Request, next: Next) -> Response {
    let invocation = telemetry::Invocation::begin();
    let route = format!(
        "{} {}",
        request.method(),
        request
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", MatchedPath::as_str)
    );
    let (request_id, trace_id) = match request.lambda_context_ref() {
        Some(context) => (
            Some(context.request_id.clone()),
            context.xray_trace_id.clone(),
        ),
        None => (None, None),
    };
    let facts = RequestFacts::default();
    request.extensions_mut().insert(facts.clone());

    let response = next.run(request).await;

    let status = response.status().as_u16();
    let latency_ms = invocation.elapsed_ms();
    let Facts { tenant, caller } = facts.snapshot();
    telemetry::record_request(&route, status, latency_ms);
    tracing::info!(
        function = telemetry::function(),
        request_id = request_id.as_deref(),
        xray_trace_id = trace_id.as_deref(),
        route = route.as_str(),
        tenant = tenant.as_deref(),
        caller = caller.map(CallerKind::as_str),
        status,
        latency_ms,
        cold_start = invocation.cold_start(),
        "request"
    );
    telemetry::flush(request_id.as_deref(), trace_id.as_deref());
    response
}
