//! A provider's delivery, once verified: the delivery reports of what agents sent recorded on
//! their messages, and each customer message handled once, on a ticket (seed 004's webhook
//! paths) or answered by the assistant on the sender's lead (seed 001's).

use std::future::Future;

use domain::TenantId;
use domain::conversation::{ConversationKey, MAX_CHAT_MESSAGE_CHARS};
use domain::lead::{LeadSource, UserId};
use domain::replay::ReplayKey;
use domain::text::IdentifierError;
use domain::ticket::{Channel, Delivery};
use serde::{Deserialize, Serialize};
use serde_json::json;
use thiserror::Error;

use crate::StoreError;
use crate::conversations::{Chat, Conversations, ConverseError, Message, TenantProfiles};
use crate::figures::{Figure, count};
use crate::replays::Replays;
use crate::tickets::{
    ChannelMessage, DEDUPE_WINDOW_SECS, ReceiveError, Received, TicketReader, TicketWriter,
    receive_channel_message,
};

/// What a delivery's messages become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// Seed 004: each message joins its customer's active ticket, for agents to answer.
    Tickets,
    /// Seed 001: the assistant answers each message on the sender's lead (one per phone or
    /// handle), whose intent follows the conversation.
    Leads,
}

/// A delivery report of a message sent from one of the tenant's accounts.
#[derive(Debug, Clone)]
pub struct StatusReport {
    pub tenant: TenantId,
    pub channel: Channel,
    pub account_id: String,
    /// The id the provider gave the message when it was sent.
    pub message_id: String,
    pub delivery: Delivery,
}

/// A delivery, each part already tied to the tenant whose account verified it.
#[derive(Debug, Clone, Default)]
pub struct VerifiedDelivery {
    pub messages: Vec<(TenantId, ChannelMessage)>,
    pub statuses: Vec<StatusReport>,
    /// Events acknowledged without being handled.
    pub ignored: usize,
}

/// The assistant's reply to a channel message, sent back on the channel by outbound delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadReply {
    pub recipient_id: String,
    pub response: String,
}

/// What a delivery did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryOutcome {
    /// Messages handled.
    pub messages: usize,
    /// Messages seen before, skipped.
    pub duplicates: usize,
    /// Delivery reports.
    pub statuses: usize,
    pub ignored: usize,
    /// On the lead flow: the assistant's reply to each new message.
    pub replies: Vec<LeadReply>,
}

#[derive(Debug, Error)]
pub enum DeliveryError {
    #[error("sender {0}")]
    InvalidSender(#[from] IdentifierError),
    #[error(transparent)]
    Converse(ConverseError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ReceiveError> for DeliveryError {
    fn from(error: ReceiveError) -> Self {
        match error {
            ReceiveError::InvalidSender(invalid) => Self::InvalidSender(invalid),
            ReceiveError::Store(error) => Self::Store(error),
        }
    }
}

impl From<ConverseError> for DeliveryError {
    fn from(error: ConverseError) -> Self {
        match error {
            ConverseError::Store(error) => Self::Store(error),
            other => Self::Converse(other),
        }
    }
}

/// Where the delivery states of sent messages are recorded.
pub trait DeliveryReports: Sync {
    /// Moves the state of the message `tenant` sent from `account_id` forward; `false` when the
    /// message is not one that account sent, or the report is older than what is recorded.
    fn record_delivery(
        &self,
        report: &StatusReport,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Takes a verified delivery: its reports recorded, then each message handled as `handling`
/// says, once whatever the provider's retries.
pub async fn take_delivery<S, C, T>(
    tickets: &S,
    chat: &Chat<C, T>,
    handling: Handling,
    delivery: VerifiedDelivery,
) -> Result<DeliveryOutcome, DeliveryError>
where
    S: TicketReader + TicketWriter + DeliveryReports,
    C: Conversations + Replays,
    T: TenantProfiles,
{
    let mut outcome = DeliveryOutcome {
        statuses: delivery.statuses.len(),
        ignored: delivery.ignored,
        ..DeliveryOutcome::default()
    };
    for report in &delivery.statuses {
        let recorded = tickets.record_delivery(report).await?;
        tracing::info!(
            channel = %report.channel,
            message = %report.message_id,
            state = %report.delivery.state,
            error = ?report.delivery.error,
            recorded,
            "delivery state of an outbound message"
        );
    }
    for (tenant, message) in delivery.messages {
        match (handling, lead_source(message.channel)) {
            (Handling::Leads, Some(source)) => {
                let answer = chat
                    .converse(
                        &tenant,
                        lead_message(&tenant, source, &message)?,
                        |_, reply| {
                            json!(LeadReply {
                                recipient_id: message.sender.clone(),
                                response: reply.text.clone(),
                            })
                        },
                    )
                    .await?;
                if answer.repeated {
                    outcome.duplicates += 1;
                } else {
                    outcome.messages += 1;
                    outcome
                        .replies
                        .extend(serde_json::from_value(answer.body).ok());
                }
            }
            _ => match receive_channel_message(tickets, &tenant, message).await? {
                Received::Duplicate => outcome.duplicates += 1,
                Received::Joined(_) | Received::Opened(_) => outcome.messages += 1,
            },
        }
    }
    count(Figure::WebhookDeliveriesAccepted, 1);
    count(
        Figure::WebhookDeliveriesDuplicate,
        outcome.duplicates as u64,
    );
    count(Figure::MessagesIn, outcome.messages as u64);
    Ok(outcome)
}

/// Where a lead met on a channel comes from; `None` for channels without a lead flow.
fn lead_source(channel: Channel) -> Option<LeadSource> {
    match channel {
        Channel::Whatsapp => Some(LeadSource::Whatsapp),
        Channel::Facebook => Some(LeadSource::Messenger),
        Channel::Instagram => Some(LeadSource::Instagram),
        _ => None,
    }
}

/// Seed 001's lead flow for one message: the provider's message id is the key that makes a
/// repeated delivery change nothing (a repeat is the same message, so the id is its own
/// fingerprint).
fn lead_message(
    tenant: &TenantId,
    source: LeadSource,
    message: &ChannelMessage,
) -> Result<Message, DeliveryError> {
    let user_id = UserId::parse(&message.sender)?;
    Ok(Message {
        key: ConversationKey::Visitor { source, user_id },
        text: message
            .content
            .chars()
            .take(MAX_CHAT_MESSAGE_CHARS)
            .collect(),
        caller_scope: format!("channel#{}", message.account_id),
        replay: Some(ReplayKey {
            key: format!("{tenant}#{source}-message#{}", message.provider_message_id),
            fingerprint: message.provider_message_id.clone(),
            keep_secs: DEDUPE_WINDOW_SECS,
        }),
        channel_account: Some(message.account_id.clone()),
    })
}
