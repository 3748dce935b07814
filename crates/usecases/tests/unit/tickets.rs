//! Support tickets: opening one for a new or known customer, an agent's update and assignment,
//! messages and what they do to the status, reading and listing, a customer writing from a
//! channel, and a chatbot handing over.

use std::time::Duration;

use domain::replay::ReplayKey;
use domain::ticket::{
    Channel, HANDOFF_TAG, ImpossibleTransition, Priority, SenderType, Ticket, TicketId,
    TicketStatus, TicketUpdate, Visibility,
};
use serde_json::json;
use usecases::ListError;
use usecases::memory::{MemoryAgents, MemoryTickets};
use usecases::tickets::{
    AddMessageError, CustomerTicketsError, HandOffError, HandedOff, Handoff, NewMessage,
    ReadTicketError, ReceiveError, Received, TicketPage, TicketQuery, TimelinePage,
    UpdateTicketError, add_message, assign_ticket, customer, customer_tickets, hand_off,
    list_tickets, open_ticket, read_ticket, receive_channel_message, ticket_status, update_ticket,
};

use crate::support::{
    SENDER, acme, agent, contents, globex, identity, request, website, whatsapp, with,
};

fn to(status: TicketStatus) -> TicketUpdate {
    TicketUpdate {
        status: Some(status),
        ..TicketUpdate::default()
    }
}

fn message(content: &str, visibility: Visibility) -> NewMessage {
    NewMessage {
        content: content.to_owned(),
        sender_type: None,
        agent_id: None,
        visibility,
        attachments: Vec::new(),
    }
}

fn first_page() -> TimelinePage<'static> {
    TimelinePage {
        limit: 50,
        cursor: None,
    }
}

/// Opens a ticket on a website for `bo@example.com`.
async fn opened(tickets: &MemoryTickets) -> TicketId {
    let login = request(identity(Channel::Email, "bo@example.com"), "Login");
    open_ticket(tickets, &acme(), login)
        .await
        .unwrap()
        .0
        .ticket_id
}

async fn set_status(tickets: &MemoryTickets, id: &TicketId, status: TicketStatus) {
    let agents = MemoryAgents::default();
    update_ticket(tickets, &agents, &acme(), "ana", id, to(status))
        .await
        .unwrap();
}

