//! Identity: conversion, merges, duplicates, email changes, missing emails, re-link plans.

use crate::support::*;
use closedloop_core::identity::{
    DuplicateKind, IdentityEdge, IdentityPlan, IdentityRecord, LinkReason, PersonMerge, RecordState, resolve,
};
use closedloop_core::rules::{EmailChangePolicy, IdentityRules};
use closedloop_core::{ExternalId, PersonId, System};
use proptest::prelude::*;

fn records(list: &[IdentityRecord]) -> Vec<IdentityRecord> {
    list.to_vec()
}

fn person_of<'a>(plan: &'a IdentityPlan, key: &ExternalId) -> &'a closedloop_core::identity::PersonPlan {
    plan.people
        .iter()
        .find(|p| p.members.iter().any(|m| &m.key == key))
        .expect("key in plan")
}

#[test]
fn one_email_across_systems_is_one_person() {
    let recs = records(&[
        (&hs_contact(101, Some("Ada@Example.com "), day(0, 0))).into(),
        (&sf_lead(1, Some("ada@example.com"), day(1, 0))).into(),
    ]);
    let plan = resolve(&recs, &[], &[], &IdentityRules::default());
    assert_eq!(plan.people.len(), 1);
    let p = &plan.people[0];
    assert_eq!(p.person, None, "a new person: the caller assigns the id");
    assert_eq!(p.email.as_ref().map(|e| e.as_str()), Some("ada@example.com"));
    assert_eq!(p.primary(System::HubSpot).unwrap().key, hs_key(101));
    assert_eq!(p.primary(System::Salesforce).unwrap().key, lead_key(1));
    assert!(p.members.iter().all(|m| m.reason == LinkReason::Email));
    assert!(p.duplicates.is_empty());
}

#[test]
fn a_converted_lead_and_its_contact_stay_one_person_even_with_another_email() {
    let lead = converted(sf_lead(1, Some("ada@old.example"), day(0, 0)), 7, day(3, 0));
    let contact = sf_contact(7, Some("ada@new.example"), day(3, 0));
    let recs = records(&[
        (&lead).into(),
        (&contact).into(),
        (&hs_contact(101, Some("ada@old.example"), day(0, 0))).into(),
    ]);
    let plan = resolve(&recs, &[], &[], &IdentityRules::default());
    assert_eq!(plan.people.len(), 1);
    let p = &plan.people[0];
    // The contact is the primary: the lead is converted history.
    assert_eq!(p.primary(System::Salesforce).unwrap().key, contact_key(7));
    let lead_member = p.members.iter().find(|m| m.key == lead_key(1)).unwrap();
    assert_eq!(lead_member.state, RecordState::Converted);
    assert_eq!(lead_member.reason, LinkReason::Conversion);
    assert!(p.duplicates.is_empty());
}

#[test]
fn a_conversion_to_a_contact_not_yet_read_links_an_alias() {
    let lead = converted(sf_lead(1, Some("ada@example.com"), day(0, 0)), 7, day(3, 0));
    let plan = resolve(&[(&lead).into()], &[], &[], &IdentityRules::default());
    let p = &plan.people[0];
    let alias = p.members.iter().find(|m| m.key == contact_key(7)).unwrap();
    assert_eq!(alias.state, RecordState::Alias);
    // The alias ranks behind the converted lead, which stays primary until the contact arrives.
    assert_eq!(p.primary(System::Salesforce).unwrap().key, lead_key(1));
}

