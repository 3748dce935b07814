//! What happens to a ticket, decided here and written by whoever stores tickets: how a ticket is
//! opened (the one way, whoever opens it), the change an agent's update makes (the state
//! machine, what changed, the events it logs), the change a new message makes (reopening,
//! refusing a closed ticket), and what a customer's profile gains from a new contact.

use super::{
    Channel, CustomerId, ImpossibleTransition, MessageId, Priority, SenderType, Source, Ticket,
    TicketClosed, TicketCustomer, TicketId, TicketStatus, TimelineEntry, Visibility,
    status_after_message,
};
use crate::customer::{ChannelIdentity, Customer};

/// Everything a new ticket starts from, whoever opens it: a website or an agent through the API,
/// a chatbot handing over, a customer's first message on a channel.
#[derive(Debug, Clone)]
pub struct Opening {
    pub ticket_id: TicketId,
    /// RFC 3339 UTC with milliseconds.
    pub at: String,
    pub source: Source,
    /// Who the customer says they are; a known customer's profile completes it when stored.
    pub customer: TicketCustomer,
    pub subject: String,
    pub priority: Priority,
    pub tags: Vec<String>,
}

impl Ticket {
    /// A new ticket: `new`, unassigned, its first message its one entry.
    pub fn open(opening: Opening) -> Self {
        Self {
            ticket_id: opening.ticket_id,
            created_at: opening.at.clone(),
            updated_at: opening.at,
            status: TicketStatus::New,
            priority: opening.priority,
            assigned_agent_id: None,
            tags: opening.tags,
            source: opening.source,
            customer: opening.customer,
            subject: opening.subject,
            last_agent_message: None,
            message_count: 1,
        }
    }
}

/// What a change does to a ticket. `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketChange {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub assigned_agent_id: Option<String>,
    pub tags: Option<Vec<String>>,
    /// Entries appended to the timeline, in order.
    pub entries: Vec<TimelineEntry>,
    pub updated_at: String,
}

impl TicketChange {
    /// Whether the change only logs (a status, priority, assignee or tag change): it was decided
    /// on the whole ticket as read, so a message written meanwhile makes it be decided again.
    pub fn adds_no_message(&self) -> bool {
        self.entries.iter().all(TimelineEntry::is_event)
    }

    /// The latest public reply of an agent among the new entries (what a chatbot polls for).
    pub fn last_agent_reply(&self) -> Option<&TimelineEntry> {
        self.entries
            .iter()
            .rev()
            .find(|entry| entry.is_public_agent_reply())
    }

    /// Makes `ticket` what it is after the change.
    pub fn apply_to(&self, ticket: &mut Ticket) {
        ticket.updated_at.clone_from(&self.updated_at);
        if let Some(status) = self.status {
            ticket.status = status;
        }
        if let Some(priority) = self.priority {
            ticket.priority = priority;
        }
        if let Some(agent) = &self.assigned_agent_id {
            ticket.assigned_agent_id = Some(agent.clone());
        }
        if let Some(tags) = &self.tags {
            ticket.tags.clone_from(tags);
        }
        if let Some(reply) = self.last_agent_reply() {
            ticket.last_agent_message = Some(reply.clone());
        }
        ticket.message_count += self.entries.len() as u64;
    }
}

/// What an agent asks to change on a ticket; `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketUpdate {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub assignee: Option<String>,
    /// Already normalised (`normalise_tags`).
    pub tags: Option<Vec<String>>,
}

impl TicketUpdate {
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.priority.is_none()
            && self.assignee.is_none()
            && self.tags.is_none()
    }
}

impl Ticket {
    /// The change `update` makes, each field that really changes logged as an event by `agent`
    /// at `at`; a status the state machine does not allow from here is refused. Fields set to
    /// what they already are change nothing and log nothing.
    pub fn plan_update(
        &self,
        update: &TicketUpdate,
        agent: Option<&str>,
        at: &str,
        mint: &mut impl FnMut() -> MessageId,
    ) -> Result<TicketChange, ImpossibleTransition> {
        let mut event = |content: String| {
            let mut entry = TimelineEntry::event(mint(), at, content);
            entry.agent_id = agent.map(str::to_owned);
            entry
        };
        let mut change = TicketChange {
            updated_at: at.to_owned(),
            ..TicketChange::default()
        };
        if let Some(status) = update.status.filter(|status| *status != self.status) {
            self.status.change_to(status)?;
            change.status = Some(status);
            change
                .entries
                .push(event(Ticket::status_event(self.status, status)));
        }
        if let Some(priority) = update
            .priority
            .filter(|priority| *priority != self.priority)
        {
            change.priority = Some(priority);
            change.entries.push(event(format!(
                "Priority changed from {} to {priority}",
                self.priority
            )));
        }
        if let Some(assignee) = update
            .assignee
            .as_ref()
            .filter(|assignee| self.assigned_agent_id.as_ref() != Some(*assignee))
        {
            change
                .entries
                .push(event(Ticket::assignment_event(assignee)));
            change.assigned_agent_id = Some(assignee.clone());
        }
        if let Some(tags) = &update.tags
            && let Some(logged) = Ticket::tags_event(&self.tags, tags)
        {
            change.entries.push(event(logged));
            change.tags = Some(tags.clone());
        }
        Ok(change)
    }

