//! Outbound delivery, driven by the event stream and never by an API request: an agent's public
//! reply reaches the customer's channel, the assistant's reply on a channel conversation reaches
//! the visitor, and a lead turning HOT or ready reaches the tenant's team by email.
//!
//! Exactly once towards people: each delivery has a record keyed by the event that asked for it
//! (alerts by lead and reason), taken with a lease before sending and finished after, so an event
//! delivered again sends nothing again. Transient provider errors are retried with backoff
//! (honouring `Retry-After`) and, if they persist, handed back to the event source to retry
//! later; permanent ones are recorded on the message and not retried.

pub mod mailer;
pub mod providers;

use std::time::{Duration, Instant};

use domain::TenantId;
use domain::events::EventKind;
use domain::lead::{Lead, LeadSource};
use domain::outbound::{AlertReason, Delivery};
use domain::settings::Settings;
use domain::ticket::{
    Channel, Delivery as DeliveryState, DeliveryState as State, MessageId, TicketId,
};
use serde::Deserialize;
use serde_json::Value;
use store::StoreError;
use store::channel_accounts::ChannelAccountStore;
use store::conversations::Lookup;
use store::deliveries::{Claim, DeliveryRecords, Finished};
use store::leads::LeadStore;
use store::tenants::TenantStore;
use store::tickets::TicketStore;
use usecases::tickets::TicketReader;

pub use mailer::AlertMailer;
pub use providers::{ChannelSender, ProviderUrls, SendFailure, Sent};

/// How long a sender may hold a delivery before another may take it over.
const LEASE_MS: u64 = 60_000;
/// How long a provider message id stays linked to its timeline entry, for status webhooks.
const LINK_SECS: u64 = 30 * 24 * 60 * 60;
/// The longest wait between attempts, whatever a provider asks: the invocation must finish.
const MAX_WAIT: Duration = Duration::from_secs(10);
/// How long one event's delivery may take, retries included, when no invocation deadline is
/// given (the devserver's consumer, tests): as long as the deployed function's own budget.
pub const DELIVERY_BUDGET: Duration = Duration::from_secs(45);

/// Outbound's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundSettings {
    pub urls: ProviderUrls,
    /// The verified SES address alerts come from; unset turns alerts off.
    pub alerts_from: Option<String>,
    /// The API's base URL, for links in alerts.
    pub api_url: Option<String>,
    /// How often a send is tried within one delivery of its event.
    pub attempts: u32,
    pub request_timeout: Duration,
}

impl OutboundSettings {
    /// Reads `META_GRAPH_API_URL`, `X_API_URL`, `ALERTS_FROM_EMAIL`, `FRONTDESK_API_URL`,
    /// `OUTBOUND_ATTEMPTS` and `OUTBOUND_TIMEOUT_MS`.
    pub fn read<F: Fn(&str) -> Option<String>>(settings: &mut Settings<F>) -> Self {
        let whole = |raw: &str| raw.parse::<u64>().map_err(|_| "must be a whole number");
        Self {
            urls: ProviderUrls {
                meta_graph: settings
                    .optional("META_GRAPH_API_URL")
                    .unwrap_or_else(|| "https://graph.facebook.com/v21.0".to_owned()),
                x: settings
                    .optional("X_API_URL")
                    .unwrap_or_else(|| "https://api.x.com".to_owned()),
            },
            alerts_from: settings.optional("ALERTS_FROM_EMAIL"),
            api_url: settings.optional("FRONTDESK_API_URL"),
            attempts: settings.parsed_or("OUTBOUND_ATTEMPTS", 3, |raw| {
                whole(raw).map(|n| n.clamp(1, 10) as u32)
            }),
            request_timeout: settings.parsed_or(
                "OUTBOUND_TIMEOUT_MS",
                Duration::from_secs(10),
                |raw| whole(raw).map(Duration::from_millis),
            ),
        }
    }
}

/// An event as it arrives from Kafka: the CloudEvents envelope the relay published.
#[derive(Debug, Clone, Deserialize)]
pub struct ReceivedEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub tenantid: String,
    #[serde(default)]
    pub data: Value,
}

/// What handling an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// The event asks for no delivery.
    Nothing,
    Sent(String),
    /// Delivered (or refused for good) on an earlier delivery of the event.
    AlreadyDone,
    /// Refused for good; recorded, not retried.
    Failed(String),
}

