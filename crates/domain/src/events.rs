//! Domain events: what happened to tickets, customers and leads, derived from an aggregate's state
//! before and after a committed change. The relay publishes them; nothing here knows where to.

use serde::Serialize;
use serde_json::{Value, json};

use crate::TenantId;
use crate::conversation::ChatMessage;
use crate::customer::Customer;
use crate::lead::{LeadIntent, LeadSource, LeadStatus};
use crate::ticket::{
    CONTENT_EVENT_LOG, SenderType, Ticket, TicketId, TicketStatus, TimelineEntry, Visibility,
};

/// Every kind of event, with its CloudEvents type suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    TicketCreated,
    TicketUpdated,
    TicketStatusChanged,
    TicketAssigned,
    TicketResolved,
    MessageAdded,
    CustomerCreated,
    LeadCreated,
    LeadUpdated,
    LeadIntentChanged,
    LeadBecameReady,
    LeadConverted,
    LeadMessageAdded,
}

/// Which stream of events a kind belongs to (each is one Kafka topic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStream {
    /// Ticket and customer lifecycle (seed 004's `support-tickets`).
    Tickets,
    /// Messages on tickets (seed 004's `support-messages`).
    Messages,
    Leads,
}

impl EventKind {
    pub const ALL: [Self; 13] = [
        Self::TicketCreated,
        Self::TicketUpdated,
        Self::TicketStatusChanged,
        Self::TicketAssigned,
        Self::TicketResolved,
        Self::MessageAdded,
        Self::CustomerCreated,
        Self::LeadCreated,
        Self::LeadUpdated,
        Self::LeadIntentChanged,
        Self::LeadBecameReady,
        Self::LeadConverted,
        Self::LeadMessageAdded,
    ];

    /// The dotted name, e.g. `ticket.status_changed` (seed 004 used `ticket.created`,
    /// `ticket.updated`, `message.added`).
    pub fn name(self) -> &'static str {
        match self {
            Self::TicketCreated => "ticket.created",
            Self::TicketUpdated => "ticket.updated",
            Self::TicketStatusChanged => "ticket.status_changed",
            Self::TicketAssigned => "ticket.assigned",
            Self::TicketResolved => "ticket.resolved",
            Self::MessageAdded => "message.added",
            Self::CustomerCreated => "customer.created",
            Self::LeadCreated => "lead.created",
            Self::LeadUpdated => "lead.updated",
            Self::LeadIntentChanged => "lead.intent_changed",
            Self::LeadBecameReady => "lead.became_ready",
            Self::LeadConverted => "lead.converted",
            Self::LeadMessageAdded => "lead.message_added",
        }
    }

    /// The kind a dotted name (or a CloudEvents type ending in one) stands for.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| name == kind.name() || name.ends_with(&format!(".{}", kind.name())))
    }

    pub fn stream(self) -> EventStream {
        match self {
            Self::MessageAdded => EventStream::Messages,
            Self::LeadCreated
            | Self::LeadUpdated
            | Self::LeadIntentChanged
            | Self::LeadBecameReady
            | Self::LeadConverted
            | Self::LeadMessageAdded => EventStream::Leads,
            _ => EventStream::Tickets,
        }
    }
}

/// One thing that happened to one aggregate. Events of one aggregate share `aggregate_id`, which
/// keeps them in order wherever they are published.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainEvent {
    pub kind: EventKind,
    pub tenant: TenantId,
    /// The ticket, customer or lead the event is about.
    pub aggregate_id: String,
    pub data: Value,
}

/// The parts of a lead its events report on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadState {
    pub lead_id: String,
    pub source: LeadSource,
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub intent: Option<LeadIntent>,
    pub score: u8,
    pub status: LeadStatus,
    pub is_lead_ready: bool,
    pub ai_summary: Option<String>,
    pub conversation_ids: Vec<String>,
    /// Epoch milliseconds of the lead's last write: any change moves it.
    pub updated_at: u64,
}

