//! Resolves a parsed query against the org's schema into an executable form.
//!
//! Holds no state. Names become column numbers (case-insensitively), literals become typed
//! operands checked against their field's type the way Salesforce checks them: a date-time field
//! compared with a quoted string is an `INVALID_FIELD` ("must be of type dateTime and should not
//! be enclosed in quotes"), an id compared with something that is not an id is an
//! `INVALID_QUERY_FILTER_OPERATOR`, long text cannot be filtered or sorted, and OFFSET stops at 2000.

use super::SoqlError;
use super::ast::{Cond, Literal, Name, Query, RelativeDate, Select, Value};
use super::lexer::{CmpOp, PatItem};
use crate::salesforce::ids::SfId;
use crate::salesforce::schema::{FieldType, ObjectSchema, Schema};
use crate::salesforce::time;
use chrono::{Days, NaiveDate};

/// A typed operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// Text, lower-cased (SOQL text comparisons ignore case).
    Str(String),
    /// A number.
    Num(f64),
    /// A boolean.
    Bool(bool),
    /// An id.
    Id(SfId),
    /// A date-time in milliseconds.
    DateTime(i64),
    /// A date.
    Date(NaiveDate),
}

/// An executable condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// All hold.
    And(Vec<Pred>),
    /// Any holds.
    Or(Vec<Pred>),
    /// Does not hold.
    Not(Box<Pred>),
    /// The column is null.
    IsNull(usize),
    /// The column is not null.
    NotNull(usize),
    /// `column op operand`.
    Cmp {
        /// Column.
        col: usize,
        /// Operator.
        op: CmpOp,
        /// Operand.
        val: Operand,
    },
    /// `column op` a relative date range `[lo, hi)`.
    Range {
        /// Column.
        col: usize,
        /// Operator.
        op: CmpOp,
        /// Start of the range.
        lo: Operand,
        /// End of the range (exclusive).
        hi: Operand,
    },
    /// `column [NOT] IN (...)`; `null` in the list matches null.
    In {
        /// Column.
        col: usize,
        /// `NOT IN`.
        negated: bool,
        /// The values.
        vals: Vec<Operand>,
        /// The list holds `null`.
        has_null: bool,
    },
    /// `column LIKE pattern` (pattern lower-cased).
    Like {
        /// Column.
        col: usize,
        /// Pattern.
        pat: Vec<PatItem>,
    },
}

/// One sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// Column.
    pub col: usize,
    /// Descending.
    pub descending: bool,
    /// Nulls sort first.
    pub nulls_first: bool,
}

/// A query ready to run.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The table (schema index).
    pub table: usize,
    /// `SELECT COUNT()`.
    pub count: bool,
    /// Selected columns, in order.
    pub select: Vec<usize>,
    /// The WHERE condition.
    pub pred: Option<Pred>,
    /// ORDER BY.
    pub order: Vec<SortKey>,
    /// LIMIT.
    pub limit: Option<usize>,
    /// OFFSET.
    pub offset: usize,
}

/// SOQL's ceiling on OFFSET.
pub const MAX_OFFSET: usize = 2000;

