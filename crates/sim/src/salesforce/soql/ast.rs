//! The parsed form of a SOQL query, before names are resolved against the schema.
//!
//! Holds no state. Every name and literal keeps its byte offset so later errors (unknown field,
//! wrong literal type) can point at the offending spot as Salesforce's messages do.

use super::lexer::{CmpOp, StrLit};
use chrono::NaiveDate;

/// A name with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    /// The name as written.
    pub text: String,
    /// Byte offset.
    pub at: usize,
}

/// A relative date literal (`TODAY`, `LAST_N_DAYS:30`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelativeDate {
    /// Today.
    Today,
    /// Yesterday.
    Yesterday,
    /// Tomorrow.
    Tomorrow,
    /// From `n` days ago through today.
    LastNDays(u32),
    /// From today through `n` days ahead.
    NextNDays(u32),
    /// The single day `n` days ago.
    NDaysAgo(u32),
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `'text'`.
    Str(StrLit),
    /// A number as written.
    Num(String),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `2024-01-31`.
    Date(NaiveDate),
    /// A date-time in milliseconds.
    DateTime(i64),
    /// `TODAY`, `LAST_N_DAYS:n`...
    Relative(RelativeDate),
}

/// A literal with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// The literal.
    pub lit: Literal,
    /// Byte offset.
    pub at: usize,
}

/// A WHERE condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// All hold.
    And(Vec<Cond>),
    /// Any holds.
    Or(Vec<Cond>),
    /// Does not hold.
    Not(Box<Cond>),
    /// `field op value`.
    Cmp {
        /// The field.
        field: Name,
        /// The operator.
        op: CmpOp,
        /// The value.
        value: Value,
    },
    /// `field [NOT] IN (values)`.
    In {
        /// The field.
        field: Name,
        /// `NOT IN`.
        negated: bool,
        /// The values.
        values: Vec<Value>,
    },
    /// `field LIKE 'pattern'`.
    Like {
        /// The field.
        field: Name,
        /// The pattern (a string literal).
        pattern: Value,
    },
}

/// One ORDER BY key.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    /// The field.
    pub field: Name,
    /// `DESC`.
    pub descending: bool,
    /// `NULLS FIRST` / `NULLS LAST`; `None` means SOQL's default (first when ascending).
    pub nulls_first: Option<bool>,
}

/// The SELECT list.
#[derive(Debug, Clone, PartialEq)]
pub enum Select {
    /// `COUNT()`.
    Count,
    /// Plain fields.
    Fields(Vec<Name>),
}

/// A whole query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// What is selected.
    pub select: Select,
    /// The object.
    pub from: Name,
    /// The WHERE condition.
    pub condition: Option<Cond>,
    /// ORDER BY keys.
    pub order_by: Vec<OrderBy>,
    /// LIMIT.
    pub limit: Option<Value>,
    /// OFFSET.
    pub offset: Option<Value>,
}
