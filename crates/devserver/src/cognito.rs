//! The local stack's Cognito: a user pool in moto shaped like the deployed one (the `tenant_id`
//! custom attribute, an app client, the `agents` and `admins` groups), its demo agents, and
//! sign-ins that return the real RS256 tokens moto issues.
//!
//! moto puts custom attributes (so the tenant) only into ID tokens, as Cognito does without a
//! pre-token-generation trigger, so the tokens handed to local agents are ID tokens.

use auth::CognitoSettings;
use auth::token::{ADMINS_GROUP, AGENTS_GROUP};
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::DisplayErrorContext;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, AttributeType, AuthFlowType, ExplicitAuthFlowsType, MessageActionType,
    SchemaAttributeType,
};
use domain::settings::Settings;

use crate::demo;

/// What the local stack's set-up steps fail with: an SDK error (moto down, a refused call).
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The pool `make dev` creates, by name.
pub const LOCAL_POOL_NAME: &str = "frontdesk-local";
/// The app client agents sign in through.
const APP_CLIENT_NAME: &str = "frontdesk-agents";
/// The custom attribute holding an agent's tenant; tokens carry it as `custom:tenant_id`.
const TENANT_ATTRIBUTE: &str = "tenant_id";

/// A user pool and the app client whose tokens Frontdesk accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPool {
    pub user_pool_id: String,
    pub app_client_id: String,
}

/// The tokens of one sign-in.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub id_token: String,
    pub access_token: String,
}

/// Finds the pool named `name` or creates it, with its app client and groups; running it again
/// against the same moto changes nothing.
pub async fn ensure_pool(client: &Client, name: &str) -> Result<LocalPool, Error> {
    let user_pool_id = match find_pool(client, name).await? {
        Some(id) => id,
        None => create_pool(client, name).await?,
    };
    let app_client_id = match find_app_client(client, &user_pool_id).await? {
        Some(id) => id,
        None => create_app_client(client, &user_pool_id).await?,
    };
    for group in [AGENTS_GROUP, ADMINS_GROUP] {
        let created = client
            .create_group()
            .user_pool_id(&user_pool_id)
            .group_name(group)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|error| error.is_group_exists_exception()) => {}
            Err(error) => return Err(sdk_error("CreateGroup", &error)),
        }
    }
    Ok(LocalPool {
        user_pool_id,
        app_client_id,
    })
}

/// Creates the demo agents (`demo::AGENTS`) with their permanent password, tenant, name, email
/// and group; agents already there are brought back to that state.
pub async fn seed_agents(client: &Client, pool: &LocalPool) -> Result<(), Error> {
    for agent in demo::AGENTS {
        let attribute =
            |name: String, value: &str| AttributeType::builder().name(name).value(value).build();
        let attributes = vec![
            attribute(format!("custom:{TENANT_ATTRIBUTE}"), agent.tenant)?,
            attribute("name".to_owned(), agent.name)?,
            attribute("email".to_owned(), agent.email)?,
        ];
        let created = client
            .admin_create_user()
            .user_pool_id(&pool.user_pool_id)
            .username(agent.username)
            .set_user_attributes(Some(attributes.clone()))
            .message_action(MessageActionType::Suppress)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|error| error.is_username_exists_exception()) =>
            {
                client
                    .admin_update_user_attributes()
                    .user_pool_id(&pool.user_pool_id)
                    .username(agent.username)
                    .set_user_attributes(Some(attributes))
                    .send()
                    .await
                    .map_err(|error| sdk_error("AdminUpdateUserAttributes", &error))?;
            }
            Err(error) => return Err(sdk_error("AdminCreateUser", &error)),
        }
        // Without a permanent password a new user must change it at first sign-in.
        client
            .admin_set_user_password()
            .user_pool_id(&pool.user_pool_id)
            .username(agent.username)
            .password(demo::AGENT_PASSWORD)
            .permanent(true)
            .send()
            .await
            .map_err(|error| sdk_error("AdminSetUserPassword", &error))?;
        if let Some(group) = agent.group {
            client
                .admin_add_user_to_group()
                .user_pool_id(&pool.user_pool_id)
                .username(agent.username)
                .group_name(group)
                .send()
                .await
                .map_err(|error| sdk_error("AdminAddUserToGroup", &error))?;
        }
    }
    Ok(())
}

/// Signs a demo agent in with the demo password.
pub async fn sign_in(client: &Client, pool: &LocalPool, username: &str) -> Result<SignIn, Error> {
    let output = client
        .admin_initiate_auth()
        .user_pool_id(&pool.user_pool_id)
        .client_id(&pool.app_client_id)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", demo::AGENT_PASSWORD)
        .send()
        .await
        .map_err(|error| sdk_error("AdminInitiateAuth", &error))?;
    let result = output
        .authentication_result()
        .ok_or("the sign-in asked for a challenge instead of returning tokens")?;
    match (result.id_token(), result.access_token()) {
        (Some(id_token), Some(access_token)) => Ok(SignIn {
            id_token: id_token.to_owned(),
            access_token: access_token.to_owned(),
        }),
        _ => Err("the sign-in returned no tokens".into()),
    }
}

