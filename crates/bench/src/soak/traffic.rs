//! The soak's traffic: clients that each act as a website, a chatbot, a messaging provider and
//! a support agent of one demo tenant, taking turns at what those send, one request at a time,
//! every answer checked against the contract and tallied by kind.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::Client as CognitoClient;
use devserver::cognito::{self, LocalPool};
use devserver::demo::{self, DemoChannelAccount, DemoTenant};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::Error;
use crate::stack::Stack;
use crate::stats::millis;

/// ID tokens last an hour; a client signs in again well before.
const TOKEN_AGE: Duration = Duration::from_secs(30 * 60);
/// How many failures are described in the report (all are counted).
const DESCRIBED_FAILURES: usize = 20;

/// Starts `count` clients against the devserver at `base`, alternating the demo tenants; they
/// tally into `tally` and stop at their next request once `stop` is set.
pub(super) async fn start(
    count: usize,
    stack: &Stack,
    http: &reqwest::Client,
    base: &str,
    tally: &Arc<Mutex<Tally>>,
    stop: &Arc<AtomicBool>,
) -> Result<Vec<JoinHandle<()>>, Error> {
    let mut clients = Vec::new();
    for n in 0..count {
        let tenant = demo::TENANTS[n % demo::TENANTS.len()];
        let agent = demo::AGENTS
            .into_iter()
            .find(|agent| agent.tenant == tenant.tenant && agent.group.is_some())
            .ok_or("a demo tenant has no agent")?;
        let account = demo::CHANNEL_ACCOUNTS
            .into_iter()
            .find(|account| {
                account.tenant == tenant.tenant
                    && account.channel == domain::ticket::Channel::Whatsapp
            })
            .ok_or("a demo tenant has no WhatsApp number")?;
        let mut client = Client {
            n,
            cycle: 0,
            http: http.clone(),
            base: base.to_owned(),
            tenant,
            account,
            agent: Agent {
                username: agent.username,
                token: stack.token(agent.username).await?,
                signed_in: Instant::now(),
            },
            cognito: (stack.cognito.clone(), stack.pool.clone()),
            tally: tally.clone(),
            stop: stop.clone(),
        };
        clients.push(tokio::spawn(async move { client.drive().await }));
    }
    Ok(clients)
}

/// Every request's outcome, by kind.
#[derive(Default)]
pub(super) struct Tally {
    pub kinds: BTreeMap<&'static str, KindTally>,
    /// The first failures, described.
    pub failures: Vec<String>,
    /// Replies to customers on WhatsApp that outbound delivery must send, once each.
    pub outbound_expected: usize,
}

#[derive(Default)]
pub(super) struct KindTally {
    pub requests: usize,
    pub errors: usize,
    /// The time of every answered request.
    pub ms: Vec<f64>,
}

impl Tally {
    /// Requests sent and failed so far.
    pub fn totals(&self) -> (usize, usize) {
        self.kinds
            .values()
            .fold((0, 0), |(requests, errors), kind| {
                (requests + kind.requests, errors + kind.errors)
            })
    }

    fn fail(&mut self, kind: &'static str, description: String) {
        self.kinds.entry(kind).or_default().errors += 1;
        if self.failures.len() < DESCRIBED_FAILURES {
            self.failures.push(description);
        }
    }
}

/// Why a client's flow ended early.
enum Halt {
    /// A request failed (it is in the tally); the flow's next steps depend on it.
    Failed,
    /// The soak is over.
    Stopped,
}

struct Agent {
    username: &'static str,
    token: String,
    signed_in: Instant,
}

/// One client of the soak: a website, a chatbot, a provider and an agent of one tenant, taking
/// turns, one request at a time.
struct Client {
    n: usize,
    cycle: usize,
    http: reqwest::Client,
    base: String,
    tenant: DemoTenant,
    /// The tenant's WhatsApp number.
    account: DemoChannelAccount,
    agent: Agent,
    cognito: (CognitoClient, LocalPool),
    tally: Arc<Mutex<Tally>>,
    stop: Arc<AtomicBool>,
}

/// How many flows a client takes turns at (see [`Client::drive`]).
const FLOWS: usize = 7;

const OK: StatusCode = StatusCode::OK;
const CREATED: StatusCode = StatusCode::CREATED;
const IDEMPOTENCY_KEY: &str = "idempotency-key";

