//! Leads: seed 000's one lead per user with its conversations, a lead created through the API,
//! moved along the pipeline on condition of what the agent saw, and the running figures.

use domain::Email;
use domain::lead::{
    ConversationId, ConversationTracking, Lead, LeadDetails, LeadId, LeadIntent, LeadSource,
    LeadStatus, UserId,
};
use domain::replay::ClientKey;
use serde_json::{Value, json};
use usecases::conversations::Answer;
use usecases::leads::{
    LeadError, NewLead, capture_lead, create_lead, figures, leads_of_user, move_lead, read_lead,
    track_conversation,
};
use usecases::memory::MemoryLeads;

use crate::support::{acme, globex};

fn form(fields: Value) -> LeadDetails {
    LeadDetails::from_fields(fields.as_object().unwrap().clone()).unwrap()
}

fn conversation(id: &str) -> ConversationId {
    ConversationId::parse(id).unwrap()
}

fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

#[tokio::test]
async fn a_user_has_one_lead_that_holds_each_conversation_once_in_order() {
    let leads = MemoryLeads::default();
    let first = form(json!({"email": "ana@example.com", "name": "Ana", "userId": "u-1"}));
    let (who, lead) = capture_lead(&leads, &acme(), &first, Some(&conversation("c1")))
        .await
        .unwrap();
    assert_eq!(who, user("u-1"));

    let later = form(json!({"email": "ana@work.example", "userId": "u-1"}));
    let (_, again) = capture_lead(&leads, &acme(), &later, Some(&conversation("c2")))
        .await
        .unwrap();
    assert_eq!(again.lead_id, lead.lead_id);
    assert_eq!(
        again.email.as_deref(),
        Some("ana@work.example"),
        "the latest form wins"
    );
    assert_eq!(
        again.name.as_deref(),
        Some("Ana"),
        "what it leaves out stays"
    );

    // A form that repeats a conversation brings the details up to date without adding it again.
    let phoned = form(json!({"email": "ana@work.example", "phone": "+34 600", "userId": "u-1"}));
    let (_, repeated) = capture_lead(&leads, &acme(), &phoned, Some(&conversation("c1")))
        .await
        .unwrap();
    assert_eq!(repeated.phone.as_deref(), Some("+34 600"));

    let (c2, c3) = (conversation("c2"), conversation("c3"));
    let added = track_conversation(&leads, &acme(), &who, &c3)
        .await
        .unwrap();
    assert_eq!(added.0, ConversationTracking::Added);
    let (tracking, tracked) = track_conversation(&leads, &acme(), &who, &c2)
        .await
        .unwrap();
    assert_eq!(tracking, ConversationTracking::AlreadyTracked);
    assert_eq!(
        tracked.conversation_ids,
        [conversation("c1"), conversation("c2"), conversation("c3")]
    );
    assert_eq!(tracked.conversation_id, Some(conversation("c3")));
    assert_eq!(leads_of_user(&leads, &acme(), &who).await.unwrap().len(), 1);

    // A conversation of a user without a lead makes a placeholder lead.
    let (tracking, placeholder) =
        track_conversation(&leads, &acme(), &user("u-2"), &conversation("c9"))
            .await
            .unwrap();
    assert_eq!(tracking, ConversationTracking::CreatedLead);
    assert_eq!(
        placeholder.email.as_deref(),
        Some("unknown_u-2@placeholder.com")
    );

    // A form naming no user is a new user; another tenant's user of the same id is another user.
    let anonymous = form(json!({"email": "bo@example.com"}));
    let (new_user, theirs) = capture_lead(&leads, &acme(), &anonymous, None)
        .await
        .unwrap();
    assert!(new_user.as_str().starts_with("user_"), "{new_user}");
    assert_ne!(theirs.lead_id, lead.lead_id);
    let (_, globex_lead) = capture_lead(&leads, &globex(), &first, None).await.unwrap();
    assert_ne!(globex_lead.lead_id, lead.lead_id);

    let tally = figures(&leads, &acme()).await.unwrap().leads;
    assert_eq!(tally.leads, 3);
}

