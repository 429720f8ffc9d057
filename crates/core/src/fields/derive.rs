//! Computing the catalog's values for one person.
//!
//! Holds borrowed views into one person's facts, timeline and milestones, plus the few touches and
//! the deal the values are read from, found once in [`DerivedValues::new`].
//!
//! "Eligible" touches are those of the attribution's `touch_kinds`, so first touch here is the
//! touch the first-touch model credits. The current deal is the newest open deal, else the one
//! closed last.

use super::catalog::DerivedField;
use super::summary::{depth_text, engagement_summary};
use super::value::Value;
use crate::catalog::{Campaign, ContentAsset};
use crate::deal::Deal;
use crate::ids::ExternalId;
use crate::records::MarketingContact;
use crate::rules::AttributionRules;
use crate::stage::DealStatus;
use crate::timeline::{CrmRecord, MilestoneKind, Milestones, PersonFacts, SlaStatus, Timeline};
use crate::touchpoint::{ContentKey, Touchpoint};
use std::collections::HashMap;

/// Campaign names and content assets, to name what touches point at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct References {
    /// Campaigns by key.
    pub campaigns: HashMap<ExternalId, Campaign>,
    /// Content assets by key.
    pub content: HashMap<ContentKey, ContentAsset>,
}

impl References {
    /// Indexes campaigns and content assets.
    pub fn new(campaigns: impl IntoIterator<Item = Campaign>, content: impl IntoIterator<Item = ContentAsset>) -> Self {
        References {
            campaigns: campaigns.into_iter().map(|c| (c.id.clone(), c)).collect(),
            content: content.into_iter().map(|c| (c.key.clone(), c)).collect(),
        }
    }

    fn campaign_name(&self, id: &ExternalId) -> String {
        self.campaigns
            .get(id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| id.id.clone())
    }

    fn content_title<'a>(&'a self, key: &'a ContentKey) -> &'a str {
        self.content
            .get(key)
            .map(|c| c.title.as_str())
            .unwrap_or(key.0.as_str())
    }
}

/// One person's derived values, computed on demand by [`DerivedValues::get`].
#[derive(Debug, Clone)]
pub struct DerivedValues<'a> {
    contact: Option<&'a MarketingContact>,
    crm: Option<CrmRecord<'a>>,
    milestones: &'a Milestones,
    refs: &'a References,
    touches: Vec<&'a Touchpoint>,
    first: Option<&'a Touchpoint>,
    last: Option<&'a Touchpoint>,
    lead_creation: Option<&'a Touchpoint>,
    conversion: Option<&'a Touchpoint>,
    deal: Option<&'a Deal>,
}

impl<'a> DerivedValues<'a> {
    /// Finds the touches and the deal the values are read from.
    pub fn new(
        facts: &'a PersonFacts,
        timeline: &Timeline<'a>,
        milestones: &'a Milestones,
        refs: &'a References,
        attribution: &AttributionRules,
    ) -> Self {
        let touches: Vec<&'a Touchpoint> = timeline.touches().collect();
        let eligible = || {
            touches
                .iter()
                .copied()
                .filter(|t| attribution.touch_kinds.contains(&t.kind))
        };
        let at_or_before = |limit: Option<crate::Timestamp>| {
            limit.and_then(|limit| eligible().take_while(|t| t.occurred_at <= limit).last())
        };
        let mql = milestones.at(MilestoneKind::Mql);
        let conversion = match mql {
            Some(mql) => eligible()
                .filter(|t| t.content.is_some())
                .take_while(|t| t.occurred_at <= mql)
                .last(),
            None => eligible().rfind(|t| t.content.is_some()),
        };
        DerivedValues {
            contact: facts.primary_marketing_contact(),
            crm: facts.primary_crm_record(),
            milestones,
            refs,
            first: eligible().next(),
            last: eligible().next_back(),
            lead_creation: at_or_before(milestones.at(MilestoneKind::Lead)),
            conversion,
            deal: current_deal(facts, milestones),
            touches,
        }
    }

