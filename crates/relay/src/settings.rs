//! The relay's configuration: how to reach the brokers (an address list or an MSK cluster ARN),
//! how to authenticate, and which topic each event stream goes to.

use std::time::Duration;

use domain::events::EventStream;
use domain::settings::Settings;

/// Where the brokers are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// `host:port,host:port` (`KAFKA_BOOTSTRAP_SERVERS`, seed 004's name).
    Servers(String),
    /// An MSK cluster, whose brokers are asked for at cold start (`MSK_CLUSTER_ARN`).
    MskCluster(String),
}

/// How the relay authenticates to the brokers (`KAFKA_AUTH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KafkaAuth {
    /// No encryption, no authentication: the local broker only.
    Plaintext,
    /// TLS, the brokers' certificates checked against the system's roots.
    Tls,
    /// TLS with SASL/SCRAM-SHA-512 (MSK's SCRAM).
    Scram(ScramCredentials),
    /// TLS with SASL/OAUTHBEARER carrying a SigV4-signed token of the function's role (MSK IAM).
    Iam,
}

/// Who the relay is to SCRAM: deployed, the MSK secret `KAFKA_SASL_SECRET_ARN` names (JSON
/// `{"username", "password"}`, read at cold start); locally, `KAFKA_SASL_USERNAME` and
/// `KAFKA_SASL_PASSWORD`.
#[derive(Clone, PartialEq, Eq)]
pub enum ScramCredentials {
    Given { username: String, password: String },
    Stored { arn: String },
}

// Written by hand so the password never reaches a log through `{:?}`.
impl std::fmt::Debug for ScramCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Given { username, .. } => write!(f, "ScramCredentials({username}, <redacted>)"),
            Self::Stored { arn } => write!(f, "ScramCredentials(stored at {arn})"),
        }
    }
}

/// The topic of each event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    pub tickets: String,
    pub messages: String,
    pub leads: String,
}

impl Default for Topics {
    fn default() -> Self {
        Self {
            tickets: "support-tickets".to_owned(),
            messages: "support-messages".to_owned(),
            leads: "leads".to_owned(),
        }
    }
}

impl Topics {
    pub fn of(&self, stream: EventStream) -> &str {
        match stream {
            EventStream::Tickets => &self.tickets,
            EventStream::Messages => &self.messages,
            EventStream::Leads => &self.leads,
        }
    }

