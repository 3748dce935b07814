//! The scripted conversations issue 6 is checked with, played through the engine trait as a
//! caller holding a configured engine would.

use assistant::{BuiltIn, Engine, Reply, TenantBrief, Turn, intent};
use domain::lead::LeadIntent;
use domain::lead::is_ready;

fn brief() -> TenantBrief {
    TenantBrief {
        business: "Acme".into(),
        allowed_topics: Vec::new(),
    }
}

/// Plays the visitor's messages through `engine`, keeping the history as a caller would.
async fn play(engine: &dyn Engine, visitor: &[&str]) -> Vec<Reply> {
    let brief = brief();
    let mut history = Vec::new();
    let mut replies = Vec::new();
    for message in visitor {
        let reply = engine.reply(&brief, &history, message).await;
        history.push(Turn::visitor(*message));
        history.push(Turn::assistant(reply.text.clone()));
        replies.push(reply);
    }
    replies
}

#[tokio::test]
async fn a_buyer_who_introduces_themselves_becomes_a_hot_ready_lead() {
    let engine: Box<dyn Engine> = Box::new(BuiltIn);
    let replies = play(
        engine.as_ref(),
        &[
            "hi",
            "I want to buy 3 units this week, I'm Ana, ana@example.com",
        ],
    )
    .await;
    assert_eq!(replies[0].intent, LeadIntent::Neutral);
    let last = &replies[1];
    assert_eq!(last.intent, LeadIntent::Hot);
    assert!(last.score >= 50, "{}", last.score);
    assert_eq!(last.profile.name.as_deref(), Some("Ana"));
    assert_eq!(last.profile.email.as_deref(), Some("ana@example.com"));
    assert_eq!(last.profile.phone, None);
    assert!(is_ready(
        last.score,
        last.profile.email.is_some(),
        last.profile.phone.is_some()
    ));
    assert!(last.text.contains("Ana") && last.text.contains("ana@example.com"));
}

#[tokio::test]
async fn refusals_and_look_alikes_are_not_hot() {
    for (message, expected) in [
        ("I don't want to buy, just browsing", LeadIntent::Cold),
        ("I know", LeadIntent::Neutral),
        ("not interested", LeadIntent::Cold),
    ] {
        let replies = play(&BuiltIn, &["hi", message]).await;
        assert_eq!(replies[1].intent, expected, "{message}");
        assert!(!is_ready(replies[1].score, true, true), "{message}");
    }
}

/// A price question is research, not yet a decision: WARM (see `assistant::intent`).
#[tokio::test]
async fn asking_about_pricing_is_warm() {
    let replies = play(&BuiltIn, &["tell me more about pricing"]).await;
    assert_eq!(replies[0].intent, LeadIntent::Warm);
    assert_eq!(replies[0].score, 45);
    assert!(replies[0].text.ends_with("May I have your name?"));
}

#[test]
fn the_whole_conversation_is_scored_not_only_the_last_message() {
    let early_interest = intent::score(["I'd like to order 2 boxes", "ok", "thanks"]);
    assert_eq!(early_interest.intent, LeadIntent::Hot);
}
