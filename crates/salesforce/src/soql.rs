//! SOQL text built safely: validated API names and escaped literals, never string pasting.
//!
//! Holds no state. Every query the connector sends is a [`Query`]: field and object names are
//! [`ApiName`]s (letters, digits and underscores, starting with a letter, so a name can never
//! carry a quote, a dot or a space into the query), and every value is a [`Literal`] rendered
//! with SOQL's escapes (`\'`, `\\`, `\"`, `\n`, `\r`, `\t`, `\b`, `\f`). Other control
//! characters have no escape in SOQL and are refused rather than sent raw. Conditions nest with
//! explicit parentheses, because SOQL refuses `AND` and `OR` side by side without them.

use closedloop_core::{SalesforceId, Timestamp};
use std::fmt;

/// Why a query could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SoqlError {
    /// Not a Salesforce API name.
    #[error("{0:?} is not a salesforce api name (a letter, then letters, digits and underscores)")]
    ApiName(String),
    /// A value holds a control character SOQL cannot escape.
    #[error("a value holds control character U+{0:04X}, which soql cannot express")]
    ControlCharacter(u32),
    /// An `IN` list with no values (SOQL refuses `IN ()`).
    #[error("an IN list needs at least one value")]
    EmptyIn,
    /// A string longer than SOQL accepts in a WHERE clause.
    #[error("a value of {0} characters is longer than the {MAX_STRING_CHARS} soql accepts")]
    TooLong(usize),
}

/// The longest string SOQL accepts in a WHERE clause.
pub const MAX_STRING_CHARS: usize = 4_000;

/// The longest API name accepted (Salesforce: 40 characters plus a namespace and `__c`).
const MAX_API_NAME: usize = 100;

/// A validated Salesforce API name of an object or field (`Lead`, `Unqualified_Reason__c`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiName(String);

