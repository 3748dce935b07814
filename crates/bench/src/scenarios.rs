//! The requests the in-process measurements send, made from the sample events in `events/` so
//! they are the requests the documentation shows. A scenario can make each request new where
//! the route would otherwise take a shortcut on a repeat (a provider's message id seen before is
//! acknowledged without being stored again), so request `i` exercises the same path as the first.

use axum::body::Body;
use axum::http::Request;
use serde_json::Value;

use crate::Error;
use crate::stack::Stack;

/// How request `i` of a scenario differs from the sample event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variation {
    /// Every request is the sample itself.
    None,
    /// A Meta webhook delivery with a message id of its own, signed again with the account's
    /// secret as Meta would sign it.
    MetaMessageId,
    /// A request with an `Idempotency-Key` of its own, so it is not a retry of another.
    IdempotencyKey,
}

#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// Short name, used in the results and on the command line.
    pub name: &'static str,
    /// What it stands for, in the results' words.
    pub label: &'static str,
    /// The function crate that serves it (`hello` is the baseline router of the bench itself).
    pub function: &'static str,
    /// The sample event, under `events/`.
    pub file: &'static str,
    pub variation: Variation,
}

/// The routes whose per-request CPU and end-to-end latency are measured, and the baseline.
pub const MEASURED: [Scenario; 7] = [
    Scenario {
        name: "hello",
        label: "baseline: hello-world handler",
        function: "hello",
        file: "health/root.json",
        variation: Variation::None,
    },
    Scenario {
        name: "health",
        label: "GET /api/health",
        function: "health",
        file: "health/api-health.json",
        variation: Variation::None,
    },
    Scenario {
        name: "lead-capture",
        label: "POST /leads (lead capture)",
        function: "lead-capture",
        file: "lead-capture/capture-lead.json",
        variation: Variation::None,
    },
    Scenario {
        name: "ticket-get",
        label: "GET /api/tickets/{id} (ticket read, agent token)",
        function: "ticket-get",
        file: "ticket-get/get-ticket.json",
        variation: Variation::None,
    },
    Scenario {
        name: "ticket-create",
        label: "POST /api/tickets/create (ticket creation)",
        function: "ticket-create",
        file: "ticket-create/create-ticket.json",
        variation: Variation::None,
    },
    Scenario {
        name: "chatbot-chat",
        label: "POST /api/chatbot/chat (chat message, built-in assistant)",
        function: "chatbot-chat",
        file: "chatbot-chat/message.json",
        variation: Variation::None,
    },
    Scenario {
        name: "webhook-whatsapp",
        label: "POST /api/webhooks/whatsapp (signed delivery, one message)",
        function: "webhook-whatsapp",
        file: "webhook-whatsapp/text-message.json",
        variation: Variation::MetaMessageId,
    },
];

pub fn find(name: &str) -> Result<Scenario, Error> {
    MEASURED
        .iter()
        .find(|scenario| scenario.name == name)
        .copied()
        .ok_or_else(|| format!("no scenario {name}").into())
}

impl Scenario {
    /// The API Gateway event of request `i`: see [`Variation::apply`].
    pub fn event(&self, sample: &str, i: usize) -> Result<String, Error> {
        self.variation.apply(sample, i)
    }

    /// The sample event's text in this stack.
    pub fn sample(&self, stack: &Stack) -> Result<String, Error> {
        stack.event_text(self.file)
    }
}

impl Variation {
    /// What makes each request of a sample event new rather than a repeat of the sample: its
    /// `Idempotency-Key`, or a Meta delivery's message ids.
    pub fn needed_by(sample: &str) -> Result<Self, Error> {
        let event: Value = serde_json::from_str(sample)?;
        let headers = event["headers"].as_object();
        let has = |name: &str| {
            headers.is_some_and(|headers| headers.keys().any(|key| key.eq_ignore_ascii_case(name)))
        };
        let body = event["body"].as_str().unwrap_or_default();
        Ok(if has("idempotency-key") {
            Self::IdempotencyKey
        } else if has("x-hub-signature-256")
            && (body.contains("\"messages\"") || body.contains("\"messaging\""))
        {
            Self::MetaMessageId
        } else {
            Self::None
        })
    }

    /// The API Gateway event of request `i`, from the sample with the stack's placeholders
    /// filled. Request 0 is the sample itself; otherwise what the variation changes is unique to
    /// `i`, so each caller keeps to its own range of `i`.
    pub fn apply(self, sample: &str, i: usize) -> Result<String, Error> {
        if self == Self::None || i == 0 {
            return Ok(sample.to_owned());
        }
        let mut event: Value = serde_json::from_str(sample)?;
        if self == Self::IdempotencyKey {
            let headers = event["headers"]
                .as_object_mut()
                .ok_or("the sample has no headers")?;
            for (name, value) in headers.iter_mut() {
                if name.eq_ignore_ascii_case("idempotency-key") {
                    renumber(Some(value), i);
                }
            }
            return Ok(serde_json::to_string(&event)?);
        }
        let body = event["body"].as_str().ok_or("the sample has no body")?;
        let mut delivery: Value = serde_json::from_str(body)?;
        let mut account = None;
        // `get_mut`, not indexing: indexing a missing key would add it as `null`, which the
        // delivery's parser rightly refuses.
        for entry in delivery
            .get_mut("entry")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            // Messenger and Instagram name the account as the entry's id; WhatsApp in each
            // change's metadata.
            account = entry["id"].as_str().map(str::to_owned).or(account);
            for change in entry
                .get_mut("changes")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                account = change["value"]["metadata"]["phone_number_id"]
                    .as_str()
                    .map(str::to_owned)
                    .or(account);
                for message in change
                    .get_mut("value")
                    .and_then(|value| value.get_mut("messages"))
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    renumber(message.get_mut("id"), i);
                }
            }
            for event in entry
                .get_mut("messaging")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                renumber(
                    event
                        .get_mut("message")
                        .and_then(|message| message.get_mut("mid")),
                    i,
                );
            }
        }
        let account = account.ok_or("the sample names no phone number id")?;
        let secret = devserver::demo::CHANNEL_ACCOUNTS
            .iter()
            .find(|demo| demo.account_id == account)
            .ok_or_else(|| format!("no demo account {account}"))?
            .signing_secret;
        let body = serde_json::to_string(&delivery)?;
        event["headers"]["x-hub-signature-256"] =
            Value::String(channels::signature::sign_meta(secret, body.as_bytes()));
        event["body"] = Value::String(body);
        Ok(serde_json::to_string(&event)?)
    }
}

/// Makes a provider's message id or an idempotency key unique to request `i`.
fn renumber(id: Option<&mut Value>, i: usize) {
    if let Some(id) = id
        && let Some(text) = id.as_str()
    {
        *id = Value::String(format!("{text}.bench{i}"));
    }
}

/// An API Gateway event as the request lambda_http hands the router.
pub fn request(event: &str) -> Result<Request<Body>, Error> {
    let request = lambda_http::request::from_str(event)
        .map_err(|error| format!("not an API Gateway event: {error}"))?;
    Ok(request.map(Body::new))
}
