//! SOQL tokens: identifiers, single-quoted strings with SOQL's escapes, numbers, date and
//! date-time literals, punctuation and comparison operators.
//!
//! Holds no state. A string literal is decoded once into its value and, for `LIKE`, into a
//! pattern where `%` and `_` are wildcards unless escaped (`\%`, `\_`). Only the escapes SOQL
//! defines are accepted; anything else after a backslash, or an unterminated string, is a
//! `MALFORMED_QUERY`: a quoted value can never run into the rest of the query.

use super::SoqlError;
use crate::salesforce::time;
use chrono::NaiveDate;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// One element of a `LIKE` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatItem {
    /// A literal character.
    Char(char),
    /// `%`: any run of characters.
    Any,
    /// `_`: exactly one character.
    One,
}

/// A decoded string literal.
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    /// The value, escapes resolved.
    pub value: String,
    /// The value read as a `LIKE` pattern.
    pub pattern: Vec<PatItem>,
}

/// A token kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name or keyword.
    Ident(String),
    /// `'...'`.
    Str(StrLit),
    /// A number, as written.
    Num(String),
    /// `2024-01-31`.
    Date(NaiveDate),
    /// `2024-01-31T09:15:00Z`, in milliseconds.
    DateTime(i64),
    /// A comparison operator.
    Op(CmpOp),
    /// `,`
    Comma,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `.`
    Dot,
    /// `:`
    Colon,
    /// End of input.
    Eof,
}

/// A token and where it starts (byte offset).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub tok: Tok,
    /// Byte offset in the query.
    pub at: usize,
}

/// Splits a query into tokens.
pub fn lex(query: &str) -> Result<Vec<Token>, SoqlError> {
    let chars: Vec<(usize, char)> = query.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let single = |tok| Token { tok, at };
        match c {
            ',' => out.push(single(Tok::Comma)),
            '(' => out.push(single(Tok::LParen)),
            ')' => out.push(single(Tok::RParen)),
            '.' => out.push(single(Tok::Dot)),
            ':' => out.push(single(Tok::Colon)),
            '=' => out.push(single(Tok::Op(CmpOp::Eq))),
            '!' if next_is(&chars, i, '=') => {
                out.push(single(Tok::Op(CmpOp::Ne)));
                i += 1;
            }
            '<' if next_is(&chars, i, '>') => {
                out.push(single(Tok::Op(CmpOp::Ne)));
                i += 1;
            }
            '<' if next_is(&chars, i, '=') => {
                out.push(single(Tok::Op(CmpOp::Le)));
                i += 1;
            }
            '<' => out.push(single(Tok::Op(CmpOp::Lt))),
            '>' if next_is(&chars, i, '=') => {
                out.push(single(Tok::Op(CmpOp::Ge)));
                i += 1;
            }
            '>' => out.push(single(Tok::Op(CmpOp::Gt))),
            '\'' => {
                let (lit, next) = string(query, &chars, i)?;
                out.push(single(Tok::Str(lit)));
                i = next;
                continue;
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].1.is_ascii_alphanumeric() || chars[i].1 == '_') {
                    i += 1;
                }
                out.push(single(Tok::Ident(chars[start..i].iter().map(|(_, c)| c).collect())));
                continue;
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+') && chars.get(i + 1).is_some_and(|(_, d)| d.is_ascii_digit())) =>
            {
                let (tok, next) = number_or_date(query, &chars, i)?;
                out.push(single(tok));
                i = next;
                continue;
            }
            '"' => {
                return Err(SoqlError::malformed(
                    "strings must be enclosed in single quotes",
                    Some(at),
                ));
            }
            other => {
                return Err(SoqlError::malformed(
                    format!("unexpected character '{other}'"),
                    Some(at),
                ));
            }
        }
        i += 1;
    }
    out.push(Token {
        tok: Tok::Eof,
        at: query.len(),
    });
    Ok(out)
}

fn next_is(chars: &[(usize, char)], i: usize, c: char) -> bool {
    chars.get(i + 1).is_some_and(|(_, n)| *n == c)
}

/// Reads a quoted string starting at the quote `chars[start]`; returns it and the index after it.
fn string(_query: &str, chars: &[(usize, char)], start: usize) -> Result<(StrLit, usize), SoqlError> {
    let mut value = String::new();
    let mut pattern = Vec::new();
    let mut i = start + 1;
    loop {
        let Some(&(at, c)) = chars.get(i) else {
            return Err(SoqlError::malformed(
                "unterminated string literal",
                Some(chars[start].0),
            ));
        };
        match c {
            '\'' => return Ok((StrLit { value, pattern }, i + 1)),
            '\\' => {
                let Some(&(_, e)) = chars.get(i + 1) else {
                    return Err(SoqlError::malformed(
                        "unterminated string literal",
                        Some(chars[start].0),
                    ));
                };
                let decoded = match e {
                    'n' | 'N' => '\n',
                    'r' | 'R' => '\r',
                    't' | 'T' => '\t',
                    'b' | 'B' => '\u{8}',
                    'f' | 'F' => '\u{c}',
                    '"' => '"',
                    '\'' => '\'',
                    '\\' => '\\',
                    '%' | '_' => {
                        // Escaped wildcards are literal in LIKE and keep their backslash elsewhere.
                        value.push('\\');
                        value.push(e);
                        pattern.push(PatItem::Char(e));
                        i += 2;
                        continue;
                    }
                    other => {
                        return Err(SoqlError::malformed(
                            format!(
                                "Invalid string literal '\\{other}'. Illegal character sequence '\\{other}' in string literal."
                            ),
                            Some(at),
                        ));
                    }
                };
                value.push(decoded);
                pattern.push(PatItem::Char(decoded));
                i += 2;
            }
            '%' => {
                value.push(c);
                pattern.push(PatItem::Any);
                i += 1;
            }
            '_' => {
                value.push(c);
                pattern.push(PatItem::One);
                i += 1;
            }
            _ => {
                value.push(c);
                pattern.push(PatItem::Char(c));
                i += 1;
            }
        }
    }
}

