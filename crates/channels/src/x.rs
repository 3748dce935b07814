//! X (Twitter) Account Activity API: the CRC challenge, the account a delivery is for, and
//! direct messages reduced to [`Delivery`].
//!
//! A delivery is one JSON object for one subscribed user (`for_user_id`) carrying one array of
//! events, e.g. `direct_message_events` or `favorite_events`. Only direct messages written to
//! that user become messages. X reports the DMs the user sends too; those (sender ==
//! `for_user_id`) and every other kind of event are acknowledged and listed in `ignored`.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use domain::ticket::Channel;
use serde::Deserialize;
use serde_json::Value;

use crate::inbound::{Delivery, InboundMessage, Media, MediaKind, ParseError};
use crate::json::{self, Integer, decode, id_text, non_blank};
use crate::signature::hmac_sha256;

/// The `response_token` for X's CRC check (`GET ?crc_token=…`): `sha256=` and the base64
/// HMAC-SHA256 of the token under the consumer secret. The route answers
/// `{"response_token": <this>}` with status 200.
pub fn crc_response(consumer_secret: &str, crc_token: &str) -> String {
    format!(
        "sha256={}",
        BASE64.encode(hmac_sha256(consumer_secret, crc_token.as_bytes()))
    )
}

/// The subscribed user a delivery is for (`for_user_id`), read before the signature is checked
/// to pick the secret, so nothing else in the body is examined.
pub fn account_id(body: &[u8]) -> Result<String, ParseError> {
    let body = json::parse_body(body)?;
    if !body.is_object() {
        return Err(ParseError::new("body: expected a JSON object"));
    }
    id_text(body.get("for_user_id")).ok_or_else(|| ParseError::new("missing field `for_user_id`"))
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(deserialize_with = "json::id")]
    for_user_id: String,
    #[serde(default)]
    direct_message_events: Vec<DmEvent>,
    /// The users the events mention, keyed by id: where the sender's display name comes from.
    #[serde(default)]
    users: HashMap<String, User>,
}

#[derive(Deserialize)]
struct DmEvent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(deserialize_with = "json::id")]
    id: String,
    created_timestamp: Option<Integer>,
    message_create: Option<MessageCreate>,
}

#[derive(Deserialize)]
struct MessageCreate {
    #[serde(deserialize_with = "json::id")]
    sender_id: String,
    message_data: MessageData,
}

#[derive(Deserialize)]
struct MessageData {
    text: Option<String>,
    attachment: Option<Attachment>,
}

#[derive(Deserialize)]
struct Attachment {
    media: Option<XMedia>,
}

#[derive(Deserialize)]
struct XMedia {
    id_str: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    media_url_https: Option<String>,
    /// The t.co link X appends to the DM's text to stand for the attachment.
    url: Option<String>,
    video_info: Option<VideoInfo>,
}

#[derive(Deserialize)]
struct VideoInfo {
    #[serde(default)]
    variants: Vec<VideoVariant>,
}

#[derive(Deserialize)]
struct VideoVariant {
    bitrate: Option<u64>,
    content_type: Option<String>,
    url: String,
}

#[derive(Deserialize)]
struct User {
    name: Option<String>,
}

/// Reads an Account Activity delivery: `direct_message_events[]` of type `message_create` sent to
/// `for_user_id` become messages; its own outbound DMs and every other event array
/// (`favorite_events`, `tweet_create_events`, typing and read indicators…) go to `ignored`.
pub fn parse_x(body: &[u8]) -> Result<Delivery, ParseError> {
    let body = json::parse_body(body)?;
    let other_events = other_event_arrays(&body);
    let envelope: Envelope = decode(body, "")?;
    let for_user_id = envelope.for_user_id;
    let mut delivery = Delivery::default();

    for (i, event) in envelope.direct_message_events.into_iter().enumerate() {
        if event.kind != "message_create" {
            delivery.ignored.push(format!(
                "x {for_user_id}: direct message event {} of type \"{}\"",
                event.id, event.kind
            ));
            continue;
        }
        let at = format!("direct_message_events[{i}]");
        let create = event
            .message_create
            .ok_or_else(|| ParseError::new(format!("{at}: missing field `message_create`")))?;
        let timestamp = event
            .created_timestamp
            .ok_or_else(|| ParseError::new(format!("{at}: missing field `created_timestamp`")))?;
        if create.sender_id == for_user_id {
            delivery.ignored.push(format!(
                "x {for_user_id}: our own direct message {}",
                event.id
            ));
            continue;
        }
        let sender_name = envelope
            .users
            .get(&create.sender_id)
            .and_then(|user| non_blank(user.name.as_deref()));
        let (text, media) = text_and_media(create.message_data);
        delivery.messages.push(InboundMessage {
            channel: Channel::Twitter,
            account_id: for_user_id.clone(),
            message_id: event.id,
            sender: create.sender_id,
            sender_name,
            text,
            media,
            // X stamps events in milliseconds.
            timestamp: timestamp.0 / 1000,
            raw_kind: event.kind,
        });
    }

    for (name, count) in other_events {
        delivery
            .ignored
            .push(format!("x {for_user_id}: {count} {name}"));
    }
    Ok(delivery)
}

