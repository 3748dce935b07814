//! A customer's message arriving from a channel (WhatsApp, Messenger, Instagram, X), at most once
//! per provider message id: it joins the customer's ticket that is still being worked on
//! (reopening a waiting one), or opens a ticket, creating the customer on first contact. The
//! de-duplication claim is written with the message, so a delivery repeated, even concurrently,
//! changes nothing.

use domain::TenantId;
use domain::customer::ChannelIdentity;
use domain::text::IdentifierError;
use domain::ticket::{
    Attachment, Channel, CustomerId, Opening, Priority, Source, TicketCustomer, TicketId,
    channel_subject, customer_message,
};
use serde_json::{Map, Value};
use thiserror::Error;

use super::mint;
use super::open::open_once;
use super::ports::{Claim, TicketReader, TicketWriter, Written};
use crate::StoreError;
use crate::clock::{now_ms, now_rfc3339, random_u64};
use crate::retry::Retries;

/// How long a provider message id is remembered: Meta retries a failed delivery for up to seven
/// days, X for less.
pub const DEDUPE_WINDOW_SECS: u64 = 7 * 24 * 60 * 60;

/// A message a provider delivered, reduced to what a ticket needs.
#[derive(Debug, Clone)]
pub struct ChannelMessage {
    pub channel: Channel,
    /// The tenant's account it arrived through (where replies are sent from).
    pub account_id: String,
    /// The sender's handle on the channel.
    pub sender: String,
    pub sender_name: Option<String>,
    /// The provider's id of the message, unique within its channel.
    pub provider_message_id: String,
    pub content: String,
    pub attachments: Vec<Attachment>,
    /// What else the provider said of it, kept on the entry.
    pub channel_data: Map<String, Value>,
}

/// What became of a channel message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Added to the customer's active ticket.
    Joined(TicketId),
    /// Opened a new ticket.
    Opened(TicketId),
    /// Seen before: nothing was written.
    Duplicate,
}

#[derive(Debug, Error)]
pub enum ReceiveError {
    #[error("sender {0}")]
    InvalidSender(#[from] IdentifierError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn receive_channel_message(
    tickets: &(impl TicketReader + TicketWriter),
    tenant: &TenantId,
    message: ChannelMessage,
) -> Result<Received, ReceiveError> {
    let identity = ChannelIdentity::parse(message.channel, &message.sender)?;
    let at = now_rfc3339();
    let mut entry = customer_message(mint(), &at, message.content.clone());
    entry.attachments = message.attachments.clone();
    entry.channel_specific_data = message.channel_data.clone();
    let guard = [Claim::Once {
        key: format!(
            "channel-message#{}#{}",
            message.channel, message.provider_message_id
        ),
        until_secs: now_ms() / 1000 + DEDUPE_WINDOW_SECS,
    }];
    let opening = Opening {
        ticket_id: TicketId::generate(random_u64()),
        at: at.clone(),
        source: Source {
            channel: message.channel,
            origin_platform_id: Some(message.sender.clone()),
            is_bot_handoff: false,
            account_id: Some(message.account_id.clone()),
        },
        customer: TicketCustomer {
            internal_id: CustomerId::generate(random_u64()),
            name: message.sender_name.clone(),
            primary_email: None,
            channel_identity: identity.handle.clone(),
        },
        subject: channel_subject(message.channel, &message.sender),
        priority: Priority::Medium,
        tags: Vec::new(),
    };
    let mut retries = Retries::default();
    loop {
        let known = tickets
            .customer_by_identity(tenant, &identity, retries.attempt() > 0)
            .await?;
        let active = match &known {
            Some(known) => tickets.channel_ticket(tenant, known).await?,
            None => None,
        };
        // An active ticket takes a customer's message (a closed one never is active).
        let joining = active.and_then(|ticket| {
            let change = ticket.plan_message(entry.clone(), &mut mint).ok()?;
            Some((ticket, change))
        });
        let written = match joining {
            Some((ticket, change)) => {
                let id = ticket.ticket_id.clone();
                match tickets.change(tenant, &ticket, &change, &guard).await? {
                    Written::Done(_) => Written::Done(Received::Joined(id)),
                    Written::ClaimTaken(at) => Written::ClaimTaken(at),
                    Written::Stale => Written::Stale,
                }
            }
            None => match open_once(
                tickets, tenant, &opening, &entry, &identity, true, &guard, &retries,
            )
            .await?
            {
                Written::Done(ticket) => Written::Done(Received::Opened(ticket.ticket_id)),
                Written::ClaimTaken(at) => Written::ClaimTaken(at),
                Written::Stale => Written::Stale,
            },
        };
        match written {
            Written::Done(received) => return Ok(received),
            Written::ClaimTaken(_) => return Ok(Received::Duplicate),
            // The index may lag, or another message of the customer got there first.
            Written::Stale => retries.pause().await?,
        }
    }
}
