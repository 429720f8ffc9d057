//! The external systems closedloop talks to and the kinds of objects it reads from them.
//!
//! Holds no state. `System` and `ObjectType` are the first two parts of every external key
//! (see [`crate::ids::ExternalId`]), so their string forms are stored in SQLite and must never change.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A system of record on either side of the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    /// HubSpot: the marketing platform, and optionally the CRM too.
    HubSpot,
    /// Salesforce: the CRM.
    Salesforce,
    /// Pipedrive: a CRM (not yet connected; kept so stored keys never need renaming).
    Pipedrive,
}

impl System {
    /// The stable lower-case name used in storage, config, logs and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            System::HubSpot => "hubspot",
            System::Salesforce => "salesforce",
            System::Pipedrive => "pipedrive",
        }
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for System {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "hubspot" => Ok(System::HubSpot),
            "salesforce" => Ok(System::Salesforce),
            "pipedrive" => Ok(System::Pipedrive),
            _ => Err(UnknownName::new("system", s)),
        }
    }
}

/// The kind of external object a record is. Names are closedloop's, not the vendor's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectType {
    /// A marketing-platform contact (HubSpot contact), or a CRM contact (Salesforce Contact).
    Contact,
    /// A CRM lead (Salesforce Lead): a person sales has not converted yet.
    Lead,
    /// A deal or opportunity.
    Deal,
    /// A company or account.
    Account,
    /// A marketing or CRM campaign.
    Campaign,
    /// A user who owns records.
    Owner,
    /// A sales activity (task, call, email, meeting).
    Activity,
    /// One engagement event (form submission, webinar attendance, click, page view).
    Engagement,
}

impl ObjectType {
    /// The stable snake-case name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Contact => "contact",
            ObjectType::Lead => "lead",
            ObjectType::Deal => "deal",
            ObjectType::Account => "account",
            ObjectType::Campaign => "campaign",
            ObjectType::Owner => "owner",
            ObjectType::Activity => "activity",
            ObjectType::Engagement => "engagement",
        }
    }
}

impl fmt::Display for ObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ObjectType {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "contact" => ObjectType::Contact,
            "lead" => ObjectType::Lead,
            "deal" => ObjectType::Deal,
            "account" => ObjectType::Account,
            "campaign" => ObjectType::Campaign,
            "owner" => ObjectType::Owner,
            "activity" => ObjectType::Activity,
            "engagement" => ObjectType::Engagement,
            _ => return Err(UnknownName::new("object type", s)),
        })
    }
}

/// A name that does not belong to a closed set of names (a system, a stage, a kind).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownName {
    /// What kind of name was expected, for the message.
    pub what: &'static str,
    /// The value that was given.
    pub value: String,
}

impl UnknownName {
    /// An error for `value`, which is not a known `what`.
    pub fn new(what: &'static str, value: &str) -> Self {
        // Keep hostile input from bloating errors and logs.
        let value: String = value.chars().take(80).collect();
        UnknownName { what, value }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in [System::HubSpot, System::Salesforce, System::Pipedrive] {
            assert_eq!(s.as_str().parse::<System>().unwrap(), s);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        for o in [
            ObjectType::Contact,
            ObjectType::Lead,
            ObjectType::Deal,
            ObjectType::Account,
            ObjectType::Campaign,
            ObjectType::Owner,
            ObjectType::Activity,
            ObjectType::Engagement,
        ] {
            assert_eq!(o.as_str().parse::<ObjectType>().unwrap(), o);
            assert_eq!(serde_json::to_string(&o).unwrap(), format!("\"{}\"", o.as_str()));
        }
    }

    #[test]
    fn unknown_names_are_rejected_and_truncated() {
        let err = "x".repeat(500).parse::<System>().unwrap_err();
        assert_eq!(err.value.len(), 80);
        assert!(err.to_string().starts_with("unknown system"));
    }
}
