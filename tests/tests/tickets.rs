//! Seed 004's ticket and customer routes against the local stack (moto DynamoDB and Cognito):
//! the state machine, concurrent messages, paging that visits every ticket once, tenant
//! isolation, and bad input that writes nothing.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use domain::ticket::TicketStatus;
use serde_json::{Value, json};
use tests::desk::Desk;
use tests::{Auth, KEY_A, call_as};

#[tokio::test]
async fn a_ticket_is_created_read_and_polled_with_the_seed_shapes() {
    let desk = Desk::new().await;
    let (status, created) = call_as(
        &desk.app,
        Method::POST,
        "/api/tickets/create",
        Auth::Key(KEY_A),
        Some(
            &json!({
                "source": {"channel": "email"},
                "customer": {"name": "Ana", "primary_email": "Ana@Example.com", "channel_identity": "Ana@Example.com"},
                "subject": "Refund",
                "initial_message": "I want a refund",
                "tags": ["Billing", "billing"]
            })
            .to_string(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["ticket_id"].as_str().unwrap().starts_with("tkt_"));
    assert_eq!(created["status"], "new");
    assert_eq!(created["priority"], "medium");
    assert_eq!(created["tags"], json!(["billing"]));
    assert_eq!(created["customer"]["channel_identity"], "ana@example.com");
    assert!(
        created["customer"]["internal_id"]
            .as_str()
            .unwrap()
            .starts_with("cust_")
    );
    let first = &created["timeline"][0];
    assert_eq!(first["sender_type"], "customer");
    assert_eq!(first["content"], "I want a refund");
    assert_eq!(first["content_type"], "text");
    assert_eq!(first["visibility"], "public");
    assert!(first["message_id"].as_str().unwrap().starts_with("msg_"));
    let id = created["ticket_id"].as_str().unwrap();

    let (status, poll) = desk
        .as_widget(Method::GET, &format!("/api/tickets/{id}/status"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        poll,
        json!({"ticket_id": id, "status": "new", "last_updated": created["updated_at"],
               "has_agent_reply": false, "last_agent_message": null})
    );

    // An internal note moves nothing and is hidden from API-key callers; a public reply opens
    // the ticket and is what the poll shows.
    let (status, _) = desk
        .as_ana(
            Method::POST,
            &format!("/api/tickets/{id}/message"),
            Some(json!({"content": "Customer is a VIP", "visibility": "internal"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, replied) = desk
        .as_ana(
            Method::POST,
            &format!("/api/tickets/{id}/message"),
            Some(json!({"content": "Refund on its way"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{replied}");
    assert_eq!(replied["status"], "open");
    let (_, poll) = desk
        .as_widget(Method::GET, &format!("/api/tickets/{id}/status"), None)
        .await;
    assert_eq!(poll["has_agent_reply"], true);
    assert_eq!(poll["last_agent_message"]["content"], "Refund on its way");
    assert_eq!(poll["last_agent_message"]["agent_id"], "ana");

    let (_, seen_by_widget) = desk
        .as_widget(Method::GET, &format!("/api/tickets/{id}"), None)
        .await;
    let contents: Vec<&str> = seen_by_widget["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["I want a refund", "Refund on its way"]);
    let (_, seen_by_agent) = desk
        .as_ana(Method::GET, &format!("/api/tickets/{id}"), None)
        .await;
    let kinds: Vec<(&str, &str)> = seen_by_agent["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["sender_type"].as_str().unwrap(),
                entry["visibility"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("customer", "public"),
            ("agent", "internal"),
            ("agent", "public"),
            ("system", "internal")
        ]
    );
    assert_eq!(seen_by_agent["message_count"], 4);
}

#[tokio::test]
async fn every_transition_the_state_machine_allows_succeeds_and_the_rest_answer_409() {
    let desk = Desk::new().await;
    // The shortest way to bring a new ticket to each status.
    let path_to = |status: TicketStatus| -> Vec<TicketStatus> {
        use TicketStatus::*;
        match status {
            New => vec![],
            Open => vec![Open],
            PendingCustomer => vec![PendingCustomer],
            Resolved => vec![Resolved],
            Closed => vec![Closed],
        }
    };
    for from in TicketStatus::ALL {
        for to in TicketStatus::ALL {
            if from == to {
                continue;
            }
            let ticket = desk
                .open_ticket(&format!("+1555{from}{to}"), json!({}))
                .await;
            for step in path_to(*from) {
                let (status, body) = desk.set_status(&ticket, step).await;
                assert_eq!(status, StatusCode::OK, "reaching {from}: {body}");
            }
            let before = desk.stored_items().await;
            let (status, body) = desk.set_status(&ticket, *to).await;
            if from.can_become(*to) {
                assert_eq!(status, StatusCode::OK, "{from} → {to}: {body}");
                assert_eq!(body["status"], to.as_str());
                let last = body["timeline"].as_array().unwrap().last().unwrap().clone();
                assert_eq!(
                    last["content"],
                    format!("Status changed from {from} to {to}")
                );
                assert_eq!(last["sender_type"], "system");
            } else {
                assert_eq!(status, StatusCode::CONFLICT, "{from} → {to}: {body}");
                assert_eq!(
                    body["detail"],
                    format!("a ticket cannot go from '{from}' to '{to}'")
                );
                assert_eq!(
                    desk.stored_items().await,
                    before,
                    "a refused change writes nothing"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_customer_writing_on_a_resolved_ticket_reopens_it_and_a_closed_one_refuses() {
    let desk = Desk::new().await;
    let ticket = desk.open_ticket("+15550001", json!({})).await;
    assert_eq!(
        desk.set_status(&ticket, TicketStatus::Resolved).await.0,
        StatusCode::OK
    );
    let (status, body) = desk
        .as_widget(
            Method::POST,
            &format!("/api/tickets/{ticket}/message"),
            Some(serde_json::from_str(r#"{"content": "It broke again"}"#).unwrap()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "open");

    assert_eq!(
        desk.set_status(&ticket, TicketStatus::Closed).await.0,
        StatusCode::OK
    );
    let before = desk.stored_items().await;
    let (status, body) = desk
        .as_widget(
            Method::POST,
            &format!("/api/tickets/{ticket}/message"),
            Some(serde_json::from_str(r#"{"content": "Hello?"}"#).unwrap()),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "ticket_closed");
    assert_eq!(desk.stored_items().await, before);
    // Agents can still leave an internal note on a closed ticket.
    let (status, _) = desk
        .as_ana(
            Method::POST,
            &format!("/api/tickets/{ticket}/message"),
            Some(json!({"content": "Closed as duplicate", "visibility": "internal"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_message_racing_a_close_lands_before_it_or_is_refused() {
    let desk = Desk::new().await;
    for attempt in 0..12 {
        let ticket = desk
            .open_ticket(&format!("+1555009{attempt:02}"), json!({}))
            .await;
        assert_eq!(
            desk.set_status(&ticket, TicketStatus::Open).await.0,
            StatusCode::OK
        );
        let path = format!("/api/tickets/{ticket}");
        let close = {
            let (app, token, path) = (desk.app.clone(), desk.ana.clone(), path.clone());
            async move {
                let body = json!({"status": "closed"}).to_string();
                call_as(&app, Method::PUT, &path, Auth::Bearer(&token), Some(&body)).await
            }
        };
        let message = {
            let (app, path) = (desk.app.clone(), format!("{path}/message"));
            async move {
                let body = json!({"content": "racing message"}).to_string();
                call_as(&app, Method::POST, &path, Auth::Key(KEY_A), Some(&body)).await
            }
        };
        let (closed, sent) = tokio::join!(tokio::spawn(close), tokio::spawn(message));
        let ((closed, _), (sent, sent_body)) = (closed.unwrap(), sent.unwrap());
        assert_eq!(closed, StatusCode::OK);

        let (_, read) = desk.as_ana(Method::GET, &path, None).await;
        assert_eq!(read["status"], "closed");
        let timeline = read["timeline"].as_array().unwrap();
        let position = |content: &str| {
            timeline
                .iter()
                .position(|entry| entry["content"] == content)
        };
        let close_at = position("Status changed from open to closed").expect("the close is logged");
        match (sent, position("racing message")) {
            (StatusCode::OK, Some(message_at)) => {
                assert!(
                    message_at < close_at,
                    "attempt {attempt}: an accepted message is on the timeline before the close"
                );
                assert_eq!(
                    read["updated_at"], timeline[close_at]["timestamp"],
                    "attempt {attempt}: the close is the ticket's last change"
                );
            }
            (StatusCode::CONFLICT, None) => assert_eq!(sent_body["code"], "ticket_closed"),
            (status, stored) => panic!(
                "attempt {attempt}: the message answered {status} {sent_body} and is stored at {stored:?}"
            ),
        }
    }
}

#[tokio::test]
async fn tag_changes_are_logged_on_the_timeline() {
    let desk = Desk::new().await;
    let ticket = desk
        .open_ticket("+15550088", json!({"tags": ["billing"]}))
        .await;
    let (status, body) = desk
        .as_ana(
            Method::PUT,
            &format!("/api/tickets/{ticket}"),
            Some(json!({"tags": ["billing", "Urgent"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tags"], json!(["billing", "urgent"]));
    let event = body["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(event["content"], "Tags added: urgent");
    assert_eq!(event["content_type"], "event_log");
    assert_eq!(event["visibility"], "internal");

    // The same tags again change nothing, so nothing is logged.
    let before = desk.stored_items().await;
    let (status, _) = desk
        .as_ana(
            Method::PUT,
            &format!("/api/tickets/{ticket}"),
            Some(json!({"tags": ["urgent", "billing"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(desk.stored_items().await, before);
}

#[tokio::test]
async fn twenty_concurrent_messages_make_twenty_timeline_entries() {
    let desk = Desk::new().await;
    let ticket = desk.open_ticket("+15550002", json!({})).await;
    let sends = (0..20).map(|n| {
        let app = desk.app.clone();
        let path = format!("/api/tickets/{ticket}/message");
        async move {
            call_as(
                &app,
                Method::POST,
                &path,
                Auth::Key(KEY_A),
                Some(&json!({"content": format!("message {n}")}).to_string()),
            )
            .await
            .0
        }
    });
    let statuses = run_concurrently(sends).await;
    assert!(
        statuses.iter().all(|status| *status == StatusCode::OK),
        "{statuses:?}"
    );

    let (_, read) = desk
        .as_ana(Method::GET, &format!("/api/tickets/{ticket}"), None)
        .await;
    let contents: BTreeSet<&str> = read["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["content"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<String> = (0..20).map(|n| format!("message {n}")).collect();
    for message in &expected {
        assert!(contents.contains(message.as_str()), "{message} is missing");
    }
    assert_eq!(read["timeline"].as_array().unwrap().len(), 21);
    assert_eq!(read["message_count"], 21);
}

#[tokio::test]
async fn a_long_timeline_is_read_page_by_page_in_order() {
    let desk = Desk::new().await;
    let ticket = desk.open_ticket("+15550003", json!({})).await;
    for n in 0..129 {
        let (status, _) = desk
            .as_ana(
                Method::POST,
                &format!("/api/tickets/{ticket}/message"),
                Some(json!({"content": format!("{n:03}"), "visibility": "internal"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => {
                format!("/api/tickets/{ticket}?timeline_limit=50&timeline_cursor={cursor}")
            }
            None => format!("/api/tickets/{ticket}?timeline_limit=50"),
        };
        let (status, page) = desk.as_ana(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(
            page["subject"], "Help for +15550003",
            "every page carries the ticket"
        );
        for entry in page["timeline"].as_array().unwrap() {
            seen.push(entry["content"].as_str().unwrap().to_owned());
        }
        match page["timeline_next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut expected = vec!["Hello, I need help".to_owned()];
    expected.extend((0..129).map(|n| format!("{n:03}")));
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn filters_apply_before_the_page_is_cut_and_the_cursor_visits_every_ticket_once() {
    let desk = Desk::new().await;
    let mut all = BTreeSet::new();
    let mut vip = BTreeSet::new();
    let mut closed = BTreeSet::new();
    for n in 0..30 {
        let tags = if n % 8 == 0 {
            json!(["vip"])
        } else {
            json!(["standard"])
        };
        let priority = if n % 2 == 0 { "high" } else { "low" };
        let ticket = desk
            .open_ticket(
                &format!("+1555100{n:02}"),
                json!({"tags": tags, "priority": priority}),
            )
            .await;
        if n % 8 == 0 {
            vip.insert(ticket.clone());
        }
        if n % 10 == 3 {
            assert_eq!(
                desk.set_status(&ticket, TicketStatus::Closed).await.0,
                StatusCode::OK
            );
            closed.insert(ticket.clone());
        }
        all.insert(ticket);
    }
    // Another tenant's ticket never shows.
    let (status, _) = call_as(
        &desk.app,
        Method::POST,
        "/api/tickets/create",
        Auth::Key(tests::KEY_B),
        Some(r#"{"source":{"channel":"whatsapp"},"customer":{"channel_identity":"+1"},"subject":"x","initial_message":"y"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    assert_eq!(
        collect_pages(&desk, "limit=7").await,
        all,
        "every ticket exactly once"
    );
    assert_eq!(collect_pages(&desk, "status=closed&limit=3").await, closed);
    assert_eq!(collect_pages(&desk, "tag=vip&limit=4").await, vip);

    // A rare status and a rare tag fill their first page.
    let (_, page) = desk
        .as_ana(Method::GET, "/api/tickets/?status=closed&limit=3", None)
        .await;
    assert_eq!(page["tickets"].as_array().unwrap().len(), 3);
    assert_eq!(page["next_cursor"], Value::Null);
    let (_, page) = desk
        .as_ana(Method::GET, "/api/tickets/?tag=vip&limit=4", None)
        .await;
    assert_eq!(page["tickets"].as_array().unwrap().len(), 4, "{page}");
    let (_, page) = desk
        .as_ana(
            Method::GET,
            "/api/tickets?priority=high&tag=vip&limit=2",
            None,
        )
        .await;
    assert_eq!(page["tickets"].as_array().unwrap().len(), 2, "{page}");
    assert!(
        page["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["priority"] == "high")
    );

    // Newest first, and seed 004's page numbers reach the same tickets as the cursor.
    let (_, first) = desk
        .as_ana(Method::GET, "/api/tickets/?page_size=10", None)
        .await;
    let created: Vec<&str> = first["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ticket| ticket["created_at"].as_str().unwrap())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted);
    let mut by_page = BTreeSet::new();
    for page in 1..=3 {
        let (_, body) = desk
            .as_ana(
                Method::GET,
                &format!("/api/tickets/?page_size=10&page={page}"),
                None,
            )
            .await;
        assert_eq!(body["page"], page);
        for ticket in body["tickets"].as_array().unwrap() {
            by_page.insert(ticket["ticket_id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(by_page, all);

    // A created-time range narrows the listing.
    let newest = first["tickets"][0]["created_at"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, recent) = desk
        .as_ana(
            Method::GET,
            &format!("/api/tickets/?created_from={newest}"),
            None,
        )
        .await;
    assert_eq!(recent["tickets"].as_array().unwrap().len(), 1, "{recent}");

    // Gina (another tenant) sees only her tenant's ticket.
    let (_, theirs) = call_as(
        &desk.app,
        Method::GET,
        "/api/tickets/",
        Auth::Bearer(&desk.gina),
        None,
    )
    .await;
    assert_eq!(theirs["tickets"].as_array().unwrap().len(), 1);
}

async fn collect_pages(desk: &Desk, query: &str) -> BTreeSet<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/tickets/?{query}&cursor={cursor}"),
            None => format!("/api/tickets/?{query}"),
        };
        let (status, page) = desk.as_ana(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for ticket in page["tickets"].as_array().unwrap() {
            ids.push(ticket["ticket_id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "no ticket appears twice: {ids:?}");
    unique
}

#[tokio::test]
async fn the_inbox_order_brings_the_latest_activity_first() {
    let desk = Desk::new().await;
    let quiet = desk.open_ticket("+34600777001", json!({})).await;
    let busy = desk.open_ticket("+34600777002", json!({})).await;
    let newest = desk.open_ticket("+34600777003", json!({})).await;
    let order = |listed: Vec<Value>| -> Vec<String> {
        listed
            .iter()
            .map(|ticket| ticket["ticket_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        order(desk.tickets("sort=created").await),
        [newest.clone(), busy.clone(), quiet.clone()]
    );
    // The oldest ticket gets a customer's message: it is the latest activity.
    let (status, _) = desk
        .as_widget(
            Method::POST,
            &format!("/api/tickets/{quiet}/message"),
            Some(json!({"content": "Any news?"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        order(desk.tickets("sort=activity").await),
        [quiet.clone(), newest.clone(), busy.clone()]
    );
    assert_eq!(
        order(desk.tickets("").await),
        [newest.clone(), busy.clone(), quiet.clone()],
        "seed 004's order stays the default"
    );
    // Filters apply in that order too, and it pages.
    desk.set_status(&busy, domain::ticket::TicketStatus::PendingCustomer)
        .await;
    assert_eq!(
        order(desk.tickets("sort=activity&status=new").await),
        [quiet.clone(), newest.clone()]
    );
    let (_, first) = desk
        .as_ana(Method::GET, "/api/tickets/?sort=activity&limit=2", None)
        .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, rest) = desk
        .as_ana(
            Method::GET,
            &format!("/api/tickets/?sort=activity&limit=2&cursor={cursor}"),
            None,
        )
        .await;
    let paged: Vec<&str> = first["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["tickets"].as_array().unwrap())
        .map(|ticket| ticket["ticket_id"].as_str().unwrap())
        .collect();
    assert_eq!(paged, [busy.as_str(), quiet.as_str(), newest.as_str()]);
    let (status, refused) = desk
        .as_ana(Method::GET, "/api/tickets/?sort=oldest", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["code"], "invalid_query");
}

#[tokio::test]
async fn a_later_ticket_fills_in_what_the_customer_lacked_and_never_overwrites() {
    let desk = Desk::new().await;
    let handle = "+34600555000";
    let first = desk
        .open_ticket(handle, json!({"customer": {"channel_identity": handle}}))
        .await;
    let second = desk
        .open_ticket(
            handle,
            json!({"customer": {
                "channel_identity": handle,
                "name": "Marta",
                "primary_email": "marta@example.com",
            }}),
        )
        .await;
    let third = desk
        .open_ticket(
            handle,
            json!({"customer": {
                "channel_identity": handle,
                "name": "Someone Else",
                "primary_email": "other@example.com",
            }}),
        )
        .await;
    let (_, read) = desk
        .as_ana(Method::GET, &format!("/api/tickets/{third}"), None)
        .await;
    let customer_id = read["customer"]["internal_id"].as_str().unwrap().to_owned();
    for ticket in [&first, &second] {
        let (_, read) = desk
            .as_ana(Method::GET, &format!("/api/tickets/{ticket}"), None)
            .await;
        assert_eq!(
            read["customer"]["internal_id"],
            customer_id.as_str(),
            "one customer"
        );
    }
    let (status, customer) = desk
        .as_ana(Method::GET, &format!("/api/customers/{customer_id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{customer}");
    assert_eq!(
        customer["name"], "Marta",
        "filled in once, then kept: {customer}"
    );
    assert_eq!(customer["primary_email"], "marta@example.com", "{customer}");
}

#[tokio::test]
async fn one_customer_per_channel_identity_even_under_concurrent_first_contact() {
    let desk = Desk::new().await;
    let creates = (0..6).map(|n| {
        let app = desk.app.clone();
        async move {
            let body = json!({
                "source": {"channel": "twitter"},
                "customer": {"channel_identity": "ana_b", "name": "Ana B"},
                "subject": format!("DM {n}"),
                "initial_message": "hi",
            });
            call_as(
                &app,
                Method::POST,
                "/api/tickets/create",
                Auth::Key(KEY_A),
                Some(&body.to_string()),
            )
            .await
        }
    });
    let results = run_concurrently(creates).await;
    let customers: BTreeSet<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::CREATED, "{body}");
            body["customer"]["internal_id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(customers.len(), 1, "{customers:?}");
    assert_eq!(
        desk.stack
            .items(&desk.stack.backend.tables.customers)
            .await
            .len(),
        1
    );

    // The same handle on another channel is another identity.
    let other = desk.open_ticket("ana_b", json!({})).await;
    let (_, read) = desk
        .as_ana(Method::GET, &format!("/api/tickets/{other}"), None)
        .await;
    let customer = customers.iter().next().unwrap();
    assert_ne!(read["customer"]["internal_id"], customer.as_str());

    let (status, profile) = desk
        .as_ana(Method::GET, &format!("/api/customers/{customer}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{profile}");
    assert_eq!(profile["customer_id"], customer.as_str());
    assert_eq!(profile["name"], "Ana B");
    assert_eq!(
        profile["identities"],
        json!([{"channel": "twitter", "handle": "ana_b"}])
    );

    let (status, tickets) = desk
        .as_ana(
            Method::GET,
            &format!("/api/customers/{customer}/tickets?limit=100"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tickets.as_array().unwrap().len(), 6);
    let (status, none) = desk
        .as_ana(
            Method::GET,
            &format!("/api/customers/{customer}/tickets?status=resolved"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none, json!([]));

    // Another tenant's agent learns nothing about this customer.
    for path in [
        format!("/api/customers/{customer}"),
        format!("/api/customers/{customer}/tickets"),
    ] {
        let (status, body) = call_as(
            &desk.app,
            Method::GET,
            &path,
            Auth::Bearer(&desk.gina),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["detail"], "Customer not found");
    }
}

#[tokio::test]
async fn missing_and_foreign_tickets_answer_404_and_nothing_is_written() {
    let desk = Desk::new().await;
    let ticket = desk.open_ticket("+15550004", json!({})).await;
    let before = desk.stored_items().await;
    for id in ["tkt_000000000000", ticket.as_str()] {
        let token = if id == ticket { &desk.gina } else { &desk.ana };
        let bearer = Auth::Bearer(token);
        let cases = [
            (Method::GET, format!("/api/tickets/{id}"), None),
            (Method::GET, format!("/api/tickets/{id}/status"), None),
            (
                Method::PUT,
                format!("/api/tickets/{id}"),
                Some(r#"{"priority":"high"}"#),
            ),
            (
                Method::POST,
                format!("/api/tickets/{id}/message"),
                Some(r#"{"content":"hi"}"#),
            ),
        ];
        for (method, path, body) in cases {
            let (status, answer) = call_as(&desk.app, method.clone(), &path, bearer, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
            assert_eq!(answer["detail"], "Ticket not found");
        }
        let (status, _) = call_as(
            &desk.app,
            Method::PUT,
            &format!("/api/tickets/{id}/assign?agent_id=ana"),
            Auth::Bearer(&desk.ana),
            None,
        )
        .await;
        if id != ticket {
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
    }
    // The assignment above (ana, on ana's own ticket) is the only write.
    let (_, read) = desk
        .as_ana(Method::GET, &format!("/api/tickets/{ticket}"), None)
        .await;
    assert_eq!(read["assigned_agent_id"], "ana");
    assert_eq!(
        desk.stored_items().await,
        before + 1,
        "one assignment event, nothing else"
    );
}

#[tokio::test]
async fn assignment_checks_the_agent_in_cognito() {
    let desk = Desk::new().await;
    let ticket = desk.open_ticket("+15550005", json!({})).await;
    let before = desk.stored_items().await;
    for (agent, expected) in [
        ("nobody", StatusCode::UNPROCESSABLE_ENTITY),
        ("gina", StatusCode::UNPROCESSABLE_ENTITY),
        ("olga", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, body) = desk
            .as_ana(
                Method::PUT,
                &format!("/api/tickets/{ticket}/assign?agent_id={agent}"),
                None,
            )
            .await;
        assert_eq!(status, expected, "{agent}: {body}");
        assert_eq!(body["code"], "unknown_agent");
    }
    let (status, body) = desk
        .as_ana(Method::PUT, &format!("/api/tickets/{ticket}/assign"), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["detail"], "agent_id is required");
    let (status, body) = desk
        .as_ana(
            Method::PUT,
            &format!("/api/tickets/{ticket}"),
            Some(json!({"assigned_agent_id": "gina"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(desk.stored_items().await, before);

    let (status, body) = desk
        .as_ana(
            Method::PUT,
            &format!("/api/tickets/{ticket}/assign?agent_id=adam"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["ticket"]["assigned_agent_id"], "adam");
    let event = body["ticket"]["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(event["content"], "Ticket assigned to agent adam");
    assert_eq!(event["content_type"], "event_log");
    assert_eq!(event["visibility"], "internal");

    let (_, mine) = desk
        .as_ana(Method::GET, "/api/tickets/?assigned_agent_id=adam", None)
        .await;
    assert_eq!(mine["tickets"][0]["ticket_id"], ticket.as_str());

    // An agent in no group is signed in but may not work tickets.
    let olga = desk.stack.token("olga").await;
    let (status, body) = call_as(
        &desk.app,
        Method::GET,
        "/api/tickets/",
        Auth::Bearer(&olga),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn bad_input_gets_a_named_4xx_and_writes_nothing() {
    let desk = Desk::new().await;
    let ticket = desk.open_ticket("+15550006", json!({})).await;
    desk.open_ticket("+15550007", json!({})).await;
    let before = desk.stored_items().await;
    let create = "/api/tickets/create";
    let message = format!("/api/tickets/{ticket}/message");
    let update = format!("/api/tickets/{ticket}");
    let huge = "x".repeat(70 * 1024);
    let cases: Vec<(Method, &str, Auth, String, StatusCode, &str)> = vec![
        (Method::POST, create, Auth::Key(KEY_A), "{not json".into(), StatusCode::BAD_REQUEST, "not valid JSON"),
        (Method::POST, create, Auth::Key(KEY_A),
            r#"{"source":{"channel":"fax"},"customer":{"channel_identity":"1"},"subject":"s","initial_message":"m"}"#.into(),
            StatusCode::BAD_REQUEST, "source.channel"),
        (Method::POST, create, Auth::Key(KEY_A),
            r#"{"source":{"channel":"email"},"customer":{"channel_identity":"a@b.co"},"subject":"s","initial_message":"m","priority":"urgent"}"#.into(),
            StatusCode::BAD_REQUEST, "priority"),
        (Method::POST, create, Auth::Key(KEY_A),
            r#"{"source":{"channel":"email"},"customer":{"channel_identity":"a@b.co"},"subject":"  ","initial_message":"m"}"#.into(),
            StatusCode::BAD_REQUEST, "subject must not be empty"),
        (Method::POST, create, Auth::Key(KEY_A),
            r#"{"source":{"channel":"email"},"customer":{"channel_identity":"a@b.co","primary_email":"nope"},"subject":"s","initial_message":"m"}"#.into(),
            StatusCode::BAD_REQUEST, "primary_email"),
        (Method::POST, create, Auth::Key(KEY_A),
            format!(r#"{{"source":{{"channel":"email"}},"customer":{{"channel_identity":"a@b.co"}},"subject":"s","initial_message":"{huge}"}}"#),
            StatusCode::PAYLOAD_TOO_LARGE, "limit"),
        (Method::POST, create, Auth::None, "{}".into(), StatusCode::UNAUTHORIZED, ""),
        (Method::POST, create, Auth::Key("fdk_forged"), "{}".into(), StatusCode::UNAUTHORIZED, ""),
        (Method::PUT, &update, Auth::Bearer(&desk.ana), "{}".into(), StatusCode::BAD_REQUEST, "No updates provided"),
        (Method::PUT, &update, Auth::Bearer(&desk.ana), r#"{"status":"done"}"#.into(), StatusCode::BAD_REQUEST, "status"),
        (Method::PUT, &update, Auth::Bearer(&desk.ana), r#"{"tags":"vip"}"#.into(), StatusCode::BAD_REQUEST, "tags"),
        (Method::PUT, &update, Auth::Key(KEY_A), r#"{"priority":"high"}"#.into(), StatusCode::UNAUTHORIZED, ""),
        (Method::POST, &message, Auth::Bearer(&desk.ana), r#"{"content":""}"#.into(), StatusCode::BAD_REQUEST, "content"),
        (Method::POST, &message, Auth::Bearer(&desk.ana), r#"{"content":"x","sender_type":"robot"}"#.into(), StatusCode::BAD_REQUEST, "sender_type"),
        (Method::POST, &message, Auth::Bearer(&desk.ana), r#"{"content":"x","sender_type":"system"}"#.into(), StatusCode::BAD_REQUEST, "reserved"),
        (Method::POST, &message, Auth::Key(KEY_A), r#"{"content":"x","sender_type":"agent"}"#.into(), StatusCode::FORBIDDEN, "API key"),
        (Method::POST, &message, Auth::Key(KEY_A), r#"{"content":"x","visibility":"internal"}"#.into(), StatusCode::FORBIDDEN, "API key"),
        (Method::GET, "/api/tickets/?status=done", Auth::Bearer(&desk.ana), String::new(), StatusCode::BAD_REQUEST, "unknown status 'done'"),
        (Method::GET, "/api/tickets/?limit=1000", Auth::Bearer(&desk.ana), String::new(), StatusCode::BAD_REQUEST, "limit must be"),
        (Method::GET, "/api/tickets/?cursor=garbage", Auth::Bearer(&desk.ana), String::new(), StatusCode::BAD_REQUEST, "cursor"),
        (Method::GET, "/api/tickets/?created_from=yesterday", Auth::Bearer(&desk.ana), String::new(), StatusCode::BAD_REQUEST, "created_from"),
    ];
    for (method, path, auth, body, expected, named) in cases {
        let body = (!body.is_empty()).then_some(body);
        let (status, answer) =
            call_as(&desk.app, method.clone(), path, auth, body.as_deref()).await;
        assert_eq!(status, expected, "{method} {path} {body:?}: {answer}");
        assert!(answer["code"].is_string(), "{answer}");
        let detail = answer["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(named),
            "{method} {path}: `{detail}` should name `{named}`"
        );
    }
    // A cursor from one listing cannot be replayed against another index.
    let (_, page) = desk
        .as_ana(Method::GET, "/api/tickets/?limit=1", None)
        .await;
    let (status, _) = desk
        .as_ana(
            Method::GET,
            &format!(
                "/api/tickets/?status=new&cursor={}",
                page["next_cursor"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(desk.stored_items().await, before, "no partial writes");
}

/// Runs the futures as concurrent tasks (real parallel requests) and returns their outputs.
async fn run_concurrently<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut tasks = tokio::task::JoinSet::new();
    for future in futures {
        tasks.spawn(future);
    }
    tasks.join_all().await
}
