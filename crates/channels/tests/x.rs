//! X Account Activity deliveries, from the stored samples, and the CRC answer.

mod common;

use channels::x::{account_id, crc_response, parse_x};
use common::fixture;
use domain::ticket::Channel;

#[test]
fn a_dm_from_a_customer_is_a_message_named_from_the_users_map() {
    let delivery = parse_x(&fixture("x_dm.json")).unwrap();
    assert!(delivery.ignored.is_empty(), "{:?}", delivery.ignored);
    assert!(delivery.statuses.is_empty());
    let [message] = delivery.messages.as_slice() else {
        panic!("one message expected: {delivery:?}");
    };
    assert_eq!(message.channel, Channel::Twitter);
    assert_eq!(message.account_id, "4337869213");
    assert_eq!(message.message_id, "1798347012993204613");
    assert_eq!(message.sender, "3001969357");
    assert_eq!(message.sender_name.as_deref(), Some("Jordan Brinks"));
    assert_eq!(
        message.text.as_deref(),
        Some("My order #4471 still says processing, can you help?")
    );
    assert!(message.media.is_empty());
    // created_timestamp "1749422018557" is in milliseconds.
    assert_eq!(message.timestamp, 1_749_422_018);
    assert_eq!(message.raw_kind, "message_create");
}

#[test]
fn our_own_outbound_dm_is_dropped() {
    let delivery = parse_x(&fixture("x_own_dm.json")).unwrap();
    assert!(delivery.messages.is_empty(), "{delivery:?}");
    assert_eq!(delivery.ignored.len(), 1);
    assert!(
        delivery.ignored[0].contains("1798347555870457860"),
        "{:?}",
        delivery.ignored
    );
}

#[test]
fn likes_and_other_events_are_acknowledged_not_messages() {
    let delivery = parse_x(&fixture("x_favorite.json")).unwrap();
    assert!(delivery.messages.is_empty());
    assert_eq!(delivery.ignored.len(), 1);
    assert!(
        delivery.ignored[0].contains("favorite_events"),
        "{:?}",
        delivery.ignored
    );
}

#[test]
fn the_account_is_for_user_id() {
    assert_eq!(account_id(&fixture("x_dm.json")).unwrap(), "4337869213");
    assert_eq!(
        account_id(&fixture("x_favorite.json")).unwrap(),
        "4337869213"
    );
    assert_eq!(
        account_id(&fixture("whatsapp_text.json"))
            .unwrap_err()
            .to_string(),
        "missing field `for_user_id`"
    );
    assert!(account_id(b"[]").is_err());
    assert!(account_id(b"").is_err());
}

#[test]
fn a_delivery_without_for_user_id_or_with_a_broken_dm_is_a_parse_error() {
    let error = parse_x(&fixture("messenger_text.json")).unwrap_err();
    assert_eq!(error.to_string(), "missing field `for_user_id`");
    let body = String::from_utf8(fixture("x_dm.json"))
        .unwrap()
        .replace("\"sender_id\": \"3001969357\",", "");
    let error = parse_x(body.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "direct_message_events[0].message_create: missing field `sender_id`"
    );
}

#[test]
fn the_crc_answer_is_the_base64_hmac_of_the_token() {
    // Computed independently with Python's standard library:
    // python3 -c 'import hmac,hashlib,base64; print("sha256=" + base64.b64encode(hmac.new(
    //   b"frontdesk-consumer-secret", b"aN7pXr2bQe9L", hashlib.sha256).digest()).decode())'
    assert_eq!(
        crc_response("frontdesk-consumer-secret", "aN7pXr2bQe9L"),
        "sha256=l2rDTOU5Z9lZLWglMZy10l4yXo1NGuT8oJk0fUyqXq8="
    );
    assert_ne!(
        crc_response("another-secret", "aN7pXr2bQe9L"),
        crc_response("frontdesk-consumer-secret", "aN7pXr2bQe9L")
    );
}
