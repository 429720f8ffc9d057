//! Running a compiled query against a table: choosing an index, filtering, ordering, paging.
//!
//! Holds no state. Three access paths exist: ids named in the condition (`Id = x`, `Id IN (...)`),
//! a range of the `(SystemModstamp, Id)` index, and a range of rows in id order. Bounds on
//! `SystemModstamp` and `Id` are derived from the condition (AND narrows, OR widens), so the
//! incremental cursor `SystemModstamp > :ts OR (SystemModstamp = :ts AND Id > :id)` reads only
//! rows at or after `:ts`, already in `ORDER BY SystemModstamp, Id` order: with a LIMIT the scan
//! stops after the page. Other orders collect the matches and sort them (ties in id order, so
//! the result does not depend on the access path); with a LIMIT only the first rows are sorted.
//! Objects without a `SystemModstamp` (history) are indexed by `CreatedDate` instead.

use super::compile::{Compiled, Operand, Pred};
use super::eval;
use super::lexer::CmpOp;
use crate::salesforce::ids::SfId;
use crate::salesforce::state::{Org, Table};
use std::ops::Bound;

/// Which rows a query may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// `query`: live rows only.
    Live,
    /// `queryAll`: live rows and rows in the recycle bin (not purged ones).
    All {
        /// Rows deleted before this instant are purged.
        horizon: i64,
    },
}

/// The matching rows, in result order, after OFFSET and LIMIT.
pub fn run(org: &Org, q: &Compiled, visibility: Visibility) -> Vec<u32> {
    let table = &org.tables[q.table];
    let visible = |row: u32| match visibility {
        Visibility::Live => !org.is_deleted(q.table, row),
        Visibility::All { horizon } => !table.is_purged(row, horizon),
    };
    let matches = |row: u32| visible(row) && q.pred.as_ref().is_none_or(|p| eval::matches(p, &table.row(row).vals));
    let wanted = q.limit.map(|l| l.saturating_add(q.offset));
    let path = choose(table, q);
    let mut rows: Vec<u32> = match (&path, presorted(table, q, &path)) {
        (_, Some(descending)) => {
            let iter = candidates(table, &path, descending);
            match wanted {
                Some(n) => iter.filter(|r| matches(*r)).take(n).collect(),
                None => iter.filter(|r| matches(*r)).collect(),
            }
        }
        (_, None) => {
            let mut rows: Vec<u32> = candidates(table, &path, false).filter(|r| matches(*r)).collect();
            // Ties fall back to id order, so the result does not depend on the access path.
            let order =
                |a: &u32, b: &u32| eval::order_rows(&q.order, &table.row(*a).vals, &table.row(*b).vals).then(a.cmp(b));
            match wanted {
                // ORDER BY ... LIMIT k: select the first k, then sort only those.
                Some(k) if k > 0 && k < rows.len() / 2 => {
                    rows.select_nth_unstable_by(k - 1, order);
                    rows.truncate(k);
                    rows.sort_unstable_by(order);
                }
                Some(0) => rows.clear(),
                _ => rows.sort_unstable_by(order),
            }
            rows
        }
    };
    let start = q.offset.min(rows.len());
    rows.drain(..start);
    if let Some(limit) = q.limit {
        rows.truncate(limit);
    }
    rows
}

/// An access path.
#[derive(Debug)]
enum Path {
    /// These rows, in id order.
    Ids(Vec<u32>),
    /// Rows with a `SystemModstamp` in the bounds, in `(SystemModstamp, Id)` order.
    Modstamp(Bound<i64>, Bound<i64>),
    /// Rows `start..end` in id order.
    IdRange(u32, u32),
}

