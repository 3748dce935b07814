//! `make dev`: creates the tables, demo tenants and demo agents in the local stack (and, with
//! `FRONTDESK_DEMO_ACTIVITY=1`, as `make dev` sets it, the demo tenant's first tickets and leads),
//! writes `.env.local`, feeds the tables' streams to the event relay, and serves every route on
//! one port until Ctrl-C.
//!
//! `devserver token <agent>` (what `make token` runs) prints a fresh token for a demo agent of
//! the running stack, and `devserver events` (`make events`) tails its event topics; both find
//! the stack through `.env.local`.

mod events_command;
mod token_command;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use auth::{AgentAuth, CognitoSettings};
use devserver::cognito::{self, LocalPool};
use devserver::{demo, outbound_feed, sandbox, stream_feed};
use domain::settings::Settings;
use relay::{Relay, RelaySettings, Topics};
use store::{Backend, tables};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => serve().await,
        ["token", agent] => token_command::run(&env_file(), agent).await,
        ["events"] => events_command::run(&env_file()).await,
        _ => Err("usage: devserver [token <agent> | events]".into()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn env_file() -> String {
    std::env::var("FRONTDESK_ENV_FILE").unwrap_or_else(|_| ".env.local".to_owned())
}

async fn serve() -> Result<(), Error> {
    telemetry::init_logging("devserver");
    let addr: SocketAddr = std::env::var("FRONTDESK_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()?;
    let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL") else {
        return Err("AWS_ENDPOINT_URL is not set: start the local stack with `make dev`".into());
    };
    let (backend, (engine, limits)) = Backend::from_env_with(|settings| {
        (
            assistant::EngineConfig::from_settings(settings),
            usecases::conversations::ChatLimits::read(settings),
        )
    })
    .await?;
    tables::ensure_tables(&backend.dynamodb, &backend.tables).await?;
    demo::seed(&backend.api_keys(), usecases::clock::now_ms()).await?;
    demo::seed_tenant_profiles(&backend.tenants()).await?;
    demo::seed_channel_accounts(&backend.channel_accounts()).await?;

    let cognito_client = aws_sdk_cognitoidentityprovider::Client::new(backend.sdk_config());
    let pool = cognito::ensure_pool(&cognito_client, cognito::LOCAL_POOL_NAME).await?;
    cognito::seed_agents(&cognito_client, &pool).await?;
    let cognito_settings = cognito::settings(&pool, &endpoint);
    let agents = AgentAuth::new(cognito_settings.clone(), backend.sdk_config());

    let relay = connect_relay(&backend).await?;
    let events = relay.as_ref().map(|(bootstrap_servers, relay)| Events {
        bootstrap_servers: bootstrap_servers.clone(),
        topics: relay.topics().clone(),
    });

    let base = format!("http://{addr}");
    let env_file = env_file();
    std::fs::write(
        &env_file,
        dotenv(&base, &backend, &cognito_settings, events.as_ref()),
    )?;

    let allowed = std::env::var("ALLOWED_ORIGINS").ok();
    let chat = wiring::chat::start_chat(&backend, engine, limits).await?;
    let app = devserver::app(&backend, &agents, chat)
        .merge(sandbox::routes())
        .layer(devserver::cors(allowed.as_deref()));
    let listener = tokio::net::TcpListener::bind(addr).await?;

    let (stop_feed, feed_stopped) = tokio::sync::oneshot::channel::<()>();
    let (stop_outbound, outbound_stopped) = tokio::sync::oneshot::channel::<()>();
    let outbound = match &events {
        Some(events) => Some(tokio::spawn(outbound_feed::run(
            local_outbound(&backend, &base).await?,
            events.bootstrap_servers.clone(),
            vec![events.topics.messages.clone(), events.topics.leads.clone()],
            "frontdesk-outbound-local".to_owned(),
            async {
                let _ = outbound_stopped.await;
            },
        ))),
        None => None,
    };
    let feed = relay.map(|(_, relay)| {
        tokio::spawn(stream_feed::run(backend.clone(), relay, async {
            let _ = feed_stopped.await;
        }))
    });
    if std::env::var("FRONTDESK_DEMO_ACTIVITY").is_ok_and(|value| value == "1") {
        // A nicety: without it the stack still serves, with an empty inbox.
        let seeded = match cognito::id_token(&cognito_client, &pool, "ana").await {
            Ok(ana) => devserver::demo_activity::seed(&app, &ana).await,
            Err(error) => Err(error.to_string().into()),
        };
        match seeded {
            Ok(true) => tracing::info!("demo activity created: acme's first tickets and leads"),
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "the demo activity could not be created"),
        }
    }
    println!("{}", banner(&base, &env_file, &pool, events.as_ref()));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    let _ = stop_feed.send(());
    let _ = stop_outbound.send(());
    for task in [feed, outbound].into_iter().flatten() {
        let _ = task.await;
    }
    Ok(())
}

