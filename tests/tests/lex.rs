//! The Lex V2 code hook (seed 003's book-store bot) against the local stack: every sample event in
//! `events/lex-code-hook/` gets the documented answer and leaves the documented users in
//! DynamoDB, and two registrations of one username racing each other make one user.

use domain::TenantId;
use domain::bot_user::Username;
use lex_code_hook::lex::{DialogActionType, IntentState, LexEvent, LexResponse};
use lex_code_hook::{BotTenants, CodeHook};
use tests::{Stack, repo_root};

/// One sample: what Lex must be told to do, the intent's state and the message (if any).
struct Expectation {
    file: &'static str,
    action: DialogActionType,
    state: Option<IntentState>,
    slot_to_elicit: Option<&'static str>,
    message: Option<&'static str>,
}

/// In replay order: later events rely on what earlier ones stored.
const EXPECTATIONS: &[Expectation] = &[
    Expectation {
        file: "register-asks-for-the-email.json",
        action: DialogActionType::Delegate,
        state: Some(IntentState::InProgress),
        slot_to_elicit: None,
        message: None,
    },
    Expectation {
        file: "register-malformed-email.json",
        action: DialogActionType::ElicitSlot,
        state: Some(IntentState::InProgress),
        slot_to_elicit: Some("Email"),
        message: Some(
            "\"ana at example\" is not a valid email address. What is the email address?",
        ),
    },
    Expectation {
        file: "register-ready.json",
        action: DialogActionType::Delegate,
        state: Some(IntentState::InProgress),
        slot_to_elicit: None,
        message: None,
    },
    Expectation {
        file: "register.json",
        action: DialogActionType::Close,
        state: Some(IntentState::Fulfilled),
        slot_to_elicit: None,
        message: Some("User Ana has been registered with email ana@example.com."),
    },
    Expectation {
        file: "register-existing.json",
        action: DialogActionType::Close,
        state: Some(IntentState::Failed),
        slot_to_elicit: None,
        message: Some("User ana is already registered."),
    },
    Expectation {
        file: "edit-malformed-email.json",
        action: DialogActionType::ElicitSlot,
        state: Some(IntentState::InProgress),
        slot_to_elicit: Some("NewEmail"),
        message: Some("\"nope@\" is not a valid email address. What is the new email address?"),
    },
    Expectation {
        file: "edit.json",
        action: DialogActionType::Close,
        state: Some(IntentState::Fulfilled),
        slot_to_elicit: None,
        message: Some("User Ana has been updated with new email ana.lopez@example.com."),
    },
    Expectation {
        file: "edit-missing-user.json",
        action: DialogActionType::Close,
        state: Some(IntentState::Failed),
        slot_to_elicit: None,
        message: Some("User Bob does not exist."),
    },
    Expectation {
        file: "fulfil-without-username.json",
        action: DialogActionType::ElicitSlot,
        state: Some(IntentState::InProgress),
        slot_to_elicit: Some("Username"),
        message: Some("What is the username?"),
    },
    Expectation {
        file: "unknown-intent.json",
        action: DialogActionType::Close,
        state: Some(IntentState::Failed),
        slot_to_elicit: None,
        message: Some("Sorry, I can't help with that request (OrderBookIntent)."),
    },
];

fn sample(file: &str) -> LexEvent {
    let path = repo_root().join("events/lex-code-hook").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{file} is not a Lex V2 event: {error}"))
}

fn hook(stack: &Stack) -> CodeHook {
    CodeHook {
        users: stack.backend.bot_users(),
        tenants: BotTenants::parse("BOOKSTORE1=acme").unwrap(),
    }
}

fn username(raw: &str) -> Username {
    Username::parse(raw).unwrap()
}

