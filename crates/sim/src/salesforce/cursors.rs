//! Server-side query cursors (query locators) behind `nextRecordsUrl`.
//!
//! State: open cursors by locator id (`01g...`). A cursor holds the matching rows in result
//! order as the query saw them; pages render the rows' current values. As in Salesforce, a user
//! has at most [`MAX_OPEN`] cursors (opening another releases the oldest), a cursor left idle for
//! [`IDLE_MS`] expires, and one that has served its last page is closed. A released, expired or
//! unknown locator is a 400 `INVALID_QUERY_LOCATOR`.

use super::ids::IdAllocator;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Open cursors per user.
pub const MAX_OPEN: usize = 10;

/// Idle time after which a cursor expires (15 minutes).
pub const IDLE_MS: i64 = 15 * 60 * 1000;

/// One open query.
#[derive(Debug, Clone)]
pub struct Cursor {
    /// The table queried.
    pub table: usize,
    /// Selected columns.
    pub columns: Vec<usize>,
    /// All result rows, in order (shared: a page takes a cheap handle, not a copy).
    pub rows: Arc<[u32]>,
    /// Records per page.
    pub batch: usize,
    /// Last use.
    pub touched_ms: i64,
}

/// The open cursors.
#[derive(Debug)]
pub struct Cursors {
    open: HashMap<String, Cursor>,
    order: VecDeque<String>,
    ids: IdAllocator,
}

impl Default for Cursors {
    fn default() -> Self {
        Cursors {
            open: HashMap::new(),
            order: VecDeque::new(),
            ids: IdAllocator::new("01g"),
        }
    }
}

impl Cursors {
    /// Opens a cursor and returns its locator, releasing the oldest beyond the limit.
    pub fn open(&mut self, cursor: Cursor) -> String {
        let locator = self.ids.allocate().to_string();
        self.open.insert(locator.clone(), cursor);
        self.order.push_back(locator.clone());
        while self.order.len() > MAX_OPEN {
            if let Some(old) = self.order.pop_front() {
                self.open.remove(&old);
            }
        }
        locator
    }

    /// The cursor of a locator, if open and not expired; touching it keeps it alive.
    pub fn get(&mut self, locator: &str, now_ms: i64) -> Option<&Cursor> {
        let expired = self.open.get(locator).is_some_and(|c| now_ms - c.touched_ms > IDLE_MS);
        if expired {
            self.close(locator);
            return None;
        }
        let cursor = self.open.get_mut(locator)?;
        cursor.touched_ms = now_ms;
        Some(cursor)
    }

    /// Closes a cursor.
    pub fn close(&mut self, locator: &str) {
        self.open.remove(locator);
        self.order.retain(|l| l != locator);
    }

    /// How many cursors are open.
    pub fn len(&self) -> usize {
        self.open.len()
    }

    /// True when none is open.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(at: i64) -> Cursor {
        Cursor {
            table: 0,
            columns: vec![],
            rows: Arc::from(vec![1, 2, 3]),
            batch: 200,
            touched_ms: at,
        }
    }

    #[test]
    fn oldest_cursor_is_released_past_the_limit() {
        let mut c = Cursors::default();
        let first = c.open(cursor(0));
        let later: Vec<String> = (0..MAX_OPEN).map(|_| c.open(cursor(0))).collect();
        assert!(c.get(&first, 1).is_none());
        assert!(later.iter().all(|l| c.get(l, 1).is_some()));
        assert_eq!(c.len(), MAX_OPEN);
    }

    #[test]
    fn idle_cursors_expire() {
        let mut c = Cursors::default();
        let l = c.open(cursor(0));
        assert!(c.get(&l, IDLE_MS).is_some());
        assert!(c.get(&l, 2 * IDLE_MS + 1).is_none());
    }
}
