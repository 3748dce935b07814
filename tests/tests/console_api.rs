//! What the agent console reads, against the local stack: the tenant's team, its tickets per
//! status (running counters that match a recount whatever happened), and its leads listed by
//! latest activity, by stage, intent and readiness, paged without a lead missed or repeated, and
//! never another tenant's.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use domain::ticket::TicketStatus;
use serde_json::{Value, json};
use tests::desk::Desk;
use tests::{Auth, KEY_A, KEY_B, call_as};

#[tokio::test]
async fn the_team_is_the_tenants_agents_with_their_roles() {
    let desk = Desk::new().await;
    let (status, team) = desk.as_ana(Method::GET, "/api/agents", None).await;
    assert_eq!(status, StatusCode::OK, "{team}");
    let members: Vec<[String; 4]> = team["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|agent| {
            assert_eq!(agent["enabled"], true, "{agent}");
            ["id", "role", "name", "email"].map(|field| agent[field].as_str().unwrap().to_owned())
        })
        .collect();
    // olga is in no group: she signs in but works nothing, so she is nobody's assignee. The
    // names and emails are the pool's standard attributes, which the console shows.
    assert_eq!(
        members,
        [
            ["adam", "admin", "Adam Berg", "adam@acme.example"].map(String::from),
            ["ana", "agent", "Ana Alves", "ana@acme.example"].map(String::from),
        ]
    );
    let (status, globex) = call_as(
        &desk.app,
        Method::GET,
        "/api/agents",
        Auth::Bearer(&desk.gina),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(globex["agents"].as_array().unwrap().len(), 1, "{globex}");
    assert_eq!(globex["agents"][0]["id"], "gina");
    let (status, _) = call_as(
        &desk.app,
        Method::GET,
        "/api/agents",
        Auth::Key(KEY_A),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a website's key lists no agents"
    );
}

/// The tenant's tickets per status, counted from the listing.
async fn recount(desk: &Desk) -> Value {
    let mut counts = json!({"total": 0});
    for status in TicketStatus::ALL {
        let listed = desk.tickets(&format!("status={status}")).await.len();
        counts[status.as_str()] = json!(listed);
        counts["total"] = json!(counts["total"].as_u64().unwrap() + listed as u64);
    }
    counts
}

#[tokio::test]
async fn ticket_counts_match_a_recount_after_openings_changes_and_races() {
    let desk = Desk::new().await;
    let mut tickets = Vec::new();
    for n in 0..6 {
        tickets.push(
            desk.open_ticket(&format!("+3460000{n:04}"), json!({}))
                .await,
        );
    }
    // Answered, waiting, resolved, closed, refused (a closed ticket does not reopen).
    let reply = json!({"content": "On it", "sender_type": "agent"});
    desk.as_ana(
        Method::POST,
        &format!("/api/tickets/{}/message", tickets[0]),
        Some(reply),
    )
    .await;
    desk.set_status(&tickets[1], TicketStatus::PendingCustomer)
        .await;
    desk.set_status(&tickets[2], TicketStatus::Resolved).await;
    desk.set_status(&tickets[3], TicketStatus::Closed).await;
    let (refused, _) = desk.set_status(&tickets[3], TicketStatus::Open).await;
    assert_eq!(refused, StatusCode::CONFLICT);
    // Two agents resolve the same ticket at once: one change, counted once.
    let (a, b) = tokio::join!(
        desk.set_status(&tickets[4], TicketStatus::Resolved),
        desk.set_status(&tickets[4], TicketStatus::Resolved)
    );
    assert!(a.0.is_success() || b.0.is_success());
    // Another tenant's ticket is not counted here.
    call_as(
        &desk.app,
        Method::POST,
        "/api/tickets/create",
        Auth::Key(KEY_B),
        Some(
            &json!({
                "source": {"channel": "whatsapp"},
                "customer": {"channel_identity": "+34611111111"},
                "subject": "Elsewhere",
                "initial_message": "Hi",
            })
            .to_string(),
        ),
    )
    .await;

    let (status, counts) = desk.as_ana(Method::GET, "/api/tickets/counts", None).await;
    assert_eq!(status, StatusCode::OK, "{counts}");
    assert_eq!(counts, recount(&desk).await);
    assert_eq!(counts["total"], 6);
    assert_eq!(counts["resolved"], 2);
    assert_eq!(counts["new"], 1);

    // The analytics summary reads the same counts.
    let (_, summary) = desk
        .as_ana(Method::GET, "/api/v1/analytics/summary", None)
        .await;
    assert_eq!(summary["tickets_by_status"], counts, "{summary}");
}

