//! Field mapping rules: for each target field, its source, its ownership rule and its format.
//!
//! Holds no state. A mapping is one `[[reconcile.mapping]]` table:
//!
//! ```toml
//! [[reconcile.mapping]]
//! target = "salesforce"          # the system written to
//! object = "lead"                # lead or contact (HubSpot: contact)
//! field = "First_Touch_Campaign__c"
//! source = "first_touch.campaign" # a derived value, or "source:<field>" on the other system
//! rule = "overwrite"             # overwrite | if_empty | prefer_target_unless_blank | two_way
//! ```

use super::{RulesError, SystemRoles};
use crate::fields::{DerivedField, FieldKind, Origin};
use crate::system::{ObjectType, System};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One target field and how closedloop fills it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMapping {
    /// The system written to.
    pub target: System,
    /// The object written to: `lead` or `contact` in Salesforce, `contact` in HubSpot. A person's
    /// primary record decides which applies: a Salesforce Lead gets the `lead` mappings.
    pub object: ObjectType,
    /// The target field's API name (`First_Touch_Campaign__c`, `closedloop_sql_date`).
    pub field: String,
    /// Where the value comes from: a derived value (see [`DerivedField`]) or `source:<field>`,
    /// a raw field of the person's primary record in the other system.
    pub source: FieldSource,
    /// Who wins when the target already holds a value.
    pub rule: OwnershipRule,
    /// The target field's type; defaults to the source's natural type (text for raw fields).
    /// Decides formatting and how values read back are compared.
    #[serde(default)]
    pub kind: Option<FieldKind>,
    /// How dates and datetimes are written to HubSpot: `epoch_ms` (the default; dates as midnight
    /// UTC) or `iso`. Salesforce always takes ISO datetimes and `YYYY-MM-DD` dates.
    #[serde(default)]
    pub datetime_format: Option<DateTimeFormat>,
    /// Let an empty value clear someone else's non-empty value. Off: it never does (closedloop
    /// still retracts its own earlier value when the facts no longer support it).
    #[serde(default)]
    pub allow_clear: bool,
    /// Cut text to this many characters (Salesforce text fields hold 255).
    #[serde(default)]
    pub max_chars: Option<u32>,
    /// For `two_way`: the side that wins when both changed and their change times are equal or
    /// unknown. Defaults to the CRM, where sales edits people by hand.
    #[serde(default)]
    pub tie_winner: Option<System>,
}

impl FieldMapping {
    /// A one-way mapping of a derived value, with every option at its default.
    pub fn derived(target: System, object: ObjectType, field: &str, source: DerivedField, rule: OwnershipRule) -> Self {
        FieldMapping {
            target,
            object,
            field: field.to_owned(),
            source: FieldSource::Derived(source),
            rule,
            kind: None,
            datetime_format: None,
            allow_clear: false,
            max_chars: None,
            tie_winner: None,
        }
    }

    /// The type the target field holds.
    pub fn effective_kind(&self) -> FieldKind {
        self.kind.unwrap_or(match &self.source {
            FieldSource::Derived(d) => d.kind(),
            FieldSource::Raw(_) => FieldKind::Text,
        })
    }
}

/// Who wins when closedloop and a person in the target system disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnershipRule {
    /// closedloop owns the field: the target is set to the desired value whenever they differ,
    /// and a hand edit in the target is replaced on the next cycle.
    Overwrite,
    /// Written only while the target is blank; never replaces a value, even one closedloop wrote
    /// (a stamp such as "original source" set once).
    IfEmpty,
    /// closedloop keeps the field up to date until someone edits it in the target; from then on
    /// the hand-set value wins, until it is cleared again.
    PreferTargetUnlessBlank,
    /// Synced both ways with a raw field on the other system: the side that changed since the last
    /// sync wins; when both changed, the most recent change by the systems' own timestamps wins
    /// (see [`crate::fields::diff_two_way`]).
    TwoWay,
}

/// How dates and datetimes are written to HubSpot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateTimeFormat {
    /// Milliseconds since the Unix epoch (`1709287200000`); dates as midnight UTC. HubSpot's
    /// documented form for both property types.
    #[default]
    EpochMs,
    /// ISO 8601 in UTC with milliseconds (`2024-03-01T10:00:00.000Z`); dates as `2024-03-01`.
    Iso,
}