#[tokio::test]
async fn first_captures_racing_for_one_user_make_one_lead() {
    let leads = MemoryLeads::default();
    let (acme, details) = (
        acme(),
        form(json!({"email": "ana@example.com", "userId": "u-1"})),
    );
    let (c1, c2) = (conversation("c1"), conversation("c2"));

    leads.race_next_writes(2);
    let (one, two) = tokio::join!(
        capture_lead(&leads, &acme, &details, Some(&c1)),
        capture_lead(&leads, &acme, &details, Some(&c2)),
    );
    let ((_, one), (_, two)) = (one.unwrap(), two.unwrap());
    assert_eq!(one.lead_id, two.lead_id);

    let all = leads_of_user(&leads, &acme, &user("u-1")).await.unwrap();
    assert_eq!(all.len(), 1);
    let mut held = all[0].conversation_ids.clone();
    held.sort();
    assert_eq!(held, [c1, c2], "both conversations, once each");
    assert_eq!(figures(&leads, &acme).await.unwrap().leads.leads, 1);
}

fn new_lead(name: &str, intent: Option<LeadIntent>) -> NewLead {
    NewLead {
        source: LeadSource::Website,
        name: name.into(),
        email: Some(Email::parse("ana@example.com").unwrap()),
        phone: None,
        intent,
    }
}

fn shown(lead: &Lead) -> Value {
    json!({"id": lead.lead_id, "intent": lead.intent})
}

#[tokio::test]
async fn a_lead_moves_only_from_the_version_its_agent_saw() {
    let leads = MemoryLeads::default();
    let created = create_lead(
        &leads,
        &acme(),
        new_lead("Ana", Some(LeadIntent::Hot)),
        None,
        shown,
    )
    .await
    .unwrap();
    let id = LeadId::from_stored(created.body["id"].as_str().unwrap().to_owned());
    assert_eq!(
        read_lead(&leads, &acme(), &id).await.unwrap().version(),
        Some(1)
    );

    let moved = move_lead(&leads, &acme(), &id, LeadStatus::Contacted, Some(&[1]))
        .await
        .unwrap();
    assert_eq!(
        (moved.lead.status, moved.version()),
        (LeadStatus::Contacted, Some(2))
    );
    // An agent acting on what their screen showed before that move is told to read again.
    assert!(matches!(
        move_lead(&leads, &acme(), &id, LeadStatus::Qualified, Some(&[1])).await,
        Err(LeadError::Stale)
    ));
    // So is one whose move finds the lead changed while it is written.
    leads.lose_next_writes(1);
    assert!(matches!(
        move_lead(&leads, &acme(), &id, LeadStatus::Qualified, Some(&[2])).await,
        Err(LeadError::Stale)
    ));
    let read = read_lead(&leads, &acme(), &id).await.unwrap();
    assert_eq!(
        (read.lead.status, read.version()),
        (LeadStatus::Contacted, Some(2))
    );
    // Without a version seen, a move that lost a race is decided again.
    leads.lose_next_writes(1);
    let converted = move_lead(&leads, &acme(), &id, LeadStatus::Converted, None)
        .await
        .unwrap();
    assert_eq!(
        (converted.lead.status, converted.version()),
        (LeadStatus::Converted, Some(3))
    );
    let unchanged = move_lead(&leads, &acme(), &id, LeadStatus::Converted, Some(&[3]))
        .await
        .unwrap();
    assert_eq!(
        unchanged.version(),
        Some(3),
        "a move to where it is writes nothing"
    );

    assert!(matches!(
        move_lead(&leads, &globex(), &id, LeadStatus::New, None).await,
        Err(LeadError::NotFound)
    ));
    let tally = figures(&leads, &acme()).await.unwrap().leads;
    assert_eq!((tally.leads, tally.hot, tally.converted), (1, 1, 1));
}

#[tokio::test]
async fn a_lead_created_with_a_key_is_created_once() {
    let leads = MemoryLeads::default();
    let key = |fingerprint: &str| {
        ClientKey {
            key: "k1".into(),
            fingerprint: fingerprint.into(),
        }
        .replay_key(&acme(), "lead-create", "key#web")
    };

    let first = create_lead(
        &leads,
        &acme(),
        new_lead("Ana", None),
        Some(&key("f1")),
        shown,
    )
    .await
    .unwrap();
    assert_eq!(
        first.body["intent"], "COLD",
        "a lead naming no intent is COLD"
    );
    let again = create_lead(
        &leads,
        &acme(),
        new_lead("Ana", None),
        Some(&key("f1")),
        shown,
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
        create_lead(
            &leads,
            &acme(),
            new_lead("Bo", None),
            Some(&key("f2")),
            shown
        )
        .await,
        Err(LeadError::KeyReused)
    ));
    let tally = figures(&leads, &acme()).await.unwrap().leads;
    assert_eq!((tally.leads, tally.cold), (1, 1));
}
