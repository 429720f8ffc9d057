//! Which Lead and Contact fields the connector reads back and writes, derived from the rules.
//!
//! Holds no state. Reconcile must see, on every pull, the values of the fields closedloop writes
//! (to recognise its own writes and never echo them) and the raw fields other mappings copy from
//! the CRM (`source:<field>` mappings to the marketing platform). [`FieldPlan::from_rules`]
//! works that out from the `[reconcile]` rules, so the engine and `check-config --probe` agree.

use crate::settings::ReadFields;
use closedloop_config::salesforce::SalesforceConfig;
use closedloop_core::rules::{FieldSource, ReconcileRules};
use closedloop_core::{ObjectType, System};
use std::collections::BTreeMap;

/// The Lead fields a created Lead carries besides the mapped ones (`gate::new_lead_fields`).
const CREATED_LEAD_FIELDS: &[&str] = &["Email", "FirstName", "LastName", "Company"];

/// The fields the connector reads and writes, per object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPlan {
    /// Read back into `fields` on every pull: every pushed field, and the CRM fields that
    /// `source:` mappings copy to the marketing platform.
    pub read: ReadFields,
    /// Written by updates (must exist and be updateable).
    pub pushed: BTreeMap<ObjectType, Vec<String>>,
    /// Written when a Lead is created (must be createable).
    pub created: Vec<String>,
}

fn add(list: &mut Vec<String>, field: &str) {
    if !list.iter().any(|f| f.eq_ignore_ascii_case(field)) {
        list.push(field.to_owned());
    }
}

impl FieldPlan {
    /// The plan for `rules` with Salesforce as configured in `config`.
    pub fn from_rules(rules: &ReconcileRules, config: &SalesforceConfig) -> FieldPlan {
        let mut plan = FieldPlan::default();
        let salesforce_is_crm = rules.systems.crm == System::Salesforce;
        for m in &rules.mapping {
            if m.target == System::Salesforce {
                add(plan.read.entry(m.object).or_default(), &m.field);
                add(plan.pushed.entry(m.object).or_default(), &m.field);
                if m.object == ObjectType::Lead {
                    add(&mut plan.created, &m.field);
                }
            } else if salesforce_is_crm && let FieldSource::Raw(field) = &m.source {
                // The person's primary CRM record may be a Lead or a Contact.
                for object in [ObjectType::Lead, ObjectType::Contact] {
                    add(plan.read.entry(object).or_default(), field);
                }
            }
        }
        if rules.gate.create_leads {
            for f in CREATED_LEAD_FIELDS {
                add(&mut plan.created, f);
            }
            if rules.gate.created_lead_source.is_some() {
                add(&mut plan.created, "LeadSource");
            }
        } else {
            plan.created.clear();
        }
        for (object, extra) in [
            (ObjectType::Lead, &config.streams.leads.extra_fields),
            (ObjectType::Contact, &config.streams.contacts.extra_fields),
        ] {
            for f in extra {
                add(plan.read.entry(object).or_default(), f);
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rules_read_back_every_pushed_field_and_the_copied_ones() {
        let mut rules = ReconcileRules::default();
        rules.mapping.push(closedloop_core::rules::FieldMapping {
            source: FieldSource::Raw("Industry".into()),
            ..closedloop_core::rules::FieldMapping::derived(
                System::HubSpot,
                ObjectType::Contact,
                "industry",
                closedloop_core::fields::DerivedField::MqlDate,
                closedloop_core::rules::OwnershipRule::Overwrite,
            )
        });
        let config: SalesforceConfig = toml::from_str(
            r#"
            instance_url = "https://acme.my.salesforce.com"
            [auth]
            kind = "client_credentials"
            client_id = "x"
            client_secret = { env = "X" }
            [streams.leads]
            extra_fields = ["Country"]
            "#,
        )
        .unwrap();
        let plan = FieldPlan::from_rules(&rules, &config);
        let lead = &plan.read[&ObjectType::Lead];
        assert!(lead.contains(&"First_Touch_Campaign__c".to_owned()));
        assert!(lead.contains(&"Industry".to_owned()) && lead.contains(&"Country".to_owned()));
        assert!(plan.read[&ObjectType::Contact].contains(&"Industry".to_owned()));
        assert!(!plan.read[&ObjectType::Contact].contains(&"Country".to_owned()));
        assert_eq!(plan.pushed[&ObjectType::Contact].len(), 10);
        assert!(plan.created.contains(&"Company".to_owned()) && plan.created.contains(&"MQL_Date__c".to_owned()));
    }
}
