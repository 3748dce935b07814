//! Meta's webhooks — WhatsApp Cloud API, Messenger and Instagram messaging: the subscription
//! handshake, the account a delivery is for, and the deliveries reduced to [`Delivery`].
//!
//! Meta delivers at least once and out of order, batching several entries, changes and messages
//! into one POST; every one of them is read, and the message ids are left for the caller to
//! de-duplicate. Members this crate does not use are ignored, so new fields never break a
//! delivery; a missing member it needs (a message id, a sender) is a [`ParseError`].
//!
//! Choices where the providers leave room:
//! - A WhatsApp message of a type not modelled here (`unsupported`, `order`, kinds added later)
//!   becomes an [`InboundMessage`] with `text: None` and its `raw_kind`, so the agent at least
//!   sees that the customer wrote. Reactions, system notices (a number change) and
//!   `request_welcome` are not customer messages and go to `ignored`.
//! - A location becomes text: its name, address and coordinates.
//! - A Messenger or Instagram postback (a tapped button) with a `mid` becomes a message whose text
//!   is the button's title; echoes, deleted messages, reactions, delivery and read receipts,
//!   referrals and every other event go to `ignored`.

use std::fmt;

use domain::ticket::Channel;
use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

use crate::inbound::{
    Delivery, DeliveryState, DeliveryStatus, InboundMessage, Media, MediaKind, ParseError,
};
use crate::json::{self, Integer, decode, expect_object, id_text, non_blank};
use crate::signature::constant_time_eq;

const WHATSAPP_OBJECT: &str = "whatsapp_business_account";
const PAGE_OBJECT: &str = "page";
const INSTAGRAM_OBJECT: &str = "instagram";

// ---------------------------------------------------------------------------------------------
// Subscription handshake
// ---------------------------------------------------------------------------------------------

/// The three parameters of Meta's `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`.
#[derive(Clone, Copy, Default)]
pub struct Subscription<'a> {
    pub mode: Option<&'a str>,
    pub verify_token: Option<&'a str>,
    pub challenge: Option<&'a str>,
}

// The token is a secret: a logged request must not reveal it.
impl fmt::Debug for Subscription<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("mode", &self.mode)
            .field("verify_token", &self.verify_token.map(|_| "<redacted>"))
            .field("challenge", &self.challenge)
            .finish()
    }
}

/// Why a subscription handshake was refused; the route answers 403 for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Refused {
    #[error("hub.mode is not \"subscribe\"")]
    WrongMode,
    #[error("hub.verify_token does not match")]
    WrongToken,
    #[error("hub.challenge is missing")]
    MissingChallenge,
}

/// Meta's handshake: `hub.mode` must be `subscribe` and `hub.verify_token` the token configured
/// for the account (compared in constant time). The answer is the challenge exactly as received,
/// to be sent back as a `text/plain` 200 body.
///
/// An empty `expected_token` refuses everything, so an unset token never opens the route.
pub fn verify_subscription(
    query: &Subscription<'_>,
    expected_token: &str,
) -> Result<String, Refused> {
    if query.mode != Some("subscribe") {
        return Err(Refused::WrongMode);
    }
    let token = query.verify_token.unwrap_or_default();
    if expected_token.is_empty() || !constant_time_eq(token.as_bytes(), expected_token.as_bytes()) {
        return Err(Refused::WrongToken);
    }
    match query.challenge {
        Some(challenge) if !challenge.is_empty() => Ok(challenge.to_owned()),
        _ => Err(Refused::MissingChallenge),
    }
}

/// The handshake parameters read from a raw query string; see [`subscription_from_query`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SubscriptionQuery {
    pub mode: Option<String>,
    pub verify_token: Option<String>,
    pub challenge: Option<String>,
}

impl SubscriptionQuery {
    /// Borrowed view to pass to [`verify_subscription`].
    pub fn as_subscription(&self) -> Subscription<'_> {
        Subscription {
            mode: self.mode.as_deref(),
            verify_token: self.verify_token.as_deref(),
            challenge: self.challenge.as_deref(),
        }
    }
}

impl fmt::Debug for SubscriptionQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_subscription().fmt(f)
    }
}