    /// The change a new message makes: the message itself and, when it moves the status (a
    /// customer writing on a resolved or waiting ticket reopens it, an agent's first public
    /// reply opens a new one), that move logged after it. A public message on a closed ticket is
    /// refused; internal notes are always taken.
    pub fn plan_message(
        &self,
        message: TimelineEntry,
        mint: &mut impl FnMut() -> MessageId,
    ) -> Result<TicketChange, TicketClosed> {
        let status = status_after_message(self.status, message.sender_type, message.visibility)?;
        let at = message.timestamp.clone();
        let mut entries = vec![message];
        if let Some(next) = status {
            entries.push(TimelineEntry::event(
                mint(),
                &at,
                Ticket::status_event(self.status, next),
            ));
        }
        Ok(TicketChange {
            status,
            entries,
            updated_at: at,
            ..TicketChange::default()
        })
    }
}

/// What a known customer's profile gains from a new contact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilledIn {
    pub name: Option<String>,
    pub primary_email: Option<String>,
}

impl FilledIn {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.primary_email.is_none()
    }
}

impl Customer {
    /// A customer met for the first time, on `identity`, as `given` describes them.
    pub fn first_contact(
        id: CustomerId,
        given: &TicketCustomer,
        identity: &ChannelIdentity,
        at: &str,
    ) -> Self {
        Self {
            internal_id: id,
            name: given.name.clone(),
            primary_email: given.primary_email.clone(),
            channels: vec![identity.channel],
            identities: vec![identity.clone()],
            created_at: at.to_owned(),
            updated_at: at.to_owned(),
        }
    }

    /// A known customer writing again, as `given` describes them: the ticket shows the profile
    /// (what the customer said fills only its gaps), and the profile gains what it lacked. A
    /// name or email on record is never overwritten.
    pub fn meets(&self, given: &TicketCustomer) -> (TicketCustomer, FilledIn) {
        let filled = FilledIn {
            name: given.name.clone().filter(|_| self.name.is_none()),
            primary_email: given
                .primary_email
                .clone()
                .filter(|_| self.primary_email.is_none()),
        };
        let shown = TicketCustomer {
            internal_id: self.internal_id.clone(),
            name: self.name.clone().or_else(|| given.name.clone()),
            primary_email: self
                .primary_email
                .clone()
                .or_else(|| given.primary_email.clone()),
            channel_identity: given.channel_identity.clone(),
        };
        (shown, filled)
    }
}

/// A customer's entry on a channel: a message they wrote, public, at `at`.
pub fn customer_message(id: MessageId, at: &str, content: String) -> TimelineEntry {
    TimelineEntry::message(id, at, SenderType::Customer, Visibility::Public, content)
}