impl Client {
    /// Takes turns at every flow until the soak is over, each client starting at another, so
    /// that at any moment the stack serves a mix. A failed flow is counted and the next one
    /// starts.
    async fn drive(&mut self) {
        let mut turn = self.n;
        while !self.stop.load(Ordering::Relaxed) {
            if turn.is_multiple_of(FLOWS) {
                self.cycle += 1;
            }
            self.refresh_agent().await;
            let _ = match turn % FLOWS {
                0 => self.widget_chat().await,
                1 => self.chat_respond().await,
                2 => self.lead_capture().await,
                3 => self.lead_api().await,
                4 => self.api_ticket().await,
                5 => self.whatsapp_ticket().await,
                _ => self.whatsapp_lead().await,
            };
            turn += 1;
        }
    }

    /// What makes this turn's records the client's own.
    fn id(&self) -> String {
        format!("{}-{}", self.n, self.cycle)
    }

    /// A phone number of this turn's customer; `prefix` keeps the flows' customers apart.
    fn phone(&self, prefix: u32) -> String {
        format!("{prefix}{:02}{:07}", self.n, self.cycle)
    }

    /// Signs the agent in again when the token is getting old; a failed sign-in is counted and
    /// tried again next turn.
    async fn refresh_agent(&mut self) {
        if self.agent.signed_in.elapsed() < TOKEN_AGE {
            return;
        }
        let (client, pool) = &self.cognito;
        match cognito::id_token(client, pool, self.agent.username).await {
            Ok(token) => {
                self.agent.token = token;
                self.agent.signed_in = Instant::now();
            }
            Err(error) => {
                self.mismatch("agent sign-in", format!("signing in: {error}"));
            }
        }
    }