/// Which way a message went, from the help desk's point of view.
fn direction(entry: &TimelineEntry) -> &'static str {
    match (entry.visibility, entry.sender_type) {
        (Visibility::Internal, _) => "internal",
        (_, SenderType::Customer) => "inbound",
        _ => "outbound",
    }
}

/// The events of a ticket's change: created, or any of status changed (and resolved), assigned
/// and updated. A change that only records new messages (counters, `updated_at`) is reported by
/// [`timeline_entry_added`] instead.
pub fn ticket_changes(
    tenant: &TenantId,
    before: Option<&Ticket>,
    after: Option<&Ticket>,
) -> Vec<DomainEvent> {
    let Some(after) = after else {
        return Vec::new();
    };
    let event = |kind, data: Value| DomainEvent {
        kind,
        tenant: tenant.clone(),
        aggregate_id: after.ticket_id.to_string(),
        data,
    };
    let Some(before) = before else {
        return vec![event(EventKind::TicketCreated, json!({ "ticket": after }))];
    };
    let mut events = Vec::new();
    let mut changed = Vec::new();
    if before.status != after.status {
        changed.push("status");
        events.push(event(
            EventKind::TicketStatusChanged,
            json!({ "ticket": after, "from": before.status, "to": after.status }),
        ));
        if after.status == TicketStatus::Resolved {
            events.push(event(EventKind::TicketResolved, json!({ "ticket": after })));
        }
    }
    if before.assigned_agent_id != after.assigned_agent_id {
        changed.push("assigned_agent_id");
        events.push(event(
            EventKind::TicketAssigned,
            json!({
                "ticket": after,
                "from": before.assigned_agent_id,
                "to": after.assigned_agent_id,
            }),
        ));
    }
    if before.priority != after.priority {
        changed.push("priority");
    }
    if before.tags != after.tags {
        changed.push("tags");
    }
    if before.subject != after.subject {
        changed.push("subject");
    }
    if !changed.is_empty() {
        events.insert(
            0,
            event(
                EventKind::TicketUpdated,
                json!({ "ticket": after, "changed": changed }),
            ),
        );
    }
    events
}

/// A message added to a ticket, in either direction (or an internal note). System events on the
/// timeline are already reported by the ticket's own events.
pub fn timeline_entry_added(
    tenant: &TenantId,
    ticket: &TicketId,
    entry: &TimelineEntry,
) -> Option<DomainEvent> {
    (entry.content_type != CONTENT_EVENT_LOG).then(|| DomainEvent {
        kind: EventKind::MessageAdded,
        tenant: tenant.clone(),
        aggregate_id: ticket.to_string(),
        data: json!({
            "ticket_id": ticket,
            "direction": direction(entry),
            "message": entry,
        }),
    })
}

/// A customer seen for the first time.
pub fn customer_created(tenant: &TenantId, customer: &Customer) -> DomainEvent {
    DomainEvent {
        kind: EventKind::CustomerCreated,
        tenant: tenant.clone(),
        aggregate_id: customer.internal_id.to_string(),
        data: json!({ "customer": customer }),
    }
}

