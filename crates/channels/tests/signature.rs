//! Webhook signatures: Meta's hex and X's base64 HMAC-SHA256 over the raw body.

mod common;

use channels::SignatureError;
use channels::signature::{sign_meta, sign_x, verify_meta, verify_x};
use common::fixture;

const APP_SECRET: &str = "frontdesk-app-secret";
const OTHER_APP_SECRET: &str = "another-tenants-app-secret";
const CONSUMER_SECRET: &str = "frontdesk-consumer-secret";

#[test]
fn meta_signatures_match_an_independent_hmac() {
    // python3 -c 'import hmac,hashlib; print("sha256=" + hmac.new(b"frontdesk-app-secret",
    //   b"{\"object\":\"page\",\"entry\":[]}", hashlib.sha256).hexdigest())'
    let body = br#"{"object":"page","entry":[]}"#;
    let expected = "sha256=51e0d86c0bc7f18d103e5d931a128666eef37c87a80bab329f1a8d377b505eff";
    assert_eq!(sign_meta(APP_SECRET, body), expected);
    assert_eq!(verify_meta(APP_SECRET, body, Some(expected)), Ok(()));
    // Hex digits in capitals are the same digest.
    let upper = format!("sha256={}", expected["sha256=".len()..].to_uppercase());
    assert_eq!(verify_meta(APP_SECRET, body, Some(&upper)), Ok(()));
}

#[test]
fn x_signatures_match_an_independent_hmac() {
    // python3 -c 'import hmac,hashlib,base64; print("sha256=" + base64.b64encode(hmac.new(
    //   b"frontdesk-consumer-secret", b"{\"for_user_id\":\"4337869213\"}",
    //   hashlib.sha256).digest()).decode())'
    let body = br#"{"for_user_id":"4337869213"}"#;
    let expected = "sha256=XZ1ueTSA5bi5BvEUbbMw+Wy5Mmu4287VU7VH2SRkOOU=";
    assert_eq!(sign_x(CONSUMER_SECRET, body), expected);
    assert_eq!(verify_x(CONSUMER_SECRET, body, Some(expected)), Ok(()));
}

#[test]
fn a_signed_fixture_verifies_and_any_changed_byte_does_not() {
    let body = fixture("whatsapp_batch.json");
    let header = sign_meta(APP_SECRET, &body);
    assert_eq!(verify_meta(APP_SECRET, &body, Some(&header)), Ok(()));

    let mut tampered = body.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 0x01;
    assert_eq!(
        verify_meta(APP_SECRET, &tampered, Some(&header)),
        Err(SignatureError::Mismatch)
    );

    let body = fixture("x_dm.json");
    let header = sign_x(CONSUMER_SECRET, &body);
    assert_eq!(verify_x(CONSUMER_SECRET, &body, Some(&header)), Ok(()));
    assert_eq!(
        verify_x(CONSUMER_SECRET, &body[..body.len() - 1], Some(&header)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_digest_differing_in_one_byte_anywhere_is_refused() {
    // Catches a comparison that stops early or looks only at part of the digest.
    let body = fixture("whatsapp_text.json");
    let digest = hex::decode(&sign_meta(APP_SECRET, &body)["sha256=".len()..]).unwrap();
    for at in [0, digest.len() / 2, digest.len() - 1] {
        let mut altered = digest.clone();
        altered[at] ^= 0x80;
        let header = format!("sha256={}", hex::encode(&altered));
        assert_eq!(
            verify_meta(APP_SECRET, &body, Some(&header)),
            Err(SignatureError::Mismatch),
            "byte {at}"
        );
    }
}

#[test]
fn a_missing_header_is_missing() {
    let body = fixture("messenger_text.json");
    assert_eq!(
        verify_meta(APP_SECRET, &body, None),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        verify_meta(APP_SECRET, &body, Some("")),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        verify_x(CONSUMER_SECRET, &body, None),
        Err(SignatureError::Missing)
    );
}

#[test]
fn a_header_without_the_sha256_prefix_or_digest_is_malformed() {
    let body = fixture("messenger_text.json");
    let good = sign_meta(APP_SECRET, &body);
    let digest = &good["sha256=".len()..];
    for header in [
        digest.to_owned(),                     // no prefix
        format!("sha1={digest}"),              // the legacy X-Hub-Signature algorithm
        format!("sha256={}", &digest[..40]),   // truncated: never a prefix match
        format!("sha256={digest}00"),          // too long
        format!("sha256={}zz", &digest[..62]), // not hex
        "sha256=".to_owned(),
    ] {
        assert_eq!(
            verify_meta(APP_SECRET, &body, Some(&header)),
            Err(SignatureError::Malformed),
            "{header}"
        );
    }

    let good = sign_x(CONSUMER_SECRET, &body);
    let digest = &good["sha256=".len()..];
    for header in [
        digest.to_owned(),
        format!("sha256={}", hex_of_x_digest(digest)), // Meta's encoding on X's header
        "sha256=not base64!".to_owned(),
    ] {
        assert_eq!(
            verify_x(CONSUMER_SECRET, &body, Some(&header)),
            Err(SignatureError::Malformed),
            "{header}"
        );
    }
}

#[test]
fn a_body_signed_with_another_secret_is_refused() {
    // The same delivery replayed against another tenant's account: its signature was made with
    // the first tenant's secret and must not pass under the second's.
    let body = fixture("whatsapp_text.json");
    let header = sign_meta(OTHER_APP_SECRET, &body);
    assert_eq!(
        verify_meta(APP_SECRET, &body, Some(&header)),
        Err(SignatureError::Mismatch)
    );
    let header = sign_meta(APP_SECRET, &body);
    assert_eq!(
        verify_meta(OTHER_APP_SECRET, &body, Some(&header)),
        Err(SignatureError::Mismatch)
    );

    let body = fixture("x_dm.json");
    let header = sign_x("someone-elses-consumer-secret", &body);
    assert_eq!(
        verify_x(CONSUMER_SECRET, &body, Some(&header)),
        Err(SignatureError::Mismatch)
    );
    // Meta's and X's signatures of the same bytes are not interchangeable either.
    let meta_header = sign_meta(CONSUMER_SECRET, &body);
    assert!(verify_x(CONSUMER_SECRET, &body, Some(&meta_header)).is_err());
}

#[test]
fn an_empty_secret_never_verifies() {
    let body = fixture("messenger_text.json");
    let header = sign_meta("", &body);
    assert_eq!(
        verify_meta("", &body, Some(&header)),
        Err(SignatureError::Mismatch)
    );
    let header = sign_x("", &body);
    assert_eq!(
        verify_x("", &body, Some(&header)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn refusals_explain_themselves_without_secrets() {
    let texts = [
        SignatureError::Missing.to_string(),
        SignatureError::Malformed.to_string(),
        SignatureError::Mismatch.to_string(),
    ];
    assert!(texts[0].contains("X-Hub-Signature-256"), "{}", texts[0]);
    assert!(
        texts[0].contains("x-twitter-webhooks-signature"),
        "{}",
        texts[0]
    );
    assert!(texts[1].contains("sha256="), "{}", texts[1]);
    assert!(texts[2].contains("does not match"), "{}", texts[2]);
}

/// X's base64 digest re-encoded as hex, to check each header accepts only its own encoding.
fn hex_of_x_digest(digest: &str) -> String {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(digest)
        .unwrap();
    hex::encode(bytes)
}
