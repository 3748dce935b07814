//! `frontdesk-admin`: what an operator needs besides the API — issuing and revoking tenant API
//! keys, and creating the tables outside CloudFormation. Reads the same variables as the
//! functions (`DYNAMODB_*_TABLE`, the standard AWS ones).

use auth::IssuedKey;
use auth::api_key::hash_key;
use domain::TenantId;
use store::{Backend, tables};

const USAGE: &str = "usage:
  frontdesk-admin create-api-key --tenant <tenant-id> [--label <text>]
      prints a new key once; only its SHA-256 is stored
  frontdesk-admin revoke-api-key <key>
      deletes the key; functions stop accepting it within a minute
  frontdesk-admin create-tables
      creates any missing table (local stacks; deployments get them from template.yaml)";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let backend = || Backend::from_env();
    match args.as_slice() {
        ["create-api-key", rest @ ..] => {
            let Some(tenant) = flag(rest, "--tenant") else {
                usage()
            };
            let tenant = TenantId::parse(tenant)?;
            let label = flag(rest, "--label").unwrap_or("api key");
            let issued = IssuedKey::generate(tenant, label, http_kit::clock::now_ms());
            if !backend().await?.api_keys().insert(&issued.record).await? {
                return Err("a key with this hash already exists; run again".into());
            }
            println!("{}", issued.key);
            eprintln!(
                "tenant {} key {}… stored; this is the only time the key is shown",
                issued.record.tenant_id, issued.record.key_prefix
            );
        }
        ["revoke-api-key", key] => {
            backend().await?.api_keys().revoke(&hash_key(key)).await?;
            eprintln!("revoked");
        }
        ["create-tables"] => {
            let backend = backend().await?;
            tables::ensure_tables(&backend.dynamodb, &backend.tables).await?;
            eprintln!("tables ready");
        }
        _ => usage(),
    }
    Ok(())
}

fn usage() -> ! {
    eprintln!("{USAGE}");
    std::process::exit(2)
}

fn flag<'a>(args: &[&'a str], name: &str) -> Option<&'a str> {
    args.windows(2)
        .find(|pair| pair[0] == name)
        .map(|pair| pair[1])
}