#[test]
fn hubspot_merge_keeps_the_older_person_and_moves_the_history() {
    let mut survivor = hs_contact(101, Some("ada@example.com"), day(0, 0));
    survivor.merged_ids = vec![closedloop_core::HubSpotId::parse("202").unwrap()];
    let mut merged = hs_contact(202, Some("ada.l@example.com"), day(5, 0));
    merged.archived = true;
    let links = vec![(hs_key(101), PersonId(9)), (hs_key(202), PersonId(4))];
    let plan = resolve(
        &[(&survivor).into(), (&merged).into()],
        &[],
        &links,
        &IdentityRules::default(),
    );
    assert_eq!(plan.people.len(), 1);
    let p = &plan.people[0];
    assert_eq!(p.person, Some(PersonId(4)), "the older (smaller) id survives");
    assert_eq!(p.absorbed, vec![PersonId(9)]);
    assert_eq!(
        plan.merges,
        vec![PersonMerge {
            from: PersonId(9),
            into: PersonId(4)
        }]
    );
    assert_eq!(p.primary(System::HubSpot).unwrap().key, hs_key(101));
    let m = p.members.iter().find(|m| m.key == hs_key(202)).unwrap();
    assert_eq!(m.state, RecordState::MergedAway);
    assert_eq!(m.reason, LinkReason::Merge);
    // The survivor's record moves from person 9 to person 4; touchpoints follow the record.
    let moved: Vec<_> = p.moved().map(|m| m.key.clone()).collect();
    assert_eq!(moved, vec![hs_key(101)]);
}

#[test]
fn a_crm_merge_event_links_records_with_different_emails() {
    let a = sf_lead(1, Some("a@example.com"), day(0, 0));
    let mut b = sf_lead(2, Some("b@example.com"), day(1, 0));
    b.deleted = true;
    let edge = IdentityEdge {
        record: lead_key(2),
        other: lead_key(1),
        reason: LinkReason::Merge,
    };
    let plan = resolve(&[(&a).into(), (&b).into()], &[edge], &[], &IdentityRules::default());
    assert_eq!(plan.people.len(), 1);
    assert_eq!(plan.people[0].primary(System::Salesforce).unwrap().key, lead_key(1));
    assert!(
        plan.people[0].duplicates.is_empty(),
        "a merged-away record is history, not a duplicate"
    );
}

#[test]
fn duplicates_are_linked_and_reported_with_a_deterministic_primary() {
    let older = sf_lead(5, Some("dup@example.com"), day(0, 0));
    let newer = sf_lead(2, Some("DUP@example.com"), day(2, 0));
    let mut deleted = sf_lead(1, Some("dup@example.com"), day(-5, 0));
    deleted.deleted = true;
    let recs: Vec<IdentityRecord> = vec![(&newer).into(), (&deleted).into(), (&older).into()];
    let plan = resolve(&recs, &[], &[], &IdentityRules::default());
    assert_eq!(plan.people.len(), 1);
    let p = &plan.people[0];
    // Active beats deleted, then oldest: lead 5 (day 0), not lead 1 (deleted) nor lead 2 (newer).
    assert_eq!(p.primary(System::Salesforce).unwrap().key, lead_key(5));
    assert_eq!(p.duplicates.len(), 1);
    assert_eq!(p.duplicates[0].duplicate, lead_key(2));
    assert_eq!(p.duplicates[0].kind, DuplicateKind::SameObject);
    assert_eq!(plan.duplicates().count(), 1);
}

#[test]
fn a_lead_beside_a_contact_is_a_duplicate_and_the_contact_wins() {
    let lead = sf_lead(1, Some("x@example.com"), day(0, 0));
    let contact = sf_contact(2, Some("x@example.com"), day(4, 0));
    let plan = resolve(
        &[(&lead).into(), (&contact).into()],
        &[],
        &[],
        &IdentityRules::default(),
    );
    let p = &plan.people[0];
    assert_eq!(p.primary(System::Salesforce).unwrap().key, contact_key(2));
    assert_eq!(p.duplicates[0].kind, DuplicateKind::LeadBesideContact);
    assert_eq!(p.duplicates[0].duplicate, lead_key(1));
}

#[test]
fn records_without_email_are_their_own_person_unless_tied() {
    let lone = sf_lead(1, None, day(0, 0));
    let tied = converted(sf_lead(2, None, day(0, 0)), 3, day(1, 0));
    let contact = sf_contact(3, Some("c@example.com"), day(1, 0));
    let hs = hs_contact(101, Some("c@example.com"), day(0, 0));
    let plan = resolve(
        &[(&lone).into(), (&tied).into(), (&contact).into(), (&hs).into()],
        &[],
        &[],
        &IdentityRules::default(),
    );
    assert_eq!(plan.people.len(), 2);
    assert_eq!(person_of(&plan, &lead_key(1)).members.len(), 1);
    assert_eq!(person_of(&plan, &lead_key(1)).members[0].reason, LinkReason::Own);
    assert_eq!(person_of(&plan, &lead_key(2)).members.len(), 3);
}

