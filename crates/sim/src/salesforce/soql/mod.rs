//! SOQL: a real lexer, parser, resolver and evaluator for the subset a sync needs.
//!
//! Holds no state. [`prepare`] turns query text into a [`compile::Compiled`] query or a
//! [`SoqlError`] carrying Salesforce's error code and a message in Salesforce's format (the query
//! line, a caret under the offending spot, `ERROR at Row:r:Column:c`, then the reason);
//! [`exec::run`] evaluates it against the org.
//!
//! # Layout
//! - [`lexer`]: tokens and string escapes.
//! - [`ast`]: the parsed query.
//! - [`parser`]: the grammar (documented there).
//! - [`compile`]: names and literal types checked against the schema.
//! - [`eval`]: condition and ordering semantics.
//! - [`exec`]: access paths (id set, modstamp index, id range), filtering, sorting, paging.

pub mod ast;
pub mod compile;
pub mod eval;
pub mod exec;
pub mod lexer;
pub mod parser;

use crate::salesforce::schema::Schema;
use chrono::NaiveDate;

/// A query Salesforce would refuse, with the error code it would use.
#[derive(Debug, Clone, PartialEq)]
pub struct SoqlError {
    /// `MALFORMED_QUERY`, `INVALID_FIELD`, `INVALID_TYPE`, `INVALID_QUERY_FILTER_OPERATOR`...
    pub code: &'static str,
    /// The reason.
    pub detail: String,
    /// Byte offset of the offending spot, when there is one.
    pub at: Option<usize>,
}

impl SoqlError {
    /// An error with a code.
    pub fn new(code: &'static str, detail: impl Into<String>, at: Option<usize>) -> SoqlError {
        SoqlError {
            code,
            detail: detail.into(),
            at,
        }
    }

    /// A `MALFORMED_QUERY`.
    pub fn malformed(detail: impl Into<String>, at: Option<usize>) -> SoqlError {
        SoqlError::new("MALFORMED_QUERY", detail, at)
    }

    /// The message as Salesforce formats it for `query`.
    pub fn message(&self, query: &str) -> String {
        let Some(at) = self.at else { return self.detail.clone() };
        let at = at.min(query.len());
        let before = &query[..at];
        let row = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let line_end = query[at..].find('\n').map(|i| at + i).unwrap_or(query.len());
        let column = query[line_start..at].chars().count() + 1;
        let caret = " ".repeat(column - 1);
        format!(
            "\n{}\n{caret}^\nERROR at Row:{row}:Column:{column}\n{}",
            &query[line_start..line_end],
            self.detail
        )
    }
}

/// Parses and resolves a query; `today` anchors relative date literals.
pub fn prepare(query: &str, schema: &Schema, today: NaiveDate) -> Result<compile::Compiled, SoqlError> {
    let parsed = parser::parse(query)?;
    compile::compile(&parsed, schema, today)
}
