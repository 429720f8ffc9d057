//! The report's charts as inline SVG, drawn from the report's figures: the funnel, revenue by
//! campaign and model, the speed-to-lead distribution, and MQLs against target.
//!
//! Holds no state. Every chart is a `<svg class="chart" id="chart-…">` with a `<title>` (read by
//! screen readers), a fixed viewBox that scales to its container, and text labels on the bars so
//! it reads without colour and prints in black and white. An empty chart says so in words.

use super::escape;
use crate::model::{ComparisonRow, FunnelRow, MonthRow, SpeedBucket};
use crate::render::format::{cents, pct};

/// Model colours, in the comparison's column order (distinguishable for common colour blindness).
const PALETTE: [&str; 9] = [
    "#2f5fd0", "#e07b00", "#1f8a4c", "#c0392b", "#7b4fb0", "#8c6d1f", "#d45fa0", "#5b6475", "#17a2b8",
];

fn open(id: &str, title: &str, width: u32, height: u32) -> String {
    format!(
        r#"<svg class="chart" id="chart-{id}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-{id}-title"><title id="chart-{id}-title">{}</title>"#,
        escape(title)
    )
}

fn empty(id: &str, title: &str) -> String {
    let mut s = open(id, title, 600, 80);
    s.push_str(r#"<text x="300" y="45" text-anchor="middle" class="muted">no data in this period</text></svg>"#);
    s
}

/// Horizontal bars per funnel stage, widths in proportion to the people reached.
pub fn funnel(total: &FunnelRow) -> String {
    let title = "Funnel: people reached to customers";
    let c = &total.conversion;
    let stages = [
        ("reached", total.reached, None),
        ("leads", total.leads, c.reached_to_lead),
        ("MQLs", total.mqls, c.lead_to_mql),
        ("SQLs", total.sqls, c.mql_to_sql),
        ("opportunities", total.opportunities, c.sql_to_opportunity),
        ("won", total.won, c.opportunity_to_won),
    ];
    let max = stages.iter().map(|s| s.1).max().unwrap_or(0);
    if max == 0 {
        return empty("funnel", title);
    }
    let (width, left, right, bar, gap) = (640.0, 110.0, 150.0, 28.0, 10.0);
    let height = stages.len() as f64 * (bar + gap) + gap;
    let mut s = open("funnel", title, width as u32, height as u32);
    for (i, (label, n, rate)) in stages.iter().enumerate() {
        let y = gap + i as f64 * (bar + gap);
        let w = ((*n as f64 / max as f64) * (width - left - right)).max(1.0);
        // Centred bars draw the funnel's shape.
        let x = left + (width - left - right - w) / 2.0;
        let value = match rate {
            Some(_) => format!("{n} · {} of previous", pct(*rate)),
            None => n.to_string(),
        };
        s.push_str(&format!(
            r##"<g class="bar"><text x="{tx}" y="{ty}" text-anchor="end">{label}</text><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{bar}" rx="3" fill="#2f5fd0" fill-opacity="{op:.2}"><title>{label}: {value}</title></rect><text x="{vx}" y="{ty}">{value}</text></g>"##,
            tx = left - 8.0,
            ty = y + bar / 2.0 + 4.0,
            op = 1.0 - i as f64 * 0.1,
            vx = width - right + 8.0,
            label = escape(label),
            value = escape(&value),
        ));
    }
    s.push_str("</svg>");
    s
}

/// Grouped bars: each campaign's revenue (or pipeline, when nothing was won) under every model.
pub fn revenue_by_model(rows: &[ComparisonRow], models: &[String], currency: Option<&str>) -> String {
    let revenue: i64 = rows
        .iter()
        .flat_map(|r| r.revenue_minor.values())
        .map(|v| v.abs())
        .max()
        .unwrap_or(0);
    type Pick = fn(&ComparisonRow) -> &std::collections::BTreeMap<String, i64>;
    let (what, pick): (&str, Pick) = if revenue > 0 {
        ("Revenue", |r| &r.revenue_minor)
    } else {
        ("Pipeline", |r| &r.pipeline_minor)
    };
    let title = format!(
        "{what} by campaign and attribution model ({})",
        currency.unwrap_or("no currency")
    );
    let max = rows.iter().flat_map(|r| pick(r).values()).copied().max().unwrap_or(0);
    if rows.is_empty() || models.is_empty() || max <= 0 {
        return empty("revenue-by-model", &title);
    }
    let (width, left, right, bar, row_gap) = (640.0, 190.0, 90.0, 9.0, 14.0);
    let per_row = models.len() as f64 * (bar + 1.0) + row_gap;
    let legend_rows = models.len().div_ceil(4) as f64;
    let legend_h = legend_rows * 18.0 + 6.0;
    let height = legend_h + rows.len() as f64 * per_row + 4.0;
    let mut s = open("revenue-by-model", &title, width as u32, height.ceil() as u32);
    for (i, m) in models.iter().enumerate() {
        let (col, line) = ((i % 4) as f64, (i / 4) as f64);
        s.push_str(&format!(
            r#"<g class="legend"><rect x="{x}" y="{y}" width="10" height="10" fill="{c}"/><text x="{tx}" y="{ty}">{m}</text></g>"#,
            x = 10.0 + col * 155.0,
            y = 4.0 + line * 18.0,
            c = PALETTE[i % PALETTE.len()],
            tx = 24.0 + col * 155.0,
            ty = 13.0 + line * 18.0,
            m = escape(m),
        ));
    }
    for (r, row) in rows.iter().enumerate() {
        let y0 = legend_h + r as f64 * per_row;
        let name: String = row.group.name.chars().take(28).collect();
        s.push_str(&format!(
            r#"<text x="{x}" y="{y:.1}" text-anchor="end">{}</text>"#,
            escape(&name),
            x = left - 8.0,
            y = y0 + (models.len() as f64 * (bar + 1.0)) / 2.0 + 4.0,
        ));
        for (i, m) in models.iter().enumerate() {
            let v = pick(row).get(m).copied().unwrap_or(0);
            let w = (v.max(0) as f64 / max as f64) * (width - left - right);
            let y = y0 + i as f64 * (bar + 1.0);
            s.push_str(&format!(
                r#"<rect class="bar" x="{left}" y="{y:.1}" width="{w:.1}" height="{bar}" fill="{c}"><title>{name} · {m}: {amount}</title></rect><text x="{tx:.1}" y="{ty:.1}" font-size="9" class="muted">{amount}</text>"#,
                c = PALETTE[i % PALETTE.len()],
                name = escape(&row.group.name),
                m = escape(m),
                amount = escape(&cents(v)),
                tx = left + w + 4.0,
                ty = y + bar - 1.0,
            ));
        }
    }
    s.push_str("</svg>");
    s
}

/// Vertical bars: hand-offs per speed-to-lead bucket, "not contacted" last in red.
pub fn speed_distribution(buckets: &[SpeedBucket]) -> String {
    let title = "Speed to lead: hand-offs by time to first sales contact";
    let max = buckets.iter().map(|b| b.count).max().unwrap_or(0);
    if max == 0 {
        return empty("speed-to-lead", title);
    }
    let (width, top, bottom, slot) = (640.0, 22.0, 34.0, 640.0 / buckets.len().max(1) as f64);
    let plot = 200.0;
    let mut s = open("speed-to-lead", title, width as u32, (top + plot + bottom) as u32);
    for (i, b) in buckets.iter().enumerate() {
        let h = (b.count as f64 / max as f64) * plot;
        let x = i as f64 * slot + slot * 0.15;
        let w = slot * 0.7;
        let y = top + plot - h;
        let colour = if b.from_minutes.is_none() { "#c0392b" } else { "#2f5fd0" };
        s.push_str(&format!(
            r#"<g class="bar"><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{colour}"><title>{label}: {n}</title></rect><text x="{cx:.1}" y="{ny:.1}" text-anchor="middle">{n}</text><text x="{cx:.1}" y="{ly:.1}" text-anchor="middle" font-size="11">{label}</text></g>"#,
            label = escape(&b.label),
            n = b.count,
            cx = x + w / 2.0,
            ny = y - 5.0,
            ly = top + plot + 18.0,
        ));
    }
    s.push_str(&format!(
        r##"<line x1="0" y1="{y}" x2="{width}" y2="{y}" stroke="#5b6475"/></svg>"##,
        y = top + plot
    ));
    s
}

/// Vertical bars per month: hand-offs (solid) and implied MQLs (light, stacked), with the monthly
/// target as a dashed line; months under target are amber.
pub fn mqls_against_target(months: &[MonthRow], target: Option<u32>) -> String {
    let title = match target {
        Some(t) => format!("MQLs per month against the target of {t}"),
        None => "MQLs per month (no target configured)".to_owned(),
    };
    let max = months
        .iter()
        .map(|m| m.mqls)
        .chain(target.map(i64::from))
        .max()
        .unwrap_or(0);
    if months.is_empty() || max == 0 {
        return empty("mqls-vs-target", &title);
    }
    let (width, left, top, plot, bottom) = (640.0, 36.0, 18.0, 200.0, 30.0);
    let slot = (width - left) / months.len() as f64;
    let scale = |v: f64| top + plot - v / max as f64 * plot;
    let mut s = open("mqls-vs-target", &title, width as u32, (top + plot + bottom) as u32);
    // Label every month when they fit, else every n-th.
    let every = (months.len() as f64 / 12.0).ceil().max(1.0) as usize;
    for (i, m) in months.iter().enumerate() {
        let x = left + i as f64 * slot + slot * 0.15;
        let w = slot * 0.7;
        let under = target.is_some_and(|t| m.handoffs < i64::from(t));
        let colour = if under { "#c77700" } else { "#1f8a4c" };
        let y_h = scale(m.handoffs as f64);
        let y_all = scale(m.mqls as f64);
        s.push_str(&format!(
            r#"<g class="bar"><rect x="{x:.1}" y="{y_h:.1}" width="{w:.1}" height="{hh:.1}" fill="{colour}"><title>{month}: {h} hand-offs, {imp} implied</title></rect><rect x="{x:.1}" y="{y_all:.1}" width="{w:.1}" height="{hi:.1}" fill="{colour}" fill-opacity="0.35"/><text x="{cx:.1}" y="{ny:.1}" text-anchor="middle" font-size="11">{h}</text>"#,
            hh = top + plot - y_h,
            hi = y_h - y_all,
            month = escape(&m.month),
            h = m.handoffs,
            imp = m.implied,
            cx = x + w / 2.0,
            ny = y_all - 4.0,
        ));
        if i % every == 0 {
            s.push_str(&format!(
                r#"<text x="{cx:.1}" y="{ly:.1}" text-anchor="middle" font-size="11">{}</text>"#,
                escape(&m.month),
                cx = x + w / 2.0,
                ly = top + plot + 16.0,
            ));
        }
        s.push_str("</g>");
    }
    if let Some(t) = target {
        let y = scale(f64::from(t));
        s.push_str(&format!(
            r##"<line class="target" x1="{left}" y1="{y:.1}" x2="{width}" y2="{y:.1}" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 4"/><text x="{left}" y="{ty:.1}" fill="#c0392b" font-size="11">target {t}</text>"##,
            ty = y - 4.0,
        ));
    }
    s.push_str(&format!(
        r##"<line x1="{left}" y1="{y}" x2="{width}" y2="{y}" stroke="#5b6475"/><text x="{lx}" y="{ty}" text-anchor="end" font-size="11" class="muted">{max}</text><text x="{lx}" y="{by}" text-anchor="end" font-size="11" class="muted">0</text></svg>"##,
        y = top + plot,
        lx = left - 6.0,
        ty = top + 4.0,
        by = top + plot,
    ));
    s
}
