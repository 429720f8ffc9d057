//! Identifiers: closedloop's own person id, and one validated newtype per external system.
//!
//! Holds no state. An id from one system can never be passed where another system's id is
//! expected, and a malformed id is rejected at the edge (the connector), not deep in the engine.

use crate::system::{ObjectType, System};
use serde::{Deserialize, Serialize};
use std::fmt;

/// closedloop's id for one human across all systems. Assigned by the store, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonId(pub i64);

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}", self.0)
    }
}

/// Why an external id was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// HubSpot object ids are positive decimal integers.
    #[error("hubspot id {0:?} is not a positive integer")]
    HubSpot(String),
    /// Salesforce ids are 15 or 18 alphanumeric characters.
    #[error("salesforce id {0:?} is not 15 or 18 alphanumeric characters")]
    Salesforce(String),
    /// Any id must be non-empty and reasonably short.
    #[error("{system} id is empty or longer than 255 characters")]
    Shape {
        /// Which system the id claimed to be from.
        system: System,
    },
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// A HubSpot object id (contacts, deals, companies, owners): a decimal string such as `"5101"`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HubSpotId(String);

impl HubSpotId {
    /// Validates a HubSpot id.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let ok = !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0');
        if ok {
            Ok(HubSpotId(s.to_owned()))
        } else {
            Err(IdError::HubSpot(clip(s)))
        }
    }

    /// The id as HubSpot spells it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The numeric value, for ordering by `hs_object_id` the way HubSpot search does.
    pub fn numeric(&self) -> u64 {
        // parse() guarantees at most 20 digits; u64 covers every id HubSpot issues.
        self.0.parse().unwrap_or(u64::MAX)
    }
}

impl TryFrom<String> for HubSpotId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        HubSpotId::parse(&s)
    }
}

impl From<HubSpotId> for String {
    fn from(id: HubSpotId) -> String {
        id.0
    }
}

impl fmt::Display for HubSpotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Salesforce record id, always held in its 18-character case-insensitive-safe form.
///
/// Salesforce accepts and returns both forms; normalising to 18 characters means one record can
/// never end up with two keys in the identity map.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SalesforceId(String);

impl SalesforceId {
    /// Validates a 15- or 18-character id and returns the 18-character form.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(IdError::Salesforce(clip(s)));
        }
        match s.len() {
            18 => {
                // The suffix must agree with the case of the first 15 characters.
                let expected = Self::suffix(&s[..15]);
                if s[15..].eq_ignore_ascii_case(&expected) {
                    Ok(SalesforceId(format!("{}{}", &s[..15], expected)))
                } else {
                    Err(IdError::Salesforce(clip(s)))
                }
            }
            15 => Ok(SalesforceId(format!("{}{}", s, Self::suffix(s)))),
            _ => Err(IdError::Salesforce(clip(s))),
        }
    }

    /// The three check characters Salesforce appends: each encodes which of five characters are upper case.
    fn suffix(id15: &str) -> String {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
        id15.as_bytes()
            .chunks(5)
            .map(|chunk| {
                let bits = chunk
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.is_ascii_uppercase())
                    .fold(0usize, |acc, (i, _)| acc | (1 << i));
                ALPHABET[bits] as char
            })
            .collect()
    }

    /// The 18-character id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The three-character key prefix that names the object type (`00Q` Lead, `003` Contact, `006` Opportunity).
    pub fn key_prefix(&self) -> &str {
        &self.0[..3]
    }
}

impl TryFrom<String> for SalesforceId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        SalesforceId::parse(&s)
    }
}

impl From<SalesforceId> for String {
    fn from(id: SalesforceId) -> String {
        id.0
    }
}

impl fmt::Display for SalesforceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A key for one object in one external system: the unit of the identity map and of snapshots.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ExternalId {
    /// The system that owns the object.
    pub system: System,
    /// What kind of object it is.
    pub object: ObjectType,
    /// The id as that system spells it (validated by the typed constructors).
    pub id: String,
}

impl ExternalId {
    /// A HubSpot object's key.
    pub fn hubspot(object: ObjectType, id: &HubSpotId) -> Self {
        ExternalId {
            system: System::HubSpot,
            object,
            id: id.as_str().to_owned(),
        }
    }

    /// A Salesforce object's key.
    pub fn salesforce(object: ObjectType, id: &SalesforceId) -> Self {
        ExternalId {
            system: System::Salesforce,
            object,
            id: id.as_str().to_owned(),
        }
    }

    /// A key from stored parts, validated for shape (used when reading the store or config).
    pub fn new(system: System, object: ObjectType, id: &str) -> Result<Self, IdError> {
        let id = match system {
            System::HubSpot if matches!(object, ObjectType::Contact | ObjectType::Deal | ObjectType::Account) => {
                HubSpotId::parse(id)?.0
            }
            System::Salesforce if !matches!(object, ObjectType::Engagement) => SalesforceId::parse(id)?.0,
            _ if id.is_empty() || id.len() > 255 => return Err(IdError::Shape { system }),
            _ => id.to_owned(),
        };
        Ok(ExternalId { system, object, id })
    }
}

impl fmt::Display for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.system, self.object, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspot_ids_are_positive_integers() {
        assert_eq!(HubSpotId::parse("5101").unwrap().numeric(), 5101);
        for bad in ["", "0", "012", "12a", "-3", "1.5", &"9".repeat(21)] {
            assert!(HubSpotId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn salesforce_15_char_ids_gain_their_checksum() {
        // Known pair from Salesforce's documentation of the algorithm.
        let id = SalesforceId::parse("001A0000006Vm9r").unwrap();
        assert_eq!(id.as_str(), "001A0000006Vm9rIAC");
        assert_eq!(SalesforceId::parse("001A0000006Vm9rIAC").unwrap(), id);
        assert_eq!(id.key_prefix(), "001");
    }

    #[test]
    fn salesforce_ids_reject_bad_shapes_and_bad_checksums() {
        for bad in [
            "",
            "00Q",
            "00Q' OR Id != '",
            "001A0000006Vm9rZZZ",
            "001A0000006Vm9r!IAC",
        ] {
            assert!(SalesforceId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn typed_ids_deserialize_only_when_valid() {
        assert!(serde_json::from_str::<HubSpotId>("\"42\"").is_ok());
        assert!(serde_json::from_str::<HubSpotId>("\"x\"").is_err());
        assert!(serde_json::from_str::<SalesforceId>("\"00Q000000000001\"").is_ok());
    }

    #[test]
    fn external_ids_validate_per_system() {
        assert!(ExternalId::new(System::HubSpot, ObjectType::Contact, "17").is_ok());
        assert!(ExternalId::new(System::HubSpot, ObjectType::Contact, "abc").is_err());
        assert!(ExternalId::new(System::Salesforce, ObjectType::Lead, "00Q000000000001").is_ok());
        assert!(ExternalId::new(System::HubSpot, ObjectType::Engagement, "").is_err());
        let key = ExternalId::new(System::HubSpot, ObjectType::Engagement, "form:abc:1").unwrap();
        assert_eq!(key.to_string(), "hubspot:engagement:form:abc:1");
    }
}