/// The events of a lead's change: created, or updated, plus any of intent changed, became ready
/// and converted. A lead created with an intent (a first message that is already HOT) has its
/// intent changed from none: whoever waits for a lead to turn HOT hears of it however it began.
pub fn lead_changes(
    tenant: &TenantId,
    before: Option<&LeadState>,
    after: Option<&LeadState>,
) -> Vec<DomainEvent> {
    let Some(after) = after else {
        return Vec::new();
    };
    let event = |kind, data: Value| DomainEvent {
        kind,
        tenant: tenant.clone(),
        aggregate_id: after.lead_id.clone(),
        data,
    };
    let Some(before) = before else {
        let mut events = vec![event(EventKind::LeadCreated, json!({ "lead": after }))];
        if after.intent.is_some() {
            events.push(event(
                EventKind::LeadIntentChanged,
                json!({ "lead": after, "from": null, "to": after.intent }),
            ));
        }
        if after.is_lead_ready {
            events.push(event(EventKind::LeadBecameReady, json!({ "lead": after })));
        }
        return events;
    };
    if before == after {
        return Vec::new();
    }
    let mut events = vec![event(EventKind::LeadUpdated, json!({ "lead": after }))];
    if before.intent != after.intent {
        events.push(event(
            EventKind::LeadIntentChanged,
            json!({ "lead": after, "from": before.intent, "to": after.intent }),
        ));
    }
    if !before.is_lead_ready && after.is_lead_ready {
        events.push(event(EventKind::LeadBecameReady, json!({ "lead": after })));
    }
    if before.status != LeadStatus::Converted && after.status == LeadStatus::Converted {
        events.push(event(EventKind::LeadConverted, json!({ "lead": after })));
    }
    events
}

