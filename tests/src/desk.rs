//! A signed-in help desk for the ticket and webhook tests: a [`Stack`] with its router, the demo
//! agents' tokens, and the calls those tests keep making.

use axum::Router;
use axum::http::{Method, StatusCode};
use domain::ticket::TicketStatus;
use serde_json::{Value, json};

use crate::{Auth, KEY_A, Stack, call_as};

pub struct Desk {
    pub stack: Stack,
    pub app: Router,
    /// `ana`'s token: an agent of `acme`, the tenant of [`KEY_A`].
    pub ana: String,
    /// `gina`'s token: an agent of `globex`.
    pub gina: String,
}

impl Desk {
    pub async fn new() -> Self {
        let stack = Stack::new().await;
        let app = stack.app();
        let ana = stack.token("ana").await;
        let gina = stack.token("gina").await;
        Self {
            stack,
            app,
            ana,
            gina,
        }
    }

    /// A request with the tenant's API key, as a website or chatbot sends it.
    pub async fn as_widget(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let body = body.map(|body| body.to_string());
        call_as(&self.app, method, path, Auth::Key(KEY_A), body.as_deref()).await
    }

    /// A request signed in as `ana`.
    pub async fn as_ana(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let body = body.map(|body| body.to_string());
        call_as(
            &self.app,
            method,
            path,
            Auth::Bearer(&self.ana),
            body.as_deref(),
        )
        .await
    }

    /// Opens a ticket for `handle` on WhatsApp with the API key and returns its id; `extra`
    /// fields are merged into the request.
    pub async fn open_ticket(&self, handle: &str, extra: Value) -> String {
        let mut body = json!({
            "source": {"channel": "whatsapp"},
            "customer": {"channel_identity": handle, "name": "Customer"},
            "subject": format!("Help for {handle}"),
            "initial_message": "Hello, I need help",
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let (status, created) = self
            .as_widget(Method::POST, "/api/tickets/create", Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["ticket_id"].as_str().unwrap().to_owned()
    }

    pub async fn set_status(&self, ticket: &str, status: TicketStatus) -> (StatusCode, Value) {
        self.as_ana(
            Method::PUT,
            &format!("/api/tickets/{ticket}"),
            Some(json!({"status": status.as_str()})),
        )
        .await
    }

    /// The tenant's tickets matching `query`, as `ana` lists them (one page of up to 100).
    pub async fn tickets(&self, query: &str) -> Vec<Value> {
        let (status, page) = self
            .as_ana(
                Method::GET,
                &format!("/api/tickets/?limit=100&{query}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page["tickets"].as_array().unwrap().clone()
    }

    /// The first timeline page of a ticket, as `ana` reads it.
    pub async fn timeline(&self, ticket: &str) -> Vec<Value> {
        let (status, read) = self
            .as_ana(Method::GET, &format!("/api/tickets/{ticket}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{read}");
        read["timeline"].as_array().unwrap().clone()
    }

    /// How many items the tickets, customers and claims tables hold, to prove a refused request
    /// wrote nothing.
    pub async fn stored_items(&self) -> usize {
        let tables = &self.stack.backend.tables;
        let mut count = 0;
        for table in [&tables.tickets, &tables.customers, &tables.claims] {
            count += self.stack.items(table).await.len();
        }
        count
    }
}
