//! Turning one person's planned field writes into outbox intents.
//!
//! Holds no state. Updates go to the records the core chose (the primary record of each system);
//! a Lead the gate asks for is one create carrying the standard Lead fields
//! ([`closedloop_core::gate::new_lead_fields`]) with the mapped fields on top.

use closedloop_core::ObjectType;
use closedloop_core::PersonId;
use closedloop_core::fields::group_writes;
use closedloop_core::gate::new_lead_fields;
use closedloop_core::reconcile::PersonOutcome;
use closedloop_core::rules::ReconcileRules;
use closedloop_core::sync::{PushIntent, PushOperation};
use closedloop_core::timeline::PersonFacts;

/// The intents for one person's outcome.
pub(super) fn intents(
    rules: &ReconcileRules,
    person: PersonId,
    facts: &PersonFacts,
    outcome: &PersonOutcome,
) -> Vec<PushIntent> {
    let mut out = Vec::new();
    let mut create = None;
    for w in group_writes(&outcome.writes) {
        match w.record {
            Some(record) => out.push(PushIntent {
                target: w.system,
                object: w.object,
                external_id: Some(record.id),
                person_id: Some(person),
                operation: PushOperation::Update,
                fields: w.fields,
            }),
            None => create = Some(w.fields),
        }
    }
    // The gate decides the create; mapped fields only fill it. An empty mapping turns every push
    // off, creates included.
    if outcome.gate.create_lead && !rules.mapping.is_empty() {
        let mut fields = new_lead_fields(&rules.gate, facts);
        fields.extend(create.unwrap_or_default());
        out.push(PushIntent {
            target: rules.systems.crm,
            object: ObjectType::Lead,
            external_id: None,
            person_id: Some(person),
            operation: PushOperation::Create,
            fields,
        });
    }
    out
}
