//! Runs what is deployed: the arm64 `bootstrap` files of `make build`, started under QEMU on this
//! machine against a local Lambda Runtime API, as Lambda starts them, with the environment the
//! template gives them: `ticket-get` answers an agent's read of a ticket from moto,
//! `stream-relay` publishes a table stream batch to the broker, where a consumer reads it back,
//! and every function writes one JSON log line and its metrics for an invocation.

use std::path::{Path, PathBuf};
use std::time::Duration;

use local_runtime::process::{self, Answer, Launch, Timeouts};
use relay::Topics;
use serde_json::{Value, json};
use tests::artifacts::{QEMU, bootstrap, lambda_dir, qemu_available};
use tests::desk::Desk;
use tests::kafka::{EventReader, bootstrap_servers};
use tests::repo_root;

/// QEMU translates every instruction: a cold start of milliseconds natively takes seconds, more
/// while other tests keep the cores busy. Bounded all the same, so a hung binary fails the test.
const UNDER_QEMU: Timeouts = Timeouts {
    init: Duration::from_secs(120),
    invoke: Duration::from_secs(120),
};

/// The function's arm64 executable, when it is built and can be run here (else the test skips,
/// loudly, or fails under `make test`: see `tests::artifacts`).
fn arm64_bootstrap(function: &str) -> Option<PathBuf> {
    let dir = lambda_dir(&[function])?;
    qemu_available().then(|| bootstrap(&dir, function))
}

fn sample(file: &str) -> String {
    std::fs::read_to_string(repo_root().join("events").join(file)).unwrap()
}

/// The AWS variables of this test run (moto's endpoint, region, credentials), with the session
/// token Lambda's temporary credentials always carry.
fn aws_env() -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ]
    .into_iter()
    .filter_map(|name| Some((name.to_owned(), std::env::var(name).ok()?)))
    .collect();
    env.push(("AWS_SESSION_TOKEN".to_owned(), "local".to_owned()));
    env
}

/// Starts `function`'s arm64 binary, hands it `event` once and returns its answer; the process's
/// log is shown if it does not answer.
async fn invoke_once(
    function: &str,
    binary: &Path,
    env: &[(String, String)],
    event: &str,
) -> Answer {
    invoke(function, binary, env, event, 1).await.0
}

/// Starts `function`'s arm64 binary and hands it `event` `invocations` times; returns the first
/// answer and everything the process wrote (stdout and stderr, as Lambda collects them).
async fn invoke(
    function: &str,
    binary: &Path,
    env: &[(String, String)],
    event: &str,
    invocations: usize,
) -> (Answer, String) {
    let log = std::env::temp_dir().join(format!(
        "frontdesk-arm64-{function}-{}-{}.log",
        std::process::id(),
        usecases::clock::random_u64()
    ));
    let outcome = process::run(Launch {
        binary,
        runner: &QEMU,
        timeouts: UNDER_QEMU,
        function_name: function,
        env,
        event: event.as_bytes(),
        invocations,
        log: &log,
        before_invocation: &|| {},
    })
    .await;
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    match outcome {
        Ok(run) => {
            eprintln!(
                "{function} for arm64 under QEMU: init {:?}, first invocation {:?}",
                run.init, run.first
            );
            (run.first_answer, logged)
        }
        Err(error) => panic!("{error}\n{function}'s log:\n{logged}"),
    }
}

/// What a ticket or customer function is configured with: the stack's tables and its Cognito
/// pool, as the template sets them.
fn support_env(desk: &Desk) -> Vec<(String, String)> {
    let stack = &desk.stack;
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("make test starts moto");
    let cognito = devserver::cognito::settings(&stack.pool, &endpoint);
    let mut env = aws_env();
    env.extend(
        stack
            .backend
            .tables
            .env_vars()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value)),
    );
    env.extend([
        ("COGNITO_USER_POOL_ID".to_owned(), cognito.user_pool_id),
        (
            "COGNITO_APP_CLIENT_ID".to_owned(),
            cognito.app_client_ids.join(","),
        ),
        ("COGNITO_ISSUER".to_owned(), cognito.issuer),
        ("COGNITO_JWKS_URL".to_owned(), cognito.jwks_url),
        ("COGNITO_TENANT_CLAIM".to_owned(), cognito.tenant_claim),
    ]);
    env
}