/// Where a mapped value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum FieldSource {
    /// A value closedloop derives (`first_touch.campaign`, `mql_date`...).
    Derived(DerivedField),
    /// A raw field of the person's primary record in the other system: `source:<field>`.
    Raw(String),
}

/// A `source` that names no derived value and is not `source:<field>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown source {0:?}: expected a derived value such as first_touch.campaign, or source:<field>")]
pub struct SourceError(pub String);

impl FieldSource {
    /// Parses `first_touch.campaign` or `source:jobtitle`.
    pub fn parse(s: &str) -> Result<Self, SourceError> {
        let s = s.trim();
        if let Some(field) = s.strip_prefix("source:") {
            let field = field.trim();
            if valid_field_name(field) {
                return Ok(FieldSource::Raw(field.to_owned()));
            }
            return Err(SourceError(s.chars().take(80).collect()));
        }
        DerivedField::parse(s)
            .map(FieldSource::Derived)
            .map_err(|_| SourceError(s.chars().take(80).collect()))
    }
}

impl TryFrom<String> for FieldSource {
    type Error = SourceError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        FieldSource::parse(&s)
    }
}

impl From<FieldSource> for String {
    fn from(s: FieldSource) -> String {
        s.to_string()
    }
}

impl fmt::Display for FieldSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldSource::Derived(d) => f.write_str(d.name()),
            FieldSource::Raw(field) => write!(f, "source:{field}"),
        }
    }
}

/// API names: ASCII letters, digits and underscores (HubSpot properties, Salesforce fields).
fn valid_field_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 100 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The objects closedloop writes in each system.
fn writable_objects(system: System) -> &'static [ObjectType] {
    match system {
        System::Salesforce => &[ObjectType::Lead, ObjectType::Contact],
        System::HubSpot | System::Pipedrive => &[ObjectType::Contact],
    }
}

pub(super) fn validate(mapping: &[FieldMapping], systems: SystemRoles, errors: &mut Vec<RulesError>) {
    let mut seen: Vec<(System, ObjectType, String, usize)> = Vec::new();
    for (index, m) in mapping.iter().enumerate() {
        let field = m.field.clone();
        if m.target != systems.marketing && m.target != systems.crm {
            errors.push(RulesError::MappingSystem {
                index,
                field: field.clone(),
                system: m.target,
            });
        }
        if !writable_objects(m.target).contains(&m.object) {
            errors.push(RulesError::MappingObject {
                index,
                field: field.clone(),
                system: m.target,
                object: m.object,
            });
        }
        if !valid_field_name(&m.field) {
            errors.push(RulesError::MappingFieldName {
                index,
                field: field.clone(),
            });
        }
        if m.max_chars == Some(0) {
            errors.push(RulesError::MaxChars {
                index,
                field: field.clone(),
            });
        }
        match &m.source {
            FieldSource::Derived(d) => {
                let origin_system = match d.origin() {
                    Origin::Marketing => Some(systems.marketing),
                    Origin::Crm => Some(systems.crm),
                    Origin::Closedloop => None,
                };
                if origin_system == Some(m.target) {
                    errors.push(RulesError::Echo {
                        index,
                        field: field.clone(),
                        source_name: d.name().to_owned(),
                        system: m.target,
                    });
                }
                if m.rule == OwnershipRule::TwoWay {
                    errors.push(RulesError::TwoWayNeedsRawSource {
                        index,
                        field: field.clone(),
                    });
                }
            }
            FieldSource::Raw(_) => {}
        }
        // Salesforce API names are case-insensitive; HubSpot's are lower case anyway.
        let key = m.field.to_ascii_lowercase();
        match seen
            .iter()
            .find(|(s, o, f, _)| *s == m.target && *o == m.object && *f == key)
        {
            Some((_, _, _, first)) => errors.push(RulesError::DuplicateTarget {
                index,
                first: *first,
                system: m.target,
                object: m.object,
                field,
            }),
            None => seen.push((m.target, m.object, key, index)),
        }
    }
    pair_conflicts(mapping, systems, errors);
}

