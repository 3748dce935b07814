//! Support tickets (seed 004): their enums, ids, the status state machine, and what a new message
//! does to a ticket's status; how tickets are opened and changed is in `change`.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::text::{IdentifierError, parse_identifier};
use crate::wire::wire_enum;

mod change;

pub use change::{
    FilledIn, Opening, TicketChange, TicketUpdate, channel_subject, customer_message,
};

wire_enum!(
    /// Where a ticket is in its life.
    TicketStatus, "status" {
        New => "new",
        Open => "open",
        PendingCustomer => "pending_customer",
        Resolved => "resolved",
        Closed => "closed",
    }
);

wire_enum!(
    Priority, "priority" {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
);

wire_enum!(
    /// The channel a ticket or customer identity came from.
    Channel, "channel" {
        WebChat => "web_chat",
        Email => "email",
        Facebook => "facebook",
        Twitter => "twitter",
        Whatsapp => "whatsapp",
        Instagram => "instagram",
    }
);

wire_enum!(
    /// Who wrote a timeline entry.
    SenderType, "sender_type" {
        Customer => "customer",
        Agent => "agent",
        Bot => "bot",
        System => "system",
    }
);

wire_enum!(
    /// How far an outbound message got on its channel, in the order it normally gets there;
    /// `failed` can follow any of them.
    DeliveryState, "delivery state" {
        Sent => "sent",
        Delivered => "delivered",
        Read => "read",
        Failed => "failed",
    }
);

impl DeliveryState {
    /// States only move forward: a late `delivered` never undoes a `read`.
    pub fn rank(self) -> u8 {
        match self {
            Self::Sent => 1,
            Self::Delivered => 2,
            Self::Read => 3,
            Self::Failed => 4,
        }
    }
}

/// Where an outbound message stands on its channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub state: DeliveryState,
    /// The provider's reason, when it failed.
    pub error: Option<String>,
    /// When the provider reported this state, epoch seconds.
    pub at: u64,
}

wire_enum!(
    /// Whether the customer may see a timeline entry; internal notes never leave the help desk.
    Visibility, "visibility" {
        Public => "public",
        Internal => "internal",
    }
);

/// Where a ticket came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Source {
    pub channel: Channel,
    /// The sender's id on the channel's platform (a phone number, a page-scoped id…).
    #[serde(default)]
    pub origin_platform_id: Option<String>,
    /// Whether a chatbot handed this conversation to a human.
    #[serde(default)]
    pub is_bot_handoff: bool,
    /// The tenant's channel account the conversation came through (a WhatsApp
    /// `phone_number_id`, a Page id…): where agents' replies are sent from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// The customer as a ticket shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketCustomer {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub internal_id: CustomerId,
    pub name: Option<String>,
    pub primary_email: Option<String>,
    /// The handle the customer wrote from on the ticket's channel.
    pub channel_identity: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub url: String,
    pub file_type: String,
    #[serde(default)]
    pub file_name: Option<String>,
    #[serde(default)]
    pub size_bytes: Option<u64>,
}

/// The tag every ticket a chatbot handed over carries.
pub const HANDOFF_TAG: &str = "chatbot_handoff";

/// What a timeline entry holds: a message, or an event the help desk logged.
pub const CONTENT_TEXT: &str = "text";
pub const CONTENT_EVENT_LOG: &str = "event_log";

/// One entry of a ticket's timeline: a message from any side, or a system event such as an
/// assignment or a status change. Each is its own item, so a timeline has no size limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub message_id: MessageId,
    /// RFC 3339 UTC with milliseconds.
    pub timestamp: String,
    pub sender_type: SenderType,
    pub content: String,
    /// `text` for messages, `event_log` for system events.
    pub content_type: String,
    pub visibility: Visibility,
    #[serde(default)]
    pub agent_id: Option<String>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub channel_specific_data: serde_json::Map<String, serde_json::Value>,
    /// For a message we sent out on a channel: how far it got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
}