async fn agents_view(tickets: &MemoryTickets, id: &TicketId) -> Vec<String> {
    let read = read_ticket(tickets, &agent("ana"), id, first_page())
        .await
        .unwrap();
    contents(&read.timeline)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_known_customer_is_found_again_and_filled_in_never_overwritten() {
    let tickets = MemoryTickets::default();
    let email = identity(Channel::Email, "Ana@Example.com");
    let mut first = request(email.clone(), "Invoice");
    first.name = Some("Ana".into());
    let (one, entry) = open_ticket(&tickets, &acme(), first).await.unwrap();
    assert_eq!(
        (one.status, entry.content.as_str()),
        (TicketStatus::New, "About Invoice")
    );

    let mut second = request(email, "Refund");
    second.name = Some("Someone Else".into());
    second.primary_email = Some("ana@example.com".into());
    let (two, _) = open_ticket(&tickets, &acme(), second).await.unwrap();

    let them = &one.customer.internal_id;
    assert_eq!(&two.customer.internal_id, them, "one customer per identity");
    assert_eq!(
        two.customer.name.as_deref(),
        Some("Ana"),
        "a name on record is never overwritten"
    );
    assert_eq!(
        two.customer.primary_email.as_deref(),
        Some("ana@example.com"),
        "what the profile lacked is filled in"
    );
    let profile = customer(&tickets, &acme(), them).await.unwrap();
    assert_eq!(
        (profile.name.as_deref(), profile.primary_email.as_deref()),
        (Some("Ana"), Some("ana@example.com"))
    );

    let theirs = TicketQuery {
        customer: Some(them.clone()),
        limit: 10,
        ..TicketQuery::default()
    };
    let listed = customer_tickets(&tickets, &acme(), &theirs).await.unwrap();
    let ids: Vec<&TicketId> = listed.tickets.iter().map(|t| &t.ticket_id).collect();
    assert_eq!(ids, [&two.ticket_id, &one.ticket_id], "newest first");

    // Another tenant's customer is not found, whichever way it is asked for.
    assert!(matches!(
        customer(&tickets, &globex(), them).await,
        Err(CustomerTicketsError::NotFound)
    ));
    assert!(matches!(
        customer_tickets(&tickets, &globex(), &theirs).await,
        Err(CustomerTicketsError::NotFound)
    ));
}

#[tokio::test]
async fn an_update_goes_through_the_state_machine_and_logs_what_changed() {
    let (tickets, agents) = (MemoryTickets::default(), MemoryAgents::default());
    agents.agent("adam", &acme());
    let id = opened(&tickets).await;

    let update = TicketUpdate {
        status: Some(TicketStatus::Open),
        priority: Some(Priority::High),
        assignee: Some("adam".into()),
        tags: Some(vec!["vip".into()]),
    };
    let page = update_ticket(&tickets, &agents, &acme(), "ana", &id, update.clone())
        .await
        .unwrap();
    assert_eq!(
        contents(&page.timeline),
        [
            "About Login",
            "Status changed from new to open",
            "Priority changed from medium to high",
            "Ticket assigned to agent adam",
            "Tags added: vip"
        ]
    );
    assert!(
        page.timeline[1..]
            .iter()
            .all(|e| e.sender_type == SenderType::System && e.agent_id.as_deref() == Some("ana")),
        "each change is logged as the agent's"
    );
    let read = read_ticket(&tickets, &agent("ana"), &id, first_page())
        .await
        .unwrap();
    assert_eq!(read, page, "the answer is what was stored");
    assert_eq!(
        (
            read.ticket.status,
            read.ticket.priority,
            read.ticket.assigned_agent_id.as_deref()
        ),
        (TicketStatus::Open, Priority::High, Some("adam"))
    );

    // Asking for what already is changes nothing and logs nothing.
    let again = update_ticket(&tickets, &agents, &acme(), "ana", &id, update)
        .await
        .unwrap();
    assert_eq!(again.timeline.len(), 5);

    // Closed is final.
    set_status(&tickets, &id, TicketStatus::Closed).await;
    let refused = update_ticket(
        &tickets,
        &agents,
        &acme(),
        "ana",
        &id,
        to(TicketStatus::Open),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            refused,
            UpdateTicketError::Refused(ImpossibleTransition {
                from: TicketStatus::Closed,
                to: TicketStatus::Open
            })
        ),
        "{refused:?}"
    );
    let after = agents_view(&tickets, &id).await;
    assert_eq!(after.len(), 6, "a refused update logs nothing");
    assert_eq!(after[5], "Status changed from open to closed");

    assert!(matches!(
        update_ticket(
            &tickets,
            &agents,
            &acme(),
            "ana",
            &id,
            TicketUpdate::default()
        )
        .await,
        Err(UpdateTicketError::NoUpdates)
    ));
    assert!(matches!(
        update_ticket(
            &tickets,
            &agents,
            &globex(),
            "gina",
            &id,
            to(TicketStatus::Resolved)
        )
        .await,
        Err(UpdateTicketError::NotFound)
    ));
}

#[tokio::test]
async fn only_an_enabled_agent_of_the_tenant_is_assigned() {
    let (tickets, agents) = (MemoryTickets::default(), MemoryAgents::default());
    agents.agent("adam", &acme());
    agents.agent("gina", &globex());
    agents.user("dora", Some(&acme()), false, true);
    agents.user("rita", Some(&acme()), true, false);
    let id = opened(&tickets).await;

    for (who, expected) in [
        ("gina", "no such agent in this tenant"),
        ("nobody", "no such agent in this tenant"),
        ("dora", "the agent's account is disabled"),
        (
            "rita",
            "the user is in neither the agents nor the admins group",
        ),
    ] {
        match assign_ticket(&tickets, &agents, &acme(), "ana", &id, who.into()).await {
            Err(UpdateTicketError::NotAssignable { agent, why }) => {
                assert_eq!((agent.as_str(), why), (who, expected));
            }
            other => panic!("{who}: {other:?}"),
        }
    }
    let page = assign_ticket(&tickets, &agents, &acme(), "ana", &id, "adam".into())
        .await
        .unwrap();
    assert_eq!(page.ticket.assigned_agent_id.as_deref(), Some("adam"));
    assert_eq!(
        contents(&page.timeline),
        ["About Login", "Ticket assigned to agent adam"],
        "the refused assignments wrote nothing"
    );
}

