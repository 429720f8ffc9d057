//! A recursive-descent parser for the SOQL subset a sync needs.
//!
//! Holds no state beyond the token cursor. Grammar (keywords case-insensitive):
//!
//! ```text
//! query     := SELECT (COUNT '(' ')' | field (',' field)*) FROM object
//!              [WHERE cond] [ORDER BY order (',' order)*] [LIMIT int] [OFFSET int]
//! cond      := [NOT] simple | simple (AND simple)+ | simple (OR simple)+
//! simple    := '(' cond ')' | field op value | field [NOT] IN '(' value (',' value)* ')'
//!            | field LIKE string
//! order     := field [ASC | DESC] [NULLS (FIRST | LAST)]
//! value     := string | number | TRUE | FALSE | NULL | date | datetime
//!            | TODAY | YESTERDAY | TOMORROW | (LAST_N_DAYS | NEXT_N_DAYS | N_DAYS_AGO) ':' int
//! ```
//!
//! As in Salesforce, AND and OR cannot be mixed without parentheses, and NOT may only open a
//! condition. Valid SOQL the simulator does not implement (relationship paths, aggregates other
//! than `COUNT()`, GROUP BY, subqueries, bind variables...) is refused with a `MALFORMED_QUERY`
//! that says so.

use super::SoqlError;
use super::ast::{Cond, Literal, Name, OrderBy, Query, RelativeDate, Select, Value};
use super::lexer::{Tok, Token, lex};

/// Parses a query.
pub fn parse(query: &str) -> Result<Query, SoqlError> {
    let mut p = Parser {
        query,
        toks: lex(query)?,
        pos: 0,
    };
    p.query()
}

struct Parser<'a> {
    query: &'a str,
    toks: Vec<Token>,
    pos: usize,
}

