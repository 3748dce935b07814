//! Conversations with the assistant: a visitor's message answered and recorded on their lead,
//! the limits that keep a conversation and a caller in bounds, repeated requests, and the
//! widget's sessions.

use domain::conversation::{ChatRole, ConversationKey, RateLimit, Session, SessionId};
use domain::lead::{Lead, LeadIntent, LeadSource, LeadStatus, UserId};
use domain::replay::ClientKey;
use domain::{TenantId, TenantProfile};
use serde_json::{Value, json};
use usecases::clock::now_ms;
use usecases::conversations::{
    Answer, ChatLimits, Conversation, Conversations, ConverseError, LeadWrite, Message, Profile,
    Reply, Saved, SessionError, TenantBrief, Turn,
};
use usecases::leads::{figures, read_lead};
use usecases::memory::MemoryLeads;

use crate::support::{acme, chat, globex};

const ROUTE: &str = "chatbot-chat";
const CALLER: &str = "key#web";

fn respond(lead: &Lead, reply: &Reply) -> Value {
    json!({"reply": reply.text, "ready": lead.is_lead_ready})
}

/// A visitor's message in the widget session `session` of `tenant`.
fn said_in(tenant: &TenantId, session: &str, text: &str) -> Message {
    Message::in_session(tenant, ROUTE, session, text, None, CALLER.into())
        .unwrap()
        .0
}

/// A message of the website's visitor `user`, under a client's key when given.
fn from_visitor(user: &str, text: &str, key: Option<&ClientKey>, caller: &str) -> Message {
    let user = UserId::parse(user).unwrap();
    Message::from_visitor(
        &acme(),
        "chat-respond",
        LeadSource::Website,
        user,
        text,
        key,
        caller.into(),
    )
    .unwrap()
}

fn hourly(max: u32) -> RateLimit {
    RateLimit {
        max,
        window_ms: 60 * 60 * 1000,
    }
}

async fn conversation(leads: &MemoryLeads, key: ConversationKey) -> Conversation {
    read_lead(leads, &acme(), &key.lead_id(&acme()))
        .await
        .unwrap()
}

/// A widget session of the tenant that ended an hour ago.
async fn ended_session(leads: &MemoryLeads) -> SessionId {
    let id = SessionId::generate(7, 7);
    let now = now_ms();
    let session = Session {
        id: id.clone(),
        expires_at: now - 60 * 60 * 1000,
    };
    let lead_id = ConversationKey::Session(id.clone()).lead_id(&acme());
    let lead = Lead::new(lead_id, LeadSource::Chatbot, now - 8 * 24 * 60 * 60 * 1000);
    let fresh = Conversation::new(lead.clone(), Some(session));
    let saved = leads
        .save(&acme(), &fresh, &LeadWrite::lead(lead, &fresh))
        .await
        .unwrap();
    assert_eq!(saved, Saved::Done);
    id
}

#[tokio::test]
async fn converse_records_each_exchange_and_the_assistant_reads_the_conversation() {
    let (chat, engine) = chat(ChatLimits::default());
    chat.tenants.save(TenantProfile {
        name: "Acme Homes".into(),
        allowed_topics: vec!["homes".into()],
        ..TenantProfile::unnamed(acme())
    });
    let opened = chat.open_session(&acme(), None, CALLER).await.unwrap();
    assert_eq!(opened.profile.name, "Acme Homes");
    let session = opened.session.id.to_string();

    engine.will_answer(
        LeadIntent::Hot,
        80,
        Profile {
            name: Some("Ana".into()),
            email: Some("ana@Example.COM".into()),
            phone: None,
        },
    );
    let answer = chat
        .converse(
            &acme(),
            said_in(&acme(), &session, "I want to buy"),
            respond,
        )
        .await
        .unwrap();
    assert_eq!(
        answer,
        Answer {
            body: json!({"reply": "Reply to: I want to buy", "ready": true}),
            repeated: false
        }
    );
    chat.converse(&acme(), said_in(&acme(), &session, "This week?"), respond)
        .await
        .unwrap();

    let asked = engine.asked();
    assert_eq!(
        asked[0].brief,
        TenantBrief {
            business: "Acme Homes".into(),
            allowed_topics: vec!["homes".into()]
        }
    );
    assert_eq!(
        asked[1].history,
        [
            Turn::visitor("I want to buy"),
            Turn::assistant("Reply to: I want to buy")
        ]
    );

    let read = conversation(
        &chat.conversations,
        ConversationKey::Session(opened.session.id),
    )
    .await;
    let said: Vec<(ChatRole, &str)> = read
        .recent
        .iter()
        .map(|message| (message.role, message.content.as_str()))
        .collect();
    assert_eq!(
        said,
        [
            (ChatRole::User, "I want to buy"),
            (ChatRole::Assistant, "Reply to: I want to buy"),
            (ChatRole::User, "This week?"),
            (ChatRole::Assistant, "Reply to: This week?")
        ]
    );
    let lead = &read.lead;
    assert_eq!(
        (
            lead.message_count,
            lead.intent,
            lead.status,
            lead.is_lead_ready
        ),
        (4, Some(LeadIntent::Hot), LeadStatus::Qualified, true)
    );
    assert_eq!(
        lead.email.as_deref(),
        Some("ana@example.com"),
        "the address the assistant found, checked"
    );
    assert_eq!(lead.first_message.as_deref(), Some("I want to buy"));
    let tally = figures(&chat.conversations, &acme()).await.unwrap().leads;
    assert_eq!(
        (tally.leads, tally.conversations, tally.hot, tally.replies),
        (1, 1, 1, 2)
    );
}

