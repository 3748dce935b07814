//! The OpenAI-compatible provider against a local chat-completions endpoint served in the test:
//! a good answer is used, and a slow, failing or malformed one falls back to the built-in engine.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assistant::{BuiltIn, Engine, LlmConfig, OpenAiCompatible, Provider, TenantBrief, Turn};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use domain::lead::LeadIntent;
use serde_json::{Value, json};

const KEY: &str = "sk-test-key-never-logged";

/// How the fake endpoint answers.
#[derive(Clone)]
enum Behaviour {
    /// 200 with this string as `choices[0].message.content`.
    Content(String),
    /// 200 with this raw body.
    Raw(&'static str),
    Status(StatusCode),
    /// A good answer, but only after this long.
    Slow(Duration),
}

#[derive(Default)]
struct Seen {
    authorization: Option<String>,
    body: Option<Value>,
}

struct Fake {
    behaviour: Behaviour,
    seen: Mutex<Seen>,
}

async fn completions(State(fake): State<Arc<Fake>>, headers: HeaderMap, body: Bytes) -> Response {
    {
        let mut seen = fake.seen.lock().unwrap();
        seen.authorization = headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned());
        seen.body = serde_json::from_slice(&body).ok();
    }
    let content = match &fake.behaviour {
        Behaviour::Content(content) => content.clone(),
        Behaviour::Raw(body) => return (StatusCode::OK, *body).into_response(),
        Behaviour::Status(status) => return (*status, "upstream exploded").into_response(),
        Behaviour::Slow(delay) => {
            tokio::time::sleep(*delay).await;
            json!({"reply": "Too late", "intent": "HOT"}).to_string()
        }
    };
    let completion = json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    });
    (StatusCode::OK, completion.to_string()).into_response()
}

/// Serves the fake on 127.0.0.1:0 and returns a provider pointed at it.
async fn provider(behaviour: Behaviour, timeout: Duration) -> (OpenAiCompatible, Arc<Fake>) {
    let fake = Arc::new(Fake {
        behaviour,
        seen: Mutex::new(Seen::default()),
    });
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let config = LlmConfig {
        provider: Provider::OpenAiCompatible,
        base_url: format!("http://{address}/v1"),
        api_key: Some(domain::settings::Secret::Given(KEY.to_owned())),
        model: "test-model".to_owned(),
        timeout,
    };
    (OpenAiCompatible::new(config), fake)
}

fn brief() -> TenantBrief {
    TenantBrief {
        business: "Acme Solar".into(),
        allowed_topics: vec!["solar panels".into(), "pricing".into()],
    }
}

fn history() -> Vec<Turn> {
    vec![
        Turn::visitor("hi, I'm Ana"),
        Turn::assistant("Hello Ana! How can I help?"),
    ]
}

const MESSAGE: &str = "tell me more about pricing";

#[tokio::test]
async fn a_good_answer_is_used_and_the_request_is_complete() {
    let content =
        json!({"reply": "Our panels start at $300. How many do you need?", "intent": "HOT"});
    let (engine, fake) = provider(
        Behaviour::Content(content.to_string()),
        Duration::from_secs(5),
    )
    .await;
    let reply = engine.reply(&brief(), &history(), MESSAGE).await;

    assert_eq!(reply.engine, "llm");
    assert_eq!(
        reply.text,
        "Our panels start at $300. How many do you need?"
    );
    assert!(reply.follow_up);
    assert!(!reply.off_topic);
    // The rules say WARM 45; the model's HOT moves it by the bounded 20 points, into HOT.
    assert_eq!(reply.intent, LeadIntent::Hot);
    assert_eq!(reply.score, 65);
    assert_eq!(reply.profile.name.as_deref(), Some("Ana"));

    let seen = fake.seen.lock().unwrap();
    assert_eq!(
        seen.authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
    let body = seen.body.as_ref().expect("a JSON request body");
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["response_format"], json!({"type": "json_object"}));
    let messages = body["messages"].as_array().unwrap();
    let roles: Vec<&str> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    let system = messages[0]["content"].as_str().unwrap();
    assert!(system.contains("Acme Solar") && system.contains("solar panels, pricing"));
    assert!(system.contains("name Ana"));
    assert_eq!(messages[1]["content"], "hi, I'm Ana");
    assert_eq!(messages[3]["content"], MESSAGE);
}

