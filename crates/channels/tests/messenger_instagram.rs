//! Messenger and Instagram messaging deliveries, from the stored samples, reduced to the
//! normalised shape.

mod common;

use channels::MediaKind;
use channels::meta::{account_ids, parse_instagram, parse_messenger};
use common::fixture;
use domain::ticket::Channel;

#[test]
fn a_messenger_text_names_page_sender_and_mid() {
    let delivery = parse_messenger(&fixture("messenger_text.json")).unwrap();
    assert!(delivery.statuses.is_empty());
    assert!(delivery.ignored.is_empty());
    let [message] = delivery.messages.as_slice() else {
        panic!("one message expected: {delivery:?}");
    };
    assert_eq!(message.channel, Channel::Facebook);
    assert_eq!(message.account_id, "104328875843917");
    assert!(message.message_id.starts_with("m_fWxJ2vQpLr5s9xN3bK8y"));
    assert_eq!(message.sender, "7212345678901234");
    assert_eq!(message.sender_name, None);
    assert_eq!(
        message.text.as_deref(),
        Some("Hello, my order #4471 never arrived")
    );
    assert!(message.media.is_empty());
    // Meta stamps in milliseconds: 1749420011512 ms.
    assert_eq!(message.timestamp, 1_749_420_011);
    assert_eq!(message.raw_kind, "text");
}

#[test]
fn a_messenger_echo_of_our_own_reply_is_dropped() {
    let delivery = parse_messenger(&fixture("messenger_echo.json")).unwrap();
    assert!(delivery.messages.is_empty(), "{delivery:?}");
    let [ignored] = delivery.ignored.as_slice() else {
        panic!("one ignored event expected: {delivery:?}");
    };
    assert!(ignored.contains("echo"), "{ignored}");
}

#[test]
fn a_messenger_image_is_media_without_text() {
    let delivery = parse_messenger(&fixture("messenger_image.json")).unwrap();
    let [message] = delivery.messages.as_slice() else {
        panic!("one message expected: {delivery:?}");
    };
    assert_eq!(message.raw_kind, "image");
    assert_eq!(message.text, None);
    let [media] = message.media.as_slice() else {
        panic!("one attachment expected: {message:?}");
    };
    assert_eq!(media.kind, MediaKind::Image);
    assert!(
        media
            .url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://scontent.xx.fbcdn.net/"))
    );
    assert_eq!(media.id, None);
}

#[test]
fn delivery_and_read_receipts_are_acknowledged_not_messages() {
    let delivery = parse_messenger(&fixture("messenger_delivery_read.json")).unwrap();
    assert!(delivery.messages.is_empty());
    assert_eq!(delivery.ignored.len(), 2, "{:?}", delivery.ignored);
    assert!(
        delivery.ignored[0].contains("delivery"),
        "{:?}",
        delivery.ignored
    );
    assert!(
        delivery.ignored[1].contains("read"),
        "{:?}",
        delivery.ignored
    );
}

