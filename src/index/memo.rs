//! A run-long cache that also deduplicates lookups in flight: the first caller of a
//! key fetches, concurrent callers of the same key wait for that fetch, later
//! callers get the stored answer. Failures are stored too, so a package that timed
//! out is not asked for again by each of its pins.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

use crate::index::IndexError;

type Cell<V> = Arc<OnceCell<Result<Arc<V>, IndexError>>>;

/// Answers per key, each fetched at most once.
#[derive(Debug)]
pub(super) struct Memo<K, V> {
    cells: Mutex<HashMap<K, Cell<V>>>,
}

impl<K: Eq + Hash, V> Memo<K, V> {
    pub(super) fn new() -> Self {
        Self {
            cells: Mutex::new(HashMap::new()),
        }
    }

    /// The answer for `key`, running `fetch` only if no caller has run one yet.
    pub(super) async fn get_or_fetch<F>(&self, key: K, fetch: F) -> Result<Arc<V>, IndexError>
    where
        F: Future<Output = Result<V, IndexError>>,
    {
        // The map lock is held only to find the cell, never across an await; the
        // cell itself makes concurrent callers wait for one fetch. If the fetching
        // caller is cancelled, the next waiter runs its own fetch.
        let cell = self
            .cells
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_default()
            .clone();
        // Boxed: a fetch is a deep future, and inline it would grow every future
        // that waits for one (unoptimized builds overflowed a 2 MiB thread stack).
        let fetch = Box::pin(fetch);
        let answer = cell.get_or_init(|| async { fetch.await.map(Arc::new) });
        match answer.await {
            Ok(value) => Ok(Arc::clone(value)),
            Err(error) => Err(error.clone()),
        }
    }

    /// The answer for `key` if one was fetched and it is not a failure; never
    /// fetches, never waits.
    pub(super) fn peek(&self, key: &K) -> Option<Arc<V>> {
        let cells = self.cells.lock().unwrap_or_else(PoisonError::into_inner);
        match cells.get(key)?.get()? {
            Ok(value) => Some(Arc::clone(value)),
            Err(_) => None,
        }
    }

    /// Forgets the answer for `key`, if there is one: callers already waiting for it
    /// still get it, later ones fetch again. For answers too large to keep all run.
    pub(super) fn forget(&self, key: &K) {
        self.cells
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch() {
        let memo = Memo::<&str, usize>::new();
        let fetches = AtomicUsize::new(0);
        let fetch = || async {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(7)
        };
        let (a, b) = tokio::join!(
            memo.get_or_fetch("k", fetch()),
            memo.get_or_fetch("k", fetch())
        );
        assert_eq!((*a.unwrap(), *b.unwrap()), (7, 7));
        assert_eq!(*memo.get_or_fetch("k", fetch()).await.unwrap(), 7);
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn forgotten_answers_are_fetched_again() {
        let memo = Memo::<&str, usize>::new();
        assert_eq!(*memo.get_or_fetch("k", async { Ok(1) }).await.unwrap(), 1);
        memo.forget(&"k");
        assert_eq!(*memo.get_or_fetch("k", async { Ok(2) }).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn failures_are_remembered() {
        let memo = Memo::<&str, usize>::new();
        let failing = || async {
            Err(IndexError::Status {
                url: "u".into(),
                status: 500,
            })
        };
        assert!(memo.get_or_fetch("k", failing()).await.is_err());
        let second = memo.get_or_fetch("k", async { Ok(1) }).await;
        assert!(matches!(
            second,
            Err(IndexError::Status { status: 500, .. })
        ));
    }
}
