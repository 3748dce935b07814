//! The users of a tenant's Lex bot in DynamoDB, one item per tenant and username
//! (`userKey` = `<tenant>#<username, lower-case>`). Registering and editing are single conditional
//! writes, so two registrations of one username cannot both succeed and an edit never creates.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::bot_user::Username;
use domain::{Email, TenantId};
use usecases::bot_users::BotUsers;

use crate::{StoreError, TableNames, condition_held};

#[derive(Clone)]
pub struct BotUserStore {
    client: Client,
    table: String,
}

fn user_key(tenant: &TenantId, username: &Username) -> AttributeValue {
    AttributeValue::S(format!("{tenant}#{}", username.key()))
}

impl BotUserStore {
    pub fn new(client: Client, tables: &TableNames) -> Self {
        Self {
            client,
            table: tables.bot_users.clone(),
        }
    }

    /// Registers a new user; `Ok(false)` when the username is already taken in the tenant.
    pub async fn register(
        &self,
        tenant: &TenantId,
        username: &Username,
        email: &Email,
        now_ms: u64,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("userKey", user_key(tenant, username))
            .item("tenantId", AttributeValue::S(tenant.to_string()))
            .item("username", AttributeValue::S(username.to_string()))
            .item("email", AttributeValue::S(email.to_string()))
            .item("createdAt", AttributeValue::N(now_ms.to_string()))
            .item("updatedAt", AttributeValue::N(now_ms.to_string()))
            .condition_expression("attribute_not_exists(userKey)")
            .send()
            .await;
        condition_held(result)
    }

    /// Changes a registered user's email; `Ok(false)` when there is no such user.
    pub async fn change_email(
        &self,
        tenant: &TenantId,
        username: &Username,
        email: &Email,
        now_ms: u64,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("userKey", user_key(tenant, username))
            .update_expression("SET email = :email, updatedAt = :now")
            .condition_expression("attribute_exists(userKey)")
            .expression_attribute_values(":email", AttributeValue::S(email.to_string()))
            .expression_attribute_values(":now", AttributeValue::N(now_ms.to_string()))
            .send()
            .await;
        condition_held(result)
    }

    /// The email a user is registered with, if the user exists.
    pub async fn email_of(
        &self,
        tenant: &TenantId,
        username: &Username,
    ) -> Result<Option<String>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("userKey", user_key(tenant, username))
            .consistent_read(true)
            .send()
            .await?;
        Ok(output
            .item
            .and_then(|mut item| item.remove("email"))
            .and_then(|email| match email {
                AttributeValue::S(email) => Some(email),
                _ => None,
            }))
    }
}

impl BotUsers for BotUserStore {
    async fn register_if_new(
        &self,
        tenant: &TenantId,
        username: &Username,
        email: &Email,
        now_ms: u64,
    ) -> Result<bool, usecases::StoreError> {
        Ok(self.register(tenant, username, email, now_ms).await?)
    }

    async fn change_email_if_registered(
        &self,
        tenant: &TenantId,
        username: &Username,
        email: &Email,
        now_ms: u64,
    ) -> Result<bool, usecases::StoreError> {
        Ok(self.change_email(tenant, username, email, now_ms).await?)
    }
}
