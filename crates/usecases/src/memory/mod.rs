//! In-memory implementations of every port, for tests that run the use cases in milliseconds
//! without any service. Each honours the contract the DynamoDB adapter (`store`) documents and
//! implements: a write is all or nothing, refused on the same conditions, and what it answers
//! when refused is what the adapter answers. Their rules are the domain's; what they add is only
//! what a store adds (keys, versions, claims, cursors).
//!
//! A store's clones share one memory, like the clones of an adapter share one table. Its state is
//! behind a `std::sync::Mutex` never held across an `await`. To provoke a lost race without
//! relying on timing, a test tells a store what its next calls meet: `lose_next_writes` (each
//! finds what it was decided on changed, as a conflicting transaction would), `race_next_writes`
//! (they wait for one another, so each was decided on the state before any of them ran, as
//! concurrent requests are) or, for tickets, `stall_after_reads` (a request is held once it read,
//! while others write, then goes on with what it read).

mod agents;
mod bot_users;
mod engine;
mod leads;
mod tenants;
mod tickets;

use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::{Barrier, Notify};

pub use agents::MemoryAgents;
pub use bot_users::MemoryBotUsers;
pub use engine::{Asked, ScriptedEngine};
pub use leads::MemoryLeads;
pub use tenants::MemoryTenants;
pub use tickets::MemoryTickets;

/// What a store's next calls meet, as a test asked.
#[derive(Debug, Default)]
struct Races {
    /// Writes still to find what they were decided on changed.
    lost: usize,
    /// Writes still to wait for one another before they run, and where they wait.
    together: Option<(Arc<Barrier>, usize)>,
    /// Reads still to answer before the one whose caller stalls, and the stall.
    stall: Option<(usize, Stall)>,
}

/// A request held once a read was answered, until the test lets it go on: meanwhile other
/// requests run, and then it acts on what it read, as a slow request does.
#[derive(Debug, Clone, Default)]
pub struct Stall {
    held: Arc<Notify>,
    resumed: Arc<Notify>,
}

impl Stall {
    /// Waits until the request is held.
    pub async fn reached(&self) {
        self.held.notified().await;
    }

    /// Lets the held request go on.
    pub fn resume(&self) {
        self.resumed.notify_one();
    }

    async fn hold(&self) {
        self.held.notify_one();
        self.resumed.notified().await;
    }
}

impl Races {
    fn lose(&mut self, writes: usize) {
        self.lost += writes;
    }

    fn race(&mut self, writes: usize) {
        self.together = (writes > 1).then(|| (Arc::new(Barrier::new(writes)), writes));
    }

    fn stall(&mut self, reads: usize) -> Stall {
        let stall = Stall::default();
        self.stall = Some((reads.max(1), stall.clone()));
        stall
    }

    /// The stall the caller of this read is held at, when it is the one to stall.
    fn after_read(&mut self) -> Option<Stall> {
        let (left, _) = self.stall.as_mut()?;
        *left -= 1;
        if *left > 0 {
            return None;
        }
        self.stall.take().map(|(_, stall)| stall)
    }

    /// Where the next write waits for the others it races with, if it races.
    fn gate(&mut self) -> Option<Arc<Barrier>> {
        let (barrier, left) = self.together.as_mut()?;
        let barrier = Arc::clone(barrier);
        *left -= 1;
        if *left == 0 {
            self.together = None;
        }
        Some(barrier)
    }

    /// Whether the next write loses its race (and so writes nothing).
    fn loses(&mut self) -> bool {
        let lost = self.lost > 0;
        self.lost = self.lost.saturating_sub(1);
        lost
    }
}

/// Runs a conditional write the way the races a test set up say: after waiting for the writes it
/// races with, and not at all (`lost`) when it is to lose.
async fn contend<S, T>(
    state: &Mutex<S>,
    races: impl Fn(&mut S) -> &mut Races,
    lost: T,
    write: impl FnOnce(&mut S) -> T,
) -> T {
    let gate = races(&mut lock(state)).gate();
    if let Some(barrier) = gate {
        barrier.wait().await;
    }
    let mut state = lock(state);
    if races(&mut state).loses() {
        return lost;
    }
    write(&mut state)
}

/// Answers a read from the state as it is now; when its caller is the one to stall, holds it
/// with that answer until the test lets it go on.
async fn answer<S, T>(
    state: &Mutex<S>,
    races: impl Fn(&mut S) -> &mut Races,
    read: impl FnOnce(&S) -> T,
) -> T {
    let (answer, stall) = {
        let mut state = lock(state);
        let answer = read(&state);
        (answer, races(&mut state).after_read())
    };
    if let Some(stall) = stall {
        stall.hold().await;
    }
    answer
}

/// The state behind a store's mutex. A panic while it was held leaves no half-made write (each
/// write checks every condition before it changes anything), so a poisoned lock is still usable.
fn lock<S>(state: &Mutex<S>) -> MutexGuard<'_, S> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An opaque cursor holding `position`, hex-encoded so it travels in a URL as it is.
fn encode_cursor(position: &Value) -> String {
    position
        .to_string()
        .bytes()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// What a cursor made by [`encode_cursor`] holds; `None` for anything else.
fn decode_cursor(cursor: &str) -> Option<Value> {
    let cursor = cursor.trim();
    if !cursor.len().is_multiple_of(2) || !cursor.is_ascii() {
        return None;
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&cursor[at..at + 2], 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let position = json!({"listing": "acme", "after": ["2026-11-22T10:00:00.000Z", 3]});
        let cursor = encode_cursor(&position);
        assert!(cursor.bytes().all(|byte| byte.is_ascii_hexdigit()));
        assert_eq!(decode_cursor(&cursor), Some(position));
        assert_eq!(decode_cursor("not a cursor"), None);
        assert_eq!(decode_cursor("7b"), None, "hex, but not JSON");
    }

    #[tokio::test]
    async fn a_lost_write_writes_nothing_and_the_next_one_runs() {
        let state = Mutex::new((Races::default(), 0));
        lock(&state).0.lose(1);
        let bump = |state: &mut (Races, i32)| {
            state.1 += 1;
            true
        };
        assert!(!contend(&state, |s| &mut s.0, false, bump).await);
        assert!(contend(&state, |s| &mut s.0, false, bump).await);
        assert_eq!(lock(&state).1, 1);
    }
}
