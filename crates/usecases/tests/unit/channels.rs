//! A provider's verified delivery: the delivery reports of what agents sent, recorded for the
//! account they went out from and never backwards, and each message handled once, on a ticket or
//! answered by the assistant on the sender's lead.

use domain::TenantId;
use domain::conversation::ConversationKey;
use domain::lead::{LeadIntent, LeadSource, UserId};
use domain::ticket::{
    Channel, Delivery, DeliveryState, MessageId, SenderType, TicketId, Visibility,
};
use usecases::channels::{
    DeliveryOutcome, Handling, LeadReply, StatusReport, VerifiedDelivery, take_delivery,
};
use usecases::conversations::{ChatLimits, Profile};
use usecases::leads::read_lead;
use usecases::memory::{MemoryTickets, ScriptedEngine};
use usecases::tickets::{
    ChannelMessage, NewMessage, Received, TicketPage, TicketQuery, TimelinePage, add_message,
    list_tickets, read_ticket, receive_channel_message,
};

use crate::support::{SENDER, acme, agent, chat, contents, globex, whatsapp};

fn report(tenant: TenantId, account: &str, state: DeliveryState) -> StatusReport {
    StatusReport {
        tenant,
        channel: Channel::Whatsapp,
        account_id: account.into(),
        message_id: "wamid.out1".into(),
        delivery: Delivery {
            state,
            error: None,
            at: 1_790_000_000,
        },
    }
}

fn statuses(statuses: Vec<StatusReport>) -> VerifiedDelivery {
    VerifiedDelivery {
        statuses,
        ..VerifiedDelivery::default()
    }
}

/// How far the message `message` of the ticket got, as an agent reads it.
async fn delivery_of(tickets: &MemoryTickets, id: &TicketId, message: &MessageId) -> DeliveryState {
    let page = TimelinePage {
        limit: 50,
        cursor: None,
    };
    let read = read_ticket(tickets, &agent("ana"), id, page).await.unwrap();
    let entry = read
        .timeline
        .iter()
        .find(|entry| entry.message_id == *message)
        .unwrap();
    entry.delivery.as_ref().unwrap().state
}

