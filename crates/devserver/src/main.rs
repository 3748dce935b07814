//! `make dev`: creates the tables and demo tenants in the local stack, writes `.env.local`, and
//! serves every route on one port until Ctrl-C.

use std::fmt::Write as _;
use std::net::SocketAddr;

use devserver::demo;
use store::{Backend, tables};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    http_kit::lambda::init_logging();
    let addr: SocketAddr = std::env::var("FRONTDESK_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()?;
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        return Err("AWS_ENDPOINT_URL is not set: start the local stack with `make dev`".into());
    }
    let backend = Backend::from_env().await?;
    tables::ensure_tables(&backend.dynamodb, &backend.tables).await?;
    demo::seed(&backend.api_keys(), http_kit::clock::now_ms()).await?;

    let base = format!("http://{addr}");
    let env_file = std::env::var("FRONTDESK_ENV_FILE").unwrap_or_else(|_| ".env.local".to_owned());
    std::fs::write(&env_file, dotenv(&base, &backend))?;

    let allowed = std::env::var("ALLOWED_ORIGINS").ok();
    let app = devserver::app(&backend).layer(devserver::cors(allowed.as_deref()));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("{}", banner(&base, &env_file));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

fn dotenv(base: &str, backend: &Backend) -> String {
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
    for (index, demo) in demo::TENANTS.iter().enumerate() {
        let letter = char::from(b'A' + index as u8);
        let _ = writeln!(out, "DEMO_TENANT_{letter}={}", demo.tenant);
        let _ = writeln!(out, "DEMO_API_KEY_{letter}={}", demo.api_key);
    }
    out
}

fn banner(base: &str, env_file: &str) -> String {
    let mut out = format!("\nFrontdesk is running on {base}\n\n");
    for demo in demo::TENANTS {
        let _ = writeln!(out, "  tenant {:<8} API key {}", demo.tenant, demo.api_key);
    }
    let _ = write!(
        out,
        "\n  API docs     {base}/api/docs\n  OpenAPI      {base}/api/openapi.json\n  \
         endpoints and keys are also in {env_file}\n\n  try: curl -s {base}/users/user_42/conversations -H 'X-Api-Key: {}'\n\n\
         Ctrl-C stops everything.\n",
        demo::TENANTS[0].api_key
    );
    out
}
