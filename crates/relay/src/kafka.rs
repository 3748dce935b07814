//! Kafka clients for the relay: the idempotent producer, its configuration per authentication
//! mode, MSK's brokers looked up from the cluster ARN, and MSK IAM tokens signed on demand.

use std::error::Error;

use aws_config::SdkConfig;
use aws_msk_iam_sasl_signer::generate_auth_token_from_credentials_provider;
use rdkafka::ClientConfig;
use rdkafka::client::{ClientContext, OAuthToken};
use rdkafka::producer::FutureProducer;

use crate::RelayError;
use crate::settings::{Bootstrap, KafkaAuth, RelaySettings, ScramCredentials};

/// The producer the relay publishes with.
pub type Producer = FutureProducer<RelayContext>;

/// The Kafka principal MSK IAM tokens name (informational; MSK authorises by the signature).
const IAM_PRINCIPAL: &str = "frontdesk-relay";

/// Signs MSK IAM tokens with the function's credentials. librdkafka asks for a token from its
/// own thread, synchronously, whenever the current one nears expiry.
pub struct RelayContext {
    iam: Option<IamSigner>,
}

struct IamSigner {
    config: SdkConfig,
    runtime: tokio::runtime::Handle,
}

impl ClientContext for RelayContext {
    const ENABLE_REFRESH_OAUTH_TOKEN: bool = true;

    fn generate_oauth_token(
        &self,
        _oauthbearer_config: Option<&str>,
    ) -> Result<OAuthToken, Box<dyn Error>> {
        let signer = self
            .iam
            .as_ref()
            .ok_or("OAUTHBEARER tokens are only made for KAFKA_AUTH=iam")?;
        let region = signer
            .config
            .region()
            .cloned()
            .ok_or("AWS_REGION is needed to sign MSK IAM tokens")?;
        let credentials = signer
            .config
            .credentials_provider()
            .ok_or("no AWS credentials to sign MSK IAM tokens with")?;
        // A thread of its own: the signer is async, and this callback may run on a thread that
        // is already inside the runtime, where blocking on it would panic.
        let runtime = signer.runtime.clone();
        let (token, expires_ms) = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    runtime.block_on(generate_auth_token_from_credentials_provider(
                        region,
                        credentials,
                    ))
                })
                .join()
        })
        .map_err(|_| "the MSK IAM signer panicked")??;
        Ok(OAuthToken {
            token,
            principal_name: IAM_PRINCIPAL.to_owned(),
            lifetime_ms: expires_ms,
        })
    }
}

/// Builds the idempotent producer for `settings`, looking the brokers up when given an MSK
/// cluster. Called once per cold start.
pub async fn producer(
    settings: &RelaySettings,
    config: &SdkConfig,
) -> Result<Producer, RelayError> {
    let servers = match &settings.bootstrap {
        Bootstrap::Servers(servers) => servers.clone(),
        Bootstrap::MskCluster(arn) => msk_brokers(config, arn, &settings.auth).await?,
    };
    let mut client = ClientConfig::new();
    client
        .set("bootstrap.servers", &servers)
        .set("client.id", "frontdesk-relay")
        // Exactly-once per partition from this producer: retries never duplicate or reorder.
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set(
            "message.timeout.ms",
            settings.delivery_timeout.as_millis().to_string(),
        )
        .set("linger.ms", "2");
    let iam = match &settings.auth {
        KafkaAuth::Plaintext => {
            client.set("security.protocol", "plaintext");
            None
        }
        KafkaAuth::Tls => {
            client
                .set("security.protocol", "ssl")
                .set("ssl.ca.location", "probe");
            None
        }
        KafkaAuth::Scram(credentials) => {
            let (username, password) = match credentials {
                ScramCredentials::Given { username, password } => (username, password),
                ScramCredentials::Stored { arn } => {
                    return Err(RelayError::Kafka(format!(
                        "the SCRAM secret {arn} was not read before connecting"
                    )));
                }
            };
            client
                .set("security.protocol", "sasl_ssl")
                .set("ssl.ca.location", "probe")
                .set("sasl.mechanism", "SCRAM-SHA-512")
                .set("sasl.username", username)
                .set("sasl.password", password);
            None
        }
        KafkaAuth::Iam => {
            client
                .set("security.protocol", "sasl_ssl")
                .set("ssl.ca.location", "probe")
                .set("sasl.mechanism", "OAUTHBEARER");
            Some(IamSigner {
                config: config.clone(),
                runtime: tokio::runtime::Handle::current(),
            })
        }
    };
    client
        .create_with_context(RelayContext { iam })
        .map_err(|error| RelayError::Kafka(error.to_string()))
}

