//! What a reconcile run did: counts for logs, `status` and tests, and where the time went.
//!
//! Holds no state beyond the figures themselves.

use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// What one reconcile run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReconcileSummary {
    /// Batches committed.
    pub batches: u64,
    /// Dirty records taken from the queue.
    pub records: u64,
    /// Records queued again because their person's contact deadline passed while pending.
    pub sla_rechecks: u64,
    /// People reconciled (each person once per batch that held them).
    pub people: u64,
    /// People created.
    pub new_people: u64,
    /// Person ids merged into older ones.
    pub merges: u64,
    /// Records that were new or moved to another person.
    pub relinked: u64,
    /// Duplicate records found among the people reconciled.
    pub duplicates: u64,
    /// Conversions stored (milestones, deal pipeline and revenue).
    pub conversions: u64,
    /// Conversions with at least one touch credited under some model.
    pub conversions_credited: u64,
    /// Attribution credit rows stored.
    pub credit_rows: u64,
    /// Deals shared by several people, credited once over all their touches.
    pub shared_deals: u64,
    /// People the CRM gate kept out of the CRM.
    pub gate_skipped: u64,
    /// Outbox rows added or given new values, by target system.
    pub enqueued: BTreeMap<String, u64>,
    /// Pending outbox rows withdrawn because their values are no longer wanted.
    pub withdrawn: u64,
    /// Where the time went.
    pub timings: PhaseTimings,
}

impl ReconcileSummary {
    /// Outbox rows added or changed, all targets together.
    pub fn enqueued_total(&self) -> u64 {
        self.enqueued.values().sum()
    }
}

/// Time spent per phase, summed over batches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PhaseTimings {
    /// Taking the batch, reading the identity closure, resolving and applying it.
    #[serde(serialize_with = "seconds")]
    pub identity: Duration,
    /// Reading facts, references, field memory (and the other people of shared deals).
    #[serde(serialize_with = "seconds")]
    pub load: Duration,
    /// The core's pure computation: timelines, milestones, attribution, gate, field plans.
    #[serde(serialize_with = "seconds")]
    pub compute: Duration,
    /// Writing results, credits and outbox rows, and committing.
    #[serde(serialize_with = "seconds")]
    pub persist: Duration,
}

impl PhaseTimings {
    /// All phases together.
    pub fn total(&self) -> Duration {
        self.identity + self.load + self.compute + self.persist
    }
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}
