//! The DynamoDB connection a function builds once per cold start, and the table names it needs.

use aws_sdk_dynamodb::Client;
use domain::settings::{Settings, SettingsError};

use crate::TableNames;
use crate::api_keys::ApiKeyStore;
use crate::leads::LeadStore;

/// One SDK configuration and client per execution environment, shared by every store. Local
/// endpoints come from the SDK's standard `AWS_ENDPOINT_URL` variables.
#[derive(Clone)]
pub struct Backend {
    pub dynamodb: Client,
    pub tables: TableNames,
}

impl Backend {
    /// Reads the table names (reporting every missing one at once) and loads the AWS
    /// configuration from the environment.
    pub async fn from_env() -> Result<Self, SettingsError> {
        let mut settings = Settings::from_env();
        let tables = TableNames::read(&mut settings);
        settings.finish()?;
        Ok(Self::connect(tables).await)
    }

    /// Loads the AWS configuration from the environment for the given tables.
    pub async fn connect(tables: TableNames) -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self {
            dynamodb: Client::new(&config),
            tables,
        }
    }

    pub fn leads(&self) -> LeadStore {
        LeadStore::new(self.dynamodb.clone(), &self.tables)
    }

    pub fn api_keys(&self) -> ApiKeyStore {
        ApiKeyStore::new(self.dynamodb.clone(), &self.tables)
    }
}
