//! The search index's lag: what search sees of records whose latest writes it has not caught up with.
//!
//! State: per record with writes still "in flight" to the index, the version search saw before
//! them and each pending version with the instant it becomes visible. GET and list read the
//! records themselves and see writes at once; search reads through this shadow, so a write shows
//! in search only `search_lag_ms` after it happened, exactly as HubSpot's asynchronous indexing.
//! Entries whose every pending version is due are pruned on the next write.

use super::clock::Millis;
use super::record::Record;
use std::collections::HashMap;
use std::sync::Arc;

/// What search sees of one record.
#[derive(Debug)]
pub enum Visible<'a> {
    /// The record as it is now.
    Current,
    /// An older version (`None`: search does not see the record at all yet, or still sees it
    /// although it was archived — then `Some`).
    Stale(Option<&'a Record>),
}

#[derive(Debug)]
struct Entry {
    /// What search saw before the first pending write.
    before: Option<Arc<Record>>,
    /// Versions written since, with the instant each becomes visible, oldest first.
    pending: Vec<(Millis, Option<Arc<Record>>)>,
}

/// The shadow of one object type's search index.
#[derive(Debug, Default)]
pub struct SearchShadow {
    entries: HashMap<u64, Entry>,
}

impl SearchShadow {
    /// Records that `id` changed from `before` to `after` (either `None` when the record did not
    /// exist or is archived), becoming visible to search at `due`.
    pub fn record_write(&mut self, id: u64, before: Option<Record>, after: Option<Record>, due: Millis) {
        let entry = self.entries.entry(id).or_insert_with(|| Entry {
            before: before.map(Arc::new),
            pending: Vec::new(),
        });
        entry.pending.push((due, after.map(Arc::new)));
    }

    /// Whether a write to `id` must capture the version search sees now (none in flight yet).
    pub fn needs_before(&self, id: u64) -> bool {
        !self.entries.contains_key(&id)
    }

    /// Drops entries search has fully caught up with.
    pub fn prune(&mut self, now: Millis) {
        self.entries
            .retain(|_, e| e.pending.last().is_some_and(|(due, _)| *due > now));
    }

    /// Forgets everything in flight (the lag was switched off).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// True when nothing is in flight.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// What search sees of `id` at `now`.
    pub fn visible(&self, id: u64, now: Millis) -> Visible<'_> {
        match self.entries.get(&id) {
            None => Visible::Current,
            Some(entry) => resolve(entry, now),
        }
    }

    /// Every record search sees differently from its current state at `now`, with what it sees.
    pub fn stale(&self, now: Millis) -> impl Iterator<Item = (u64, Option<&Record>)> + '_ {
        self.entries.iter().filter_map(move |(id, e)| match resolve(e, now) {
            Visible::Current => None,
            Visible::Stale(r) => Some((*id, r)),
        })
    }
}

fn resolve(entry: &Entry, now: Millis) -> Visible<'_> {
    if entry.pending.last().is_none_or(|(due, _)| *due <= now) {
        return Visible::Current;
    }
    let seen = entry
        .pending
        .iter()
        .rev()
        .find(|(due, _)| *due <= now)
        .map(|(_, r)| r)
        .unwrap_or(&entry.before);
    Visible::Stale(seen.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: u64, updated: Millis) -> Record {
        let mut r = Record::new(id, 0);
        r.updated_ms = updated;
        r
    }

    #[test]
    fn a_new_record_appears_after_the_lag() {
        let mut s = SearchShadow::default();
        s.record_write(1, None, Some(rec(1, 100)), 1_100);
        assert!(matches!(s.visible(1, 1_099), Visible::Stale(None)));
        assert!(matches!(s.visible(1, 1_100), Visible::Current));
        s.prune(1_100);
        assert!(s.is_empty());
    }

    #[test]
    fn search_sees_each_version_in_turn() {
        let mut s = SearchShadow::default();
        s.record_write(1, Some(rec(1, 0)), Some(rec(1, 100)), 1_100);
        s.record_write(1, None, Some(rec(1, 200)), 1_200);
        match s.visible(1, 1_000) {
            Visible::Stale(Some(r)) => assert_eq!(r.updated_ms, 0),
            other => panic!("{other:?}"),
        }
        match s.visible(1, 1_150) {
            Visible::Stale(Some(r)) => assert_eq!(r.updated_ms, 100),
            other => panic!("{other:?}"),
        }
        assert!(matches!(s.visible(1, 1_200), Visible::Current));
        assert_eq!(s.stale(1_150).count(), 1);
        assert_eq!(s.stale(1_200).count(), 0);
    }
}
