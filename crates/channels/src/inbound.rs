//! The normalised shape every provider's webhook delivery is reduced to: the customers' messages,
//! the delivery states of messages we sent, and what was acknowledged without being handled.

use domain::ticket::{Attachment, Channel};
use serde::Serialize;
use serde_json::json;
use thiserror::Error;
use usecases::tickets::ChannelMessage;

/// One message a customer sent us, whatever the channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboundMessage {
    pub channel: Channel,
    /// Our side of the conversation: the WhatsApp `phone_number_id`, the Facebook Page id, the
    /// Instagram professional account id or the X `for_user_id`. Selects tenant and secrets.
    pub account_id: String,
    /// The provider's message id (`wamid.…`, `m_…`/`mid.…`, the X event id). Providers deliver
    /// at least once, so this is the de-duplication key.
    pub message_id: String,
    /// The customer's handle on the channel: WhatsApp `wa_id`, Page- or Instagram-scoped id, X user id.
    pub sender: String,
    /// The name the customer shows on the channel, when the delivery carries it.
    pub sender_name: Option<String>,
    /// The text body, the caption of media, or the title of a tapped button or list row; `None`
    /// when the message has nothing textual.
    pub text: Option<String>,
    pub media: Vec<Media>,
    /// Epoch seconds as the provider stamped the message (their milliseconds are truncated).
    pub timestamp: u64,
    /// The provider's own name for the kind of message (`text`, `image`, `interactive`, …), kept
    /// so a kind this crate does not model still reaches the agent as "something was sent".
    pub raw_kind: String,
}

/// A file or picture attached to an inbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Media {
    pub kind: MediaKind,
    /// The provider's media id (WhatsApp, X), used to fetch the file through their API.
    pub id: Option<String>,
    /// A direct link, when the provider sends one. Meta's links expire and need the access token.
    pub url: Option<String>,
    pub mime_type: Option<String>,
    pub caption: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    Document,
    Sticker,
    /// Shares, story mentions, reels, templates and whatever else a provider attaches.
    Other,
}

/// What became of a message we sent (WhatsApp `statuses[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryStatus {
    pub channel: Channel,
    pub account_id: String,
    /// The id the provider gave our outbound message when it was sent.
    pub message_id: String,
    /// The customer the message went to.
    pub recipient: String,
    pub state: DeliveryState,
    pub timestamp: u64,
    /// Why a failed message failed, from the provider's first error: code, title and details.
    pub error: Option<String>,
}

/// Delivery states in the order they normally happen; `Failed` can follow any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Sent,
    Delivered,
    Read,
    Failed,
}

impl DeliveryState {
    /// The provider's (and our wire) name of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
        }
    }
}

/// Everything one webhook POST carried, in the order the provider listed it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub messages: Vec<InboundMessage>,
    pub statuses: Vec<DeliveryStatus>,
    /// Short descriptions of events that are acknowledged but not handled (echoes of our own
    /// messages, read receipts, likes, unknown fields…), for the logs: the provider must still get
    /// its 200, or it retries them for days.
    pub ignored: Vec<String>,
}

/// A body that is not the provider's documented shape. The text names where it went wrong as a
/// path into the JSON, e.g. `entry[0].changes[0].value.messages[1]: missing field "from"`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct ParseError(String);

impl ParseError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl InboundMessage {
    /// The message as the ticket and lead use cases take it: its text, or its kind in brackets
    /// when it has none (so "something was sent" still reaches the agent), and its media as
    /// attachments (a provider's media id stands in for a link it did not send).
    pub fn to_channel_message(&self) -> ChannelMessage {
        let channel = self.channel;
        ChannelMessage {
            channel,
            account_id: self.account_id.clone(),
            sender: self.sender.clone(),
            sender_name: self.sender_name.clone(),
            provider_message_id: self.message_id.clone(),
            content: self
                .text
                .clone()
                .filter(|text| !text.trim().is_empty())
                .unwrap_or_else(|| format!("[{}]", self.raw_kind)),
            attachments: self
                .media
                .iter()
                .map(|media| Attachment {
                    url: media.url.clone().unwrap_or_else(|| {
                        format!("{channel}-media:{}", media.id.clone().unwrap_or_default())
                    }),
                    file_type: media
                        .mime_type
                        .clone()
                        .unwrap_or_else(|| format!("{:?}", media.kind).to_lowercase()),
                    file_name: None,
                    size_bytes: None,
                })
                .collect(),
            channel_data: json!({
                "provider_message_id": self.message_id,
                "account_id": self.account_id,
                "kind": self.raw_kind,
                "sent_at": self.timestamp,
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        }
    }
}

impl DeliveryStatus {
    /// The report as recorded on the message it is about.
    pub fn to_delivery(&self) -> domain::ticket::Delivery {
        domain::ticket::Delivery {
            state: match self.state {
                DeliveryState::Sent => domain::ticket::DeliveryState::Sent,
                DeliveryState::Delivered => domain::ticket::DeliveryState::Delivered,
                DeliveryState::Read => domain::ticket::DeliveryState::Read,
                DeliveryState::Failed => domain::ticket::DeliveryState::Failed,
            },
            error: self.error.clone(),
            at: self.timestamp,
        }
    }
}