#[test]
fn a_tapped_button_becomes_its_title_and_other_events_are_listed() {
    let body = br#"{"object":"page","entry":[{"id":"104328875843917","time":1749420500000,
        "messaging":[
          {"sender":{"id":"7212345678901234"},"recipient":{"id":"104328875843917"},
           "timestamp":1749420499000,
           "postback":{"title":"Talk to a person","payload":"HANDOFF","mid":"m_postback_1"}},
          {"sender":{"id":"7212345678901234"},"recipient":{"id":"104328875843917"},
           "timestamp":1749420499500,
           "reaction":{"reaction":"love","emoji":"\u2764","action":"react","mid":"m_x"}},
          {"sender":{"user_ref":"guest-42"},"recipient":{"id":"104328875843917"},
           "timestamp":1749420499900,
           "message":{"mid":"m_guest","text":"hi from the site"}}
        ],
        "changes":[{"field":"feed","value":{"item":"comment"}}]}]}"#;
    let delivery = parse_messenger(body).unwrap();
    let messages: Vec<(&str, &str, Option<&str>, &str)> = delivery
        .messages
        .iter()
        .map(|m| {
            (
                m.message_id.as_str(),
                m.sender.as_str(),
                m.text.as_deref(),
                m.raw_kind.as_str(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        vec![
            (
                "m_postback_1",
                "7212345678901234",
                Some("Talk to a person"),
                "postback"
            ),
            ("m_guest", "guest-42", Some("hi from the site"), "text"),
        ]
    );
    assert_eq!(delivery.ignored.len(), 2, "{:?}", delivery.ignored);
    assert!(
        delivery.ignored[0].contains("reaction"),
        "{:?}",
        delivery.ignored
    );
    assert!(
        delivery.ignored[1].contains("feed"),
        "{:?}",
        delivery.ignored
    );
}

#[test]
fn attachments_keep_their_kind_and_standby_threads_are_not_ours() {
    let body = br#"{"object":"page","entry":[{"id":"104328875843917","time":1749420600000,
        "messaging":[
          {"sender":{"id":"7212345678901234"},"recipient":{"id":"104328875843917"},
           "timestamp":1749420599000,
           "message":{"mid":"m_files","text":"both attached","attachments":[
             {"type":"file","payload":{"url":"https://cdn.fbsbx.com/v/t59/invoice.pdf"}},
             {"type":"image","payload":{"url":"https://scontent.xx.fbcdn.net/sticker.png","sticker_id":369239263222822}},
             {"type":"video","payload":{"url":"https://video.xx.fbcdn.net/clip.mp4"}},
             {"type":"audio","payload":{"url":"https://cdn.fbsbx.com/v/t59/voice.mp4"}},
             {"type":"fallback","payload":{"url":"https://example.com/shared","title":"Shared link"}}
           ]}}
        ],
        "standby":[
          {"sender":{"id":"7212345678901234"},"recipient":{"id":"104328875843917"},
           "timestamp":1749420599500,"message":{"mid":"m_other_app","text":"hello?"}}
        ]}]}"#;
    let delivery = parse_messenger(body).unwrap();
    let [message] = delivery.messages.as_slice() else {
        panic!("one message expected: {delivery:?}");
    };
    assert_eq!(message.raw_kind, "file");
    assert_eq!(message.text.as_deref(), Some("both attached"));
    let kinds: Vec<MediaKind> = message.media.iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        vec![
            MediaKind::Document,
            MediaKind::Sticker,
            MediaKind::Video,
            MediaKind::Audio,
            MediaKind::Other
        ]
    );
    let [ignored] = delivery.ignored.as_slice() else {
        panic!("the standby event is listed once: {delivery:?}");
    };
    assert!(ignored.contains("standby"), "{ignored}");
}

#[test]
fn a_message_without_mid_is_named_by_its_path() {
    let body = String::from_utf8(fixture("messenger_text.json"))
        .unwrap()
        .replacen("\"mid\":", "\"message_id\":", 1);
    let error = parse_messenger(body.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "entry[0].messaging[0].message: missing field `mid`"
    );
}

#[test]
fn an_instagram_text_is_read_like_messenger() {
    let delivery = parse_instagram(&fixture("instagram_text.json")).unwrap();
    let [message] = delivery.messages.as_slice() else {
        panic!("one message expected: {delivery:?}");
    };
    assert_eq!(message.channel, Channel::Instagram);
    assert_eq!(message.account_id, "17841405793187218");
    assert_eq!(message.sender, "1134567890123456");
    assert!(
        message
            .message_id
            .starts_with("aWdfZAG1faXRlbToxOklHTWVzc2FnZA")
    );
    assert_eq!(message.text.as_deref(), Some("Do you ship to Portugal?"));
    assert_eq!(message.timestamp, 1_749_421_001);
    assert!(delivery.ignored.is_empty());
}

#[test]
fn an_instagram_echo_is_dropped() {
    let delivery = parse_instagram(&fixture("instagram_echo.json")).unwrap();
    assert!(delivery.messages.is_empty(), "{delivery:?}");
    assert_eq!(delivery.ignored.len(), 1);
    assert!(delivery.ignored[0].contains("echo"));
}

#[test]
fn each_route_accepts_only_its_own_object() {
    assert!(parse_instagram(&fixture("messenger_text.json")).is_err());
    assert!(parse_messenger(&fixture("instagram_text.json")).is_err());
    assert!(parse_messenger(&fixture("whatsapp_text.json")).is_err());
    assert!(parse_messenger(b"not json").is_err());
}

#[test]
fn page_and_instagram_accounts_are_the_entry_ids_once_each() {
    assert_eq!(
        account_ids(&fixture("messenger_delivery_read.json")).unwrap(),
        vec!["104328875843917"]
    );
    assert_eq!(
        account_ids(&fixture("instagram_echo.json")).unwrap(),
        vec!["17841405793187218"]
    );
    assert!(account_ids(br#"{"for_user_id":"4337869213","direct_message_events":[]}"#).is_err());
    assert!(account_ids(br#"{"object":"user","entry":[]}"#).is_err());
    assert!(account_ids(b"{").is_err());
}