impl ApiName {
    /// Validates a name: an ASCII letter, then ASCII letters, digits and underscores.
    pub fn parse(name: &str) -> Result<ApiName, SoqlError> {
        let mut bytes = name.bytes();
        let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
        let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if first_ok && rest_ok && name.len() <= MAX_API_NAME {
            Ok(ApiName(name.to_owned()))
        } else {
            Err(SoqlError::ApiName(name.chars().take(80).collect()))
        }
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Salesforce compares API names without regard to case.
    pub fn same_as(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl fmt::Display for ApiName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A value in a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string, quoted and escaped.
    Str(String),
    /// A record id, quoted.
    Id(SalesforceId),
    /// A date-time, unquoted, in UTC.
    DateTime(Timestamp),
    /// `TRUE` or `FALSE`.
    Bool(bool),
}

impl Literal {
    fn render(&self, out: &mut String) -> Result<(), SoqlError> {
        match self {
            Literal::Str(s) => quote(s, out),
            Literal::Id(id) => quote(id.as_str(), out),
            Literal::DateTime(t) => {
                out.push_str(&datetime_literal(*t));
                Ok(())
            }
            Literal::Bool(b) => {
                out.push_str(if *b { "TRUE" } else { "FALSE" });
                Ok(())
            }
        }
    }
}

/// A date-time as SOQL writes it: `2024-01-31T09:15:00Z`, with milliseconds only when it has them.
pub fn datetime_literal(t: Timestamp) -> String {
    if t.timestamp_subsec_millis() == 0 {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

/// Appends `value` as a SOQL string literal: quoted, every special character escaped.
pub fn quote(value: &str, out: &mut String) -> Result<(), SoqlError> {
    let chars = value.chars().count();
    if chars > MAX_STRING_CHARS {
        return Err(SoqlError::TooLong(chars));
    }
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => return Err(SoqlError::ControlCharacter(u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(())
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
        }
    }
}

/// A WHERE condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// `field op value`.
    Cmp(ApiName, Op, Literal),
    /// `field IN (values)`.
    In(ApiName, Vec<Literal>),
    /// All hold.
    And(Vec<Cond>),
    /// Any holds.
    Or(Vec<Cond>),
}

impl Cond {
    /// `field op value`.
    pub fn cmp(field: &ApiName, op: Op, value: Literal) -> Cond {
        Cond::Cmp(field.clone(), op, value)
    }

    /// The keyset condition of an ordered read: rows after `(at, id)` in `(field, Id)` order,
    /// `field > at OR (field = at AND Id > id)`. Exact under ties on `field`.
    pub fn after_key(field: &ApiName, at: Timestamp, id: &SalesforceId) -> Cond {
        let id_field = ApiName("Id".to_owned());
        Cond::Or(vec![
            Cond::cmp(field, Op::Gt, Literal::DateTime(at)),
            Cond::And(vec![
                Cond::cmp(field, Op::Eq, Literal::DateTime(at)),
                Cond::Cmp(id_field, Op::Gt, Literal::Id(id.clone())),
            ]),
        ])
    }

    fn render(&self, out: &mut String, nested: bool) -> Result<(), SoqlError> {
        match self {
            Cond::Cmp(field, op, value) => {
                out.push_str(field.as_str());
                out.push(' ');
                out.push_str(op.as_str());
                out.push(' ');
                value.render(out)
            }
            Cond::In(field, values) => {
                if values.is_empty() {
                    return Err(SoqlError::EmptyIn);
                }
                out.push_str(field.as_str());
                out.push_str(" IN (");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.render(out)?;
                }
                out.push(')');
                Ok(())
            }
            Cond::And(items) | Cond::Or(items) => {
                let joiner = if matches!(self, Cond::And(_)) { " AND " } else { " OR " };
                match items.as_slice() {
                    [] => {
                        // An empty AND holds, an empty OR does not: say so in a way SOQL parses.
                        let id = if matches!(self, Cond::And(_)) {
                            "Id != null"
                        } else {
                            "Id = null"
                        };
                        out.push_str(id);
                        Ok(())
                    }
                    [only] => only.render(out, nested),
                    _ => {
                        if nested {
                            out.push('(');
                        }
                        for (i, item) in items.iter().enumerate() {
                            if i > 0 {
                                out.push_str(joiner);
                            }
                            item.render(out, true)?;
                        }
                        if nested {
                            out.push(')');
                        }
                        Ok(())
                    }
                }
            }
        }
    }
}

/// A SELECT: object, fields, condition, order and limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    object: ApiName,
    fields: Vec<ApiName>,
    condition: Option<Cond>,
    order_by: Vec<ApiName>,
    limit: Option<u32>,
}

impl Query {
    /// `SELECT fields FROM object`; fields named twice (in any case) are selected once.
    pub fn select(object: &ApiName, fields: &[ApiName]) -> Query {
        let mut unique: Vec<ApiName> = Vec::with_capacity(fields.len());
        for f in fields {
            if !unique.iter().any(|u| u.same_as(f.as_str())) {
                unique.push(f.clone());
            }
        }
        Query {
            object: object.clone(),
            fields: unique,
            condition: None,
            order_by: Vec::new(),
            limit: None,
        }
    }

    /// Adds a condition (ANDed with any already there).
    pub fn filter(mut self, cond: Cond) -> Query {
        self.condition = Some(match self.condition.take() {
            None => cond,
            Some(Cond::And(mut items)) => {
                items.push(cond);
                Cond::And(items)
            }
            Some(existing) => Cond::And(vec![existing, cond]),
        });
        self
    }

    /// `ORDER BY` these fields, ascending.
    pub fn order_by(mut self, fields: &[ApiName]) -> Query {
        self.order_by = fields.to_vec();
        self
    }

    /// `LIMIT n`.
    pub fn limit(mut self, n: u32) -> Query {
        self.limit = Some(n);
        self
    }

    /// The object queried.
    pub fn object(&self) -> &ApiName {
        &self.object
    }