    fn at(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// As a website or chatbot of the tenant: its API key in `X-Api-Key`.
    fn with_key(&self, method: Method, path: &str) -> RequestBuilder {
        self.at(method, path)
            .header("x-api-key", self.tenant.api_key)
    }

    /// As the chat widget: the API key as a bearer token.
    fn as_widget(&self, method: Method, path: &str) -> RequestBuilder {
        self.at(method, path).bearer_auth(self.tenant.api_key)
    }

    /// As the tenant's support agent, signed in with Cognito.
    fn as_agent(&self, method: Method, path: &str) -> RequestBuilder {
        self.at(method, path).bearer_auth(&self.agent.token)
    }

    /// A WhatsApp Cloud API delivery of one text message to the tenant's number, signed with the
    /// number's app secret as Meta signs it.
    fn whatsapp(&self, path: &str, from: &str, message_id: &str, text: &str) -> RequestBuilder {
        let delivery = json!({
            "object": "whatsapp_business_account",
            "entry": [{
                "id": "102290129340398",
                "changes": [{
                    "field": "messages",
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {
                            "display_phone_number": "15550783881",
                            "phone_number_id": self.account.account_id,
                        },
                        "contacts": [{"profile": {"name": format!("Customer {from}")}, "wa_id": from}],
                        "messages": [{
                            "from": from,
                            "id": message_id,
                            "timestamp": (usecases::clock::now_ms() / 1000).to_string(),
                            "type": "text",
                            "text": {"body": text},
                        }],
                    },
                }],
            }],
        });
        let body = delivery.to_string();
        let signature =
            channels::signature::sign_meta(self.account.signing_secret, body.as_bytes());
        self.at(Method::POST, path)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body)
    }

    /// Sends `request` and checks its status is `expected`; the answer's JSON (`Null` if none).
    async fn expect(
        &self,
        kind: &'static str,
        request: RequestBuilder,
        expected: StatusCode,
    ) -> Result<Value, Halt> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(Halt::Stopped);
        }
        let started = Instant::now();
        let answer = async {
            let response = request.send().await?;
            let status = response.status();
            Ok::<_, reqwest::Error>((status, response.bytes().await?))
        }
        .await;
        let ms = millis(started.elapsed());
        let mut tally = self.tally.lock().unwrap_or_else(|p| p.into_inner());
        let entry = tally.kinds.entry(kind).or_default();
        entry.requests += 1;
        match answer {
            Ok((status, bytes)) => {
                entry.ms.push(ms);
                let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                if status == expected {
                    return Ok(body);
                }
                // Error answers name their problem in `code` and a message key; nothing else of
                // an answer is repeated in the report.
                let why = ["code", "message", "detail", "error"]
                    .iter()
                    .filter_map(|key| body[*key].as_str())
                    .collect::<Vec<_>>()
                    .join(": ");
                tally.fail(
                    kind,
                    format!("{kind}: {status}, expected {expected} ({why})"),
                );
            }
            Err(error) => tally.fail(kind, format!("{kind}: no answer ({error})")),
        }
        Err(Halt::Failed)
    }

    /// Counts an answer with the expected status that says something the contract does not.
    fn mismatch(&self, kind: &'static str, what: String) -> Halt {
        self.tally
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .fail(kind, format!("{kind}: {what}"));
        Halt::Failed
    }

    fn check(&self, kind: &'static str, holds: bool, what: &str) -> Result<(), Halt> {
        if holds {
            Ok(())
        } else {
            Err(self.mismatch(kind, what.to_owned()))
        }
    }

    fn text(&self, kind: &'static str, answer: &Value, path: &[&str]) -> Result<String, Halt> {
        path.iter()
            .fold(answer, |value, key| &value[*key])
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| self.mismatch(kind, format!("no {} in the answer", path.join("."))))
    }

    /// The widget: a session, two messages with an idempotent retry and a refused reuse of a
    /// key, the session resumed with its history, and a handoff to a person, sent twice.
    async fn widget_chat(&mut self) -> Result<(), Halt> {
        let id = self.id();
        let kind = "widget: new session";
        let session = self
            .expect(
                kind,
                self.as_widget(Method::POST, "/api/chatbot/session")
                    .json_body(&json!({})),
                OK,
            )
            .await?;
        let session_id = self.text(kind, &session, &["sessionId"])?;
        let lead_id = self.text(kind, &session, &["leadId"])?;
        let chat = |key: &str, message: &str| {
            self.as_widget(Method::POST, "/api/chatbot/chat")
                .header(IDEMPOTENCY_KEY, key)
                .json_body(&json!({"sessionId": session_id, "message": message}))
        };
        let first_key = format!("soak-widget-{id}-1");
        let first = format!("Hi! Do you have a tent for {} people?", 2 + self.cycle % 4);
        let answer = self
            .expect("widget: chat message", chat(&first_key, &first), OK)
            .await?;
        let kind = "widget: retry, same key and body";
        let again = self.expect(kind, chat(&first_key, &first), OK).await?;
        self.check(kind, again == answer, "not the first answer")?;
        self.expect(
            "widget: same key, another body (422)",
            chat(&first_key, "Something else entirely"),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await?;
        let second =
            format!("I'm Visitor {id}, visitor.{id}@example.com, I want to buy one this week");
        self.expect(
            "widget: chat message",
            chat(&format!("soak-widget-{id}-2"), &second),
            OK,
        )
        .await?;
        let kind = "widget: resume session";
        let resumed = self
            .expect(
                kind,
                self.as_widget(Method::POST, "/api/chatbot/session")
                    .json_body(&json!({"sessionId": session_id})),
                OK,
            )
            .await?;
        let history = resumed["messages"].as_array().map_or(0, Vec::len);
        self.check(
            kind,
            history == 4,
            &format!("{history} messages in the history, not the 2 sent and their 2 replies"),
        )?;
        let handoff = json!({
            "session_id": session_id,
            "customer_name": format!("Visitor {id}"),
            "customer_email": format!("visitor.{id}@example.com"),
            "initial_message": "I would like to talk to a person",
            "transcript": [{"role": "user", "content": first}, {"role": "user", "content": second}],
            "lead_id": lead_id,
        });
        let kind = "handoff: chatbot hands over";
        let ticket = self
            .expect(
                kind,
                self.with_key(Method::POST, "/api/webhooks/chatbot")
                    .json_body(&handoff),
                OK,
            )
            .await?;
        let ticket_id = self.text(kind, &ticket, &["ticket_id"])?;
        let kind = "handoff: handed over again (same ticket)";
        let again = self
            .expect(
                kind,
                self.with_key(Method::POST, "/api/webhooks/chatbot")
                    .json_body(&handoff),
                OK,
            )
            .await?;
        self.check(
            kind,
            again["ticket_id"].as_str() == Some(ticket_id.as_str()),
            "another ticket for the same session",
        )
    }

    /// Seed 001's assistant: a visitor's two messages, an idempotent retry and a refused reuse.
    async fn chat_respond(&mut self) -> Result<(), Halt> {
        let id = self.id();
        let user = format!("soak_visitor_{id}");
        let respond = |key: &str, message: &str| {
            self.with_key(Method::POST, "/api/v1/chat/respond")
                .header(IDEMPOTENCY_KEY, key)
                .json_body(&json!({"message": message, "user_id": user, "source": "website"}))
        };
        let first_key = format!("soak-respond-{id}-1");
        let first = "Hello, what do you sell?";
        let answer = self
            .expect("respond: message", respond(&first_key, first), OK)
            .await?;
        let kind = "respond: retry, same key and body";
        let again = self.expect(kind, respond(&first_key, first), OK).await?;
        self.check(kind, again == answer, "not the first answer")?;
        let second_key = format!("soak-respond-{id}-2");
        let second = format!("I'm Ana {id}, ana.{id}@example.com, I want to buy 3 units this week");
        self.expect("respond: message", respond(&second_key, &second), OK)
            .await?;
        self.expect(
            "respond: same key, another body (422)",
            respond(&second_key, "Never mind"),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await?;
        Ok(())
    }

    /// Seed 000's lead form: a new lead, another conversation, the known lead again, and what is
    /// known about the user.
    async fn lead_capture(&mut self) -> Result<(), Halt> {
        let id = self.id();
        let user = format!("soak_user_{id}");
        let conversations: Vec<String> = ["a", "b", "c"]
            .iter()
            .map(|suffix| format!("conv_{id}_{suffix}"))
            .collect();
        let capture = |conversation: &str, city: &str| {
            self.with_key(Method::POST, "/leads").json_body(&json!({
                "leadData": {
                    "name": format!("Lead {id}"),
                    "email": format!("lead.{id}@example.com"),
                    "phone": format!("+{}", self.phone(3460)),
                    "city": city,
                    "userId": user,
                },
                "conversationId": conversation,
            }))
        };
        self.expect(
            "capture: new lead",
            capture(&conversations[0], "Madrid"),
            OK,
        )
        .await?;
        self.expect(
            "capture: another conversation",
            self.as_widget(Method::POST, "/leads/update-conversation")
                .json_body(&json!({"userId": user, "conversationId": conversations[1]})),
            OK,
        )
        .await?;
        self.expect(
            "capture: known lead",
            capture(&conversations[2], "Sevilla"),
            OK,
        )
        .await?;
        let kind = "capture: the user's conversations";
        let known = self
            .expect(
                kind,
                self.with_key(Method::GET, &format!("/users/{user}/conversations")),
                OK,
            )
            .await?;
        self.check(
            kind,
            known["allConversationIds"] == json!(conversations),
            "not every conversation once, in order",
        )
    }

    /// Seed 001's lead API: a lead created, read and moved on by an agent, and the analytics.
    async fn lead_api(&mut self) -> Result<(), Halt> {
        let id = self.id();
        let kind = "lead: create";
        let lead = self
            .expect(
                kind,
                self.with_key(Method::POST, "/api/v1/lead/")
                    .header(IDEMPOTENCY_KEY, format!("soak-lead-{id}"))
                    .json_body(&json!({
                        "name": format!("Lead {id}"),
                        "email": format!("lead.{id}@example.com"),
                        "phone": format!("+{}", self.phone(1234)),
                        "source": "website",
                        "intent": "WARM",
                    })),
                CREATED,
            )
            .await?;
        let lead_id = self.text(kind, &lead, &["id"])?;
        self.expect(
            "lead: get",
            self.with_key(Method::GET, &format!("/api/v1/lead/{lead_id}")),
            OK,
        )
        .await?;
        self.expect(
            "lead: status change (agent)",
            self.as_agent(Method::PATCH, &format!("/api/v1/lead/{lead_id}"))
                .json_body(&json!({"status": "contacted"})),
            OK,
        )
        .await?;
        self.expect(
            "analytics: summary",
            self.with_key(Method::GET, "/api/v1/analytics/summary"),
            OK,
        )
        .await?;
        Ok(())
    }

    /// Seed 004's desk: a website opens a ticket with the API key, an agent replies and notes,
    /// the customer answers, the chatbot polls, the agent resolves, the customer reopens it, the
    /// agent closes it, and a message after the close is refused; then the listings.
    async fn api_ticket(&mut self) -> Result<(), Halt> {
        let id = self.id();
        let kind = "ticket: create (API key)";
        let ticket = self
            .expect(
                kind,
                self.with_key(Method::POST, "/api/tickets/create")
                    .json_body(&json!({
                        "source": {"channel": "web_chat"},
                        "customer": {
                            "name": format!("Visitor {id}"),
                            "primary_email": format!("visitor.{id}@example.com"),
                            "channel_identity": format!("soak-session-{id}"),
                        },
                        "subject": format!("Order #{id} is late"),
                        "initial_message": "Where is my order?",
                        "priority": "medium",
                        "tags": ["soak"],
                    })),
                CREATED,
            )
            .await?;
        let ticket_id = self.text(kind, &ticket, &["ticket_id"])?;
        let customer_id = self.text(kind, &ticket, &["customer", "internal_id"])?;
        let path = format!("/api/tickets/{ticket_id}");
        self.expect(
            "ticket: read (API key)",
            self.with_key(Method::GET, &path),
            OK,
        )
        .await?;
        self.agent_reply_and_note(&ticket_id).await?;
        let customer_writes = || {
            self.with_key(Method::POST, &format!("{path}/message"))
                .json_body(&json!({"content": "Thank you, I will wait."}))
        };
        self.expect("ticket: customer message", customer_writes(), OK)
            .await?;
        let kind = "ticket: status poll (API key)";
        let status = self
            .expect(
                kind,
                self.with_key(Method::GET, &format!("{path}/status")),
                OK,
            )
            .await?;
        self.check(
            kind,
            status["has_agent_reply"] == json!(true),
            "no agent reply after the agent replied",
        )?;
        self.set_status(&ticket_id, "resolved").await?;
        let kind = "ticket: customer message";
        let reopened = self.expect(kind, customer_writes(), OK).await?;
        self.check(
            kind,
            reopened["status"] == json!("open"),
            "a resolved ticket the customer wrote on was not reopened",
        )?;
        self.set_status(&ticket_id, "closed").await?;
        self.expect(
            "ticket: message on a closed ticket (409)",
            customer_writes(),
            StatusCode::CONFLICT,
        )
        .await?;
        self.expect(
            "listing: a customer's tickets",
            self.as_agent(
                Method::GET,
                &format!("/api/customers/{customer_id}/tickets"),
            ),
            OK,
        )
        .await?;
        self.expect(
            "listing: open tickets",
            self.as_agent(Method::GET, "/api/tickets/?status=open&limit=20"),
            OK,
        )
        .await?;
        Ok(())
    }

    /// Seed 004's WhatsApp path: a customer writes (the delivery repeated by the provider), the
    /// agent finds the ticket, replies (sent to the customer by outbound delivery) and notes,
    /// the customer writes again, the agent resolves and closes it.
    async fn whatsapp_ticket(&mut self) -> Result<(), Halt> {
        let id = self.id();
        let phone = self.phone(1555);
        let path = "/api/webhooks/whatsapp";
        let first = || {
            self.whatsapp(
                path,
                &phone,
                &format!("wamid.soak-{id}-1"),
                "Hi! Does the blue jacket come in size M?",
            )
        };
        let kind = "webhook: WhatsApp message (tickets)";
        let taken = self.expect(kind, first(), OK).await?;
        self.check(kind, taken["messages"] == json!(1), "the message not taken")?;
        let kind = "webhook: repeated delivery (tickets)";
        let repeated = self.expect(kind, first(), OK).await?;
        self.check(
            kind,
            repeated["duplicates"] == json!(1) && repeated["messages"] == json!(0),
            "a repeated message taken again",
        )?;
        let kind = "listing: WhatsApp tickets";
        let listed = self
            .expect(
                kind,
                self.as_agent(Method::GET, "/api/tickets/?channel=whatsapp&limit=50"),
                OK,
            )
            .await?;
        let ticket_id = listed["tickets"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|ticket| ticket["customer"]["channel_identity"] == json!(phone))
            .and_then(|ticket| ticket["ticket_id"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| self.mismatch(kind, "the customer's new ticket is not listed".into()))?;
        self.agent_reply_and_note(&ticket_id).await?;
        let kind = "webhook: WhatsApp message (tickets)";
        let taken = self
            .expect(
                kind,
                self.whatsapp(
                    path,
                    &phone,
                    &format!("wamid.soak-{id}-2"),
                    "Great, thanks!",
                ),
                OK,
            )
            .await?;
        self.check(kind, taken["messages"] == json!(1), "the message not taken")?;
        self.set_status(&ticket_id, "resolved").await?;
        self.set_status(&ticket_id, "closed").await?;
        self.expect(
            "ticket: agent reply on a closed ticket (409)",
            self.as_agent(Method::POST, &format!("/api/tickets/{ticket_id}/message"))
                .json_body(&json!({"content": "One more thing"})),
            StatusCode::CONFLICT,
        )
        .await?;
        Ok(())
    }

    /// Seed 001's WhatsApp path: the assistant answers each message once, a repeated delivery
    /// changes nothing, and outbound delivery sends each reply to the customer.
    async fn whatsapp_lead(&mut self) -> Result<(), Halt> {
        let id = self.id();
        let phone = self.phone(1666);
        let path = "/api/v1/webhook/whatsapp";
        let first = || {
            self.whatsapp(
                path,
                &phone,
                &format!("wamid.soak-lead-{id}-1"),
                "Hi, I'd like to know your prices",
            )
        };
        let kind = "webhook: WhatsApp message (leads)";
        let taken = self.expect(kind, first(), OK).await?;
        self.expect_one_reply(kind, &taken)?;
        let kind = "webhook: repeated delivery (leads)";
        let repeated = self.expect(kind, first(), OK).await?;
        self.check(
            kind,
            repeated["duplicates"] == json!(1) && repeated["messages"] == json!(0),
            "a repeated message answered again",
        )?;
        let kind = "webhook: WhatsApp message (leads)";
        let taken = self
            .expect(
                kind,
                self.whatsapp(
                    path,
                    &phone,
                    &format!("wamid.soak-lead-{id}-2"),
                    &format!("I'm Bea {id}, bea.{id}@example.com, I want to buy today"),
                ),
                OK,
            )
            .await?;
        self.expect_one_reply(kind, &taken)
    }

    /// A seed 001 delivery's answer: one message taken and answered; the reply is to be sent.
    fn expect_one_reply(&self, kind: &'static str, answer: &Value) -> Result<(), Halt> {
        let replies = answer["replies"].as_array().map_or(0, Vec::len);
        self.check(
            kind,
            answer["messages"] == json!(1) && replies == 1,
            "not one message taken and answered",
        )?;
        self.tally
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .outbound_expected += 1;
        Ok(())
    }

    /// The agent's public reply (sent to the customer on a channel ticket) and internal note.
    async fn agent_reply_and_note(&self, ticket_id: &str) -> Result<(), Halt> {
        let path = format!("/api/tickets/{ticket_id}/message");
        let kind = "ticket: agent reply";
        let replied = self
            .expect(
                kind,
                self.as_agent(Method::POST, &path)
                    .json_body(&json!({"content": "Sorry about that! It ships today."})),
                OK,
            )
            .await?;
        if replied["source"]["channel"] == json!("whatsapp") {
            self.tally
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .outbound_expected += 1;
        }
        self.expect(
            "ticket: internal note",
            self.as_agent(Method::POST, &path).json_body(&json!({
                "content": "Checked with the warehouse.",
                "visibility": "internal",
            })),
            OK,
        )
        .await?;
        Ok(())
    }

    async fn set_status(&self, ticket_id: &str, status: &str) -> Result<(), Halt> {
        let kind = "ticket: status change (agent)";
        let updated = self
            .expect(
                kind,
                self.as_agent(Method::PUT, &format!("/api/tickets/{ticket_id}"))
                    .json_body(&json!({"status": status})),
                OK,
            )
            .await?;
        self.check(
            kind,
            updated["status"] == json!(status),
            "the status did not change",
        )
    }
}

/// JSON request bodies (the workspace's reqwest is built without its `json` feature).
trait JsonBody {
    fn json_body(self, body: &Value) -> Self;
}

impl JsonBody for RequestBuilder {
    fn json_body(self, body: &Value) -> Self {
        self.header("content-type", "application/json")
            .body(body.to_string())
    }
}
