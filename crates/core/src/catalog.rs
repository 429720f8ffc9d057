//! Reference data: campaigns, content assets, owners and deal pipelines.
//!
//! Holds no state. These name things in reports and pushes; they change rarely.

use crate::Timestamp;
use crate::email::Email;
use crate::ids::ExternalId;
use crate::system::{System, UnknownName};
use crate::touchpoint::{Channel, ContentKey};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A marketing or CRM campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    /// The campaign's key (system, `campaign`, id).
    pub id: ExternalId,
    /// Its name.
    pub name: String,
    /// The channel it runs on, when known.
    pub channel: Option<Channel>,
    /// The campaign type (`Webinar`, `Email`, `Paid search`...).
    pub kind: Option<String>,
    /// Start date.
    pub starts_on: Option<NaiveDate>,
    /// End date.
    pub ends_on: Option<NaiveDate>,
}

/// What a content asset is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    /// A gated whitepaper or report.
    Whitepaper,
    /// An e-book or guide.
    Ebook,
    /// A webinar or other marketing event.
    Webinar,
    /// A customer case study.
    CaseStudy,
    /// A demo or trial request.
    Demo,
    /// A plain form (contact us, newsletter).
    Form,
    /// A web page.
    Page,
    /// A marketing email.
    Email,
    /// Anything else.
    Other,
}

impl ContentKind {
    /// Every kind.
    pub const ALL: [ContentKind; 9] = [
        ContentKind::Whitepaper,
        ContentKind::Ebook,
        ContentKind::Webinar,
        ContentKind::CaseStudy,
        ContentKind::Demo,
        ContentKind::Form,
        ContentKind::Page,
        ContentKind::Email,
        ContentKind::Other,
    ];

    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentKind::Whitepaper => "whitepaper",
            ContentKind::Ebook => "ebook",
            ContentKind::Webinar => "webinar",
            ContentKind::CaseStudy => "case_study",
            ContentKind::Demo => "demo",
            ContentKind::Form => "form",
            ContentKind::Page => "page",
            ContentKind::Email => "email",
            ContentKind::Other => "other",
        }
    }

    /// Parses the snake-case name.
    pub fn parse(s: &str) -> Result<Self, UnknownName> {
        ContentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownName::new("content kind", s))
    }

    /// True for content that is consumed (and so has a depth worth reporting).
    pub fn is_gated_offer(self) -> bool {
        matches!(
            self,
            ContentKind::Whitepaper | ContentKind::Ebook | ContentKind::CaseStudy | ContentKind::Webinar
        )
    }
}

/// A piece of content people engage with: an offer behind a form, a webinar, a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentAsset {
    /// The asset's key.
    pub key: ContentKey,
    /// What it is.
    pub kind: ContentKind,
    /// Its title.
    pub title: String,
    /// Where it lives, when it has a URL.
    pub url: Option<String>,
    /// The campaign it belongs to, when known.
    pub campaign: Option<ExternalId>,
    /// For webinars: the running time, so depth can be read as a share.
    pub duration_seconds: Option<u32>,
}

/// A user who owns records: a marketer or a sales rep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    /// The owner's key (system, `owner`, id).
    pub id: ExternalId,
    /// The owner's email; joins a HubSpot owner to a Salesforce user.
    pub email: Option<Email>,
    /// The display name.
    pub name: Option<String>,
    /// False when the user was deactivated.
    pub active: bool,
}

/// One stage of a deal pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineStage {
    /// The stage id (HubSpot) or API name (Salesforce).
    pub id: String,
    /// The display label.
    pub label: String,
    /// Its position in the pipeline.
    pub display_order: i32,
    /// Win probability, 0 to 1, when defined.
    pub probability: Option<f64>,
    /// True for closed stages.
    pub is_closed: bool,
    /// True for the won stage(s).
    pub is_won: bool,
}

/// A deal pipeline with its stages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    /// The system that defines it.
    pub system: System,
    /// The pipeline id.
    pub id: String,
    /// The display label.
    pub label: String,
    /// The stages in display order.
    pub stages: Vec<PipelineStage>,
    /// When the source last changed it.
    pub updated_at: Option<Timestamp>,
}
