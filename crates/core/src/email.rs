//! Validated, normalised email addresses: the identity key that joins the systems.
//!
//! Holds no state. Normalisation is deliberately conservative (trim and lower-case only): rewriting
//! `+tags` or Gmail dots would merge people a user considers distinct, and no vendor does it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a string is not an email address closedloop can match on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing left after trimming.
    #[error("email is empty")]
    Empty,
    /// Longer than RFC 5321 allows.
    #[error("email is longer than 254 characters")]
    TooLong,
    /// Not `local@domain.tld` with no spaces or control characters.
    #[error("email {0:?} is not of the form local@domain.tld")]
    Shape(String),
}

/// An email address, trimmed and lower-cased, shaped `local@domain.tld`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Normalises and validates an address.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let shape_error = || EmailError::Shape(s.chars().take(80).collect());
        let (local, domain) = s.split_once('@').ok_or_else(shape_error)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if domain_ok && local_ok {
            Ok(Email(s))
        } else {
            Err(shape_error())
        }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `@`, for company-level grouping.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_case_and_whitespace() {
        let e = Email::parse("  Ada.Lovelace@Example.COM \n").unwrap();
        assert_eq!(e.as_str(), "ada.lovelace@example.com");
        assert_eq!(e.domain(), "example.com");
        assert_eq!(e, Email::parse("ada.lovelace@example.com").unwrap());
    }

    #[test]
    fn keeps_plus_tags_distinct() {
        assert_ne!(Email::parse("a+x@b.io").unwrap(), Email::parse("a@b.io").unwrap());
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "   ",
            "plain",
            "@b.io",
            "a@",
            "a@b",
            "a@.io",
            "a@b.io.",
            "a b@c.io",
            "a@b..io",
            "a@@b.io",
            ".a@b.io",
            "a.@b.io",
            "a..b@c.io",
            "a@-b.io",
            "a@b_c.io",
            "a\u{0}@b.io",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            Email::parse(&format!("{}@b.io", "a".repeat(300))),
            Err(EmailError::TooLong)
        );
    }

    #[test]
    fn deserializes_only_valid_addresses() {
        assert!(serde_json::from_str::<Email>("\"X@Y.io\"").is_ok());
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }

    proptest! {
        #[test]
        fn parse_is_idempotent(raw in "[A-Za-z0-9._%+-]{1,20}@[A-Za-z0-9-]{1,10}\\.[A-Za-z]{2,5}") {
            if let Ok(e) = Email::parse(&raw) {
                prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e.clone());
                prop_assert_eq!(e.as_str(), e.as_str().to_lowercase());
            }
        }

        #[test]
        fn parse_never_panics(raw in "\\PC{0,300}") {
            let _ = Email::parse(&raw);
        }
    }
}
