//! The records of one object type, with the indexes the endpoints page through.
//!
//! State: live records by id, archived records by id, an index of live records by
//! `(updatedAt, id)` (the incremental-sync order), a unique-value index (contacts' email, lower
//! case), the merged-away ids with the record each was merged into, the next id to hand out, and
//! the search index's [`SearchShadow`]. Every change goes through this type so the indexes and
//! the search lag can never disagree with the records.

use super::clock::Millis;
use super::lag::SearchShadow;
use super::ranked::RankedSet;
use super::record::{ObjectKind, PropId, Record};
use std::collections::{BTreeMap, HashMap};

/// The records of one object type.
#[derive(Debug)]
pub struct ObjectStore {
    /// The object type.
    pub kind: ObjectKind,
    live: BTreeMap<u64, Record>,
    archived: BTreeMap<u64, Record>,
    by_id: RankedSet<u64>,
    by_modified: RankedSet<(Millis, u64)>,
    unique_prop: Option<PropId>,
    unique: HashMap<String, u64>,
    merged_into: HashMap<u64, u64>,
    merged_from: HashMap<u64, Vec<u64>>,
    next_id: u64,
    /// What search sees of records with writes still in flight.
    pub shadow: SearchShadow,
}

impl ObjectStore {
    /// An empty store whose ids start at `first_id`; `unique_prop` is kept unique (lower-cased).
    pub fn new(kind: ObjectKind, first_id: u64, unique_prop: Option<PropId>) -> ObjectStore {
        ObjectStore {
            kind,
            live: BTreeMap::new(),
            archived: BTreeMap::new(),
            by_id: RankedSet::new(),
            by_modified: RankedSet::new(),
            unique_prop,
            unique: HashMap::new(),
            merged_into: HashMap::new(),
            merged_from: HashMap::new(),
            next_id: first_id,
            shadow: SearchShadow::default(),
        }
    }

    /// Hands out the next id.
    pub fn allocate_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Number of live records.
    pub fn live_count(&self) -> usize {
        self.live.len()
    }

    /// Number of archived records.
    pub fn archived_count(&self) -> usize {
        self.archived.len()
    }

    /// A live record.
    pub fn get(&self, id: u64) -> Option<&Record> {
        self.live.get(&id)
    }

    /// An archived record.
    pub fn get_archived(&self, id: u64) -> Option<&Record> {
        self.archived.get(&id)
    }

    /// The live record an id now stands for: itself, or the record it was merged into.
    pub fn resolve(&self, id: u64) -> Option<u64> {
        let mut current = id;
        // Merge chains are short; the bound guards against a cycle in a hostile scenario.
        for _ in 0..64 {
            if self.live.contains_key(&current) {
                return Some(current);
            }
            current = *self.merged_into.get(&current)?;
        }
        None
    }

    /// The ids merged (directly or not) into `id`.
    pub fn merged_ids_of(&self, id: u64) -> &[u64] {
        self.merged_from.get(&id).map(Vec::as_slice).unwrap_or(&[])
    }

    fn link_merge(&mut self, merged: u64, survivor: u64) {
        self.merged_into.insert(merged, survivor);
        let mut moved = self.merged_from.remove(&merged).unwrap_or_default();
        moved.push(merged);
        let list = self.merged_from.entry(survivor).or_default();
        list.extend(moved);
        list.sort_unstable();
    }

    /// Whether `id` was merged away.
    pub fn is_merged_away(&self, id: u64) -> bool {
        self.merged_into.contains_key(&id)
    }

    /// The live record holding a unique value (contacts: an email, any case).
    pub fn find_unique(&self, value: &str) -> Option<u64> {
        self.unique.get(&value.to_lowercase()).copied()
    }

    /// Records that a unique value (such as a merged contact's email) leads to `id`.
    pub fn alias_unique(&mut self, value: &str, id: u64) {
        if !value.is_empty() {
            self.unique.entry(value.to_lowercase()).or_insert(id);
        }
    }

    /// Live records in id order from `from` (inclusive).
    pub fn live_from(&self, from: u64) -> impl DoubleEndedIterator<Item = &Record> {
        self.live.range(from..).map(|(_, r)| r)
    }

    /// Live records in id order within bounds.
    pub fn live_range(&self, range: impl std::ops::RangeBounds<u64>) -> impl DoubleEndedIterator<Item = &Record> {
        self.live.range(range).map(|(_, r)| r)
    }

    /// Archived records in id order from `from` (inclusive).
    pub fn archived_from(&self, from: u64) -> impl Iterator<Item = &Record> {
        self.archived.range(from..).map(|(_, r)| r)
    }

