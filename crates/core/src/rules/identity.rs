//! Identity rules: how records of the same human are joined.
//!
//! Holds no state.

use serde::{Deserialize, Serialize};

/// How records are joined into people.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentityRules {
    /// What a record's email change does to its existing links.
    pub on_email_change: EmailChangePolicy,
}

/// What happens when a record's email changes and no longer matches the rest of its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailChangePolicy {
    /// The record follows its new email: it leaves its old person (taking its touchpoints and
    /// history along) and joins whoever has that email. Identity always equals what the systems
    /// say now, so a wrong match heals itself once the email is corrected. The default.
    #[default]
    Follow,
    /// Existing links stand: a record stays with the person it was linked to, and its new email
    /// joins that person too. Choose this when emails are edited often in one system only
    /// (HubSpot's own Salesforce connector keeps links by record id the same way).
    KeepLinks,
}
