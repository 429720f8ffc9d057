//! Data health: how many people the figures cover and how many wait for reconcile, which people
//! are known to one system only, duplicate records, quarantined input by reason, and writes given
//! up (dead letters) by reason.
//!
//! State: none. The current state, whatever the report's period: a broken sync is news today.

use super::ReportQuery;
use crate::error::StoreError;
use crate::time::from_ms;
use closedloop_core::{PersonId, Timestamp};
use sqlx::{Sqlite, Transaction};

/// People by the systems their live records are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coverage {
    /// People reconcile computed.
    pub people: i64,
    /// Person records waiting for reconcile (not in the figures yet).
    pub awaiting_reconcile: i64,
    /// People with live records in both the marketing platform and the CRM.
    pub both_systems: i64,
    /// Only in the marketing platform.
    pub marketing_only: i64,
    /// Only in the CRM.
    pub crm_only: i64,
}

/// Duplicate records of one system and kind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DuplicateCount {
    /// The system holding both records.
    pub system: String,
    /// `same_object` or `lead_beside_contact`.
    pub kind: String,
    /// Duplicate records.
    pub records: i64,
    /// People with at least one.
    pub people: i64,
}

/// One duplicate record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The person.
    pub person: PersonId,
    /// Their email.
    pub email: Option<String>,
    /// The system.
    pub system: String,
    /// `same_object` or `lead_beside_contact`.
    pub kind: String,
    /// The duplicate record (`lead 00Q...`).
    pub duplicate: String,
    /// The primary record it stands beside.
    pub primary: String,
    /// When reconcile first found it.
    pub first_found_at: Timestamp,
}

/// Open quarantine entries of one stream and reason.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuarantineCount {
    /// The source system.
    pub system: String,
    /// The stream.
    pub stream: String,
    /// The reason.
    pub reason: String,
    /// Distinct inputs.
    pub entries: i64,
    /// Times seen.
    pub occurrences: i64,
    /// Last seen.
    pub last_seen_at: Option<Timestamp>,
}

/// Writes given up for one target, object and error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PushErrorCount {
    /// The target system.
    pub target: String,
    /// The object type.
    pub object: String,
    /// The error, in the target's words.
    pub reason: String,
    /// Writes given up.
    pub writes: i64,
    /// The latest.
    pub last_at: Option<Timestamp>,
}

/// Everything the data-health section reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HealthData {
    /// Coverage.
    pub coverage: Coverage,
    /// Duplicates by system and kind.
    pub duplicates: Vec<DuplicateCount>,
    /// The first `list_limit` duplicate records, oldest finding first.
    pub duplicate_list: Vec<Duplicate>,
    /// Open quarantine entries by reason.
    pub quarantine: Vec<QuarantineCount>,
    /// Dead letters by reason.
    pub push_errors: Vec<PushErrorCount>,
}