/// Why an event must be delivered again later (the event source retries it).
#[derive(Debug, thiserror::Error)]
pub enum RetryLater {
    #[error("{0}")]
    Provider(String),
    #[error("another sender is delivering it")]
    InProgress,
    #[error(transparent)]
    Store(#[from] usecases::StoreError),
}

impl From<StoreError> for RetryLater {
    fn from(error: StoreError) -> Self {
        Self::Store(error.into())
    }
}

/// The outbound service, built once per execution environment.
#[derive(Clone)]
pub struct Outbound {
    pub tickets: TicketStore,
    pub leads: LeadStore,
    pub accounts: ChannelAccountStore,
    pub tenants: TenantStore,
    pub records: DeliveryRecords,
    pub sender: ChannelSender,
    pub mailer: AlertMailer,
    pub settings: OutboundSettings,
}

impl Outbound {
    pub fn new(backend: &store::Backend, settings: OutboundSettings) -> Self {
        let ses = aws_sdk_sesv2::Client::new(backend.sdk_config());
        Self {
            tickets: backend.tickets(),
            leads: backend.leads(),
            accounts: backend.channel_accounts(),
            tenants: backend.tenants(),
            records: backend.deliveries(),
            sender: ChannelSender::new(settings.urls.clone(), settings.request_timeout),
            mailer: AlertMailer::new(ses, settings.alerts_from.clone()),
            settings,
        }
    }

    /// Delivers what one event asks for, once, within [`DELIVERY_BUDGET`].
    pub async fn handle(&self, event: &ReceivedEvent) -> Result<Handled, RetryLater> {
        self.handle_by(event, Instant::now() + DELIVERY_BUDGET)
            .await
    }

    /// Delivers what one event asks for, once; transient failures are retried only while
    /// another try still ends before `deadline`, after which the event source retries.
    pub async fn handle_by(
        &self,
        event: &ReceivedEvent,
        deadline: Instant,
    ) -> Result<Handled, RetryLater> {
        let Some(delivery) =
            EventKind::from_name(&event.kind).and_then(|kind| Delivery::of(kind, &event.data))
        else {
            return Ok(Handled::Nothing);
        };
        let Ok(tenant) = TenantId::parse(&event.tenantid) else {
            tracing::warn!(event = %event.id, tenant = %event.tenantid, "an event of no valid tenant; skipped");
            return Ok(Handled::Nothing);
        };
        let record = match &delivery {
            // One alert per lead and reason, however many events say so.
            Delivery::LeadAlert { lead_id, reason } => {
                format!("alert#{tenant}#{lead_id}#{}", reason.as_str())
            }
            _ => format!("event#{}", event.id),
        };
        let now = now_ms();
        match self.records.claim(&record, now, LEASE_MS).await? {
            Claim::Finished(_) => return Ok(Handled::AlreadyDone),
            Claim::InProgress => return Err(RetryLater::InProgress),
            Claim::Send => {}
        }
        let outcome = match delivery {
            Delivery::TicketReply {
                ticket_id,
                message_id,
                text,
            } => {
                self.ticket_reply(&tenant, &ticket_id, &message_id, &text, deadline)
                    .await
            }
            Delivery::LeadReply {
                lead_id,
                source,
                text,
            } => {
                self.lead_reply(&tenant, &lead_id, source, &text, deadline)
                    .await
            }
            Delivery::LeadAlert { lead_id, reason } => {
                self.lead_alert(&tenant, &lead_id, reason, deadline).await
            }
        };
        match outcome {
            Ok(Ok(id)) => {
                let finished = Finished {
                    sent: true,
                    detail: id.clone(),
                };
                self.records.finish(&record, &finished, now_ms()).await?;
                telemetry::count(telemetry::Figure::OutboundSent, 1);
                Ok(Handled::Sent(id))
            }
            Ok(Err(reason)) => {
                tracing::warn!(event = %event.id, %reason, "delivery refused for good");
                let finished = Finished {
                    sent: false,
                    detail: reason.clone(),
                };
                self.records.finish(&record, &finished, now_ms()).await?;
                telemetry::count(telemetry::Figure::OutboundFailed, 1);
                Ok(Handled::Failed(reason))
            }
            Err(retry) => {
                tracing::warn!(event = %event.id, reason = %retry, "delivery to retry later");
                self.records.release(&record).await?;
                Err(retry)
            }
        }
    }