impl TimelineEntry {
    /// A text message with no agent, attachments or channel data (set them after).
    pub fn message(
        message_id: MessageId,
        timestamp: &str,
        sender_type: SenderType,
        visibility: Visibility,
        content: String,
    ) -> Self {
        Self {
            message_id,
            timestamp: timestamp.to_owned(),
            sender_type,
            content,
            content_type: CONTENT_TEXT.to_owned(),
            visibility,
            agent_id: None,
            attachments: Vec::new(),
            channel_specific_data: serde_json::Map::new(),
            delivery: None,
        }
    }

    /// A system event (assignment, status change…), visible to agents only.
    pub fn event(message_id: MessageId, timestamp: &str, content: String) -> Self {
        Self {
            content_type: CONTENT_EVENT_LOG.to_owned(),
            ..Self::message(
                message_id,
                timestamp,
                SenderType::System,
                Visibility::Internal,
                content,
            )
        }
    }

    /// Whether this is an agent's reply the customer can see (what the chatbot polls for).
    /// Whether this is a system event (a logged change), not a message.
    pub fn is_event(&self) -> bool {
        self.content_type == CONTENT_EVENT_LOG
    }

    pub fn is_public_agent_reply(&self) -> bool {
        self.sender_type == SenderType::Agent && self.visibility == Visibility::Public
    }
}

/// A support ticket, without its timeline (which is paged separately).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub ticket_id: TicketId,
    pub created_at: String,
    pub updated_at: String,
    pub status: TicketStatus,
    pub priority: Priority,
    pub assigned_agent_id: Option<String>,
    pub tags: Vec<String>,
    pub source: Source,
    pub customer: TicketCustomer,
    pub subject: String,
    /// The latest public agent reply, kept on the ticket so a status poll is one read.
    #[serde(default)]
    pub last_agent_message: Option<TimelineEntry>,
    /// How many entries the timeline holds.
    #[serde(default)]
    pub message_count: u64,
}

impl Ticket {
    /// The event text logged when the status changes.
    pub fn status_event(from: TicketStatus, to: TicketStatus) -> String {
        format!("Status changed from {from} to {to}")
    }

    /// The event text logged when the ticket is assigned (seed 004's wording).
    pub fn assignment_event(agent_id: &str) -> String {
        format!("Ticket assigned to agent {agent_id}")
    }

    /// The event text logged when the tags change: what was added and what was removed. Tags
    /// are a set, so the same tags in another order are no change (`None`).
    pub fn tags_event(from: &[String], to: &[String]) -> Option<String> {
        let listed = |tags: Vec<&String>| {
            tags.iter()
                .map(|tag| tag.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let added = listed(to.iter().filter(|tag| !from.contains(tag)).collect());
        let removed = listed(from.iter().filter(|tag| !to.contains(tag)).collect());
        match (added.is_empty(), removed.is_empty()) {
            (true, true) => None,
            (false, true) => Some(format!("Tags added: {added}")),
            (true, false) => Some(format!("Tags removed: {removed}")),
            (false, false) => Some(format!("Tags added: {added}; removed: {removed}")),
        }
    }
}

/// A status change the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("a ticket cannot go from '{from}' to '{to}'")]
pub struct ImpossibleTransition {
    pub from: TicketStatus,
    pub to: TicketStatus,
}

impl TicketStatus {
    /// Whether a ticket in this status may be moved to `next`. `new` is only ever a starting
    /// point; `closed` is final (a customer who writes again gets a new ticket); a resolved
    /// ticket can be reopened until it is closed.
    pub fn can_become(self, next: Self) -> bool {
        use TicketStatus::*;
        match (self, next) {
            (_, New) => false,
            (Closed, _) => false,
            (from, to) if from == to => false,
            (New | Open | PendingCustomer, _) => true,
            (Resolved, Open | Closed) => true,
            (Resolved, _) => false,
        }
    }

    /// `next` if the state machine allows it, else the transition it refused.
    pub fn change_to(self, next: Self) -> Result<Self, ImpossibleTransition> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(ImpossibleTransition {
                from: self,
                to: next,
            })
        }
    }

