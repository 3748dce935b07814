//! Repeatable requests: a request that carries a key (a client's `Idempotency-Key`, a provider's
//! message id) has its answer remembered under that key, so a repeat gets the first answer and
//! changes nothing, and the key brought back with another request is told apart.

/// How long a client's `Idempotency-Key` is remembered: a day covers any client's retries.
pub const CLIENT_KEY_SECS: u64 = 24 * 60 * 60;

/// What makes a request repeatable without effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayKey {
    /// Unique to the request: scoped to the tenant, the route and whose request it is, so two
    /// callers who happen to pick the same key never meet.
    pub key: String,
    /// What identifies the request the key is used with.
    pub fingerprint: String,
    /// How long a repeat is recognised, in seconds.
    pub keep_secs: u64,
}

/// An answer remembered under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    pub key: String,
    pub fingerprint: String,
    pub response: String,
    /// Epoch seconds after which the record may go.
    pub until_secs: u64,
}

/// What an earlier use of a key left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replayed {
    /// The same request came before; this was its answer.
    Same(String),
    /// The key was used for another request.
    Different,
}

impl ReplayKey {
    /// The record that remembers `response` under this key from `now_ms`.
    pub fn remember(&self, response: String, now_ms: u64) -> Replay {
        Replay {
            key: self.key.clone(),
            fingerprint: self.fingerprint.clone(),
            response,
            until_secs: now_ms / 1000 + self.keep_secs,
        }
    }
}
