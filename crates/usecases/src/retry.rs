//! Retrying a write that lost to a concurrent one (a failed condition, a transaction conflict):
//! exponential backoff with full jitter from the operating system's randomness, within one time
//! budget that every retry loop of an operation shares, so loops inside loops cannot multiply
//! their waits past the function's timeout.

use std::time::{Duration, Instant};

use crate::error::StoreError;

/// How long an API request's writes may keep retrying: well inside the 10 s of an API function,
/// beside the request's own round trips.
pub const REQUEST_BUDGET: Duration = Duration::from_secs(3);
/// The first pause's ceiling; each retry doubles it, up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const MAX_PAUSE: Duration = Duration::from_millis(640);

/// The retries of one operation.
#[derive(Debug, Clone)]
pub struct Retries {
    deadline: Instant,
    attempt: u32,
}

impl Default for Retries {
    fn default() -> Self {
        Self::within(REQUEST_BUDGET)
    }
}

impl Retries {
    /// Retries that stop `budget` from now.
    pub fn within(budget: Duration) -> Self {
        Self {
            deadline: Instant::now() + budget,
            attempt: 0,
        }
    }

    /// How many pauses were taken: 0 on the first try.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Waits before the next try: a random time up to a ceiling that doubles with every retry
    /// ("full jitter", so writers that collided do not collide again in step). Gives up with
    /// [`StoreError::Contended`] when the wait would end past the budget.
    pub async fn pause(&mut self) -> Result<(), StoreError> {
        let ceiling = FIRST_PAUSE
            .saturating_mul(1 << self.attempt.min(16))
            .min(MAX_PAUSE);
        let wait = full_jitter(ceiling);
        if Instant::now() + wait >= self.deadline {
            return Err(StoreError::Contended);
        }
        self.attempt += 1;
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// Whether `needed` still fits before the deadline (an operation that takes long, such as
    /// asking a language model again, checks before it starts).
    pub fn has(&self, needed: Duration) -> bool {
        Instant::now() + needed < self.deadline
    }
}

/// A random wait from nothing up to `ceiling`, uniformly ("full jitter"), so clients that failed
/// together do not come back together.
pub fn full_jitter(ceiling: Duration) -> Duration {
    ceiling.mul_f64(random_fraction())
}

/// A uniformly random number in [0, 1).
fn random_fraction() -> f64 {
    let mut bytes = [0u8; 8];
    // The OS source only fails on platforms Lambda does not run on; no jitter is still correct.
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pauses_are_random_below_a_doubling_ceiling() {
        let mut retries = Retries::within(Duration::from_secs(60));
        let mut waits = Vec::new();
        for _ in 0..6 {
            let before = Instant::now();
            retries.pause().await.unwrap();
            waits.push(before.elapsed());
        }
        assert_eq!(retries.attempt(), 6);
        // The sixth ceiling is 320 ms; a wait never goes far beyond its ceiling.
        assert!(waits[5] < Duration::from_millis(400), "{waits:?}");
        // Random, not the same schedule every time.
        let distinct: std::collections::BTreeSet<_> = waits.iter().map(|w| w.as_micros()).collect();
        assert!(distinct.len() > 3, "{waits:?}");
    }

    #[tokio::test]
    async fn the_budget_bounds_every_loop_that_shares_it() {
        let mut retries = Retries::within(Duration::from_millis(200));
        let started = Instant::now();
        let mut pauses = 0;
        while retries.pause().await.is_ok() {
            pauses += 1;
        }
        assert!(started.elapsed() < Duration::from_millis(250));
        assert!(pauses >= 1, "{pauses}");
        // Once the deadline has passed, no pause fits any more.
        tokio::time::sleep(Duration::from_millis(210).saturating_sub(started.elapsed())).await;
        assert!(matches!(retries.pause().await, Err(StoreError::Contended)));
        assert!(!retries.has(Duration::from_millis(1)));
    }

    #[test]
    fn fractions_are_in_range_and_vary() {
        let samples: Vec<f64> = (0..100).map(|_| random_fraction()).collect();
        assert!(samples.iter().all(|f| (0.0..1.0).contains(f)));
        assert!(samples.windows(2).any(|pair| pair[0] != pair[1]));
    }
}