fn choose(table: &Table, q: &Compiled) -> Path {
    let id_col = table.schema.sys.id;
    if let Some(ids) = q.pred.as_ref().and_then(|p| id_set(p, id_col)) {
        let mut rows: Vec<u32> = ids.iter().filter_map(|id| table.find(*id)).collect();
        rows.sort_unstable();
        rows.dedup();
        return Path::Ids(rows);
    }
    let modstamp = table.schema.sys.time_index;
    let ms_bounds = match (&q.pred, modstamp) {
        (Some(p), Some(col)) => bounds(p, col, &|o| match o {
            Operand::DateTime(ms) => Some(*ms),
            _ => None,
        }),
        _ => (Bound::Unbounded, Bound::Unbounded),
    };
    let orders_by_modstamp = modstamp.is_some() && q.order.first().is_some_and(|k| Some(k.col) == modstamp);
    let ms_bounded = !matches!(ms_bounds, (Bound::Unbounded, Bound::Unbounded));
    let orders_by_id = q.order.first().is_some_and(|k| k.col == id_col);
    if modstamp.is_some() && (orders_by_modstamp || (ms_bounded && !orders_by_id)) {
        return Path::Modstamp(ms_bounds.0, ms_bounds.1);
    }
    let (lo, hi) = match &q.pred {
        Some(p) => bounds(p, id_col, &|o| match o {
            Operand::Id(id) => Some(*id),
            _ => None,
        }),
        None => (Bound::Unbounded, Bound::Unbounded),
    };
    let start = match lo {
        Bound::Included(id) => table.lower_bound(id, false),
        Bound::Excluded(id) => table.lower_bound(id, true),
        Bound::Unbounded => 0,
    };
    let end = match hi {
        Bound::Included(id) => table.lower_bound(id, true),
        Bound::Excluded(id) => table.lower_bound(id, false),
        Bound::Unbounded => table.len() as u32,
    };
    Path::IdRange(start, end.max(start))
}

/// `Some(descending)` when the path already yields rows in the query's order.
fn presorted(table: &Table, q: &Compiled, path: &Path) -> Option<bool> {
    let id = table.schema.sys.id;
    let natural: Vec<usize> = match path {
        Path::Modstamp(..) => table.schema.sys.time_index.into_iter().chain([id]).collect(),
        Path::Ids(_) | Path::IdRange(..) => vec![id],
    };
    if q.order.is_empty() {
        return Some(false);
    }
    let descending = q.order[0].descending;
    // The order must be a prefix of the path's keys, all in one direction (these keys are
    // never null, so NULLS FIRST/LAST does not matter).
    let prefix = q.order.len() <= natural.len()
        && q.order
            .iter()
            .zip(&natural)
            .all(|(k, col)| k.col == *col && k.descending == descending);
    if prefix && matches!(path, Path::Ids(_)) && descending {
        return None;
    }
    prefix.then_some(descending)
}

fn candidates<'a>(table: &'a Table, path: &'a Path, descending: bool) -> Box<dyn Iterator<Item = u32> + 'a> {
    match path {
        Path::Ids(rows) => Box::new(rows.iter().copied()),
        Path::Modstamp(lo, hi) => {
            let iter = table.modstamp_range(*lo, *hi);
            if descending {
                Box::new(iter.rev())
            } else {
                Box::new(iter)
            }
        }
        Path::IdRange(start, end) => {
            if descending {
                Box::new((*start..*end).rev())
            } else {
                Box::new(*start..*end)
            }
        }
    }
}

/// The ids the condition restricts `Id` to, when it does (`Id = x`, `Id IN (...)`, under AND).
fn id_set(pred: &Pred, id_col: usize) -> Option<Vec<SfId>> {
    match pred {
        Pred::Cmp {
            col,
            op: CmpOp::Eq,
            val: Operand::Id(id),
        } if *col == id_col => Some(vec![*id]),
        Pred::In {
            col,
            negated: false,
            vals,
            ..
        } if *col == id_col => Some(
            vals.iter()
                .filter_map(|v| if let Operand::Id(id) = v { Some(*id) } else { None })
                .collect(),
        ),
        Pred::And(items) => items.iter().find_map(|p| id_set(p, id_col)),
        Pred::Or(items) => {
            let mut all = Vec::new();
            for item in items {
                all.extend(id_set(item, id_col)?);
            }
            Some(all)
        }
        _ => None,
    }
}

