//! Meta's webhook subscription handshake and X's verify-token comparison helper.

use channels::meta::{Refused, Subscription, subscription_from_query, verify_subscription};
use channels::signature::constant_time_eq;

const TOKEN: &str = "tenant-7-verify-token";

#[test]
fn the_dotted_names_are_read_and_the_challenge_echoed_as_is() {
    let query = subscription_from_query(
        "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=tenant-7-verify-token",
    );
    assert_eq!(query.mode.as_deref(), Some("subscribe"));
    assert_eq!(query.verify_token.as_deref(), Some(TOKEN));
    assert_eq!(query.challenge.as_deref(), Some("1158201444"));
    assert_eq!(
        verify_subscription(&query.as_subscription(), TOKEN),
        Ok("1158201444".to_owned())
    );
}

#[test]
fn values_are_percent_decoded_and_a_leading_question_mark_allowed() {
    let query = subscription_from_query(
        "?hub.mode=subscribe&hub.verify_token=s%3Acr%C3%A9t+token&hub.challenge=a%2Bb%3D%3D&x=1",
    );
    assert_eq!(query.verify_token.as_deref(), Some("s:crét token"));
    assert_eq!(query.challenge.as_deref(), Some("a+b=="));
    assert_eq!(
        verify_subscription(&query.as_subscription(), "s:crét token"),
        Ok("a+b==".to_owned())
    );
}

#[test]
fn underscored_names_are_not_the_protocol() {
    // Seed 001 read `hub_verify_token`; Meta sends `hub.verify_token`.
    let query = subscription_from_query(
        "hub_mode=subscribe&hub_verify_token=tenant-7-verify-token&hub_challenge=42",
    );
    assert_eq!(query.mode, None);
    assert_eq!(query.verify_token, None);
    assert_eq!(query.challenge, None);
    assert_eq!(
        verify_subscription(&query.as_subscription(), TOKEN),
        Err(Refused::WrongMode)
    );
}

#[test]
fn the_first_of_repeated_parameters_counts() {
    let query = subscription_from_query(
        "hub.mode=subscribe&hub.verify_token=wrong&hub.verify_token=tenant-7-verify-token&hub.challenge=1",
    );
    assert_eq!(
        verify_subscription(&query.as_subscription(), TOKEN),
        Err(Refused::WrongToken)
    );
}

#[test]
fn a_wrong_or_missing_token_is_refused() {
    let mut query = Subscription {
        mode: Some("subscribe"),
        verify_token: Some("tenant-7-verify-tokeN"),
        challenge: Some("1158201444"),
    };
    assert_eq!(verify_subscription(&query, TOKEN), Err(Refused::WrongToken));
    query.verify_token = Some("tenant-7-verify-token-and-more");
    assert_eq!(verify_subscription(&query, TOKEN), Err(Refused::WrongToken));
    query.verify_token = Some("");
    assert_eq!(verify_subscription(&query, TOKEN), Err(Refused::WrongToken));
    query.verify_token = None;
    assert_eq!(verify_subscription(&query, TOKEN), Err(Refused::WrongToken));
}

#[test]
fn an_unset_expected_token_refuses_everyone() {
    let query = Subscription {
        mode: Some("subscribe"),
        verify_token: Some(""),
        challenge: Some("1"),
    };
    assert_eq!(verify_subscription(&query, ""), Err(Refused::WrongToken));
    let query = Subscription {
        verify_token: None,
        ..query
    };
    assert_eq!(verify_subscription(&query, ""), Err(Refused::WrongToken));
}

#[test]
fn a_mode_other_than_subscribe_is_refused() {
    for mode in [Some("unsubscribe"), Some("Subscribe"), Some(""), None] {
        let query = Subscription {
            mode,
            verify_token: Some(TOKEN),
            challenge: Some("1158201444"),
        };
        assert_eq!(
            verify_subscription(&query, TOKEN),
            Err(Refused::WrongMode),
            "{mode:?}"
        );
    }
}

#[test]
fn a_missing_challenge_is_refused() {
    for challenge in [None, Some("")] {
        let query = Subscription {
            mode: Some("subscribe"),
            verify_token: Some(TOKEN),
            challenge,
        };
        assert_eq!(
            verify_subscription(&query, TOKEN),
            Err(Refused::MissingChallenge)
        );
    }
}

#[test]
fn the_token_never_appears_in_debug_output() {
    let query = subscription_from_query(
        "hub.mode=subscribe&hub.verify_token=tenant-7-verify-token&hub.challenge=9",
    );
    let printed = format!("{query:?} {:?}", query.as_subscription());
    assert!(!printed.contains(TOKEN), "{printed}");
    assert!(printed.contains("redacted"), "{printed}");
}

#[test]
fn tokens_are_compared_byte_for_byte() {
    assert!(constant_time_eq(TOKEN.as_bytes(), TOKEN.as_bytes()));
    // Differences at the first byte, the last byte and in length all refuse.
    assert!(!constant_time_eq(
        b"Xenant-7-verify-token",
        TOKEN.as_bytes()
    ));
    assert!(!constant_time_eq(
        b"tenant-7-verify-tokeX",
        TOKEN.as_bytes()
    ));
    assert!(!constant_time_eq(b"tenant-7", TOKEN.as_bytes()));
}
