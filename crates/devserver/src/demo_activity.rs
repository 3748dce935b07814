//! Demo activity for `make dev`: a few tickets of the demo tenant `acme` on different channels and
//! in different states, a chatbot conversation handed over to a person, and leads at each stage of
//! the pipeline, so the agent console has something to work the first time it is opened. Made
//! through the API itself (the router, in process), so every item is exactly what a client would
//! have created, events included; made once, when the tenant has no ticket yet.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::demo;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Who makes a request: the tenant's website or chatbot (its API key), or a signed-in agent.
enum Caller<'a> {
    Key,
    Agent(&'a str),
}

struct Client<'a> {
    app: &'a Router,
    ana: &'a str,
}

impl Client<'_> {
    async fn send(
        &self,
        method: Method,
        path: &str,
        caller: Caller<'_>,
        body: Value,
    ) -> Result<Value, Error> {
        let mut request = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        request = match caller {
            Caller::Key => request.header("x-api-key", demo::TENANTS[0].api_key),
            Caller::Agent(token) => {
                request.header(header::AUTHORIZATION, format!("Bearer {token}"))
            }
        };
        let body = if method == Method::GET {
            Body::empty()
        } else {
            Body::from(body.to_string())
        };
        let response = self.app.clone().oneshot(request.body(body)?).await?;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!("{method} {path} answered {status}: {answer}").into());
        }
        Ok(answer)
    }

    async fn open_ticket(&self, ticket: Value) -> Result<String, Error> {
        let opened = self
            .send(Method::POST, "/api/tickets/create", Caller::Key, ticket)
            .await?;
        text(&opened, &["ticket_id"])
    }

    async fn reply(&self, ticket: &str, content: &str, visibility: &str) -> Result<(), Error> {
        let path = format!("/api/tickets/{ticket}/message");
        let body = json!({"content": content, "visibility": visibility});
        self.send(Method::POST, &path, Caller::Agent(self.ana), body)
            .await?;
        Ok(())
    }

    async fn customer_writes(&self, ticket: &str, content: &str) -> Result<(), Error> {
        let path = format!("/api/tickets/{ticket}/message");
        self.send(
            Method::POST,
            &path,
            Caller::Key,
            json!({"content": content}),
        )
        .await?;
        Ok(())
    }

    async fn change(&self, ticket: &str, change: Value) -> Result<(), Error> {
        let path = format!("/api/tickets/{ticket}");
        self.send(Method::PUT, &path, Caller::Agent(self.ana), change)
            .await?;
        Ok(())
    }

    async fn lead(&self, lead: Value, stage: Option<&str>) -> Result<(), Error> {
        let created = self
            .send(Method::POST, "/api/v1/lead/", Caller::Key, lead)
            .await?;
        if let Some(stage) = stage {
            let path = format!("/api/v1/lead/{}", text(&created, &["id"])?);
            self.send(
                Method::PATCH,
                &path,
                Caller::Agent(self.ana),
                json!({"status": stage}),
            )
            .await?;
        }
        Ok(())
    }
}

fn text(value: &Value, path: &[&str]) -> Result<String, Error> {
    path.iter()
        .fold(value, |value, key| &value[*key])
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no {} in {value}", path.join(".")).into())
}

