//! The final state of one run, for proving two runs ended the same: the store's canonical dump
//! (`Store::reconcile_state()`), its record counts, and every record of both simulators that
//! closedloop reads or writes, minus the values that only say *when* something happened.
//!
//! State: none beyond the captured values. [`Snapshot::diff`] lists the differences readably.
//!
//! One part of the store is not compared: the history of writes already *done* (outbox rows in
//! state `done`, and `pushed_values`). When a process dies after a write reached the vendor but
//! before it was recorded, the next run reads the value back, reconcile no longer wants that
//! write and withdraws it: the vendor holds the same value, but the store has no `done` row for
//! it. Every open row (pending or dead) is compared, and so is every value in both vendors.

use crate::world::World;
use closedloop_sim::hubspot::ObjectKind;
use closedloop_store::Store;
use serde_json::Value;
use std::collections::BTreeMap;

/// Store tables whose row counts are compared.
pub const COUNTED_TABLES: [&str; 12] = [
    "persons",
    "identity_links",
    "marketing_contacts",
    "crm_leads",
    "crm_contacts",
    "deals",
    "touchpoints",
    "sales_activities",
    "stage_changes",
    "campaigns",
    "quarantine",
    "dirty_records",
];

/// Fields that record when a write happened, not what it wrote: two equal runs differ there.
const VOLATILE: [&str; 9] = [
    "LastModifiedDate",
    "SystemModstamp",
    "LastActivityDate",
    "LastViewedDate",
    "LastReferencedDate",
    "hs_lastmodifieddate",
    "lastmodifieddate",
    "hs_object_source_updated_at",
    "attributes",
];

