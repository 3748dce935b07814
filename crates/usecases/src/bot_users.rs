//! The users a tenant's Lex bot registers (seed 003): a username is registered once in its
//! tenant, and only a registered user's email changes.

use std::future::Future;

use domain::bot_user::Username;
use domain::{Email, TenantId};
use thiserror::Error;

use crate::StoreError;
use crate::clock::now_ms;

/// Where the bot's users are kept; each write is one conditional step.
pub trait BotUsers: Sync {
    /// Registers the user on condition the username is free in the tenant; `false` when taken.
    fn register_if_new(
        &self,
        tenant: &TenantId,
        username: &Username,
        email: &Email,
        now_ms: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Changes the email on condition the user is registered; `false` when not.
    fn change_email_if_registered(
        &self,
        tenant: &TenantId,
        username: &Username,
        email: &Email,
        now_ms: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

#[derive(Debug, Error)]
pub enum BotUserError {
    #[error("User {0} is already registered.")]
    AlreadyRegistered(Username),
    #[error("User {0} does not exist.")]
    Unknown(Username),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn register_bot_user(
    users: &impl BotUsers,
    tenant: &TenantId,
    username: &Username,
    email: &Email,
) -> Result<(), BotUserError> {
    if users
        .register_if_new(tenant, username, email, now_ms())
        .await?
    {
        Ok(())
    } else {
        Err(BotUserError::AlreadyRegistered(username.clone()))
    }
}

pub async fn change_bot_user_email(
    users: &impl BotUsers,
    tenant: &TenantId,
    username: &Username,
    email: &Email,
) -> Result<(), BotUserError> {
    if users
        .change_email_if_registered(tenant, username, email, now_ms())
        .await?
    {
        Ok(())
    } else {
        Err(BotUserError::Unknown(username.clone()))
    }
}
