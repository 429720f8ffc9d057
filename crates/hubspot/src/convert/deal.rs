//! Deals: a HubSpot deal into a `Deal` with its stage history, and pipelines into `Pipeline`s.
//!
//! Holds no state. A deal needs a valid id, a stage, a creation time and a modification time; an
//! amount, when set, must be a plain decimal number. Won and lost come from HubSpot's own flags
//! (`hs_is_closed`, `hs_is_closed_won`) or, failing those, from the stage's pipeline metadata
//! (closed, and won when its probability is 1). The stage history (`propertiesWithHistory` of
//! `dealstage`) becomes one `StageChange` per entry, with the amount in force at that moment.

use super::{Props, Reject, clip, not_future, parse_time};
use crate::wire::{self, CrmObject, HistoryEntry};
use closedloop_core::Timestamp;
use closedloop_core::catalog::{Pipeline, PipelineStage};
use closedloop_core::deal::{Deal, StageChange, StageValue};
use closedloop_core::ids::{ExternalId, HubSpotId};
use closedloop_core::money::{Currency, Money};
use closedloop_core::page::{Record, Snapshot};
use closedloop_core::stage::{DealStatus, StageRef};
use closedloop_core::system::{ObjectType, System};
use serde_json::Value;
use std::collections::HashMap;

/// The deal properties closedloop reads.
pub const PROPERTIES: [&str; 14] = [
    "dealname",
    "dealstage",
    "pipeline",
    "amount",
    "deal_currency_code",
    "closedate",
    "hs_is_closed",
    "hs_is_closed_won",
    "closed_lost_reason",
    "closed_won_reason",
    "createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
    "hubspot_owner_id",
];

/// The properties whose history is read.
pub const HISTORY: [&str; 2] = ["dealstage", "amount"];

/// What closedloop needs to know of each stage: closed, won.
#[derive(Debug, Clone, Default)]
pub struct PipelineIndex {
    stages: HashMap<(String, String), (bool, bool)>,
}

fn meta_text(stage: &wire::PipelineStage, key: &str) -> Option<String> {
    stage.metadata.get(key).and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// A pipeline stage's closed and won flags and probability, from its metadata strings.
fn stage_flags(stage: &wire::PipelineStage) -> (bool, bool, Option<f64>) {
    let closed = meta_text(stage, "isClosed").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let probability = meta_text(stage, "probability")
        .and_then(|p| p.trim().parse::<f64>().ok())
        .filter(|p| p.is_finite() && (0.0..=1.0).contains(p));
    let won = closed && probability.is_some_and(|p| p >= 1.0);
    (closed, won, probability)
}

impl PipelineIndex {
    /// Indexes the stages of `pipelines`.
    pub(crate) fn new(pipelines: &[wire::Pipeline]) -> Self {
        let mut stages = HashMap::new();
        for p in pipelines {
            for s in &p.stages {
                let (closed, won, _) = stage_flags(s);
                stages.insert((p.id.clone(), s.id.clone()), (closed, won));
            }
        }
        PipelineIndex { stages }
    }

    /// The closed and won flags of a stage, when the stage is known.
    pub fn flags(&self, pipeline: &str, stage: &str) -> Option<(bool, bool)> {
        self.stages.get(&(pipeline.to_owned(), stage.to_owned())).copied()
    }
}

/// A pipeline as closedloop keeps it.
pub(crate) fn pipeline(p: &wire::Pipeline) -> Pipeline {
    let mut stages: Vec<PipelineStage> = p
        .stages
        .iter()
        .filter(|s| !s.archived)
        .map(|s| {
            let (is_closed, is_won, probability) = stage_flags(s);
            PipelineStage {
                id: s.id.clone(),
                label: s.label.clone(),
                display_order: s.display_order,
                probability,
                is_closed,
                is_won,
            }
        })
        .collect();
    stages.sort_by_key(|s| s.display_order);
    Pipeline {
        system: System::HubSpot,
        id: p.id.clone(),
        label: p.label.clone(),
        stages,
        updated_at: p.updated_at.as_deref().and_then(parse_time),
    }
}

fn flag(props: &Props<'_>, name: &str) -> Result<Option<bool>, String> {
    Ok(match props.text(name)? {
        None => None,
        Some(v) if v.trim().eq_ignore_ascii_case("true") => Some(true),
        Some(v) if v.trim().eq_ignore_ascii_case("false") => Some(false),
        Some(v) => return Err(format!("{name} {:?} is not true or false", clip(v))),
    })
}

/// The history of one property, oldest first, with readable timestamps only.
fn history<'a>(object: &'a CrmObject, name: &str) -> Vec<(Timestamp, &'a HistoryEntry)> {
    let mut entries: Vec<(Timestamp, &HistoryEntry)> = object
        .properties_with_history
        .get(name)
        .map(|h| {
            h.iter()
                .filter_map(|e| parse_time(&e.timestamp).map(|t| (t, e)))
                .collect()
        })
        .unwrap_or_default();
    entries.sort_by_key(|(t, _)| *t);
    entries
}