    /// The query text.
    pub fn to_soql(&self) -> Result<String, SoqlError> {
        let mut out = String::with_capacity(64 + self.fields.len() * 24);
        out.push_str("SELECT ");
        for (i, f) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(f.as_str());
        }
        out.push_str(" FROM ");
        out.push_str(self.object.as_str());
        if let Some(cond) = &self.condition {
            out.push_str(" WHERE ");
            cond.render(&mut out, false)?;
        }
        if !self.order_by.is_empty() {
            out.push_str(" ORDER BY ");
            for (i, f) in self.order_by.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(f.as_str());
                out.push_str(" ASC");
            }
        }
        if let Some(n) = self.limit {
            out.push_str(&format!(" LIMIT {n}"));
        }
        Ok(out)
    }
}

/// The most values one `IN` list carries.
pub const MAX_IN_VALUES: usize = 300;
/// The most bytes the values of one `IN` list take once percent-encoded in a GET query string:
/// the whole request line must stay under Salesforce's 16 KB, with room for the rest of the query.
pub const MAX_IN_ENCODED_BYTES: usize = 10_000;

/// How many bytes `s` takes percent-encoded in a query string (at most).
fn encoded_len(s: &str) -> usize {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~ ".contains(&b) {
                1
            } else {
                3
            }
        })
        .sum()
}