#[test]
fn an_email_change_moves_the_record_with_its_history() {
    // Person 1 had the HubSpot contact and the lead; person 2 is somebody else with b@.
    let links = vec![
        (hs_key(101), PersonId(1)),
        (lead_key(1), PersonId(1)),
        (lead_key(2), PersonId(2)),
    ];
    let hs = hs_contact(101, Some("b@example.com"), day(0, 0)); // changed from a@ to b@
    let a_lead = sf_lead(1, Some("a@example.com"), day(0, 0));
    let b_lead = sf_lead(2, Some("b@example.com"), day(0, 0));
    let recs: Vec<IdentityRecord> = vec![(&hs).into(), (&a_lead).into(), (&b_lead).into()];
    let plan = resolve(&recs, &[], &links, &IdentityRules::default());
    assert_eq!(plan.people.len(), 2);
    let a = person_of(&plan, &lead_key(1));
    let b = person_of(&plan, &lead_key(2));
    // The id stays with the record that stayed; the moved contact joins person 2. No merge.
    assert_eq!(a.person, Some(PersonId(1)));
    assert_eq!(b.person, Some(PersonId(2)));
    assert!(plan.merges.is_empty());
    let moved: Vec<_> = b.moved().map(|m| (m.key.clone(), m.previous)).collect();
    assert_eq!(moved, vec![(hs_key(101), Some(PersonId(1)))]);
    assert!(!a.changed());

    // Under keep_links the contact stays where it was, and person 2 joins it (b@ is shared now).
    let keep = IdentityRules {
        on_email_change: EmailChangePolicy::KeepLinks,
    };
    let plan = resolve(&recs, &[], &links, &keep);
    assert_eq!(plan.people.len(), 1);
    assert_eq!(plan.people[0].person, Some(PersonId(1)));
    assert_eq!(
        plan.merges,
        vec![PersonMerge {
            from: PersonId(2),
            into: PersonId(1)
        }]
    );
}

#[test]
fn a_split_to_a_new_email_leaves_one_part_as_a_new_person() {
    let links = vec![(hs_key(101), PersonId(1)), (lead_key(1), PersonId(1))];
    let hs = hs_contact(101, Some("new@example.com"), day(0, 0));
    let lead = sf_lead(1, Some("old@example.com"), day(0, 0));
    let plan = resolve(&[(&hs).into(), (&lead).into()], &[], &links, &IdentityRules::default());
    assert_eq!(plan.people.len(), 2);
    let kept: Vec<_> = plan.people.iter().filter_map(|p| p.person).collect();
    assert_eq!(kept, vec![PersonId(1)], "exactly one part keeps the id");
    assert!(plan.people.iter().any(|p| p.person.is_none() && p.changed()));
}

#[test]
fn links_of_records_missing_from_the_input_are_never_dropped() {
    let links = vec![(hs_key(101), PersonId(3)), (lead_key(9), PersonId(3))];
    let hs = hs_contact(101, Some("a@example.com"), day(0, 0));
    let plan = resolve(&[(&hs).into()], &[], &links, &IdentityRules::default());
    assert_eq!(plan.people.len(), 1);
    let p = &plan.people[0];
    assert_eq!(p.person, Some(PersonId(3)));
    assert!(p.members.iter().any(|m| m.key == lead_key(9)));
    assert!(!p.changed());
}

#[test]
fn match_keys_name_the_emails_and_records_to_load() {
    use closedloop_core::identity::MatchKey;
    let lead = converted(sf_lead(1, Some("a@example.com"), day(0, 0)), 7, day(1, 0));
    let rec: IdentityRecord = (&lead).into();
    let keys: Vec<MatchKey<'_>> = rec.match_keys().collect();
    assert_eq!(keys.len(), 2);
    assert!(matches!(keys[0], MatchKey::Email(e) if e.as_str() == "a@example.com"));
    assert!(matches!(keys[1], MatchKey::Record(k) if *k == contact_key(7)));
}

