//! The built-in engine: deterministic replies that lead a visitor to leave their name and a way
//! to reach them, one question at a time, within the tenant's topics.
//!
//! It is the default engine and the one every other engine falls back to, so it needs no
//! network, no key and never fails.

use domain::lead::LeadIntent;

use crate::extract;
use crate::intent::{self, IntentScore};
use crate::words::{Kind, tokens};
use usecases::conversations::{Engine, Profile, Reply, ReplyFuture, Role, TenantBrief, Turn};

pub const ENGINE_NAME: &str = "built-in";

/// The deterministic engine. It holds no state: everything comes from the conversation.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltIn;

impl Engine for BuiltIn {
    fn reply<'a>(
        &'a self,
        brief: &'a TenantBrief,
        history: &'a [Turn],
        message: &'a str,
    ) -> ReplyFuture<'a> {
        Box::pin(std::future::ready(self.answer(brief, history, message)))
    }
}

impl BuiltIn {
    /// The reply, synchronously: the engine never waits on anything.
    pub fn answer(&self, brief: &TenantBrief, history: &[Turn], message: &str) -> Reply {
        let before = known_profile(history, None);
        let profile = known_profile(history, Some(message));
        let IntentScore { intent, score } = conversation_score(history, message);
        let gave_details = profile != before || !extract::extract(message).is_empty();
        let off_topic = !gave_details && !within_topics(message, &brief.allowed_topics);

        let (text, follow_up) = if off_topic {
            (refusal(brief), true)
        } else if profile.is_complete() && !before.is_complete() {
            (summary(brief, &profile), false)
        } else if profile.is_complete() {
            let name = profile.name.as_deref().unwrap_or_default();
            (
                format!(
                    "Thanks, {name}. I've added that for the team; is there anything else you'd like them to know?"
                ),
                true,
            )
        } else if intent == LeadIntent::Cold {
            // Pressing a visitor who just said no for their details loses goodwill, not gains a lead.
            (
                "No problem at all. If anything changes or you have a question, just write here."
                    .to_owned(),
                false,
            )
        } else {
            (next_question(brief, history, intent, &profile), true)
        };

        Reply {
            text,
            intent,
            score,
            profile,
            follow_up,
            off_topic,
            engine: ENGINE_NAME,
        }
    }
}

/// The score of every visitor turn in `history` plus `message`.
pub fn conversation_score(history: &[Turn], message: &str) -> IntentScore {
    intent::score(
        history
            .iter()
            .filter(|turn| turn.role == Role::Visitor)
            .map(|turn| turn.content.as_str())
            .chain([message]),
    )
}

/// What the visitor has told us over `history` and, when given, `message` (the newest turn).
///
/// Later details replace earlier ones, since a second address is usually a correction. A turn
/// that is only a name counts as the name when it answers an assistant turn asking for it.
pub fn known_profile(history: &[Turn], message: Option<&str>) -> Profile {
    let mut profile = Profile::default();
    let mut asked_for_name = false;
    let visitor_turns = history
        .iter()
        .map(|turn| (turn.role, turn.content.as_str()))
        .chain(message.map(|m| (Role::Visitor, m)));
    for (role, content) in visitor_turns {
        if role == Role::Assistant {
            asked_for_name = content.to_lowercase().contains("your name");
            continue;
        }
        let found = extract::extract(content);
        let name = found.name.or_else(|| {
            (asked_for_name && profile.name.is_none())
                .then(|| extract::bare_name(content))
                .flatten()
        });
        profile.name = name.or(profile.name);
        profile.email = found.email.or(profile.email);
        profile.phone = found.phone.or(profile.phone);
        asked_for_name = false;
    }
    profile
}

