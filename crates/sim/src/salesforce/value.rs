//! Field values: their compact in-memory form, how JSON input becomes one, and how one is shown.
//!
//! Holds no state. [`Val`] is 24 bytes so that a million-row table stays affordable; text is an
//! `Arc<str>` so repeated picklist values can share one allocation. Writes coerce JSON the way
//! Salesforce's deserializer does (numbers in strings are accepted, an empty string is null);
//! values that cannot be coerced produce a [`CoerceError`] that each endpoint reports in its own
//! shape.

use super::ids::SfId;
use super::schema::{FieldDef, FieldType};
use super::time;
use chrono::NaiveDate;
use std::sync::Arc;

/// One stored field value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// No value.
    Null,
    /// A checkbox.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with decimals (also currency and percent).
    Num(f64),
    /// Text of any text type.
    Str(Arc<str>),
    /// An id or lookup.
    Id(SfId),
    /// A date-time, milliseconds since the epoch.
    DateTime(i64),
    /// A date.
    Date(NaiveDate),
}

impl Val {
    /// Text from a `&str`.
    pub fn text(s: &str) -> Val {
        Val::Str(Arc::from(s))
    }

    /// True for null.
    pub fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    /// The id, if this is one.
    pub fn as_id(&self) -> Option<SfId> {
        match self {
            Val::Id(id) => Some(*id),
            _ => None,
        }
    }

    /// The text, if this is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The instant, if this is a date-time.
    pub fn as_ms(&self) -> Option<i64> {
        match self {
            Val::DateTime(ms) => Some(*ms),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Val::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::Num(n) => Some(*n),
            _ => None,
        }
    }

    /// The value as text, as history rows and error messages show it.
    pub fn to_text(&self) -> Option<String> {
        Some(match self {
            Val::Null => return None,
            Val::Bool(b) => b.to_string(),
            Val::Int(i) => i.to_string(),
            Val::Num(n) => format_number(*n),
            Val::Str(s) => s.to_string(),
            Val::Id(id) => id.to_string(),
            Val::DateTime(ms) => time::format_datetime(*ms),
            Val::Date(d) => time::format_date(*d),
        })
    }

    /// The JSON Salesforce would send for this value.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Val::Null => serde_json::Value::Null,
            Val::Bool(b) => (*b).into(),
            Val::Int(i) => (*i).into(),
            Val::Num(n) => serde_json::Number::from_f64(*n)
                .map(serde_json::Value::Number)
                .unwrap_or_default(),
            Val::Str(s) => serde_json::Value::String(s.to_string()),
            Val::Id(id) => serde_json::Value::String(id.to_string()),
            Val::DateTime(ms) => serde_json::Value::String(time::format_datetime(*ms)),
            Val::Date(d) => serde_json::Value::String(time::format_date(*d)),
        }
    }

    /// Appends the JSON for this value to `out` (the hot path of query pages).
    pub fn write_json(&self, out: &mut String) {
        match self {
            Val::Null => out.push_str("null"),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Int(i) => out.push_str(&i.to_string()),
            Val::Num(n) => out.push_str(&serde_json::Value::from(*n).to_string()),
            Val::Str(s) => write_json_str(out, s),
            Val::Id(id) => {
                out.push('"');
                out.push_str(id.as_str());
                out.push('"');
            }
            Val::DateTime(ms) => {
                out.push('"');
                out.push_str(&time::format_datetime(*ms));
                out.push('"');
            }
            Val::Date(d) => {
                out.push('"');
                out.push_str(&time::format_date(*d));
                out.push('"');
            }
        }
    }
}

/// Appends `s` as a JSON string literal.
pub fn write_json_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::Value::from(s).to_string());
}

/// Numbers as Salesforce prints them in text (`1500.0` stays `1500.0`).
fn format_number(n: f64) -> String {
    serde_json::Value::from(n).to_string()
}

/// Why a JSON value does not fit a field.
#[derive(Debug, Clone, PartialEq)]
pub enum CoerceError {
    /// The JSON kind cannot become the field's type.
    WrongType {
        /// The Java-ish type name Salesforce's deserializer reports (`double`, `boolean`).
        expected: &'static str,
        /// The JSON token kind (`VALUE_STRING`).
        token: &'static str,
        /// The offending value as text.
        value: String,
    },
    /// A lookup or id value that is not a Salesforce id.
    MalformedId {
        /// The offending value.
        value: String,
    },
}

fn token_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "VALUE_NULL",
        serde_json::Value::Bool(true) => "VALUE_TRUE",
        serde_json::Value::Bool(false) => "VALUE_FALSE",
        serde_json::Value::Number(n) if n.is_f64() => "VALUE_NUMBER_FLOAT",
        serde_json::Value::Number(_) => "VALUE_NUMBER_INT",
        serde_json::Value::String(_) => "VALUE_STRING",
        serde_json::Value::Array(_) => "START_ARRAY",
        serde_json::Value::Object(_) => "START_OBJECT",
    }
}

