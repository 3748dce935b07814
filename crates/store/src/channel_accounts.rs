//! The channel accounts tenants connect (a WhatsApp phone number, a Facebook Page, an Instagram
//! account, an X account): which tenant a webhook delivery belongs to, and the verify token and
//! signing secret its provider uses. One item per account, and one per verify token (Meta's
//! handshake names only the token), written together. Accounts read are remembered for a minute
//! per execution environment, as API keys are: every delivery names its account, and a rotated
//! secret or token reaches every function within that minute.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use domain::TenantId;
use domain::ticket::Channel;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::recent::Recent;
use crate::{StoreError, TableNames};

/// How long an account read is reused without asking DynamoDB again.
const CACHE_TTL: Duration = Duration::from_secs(60);
/// Bounds the memory a flood of deliveries naming many accounts can take.
const CACHE_CAPACITY: usize = 1_024;

/// A connected account, with its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelAccount {
    pub tenant_id: TenantId,
    pub channel: Channel,
    /// The provider's id of our side: WhatsApp `phone_number_id`, Page id, Instagram account id,
    /// X `for_user_id`.
    pub account_id: String,
    /// What the provider's subscription handshake must present (Meta's `hub.verify_token`).
    pub verify_token: String,
    /// What deliveries are signed with: the Meta app secret, or the X consumer secret.
    pub signing_secret: String,
    /// What replies are sent with: the Graph API access token of the number or Page, or the X
    /// user's OAuth 2.0 token. Without one, nothing can be sent from the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    pub label: String,
}

#[derive(Serialize, Deserialize)]
struct AccountItem {
    account_key: String,
    #[serde(flatten)]
    account: ChannelAccount,
}

#[derive(Clone)]
pub struct ChannelAccountStore {
    client: Client,
    table: String,
    /// By item key, so both lookups are remembered.
    recent: Recent<String, ChannelAccount>,
}

fn account_key(channel: Channel, account_id: &str) -> String {
    format!("account#{channel}#{account_id}")
}

/// Verify tokens are looked up by hash, so the lookup key does not hold the token.
fn verify_key(channel: Channel, verify_token: &str) -> String {
    format!(
        "verify#{channel}#{}",
        hex::encode(Sha256::digest(verify_token.as_bytes()))
    )
}

impl ChannelAccountStore {
    pub fn new(client: Client, tables: &TableNames) -> Self {
        Self {
            client,
            table: tables.channel_accounts.clone(),
            recent: Recent::new(CACHE_TTL, CACHE_CAPACITY),
        }
    }

    /// The account a delivery names.
    pub async fn find(
        &self,
        channel: Channel,
        account_id: &str,
    ) -> Result<Option<ChannelAccount>, StoreError> {
        self.get(account_key(channel, account_id)).await
    }

    /// The account whose verify token this is, for the subscription handshake.
    pub async fn find_by_verify_token(
        &self,
        channel: Channel,
        verify_token: &str,
    ) -> Result<Option<ChannelAccount>, StoreError> {
        self.get(verify_key(channel, verify_token)).await
    }

    /// Connects an account (or replaces its secrets).
    pub async fn save(&self, account: &ChannelAccount) -> Result<(), StoreError> {
        let items = [
            account_key(account.channel, &account.account_id),
            verify_key(account.channel, &account.verify_token),
        ];
        let mut writes = Vec::with_capacity(items.len());
        for key in &items {
            let item = serde_dynamo::to_item(AccountItem {
                account_key: key.clone(),
                account: account.clone(),
            })?;
            writes.push(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(item))
                            .build()
                            .map_err(|error| StoreError::Malformed(error.to_string()))?,
                    )
                    .build(),
            );
        }
        self.client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await?;
        for key in &items {
            self.recent.forget(key);
        }
        Ok(())
    }

    async fn get(&self, key: String) -> Result<Option<ChannelAccount>, StoreError> {
        if let Some(account) = self.recent.get(&key) {
            return Ok(Some(account));
        }
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("account_key", AttributeValue::S(key.clone()))
            .send()
            .await?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let account = serde_dynamo::from_item::<_, AccountItem>(item)?.account;
        self.recent.insert(key, account.clone());
        Ok(Some(account))
    }
}
