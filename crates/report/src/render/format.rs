//! Figures as text, identically in the tables, the CSV-free outputs and the HTML: a missing figure
//! (a rate without denominator, a median of nothing) is "–", never 0 or NaN.
//!
//! Holds no state.

use crate::model::Amount;
use closedloop_core::Timestamp;

/// What a missing figure shows.
pub const NONE: &str = "–";

/// A fraction as a percentage with one decimal: `0.075` → `7.5%`.
pub fn pct(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| NONE.to_owned())
}

/// A percentage already in percent: `42.0` → `42%`.
pub fn percent_value(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.0}%")).unwrap_or_else(|| NONE.to_owned())
}

/// Days with one decimal.
pub fn days(d: Option<f64>) -> String {
    d.map(|d| format!("{d:.1} d")).unwrap_or_else(|| NONE.to_owned())
}

/// Minutes as a readable duration: `45 min`, `3 h 20 min`, `2 d 4 h`.
pub fn minutes(m: Option<f64>) -> String {
    let Some(m) = m else {
        return NONE.to_owned();
    };
    let m = m.round() as i64;
    match m {
        _ if m < 60 => format!("{m} min"),
        _ if m < 1_440 => match m % 60 {
            0 => format!("{} h", m / 60),
            r => format!("{} h {r} min", m / 60),
        },
        _ => match (m % 1_440) / 60 {
            0 => format!("{} d", m / 1_440),
            h => format!("{} d {h} h", m / 1_440),
        },
    }
}

/// Hours with one decimal.
pub fn hours(h: Option<f64>) -> String {
    h.map(|h| format!("{h:.1} h")).unwrap_or_else(|| NONE.to_owned())
}

/// A fractional count (credited conversions): whole numbers without decimals, others with two.
pub fn share_count(n: f64) -> String {
    if (n - n.round()).abs() < 1e-9 {
        format!("{}", n.round() as i64)
    } else {
        format!("{n:.2}")
    }
}

/// Cents as `12,345.67` (no currency).
pub fn cents(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let units = (abs / 100).to_string();
    let mut grouped = String::with_capacity(units.len() + units.len() / 3);
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// Amounts per currency: `USD 12,000.00 + EUR 500.00`; `–` when there are none.
pub fn money(amounts: &[Amount]) -> String {
    let shown: Vec<String> = amounts
        .iter()
        .filter(|a| a.minor != 0)
        .map(|a| format!("{} {}", a.currency, cents(a.minor)))
        .collect();
    if shown.is_empty() {
        if amounts.is_empty() {
            NONE.to_owned()
        } else {
            format!("{} 0.00", amounts[0].currency)
        }
    } else {
        shown.join(" + ")
    }
}

/// A timestamp as `2026-04-03 14:05` (UTC).
pub fn when(t: Option<Timestamp>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| NONE.to_owned())
}

/// An optional text, or `–`.
pub fn text(t: Option<&str>) -> String {
    t.map(str::to_owned).unwrap_or_else(|| NONE.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_as_text() {
        assert_eq!(pct(Some(0.075)), "7.5%");
        assert_eq!(pct(None), "–");
        assert_eq!(minutes(Some(45.0)), "45 min");
        assert_eq!(minutes(Some(200.0)), "3 h 20 min");
        assert_eq!(minutes(Some(120.0)), "2 h");
        assert_eq!(minutes(Some(3_120.0)), "2 d 4 h");
        assert_eq!(cents(1_234_567), "12,345.67");
        assert_eq!(cents(-5), "-0.05");
        assert_eq!(cents(100_000_000), "1,000,000.00");
        assert_eq!(share_count(2.0), "2");
        assert_eq!(share_count(2.5), "2.50");
        let usd = |minor| Amount {
            currency: "USD".into(),
            minor,
        };
        assert_eq!(money(&[usd(1_200_000)]), "USD 12,000.00");
        assert_eq!(money(&[usd(0)]), "USD 0.00");
        assert_eq!(money(&[]), "–");
    }
}
