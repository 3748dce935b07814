//! What leaves the help desk towards people, decided from the lifecycle events: an agent's public
//! reply goes to the customer's channel, the assistant's reply on a channel conversation goes to
//! the visitor, and a lead turning HOT or ready is announced to the tenant's team. Internal notes
//! and everything else stay in.

use serde_json::Value;

use crate::events::EventKind;
use crate::lead::{LeadIntent, LeadSource};
use crate::ticket::{SenderType, Visibility};

/// One thing to deliver, decided from one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// An agent's public reply on a ticket, for the ticket's customer.
    TicketReply {
        ticket_id: String,
        message_id: String,
        text: String,
    },
    /// The assistant's reply on a channel conversation with a lead.
    LeadReply {
        lead_id: String,
        source: LeadSource,
        text: String,
    },
    /// An email to the tenant's team about a lead.
    LeadAlert {
        lead_id: String,
        reason: AlertReason,
    },
}

/// Why a lead is announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertReason {
    /// The conversation turned HOT before the lead left a way to reach them.
    Hot,
    /// The lead is HOT and reachable: worth a call now.
    Ready,
}

impl AlertReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hot => "hot",
            Self::Ready => "ready",
        }
    }
}

impl Delivery {
    /// What, if anything, an event of `kind` with `data` (as `crate::events` built it) delivers.
    pub fn of(kind: EventKind, data: &Value) -> Option<Self> {
        let text = |value: &Value| value.as_str().map(str::to_owned);
        match kind {
            EventKind::MessageAdded => {
                let message = &data["message"];
                let public = message["visibility"] == Visibility::Public.as_str();
                let from_agent = message["sender_type"] == SenderType::Agent.as_str();
                (public && from_agent && data["direction"] == "outbound").then_some(())?;
                Some(Self::TicketReply {
                    ticket_id: text(&data["ticket_id"])?,
                    message_id: text(&message["message_id"])?,
                    text: text(&message["content"])?,
                })
            }
            EventKind::LeadMessageAdded => {
                let source = LeadSource::parse(data["source"].as_str()?).ok()?;
                let on_a_channel = matches!(
                    source,
                    LeadSource::Whatsapp | LeadSource::Instagram | LeadSource::Messenger
                );
                (on_a_channel && data["role"] == "assistant").then_some(())?;
                Some(Self::LeadReply {
                    lead_id: text(&data["lead_id"])?,
                    source,
                    text: text(&data["content"])?,
                })
            }
            EventKind::LeadBecameReady => Some(Self::LeadAlert {
                lead_id: text(&data["lead"]["lead_id"])?,
                reason: AlertReason::Ready,
            }),
            // A lead that became ready in the same change is announced by that event instead.
            EventKind::LeadIntentChanged
                if data["to"] == LeadIntent::Hot.as_str()
                    && data["lead"]["is_lead_ready"] != true =>
            {
                Some(Self::LeadAlert {
                    lead_id: text(&data["lead"]["lead_id"])?,
                    reason: AlertReason::Hot,
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ticket_message(visibility: &str, sender: &str, direction: &str) -> Value {
        json!({
            "ticket_id": "tkt_1",
            "direction": direction,
            "message": {"message_id": "msg_1", "visibility": visibility, "sender_type": sender, "content": "On its way!"},
        })
    }

    #[test]
    fn only_public_agent_replies_leave_a_ticket() {
        assert_eq!(
            Delivery::of(
                EventKind::MessageAdded,
                &ticket_message("public", "agent", "outbound")
            ),
            Some(Delivery::TicketReply {
                ticket_id: "tkt_1".into(),
                message_id: "msg_1".into(),
                text: "On its way!".into()
            })
        );
        for data in [
            ticket_message("internal", "agent", "internal"),
            ticket_message("public", "customer", "inbound"),
        ] {
            assert_eq!(Delivery::of(EventKind::MessageAdded, &data), None, "{data}");
        }
    }

    #[test]
    fn assistant_replies_leave_only_channel_conversations() {
        let reply = |source: &str, role: &str| json!({"lead_id": "lead_1", "source": source, "role": role, "content": "Hi!"});
        assert!(
            Delivery::of(EventKind::LeadMessageAdded, &reply("whatsapp", "assistant")).is_some()
        );
        assert_eq!(
            Delivery::of(EventKind::LeadMessageAdded, &reply("whatsapp", "user")),
            None
        );
        assert_eq!(
            Delivery::of(EventKind::LeadMessageAdded, &reply("chatbot", "assistant")),
            None,
            "the widget shows its replies itself"
        );
    }

    #[test]
    fn a_lead_is_announced_once_for_turning_hot_or_ready() {
        let hot = json!({"to": "HOT", "lead": {"lead_id": "lead_1", "is_lead_ready": false}});
        assert_eq!(
            Delivery::of(EventKind::LeadIntentChanged, &hot),
            Some(Delivery::LeadAlert {
                lead_id: "lead_1".into(),
                reason: AlertReason::Hot
            })
        );
        let hot_and_ready =
            json!({"to": "HOT", "lead": {"lead_id": "lead_1", "is_lead_ready": true}});
        assert_eq!(
            Delivery::of(EventKind::LeadIntentChanged, &hot_and_ready),
            None
        );
        let warm = json!({"to": "WARM", "lead": {"lead_id": "lead_1"}});
        assert_eq!(Delivery::of(EventKind::LeadIntentChanged, &warm), None);
        let ready = json!({"lead": {"lead_id": "lead_1", "is_lead_ready": true}});
        assert_eq!(
            Delivery::of(EventKind::LeadBecameReady, &ready),
            Some(Delivery::LeadAlert {
                lead_id: "lead_1".into(),
                reason: AlertReason::Ready
            })
        );
    }
}
