//! Marketing channels and how each vendor spells them.
//!
//! Holds no state. The simulator does not depend on closedloop-core (it is an independent oracle
//! of the vendors), so the channel names are spelled out here; they match closedloop's channel
//! names and HubSpot's `hs_analytics_source` values.

use super::sample::Draw;

/// Where a visit or a person came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    /// Unpaid search results.
    OrganicSearch,
    /// Paid search ads.
    PaidSearch,
    /// Marketing email.
    Email,
    /// Unpaid social media.
    OrganicSocial,
    /// Paid social ads.
    PaidSocial,
    /// Links from other sites and partners.
    Referral,
    /// Typed URL or bookmark.
    Direct,
    /// Imports, events, sales entry.
    Offline,
    /// Tagged campaigns that fit no other bucket.
    OtherCampaigns,
}

impl Channel {
    /// closedloop's snake-case name (`CampaignSpec.channel`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Channel::OrganicSearch => "organic_search",
            Channel::PaidSearch => "paid_search",
            Channel::Email => "email",
            Channel::OrganicSocial => "organic_social",
            Channel::PaidSocial => "paid_social",
            Channel::Referral => "referral",
            Channel::Direct => "direct",
            Channel::Offline => "offline",
            Channel::OtherCampaigns => "other_campaigns",
        }
    }

    /// HubSpot's `hs_analytics_source` / `hs_latest_source` value.
    pub(crate) fn hubspot_value(self) -> &'static str {
        match self {
            Channel::OrganicSearch => "ORGANIC_SEARCH",
            Channel::PaidSearch => "PAID_SEARCH",
            Channel::Email => "EMAIL_MARKETING",
            Channel::OrganicSocial => "SOCIAL_MEDIA",
            Channel::PaidSocial => "PAID_SOCIAL",
            Channel::Referral => "REFERRALS",
            Channel::Direct => "DIRECT_TRAFFIC",
            Channel::Offline => "OFFLINE",
            Channel::OtherCampaigns => "OTHER_CAMPAIGNS",
        }
    }

    /// The Salesforce `LeadSource` picklist value a lead from this channel gets.
    pub(crate) fn lead_source(self) -> &'static str {
        match self {
            Channel::OrganicSearch | Channel::Direct => "Web",
            Channel::PaidSearch | Channel::PaidSocial => "Advertisement",
            Channel::Email => "Email",
            Channel::OrganicSocial => "Social Media",
            Channel::Referral => "Partner Referral",
            Channel::Offline => "Trade Show",
            Channel::OtherCampaigns => "Other",
        }
    }

    /// HubSpot's drill-down values (`hs_analytics_source_data_1` and `_2`) for a visit from this
    /// channel; `campaign_slug` is the tagged campaign, when there is one.
    pub(crate) fn source_data(self, campaign_slug: Option<&str>, d: &mut Draw) -> (Option<String>, Option<String>) {
        let slug = campaign_slug.map(str::to_owned);
        match self {
            Channel::OrganicSearch => (
                Some(
                    d.weighted_pick(&[("google", 88.0), ("bing", 8.0), ("duckduckgo", 4.0)])
                        .to_string(),
                ),
                // Search engines hide the keyword; HubSpot shows this for most organic visits.
                Some("Unknown keywords (SSL)".to_owned()),
            ),
            Channel::PaidSearch => (
                Some(d.weighted_pick(&[("google", 85.0), ("bing", 15.0)]).to_string()),
                Some(
                    d.pick(&[
                        "revenue attribution software",
                        "marketing sales alignment",
                        "lead routing tool",
                        "hubspot salesforce sync",
                    ])
                    .to_string(),
                ),
            ),
            Channel::Email => (slug, None),
            Channel::OrganicSocial => (
                Some(
                    d.weighted_pick(&[("LinkedIn", 70.0), ("Twitter", 20.0), ("Facebook", 10.0)])
                        .to_string(),
                ),
                None,
            ),
            Channel::PaidSocial => (
                Some(d.weighted_pick(&[("LinkedIn", 60.0), ("Facebook", 40.0)]).to_string()),
                slug,
            ),
            Channel::Referral => (
                Some(
                    d.pick(&[
                        "g2.com",
                        "capterra.com",
                        "partner.example.org",
                        "news.ycombinator.com",
                        "medium.com",
                    ])
                    .to_string(),
                ),
                None,
            ),
            Channel::Direct => (None, None),
            Channel::Offline => (Some("IMPORT".to_owned()), slug),
            Channel::OtherCampaigns => (slug, None),
        }
    }
}
