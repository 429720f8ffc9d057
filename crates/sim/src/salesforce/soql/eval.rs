//! Evaluating conditions and ordering rows, with SOQL's semantics.
//!
//! Holds no state. Text compares case-insensitively (for `=`, ranges, `LIKE` and `ORDER BY`
//! alike); a null field satisfies only `= null`, `!= value` and `NOT IN`; nulls sort first when
//! ascending and last when descending unless `NULLS FIRST/LAST` says otherwise.

use super::compile::{Operand, Pred, SortKey};
use super::lexer::{CmpOp, PatItem};
use crate::salesforce::value::Val;
use std::cmp::Ordering;

/// True when the row's values satisfy the condition.
pub fn matches(pred: &Pred, vals: &[Val]) -> bool {
    match pred {
        Pred::And(items) => items.iter().all(|p| matches(p, vals)),
        Pred::Or(items) => items.iter().any(|p| matches(p, vals)),
        Pred::Not(inner) => !matches(inner, vals),
        Pred::IsNull(col) => vals[*col].is_null(),
        Pred::NotNull(col) => !vals[*col].is_null(),
        Pred::Cmp { col, op, val } => match compare(&vals[*col], val) {
            Some(ord) => holds(*op, ord),
            // A null (or incomparable) value is only ever "not equal".
            None => *op == CmpOp::Ne,
        },
        Pred::Range { col, op, lo, hi } => {
            let (Some(to_lo), Some(to_hi)) = (compare(&vals[*col], lo), compare(&vals[*col], hi)) else {
                return *op == CmpOp::Ne;
            };
            let inside = to_lo != Ordering::Less && to_hi == Ordering::Less;
            match op {
                CmpOp::Eq => inside,
                CmpOp::Ne => !inside,
                CmpOp::Lt => to_lo == Ordering::Less,
                CmpOp::Le => to_hi == Ordering::Less,
                CmpOp::Gt => to_hi != Ordering::Less,
                CmpOp::Ge => to_lo != Ordering::Less,
            }
        }
        Pred::In {
            col,
            negated,
            vals: list,
            has_null,
        } => {
            let value = &vals[*col];
            let found = if value.is_null() {
                *has_null
            } else {
                list.iter().any(|o| compare(value, o) == Some(Ordering::Equal))
            };
            found != *negated
        }
        Pred::Like { col, pat } => match &vals[*col] {
            Val::Str(s) => like(s, pat),
            _ => false,
        },
    }
}

fn holds(op: CmpOp, ord: Ordering) -> bool {
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}