#[tokio::test]
async fn a_delivery_records_the_reports_of_what_was_sent_and_takes_each_message_once() {
    let tickets = MemoryTickets::default();
    let (chat, _) = chat(ChatLimits::default());
    let received =
        receive_channel_message(&tickets, &acme(), whatsapp(SENDER, "wamid.in1", "Hola"))
            .await
            .unwrap();
    let Received::Opened(id) = received else {
        panic!("{received:?}")
    };
    let reply = NewMessage {
        content: "¿En qué puedo ayudar?".into(),
        sender_type: None,
        agent_id: None,
        visibility: Visibility::Public,
        attachments: Vec::new(),
    };
    let page = add_message(&tickets, &agent("ana"), &id, reply)
        .await
        .unwrap();
    let sent = page
        .timeline
        .iter()
        .find(|entry| entry.sender_type == SenderType::Agent)
        .unwrap()
        .message_id
        .clone();
    assert!(tickets.link_outbound(
        &acme(),
        Channel::Whatsapp,
        "acct-1",
        "wamid.out1",
        &id,
        &sent
    ));

    let delivery = VerifiedDelivery {
        messages: vec![
            (acme(), whatsapp(SENDER, "wamid.in2", "Gracias")),
            (acme(), whatsapp(SENDER, "wamid.in2", "Gracias")),
            (acme(), whatsapp(SENDER, "wamid.in1", "Hola")),
        ],
        statuses: vec![
            report(acme(), "acct-1", DeliveryState::Delivered),
            // Another tenant, or another of the tenant's accounts, cannot move it.
            report(globex(), "acct-1", DeliveryState::Read),
            report(acme(), "acct-2", DeliveryState::Read),
        ],
        ignored: 1,
    };
    let outcome = take_delivery(&tickets, &chat, Handling::Tickets, delivery)
        .await
        .unwrap();
    assert_eq!(
        outcome,
        DeliveryOutcome {
            messages: 1,
            duplicates: 2,
            statuses: 3,
            ignored: 1,
            replies: Vec::new()
        }
    );
    assert_eq!(
        delivery_of(&tickets, &id, &sent).await,
        DeliveryState::Delivered
    );
    let read = read_ticket(
        &tickets,
        &agent("ana"),
        &id,
        TimelinePage {
            limit: 50,
            cursor: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        contents(&read.timeline),
        [
            "Hola",
            "¿En qué puedo ayudar?",
            "Status changed from new to open",
            "Gracias"
        ]
    );

    // A late report never undoes a later state.
    let late = statuses(vec![report(acme(), "acct-1", DeliveryState::Sent)]);
    take_delivery(&tickets, &chat, Handling::Tickets, late)
        .await
        .unwrap();
    assert_eq!(
        delivery_of(&tickets, &id, &sent).await,
        DeliveryState::Delivered
    );
    let read_report = statuses(vec![report(acme(), "acct-1", DeliveryState::Read)]);
    take_delivery(&tickets, &chat, Handling::Tickets, read_report)
        .await
        .unwrap();
    assert_eq!(delivery_of(&tickets, &id, &sent).await, DeliveryState::Read);
}

#[tokio::test]
async fn on_the_lead_flow_the_assistant_answers_each_message_once_on_the_senders_lead() {
    let tickets = MemoryTickets::default();
    let (chat, engine) = chat(ChatLimits::default());
    engine.will_answer(LeadIntent::Warm, 30, Profile::default());
    let delivery = || VerifiedDelivery {
        messages: vec![(acme(), whatsapp(SENDER, "wamid.1", "Hola, ¿precio?"))],
        ..VerifiedDelivery::default()
    };

    let outcome = take_delivery(&tickets, &chat, Handling::Leads, delivery())
        .await
        .unwrap();
    assert_eq!(
        (outcome.messages, outcome.replies),
        (
            1,
            vec![LeadReply {
                recipient_id: SENDER.into(),
                response: ScriptedEngine::reply_to("Hola, ¿precio?")
            }]
        )
    );
    let again = take_delivery(&tickets, &chat, Handling::Leads, delivery())
        .await
        .unwrap();
    assert_eq!(
        (again.messages, again.duplicates, again.replies.len()),
        (0, 1, 0),
        "the provider delivering it again is answered once"
    );

    let sender = ConversationKey::Visitor {
        source: LeadSource::Whatsapp,
        user_id: UserId::parse(SENDER).unwrap(),
    };
    let read = read_lead(&chat.conversations, &acme(), &sender.lead_id(&acme()))
        .await
        .unwrap();
    let lead = &read.lead;
    assert_eq!(
        (
            lead.phone.as_deref(),
            lead.channel_account.as_deref(),
            lead.intent,
            lead.message_count
        ),
        (Some(SENDER), Some("acct-1"), Some(LeadIntent::Warm), 2)
    );
    let listed: TicketPage = list_tickets(
        &tickets,
        &acme(),
        &TicketQuery {
            limit: 10,
            ..TicketQuery::default()
        },
    )
    .await
    .unwrap();
    assert!(listed.tickets.is_empty(), "the lead flow opens no ticket");

    // A channel without a lead flow still reaches the desk.
    let direct_message = ChannelMessage {
        channel: Channel::Twitter,
        sender: "ana_b".into(),
        ..whatsapp(SENDER, "dm.1", "Hi")
    };
    let desk = VerifiedDelivery {
        messages: vec![(acme(), direct_message)],
        ..VerifiedDelivery::default()
    };
    let outcome = take_delivery(&tickets, &chat, Handling::Leads, desk)
        .await
        .unwrap();
    assert_eq!((outcome.messages, outcome.replies.len()), (1, 0));
    let listed = list_tickets(
        &tickets,
        &acme(),
        &TicketQuery {
            channel: Some(Channel::Twitter),
            limit: 10,
            ..TicketQuery::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(listed.tickets.len(), 1);
}
