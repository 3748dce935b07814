//! An agent's update of a ticket (status through the state machine, priority, assignee, tags)
//! and its assignment: decided by the domain on the ticket as read, each change logged, written on
//! condition that the ticket is still as read. An assignee must be an agent of the tenant.

use domain::TenantId;
use domain::ticket::{ImpossibleTransition, TicketId, TicketUpdate};
use thiserror::Error;

use super::DEFAULT_TIMELINE_PAGE;
use super::mint;
use super::ports::{TicketReader, TicketWithTimeline, TicketWriter, TimelinePage, Written};
use super::read::page_after;
use crate::agents::{Agents, Assignability, DirectoryError};
use crate::clock::now_rfc3339;
use crate::retry::Retries;
use crate::{ListError, StoreError};

#[derive(Debug, Error)]
pub enum UpdateTicketError {
    #[error("No updates provided")]
    NoUpdates,
    #[error("Ticket not found")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] ImpossibleTransition),
    /// The assignee cannot take work in this tenant; says why.
    #[error("Cannot assign to agent {agent}: {why}")]
    NotAssignable { agent: String, why: &'static str },
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The first page, read without a cursor.
impl From<ListError> for UpdateTicketError {
    fn from(error: ListError) -> Self {
        Self::Store(error.into())
    }
}

/// Applies `update` as `agent` (the acting agent's username) of `tenant`; an assignee is checked
/// in the agents' directory first.
pub async fn update_ticket(
    tickets: &(impl TicketReader + TicketWriter),
    agents: &impl Agents,
    tenant: &TenantId,
    agent: &str,
    id: &TicketId,
    update: TicketUpdate,
) -> Result<TicketWithTimeline, UpdateTicketError> {
    if update.is_empty() {
        return Err(UpdateTicketError::NoUpdates);
    }
    if let Some(assignee) = &update.assignee {
        check_assignable(agents, assignee, tenant).await?;
    }
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
            .ok_or(UpdateTicketError::NotFound)?;
        let change = read
            .ticket
            .plan_update(&update, Some(agent), &now_rfc3339(), &mut mint)?;
        match tickets.change(tenant, &read.ticket, &change, &[]).await? {
            Written::Done(keys) => return Ok(page_after(tickets, read, &change, keys)),
            Written::Stale | Written::ClaimTaken(_) => retries.pause().await?,
        }
    }
}

/// Assigns the ticket to `assignee` (seed 004's assign route): an update of the assignee alone.
pub async fn assign_ticket(
    tickets: &(impl TicketReader + TicketWriter),
    agents: &impl Agents,
    tenant: &TenantId,
    agent: &str,
    id: &TicketId,
    assignee: String,
) -> Result<TicketWithTimeline, UpdateTicketError> {
    let update = TicketUpdate {
        assignee: Some(assignee),
        ..TicketUpdate::default()
    };
    update_ticket(tickets, agents, tenant, agent, id, update).await
}

/// Whether `agent_id` may take work in `tenant`, or why not.
async fn check_assignable(
    agents: &impl Agents,
    agent_id: &str,
    tenant: &TenantId,
) -> Result<(), UpdateTicketError> {
    let why = match agents.assignable(agent_id, tenant).await? {
        Assignability::Yes => return Ok(()),
        // Another tenant's agent is answered as no agent at all.
        Assignability::Unknown | Assignability::OtherTenant => "no such agent in this tenant",
        Assignability::Disabled => "the agent's account is disabled",
        Assignability::NotAnAgent => "the user is in neither the agents nor the admins group",
    };
    Err(UpdateTicketError::NotAssignable {
        agent: agent_id.to_owned(),
        why,
    })
}
