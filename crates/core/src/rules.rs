//! The reconcile rules: the `[reconcile]` section of the configuration, as serde types.
//!
//! Holds no state. Every struct denies unknown fields, documents each field, names units in field
//! names, and defaults to what a RevOps team would start from, so an empty `[reconcile]` is a
//! working setup. [`ReconcileRules::validate`] checks what serde cannot (weights that sum to 100,
//! mappings that would echo a value back to its own system) and reports every problem at once.
//!
//! A table that is present replaces its default as a whole: writing `[reconcile.stages.mql]`
//! with only `lead_statuses` means "MQL is that lead status", not "that status as well as the
//! default lifecycle stage". Lists behave the same way. This keeps a config readable on its own.

mod attribution;
mod gate;
mod identity;
mod mapping;
mod stages;

pub use attribution::{AttributionRules, CustomWeights};
pub use gate::{FieldCriterion, GateRules};
pub use identity::{EmailChangePolicy, IdentityRules};
pub use mapping::{DateTimeFormat, FieldMapping, FieldSource, OwnershipRule, SourceError, default_mapping};
pub use stages::{ContactAnchor, FirstContactRules, MilestoneRule, OwnerRules, StageRules};

use crate::system::{ObjectType, System};
use serde::{Deserialize, Serialize};

/// Everything reconcile needs to know: identity, stages, attribution, field mapping, the CRM gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReconcileRules {
    /// Which system plays which part in the loop.
    pub systems: SystemRoles,
    /// How records are joined into people.
    pub identity: IdentityRules,
    /// How milestones, first sales contact, the SLA and the owner side are derived.
    pub stages: StageRules,
    /// Which attribution models run, over which touches and window.
    pub attribution: AttributionRules,
    /// What is written to each system's fields, from what, under which ownership rule.
    /// Written as `[[reconcile.mapping]]` tables; an empty list turns pushes off.
    pub mapping: Vec<FieldMapping>,
    /// Which people reach the CRM at all.
    pub gate: GateRules,
}

impl Default for ReconcileRules {
    fn default() -> Self {
        ReconcileRules {
            systems: SystemRoles::default(),
            identity: IdentityRules::default(),
            stages: StageRules::default(),
            attribution: AttributionRules::default(),
            mapping: default_mapping(),
            gate: GateRules::default(),
        }
    }
}

/// Which system is the marketing platform and which is the CRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SystemRoles {
    /// The marketing platform: lifecycle stages, touchpoints, campaigns (`hubspot`).
    pub marketing: System,
    /// The CRM: leads, contacts, activities, deals (`salesforce`).
    pub crm: System,
}

impl Default for SystemRoles {
    fn default() -> Self {
        SystemRoles {
            marketing: System::HubSpot,
            crm: System::Salesforce,
        }
    }
}

/// One problem in the reconcile rules. Messages name the setting with its TOML path.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RulesError {
    /// The marketing platform and the CRM are the same system.
    #[error("reconcile.systems: marketing and crm are both {0}; closedloop needs two systems")]
    SameSystems(System),
    /// Custom position weights do not add up to 100 percent.
    #[error("reconcile.attribution.custom: weights sum to {sum_pct}%, they must sum to 100%")]
    WeightsSum {
        /// What they add up to.
        sum_pct: f64,
    },
    /// A weight is negative or not a number.
    #[error("reconcile.attribution.custom.{field}: {value} is not a percentage between 0 and 100")]
    WeightRange {
        /// The weight's name.
        field: &'static str,
        /// Its value.
        value: f64,
    },
    /// `custom` is listed among the models but no weights are given.
    #[error("reconcile.attribution.models lists custom but reconcile.attribution.custom is not set")]
    CustomMissing,
    /// A number that must be positive is not.
    #[error("{path}: must be greater than zero")]
    NotPositive {
        /// The setting.
        path: &'static str,
    },
    /// A mapping writes to an object the system does not have.
    #[error("reconcile.mapping[{index}] ({field}): {system} has no {object} object closedloop writes")]
    MappingObject {
        /// Position in the list.
        index: usize,
        /// The target field.
        field: String,
        /// The target system.
        system: System,
        /// The object.
        object: ObjectType,
    },
    /// A mapping targets a system that is neither the marketing platform nor the CRM.
    #[error("reconcile.mapping[{index}] ({field}): target {system} is not one of reconcile.systems")]
    MappingSystem {
        /// Position in the list.
        index: usize,
        /// The target field.
        field: String,
        /// The target system.
        system: System,
    },
    /// A mapping's target field name is empty or has characters no vendor allows.
    #[error("reconcile.mapping[{index}]: field name {field:?} is not a valid API name")]
    MappingFieldName {
        /// Position in the list.
        index: usize,
        /// The name given.
        field: String,
    },
    /// A derived value would be written back to the system it is read from.
    #[error(
        "reconcile.mapping[{index}] ({field}): {source_name} is read from {system}; writing it back to {system} would echo"
    )]
    Echo {
        /// Position in the list.
        index: usize,
        /// The target field.
        field: String,
        /// The source's name.
        source_name: String,
        /// The system both sides are in.
        system: System,
    },
    /// A two-way mapping needs a raw field on the other side to sync with.
    #[error("reconcile.mapping[{index}] ({field}): rule two_way needs source = \"source:<field>\"")]
    TwoWayNeedsRawSource {
        /// Position in the list.
        index: usize,
        /// The target field.
        field: String,
    },
    /// Two mappings write the same field of the same object.
    #[error("reconcile.mapping[{index}]: {system} {object} field {field} is already mapped by mapping[{first}]")]
    DuplicateTarget {
        /// Position of the second mapping.
        index: usize,
        /// Position of the first.
        first: usize,
        /// The target system.
        system: System,
        /// The object.
        object: ObjectType,
        /// The field.
        field: String,
    },
    /// Two mappings over the same pair of fields: copies in both directions, or a field a
    /// two-way mapping already syncs.
    #[error(
        "reconcile.mapping[{index}] ({field}): mapping[{first}] already moves values between these two fields; use one two_way mapping"
    )]
    FieldPair {
        /// Position of the second mapping.
        index: usize,
        /// Position of the first.
        first: usize,
        /// The second mapping's target field.
        field: String,
    },
    /// `max_chars` of zero would write nothing.
    #[error("reconcile.mapping[{index}] ({field}): max_chars must be at least 1")]
    MaxChars {
        /// Position in the list.
        index: usize,
        /// The target field.
        field: String,
    },
}