/// Outbound delivery for the local stack: the providers' send APIs are the devserver's own
/// sandbox unless configured otherwise, and alerts go through moto's SES from an address it has
/// verified.
async fn local_outbound(backend: &Backend, base: &str) -> Result<outbound::Outbound, Error> {
    let mut settings = Settings::from_env();
    let mut outbound_settings = outbound::OutboundSettings::read(&mut settings);
    settings.finish()?;
    if std::env::var("META_GRAPH_API_URL").is_err() {
        outbound_settings.urls.meta_graph = format!("{base}{}", sandbox::META_PATH);
    }
    if std::env::var("X_API_URL").is_err() {
        outbound_settings.urls.x = format!("{base}{}", sandbox::X_PATH);
    }
    let from = outbound_settings
        .alerts_from
        .get_or_insert_with(|| LOCAL_ALERTS_FROM.to_owned())
        .clone();
    outbound_settings
        .api_url
        .get_or_insert_with(|| base.to_owned());
    aws_sdk_sesv2::Client::new(backend.sdk_config())
        .create_email_identity()
        .email_identity(&from)
        .send()
        .await
        .map_err(|error| format!("cannot verify {from} in the local SES: {error}"))?;
    Ok(outbound::Outbound::new(backend, outbound_settings))
}

/// The address local lead alerts come from (verified in moto's SES at start).
const LOCAL_ALERTS_FROM: &str = "alerts@frontdesk.local";

/// Where the local stack's events go, for `.env.local` and the banner.
struct Events {
    bootstrap_servers: String,
    topics: Topics,
}

/// The relay the stream feed hands records to, with the broker's address, when a broker is
/// configured (`make dev` starts one and sets `KAFKA_BOOTSTRAP_SERVERS`); without one the
/// routes still work and no events are published.
async fn connect_relay(backend: &Backend) -> Result<Option<(String, Relay)>, Error> {
    let Some(bootstrap_servers) = std::env::var("KAFKA_BOOTSTRAP_SERVERS")
        .ok()
        .filter(|servers| !servers.trim().is_empty())
    else {
        tracing::warn!(
            "KAFKA_BOOTSTRAP_SERVERS is not set: events are not published (`make dev` starts a broker)"
        );
        return Ok(None);
    };
    let mut settings = Settings::from_env();
    let relay_settings = RelaySettings::read(&mut settings);
    settings.finish()?;
    // The broker make dev starts has the topics already; another local broker may not.
    relay::ensure_topics(&bootstrap_servers, &relay_settings.topics)
        .await
        .map_err(|error| format!("cannot create the topics on {bootstrap_servers}: {error}"))?;
    let relay = Relay::connect(relay_settings, backend.sdk_config())
        .await
        .map_err(|error| format!("cannot connect the relay to {bootstrap_servers}: {error}"))?;
    Ok(Some((bootstrap_servers, relay)))
}

