//! DynamoDB round trips per API call: every route of the OpenAPI document is called in its
//! success path, through the devserver's router against moto, and the DynamoDB client's
//! interceptor counts what each call sent: reads, writes, transactions, and any Scan.

use std::sync::Arc;

use axum::http::{HeaderMap, header};
use serde_json::{Value, json};
use usecases::conversations::ChatLimits;

use crate::Error;
use crate::calls::{Call, CallKind, CallLog};
use crate::scenarios::{self, Variation};
use crate::stack::{Stack, send};

/// One call of the script: a sample event, possibly changed (a path, a query) to reach a route
/// that has no sample of its own.
struct Step {
    file: &'static str,
    /// Replaces the event's `rawPath` (and its `requestContext.http.path`).
    path: Option<&'static str>,
    /// Replaces the event's `rawQueryString`.
    query: Option<&'static str>,
    variation: Variation,
    /// What distinguishes this call from an earlier one of the same route.
    note: &'static str,
}

const fn sample(file: &'static str) -> Step {
    Step {
        file,
        path: None,
        query: None,
        variation: Variation::None,
        note: "",
    }
}

/// In order: later calls rely on what earlier ones (and the stack's preparation) wrote.
const SCRIPT: &[Step] = &[
    Step {
        note: "new user",
        ..sample("lead-capture/capture-lead.json")
    },
    Step {
        note: "known user",
        ..sample("lead-capture/capture-lead.json")
    },
    sample("lead-update-conversation/second-conversation.json"),
    sample("user-conversations/known-user.json"),
    sample("health/root.json"),
    sample("health/health.json"),
    sample("health/api-health.json"),
    sample("health/api-ready.json"),
    sample("api-docs/openapi-json.json"),
    sample("api-docs/swagger-ui.json"),
    Step {
        path: Some("/api/redoc"),
        ..sample("api-docs/swagger-ui.json")
    },
    sample("ticket-create/create-ticket.json"),
    sample("ticket-get/get-ticket.json"),
    sample("ticket-add-message/agent-reply.json"),
    sample("ticket-status/poll-status.json"),
    sample("ticket-assign/assign-to-ana.json"),
    sample("ticket-update/resolve.json"),
    sample("ticket-list/resolved-tickets.json"),
    sample("customer-get/get-customer.json"),
    sample("customer-tickets/customer-tickets.json"),
    sample("webhook-whatsapp/handshake.json"),
    Step {
        note: "first message of a new customer",
        ..sample("webhook-whatsapp/text-message.json")
    },
    Step {
        variation: Variation::MetaMessageId,
        note: "next message, open ticket",
        ..sample("webhook-whatsapp/text-message.json")
    },
    // Seed 001's WhatsApp path: the assistant answers the sender on their lead.
    Step {
        path: Some("/api/v1/webhook/whatsapp"),
        variation: Variation::MetaMessageId,
        ..sample("webhook-whatsapp/text-message.json")
    },
    Step {
        path: Some("/api/v1/webhook/whatsapp"),
        query: Some(
            "hub.mode=subscribe&hub.verify_token=local-whatsapp-verify-token&hub.challenge=1158201444",
        ),
        ..sample("webhook-whatsapp/handshake.json")
    },
    sample("webhook-facebook/handshake.json"),
    sample("webhook-facebook/message.json"),
    sample("webhook-instagram/message.json"),
    Step {
        path: Some("/api/webhooks/instagram"),
        variation: Variation::MetaMessageId,
        ..sample("webhook-instagram/message.json")
    },
    Step {
        path: Some("/api/v1/webhook/instagram"),
        query: Some(
            "hub.mode=subscribe&hub.verify_token=local-instagram-verify-token&hub.challenge=42",
        ),
        ..sample("webhook-facebook/handshake.json")
    },
    Step {
        path: Some("/api/webhooks/instagram"),
        query: Some(
            "hub.mode=subscribe&hub.verify_token=local-instagram-verify-token&hub.challenge=42",
        ),
        ..sample("webhook-facebook/handshake.json")
    },
    sample("webhook-twitter/crc.json"),
    sample("webhook-twitter/direct-message.json"),
    sample("webhook-chatbot/handoff.json"),
    sample("chat-respond/hot-visitor.json"),
    sample("lead-create/create-lead.json"),
    sample("lead-get/get-lead.json"),
    sample("lead-update/mark-contacted.json"),
    sample("lead-list/contacted-leads.json"),
    sample("analytics-summary/summary.json"),
    sample("ticket-counts/counts.json"),
    sample("agent-list/list-agents.json"),
    sample("chatbot-session/new-session.json"),
    sample("chatbot-session-internal/new-session.json"),
    sample("chatbot-chat/message.json"),
    sample("chatbot-chat-internal/message.json"),
    sample("widget-script/get-widget.json"),
    sample("console/get-page.json"),
    sample("console/get-config.json"),
    sample("console/get-script.json"),
];

/// The event text of a step in `stack`.
fn event(stack: &Stack, step: &Step) -> Result<String, Error> {
    let text = stack.event_text(step.file)?;
    let mut event: Value = serde_json::from_str(&step.variation.apply(&text, 1)?)?;
    if let Some(path) = step.path {
        event["rawPath"] = Value::String(path.to_owned());
        event["requestContext"]["http"]["path"] = Value::String(path.to_owned());
    }
    if let Some(query) = step.query {
        event["rawQueryString"] = Value::String(query.to_owned());
        event["queryStringParameters"] = form_pairs(query);
    }
    Ok(serde_json::to_string(&event)?)
}

