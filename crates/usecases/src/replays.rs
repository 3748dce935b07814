//! Remembered answers: what an earlier use of an idempotency key left, read when a write that
//! carried its record was refused for it.

use std::future::Future;

use domain::replay::{Replay, Replayed};

use crate::StoreError;

pub trait Replays: Sync {
    /// What the earlier use of `replay`'s key left; `None` when the record is gone (it expired
    /// between the refused write and this read).
    fn earlier(
        &self,
        replay: &Replay,
    ) -> impl Future<Output = Result<Option<Replayed>, StoreError>> + Send;
}
