//! `devserver token <agent>`: signs a demo agent in to the user pool of the running `make dev`
//! and prints the ID token, so a person can call agent routes with curl.
//!
//! Everything it needs (moto's endpoint, the pool, the app client) comes from the `.env.local`
//! that `make dev` wrote; its own environment may be a fresh shell.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::config::Credentials;
use devserver::cognito::{self, LocalPool};
use devserver::demo;

type Error = Box<dyn std::error::Error + Send + Sync>;

pub async fn run(env_file: &str, username: &str) -> Result<(), Error> {
    let Some(agent) = demo::agent(username) else {
        let names: Vec<&str> = demo::AGENTS.iter().map(|agent| agent.username).collect();
        return Err(format!(
            "no demo agent {username:?}; try one of {}",
            names.join(", ")
        )
        .into());
    };
    let text = std::fs::read_to_string(env_file).map_err(|error| {
        format!("cannot read {env_file} ({error}): start the local stack with `make dev` first")
    })?;
    let vars = parse_dotenv(&text);
    let var = |name: &str| {
        vars.get(name)
            .cloned()
            .ok_or_else(|| format!("{env_file} has no {name}: restart `make dev` to rewrite it"))
    };
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(var("AWS_ENDPOINT_URL")?)
        .region(aws_config::Region::new(var("AWS_REGION")?))
        .credentials_provider(Credentials::new(
            var("AWS_ACCESS_KEY_ID")?,
            var("AWS_SECRET_ACCESS_KEY")?,
            None,
            None,
            "frontdesk-env-local",
        ))
        .load()
        .await;
    let pool = LocalPool {
        user_pool_id: var("COGNITO_USER_POOL_ID")?,
        app_client_id: var("COGNITO_APP_CLIENT_ID")?,
    };
    let client = aws_sdk_cognitoidentityprovider::Client::new(&config);
    let token = cognito::id_token(&client, &pool, username)
        .await
        .map_err(|error| format!("{error}\nis `make dev` running?"))?;
    eprintln!(
        "ID token for {} (tenant {}, {}), valid for an hour. Local agent tokens are ID tokens: \
         moto, like Cognito without a pre-token-generation trigger, puts the tenant only in those.\n\
         Use it as: TOKEN=$(make -s token AGENT={}); curl -H \"Authorization: Bearer $TOKEN\" …",
        agent.username,
        agent.tenant,
        agent.group.map_or("in no group", |group| group),
        agent.username,
    );
    println!("{token}");
    Ok(())
}

/// `NAME=value` lines; blank lines and `#` comments skipped. Values are taken verbatim, as
/// `make dev` writes them unquoted.
pub(crate) fn parse_dotenv(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_make_dev_writes() {
        let vars = parse_dotenv("# header\n\nA=1\nURL=http://x/?a=b\n  B = two \nnot a pair\n");
        assert_eq!(vars.get("A").map(String::as_str), Some("1"));
        assert_eq!(vars.get("URL").map(String::as_str), Some("http://x/?a=b"));
        assert_eq!(vars.get("B").map(String::as_str), Some("two"));
        assert_eq!(vars.len(), 3);
    }
}
