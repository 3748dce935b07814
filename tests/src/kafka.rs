//! Kafka for the event tests: the broker `infra/tansu.sh` started, brokers a test starts (and
//! stops, and restarts) itself, a reader of the event topics, and the devserver's stream feed
//! running for a [`crate::Stack`] as Lambda's event source mapping would.
//!
//! Blocking librdkafka calls (metadata) run through `block_in_place`, so these helpers need the
//! multi-threaded test runtime: `#[tokio::test(flavor = "multi_thread")]`.

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use devserver::stream_feed;
use relay::rdkafka::config::ClientConfig;
use relay::rdkafka::consumer::{Consumer, StreamConsumer};
use relay::rdkafka::{Message, Offset, TopicPartitionList};
use relay::{Relay, RelaySettings, Topics};
use serde_json::Value;
use store::Backend;
use tokio::task::JoinHandle;

/// The broker of this test run (`infra/tansu.sh` sets the variable).
pub fn bootstrap_servers() -> String {
    std::env::var("KAFKA_BOOTSTRAP_SERVERS").expect(
        "KAFKA_BOOTSTRAP_SERVERS is not set: run the tests with `make test` (it starts a broker \
         through infra/tansu.sh)",
    )
}

/// A relay publishing to `bootstrap_servers`, whose topics exist.
pub async fn relay(backend: &Backend, settings: RelaySettings) -> Relay {
    let RelaySettings {
        bootstrap, topics, ..
    } = &settings;
    let relay::Bootstrap::Servers(servers) = bootstrap else {
        panic!("tests publish to a local broker, not {bootstrap:?}");
    };
    relay::ensure_topics(servers, topics)
        .await
        .unwrap_or_else(|error| panic!("the topics are created on {servers}: {error}"));
    Relay::connect(settings, backend.sdk_config())
        .await
        .expect("the relay connects to the local broker")
}

/// The devserver's stream feed handing a stack's stream records to a relay; stops when dropped.
pub struct Feed {
    task: JoinHandle<()>,
}

impl Feed {
    pub fn start(backend: &Backend, relay: Relay) -> Self {
        let task = tokio::spawn(stream_feed::run(
            backend.clone(),
            relay,
            std::future::pending(),
        ));
        Self { task }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A tansu broker of a test's own on a free loopback port, with in-memory storage: stopping it
/// loses what it held, and a restart comes back empty on the same port (the topics created again).
pub struct Broker {
    port: u16,
    process: Option<Child>,
}

impl Broker {
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        let mut broker = Self {
            port,
            process: None,
        };
        broker.restart().await;
        broker
    }

    pub fn bootstrap_servers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills the broker, as a crash or a lost host would.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Starts the broker (again) on its port, waits until it accepts connections and creates the
    /// default topics.
    pub async fn restart(&mut self) {
        self.stop();
        let url = format!("tcp://{}", self.bootstrap_servers());
        let process = Command::new(tansu_bin())
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .args(["--storage-engine", "memory://tansu/"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tansu starts");
        self.process = Some(process);
        let deadline = Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "tansu listens on {url} within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        relay::ensure_topics(&self.bootstrap_servers(), &Topics::default())
            .await
            .unwrap_or_else(|error| panic!("the topics are created on {url}: {error}"));
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The tansu `infra/tansu.sh` uses: `TANSU_BIN`, else the per-machine cache's build.
fn tansu_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("TANSU_BIN") {
        return PathBuf::from(path);
    }
    let cache = std::env::var_os("FRONTDESK_CACHE").map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache")
                .join("frontdesk")
        },
        PathBuf::from,
    );
    let path = cache.join("tansu").join("bin").join("tansu");
    assert!(
        path.exists(),
        "no tansu at {}: run `infra/tools.sh tansu` (make test does)",
        path.display()
    );
    path
}

/// One event as a consumer received it.
#[derive(Debug, Clone)]
pub struct Published {
    pub topic: String,
    pub key: String,
    pub partition: i32,
    pub offset: i64,
    /// The CloudEvent, decoded from the message value.
    pub event: Value,
}

impl Published {
    /// The event's CloudEvents `type`.
    pub fn kind(&self) -> &str {
        self.event["type"].as_str().unwrap_or_default()
    }

    pub fn id(&self) -> &str {
        self.event["id"].as_str().unwrap_or_default()
    }
}

/// A consumer of every partition of the event topics from their beginning (no group, so nothing
/// waits for a rebalance and parallel tests do not take partitions from each other).
pub struct EventReader {
    consumer: StreamConsumer,
}

impl EventReader {
    pub fn new(bootstrap_servers: &str, topics: &Topics) -> Self {
        let consumer: StreamConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap_servers)
            .set(
                "group.id",
                format!(
                    "frontdesk-tests-{}-{}",
                    std::process::id(),
                    usecases::clock::random_u64()
                ),
            )
            .set("enable.auto.commit", "false")
            .create()
            .expect("a consumer is created");
        let mut assignment = TopicPartitionList::new();
        for topic in topics.all() {
            let metadata = tokio::task::block_in_place(|| {
                consumer.fetch_metadata(Some(topic), Duration::from_secs(10))
            })
            .unwrap_or_else(|error| {
                panic!("metadata of {topic} from {bootstrap_servers}: {error}")
            });
            for partition in metadata
                .topics()
                .iter()
                .flat_map(|topic| topic.partitions())
            {
                assignment
                    .add_partition_offset(topic, partition.id(), Offset::Beginning)
                    .expect("a valid partition");
            }
        }
        assert!(assignment.count() > 0, "the topics have partitions");
        consumer
            .assign(&assignment)
            .expect("partitions are assigned");
        Self { consumer }
    }

    /// Reads events until `done` holds for the ones `keep` selects, or `within` has passed;
    /// returns the selected ones in the order received.
    pub async fn read(
        &self,
        keep: impl Fn(&Published) -> bool,
        done: impl Fn(&[Published]) -> bool,
        within: Duration,
    ) -> Vec<Published> {
        let deadline = tokio::time::Instant::now() + within;
        let mut kept = Vec::new();
        while !done(&kept) {
            let Ok(received) = tokio::time::timeout_at(deadline, self.consumer.recv()).await else {
                break;
            };
            let message = received.expect("the consumer reads the broker");
            let payload = message.payload().unwrap_or_default();
            let event: Value = serde_json::from_slice(payload).unwrap_or_else(|error| {
                panic!(
                    "an event on {} is JSON ({error}): {}",
                    message.topic(),
                    String::from_utf8_lossy(payload)
                )
            });
            let published = Published {
                topic: message.topic().to_owned(),
                key: String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned(),
                partition: message.partition(),
                offset: message.offset(),
                event,
            };
            if keep(&published) {
                kept.push(published);
            }
        }
        kept
    }

    /// The events about `keys` (ticket, customer or lead ids): once `count` have arrived, a little
    /// longer, so a surplus or a duplicate shows.
    pub async fn about(&self, keys: &[&str], count: usize, within: Duration) -> Vec<Published> {
        let keys: HashSet<String> = keys.iter().map(|key| (*key).to_owned()).collect();
        let keep = |published: &Published| keys.contains(&published.key);
        let mut events = self
            .read(keep, |events| events.len() >= count, within)
            .await;
        events.extend(self.read(keep, |_| false, Duration::from_secs(2)).await);
        events
    }
}