#[tokio::test]
async fn converse_keeps_to_the_rate_limit_and_to_the_tenants_live_sessions() {
    let (chat, _) = chat(ChatLimits {
        messages_per_conversation: hourly(2),
        new_conversations_per_caller: hourly(100),
    });
    let first = chat.open_session(&acme(), None, CALLER).await.unwrap();
    let one = first.session.id.to_string();
    for text in ["one", "two"] {
        chat.converse(&acme(), said_in(&acme(), &one, text), respond)
            .await
            .unwrap();
    }
    match chat
        .converse(&acme(), said_in(&acme(), &one, "three"), respond)
        .await
    {
        Err(ConverseError::TooManyMessages { retry_after_secs }) => {
            assert!((1..=3600).contains(&retry_after_secs), "{retry_after_secs}");
        }
        other => panic!("{other:?}"),
    }
    let read = conversation(
        &chat.conversations,
        ConversationKey::Session(first.session.id),
    )
    .await;
    assert_eq!(
        read.lead.message_count, 4,
        "a refused message is not written"
    );
    // Another conversation has a limit of its own.
    let other = chat.open_session(&acme(), None, CALLER).await.unwrap();
    chat.converse(
        &acme(),
        said_in(&acme(), other.session.id.as_str(), "hello"),
        respond,
    )
    .await
    .unwrap();

    // A session never opened, one that cannot be, another tenant's, one that ended.
    let never = SessionId::generate(1, 2).to_string();
    assert!(matches!(
        chat.converse(&acme(), said_in(&acme(), &never, "hi"), respond)
            .await,
        Err(ConverseError::UnknownSession)
    ));
    assert!(matches!(
        Message::in_session(&acme(), ROUTE, "not-a-session", "hi", None, CALLER.into()),
        Err(ConverseError::UnknownSession)
    ));
    assert!(matches!(
        chat.converse(&globex(), said_in(&globex(), &one, "hi"), respond)
            .await,
        Err(ConverseError::UnknownSession)
    ));
    let ended = ended_session(&chat.conversations).await.to_string();
    assert!(matches!(
        chat.converse(&acme(), said_in(&acme(), &ended, "hi"), respond)
            .await,
        Err(ConverseError::SessionExpired)
    ));
}

#[tokio::test]
async fn a_repeated_key_gets_the_first_answer_and_the_key_with_another_message_is_refused() {
    let (chat, _) = chat(ChatLimits::default());
    let key = |fingerprint: &str| ClientKey {
        key: "k1".into(),
        fingerprint: fingerprint.into(),
    };

    let first = chat
        .converse(
            &acme(),
            from_visitor("u-1", "Hello", Some(&key("f1")), CALLER),
            respond,
        )
        .await
        .unwrap();
    assert!(!first.repeated);
    let again = chat
        .converse(
            &acme(),
            from_visitor("u-1", "Hello", Some(&key("f1")), CALLER),
            respond,
        )
        .await
        .unwrap();
    assert_eq!(
        again,
        Answer {
            body: first.body,
            repeated: true
        }
    );
    assert!(matches!(
        chat.converse(
            &acme(),
            from_visitor("u-1", "Bye", Some(&key("f2")), CALLER),
            respond
        )
        .await,
        Err(ConverseError::KeyReused)
    ));

    let user_id = UserId::parse("u-1").unwrap();
    let visitor = ConversationKey::Visitor {
        source: LeadSource::Website,
        user_id,
    };
    let read = conversation(&chat.conversations, visitor).await;
    assert_eq!(
        read.lead.message_count, 2,
        "one exchange, however often it came"
    );
}

