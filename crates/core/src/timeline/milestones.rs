//! Funnel milestones: when a person became a lead, an MQL, an SQL, an opportunity, a customer, or
//! was lost, each with the evidence that set it.
//!
//! Holds no state. A milestone is the earliest moment any evidence its rule lists appears in the
//! timeline ([`crate::rules::MilestoneRule`]). Lead statuses count only as timestamped changes: a
//! current status without history has no date, and a date taken from "last modified" would move
//! every time someone edits the record.

use super::contact::{SlaStatus, first_sales_contact, sla_status};
use super::event::{EventKind, Timeline};
use super::facts::PersonFacts;
use super::owner::{OwnerSide, owner_side};
use super::status::{CurrentLeadStatus, current_lead_status, furthest_lifecycle_stage};
use crate::Timestamp;
use crate::activity::ActivityKind;
use crate::ids::ExternalId;
use crate::rules::{MilestoneRule, StageRules};
use crate::stage::{DealStatus, LeadStatus, LifecycleStage};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A funnel milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    /// Became a lead.
    Lead,
    /// Became a marketing-qualified lead.
    Mql,
    /// Became a sales-qualified lead.
    Sql,
    /// An opportunity was opened.
    Opportunity,
    /// A deal was won.
    Won,
    /// Every deal was lost.
    Lost,
}

impl MilestoneKind {
    /// The funnel milestones in order (not `Lost`, which ends it).
    pub const FUNNEL: [MilestoneKind; 5] = [
        MilestoneKind::Lead,
        MilestoneKind::Mql,
        MilestoneKind::Sql,
        MilestoneKind::Opportunity,
        MilestoneKind::Won,
    ];

    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneKind::Lead => "lead",
            MilestoneKind::Mql => "mql",
            MilestoneKind::Sql => "sql",
            MilestoneKind::Opportunity => "opportunity",
            MilestoneKind::Won => "won",
            MilestoneKind::Lost => "lost",
        }
    }

    /// The lifecycle stage a person who reached this milestone is at, at least.
    pub fn lifecycle_stage(self) -> Option<LifecycleStage> {
        match self {
            MilestoneKind::Lead => Some(LifecycleStage::Lead),
            MilestoneKind::Mql => Some(LifecycleStage::MarketingQualifiedLead),
            MilestoneKind::Sql => Some(LifecycleStage::SalesQualifiedLead),
            MilestoneKind::Opportunity => Some(LifecycleStage::Opportunity),
            MilestoneKind::Won => Some(LifecycleStage::Customer),
            MilestoneKind::Lost => None,
        }
    }
}

impl fmt::Display for MilestoneKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What set a milestone (or the first sales contact): shown by `status` and the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// A lifecycle stage date.
    Lifecycle {
        /// The stage.
        stage: LifecycleStage,
        /// The record.
        record: ExternalId,
    },
    /// A CRM lead status change.
    LeadStatus {
        /// The status entered.
        status: LeadStatus,
        /// The lead.
        record: ExternalId,
    },
    /// A record's creation.
    RecordCreated {
        /// The record.
        record: ExternalId,
    },
    /// A lead's conversion.
    LeadConverted {
        /// The lead.
        record: ExternalId,
    },
    /// A deal's creation.
    DealCreated {
        /// The deal.
        deal: ExternalId,
    },
    /// A deal won.
    DealWon {
        /// The deal.
        deal: ExternalId,
    },
    /// A deal lost.
    DealLost {
        /// The deal.
        deal: ExternalId,
    },
    /// No evidence of its own: a later milestone implies it.
    Implied {
        /// The later milestone with evidence.
        by: MilestoneKind,
    },
    /// A sales activity.
    Activity {
        /// The activity.
        activity: ExternalId,
        /// Its kind.
        activity_kind: ActivityKind,
    },
}

/// A milestone's date and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    /// When.
    pub at: Timestamp,
    /// Why.
    pub evidence: Evidence,
}

impl Milestone {
    /// True when set by a later milestone rather than by evidence of its own.
    pub fn is_implied(&self) -> bool {
        matches!(self.evidence, Evidence::Implied { .. })
    }
}

