//! What an execution environment remembers of recent reads that change rarely (API keys, tenant
//! profiles, channel accounts), so a warm function does not read them on every request.
//!
//! Each entry is trusted for a fixed time, which is also how long a change made elsewhere can go
//! unseen by an environment that read the old value; the number of entries is bounded, so a
//! flood of distinct keys cannot grow memory.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Recently read values by key, shared by the clones of one store.
pub struct Recent<K, V> {
    entries: Arc<Mutex<HashMap<K, (V, Instant)>>>,
    ttl: Duration,
    capacity: usize,
}

impl<K, V> Clone for Recent<K, V> {
    fn clone(&self) -> Self {
        Self {
            entries: Arc::clone(&self.entries),
            ttl: self.ttl,
            capacity: self.capacity,
        }
    }
}

impl<K: Eq + Hash, V: Clone> Recent<K, V> {
    /// Entries are reused for `ttl`; at most `capacity` are kept.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            entries: Arc::default(),
            ttl,
            capacity,
        }
    }

    /// The value read for `key` less than the time to live ago.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.lock()
            .get(key)
            .filter(|(_, read)| read.elapsed() < self.ttl)
            .map(|(value, _)| value.clone())
    }

    /// Remembers a value just read. When full, expired entries go first, then everything: a
    /// cold read is the worst that forgetting costs.
    pub fn insert(&self, key: K, value: V) {
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (_, read)| read.elapsed() < self.ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (value, Instant::now()));
    }

    /// Forgets `key`, after this environment changed it.
    pub fn forget<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.lock().remove(key);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, (V, Instant)>> {
        // A panic while holding the lock cannot leave the map half-updated in a way that
        // matters: every entry is a whole value.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_reused_until_they_expire() {
        let recent = Recent::new(Duration::from_millis(50), 8);
        recent.insert("acme".to_owned(), 1);
        assert_eq!(recent.get("acme"), Some(1));
        assert_eq!(recent.get("globex"), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(recent.get("acme"), None, "an expired value is read again");
    }

    #[test]
    fn a_forgotten_key_is_read_again() {
        let recent = Recent::new(Duration::from_secs(60), 8);
        recent.insert("acme", 1);
        recent.clone().forget("acme");
        assert_eq!(recent.get("acme"), None, "clones share one memory");
    }

    #[test]
    fn the_number_of_entries_stays_bounded() {
        let recent = Recent::new(Duration::from_secs(60), 4);
        for key in 0..100 {
            recent.insert(key, key);
            assert!(recent.lock().len() <= 4);
        }
        assert_eq!(recent.get(&99), Some(99), "the latest read is kept");
    }
}