    /// Whether a ticket in this status is still being worked on (new follow-ups join it).
    pub fn is_active(self) -> bool {
        matches!(self, Self::New | Self::Open | Self::PendingCustomer)
    }
}

/// A public message cannot be added to a closed ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("the ticket is closed; only internal notes can be added to it")]
pub struct TicketClosed;

/// The status a ticket moves to when a message is added to it, if it moves: a customer writing
/// on a resolved ticket (or one waiting for them) reopens it, and an agent's first public reply
/// opens a new one. Internal notes and bot or system entries never move it.
pub fn status_after_message(
    current: TicketStatus,
    sender: SenderType,
    visibility: Visibility,
) -> Result<Option<TicketStatus>, TicketClosed> {
    if visibility == Visibility::Internal {
        return Ok(None);
    }
    if current == TicketStatus::Closed {
        return Err(TicketClosed);
    }
    Ok(match (sender, current) {
        (SenderType::Customer, TicketStatus::Resolved | TicketStatus::PendingCustomer) => {
            Some(TicketStatus::Open)
        }
        (SenderType::Agent, TicketStatus::New) => Some(TicketStatus::Open),
        _ => None,
    })
}

/// The longest id accepted from a caller.
const MAX_ID_CHARS: usize = 64;

/// Defines an id type with a fixed prefix and random hex suffix, like seed 004's
/// `tkt_<hex>`, `msg_<hex>` and `cust_<hex>`.
macro_rules! prefixed_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A new id from 48 random bits (12 hex digits, as the original made them).
            pub fn generate(random: u64) -> Self {
                Self(format!("{}{:012x}", $prefix, random & 0xffff_ffff_ffff))
            }

            /// An id presented by a caller: any identifier-safe text (ids made by other systems
            /// are accepted as long as they are safe to key by).
            pub fn parse(raw: &str) -> Result<Self, IdentifierError> {
                parse_identifier(raw, MAX_ID_CHARS).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

prefixed_id!(TicketId, "tkt_");
prefixed_id!(MessageId, "msg_");
prefixed_id!(
    /// A customer's internal id.
    CustomerId,
    "cust_"
);

/// Caps that keep every item far below DynamoDB's 400 KB and every page bounded.
pub mod limits {
    pub const SUBJECT_CHARS: usize = 200;
    pub const CONTENT_CHARS: usize = 20_000;
    pub const TAGS: usize = 20;
    pub const TAG_CHARS: usize = 50;
    pub const ATTACHMENTS: usize = 10;
}

/// A problem with a ticket's text fields, named so the caller can fix it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TicketFieldError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("at most {max} {field} are allowed")]
    TooMany { field: &'static str, max: usize },
}

/// Trims `text` and checks it is present and within `max` characters.
pub fn bounded_text(
    field: &'static str,
    text: &str,
    max: usize,
) -> Result<String, TicketFieldError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(TicketFieldError::Empty { field });
    }
    if trimmed.chars().count() > max {
        return Err(TicketFieldError::TooLong { field, max });
    }
    Ok(trimmed.to_owned())
}