    /// `Ok(Ok(provider id))` sent; `Ok(Err(reason))` refused for good.
    async fn ticket_reply(
        &self,
        tenant: &TenantId,
        ticket_id: &str,
        message_id: &str,
        text: &str,
        deadline: Instant,
    ) -> Result<Result<String, String>, RetryLater> {
        let (Ok(ticket_id), Ok(message_id)) =
            (TicketId::parse(ticket_id), MessageId::parse(message_id))
        else {
            return Ok(Err(format!(
                "ticket {ticket_id} or message {message_id} is not an id"
            )));
        };
        let Some(ticket) = self.tickets.ticket(tenant, &ticket_id).await? else {
            return Ok(Err(format!("ticket {ticket_id} does not exist")));
        };
        let channel = ticket.source.channel;
        if matches!(channel, Channel::WebChat | Channel::Email) {
            // The customer reads these replies where they wrote: the widget or the ticket page.
            return Ok(Err(format!(
                "{channel} tickets are answered in place, not sent"
            )));
        }
        let recipient = ticket
            .source
            .origin_platform_id
            .clone()
            .unwrap_or_else(|| ticket.customer.channel_identity.clone());
        let account_id = ticket.source.account_id.as_deref();
        let sent = self
            .send_from(tenant, channel, account_id, &recipient, text, deadline)
            .await?;
        let at = now_ms() / 1000;
        match sent {
            Ok(sent) => {
                self.tickets
                    .link_outbound(
                        tenant,
                        channel,
                        // Sent, so sent from the ticket's account: `send_from` needs one.
                        account_id.unwrap_or_default(),
                        &sent.provider_message_id,
                        &ticket_id,
                        &message_id,
                        at + LINK_SECS,
                    )
                    .await?;
                let state = DeliveryState {
                    state: State::Sent,
                    error: None,
                    at,
                };
                self.tickets
                    .mark_delivery(tenant, &ticket_id, &message_id, &state)
                    .await?;
                Ok(Ok(sent.provider_message_id))
            }
            Err(reason) => {
                let state = DeliveryState {
                    state: State::Failed,
                    error: Some(reason.clone()),
                    at,
                };
                self.tickets
                    .mark_delivery(tenant, &ticket_id, &message_id, &state)
                    .await?;
                Ok(Err(reason))
            }
        }
    }

    async fn lead_reply(
        &self,
        tenant: &TenantId,
        lead_id: &str,
        source: LeadSource,
        text: &str,
        deadline: Instant,
    ) -> Result<Result<String, String>, RetryLater> {
        let Some(lead) = self.lead(tenant, lead_id).await? else {
            return Ok(Err(format!("lead {lead_id} does not exist")));
        };
        let channel = match source {
            LeadSource::Whatsapp => Channel::Whatsapp,
            LeadSource::Instagram => Channel::Instagram,
            LeadSource::Messenger => Channel::Facebook,
            other => return Ok(Err(format!("{other} conversations are answered in place"))),
        };
        let Some(recipient) = lead.user_id.as_ref().map(ToString::to_string) else {
            return Ok(Err(format!("lead {lead_id} has no {channel} id to answer")));
        };
        Ok(self
            .send_from(
                tenant,
                channel,
                lead.channel_account.as_deref(),
                &recipient,
                text,
                deadline,
            )
            .await?
            .map(|sent| sent.provider_message_id))
    }

    async fn lead_alert(
        &self,
        tenant: &TenantId,
        lead_id: &str,
        reason: AlertReason,
        deadline: Instant,
    ) -> Result<Result<String, String>, RetryLater> {
        let Some(lead) = self.lead(tenant, lead_id).await? else {
            return Ok(Err(format!("lead {lead_id} does not exist")));
        };
        let profile = self.tenants.profile(tenant).await?;
        if profile.notification_emails.is_empty() {
            return Ok(Err(format!(
                "tenant {tenant} has no notification addresses"
            )));
        }
        let (subject, body) = alert_text(&lead, reason, self.settings.api_url.as_deref());
        let outcome = self
            .retrying(deadline, || {
                self.mailer
                    .send(&profile.notification_emails, &subject, &body)
            })
            .await?;
        Ok(outcome)
    }

    async fn lead(&self, tenant: &TenantId, lead_id: &str) -> Result<Option<Lead>, StoreError> {
        let lead_id = domain::lead::LeadId::from_stored(lead_id.to_owned());
        Ok(match self.leads.conversation(tenant, &lead_id, 0).await? {
            Lookup::Found(conversation) => Some(conversation.lead),
            Lookup::Missing | Lookup::OtherTenant => None,
        })
    }

