//! CRM objects as HubSpot returns them: properties (all strings), history, associations.
//!
//! Holds no state. [`ReadSpec`] is what a request asked to see, resolved against the schema;
//! [`render_object`] turns a record into `{id, properties, createdAt, updatedAt, archived, ...}`.
//! Computed properties (`hs_object_id`, `lastmodifieddate`, deals' closed-won flags...) are
//! derived here, from the record and the pipelines, so they can never disagree with what they
//! derive from.

use super::clock::Millis;
use super::links::AssocType;
use super::record::{ObjectKind, PropId, Record, SourceType, Version};
use super::schema::{Computed, Schema};
use super::state::World;
use super::timefmt::iso;
use serde_json::{Map, Value, json};
use std::borrow::Cow;

/// What one read asked to see.
#[derive(Debug, Clone, Default)]
pub struct ReadSpec {
    /// Properties in `properties`.
    pub props: Vec<PropId>,
    /// Properties in `propertiesWithHistory`.
    pub history: Vec<PropId>,
    /// Associated object types to list.
    pub associations: Vec<ObjectKind>,
}

impl ReadSpec {
    /// Resolves requested names. Unknown property names are ignored, as HubSpot ignores them in
    /// reads; no names means the type's default properties. The always-present ones are added.
    pub fn new(
        schema: &Schema,
        kind: ObjectKind,
        properties: &[String],
        history: &[String],
        associations: &[String],
    ) -> ReadSpec {
        let mut props: Vec<PropId> = Vec::new();
        let mut push = |id: Option<PropId>| {
            if let Some(id) = id
                && !props.contains(&id)
            {
                props.push(id);
            }
        };
        if properties.is_empty() && history.is_empty() {
            Schema::default_read(kind).iter().for_each(|n| push(schema.id(n)));
        } else {
            properties.iter().for_each(|n| push(schema.id(n)));
        }
        Schema::always_read(kind).iter().for_each(|n| push(schema.id(n)));
        let mut hist: Vec<PropId> = history.iter().filter_map(|n| schema.id(n)).collect();
        hist.dedup();
        let mut assoc: Vec<ObjectKind> = associations
            .iter()
            .filter_map(|a| ObjectKind::parse(a))
            .filter(|k| *k != kind)
            .collect();
        assoc.dedup();
        ReadSpec {
            props,
            history: hist,
            associations: assoc,
        }
    }

    /// Every property of the type (for a write's echo of all it set).
    pub fn with_props(mut self, extra: impl IntoIterator<Item = PropId>) -> ReadSpec {
        for id in extra {
            if !self.props.contains(&id) {
                self.props.push(id);
            }
        }
        self
    }
}

/// The current value of a property of a record, stored or computed.
pub fn value_of<'a>(world: &'a World, kind: ObjectKind, record: &'a Record, prop: PropId) -> Option<Cow<'a, str>> {
    let def = world.schema(kind).def(prop);
    match &def.computed {
        None => record.value(prop).map(Cow::Borrowed),
        Some(rule) => computed(world, kind, record, rule).map(Cow::Owned),
    }
}

fn deal_stage<'a>(world: &'a World, record: &Record) -> Option<&'a super::content::Stage> {
    let schema = &world.deal_schema;
    let pipeline = record.value(schema.builtin_id("pipeline")).unwrap_or("default");
    let stage = record.value(schema.builtin_id("dealstage"))?;
    world.pipeline(pipeline)?.stage(stage)
}

fn computed(world: &World, kind: ObjectKind, record: &Record, rule: &Computed) -> Option<String> {
    match rule {
        Computed::ObjectId => Some(record.id.to_string()),
        Computed::LastModified => Some(iso(record.updated_ms)),
        Computed::IsClosedWon => Some(
            deal_stage(world, record)
                .is_some_and(|s| s.is_closed && s.is_won)
                .to_string(),
        ),
        Computed::IsClosed => Some(deal_stage(world, record).is_some_and(|s| s.is_closed).to_string()),
        Computed::StageProbability => deal_stage(world, record).map(|s| s.probability.to_string()),
        Computed::DateEnteredStage(stage) => {
            let dealstage = world.schema(kind).builtin_id("dealstage");
            record
                .history(dealstage)
                .iter()
                .rev()
                .find(|v| &*v.value == stage.as_str())
                .map(|v| iso(v.at_ms))
        }
    }
}