/// The event arrays of a delivery other than direct messages, with their lengths. X names them
/// `…_events`, except the authorisation revoke, `user_event`.
fn other_event_arrays(body: &Value) -> Vec<(String, usize)> {
    let Some(members) = body.as_object() else {
        return Vec::new();
    };
    members
        .iter()
        .filter(|(name, _)| {
            (name.ends_with("_events") || name.as_str() == "user_event")
                && name.as_str() != "direct_message_events"
        })
        .map(|(name, value)| (name.clone(), value.as_array().map_or(1, Vec::len)))
        .collect()
}

/// The DM's text without the t.co link X appends for an attachment, and the attachment itself.
fn text_and_media(data: MessageData) -> (Option<String>, Vec<Media>) {
    let Some(media) = data.attachment.and_then(|attachment| attachment.media) else {
        return (non_blank(data.text.as_deref()), Vec::new());
    };
    let mut text = data.text.unwrap_or_default();
    if let Some(link) = media.url.as_deref().filter(|link| !link.is_empty())
        && let Some(stripped) = text.trim_end().strip_suffix(link)
    {
        text = stripped.to_owned();
    }
    let kind = match media.kind.as_deref() {
        Some("photo") => MediaKind::Image,
        Some("video" | "animated_gif") => MediaKind::Video,
        _ => MediaKind::Other,
    };
    // For a video `media_url_https` is only its poster frame; the best MP4 is the video.
    let video = media.video_info.and_then(|info| {
        info.variants
            .into_iter()
            .filter(|variant| variant.content_type.as_deref() == Some("video/mp4"))
            .max_by_key(|variant| variant.bitrate.unwrap_or(0))
    });
    let (url, mime_type) = match video {
        Some(video) => (Some(video.url), video.content_type),
        None => (media.media_url_https, None),
    };
    let media = Media {
        kind,
        id: media.id_str,
        url,
        mime_type,
        caption: None,
    };
    (non_blank(Some(&text)), vec![media])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_attachment_link_is_cut_from_the_text_and_the_best_mp4_kept() {
        let data: MessageData = serde_json::from_value(json!({
            "text": "Here is the problem https://t.co/abc123",
            "attachment": {"type": "media", "media": {
                "id_str": "99", "type": "video",
                "media_url_https": "https://pbs.twimg.com/poster.jpg",
                "url": "https://t.co/abc123",
                "video_info": {"variants": [
                    {"bitrate": 256000, "content_type": "video/mp4", "url": "https://video.twimg.com/low.mp4"},
                    {"content_type": "application/x-mpegURL", "url": "https://video.twimg.com/pl.m3u8"},
                    {"bitrate": 832000, "content_type": "video/mp4", "url": "https://video.twimg.com/high.mp4"}
                ]}
            }}
        }))
        .unwrap();
        let (text, media) = text_and_media(data);
        assert_eq!(text.as_deref(), Some("Here is the problem"));
        assert_eq!(media.len(), 1);
        assert_eq!(media[0].kind, MediaKind::Video);
        assert_eq!(media[0].id.as_deref(), Some("99"));
        assert_eq!(
            media[0].url.as_deref(),
            Some("https://video.twimg.com/high.mp4")
        );
        assert_eq!(media[0].mime_type.as_deref(), Some("video/mp4"));
    }

    #[test]
    fn a_photo_alone_has_no_text() {
        let data: MessageData = serde_json::from_value(json!({
            "text": "https://t.co/xyz",
            "attachment": {"type": "media", "media": {
                "id_str": "7", "type": "photo",
                "media_url_https": "https://pbs.twimg.com/dm/7.jpg",
                "url": "https://t.co/xyz"
            }}
        }))
        .unwrap();
        let (text, media) = text_and_media(data);
        assert_eq!(text, None);
        assert_eq!(media[0].kind, MediaKind::Image);
        assert_eq!(
            media[0].url.as_deref(),
            Some("https://pbs.twimg.com/dm/7.jpg")
        );
    }

    #[test]
    fn only_event_arrays_other_than_dms_are_listed() {
        let body = json!({
            "for_user_id": "1",
            "users": {},
            "apps": {},
            "direct_message_events": [],
            "favorite_events": [{}, {}],
            "user_event": {"revoke": {}}
        });
        assert_eq!(
            other_event_arrays(&body),
            vec![
                ("favorite_events".to_owned(), 2),
                ("user_event".to_owned(), 1)
            ]
        );
    }
}
