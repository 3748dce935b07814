//! The DynamoDB connection a function builds once per cold start, and the table names it needs.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use domain::settings::{Settings, SettingsError};

use crate::TableNames;
use crate::api_keys::ApiKeyStore;
use crate::bot_users::BotUserStore;
use crate::channel_accounts::ChannelAccountStore;
use crate::deliveries::DeliveryRecords;
use crate::leads::LeadStore;
use crate::tenants::TenantStore;
use crate::tickets::TicketStore;

/// One SDK configuration and client per execution environment, shared by every store. Local
/// endpoints come from the SDK's standard `AWS_ENDPOINT_URL` variables.
#[derive(Clone)]
pub struct Backend {
    pub dynamodb: Client,
    pub tables: TableNames,
    sdk_config: SdkConfig,
}

impl Backend {
    /// Reads the table names (reporting every missing one at once) and loads the AWS
    /// configuration from the environment.
    pub async fn from_env() -> Result<Self, SettingsError> {
        Ok(Self::from_env_with(|_| ()).await?.0)
    }

    /// Like [`Backend::from_env`], also reading a function's own settings with `read_more`, so
    /// every missing variable, the tables' and the function's, is reported in one error.
    pub async fn from_env_with<T>(
        read_more: impl FnOnce(&mut Settings<fn(&str) -> Option<String>>) -> T,
    ) -> Result<(Self, T), SettingsError> {
        let mut settings = Settings::from_env();
        let tables = TableNames::read(&mut settings);
        let more = read_more(&mut settings);
        settings.finish()?;
        Ok((Self::connect(tables).await, more))
    }

    /// Loads the AWS configuration from the environment for the given tables.
    pub async fn connect(tables: TableNames) -> Self {
        Self::connect_with(tables, |dynamodb| dynamodb).await
    }

    /// Like [`Backend::connect`], with the DynamoDB client's configuration passed through
    /// `customize` before the client is built. This is how a benchmark or a test registers an
    /// interceptor (`.interceptor(…)`) or another HTTP client (`.http_client(…)`) on the one
    /// client every store uses, while everything else is loaded exactly as in a function.
    pub async fn connect_with(
        tables: TableNames,
        customize: impl FnOnce(aws_sdk_dynamodb::config::Builder) -> aws_sdk_dynamodb::config::Builder,
    ) -> Self {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(https) = crate::https::client_for_environment() {
            loader = loader.http_client(https);
        }
        let config = loader.load().await;
        let dynamodb = customize(aws_sdk_dynamodb::config::Builder::from(&config)).build();
        Self {
            dynamodb: Client::from_conf(dynamodb),
            tables,
            sdk_config: config,
        }
    }

    /// The AWS configuration every other client of this execution environment derives from.
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.sdk_config
    }

    pub fn leads(&self) -> LeadStore {
        LeadStore::new(self.dynamodb.clone(), &self.tables)
    }

    pub fn tickets(&self) -> TicketStore {
        TicketStore::new(self.dynamodb.clone(), &self.tables)
    }

    pub fn channel_accounts(&self) -> ChannelAccountStore {
        ChannelAccountStore::new(self.dynamodb.clone(), &self.tables)
    }

    pub fn tenants(&self) -> TenantStore {
        TenantStore::new(self.dynamodb.clone(), &self.tables)
    }

    pub fn bot_users(&self) -> BotUserStore {
        BotUserStore::new(self.dynamodb.clone(), &self.tables)
    }

    pub fn deliveries(&self) -> DeliveryRecords {
        DeliveryRecords::new(self.dynamodb.clone(), &self.tables)
    }

    pub fn api_keys(&self) -> ApiKeyStore {
        ApiKeyStore::new(self.dynamodb.clone(), &self.tables)
    }
}
