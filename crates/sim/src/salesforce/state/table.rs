//! One sObject's rows and the indexes kept over them.
//!
//! State: rows in id order (ids are allocated in increasing order and rows are only appended, so
//! the row vector doubles as the id index and `Id > x` is a binary search); a
//! `(SystemModstamp, row)` B-tree (`CreatedDate` for history objects, which have no modstamp) so
//! incremental queries touch only the rows they return; a
//! value → rows map per External ID or Unique field; and the recycle bin (row → deletion time).
//! Rows are never removed: deleted rows stay (IsDeleted) and rows older than the retention window
//! are treated as purged by readers.

use crate::salesforce::ids::{IdAllocator, SfId};
use crate::salesforce::schema::ObjectSchema;
use crate::salesforce::value::Val;
use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::Arc;

/// One record.
#[derive(Debug, Clone)]
pub struct Row {
    /// The record id (also in column 0).
    pub id: SfId,
    /// Values by column.
    pub vals: Box<[Val]>,
}

/// The rows of one sObject.
#[derive(Debug)]
pub struct Table {
    /// The object's fields.
    pub schema: Arc<ObjectSchema>,
    rows: Vec<Row>,
    alloc: IdAllocator,
    by_modstamp: BTreeSet<(i64, u32)>,
    by_key: HashMap<usize, HashMap<String, Vec<u32>>>,
    deleted_at: HashMap<u32, i64>,
}

impl Table {
    /// An empty table.
    pub fn new(schema: Arc<ObjectSchema>) -> Table {
        let by_key = schema
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.external_id || f.unique)
            .map(|(c, _)| (c, HashMap::new()))
            .collect();
        Table {
            alloc: IdAllocator::new(&schema.key_prefix),
            schema,
            rows: Vec::new(),
            by_modstamp: BTreeSet::new(),
            by_key,
            deleted_at: HashMap::new(),
        }
    }

    /// Number of rows, deleted ones included.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row holding `id`.
    pub fn find(&self, id: SfId) -> Option<u32> {
        self.rows.binary_search_by(|r| r.id.cmp(&id)).ok().map(|i| i as u32)
    }

    /// The first row whose id is `>= id` (or `> id` when `exclusive`).
    pub fn lower_bound(&self, id: SfId, exclusive: bool) -> u32 {
        self.rows
            .partition_point(|r| if exclusive { r.id <= id } else { r.id < id }) as u32
    }

    /// A row.
    pub fn row(&self, row: u32) -> &Row {
        &self.rows[row as usize]
    }

    /// All rows in id order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// One value.
    pub fn get(&self, row: u32, column: usize) -> &Val {
        &self.rows[row as usize].vals[column]
    }

    /// When the row was deleted, if it is in the recycle bin (or purged).
    pub fn deleted_at(&self, row: u32) -> Option<i64> {
        self.deleted_at.get(&row).copied()
    }

    /// Deleted rows and when, in no particular order.
    pub fn recycle_bin(&self) -> impl Iterator<Item = (u32, i64)> + '_ {
        self.deleted_at.iter().map(|(r, at)| (*r, *at))
    }

    /// True when the row was deleted before `horizon` and is gone for good.
    pub fn is_purged(&self, row: u32, horizon: i64) -> bool {
        self.deleted_at.get(&row).is_some_and(|at| *at < horizon)
    }

    /// Rows by `(SystemModstamp, Id)` within the bounds on the modstamp (`CreatedDate` on objects
    /// without a `SystemModstamp`).
    pub fn modstamp_range(&self, lo: Bound<i64>, hi: Bound<i64>) -> impl DoubleEndedIterator<Item = u32> + '_ {
        let lo = match lo {
            Bound::Included(ms) => Bound::Included((ms, 0)),
            Bound::Excluded(ms) => Bound::Excluded((ms, u32::MAX)),
            Bound::Unbounded => Bound::Unbounded,
        };
        let hi = match hi {
            Bound::Included(ms) => Bound::Included((ms, u32::MAX)),
            Bound::Excluded(ms) => Bound::Excluded((ms, 0)),
            Bound::Unbounded => Bound::Unbounded,
        };
        self.by_modstamp.range((lo, hi)).map(|(_, row)| *row)
    }

    /// Live rows whose key field `column` equals `value` (case-insensitively).
    pub fn key_lookup(&self, column: usize, value: &str) -> &[u32] {
        self.by_key
            .get(&column)
            .and_then(|m| m.get(&key_of(value)))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Appends a row with a fresh id (written into column 0) and returns its position and id.
    pub(super) fn push(&mut self, mut vals: Box<[Val]>) -> (u32, SfId) {
        let id = self.alloc.allocate();
        vals[0] = Val::Id(id);
        let row = self.rows.len() as u32;
        self.index(row, &vals, true);
        self.rows.push(Row { id, vals });
        (row, id)
    }

    /// Removes the last row (undo of [`Table::push`]).
    pub(super) fn pop(&mut self) {
        if let Some(last) = self.rows.pop() {
            let row = self.rows.len() as u32;
            self.index(row, &last.vals, false);
            self.deleted_at.remove(&row);
        }
    }

    /// Replaces a row's values, keeping the indexes right, and returns the old values.
    pub(super) fn replace(&mut self, row: u32, vals: Box<[Val]>) -> Box<[Val]> {
        let old = std::mem::replace(&mut self.rows[row as usize].vals, vals);
        self.index(row, &old, false);
        let new = std::mem::take(&mut self.rows[row as usize].vals);
        self.index(row, &new, true);
        self.rows[row as usize].vals = new;
        old
    }

    /// Sets or clears the recycle-bin entry; returns the previous one.
    pub(super) fn set_deleted_at(&mut self, row: u32, at: Option<i64>) -> Option<i64> {
        match at {
            Some(at) => self.deleted_at.insert(row, at),
            None => self.deleted_at.remove(&row),
        }
    }

    fn index(&mut self, row: u32, vals: &[Val], add: bool) {
        if let Some(col) = self.schema.sys.time_index
            && let Some(ms) = vals[col].as_ms()
        {
            if add {
                self.by_modstamp.insert((ms, row));
            } else {
                self.by_modstamp.remove(&(ms, row));
            }
        }
        let live = self
            .schema
            .sys
            .is_deleted
            .is_none_or(|c| vals[c].as_bool() != Some(true));
        for (col, map) in self.by_key.iter_mut() {
            let Some(text) = vals[*col].to_text() else { continue };
            let key = key_of(&text);
            if add && live {
                map.entry(key).or_default().push(row);
            } else if !add && let Some(rows) = map.get_mut(&key) {
                rows.retain(|r| *r != row);
                if rows.is_empty() {
                    map.remove(&key);
                }
            }
        }
    }
}

/// External ids and unique values compare case-insensitively.
fn key_of(value: &str) -> String {
    value.to_lowercase()
}
