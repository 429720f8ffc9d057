//! Money: amounts in hundredths of a currency unit, with an ISO currency code.
//!
//! Holds no state. Integers, not floats, so attributed revenue sums back to the deal amount to the
//! cent. Vendors send amounts as decimal strings ("1234.5", "1e3" never appears); both are parsed here.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an amount or a currency code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a plain decimal number with at most two fractional digits that matter.
    #[error("amount {0:?} is not a decimal number")]
    Amount(String),
    /// Outside what a deal amount can plausibly be.
    #[error("amount {0:?} is out of range")]
    Range(String),
    /// Not three upper-case ASCII letters.
    #[error("currency {0:?} is not an ISO 4217 code")]
    Currency(String),
}

/// An ISO 4217 currency code such as `EUR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// US dollars, the vendors' default when a record carries no currency.
    pub const USD: Currency = Currency(*b"USD");

    /// Validates a code, accepting lower case.
    pub fn parse(s: &str) -> Result<Self, MoneyError> {
        let up = s.trim().to_ascii_uppercase();
        match up.as_bytes() {
            [a, b, c] if up.bytes().all(|x| x.is_ascii_uppercase()) => Ok(Currency([*a, *b, *c])),
            _ => Err(MoneyError::Currency(s.chars().take(16).collect())),
        }
    }

    /// The three-letter code.
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

/// An amount of money: `minor` hundredths of `currency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Hundredths of the unit (cents), signed: credit notes exist.
    pub minor: i64,
    /// The currency.
    pub currency: Currency,
}

/// The largest amount accepted: a trillion units. Anything larger is hostile input.
const MAX_MINOR: i64 = 100_000_000_000_000;

impl Money {
    /// An amount from a decimal string as the vendors send it ("1200", "1200.5", "-3.25").
    /// Fractions beyond cents are rounded half away from zero.
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, MoneyError> {
        let s = amount.trim();
        let bad = || MoneyError::Amount(s.chars().take(40).collect());
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        if whole.len() > 15 {
            return Err(MoneyError::Range(s.chars().take(40).collect()));
        }
        let whole_value: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let frac_bytes = frac.as_bytes();
        let digit = |i: usize| frac_bytes.get(i).map(|b| i64::from(b - b'0')).unwrap_or(0);
        let mut cents = digit(0) * 10 + digit(1);
        if digit(2) >= 5 {
            cents += 1;
        }
        let minor = whole_value * 100 + cents;
        if minor > MAX_MINOR {
            return Err(MoneyError::Range(s.chars().take(40).collect()));
        }
        Ok(Money {
            minor: if negative { -minor } else { minor },
            currency,
        })
    }

    /// The amount as a decimal string with two places, as HubSpot and Salesforce accept it.
    pub fn to_decimal_string(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(s: &str) -> i64 {
        Money::parse(s, Currency::USD).unwrap().minor
    }

    #[test]
    fn parses_vendor_amounts() {
        assert_eq!(m("1200"), 120_000);
        assert_eq!(m("1200.5"), 120_050);
        assert_eq!(m("1200.505"), 120_051);
        assert_eq!(m("1200.504"), 120_050);
        assert_eq!(m("-3.25"), -325);
        assert_eq!(m(".5"), 50);
        assert_eq!(m(" 7 "), 700);
    }

    #[test]
    fn rejects_non_numbers_and_absurd_amounts() {
        for bad in ["", "-", ".", "1e3", "12,5", "abc", "1.2.3", "NaN", "١٢"] {
            assert!(Money::parse(bad, Currency::USD).is_err(), "{bad:?} accepted");
        }
        assert!(matches!(
            Money::parse("9999999999999999", Currency::USD),
            Err(MoneyError::Range(_))
        ));
    }

    #[test]
    fn currency_codes_are_three_letters() {
        assert_eq!(Currency::parse("eur").unwrap().as_str(), "EUR");
        for bad in ["", "EU", "EURO", "E1R", "€"] {
            assert!(Currency::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    proptest! {
        #[test]
        fn decimal_string_round_trips(minor in -MAX_MINOR..MAX_MINOR) {
            let money = Money { minor, currency: Currency::USD };
            prop_assert_eq!(Money::parse(&money.to_decimal_string(), Currency::USD).unwrap(), money);
        }
    }
}
