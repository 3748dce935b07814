//! The devserver (every route on one port, what `make dev` runs) as a process of its own on a free
//! loopback port, against the run's stack: what the latency phase loads and the soak drives.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::Error;
use crate::stack::Stack;

/// Whether the devserver publishes the tables' changes as `make dev` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Events {
    /// No broker: API calls only write to DynamoDB, which is all a request's path needs.
    Off,
    /// The stream feed, the relay and outbound delivery run against the run's broker, and
    /// outbound delivery sends to the devserver's own provider sandbox, as under `make dev`.
    On,
}

/// A running devserver, stopped when dropped, however the run ends.
pub struct Devserver {
    child: std::process::Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

impl Devserver {
    /// Starts `binary` with the stack's environment, its log in `<out>/logs/devserver.log` and its
    /// dotenv file in `<out>` (so a running `make dev`'s `.env.local` is left alone), and waits
    /// until it answers.
    pub async fn start(
        stack: &Stack,
        binary: &Path,
        out: &Path,
        events: Events,
    ) -> Result<Self, Error> {
        let port = free_port()?;
        let base = format!("http://127.0.0.1:{port}");
        std::fs::create_dir_all(out.join("logs"))?;
        let log = std::fs::File::create(out.join("logs/devserver.log"))?;
        let mut command = std::process::Command::new(binary);
        command
            .env_clear()
            .envs(stack.env.iter().map(|(name, value)| (name, value)))
            .env("FRONTDESK_ADDR", format!("127.0.0.1:{port}"))
            .env("FRONTDESK_ENV_FILE", out.join("devserver.env"))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log));
        match events {
            Events::Off => {
                command.env_remove("KAFKA_BOOTSTRAP_SERVERS");
            }
            Events::On => {
                command
                    .env_remove("META_GRAPH_API_URL")
                    .env_remove("X_API_URL");
            }
        }
        let devserver = Self {
            child: command.spawn()?,
            base,
        };
        devserver.wait_until_up(out).await?;
        Ok(devserver)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_until_up(&self, out: &Path) -> Result<(), Error> {
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(response) = client.get(format!("{}/api/health", self.base)).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!(
            "the devserver did not answer within 30 s; see {}",
            out.join("logs/devserver.log").display()
        )
        .into())
    }
}

impl Drop for Devserver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
