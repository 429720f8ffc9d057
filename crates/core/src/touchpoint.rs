//! Touchpoints: one marketing interaction of one person at one moment.
//!
//! Holds no state. A touchpoint is keyed by its source system and source event id, so re-reading
//! the same event any number of times stores it once.

use crate::Timestamp;
use crate::ids::ExternalId;
use crate::system::{System, UnknownName};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of interaction a touchpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TouchpointKind {
    /// A form submitted (contact request, demo request, newsletter).
    FormSubmission,
    /// A gated content offer (whitepaper, e-book) obtained through a form.
    ContentDownload,
    /// Registered for a webinar or marketing event.
    WebinarRegistration,
    /// Attended a webinar or marketing event; depth says how much.
    WebinarAttendance,
    /// Clicked a link in a marketing email.
    EmailClick,
    /// Opened a marketing email (weak signal; excluded from attribution by default).
    EmailOpen,
    /// Viewed a page (weak signal; excluded from attribution by default).
    PageView,
    /// Clicked a call to action.
    CtaClick,
    /// Responded to a CRM campaign (Salesforce CampaignMember with `HasResponded`).
    CampaignResponse,
}

impl TouchpointKind {
    /// Every kind.
    pub const ALL: [TouchpointKind; 9] = [
        TouchpointKind::FormSubmission,
        TouchpointKind::ContentDownload,
        TouchpointKind::WebinarRegistration,
        TouchpointKind::WebinarAttendance,
        TouchpointKind::EmailClick,
        TouchpointKind::EmailOpen,
        TouchpointKind::PageView,
        TouchpointKind::CtaClick,
        TouchpointKind::CampaignResponse,
    ];

    /// The snake-case name used in config and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            TouchpointKind::FormSubmission => "form_submission",
            TouchpointKind::ContentDownload => "content_download",
            TouchpointKind::WebinarRegistration => "webinar_registration",
            TouchpointKind::WebinarAttendance => "webinar_attendance",
            TouchpointKind::EmailClick => "email_click",
            TouchpointKind::EmailOpen => "email_open",
            TouchpointKind::PageView => "page_view",
            TouchpointKind::CtaClick => "cta_click",
            TouchpointKind::CampaignResponse => "campaign_response",
        }
    }

    /// Parses the snake-case name.
    pub fn parse(s: &str) -> Result<Self, UnknownName> {
        TouchpointKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownName::new("touchpoint kind", s))
    }
}

impl fmt::Display for TouchpointKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The marketing channel a touch came through (HubSpot's source buckets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
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
    /// Links from other sites.
    Referral,
    /// Typed URL or bookmark.
    Direct,
    /// Offline sources: imports, events, sales entry.
    Offline,
    /// Campaigns that fit no other bucket.
    OtherCampaigns,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 9] = [
        Channel::OrganicSearch,
        Channel::PaidSearch,
        Channel::Email,
        Channel::OrganicSocial,
        Channel::PaidSocial,
        Channel::Referral,
        Channel::Direct,
        Channel::Offline,
        Channel::OtherCampaigns,
    ];

    /// HubSpot's `hs_analytics_source` value.
    pub fn hubspot_value(self) -> &'static str {
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

    /// Parses HubSpot's `hs_analytics_source`.
    pub fn from_hubspot(s: &str) -> Result<Self, UnknownName> {
        Channel::ALL
            .into_iter()
            .find(|c| c.hubspot_value() == s.trim())
            .ok_or_else(|| UnknownName::new("channel", s))
    }

    /// closedloop's snake-case name.
    pub fn as_str(self) -> &'static str {
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

    /// Parses closedloop's snake-case name.
    pub fn parse(s: &str) -> Result<Self, UnknownName> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownName::new("channel", s))
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A percentage between 0 and 100, held in hundredths of a percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Percent(u16);

/// A percentage outside 0..=100 or not a number.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("percentage {0} is not between 0 and 100")]
pub struct PercentError(pub f64);

impl Percent {
    /// Validates a percentage such as `42.5`.
    pub fn new(value: f64) -> Result<Self, PercentError> {
        if value.is_finite() && (0.0..=100.0).contains(&value) {
            Ok(Percent((value * 100.0).round() as u16))
        } else {
            Err(PercentError(value))
        }
    }

    /// The value in percent.
    pub fn value(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    /// The value in hundredths of a percent (what the store keeps).
    pub fn hundredths(self) -> u16 {
        self.0
    }
}

impl TryFrom<f64> for Percent {
    type Error = PercentError;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        Percent::new(v)
    }
}

impl From<Percent> for f64 {
    fn from(p: Percent) -> f64 {
        p.value()
    }
}

/// How deeply a person engaged in one touch, where the source says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Depth {
    /// Time spent watching (webinar, video), and the share of the whole when known.
    Watched {
        /// Seconds watched.
        seconds: u32,
        /// Share of the whole watched, when the source reports it.
        percent: Option<Percent>,
    },
    /// A share consumed without a duration (scroll depth, document read).
    Share {
        /// Share consumed.
        percent: Percent,
    },
    /// A count of units consumed (pages read, downloads).
    Count {
        /// How many.
        count: u32,
    },
}

/// A stable key for one content asset, such as `hubspot:form:<guid>` or `hubspot:event:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentKey(pub String);

impl ContentKey {
    /// A key for content identified inside `system` by `kind` and `id`.
    pub fn new(system: System, kind: &str, id: &str) -> Self {
        ContentKey(format!("{}:{}:{}", system.as_str(), kind, id))
    }
}

impl fmt::Display for ContentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One marketing interaction of one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Touchpoint {
    /// The system that reported it.
    pub source: System,
    /// The event's id in that system; with `source`, the touchpoint's unique key.
    pub source_event_id: String,
    /// The person record it belongs to (a HubSpot contact, a Salesforce lead or contact).
    pub subject: ExternalId,
    /// What happened.
    pub kind: TouchpointKind,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// The channel it came through, when known.
    pub channel: Option<Channel>,
    /// The campaign it belongs to, when known.
    pub campaign: Option<ExternalId>,
    /// The content asset it engaged with, when any.
    pub content: Option<ContentKey>,
    /// How deeply, when the source says.
    pub depth: Option<Depth>,
    /// A short human detail: the page URL, the email name, the form name.
    pub detail: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_channels_round_trip() {
        for k in TouchpointKind::ALL {
            assert_eq!(TouchpointKind::parse(k.as_str()).unwrap(), k);
        }
        for c in Channel::ALL {
            assert_eq!(Channel::from_hubspot(c.hubspot_value()).unwrap(), c);
            assert_eq!(Channel::parse(c.as_str()).unwrap(), c);
        }
        assert!(Channel::from_hubspot("TV").is_err());
    }

    #[test]
    fn percent_is_bounded() {
        assert_eq!(Percent::new(42.5).unwrap().value(), 42.5);
        assert_eq!(Percent::new(100.0).unwrap().hundredths(), 10_000);
        for bad in [-0.1, 100.01, f64::NAN, f64::INFINITY] {
            assert!(Percent::new(bad).is_err());
        }
        assert!(serde_json::from_str::<Percent>("101").is_err());
    }

    #[test]
    fn depth_serializes_with_a_tag() {
        let d = Depth::Watched {
            seconds: 720,
            percent: Some(Percent::new(20.0).unwrap()),
        };
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, r#"{"kind":"watched","seconds":720,"percent":20.0}"#);
        assert_eq!(serde_json::from_str::<Depth>(&json).unwrap(), d);
    }
}
