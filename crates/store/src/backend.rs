//! The DynamoDB connection a function builds once per cold start, and the table names it needs.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig};
use domain::settings::{Settings, SettingsError};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::TableNames;
use crate::analytics::AnalyticsStore;
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
        if let Some(https) = https_client() {
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

    pub fn analytics(&self) -> AnalyticsStore {
        AnalyticsStore::new(self.dynamodb.clone(), &self.tables)
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

/// The HTTPS client every AWS client of the execution environment shares: the SDK's own (rustls
/// with aws-lc, proxies from the environment), trusting the certificates of the system's CA
/// bundle file. The SDK's default reads that file and then every file of the certificate
/// directory too, which on Debian and Amazon Linux holds the same certificates again; on a cold
/// start that second read was most of what the SDK's set-up cost (BENCHMARKS.md).
///
/// `None` keeps the SDK's default: when `SSL_CERT_FILE` or `SSL_CERT_DIR` choose the trust
/// store, when no bundle is found, or when any certificate in it fails to parse (the SDK refuses
/// a whole custom trust store for one bad certificate, where its native loader skips it).
fn https_client() -> Option<SharedHttpClient> {
    if std::env::var_os("SSL_CERT_FILE").is_some() || std::env::var_os("SSL_CERT_DIR").is_some() {
        return None;
    }
    let bundle = std::fs::read(openssl_probe::probe().cert_file?).ok()?;
    let mut certificates = 0;
    for certificate in CertificateDer::pem_slice_iter(&bundle) {
        webpki::anchor_from_trusted_cert(&certificate.ok()?).ok()?;
        certificates += 1;
    }
    if certificates == 0 {
        return None;
    }
    let tls = TlsContext::builder()
        .with_trust_store(TrustStore::empty().with_pem_certificate(bundle))
        .build()
        .ok()?;
    Some(
        Builder::new().build_with_connector_fn(move |settings, components| {
            let mut connector = ConnectorBuilder::default()
                .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                .tls_context(tls.clone());
            connector.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                connector.set_sleep_impl(components.sleep_impl());
            }
            connector.set_proxy_config(Some(ProxyConfig::from_env()));
            connector.build()
        }),
    )
}