/// Keywords that start clauses the simulator does not implement.
const UNSUPPORTED_CLAUSES: &[&str] = &["GROUP", "HAVING", "WITH", "FOR", "USING", "UPDATE", "TYPEOF"];

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> &Token {
        &self.toks[(self.pos + ahead).min(self.toks.len() - 1)]
    }

    fn advance(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), SoqlError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect(&mut self, tok: &Tok) -> Result<(), SoqlError> {
        if &self.peek().tok == tok {
            self.advance();
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// The current token as written in the query.
    fn text(&self) -> String {
        let t = self.peek();
        match &t.tok {
            Tok::Eof => "<EOF>".into(),
            Tok::Str(s) => format!("'{}'", s.value),
            _ => {
                let end = self.toks.get(self.pos + 1).map(|n| n.at).unwrap_or(self.query.len());
                self.query[t.at..end].trim().to_owned()
            }
        }
    }

    fn unexpected(&self) -> SoqlError {
        if let Tok::Ident(word) = &self.peek().tok
            && UNSUPPORTED_CLAUSES.iter().any(|k| k.eq_ignore_ascii_case(word))
        {
            return SoqlError::malformed(
                format!(
                    "unexpected token: {}. The closedloop simulator does not support {} clauses",
                    self.text(),
                    word.to_uppercase()
                ),
                Some(self.peek().at),
            );
        }
        SoqlError::malformed(format!("unexpected token: {}", self.text()), Some(self.peek().at))
    }

    fn query(&mut self) -> Result<Query, SoqlError> {
        self.expect_kw("SELECT")?;
        let select = self.select_list()?;
        self.expect_kw("FROM")?;
        let from = self.name()?;
        if self.peek().tok == Tok::Dot || matches!(&self.peek().tok, Tok::Ident(s) if !is_clause_keyword(s)) {
            return Err(self.unexpected());
        }
        let condition = if self.eat_kw("WHERE") { Some(self.cond()?) } else { None };
        let mut order_by = Vec::new();
        if self.eat_kw("ORDER") {
            self.expect_kw("BY")?;
            loop {
                order_by.push(self.order()?);
                if self.peek().tok != Tok::Comma {
                    break;
                }
                self.advance();
            }
        }
        let limit = if self.eat_kw("LIMIT") {
            Some(self.integer()?)
        } else {
            None
        };
        let offset = if self.eat_kw("OFFSET") {
            Some(self.integer()?)
        } else {
            None
        };
        if self.peek().tok != Tok::Eof {
            return Err(self.unexpected());
        }
        Ok(Query {
            select,
            from,
            condition,
            order_by,
            limit,
            offset,
        })
    }

    fn select_list(&mut self) -> Result<Select, SoqlError> {
        if self.is_kw("COUNT") && self.peek_at(1).tok == Tok::LParen {
            let at = self.advance().at;
            self.advance();
            if self.peek().tok != Tok::RParen {
                return Err(SoqlError::malformed(
                    "aggregate functions other than COUNT() are not supported by the closedloop simulator",
                    Some(at),
                ));
            }
            self.advance();
            if self.peek().tok == Tok::Comma {
                return Err(self.unexpected());
            }
            return Ok(Select::Count);
        }
        let mut fields = Vec::new();
        loop {
            if self.peek().tok == Tok::LParen {
                return Err(SoqlError::malformed(
                    "subqueries are not supported by the closedloop simulator",
                    Some(self.peek().at),
                ));
            }
            fields.push(self.field()?);
            if self.peek().tok != Tok::Comma {
                break;
            }
            self.advance();
        }
        Ok(Select::Fields(fields))
    }

    /// A plain name (an object or a field), refusing function calls and relationship paths.
    fn name(&mut self) -> Result<Name, SoqlError> {
        let Tok::Ident(text) = self.peek().tok.clone() else {
            return Err(self.unexpected());
        };
        let at = self.advance().at;
        Ok(Name { text, at })
    }

    fn field(&mut self) -> Result<Name, SoqlError> {
        if matches!(&self.peek().tok, Tok::Ident(s) if is_reserved(s)) {
            return Err(self.unexpected());
        }
        let name = self.name()?;
        match self.peek().tok {
            Tok::LParen => Err(SoqlError::malformed(
                format!("function {}() is not supported by the closedloop simulator", name.text),
                Some(name.at),
            )),
            Tok::Dot => Err(SoqlError::malformed(
                format!(
                    "relationship fields ({}.…) are not supported by the closedloop simulator",
                    name.text
                ),
                Some(name.at),
            )),
            _ => Ok(name),
        }
    }

    fn order(&mut self) -> Result<OrderBy, SoqlError> {
        let field = self.field()?;
        let descending = if self.eat_kw("DESC") {
            true
        } else {
            self.eat_kw("ASC");
            false
        };
        let nulls_first = if self.eat_kw("NULLS") {
            if self.eat_kw("FIRST") {
                Some(true)
            } else if self.eat_kw("LAST") {
                Some(false)
            } else {
                return Err(self.unexpected());
            }
        } else {
            None
        };
        Ok(OrderBy {
            field,
            descending,
            nulls_first,
        })
    }

    fn integer(&mut self) -> Result<Value, SoqlError> {
        match &self.peek().tok {
            Tok::Num(n) if n.chars().all(|c| c.is_ascii_digit()) => {
                let value = Value {
                    lit: Literal::Num(n.clone()),
                    at: self.peek().at,
                };
                self.advance();
                Ok(value)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn cond(&mut self) -> Result<Cond, SoqlError> {
        if self.eat_kw("NOT") {
            let inner = self.simple()?;
            if self.is_kw("AND") || self.is_kw("OR") {
                return Err(self.unexpected());
            }
            return Ok(Cond::Not(Box::new(inner)));
        }
        let mut items = vec![self.simple()?];
        let mut joiner: Option<String> = None;
        while self.is_kw("AND") || self.is_kw("OR") {
            let word = self.text().to_uppercase();
            if joiner.as_ref().is_some_and(|j| *j != word) {
                return Err(self.unexpected());
            }
            joiner = Some(word);
            self.advance();
            if self.is_kw("NOT") {
                return Err(self.unexpected());
            }
            items.push(self.simple()?);
        }
        Ok(match (joiner.as_deref(), items.len()) {
            (_, 1) => items.remove(0),
            (Some("AND"), _) => Cond::And(items),
            _ => Cond::Or(items),
        })
    }

    fn simple(&mut self) -> Result<Cond, SoqlError> {
        if self.peek().tok == Tok::LParen {
            self.advance();
            let inner = self.cond()?;
            self.expect(&Tok::RParen)?;
            return Ok(inner);
        }
        let field = self.field()?;
        if let Tok::Op(op) = self.peek().tok {
            self.advance();
            let value = self.value()?;
            return Ok(Cond::Cmp { field, op, value });
        }
        if self.eat_kw("LIKE") {
            let value = self.value()?;
            if !matches!(value.lit, Literal::Str(_)) {
                return Err(SoqlError::malformed("LIKE requires a string literal", Some(value.at)));
            }
            return Ok(Cond::Like { field, pattern: value });
        }
        let negated =
            if self.is_kw("NOT") && matches!(&self.peek_at(1).tok, Tok::Ident(s) if s.eq_ignore_ascii_case("IN")) {
                self.advance();
                true
            } else {
                false
            };
        if self.eat_kw("IN") {
            self.expect(&Tok::LParen)?;
            if self.is_kw("SELECT") {
                return Err(SoqlError::malformed(
                    "semi-join subqueries are not supported by the closedloop simulator",
                    Some(self.peek().at),
                ));
            }
            let mut values = vec![self.value()?];
            while self.peek().tok == Tok::Comma {
                self.advance();
                values.push(self.value()?);
            }
            self.expect(&Tok::RParen)?;
            return Ok(Cond::In { field, negated, values });
        }
        if self.is_kw("INCLUDES") || self.is_kw("EXCLUDES") {
            return Err(SoqlError::malformed(
                "INCLUDES and EXCLUDES (multi-select picklists) are not supported by the closedloop simulator",
                Some(self.peek().at),
            ));
        }
        Err(self.unexpected())
    }

    fn value(&mut self) -> Result<Value, SoqlError> {
        let at = self.peek().at;
        let lit = match self.peek().tok.clone() {
            Tok::Str(s) => Literal::Str(s),
            Tok::Num(n) => Literal::Num(n),
            Tok::Date(d) => Literal::Date(d),
            Tok::DateTime(ms) => Literal::DateTime(ms),
            Tok::Colon => {
                return Err(SoqlError::malformed(
                    "bind variables are only valid in Apex code",
                    Some(at),
                ));
            }
            Tok::Ident(word) => match word.to_ascii_uppercase().as_str() {
                "TRUE" => Literal::Bool(true),
                "FALSE" => Literal::Bool(false),
                "NULL" => Literal::Null,
                "TODAY" => Literal::Relative(RelativeDate::Today),
                "YESTERDAY" => Literal::Relative(RelativeDate::Yesterday),
                "TOMORROW" => Literal::Relative(RelativeDate::Tomorrow),
                "LAST_N_DAYS" | "NEXT_N_DAYS" | "N_DAYS_AGO" => {
                    self.advance();
                    self.expect(&Tok::Colon)?;
                    let Tok::Num(n) = self.peek().tok.clone() else {
                        return Err(self.unexpected());
                    };
                    let n: u32 = n.parse().map_err(|_| self.unexpected())?;
                    self.advance();
                    let rel = match word.to_ascii_uppercase().as_str() {
                        "LAST_N_DAYS" => RelativeDate::LastNDays(n),
                        "NEXT_N_DAYS" => RelativeDate::NextNDays(n),
                        _ => RelativeDate::NDaysAgo(n),
                    };
                    return Ok(Value {
                        lit: Literal::Relative(rel),
                        at,
                    });
                }
                upper if upper.starts_with("LAST_") || upper.starts_with("THIS_") || upper.starts_with("NEXT_") => {
                    return Err(SoqlError::malformed(
                        format!("date literal {word} is not supported by the closedloop simulator"),
                        Some(at),
                    ));
                }
                _ => return Err(self.unexpected()),
            },
            _ => return Err(self.unexpected()),
        };
        self.advance();
        Ok(Value { lit, at })
    }
}

/// Words that cannot be field names where a field is expected.
fn is_reserved(word: &str) -> bool {
    [
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "ORDER", "BY", "LIMIT", "OFFSET", "IN", "LIKE", "NULL", "TRUE",
        "FALSE",
    ]
    .iter()
    .any(|k| k.eq_ignore_ascii_case(word))
}

/// Words that may follow the object name.
fn is_clause_keyword(word: &str) -> bool {
    ["WHERE", "ORDER", "LIMIT", "OFFSET"]
        .iter()
        .chain(UNSUPPORTED_CLAUSES)
        .any(|k| k.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::soql::lexer::CmpOp;

    #[test]
    fn parses_the_incremental_cursor_query() {
        let q = parse(
            "SELECT Id, SystemModstamp FROM Lead WHERE SystemModstamp > 2024-01-01T00:00:00.000+0000 \
             OR (SystemModstamp = 2024-01-01T00:00:00Z AND Id > '00Q5g000000AbCdEAA') ORDER BY SystemModstamp, Id LIMIT 2000",
        );
        let Ok(q) = q else { panic!("{q:?}") };
        assert_eq!(q.from.text, "Lead");
        let Some(Cond::Or(items)) = &q.condition else {
            panic!("{:?}", q.condition)
        };
        assert!(matches!(&items[0], Cond::Cmp { op: CmpOp::Gt, .. }));
        assert!(matches!(&items[1], Cond::And(inner) if inner.len() == 2));
        assert_eq!(q.order_by.len(), 2);
        assert!(q.limit.is_some());
    }

    #[test]
    fn parses_the_rest_of_the_subset() {
        for ok in [
            "select id from lead",
            "SELECT COUNT() FROM Contact WHERE Email LIKE '%@example.com'",
            "SELECT Id FROM Lead WHERE Status IN ('Open', 'Working') AND LeadSource NOT IN ('Web') AND IsConverted = false",
            "SELECT Id FROM Lead WHERE NOT (Status = 'Open' OR Status = 'New')",
            "SELECT Id FROM Lead WHERE (NOT Email = null) AND CreatedDate = LAST_N_DAYS:30",
            "SELECT Id FROM Opportunity WHERE Amount >= 1000.50 AND CloseDate < 2024-06-30 ORDER BY Amount DESC NULLS LAST, Id ASC NULLS FIRST LIMIT 10 OFFSET 20",
            "SELECT Id FROM Lead WHERE Name != 'x' AND Name <> 'y'",
        ] {
            assert!(parse(ok).is_ok(), "{ok}: {:?}", parse(ok));
        }
    }

    #[test]
    fn refuses_malformed_and_unsupported_soql() {
        for bad in [
            "",
            "SELECT",
            "SELECT FROM Lead",
            "SELECT Id Lead",
            "SELECT Id, FROM Lead",
            "SELECT Id FROM",
            "SELECT Id FROM Lead WHERE",
            "SELECT Id FROM Lead WHERE Status = 'a' AND Status = 'b' OR Status = 'c'",
            "SELECT Id FROM Lead WHERE Status = 'a' AND NOT Status = 'b'",
            "SELECT Id FROM Lead WHERE NOT Status = 'a' AND Status = 'b'",
            "SELECT Id FROM Lead WHERE (Status = 'a'",
            "SELECT Id FROM Lead WHERE Status = :status",
            "SELECT Id FROM Lead WHERE Status",
            "SELECT Id FROM Lead WHERE Status LIKE 5",
            "SELECT Id FROM Lead WHERE Id IN (SELECT LeadId FROM CampaignMember)",
            "SELECT Owner.Name FROM Lead",
            "SELECT COUNT(Id) FROM Lead",
            "SELECT MAX(Amount) FROM Opportunity",
            "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
            "SELECT Id FROM Lead GROUP BY Status",
            "SELECT Id FROM Lead LIMIT -1",
            "SELECT Id FROM Lead LIMIT 1.5",
            "SELECT Id FROM Lead ORDER BY",
            "SELECT Id FROM Lead l",
            "SELECT Id FROM Lead WHERE CreatedDate = THIS_MONTH",
            "SELECT Id FROM Lead LIMIT 5 extra",
            "DELETE FROM Lead",
        ] {
            let result = parse(bad);
            assert!(
                matches!(&result, Err(e) if e.code == "MALFORMED_QUERY"),
                "{bad}: {result:?}"
            );
        }
    }

    #[test]
    fn errors_point_at_the_offending_token() {
        let q = "SELECT Id FROM Lead WHERE A = 1 AND B = 2 OR C = 3";
        let Err(e) = parse(q) else { panic!("accepted") };
        assert_eq!(e.at, q.find("OR"));
        assert!(e.message(q).contains("ERROR at Row:1:Column:43"), "{}", e.message(q));
        assert!(e.message(q).ends_with("unexpected token: OR"), "{}", e.message(q));
    }
}