/// One run's final state.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The store's canonical dump of everything reconcile derived.
    pub reconcile: closedloop_store::reconcile::read::ReconcileState,
    /// Row counts of [`COUNTED_TABLES`].
    pub counts: BTreeMap<String, i64>,
    /// Touchpoints stored more than once for one source event (must stay empty).
    pub duplicate_touchpoints: Vec<String>,
    /// Open quarantine entries: `stream | reason | record`.
    pub quarantine: Vec<String>,
    /// Outbox rows in state `done` and rows of `pushed_values`: reported, not compared.
    pub done_writes: (i64, i64),
    /// HubSpot contacts by email (lower case): every property but the volatile ones.
    pub hubspot_contacts: BTreeMap<String, BTreeMap<String, String>>,
    /// Salesforce records per object, per email: every field but the volatile ones, as JSON.
    pub salesforce: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl Snapshot {
    /// Captures the state of a world whose processes have all stopped.
    pub async fn capture(world: &World) -> Snapshot {
        let store = Store::open(&world.database()).await.expect("open the store");
        let mut reconcile = store.reconcile_state().await.expect("reconcile_state");
        reconcile.outbox.retain(|row| !row.ends_with(",\"done\"]"));
        store.close().await;
        let pool = read_only_pool(&world.database()).await;
        let mut counts = BTreeMap::new();
        for table in COUNTED_TABLES {
            // The table names are the constants above, never input.
            let sql = sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}"));
            let n: i64 = sqlx::query_scalar(sql)
                .fetch_one(&pool)
                .await
                .unwrap_or_else(|e| panic!("count {table}: {e}"));
            counts.insert(table.to_owned(), n);
        }
        let duplicate_touchpoints: Vec<String> = sqlx::query_scalar(
            "SELECT source_system || ':' || source_event_id || ' x' || count(*) FROM touchpoints
             GROUP BY source_system, source_event_id HAVING count(*) > 1",
        )
        .fetch_all(&pool)
        .await
        .expect("duplicate touchpoints");
        let quarantine: Vec<String> = sqlx::query_scalar(
            "SELECT stream || ' | ' || reason || ' | ' || coalesce(external_id, '') FROM quarantine WHERE resolved_at IS NULL ORDER BY 1",
        )
        .fetch_all(&pool)
        .await
        .expect("quarantine");
        // person_results names touches by row id, which follows the order pages arrived in:
        // name them by their natural key instead (columns 27..=29: first, lead creation, last).
        let touch_keys: std::collections::HashMap<i64, String> =
            sqlx::query_as::<_, (i64, String)>("SELECT id, source_system || ':' || source_event_id FROM touchpoints")
                .fetch_all(&pool)
                .await
                .expect("touchpoint keys")
                .into_iter()
                .collect();
        for row in &mut reconcile.results {
            if let Ok(Value::Array(mut cells)) = serde_json::from_str::<Value>(row) {
                for cell in cells.iter_mut().skip(27).take(3) {
                    if let Some(key) = cell.as_i64().and_then(|id| touch_keys.get(&id)) {
                        *cell = Value::String(key.clone());
                    }
                }
                *row = Value::Array(cells).to_string();
            }
        }
        let done_writes: (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM outbox WHERE state = 'done'), (SELECT count(*) FROM pushed_values)",
        )
        .fetch_one(&pool)
        .await
        .expect("done writes");
        pool.close().await;

        let hs = world.hubspot.admin();
        let ids: Vec<u64> = hs.read(|w| w.contacts.all_live().map(|r| r.id).collect());
        let mut hubspot_contacts = BTreeMap::new();
        for id in ids {
            let Some(object) = hs.object(ObjectKind::Contact, id) else {
                continue;
            };
            let mut props = object.properties;
            props.retain(|k, _| !VOLATILE.contains(&k.as_str()));
            // HubSpot stamps a stage's date when the stage is written: whether it is set is
            // compared, not when.
            for (name, value) in props.iter_mut() {
                if name.starts_with("hs_lifecyclestage_") && name.ends_with("_date") {
                    *value = "<set>".to_owned();
                }
            }
            let key = props
                .get("email")
                .map(|e| e.to_lowercase())
                .unwrap_or_else(|| format!("#{id}"));
            hubspot_contacts.insert(key, props);
        }
        let sf = world.salesforce.admin();
        let mut salesforce = BTreeMap::new();
        for object in ["Lead", "Contact", "Opportunity", "Task", "Event"] {
            let mut by_email: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for mut record in sf.records(object) {
                let key = record
                    .get("Email")
                    .and_then(Value::as_str)
                    .map(str::to_lowercase)
                    .or_else(|| record.get("Name").and_then(Value::as_str).map(str::to_owned))
                    .unwrap_or_default();
                if let Some(map) = record.as_object_mut() {
                    map.retain(|k, _| !VOLATILE.contains(&k.as_str()));
                }
                by_email.entry(key).or_default().push(record.to_string());
            }
            for records in by_email.values_mut() {
                records.sort();
            }
            salesforce.insert(object.to_owned(), by_email);
        }
        Snapshot {
            reconcile,
            counts,
            duplicate_touchpoints,
            quarantine,
            done_writes,
            hubspot_contacts,
            salesforce,
        }
    }

    /// Salesforce Leads per email, only where an email has more than one.
    pub fn leads_per_email_above_one(&self) -> BTreeMap<String, usize> {
        self.salesforce
            .get("Lead")
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| v.len() > 1)
                    .map(|(k, v)| (k.clone(), v.len()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The differences from `other`, one line each (at most `limit`); empty when equal.
    pub fn diff(&self, other: &Snapshot, limit: usize) -> Vec<String> {
        let mut out = Vec::new();
        let r = (&self.reconcile, &other.reconcile);
        for (name, a, b) in [
            ("persons", &r.0.persons, &r.1.persons),
            ("links", &r.0.links, &r.1.links),
            ("duplicates", &r.0.duplicates, &r.1.duplicates),
            ("results", &r.0.results, &r.1.results),
            ("milestones", &r.0.milestones, &r.1.milestones),
            ("conversions", &r.0.conversions, &r.1.conversions),
            ("credits", &r.0.credits, &r.1.credits),
            ("outbox", &r.0.outbox, &r.1.outbox),
            ("quarantine", &self.quarantine, &other.quarantine),
            (
                "duplicate touchpoints",
                &self.duplicate_touchpoints,
                &other.duplicate_touchpoints,
            ),
        ] {
            diff_lists(&format!("store {name}"), a, b, &mut out);
        }
        diff_maps("store count", &self.counts, &other.counts, &mut out);
        let keys: std::collections::BTreeSet<&String> = self
            .hubspot_contacts
            .keys()
            .chain(other.hubspot_contacts.keys())
            .collect();
        for key in keys {
            match (self.hubspot_contacts.get(key), other.hubspot_contacts.get(key)) {
                (Some(a), Some(b)) => diff_maps(&format!("hubspot contact {key}"), a, b, &mut out),
                (a, b) => out.push(format!(
                    "hubspot contact {key}: present {} vs {}",
                    a.is_some(),
                    b.is_some()
                )),
            }
        }
        for (object, a) in &self.salesforce {
            let empty = BTreeMap::new();
            let b = other.salesforce.get(object).unwrap_or(&empty);
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let none = Vec::new();
                diff_lists(
                    &format!("salesforce {object} {key}"),
                    a.get(key).unwrap_or(&none),
                    b.get(key).unwrap_or(&none),
                    &mut out,
                );
            }
        }
        out.truncate(limit);
        out
    }

    /// A one-line summary of the sizes, for test output.
    pub fn figures(&self) -> String {
        let c = |t: &str| self.counts.get(t).copied().unwrap_or(0);
        let leads: usize = self
            .salesforce
            .get("Lead")
            .map(|m| m.values().map(Vec::len).sum())
            .unwrap_or(0);
        format!(
            "persons {}, marketing contacts {}, crm leads {}, touchpoints {}, activities {}, quarantined {}, writes done {} (pushed values {}), salesforce leads {}, hubspot contacts {}",
            c("persons"),
            c("marketing_contacts"),
            c("crm_leads"),
            c("touchpoints"),
            c("sales_activities"),
            c("quarantine"),
            self.done_writes.0,
            self.done_writes.1,
            leads,
            self.hubspot_contacts.len()
        )
    }
}