#[tokio::test(flavor = "multi_thread")]
async fn ticket_get_for_arm64_answers_an_agents_read_of_a_ticket_in_moto() {
    let Some(binary) = arm64_bootstrap("ticket-get") else {
        return;
    };
    let desk = Desk::new().await;
    let ticket = desk.open_ticket("+34600000077", json!({})).await;
    let event = sample("ticket-get/get-ticket.json")
        .replace("{{agent-token:ana}}", &desk.ana)
        .replace("{{ticket_id}}", &ticket);
    let env = support_env(&desk);

    let answer = invoke_once("ticket-get", &binary, &env, &event).await;
    let response = answer.json();
    assert!(!answer.error, "{response}");
    assert_eq!(response["statusCode"], 200, "{response}");
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap_or_default())
        .unwrap_or_else(|error| panic!("the body is JSON ({error}): {response}"));
    assert_eq!(body["ticket_id"], ticket.as_str(), "{body}");
    assert_eq!(body["subject"], "Help for +34600000077", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn stream_relay_for_arm64_publishes_a_stream_batch_in_order() {
    let Some(binary) = arm64_bootstrap("stream-relay") else {
        return;
    };
    let servers = bootstrap_servers();
    // Topics of this test alone, so events other tests publish from the same samples stay out.
    let run = usecases::clock::random_u64() % 1_000_000;
    let topics = Topics {
        tickets: format!("arm64-{run}-tickets"),
        messages: format!("arm64-{run}-messages"),
        leads: format!("arm64-{run}-leads"),
    };
    relay::ensure_topics(&servers, &topics)
        .await
        .unwrap_or_else(|error| panic!("the topics are created on {servers}: {error}"));
    let mut env = aws_env();
    env.extend([
        ("KAFKA_BOOTSTRAP_SERVERS".to_owned(), servers.clone()),
        ("KAFKA_TOPIC_TICKETS".to_owned(), topics.tickets.clone()),
        ("KAFKA_TOPIC_MESSAGES".to_owned(), topics.messages.clone()),
        ("KAFKA_TOPIC_LEADS".to_owned(), topics.leads.clone()),
    ]);

    let event = sample("stream-relay/tickets-stream.json");
    let answer = invoke_once("stream-relay", &binary, &env, &event).await;
    let response = answer.json();
    assert!(!answer.error, "{response}");
    assert_eq!(
        response,
        json!({"batchItemFailures": []}),
        "every record is published"
    );

    let ticket = "tkt_0a1b2c3d4e5f";
    let reader = EventReader::new(&servers, &topics);
    let events = reader.about(&[ticket], 10, Duration::from_secs(30)).await;
    let kinds_on = |topic: &str| -> Vec<String> {
        events
            .iter()
            .filter(|event| event.topic == topic)
            .map(|event| event.kind().to_owned())
            .collect()
    };
    assert_eq!(
        kinds_on(&topics.tickets),
        [
            "com.frontdesk.ticket.created",
            "com.frontdesk.ticket.updated",
            "com.frontdesk.ticket.status_changed",
            "com.frontdesk.ticket.updated",
            "com.frontdesk.ticket.assigned",
            "com.frontdesk.ticket.updated",
            "com.frontdesk.ticket.status_changed",
            "com.frontdesk.ticket.resolved",
        ],
        "the ticket's lifecycle, in order, once"
    );
    assert_eq!(
        kinds_on(&topics.messages),
        ["com.frontdesk.message.added", "com.frontdesk.message.added"],
        "its two messages, once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deployed_function_logs_one_json_line_and_its_metrics_per_invocation_and_no_credentials()
{
    let Some(binary) = arm64_bootstrap("ticket-create") else {
        return;
    };
    let desk = Desk::new().await;
    let event = sample("ticket-create/create-ticket.json");
    let mut env = support_env(&desk);
    // As the template's LoggingConfig has Lambda set it.
    env.push(("AWS_LAMBDA_LOG_FORMAT".to_owned(), "JSON".to_owned()));
    let (answer, logged) = invoke("ticket-create", &binary, &env, &event, 2).await;
    assert_eq!(answer.json()["statusCode"], 201, "{}", answer.json());

    let lines: Vec<Value> = logged
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("every line is JSON ({error}): {line}"))
        })
        .collect();
    let requests: Vec<&Value> = lines
        .iter()
        .filter(|line| line["route"].is_string())
        .collect();
    assert_eq!(requests.len(), 2, "one line per invocation: {logged}");
    let mut request_ids = Vec::new();
    for (at, line) in requests.iter().enumerate() {
        assert_eq!(line["function"], "ticket-create", "{line}");
        assert_eq!(line["route"], "POST /api/tickets/create", "{line}");
        assert_eq!(line["status"], 201, "{line}");
        assert_eq!(line["tenant"], "acme", "{line}");
        assert_eq!(line["caller"], "api_key", "{line}");
        assert_eq!(
            line["cold_start"],
            at == 0,
            "only the first is the cold start: {line}"
        );
        assert!(line["latency_ms"].is_number(), "{line}");
        let request_id = line["request_id"].as_str().unwrap_or_default();
        assert!(
            request_id.starts_with("local-"),
            "the invocation's request id: {line}"
        );
        request_ids.push(request_id.to_owned());
        assert!(
            line["xray_trace_id"]
                .as_str()
                .is_some_and(|id| id.starts_with("Root=1-")),
            "the X-Ray trace: {line}"
        );
    }

    // EMF: each invocation's metrics, tagged with its request id, in the Frontdesk namespace.
    let documents: Vec<&Value> = lines
        .iter()
        .filter(|line| line["_aws"].is_object())
        .collect();
    for (at, request_id) in request_ids.iter().enumerate() {
        let mut names = Vec::new();
        for document in documents
            .iter()
            .filter(|document| document["RequestId"] == request_id.as_str())
        {
            for directive in document["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
                assert_eq!(directive["Namespace"], "Frontdesk", "{document}");
                names.extend(
                    directive["Metrics"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|metric| metric["Name"].as_str().unwrap().to_owned()),
                );
            }
            assert!(
                document["TraceId"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("Root=1-")),
                "{document}"
            );
        }
        for name in ["Requests", "Latency", "TicketsOpened", "MessagesIn"] {
            assert!(
                names.iter().any(|given| given == name),
                "{name} for {request_id}: {logged}"
            );
        }
        assert_eq!(
            names.iter().any(|given| given == "ColdStart"),
            at == 0,
            "a cold start is counted once: {logged}"
        );
    }

    // Nothing a caller sent in confidence, and no message text, is written down.
    for secret in [
        tests::KEY_A,
        "has not arrived yet",
        "ana.cliente@example.com",
        "Ana Cliente",
    ] {
        assert!(
            !logged.contains(&format!("\"{secret}\"")) && !logged.contains(&format!("={secret}")),
            "{secret} must not be logged: {logged}"
        );
    }
}

