//! Stages: the lifecycle stage (marketing), the lead status (sales) and the deal status.
//!
//! Holds no state. Each is a closed enum with the vendor spellings it maps from and to, so an
//! unknown stage is an error at the edge (quarantined), never a silent default.

use crate::system::UnknownName;
use serde::{Deserialize, Serialize};
use std::fmt;

/// HubSpot's lifecycle stages, in funnel order. The order is meaningful: a later stage implies the earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleStage {
    /// Subscribed to content; not yet a lead.
    Subscriber,
    /// Gave contact details (usually a form).
    Lead,
    /// Marketing-qualified lead: marketing says sales should call.
    MarketingQualifiedLead,
    /// Sales-qualified lead: sales accepted it.
    SalesQualifiedLead,
    /// An open deal exists.
    Opportunity,
    /// A deal was won.
    Customer,
    /// A customer who promotes the product.
    Evangelist,
    /// Outside the funnel (partner, vendor...).
    Other,
}

impl LifecycleStage {
    /// Every stage, in funnel order.
    pub const ALL: [LifecycleStage; 8] = [
        LifecycleStage::Subscriber,
        LifecycleStage::Lead,
        LifecycleStage::MarketingQualifiedLead,
        LifecycleStage::SalesQualifiedLead,
        LifecycleStage::Opportunity,
        LifecycleStage::Customer,
        LifecycleStage::Evangelist,
        LifecycleStage::Other,
    ];

    /// HubSpot's internal value for `lifecyclestage`.
    pub fn hubspot_value(self) -> &'static str {
        match self {
            LifecycleStage::Subscriber => "subscriber",
            LifecycleStage::Lead => "lead",
            LifecycleStage::MarketingQualifiedLead => "marketingqualifiedlead",
            LifecycleStage::SalesQualifiedLead => "salesqualifiedlead",
            LifecycleStage::Opportunity => "opportunity",
            LifecycleStage::Customer => "customer",
            LifecycleStage::Evangelist => "evangelist",
            LifecycleStage::Other => "other",
        }
    }

    /// Parses HubSpot's internal value (case-insensitive; HubSpot sends lower case).
    pub fn from_hubspot(s: &str) -> Result<Self, UnknownName> {
        let lower = s.trim().to_ascii_lowercase();
        LifecycleStage::ALL
            .into_iter()
            .find(|stage| stage.hubspot_value() == lower)
            .ok_or_else(|| UnknownName::new("lifecycle stage", s))
    }

    /// The contact property that holds the date the contact entered this stage.
    pub fn hubspot_date_property(self) -> String {
        format!("hs_lifecyclestage_{}_date", self.hubspot_value())
    }

    /// True for the stages that are steps of the funnel (not `Other`).
    pub fn is_funnel_stage(self) -> bool {
        self != LifecycleStage::Other
    }
}

impl fmt::Display for LifecycleStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.hubspot_value())
    }
}

/// A lead's status as sales works it, in closedloop's vocabulary (the glossary's).
///
/// CRMs let each company name its statuses; the config maps each raw value to one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    /// Not worked yet.
    New,
    /// Assigned and open, no attempt recorded.
    Open,
    /// Sales tried to reach the person.
    AttemptingContact,
    /// Sales reached the person.
    Connected,
    /// Being worked after contact.
    InProgress,
    /// Sales accepted the lead (an opportunity is, or will be, open).
    Qualified,
    /// Sales rejected the lead; the reason travels alongside.
    Disqualified,
    /// Returned to marketing for nurturing ("bad timing").
    Recycled,
    /// The CRM converted the lead into a contact (and maybe an opportunity).
    Converted,
}

impl LeadStatus {
    /// Every status.
    pub const ALL: [LeadStatus; 9] = [
        LeadStatus::New,
        LeadStatus::Open,
        LeadStatus::AttemptingContact,
        LeadStatus::Connected,
        LeadStatus::InProgress,
        LeadStatus::Qualified,
        LeadStatus::Disqualified,
        LeadStatus::Recycled,
        LeadStatus::Converted,
    ];