/// How one deal went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealOutcome {
    /// The deal.
    pub deal: ExternalId,
    /// When it was created.
    pub created_at: Timestamp,
    /// Its current status.
    pub status: DealStatus,
    /// When it was first won, for a won deal.
    pub won_at: Option<Timestamp>,
    /// When it was last lost, for a lost deal.
    pub lost_at: Option<Timestamp>,
}

/// Everything derived from one person's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestones {
    /// Became a lead.
    pub lead: Option<Milestone>,
    /// Became an MQL.
    pub mql: Option<Milestone>,
    /// Became an SQL.
    pub sql: Option<Milestone>,
    /// First opportunity.
    pub opportunity: Option<Milestone>,
    /// First deal won.
    pub won: Option<Milestone>,
    /// Every deal lost (none open, none won).
    pub lost: Option<Milestone>,
    /// The first sales contact at or after the clock's start.
    pub first_sales_contact: Option<Milestone>,
    /// Whole minutes from the clock's start (the MQL date by default) to the first sales contact.
    pub speed_to_lead_minutes: Option<i64>,
    /// The SLA, evaluated at the `now` given.
    pub sla: SlaStatus,
    /// Who owns the person now.
    pub owner: OwnerSide,
    /// The furthest lifecycle stage reached, by the marketing platform or by the milestones.
    pub lifecycle_stage: Option<LifecycleStage>,
    /// The CRM lead status of the person's best Lead.
    pub lead_status: Option<CurrentLeadStatus>,
    /// Each live deal's outcome, in deal key order.
    pub deals: Vec<DealOutcome>,
}

impl Milestones {
    /// One milestone by kind.
    pub fn get(&self, kind: MilestoneKind) -> Option<&Milestone> {
        match kind {
            MilestoneKind::Lead => self.lead.as_ref(),
            MilestoneKind::Mql => self.mql.as_ref(),
            MilestoneKind::Sql => self.sql.as_ref(),
            MilestoneKind::Opportunity => self.opportunity.as_ref(),
            MilestoneKind::Won => self.won.as_ref(),
            MilestoneKind::Lost => self.lost.as_ref(),
        }
    }

    /// The date of one milestone.
    pub fn at(&self, kind: MilestoneKind) -> Option<Timestamp> {
        self.get(kind).map(|m| m.at)
    }
}

/// The evidence one event gives under one rule, if any.
fn evidence(rule: &MilestoneRule, event: &super::event::TimelineEvent<'_>) -> Option<Evidence> {
    let record = || event.subject.clone().into_owned();
    match &event.kind {
        EventKind::Lifecycle { stage } if rule.lifecycle_stage == Some(*stage) => Some(Evidence::Lifecycle {
            stage: *stage,
            record: record(),
        }),
        EventKind::LeadStatus { status, .. } if rule.lead_statuses.contains(status) => Some(Evidence::LeadStatus {
            status: *status,
            record: record(),
        }),
        EventKind::RecordCreated { crm } => {
            let wanted = if *crm {
                rule.crm_record_created
            } else {
                rule.marketing_record_created
            };
            wanted.then(|| Evidence::RecordCreated { record: record() })
        }
        EventKind::LeadConverted { .. } if rule.lead_conversion => Some(Evidence::LeadConverted { record: record() }),
        EventKind::DealCreated(_) if rule.deal_created => Some(Evidence::DealCreated { deal: record() }),
        EventKind::DealStage {
            status: DealStatus::Won,
            ..
        }
        | EventKind::DealClosed {
            status: DealStatus::Won,
            ..
        } if rule.deal_won => Some(Evidence::DealWon { deal: record() }),
        _ => None,
    }
}

