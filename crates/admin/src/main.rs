//! `frontdesk-admin`: what an operator needs besides the API — issuing and revoking tenant API
//! keys, setting a tenant's profile, connecting channel accounts for the webhooks, and creating
//! the tables outside CloudFormation. Finds the tables from a deployed stack's outputs
//! (`--stack`), or reads the same variables as the functions (`DYNAMODB_*_TABLE`); AWS access
//! comes from the standard AWS variables and profiles.

mod stack;

use auth::IssuedKey;
use auth::api_key::hash_key;
use domain::ticket::Channel;
use domain::{TenantId, TenantProfile};
use store::channel_accounts::ChannelAccount;
use store::{Backend, tables};

const USAGE: &str = "usage: frontdesk-admin [--stack <stack name>] <command> [options]
  With --stack the tables are those of the deployed stack (its outputs); without it, those the
  nine DYNAMODB_*_TABLE variables name, as for the functions.

  frontdesk-admin create-api-key --tenant <tenant-id> [--label <text>] [--allowed-origin <origin>]...
      prints a new key once; only its SHA-256 is stored. With --allowed-origin (repeatable, e.g.
      https://shop.example) browsers may use the key only from those origins
  frontdesk-admin configure-tenant --tenant <tenant-id> --name <business name> [--domain <domain>]
      [--email <address>] [--topic <topic>]... [--notify <address>]...
      what the widget shows, the topics the assistant keeps to (none: any) and who hears about
      ready leads; saving again replaces the profile
  frontdesk-admin revoke-api-key <key>
      deletes the key; functions stop accepting it within a minute
  frontdesk-admin connect-channel --tenant <tenant-id> --channel <whatsapp|facebook|instagram|twitter>
      --account <id> --verify-token <token> --secret <app or consumer secret>
      [--access-token <token replies are sent with>] [--label <text>]
      routes the account's webhook deliveries to the tenant (account: WhatsApp phone_number_id,
      Page id, Instagram account id, X user id); saving again replaces the secrets
  frontdesk-admin create-tables
      creates any missing table (local stacks; deployments get them from template.yaml)";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (stack, args) = match args.as_slice() {
        ["--stack", stack, rest @ ..] => (Some(*stack), rest),
        rest => (None, rest),
    };
    let backend = || connect(stack);
    match args {
        ["create-api-key", rest @ ..] => {
            let Some(tenant) = flag(rest, "--tenant") else {
                usage()
            };
            let tenant = TenantId::parse(tenant)?;
            let label = flag(rest, "--label").unwrap_or("api key");
            let mut issued = IssuedKey::generate(tenant, label, usecases::clock::now_ms());
            issued.record.allowed_origins = flags(rest, "--allowed-origin")
                .into_iter()
                .map(|origin| origin.trim_end_matches('/').to_owned())
                .collect();
            if !backend().await?.api_keys().insert(&issued.record).await? {
                return Err("a key with this hash already exists; run again".into());
            }
            println!("{}", issued.key);
            eprintln!(
                "tenant {} key {}… stored; this is the only time the key is shown",
                issued.record.tenant_id, issued.record.key_prefix
            );
        }
        ["configure-tenant", rest @ ..] => {
            let required = |name| flag(rest, name).unwrap_or_else(|| usage());
            let owned = |values: Vec<&str>| values.into_iter().map(str::to_owned).collect();
            let profile = TenantProfile {
                name: required("--name").to_owned(),
                domain: flag(rest, "--domain").map(str::to_owned),
                email: flag(rest, "--email").map(str::to_owned),
                allowed_topics: owned(flags(rest, "--topic")),
                notification_emails: owned(flags(rest, "--notify")),
                ..TenantProfile::unnamed(TenantId::parse(required("--tenant"))?)
            };
            backend().await?.tenants().save(&profile).await?;
            eprintln!("tenant {} profile saved", profile.tenant_id);
        }
        ["revoke-api-key", key] => {
            backend().await?.api_keys().revoke(&hash_key(key)).await?;
            eprintln!("revoked");
        }
        ["connect-channel", rest @ ..] => {
            let required = |name| flag(rest, name).unwrap_or_else(|| usage());
            let account = ChannelAccount {
                tenant_id: TenantId::parse(required("--tenant"))?,
                channel: Channel::parse(required("--channel"))?,
                account_id: required("--account").to_owned(),
                verify_token: required("--verify-token").to_owned(),
                signing_secret: required("--secret").to_owned(),
                access_token: flag(rest, "--access-token").map(str::to_owned),
                label: flag(rest, "--label")
                    .unwrap_or("channel account")
                    .to_owned(),
            };
            backend().await?.channel_accounts().save(&account).await?;
            eprintln!(
                "{} account {} now delivers to tenant {}",
                account.channel, account.account_id, account.tenant_id
            );
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

/// The tables of the named stack, or those the environment names.
async fn connect(stack: Option<&str>) -> Result<Backend, Box<dyn std::error::Error>> {
    let Some(stack) = stack else {
        return Ok(Backend::from_env().await?);
    };
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(https) = store::https::client_for_environment() {
        loader = loader.http_client(https);
    }
    let outputs = stack::outputs(&loader.load().await, stack).await?;
    let tables = stack::table_names(stack, &outputs)?;
    Ok(Backend::connect(tables).await)
}

fn usage() -> ! {
    eprintln!("{USAGE}");
    std::process::exit(2)
}

fn flag<'a>(args: &[&'a str], name: &str) -> Option<&'a str> {
    flags(args, name).into_iter().next()
}

/// Every value of a repeatable flag, in order.
fn flags<'a>(args: &[&'a str], name: &str) -> Vec<&'a str> {
    args.windows(2)
        .filter(|pair| pair[0] == name)
        .map(|pair| pair[1])
        .collect()
}
