//! The catalog of derived values: stable names a mapping's `source` can use.
//!
//! Holds no state. Names are part of the config format: never rename one.

use super::value::FieldKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a derived value is read from, for the no-echo check: a value read from a system is never
/// mapped back to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The marketing platform (sources, touches, content).
    Marketing,
    /// The CRM (lead status, deals).
    Crm,
    /// Computed by closedloop from both (milestones, owner side, speed to lead).
    Closedloop,
}

macro_rules! catalog {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $kind:ident, $origin:ident; )*) => {
        /// A value closedloop derives for a person. The name in config is shown first in each doc.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub enum DerivedField {
            $( $(#[$doc])* $variant, )*
        }

        impl DerivedField {
            /// Every derived value, in catalog order.
            pub const ALL: &'static [DerivedField] = &[$(DerivedField::$variant,)*];

            /// The stable name used in config.
            pub fn name(self) -> &'static str {
                match self { $(DerivedField::$variant => $name,)* }
            }

            /// The value's natural type.
            pub fn kind(self) -> FieldKind {
                match self { $(DerivedField::$variant => FieldKind::$kind,)* }
            }

            /// Where it is read from.
            pub fn origin(self) -> Origin {
                match self { $(DerivedField::$variant => Origin::$origin,)* }
            }
        }
    };
}