/// Resolves `query` against `schema`; `today` anchors relative date literals.
pub fn compile(query: &Query, schema: &Schema, today: NaiveDate) -> Result<Compiled, SoqlError> {
    let table = schema.index_of(&query.from.text).ok_or_else(|| {
        SoqlError::new(
            "INVALID_TYPE",
            format!(
                "sObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
                query.from.text
            ),
            Some(query.from.at),
        )
    })?;
    let object = &schema.objects()[table];
    let (count, select) = match &query.select {
        Select::Count => (true, Vec::new()),
        Select::Fields(names) => {
            let mut cols: Vec<usize> = Vec::new();
            for name in names {
                let col = column(object, name)?;
                if cols.contains(&col) {
                    return Err(SoqlError::malformed(
                        format!("duplicate field selected: {}", object.field(col).name),
                        Some(name.at),
                    ));
                }
                cols.push(col);
            }
            (false, cols)
        }
    };
    let pred = query
        .condition
        .as_ref()
        .map(|c| condition(object, c, today))
        .transpose()?;
    let mut order = Vec::new();
    for key in &query.order_by {
        if count {
            return Err(SoqlError::malformed(
                format!("Ordered field must be grouped or aggregated: {}", key.field.text),
                Some(key.field.at),
            ));
        }
        let col = column(object, &key.field)?;
        if !object.field(col).sortable() {
            return Err(SoqlError::new(
                "INVALID_FIELD",
                format!("field '{}' can not be sorted in a query call", object.field(col).name),
                Some(key.field.at),
            ));
        }
        order.push(SortKey {
            col,
            descending: key.descending,
            nulls_first: key.nulls_first.unwrap_or(!key.descending),
        });
    }
    let limit = query.limit.as_ref().map(number).transpose()?;
    let offset = query.offset.as_ref().map(number).transpose()?.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(SoqlError::new(
            "NUMBER_OUTSIDE_VALID_RANGE",
            format!("Maximum SOQL offset allowed is {MAX_OFFSET}"),
            None,
        ));
    }
    Ok(Compiled {
        table,
        count,
        select,
        pred,
        order,
        limit,
        offset,
    })
}

fn number(value: &Value) -> Result<usize, SoqlError> {
    match &value.lit {
        Literal::Num(n) => n.parse::<usize>().map_err(|_| {
            SoqlError::new(
                "NUMBER_OUTSIDE_VALID_RANGE",
                format!("number out of range: {n}"),
                Some(value.at),
            )
        }),
        _ => Err(SoqlError::malformed("expected an integer", Some(value.at))),
    }
}

fn column(object: &ObjectSchema, name: &Name) -> Result<usize, SoqlError> {
    object.column(&name.text).ok_or_else(|| {
        SoqlError::new(
            "INVALID_FIELD",
            format!(
                "No such column '{}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                name.text, object.name
            ),
            Some(name.at),
        )
    })
}

fn condition(object: &ObjectSchema, cond: &Cond, today: NaiveDate) -> Result<Pred, SoqlError> {
    Ok(match cond {
        Cond::And(items) => Pred::And(
            items
                .iter()
                .map(|c| condition(object, c, today))
                .collect::<Result<_, _>>()?,
        ),
        Cond::Or(items) => Pred::Or(
            items
                .iter()
                .map(|c| condition(object, c, today))
                .collect::<Result<_, _>>()?,
        ),
        Cond::Not(inner) => Pred::Not(Box::new(condition(object, inner, today)?)),
        Cond::Cmp { field, op, value } => {
            let col = filterable(object, field)?;
            let kind = object.field(col).kind;
            match &value.lit {
                Literal::Null => match op {
                    CmpOp::Eq => Pred::IsNull(col),
                    CmpOp::Ne => Pred::NotNull(col),
                    _ => return Err(operator_error(object, col, value.at)),
                },
                Literal::Relative(rel) => {
                    let (lo, hi) = relative_range(object, col, *rel, today, value.at)?;
                    Pred::Range { col, op: *op, lo, hi }
                }
                _ => {
                    if kind == FieldType::Boolean && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                        return Err(operator_error(object, col, value.at));
                    }
                    Pred::Cmp {
                        col,
                        op: *op,
                        val: operand(object, col, value)?,
                    }
                }
            }
        }
        Cond::In { field, negated, values } => {
            let col = filterable(object, field)?;
            let mut vals = Vec::new();
            let mut has_null = false;
            for value in values {
                match value.lit {
                    Literal::Null => has_null = true,
                    Literal::Relative(_) => {
                        return Err(SoqlError::malformed(
                            "date literals are not allowed in IN lists",
                            Some(value.at),
                        ));
                    }
                    _ => vals.push(operand(object, col, value)?),
                }
            }
            Pred::In {
                col,
                negated: *negated,
                vals,
                has_null,
            }
        }
        Cond::Like { field, pattern } => {
            let col = filterable(object, field)?;
            if !object.field(col).kind.is_text() {
                return Err(operator_error(object, col, pattern.at));
            }
            let Literal::Str(s) = &pattern.lit else {
                return Err(SoqlError::malformed("LIKE requires a string literal", Some(pattern.at)));
            };
            let pat = s
                .pattern
                .iter()
                .map(|p| match p {
                    PatItem::Char(c) => PatItem::Char(c.to_lowercase().next().unwrap_or(*c)),
                    other => other.clone(),
                })
                .collect();
            Pred::Like { col, pat }
        }
    })
}