/// Creates the demo activity through `app` unless the demo tenant has tickets already; `ana` is
/// a fresh ID token of the demo agent who answers. Returns whether anything was created.
pub async fn seed(app: &Router, ana: &str) -> Result<bool, Error> {
    let client = Client { app, ana };
    let existing = client
        .send(
            Method::GET,
            "/api/tickets/?limit=1",
            Caller::Agent(ana),
            Value::Null,
        )
        .await?;
    if existing["tickets"]
        .as_array()
        .is_some_and(|tickets| !tickets.is_empty())
    {
        return Ok(false);
    }

    // A WhatsApp customer whose parcel is late: answered, waiting on the customer.
    let parcel = client
        .open_ticket(json!({
            "source": {"channel": "whatsapp", "origin_platform_id": "+34600111222"},
            "customer": {"name": "Lucía Romero", "channel_identity": "+34600111222"},
            "subject": "Order #1042 never arrived",
            "initial_message": "Hi, my order #1042 should have arrived on Monday and it has not.",
            "priority": "high",
            "tags": ["shipping"],
        }))
        .await?;
    client
        .reply(
            &parcel,
            "The carrier lost track of it at the depot; we are sending a replacement.",
            "internal",
        )
        .await?;
    client
        .reply(&parcel, "Sorry about that, Lucía! A replacement ships today; you will get the tracking number by WhatsApp.", "public")
        .await?;
    client
        .change(&parcel, json!({"status": "pending_customer"}))
        .await?;

    // An email nobody has picked up yet.
    client
        .open_ticket(json!({
            "source": {"channel": "email", "origin_platform_id": "paul.meyer@example.com"},
            "customer": {
                "name": "Paul Meyer",
                "primary_email": "paul.meyer@example.com",
                "channel_identity": "paul.meyer@example.com",
            },
            "subject": "Invoice for March is missing",
            "initial_message": "Could you send me the invoice for my March order? I cannot find it in my account.",
            "priority": "medium",
            "tags": ["billing"],
        }))
        .await?;

    // A web chat answered and resolved, then the customer wrote again: open once more.
    let address = client
        .open_ticket(json!({
            "source": {"channel": "web_chat", "origin_platform_id": "visitor-7"},
            "customer": {"name": "Sam Okafor", "channel_identity": "visitor-7"},
            "subject": "Change of delivery address",
            "initial_message": "Can I still change the delivery address of my order?",
            "priority": "low",
        }))
        .await?;
    client
        .reply(
            &address,
            "Yes, as long as it has not shipped. I have changed it for you.",
            "public",
        )
        .await?;
    client
        .change(&address, json!({"status": "resolved"}))
        .await?;
    client
        .customer_writes(
            &address,
            "Thanks! One more thing: can you deliver after 6 pm?",
        )
        .await?;

    // A chatbot conversation that asked for a person: a lead with its conversation, and a
    // ticket with the transcript that links to it.
    let session = client
        .send(Method::POST, "/api/chatbot/session", Caller::Key, json!({}))
        .await?;
    let session_id = text(&session, &["sessionId"])?;
    for message in [
        "Hi! I'm planning a two-week trek in Patagonia. Which tent would you recommend?",
        "I'm Marta Silva, marta.silva@example.com. How much is the Ridgeline 2?",
    ] {
        client
            .send(
                Method::POST,
                "/api/chatbot/chat",
                Caller::Key,
                json!({"sessionId": session_id, "message": message}),
            )
            .await?;
    }
    client
        .send(
            Method::POST,
            "/api/webhooks/chatbot",
            Caller::Key,
            json!({
                "session_id": session_id,
                "customer_email": "marta.silva@example.com",
                "customer_name": "Marta Silva",
                "initial_message": "Could someone tell me if the Ridgeline 2 holds up in strong wind?",
                "transcript": [
                    {"role": "user", "content": "Which tent would you recommend for Patagonia?"},
                    {"role": "assistant", "content": "The Ridgeline 2 is our sturdiest two-person tent."},
                ],
            }),
        )
        .await?;

    // Leads further down the pipeline.
    client
        .lead(
            json!({"name": "Tom Becker", "email": "tom.becker@example.com", "source": "website", "intent": "WARM"}),
            Some("contacted"),
        )
        .await?;
    client
        .lead(
            json!({"name": "Lena Fischer", "email": "lena.fischer@example.com", "phone": "+491701234567", "source": "website", "intent": "HOT"}),
            Some("qualified"),
        )
        .await?;
    client
        .lead(
            json!({"name": "Omar Haddad", "email": "omar.haddad@example.com", "source": "website", "intent": "HOT"}),
            Some("converted"),
        )
        .await?;
    client
        .lead(
            json!({"name": "Kim Larsen", "phone": "+4520123456", "source": "website", "intent": "COLD"}),
            None,
        )
        .await?;
    Ok(true)
}
