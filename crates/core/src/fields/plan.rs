//! The person-level push plan: for every mapping, the target record, the desired value, the diff,
//! and the writes that result, grouped per record for the outbox.
//!
//! Holds no state of its own; [`FieldMemory`] carries what closedloop last pushed (and per-field
//! change times when a connector reads property history), loaded by the engine from the store.
//!
//! Targets: the primary marketing contact (unless archived), and the primary CRM record when the
//! gate lets the person through and the record is active (converted leads are read-only). When
//! the gate says to create a Lead, the Lead mappings fill the new record. Every field closedloop
//! pushes must be read back by the connector into the record's `fields`: a mapped field missing
//! from `fields` is taken to hold what closedloop last pushed, so an unread field never causes a
//! write loop (it is written once, then only when the desired value changes). Standard fields the
//! connectors hold in typed fields (`lifecyclestage`, `hs_lead_status`, Salesforce `Status`,
//! `LeadSource`, names, email, owner) are read from there.

use super::derive::DerivedValues;
use super::diff::{Observed, Pushed, SideState, TwoWaySide, WriteDecision, WriteReason, diff_one_way, diff_two_way};
use super::value::{Format, format_value, reformat};
use crate::Timestamp;
use crate::gate::GateDecision;
use crate::identity::RecordState;
use crate::ids::ExternalId;
use crate::records::{FieldValues, MarketingContact};
use crate::rules::{FieldMapping, FieldSource, OwnershipRule, ReconcileRules};
use crate::system::{ObjectType, System};
use crate::timeline::{CrmRecord, PersonFacts};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What closedloop knows about fields beyond the records: its own last pushes, and per-field
/// change times when a connector reads them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldMemory {
    records: HashMap<ExternalId, HashMap<String, FieldTrace>>,
}

/// What is known about one field of one record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldTrace {
    /// closedloop's last write to it.
    pub pushed: Option<Pushed>,
    /// The system's own change time of the field (property history), when known.
    pub changed_at: Option<Timestamp>,
}

impl FieldMemory {
    /// Records closedloop's last write to a field.
    pub fn set_pushed(&mut self, record: ExternalId, field: &str, pushed: Pushed) {
        self.records
            .entry(record)
            .or_default()
            .entry(field.to_owned())
            .or_default()
            .pushed = Some(pushed);
    }

    /// Records a field's own change time.
    pub fn set_changed_at(&mut self, record: ExternalId, field: &str, at: Timestamp) {
        self.records
            .entry(record)
            .or_default()
            .entry(field.to_owned())
            .or_default()
            .changed_at = Some(at);
    }

    /// What is known about one field.
    pub fn get(&self, record: &ExternalId, field: &str) -> Option<&FieldTrace> {
        self.records.get(record).and_then(|fields| fields.get(field))
    }
}

/// One field write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldWrite {
    /// The system written to.
    pub system: System,
    /// The object written to.
    pub object: ObjectType,
    /// The record; `None` for the Lead the gate says to create.
    pub record: Option<ExternalId>,
    /// The field's API name.
    pub field: String,
    /// The value, formatted for the target (`None` clears).
    pub value: Option<String>,
    /// Why.
    pub reason: WriteReason,
    /// The mapping's position in `reconcile.mapping`.
    pub mapping: usize,
}

/// The writes for one record, as the outbox takes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordWrites {
    /// The system.
    pub system: System,
    /// The object.
    pub object: ObjectType,
    /// The record; `None` for a create.
    pub record: Option<ExternalId>,
    /// Field values (`None` clears).
    pub fields: FieldValues,
}

/// Groups writes per record, in first-seen order.
pub fn group_writes(writes: &[FieldWrite]) -> Vec<RecordWrites> {
    let mut out: Vec<RecordWrites> = Vec::new();
    for w in writes {
        let i = match out
            .iter()
            .position(|r| r.system == w.system && r.object == w.object && r.record == w.record)
        {
            Some(i) => i,
            None => {
                out.push(RecordWrites {
                    system: w.system,
                    object: w.object,
                    record: w.record.clone(),
                    fields: FieldValues::new(),
                });
                out.len() - 1
            }
        };
        out[i].fields.insert(w.field.clone(), w.value.clone());
    }
    out
}