/// A message of a lead's conversation, from the visitor or to them (outbound delivery reads the
/// assistant's replies on channel conversations from here).
pub fn lead_message_added(
    tenant: &TenantId,
    lead_id: &str,
    source: LeadSource,
    message: &ChatMessage,
) -> DomainEvent {
    DomainEvent {
        kind: EventKind::LeadMessageAdded,
        tenant: tenant.clone(),
        aggregate_id: lead_id.to_owned(),
        data: json!({
            "lead_id": lead_id,
            "source": source,
            "role": message.role,
            "content": message.content,
            "timestamp": message.timestamp,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::{
        Channel, CustomerId, MessageId, Priority, Source, TicketCustomer, TicketId,
    };

    fn tenant() -> TenantId {
        TenantId::parse("acme").unwrap()
    }

    fn ticket() -> Ticket {
        Ticket {
            ticket_id: TicketId::generate(1),
            created_at: "2026-11-22T10:00:00.000Z".into(),
            updated_at: "2026-11-22T10:00:00.000Z".into(),
            status: TicketStatus::New,
            priority: Priority::Medium,
            assigned_agent_id: None,
            tags: vec![],
            source: Source {
                channel: Channel::Whatsapp,
                origin_platform_id: None,
                is_bot_handoff: false,
                account_id: None,
            },
            customer: TicketCustomer {
                internal_id: CustomerId::generate(2),
                name: None,
                primary_email: None,
                channel_identity: "+1555".into(),
            },
            subject: "Help".into(),
            last_agent_message: None,
            message_count: 1,
        }
    }

    fn kinds(events: &[DomainEvent]) -> Vec<EventKind> {
        events.iter().map(|event| event.kind).collect()
    }

    #[test]
    fn ticket_events_follow_what_changed() {
        let before = ticket();
        assert_eq!(
            kinds(&ticket_changes(&tenant(), None, Some(&before))),
            [EventKind::TicketCreated]
        );
        let mut resolved = before.clone();
        resolved.status = TicketStatus::Resolved;
        resolved.assigned_agent_id = Some("ana".into());
        let events = ticket_changes(&tenant(), Some(&before), Some(&resolved));
        assert_eq!(
            kinds(&events),
            [
                EventKind::TicketUpdated,
                EventKind::TicketStatusChanged,
                EventKind::TicketResolved,
                EventKind::TicketAssigned
            ]
        );
        assert_eq!(
            events[0].data["changed"],
            json!(["status", "assigned_agent_id"])
        );
        assert_eq!(events[1].data["from"], "new");
        assert_eq!(events[1].data["to"], "resolved");
        assert!(
            events
                .iter()
                .all(|event| event.aggregate_id == before.ticket_id.as_str())
        );

        let mut replied = before.clone();
        replied.message_count = 2;
        replied.updated_at = "2026-11-22T10:01:00.000Z".into();
        assert!(ticket_changes(&tenant(), Some(&before), Some(&replied)).is_empty());
        assert!(ticket_changes(&tenant(), Some(&before), None).is_empty());
    }

    #[test]
    fn messages_have_a_direction_and_system_events_are_not_messages() {
        let id = TicketId::generate(1);
        let message = |sender, visibility| {
            TimelineEntry::message(MessageId::generate(3), "t", sender, visibility, "hi".into())
        };
        let direction_of = |entry: &TimelineEntry| {
            timeline_entry_added(&tenant(), &id, entry).unwrap().data["direction"].clone()
        };
        assert_eq!(
            direction_of(&message(SenderType::Customer, Visibility::Public)),
            "inbound"
        );
        assert_eq!(
            direction_of(&message(SenderType::Agent, Visibility::Public)),
            "outbound"
        );
        assert_eq!(
            direction_of(&message(SenderType::Bot, Visibility::Public)),
            "outbound"
        );
        assert_eq!(
            direction_of(&message(SenderType::Agent, Visibility::Internal)),
            "internal"
        );
        let event = TimelineEntry::event(MessageId::generate(4), "t", "Status changed".into());
        assert!(timeline_entry_added(&tenant(), &id, &event).is_none());
    }

    #[test]
    fn lead_events_follow_intent_readiness_and_conversion() {
        let lead = LeadState {
            lead_id: "lead_1".into(),
            source: LeadSource::Form,
            user_id: Some("user_1".into()),
            email: Some("a@b.co".into()),
            name: None,
            phone: None,
            intent: None,
            score: 0,
            status: LeadStatus::New,
            is_lead_ready: false,
            ai_summary: None,
            conversation_ids: vec!["conv_1".into()],
            updated_at: 1,
        };
        assert_eq!(
            kinds(&lead_changes(&tenant(), None, Some(&lead))),
            [EventKind::LeadCreated]
        );
        assert!(lead_changes(&tenant(), Some(&lead), Some(&lead)).is_empty());
        let mut another_conversation = lead.clone();
        another_conversation.conversation_ids.push("conv_2".into());
        assert_eq!(
            kinds(&lead_changes(
                &tenant(),
                Some(&lead),
                Some(&another_conversation)
            )),
            [EventKind::LeadUpdated]
        );
        let mut hot = lead.clone();
        hot.intent = Some(LeadIntent::Hot);
        hot.is_lead_ready = true;
        hot.status = LeadStatus::Qualified;
        assert_eq!(
            kinds(&lead_changes(&tenant(), Some(&lead), Some(&hot))),
            [
                EventKind::LeadUpdated,
                EventKind::LeadIntentChanged,
                EventKind::LeadBecameReady
            ]
        );
        // Created HOT by its first message: the intent change is announced too.
        assert_eq!(
            kinds(&lead_changes(&tenant(), None, Some(&hot))),
            [
                EventKind::LeadCreated,
                EventKind::LeadIntentChanged,
                EventKind::LeadBecameReady
            ]
        );
        let mut converted = hot.clone();
        converted.status = LeadStatus::Converted;
        assert_eq!(
            kinds(&lead_changes(&tenant(), Some(&hot), Some(&converted))),
            [EventKind::LeadUpdated, EventKind::LeadConverted]
        );
    }

    #[test]
    fn every_kind_has_a_distinct_name_and_a_stream() {
        let names: std::collections::BTreeSet<_> =
            EventKind::ALL.iter().map(|kind| kind.name()).collect();
        assert_eq!(names.len(), EventKind::ALL.len());
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_name(kind.name()), Some(kind));
            let typed = format!("com.frontdesk.{}", kind.name());
            assert_eq!(EventKind::from_name(&typed), Some(kind));
        }
        assert_eq!(EventKind::from_name("ticket.exploded"), None);
        assert_eq!(EventKind::MessageAdded.stream(), EventStream::Messages);
        assert_eq!(EventKind::CustomerCreated.stream(), EventStream::Tickets);
        assert_eq!(EventKind::LeadConverted.stream(), EventStream::Leads);
    }
}