/// How a ticket opened from a channel's first message is titled (seed 004's wording).
pub fn channel_subject(channel: Channel, sender: &str) -> String {
    match channel {
        Channel::Whatsapp => format!("WhatsApp message from {sender}"),
        Channel::Facebook => format!("Facebook message from {sender}"),
        Channel::Instagram => format!("Instagram message from {sender}"),
        Channel::Twitter => format!("Twitter DM from {sender}"),
        Channel::WebChat => format!("Chat from {sender}"),
        Channel::Email => format!("Email from {sender}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(status: TicketStatus) -> Ticket {
        let mut ticket = Ticket::open(Opening {
            ticket_id: TicketId::generate(1),
            at: "2026-11-22T10:00:00.000Z".into(),
            source: Source {
                channel: Channel::Whatsapp,
                origin_platform_id: None,
                is_bot_handoff: false,
                account_id: None,
            },
            customer: TicketCustomer {
                internal_id: CustomerId::generate(2),
                name: Some("Ana".into()),
                primary_email: None,
                channel_identity: "+34600111222".into(),
            },
            subject: "Help".into(),
            priority: Priority::Medium,
            tags: vec!["billing".into()],
        });
        ticket.status = status;
        ticket
    }

    fn ids() -> impl FnMut() -> MessageId {
        let mut n = 100;
        move || {
            n += 1;
            MessageId::generate(n)
        }
    }

    const AT: &str = "2026-11-22T11:00:00.000Z";

    #[test]
    fn an_update_logs_what_really_changed_by_whom() {
        let current = ticket(TicketStatus::Open);
        let update = TicketUpdate {
            status: Some(TicketStatus::Resolved),
            priority: Some(Priority::Medium),
            assignee: Some("adam".into()),
            tags: Some(vec!["billing".into(), "urgent".into()]),
        };
        let change = current
            .plan_update(&update, Some("ana"), AT, &mut ids())
            .unwrap();
        let logged: Vec<&str> = change.entries.iter().map(|e| e.content.as_str()).collect();
        assert_eq!(
            logged,
            [
                "Status changed from open to resolved",
                "Ticket assigned to agent adam",
                "Tags added: urgent"
            ],
            "the unchanged priority logs nothing"
        );
        assert!(
            change
                .entries
                .iter()
                .all(|e| e.agent_id.as_deref() == Some("ana"))
        );
        assert_eq!(change.priority, None);
        assert!(change.adds_no_message());
        let mut after = current.clone();
        change.apply_to(&mut after);
        assert_eq!(after.status, TicketStatus::Resolved);
        assert_eq!(after.assigned_agent_id.as_deref(), Some("adam"));
        assert_eq!(after.message_count, current.message_count + 3);
        assert_eq!(after.updated_at, AT);
    }

    #[test]
    fn the_state_machine_refuses_what_it_does_not_allow() {
        let closed = ticket(TicketStatus::Closed);
        let reopen = TicketUpdate {
            status: Some(TicketStatus::Open),
            ..TicketUpdate::default()
        };
        let refused = closed
            .plan_update(&reopen, None, AT, &mut ids())
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "a ticket cannot go from 'closed' to 'open'"
        );
    }

    #[test]
    fn messages_reopen_open_or_are_refused_as_the_rules_say() {
        let mut mint = ids();
        let from = |sender, visibility| {
            let mut entry =
                TimelineEntry::message(MessageId::generate(9), AT, sender, visibility, "hi".into());
            entry.agent_id = (sender == SenderType::Agent).then(|| "ana".to_owned());
            entry
        };
        let resolved = ticket(TicketStatus::Resolved);
        let change = resolved
            .plan_message(from(SenderType::Customer, Visibility::Public), &mut mint)
            .unwrap();
        assert_eq!(change.status, Some(TicketStatus::Open));
        assert_eq!(
            change.entries[1].content,
            "Status changed from resolved to open"
        );
        assert!(!change.adds_no_message());

        let fresh = ticket(TicketStatus::New);
        let reply = fresh
            .plan_message(from(SenderType::Agent, Visibility::Public), &mut mint)
            .unwrap();
        assert_eq!(reply.status, Some(TicketStatus::Open));
        assert_eq!(
            reply.last_agent_reply().unwrap().agent_id.as_deref(),
            Some("ana")
        );

        let closed = ticket(TicketStatus::Closed);
        assert!(
            closed
                .plan_message(from(SenderType::Customer, Visibility::Public), &mut mint)
                .is_err()
        );
        let note = closed
            .plan_message(from(SenderType::Agent, Visibility::Internal), &mut mint)
            .unwrap();
        assert_eq!((note.status, note.entries.len()), (None, 1));
    }

    #[test]
    fn a_known_customer_is_filled_in_never_overwritten() {
        let identity = ChannelIdentity::parse(Channel::Whatsapp, "+34600111222").unwrap();
        let first = TicketCustomer {
            internal_id: CustomerId::generate(7),
            name: Some("Ana".into()),
            primary_email: None,
            channel_identity: identity.handle.clone(),
        };
        let known = Customer::first_contact(CustomerId::generate(7), &first, &identity, AT);
        let later = TicketCustomer {
            internal_id: CustomerId::generate(8),
            name: Some("Someone Else".into()),
            primary_email: Some("ana@example.com".into()),
            channel_identity: identity.handle.clone(),
        };
        let (shown, filled) = known.meets(&later);
        assert_eq!(shown.internal_id, known.internal_id);
        assert_eq!(shown.name.as_deref(), Some("Ana"));
        assert_eq!(shown.primary_email.as_deref(), Some("ana@example.com"));
        assert_eq!(
            filled,
            FilledIn {
                name: None,
                primary_email: Some("ana@example.com".into())
            }
        );
    }
}