fn dotenv(
    base: &str,
    backend: &Backend,
    cognito: &CognitoSettings,
    events: Option<&Events>,
) -> String {
    let mut out = String::from(
        "# Written by `make dev`: the local stack's endpoints and demo credentials.\n",
    );
    let _ = writeln!(out, "FRONTDESK_URL={base}");
    for name in [
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        if let Ok(value) = std::env::var(name) {
            let _ = writeln!(out, "{name}={value}");
        }
    }
    for (name, value) in backend.tables.env_vars() {
        let _ = writeln!(out, "{name}={value}");
    }
    for (name, value) in [
        ("COGNITO_USER_POOL_ID", cognito.user_pool_id.clone()),
        ("COGNITO_APP_CLIENT_ID", cognito.app_client_ids.join(",")),
        ("COGNITO_ISSUER", cognito.issuer.clone()),
        ("COGNITO_JWKS_URL", cognito.jwks_url.clone()),
        ("COGNITO_TENANT_CLAIM", cognito.tenant_claim.clone()),
    ] {
        let _ = writeln!(out, "{name}={value}");
    }
    if let Some(events) = events {
        for (name, value) in [
            ("KAFKA_BOOTSTRAP_SERVERS", &events.bootstrap_servers),
            ("KAFKA_TOPIC_TICKETS", &events.topics.tickets),
            ("KAFKA_TOPIC_MESSAGES", &events.topics.messages),
            ("KAFKA_TOPIC_LEADS", &events.topics.leads),
        ] {
            let _ = writeln!(out, "{name}={value}");
        }
    }
    for (index, demo) in demo::TENANTS.iter().enumerate() {
        let letter = char::from(b'A' + index as u8);
        let _ = writeln!(out, "DEMO_TENANT_{letter}={}", demo.tenant);
        let _ = writeln!(out, "DEMO_API_KEY_{letter}={}", demo.api_key);
    }
    let _ = writeln!(out, "DEMO_AGENT_PASSWORD={}", demo::AGENT_PASSWORD);
    out
}

fn banner(base: &str, env_file: &str, pool: &LocalPool, events: Option<&Events>) -> String {
    let mut out = format!(
        "\nFrontdesk is running on {base}\n\n  agent console {base}/console (sign in as ana)\n  demo shop     {base}/demo\n\n"
    );
    for demo in demo::TENANTS {
        let _ = writeln!(out, "  tenant {:<8} API key {}", demo.tenant, demo.api_key);
    }
    let _ = writeln!(
        out,
        "\n  agents (user pool {}, password {}):",
        pool.user_pool_id,
        demo::AGENT_PASSWORD
    );
    for agent in demo::AGENTS {
        let _ = writeln!(
            out,
            "    {:<6} tenant {:<8} {}",
            agent.username,
            agent.tenant,
            agent
                .group
                .unwrap_or("no group: every agent route answers 403")
        );
    }
    let _ = writeln!(
        out,
        "\n  channel accounts (webhooks sign with the secret shown):"
    );
    for account in demo::CHANNEL_ACCOUNTS {
        let _ = writeln!(
            out,
            "    {:<9} {:<16} tenant {:<8} verify token {}, secret {}",
            account.channel.as_str(),
            account.account_id,
            account.tenant,
            account.verify_token,
            account.signing_secret
        );
    }
    match events {
        Some(events) => {
            let _ = writeln!(
                out,
                "\n  events       Kafka on {} (topics {}); tail them with: make events",
                events.bootstrap_servers,
                events.topics.all().join(", ")
            );
        }
        None => {
            let _ = writeln!(
                out,
                "\n  events       off: KAFKA_BOOTSTRAP_SERVERS is not set"
            );
        }
    }
    let _ = writeln!(
        out,
        "  outbound     replies go to the local provider sandbox ({base}/_sandbox/sent), alerts to moto's SES"
    );
    let _ = write!(
        out,
        "\n  an agent's token (an ID token): TOKEN=$(make -s token AGENT=ana)\n\
         \n  chat widget  {base}/demo (a demo shop embedding it)\n  API docs     {base}/api/docs\n  OpenAPI      {base}/api/openapi.json\n  \
         endpoints and keys are also in {env_file}\n\n  try: curl -s {base}/users/user_42/conversations -H 'X-Api-Key: {}'\n\n\
         Ctrl-C stops everything.\n",
        demo::TENANTS[0].api_key
    );
    out
}