impl ReconcileRules {
    /// Checks what the types alone cannot; returns every problem found, in config order.
    pub fn validate(&self) -> Result<(), Vec<RulesError>> {
        let mut errors = Vec::new();
        if self.systems.marketing == self.systems.crm {
            errors.push(RulesError::SameSystems(self.systems.crm));
        }
        self.stages.validate(&mut errors);
        self.attribution.validate(&mut errors);
        mapping::validate(&self.mapping, self.systems, &mut errors);
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip_through_toml() {
        let rules = ReconcileRules::default();
        rules.validate().expect("defaults must validate");
        let text = toml::to_string(&rules).expect("serialise");
        let back: ReconcileRules = toml::from_str(&text).expect("parse what we wrote");
        assert_eq!(back, rules);
    }

    #[test]
    fn an_empty_section_is_the_default() {
        let rules: ReconcileRules = toml::from_str("").unwrap();
        assert_eq!(rules, ReconcileRules::default());
    }

    #[test]
    fn unknown_fields_are_rejected_everywhere() {
        for text in [
            "colour = 1",
            "[identity]\nemail = 1",
            "[stages]\nsla_minutes = 3",
            "[stages.mql]\nlifecycle = \"lead\"",
            "[attribution]\nhalf_life = 3",
            "[gate]\nmin_stage = \"lead\"",
            "[[mapping]]\ntarget = \"salesforce\"\nobject = \"lead\"\nfield = \"A__c\"\nsource = \"mql_date\"\nrule = \"overwrite\"\ncolour = 1",
        ] {
            assert!(toml::from_str::<ReconcileRules>(text).is_err(), "{text:?} accepted");
        }
    }

    /// The example `[reconcile]` section shown to users: it must parse and validate.
    pub(crate) const EXAMPLE: &str = r#"
[reconcile.systems]
marketing = "hubspot"
crm = "salesforce"

[reconcile.identity]
on_email_change = "follow"

[reconcile.stages]
imply_skipped_stages = true
sla_hours = 4

[reconcile.stages.mql]
lifecycle_stage = "marketing_qualified_lead"
lead_statuses = ["open"]

[reconcile.stages.first_contact]
anchor = "mql"
activity_kinds = ["call", "email", "meeting"]
lead_statuses = ["attempting_contact"]

[reconcile.stages.owner]
handoff = "mql"
require_crm_owner = true
nurture_owner_ids = ["005000000000042"]
nurture_owner_id_prefixes = ["00G"]
return_statuses = ["recycled", "disqualified"]
lost_deals_return_to_marketing = true

[reconcile.attribution]
models = ["first_touch", "last_touch", "lead_creation", "linear", "time_decay", "u_shaped", "w_shaped", "full_path", "custom"]
milestones = ["lead", "mql", "sql", "opportunity", "won"]
pipeline = true
revenue = true
lookback_days = 365
touch_kinds = ["form_submission", "content_download", "webinar_registration", "webinar_attendance", "email_click", "cta_click", "campaign_response"]
time_decay_half_life_days = 7.0

[reconcile.attribution.custom]
first_touch_pct = 30.0
lead_creation_pct = 30.0
closing_pct = 30.0
middle_pct = 10.0

[reconcile.gate]
min_lifecycle_stage = "marketing_qualified_lead"
include_existing_crm_records = true
create_leads = true
exclude_email_domains = ["ourcompany.com"]
include_when = [{ field = "send_to_sales", equals_any = ["true"] }]

[[reconcile.mapping]]
target = "salesforce"
object = "lead"
field = "First_Touch_Campaign__c"
source = "first_touch.campaign"
rule = "overwrite"

[[reconcile.mapping]]
target = "salesforce"
object = "lead"
field = "Engagement_Summary__c"
source = "engagement_summary"
rule = "overwrite"
max_chars = 255

[[reconcile.mapping]]
target = "hubspot"
object = "contact"
field = "closedloop_mql_date"
source = "mql_date"
rule = "if_empty"
kind = "date"
datetime_format = "epoch_ms"

[[reconcile.mapping]]
target = "hubspot"
object = "contact"
field = "closedloop_disqualification_reason"
source = "crm.disqualification_reason"
rule = "overwrite"
allow_clear = true

[[reconcile.mapping]]
target = "salesforce"
object = "contact"
field = "Title"
source = "source:jobtitle"
rule = "two_way"
tie_winner = "salesforce"
"#;

    #[test]
    fn the_documented_example_parses_and_validates() {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Root {
            reconcile: ReconcileRules,
        }
        let root: Root = toml::from_str(EXAMPLE).expect("example parses");
        root.reconcile.validate().expect("example validates");
        assert_eq!(root.reconcile.mapping.len(), 5);
        assert_eq!(root.reconcile.stages.sla_hours, 4);
        assert!(root.reconcile.attribution.custom_weights().is_some());
    }

    #[test]
    fn validation_reports_every_problem() {
        let text = r#"
            [systems]
            marketing = "hubspot"
            crm = "salesforce"
            [attribution]
            models = ["custom"]
            time_decay_half_life_days = 0.0
            [attribution.custom]
            first_touch_pct = 50.0
            middle_pct = 20.0
            [[mapping]]
            target = "salesforce"
            object = "lead"
            field = "Status_Copy__c"
            source = "crm.lead_status"
            rule = "overwrite"
            [[mapping]]
            target = "hubspot"
            object = "contact"
            field = "jobtitle"
            source = "mql_date"
            rule = "two_way"
        "#;
        let rules: ReconcileRules = toml::from_str(text).unwrap();
        let errors = rules.validate().unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(errors.contains(&RulesError::WeightsSum { sum_pct: 70.0 }), "{text:?}");
        assert!(errors.contains(&RulesError::NotPositive {
            path: "reconcile.attribution.time_decay_half_life_days"
        }));
        assert!(
            errors.iter().any(|e| matches!(e, RulesError::Echo { index: 0, .. })),
            "{text:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| matches!(e, RulesError::TwoWayNeedsRawSource { index: 1, .. }))
        );
        assert!(
            text.iter()
                .all(|m| !m.ends_with('.') && m.chars().next().is_some_and(|c| c.is_lowercase()))
        );
    }

    #[test]
    fn copies_in_both_directions_are_rejected() {
        let copy = |target: &str, object: &str, field: &str, source: &str, rule: &str| {
            format!(
                "[[mapping]]\ntarget = \"{target}\"\nobject = \"{object}\"\nfield = \"{field}\"\nsource = \"{source}\"\nrule = \"{rule}\"\n"
            )
        };
        let both_ways = copy("salesforce", "lead", "Title", "source:jobtitle", "overwrite")
            + &copy("hubspot", "contact", "jobtitle", "source:title", "overwrite");
        let rules: ReconcileRules = toml::from_str(&both_ways).unwrap();
        assert!(matches!(
            rules.validate().unwrap_err()[..],
            [RulesError::FieldPair { index: 1, first: 0, .. }]
        ));

        let beside_two_way = copy("salesforce", "contact", "Title", "source:jobtitle", "two_way")
            + &copy("hubspot", "contact", "jobtitle", "mql_date", "overwrite");
        let rules: ReconcileRules = toml::from_str(&beside_two_way).unwrap();
        assert!(matches!(
            rules.validate().unwrap_err()[..],
            [RulesError::FieldPair { index: 1, first: 0, .. }]
        ));

        let chain = copy("salesforce", "lead", "Title", "source:jobtitle", "overwrite")
            + &copy("hubspot", "contact", "industry", "source:Industry", "if_empty");
        let rules: ReconcileRules = toml::from_str(&chain).unwrap();
        assert_eq!(rules.validate(), Ok(()));
    }
}