/// One side's record, as the plan sees it.
struct Side<'a> {
    system: System,
    object: ObjectType,
    key: Option<ExternalId>,
    record: Option<RecordRef<'a>>,
    modified_at: Option<Timestamp>,
    writable: bool,
}

#[derive(Clone, Copy)]
enum RecordRef<'a> {
    Marketing(&'a MarketingContact),
    Crm(CrmRecord<'a>),
}

impl RecordRef<'_> {
    fn fields(&self) -> &FieldValues {
        match self {
            RecordRef::Marketing(c) => &c.fields,
            RecordRef::Crm(r) => r.fields(),
        }
    }

    /// Standard fields the connectors read into typed fields rather than into `fields`.
    fn standard(&self, field: &str) -> Option<Option<String>> {
        let s = |v: Option<&str>| Some(v.map(str::to_owned));
        match self {
            RecordRef::Marketing(c) => match field {
                "email" => s(c.email.as_ref().map(|e| e.as_str())),
                "firstname" => s(c.first_name.as_deref()),
                "lastname" => s(c.last_name.as_deref()),
                "lifecyclestage" => s(c.lifecycle_stage.map(|l| l.hubspot_value())),
                "hs_lead_status" => s(c.lead_status.map(|l| l.hubspot_value())),
                "hubspot_owner_id" => s(c.owner_id.as_deref()),
                _ => None,
            },
            RecordRef::Crm(CrmRecord::Lead(l)) => match field.to_ascii_lowercase().as_str() {
                "email" => s(l.email.as_ref().map(|e| e.as_str())),
                "ownerid" => s(l.owner_id.as_deref()),
                "firstname" => s(l.first_name.as_deref()),
                "lastname" => s(l.last_name.as_deref()),
                "leadsource" => s(l.lead_source.as_deref()),
                "company" => s(l.company.as_deref()),
                "status" => s(l.status_raw.as_deref()),
                _ => None,
            },
            RecordRef::Crm(CrmRecord::Contact(c)) => match field.to_ascii_lowercase().as_str() {
                "email" => s(c.email.as_ref().map(|e| e.as_str())),
                "ownerid" => s(c.owner_id.as_deref()),
                "firstname" => s(c.first_name.as_deref()),
                "lastname" => s(c.last_name.as_deref()),
                "leadsource" => s(c.lead_source.as_deref()),
                _ => None,
            },
        }
    }

    /// The field's value as last read; `None` when the connector did not read it.
    fn read(&self, field: &str) -> Option<Option<String>> {
        self.fields().get(field).cloned().or_else(|| self.standard(field))
    }
}

impl Side<'_> {
    fn observe<'m>(&self, field: &str, memory: &'m FieldMemory) -> (Observed, Option<&'m Pushed>) {
        let trace = self.key.as_ref().and_then(|k| memory.get(k, field));
        let pushed = trace.and_then(|t| t.pushed.as_ref());
        let observed = match self.record.and_then(|r| r.read(field)) {
            Some(value) => Observed {
                value,
                changed_at: trace.and_then(|t| t.changed_at).or(self.modified_at),
            },
            // Not read back: assume it holds closedloop's last write (see the module doc).
            None => Observed {
                value: pushed.and_then(|p| p.value.clone()),
                changed_at: None,
            },
        };
        (observed, pushed)
    }

    fn raw(&self, field: &str) -> Option<String> {
        self.record.and_then(|r| r.read(field)).flatten()
    }
}

fn marketing_side(facts: &PersonFacts, system: System) -> Option<Side<'_>> {
    let c = facts.primary_marketing_contact()?;
    Some(Side {
        system,
        object: ObjectType::Contact,
        key: Some(c.key()),
        record: Some(RecordRef::Marketing(c)),
        modified_at: Some(c.updated_at),
        writable: !c.archived,
    })
}