    /// The value of one catalog entry; `None` when the person has none.
    pub fn get(&self, field: DerivedField) -> Option<Value> {
        use DerivedField as D;
        let text = |s: &str| Some(Value::Text(s.to_owned()));
        let mc = self.contact;
        let m = self.milestones;
        let date = |k: MilestoneKind| m.at(k).map(Value::DateTime);
        match field {
            D::OriginalSource => mc
                .and_then(|c| c.original_source.channel)
                .and_then(|ch| text(ch.as_str())),
            D::OriginalSourceDetail => mc.and_then(|c| c.original_source.detail_1.as_deref()).and_then(text),
            D::LatestSource => mc
                .and_then(|c| c.latest_source.channel)
                .and_then(|ch| text(ch.as_str())),
            D::FirstTouchAt => self.first.map(|t| Value::DateTime(t.occurred_at)),
            D::FirstTouchKind => self.first.and_then(|t| text(t.kind.as_str())),
            D::FirstTouchChannel => self.channel(self.first),
            D::FirstTouchCampaign => self.campaign(self.first),
            D::FirstTouchContent => self.content(self.first),
            D::LastTouchAt => self.last.map(|t| Value::DateTime(t.occurred_at)),
            D::LastTouchKind => self.last.and_then(|t| text(t.kind.as_str())),
            D::LastTouchChannel => self.channel(self.last),
            D::LastTouchCampaign => self.campaign(self.last),
            D::LastTouchContent => self.content(self.last),
            D::LeadCreationAt => self.lead_creation.map(|t| Value::DateTime(t.occurred_at)),
            D::LeadCreationKind => self.lead_creation.and_then(|t| text(t.kind.as_str())),
            D::LeadCreationChannel => self.channel(self.lead_creation),
            D::LeadCreationCampaign => self.campaign(self.lead_creation),
            D::LeadCreationContent => self.content(self.lead_creation),
            D::ConversionContent => self.content(self.conversion),
            D::ConversionContentKind => self
                .conversion
                .and_then(|t| t.content.as_ref())
                .and_then(|k| self.refs.content.get(k))
                .and_then(|a| text(a.kind.as_str())),
            D::ConversionContentDepth => self.conversion.and_then(|t| {
                let asset = t.content.as_ref().and_then(|k| self.refs.content.get(k));
                depth_text(t, asset).map(Value::Text)
            }),
            D::ConversionContentAt => self.conversion.map(|t| Value::DateTime(t.occurred_at)),
            D::EngagementSummary => engagement_summary(&self.touches, |t| {
                t.content
                    .as_ref()
                    .map(|k| (self.refs.content_title(k), self.refs.content.get(k)))
            })
            .map(Value::Text),
            D::TouchpointCount => Some(Value::Integer(self.touches.len() as i64)),
            D::LifecycleStage => m.lifecycle_stage.and_then(|s| text(s.hubspot_value())),
            D::LeadDate => date(MilestoneKind::Lead),
            D::MqlDate => date(MilestoneKind::Mql),
            D::SqlDate => date(MilestoneKind::Sql),
            D::OpportunityDate => date(MilestoneKind::Opportunity),
            D::WonDate => date(MilestoneKind::Won),
            D::LostDate => date(MilestoneKind::Lost),
            D::OwnerSide => text(m.owner.side.as_str()),
            D::FirstContactAt => m.first_sales_contact.as_ref().map(|c| Value::DateTime(c.at)),
            D::SpeedToLeadMinutes => m.speed_to_lead_minutes.map(Value::Integer),
            D::SlaStatus => match m.sla {
                SlaStatus::NotApplicable => None,
                ref s => text(s.as_str()),
            },
            D::SlaDueAt => match m.sla {
                SlaStatus::Met { due_at, .. } | SlaStatus::Pending { due_at } | SlaStatus::Breached { due_at, .. } => {
                    Some(Value::DateTime(due_at))
                }
                SlaStatus::NotApplicable => None,
            },
            D::CrmLeadStatus => m
                .lead_status
                .as_ref()
                .and_then(|s| s.status)
                .and_then(|s| text(s.as_str())),
            D::CrmLeadStatusRaw => m.lead_status.as_ref().and_then(|s| s.raw.as_deref()).and_then(text),
            D::CrmLeadStatusHubSpot => m
                .lead_status
                .as_ref()
                .and_then(|s| s.status)
                .and_then(|s| text(s.hubspot_value())),
            D::CrmDisqualificationReason => m.lead_status.as_ref().and_then(|s| s.reason.as_deref()).and_then(text),
            D::CrmLeadSource => self
                .crm
                .and_then(|r| match r {
                    CrmRecord::Lead(l) => l.lead_source.as_deref(),
                    CrmRecord::Contact(c) => c.lead_source.as_deref(),
                })
                .and_then(text),
            D::DealName => self.deal.and_then(|d| d.name.as_deref()).and_then(text),
            D::DealStage => self.deal.and_then(|d| text(&d.stage.id)),
            D::DealAmount => self.deal.and_then(|d| d.amount).map(Value::Money),
            D::DealCurrency => self.deal.and_then(|d| d.amount).and_then(|a| text(a.currency.as_str())),
            D::DealStatus => self.deal.and_then(|d| text(d.status.as_str())),
            D::DealCloseReason => self.deal.and_then(|d| d.close_reason.as_deref()).and_then(text),
            D::DealCloseDate => self.deal.and_then(|d| d.close_date).map(Value::Date),
            D::DealCount => Some(Value::Integer(m.deals.len() as i64)),
        }
    }

    fn channel(&self, t: Option<&Touchpoint>) -> Option<Value> {
        t.and_then(|t| t.channel).map(|c| Value::Text(c.as_str().to_owned()))
    }

    fn campaign(&self, t: Option<&Touchpoint>) -> Option<Value> {
        t.and_then(|t| t.campaign.as_ref())
            .map(|c| Value::Text(self.refs.campaign_name(c)))
    }

    fn content(&self, t: Option<&Touchpoint>) -> Option<Value> {
        t.and_then(|t| t.content.as_ref())
            .map(|k| Value::Text(self.refs.content_title(k).to_owned()))
    }
}

fn current_deal<'a>(facts: &'a PersonFacts, m: &Milestones) -> Option<&'a Deal> {
    let live = || facts.deals.iter().filter(|d| !d.deleted);
    if let Some(open) = live()
        .filter(|d| d.status == DealStatus::Open)
        .max_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)))
    {
        return Some(open);
    }
    let closed_at = |d: &Deal| {
        m.deals
            .iter()
            .find(|o| o.deal == d.id)
            .and_then(|o| o.won_at.or(o.lost_at))
            .unwrap_or(d.updated_at)
    };
    live().max_by(|a, b| closed_at(a).cmp(&closed_at(b)).then(a.id.cmp(&b.id)))
}