    /// Sends from the tenant's account `account_id` on `channel`, retrying transient failures.
    async fn send_from(
        &self,
        tenant: &TenantId,
        channel: Channel,
        account_id: Option<&str>,
        recipient: &str,
        text: &str,
        deadline: Instant,
    ) -> Result<Result<Sent, String>, RetryLater> {
        let Some(account_id) = account_id else {
            return Ok(Err(format!(
                "the conversation names no {channel} account to send from"
            )));
        };
        let account = match self.accounts.find(channel, account_id).await? {
            Some(account) if &account.tenant_id == tenant => account,
            _ => {
                return Ok(Err(format!(
                    "{channel} account {account_id} is not connected to tenant {tenant}"
                )));
            }
        };
        self.retrying(deadline, || {
            self.sender.send(channel, &account, recipient, text)
        })
        .await
    }

    /// Tries `attempt` up to the configured number of times while it fails transiently and
    /// another try (the wait and one request) still ends before `deadline`.
    async fn retrying<T, F, Fut>(
        &self,
        deadline: Instant,
        attempt: F,
    ) -> Result<Result<T, String>, RetryLater>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, SendFailure>>,
    {
        let mut tries = 0;
        loop {
            tries += 1;
            match attempt().await {
                Ok(sent) => return Ok(Ok(sent)),
                Err(SendFailure::Permanent { reason }) => return Ok(Err(reason)),
                Err(SendFailure::Transient {
                    reason,
                    retry_after,
                }) => {
                    let ceiling = Duration::from_millis(200 << tries.min(6));
                    let wait = retry_after
                        .unwrap_or_else(|| usecases::retry::full_jitter(ceiling))
                        .min(MAX_WAIT);
                    let ends = Instant::now() + wait + self.settings.request_timeout;
                    if tries >= self.settings.attempts || ends >= deadline {
                        return Err(RetryLater::Provider(reason));
                    }
                    tracing::info!(%reason, ?wait, "transient send failure; retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// The alert email for a lead: who, how to reach them, how hot, why, and where to find them.
pub fn alert_text(lead: &Lead, reason: AlertReason, api_url: Option<&str>) -> (String, String) {
    let name = lead.name.as_deref().unwrap_or("A visitor");
    let intent = lead.intent.map_or("NEUTRAL", |intent| intent.as_str());
    let subject = match reason {
        AlertReason::Ready => format!("Lead ready: {name} ({intent})"),
        AlertReason::Hot => format!("Hot lead: {name} ({intent})"),
    };
    let mut body = format!(
        "{name} is a {intent} lead (score {}) from {}.\n\nEmail: {}\nPhone: {}\nStatus: {}\n",
        lead.score,
        lead.source,
        lead.email.as_deref().unwrap_or("not given yet"),
        lead.phone.as_deref().unwrap_or("not given yet"),
        lead.status,
    );
    if let Some(summary) = &lead.ai_summary {
        body.push_str(&format!("\nSummary: {summary}\n"));
    }
    if let Some(first) = &lead.first_message {
        body.push_str(&format!("First message: \"{first}\"\n"));
    }
    body.push_str(&format!("\nLead id: {}\n", lead.lead_id));
    if let Some(api) = api_url {
        body.push_str(&format!(
            "{}/api/v1/lead/{}\n",
            api.trim_end_matches('/'),
            lead.lead_id
        ));
    }
    (subject, body)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use domain::lead::{LeadId, LeadIntent};

    use super::*;

    #[test]
    fn alerts_carry_who_how_to_reach_them_and_where_to_find_them() {
        let mut lead = Lead::new(
            LeadId::from_stored("lead_s_1".into()),
            LeadSource::Chatbot,
            0,
        );
        lead.name = Some("Ana".into());
        lead.email = Some("ana@example.com".into());
        lead.intent = Some(LeadIntent::Hot);
        lead.score = 80;
        lead.ai_summary = Some("Wants three units this week.".into());
        let (subject, body) = alert_text(&lead, AlertReason::Ready, Some("https://api.example/"));
        assert_eq!(subject, "Lead ready: Ana (HOT)");
        for part in [
            "Ana is a HOT lead (score 80) from chatbot.",
            "Email: ana@example.com",
            "Phone: not given yet",
            "Summary: Wants three units this week.",
            "Lead id: lead_s_1",
            "https://api.example/api/v1/lead/lead_s_1",
        ] {
            assert!(body.contains(part), "{part} missing from {body}");
        }
    }
}
