//! WhatsApp Cloud API deliveries, from the stored samples, reduced to the normalised shape.

mod common;

use channels::meta::{account_ids, parse_whatsapp};
use channels::{DeliveryState, MediaKind};
use common::fixture;
use domain::ticket::Channel;

#[test]
fn a_text_message_carries_sender_name_and_every_field() {
    let delivery = parse_whatsapp(&fixture("whatsapp_text.json")).unwrap();
    assert!(delivery.statuses.is_empty());
    assert!(delivery.ignored.is_empty());
    let [message] = delivery.messages.as_slice() else {
        panic!("one message expected: {delivery:?}");
    };
    assert_eq!(message.channel, Channel::Whatsapp);
    assert_eq!(message.account_id, "106540352242922");
    assert_eq!(
        message.message_id,
        "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
    );
    assert_eq!(message.sender, "16505551234");
    assert_eq!(message.sender_name.as_deref(), Some("Sheena Nelson"));
    assert_eq!(
        message.text.as_deref(),
        Some("Hi! Does the blue jacket come in size M?")
    );
    assert!(message.media.is_empty());
    assert_eq!(message.timestamp, 1_749_416_383);
    assert_eq!(message.raw_kind, "text");
}

#[test]
fn an_image_brings_its_caption_as_text_and_its_media_reference() {
    let delivery = parse_whatsapp(&fixture("whatsapp_image_caption.json")).unwrap();
    let [message] = delivery.messages.as_slice() else {
        panic!("one message expected: {delivery:?}");
    };
    assert_eq!(message.raw_kind, "image");
    assert_eq!(
        message.text.as_deref(),
        Some("The zip broke after two days")
    );
    let [media] = message.media.as_slice() else {
        panic!("one attachment expected: {message:?}");
    };
    assert_eq!(media.kind, MediaKind::Image);
    assert_eq!(media.id.as_deref(), Some("2754859441498128"));
    assert_eq!(media.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(
        media.caption.as_deref(),
        Some("The zip broke after two days")
    );
    assert!(
        media
            .url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://lookaside.fbsbx.com/"))
    );
}

/// account, sender, sender name, kind, text
type Summary<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, Option<&'a str>);

#[test]
fn every_entry_and_message_of_a_batch_is_read_in_order() {
    let delivery = parse_whatsapp(&fixture("whatsapp_batch.json")).unwrap();
    let summary: Vec<Summary<'_>> = delivery
        .messages
        .iter()
        .map(|m| {
            (
                m.account_id.as_str(),
                m.sender.as_str(),
                m.sender_name.as_deref(),
                m.raw_kind.as_str(),
                m.text.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "106540352242922",
                "16505551234",
                Some("Sheena Nelson"),
                "text",
                Some("I ordered it last week")
            ),
            (
                "106540352242922",
                "16505551234",
                Some("Sheena Nelson"),
                "interactive",
                Some("Exchange it")
            ),
            (
                "113355779911224",
                "447700900123",
                Some("Ben Okafor"),
                "audio",
                None
            ),
            (
                "113355779911224",
                "34612345678",
                Some("Carolina Ruiz"),
                "location",
                Some("Sagrada Familia store, Carrer de Mallorca 401, Barcelona (41.4036, 2.1744)")
            ),
            (
                "113355779911224",
                "34612345678",
                Some("Carolina Ruiz"),
                "document",
                Some("Receipt")
            ),
        ]
    );
    let ids: std::collections::HashSet<&str> = delivery
        .messages
        .iter()
        .map(|m| m.message_id.as_str())
        .collect();
    assert_eq!(ids.len(), 5, "message ids are distinct");

    let audio = &delivery.messages[2];
    assert_eq!(audio.media[0].kind, MediaKind::Audio);
    assert_eq!(
        audio.media[0].mime_type.as_deref(),
        Some("audio/ogg; codecs=opus")
    );
    assert_eq!(audio.media[0].id.as_deref(), Some("1203948576102938"));
    let document = &delivery.messages[4];
    assert_eq!(document.media[0].kind, MediaKind::Document);
    assert_eq!(document.timestamp, 1_749_417_062);
}

#[test]
fn statuses_become_delivery_states_with_the_failure_reason() {
    let delivery = parse_whatsapp(&fixture("whatsapp_statuses.json")).unwrap();
    assert!(delivery.messages.is_empty());
    assert!(delivery.ignored.is_empty());
    let states: Vec<(DeliveryState, &str, u64)> = delivery
        .statuses
        .iter()
        .map(|s| (s.state, s.recipient.as_str(), s.timestamp))
        .collect();
    assert_eq!(
        states,
        vec![
            (DeliveryState::Sent, "16505551234", 1_750_263_773),
            (DeliveryState::Delivered, "16505551234", 1_750_263_775),
            (DeliveryState::Read, "16505551234", 1_750_263_801),
            (DeliveryState::Failed, "447700900123", 1_750_263_810),
        ]
    );
    let read = &delivery.statuses[2];
    assert_eq!(read.channel, Channel::Whatsapp);
    assert_eq!(read.account_id, "106540352242922");
    assert_eq!(
        read.message_id,
        "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI2QzU5QjE0RDdGMEE4RTNCRjcA"
    );
    assert_eq!(read.error, None);
    assert_eq!(
        delivery.statuses[3].error.as_deref(),
        Some(
            "#131047 Re-engagement message: Message failed to send because more than 24 hours \
             have passed since the customer last replied to this number."
        )
    );
}

#[test]
fn unknown_fields_are_skipped_and_unknown_kinds_kept_without_text() {
    let delivery = parse_whatsapp(&fixture("whatsapp_unknown.json")).unwrap();
    let kinds: Vec<(&str, Option<&str>)> = delivery
        .messages
        .iter()
        .map(|m| (m.raw_kind.as_str(), m.text.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("text", Some("Saw your ad, is it still on sale?")),
            ("unsupported", None),
            ("order", None),
        ]
    );
    assert_eq!(
        delivery.messages[0].sender_name.as_deref(),
        Some("Sheena Nelson")
    );
    assert_eq!(delivery.ignored.len(), 2, "{:?}", delivery.ignored);
    assert!(
        delivery.ignored[0].contains("reaction")
            && delivery.ignored[0]
                .contains("wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI2QzU5QjE0RDdGMEE4RTNCRjcA"),
        "{:?}",
        delivery.ignored
    );
    assert!(
        delivery.ignored[1].contains("message_template_status_update"),
        "{:?}",
        delivery.ignored
    );
}

#[test]
fn another_object_or_broken_json_is_a_parse_error() {
    let error = parse_whatsapp(&fixture("messenger_text.json")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "object: expected \"whatsapp_business_account\", found \"page\""
    );
    let error = parse_whatsapp(b"{\"object\": \"whatsapp_business_account\", ").unwrap_err();
    assert!(error.to_string().starts_with("body is not JSON"), "{error}");
    assert!(parse_whatsapp(b"").is_err());
    assert!(parse_whatsapp(b"[]").is_err());
}

#[test]
fn a_missing_member_is_named_by_its_path() {
    let body = String::from_utf8(fixture("whatsapp_batch.json"))
        .unwrap()
        .replacen("\"from\": \"34612345678\",", "", 1);
    let error = parse_whatsapp(body.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "entry[1].changes[0].value.messages[1]: missing field `from`"
    );

    let body = String::from_utf8(fixture("whatsapp_text.json"))
        .unwrap()
        .replace(
            "\"timestamp\": \"1749416383\"",
            "\"timestamp\": \"yesterday\"",
        );
    let error = parse_whatsapp(body.as_bytes()).unwrap_err().to_string();
    assert!(
        error.starts_with("entry[0].changes[0].value.messages[0].timestamp: invalid value"),
        "{error}"
    );
}

#[test]
fn the_accounts_are_known_before_the_body_is_trusted() {
    assert_eq!(
        account_ids(&fixture("whatsapp_batch.json")).unwrap(),
        vec!["106540352242922", "113355779911224"]
    );
    // The template status change carries no phone number; the messages change names it once.
    assert_eq!(
        account_ids(&fixture("whatsapp_unknown.json")).unwrap(),
        vec!["106540352242922"]
    );
    // Lenient: a message the strict parser refuses does not hide the account.
    let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[
        {"field":"messages","value":{"metadata":{"phone_number_id":"106540352242922"},
         "messages":[{"type":"text"}]}}]}]}"#;
    assert!(parse_whatsapp(body).is_err());
    assert_eq!(account_ids(body).unwrap(), vec!["106540352242922"]);
}