fn form_pairs(query: &str) -> Value {
    let map: serde_json::Map<String, Value> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.to_owned(), Value::String(value.to_owned())))
        .collect();
    Value::Object(map)
}

/// Every (method, path) of the OpenAPI document, e.g. `("POST", "/leads")`.
fn documented_routes() -> Result<Vec<(String, String)>, Error> {
    let document = api_docs::document();
    let mut routes = Vec::new();
    for (path, item) in document["paths"].as_object().ok_or("no paths")? {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                routes.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    Ok(routes)
}

/// Whether a concrete path matches an OpenAPI template (`{id}` takes one segment).
fn matches(template: &str, path: &str) -> bool {
    let template: Vec<&str> = template.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    template.len() == path.len()
        && template
            .iter()
            .zip(&path)
            .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}') && !p.is_empty()))
}

pub async fn measure(stack: &Stack) -> Result<Value, Error> {
    let log = CallLog::default();
    let backend = store::Backend::connect_with(stack.backend.tables.clone(), |config| {
        config.interceptor(log.clone())
    })
    .await;
    let chat = wiring::chat::chat_service(
        &backend,
        Arc::new(assistant::BuiltIn),
        ChatLimits::unlimited(),
    );
    let app = devserver::app(&backend, &stack.agents, chat);
    let tables = &stack.backend.tables;
    let documented = documented_routes()?;
    let mut covered = Vec::new();
    let mut rows = Vec::new();
    for step in SCRIPT {
        let text = event(stack, step)?;
        let request = scenarios::request(&text)?;
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let carries_key = carries_api_key(request.headers());
        log.take();
        let (status, body) = send(&app, request).await;
        let calls = log.take();
        let route = documented
            .iter()
            .find(|(m, template)| *m == method.as_str() && matches(template, &path))
            .map(|(_, template)| template.clone())
            // `/api/tickets/` is documented without its trailing slash.
            .unwrap_or_else(|| path.clone());
        covered.push((method.to_string(), route.clone()));
        let count = |kind: CallKind| calls.iter().filter(|call| call.kind() == kind).count();
        // Reads of what a function instance remembers for a minute (the caller's API key, channel
        // accounts, tenant profiles) are counted apart: a warm instance does not repeat them. A
        // read of the keys table by a call without a key is the readiness check, not a lookup.
        let cached_lookups = calls
            .iter()
            .filter(|call| call.kind() == CallKind::Read)
            .filter(|call| {
                call.tables.iter().any(|table| {
                    (carries_key && table == &tables.api_keys)
                        || table == &tables.channel_accounts
                        || table == &tables.tenants
                })
            })
            .count();
        let short = |call: &Call| {
            let tables: Vec<String> = call
                .tables
                .iter()
                .map(|table| short_table(table, stack))
                .collect();
            format!("{}({})", call.operation, tables.join(", "))
        };
        rows.push(json!({
            "method": method.as_str(),
            "route": route,
            "function": step.file.split('/').next(),
            "request": step.file,
            "note": step.note,
            "status": status.as_u16(),
            "answer": summarise(&body),
            "reads": count(CallKind::Read) - cached_lookups,
            "cached_lookups": cached_lookups,
            "writes": count(CallKind::Write),
            "transactions": count(CallKind::Transaction),
            "scans": count(CallKind::Scan),
            "other": count(CallKind::Other),
            "calls": calls.iter().map(short).collect::<Vec<_>>(),
        }));
    }
    let missing: Vec<Value> = documented
        .iter()
        .filter(|(method, route)| {
            !covered
                .iter()
                .any(|(m, r)| m == method && (r == route || r.trim_end_matches('/') == route))
        })
        .map(|(method, route)| json!(format!("{method} {route}")))
        .collect();
    Ok(json!({ "routes": rows, "not_exercised": missing }))
}

/// Whether a request carries a tenant API key (`X-Api-Key`, or a bearer credential that is not
/// a JWT, whose three parts are separated by dots).
fn carries_api_key(headers: &HeaderMap) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    headers.contains_key("x-api-key") || bearer.is_some_and(|token| token.matches('.').count() != 2)
}

/// A table's name without the stack's prefix (`frontdesk-local-Tickets` → `Tickets`).
fn short_table(table: &str, stack: &Stack) -> String {
    let (name, index) = table.split_once(':').unwrap_or((table, ""));
    let short = stack
        .backend
        .tables
        .specs()
        .iter()
        .find(|(_, actual)| *actual == name)
        .map(|(spec, _)| spec.logical_id.trim_end_matches("Table").to_owned())
        .unwrap_or_else(|| name.to_owned());
    if index.is_empty() {
        short
    } else {
        format!("{short}:{index}")
    }
}

/// A few words of what a route answered, enough to see it took its success path.
fn summarise(body: &Value) -> String {
    let text = match body {
        Value::Null => "(not JSON)".to_owned(),
        other => other.to_string(),
    };
    text.chars().take(80).collect()
}
