//! The data-health section, as the store read it.
//!
//! Holds no state.

use crate::model::{Coverage, Duplicate, DuplicateCount, HealthSection, PushErrorCount, QuarantineCount};
use closedloop_store::report::health::HealthData;

pub(super) fn section(h: &HealthData) -> HealthSection {
    let c = h.coverage;
    HealthSection {
        coverage: Coverage {
            people: c.people,
            awaiting_reconcile: c.awaiting_reconcile,
            both_systems: c.both_systems,
            marketing_only: c.marketing_only,
            crm_only: c.crm_only,
        },
        duplicates: h
            .duplicates
            .iter()
            .map(|d| DuplicateCount {
                system: d.system.clone(),
                kind: d.kind.clone(),
                records: d.records,
                people: d.people,
            })
            .collect(),
        duplicate_records: h
            .duplicate_list
            .iter()
            .map(|d| Duplicate {
                person_id: d.person.0,
                email: d.email.clone(),
                system: d.system.clone(),
                kind: d.kind.clone(),
                duplicate: d.duplicate.clone(),
                primary: d.primary.clone(),
                first_found_at: d.first_found_at,
            })
            .collect(),
        quarantine: h
            .quarantine
            .iter()
            .map(|q| QuarantineCount {
                system: q.system.clone(),
                stream: q.stream.clone(),
                reason: q.reason.clone(),
                entries: q.entries,
                occurrences: q.occurrences,
                last_seen_at: q.last_seen_at,
            })
            .collect(),
        push_errors: h
            .push_errors
            .iter()
            .map(|p| PushErrorCount {
                target: p.target.clone(),
                object: p.object.clone(),
                reason: p.reason.clone(),
                writes: p.writes,
                last_at: p.last_at,
            })
            .collect(),
    }
}
