//! The simulated org: its schema, its tables, and the org-level settings writes consult.
//!
//! State: [`Org`] owns one [`Table`] per sObject plus the record locks and validation rules set at
//! run time. Every mutation goes through [`Org::insert`], [`Org::replace`] or
//! [`Org::set_deleted`], which record an undo entry in a [`Txn`]: an `allOrNone` collection that
//! fails part-way is rolled back exactly, indexes included.

mod table;

pub use table::{Row, Table};

use super::ids::{IdAllocator, SfId};
use super::schema::{ObjectSchema, Schema};
use super::value::Val;
use crate::scenario::{LeadStatusSpec, StageSpec, ValidationRuleSpec};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Org settings the write path consults.
#[derive(Debug, Clone)]
pub struct OrgConfig {
    /// Lead statuses in order; `converted` marks the ones conversion may set.
    pub lead_statuses: Vec<LeadStatusSpec>,
    /// Opportunity stages with probability and closed/won flags.
    pub stages: Vec<StageSpec>,
    /// CampaignMember statuses that count as a response.
    pub responded_statuses: HashSet<String>,
    /// Days deleted records stay in the recycle bin.
    pub retention_days: u32,
    /// The org's currency codes when multi-currency; the first is the corporate currency.
    pub currencies: Vec<String>,
}

impl OrgConfig {
    /// The stage of a name.
    pub fn stage(&self, name: &str) -> Option<&StageSpec> {
        self.stages.iter().find(|s| s.id == name)
    }

    /// The retention window in milliseconds.
    pub fn retention_ms(&self) -> i64 {
        i64::from(self.retention_days) * 86_400_000
    }
}

/// How a locked record fails writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    /// Fails until unlocked.
    UntilUnlocked,
    /// Fails this many more writes, then unlocks itself.
    Writes(u32),
}

/// One undoable change.
#[derive(Debug)]
enum Undo {
    Insert {
        table: usize,
    },
    Replace {
        table: usize,
        row: u32,
        old: Box<[Val]>,
    },
    Deleted {
        table: usize,
        row: u32,
        previous: Option<i64>,
    },
}

/// The undo log of one write request.
#[derive(Debug, Default)]
pub struct Txn {
    undo: Vec<Undo>,
}

impl Txn {
    /// A savepoint: the number of changes so far.
    pub fn savepoint(&self) -> usize {
        self.undo.len()
    }
}

/// The whole org.
#[derive(Debug)]
pub struct Org {
    /// Objects and fields.
    pub schema: Schema,
    /// One table per object, in the schema's order.
    pub tables: Vec<Table>,
    /// The org id (`00D...`).
    pub org_id: SfId,
    /// The integration user the API acts as.
    pub api_user: SfId,
    /// Settings.
    pub config: OrgConfig,
    /// Validation rules in force.
    pub rules: Vec<ValidationRuleSpec>,
    /// Records that fail writes with `UNABLE_TO_LOCK_ROW`.
    pub locks: HashMap<SfId, LockState>,
}

impl Org {
    /// An org with empty tables.
    pub fn new(schema: Schema, config: OrgConfig, rules: Vec<ValidationRuleSpec>) -> Org {
        let tables = schema.objects().iter().map(|o| Table::new(Arc::clone(o))).collect();
        let org_id = IdAllocator::new("00D").allocate();
        Org {
            schema,
            tables,
            org_id,
            api_user: org_id,
            config,
            rules,
            locks: HashMap::new(),
        }
    }

    /// The table index of an object, by case-insensitive name.
    pub fn table_index(&self, object: &str) -> Option<usize> {
        self.schema.index_of(object)
    }

    /// A table by case-insensitive object name.
    pub fn table(&self, object: &str) -> Option<&Table> {
        self.table_index(object).map(|i| &self.tables[i])
    }

    /// The table of a known standard object.
    pub fn std_table(&self, object: &str) -> usize {
        self.table_index(object)
            .unwrap_or_else(|| unreachable!("standard object {object} missing"))
    }

    /// The object schema of a table.
    pub fn object(&self, table: usize) -> &Arc<ObjectSchema> {
        &self.tables[table].schema
    }

    /// Where a record lives: its table and row.
    pub fn locate(&self, id: SfId) -> Option<(usize, u32)> {
        let table = self.schema.index_of_prefix(id.prefix())?;
        self.tables[table].find(id).map(|row| (table, row))
    }

    /// The instant before which deleted rows are purged.
    pub fn horizon(&self, now_ms: i64) -> i64 {
        now_ms - self.config.retention_ms()
    }

    /// True when the row is deleted (in the recycle bin or purged).
    pub fn is_deleted(&self, table: usize, row: u32) -> bool {
        let t = &self.tables[table];
        t.schema
            .sys
            .is_deleted
            .is_some_and(|c| t.get(row, c).as_bool() == Some(true))
    }

    /// Appends a row; column 0 gets a fresh id.
    pub fn insert(&mut self, txn: &mut Txn, table: usize, vals: Vec<Val>) -> (u32, SfId) {
        txn.undo.push(Undo::Insert { table });
        self.tables[table].push(vals.into_boxed_slice())
    }

    /// Replaces a row's values.
    pub fn replace(&mut self, txn: &mut Txn, table: usize, row: u32, vals: Box<[Val]>) {
        let old = self.tables[table].replace(row, vals);
        txn.undo.push(Undo::Replace { table, row, old });
    }

    /// Puts a row in the recycle bin at `at`, or takes it out with `None`.
    pub fn set_deleted(&mut self, txn: &mut Txn, table: usize, row: u32, at: Option<i64>) {
        let previous = self.tables[table].set_deleted_at(row, at);
        txn.undo.push(Undo::Deleted { table, row, previous });
    }

    /// Appends a row while loading the scenario (no undo log).
    pub fn seed(&mut self, table: usize, vals: Vec<Val>) -> (u32, SfId) {
        self.tables[table].push(vals.into_boxed_slice())
    }

    /// Replaces a row's values while loading the scenario (no undo log).
    pub fn seed_replace(&mut self, table: usize, row: u32, vals: Box<[Val]>) {
        self.tables[table].replace(row, vals);
    }

    /// Records a deletion while loading the scenario (no undo log).
    pub fn seed_deleted(&mut self, table: usize, row: u32, at: i64) {
        self.tables[table].set_deleted_at(row, Some(at));
    }

    /// Undoes every change after `savepoint`, newest first.
    pub fn rollback_to(&mut self, txn: &mut Txn, savepoint: usize) {
        while txn.undo.len() > savepoint {
            match txn.undo.pop() {
                Some(Undo::Insert { table }) => self.tables[table].pop(),
                Some(Undo::Replace { table, row, old }) => {
                    self.tables[table].replace(row, old);
                }
                Some(Undo::Deleted { table, row, previous }) => {
                    self.tables[table].set_deleted_at(row, previous);
                }
                None => break,
            }
        }
    }
}
