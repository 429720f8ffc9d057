//! CRM search: `POST /crm/v3/objects/{type}/search`, with HubSpot's limits and its index lag.
//!
//! Holds no state; reads the [`World`] and the search shadow. Limits, each a 400: more than 200
//! per page, more than 5 filter groups, 10 filters in a group or 25 in all, more than one sort,
//! an unknown property in a filter or sort, paging at or past the result cap (10,000). Archived
//! and merged-away records are never found. Records with writes still in flight are matched and
//! returned as search last saw them (see `lag.rs`).
//!
//! Work per request does not grow with the dataset for the queries a sync makes: a query that is
//! only a range on `hs_object_id` or on the last-modified property, sorted by that property (or
//! unsorted), is answered from the index's ranks — `total` and the `after` offset included — in
//! O(log n + page). A query with other filters walks that index's range (O(range)); any other
//! sort scans every live record.

use super::clock::Millis;
use super::errors::{ApiError, json_response};
use super::objects::kind_of;
use super::record::{ObjectKind, PropId, Record};
use super::render::{ReadSpec, render_object, value_of};
use super::request::{Ctx, JsonBody};
use super::schema::{Computed, PropType, Schema};
use super::state::{Hub, World};
use super::timefmt::parse_instant;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use std::cmp::Ordering;
use std::collections::HashMap;

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

/// A record's value, typed for comparison, borrowed rather than copied: a scan over a million
/// records must not allocate per record.
enum Seen<'a> {
    Num(f64),
    Time(i64),
    Text(&'a str),
}

impl Seen<'_> {
    fn cmp(&self, other: &Val) -> Option<Ordering> {
        match (self, other) {
            (Seen::Num(a), Val::Num(b)) => a.partial_cmp(b),
            (Seen::Time(a), Val::Time(b)) => Some(a.cmp(b)),
            // Operands are lower-cased when compiled; values are lowered as they are compared.
            (Seen::Text(a), Val::Text(b)) => Some(a.chars().flat_map(char::to_lowercase).cmp(b.chars())),
            _ => None,
        }
    }
}

fn seen(kind: PropType, text: &str) -> Option<Seen<'_>> {
    match kind {
        PropType::Number => text.trim().parse::<f64>().ok().filter(|n| n.is_finite()).map(Seen::Num),
        PropType::Date | PropType::Datetime => parse_instant(text).map(Seen::Time),
        PropType::String | PropType::Enumeration | PropType::Bool => Some(Seen::Text(text)),
    }
}

