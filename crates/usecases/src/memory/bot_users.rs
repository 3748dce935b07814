//! The users of a tenant's Lex bot in memory: one per tenant and username (whatever its case),
//! each write one conditional step.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use domain::bot_user::Username;
use domain::{Email, TenantId};

use super::lock;
use crate::StoreError;
use crate::bot_users::BotUsers;

/// The bot's users in memory; clones share them.
#[derive(Clone, Default)]
pub struct MemoryBotUsers {
    /// The email of each user, by tenant and the form every spelling of the username shares.
    users: Arc<Mutex<HashMap<(TenantId, String), String>>>,
}

impl MemoryBotUsers {
    /// The email a user is registered with, if the user exists.
    pub fn email_of(&self, tenant: &TenantId, username: &Username) -> Option<String> {
        lock(&self.users)
            .get(&(tenant.clone(), username.key()))
            .cloned()
    }
}

impl BotUsers for MemoryBotUsers {
    async fn register_if_new(
        &self,
        tenant: &TenantId,
        username: &Username,
        email: &Email,
        _now_ms: u64,
    ) -> Result<bool, StoreError> {
        let mut users = lock(&self.users);
        let key = (tenant.clone(), username.key());
        if users.contains_key(&key) {
            return Ok(false);
        }
        users.insert(key, email.to_string());
        Ok(true)
    }

    async fn change_email_if_registered(
        &self,
        tenant: &TenantId,
        username: &Username,
        email: &Email,
        _now_ms: u64,
    ) -> Result<bool, StoreError> {
        Ok(
            match lock(&self.users).get_mut(&(tenant.clone(), username.key())) {
                Some(registered) => {
                    *registered = email.to_string();
                    true
                }
                None => false,
            },
        )
    }
}