#[tokio::test]
async fn the_model_cannot_make_a_greeting_hot() {
    let content = json!({"reply": "Hello!", "intent": "HOT"}).to_string();
    let (engine, _) = provider(Behaviour::Content(content), Duration::from_secs(5)).await;
    let reply = engine.reply(&brief(), &[], "hello").await;
    assert_eq!(reply.engine, "llm");
    assert_eq!(reply.intent, LeadIntent::Warm);
    assert_eq!(reply.score, 20);
}

#[tokio::test]
async fn a_model_flagging_off_topic_is_reported() {
    let content =
        json!({"reply": "I can only help with solar.", "intent": "NEUTRAL", "off_topic": true});
    let (engine, _) = provider(
        Behaviour::Content(content.to_string()),
        Duration::from_secs(5),
    )
    .await;
    let reply = engine.reply(&brief(), &[], "write my essay").await;
    assert!(reply.off_topic);
    assert!(!reply.follow_up);
}

/// Asserts that `behaviour` makes the provider answer exactly as the built-in engine would.
async fn assert_falls_back(behaviour: Behaviour, timeout: Duration) {
    let (engine, fake) = provider(behaviour, timeout).await;
    let reply = engine.reply(&brief(), &history(), MESSAGE).await;
    assert_eq!(reply, BuiltIn.answer(&brief(), &history(), MESSAGE));
    assert_eq!(reply.engine, "built-in");
    assert!(
        fake.seen.lock().unwrap().body.is_some(),
        "the endpoint was asked"
    );
}

#[tokio::test]
async fn a_slow_answer_falls_back_within_the_timeout() {
    let started = Instant::now();
    assert_falls_back(
        Behaviour::Slow(Duration::from_secs(3)),
        Duration::from_millis(200),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_server_error_falls_back() {
    assert_falls_back(
        Behaviour::Status(StatusCode::INTERNAL_SERVER_ERROR),
        Duration::from_secs(5),
    )
    .await;
}

#[tokio::test]
async fn malformed_answers_fall_back() {
    let bad_contents = [
        "I think this visitor is HOT".to_owned(),
        json!({"reply": "Hi", "intent": "SIZZLING"}).to_string(),
        json!({"reply": "", "intent": "HOT"}).to_string(),
        json!({"intent": "HOT"}).to_string(),
    ];
    for content in bad_contents {
        assert_falls_back(Behaviour::Content(content), Duration::from_secs(5)).await;
    }
    assert_falls_back(Behaviour::Raw("not json at all"), Duration::from_secs(5)).await;
    assert_falls_back(Behaviour::Raw(r#"{"choices": []}"#), Duration::from_secs(5)).await;
}

#[tokio::test]
async fn an_unreachable_endpoint_falls_back() {
    // A port that was just free: nothing listens there any more.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let engine = OpenAiCompatible::new(LlmConfig {
        provider: Provider::OpenAiCompatible,
        base_url: format!("http://127.0.0.1:{port}/v1"),
        api_key: None,
        model: "m".to_owned(),
        timeout: Duration::from_secs(2),
    });
    let reply = engine.reply(&brief(), &history(), MESSAGE).await;
    assert_eq!(reply.engine, "built-in");
}

/// Collects formatted log output for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_fallback_is_logged_as_a_warning_without_the_key() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // The test runtime runs on this thread, so the thread-local subscriber sees the engine's logs.
    let _guard = tracing::subscriber::set_default(subscriber);
    assert_falls_back(
        Behaviour::Status(StatusCode::INTERNAL_SERVER_ERROR),
        Duration::from_secs(5),
    )
    .await;
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains("answered HTTP 500"), "{logs}");
    assert!(logs.contains("test-model"), "{logs}");
    assert!(!logs.contains(KEY), "{logs}");
}
