//! CRM search: `POST /crm/v3/objects/{type}/search`, with HubSpot's limits and its index lag.
//!
//! Holds no state; reads the [`World`] and the search shadow. Limits, each a 400: more than 200
//! per page, more than 5 filter groups, 10 filters in a group or 25 in all, more than one sort,
//! an unknown property in a filter or sort, paging at or past the result cap (10,000). Archived
//! and merged-away records are never found. Records with writes still in flight are matched and
//! returned as search last saw them (see `lag.rs`).
//!
//! Work per request is proportional to the records a query can match, not to the dataset: a
//! range on `hs_object_id` or on the last-modified property, sorted by the same property (or
//! unsorted), walks that index's range only. Other sorts fall back to a scan.

use super::clock::Millis;
use super::errors::{ApiError, json_response};
use super::objects::kind_of;
use super::record::{ObjectKind, PropId, Record};
use super::render::{ReadSpec, render_object, value_of};
use super::request::{Ctx, JsonBody};
use super::schema::{PropType, Schema};
use super::state::{Hub, World};
use super::timefmt::parse_instant;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Bound;

/// Largest page.
pub const SEARCH_MAX: usize = 200;
const MAX_GROUPS: usize = 5;
const MAX_PER_GROUP: usize = 10;
const MAX_FILTERS: usize = 25;

/// A search request body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchBody {
    /// OR of ANDs.
    #[serde(default)]
    pub filter_groups: Vec<FilterGroup>,
    /// At most one sort.
    #[serde(default)]
    pub sorts: Vec<SortInput>,
    /// Properties to return.
    #[serde(default)]
    pub properties: Vec<String>,
    /// Page size (default 10, max 200).
    #[serde(default)]
    pub limit: Option<i64>,
    /// Offset of the page (a string; numbers accepted).
    #[serde(default)]
    pub after: Option<Value>,
    /// Free text.
    #[serde(default)]
    pub query: Option<String>,
}

/// Filters that must all match.
#[derive(Debug, Deserialize)]
pub struct FilterGroup {
    /// The filters.
    #[serde(default)]
    pub filters: Vec<FilterInput>,
}

/// One filter.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterInput {
    /// Property.
    pub property_name: String,
    /// Operator.
    pub operator: String,
    /// Operand.
    #[serde(default)]
    pub value: Option<Value>,
    /// Operands of IN / NOT_IN.
    #[serde(default)]
    pub values: Option<Vec<Value>>,
    /// Upper bound of BETWEEN.
    #[serde(default)]
    pub high_value: Option<Value>,
}

/// A sort: `{propertyName, direction}` or the string form `prop` / `-prop`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum SortInput {
    /// Object form.
    Object {
        /// Property.
        #[serde(rename = "propertyName")]
        property_name: String,
        /// `ASCENDING` (default) or `DESCENDING`.
        #[serde(default)]
        direction: Option<String>,
    },
    /// String form.
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Between,
    In,
    NotIn,
    Has,
    NotHas,
    Contains,
    NotContains,
}

const OPERATORS: &str = "EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN, NOT_CONTAINS_TOKEN";

fn parse_op(text: &str) -> Option<Op> {
    Some(match text {
        "EQ" => Op::Eq,
        "NEQ" => Op::Neq,
        "LT" => Op::Lt,
        "LTE" => Op::Lte,
        "GT" => Op::Gt,
        "GTE" => Op::Gte,
        "BETWEEN" => Op::Between,
        "IN" => Op::In,
        "NOT_IN" => Op::NotIn,
        "HAS_PROPERTY" => Op::Has,
        "NOT_HAS_PROPERTY" => Op::NotHas,
        "CONTAINS_TOKEN" => Op::Contains,
        "NOT_CONTAINS_TOKEN" => Op::NotContains,
        _ => return None,
    })
}

/// A comparable value: numbers, instants, or lower-cased text.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Num(f64),
    Time(i64),
    Text(String),
}

