//! Writing CRM objects: validating property values, then creating, updating, archiving, merging.
//!
//! Holds no state; it changes the [`World`] it is given. Validation is separate from applying so
//! a batch can refuse some inputs and apply the rest. Every write stamps `updatedAt` (and so
//! `lastmodifieddate`) with the write's time, even when no value changed — HubSpot does, and it
//! is what makes an integration see its own writes come back. Values derived from a write
//! (lifecycle stage dates, a closed deal's close date) are recorded as `CALCULATED`.

use super::clock::Millis;
use super::record::{Author, ObjectKind, PropId, Record, SourceType};
use super::schema::{LIFECYCLE_STAGES, PropError, normalize};
use super::state::World;
use super::timefmt::iso;
use serde_json::{Map, Value};

/// Validated property changes, in input order.
pub type Changes = Vec<(PropId, String)>;

/// A JSON property value as HubSpot reads it: strings as they are, numbers and booleans as
/// text, `null` as a clear.
fn to_text(name: &str, value: &Value) -> Result<String, PropError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Ok(String::new()),
        Value::Array(_) | Value::Object(_) => Err(PropError {
            name: name.to_owned(),
            code: "INVALID_PROPERTY_VALUE",
            message: format!("Property \"{name}\" must be a string, number or boolean"),
        }),
    }
}

/// Validates every property of one input; all errors are reported, not just the first.
pub fn validate(world: &World, kind: ObjectKind, input: &Map<String, Value>) -> Result<Changes, Vec<PropError>> {
    let schema = world.schema(kind);
    let mut changes = Changes::new();
    let mut errors = Vec::new();
    for (name, value) in input {
        let Some(id) = schema.id(name) else {
            errors.push(PropError::missing(name));
            continue;
        };
        match to_text(name, value).and_then(|text| normalize(schema.def(id), &text)) {
            Ok(text) => changes.push((id, text)),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(changes) } else { Err(errors) }
}

fn change(changes: &Changes, prop: PropId) -> Option<&str> {
    changes.iter().rev().find(|(p, _)| *p == prop).map(|(_, v)| v.as_str())
}

/// Checks that a deal's stage belongs to its pipeline after the change.
pub fn check_deal(world: &World, current: Option<&Record>, changes: &Changes) -> Result<(), PropError> {
    let schema = &world.deal_schema;
    let (pipeline_id, stage_id) = (schema.builtin_id("pipeline"), schema.builtin_id("dealstage"));
    let pipeline = change(changes, pipeline_id)
        .or_else(|| current.and_then(|r| r.value(pipeline_id)))
        .unwrap_or("default");
    let stage = change(changes, stage_id).or_else(|| current.and_then(|r| r.value(stage_id)));
    let Some(p) = world.pipeline(pipeline) else {
        return Err(PropError {
            name: "pipeline".into(),
            code: "INVALID_OPTION",
            message: format!("{pipeline} was not one of the allowed options for pipeline"),
        });
    };
    match stage {
        Some(s) if !s.is_empty() && p.stage(s).is_none() => Err(PropError {
            name: "dealstage".into(),
            code: "INVALID_OPTION",
            message: format!("{s} is not a valid stage of pipeline {pipeline}"),
        }),
        _ => Ok(()),
    }
}

/// The live record already holding a unique value this write would set, when there is one.
pub fn unique_conflict(
    world: &World,
    kind: ObjectKind,
    self_id: Option<u64>,
    changes: &Changes,
) -> Option<(String, u64)> {
    if kind != ObjectKind::Contact {
        return None;
    }
    let email = world.contact_schema.builtin_id("email");
    let value = change(changes, email).filter(|v| !v.is_empty())?;
    let holder = world.contacts.find_unique(value)?;
    (Some(holder) != self_id && world.contacts.get(holder).is_some()).then(|| (value.to_owned(), holder))
}

/// Values a write implies, decided before the store is borrowed mutably.
fn derived(world: &World, kind: ObjectKind, current: Option<&Record>, changes: &Changes, now: Millis) -> Changes {
    let schema = world.schema(kind);
    let mut out = Changes::new();
    let has = |prop: PropId| {
        change(changes, prop).is_some_and(|v| !v.is_empty())
            || current.and_then(|r| r.value(prop)).is_some_and(|v| !v.is_empty())
    };
    if current.is_none() && change(changes, schema.builtin_id("createdate")).is_none() {
        out.push((schema.builtin_id("createdate"), iso(now)));
    }
    match kind {
        ObjectKind::Contact => {
            let stage_prop = schema.builtin_id("lifecyclestage");
            if let Some(stage) = change(changes, stage_prop).filter(|s| !s.is_empty())
                && current.and_then(|r| r.value(stage_prop)) != Some(stage)
                && LIFECYCLE_STAGES.iter().any(|(s, _)| *s == stage)
                && let Some(date_prop) = schema.id(&format!("hs_lifecyclestage_{stage}_date"))
                && !has(date_prop)
            {
                out.push((date_prop, iso(now)));
            }
        }
        ObjectKind::Deal => {
            let (pipeline_prop, stage_prop, close_prop) = (
                schema.builtin_id("pipeline"),
                schema.builtin_id("dealstage"),
                schema.builtin_id("closedate"),
            );
            let pipeline = change(changes, pipeline_prop).or_else(|| current.and_then(|r| r.value(pipeline_prop)));
            if pipeline.is_none() {
                out.push((pipeline_prop, "default".to_owned()));
            }
            let pipeline = world.pipeline(pipeline.unwrap_or("default"));
            let stage = change(changes, stage_prop).or_else(|| current.and_then(|r| r.value(stage_prop)));
            match (stage, pipeline) {
                (None, Some(p)) => {
                    if let Some(first) = p.stages.first() {
                        out.push((stage_prop, first.id.clone()));
                    }
                }
                (Some(s), Some(p)) if p.stage(s).is_some_and(|st| st.is_closed) && !has(close_prop) => {
                    out.push((close_prop, iso(now)));
                }
                _ => {}
            }
        }
        ObjectKind::Company => {}
    }
    out
}

fn apply(record: &mut Record, changes: &Changes, derived: &Changes, author: Author, now: Millis) {
    for (prop, value) in changes {
        record.set(*prop, value, now, author);
    }
    for (prop, value) in derived {
        record.set(*prop, value, now, Author::system(SourceType::Calculated));
    }
    record.updated_ms = now;
}

/// Creates a record from validated changes; returns its id.
pub fn create(world: &mut World, kind: ObjectKind, changes: &Changes, author: Author, now: Millis, lag: Millis) -> u64 {
    let derived = derived(world, kind, None, changes, now);
    let store = world.store_mut(kind);
    let id = store.allocate_id();
    let mut record = Record::new(id, now);
    apply(&mut record, changes, &derived, author, now);
    store.insert(record, now, lag);
    id
}

/// Updates a live record; false when there is none.
pub fn update(
    world: &mut World,
    kind: ObjectKind,
    id: u64,
    changes: &Changes,
    author: Author,
    now: Millis,
    lag: Millis,
) -> bool {
    let Some(current) = world.store(kind).get(id) else {
        return false;
    };
    let derived = derived(world, kind, Some(current), changes, now);
    world
        .store_mut(kind)
        .modify(id, now, lag, |r| apply(r, changes, &derived, author, now))
        .is_some()
}

/// Why a merge was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum MergeError {
    /// One of the ids is not a live record.
    NotFound(u64),
    /// Both ids are the same record.
    Same,
}