/// Connects to the brokers and gets the idempotent producer its id now, during the cold start.
/// librdkafka asks for the producer id when a metadata answer arrives and a broker is up, and
/// otherwise retries on a 500 ms timer; left to the first publish, that timer is what its first
/// record waited (0.5-1 s, BENCHMARKS.md). The first metadata answer connects and learns the
/// brokers, the second arrives with a broker up (the id is asked for then), the third gives that
/// request a round trip to come back. A failure here is only logged: the first publish connects
/// again and reports its own.
pub async fn warm_up(producer: &Producer, topics: &crate::Topics, within: std::time::Duration) {
    let producer = producer.clone();
    let topic = topics.tickets.clone();
    let fetched = tokio::task::spawn_blocking(move || {
        use rdkafka::producer::Producer as _;
        for _ in 0..3 {
            producer.client().fetch_metadata(Some(&topic), within)?;
        }
        Ok::<(), rdkafka::error::KafkaError>(())
    })
    .await;
    match fetched {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "the brokers could not be reached at start"),
        Err(error) => tracing::warn!(%error, "the warm-up did not finish"),
    }
}

/// The cluster's broker list for the chosen authentication mode (`GetBootstrapBrokers`).
async fn msk_brokers(
    config: &SdkConfig,
    arn: &str,
    auth: &KafkaAuth,
) -> Result<String, RelayError> {
    let output = aws_sdk_kafka::Client::new(config)
        .get_bootstrap_brokers()
        .cluster_arn(arn)
        .send()
        .await
        .map_err(|error| {
            RelayError::Kafka(format!(
                "GetBootstrapBrokers for {arn}: {}",
                aws_sdk_kafka::error::DisplayErrorContext(&error)
            ))
        })?;
    let brokers = match auth {
        KafkaAuth::Plaintext => output.bootstrap_broker_string(),
        KafkaAuth::Tls => output.bootstrap_broker_string_tls(),
        KafkaAuth::Scram(_) => output.bootstrap_broker_string_sasl_scram(),
        KafkaAuth::Iam => output.bootstrap_broker_string_sasl_iam(),
    };
    brokers
        .filter(|brokers| !brokers.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            RelayError::Kafka(format!(
                "cluster {arn} has no brokers for the chosen KAFKA_AUTH mode; enable it on the cluster"
            ))
        })
}

#[cfg(test)]
mod tests {
    use aws_sdk_kafka::config::{Credentials, Region, SharedCredentialsProvider};

    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn msk_iam_tokens_are_presigned_connect_requests_of_the_region() {
        let config = SdkConfig::builder()
            .region(Region::new("eu-west-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDEXAMPLE",
                "secret",
                None,
                None,
                "test",
            )))
            .build();
        let context = RelayContext {
            iam: Some(IamSigner {
                config,
                runtime: tokio::runtime::Handle::current(),
            }),
        };
        // librdkafka calls this from a thread of its own.
        let token = std::thread::spawn(move || {
            context
                .generate_oauth_token(None)
                .map_err(|error| error.to_string())
        })
        .join()
        .unwrap()
        .unwrap();
        let url = String::from_utf8(
            base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                &token.token,
            )
            .unwrap(),
        )
        .unwrap();
        assert!(
            url.starts_with("https://kafka.eu-west-1.amazonaws.com/?"),
            "{url}"
        );
        assert!(url.contains("Action=kafka-cluster%3AConnect"), "{url}");
        assert!(url.contains("X-Amz-Credential=AKIDEXAMPLE"), "{url}");
        assert!(url.contains("X-Amz-Signature="), "{url}");
        assert!(token.lifetime_ms > 0);
        assert_eq!(token.principal_name, IAM_PRINCIPAL);
    }

    #[test]
    fn plaintext_clients_have_no_tokens_to_give() {
        let context = RelayContext { iam: None };
        assert!(context.generate_oauth_token(None).is_err());
    }
}