#[tokio::test]
async fn messages_move_the_status_as_support_expects() {
    let tickets = MemoryTickets::default();
    let id = opened(&tickets).await;

    // An agent's first public reply opens a new ticket, and is what a status poll shows.
    let page = add_message(
        &tickets,
        &agent("ana"),
        &id,
        message("Looking into it", Visibility::Public),
    )
    .await
    .unwrap();
    assert_eq!(page.ticket.status, TicketStatus::Open);
    assert_eq!(
        contents(&page.timeline)[1..],
        ["Looking into it", "Status changed from new to open"]
    );
    let reply = ticket_status(&tickets, &acme(), &id)
        .await
        .unwrap()
        .last_agent_message
        .unwrap();
    assert_eq!(
        (reply.content.as_str(), reply.agent_id.as_deref()),
        ("Looking into it", Some("ana"))
    );

    // An internal note moves nothing; a customer writing on a resolved ticket reopens it.
    add_message(
        &tickets,
        &agent("ana"),
        &id,
        message("On the old plan", Visibility::Internal),
    )
    .await
    .unwrap();
    set_status(&tickets, &id, TicketStatus::Resolved).await;
    let page = add_message(
        &tickets,
        &website(),
        &id,
        message("It broke again", Visibility::Public),
    )
    .await
    .unwrap();
    assert_eq!(page.ticket.status, TicketStatus::Open);
    assert_eq!(
        contents(&page.timeline),
        ["About Login", "Looking into it", "It broke again"],
        "a website sees the public messages only"
    );
    assert_eq!(
        agents_view(&tickets, &id).await[3..],
        [
            "On the old plan",
            "Status changed from open to resolved",
            "It broke again",
            "Status changed from resolved to open"
        ]
    );

    // A website writes as the customer or its bot, publicly; nobody writes as the system.
    let mut as_agent = message("I am an agent", Visibility::Public);
    as_agent.sender_type = Some(SenderType::Agent);
    for refused in [as_agent, message("psst", Visibility::Internal)] {
        assert!(matches!(
            add_message(&tickets, &website(), &id, refused).await,
            Err(AddMessageError::NotAnAgent)
        ));
    }
    let mut as_system = message("Ticket deleted", Visibility::Internal);
    as_system.sender_type = Some(SenderType::System);
    assert!(matches!(
        add_message(&tickets, &agent("ana"), &id, as_system).await,
        Err(AddMessageError::SystemReserved)
    ));

    // A closed ticket takes internal notes only.
    set_status(&tickets, &id, TicketStatus::Closed).await;
    for (actor, text) in [(agent("ana"), "One more thing"), (website(), "Hello?")] {
        assert!(matches!(
            add_message(&tickets, &actor, &id, message(text, Visibility::Public)).await,
            Err(AddMessageError::Closed(_))
        ));
    }
    let noted = add_message(
        &tickets,
        &agent("ana"),
        &id,
        message("Called them back", Visibility::Internal),
    )
    .await
    .unwrap();
    assert_eq!(noted.ticket.status, TicketStatus::Closed);
    assert_eq!(contents(&noted.timeline).last(), Some(&"Called them back"));

    let stranger = usecases::Actor::Agent {
        id: "gina".into(),
        tenant: globex(),
    };
    assert!(matches!(
        add_message(
            &tickets,
            &stranger,
            &id,
            message("hi", Visibility::Internal)
        )
        .await,
        Err(AddMessageError::NotFound)
    ));
}