/// A fresh ID token for a demo agent: the token local agents send as `Authorization: Bearer`.
pub async fn id_token(client: &Client, pool: &LocalPool, username: &str) -> Result<String, Error> {
    Ok(sign_in(client, pool, username).await?.id_token)
}

/// The settings that make the agent verifier accept this pool's tokens from moto at `endpoint`
/// (the `AWS_ENDPOINT_URL`). The issuer keeps its real-AWS default, which is what moto writes
/// into its tokens; only the JWKS comes from moto's own address.
pub fn settings(pool: &LocalPool, endpoint: &str) -> CognitoSettings {
    let jwks_url = jwks_url(pool, endpoint);
    let mut settings = Settings::new(|name: &str| match name {
        "COGNITO_USER_POOL_ID" => Some(pool.user_pool_id.clone()),
        "COGNITO_APP_CLIENT_ID" => Some(pool.app_client_id.clone()),
        "COGNITO_JWKS_URL" => Some(jwks_url.clone()),
        "AWS_REGION" => std::env::var("AWS_REGION").ok(),
        _ => None,
    });
    let cognito = CognitoSettings::read(&mut settings);
    settings
        .finish()
        .expect("a local pool has every setting the verifier needs");
    cognito
}

/// What the agent console signs in with: the pool and app client whose tokens the agent routes
/// accept (`cognito`), at the Cognito endpoint of the local stack (`AWS_ENDPOINT_URL`).
pub fn console_config(cognito: &CognitoSettings) -> console::ConsoleConfig {
    let mut settings = Settings::new(|name: &str| match name {
        "COGNITO_USER_POOL_ID" => Some(cognito.user_pool_id.clone()),
        "COGNITO_APP_CLIENT_ID" => Some(cognito.app_client_ids.join(",")),
        _ => std::env::var(name).ok(),
    });
    let config = console::ConsoleConfig::read(&mut settings);
    settings
        .finish()
        .expect("a local pool has every setting the console needs");
    config
}

/// Where moto serves a pool's signing keys.
pub fn jwks_url(pool: &LocalPool, endpoint: &str) -> String {
    format!(
        "{}/{}/.well-known/jwks.json",
        endpoint.trim_end_matches('/'),
        pool.user_pool_id
    )
}

async fn find_pool(client: &Client, name: &str) -> Result<Option<String>, Error> {
    let mut next_token = None;
    loop {
        let page = client
            .list_user_pools()
            .max_results(60)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|error| sdk_error("ListUserPools", &error))?;
        if let Some(pool) = page
            .user_pools()
            .iter()
            .find(|pool| pool.name() == Some(name))
        {
            return Ok(pool.id().map(str::to_owned));
        }
        match page.next_token() {
            Some(token) => next_token = Some(token.to_owned()),
            None => return Ok(None),
        }
    }
}

async fn create_pool(client: &Client, name: &str) -> Result<String, Error> {
    let tenant = SchemaAttributeType::builder()
        .name(TENANT_ATTRIBUTE)
        .attribute_data_type(AttributeDataType::String)
        .mutable(true)
        .build();
    let output = client
        .create_user_pool()
        .pool_name(name)
        .schema(tenant)
        .send()
        .await
        .map_err(|error| sdk_error("CreateUserPool", &error))?;
    output
        .user_pool()
        .and_then(|pool| pool.id())
        .map(str::to_owned)
        .ok_or_else(|| "CreateUserPool returned no pool id".into())
}

async fn find_app_client(client: &Client, user_pool_id: &str) -> Result<Option<String>, Error> {
    let output = client
        .list_user_pool_clients()
        .user_pool_id(user_pool_id)
        .max_results(60)
        .send()
        .await
        .map_err(|error| sdk_error("ListUserPoolClients", &error))?;
    Ok(output
        .user_pool_clients()
        .iter()
        .find(|app| app.client_name() == Some(APP_CLIENT_NAME))
        .and_then(|app| app.client_id())
        .map(str::to_owned))
}

async fn create_app_client(client: &Client, user_pool_id: &str) -> Result<String, Error> {
    let output = client
        .create_user_pool_client()
        .user_pool_id(user_pool_id)
        .client_name(APP_CLIENT_NAME)
        // The deployed client's flows (the console signs in with SRP), and the admin flow
        // `make token` and the tests sign the demo agents in with.
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .send()
        .await
        .map_err(|error| sdk_error("CreateUserPoolClient", &error))?;
    output
        .user_pool_client()
        .and_then(|app| app.client_id())
        .map(str::to_owned)
        .ok_or_else(|| "CreateUserPoolClient returned no client id".into())
}

fn sdk_error(operation: &str, error: &dyn std::error::Error) -> Error {
    format!("Cognito {operation}: {}", DisplayErrorContext(error)).into()
}
