//! Tenant API keys in DynamoDB, looked up by the SHA-256 of the key: the key itself is never
//! stored, so a leaked table does not leak working keys.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::TenantId;
use serde::{Deserialize, Serialize};

use crate::{StoreError, TableNames, condition_held};

/// What is stored of one API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyRecord {
    /// Lower-case hex SHA-256 of the whole key.
    pub key_hash: String,
    pub tenant_id: TenantId,
    /// The key's first characters, so people can tell their keys apart without the secret.
    pub key_prefix: String,
    pub label: String,
    pub created_at_ms: u64,
    /// The web origins (`https://shop.example`) a browser may use the key from; empty allows any.
    /// A key embedded in a public widget is visible to anyone, so this is what keeps another
    /// website from putting it in its own pages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_origins: Vec<String>,
}

#[derive(Clone)]
pub struct ApiKeyStore {
    client: Client,
    table: String,
}

impl ApiKeyStore {
    pub fn new(client: Client, tables: &TableNames) -> Self {
        Self {
            client,
            table: tables.api_keys.clone(),
        }
    }

    /// The record of the key with this hash, if there is one.
    pub async fn find(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("keyHash", AttributeValue::S(key_hash.to_owned()))
            .send()
            .await?;
        output
            .item
            .map(|item| serde_dynamo::from_item(item).map_err(StoreError::from))
            .transpose()
    }

    /// Stores a new key; `Ok(false)` when a key with the same hash already exists.
    pub async fn insert(&self, record: &ApiKeyRecord) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(serde_dynamo::to_item(record)?))
            .condition_expression("attribute_not_exists(keyHash)")
            .send()
            .await;
        condition_held(result)
    }

    /// Removes a key; requests bearing it fail once the functions' short key cache expires.
    pub async fn revoke(&self, key_hash: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("keyHash", AttributeValue::S(key_hash.to_owned()))
            .send()
            .await?;
        Ok(())
    }

    /// A cheap read that proves the table answers (readiness checks).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.find("readiness-probe").await.map(|_| ())
    }
}
