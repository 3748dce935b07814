//! Secrets come from Secrets Manager (moto's, here), read once at cold start: the AI provider's
//! key reaches the provider as the secret holds it, the Kafka SCRAM credentials are MSK's JSON
//! secret, and neither shows in a debug print or an error.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode};
use chat_kit::{ChatLimits, ChatService};
use domain::settings::Settings;
use relay::{KafkaAuth, RelaySettings, ScramCredentials};
use serde_json::json;
use tests::{Auth, KEY_A, Stack, call_as};

/// Stores a secret in moto and answers its ARN.
async fn stored_secret(stack: &Stack, name: &str, value: &str) -> String {
    let client = aws_sdk_secretsmanager::Client::new(stack.backend.sdk_config());
    let name = format!("{name}-{}", usecases::clock::random_u64());
    let created = client
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .expect("moto stores the secret");
    created.arn().unwrap().to_owned()
}

/// A chat-completions model that records the `Authorization` header of every call.
async fn model_recording_keys() -> (String, Arc<Mutex<Vec<String>>>) {
    let keys: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = keys.clone();
    let app = Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |headers: HeaderMap| {
            let seen = seen.clone();
            async move {
                let key = headers
                    .get("authorization")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                seen.lock().unwrap().push(key);
                let content = json!({"reply": "We have tents for two to six.", "intent": "WARM"});
                let completion = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content.to_string()}}]});
                (StatusCode::OK, completion.to_string())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/v1"), keys)
}

#[tokio::test]
async fn the_ai_providers_key_is_read_from_secrets_manager_at_start() {
    let stack = Stack::new().await;
    let arn = stored_secret(&stack, "ai-key", "sk-from-secrets-manager").await;
    let (model, keys) = model_recording_keys().await;
    let variables = [
        ("AI_PROVIDER", "openai-compatible".to_owned()),
        ("AI_MODEL", "local-model".to_owned()),
        ("AI_BASE_URL", model),
        ("AI_API_KEY_SECRET_ARN", arn.clone()),
    ];
    let mut settings = Settings::new(|name: &str| {
        variables
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    });
    let engine = assistant::EngineConfig::from_settings(&mut settings);
    settings.finish().unwrap();
    assert!(
        !format!("{engine:?}").contains("sk-from"),
        "configuration never prints a key"
    );
    let chat = ChatService::start(&stack.backend, engine, ChatLimits::default())
        .await
        .unwrap();
    let body = json!({"message": "tell me about tents", "user_id": "u-1", "source": "website"});
    let (status, answer) = call_as(
        &stack.app_with(chat),
        Method::POST,
        "/api/v1/chat/respond",
        Auth::Key(KEY_A),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["response"], "We have tents for two to six.");
    assert_eq!(*keys.lock().unwrap(), ["Bearer sk-from-secrets-manager"]);

    // A secret that cannot be read stops the start, naming the secret and nothing else.
    let mut missing =
        assistant::EngineConfig::from_settings(&mut Settings::new(|name: &str| match name {
            "AI_PROVIDER" => Some("openai".to_owned()),
            "AI_MODEL" => Some("gpt".to_owned()),
            "AI_API_KEY_SECRET_ARN" => Some(format!("{arn}-gone")),
            _ => None,
        }));
    let error = store::secrets::reveal(stack.backend.sdk_config(), missing.secret_mut().unwrap())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("-gone"), "{error}");
}

#[tokio::test]
async fn the_relays_scram_credentials_are_msks_json_secret() {
    let stack = Stack::new().await;
    let arn = stored_secret(
        &stack,
        "AmazonMSK_frontdesk",
        r#"{"username": "relay", "password": "scram-secret-password"}"#,
    )
    .await;
    let read = |extra: (&'static str, String)| {
        let variables = [
            ("KAFKA_BOOTSTRAP_SERVERS", "b-1.example:9096".to_owned()),
            ("KAFKA_AUTH", "scram".to_owned()),
            extra,
        ];
        let mut settings = Settings::new(move |name: &str| {
            variables
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
        });
        let relay = RelaySettings::read(&mut settings);
        settings.finish().unwrap();
        relay
    };
    let mut settings = read(("KAFKA_SASL_SECRET_ARN", arn.clone()));
    assert_eq!(
        settings.auth,
        KafkaAuth::Scram(ScramCredentials::Stored { arn })
    );
    settings
        .reveal_credentials(stack.backend.sdk_config())
        .await
        .unwrap();
    assert_eq!(
        settings.auth,
        KafkaAuth::Scram(ScramCredentials::Given {
            username: "relay".into(),
            password: "scram-secret-password".into()
        })
    );
    assert!(!format!("{settings:?}").contains("scram-secret-password"));

    let not_msk = stored_secret(&stack, "AmazonMSK_plain", "just-a-password").await;
    let mut settings = read(("KAFKA_SASL_SECRET_ARN", not_msk));
    let error = settings
        .reveal_credentials(stack.backend.sdk_config())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("MSK's JSON"), "{error}");
    assert!(!error.to_string().contains("just-a-password"), "{error}");
}