/// Derives every milestone, the first sales contact, speed to lead, the SLA at `now`, the owner
/// side, the current lead status and the furthest lifecycle stage.
pub fn derive_milestones(
    facts: &PersonFacts,
    timeline: &Timeline<'_>,
    rules: &StageRules,
    now: Timestamp,
) -> Milestones {
    let mut found: [Option<Milestone>; 5] = Default::default();
    let mut lost_generic: Option<Milestone> = None;
    for event in &timeline.events {
        for (slot, kind) in found.iter_mut().zip(MilestoneKind::FUNNEL) {
            if slot.is_none()
                && let Some(evidence) = evidence(rules.rule(kind), event)
            {
                *slot = Some(Milestone { at: event.at, evidence });
            }
        }
        if lost_generic.is_none()
            && let Some(evidence) = evidence(&rules.lost, event)
        {
            lost_generic = Some(Milestone { at: event.at, evidence });
        }
    }
    if rules.imply_skipped_stages {
        // Walk back from the top: a missing stage takes the next later one's date.
        for i in (0..found.len() - 1).rev() {
            if found[i].is_none()
                && let Some(later) = &found[i + 1]
            {
                let by = match later.evidence {
                    Evidence::Implied { by } => by,
                    _ => MilestoneKind::FUNNEL[i + 1],
                };
                found[i] = Some(Milestone {
                    at: later.at,
                    evidence: Evidence::Implied { by },
                });
            }
        }
    }
    let deals = deal_outcomes(facts, timeline);
    let [lead, mql, sql, opportunity, won] = found;
    let lost = lost_milestone(rules, &deals, lost_generic, won.is_some());

    let mut m = Milestones {
        lead,
        mql,
        sql,
        opportunity,
        won,
        lost,
        first_sales_contact: None,
        speed_to_lead_minutes: None,
        sla: SlaStatus::NotApplicable,
        owner: OwnerSide::default(),
        lifecycle_stage: None,
        lead_status: current_lead_status(facts, timeline),
        deals,
    };
    let anchor = m.get(rules.first_contact.anchor.milestone()).cloned();
    if let Some(anchor) = &anchor {
        m.first_sales_contact = first_sales_contact(timeline, &rules.first_contact, anchor.at);
        m.speed_to_lead_minutes = m.first_sales_contact.as_ref().map(|c| (c.at - anchor.at).num_minutes());
        m.sla = sla_status(anchor, m.first_sales_contact.as_ref(), rules.sla_hours, now);
    }
    m.lifecycle_stage = furthest_lifecycle_stage(facts, &m);
    m.owner = owner_side(facts, timeline, &m, &rules.owner);
    m
}

fn lost_milestone(
    rules: &StageRules,
    deals: &[DealOutcome],
    generic: Option<Milestone>,
    won: bool,
) -> Option<Milestone> {
    if won || deals.iter().any(|d| d.status == DealStatus::Open) {
        return None;
    }
    let all_lost = rules.lost.deal_lost && !deals.is_empty() && deals.iter().all(|d| d.status == DealStatus::Lost);
    let by_deals = if all_lost {
        deals
            .iter()
            .filter_map(|d| d.lost_at.map(|at| (at, &d.deal)))
            .max()
            .map(|(at, deal)| Milestone {
                at,
                evidence: Evidence::DealLost { deal: deal.clone() },
            })
    } else {
        None
    };
    match (generic, by_deals) {
        (Some(g), Some(d)) => Some(if g.at <= d.at { g } else { d }),
        (g, d) => g.or(d),
    }
}

fn deal_outcomes(facts: &PersonFacts, timeline: &Timeline<'_>) -> Vec<DealOutcome> {
    let mut out: Vec<DealOutcome> = facts
        .deals
        .iter()
        .filter(|d| !d.deleted)
        .map(|d| DealOutcome {
            deal: d.id.clone(),
            created_at: d.created_at,
            status: d.status,
            won_at: None,
            lost_at: None,
        })
        .collect();
    out.sort_by(|a, b| a.deal.cmp(&b.deal));
    out.dedup_by(|a, b| a.deal == b.deal);
    for e in &timeline.events {
        let status = match &e.kind {
            EventKind::DealStage { status, .. } | EventKind::DealClosed { status, .. } => *status,
            _ => continue,
        };
        let Ok(i) = out.binary_search_by(|d| d.deal.cmp(&e.subject)) else {
            continue;
        };
        let d = &mut out[i];
        match status {
            // A reopened deal that is won again keeps its first win: revenue was booked then.
            DealStatus::Won if d.status == DealStatus::Won && d.won_at.is_none() => d.won_at = Some(e.at),
            DealStatus::Lost if d.status == DealStatus::Lost => d.lost_at = Some(e.at),
            _ => {}
        }
    }
    out
}
