//! Frontdesk's application layer: every use case, by aggregate. A use case takes its ports as
//! small traits (implemented by the `store` adapter for DynamoDB, `auth` for Cognito, the
//! assistant, the channel senders…), applies the domain's rules, and answers with its own error
//! enum. It knows nothing of HTTP, DynamoDB or Kafka; in-memory implementations of its ports
//! (`memory`) run its tests in milliseconds.

pub mod actor;
pub mod agents;
pub mod clock;
pub mod error;
pub mod figures;
pub mod replays;
pub mod retry;
pub mod tickets;

pub use actor::Actor;
pub use error::{InvalidCursor, ListError, StoreError};
pub use figures::{Figure, count};