fn java_type(kind: FieldType) -> &'static str {
    match kind {
        FieldType::Boolean => "boolean",
        FieldType::Int => "int",
        FieldType::Double | FieldType::Currency | FieldType::Percent => "double",
        FieldType::Date => "date",
        FieldType::DateTime => "datetime",
        FieldType::Id | FieldType::Reference => "id",
        _ => "String",
    }
}

/// Converts a JSON value written to `field` into a stored value.
pub fn coerce(field: &FieldDef, v: &serde_json::Value) -> Result<Val, CoerceError> {
    use serde_json::Value as J;
    let wrong = || CoerceError::WrongType {
        expected: java_type(field.kind),
        token: token_of(v),
        value: match v {
            J::String(s) => s.clone(),
            other => other.to_string(),
        },
    };
    if let J::String(s) = v
        && s.is_empty()
    {
        return Ok(Val::Null);
    }
    match (field.kind, v) {
        (_, J::Null) => Ok(Val::Null),
        (_, J::Array(_) | J::Object(_)) => Err(wrong()),
        (FieldType::Boolean, J::Bool(b)) => Ok(Val::Bool(*b)),
        (FieldType::Boolean, J::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Val::Bool(true)),
        (FieldType::Boolean, J::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Val::Bool(false)),
        (FieldType::Boolean, _) => Err(wrong()),
        (FieldType::Int, J::Number(n)) => n.as_i64().map(Val::Int).ok_or_else(wrong),
        (FieldType::Int, J::String(s)) => s.trim().parse::<i64>().map(Val::Int).map_err(|_| wrong()),
        (FieldType::Int, _) => Err(wrong()),
        (FieldType::Double | FieldType::Currency | FieldType::Percent, J::Number(n)) => {
            n.as_f64().map(Val::Num).ok_or_else(wrong)
        }
        (FieldType::Double | FieldType::Currency | FieldType::Percent, J::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Val::Num)
            .ok_or_else(wrong),
        (FieldType::Double | FieldType::Currency | FieldType::Percent, _) => Err(wrong()),
        (FieldType::Date, J::String(s)) => time::parse_date(s).map(Val::Date).ok_or_else(wrong),
        (FieldType::Date, _) => Err(wrong()),
        (FieldType::DateTime, J::String(s)) => time::parse_datetime(s)
            .map(|ms| Val::DateTime(time::truncate_to_second(ms)))
            .ok_or_else(wrong),
        (FieldType::DateTime, _) => Err(wrong()),
        (FieldType::Id | FieldType::Reference, J::String(s)) => SfId::parse(s)
            .map(Val::Id)
            .ok_or_else(|| CoerceError::MalformedId { value: s.clone() }),
        (FieldType::Id | FieldType::Reference, other) => Err(CoerceError::MalformedId {
            value: other.to_string(),
        }),
        (_, J::String(s)) => Ok(Val::text(s)),
        (_, J::Number(n)) => Ok(Val::text(&n.to_string())),
        (_, J::Bool(b)) => Ok(Val::text(if *b { "true" } else { "false" })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(kind: FieldType) -> FieldDef {
        FieldDef::new("F__c", "F", kind)
    }

    #[test]
    fn coerces_like_salesforce() {
        assert_eq!(coerce(&field(FieldType::Double), &json!("12.5")), Ok(Val::Num(12.5)));
        assert_eq!(coerce(&field(FieldType::Int), &json!(7)), Ok(Val::Int(7)));
        assert_eq!(coerce(&field(FieldType::Boolean), &json!("TRUE")), Ok(Val::Bool(true)));
        assert_eq!(coerce(&field(FieldType::String), &json!(42)), Ok(Val::text("42")));
        assert_eq!(coerce(&field(FieldType::String), &json!("")), Ok(Val::Null));
        assert_eq!(
            coerce(&field(FieldType::DateTime), &json!("2024-01-31T09:15:00.250Z"))
                .ok()
                .and_then(|v| v.as_ms()),
            time::parse_datetime("2024-01-31T09:15:00Z")
        );
    }

    #[test]
    fn refuses_what_salesforce_refuses() {
        for (kind, value) in [
            (FieldType::Double, json!("12,5")),
            (FieldType::Double, json!("abc")),
            (FieldType::Int, json!(1.5)),
            (FieldType::Boolean, json!("yes")),
            (FieldType::Date, json!("31/01/2024")),
            (FieldType::DateTime, json!("2024-01-31")),
            (FieldType::String, json!({"a": 1})),
        ] {
            assert!(
                matches!(coerce(&field(kind), &value), Err(CoerceError::WrongType { .. })),
                "{kind:?} {value}"
            );
        }
        assert!(matches!(
            coerce(&field(FieldType::Reference), &json!("nope")),
            Err(CoerceError::MalformedId { .. })
        ));
    }

    #[test]
    fn renders_json_like_salesforce() {
        let mut out = String::new();
        Val::Num(1500.0).write_json(&mut out);
        out.push(' ');
        Val::text("O'Brien \"x\"").write_json(&mut out);
        assert_eq!(out, r#"1500.0 "O'Brien \"x\"""#);
    }
}