/// Two mappings over the same pair of fields in opposite directions copy each change back and
/// forth for ever; a two-way mapping also writes its source field, which no other mapping may
/// write. One pair of fields takes one mapping.
fn pair_conflicts(mapping: &[FieldMapping], systems: SystemRoles, errors: &mut Vec<RulesError>) {
    let other = |s: System| {
        if s == systems.marketing {
            systems.crm
        } else {
            systems.marketing
        }
    };
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    for (index, m) in mapping.iter().enumerate() {
        for (first, f) in mapping.iter().enumerate().take(index) {
            let reverse_copy = matches!((&m.source, &f.source), (FieldSource::Raw(ms), FieldSource::Raw(fs))
                if m.target == other(f.target) && same(&m.field, fs) && same(ms, &f.field));
            let writes_two_way_source = |two: &FieldMapping, one: &FieldMapping| {
                matches!(&two.source, FieldSource::Raw(src) if two.rule == OwnershipRule::TwoWay
                    && one.target == other(two.target) && same(&one.field, src))
            };
            if reverse_copy || writes_two_way_source(f, m) || writes_two_way_source(m, f) {
                errors.push(RulesError::FieldPair {
                    index,
                    first,
                    field: m.field.clone(),
                });
            }
        }
    }
}

/// The mapping closedloop starts with: what sales needs on every Lead and Contact, and what
/// marketing needs on every HubSpot contact. Field names are suggestions to create in each system.
pub fn default_mapping() -> Vec<FieldMapping> {
    use DerivedField as D;
    use OwnershipRule::Overwrite;
    let mut out = Vec::new();
    // To the CRM: where the person came from, what they engaged with, who owns them.
    for object in [ObjectType::Lead, ObjectType::Contact] {
        let sf = |field: &str, source: D| FieldMapping::derived(System::Salesforce, object, field, source, Overwrite);
        out.push(sf("Original_Source__c", D::OriginalSource));
        out.push(sf("First_Touch_Channel__c", D::FirstTouchChannel));
        out.push(sf("First_Touch_Campaign__c", D::FirstTouchCampaign));
        out.push(sf("Last_Touch_Campaign__c", D::LastTouchCampaign));
        out.push(sf("Conversion_Content__c", D::ConversionContent));
        out.push(sf("Conversion_Content_Depth__c", D::ConversionContentDepth));
        out.push(FieldMapping {
            max_chars: Some(255),
            ..sf("Engagement_Summary__c", D::EngagementSummary)
        });
        out.push(sf("MQL_Date__c", D::MqlDate));
        out.push(sf("Lead_Owner_Side__c", D::OwnerSide));
        out.push(sf("Touchpoint_Count__c", D::TouchpointCount));
    }
    // To the marketing platform: what sales did with the person and how far they went.
    let hs =
        |field: &str, source: D| FieldMapping::derived(System::HubSpot, ObjectType::Contact, field, source, Overwrite);
    out.push(hs("hs_lead_status", D::CrmLeadStatusHubSpot));
    out.push(FieldMapping {
        allow_clear: true,
        ..hs("closedloop_disqualification_reason", D::CrmDisqualificationReason)
    });
    out.push(hs("lifecyclestage", D::LifecycleStage));
    out.push(hs("closedloop_sql_date", D::SqlDate));
    out.push(hs("closedloop_deal_stage", D::DealStage));
    out.push(hs("closedloop_deal_amount", D::DealAmount));
    out.push(hs("closedloop_deal_status", D::DealStatus));
    out.push(FieldMapping {
        allow_clear: true,
        ..hs("closedloop_deal_close_reason", D::DealCloseReason)
    });
    out.push(hs("closedloop_first_contact_at", D::FirstContactAt));
    out.push(hs("closedloop_speed_to_lead_minutes", D::SpeedToLeadMinutes));
    out.push(hs("closedloop_sla_status", D::SlaStatus));
    out.push(hs("closedloop_owner_side", D::OwnerSide));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_and_print() {
        assert_eq!(
            FieldSource::parse("first_touch.campaign").unwrap(),
            FieldSource::Derived(DerivedField::FirstTouchCampaign)
        );
        assert_eq!(
            FieldSource::parse("source:jobtitle").unwrap(),
            FieldSource::Raw("jobtitle".into())
        );
        assert_eq!(
            FieldSource::parse("source:jobtitle").unwrap().to_string(),
            "source:jobtitle"
        );
        for bad in ["", "first_touch", "source:", "source:a b", "nonsense.value"] {
            assert!(FieldSource::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