/// Converts one deal. `contacts` replaces the object's own associations when given (a v4 read).
pub fn convert(
    raw: &Value,
    contacts: Option<&[HubSpotId]>,
    pipelines: &PipelineIndex,
    now: Timestamp,
) -> Result<(Vec<Record>, Snapshot), Reject> {
    let object: CrmObject = serde_json::from_value(raw.clone()).map_err(|e| {
        Reject::new(
            raw.get("id").and_then(Value::as_str),
            format!("not a hubspot object: {e}"),
        )
    })?;
    let id = HubSpotId::parse(&object.id).map_err(|e| Reject::new(Some(&object.id), e.to_string()))?;
    let reject = |reason: String| Reject::new(Some(id.as_str()), reason);
    let props = Props::new(&object.properties);
    let key = ExternalId::hubspot(ObjectType::Deal, &id);

    let pipeline = props
        .owned("pipeline")
        .map_err(reject)?
        .unwrap_or_else(|| "default".to_owned());
    let stage_id = props
        .owned("dealstage")
        .map_err(reject)?
        .ok_or_else(|| reject("deal has no dealstage".into()))?;
    let known = pipelines.flags(&pipeline, &stage_id);
    let closed = flag(&props, "hs_is_closed").map_err(reject)?.or(known.map(|k| k.0));
    let won = flag(&props, "hs_is_closed_won").map_err(reject)?.or(known.map(|k| k.1));
    let status = match (closed, won) {
        (Some(c), w) => DealStatus::from_flags(c || w == Some(true), w.unwrap_or(false)),
        (None, Some(true)) => DealStatus::Won,
        (None, _) => {
            return Err(reject(format!(
                "stage {stage_id:?} of pipeline {pipeline:?} is unknown"
            )));
        }
    };
    let currency = match props.text("deal_currency_code").map_err(reject)? {
        None => Currency::USD,
        Some(c) => Currency::parse(c).map_err(|e| reject(e.to_string()))?,
    };
    let amount = match props.text("amount").map_err(reject)? {
        None => None,
        Some(a) => Some(Money::parse(a, currency).map_err(|e| reject(format!("amount: {e}")))?),
    };
    let close_date = props.time("closedate").map_err(reject)?.map(|t| t.date_naive());
    let close_reason = match status {
        DealStatus::Lost => props.owned("closed_lost_reason").map_err(reject)?,
        DealStatus::Won => props.owned("closed_won_reason").map_err(reject)?,
        DealStatus::Open => None,
    };
    let created_at = match props.time("createdate").map_err(reject)? {
        Some(t) => Some(t),
        None => object.created_at.as_deref().and_then(parse_time),
    }
    .ok_or_else(|| reject("deal has no createdate".into()))?;
    let created_at = not_future("createdate", created_at, now).map_err(reject)?;
    let updated_at = match props.time("hs_lastmodifieddate").map_err(reject)? {
        Some(t) => Some(t),
        None => object.updated_at.as_deref().and_then(parse_time),
    }
    .ok_or_else(|| reject("deal has no hs_lastmodifieddate".into()))?;
    // A modification in the future is bad data, and would outrank every later real change.
    let mut updated_at = not_future("hs_lastmodifieddate", updated_at, now).map_err(reject)?;
    if let Some(at) = object.archived_at.as_deref().and_then(parse_time) {
        updated_at = updated_at.max(at);
    }
    let contact_ids: Vec<HubSpotId> = match contacts {
        Some(ids) => ids.to_vec(),
        None => object
            .associations
            .get("contacts")
            .map(|list| {
                list.results
                    .iter()
                    .filter_map(|a| HubSpotId::parse(&a.id).ok())
                    .collect()
            })
            .unwrap_or_default(),
    };
    let mut contact_keys: Vec<ExternalId> = contact_ids
        .iter()
        .map(|c| ExternalId::hubspot(ObjectType::Contact, c))
        .collect();
    contact_keys.sort();
    contact_keys.dedup();

    let amounts = history(&object, "amount");
    let amount_at = |at: Timestamp| -> Option<Money> {
        amounts
            .iter()
            .rev()
            .find(|(t, _)| *t <= at)
            .and_then(|(_, e)| e.value.as_deref())
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| Money::parse(v, currency).ok())
    };
    let mut records = vec![Record::Deal(Deal {
        id: key.clone(),
        name: props.owned("dealname").map_err(reject)?,
        stage: StageRef {
            pipeline: pipeline.clone(),
            id: stage_id.clone(),
        },
        status,
        amount,
        close_date,
        close_reason,
        lead_source: None,
        campaign: None,
        contacts: contact_keys,
        created_at,
        updated_at,
        deleted: object.archived,
    })];
    for (at, entry) in history(&object, "dealstage") {
        let Some(stage) = entry.value.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
            continue;
        };
        let entry_status = if stage == stage_id {
            status
        } else {
            pipelines
                .flags(&pipeline, stage)
                .map(|(c, w)| DealStatus::from_flags(c, w))
                .unwrap_or(DealStatus::Open)
        };
        records.push(Record::StageChange(StageChange {
            subject: key.clone(),
            value: StageValue::DealStage {
                stage: StageRef {
                    pipeline: pipeline.clone(),
                    id: stage.to_owned(),
                },
                status: entry_status,
                amount: amount_at(at),
            },
            at,
            source: System::HubSpot,
            source_ref: None,
        }));
    }
    Ok((
        records,
        Snapshot {
            key,
            payload: raw.clone(),
            source_updated_at: Some(updated_at),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pipelines() -> PipelineIndex {
        let p: wire::Pipeline = serde_json::from_value(json!({
            "id": "default", "label": "Sales", "stages": [
                {"id": "qualifiedtobuy", "label": "Qualified", "displayOrder": 1, "metadata": {"isClosed": "false", "probability": "0.4"}},
                {"id": "closedwon", "label": "Won", "displayOrder": 5, "metadata": {"isClosed": "true", "probability": "1.0"}},
                {"id": "closedlost", "label": "Lost", "displayOrder": 6, "metadata": {"isClosed": "true", "probability": "0.0"}}
            ]
        }))
        .unwrap();
        PipelineIndex::new(&[p])
    }

    fn deal(props: Value) -> Value {
        let mut base = json!({
            "dealname": "Big", "dealstage": "closedlost", "pipeline": "default", "amount": "1200.5",
            "closedate": "2025-03-01T00:00:00Z", "closed_lost_reason": "Budget",
            "createdate": "2025-01-01T00:00:00Z", "hs_lastmodifieddate": "2025-03-02T00:00:00Z"
        });
        if let (Some(b), Some(p)) = (base.as_object_mut(), props.as_object()) {
            for (k, v) in p {
                b.insert(k.clone(), v.clone());
            }
        }
        json!({"id": "9000000001", "properties": base, "archived": false,
        "associations": {"contacts": {"results": [{"id": "1000001", "type": "deal_to_contact"}]}},
        "propertiesWithHistory": {
            "dealstage": [
                {"value": "closedlost", "timestamp": "2025-03-01T00:00:00Z", "sourceType": "CRM_UI"},
                {"value": "qualifiedtobuy", "timestamp": "2025-01-01T00:00:00Z", "sourceType": "CRM_UI"}
            ],
            "amount": [{"value": "1000", "timestamp": "2025-01-01T00:00:00Z"}, {"value": "1200.5", "timestamp": "2025-02-01T00:00:00Z"}]
        }})
    }

    #[test]
    fn a_lost_deal_converts_with_its_history() {
        let now = parse_time("2026-01-01T00:00:00Z").unwrap();
        let (records, snapshot) = convert(&deal(json!({})), None, &pipelines(), now).unwrap();
        let Record::Deal(d) = &records[0] else { panic!() };
        assert_eq!(d.status, DealStatus::Lost);
        assert_eq!(d.amount.unwrap().minor, 120_050);
        assert_eq!(d.close_reason.as_deref(), Some("Budget"));
        assert_eq!(d.contacts.len(), 1);
        let changes: Vec<(String, DealStatus, Option<i64>)> = records
            .iter()
            .filter_map(|r| match r {
                Record::StageChange(StageChange {
                    value: StageValue::DealStage { stage, status, amount },
                    ..
                }) => Some((stage.id.clone(), *status, amount.map(|m| m.minor))),
                _ => None,
            })
            .collect();
        assert_eq!(
            changes,
            vec![
                ("qualifiedtobuy".to_owned(), DealStatus::Open, Some(100_000)),
                ("closedlost".to_owned(), DealStatus::Lost, Some(120_050))
            ]
        );
        assert_eq!(snapshot.key.object, ObjectType::Deal);
    }

    #[test]
    fn flags_win_over_the_pipeline_and_bad_amounts_are_rejected() {
        let now = parse_time("2026-01-01T00:00:00Z").unwrap();
        let (records, _) = convert(
            &deal(json!({"hs_is_closed": "true", "hs_is_closed_won": "true", "dealstage": "custom"})),
            None,
            &pipelines(),
            now,
        )
        .unwrap();
        let Record::Deal(d) = &records[0] else { panic!() };
        assert_eq!(d.status, DealStatus::Won);
        let err = convert(&deal(json!({"amount": "12,5"})), None, &pipelines(), now).unwrap_err();
        assert!(err.reason.starts_with("amount:"), "{}", err.reason);
        let err = convert(&deal(json!({"dealstage": "nowhere"})), None, &pipelines(), now).unwrap_err();
        assert!(err.reason.contains("is unknown"), "{}", err.reason);
    }
}