/// Every deployed function, each started once under QEMU with its first sample event and the
/// template's JSON log format: whatever it answers, the invocation is one JSON log line at INFO
/// naming the function, its request and trace ids, latency and cold start (with the route and
/// status of an HTTP call, or the source and record counts of an event batch), and an EMF document
/// for the same request counting the cold start.
#[tokio::test(flavor = "multi_thread")]
async fn every_deployed_function_logs_its_invocation_as_one_json_line_and_emf_metrics() {
    let mut functions: Vec<String> = std::fs::read_dir(repo_root().join("crates/functions"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    functions.sort();
    let names: Vec<&str> = functions.iter().map(String::as_str).collect();
    let Some(dir) = lambda_dir(&names) else {
        return;
    };
    if !qemu_available() {
        return;
    }
    let desk = Desk::new().await;
    let servers = bootstrap_servers();
    let run = usecases::clock::random_u64() % 1_000_000;
    let topics = Topics {
        tickets: format!("logs-{run}-tickets"),
        messages: format!("logs-{run}-messages"),
        leads: format!("logs-{run}-leads"),
    };
    relay::ensure_topics(&servers, &topics)
        .await
        .unwrap_or_else(|error| panic!("the topics are created on {servers}: {error}"));
    let mut env = support_env(&desk);
    env.extend(
        [
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("KAFKA_BOOTSTRAP_SERVERS", servers.as_str()),
            ("KAFKA_TOPIC_TICKETS", topics.tickets.as_str()),
            ("KAFKA_TOPIC_MESSAGES", topics.messages.as_str()),
            ("KAFKA_TOPIC_LEADS", topics.leads.as_str()),
            ("LEX_BOT_TENANTS", "BOOKSTORE1=acme"),
            // Nothing is sent to a provider: port 9 discards.
            ("META_GRAPH_API_URL", "http://127.0.0.1:9/meta"),
            ("X_API_URL", "http://127.0.0.1:9/x"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned())),
    );

    for function in &functions {
        let mut samples: Vec<String> = std::fs::read_dir(repo_root().join("events").join(function))
            .unwrap_or_else(|error| panic!("{function} has sample events: {error}"))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        samples.sort();
        // Agents sign in; the ids other samples create here are left unknown (the answer may
        // be a 404: it is logged all the same).
        let mut event = sample(&format!("{function}/{}", samples[0]))
            .replace("{{agent-token:ana}}", &desk.ana)
            .replace("{{agent-token:adam}}", &desk.ana)
            .replace("{{agent-token:gina}}", &desk.gina);
        for placeholder in [
            "ticket_id",
            "customer_id",
            "lead_id",
            "session_id",
            "internal_session_id",
        ] {
            event = event.replace(&format!("{{{{{placeholder}}}}}"), "unknown0");
        }
        let (_, logged) = invoke(function, &bootstrap(&dir, function), &env, &event, 1).await;
        let lines: Vec<Value> = logged
            .lines()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|error| {
                    panic!("{function}: every line is JSON ({error}): {line}")
                })
            })
            .collect();
        let invocations: Vec<&Value> = lines
            .iter()
            .filter(|line| line["message"] == "request" || line["message"] == "batch")
            .collect();
        assert_eq!(
            invocations.len(),
            1,
            "{function}: one line for its invocation: {logged}"
        );
        let line = invocations[0];
        assert_eq!(line["level"], "INFO", "{function}: {line}");
        assert_eq!(line["function"], function.as_str(), "{line}");
        assert_eq!(line["cold_start"], true, "{line}");
        assert!(line["latency_ms"].is_number(), "{line}");
        if line["message"] == "request" {
            assert!(line["route"].is_string(), "{line}");
            assert!(line["status"].is_number(), "{line}");
        } else {
            assert!(line["source"].is_string(), "{line}");
            assert!(line["records"].is_number(), "{line}");
        }
        let request_id = line["request_id"].as_str().unwrap_or_default();
        assert!(request_id.starts_with("local-"), "{line}");
        assert!(
            line["xray_trace_id"]
                .as_str()
                .is_some_and(|id| id.starts_with("Root=1-")),
            "{line}"
        );
        let counted_cold_start = lines
            .iter()
            .filter(|document| document["_aws"].is_object() && document["RequestId"] == request_id)
            .flat_map(|document| {
                document["_aws"]["CloudWatchMetrics"]
                    .as_array()
                    .into_iter()
                    .flatten()
            })
            .flat_map(|directive| directive["Metrics"].as_array().into_iter().flatten())
            .any(|metric| metric["Name"] == "ColdStart");
        assert!(
            counted_cold_start,
            "{function}: an EMF document of {request_id} counts the cold start: {logged}"
        );
    }
}