/// Tags as a set: trimmed, lower-cased, de-duplicated in first-seen order, each bounded.
pub fn normalise_tags(tags: &[String]) -> Result<Vec<String>, TicketFieldError> {
    let mut normalised: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = bounded_text("tag", tag, limits::TAG_CHARS)?.to_lowercase();
        if !normalised.contains(&tag) {
            normalised.push(tag);
        }
    }
    if normalised.len() > limits::TAGS {
        return Err(TicketFieldError::TooMany {
            field: "tags",
            max: limits::TAGS,
        });
    }
    Ok(normalised)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_events_say_what_was_added_and_removed() {
        let tags = |list: &[&str]| list.iter().map(|tag| (*tag).to_owned()).collect::<Vec<_>>();
        let event = |from: &[&str], to: &[&str]| Ticket::tags_event(&tags(from), &tags(to));
        assert_eq!(
            event(&["billing"], &["billing", "urgent", "vip"]).as_deref(),
            Some("Tags added: urgent, vip")
        );
        assert_eq!(
            event(&["billing", "urgent"], &["urgent"]).as_deref(),
            Some("Tags removed: billing")
        );
        assert_eq!(
            event(&["billing"], &["refund"]).as_deref(),
            Some("Tags added: refund; removed: billing")
        );
        assert_eq!(event(&["billing", "urgent"], &["urgent", "billing"]), None);
    }

    #[test]
    fn enums_round_trip_and_name_the_accepted_values() {
        for status in TicketStatus::ALL {
            assert_eq!(TicketStatus::parse(status.as_str()), Ok(*status));
        }
        let error = TicketStatus::parse("done").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown status 'done'; expected one of: new, open, pending_customer, resolved, closed"
        );
        assert!(
            Channel::parse("WhatsApp").is_err(),
            "values are case-sensitive"
        );
        assert_eq!(Channel::parse("web_chat"), Ok(Channel::WebChat));
    }

    #[test]
    fn state_machine() {
        use TicketStatus::*;
        let allowed: Vec<(TicketStatus, TicketStatus)> = TicketStatus::ALL
            .iter()
            .flat_map(|from| TicketStatus::ALL.iter().map(move |to| (*from, *to)))
            .filter(|(from, to)| from.can_become(*to))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (New, Open),
                (New, PendingCustomer),
                (New, Resolved),
                (New, Closed),
                (Open, PendingCustomer),
                (Open, Resolved),
                (Open, Closed),
                (PendingCustomer, Open),
                (PendingCustomer, Resolved),
                (PendingCustomer, Closed),
                (Resolved, Open),
                (Resolved, Closed),
            ]
        );
        assert_eq!(
            Closed.change_to(Open).unwrap_err().to_string(),
            "a ticket cannot go from 'closed' to 'open'"
        );
        assert!(Resolved.change_to(PendingCustomer).is_err());
        assert!(Open.change_to(New).is_err());
    }

    #[test]
    fn messages_move_the_status() {
        use SenderType::*;
        use TicketStatus::*;
        use Visibility::*;
        assert_eq!(
            status_after_message(Resolved, Customer, Public),
            Ok(Some(Open))
        );
        assert_eq!(
            status_after_message(PendingCustomer, Customer, Public),
            Ok(Some(Open))
        );
        assert_eq!(status_after_message(New, Agent, Public), Ok(Some(Open)));
        assert_eq!(status_after_message(New, Customer, Public), Ok(None));
        assert_eq!(status_after_message(Resolved, Agent, Internal), Ok(None));
        assert_eq!(status_after_message(Resolved, Bot, Public), Ok(None));
        assert_eq!(
            status_after_message(Closed, Customer, Public),
            Err(TicketClosed)
        );
        assert_eq!(status_after_message(Closed, Agent, Internal), Ok(None));
    }

    #[test]
    fn ids_have_the_seed_shape() {
        let id = TicketId::generate(u64::MAX);
        assert_eq!(id.as_str(), "tkt_ffffffffffff");
        assert_eq!(MessageId::generate(1).as_str(), "msg_000000000001");
        assert!(TicketId::parse("tkt_abc").is_ok());
        assert!(TicketId::parse(&"x".repeat(65)).is_err());
        assert!(TicketId::parse("tkt\n1").is_err());
    }

    #[test]
    fn tags_are_a_bounded_set() {
        let tags = normalise_tags(&["VIP".into(), " vip ".into(), "billing".into()]).unwrap();
        assert_eq!(tags, vec!["vip", "billing"]);
        assert!(normalise_tags(&[" ".into()]).is_err());
        let many: Vec<String> = (0..21).map(|n| format!("t{n}")).collect();
        assert!(normalise_tags(&many).is_err());
    }
}