fn history_entry(v: &Version) -> Value {
    let mut entry = Map::new();
    entry.insert("value".into(), json!(v.value));
    entry.insert("timestamp".into(), json!(iso(v.at_ms)));
    entry.insert("sourceType".into(), json!(v.author.source.as_str()));
    match v.author.source {
        SourceType::CrmUi if v.author.actor != 0 => {
            entry.insert("sourceId".into(), json!(format!("userId:{}", v.author.actor)));
            entry.insert("updatedByUserId".into(), json!(v.author.actor));
        }
        _ if v.author.actor != 0 => {
            entry.insert("sourceId".into(), json!(v.author.actor.to_string()));
        }
        _ => {}
    }
    Value::Object(entry)
}

/// The history of one property, newest first.
pub fn history_of(world: &World, kind: ObjectKind, record: &Record, prop: PropId) -> Vec<Value> {
    let def = world.schema(kind).def(prop);
    if def.computed.is_some() {
        let Some(value) = value_of(world, kind, record, prop) else {
            return Vec::new();
        };
        let at: Millis = if matches!(def.computed, Some(Computed::ObjectId)) {
            record.created_ms
        } else {
            record.updated_ms
        };
        return vec![json!({ "value": value, "timestamp": iso(at), "sourceType": "CALCULATED" })];
    }
    record.history(prop).into_iter().map(history_entry).collect()
}

/// A record as HubSpot returns it.
pub fn render_object(world: &World, kind: ObjectKind, record: &Record, spec: &ReadSpec) -> Value {
    let schema = world.schema(kind);
    let mut props = Map::new();
    for &prop in &spec.props {
        let value = value_of(world, kind, record, prop)
            .map(|v| Value::String(v.into_owned()))
            .unwrap_or(Value::Null);
        props.insert(schema.def(prop).name.clone(), value);
    }
    let mut out = Map::new();
    out.insert("id".into(), json!(record.id.to_string()));
    out.insert("properties".into(), Value::Object(props));
    if !spec.history.is_empty() {
        let mut hist = Map::new();
        for &prop in &spec.history {
            hist.insert(
                schema.def(prop).name.clone(),
                Value::Array(history_of(world, kind, record, prop)),
            );
        }
        out.insert("propertiesWithHistory".into(), Value::Object(hist));
    }
    if !spec.associations.is_empty() {
        let mut assoc = Map::new();
        for &to in &spec.associations {
            let results: Vec<Value> = world
                .links
                .get(kind, record.id, to)
                .iter()
                .filter(|e| world.store(to).get(e.to).is_some())
                .flat_map(|e| {
                    AssocType::of_edge(kind, to, *e)
                        .into_iter()
                        .map(move |t| json!({ "id": e.to.to_string(), "type": t.v3_name() }))
                })
                .collect();
            if !results.is_empty() {
                assoc.insert(to.plural().into(), json!({ "results": results }));
            }
        }
        out.insert("associations".into(), Value::Object(assoc));
    }
    out.insert("createdAt".into(), json!(iso(record.created_ms)));
    out.insert("updatedAt".into(), json!(iso(record.updated_ms)));
    out.insert("archived".into(), json!(record.archived_ms.is_some()));
    if let Some(at) = record.archived_ms {
        out.insert("archivedAt".into(), json!(iso(at)));
    }
    Value::Object(out)
}

/// `paging` for a next page, or `None` on the last page.
pub fn paging(origin: &str, params: &super::request::Params, next_after: Option<String>) -> Option<Value> {
    next_after.map(|after| {
        let link = format!("{origin}{}?{}", params.path, params.with_after(&after));
        json!({ "next": { "after": after, "link": link } })
    })
}

/// A collection response: `{results, paging?}` plus extra top-level fields.
pub fn collection(results: Vec<Value>, paging: Option<Value>, extra: &[(&str, Value)]) -> Value {
    let mut out = Map::new();
    for (k, v) in extra {
        out.insert((*k).to_owned(), v.clone());
    }
    out.insert("results".into(), Value::Array(results));
    if let Some(p) = paging {
        out.insert("paging".into(), p);
    }
    Value::Object(out)
}