/// Conservative bounds the condition puts on one column: every matching row lies within them.
fn bounds<K: Ord + Copy>(pred: &Pred, col: usize, key: &dyn Fn(&Operand) -> Option<K>) -> (Bound<K>, Bound<K>) {
    let all = (Bound::Unbounded, Bound::Unbounded);
    match pred {
        Pred::Cmp { col: c, op, val } if *c == col => match (op, key(val)) {
            (CmpOp::Eq, Some(k)) => (Bound::Included(k), Bound::Included(k)),
            (CmpOp::Gt, Some(k)) => (Bound::Excluded(k), Bound::Unbounded),
            (CmpOp::Ge, Some(k)) => (Bound::Included(k), Bound::Unbounded),
            (CmpOp::Lt, Some(k)) => (Bound::Unbounded, Bound::Excluded(k)),
            (CmpOp::Le, Some(k)) => (Bound::Unbounded, Bound::Included(k)),
            _ => all,
        },
        Pred::Range { col: c, op, lo, hi } if *c == col => match (op, key(lo), key(hi)) {
            (CmpOp::Eq, Some(l), Some(h)) => (Bound::Included(l), Bound::Excluded(h)),
            (CmpOp::Ge, Some(l), _) => (Bound::Included(l), Bound::Unbounded),
            (CmpOp::Gt, _, Some(h)) => (Bound::Included(h), Bound::Unbounded),
            (CmpOp::Lt, Some(l), _) => (Bound::Unbounded, Bound::Excluded(l)),
            (CmpOp::Le, _, Some(h)) => (Bound::Unbounded, Bound::Excluded(h)),
            _ => all,
        },
        Pred::In {
            col: c,
            negated: false,
            vals,
            has_null: false,
        } if *c == col && !vals.is_empty() => {
            let keys: Option<Vec<K>> = vals.iter().map(key).collect();
            match keys {
                Some(keys) => match (keys.iter().min(), keys.iter().max()) {
                    (Some(lo), Some(hi)) => (Bound::Included(*lo), Bound::Included(*hi)),
                    _ => all,
                },
                None => all,
            }
        }
        Pred::And(items) => items
            .iter()
            .map(|p| bounds(p, col, key))
            .fold(all, |a, b| (max_lo(a.0, b.0), min_hi(a.1, b.1))),
        Pred::Or(items) => {
            let mut iter = items.iter().map(|p| bounds(p, col, key));
            let Some(first) = iter.next() else { return all };
            iter.fold(first, |a, b| (min_lo(a.0, b.0), max_hi(a.1, b.1)))
        }
        _ => all,
    }
}

/// The tighter of two lower bounds.
fn max_lo<K: Ord>(a: Bound<K>, b: Bound<K>) -> Bound<K> {
    match (a, b) {
        (Bound::Unbounded, x) | (x, Bound::Unbounded) => x,
        (Bound::Included(x), Bound::Included(y)) => Bound::Included(x.max(y)),
        (Bound::Excluded(x), Bound::Excluded(y)) => Bound::Excluded(x.max(y)),
        (Bound::Included(i), Bound::Excluded(e)) | (Bound::Excluded(e), Bound::Included(i)) => {
            if i > e {
                Bound::Included(i)
            } else {
                Bound::Excluded(e)
            }
        }
    }
}

/// The tighter of two upper bounds.
fn min_hi<K: Ord>(a: Bound<K>, b: Bound<K>) -> Bound<K> {
    match (a, b) {
        (Bound::Unbounded, x) | (x, Bound::Unbounded) => x,
        (Bound::Included(x), Bound::Included(y)) => Bound::Included(x.min(y)),
        (Bound::Excluded(x), Bound::Excluded(y)) => Bound::Excluded(x.min(y)),
        (Bound::Included(i), Bound::Excluded(e)) | (Bound::Excluded(e), Bound::Included(i)) => {
            if i < e {
                Bound::Included(i)
            } else {
                Bound::Excluded(e)
            }
        }
    }
}

/// The looser of two lower bounds.
fn min_lo<K: Ord>(a: Bound<K>, b: Bound<K>) -> Bound<K> {
    match (a, b) {
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => Bound::Unbounded,
        (Bound::Included(x), Bound::Included(y)) => Bound::Included(x.min(y)),
        (Bound::Excluded(x), Bound::Excluded(y)) => Bound::Excluded(x.min(y)),
        (Bound::Included(i), Bound::Excluded(e)) | (Bound::Excluded(e), Bound::Included(i)) => {
            if i <= e {
                Bound::Included(i)
            } else {
                Bound::Excluded(e)
            }
        }
    }
}

/// The looser of two upper bounds.
fn max_hi<K: Ord>(a: Bound<K>, b: Bound<K>) -> Bound<K> {
    match (a, b) {
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => Bound::Unbounded,
        (Bound::Included(x), Bound::Included(y)) => Bound::Included(x.max(y)),
        (Bound::Excluded(x), Bound::Excluded(y)) => Bound::Excluded(x.max(y)),
        (Bound::Included(i), Bound::Excluded(e)) | (Bound::Excluded(e), Bound::Included(i)) => {
            if i >= e {
                Bound::Included(i)
            } else {
                Bound::Excluded(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_algebra() {
        use Bound::*;
        assert_eq!(max_lo(Included(3), Excluded(3)), Excluded(3));
        assert_eq!(max_lo(Included(4), Excluded(3)), Included(4));
        assert_eq!(min_hi(Included(3), Excluded(3)), Excluded(3));
        assert_eq!(min_lo(Included(3), Excluded(3)), Included(3));
        assert_eq!(max_hi(Included(3), Excluded(3)), Included(3));
        assert_eq!(min_lo::<i32>(Unbounded, Included(1)), Unbounded);
    }
}