impl Filter {
    fn matches(&self, world: &World, kind: ObjectKind, record: &Record) -> bool {
        // The record's own fields answer the two indexed properties without formatting them.
        let direct = match world.schema(kind).def(self.prop).computed {
            Some(Computed::ObjectId) => Some(Seen::Num(record.id as f64)),
            Some(Computed::LastModified) => Some(Seen::Time(record.updated_ms)),
            _ => None,
        };
        let raw = if direct.is_some() {
            None
        } else {
            value_of(world, kind, record, self.prop).filter(|v| !v.is_empty())
        };
        if direct.is_none() && raw.is_none() {
            return matches!(self.op, Op::NotHas | Op::Neq | Op::NotIn | Op::NotContains);
        }
        if let Op::Contains | Op::NotContains = self.op {
            let lowered = raw.as_deref().unwrap_or("").to_lowercase();
            return contains_token(&lowered, &self.tokens[0]) == (self.op == Op::Contains);
        }
        // One value, or several for checkbox enumerations; only the latter needs a vector.
        let mut several: Vec<Seen<'_>> = Vec::new();
        let one: Option<Seen<'_>> = match (direct, raw.as_deref()) {
            (Some(d), _) => Some(d),
            (None, Some(text)) if self.multi => {
                several.extend(text.split(';').filter_map(|v| seen(self.kind, v)));
                None
            }
            (None, Some(text)) => seen(self.kind, text),
            (None, None) => None,
        };
        let values: &[Seen<'_>] = match &one {
            Some(v) => std::slice::from_ref(v),
            None => &several,
        };
        let any = |f: &dyn Fn(&Seen<'_>) -> bool| values.iter().any(f);
        let is = |v: &Seen<'_>, o: &Val, wanted: &[Ordering]| v.cmp(o).is_some_and(|c| wanted.contains(&c));
        use Ordering::{Equal, Greater, Less};
        match self.op {
            Op::Has => true,
            Op::NotHas => false,
            Op::Eq => any(&|v| is(v, &self.operands[0], &[Equal])),
            Op::Neq => !any(&|v| is(v, &self.operands[0], &[Equal])),
            Op::Lt => any(&|v| is(v, &self.operands[0], &[Less])),
            Op::Lte => any(&|v| is(v, &self.operands[0], &[Less, Equal])),
            Op::Gt => any(&|v| is(v, &self.operands[0], &[Greater])),
            Op::Gte => any(&|v| is(v, &self.operands[0], &[Greater, Equal])),
            Op::Between => {
                any(&|v| is(v, &self.operands[0], &[Greater, Equal]) && is(v, &self.operands[1], &[Less, Equal]))
            }
            Op::In => any(&|v| self.operands.iter().any(|o| is(v, o, &[Equal]))),
            Op::NotIn => !any(&|v| self.operands.iter().any(|o| is(v, o, &[Equal]))),
            Op::Contains | Op::NotContains => false,
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

/// The range of one indexed property the filters allow, as `[lo, hi)` in its integer units,
/// and whether that range is the whole query (a single group of range filters on that property
/// only, no free text): then the index alone answers it.
fn range_of(query: &Query, prop: PropId) -> (i128, i128, bool) {
    let (mut lo, mut hi) = (i128::MIN, i128::MAX);
    if query.groups.len() > 1 {
        return (lo, hi, false);
    }
    let mut exact = query.terms.is_empty();
    for f in query.groups.iter().flatten() {
        let int = |v: &Val| match v {
            Val::Num(x) if x.fract() == 0.0 => Some(*x as i128),
            Val::Time(t) => Some(i128::from(*t)),
            _ => None,
        };
        let first = f.operands.first().and_then(int);
        let second = f.operands.get(1).and_then(int);
        if f.prop != prop {
            exact = false;
            continue;
        }
        match (f.op, first) {
            (Op::Gt, Some(v)) => lo = lo.max(v + 1),
            (Op::Gte, Some(v)) => lo = lo.max(v),
            (Op::Lt, Some(v)) => hi = hi.min(v),
            (Op::Lte, Some(v)) => hi = hi.min(v + 1),
            (Op::Eq, Some(v)) => {
                lo = lo.max(v);
                hi = hi.min(v + 1);
            }
            (Op::Between, Some(v)) if second.is_some() => {
                lo = lo.max(v);
                hi = hi.min(second.unwrap_or(v) + 1);
            }
            // Anything else on the property (IN, HAS_PROPERTY, a fractional bound...) is left to
            // the filter itself, record by record.
            _ => exact = false,
        }
    }
    (lo, hi, exact)
}

/// `[lo, hi)` of an index as ranks.
fn ranks(world: &World, kind: ObjectKind, order: Order, lo: i128, hi: i128) -> (usize, usize) {
    let store = world.store(kind);
    match order {
        Order::Id => {
            let set = store.id_index();
            let rank = |v: i128| {
                if v == i128::MAX {
                    set.len()
                } else {
                    set.rank(&(v.clamp(0, i128::from(u64::MAX)) as u64))
                }
            };
            (rank(lo), rank(hi))
        }
        _ => {
            let set = store.modified_index();
            let rank = |v: i128| {
                if v == i128::MAX {
                    set.len()
                } else {
                    set.rank(&(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64, 0))
                }
            };
            (rank(lo), rank(hi))
        }
    }
}

/// The records at ranks `[from, to)` of an index, ascending or descending, lazily.
fn by_rank<'w>(
    world: &'w World,
    kind: ObjectKind,
    order: Order,
    from: usize,
    to: usize,
    descending: bool,
) -> Box<dyn Iterator<Item = &'w Record> + 'w> {
    let store = world.store(kind);
    let ids: Box<dyn Iterator<Item = u64> + 'w> = match (order, descending) {
        (Order::Id, false) => Box::new(store.id_index().range_by_rank(from, to)),
        (Order::Id, true) => Box::new(store.id_index().range_by_rank_rev(from, to)),
        (_, false) => Box::new(store.modified_index().range_by_rank(from, to).map(|(_, id)| id)),
        (_, true) => Box::new(store.modified_index().range_by_rank_rev(from, to).map(|(_, id)| id)),
    };
    Box::new(ids.filter_map(move |id| store.get(id)))
}

/// Runs a query: the total number of matches and the page `[offset, offset + take)`.
///
/// A query that is only a range on the index it is sorted by (the incremental-sync shape) is
/// answered from the index's ranks: O(log n + page). Other queries walk the candidate range,
/// evaluating every filter. Records with writes in flight are matched as search last saw them.
#[allow(clippy::too_many_arguments)]
fn run<'w>(
    world: &'w World,
    kind: ObjectKind,
    query: &Query,
    order: Order,
    descending: bool,
    offset: usize,
    take: usize,
    now: Millis,
) -> (usize, Vec<&'w Record>) {
    let store = world.store(kind);
    let stale: HashMap<u64, Option<&Record>> = store.shadow.stale(now).collect();
    let visible = |r: &&Record| !stale.contains_key(&r.id) && query.matches(world, kind, r);
    let candidates: Box<dyn Iterator<Item = &Record>> = match order {
        Order::Id | Order::Modified => {
            let prop = world.schema(kind).builtin_id(if order == Order::Id {
                "hs_object_id"
            } else {
                kind.modified_property()
            });
            let (lo, hi, exact) = range_of(query, prop);
            let (lo_rank, hi_rank) = ranks(world, kind, order, lo, hi);
            if exact && stale.is_empty() {
                let total = hi_rank.saturating_sub(lo_rank);
                let (from, to) = if descending {
                    let end = hi_rank.saturating_sub(offset).max(lo_rank);
                    (end.saturating_sub(take).max(lo_rank), end)
                } else {
                    let start = (lo_rank + offset).min(hi_rank);
                    (start, (start + take).min(hi_rank))
                };
                return (total, by_rank(world, kind, order, from, to, descending).collect());
            }
            if order == Order::Id {
                // Walking the id-ordered map directly spares a lookup per candidate.
                let clamp = |v: i128| v.clamp(0, i128::from(u64::MAX)) as u64;
                let range = (
                    std::ops::Bound::Included(clamp(lo)),
                    if hi == i128::MAX {
                        std::ops::Bound::Unbounded
                    } else {
                        std::ops::Bound::Excluded(clamp(hi))
                    },
                );
                if descending {
                    Box::new(store.live_range(range).rev())
                } else {
                    Box::new(store.live_range(range))
                }
            } else {
                by_rank(world, kind, order, lo_rank, hi_rank, descending)
            }
        }
        Order::Prop(..) => {
            let mut all: Vec<(Key, &Record)> = store
                .all_live()
                .filter(visible)
                .map(|r| (key_of(world, kind, r, order), r))
                .collect();
            all.sort_by(|a, b| compare(&a.0, &b.0, descending));
            Box::new(all.into_iter().map(|(_, r)| r))
        }
    };
    if stale.is_empty() {
        let mut total = 0;
        let mut page = Vec::with_capacity(take.min(SEARCH_MAX));
        for r in candidates.filter(visible) {
            if total >= offset && page.len() < take {
                page.push(r);
            }
            total += 1;
        }
        return (total, page);
    }
    let primary: Vec<&Record> = candidates.filter(visible).collect();
    let mut late: Vec<(Key, &Record)> = stale
        .values()
        .flatten()
        .filter(|r| r.archived_ms.is_none() && query.matches(world, kind, r))
        .map(|r| (key_of(world, kind, r, order), *r))
        .collect();
    late.sort_by(|a, b| compare(&a.0, &b.0, descending));
    let mut merged = Vec::with_capacity(primary.len() + late.len());
    let mut late = late.into_iter().peekable();
    for r in primary {
        let k = key_of(world, kind, r, order);
        while let Some((_, lr)) = late.next_if(|(lk, _)| compare(lk, &k, descending) == Ordering::Less) {
            merged.push(lr);
        }
        merged.push(r);
    }
    merged.extend(late.map(|(_, r)| r));
    let total = merged.len();
    (total, merged.into_iter().skip(offset).take(take).collect())
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
    let room = cap.map_or(usize::MAX, |c| c - offset);
    let (total, page) = run(
        &world,
        kind,
        &query,
        order,
        descending,
        offset,
        limit.min(room),
        ctx.now_ms,
    );
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