/// Reads `hub.mode`, `hub.verify_token` and `hub.challenge` — with their dots, which is what Meta
/// sends (reading `hub_verify_token` was seed 001's bug) — from a raw query string such as
/// `hub.mode=subscribe&hub.verify_token=s%3Acret&hub.challenge=1158201444`. Values are
/// percent-decoded (`+` is a space, as in any form-encoded query); a leading `?` is allowed; when
/// a name repeats, its first value counts; other parameters are skipped.
pub fn subscription_from_query(raw_query: &str) -> SubscriptionQuery {
    let raw_query = raw_query.strip_prefix('?').unwrap_or(raw_query);
    let mut query = SubscriptionQuery::default();
    for (name, value) in form_urlencoded::parse(raw_query.as_bytes()) {
        let slot = match name.as_ref() {
            "hub.mode" => &mut query.mode,
            "hub.verify_token" => &mut query.verify_token,
            "hub.challenge" => &mut query.challenge,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value.into_owned());
        }
    }
    query
}

// ---------------------------------------------------------------------------------------------
// Which account a delivery is for
// ---------------------------------------------------------------------------------------------

/// The accounts a delivery is addressed to, in order of first appearance and without repeats:
/// WhatsApp `entry[].changes[].value.metadata.phone_number_id`, Page and Instagram `entry[].id`.
///
/// Needed before the signature can be checked (the secret depends on the account), so it reads
/// only those members and tolerates anything else being odd; [`parse_whatsapp`] and friends do
/// the strict reading afterwards. A WhatsApp delivery of account-level fields carries no phone
/// number and yields an empty list. Errors only on a body that is not JSON or whose `object` is
/// none of Meta's three.
pub fn account_ids(body: &[u8]) -> Result<Vec<String>, ParseError> {
    let body = json::parse_body(body)?;
    let object = body.get("object").and_then(Value::as_str);
    let entries = body
        .get("entry")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut ids: Vec<String> = Vec::new();
    let mut add = |id: Option<String>| {
        if let Some(id) = id
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    };
    match object {
        Some(WHATSAPP_OBJECT) => {
            for entry in entries {
                let changes = entry.get("changes").and_then(Value::as_array);
                for change in changes.into_iter().flatten() {
                    add(id_text(change.pointer("/value/metadata/phone_number_id")));
                }
            }
        }
        Some(PAGE_OBJECT | INSTAGRAM_OBJECT) => {
            for entry in entries {
                add(id_text(entry.get("id")));
            }
        }
        Some(other) => {
            return Err(ParseError::new(format!(
                "object: \"{other}\" is not a Meta messaging object"
            )));
        }
        None => return Err(ParseError::new("missing field `object`")),
    }
    Ok(ids)
}

// ---------------------------------------------------------------------------------------------
// WhatsApp Cloud API
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Envelope<E> {
    entry: Vec<E>,
}

#[derive(Deserialize)]
struct WaEntry {
    #[serde(default)]
    changes: Vec<WaChange>,
}