/// A number, a date `YYYY-MM-DD`, or a date-time `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm|±hhmm)`.
fn number_or_date(query: &str, chars: &[(usize, char)], start: usize) -> Result<(Tok, usize), SoqlError> {
    let at = chars[start].0;
    let digits_then_dash = chars.len() > start + 4
        && chars[start..start + 4].iter().all(|(_, c)| c.is_ascii_digit())
        && chars[start + 4].1 == '-';
    if digits_then_dash {
        let mut end = start;
        while end < chars.len()
            && (chars[end].1.is_ascii_alphanumeric() || matches!(chars[end].1, '-' | ':' | '.' | '+'))
        {
            end += 1;
        }
        let end_byte = chars.get(end).map(|(b, _)| *b).unwrap_or(query.len());
        let text = &query[at..end_byte];
        if text.len() == 10 {
            return time::parse_date(text)
                .map(|d| (Tok::Date(d), end))
                .ok_or_else(|| bad_literal(text, at));
        }
        return time::parse_datetime(text)
            .map(|ms| (Tok::DateTime(ms), end))
            .ok_or_else(|| bad_literal(text, at));
    }
    let mut end = start + 1;
    let mut seen_dot = false;
    while end < chars.len() && (chars[end].1.is_ascii_digit() || (chars[end].1 == '.' && !seen_dot)) {
        seen_dot |= chars[end].1 == '.';
        end += 1;
    }
    if chars
        .get(end)
        .is_some_and(|(_, c)| c.is_ascii_alphabetic() || *c == '_')
    {
        return Err(SoqlError::malformed(
            format!("unexpected token: {}", &query[at..]),
            Some(at),
        ));
    }
    let end_byte = chars.get(end).map(|(b, _)| *b).unwrap_or(query.len());
    Ok((Tok::Num(query[at..end_byte].trim_start_matches('+').to_owned()), end))
}

fn bad_literal(text: &str, at: usize) -> SoqlError {
    SoqlError::malformed(
        format!("invalid date or dateTime literal: {text} (use 2024-01-31 or 2024-01-31T09:15:00Z)"),
        Some(at),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(q: &str) -> Vec<Tok> {
        lex(q)
            .map(|t| t.into_iter().map(|t| t.tok).collect())
            .unwrap_or_default()
    }

    #[test]
    fn lexes_operators_and_literals() {
        let toks = kinds("a<>b != 'x' <= 1.5 >= -2 2024-01-31 2024-01-31T00:00:00Z");
        assert_eq!(toks[1], Tok::Op(CmpOp::Ne));
        assert_eq!(toks[3], Tok::Op(CmpOp::Ne));
        assert!(matches!(&toks[4], Tok::Str(s) if s.value == "x"));
        assert_eq!(toks[6], Tok::Num("1.5".into()));
        assert_eq!(toks[8], Tok::Num("-2".into()));
        assert!(matches!(toks[9], Tok::Date(_)));
        assert!(matches!(toks[10], Tok::DateTime(_)));
        assert_eq!(toks[11], Tok::Eof);
    }

    #[test]
    fn decodes_escapes_and_keeps_quotes_inside() {
        let toks = kinds(r"'O\'Brien' '\\' ' OR Id != \'' 'a\nb' '100\%' 'a_b%'");
        let values: Vec<String> = toks
            .iter()
            .filter_map(|t| {
                if let Tok::Str(s) = t {
                    Some(s.value.clone())
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(values, vec!["O'Brien", "\\", " OR Id != '", "a\nb", "100\\%", "a_b%"]);
        let Tok::Str(like) = &toks[4] else {
            panic!("not a string")
        };
        assert_eq!(like.pattern.last(), Some(&PatItem::Char('%')));
        let Tok::Str(wild) = &toks[5] else {
            panic!("not a string")
        };
        assert_eq!(
            wild.pattern,
            vec![PatItem::Char('a'), PatItem::One, PatItem::Char('b'), PatItem::Any]
        );
    }

    #[test]
    fn rejects_what_soql_rejects() {
        for bad in [
            r"'unterminated",
            r"'bad \q escape'",
            "\"double\"",
            "a # b",
            r"'ends with backslash\",
            "2024-13-45",
            "1abc",
        ] {
            assert!(lex(bad).is_err(), "{bad:?} accepted");
        }
    }
}