#[tokio::test]
async fn every_sample_event_gets_its_documented_answer_and_state() {
    let on_disk: std::collections::BTreeSet<String> =
        std::fs::read_dir(repo_root().join("events/lex-code-hook"))
            .unwrap()
            .map(|file| file.unwrap().file_name().into_string().unwrap())
            .collect();
    let expected: std::collections::BTreeSet<String> =
        EXPECTATIONS.iter().map(|e| e.file.to_owned()).collect();
    assert_eq!(
        on_disk, expected,
        "every Lex sample has its expectation here"
    );

    let stack = Stack::new().await;
    let hook = hook(&stack);
    for expectation in EXPECTATIONS {
        let event = sample(expectation.file);
        let attributes = event.session_state.session_attributes.clone();
        let answer: LexResponse = hook.handle(event).await;
        // The answer must be what Lex parses: round-trip it through JSON.
        let json = serde_json::to_value(&answer).unwrap();
        let file = expectation.file;
        let action = answer.session_state.dialog_action.as_ref().unwrap();
        assert_eq!(action.kind, expectation.action, "{file}: {json}");
        assert_eq!(
            action.slot_to_elicit.as_deref(),
            expectation.slot_to_elicit,
            "{file}"
        );
        let intent = answer.session_state.intent.as_ref().unwrap();
        assert_eq!(intent.state, expectation.state, "{file}: {json}");
        let message = answer.messages.first().map(|m| m.content.as_str());
        assert_eq!(message, expectation.message, "{file}");
        if let Some(first) = answer.messages.first() {
            assert_eq!(first.content_type, "PlainText");
            assert_eq!(json["messages"][0]["contentType"], "PlainText");
        }
        assert_eq!(
            answer.session_state.session_attributes, attributes,
            "{file}: session attributes pass through"
        );
        if let Some(slot) = expectation.slot_to_elicit {
            assert!(
                json["sessionState"]["intent"]["slots"][slot].is_null(),
                "{file}: {json}"
            );
        }
    }
    let users = stack.backend.bot_users();
    let acme = TenantId::parse("acme").unwrap();
    assert_eq!(
        users
            .email_of(&acme, &username("ANA"))
            .await
            .unwrap()
            .as_deref(),
        Some("ana.lopez@example.com")
    );
    assert_eq!(
        users.email_of(&acme, &username("Bob")).await.unwrap(),
        None,
        "an edit never creates"
    );
    let globex = TenantId::parse("globex").unwrap();
    assert_eq!(
        users.email_of(&globex, &username("Ana")).await.unwrap(),
        None,
        "users are per tenant"
    );
    assert_eq!(stack.items(&stack.backend.tables.bot_users).await.len(), 1);
}

#[tokio::test]
async fn two_registrations_of_one_username_racing_make_one_user() {
    let stack = Stack::new().await;
    let hook = hook(&stack);
    let mut first = sample("register.json");
    let mut second = sample("register.json");
    for (event, email) in [
        (&mut first, "one@example.com"),
        (&mut second, "two@example.com"),
    ] {
        let intent = event.session_state.intent.as_mut().unwrap();
        let slot = intent.slots.get_mut("Email").unwrap().as_mut().unwrap();
        slot.value.as_mut().unwrap().interpreted_value = Some(email.to_owned());
    }
    let (a, b) = tokio::join!(hook.handle(first), hook.handle(second));
    let mut states: Vec<IntentState> = [a, b]
        .iter()
        .map(|answer| answer.session_state.intent.as_ref().unwrap().state.unwrap())
        .collect();
    states.sort_by_key(|state| format!("{state:?}"));
    assert_eq!(states, [IntentState::Failed, IntentState::Fulfilled]);
    assert_eq!(stack.items(&stack.backend.tables.bot_users).await.len(), 1);
}

#[tokio::test]
async fn a_bot_of_no_tenant_is_refused_clearly() {
    let stack = Stack::new().await;
    let hook = CodeHook {
        users: stack.backend.bot_users(),
        tenants: BotTenants::parse("OTHERBOT=acme").unwrap(),
    };
    let answer = hook.handle(sample("register.json")).await;
    assert_eq!(
        answer.session_state.intent.unwrap().state,
        Some(IntentState::Failed)
    );
    assert_eq!(
        answer.messages[0].content,
        "This bot is not connected to a Frontdesk tenant yet."
    );
    assert!(
        stack
            .items(&stack.backend.tables.bot_users)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn long_values_heard_by_lex_never_make_a_message_lex_rejects() {
    let stack = Stack::new().await;
    let hook = hook(&stack);
    let long = "x".repeat(1_000);
    for (file, slot) in [
        ("register-malformed-email.json", "Email"),
        ("register-malformed-email.json", "Username"),
        ("edit-malformed-email.json", "NewEmail"),
        ("unknown-intent.json", ""),
    ] {
        let mut event = sample(file);
        let intent = event.session_state.intent.as_mut().unwrap();
        if slot.is_empty() {
            intent.name = format!("Intent{long}");
        } else {
            let value = intent.slots.get_mut(slot).unwrap().as_mut().unwrap();
            let value = value.value.as_mut().unwrap();
            value.original_value = Some(long.clone());
            value.interpreted_value = Some(long.clone());
        }
        let answer = hook.handle(event).await;
        let message = &answer.messages[0].content;
        assert!(
            message.chars().count() <= lex_code_hook::lex::MAX_MESSAGE_CHARS,
            "{file} {slot}: {} characters",
            message.chars().count()
        );
        assert!(message.contains("xxx…"), "{file} {slot}: {message}");
    }
}
