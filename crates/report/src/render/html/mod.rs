//! The HTML report: ONE self-contained file. Inline CSS (`style.css`), inline SVG charts drawn
//! here ([`charts`]), no script, no font, no image and no link that would fetch anything: it opens
//! from a file, an email attachment or the daemon's `/report`, and prints (print CSS: A4
//! landscape, a page per section, colours kept).
//!
//! Holds no state. Every text from the data is HTML-escaped.

pub mod charts;

use super::format::{days, hours, minutes, money, pct, percent_value, share_count, text, when};
use crate::model::{AttributionRow, FunnelRow, Group, MqlPerson, PersonList, Report};

const STYLE: &str = include_str!("style.css");

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A table cell: text (left) or a figure (right-aligned).
enum Cell {
    Text(String),
    Num(String),
}

fn tx(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}
fn num(s: impl Into<String>) -> Cell {
    Cell::Num(s.into())
}

/// A row's class: `total` or `remainder` (unattributed, other) rows are styled apart.
fn table(id: &str, caption: &str, header: &[(&str, bool)], rows: Vec<(Option<&str>, Vec<Cell>)>) -> String {
    if rows.is_empty() {
        return format!(
            r#"<p class="empty" id="{id}-empty">{}: nothing in this period.</p>"#,
            escape(caption)
        );
    }
    let mut s = format!(
        r#"<div class="table-wrap"><table class="data" id="{id}"><caption>{}</caption><thead><tr>"#,
        escape(caption)
    );
    for (h, numeric) in header {
        s.push_str(&format!(
            r#"<th scope="col"{}>{}</th>"#,
            if *numeric { r#" class="num""# } else { "" },
            escape(h)
        ));
    }
    s.push_str("</tr></thead><tbody>");
    for (class, cells) in rows {
        match class {
            Some(c) => s.push_str(&format!(r#"<tr class="{c}">"#)),
            None => s.push_str("<tr>"),
        }
        for cell in cells {
            match cell {
                Cell::Text(t) => s.push_str(&format!("<td>{}</td>", escape(&t))),
                Cell::Num(t) => s.push_str(&format!(r#"<td class="num">{}</td>"#, escape(&t))),
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
    s
}

fn section(id: &str, title: &str, basis: &str, body: &str) -> String {
    format!(
        r#"<section class="report-section" id="{id}"><h2>{}</h2><p class="basis">{}</p>{body}</section>"#,
        escape(title),
        escape(basis)
    )
}

fn chart(svg: String, caption: &str) -> String {
    format!(
        r#"<figure class="chart-box">{svg}<figcaption>{}</figcaption></figure>"#,
        escape(caption)
    )
}

fn kpi(label: &str, value: &str) -> String {
    format!(
        r#"<div class="kpi"><div class="label">{}</div><div class="value">{}</div></div>"#,
        escape(label),
        escape(value)
    )
}

/// The whole report as one HTML document.
pub fn render_html(r: &Report) -> String {
    let period = match (r.period.since, r.period.until) {
        (None, None) => "all time".to_owned(),
        (s, u) => format!(
            "{} – {}",
            s.map(|d| d.to_string()).unwrap_or_else(|| "the beginning".into()),
            u.map(|d| d.to_string()).unwrap_or_else(|| "today".into())
        ),
    };
    let mut body = String::new();
    body.push_str(&format!(
        r#"<header class="top"><h1>Closed-loop report</h1><p>{} · attribution model <strong>{}</strong> · generated {} UTC · data as of {} UTC</p></header>"#,
        escape(&period),
        escape(&r.model),
        escape(&when(Some(r.generated_at))),
        escape(&when(r.data_as_of)),
    ));
    body.push_str(
        r##"<nav class="toc"><a href="#summary">Summary</a><a href="#funnel">Funnel</a><a href="#attribution">Attribution</a><a href="#lead-quality">Lead quality</a><a href="#content">Content</a><a href="#sla">SLA</a><a href="#data-health">Data health</a></nav><main>"##,
    );

    let s = &r.summary;
    let kpis = [
        kpi("people reached", &s.reached.to_string()),
        kpi("leads", &s.leads.to_string()),
        kpi("MQLs", &s.mqls.to_string()),
        kpi("SQLs", &s.sqls.to_string()),
        kpi("opportunities", &s.opportunities.to_string()),
        kpi("customers", &s.won.to_string()),
        kpi("pipeline created", &money(&s.pipeline)),
        kpi("revenue won", &money(&s.revenue)),
        kpi("MQL target", &pct(s.mql_target_attainment)),
        kpi("SLA met", &pct(s.sla_met_rate)),
        kpi("speed to lead (median)", &minutes(s.median_speed_to_lead_minutes)),
    ]
    .concat();
    body.push_str(&section(
        "summary",
        "Summary",
        "The people first reached in the period and how far they went; pipeline and revenue dated in the period; the SLA of the MQLs handed over in the period.",
        &format!(r#"<div class="kpis">{kpis}</div>"#),
    ));

    let f = &r.funnel;
    let mut funnel = format!(
        r#"<div class="charts">{}</div>"#,
        chart(charts::funnel(&f.total), "Everyone first reached in the period")
    );
    for (id, caption, rows) in [
        ("funnel-campaign", "By campaign of first touch", &f.by_campaign),
        ("funnel-channel", "By channel of first touch", &f.by_channel),
        ("funnel-content", "By content of first touch", &f.by_content),
    ] {
        funnel.push_str(&funnel_table(id, caption, rows, &f.total));
    }
    body.push_str(&section(
        "funnel",
        "Funnel",
        "Cohort: people first reached in the period, followed to today. Each person counts once, in the row of their first touch (where they came from), so rows add up to the total. Rates: the share of the previous stage who reached the next. Days: median between stages with evidence of their own.",
        &funnel,
    ));

    let a = &r.attribution;
    let cmp = &a.comparison;
    let mut attribution = format!(
        r#"<div class="charts">{}</div>"#,
        chart(
            charts::revenue_by_model(&cmp.rows, &cmp.models, cmp.currency.as_deref()),
            "Each bar group is one campaign; each colour one model. The bars differ where the models disagree about credit."
        )
    );
    attribution.push_str(&attribution_table(
        "attribution-campaign",
        "By campaign",
        &a.by_campaign,
        &a.total,
    ));
    attribution.push_str(&attribution_table(
        "attribution-channel",
        "By channel",
        &a.by_channel,
        &a.total,
    ));
    let mut header: Vec<(String, bool)> =
        vec![(format!("revenue ({})", cmp.currency.as_deref().unwrap_or("–")), false)];
    header.extend(cmp.models.iter().map(|m| (m.clone(), true)));
    let header_refs: Vec<(&str, bool)> = header.iter().map(|(h, n)| (h.as_str(), *n)).collect();
    let rows = cmp
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![tx(row.group.name.clone())];
            cells.extend(
                cmp.models
                    .iter()
                    .map(|m| num(super::format::cents(row.revenue_minor.get(m).copied().unwrap_or(0)))),
            );
            ((row.bucket != "top").then_some("remainder"), cells)
        })
        .collect();
    attribution.push_str(&table(
        "model-comparison",
        "Revenue by model, top campaigns",
        &header_refs,
        rows,
    ));
    body.push_str(&section(
        "attribution",
        &format!("Attribution ({})", a.model),
        "Conversions dated in the period, credited to the touches before them by the model. Credited counts are fractions of conversions. The comparison puts the same revenue under every model side by side; each column adds up to the same total.",
        &attribution,
    ));

    let q = &r.lead_quality;
    let rows = q
        .by_campaign
        .iter()
        .map(|x| (None, quality_cells(x)))
        .chain(std::iter::once((Some("total"), quality_cells(&q.total))))
        .collect();
    let quality = table(
        "lead-quality-campaign",
        "Leads by campaign of first touch",
        &[
            ("campaign", false),
            ("leads", true),
            ("contacted", true),
            ("disqualified", true),
            ("top disqualification reasons", false),
            ("recycled", true),
            ("SQLs", true),
            ("SQL rate", true),
            ("won", true),
        ],
        if q.by_campaign.is_empty() { Vec::new() } else { rows },
    );
    body.push_str(&section(
        "lead-quality",
        "Lead quality",
        "Leads first reached in the period, by the campaign of their first touch. Contacted: any sales activity or a status that says sales spoke to them. SQLs are the leads sales found worth pursuing.",
        &quality,
    ));

    let rows = r
        .content
        .assets
        .iter()
        .map(|x| {
            (
                None,
                vec![
                    tx(x.group.name.clone()),
                    tx(text(x.kind.as_deref())),
                    num(x.people.to_string()),
                    num(x.downloads.to_string()),
                    num(x.attendees.to_string()),
                    num(minutes(x.median_minutes_watched)),
                    num(percent_value(x.median_percent_watched)),
                    num(x.mqls_influenced.to_string()),
                    num(x.deals_influenced.to_string()),
                    num(x.deals_won_influenced.to_string()),
                    num(money(&x.pipeline)),
                    num(money(&x.revenue)),
                ],
            )
        })
        .collect();
    let content = table(
        "content-assets",
        "Content assets",
        &[
            ("asset", false),
            ("kind", false),
            ("people", true),
            ("downloads", true),
            ("attendees", true),
            ("median watched", true),
            ("median share watched", true),
            ("MQLs after", true),
            ("deals after", true),
            ("won after", true),
            ("pipeline", true),
            ("revenue", true),
        ],
        rows,
    );
    body.push_str(&section(
        "content",
        "Content",
        &format!(
            "Engagement in the period; the MQLs and deals that followed an engaged person's first engagement; pipeline and revenue credited to the asset under {} (conversions dated in the period).",
            a.model
        ),
        &content,
    ));

    body.push_str(&sla_section(r));
    body.push_str(&health_section(r));
    body.push_str("</main>");
    body.push_str(FOOTER);

    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="closedloop"><link rel="icon" href="data:,"><title>Closed-loop report · {}</title><style>{STYLE}</style></head><body>{body}</body></html>"#,
        escape(&period)
    )
}

fn funnel_cells(x: &FunnelRow) -> Vec<Cell> {
    let (c, d) = (&x.conversion, &x.median_days);
    vec![
        tx(x.group.name.clone()),
        num(x.reached.to_string()),
        num(x.leads.to_string()),
        num(x.mqls.to_string()),
        num(x.sqls.to_string()),
        num(x.opportunities.to_string()),
        num(x.won.to_string()),
        num(pct(c.reached_to_lead)),
        num(pct(c.lead_to_mql)),
        num(pct(c.mql_to_sql)),
        num(pct(c.sql_to_opportunity)),
        num(pct(c.opportunity_to_won)),
        num(days(d.lead_to_mql)),
        num(days(d.mql_to_sql)),
        num(days(d.sql_to_opportunity)),
        num(days(d.opportunity_to_won)),
    ]
}

fn funnel_table(id: &str, caption: &str, rows: &[FunnelRow], total: &FunnelRow) -> String {
    let body = if rows.is_empty() {
        Vec::new()
    } else {
        rows.iter()
            .map(|x| (None, funnel_cells(x)))
            .chain(std::iter::once((Some("total"), funnel_cells(total))))
            .collect()
    };
    table(
        id,
        caption,
        &[
            ("", false),
            ("reached", true),
            ("leads", true),
            ("MQLs", true),
            ("SQLs", true),
            ("opps", true),
            ("won", true),
            ("→ lead", true),
            ("→ MQL", true),
            ("→ SQL", true),
            ("→ opp", true),
            ("→ won", true),
            ("days lead→MQL", true),
            ("days MQL→SQL", true),
            ("days SQL→opp", true),
            ("days opp→won", true),
        ],
        body,
    )
}

fn attribution_cells(x: &AttributionRow) -> Vec<Cell> {
    let c = &x.credited;
    vec![
        tx(x.group.name.clone()),
        num(share_count(c.leads)),
        num(share_count(c.mqls)),
        num(share_count(c.sqls)),
        num(share_count(c.opportunities)),
        num(share_count(c.won)),
        num(share_count(x.deals_created)),
        num(money(&x.pipeline)),
        num(share_count(x.deals_won)),
        num(money(&x.revenue)),
    ]
}

fn attribution_table(id: &str, caption: &str, rows: &[AttributionRow], total: &AttributionRow) -> String {
    let body = if rows.is_empty() {
        Vec::new()
    } else {
        rows.iter()
            .map(|x| (x.unattributed.then_some("remainder"), attribution_cells(x)))
            .chain(std::iter::once((Some("total"), attribution_cells(total))))
            .collect()
    };
    table(
        id,
        caption,
        &[
            ("", false),
            ("leads", true),
            ("MQLs", true),
            ("SQLs", true),
            ("opps", true),
            ("won", true),
            ("deals created", true),
            ("pipeline", true),
            ("deals won", true),
            ("revenue", true),
        ],
        body,
    )
}

fn quality_cells(x: &crate::model::LeadQualityRow) -> Vec<Cell> {
    let reasons: Vec<String> = x
        .top_reasons
        .iter()
        .map(|r| format!("{} ({})", r.reason, r.count))
        .collect();
    vec![
        tx(x.group.name.clone()),
        num(x.leads.to_string()),
        num(format!("{} ({})", x.contacted, pct(x.contacted_rate))),
        num(format!("{} ({})", x.disqualified, pct(x.disqualified_rate))),
        tx(if reasons.is_empty() {
            "–".to_owned()
        } else {
            reasons.join("; ")
        }),
        num(x.recycled.to_string()),
        num(x.sqls.to_string()),
        num(pct(x.sql_rate)),
        num(x.won.to_string()),
    ]
}

fn owner_name(g: &Group) -> String {
    g.name.clone()
}

fn sla_section(r: &Report) -> String {
    let sla = &r.sla;
    let mut s = format!(
        r#"<div class="charts">{}{}</div>"#,
        chart(
            charts::mqls_against_target(&sla.by_month, sla.mql_target_per_month),
            "Solid: hand-offs (count against the target); light: MQLs implied by a later stage."
        ),
        chart(
            charts::speed_distribution(&sla.distribution),
            &format!(
                "Time from hand-off to first sales contact; the SLA is {} h.",
                sla.sla_hours
            )
        )
    );
    let rows = sla
        .by_month
        .iter()
        .map(|m| {
            (
                None,
                vec![
                    tx(m.month.clone()),
                    num(m.mqls.to_string()),
                    num(m.implied.to_string()),
                    num(m.handoffs.to_string()),
                    num(m.target.map(|t| t.to_string()).unwrap_or_else(|| "–".into())),
                    num(pct(m.attainment)),
                    num(m.speed.met.to_string()),
                    num(m.speed.breached.to_string()),
                    num(m.speed.pending.to_string()),
                    num(pct(m.speed.met_rate)),
                    num(minutes(m.speed.median_minutes)),
                    num(minutes(m.speed.p90_minutes)),
                ],
            )
        })
        .collect();
    s.push_str(&table(
        "sla-months",
        "MQLs against target, and the contact SLA, per month",
        &[
            ("month", false),
            ("MQLs", true),
            ("implied", true),
            ("hand-offs", true),
            ("target", true),
            ("attainment", true),
            ("met", true),
            ("breached", true),
            ("pending", true),
            ("SLA met", true),
            ("median", true),
            ("p90", true),
        ],
        rows,
    ));
    let speed = |x: &crate::model::SpeedRow| {
        vec![
            tx(owner_name(&x.group)),
            num(x.handoffs.to_string()),
            num(x.met.to_string()),
            num(x.breached.to_string()),
            num(x.pending.to_string()),
            num(pct(x.met_rate)),
            num(minutes(x.median_minutes)),
            num(minutes(x.p90_minutes)),
        ]
    };
    let rows = if sla.by_owner.is_empty() {
        Vec::new()
    } else {
        sla.by_owner
            .iter()
            .map(|x| (None, speed(x)))
            .chain(std::iter::once((Some("total"), speed(&sla.total))))
            .collect()
    };
    s.push_str(&table(
        "speed-owner",
        "Speed to lead per owner",
        &[
            ("owner", false),
            ("hand-offs", true),
            ("met", true),
            ("breached", true),
            ("pending", true),
            ("SLA met", true),
            ("median", true),
            ("p90", true),
        ],
        rows,
    ));
    s.push_str(&people(
        "sla-breaches",
        "SLA breaches: MQLs not contacted in time",
        &sla.breaches,
    ));
    s.push_str(&people(
        "stalled-mqls",
        "Stalled MQLs: recycled, or never contacted after the deadline",
        &sla.stalled,
    ));
    section(
        "sla",
        "SLA between marketing and sales",
        &format!(
            "MQLs dated in the period (months in UTC). A hand-off is an MQL with evidence of its own; an MQL implied by a later stage starts no clock. Deadlines ({} h) are judged at the time of the report.",
            sla.sla_hours
        ),
        &s,
    )
}

fn people(id: &str, caption: &str, list: &PersonList) -> String {
    let row = |p: &MqlPerson| {
        vec![
            tx(p.month.clone()),
            tx(p.name.clone().unwrap_or_else(|| format!("person {}", p.person_id))),
            tx(text(p.email.as_deref())),
            tx(p.owner.name.clone()),
            tx(when(Some(p.mql_at))),
            tx(when(p.first_contact_at)),
            num(hours(p.hours_late)),
            tx(text(p.lead_status.as_deref())),
            tx(p.what_happened.replace('_', " ")),
        ]
    };
    let mut s = table(
        id,
        &format!("{caption} ({})", list.total),
        &[
            ("month", false),
            ("person", false),
            ("email", false),
            ("owner", false),
            ("MQL at (UTC)", false),
            ("first contact", false),
            ("late by", true),
            ("lead status", false),
            ("what happened", false),
        ],
        list.people.iter().map(|p| (None, row(p))).collect(),
    );
    if list.total > list.people.len() as i64 {
        s.push_str(&format!(
            r#"<p class="more">{} more not shown: the CSV and JSON outputs carry the same limit; raise it through the API.</p>"#,
            list.total - list.people.len() as i64
        ));
    }
    s
}

fn health_section(r: &Report) -> String {
    let h = &r.data_health;
    let c = h.coverage;
    let mut s = table(
        "coverage",
        "People the figures cover",
        &[
            ("people", true),
            ("awaiting reconcile", true),
            ("in both systems", true),
            ("marketing only", true),
            ("CRM only", true),
        ],
        vec![(
            None,
            vec![
                num(c.people.to_string()),
                num(c.awaiting_reconcile.to_string()),
                num(c.both_systems.to_string()),
                num(c.marketing_only.to_string()),
                num(c.crm_only.to_string()),
            ],
        )],
    );
    s.push_str(&table(
        "duplicates",
        "Duplicate records",
        &[("system", false), ("kind", false), ("records", true), ("people", true)],
        h.duplicates
            .iter()
            .map(|d| {
                (
                    None,
                    vec![
                        tx(d.system.clone()),
                        tx(d.kind.replace('_', " ")),
                        num(d.records.to_string()),
                        num(d.people.to_string()),
                    ],
                )
            })
            .collect(),
    ));
    s.push_str(&table(
        "duplicate-records",
        "Duplicate records to clean up",
        &[
            ("email", false),
            ("system", false),
            ("duplicate", false),
            ("beside", false),
            ("found", false),
        ],
        h.duplicate_records
            .iter()
            .map(|d| {
                (
                    None,
                    vec![
                        tx(text(d.email.as_deref())),
                        tx(d.system.clone()),
                        tx(d.duplicate.clone()),
                        tx(d.primary.clone()),
                        tx(when(Some(d.first_found_at))),
                    ],
                )
            })
            .collect(),
    ));
    s.push_str(&table(
        "quarantine",
        "Quarantined input (open)",
        &[
            ("system", false),
            ("stream", false),
            ("reason", false),
            ("entries", true),
            ("occurrences", true),
            ("last seen", false),
        ],
        h.quarantine
            .iter()
            .map(|q| {
                (
                    None,
                    vec![
                        tx(q.system.clone()),
                        tx(q.stream.clone()),
                        tx(q.reason.clone()),
                        num(q.entries.to_string()),
                        num(q.occurrences.to_string()),
                        tx(when(q.last_seen_at)),
                    ],
                )
            })
            .collect(),
    ));
    s.push_str(&table(
        "push-errors",
        "Push errors (writes given up)",
        &[
            ("target", false),
            ("object", false),
            ("reason", false),
            ("writes", true),
            ("latest", false),
        ],
        h.push_errors
            .iter()
            .map(|p| {
                (
                    None,
                    vec![
                        tx(p.target.clone()),
                        tx(p.object.clone()),
                        tx(p.reason.clone()),
                        num(p.writes.to_string()),
                        tx(when(p.last_at)),
                    ],
                )
            })
            .collect(),
    ));
    section(
        "data-health",
        "Data health",
        "The current state, whatever the period: what the figures above cannot see yet, and what needs cleaning.",
        &s,
    )
}

const FOOTER: &str = r#"<footer><dl>
<dt>Reached</dt><dd>A person's first touch of any kind or the creation of their first record, whichever came first.</dd>
<dt>First touch</dt><dd>The first touch of the kinds attribution counts (page views and email opens are not). It decides a person's campaign, channel and content in the funnel and lead quality.</dd>
<dt>MQL, hand-off</dt><dd>An MQL with evidence of its own is a hand-off from marketing to sales, with a contact deadline; an MQL implied by a later stage is not.</dd>
<dt>Speed to lead</dt><dd>Minutes from the hand-off to the first sales activity (call, email, meeting). p90: nearest rank, a time that occurred.</dd>
<dt>Attribution</dt><dd>Credit for each conversion split over the touches before it (within the lookback) by the model; every conversion's shares add up to one, and to the deal amount to the cent.</dd>
<dt>Documentation</dt><dd>docs/report-schema.md defines every figure and the JSON layout.</dd>
</dl></footer>"#;
