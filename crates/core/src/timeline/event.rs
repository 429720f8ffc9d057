//! The timeline: every touchpoint, record creation, stage change, conversion, deal event and sales
//! activity of one person, in time order, with the system each came from.
//!
//! Holds borrowed views into one [`PersonFacts`]; building it allocates one vector.
//!
//! Where a system reports a fact only as a current value, the timeline adds the event it implies:
//! a marketing contact's `hs_lifecyclestage_<stage>_date` values become lifecycle events (equal
//! ones from stage history count once), and a closed deal with no closing stage change gets a
//! closing event on its close date (or its last update when it has none). Deleted deals and
//! deleted activities are left out; deleted person records stay, as history.

use super::facts::PersonFacts;
use crate::Timestamp;
use crate::activity::SalesActivity;
use crate::deal::{Deal, StageValue};
use crate::ids::{ExternalId, SalesforceId};
use crate::money::Money;
use crate::stage::{DealStatus, LeadStatus, LifecycleStage, StageRef};
use crate::system::{ObjectType, System};
use crate::touchpoint::Touchpoint;
use std::borrow::Cow;
use std::collections::HashSet;

/// One person's events in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline<'a> {
    /// Sorted by time; at equal times, record creation before touches before stage changes before
    /// deal events before activities, then by subject and id, so the order is deterministic.
    pub events: Vec<TimelineEvent<'a>>,
}