/// Merges `merged` into `primary` as HubSpot does: the primary keeps its id and its values,
/// takes the merged record's values where it has none, the earlier create date, the merged ids
/// (`hs_merged_object_ids`), the merged email (`hs_additional_emails`) and every association.
pub fn merge(
    world: &mut World,
    kind: ObjectKind,
    primary: u64,
    merged: u64,
    now: Millis,
    lag: Millis,
) -> Result<u64, MergeError> {
    let store = world.store(kind);
    let primary = store.resolve(primary).ok_or(MergeError::NotFound(primary))?;
    let merged = store.resolve(merged).ok_or(MergeError::NotFound(merged))?;
    if primary == merged {
        return Err(MergeError::Same);
    }
    let (Some(p), Some(m)) = (store.get(primary), store.get(merged)) else {
        return Err(MergeError::NotFound(merged));
    };
    let schema = world.schema(kind);
    let merged_ids_prop = schema.id("hs_merged_object_ids");
    let emails_prop = schema.id("hs_additional_emails");
    let created_prop = schema.builtin_id("createdate");
    let mut fill: Changes = m
        .props()
        .filter(|prop| Some(*prop) != merged_ids_prop && Some(*prop) != emails_prop && *prop != created_prop)
        .filter(|prop| p.value(*prop).is_none_or(str::is_empty))
        .filter_map(|prop| m.value(prop).map(|v| (prop, v.to_owned())))
        .collect();
    let calculated = Author::system(SourceType::Calculated);
    if let Some(prop) = merged_ids_prop {
        let mut ids: Vec<String> = p
            .value(prop)
            .map(|v| v.split(';').map(str::to_owned).collect())
            .unwrap_or_default();
        ids.push(merged.to_string());
        ids.extend(m.value(prop).into_iter().flat_map(|v| v.split(';').map(str::to_owned)));
        ids.retain(|s| !s.is_empty());
        fill.push((prop, ids.join(";")));
    }
    if let (Some(prop), Some(email)) = (emails_prop, schema.id("email").and_then(|e| m.value(e))) {
        let mut emails: Vec<&str> = p.value(prop).map(|v| v.split(';').collect()).unwrap_or_default();
        emails.push(email);
        emails.retain(|s| !s.is_empty());
        fill.push((prop, emails.join(";")));
    }
    let earlier_created = match (p.value(created_prop), m.value(created_prop)) {
        (Some(a), Some(b)) if b < a => Some(b.to_owned()),
        _ => None,
    };
    let created_ms = p.created_ms.min(m.created_ms);
    let store = world.store_mut(kind);
    store.merge_away(merged, primary, now, lag);
    store.modify(primary, now, lag, |r| {
        for (prop, value) in &fill {
            r.set(*prop, value, now, calculated);
        }
        if let Some(created) = &earlier_created {
            r.set(created_prop, created, now, calculated);
        }
        r.created_ms = created_ms;
        r.updated_ms = now;
    });
    world.links.move_all(kind, merged, primary);
    Ok(primary)
}