    /// closedloop's snake-case name, used in config and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Open => "open",
            LeadStatus::AttemptingContact => "attempting_contact",
            LeadStatus::Connected => "connected",
            LeadStatus::InProgress => "in_progress",
            LeadStatus::Qualified => "qualified",
            LeadStatus::Disqualified => "disqualified",
            LeadStatus::Recycled => "recycled",
            LeadStatus::Converted => "converted",
        }
    }

    /// Parses closedloop's snake-case name.
    pub fn parse(s: &str) -> Result<Self, UnknownName> {
        LeadStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownName::new("lead status", s))
    }

    /// HubSpot's `hs_lead_status` value for this status.
    pub fn hubspot_value(self) -> &'static str {
        match self {
            LeadStatus::New => "NEW",
            LeadStatus::Open => "OPEN",
            LeadStatus::AttemptingContact => "ATTEMPTED_TO_CONTACT",
            LeadStatus::Connected => "CONNECTED",
            LeadStatus::InProgress => "IN_PROGRESS",
            LeadStatus::Qualified | LeadStatus::Converted => "OPEN_DEAL",
            LeadStatus::Disqualified => "UNQUALIFIED",
            LeadStatus::Recycled => "BAD_TIMING",
        }
    }

    /// Parses HubSpot's `hs_lead_status`.
    pub fn from_hubspot(s: &str) -> Result<Self, UnknownName> {
        Ok(match s.trim() {
            "NEW" => LeadStatus::New,
            "OPEN" => LeadStatus::Open,
            "ATTEMPTED_TO_CONTACT" => LeadStatus::AttemptingContact,
            "CONNECTED" => LeadStatus::Connected,
            "IN_PROGRESS" => LeadStatus::InProgress,
            "OPEN_DEAL" => LeadStatus::Qualified,
            "UNQUALIFIED" => LeadStatus::Disqualified,
            "BAD_TIMING" => LeadStatus::Recycled,
            _ => return Err(UnknownName::new("hubspot lead status", s)),
        })
    }

    /// True once sales has closed the lead either way.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            LeadStatus::Disqualified | LeadStatus::Converted | LeadStatus::Qualified
        )
    }
}

impl fmt::Display for LeadStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a deal stands: still open, or closed won or lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    /// Not closed.
    Open,
    /// Closed and won.
    Won,
    /// Closed and lost.
    Lost,
}

impl DealStatus {
    /// From the vendors' two flags (`IsClosed`/`IsWon`, or a stage's `isClosed` and `closedwon`).
    pub fn from_flags(is_closed: bool, is_won: bool) -> Self {
        match (is_closed, is_won) {
            (false, _) => DealStatus::Open,
            (true, true) => DealStatus::Won,
            (true, false) => DealStatus::Lost,
        }
    }

    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DealStatus::Open => "open",
            DealStatus::Won => "won",
            DealStatus::Lost => "lost",
        }
    }

    /// Parses the snake-case name.
    pub fn parse(s: &str) -> Result<Self, UnknownName> {
        match s {
            "open" => Ok(DealStatus::Open),
            "won" => Ok(DealStatus::Won),
            "lost" => Ok(DealStatus::Lost),
            _ => Err(UnknownName::new("deal status", s)),
        }
    }

    /// True when the deal is closed either way.
    pub fn is_closed(self) -> bool {
        self != DealStatus::Open
    }
}

impl fmt::Display for DealStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A deal stage as a pipeline defines it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StageRef {
    /// The pipeline id (`default` in HubSpot; Salesforce has one implicit pipeline per record type).
    pub pipeline: String,
    /// The stage's id (HubSpot) or API name (Salesforce `StageName`).
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_stages_round_trip_and_order() {
        for s in LifecycleStage::ALL {
            assert_eq!(LifecycleStage::from_hubspot(s.hubspot_value()).unwrap(), s);
        }
        assert!(LifecycleStage::Lead < LifecycleStage::MarketingQualifiedLead);
        assert!(LifecycleStage::Opportunity < LifecycleStage::Customer);
        assert_eq!(
            LifecycleStage::MarketingQualifiedLead.hubspot_date_property(),
            "hs_lifecyclestage_marketingqualifiedlead_date"
        );
        assert!(LifecycleStage::from_hubspot("prospect").is_err());
        assert_eq!(
            LifecycleStage::from_hubspot(" Customer ").unwrap(),
            LifecycleStage::Customer
        );
    }

    #[test]
    fn lead_statuses_round_trip() {
        for s in LeadStatus::ALL {
            assert_eq!(LeadStatus::parse(s.as_str()).unwrap(), s);
            let via_hubspot = LeadStatus::from_hubspot(s.hubspot_value()).unwrap();
            // Qualified and Converted share OPEN_DEAL; everything else is exact.
            if s != LeadStatus::Converted {
                assert_eq!(via_hubspot, s);
            }
        }
        assert!(LeadStatus::from_hubspot("MAYBE").is_err());
    }

    #[test]
    fn deal_status_from_flags() {
        assert_eq!(DealStatus::from_flags(false, true), DealStatus::Open);
        assert_eq!(DealStatus::from_flags(true, true), DealStatus::Won);
        assert_eq!(DealStatus::from_flags(true, false), DealStatus::Lost);
        assert!(DealStatus::Won.is_closed() && !DealStatus::Open.is_closed());
    }
}