    /// Live ids, ordered, with rank and select.
    pub fn id_index(&self) -> &RankedSet<u64> {
        &self.by_id
    }

    /// Live `(updatedAt, id)` pairs, ordered, with rank and select.
    pub fn modified_index(&self) -> &RankedSet<(Millis, u64)> {
        &self.by_modified
    }

    /// Every live record, in id order.
    pub fn all_live(&self) -> impl Iterator<Item = &Record> {
        self.live.values()
    }

    fn index_unique(&mut self, record: &Record) {
        if let Some(value) = self.unique_prop.and_then(|p| record.value(p))
            && !value.is_empty()
        {
            self.unique.entry(value.to_lowercase()).or_insert(record.id);
        }
    }

    fn unindex_unique(&mut self, record: &Record) {
        if let Some(value) = self.unique_prop.and_then(|p| record.value(p)) {
            let key = value.to_lowercase();
            if self.unique.get(&key) == Some(&record.id) {
                self.unique.remove(&key);
            }
        }
    }

    /// Adds a new live record. `lag` is the search lag at `now` (0: visible at once).
    pub fn insert(&mut self, record: Record, now: Millis, lag: Millis) {
        if lag > 0 {
            self.shadow.prune(now);
            self.shadow
                .record_write(record.id, None, Some(record.clone()), now + lag);
        }
        self.next_id = self.next_id.max(record.id + 1);
        self.index_unique(&record);
        self.by_modified.insert((record.updated_ms, record.id));
        self.by_id.insert(record.id);
        self.live.insert(record.id, record);
    }

    /// Adds a record that is archived already (loading a scenario).
    pub fn insert_archived(&mut self, record: Record) {
        self.next_id = self.next_id.max(record.id + 1);
        self.archived.insert(record.id, record);
    }

    /// Changes a live record through `change`, keeping every index and the search lag in step.
    pub fn modify<R>(&mut self, id: u64, now: Millis, lag: Millis, change: impl FnOnce(&mut Record) -> R) -> Option<R> {
        let mut record = self.live.remove(&id)?;
        if lag > 0 {
            // Prune first: an entry search has caught up with must not hide the current version.
            self.shadow.prune(now);
        }
        let before = (lag > 0 && self.shadow.needs_before(id)).then(|| record.clone());
        self.by_modified.remove(&(record.updated_ms, id));
        self.unindex_unique(&record);
        let out = change(&mut record);
        self.index_unique(&record);
        self.by_modified.insert((record.updated_ms, id));
        if lag > 0 {
            self.shadow.record_write(id, before, Some(record.clone()), now + lag);
        }
        self.live.insert(id, record);
        Some(out)
    }

    /// Archives a live record at `now`; returns false when there is none.
    pub fn archive(&mut self, id: u64, now: Millis, lag: Millis) -> bool {
        let Some(mut record) = self.live.remove(&id) else {
            return false;
        };
        self.by_modified.remove(&(record.updated_ms, id));
        self.by_id.remove(&id);
        self.unindex_unique(&record);
        if lag > 0 {
            self.shadow.prune(now);
            let before = self.shadow.needs_before(id).then(|| record.clone());
            self.shadow.record_write(id, before, None, now + lag);
        }
        record.archived_ms = Some(now);
        record.updated_ms = now;
        self.archived.insert(id, record);
        true
    }

    /// Removes `merged` (live) as merged into `survivor`; its unique value keeps leading to the
    /// survivor, as a merged contact's email does in HubSpot. Returns the removed record.
    pub fn merge_away(&mut self, merged: u64, survivor: u64, now: Millis, lag: Millis) -> Option<Record> {
        let record = self.live.remove(&merged)?;
        self.by_modified.remove(&(record.updated_ms, merged));
        self.by_id.remove(&merged);
        self.unindex_unique(&record);
        if lag > 0 {
            self.shadow.prune(now);
            let before = self.shadow.needs_before(merged).then(|| record.clone());
            self.shadow.record_write(merged, before, None, now + lag);
        }
        self.link_merge(merged, survivor);
        if let Some(value) = self.unique_prop.and_then(|p| record.value(p)) {
            let value = value.to_owned();
            self.alias_unique(&value, survivor);
        }
        Some(record)
    }

    /// Records a merge that happened before the store was loaded (the merged record never
    /// enters the store).
    pub fn note_merged(&mut self, merged: u64, survivor: u64) {
        self.next_id = self.next_id.max(merged + 1);
        self.link_merge(merged, survivor);
    }
}
