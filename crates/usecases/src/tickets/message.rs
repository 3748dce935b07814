//! A message on a ticket, from an agent (a reply, or an internal note) or from an integration
//! writing for the customer or its bot. A customer writing on a resolved or waiting ticket reopens
//! it, an agent's first public reply opens a new one, and a closed ticket takes internal notes
//! only: decided on the status read, written on condition it still holds.

use domain::ticket::{Attachment, SenderType, TicketClosed, TicketId, TimelineEntry, Visibility};
use thiserror::Error;

use super::DEFAULT_TIMELINE_PAGE;
use super::mint;
use super::ports::{TicketReader, TicketWithTimeline, TicketWriter, TimelinePage, Written};
use super::read::{as_seen_by, page_after};
use crate::clock::now_rfc3339;
use crate::figures::{Figure, count};
use crate::retry::Retries;
use crate::{Actor, ListError, StoreError};

/// A message as the caller wrote it, its text already checked.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub content: String,
    /// Agents write as `agent` unless they say otherwise; integrations as `customer`.
    pub sender_type: Option<SenderType>,
    /// The agent the message is from; defaults to the signed-in agent.
    pub agent_id: Option<String>,
    pub visibility: Visibility,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Error)]
pub enum AddMessageError {
    #[error("Ticket not found")]
    NotFound,
    /// An integration tried to write as an agent, the system, or an internal note.
    #[error("With an API key, messages are written as customer or bot, publicly; agents sign in")]
    NotAnAgent,
    #[error("sender_type 'system' is reserved for events the help desk logs")]
    SystemReserved,
    #[error(transparent)]
    Closed(#[from] TicketClosed),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The first page, read without a cursor.
impl From<ListError> for AddMessageError {
    fn from(error: ListError) -> Self {
        Self::Store(error.into())
    }
}

/// Adds `message` to the ticket; answers the ticket with its first timeline page, as changed and
/// as `actor` may see it.
pub async fn add_message(
    tickets: &(impl TicketReader + TicketWriter),
    actor: &Actor,
    id: &TicketId,
    message: NewMessage,
) -> Result<TicketWithTimeline, AddMessageError> {
    let (sender_type, agent_id) = match actor.agent() {
        Some(agent) => (
            message.sender_type.unwrap_or(SenderType::Agent),
            Some(message.agent_id.clone().unwrap_or_else(|| agent.to_owned())),
        ),
        None => {
            let sender = message.sender_type.unwrap_or(SenderType::Customer);
            if !matches!(sender, SenderType::Customer | SenderType::Bot)
                || message.visibility == Visibility::Internal
            {
                return Err(AddMessageError::NotAnAgent);
            }
            (sender, None)
        }
    };
    if sender_type == SenderType::System {
        return Err(AddMessageError::SystemReserved);
    }
    let tenant = actor.tenant();
    let mut retries = Retries::default();
    loop {
        let read = tickets
            .ticket_page(
                tenant,
                id,
                TimelinePage {
                    limit: DEFAULT_TIMELINE_PAGE,
                    cursor: None,
                },
            )
            .await?
            .ok_or(AddMessageError::NotFound)?;
        let mut entry = TimelineEntry::message(
            mint(),
            &now_rfc3339(),
            sender_type,
            message.visibility,
            message.content.clone(),
        );
        entry.agent_id = agent_id
            .clone()
            .filter(|_| sender_type == SenderType::Agent);
        entry.attachments = message.attachments.clone();
        let change = read.ticket.plan_message(entry, &mut mint)?;
        match tickets.change(tenant, &read.ticket, &change, &[]).await? {
            Written::Done(keys) => {
                match (sender_type, message.visibility) {
                    (SenderType::Customer, _) => count(Figure::MessagesIn, 1),
                    (SenderType::Agent | SenderType::Bot, Visibility::Public) => {
                        count(Figure::MessagesOut, 1);
                    }
                    _ => {}
                }
                return Ok(as_seen_by(page_after(tickets, read, &change, keys), actor));
            }
            Written::Stale | Written::ClaimTaken(_) => retries.pause().await?,
        }
    }
}