/// Splits values into `IN` lists that respect [`MAX_IN_VALUES`] and [`MAX_IN_ENCODED_BYTES`].
pub fn in_chunks(values: Vec<Literal>) -> Vec<Vec<Literal>> {
    let mut chunks = Vec::new();
    let mut current: Vec<Literal> = Vec::new();
    let mut chars = 0;
    for v in values {
        // The literal as it will be written (quotes and escapes included), and ", " (4).
        let mut text = String::new();
        let len = 4 + match v.render(&mut text) {
            Ok(()) => encoded_len(&text),
            // Refused later, when the query is built; it must not break the chunking.
            Err(_) => 0,
        };
        if !current.is_empty() && (current.len() >= MAX_IN_VALUES || chars + len > MAX_IN_ENCODED_BYTES) {
            chunks.push(std::mem::take(&mut current));
            chars = 0;
        }
        chars += len;
        current.push(v);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn name(s: &str) -> ApiName {
        ApiName::parse(s).unwrap()
    }

    fn quoted(s: &str) -> String {
        let mut out = String::new();
        quote(s, &mut out).unwrap();
        out
    }

    #[test]
    fn api_names_admit_only_letters_digits_and_underscores() {
        for ok in ["Id", "Lead", "Unqualified_Reason__c", "ns__Field__c", "X1"] {
            assert!(ApiName::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "1Field",
            "_x",
            "Email'",
            "Email, Id",
            "Account.Name",
            "Name FROM User--",
            "Fïeld",
            &"a".repeat(101),
        ] {
            assert!(ApiName::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(quoted("O'Brien"), r"'O\'Brien'");
        assert_eq!(quoted(r"C:\temp"), r"'C:\\temp'");
        assert_eq!(quoted(r"\'"), r"'\\\''");
        assert_eq!(quoted("' OR Id != '"), r"'\' OR Id != \''");
        assert_eq!(quoted("a\"b\nc\td\re"), r#"'a\"b\nc\td\re'"#);
        assert_eq!(quoted("x\u{8}\u{c}"), r"'x\b\f'");
        assert_eq!(quoted("日本語 ✓"), "'日本語 ✓'");
    }

    #[test]
    fn unescapable_control_characters_are_refused() {
        let mut out = String::new();
        assert_eq!(quote("a\u{0}b", &mut out), Err(SoqlError::ControlCharacter(0)));
        assert_eq!(
            quote("\u{7f}", &mut String::new()),
            Err(SoqlError::ControlCharacter(0x7f))
        );
    }

    #[test]
    fn the_keyset_condition_is_parenthesised() {
        let at = chrono::Utc.with_ymd_and_hms(2024, 3, 1, 10, 0, 0).unwrap();
        let id = SalesforceId::parse("00Q000000000001").unwrap();
        let q = Query::select(&name("Lead"), &[name("Id"), name("Email"), name("id")])
            .filter(Cond::after_key(&name("SystemModstamp"), at, &id))
            .filter(Cond::cmp(&name("IsDeleted"), Op::Eq, Literal::Bool(false)))
            .order_by(&[name("SystemModstamp"), name("Id")])
            .limit(1);
        assert_eq!(
            q.to_soql().unwrap(),
            format!(
                "SELECT Id, Email FROM Lead WHERE (SystemModstamp > 2024-03-01T10:00:00Z OR \
                 (SystemModstamp = 2024-03-01T10:00:00Z AND Id > '{id}')) AND IsDeleted = FALSE \
                 ORDER BY SystemModstamp ASC, Id ASC LIMIT 1"
            )
        );
    }

    #[test]
    fn in_lists_escape_every_value_and_refuse_empty_lists() {
        let q = Query::select(&name("Lead"), &[name("Id")]).filter(Cond::In(
            name("Email"),
            vec![Literal::Str("a'b@x.io".into()), Literal::Str(r"c\d@x.io".into())],
        ));
        assert_eq!(
            q.to_soql().unwrap(),
            r"SELECT Id FROM Lead WHERE Email IN ('a\'b@x.io', 'c\\d@x.io')"
        );
        let empty = Query::select(&name("Lead"), &[name("Id")]).filter(Cond::In(name("Email"), vec![]));
        assert_eq!(empty.to_soql(), Err(SoqlError::EmptyIn));
    }

    #[test]
    fn datetimes_keep_milliseconds_only_when_present() {
        let t = chrono::Utc.with_ymd_and_hms(2024, 1, 31, 9, 15, 0).unwrap();
        assert_eq!(datetime_literal(t), "2024-01-31T09:15:00Z");
        let t = t + chrono::Duration::milliseconds(250);
        assert_eq!(datetime_literal(t), "2024-01-31T09:15:00.250Z");
    }

    #[test]
    fn in_chunks_respect_both_limits() {
        let ids: Vec<Literal> = (0..700)
            .map(|i| Literal::Id(SalesforceId::parse(&format!("00Q5g{i:010}")).unwrap()))
            .collect();
        let chunks = in_chunks(ids);
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), vec![300, 300, 100]);
        let long: Vec<Literal> = (0..10)
            .map(|i| Literal::Str(format!("{i}{}", "@".repeat(1000))))
            .collect();
        let chunks = in_chunks(long);
        assert!(chunks.len() >= 4, "{}", chunks.len());
        for chunk in &chunks {
            let q = Query::select(&name("Lead"), &[name("Id")]).filter(Cond::In(name("Email"), chunk.clone()));
            let soql = q.to_soql().unwrap();
            let encoded: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
            assert!(encoded.len() < 16_000, "{}", encoded.len());
        }
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), 10);
    }

    #[test]
    fn strings_longer_than_soql_accepts_are_refused() {
        assert_eq!(
            quote(&"x".repeat(4001), &mut String::new()),
            Err(SoqlError::TooLong(4001))
        );
        assert!(quote(&"x".repeat(4000), &mut String::new()).is_ok());
    }

    /// Reads a quoted literal back the way SOQL's lexer does: the value must come back unchanged
    /// and the literal must end exactly at the closing quote.
    fn unquote(lit: &str) -> Option<String> {
        let mut chars = lit.chars();
        if chars.next()? != '\'' {
            return None;
        }
        let mut out = String::new();
        loop {
            match chars.next()? {
                '\'' => return chars.next().is_none().then_some(out),
                '\\' => out.push(match chars.next()? {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    c @ ('\\' | '\'' | '"') => c,
                    _ => return None,
                }),
                c => out.push(c),
            }
        }
    }

    proptest! {
        #[test]
        fn any_printable_value_round_trips_and_never_ends_the_literal_early(value in "[\\PC\\n\\r\\t'\"\\\\]{0,60}") {
            let lit = quoted(&value);
            prop_assert_eq!(unquote(&lit), Some(value));
        }
    }
}