    pub fn all(&self) -> [&str; 3] {
        [&self.tickets, &self.messages, &self.leads]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelaySettings {
    pub bootstrap: Bootstrap,
    pub auth: KafkaAuth,
    pub topics: Topics,
    /// How long a publish may take, retries included, before its record is reported failed. It
    /// must stay below the function's timeout so the invocation can still report it.
    pub delivery_timeout: Duration,
}

/// The default delivery timeout; `template.yaml` gives the relay 60 s.
const DEFAULT_DELIVERY_TIMEOUT_MS: u64 = 20_000;

impl RelaySettings {
    /// Reads the SCRAM credentials from Secrets Manager when they are kept there (once per cold
    /// start: the producer keeps them).
    pub async fn reveal_credentials(
        &mut self,
        config: &aws_config::SdkConfig,
    ) -> Result<(), crate::RelayError> {
        let KafkaAuth::Scram(ScramCredentials::Stored { arn }) = &self.auth else {
            return Ok(());
        };
        let text = store::secrets::secret_text(config, arn)
            .await
            .map_err(|error| crate::RelayError::Kafka(error.to_string()))?;
        #[derive(serde::Deserialize)]
        struct MskSecret {
            username: String,
            password: String,
        }
        let secret: MskSecret = serde_json::from_str(&text).map_err(|_| {
            crate::RelayError::Kafka(format!(
                "secret {arn} is not MSK's JSON {{\"username\", \"password\"}}"
            ))
        })?;
        self.auth = KafkaAuth::Scram(ScramCredentials::Given {
            username: secret.username,
            password: secret.password,
        });
        Ok(())
    }

    /// Reads every relay variable, reporting the missing or malformed ones through `settings`.
    pub fn read<F: Fn(&str) -> Option<String>>(settings: &mut Settings<F>) -> Self {
        let servers = settings.optional("KAFKA_BOOTSTRAP_SERVERS");
        let cluster = settings.optional("MSK_CLUSTER_ARN");
        let bootstrap = match (servers, cluster) {
            (Some(servers), _) => Bootstrap::Servers(servers),
            (None, Some(cluster)) => Bootstrap::MskCluster(cluster),
            (None, None) => {
                // Reported through `required`, which names the variable.
                Bootstrap::Servers(settings.required("KAFKA_BOOTSTRAP_SERVERS or MSK_CLUSTER_ARN"))
            }
        };
        let default_auth = match bootstrap {
            Bootstrap::MskCluster(_) => "iam",
            Bootstrap::Servers(_) => "plaintext",
        };
        let auth = match settings
            .optional("KAFKA_AUTH")
            .unwrap_or_else(|| default_auth.to_owned())
            .as_str()
        {
            "plaintext" => KafkaAuth::Plaintext,
            "tls" => KafkaAuth::Tls,
            "iam" => KafkaAuth::Iam,
            "scram" => KafkaAuth::Scram(match settings.optional("KAFKA_SASL_SECRET_ARN") {
                Some(arn) => ScramCredentials::Stored { arn },
                None => ScramCredentials::Given {
                    username: settings.required("KAFKA_SASL_USERNAME"),
                    password: settings.required("KAFKA_SASL_PASSWORD"),
                },
            }),
            other => {
                settings.parsed_or("KAFKA_AUTH", (), |_| {
                    Err(format!(
                        "unknown mode '{other}'; expected plaintext, tls, scram or iam"
                    ))
                });
                KafkaAuth::Plaintext
            }
        };
        let defaults = Topics::default();
        let topics = Topics {
            tickets: settings
                .optional("KAFKA_TOPIC_TICKETS")
                .unwrap_or(defaults.tickets),
            messages: settings
                .optional("KAFKA_TOPIC_MESSAGES")
                .unwrap_or(defaults.messages),
            leads: settings
                .optional("KAFKA_TOPIC_LEADS")
                .unwrap_or(defaults.leads),
        };
        let delivery_timeout = Duration::from_millis(settings.parsed_or(
            "KAFKA_DELIVERY_TIMEOUT_MS",
            DEFAULT_DELIVERY_TIMEOUT_MS,
            str::parse::<u64>,
        ));
        Self {
            bootstrap,
            auth,
            topics,
            delivery_timeout,
        }
    }

    /// A local, plaintext broker with the default topics.
    pub fn local(bootstrap_servers: &str) -> Self {
        Self {
            bootstrap: Bootstrap::Servers(bootstrap_servers.to_owned()),
            auth: KafkaAuth::Plaintext,
            topics: Topics::default(),
            delivery_timeout: Duration::from_millis(DEFAULT_DELIVERY_TIMEOUT_MS),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<RelaySettings, Vec<String>> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        let mut settings = Settings::new(|name: &str| vars.get(name).cloned());
        let read = RelaySettings::read(&mut settings);
        settings.finish().map(|()| read).map_err(|error| error.0)
    }

    #[test]
    fn servers_default_to_plaintext_and_a_cluster_to_iam() {
        let local = read(&[("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")]).unwrap();
        assert_eq!(local.auth, KafkaAuth::Plaintext);
        assert_eq!(local.topics, Topics::default());
        let msk = read(&[("MSK_CLUSTER_ARN", "arn:aws:kafka:eu-west-1:1:cluster/c/x")]).unwrap();
        assert_eq!(msk.auth, KafkaAuth::Iam);
        assert!(matches!(msk.bootstrap, Bootstrap::MskCluster(_)));
    }

    #[test]
    fn every_problem_is_reported() {
        let problems = read(&[
            ("KAFKA_AUTH", "scram"),
            ("KAFKA_DELIVERY_TIMEOUT_MS", "soon"),
        ])
        .unwrap_err();
        let text = problems.join("; ");
        for expected in [
            "KAFKA_BOOTSTRAP_SERVERS or MSK_CLUSTER_ARN",
            "KAFKA_SASL_USERNAME",
            "KAFKA_SASL_PASSWORD",
            "KAFKA_DELIVERY_TIMEOUT_MS",
        ] {
            assert!(text.contains(expected), "{text}");
        }
        let unknown = read(&[
            ("KAFKA_BOOTSTRAP_SERVERS", "b:9092"),
            ("KAFKA_AUTH", "kerberos"),
        ])
        .unwrap_err();
        assert!(unknown[0].contains("kerberos"), "{unknown:?}");
    }

    #[test]
    fn topics_are_configurable() {
        let settings = read(&[
            ("KAFKA_BOOTSTRAP_SERVERS", "b:9092"),
            ("KAFKA_TOPIC_LEADS", "crm-leads"),
        ])
        .unwrap();
        assert_eq!(settings.topics.of(EventStream::Leads), "crm-leads");
        assert_eq!(
            settings.topics.of(EventStream::Messages),
            "support-messages"
        );
    }
}