/// Creates a lead through the API with `fields`; answers its id.
async fn lead(desk: &Desk, key: &str, fields: Value) -> String {
    let mut body = json!({"source": "website"});
    body.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    let (status, created) = call_as(
        &desk.app,
        Method::POST,
        "/api/v1/lead/",
        Auth::Key(key),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

async fn listed(desk: &Desk, query: &str) -> (StatusCode, Value) {
    desk.as_ana(Method::GET, &format!("/api/v1/leads?{query}"), None)
        .await
}

fn ids(page: &Value) -> Vec<String> {
    page["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|lead| lead["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn leads_are_listed_by_latest_activity_filtered_and_paged_within_the_tenant() {
    let desk = Desk::new().await;
    let mut created = Vec::new();
    for n in 0..7 {
        let intent = if n % 2 == 0 { "hot" } else { "cold" };
        created.push(
            lead(
                &desk,
                KEY_A,
                json!({"name": format!("Lead {n}"), "intent": intent}),
            )
            .await,
        );
    }
    lead(&desk, KEY_B, json!({"name": "Globex's", "intent": "hot"})).await;
    // The oldest lead moves along the pipeline last: it becomes the latest activity.
    let (status, moved) = desk
        .as_ana(
            Method::PATCH,
            &format!("/api/v1/lead/{}", created[0]),
            Some(json!({"status": "qualified"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");

    let (status, all) = listed(&desk, "").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let all_ids = ids(&all);
    assert_eq!(all_ids.len(), 7, "acme's leads, not globex's: {all}");
    assert_eq!(all_ids[0], created[0], "latest activity first");
    assert_eq!(all_ids[1], created[6]);
    assert!(
        all["leads"][0].get("messages").is_none(),
        "a listing carries no messages"
    );

    // Paged three at a time: every lead once, in the same order.
    let mut paged = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = listed(&desk, &format!("limit=3{cursor}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        paged.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(paged, all_ids);

    let (_, hot) = listed(&desk, "intent=HOT").await;
    assert_eq!(ids(&hot).len(), 4);
    let (_, qualified) = listed(&desk, "status=qualified").await;
    assert_eq!(ids(&qualified), [created[0].clone()]);
    let (_, new_and_cold) = listed(&desk, "status=new&intent=cold&limit=2").await;
    assert_eq!(ids(&new_and_cold), [created[5].clone(), created[3].clone()]);
    assert!(
        new_and_cold["next_cursor"].is_string(),
        "one more cold lead follows"
    );
    let (_, not_ready) = listed(&desk, "ready=false").await;
    assert_eq!(ids(&not_ready).len(), 7);

    // A lead's listed ETag is the one a move under If-Match takes.
    let etag = all["leads"][0]["etag"].as_str().unwrap();
    assert_eq!(etag, moved_etag(&desk, &created[0]).await);

    // Errors name the parameter; a cursor of another listing or tenant is refused.
    let (status, refused) = listed(&desk, "status=won").await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"))
    );
    let (status, refused) = listed(&desk, "ready=maybe").await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"))
    );
    let (status, refused) = listed(&desk, "limit=500").await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"))
    );
    let (_, first) = listed(&desk, "limit=1").await;
    let foreign = first["next_cursor"].as_str().unwrap();
    let (status, refused) = call_as(
        &desk.app,
        Method::GET,
        &format!("/api/v1/leads?cursor={foreign}"),
        Auth::Bearer(&desk.gina),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["code"], "invalid_cursor");
    let (status, refused) = listed(&desk, &format!("status=new&cursor={foreign}")).await;
    assert_eq!(
        refused["code"], "invalid_cursor",
        "{status}: another index's cursor"
    );
}

/// The `ETag` a lead is read with.
async fn moved_etag(desk: &Desk, lead: &str) -> String {
    let response = tower::ServiceExt::oneshot(
        desk.app.clone(),
        axum::http::Request::get(format!("/api/v1/lead/{lead}"))
            .header("authorization", format!("Bearer {}", desk.ana))
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    response.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_summary_counts_leads_at_each_stage() {
    let desk = Desk::new().await;
    let mut stages = BTreeSet::new();
    for (n, stage) in ["new", "contacted", "contacted", "converted"]
        .iter()
        .enumerate()
    {
        let id = lead(&desk, KEY_A, json!({"name": format!("Stage {n}")})).await;
        if *stage != "new" {
            let (status, _) = desk
                .as_ana(
                    Method::PATCH,
                    &format!("/api/v1/lead/{id}"),
                    Some(json!({"status": stage})),
                )
                .await;
            assert_eq!(status, StatusCode::OK);
        }
        stages.insert(*stage);
    }
    let (_, summary) = desk
        .as_ana(Method::GET, "/api/v1/analytics/summary", None)
        .await;
    assert_eq!(
        summary["leads_by_stage"],
        json!({"new": 1, "contacted": 2, "qualified": 0, "converted": 1}),
        "{summary}"
    );
    assert_eq!(summary["conversion_rate"], 25.0);
}