#[derive(Deserialize)]
struct WaChange {
    field: String,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
struct WaValue {
    metadata: WaMetadata,
    #[serde(default)]
    contacts: Vec<WaContact>,
    #[serde(default)]
    messages: Vec<WaMessage>,
    #[serde(default)]
    statuses: Vec<WaStatus>,
    /// Errors about the webhook itself rather than one message (out-of-band failures).
    #[serde(default)]
    errors: Vec<WaError>,
}

#[derive(Deserialize)]
struct WaMetadata {
    #[serde(deserialize_with = "json::id")]
    phone_number_id: String,
}

#[derive(Deserialize)]
struct WaContact {
    wa_id: Option<String>,
    profile: Option<WaProfile>,
}

#[derive(Deserialize)]
struct WaProfile {
    name: Option<String>,
}

#[derive(Deserialize)]
struct WaMessage {
    from: String,
    id: String,
    timestamp: Integer,
    #[serde(rename = "type")]
    kind: String,
    text: Option<WaText>,
    image: Option<WaMedia>,
    video: Option<WaMedia>,
    audio: Option<WaMedia>,
    document: Option<WaMedia>,
    sticker: Option<WaMedia>,
    interactive: Option<WaInteractive>,
    button: Option<WaButton>,
    location: Option<WaLocation>,
    reaction: Option<WaReaction>,
}

#[derive(Deserialize)]
struct WaText {
    body: Option<String>,
}

#[derive(Deserialize)]
struct WaMedia {
    id: Option<String>,
    url: Option<String>,
    mime_type: Option<String>,
    caption: Option<String>,
}

#[derive(Deserialize)]
struct WaInteractive {
    button_reply: Option<WaReply>,
    list_reply: Option<WaReply>,
    /// A WhatsApp Flow's reply: `body` is the summary shown in the chat.
    nfm_reply: Option<WaText>,
}

#[derive(Deserialize)]
struct WaReply {
    title: Option<String>,
}

/// A template's quick-reply button: `text` is its label.
#[derive(Deserialize)]
struct WaButton {
    text: Option<String>,
}

#[derive(Deserialize)]
struct WaLocation {
    latitude: Option<f64>,
    longitude: Option<f64>,
    name: Option<String>,
    address: Option<String>,
}

#[derive(Deserialize)]
struct WaReaction {
    message_id: Option<String>,
}

#[derive(Deserialize)]
struct WaStatus {
    id: String,
    status: String,
    timestamp: Integer,
    recipient_id: String,
    #[serde(default)]
    errors: Vec<WaError>,
}

#[derive(Deserialize)]
struct WaError {
    code: Option<i64>,
    title: Option<String>,
    message: Option<String>,
    error_data: Option<WaErrorData>,
}

#[derive(Deserialize)]
struct WaErrorData {
    details: Option<String>,
}

/// Message kinds that are not something the customer wrote to us.
const WHATSAPP_NON_MESSAGES: &[&str] = &["reaction", "system", "request_welcome"];

/// Reads a WhatsApp Cloud API delivery (`object: whatsapp_business_account`): every entry, every
/// `messages` change, every message and status in it. Changes of other fields (template status,
/// account updates…) go to `ignored`.
pub fn parse_whatsapp(body: &[u8]) -> Result<Delivery, ParseError> {
    let body = json::parse_body(body)?;
    expect_object(&body, WHATSAPP_OBJECT)?;
    let envelope: Envelope<WaEntry> = decode(body, "")?;
    let mut delivery = Delivery::default();
    for (e, entry) in envelope.entry.into_iter().enumerate() {
        for (c, change) in entry.changes.into_iter().enumerate() {
            if change.field != "messages" {
                delivery
                    .ignored
                    .push(format!("whatsapp change of field \"{}\"", change.field));
                continue;
            }
            let value: WaValue = decode(change.value, &format!("entry[{e}].changes[{c}].value"))?;
            read_whatsapp_value(value, &mut delivery);
        }
    }
    Ok(delivery)
}

fn read_whatsapp_value(value: WaValue, delivery: &mut Delivery) {
    let account_id = value.metadata.phone_number_id;
    for error in &value.errors {
        delivery.ignored.push(format!(
            "whatsapp error for {account_id}: {}",
            describe_error(error)
        ));
    }
    for message in value.messages {
        if WHATSAPP_NON_MESSAGES.contains(&message.kind.as_str()) {
            let about = message
                .reaction
                .as_ref()
                .and_then(|reaction| reaction.message_id.as_deref())
                .map(|target| format!(" to {target}"))
                .unwrap_or_default();
            delivery.ignored.push(format!(
                "whatsapp {} {}{about} from {}",
                message.kind, message.id, message.from
            ));
            continue;
        }
        let sender_name = contact_name(&value.contacts, &message.from);
        delivery
            .messages
            .push(whatsapp_message(message, account_id.clone(), sender_name));
    }
    for status in value.statuses {
        let state = match status.status.as_str() {
            "sent" => DeliveryState::Sent,
            "delivered" => DeliveryState::Delivered,
            "read" => DeliveryState::Read,
            "failed" => DeliveryState::Failed,
            other => {
                delivery
                    .ignored
                    .push(format!("whatsapp status \"{other}\" of {}", status.id));
                continue;
            }
        };
        delivery.statuses.push(DeliveryStatus {
            channel: Channel::Whatsapp,
            account_id: account_id.clone(),
            message_id: status.id,
            recipient: status.recipient_id,
            state,
            timestamp: status.timestamp.0,
            error: status.errors.first().map(describe_error),
        });
    }
}

/// The profile name of the message's sender. `contacts[].wa_id` is matched to `from`; when they
/// differ (WhatsApp normalises some countries' numbers, e.g. Brazil's extra 9, differently in the
/// two) a lone contact is taken to be the sender.
fn contact_name(contacts: &[WaContact], from: &str) -> Option<String> {
    let contact = contacts
        .iter()
        .find(|contact| contact.wa_id.as_deref() == Some(from))
        .or(match contacts {
            [only] => Some(only),
            _ => None,
        })?;
    non_blank(contact.profile.as_ref()?.name.as_deref())
}

fn whatsapp_message(
    message: WaMessage,
    account_id: String,
    sender_name: Option<String>,
) -> InboundMessage {
    let attachments = [
        (MediaKind::Image, &message.image),
        (MediaKind::Video, &message.video),
        (MediaKind::Audio, &message.audio),
        (MediaKind::Document, &message.document),
        (MediaKind::Sticker, &message.sticker),
    ];
    let media: Vec<Media> = attachments
        .into_iter()
        .filter_map(|(kind, media)| {
            let media = media.as_ref()?;
            Some(Media {
                kind,
                id: media.id.clone(),
                url: media.url.clone(),
                mime_type: media.mime_type.clone(),
                caption: non_blank(media.caption.as_deref()),
            })
        })
        .collect();
    let text = whatsapp_text(&message).or_else(|| media.iter().find_map(|m| m.caption.clone()));
    InboundMessage {
        channel: Channel::Whatsapp,
        account_id,
        message_id: message.id,
        sender: message.from,
        sender_name,
        text,
        media,
        timestamp: message.timestamp.0,
        raw_kind: message.kind,
    }
}

fn whatsapp_text(message: &WaMessage) -> Option<String> {
    if let Some(text) = &message.text {
        return non_blank(text.body.as_deref());
    }
    if let Some(interactive) = &message.interactive {
        let reply = interactive
            .button_reply
            .as_ref()
            .or(interactive.list_reply.as_ref());
        return match reply {
            Some(reply) => non_blank(reply.title.as_deref()),
            None => non_blank(interactive.nfm_reply.as_ref()?.body.as_deref()),
        };
    }
    if let Some(button) = &message.button {
        return non_blank(button.text.as_deref());
    }
    if let Some(location) = &message.location {
        return location_text(location);
    }
    None
}

/// `Name, Address (lat, long)`, with whichever parts the customer's app sent.
fn location_text(location: &WaLocation) -> Option<String> {
    let label: Vec<&str> = [location.name.as_deref(), location.address.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect();
    let coordinates = match (location.latitude, location.longitude) {
        (Some(latitude), Some(longitude)) => Some(format!("{latitude}, {longitude}")),
        _ => None,
    };
    match (label.is_empty(), coordinates) {
        (true, None) => None,
        (true, Some(coordinates)) => Some(coordinates),
        (false, None) => Some(label.join(", ")),
        (false, Some(coordinates)) => Some(format!("{} ({coordinates})", label.join(", "))),
    }
}

/// `#131047 Re-engagement message: <details>`: the code, the title (or message) and the details,
/// whichever are present.
fn describe_error(error: &WaError) -> String {
    let title = error
        .title
        .as_deref()
        .or(error.message.as_deref())
        .unwrap_or("error");
    let mut text = match error.code {
        Some(code) => format!("#{code} {title}"),
        None => title.to_owned(),
    };
    if let Some(details) = error.error_data.as_ref().and_then(|d| d.details.as_deref())
        && details != title
    {
        text.push_str(": ");
        text.push_str(details);
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Messenger and Instagram
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct PageEntry {
    #[serde(deserialize_with = "json::id")]
    id: String,
    #[serde(default)]
    messaging: Vec<Value>,
    /// Events for threads another app controls (handover protocol): not ours to answer.
    #[serde(default)]
    standby: Vec<Value>,
    /// Feed, comment and mention changes, which are not conversations.
    #[serde(default)]
    changes: Vec<PageChange>,
}

#[derive(Deserialize)]
struct PageChange {
    field: Option<String>,
}

#[derive(Deserialize)]
struct MessagingEvent {
    sender: Party,
    timestamp: Integer,
    message: Option<PageMessage>,
    postback: Option<Postback>,
}

#[derive(Deserialize)]
struct Party {
    #[serde(default, deserialize_with = "optional_id")]
    id: Option<String>,
    /// Guests of the website chat plugin have a `user_ref` instead of an id.
    user_ref: Option<String>,
}

#[derive(Deserialize)]
struct PageMessage {
    mid: String,
    text: Option<String>,
    #[serde(default)]
    is_echo: bool,
    /// Instagram: the customer unsent the message.
    #[serde(default)]
    is_deleted: bool,
    #[serde(default)]
    attachments: Vec<Attachment>,
}

#[derive(Deserialize)]
struct Attachment {
    #[serde(rename = "type")]
    kind: String,
    payload: Option<AttachmentPayload>,
}

#[derive(Deserialize)]
struct AttachmentPayload {
    url: Option<String>,
    sticker_id: Option<Value>,
}

#[derive(Deserialize)]
struct Postback {
    mid: Option<String>,
    title: Option<String>,
}

fn optional_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    json::id(d).map(Some)
}

/// Reads a Messenger delivery (`object: page`): every entry's `messaging[]` events.
pub fn parse_messenger(body: &[u8]) -> Result<Delivery, ParseError> {
    parse_page_like(body, PAGE_OBJECT, Channel::Facebook)
}

/// Reads an Instagram messaging delivery (`object: instagram`): the same shape as Messenger's.
pub fn parse_instagram(body: &[u8]) -> Result<Delivery, ParseError> {
    parse_page_like(body, INSTAGRAM_OBJECT, Channel::Instagram)
}

fn parse_page_like(body: &[u8], object: &str, channel: Channel) -> Result<Delivery, ParseError> {
    let body = json::parse_body(body)?;
    expect_object(&body, object)?;
    let envelope: Envelope<PageEntry> = decode(body, "")?;
    let mut delivery = Delivery::default();
    for (e, entry) in envelope.entry.into_iter().enumerate() {
        for (m, event) in entry.messaging.into_iter().enumerate() {
            let at = format!("entry[{e}].messaging[{m}]");
            read_messaging_event(event, &at, channel, &entry.id, &mut delivery)?;
        }
        if !entry.standby.is_empty() {
            delivery.ignored.push(format!(
                "{channel} {}: {} standby event(s) of a thread another app controls",
                entry.id,
                entry.standby.len()
            ));
        }
        for change in &entry.changes {
            let field = change.field.as_deref().unwrap_or("?");
            delivery.ignored.push(format!(
                "{channel} {}: change of field \"{field}\"",
                entry.id
            ));
        }
    }
    Ok(delivery)
}

fn read_messaging_event(
    raw: Value,
    at: &str,
    channel: Channel,
    account_id: &str,
    delivery: &mut Delivery,
) -> Result<(), ParseError> {
    let kind = event_kind(&raw);
    let event: MessagingEvent = decode(raw, at)?;
    let sender = match (event.sender.id, event.sender.user_ref) {
        (Some(id), _) | (None, Some(id)) => id,
        (None, None) => return Err(ParseError::new(format!("{at}.sender: missing field `id`"))),
    };
    let timestamp = json::millis_to_seconds(event.timestamp.0);

    if let Some(message) = event.message {
        if message.is_echo {
            delivery.ignored.push(format!(
                "{channel} {account_id}: echo of our message {}",
                message.mid
            ));
        } else if message.is_deleted {
            delivery.ignored.push(format!(
                "{channel} {account_id}: {sender} deleted message {}",
                message.mid
            ));
        } else {
            delivery.messages.push(page_message(
                message, channel, account_id, sender, timestamp,
            ));
        }
        return Ok(());
    }

    if let Some(Postback {
        mid: Some(mid),
        title,
    }) = event.postback
        && let Some(title) = non_blank(title.as_deref())
    {
        delivery.messages.push(InboundMessage {
            channel,
            account_id: account_id.to_owned(),
            message_id: mid,
            sender,
            sender_name: None,
            text: Some(title),
            media: Vec::new(),
            timestamp,
            raw_kind: "postback".to_owned(),
        });
        return Ok(());
    }

    delivery.ignored.push(format!(
        "{channel} {account_id}: {kind} event from {sender}"
    ));
    Ok(())
}

/// The name of what a messaging event carries (`delivery`, `read`, `reaction`…): the member
/// beside the addressing ones (there is one per event).
fn event_kind(event: &Value) -> String {
    event
        .as_object()
        .and_then(|members| {
            members
                .keys()
                .find(|key| !matches!(key.as_str(), "sender" | "recipient" | "timestamp"))
        })
        .cloned()
        .unwrap_or_else(|| "empty".to_owned())
}

fn page_message(
    message: PageMessage,
    channel: Channel,
    account_id: &str,
    sender: String,
    timestamp: u64,
) -> InboundMessage {
    let raw_kind = match (message.attachments.first(), &message.text) {
        (Some(first), _) => first.kind.clone(),
        (None, Some(_)) => "text".to_owned(),
        (None, None) => "unsupported".to_owned(),
    };
    let media = message
        .attachments
        .into_iter()
        .map(|attachment| {
            let payload = attachment.payload;
            let is_sticker = payload.as_ref().is_some_and(|p| p.sticker_id.is_some());
            Media {
                kind: if is_sticker {
                    MediaKind::Sticker
                } else {
                    attachment_kind(&attachment.kind)
                },
                id: None,
                url: payload.and_then(|p| p.url),
                mime_type: None,
                caption: None,
            }
        })
        .collect();
    InboundMessage {
        channel,
        account_id: account_id.to_owned(),
        message_id: message.mid,
        sender,
        sender_name: None,
        text: non_blank(message.text.as_deref()),
        media,
        timestamp,
        raw_kind,
    }
}

fn attachment_kind(kind: &str) -> MediaKind {
    match kind {
        "image" => MediaKind::Image,
        "video" => MediaKind::Video,
        "audio" => MediaKind::Audio,
        "file" => MediaKind::Document,
        _ => MediaKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_read_as_text() {
        let location = |name: Option<&str>, latitude: Option<f64>| WaLocation {
            latitude,
            longitude: latitude.map(|l| -l),
            name: name.map(str::to_owned),
            address: Some("5 Main Street".to_owned()),
        };
        assert_eq!(
            location_text(&location(Some("Beach"), Some(37.5))).as_deref(),
            Some("Beach, 5 Main Street (37.5, -37.5)")
        );
        assert_eq!(
            location_text(&location(None, None)).as_deref(),
            Some("5 Main Street")
        );
        let bare = WaLocation {
            latitude: Some(1.0),
            longitude: Some(2.0),
            name: None,
            address: Some(" ".to_owned()),
        };
        assert_eq!(location_text(&bare).as_deref(), Some("1, 2"));
    }

    #[test]
    fn errors_read_as_code_title_and_details() {
        let error = WaError {
            code: Some(131_047),
            title: Some("Re-engagement message".to_owned()),
            message: Some("Re-engagement message".to_owned()),
            error_data: Some(WaErrorData {
                details: Some("More than 24 hours have passed.".to_owned()),
            }),
        };
        assert_eq!(
            describe_error(&error),
            "#131047 Re-engagement message: More than 24 hours have passed."
        );
        let bare = WaError {
            code: None,
            title: None,
            message: Some("Rate limit hit".to_owned()),
            error_data: None,
        };
        assert_eq!(describe_error(&bare), "Rate limit hit");
    }

    #[test]
    fn a_lone_contact_names_a_sender_whose_number_is_spelt_differently() {
        let contact = |wa_id: &str, name: &str| WaContact {
            wa_id: Some(wa_id.to_owned()),
            profile: Some(WaProfile {
                name: Some(name.to_owned()),
            }),
        };
        let one = [contact("5511987654321", "Ana")];
        assert_eq!(contact_name(&one, "551187654321").as_deref(), Some("Ana"));
        let two = [contact("111", "Ana"), contact("222", "Ben")];
        assert_eq!(contact_name(&two, "222").as_deref(), Some("Ben"));
        assert_eq!(contact_name(&two, "333"), None);
    }

    #[test]
    fn the_event_kind_is_the_first_member_past_the_addressing() {
        let event = serde_json::json!({
            "sender": {"id": "1"}, "recipient": {"id": "2"}, "timestamp": 3,
            "read": {"watermark": 4}
        });
        assert_eq!(event_kind(&event), "read");
    }
}