pub(crate) async fn read(tx: &mut Transaction<'_, Sqlite>, q: &ReportQuery) -> Result<HealthData, StoreError> {
    let c = sqlx::query!(
        r#"WITH presence AS (
               SELECT pr.person_id,
                   EXISTS (SELECT 1 FROM identity_links AS l JOIN marketing_contacts AS m
                             ON m.system = l.system AND m.id = l.external_id AND l.object_type = 'contact'
                           WHERE l.person_id = pr.person_id AND m.archived = 0) AS marketing,
                   (EXISTS (SELECT 1 FROM identity_links AS l JOIN crm_leads AS c
                              ON c.system = l.system AND c.id = l.external_id AND l.object_type = 'lead'
                            WHERE l.person_id = pr.person_id AND c.deleted = 0)
                    OR EXISTS (SELECT 1 FROM identity_links AS l JOIN crm_contacts AS c
                                 ON c.system = l.system AND c.id = l.external_id AND l.object_type = 'contact'
                               WHERE l.person_id = pr.person_id AND c.deleted = 0)) AS crm
               FROM person_results AS pr
           )
           SELECT COUNT(*) AS "people!: i64",
               COALESCE(SUM(marketing AND crm), 0) AS "both!: i64",
               COALESCE(SUM(marketing AND NOT crm), 0) AS "marketing_only!: i64",
               COALESCE(SUM(crm AND NOT marketing), 0) AS "crm_only!: i64",
               (SELECT COUNT(*) FROM dirty_records) AS "dirty!: i64"
           FROM presence"#
    )
    .fetch_one(&mut **tx)
    .await?;
    let coverage = Coverage {
        people: c.people,
        awaiting_reconcile: c.dirty,
        both_systems: c.both,
        marketing_only: c.marketing_only,
        crm_only: c.crm_only,
    };

    let duplicates = sqlx::query!(
        r#"SELECT system AS "system!: String", kind AS "kind!: String", COUNT(*) AS "records!: i64",
               COUNT(DISTINCT person_id) AS "people!: i64"
           FROM identity_duplicates GROUP BY system, kind ORDER BY 3 DESC, system, kind"#
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| DuplicateCount {
        system: r.system,
        kind: r.kind,
        records: r.records,
        people: r.people,
    })
    .collect();

    let limit = i64::from(q.list_limit);
    let duplicate_list = sqlx::query!(
        r#"SELECT d.person_id AS "person_id!: i64", pr.email AS "email?: String", d.system AS "system!: String",
               d.kind AS "kind!: String", d.duplicate_object || ' ' || d.duplicate_id AS "duplicate!: String",
               d.primary_object || ' ' || d.primary_id AS "primary!: String", d.first_found_at AS "found!: i64"
           FROM identity_duplicates AS d LEFT JOIN person_results AS pr ON pr.person_id = d.person_id
           ORDER BY d.first_found_at, d.person_id, d.system, d.duplicate_object, d.duplicate_id
           LIMIT ?"#,
        limit
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| {
        Ok(Duplicate {
            person: PersonId(r.person_id),
            email: r.email,
            system: r.system,
            kind: r.kind,
            duplicate: r.duplicate,
            primary: r.primary,
            first_found_at: from_ms(r.found)?,
        })
    })
    .collect::<Result<_, StoreError>>()?;

    let quarantine = sqlx::query!(
        r#"SELECT system AS "system!: String", stream AS "stream!: String", reason AS "reason!: String",
               COUNT(*) AS "entries!: i64", COALESCE(SUM(occurrences), 0) AS "occurrences!: i64",
               MAX(last_seen_at) AS "last_seen?: i64"
           FROM quarantine WHERE resolved_at IS NULL
           GROUP BY system, stream, reason ORDER BY 4 DESC, system, stream, reason"#
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| {
        Ok(QuarantineCount {
            system: r.system,
            stream: r.stream,
            reason: r.reason,
            entries: r.entries,
            occurrences: r.occurrences,
            last_seen_at: r.last_seen.map(from_ms).transpose()?,
        })
    })
    .collect::<Result<_, StoreError>>()?;

    let push_errors = sqlx::query!(
        r#"SELECT target_system AS "target!: String", object_type AS "object!: String",
               COALESCE(last_error, '(no error recorded)') AS "reason!: String",
               COUNT(*) AS "writes!: i64", MAX(updated_at) AS "last_at?: i64"
           FROM outbox WHERE state = 'dead'
           GROUP BY target_system, object_type, COALESCE(last_error, '(no error recorded)')
           ORDER BY 4 DESC, 1, 2, 3"#
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| {
        Ok(PushErrorCount {
            target: r.target,
            object: r.object,
            reason: r.reason,
            writes: r.writes,
            last_at: r.last_at.map(from_ms).transpose()?,
        })
    })
    .collect::<Result<_, StoreError>>()?;

    Ok(HealthData {
        coverage,
        duplicates,
        duplicate_list,
        quarantine,
        push_errors,
    })
}