impl Val {
    fn cmp(&self, other: &Val) -> Option<Ordering> {
        match (self, other) {
            (Val::Num(a), Val::Num(b)) => a.partial_cmp(b),
            (Val::Time(a), Val::Time(b)) => Some(a.cmp(b)),
            (Val::Text(a), Val::Text(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

fn parse_val(kind: PropType, text: &str) -> Option<Val> {
    match kind {
        PropType::Number => text.trim().parse::<f64>().ok().filter(|n| n.is_finite()).map(Val::Num),
        PropType::Date | PropType::Datetime => parse_instant(text).map(Val::Time),
        PropType::String | PropType::Enumeration | PropType::Bool => Some(Val::Text(text.to_lowercase())),
    }
}

fn operand_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[derive(Debug)]
struct Filter {
    prop: PropId,
    kind: PropType,
    multi: bool,
    op: Op,
    operands: Vec<Val>,
    tokens: Vec<String>,
}

fn bad_filter(message: String) -> ApiError {
    ApiError::validation(message).sub_category("crm.search.INVALID_FILTER")
}

fn compile(schema: &Schema, input: &FilterInput) -> Result<Filter, ApiError> {
    let prop = schema.id(&input.property_name).ok_or_else(|| {
        bad_filter(format!(
            "Invalid filter: property {} does not exist",
            input.property_name
        ))
        .context("propertyName", vec![input.property_name.clone()])
    })?;
    let def = schema.def(prop);
    let op = parse_op(&input.operator).ok_or_else(|| {
        bad_filter(format!(
            "Invalid filter operator {}: expected one of {OPERATORS}",
            input.operator
        ))
    })?;
    let need = |v: &Option<Value>, what: &str| {
        v.as_ref().filter(|v| !v.is_null()).map(operand_text).ok_or_else(|| {
            bad_filter(format!(
                "Invalid filter on {}: operator {} needs a {what}",
                input.property_name, input.operator
            ))
        })
    };
    let typed = |text: String| {
        parse_val(def.kind, &text).ok_or_else(|| {
            bad_filter(format!(
                "Invalid filter on {}: {text} is not a valid {} value",
                input.property_name,
                def.kind.as_str()
            ))
        })
    };
    let mut operands = Vec::new();
    let mut tokens = Vec::new();
    match op {
        Op::Has | Op::NotHas => {}
        Op::Contains | Op::NotContains => tokens.push(need(&input.value, "value")?.to_lowercase()),
        Op::In | Op::NotIn => {
            let values = input.values.as_ref().filter(|v| !v.is_empty()).ok_or_else(|| {
                bad_filter(format!(
                    "Invalid filter on {}: operator {} needs values",
                    input.property_name, input.operator
                ))
            })?;
            for v in values {
                operands.push(typed(operand_text(v))?);
            }
        }
        Op::Between => {
            operands.push(typed(need(&input.value, "value")?)?);
            operands.push(typed(need(&input.high_value, "highValue")?)?);
        }
        _ => operands.push(typed(need(&input.value, "value")?)?),
    }
    Ok(Filter {
        prop,
        kind: def.kind,
        multi: def.is_multi(),
        op,
        operands,
        tokens,
    })
}

/// Token match: `*` is a wildcard over the whole value; otherwise any word of the value.
fn contains_token(text: &str, token: &str) -> bool {
    if token.contains('*') {
        return glob(token, text) || text.split_whitespace().any(|w| glob(token, w));
    }
    text == token || text.split(|c: char| !c.is_alphanumeric()).any(|w| w == token)
}

fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else { return false };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

impl Filter {
    fn matches(&self, world: &World, kind: ObjectKind, record: &Record) -> bool {
        let raw = value_of(world, kind, record, self.prop).filter(|v| !v.is_empty());
        let Some(raw) = raw else {
            return matches!(self.op, Op::NotHas | Op::Neq | Op::NotIn | Op::NotContains);
        };
        let lowered = raw.to_lowercase();
        let values: Vec<Option<Val>> = if self.multi {
            lowered.split(';').map(|v| parse_val(self.kind, v)).collect()
        } else {
            vec![parse_val(self.kind, &raw)]
        };
        let any = |f: &dyn Fn(&Val) -> bool| values.iter().flatten().any(f);
        let eq = |a: &Val, b: &Val| a.cmp(b) == Some(Ordering::Equal);
        match self.op {
            Op::Has => true,
            Op::NotHas => false,
            Op::Eq => any(&|v| eq(v, &self.operands[0])),
            Op::Neq => !any(&|v| eq(v, &self.operands[0])),
            Op::Lt => any(&|v| v.cmp(&self.operands[0]) == Some(Ordering::Less)),
            Op::Lte => any(&|v| matches!(v.cmp(&self.operands[0]), Some(Ordering::Less | Ordering::Equal))),
            Op::Gt => any(&|v| v.cmp(&self.operands[0]) == Some(Ordering::Greater)),
            Op::Gte => any(&|v| matches!(v.cmp(&self.operands[0]), Some(Ordering::Greater | Ordering::Equal))),
            Op::Between => any(&|v| {
                matches!(v.cmp(&self.operands[0]), Some(Ordering::Greater | Ordering::Equal))
                    && matches!(v.cmp(&self.operands[1]), Some(Ordering::Less | Ordering::Equal))
            }),
            Op::In => any(&|v| self.operands.iter().any(|o| eq(v, o))),
            Op::NotIn => !any(&|v| self.operands.iter().any(|o| eq(v, o))),
            Op::Contains => contains_token(&lowered, &self.tokens[0]),
            Op::NotContains => !contains_token(&lowered, &self.tokens[0]),
        }
    }
}

/// The compiled query.
struct Query {
    groups: Vec<Vec<Filter>>,
    text: Vec<(PropId, String)>,
    terms: Vec<String>,
}

impl Query {
    fn matches(&self, world: &World, kind: ObjectKind, record: &Record) -> bool {
        let groups_ok = self.groups.is_empty()
            || self
                .groups
                .iter()
                .any(|g| g.iter().all(|f| f.matches(world, kind, record)));
        groups_ok
            && self.terms.iter().all(|term| {
                self.text.iter().any(|(prop, _)| {
                    value_of(world, kind, record, *prop).is_some_and(|v| {
                        let v = v.to_lowercase();
                        v.starts_with(term.as_str())
                            || v.split(|c: char| !c.is_alphanumeric())
                                .any(|w| w.starts_with(term.as_str()))
                    })
                })
            })
    }
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Order {
    Id,
    Modified,
    Prop(PropId, PropType),
}

/// A sort key of one record.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Id(u64),
    Modified(Millis, u64),
    Prop(Option<Val>, u64),
}

fn key_of(world: &World, kind: ObjectKind, record: &Record, order: Order) -> Key {
    match order {
        Order::Id => Key::Id(record.id),
        Order::Modified => Key::Modified(record.updated_ms, record.id),
        Order::Prop(prop, t) => Key::Prop(
            value_of(world, kind, record, prop).and_then(|v| parse_val(t, &v)),
            record.id,
        ),
    }
}

/// Compares keys in the requested direction; missing values sort last either way.
fn compare(a: &Key, b: &Key, descending: bool) -> Ordering {
    let flip = |o: Ordering| if descending { o.reverse() } else { o };
    match (a, b) {
        (Key::Id(x), Key::Id(y)) => flip(x.cmp(y)),
        (Key::Modified(t1, i1), Key::Modified(t2, i2)) => flip((t1, i1).cmp(&(t2, i2))),
        (Key::Prop(v1, i1), Key::Prop(v2, i2)) => match (v1, v2) {
            (Some(x), Some(y)) => flip(x.cmp(y).unwrap_or(Ordering::Equal).then(i1.cmp(i2))),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => flip(i1.cmp(i2)),
        },
        _ => Ordering::Equal,
    }
}

/// Bounds on one indexed property implied by the filters (when there is a single group).
fn bounds(query: &Query, prop: PropId) -> (Bound<i128>, Bound<i128>) {
    let mut lo: Bound<i128> = Bound::Unbounded;
    let mut hi: Bound<i128> = Bound::Unbounded;
    if query.groups.len() != 1 {
        return (lo, hi);
    }
    let tighten_lo = |lo: &mut Bound<i128>, b: Bound<i128>| {
        let better = match (&*lo, &b) {
            (Bound::Unbounded, _) => true,
            (Bound::Included(a) | Bound::Excluded(a), Bound::Included(c) | Bound::Excluded(c)) => c > a,
            _ => false,
        };
        if better {
            *lo = b;
        }
    };
    let tighten_hi = |hi: &mut Bound<i128>, b: Bound<i128>| {
        let better = match (&*hi, &b) {
            (Bound::Unbounded, _) => true,
            (Bound::Included(a) | Bound::Excluded(a), Bound::Included(c) | Bound::Excluded(c)) => c < a,
            _ => false,
        };
        if better {
            *hi = b;
        }
    };
    for f in query.groups[0].iter().filter(|f| f.prop == prop) {
        let n = |v: &Val| match v {
            Val::Num(x) => Some(x.floor() as i128),
            Val::Time(t) => Some(i128::from(*t)),
            Val::Text(_) => None,
        };
        // Ranges are widened by one unit where a fractional operand could round: the filter
        // itself still decides each record, the bound only limits which records are looked at.
        match (f.op, f.operands.first().and_then(n)) {
            (Op::Gt | Op::Gte, Some(v)) => tighten_lo(&mut lo, Bound::Included(v)),
            (Op::Lt | Op::Lte, Some(v)) => tighten_hi(&mut hi, Bound::Included(v + 1)),
            (Op::Eq, Some(v)) => {
                tighten_lo(&mut lo, Bound::Included(v));
                tighten_hi(&mut hi, Bound::Included(v + 1));
            }
            (Op::Between, Some(v)) => {
                tighten_lo(&mut lo, Bound::Included(v));
                if let Some(h) = f.operands.get(1).and_then(n) {
                    tighten_hi(&mut hi, Bound::Included(h + 1));
                }
            }
            _ => {}
        }
    }
    (lo, hi)
}

fn clamp_u64(b: Bound<i128>) -> Bound<u64> {
    match b {
        Bound::Unbounded => Bound::Unbounded,
        Bound::Included(v) | Bound::Excluded(v) => Bound::Included(v.clamp(0, i128::from(u64::MAX)) as u64),
    }
}

fn clamp_ms(b: Bound<i128>, id: u64) -> Bound<(Millis, u64)> {
    match b {
        Bound::Unbounded => Bound::Unbounded,
        Bound::Included(v) | Bound::Excluded(v) => {
            Bound::Included((v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64, id))
        }
    }
}

/// The matching records in order: index walk merged with the versions search sees of records
/// with writes in flight.
fn matches<'w>(
    world: &'w World,
    kind: ObjectKind,
    query: &Query,
    order: Order,
    descending: bool,
    now: Millis,
) -> Vec<&'w Record> {
    let store = world.store(kind);
    let stale: HashMap<u64, Option<&Record>> = store.shadow.stale(now).collect();
    let visible = |r: &&Record| !stale.contains_key(&r.id) && query.matches(world, kind, r);
    let mut primary: Vec<&Record> = match order {
        Order::Id => {
            let (lo, hi) = bounds(query, world.schema(kind).builtin_id("hs_object_id"));
            let (lo, hi) = (
                clamp_u64(lo),
                match clamp_u64(hi) {
                    Bound::Included(h) => Bound::Excluded(h),
                    other => other,
                },
            );
            let range = store.live_range((lo, hi));
            if descending {
                range.rev().filter(visible).collect()
            } else {
                range.filter(visible).collect()
            }
        }
        Order::Modified => {
            let (lo, hi) = bounds(query, world.schema(kind).builtin_id(kind.modified_property()));
            let range = store.by_modified((
                clamp_ms(lo, 0),
                match clamp_ms(hi, 0) {
                    Bound::Included(h) => Bound::Excluded(h),
                    other => other,
                },
            ));
            if descending {
                range.rev().filter(visible).collect()
            } else {
                range.filter(visible).collect()
            }
        }
        Order::Prop(..) => {
            let mut all: Vec<(Key, &Record)> = store
                .all_live()
                .filter(visible)
                .map(|r| (key_of(world, kind, r, order), r))
                .collect();
            all.sort_by(|a, b| compare(&a.0, &b.0, descending));
            all.into_iter().map(|(_, r)| r).collect()
        }
    };
    if stale.is_empty() {
        return primary;
    }
    let mut late: Vec<(Key, &Record)> = stale
        .values()
        .flatten()
        .filter(|r| r.archived_ms.is_none() && query.matches(world, kind, r))
        .map(|r| (key_of(world, kind, r, order), *r))
        .collect();
    late.sort_by(|a, b| compare(&a.0, &b.0, descending));
    let mut merged = Vec::with_capacity(primary.len() + late.len());
    let mut late = late.into_iter().peekable();
    for r in primary.drain(..) {
        let k = key_of(world, kind, r, order);
        while late
            .peek()
            .is_some_and(|(lk, _)| compare(lk, &k, descending) == Ordering::Less)
        {
            if let Some((_, lr)) = late.next() {
                merged.push(lr);
            }
        }
        merged.push(r);
    }
    merged.extend(late.map(|(_, r)| r));
    merged
}

fn parse_after(after: &Option<Value>) -> Result<usize, ApiError> {
    match after {
        None | Some(Value::Null) => Ok(0),
        Some(v) => {
            let text = operand_text(v);
            if text.is_empty() {
                return Ok(0);
            }
            text.trim()
                .parse::<usize>()
                .map_err(|_| ApiError::validation(format!("Invalid after value: {text}")).context("after", vec![text]))
        }
    }
}

/// `POST /crm/v3/objects/{type}/search`.
pub async fn search(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path(object_type): Path<String>,
    JsonBody(body): JsonBody<SearchBody>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let limit = match body.limit {
        None => 10,
        Some(n) if n < 0 => return Err(ApiError::validation(format!("limit must be at least 0, got {n}"))),
        Some(n) if n as usize > SEARCH_MAX => {
            return Err(
                ApiError::validation(format!("limit must be less than or equal to {SEARCH_MAX}, got {n}"))
                    .context("limit", vec![n.to_string()]),
            );
        }
        Some(n) => n as usize,
    };
    let offset = parse_after(&body.after)?;
    if body.filter_groups.len() > MAX_GROUPS {
        return Err(bad_filter(format!(
            "Too many filter groups: {} (at most {MAX_GROUPS})",
            body.filter_groups.len()
        )));
    }
    if let Some(g) = body.filter_groups.iter().find(|g| g.filters.len() > MAX_PER_GROUP) {
        return Err(bad_filter(format!(
            "Too many filters in a filter group: {} (at most {MAX_PER_GROUP})",
            g.filters.len()
        )));
    }
    let total_filters: usize = body.filter_groups.iter().map(|g| g.filters.len()).sum();
    if total_filters > MAX_FILTERS {
        return Err(bad_filter(format!(
            "Too many filters: {total_filters} (at most {MAX_FILTERS} across all filter groups)"
        )));
    }
    if body.sorts.len() > 1 {
        return Err(ApiError::validation(format!(
            "Only one sort is supported, got {}",
            body.sorts.len()
        )));
    }
    let cap = hub.edges().search_result_cap;
    if let Some(cap) = cap
        && offset >= cap
    {
        return Err(ApiError::validation(format!(
                "The search results are capped at {cap}: paging past result {cap} is not allowed. Narrow the query with filters (for example on hs_object_id) instead"
            ))
            .sub_category("crm.search.RESULTS_LIMIT_EXCEEDED")
            .context("after", vec![offset.to_string()]));
    }
    let world = hub.read();
    let schema = world.schema(kind);
    let mut groups = Vec::new();
    for g in &body.filter_groups {
        groups.push(
            g.filters
                .iter()
                .map(|f| compile(schema, f))
                .collect::<Result<Vec<_>, _>>()?,
        );
    }
    groups.retain(|g: &Vec<Filter>| !g.is_empty());
    let terms: Vec<String> = body
        .query
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    let text = Schema::text_searchable(kind)
        .iter()
        .filter_map(|n| schema.id(n).map(|p| (p, (*n).to_owned())))
        .collect();
    let query = Query { groups, text, terms };
    let (order, descending) = match body.sorts.first() {
        None => (Order::Id, false),
        Some(sort) => {
            let (name, desc) = match sort {
                SortInput::Object {
                    property_name,
                    direction,
                } => {
                    let desc = match direction.as_deref().unwrap_or("ASCENDING") {
                        "ASCENDING" => false,
                        "DESCENDING" => true,
                        other => {
                            return Err(ApiError::validation(format!(
                                "Invalid sort direction {other}: expected ASCENDING or DESCENDING"
                            )));
                        }
                    };
                    (property_name.clone(), desc)
                }
                SortInput::Text(t) => match t.strip_prefix('-') {
                    Some(name) => (name.to_owned(), true),
                    None => (t.clone(), false),
                },
            };
            let prop = schema
                .id(&name)
                .ok_or_else(|| ApiError::validation(format!("Invalid sort: property {name} does not exist")))?;
            let order = if name == "hs_object_id" {
                Order::Id
            } else if name == kind.modified_property() {
                Order::Modified
            } else {
                Order::Prop(prop, schema.def(prop).kind)
            };
            (order, desc)
        }
    };
    let found = matches(&world, kind, &query, order, descending, ctx.now_ms);
    let total = found.len();
    let room = cap.map_or(usize::MAX, |c| c - offset);
    let page: Vec<&Record> = found.iter().skip(offset).take(limit.min(room)).copied().collect();
    let spec = ReadSpec::new(schema, kind, &body.properties, &[], &[]);
    let results: Vec<Value> = page.iter().map(|r| render_object(&world, kind, r, &spec)).collect();
    let next = offset + page.len();
    let mut out = serde_json::Map::new();
    out.insert("total".into(), json!(total));
    out.insert("results".into(), Value::Array(results));
    if next < total && !page.is_empty() {
        out.insert("paging".into(), json!({ "next": { "after": next.to_string() } }));
    }
    Ok(json_response(StatusCode::OK, &Value::Object(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_wildcards() {
        assert!(contains_token("jo@acme.com", "acme"));
        assert!(contains_token("jo@acme.com", "*@acme.com"));
        assert!(!contains_token("jo@acme.com", "*@other.com"));
        assert!(contains_token("the big deal", "big"));
        assert!(!contains_token("the big deal", "bi"));
        assert!(glob("a*c", "abbbc"));
        assert!(!glob("a*c", "abbbd"));
    }

    #[test]
    fn missing_values_sort_last_both_ways() {
        let a = Key::Prop(Some(Val::Num(1.0)), 1);
        let b = Key::Prop(None, 2);
        assert_eq!(compare(&a, &b, false), Ordering::Less);
        assert_eq!(compare(&a, &b, true), Ordering::Less);
    }
}