#[tokio::test]
async fn customer_messages_racing_on_a_resolved_ticket_reopen_it_once() {
    let tickets = MemoryTickets::default();
    let id = opened(&tickets).await;
    set_status(&tickets, &id, TicketStatus::Resolved).await;

    // Both are decided on the resolved ticket; the one written second finds it reopened.
    let website = website();
    tickets.race_next_writes(2);
    let (one, two) = tokio::join!(
        add_message(
            &tickets,
            &website,
            &id,
            message("Still broken", Visibility::Public)
        ),
        add_message(
            &tickets,
            &website,
            &id,
            message("Hello?", Visibility::Public)
        ),
    );
    one.unwrap();
    two.unwrap();

    let read = read_ticket(&tickets, &agent("ana"), &id, first_page())
        .await
        .unwrap();
    assert_eq!(read.ticket.status, TicketStatus::Open);
    let said = contents(&read.timeline);
    let reopened = said
        .iter()
        .filter(|entry| **entry == "Status changed from resolved to open")
        .count();
    assert_eq!(reopened, 1, "{said:?}");
    assert!(said.contains(&"Still broken") && said.contains(&"Hello?"));
    assert_eq!(read.ticket.message_count as usize, read.timeline.len());
}

#[tokio::test]
async fn an_update_that_lost_a_race_is_decided_again_and_written_once() {
    let tickets = MemoryTickets::default();
    let id = opened(&tickets).await;

    tickets.lose_next_writes(1);
    set_status(&tickets, &id, TicketStatus::PendingCustomer).await;

    assert_eq!(
        agents_view(&tickets, &id).await,
        ["About Login", "Status changed from new to pending_customer"]
    );
}

#[tokio::test]
async fn a_timeline_pages_on_from_where_the_last_page_ended() {
    let tickets = MemoryTickets::default();
    let id = opened(&tickets).await;
    for n in 1..=4 {
        let note = message(&format!("note {n}"), Visibility::Internal);
        add_message(&tickets, &agent("ana"), &id, note)
            .await
            .unwrap();
    }

    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = TimelinePage {
            limit: 2,
            cursor: cursor.as_deref(),
        };
        let read = read_ticket(&tickets, &agent("ana"), &id, page)
            .await
            .unwrap();
        assert!(read.timeline.len() <= 2);
        seen.extend(contents(&read.timeline).into_iter().map(str::to_owned));
        pages += 1;
        match read.timeline_next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["About Login", "note 1", "note 2", "note 3", "note 4"]
    );
    assert_eq!(pages, 3);

    // A cursor continues only the timeline it came from.
    let first = read_ticket(
        &tickets,
        &agent("ana"),
        &id,
        TimelinePage {
            limit: 2,
            cursor: None,
        },
    )
    .await
    .unwrap();
    let other = opened(&tickets).await;
    for cursor in [first.timeline_next_cursor.as_deref().unwrap(), "garbage"] {
        let page = TimelinePage {
            limit: 2,
            cursor: Some(cursor),
        };
        assert!(matches!(
            read_ticket(&tickets, &agent("ana"), &other, page).await,
            Err(ReadTicketError::InvalidCursor(_))
        ));
    }
}

fn every(query: TicketQuery) -> TicketQuery {
    TicketQuery { limit: 50, ..query }
}

async fn listed(tickets: &MemoryTickets, query: TicketQuery) -> Vec<TicketId> {
    let page = list_tickets(tickets, &acme(), &query).await.unwrap();
    ids(&page)
}

fn ids(page: &TicketPage) -> Vec<TicketId> {
    page.tickets.iter().map(|t| t.ticket_id.clone()).collect()
}