/// Greetings, thanks and short acknowledgements, which are never off-topic.
const SMALL_TALK: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "hiya",
    "thanks",
    "thank",
    "you",
    "ok",
    "okay",
    "yes",
    "no",
    "yeah",
    "yep",
    "nope",
    "sure",
    "bye",
    "goodbye",
    "good",
    "morning",
    "afternoon",
    "evening",
    "great",
    "cool",
    "please",
    "how",
    "are",
    "fine",
    "nice",
    "day",
    "there",
    "cheers",
    "perfect",
    "i",
    "am",
    "i'm",
    "well",
];

/// Whether `message` may be answered: any message when there are no topics, small talk, or a
/// mention of one of the topics (its words in order, ignoring case and a plural "s").
pub fn within_topics(message: &str, topics: &[String]) -> bool {
    let said: Vec<String> = tokens(message)
        .iter()
        .filter(|t| t.kind != Kind::Break)
        .map(|t| singular(&t.norm))
        .collect();
    if topics.is_empty() || said.iter().all(|w| SMALL_TALK.contains(&w.as_str())) {
        return true;
    }
    topics.iter().any(|topic| {
        let wanted: Vec<String> = tokens(topic)
            .iter()
            .filter(|t| t.kind != Kind::Break)
            .map(|t| singular(&t.norm))
            .collect();
        !wanted.is_empty() && said.windows(wanted.len()).any(|window| window == wanted)
    })
}

fn singular(word: &str) -> String {
    match word.strip_suffix('s') {
        Some(stem) if stem.len() >= 3 && !stem.ends_with('s') => stem.to_owned(),
        _ => word.to_owned(),
    }
}

fn refusal(brief: &TenantBrief) -> String {
    format!(
        "Sorry, I can only help with questions about {}{}. Is there anything about {} I can help you with?",
        join_topics(&brief.allowed_topics),
        at_business(brief),
        if brief.allowed_topics.len() == 1 {
            "that"
        } else {
            "those"
        },
    )
}

fn summary(brief: &TenantBrief, profile: &Profile) -> String {
    let name = profile.name.as_deref().unwrap_or_default();
    let reach = match (&profile.email, &profile.phone) {
        (Some(email), Some(phone)) => format!("your email {email} and phone {phone}"),
        (Some(email), None) => format!("your email {email}"),
        (None, Some(phone)) => format!("your phone {phone}"),
        // Not reached for a complete profile, but a wording slip beats a panic mid-chat.
        (None, None) => "your details".to_owned(),
    };
    let who = if brief.business.trim().is_empty() {
        "our team".to_owned()
    } else {
        format!("the team at {}", brief.business.trim())
    };
    format!("Thank you, {name}! I have {reach}. Someone from {who} will be in touch shortly.")
}

/// A short acknowledgement of what the visitor said, then the one question that gets the lead
/// closest to complete: the name first, then an email or phone.
fn next_question(
    brief: &TenantBrief,
    history: &[Turn],
    intent: LeadIntent,
    profile: &Profile,
) -> String {
    let first_reply = !history.iter().any(|turn| turn.role == Role::Assistant);
    let lead_in = match intent {
        LeadIntent::Hot => "Great, I can help you with that.".to_owned(),
        LeadIntent::Warm => "Happy to tell you more.".to_owned(),
        _ if first_reply => format!("Hello! Welcome{}.", to_business(brief)),
        _ => "Thanks for your message.".to_owned(),
    };
    let question = match &profile.name {
        None => "May I have your name?".to_owned(),
        Some(name) => {
            format!("What's the best email address or phone number to reach you, {name}?")
        }
    };
    format!("{lead_in} {question}")
}

