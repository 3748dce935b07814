//! Runs what is deployed: the arm64 `bootstrap` files of `make build`, started under QEMU on this
//! machine against a local Lambda Runtime API, as Lambda starts them, with the environment the
//! template gives them: `ticket-get` answers an agent's read of a ticket from moto, and
//! `stream-relay` publishes a table stream batch to the broker, where a consumer reads it back.

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
        invocations: 1,
        log: &log,
        before_invocation: &|| {},
    })
    .await;
    match outcome {
        Ok(run) => {
            let _ = std::fs::remove_file(&log);
            eprintln!(
                "{function} for arm64 under QEMU: init {:?}, first invocation {:?}",
                run.init, run.first
            );
            run.first_answer
        }
        Err(error) => {
            let logged = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("{error}\n{function}'s log:\n{logged}")
        }
    }
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