/// Asserts two snapshots are equal, printing the first differences otherwise.
pub fn assert_same(expected: &Snapshot, actual: &Snapshot, what: &str) {
    let diff = expected.diff(actual, 40);
    assert!(
        diff.is_empty(),
        "{what}: the final state differs from the fault-free run's:\n  {}",
        diff.join("\n  ")
    );
}

fn diff_lists(name: &str, a: &[String], b: &[String], out: &mut Vec<String>) {
    if a == b {
        return;
    }
    let only_a: Vec<&String> = a.iter().filter(|x| !b.contains(x)).take(3).collect();
    let only_b: Vec<&String> = b.iter().filter(|x| !a.contains(x)).take(3).collect();
    out.push(format!(
        "{name}: {} vs {} rows; only expected: {only_a:?}; only actual: {only_b:?}",
        a.len(),
        b.len()
    ));
}

fn diff_maps<V: PartialEq + std::fmt::Debug>(
    name: &str,
    a: &BTreeMap<String, V>,
    b: &BTreeMap<String, V>,
    out: &mut Vec<String>,
) {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        let (x, y) = (a.get(key), b.get(key));
        if x != y {
            let show = |v: Option<&V>| {
                let s = format!("{v:?}");
                if s.len() > 200 {
                    format!("{}…", s.chars().take(200).collect::<String>())
                } else {
                    s
                }
            };
            out.push(format!("{name} {key}: {} vs {}", show(x), show(y)));
        }
    }
}

/// A read-only pool on a store file (no migration, no write).
pub async fn read_only_pool(path: &std::path::Path) -> sqlx::SqlitePool {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("open the database read-only")
}