/// Orders a stored value against an operand; `None` when the value is null or of another type.
pub fn compare(value: &Val, operand: &Operand) -> Option<Ordering> {
    match (value, operand) {
        (Val::Str(s), Operand::Str(lower)) => Some(cmp_ci_lower(s, lower)),
        (Val::Int(i), Operand::Num(n)) => (*i as f64).partial_cmp(n),
        (Val::Num(x), Operand::Num(n)) => x.partial_cmp(n),
        (Val::Bool(a), Operand::Bool(b)) => Some(a.cmp(b)),
        (Val::Id(a), Operand::Id(b)) => Some(a.cmp(b)),
        (Val::DateTime(a), Operand::DateTime(b)) => Some(a.cmp(b)),
        (Val::Date(a), Operand::Date(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// Compares `a` case-insensitively with `lower`, which is already lower-cased.
fn cmp_ci_lower(a: &str, lower: &str) -> Ordering {
    if a.is_ascii() && lower.is_ascii() {
        return a.bytes().map(|b| b.to_ascii_lowercase()).cmp(lower.bytes());
    }
    a.chars().flat_map(char::to_lowercase).cmp(lower.chars())
}

/// Case-insensitive comparison of two stored strings.
fn cmp_ci(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a
            .bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()));
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// SOQL `LIKE`: `%` any run, `_` one character, case-insensitive; the pattern is lower-cased.
pub fn like(value: &str, pat: &[PatItem]) -> bool {
    if value.is_ascii() {
        // The common case, without allocating: scans run this for every row.
        let bytes = value.as_bytes();
        return like_chars(bytes.len(), |i| char::from(bytes[i].to_ascii_lowercase()), pat);
    }
    let text: Vec<char> = value.chars().flat_map(char::to_lowercase).collect();
    like_chars(text.len(), |i| text[i], pat)
}

/// Greedy wildcard matching with one backtrack point for the last `%`: linear in practice.
fn like_chars(len: usize, at: impl Fn(usize) -> char, pat: &[PatItem]) -> bool {
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < len {
        match pat.get(p) {
            Some(PatItem::Any) => {
                star = Some((p, t));
                p += 1;
            }
            Some(PatItem::One) => {
                t += 1;
                p += 1;
            }
            Some(PatItem::Char(c)) if *c == at(t) => {
                t += 1;
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pat[p..].iter().all(|i| *i == PatItem::Any)
}

/// Orders two rows by the ORDER BY keys.
pub fn order_rows(keys: &[SortKey], a: &[Val], b: &[Val]) -> Ordering {
    for key in keys {
        let (x, y) = (&a[key.col], &b[key.col]);
        let ord = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if key.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if key.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, false) => {
                let natural = compare_vals(x, y);
                if key.descending { natural.reverse() } else { natural }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

fn compare_vals(x: &Val, y: &Val) -> Ordering {
    match (x, y) {
        (Val::Str(a), Val::Str(b)) => cmp_ci(a, b),
        (Val::Bool(a), Val::Bool(b)) => a.cmp(b),
        (Val::Id(a), Val::Id(b)) => a.cmp(b),
        (Val::DateTime(a), Val::DateTime(b)) => a.cmp(b),
        (Val::Date(a), Val::Date(b)) => a.cmp(b),
        _ => match (x.as_f64(), y.as_f64()) {
            (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
            _ => Ordering::Equal,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(s: &str) -> Vec<PatItem> {
        s.chars()
            .map(|c| match c {
                '%' => PatItem::Any,
                '_' => PatItem::One,
                c => PatItem::Char(c),
            })
            .collect()
    }

    #[test]
    fn like_follows_soql() {
        assert!(like("Acme Corp", &pat("acme%")));
        assert!(like("ACME", &pat("a_me")));
        assert!(like("x@example.com", &pat("%@example.com")));
        assert!(like("abcabc", &pat("%b%c")));
        assert!(like("", &pat("%")));
        assert!(!like("Acme", &pat("acm")));
        assert!(!like("ab", &pat("a_b")));
        assert!(!like("abc", &pat("%d%")));
        assert!(like(
            "100%",
            &[
                PatItem::Char('1'),
                PatItem::Char('0'),
                PatItem::Char('0'),
                PatItem::Char('%')
            ]
        ));
        assert!(!like(
            "1000",
            &[
                PatItem::Char('1'),
                PatItem::Char('0'),
                PatItem::Char('0'),
                PatItem::Char('%')
            ]
        ));
    }

    #[test]
    fn text_compares_case_insensitively() {
        assert_eq!(
            compare(&Val::text("O'Brien"), &Operand::Str("o'brien".into())),
            Some(Ordering::Equal)
        );
        assert_eq!(
            compare(&Val::text("Émile"), &Operand::Str("émile".into())),
            Some(Ordering::Equal)
        );
        assert_eq!(compare(&Val::Null, &Operand::Str("x".into())), None);
    }

    #[test]
    fn nulls_sort_first_ascending_and_last_descending() {
        let asc = [SortKey {
            col: 0,
            descending: false,
            nulls_first: true,
        }];
        let desc = [SortKey {
            col: 0,
            descending: true,
            nulls_first: false,
        }];
        let null = [Val::Null];
        let one = [Val::Int(1)];
        assert_eq!(order_rows(&asc, &null, &one), Ordering::Less);
        assert_eq!(order_rows(&desc, &null, &one), Ordering::Greater);
    }
}