fn filterable(object: &ObjectSchema, name: &Name) -> Result<usize, SoqlError> {
    let col = column(object, name)?;
    if !object.field(col).filterable() {
        return Err(SoqlError::new(
            "INVALID_FIELD",
            format!("field '{}' can not be filtered in query call", object.field(col).name),
            Some(name.at),
        ));
    }
    Ok(col)
}

fn operator_error(object: &ObjectSchema, col: usize, at: usize) -> SoqlError {
    let kind = object.field(col).kind;
    SoqlError::new(
        "INVALID_QUERY_FILTER_OPERATOR",
        format!("invalid operator on {} field", kind.soql_name()),
        Some(at),
    )
}

/// A literal converted to the field's type, or Salesforce's complaint about it.
fn operand(object: &ObjectSchema, col: usize, value: &Value) -> Result<Operand, SoqlError> {
    let field = object.field(col);
    let wrong = || {
        let quoted = if field.kind.is_text() || field.kind.is_id() {
            "should be enclosed in quotes"
        } else {
            "should not be enclosed in quotes"
        };
        SoqlError::new(
            "INVALID_FIELD",
            format!(
                "value of filter criterion for field '{}' must be of type {} and {quoted}",
                field.name,
                field.kind.soql_name()
            ),
            Some(value.at),
        )
    };
    Ok(match (&value.lit, field.kind) {
        (Literal::Str(s), kind) if kind.is_id() => match SfId::parse(&s.value) {
            Some(id) => Operand::Id(id),
            None => {
                return Err(SoqlError::new(
                    "INVALID_QUERY_FILTER_OPERATOR",
                    format!("invalid ID field: {}", s.value),
                    Some(value.at),
                ));
            }
        },
        (Literal::Str(s), kind) if kind.is_text() => Operand::Str(s.value.to_lowercase()),
        (Literal::Num(n), kind) if kind.is_number() => Operand::Num(n.parse::<f64>().map_err(|_| wrong())?),
        (Literal::Bool(b), FieldType::Boolean) => Operand::Bool(*b),
        (Literal::Date(d), FieldType::Date) => Operand::Date(*d),
        (Literal::DateTime(ms), FieldType::DateTime) => Operand::DateTime(*ms),
        _ => return Err(wrong()),
    })
}

/// `[lo, hi)` of a relative date literal, for a date or date-time field.
fn relative_range(
    object: &ObjectSchema,
    col: usize,
    rel: RelativeDate,
    today: NaiveDate,
    at: usize,
) -> Result<(Operand, Operand), SoqlError> {
    let plus = |d: NaiveDate, n: u32| d.checked_add_days(Days::new(u64::from(n))).unwrap_or(d);
    let minus = |d: NaiveDate, n: u32| d.checked_sub_days(Days::new(u64::from(n))).unwrap_or(d);
    let (lo, hi) = match rel {
        RelativeDate::Today => (today, plus(today, 1)),
        RelativeDate::Yesterday => (minus(today, 1), today),
        RelativeDate::Tomorrow => (plus(today, 1), plus(today, 2)),
        RelativeDate::LastNDays(n) => (minus(today, n), plus(today, 1)),
        RelativeDate::NextNDays(n) => (plus(today, 1), plus(today, n + 1)),
        RelativeDate::NDaysAgo(n) => (minus(today, n), minus(today, n.saturating_sub(1))),
    };
    let field = object.field(col);
    match field.kind {
        FieldType::Date => Ok((Operand::Date(lo), Operand::Date(hi))),
        FieldType::DateTime => Ok((
            Operand::DateTime(time::start_of_day(lo)),
            Operand::DateTime(time::start_of_day(hi)),
        )),
        _ => Err(SoqlError::new(
            "INVALID_FIELD",
            format!(
                "value of filter criterion for field '{}' must be of type {} and should be enclosed in quotes",
                field.name,
                field.kind.soql_name()
            ),
            Some(at),
        )),
    }
}