fn crm_side<'a>(facts: &'a PersonFacts, system: System, gate: &GateDecision) -> Option<Side<'a>> {
    match facts.primary_crm_record() {
        Some(r) => Some(Side {
            system,
            object: r.object(),
            key: Some(r.key()),
            record: Some(RecordRef::Crm(r)),
            modified_at: Some(r.modified_at()),
            writable: gate.push && r.state() == RecordState::Active,
        }),
        None if gate.create_lead => Some(Side {
            system,
            object: ObjectType::Lead,
            key: None,
            record: None,
            modified_at: None,
            writable: true,
        }),
        None => None,
    }
}

fn format_for(m: &FieldMapping, system: System) -> Format {
    Format {
        kind: m.effective_kind(),
        target: system,
        datetime: m.datetime_format.unwrap_or_default(),
        max_chars: m.max_chars,
    }
}

/// Plans every write for one person under `rules.mapping`.
pub fn plan_writes(
    rules: &ReconcileRules,
    facts: &PersonFacts,
    derived: &DerivedValues<'_>,
    gate: &GateDecision,
    memory: &FieldMemory,
) -> Vec<FieldWrite> {
    let marketing = marketing_side(facts, rules.systems.marketing);
    let crm = crm_side(facts, rules.systems.crm, gate);
    let mut out = Vec::new();
    for (index, m) in rules.mapping.iter().enumerate() {
        let (target, other) = if m.target == rules.systems.marketing {
            (marketing.as_ref(), crm.as_ref())
        } else if m.target == rules.systems.crm {
            (crm.as_ref(), marketing.as_ref())
        } else {
            continue;
        };
        let Some(target) = target.filter(|t| t.object == m.object) else {
            continue;
        };
        let write = |side: &Side<'_>, field: &str, d: WriteDecision| FieldWrite {
            system: side.system,
            object: side.object,
            record: side.key.clone(),
            field: field.to_owned(),
            value: d.value,
            reason: d.reason,
            mapping: index,
        };
        let format = format_for(m, target.system);

        if let (OwnershipRule::TwoWay, FieldSource::Raw(raw_field)) = (m.rule, &m.source) {
            let Some(other) = other else { continue };
            if target.key.is_none() {
                if let Some(value) = other.raw(raw_field).and_then(|v| reformat(&v, &format)) {
                    out.push(write(
                        target,
                        &m.field,
                        WriteDecision {
                            value: Some(value),
                            reason: WriteReason::Create,
                        },
                    ));
                }
                continue;
            }
            if other.key.is_none() {
                continue;
            }
            let (t_obs, t_pushed) = target.observe(&m.field, memory);
            let (s_obs, s_pushed) = other.observe(raw_field, memory);
            let other_format = format_for(m, other.system);
            let tie = if m.tie_winner.unwrap_or(rules.systems.crm) == target.system {
                TwoWaySide::Target
            } else {
                TwoWaySide::Source
            };
            let decision = diff_two_way(
                m.effective_kind(),
                m.allow_clear,
                tie,
                SideState {
                    observed: &t_obs,
                    pushed: t_pushed,
                    format: &format,
                },
                SideState {
                    observed: &s_obs,
                    pushed: s_pushed,
                    format: &other_format,
                },
            );
            match decision {
                Some((TwoWaySide::Target, d)) if target.writable => out.push(write(target, &m.field, d)),
                Some((TwoWaySide::Source, d)) if other.writable => out.push(write(other, raw_field, d)),
                _ => {}
            }
            continue;
        }

        if !target.writable {
            continue;
        }
        let desired = match &m.source {
            FieldSource::Derived(d) => derived.get(*d).and_then(|v| format_value(&v, &format)),
            FieldSource::Raw(f) => other.and_then(|o| o.raw(f)).and_then(|v| reformat(&v, &format)),
        };
        if target.key.is_none() {
            if desired.is_some() {
                out.push(write(
                    target,
                    &m.field,
                    WriteDecision {
                        value: desired,
                        reason: WriteReason::Create,
                    },
                ));
            }
            continue;
        }
        let (observed, pushed) = target.observe(&m.field, memory);
        if let Some(d) = diff_one_way(
            m.rule,
            m.effective_kind(),
            m.allow_clear,
            desired.as_deref(),
            &observed,
            pushed,
        ) {
            out.push(write(target, &m.field, d));
        }
    }
    out
}