fn join_topics(topics: &[String]) -> String {
    match topics {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn at_business(brief: &TenantBrief) -> String {
    match brief.business.trim() {
        "" => String::new(),
        business => format!(" at {business}"),
    }
}

fn to_business(brief: &TenantBrief) -> String {
    match brief.business.trim() {
        "" => String::new(),
        business => format!(" to {business}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brief(topics: &[&str]) -> TenantBrief {
        TenantBrief {
            business: "Acme Solar".into(),
            allowed_topics: topics.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    /// Plays `visitor` turns through the engine, returning every reply.
    fn play(brief: &TenantBrief, visitor: &[&str]) -> Vec<Reply> {
        let mut history = Vec::new();
        let mut replies = Vec::new();
        for message in visitor {
            let reply = BuiltIn.answer(brief, &history, message);
            history.push(Turn::visitor(*message));
            history.push(Turn::assistant(reply.text.clone()));
            replies.push(reply);
        }
        replies
    }

    #[test]
    fn asks_for_the_name_then_a_contact_then_summarises_once() {
        let replies = play(
            &brief(&[]),
            &[
                "hi",
                "I'm interested in panels",
                "Ana",
                "ana@example.com",
                "thanks",
            ],
        );
        assert_eq!(
            replies[0].text,
            "Hello! Welcome to Acme Solar. May I have your name?"
        );
        assert_eq!(
            replies[1].text,
            "Happy to tell you more. May I have your name?"
        );
        assert_eq!(
            replies[2].text,
            "Happy to tell you more. What's the best email address or phone number to reach you, Ana?"
        );
        assert_eq!(replies[2].profile.name.as_deref(), Some("Ana"));
        assert_eq!(
            replies[3].text,
            "Thank you, Ana! I have your email ana@example.com. Someone from the team at Acme Solar will be in touch shortly."
        );
        assert!(!replies[3].follow_up);
        assert!(replies[4].text.starts_with("Thanks, Ana. I've added that"));
        assert_eq!(replies[4].profile.email.as_deref(), Some("ana@example.com"));
        assert!(
            replies
                .iter()
                .all(|r| r.engine == "built-in" && !r.off_topic)
        );
        assert!(replies[..3].iter().all(|r| r.follow_up));
    }

    #[test]
    fn a_bare_word_is_a_name_only_in_answer_to_the_name_question() {
        let replies = play(&brief(&[]), &["Ana"]);
        assert_eq!(replies[0].profile.name, None);
        let history = [
            Turn::visitor("hi"),
            Turn::assistant("Thanks, what is the price?"),
        ];
        assert_eq!(known_profile(&history, Some("Ana")).name, None);
    }

    #[test]
    fn contact_before_name_still_asks_for_the_name() {
        let replies = play(&brief(&[]), &["reach me at +1 555 123 4567"]);
        assert_eq!(replies[0].profile.phone.as_deref(), Some("+15551234567"));
        assert!(replies[0].text.ends_with("May I have your name?"));
    }

    #[test]
    fn a_cold_visitor_is_not_pressed_for_details() {
        let replies = play(&brief(&[]), &["hi", "not interested"]);
        assert_eq!(replies[1].intent, LeadIntent::Cold);
        assert!(!replies[1].follow_up);
        assert!(!replies[1].text.contains('?'));
    }

    #[test]
    fn off_topic_messages_are_refused_naming_the_topics() {
        let topics = brief(&["solar panels", "installation", "financing"]);
        let reply = BuiltIn.answer(&topics, &[], "can you write my homework essay?");
        assert!(reply.off_topic);
        assert_eq!(
            reply.text,
            "Sorry, I can only help with questions about solar panels, installation and financing at Acme Solar. Is there anything about those I can help you with?"
        );
        for allowed in [
            "how much is a solar panel?",
            "do you offer Financing",
            "hello, good morning",
            "I'm Ana",
            "ana@example.com",
        ] {
            let reply = BuiltIn.answer(&topics, &[], allowed);
            assert!(!reply.off_topic, "{allowed}");
        }
    }

    #[test]
    fn no_topics_means_anything_goes() {
        assert!(within_topics("tell me a joke", &[]));
        assert!(!within_topics("tell me a joke", &["shoes".to_owned()]));
        assert!(within_topics("red shoe sizes?", &["shoes".to_owned()]));
    }
}