#[tokio::test]
async fn messages_racing_in_one_conversation_are_each_answered_once_in_turn() {
    let (chat, engine) = chat(ChatLimits::default());
    let opened = chat.open_session(&acme(), None, CALLER).await.unwrap();
    let session = opened.session.id.to_string();

    // Both are answered on the empty conversation; the one written second is answered again.
    let acme = acme();
    chat.conversations.race_next_writes(2);
    let (one, two) = tokio::join!(
        chat.converse(&acme, said_in(&acme, &session, "first?"), respond),
        chat.converse(&acme, said_in(&acme, &session, "second?"), respond),
    );
    one.unwrap();
    two.unwrap();

    let asked = engine.asked();
    assert_eq!(asked.len(), 3);
    assert_eq!(
        asked[2].history.len(),
        2,
        "decided again with the exchange that won"
    );
    let read = conversation(
        &chat.conversations,
        ConversationKey::Session(opened.session.id),
    )
    .await;
    assert_eq!(read.lead.message_count, 4);
    let said: Vec<&str> = read.recent.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(said.len(), 4);
    for exchange in said.chunks(2) {
        assert_eq!(
            exchange[1],
            format!("Reply to: {}", exchange[0]),
            "{said:?}"
        );
    }
    assert_ne!(said[0], said[2]);
}

#[tokio::test]
async fn each_caller_starts_a_limited_number_of_conversations() {
    let (chat, _) = chat(ChatLimits {
        messages_per_conversation: hourly(100),
        new_conversations_per_caller: hourly(2),
    });
    chat.open_session(&acme(), None, CALLER).await.unwrap();
    chat.converse(&acme(), from_visitor("u-1", "Hello", None, CALLER), respond)
        .await
        .unwrap();

    match chat.open_session(&acme(), None, CALLER).await {
        Err(SessionError::TooManyNewConversations { retry_after_secs }) => {
            assert!((1..=3600).contains(&retry_after_secs), "{retry_after_secs}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        chat.converse(&acme(), from_visitor("u-2", "Hi", None, CALLER), respond)
            .await,
        Err(ConverseError::TooManyNewConversations { .. })
    ));
    // A conversation already going is not a new one, and another caller counts its own.
    chat.converse(&acme(), from_visitor("u-1", "Again", None, CALLER), respond)
        .await
        .unwrap();
    chat.open_session(&acme(), None, "key#partner")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_live_session_is_resumed_and_only_by_its_tenant() {
    let (chat, _) = chat(ChatLimits::default());
    let opened = chat.open_session(&acme(), None, CALLER).await.unwrap();
    let id = opened.session.id.to_string();
    chat.converse(&acme(), said_in(&acme(), &id, "Hi"), respond)
        .await
        .unwrap();

    let resumed = chat.open_session(&acme(), Some(&id), CALLER).await.unwrap();
    assert_eq!(resumed.session, opened.session);
    assert_eq!(resumed.conversation.recent.len(), 2);
    assert!(matches!(
        chat.open_session(&globex(), Some(&id), "key#globex").await,
        Err(SessionError::OtherTenant)
    ));

    // A session that ended, or an id that names none, starts a new one.
    let ended = ended_session(&chat.conversations).await.to_string();
    let unknown = SessionId::generate(3, 4).to_string();
    for requested in [ended.as_str(), "not-a-session", unknown.as_str()] {
        let fresh = chat
            .open_session(&acme(), Some(requested), CALLER)
            .await
            .unwrap();
        assert_ne!(fresh.session.id.as_str(), requested);
        assert!(fresh.conversation.recent.is_empty());
        assert!(fresh.session.is_live(now_ms()));
    }
}