#[tokio::test]
async fn a_listing_applies_every_filter_newest_first_and_pages_exactly() {
    let (tickets, agents) = (MemoryTickets::default(), MemoryAgents::default());
    agents.agent("adam", &acme());
    let specs: [(Channel, &str, Priority, &[&str]); 6] = [
        (Channel::Email, "a@example.com", Priority::Low, &["billing"]),
        (Channel::Whatsapp, "+34600000001", Priority::High, &["vip"]),
        (Channel::Email, "b@example.com", Priority::Medium, &[]),
        (
            Channel::Whatsapp,
            "+34600000002",
            Priority::High,
            &["billing", "vip"],
        ),
        (Channel::Email, "a@example.com", Priority::Critical, &[]),
        (Channel::Twitter, "ana_b", Priority::Low, &["billing"]),
    ];
    let mut made: Vec<Ticket> = Vec::new();
    for (channel, handle, priority, tags) in specs {
        let asked = with(request(identity(channel, handle), handle), priority, tags);
        made.push(open_ticket(&tickets, &acme(), asked).await.unwrap().0);
        // Distinct creation times, so the time range below has exact edges.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let theirs = request(identity(Channel::Email, "a@example.com"), "Globex's");
    open_ticket(&tickets, &globex(), theirs).await.unwrap();
    let assigned = TicketUpdate {
        status: Some(TicketStatus::Open),
        assignee: Some("adam".into()),
        ..TicketUpdate::default()
    };
    update_ticket(
        &tickets,
        &agents,
        &acme(),
        "ana",
        &made[1].ticket_id,
        assigned,
    )
    .await
    .unwrap();
    set_status(&tickets, &made[3].ticket_id, TicketStatus::Resolved).await;
    let of = |indexes: &[usize]| -> Vec<TicketId> {
        indexes.iter().map(|&i| made[i].ticket_id.clone()).collect()
    };

    assert_eq!(
        listed(&tickets, every(TicketQuery::default())).await,
        of(&[5, 4, 3, 2, 1, 0]),
        "every ticket of the tenant, newest first"
    );
    let filtered = [
        (
            TicketQuery {
                priority: Some(Priority::High),
                ..TicketQuery::default()
            },
            of(&[3, 1]),
        ),
        (
            TicketQuery {
                tag: Some("billing".into()),
                ..TicketQuery::default()
            },
            of(&[5, 3, 0]),
        ),
        (
            TicketQuery {
                channel: Some(Channel::Whatsapp),
                ..TicketQuery::default()
            },
            of(&[3, 1]),
        ),
        (
            TicketQuery {
                status: Some(TicketStatus::New),
                ..TicketQuery::default()
            },
            of(&[5, 4, 2, 0]),
        ),
        (
            TicketQuery {
                assigned_agent_id: Some("adam".into()),
                ..TicketQuery::default()
            },
            of(&[1]),
        ),
        (
            TicketQuery {
                customer: Some(made[0].customer.internal_id.clone()),
                ..TicketQuery::default()
            },
            of(&[4, 0]),
        ),
        (
            TicketQuery {
                created_from: Some(made[1].created_at.clone()),
                created_to: Some(made[3].created_at.clone()),
                ..TicketQuery::default()
            },
            of(&[3, 2, 1]),
        ),
        (
            TicketQuery {
                tag: Some("billing".into()),
                channel: Some(Channel::Whatsapp),
                status: Some(TicketStatus::Resolved),
                ..TicketQuery::default()
            },
            of(&[3]),
        ),
        (
            TicketQuery {
                tag: Some("vip".into()),
                status: Some(TicketStatus::New),
                ..TicketQuery::default()
            },
            of(&[]),
        ),
    ];
    for (query, expected) in filtered {
        assert_eq!(
            listed(&tickets, every(query.clone())).await,
            expected,
            "{query:?}"
        );
    }

    let skipped = TicketQuery {
        skip: 1,
        limit: 2,
        ..TicketQuery::default()
    };
    assert_eq!(listed(&tickets, skipped).await, of(&[4, 3]));

    // Page by page: a ticket opened meanwhile is newer than the listing, so nothing is seen twice
    // or missed.
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let query = TicketQuery {
            limit: 2,
            cursor: cursor.take(),
            ..TicketQuery::default()
        };
        let page = list_tickets(&tickets, &acme(), &query).await.unwrap();
        pages.push(ids(&page));
        if pages.len() == 1 {
            let later = request(identity(Channel::Email, "late@example.com"), "Late");
            open_ticket(&tickets, &acme(), later).await.unwrap();
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, [of(&[5, 4]), of(&[3, 2]), of(&[1, 0])]);

    let billing = |cursor: Option<String>| TicketQuery {
        tag: Some("billing".into()),
        limit: 2,
        cursor,
        ..TicketQuery::default()
    };
    let first = list_tickets(&tickets, &acme(), &billing(None))
        .await
        .unwrap();
    assert_eq!(ids(&first), of(&[5, 3]));
    let rest = list_tickets(&tickets, &acme(), &billing(first.next_cursor.clone()))
        .await
        .unwrap();
    assert_eq!((ids(&rest), rest.next_cursor), (of(&[0]), None));

    // A cursor continues only the listing it came from.
    let elsewhere = TicketQuery {
        cursor: first.next_cursor.clone(),
        ..every(TicketQuery::default())
    };
    assert!(matches!(
        list_tickets(&tickets, &acme(), &elsewhere).await,
        Err(ListError::InvalidCursor(_))
    ));
    assert!(matches!(
        list_tickets(&tickets, &globex(), &billing(first.next_cursor)).await,
        Err(ListError::InvalidCursor(_))
    ));
    let globex_listing = list_tickets(&tickets, &globex(), &every(TicketQuery::default()))
        .await
        .unwrap();
    assert_eq!(globex_listing.tickets.len(), 1, "each tenant lists its own");
}

#[tokio::test]
async fn a_channel_message_is_taken_once_and_joins_the_customers_active_ticket() {
    let (tickets, acme) = (MemoryTickets::default(), acme());
    let receive =
        |id: &str, text: &str| receive_channel_message(&tickets, &acme, whatsapp(SENDER, id, text));

    let first = receive("wamid.1", "Hola").await.unwrap();
    let Received::Opened(id) = first else {
        panic!("{first:?}")
    };
    let ticket = ticket_status(&tickets, &acme, &id).await.unwrap();
    assert_eq!(ticket.subject, format!("WhatsApp message from {SENDER}"));
    assert_eq!(ticket.customer.name.as_deref(), Some("Sheena"));
    assert_eq!(ticket.source.account_id.as_deref(), Some("acct-1"));

    assert_eq!(
        receive("wamid.1", "Hola").await.unwrap(),
        Received::Duplicate,
        "the provider delivering it again changes nothing"
    );
    assert_eq!(
        receive("wamid.2", "¿Hay alguien?").await.unwrap(),
        Received::Joined(id.clone())
    );
    assert_eq!(agents_view(&tickets, &id).await, ["Hola", "¿Hay alguien?"]);

    // Once their ticket is resolved, the customer's next message opens another.
    set_status(&tickets, &id, TicketStatus::Resolved).await;
    let next = receive("wamid.3", "Otra cosa").await.unwrap();
    let Received::Opened(next) = next else {
        panic!("{next:?}")
    };
    assert_ne!(next, id);
    let reopened = ticket_status(&tickets, &acme, &next).await.unwrap();
    assert_eq!(reopened.customer.internal_id, ticket.customer.internal_id);

    assert!(matches!(
        receive_channel_message(&tickets, &acme, whatsapp("  ", "wamid.4", "?")).await,
        Err(ReceiveError::InvalidSender(_))
    ));
}

/// The ticket two racing messages went to: one opened it, the other joined it.
fn one_ticket(one: Received, two: Received) -> TicketId {
    match (one, two) {
        (Received::Opened(opened), Received::Joined(joined))
        | (Received::Joined(joined), Received::Opened(opened))
            if opened == joined =>
        {
            opened
        }
        other => panic!("two messages of one customer went to two tickets: {other:?}"),
    }
}

#[tokio::test]
async fn first_messages_racing_from_one_customer_open_exactly_one_ticket() {
    let (tickets, acme) = (MemoryTickets::default(), acme());
    let receive =
        |id: &'static str| receive_channel_message(&tickets, &acme, whatsapp(SENDER, id, id));

    // A customer met for the first time: both messages would create them.
    tickets.race_next_writes(2);
    let (one, two) = tokio::join!(receive("wamid.1"), receive("wamid.2"));
    let first = one_ticket(one.unwrap(), two.unwrap());

    // A known customer without an active ticket: the first message reads the customer, finds no
    // active ticket and stalls; the second opens a ticket meanwhile; the first then goes on.
    set_status(&tickets, &first, TicketStatus::Closed).await;
    let stall = tickets.stall_after_reads(2);
    let (one, two) = tokio::join!(receive("wamid.3"), async {
        stall.reached().await;
        let two = receive("wamid.4").await;
        stall.resume();
        two
    });
    let second = one_ticket(one.unwrap(), two.unwrap());
    assert_ne!(second, first);

    let them = ticket_status(&tickets, &acme, &second)
        .await
        .unwrap()
        .customer
        .internal_id;
    let theirs = TicketQuery {
        customer: Some(them),
        limit: 10,
        ..TicketQuery::default()
    };
    let listed = list_tickets(&tickets, &acme, &theirs).await.unwrap();
    assert_eq!(ids(&listed), [second.clone(), first.clone()]);
    assert_eq!(agents_view(&tickets, &second).await.len(), 2);
}

fn handoff(key: Option<(&str, &str)>) -> Handoff {
    Handoff {
        session: identity(Channel::WebChat, "sess-1"),
        identity: identity(Channel::Email, "ana@example.com"),
        name: Some("Ana".into()),
        primary_email: Some("ana@example.com".into()),
        subject: "Wants a person".into(),
        priority: Priority::High,
        tags: vec!["Billing".into()],
        message: "Can I talk to someone?".into(),
        channel_data: json!({"transcript": [{"role": "user", "content": "hi"}]})
            .as_object()
            .unwrap()
            .clone(),
        replay: key.map(|(key, fingerprint)| ReplayKey {
            key: format!("acme#handoff#sess-1#{key}"),
            fingerprint: fingerprint.to_owned(),
            keep_secs: 86_400,
        }),
    }
}

fn answer(ticket: &Ticket) -> String {
    json!({"ticket_id": ticket.ticket_id}).to_string()
}

#[tokio::test]
async fn a_session_hands_off_once_while_its_ticket_is_worked_on() {
    let (tickets, acme) = (MemoryTickets::default(), acme());
    let hand = |key| hand_off(&tickets, &tickets, &acme, handoff(key), answer);

    let opened = hand(Some(("k1", "body-1"))).await.unwrap();
    let HandedOff::Opened(first) = opened else {
        panic!("{opened:?}")
    };
    assert_eq!(first.tags, [HANDOFF_TAG, "billing"]);
    assert!(first.source.is_bot_handoff);
    let read = read_ticket(&tickets, &agent("ana"), &first.ticket_id, first_page())
        .await
        .unwrap();
    assert_eq!(
        read.timeline[0].channel_specific_data["transcript"][0]["content"], "hi",
        "the agent reads the bot's transcript"
    );

    // A retry with the same key gets the first answer; the key with another body is refused.
    assert_eq!(
        hand(Some(("k1", "body-1"))).await.unwrap(),
        HandedOff::Repeated(answer(&first))
    );
    assert!(matches!(
        hand(Some(("k1", "body-2"))).await,
        Err(HandOffError::KeyReused)
    ));
    // Handing the session off again while its ticket is open answers with it.
    assert_eq!(
        hand(None).await.unwrap(),
        HandedOff::AlreadyOpen(first.clone())
    );
    assert_eq!(
        listed(&tickets, every(TicketQuery::default())).await.len(),
        1
    );

    // Once it is closed, the session's next handoff opens a new ticket for the same customer.
    set_status(&tickets, &first.ticket_id, TicketStatus::Closed).await;
    let again = hand(Some(("k2", "body-3"))).await.unwrap();
    let HandedOff::Opened(second) = again else {
        panic!("{again:?}")
    };
    assert_ne!(second.ticket_id, first.ticket_id);
    assert_eq!(second.customer.internal_id, first.customer.internal_id);
    assert_eq!(
        hand(Some(("k1", "body-1"))).await.unwrap(),
        HandedOff::Repeated(answer(&first)),
        "a key keeps its first answer"
    );

    let mut untagged = handoff(None);
    untagged.tags = vec!["  ".into()];
    assert!(matches!(
        hand_off(&tickets, &tickets, &acme, untagged, answer).await,
        Err(HandOffError::InvalidTags(_))
    ));
}

#[tokio::test]
async fn handoffs_racing_for_one_session_open_one_ticket() {
    let (tickets, acme) = (MemoryTickets::default(), acme());
    let hand = || hand_off(&tickets, &tickets, &acme, handoff(None), answer);

    tickets.race_next_writes(2);
    let (one, two) = tokio::join!(hand(), hand());
    match (one.unwrap(), two.unwrap()) {
        (HandedOff::Opened(opened), HandedOff::AlreadyOpen(found))
        | (HandedOff::AlreadyOpen(found), HandedOff::Opened(opened)) => {
            assert_eq!(opened.ticket_id, found.ticket_id);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        listed(&tickets, every(TicketQuery::default())).await.len(),
        1
    );
}