catalog! {
    /// `original_source`: the marketing platform's original source channel (`paid_search`...).
    OriginalSource = "original_source", Text, Marketing;
    /// `original_source.detail`: its first drill-down (a campaign, a site, a search engine).
    OriginalSourceDetail = "original_source.detail", Text, Marketing;
    /// `latest_source`: the latest source channel.
    LatestSource = "latest_source", Text, Marketing;
    /// `first_touch.at`: when the first eligible touch happened.
    FirstTouchAt = "first_touch.at", DateTime, Marketing;
    /// `first_touch.kind`: its kind (`content_download`...).
    FirstTouchKind = "first_touch.kind", Text, Marketing;
    /// `first_touch.channel`: its channel.
    FirstTouchChannel = "first_touch.channel", Text, Marketing;
    /// `first_touch.campaign`: its campaign's name (the id when the name is unknown).
    FirstTouchCampaign = "first_touch.campaign", Text, Marketing;
    /// `first_touch.content`: its content's title.
    FirstTouchContent = "first_touch.content", Text, Marketing;
    /// `last_touch.at`: when the latest eligible touch happened.
    LastTouchAt = "last_touch.at", DateTime, Marketing;
    /// `last_touch.kind`: its kind.
    LastTouchKind = "last_touch.kind", Text, Marketing;
    /// `last_touch.channel`: its channel.
    LastTouchChannel = "last_touch.channel", Text, Marketing;
    /// `last_touch.campaign`: its campaign's name.
    LastTouchCampaign = "last_touch.campaign", Text, Marketing;
    /// `last_touch.content`: its content's title.
    LastTouchContent = "last_touch.content", Text, Marketing;
    /// `lead_creation.at`: when the lead-creation touch (the last eligible touch at or before the
    /// lead milestone) happened.
    LeadCreationAt = "lead_creation.at", DateTime, Marketing;
    /// `lead_creation.kind`: its kind.
    LeadCreationKind = "lead_creation.kind", Text, Marketing;
    /// `lead_creation.channel`: its channel.
    LeadCreationChannel = "lead_creation.channel", Text, Marketing;
    /// `lead_creation.campaign`: its campaign's name.
    LeadCreationCampaign = "lead_creation.campaign", Text, Marketing;
    /// `lead_creation.content`: its content's title.
    LeadCreationContent = "lead_creation.content", Text, Marketing;
    /// `conversion_content`: the title of the content that converted the person: the last eligible
    /// touch with content at or before the MQL date (or the latest one, before any MQL).
    ConversionContent = "conversion_content", Text, Marketing;
    /// `conversion_content.kind`: that content's kind (`webinar`, `whitepaper`...).
    ConversionContentKind = "conversion_content.kind", Text, Marketing;
    /// `conversion_content.depth`: how deeply they engaged with it ("watched 12 of 60 min").
    ConversionContentDepth = "conversion_content.depth", Text, Marketing;
    /// `conversion_content.at`: when.
    ConversionContentAt = "conversion_content.at", DateTime, Marketing;
    /// `engagement_summary`: one line on how the person was nurtured (counts per kind, the latest touch).
    EngagementSummary = "engagement_summary", Text, Marketing;
    /// `touchpoint_count`: every touchpoint, of any kind.
    TouchpointCount = "touchpoint_count", Number, Marketing;
    /// `lifecycle_stage`: the furthest lifecycle stage (HubSpot's value), never moving backwards.
    LifecycleStage = "lifecycle_stage", Text, Closedloop;
    /// `lead_date`: the lead milestone.
    LeadDate = "lead_date", DateTime, Closedloop;
    /// `mql_date`: the MQL milestone.
    MqlDate = "mql_date", DateTime, Closedloop;
    /// `sql_date`: the SQL milestone.
    SqlDate = "sql_date", DateTime, Closedloop;
    /// `opportunity_date`: the first opportunity.
    OpportunityDate = "opportunity_date", DateTime, Closedloop;
    /// `won_date`: the first won deal.
    WonDate = "won_date", DateTime, Closedloop;
    /// `lost_date`: when the last deal was lost (none open or won).
    LostDate = "lost_date", DateTime, Closedloop;
    /// `owner_side`: `marketing` or `sales`.
    OwnerSide = "owner_side", Text, Closedloop;
    /// `first_contact_at`: the first sales contact after the clock's start.
    FirstContactAt = "first_contact_at", DateTime, Closedloop;
    /// `speed_to_lead_minutes`: whole minutes from the MQL date to the first sales contact.
    SpeedToLeadMinutes = "speed_to_lead_minutes", Number, Closedloop;
    /// `sla_status`: `met`, `pending` or `breached` (empty when not applicable).
    SlaStatus = "sla_status", Text, Closedloop;
    /// `sla_due_at`: the contact deadline.
    SlaDueAt = "sla_due_at", DateTime, Closedloop;
    /// `crm.lead_status`: the lead status in closedloop's vocabulary (`disqualified`...).
    CrmLeadStatus = "crm.lead_status", Text, Crm;
    /// `crm.lead_status.raw`: the CRM's own status value (`Closed - Not Converted`).
    CrmLeadStatusRaw = "crm.lead_status.raw", Text, Crm;
    /// `crm.lead_status.hubspot`: the status as HubSpot's `hs_lead_status` value (`UNQUALIFIED`).
    CrmLeadStatusHubSpot = "crm.lead_status.hubspot", Text, Crm;
    /// `crm.disqualification_reason`: why sales disqualified the lead.
    CrmDisqualificationReason = "crm.disqualification_reason", Text, Crm;
    /// `crm.lead_source`: the CRM's `LeadSource`.
    CrmLeadSource = "crm.lead_source", Text, Crm;
    /// `deal.name`: the current deal's name. The current deal is the newest open one, else the
    /// one closed last.
    DealName = "deal.name", Text, Crm;
    /// `deal.stage`: its stage (HubSpot stage id, Salesforce `StageName`).
    DealStage = "deal.stage", Text, Crm;
    /// `deal.amount`: its amount, a decimal number.
    DealAmount = "deal.amount", Number, Crm;
    /// `deal.currency`: its currency code.
    DealCurrency = "deal.currency", Text, Crm;
    /// `deal.status`: `open`, `won` or `lost`.
    DealStatus = "deal.status", Text, Crm;
    /// `deal.close_reason`: why it was won or lost.
    DealCloseReason = "deal.close_reason", Text, Crm;
    /// `deal.close_date`: its expected or actual close date.
    DealCloseDate = "deal.close_date", Date, Crm;
    /// `deal.count`: how many live deals the person has.
    DealCount = "deal.count", Number, Crm;
}

/// A name that is not in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown derived value {0:?}")]
pub struct UnknownDerivedField(pub String);

impl DerivedField {
    /// Looks a name up.
    pub fn parse(name: &str) -> Result<Self, UnknownDerivedField> {
        DerivedField::ALL
            .iter()
            .copied()
            .find(|f| f.name() == name)
            .ok_or_else(|| UnknownDerivedField(name.chars().take(80).collect()))
    }
}

impl TryFrom<String> for DerivedField {
    type Error = UnknownDerivedField;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        DerivedField::parse(&s)
    }
}

impl From<DerivedField> for String {
    fn from(f: DerivedField) -> String {
        f.name().to_owned()
    }
}

impl fmt::Display for DerivedField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut names: Vec<&str> = DerivedField::ALL.iter().map(|f| f.name()).collect();
        for f in DerivedField::ALL {
            assert_eq!(DerivedField::parse(f.name()).unwrap(), *f);
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), DerivedField::ALL.len());
        assert!(DerivedField::parse("first_touch").is_err());
    }
}
