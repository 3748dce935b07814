//! A chatbot handing a conversation to a person: a ticket tagged `chatbot_handoff`, carrying the
//! bot's transcript and the lead it produced. A session has one handoff ticket at a time: while
//! it is worked on, handing the session off again answers with it and writes nothing. A client's
//! idempotency record is written with the ticket, so a retry with the same key gets the first
//! answer even after the ticket closed.

use domain::TenantId;
use domain::customer::ChannelIdentity;
use domain::replay::{ReplayKey, Replayed};
use domain::ticket::{
    Channel, CustomerId, HANDOFF_TAG, Opening, Priority, Source, Ticket, TicketCustomer, TicketId,
    customer_message, normalise_tags,
};
use serde_json::{Map, Value};
use thiserror::Error;

use super::mint;
use super::open::open_once;
use super::ports::{Claim, TicketReader, TicketWriter, Written};
use crate::StoreError;
use crate::clock::{now_ms, now_rfc3339, random_u64};
use crate::figures::{Figure, count};
use crate::replays::Replays;
use crate::retry::Retries;

/// A handoff as the chatbot sends it, its fields already checked.
#[derive(Debug, Clone)]
pub struct Handoff {
    /// The bot's session, on web chat.
    pub session: ChannelIdentity,
    /// Who the customer is: their email when the bot knows it, else the session.
    pub identity: ChannelIdentity,
    pub name: Option<String>,
    pub primary_email: Option<String>,
    pub subject: String,
    pub priority: Priority,
    /// The bot's own tags; `chatbot_handoff` is added.
    pub tags: Vec<String>,
    /// What the customer asked for when the bot gave up.
    pub message: String,
    /// The bot's transcript and lead, kept on the first entry for the agent.
    pub channel_data: Map<String, Value>,
    /// The client's `Idempotency-Key`, scoped to the session.
    pub replay: Option<ReplayKey>,
}

/// What became of a handoff.
#[derive(Debug, Clone, PartialEq)]
pub enum HandedOff {
    Opened(Ticket),
    /// The session's earlier handoff ticket is still being worked on: nothing was written.
    AlreadyOpen(Ticket),
    /// The idempotency key was used for this request before; this was the answer.
    Repeated(String),
}

#[derive(Debug, Error)]
pub enum HandOffError {
    #[error("a tag is invalid: {0}")]
    InvalidTags(#[from] domain::ticket::TicketFieldError),
    /// The idempotency key was used for another request: nothing was written.
    #[error("the idempotency key was used for a different request")]
    KeyReused,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Hands the session's conversation over; `respond` renders the answer a retry with the same
/// idempotency key gets back.
pub async fn hand_off(
    tickets: &(impl TicketReader + TicketWriter),
    replays: &impl Replays,
    tenant: &TenantId,
    handoff: Handoff,
    respond: impl Fn(&Ticket) -> String,
) -> Result<HandedOff, HandOffError> {
    let mut tags = vec![HANDOFF_TAG.to_owned()];
    tags.extend(handoff.tags.iter().cloned());
    let at = now_rfc3339();
    let mut first = customer_message(mint(), &at, handoff.message.clone());
    first.channel_specific_data = handoff.channel_data.clone();
    let opening = Opening {
        ticket_id: TicketId::generate(random_u64()),
        at,
        source: Source {
            channel: Channel::WebChat,
            origin_platform_id: Some(handoff.session.handle.clone()),
            is_bot_handoff: true,
            account_id: None,
        },
        customer: TicketCustomer {
            internal_id: CustomerId::generate(random_u64()),
            name: handoff.name.clone(),
            primary_email: handoff.primary_email.clone(),
            channel_identity: handoff.identity.handle.clone(),
        },
        subject: handoff.subject.clone(),
        priority: handoff.priority,
        tags: normalise_tags(&tags)?,
    };
    let replay = handoff
        .replay
        .as_ref()
        .map(|key| key.remember(respond(&Ticket::open(opening.clone())), now_ms()));
    let mut retries = Retries::default();
    loop {
        let previous = match tickets
            .handoff_ticket(tenant, &handoff.session.handle)
            .await?
        {
            Some(id) => match tickets.ticket(tenant, &id).await? {
                Some(ticket) if ticket.status.is_active() => {
                    // A retry of the request that opened it gets that request's answer.
                    return Ok(match earlier(replays, replay.as_ref()).await? {
                        Some(outcome) => outcome,
                        None => HandedOff::AlreadyOpen(ticket),
                    });
                }
                _ => Some(id),
            },
            None => None,
        };
        let mut claims = Vec::with_capacity(2);
        claims.extend(replay.clone().map(Claim::Replay));
        claims.push(Claim::Handoff {
            session: handoff.session.handle.clone(),
            ticket: opening.ticket_id.clone(),
            previous,
        });
        match open_once(
            tickets,
            tenant,
            &opening,
            &first,
            &handoff.identity,
            false,
            &claims,
            &retries,
        )
        .await?
        {
            Written::Done(ticket) => {
                count(Figure::TicketsOpened, 1);
                count(Figure::MessagesIn, 1);
                return Ok(HandedOff::Opened(ticket));
            }
            Written::ClaimTaken(0) if replay.is_some() => {
                if let Some(outcome) = earlier(replays, replay.as_ref()).await? {
                    return Ok(outcome);
                }
                retries.pause().await?;
            }
            // Another handoff of the session (or a new customer) got there first.
            Written::ClaimTaken(_) | Written::Stale => retries.pause().await?,
        }
    }
}

/// What an earlier use of the handoff's idempotency key answered, if it was used.
async fn earlier(
    replays: &impl Replays,
    replay: Option<&domain::replay::Replay>,
) -> Result<Option<HandedOff>, HandOffError> {
    let Some(replay) = replay else {
        return Ok(None);
    };
    match replays.earlier(replay).await? {
        Some(Replayed::Same(response)) => Ok(Some(HandedOff::Repeated(response))),
        Some(Replayed::Different) => Err(HandOffError::KeyReused),
        None => Ok(None),
    }
}