fn arb_records() -> impl Strategy<Value = (Vec<IdentityRecord>, Vec<(ExternalId, PersonId)>)> {
    let one = (
        0u32..30,
        0u8..3,
        prop::option::of(0u8..6),
        0i64..50,
        any::<bool>(),
        prop::option::of(0u32..30),
    );
    (
        prop::collection::vec(one, 1..25),
        prop::collection::vec((0u32..30, 0u8..3, 1i64..8), 0..20),
    )
        .prop_map(|(raw, raw_links)| {
            let key = |n: u32, kind: u8| match kind {
                0 => hs_key(u64::from(n) + 1),
                1 => lead_key(n),
                _ => contact_key(n),
            };
            let mut seen = std::collections::HashSet::new();
            let mut recs = Vec::new();
            for (n, kind, mail, created, deleted, convert_to) in raw {
                let k = key(n, kind);
                if !seen.insert(k.clone()) {
                    continue;
                }
                let mail = mail.map(|m| format!("p{m}@example.com"));
                let mut rec: IdentityRecord = match kind {
                    0 => (&hs_contact(u64::from(n) + 1, mail.as_deref(), day(created, 0))).into(),
                    1 => {
                        let lead = sf_lead(n, mail.as_deref(), day(created, 0));
                        match convert_to {
                            Some(c) => (&converted(lead, c, day(created + 1, 0))).into(),
                            None => (&lead).into(),
                        }
                    }
                    _ => (&sf_contact(n, mail.as_deref(), day(created, 0))).into(),
                };
                if deleted {
                    rec.state = RecordState::Deleted;
                }
                recs.push(rec);
            }
            // The store keeps one link per record key.
            let mut linked = std::collections::HashSet::new();
            let links = raw_links
                .into_iter()
                .map(|(n, kind, p)| (key(n, kind), PersonId(p)))
                .filter(|(k, _)| linked.insert(k.clone()))
                .collect();
            (recs, links)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn plans_are_complete_deterministic_and_keep_every_id(
        (recs, links) in arb_records(),
        keep in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let rules = IdentityRules {
            on_email_change: if keep { EmailChangePolicy::KeepLinks } else { EmailChangePolicy::Follow },
        };
        let plan = resolve(&recs, &[], &links, &rules);

        // Input order does not matter.
        let mut shuffled = recs.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(&resolve(&shuffled, &[], &links, &rules), &plan);

        // Every record is in exactly one person.
        let mut keys: Vec<&ExternalId> = plan.people.iter().flat_map(|p| p.members.iter().map(|m| &m.key)).collect();
        let total = keys.len();
        keys.sort();
        keys.dedup();
        prop_assert_eq!(keys.len(), total);
        for r in &recs {
            prop_assert!(keys.contains(&&r.key));
        }
        // Records sharing an email share a person.
        for a in &recs {
            for b in &recs {
                if a.email.is_some() && a.email == b.email {
                    prop_assert!(std::ptr::eq(person_of(&plan, &a.key), person_of(&plan, &b.key)));
                }
            }
        }
        // Every existing person id is kept by exactly one person or merged into a kept one.
        let mut ids: Vec<PersonId> = links.iter().map(|(_, p)| *p).collect();
        ids.sort();
        ids.dedup();
        let kept: Vec<PersonId> = plan.people.iter().filter_map(|p| p.person).collect();
        for id in ids {
            let k = kept.iter().filter(|&&p| p == id).count();
            let merged = plan.merges.iter().filter(|m| m.from == id).count();
            prop_assert_eq!(k + merged, 1, "person {:?}", id);
            if let Some(m) = plan.merges.iter().find(|m| m.from == id) {
                prop_assert!(m.into < m.from && kept.contains(&m.into));
            }
        }
        // At most one primary per system per person, and it is a person record of that system.
        for p in &plan.people {
            for system in [System::HubSpot, System::Salesforce] {
                prop_assert!(p.members.iter().filter(|m| m.primary && m.key.system == system).count() <= 1);
            }
        }
    }
}