/// One event.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent<'a> {
    /// When it happened.
    pub at: Timestamp,
    /// The system that reported it.
    pub source: System,
    /// The record it happened to: a person record, or a deal for deal events.
    pub subject: Cow<'a, ExternalId>,
    /// What happened.
    pub kind: EventKind<'a>,
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind<'a> {
    /// A person record was created.
    RecordCreated {
        /// A CRM Lead or Contact (else a marketing-platform contact).
        crm: bool,
    },
    /// A marketing touch.
    Touch(&'a Touchpoint),
    /// The lifecycle stage was entered.
    Lifecycle {
        /// The stage.
        stage: LifecycleStage,
    },
    /// The CRM lead status changed.
    LeadStatus {
        /// The status in closedloop's vocabulary.
        status: LeadStatus,
        /// The CRM's own value.
        raw: &'a str,
        /// The disqualification or recycle reason.
        reason: Option<&'a str>,
    },
    /// A CRM lead was converted.
    LeadConverted {
        /// The contact it became.
        contact: Option<&'a SalesforceId>,
    },
    /// A deal was created.
    DealCreated(&'a Deal),
    /// A deal changed stage.
    DealStage {
        /// The stage entered.
        stage: &'a StageRef,
        /// Open, won or lost after the change.
        status: DealStatus,
        /// The amount at that moment.
        amount: Option<Money>,
    },
    /// A deal closed, known only from its current status (no stage history shows it).
    DealClosed {
        /// The deal.
        deal: &'a Deal,
        /// Won or lost.
        status: DealStatus,
    },
    /// A sales activity.
    Activity(&'a SalesActivity),
}

impl EventKind<'_> {
    fn order(&self) -> u8 {
        match self {
            EventKind::RecordCreated { .. } => 0,
            EventKind::Touch(_) => 1,
            EventKind::Lifecycle { .. } => 2,
            EventKind::LeadStatus { .. } => 3,
            EventKind::LeadConverted { .. } => 4,
            EventKind::DealCreated(_) => 5,
            EventKind::DealStage { .. } => 6,
            EventKind::DealClosed { .. } => 7,
            EventKind::Activity(_) => 8,
        }
    }

    fn detail(&self) -> &str {
        match self {
            EventKind::Touch(t) => &t.source_event_id,
            EventKind::Lifecycle { stage } => stage.hubspot_value(),
            EventKind::LeadStatus { status, .. } => status.as_str(),
            EventKind::DealStage { stage, .. } => &stage.id,
            EventKind::Activity(a) => &a.id.id,
            _ => "",
        }
    }
}

impl<'a> Timeline<'a> {
    /// Builds the timeline of one person.
    pub fn build(facts: &'a PersonFacts) -> Self {
        let mut events = Vec::with_capacity(
            facts.touchpoints.len() + facts.stage_changes.len() + facts.activities.len() + 4 * facts.deals.len() + 8,
        );
        let ev = |at, source, subject, kind| TimelineEvent {
            at,
            source,
            subject,
            kind,
        };

        for c in &facts.marketing_contacts {
            let key = c.key();
            events.push(ev(
                c.created_at,
                key.system,
                Cow::Owned(key.clone()),
                EventKind::RecordCreated { crm: false },
            ));
            for (&stage, &at) in &c.lifecycle_dates {
                events.push(ev(
                    at,
                    key.system,
                    Cow::Owned(key.clone()),
                    EventKind::Lifecycle { stage },
                ));
            }
        }
        for l in &facts.crm_leads {
            let key = l.key();
            events.push(ev(
                l.created_at,
                key.system,
                Cow::Owned(key.clone()),
                EventKind::RecordCreated { crm: true },
            ));
            if let Some(conv) = &l.conversion
                && let Some(at) = conv.converted_at
            {
                events.push(ev(
                    at,
                    key.system,
                    Cow::Owned(key),
                    EventKind::LeadConverted {
                        contact: conv.contact_id.as_ref(),
                    },
                ));
            }
        }
        for c in &facts.crm_contacts {
            let key = c.key();
            events.push(ev(
                c.created_at,
                key.system,
                Cow::Owned(key),
                EventKind::RecordCreated { crm: true },
            ));
        }
        for t in &facts.touchpoints {
            events.push(ev(
                t.occurred_at,
                t.source,
                Cow::Borrowed(&t.subject),
                EventKind::Touch(t),
            ));
        }
        let deleted_deals: HashSet<&ExternalId> = facts.deals.iter().filter(|d| d.deleted).map(|d| &d.id).collect();
        let mut closed_by_history: HashSet<(&ExternalId, DealStatus)> = HashSet::new();
        for s in &facts.stage_changes {
            if deleted_deals.contains(&s.subject) {
                continue;
            }
            let kind = match &s.value {
                StageValue::Lifecycle { stage } => EventKind::Lifecycle { stage: *stage },
                StageValue::LeadStatus { status, raw, reason } => EventKind::LeadStatus {
                    status: *status,
                    raw,
                    reason: reason.as_deref(),
                },
                StageValue::DealStage { stage, status, amount } => {
                    if status.is_closed() {
                        closed_by_history.insert((&s.subject, *status));
                    }
                    EventKind::DealStage {
                        stage,
                        status: *status,
                        amount: *amount,
                    }
                }
            };
            events.push(ev(s.at, s.source, Cow::Borrowed(&s.subject), kind));
        }
        for d in facts.deals.iter().filter(|d| !d.deleted) {
            events.push(ev(
                d.created_at,
                d.id.system,
                Cow::Borrowed(&d.id),
                EventKind::DealCreated(d),
            ));
            if d.status.is_closed() && !closed_by_history.contains(&(&d.id, d.status)) {
                let at = d
                    .close_date
                    .and_then(|date| date.and_hms_opt(0, 0, 0))
                    .map(|naive| naive.and_utc())
                    .unwrap_or(d.updated_at);
                events.push(ev(
                    at,
                    d.id.system,
                    Cow::Borrowed(&d.id),
                    EventKind::DealClosed {
                        deal: d,
                        status: d.status,
                    },
                ));
            }
        }
        for a in facts.activities.iter().filter(|a| !a.deleted) {
            events.push(ev(
                a.occurred_at,
                a.id.system,
                Cow::Borrowed(&a.who),
                EventKind::Activity(a),
            ));
        }

        events.sort_by(|a, b| {
            a.at.cmp(&b.at)
                .then_with(|| a.kind.order().cmp(&b.kind.order()))
                .then_with(|| a.subject.cmp(&b.subject))
                .then_with(|| a.kind.detail().cmp(b.kind.detail()))
        });
        // A lifecycle date read from the contact and the same change from stage history count once.
        events.dedup_by(|later, earlier| {
            matches!((&later.kind, &earlier.kind), (EventKind::Lifecycle { stage: a }, EventKind::Lifecycle { stage: b }) if a == b)
                && later.at == earlier.at
                && later.subject == earlier.subject
        });
        Timeline { events }
    }

    /// The touchpoints, in time order.
    pub fn touches(&self) -> impl Iterator<Item = &'a Touchpoint> + '_ {
        self.events.iter().filter_map(|e| match e.kind {
            EventKind::Touch(t) => Some(t),
            _ => None,
        })
    }

    /// Events of the person's records of one object type (leads, contacts).
    pub fn of_object(&self, object: ObjectType) -> impl Iterator<Item = &TimelineEvent<'a>> + '_ {
        self.events.iter().filter(move |e| e.subject.object == object)
    }
}
