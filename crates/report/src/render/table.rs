//! Terminal output: one aligned table per section (comfy-table), numbers right-aligned, with a
//! heading that says what the section counts and over which period.
//!
//! Holds no state.

use super::format::{cents, days, hours, minutes, money, pct, percent_value, share_count, text, when};
use crate::model::{MqlPerson, PersonList, Report};
use comfy_table::{CellAlignment, Table, presets::UTF8_FULL_CONDENSED};

/// A table with `header`; columns from `numbers_from` on are right-aligned.
fn table(header: &[&str], numbers_from: usize) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_header(header.iter().copied());
    for i in numbers_from..header.len() {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    t
}

fn section(out: &mut String, title: &str, note: &str, table: Option<Table>) {
    out.push_str(&format!("\n{title}\n"));
    if !note.is_empty() {
        out.push_str(&format!("{note}\n"));
    }
    match table {
        Some(t) if !t.is_empty() => out.push_str(&format!("{t}\n")),
        _ => out.push_str("  (nothing in this period)\n"),
    }
}

/// The whole report as terminal tables.
pub fn render_tables(r: &Report) -> String {
    let mut out = String::new();
    let period = match (r.period.since, r.period.until) {
        (None, None) => "all time".to_owned(),
        (s, u) => format!(
            "{} to {}",
            s.map(|d| d.to_string()).unwrap_or_else(|| "the beginning".into()),
            u.map(|d| d.to_string()).unwrap_or_else(|| "today".into())
        ),
    };
    out.push_str(&format!(
        "closed-loop report · {period} · model {} · generated {} UTC · data as of {}\n",
        r.model,
        when(Some(r.generated_at)),
        when(r.data_as_of)
    ));

    let s = &r.summary;
    let mut t = table(
        &[
            "reached",
            "leads",
            "MQLs",
            "SQLs",
            "opps",
            "won",
            "pipeline",
            "revenue",
            "MQL target",
            "SLA met",
            "speed to lead (median)",
        ],
        0,
    );
    t.add_row(vec![
        s.reached.to_string(),
        s.leads.to_string(),
        s.mqls.to_string(),
        s.sqls.to_string(),
        s.opportunities.to_string(),
        s.won.to_string(),
        money(&s.pipeline),
        money(&s.revenue),
        pct(s.mql_target_attainment),
        pct(s.sla_met_rate),
        minutes(s.median_speed_to_lead_minutes),
    ]);
    section(&mut out, "SUMMARY", "", Some(t));

    let funnel_header = [
        "",
        "reached",
        "leads",
        "MQLs",
        "SQLs",
        "opps",
        "won",
        "→lead",
        "→MQL",
        "→SQL",
        "→opp",
        "→won",
        "d lead→MQL",
        "d MQL→SQL",
        "d SQL→opp",
        "d opp→won",
    ];
    let f = &r.funnel;
    for (title, rows) in [
        ("FUNNEL BY CAMPAIGN", &f.by_campaign),
        ("FUNNEL BY CHANNEL", &f.by_channel),
        ("FUNNEL BY CONTENT", &f.by_content),
    ] {
        let mut t = table(&funnel_header, 1);
        for x in rows.iter().chain(std::iter::once(&f.total)) {
            let c = &x.conversion;
            let d = &x.median_days;
            t.add_row(vec![
                x.group.name.clone(),
                x.reached.to_string(),
                x.leads.to_string(),
                x.mqls.to_string(),
                x.sqls.to_string(),
                x.opportunities.to_string(),
                x.won.to_string(),
                pct(c.reached_to_lead),
                pct(c.lead_to_mql),
                pct(c.mql_to_sql),
                pct(c.sql_to_opportunity),
                pct(c.opportunity_to_won),
                days(d.lead_to_mql),
                days(d.mql_to_sql),
                days(d.sql_to_opportunity),
                days(d.opportunity_to_won),
            ]);
        }
        section(
            &mut out,
            title,
            "people first reached in the period, each in the row of their first touch; → rates: share of the previous stage; d: median days",
            (!rows.is_empty()).then_some(t),
        );
    }

    let a = &r.attribution;
    let attr_header = [
        "",
        "leads",
        "MQLs",
        "SQLs",
        "opps",
        "won",
        "deals created",
        "pipeline",
        "deals won",
        "revenue",
    ];
    for (title, rows) in [
        ("ATTRIBUTION BY CAMPAIGN", &a.by_campaign),
        ("ATTRIBUTION BY CHANNEL", &a.by_channel),
    ] {
        let mut t = table(&attr_header, 1);
        for x in rows.iter().chain(std::iter::once(&a.total)) {
            let c = &x.credited;
            t.add_row(vec![
                x.group.name.clone(),
                share_count(c.leads),
                share_count(c.mqls),
                share_count(c.sqls),
                share_count(c.opportunities),
                share_count(c.won),
                share_count(x.deals_created),
                money(&x.pipeline),
                share_count(x.deals_won),
                money(&x.revenue),
            ]);
        }
        section(
            &mut out,
            &format!("{title} ({})", a.model),
            "conversions dated in the period, credited to touches by the model (fractions of a conversion)",
            (!rows.is_empty()).then_some(t),
        );
    }
    let cmp = &a.comparison;
    let mut header: Vec<String> = vec![format!("revenue {}", cmp.currency.as_deref().unwrap_or(""))];
    header.extend(cmp.models.iter().cloned());
    let refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = table(&refs, 1);
    for row in &cmp.rows {
        let mut cells = vec![row.group.name.clone()];
        cells.extend(
            cmp.models
                .iter()
                .map(|m| cents(row.revenue_minor.get(m).copied().unwrap_or(0))),
        );
        t.add_row(cells);
    }
    section(
        &mut out,
        "REVENUE BY MODEL (top campaigns)",
        "the same revenue split by every model: where the models disagree, the credit is a judgement",
        (!cmp.rows.is_empty()).then_some(t),
    );

    let q = &r.lead_quality;
    let mut t = table(
        &[
            "",
            "leads",
            "contacted",
            "disqualified",
            "top reasons",
            "recycled",
            "SQLs",
            "SQL rate",
            "won",
        ],
        1,
    );
    for x in q.by_campaign.iter().chain(std::iter::once(&q.total)) {
        let reasons: Vec<String> = x
            .top_reasons
            .iter()
            .map(|r| format!("{} ({})", r.reason, r.count))
            .collect();
        t.add_row(vec![
            x.group.name.clone(),
            x.leads.to_string(),
            format!("{} ({})", x.contacted, pct(x.contacted_rate)),
            format!("{} ({})", x.disqualified, pct(x.disqualified_rate)),
            if reasons.is_empty() {
                "–".into()
            } else {
                reasons.join("; ")
            },
            x.recycled.to_string(),
            x.sqls.to_string(),
            pct(x.sql_rate),
            x.won.to_string(),
        ]);
    }
    if let Some(c) = t.column_mut(4) {
        c.set_cell_alignment(CellAlignment::Left);
    }
    section(
        &mut out,
        "LEAD QUALITY BY CAMPAIGN",
        "leads first reached in the period, by campaign of first touch; SQLs are the leads sales found worth pursuing",
        (!q.by_campaign.is_empty()).then_some(t),
    );

    let mut t = table(
        &[
            "content",
            "kind",
            "people",
            "downloads",
            "attendees",
            "median watched",
            "MQLs after",
            "deals after",
            "won after",
            "pipeline",
            "revenue",
        ],
        2,
    );
    for x in &r.content.assets {
        t.add_row(vec![
            x.group.name.clone(),
            text(x.kind.as_deref()),
            x.people.to_string(),
            x.downloads.to_string(),
            x.attendees.to_string(),
            match (x.median_minutes_watched, x.median_percent_watched) {
                (None, _) => "–".to_owned(),
                (m, p) => format!("{} ({})", minutes(m), percent_value(p)),
            },
            x.mqls_influenced.to_string(),
            x.deals_influenced.to_string(),
            x.deals_won_influenced.to_string(),
            money(&x.pipeline),
            money(&x.revenue),
        ]);
    }
    section(
        &mut out,
        "CONTENT",
        &format!(
            "engagement in the period; MQLs and deals that followed it; amounts credited under {}",
            a.model
        ),
        (!r.content.assets.is_empty()).then_some(t),
    );

    let sla = &r.sla;
    let mut t = table(
        &[
            "month",
            "MQLs",
            "implied",
            "hand-offs",
            "target",
            "attainment",
            "met",
            "breached",
            "pending",
            "median",
            "p90",
        ],
        1,
    );
    for m in &sla.by_month {
        t.add_row(vec![
            m.month.clone(),
            m.mqls.to_string(),
            m.implied.to_string(),
            m.handoffs.to_string(),
            m.target.map(|v| v.to_string()).unwrap_or_else(|| "–".into()),
            pct(m.attainment),
            m.speed.met.to_string(),
            m.speed.breached.to_string(),
            m.speed.pending.to_string(),
            minutes(m.speed.median_minutes),
            minutes(m.speed.p90_minutes),
        ]);
    }
    section(
        &mut out,
        "MQLS AGAINST TARGET",
        &format!("hand-offs count against the target; contact SLA {} h", sla.sla_hours),
        (!sla.by_month.is_empty()).then_some(t),
    );
    let mut t = table(
        &[
            "owner",
            "hand-offs",
            "met",
            "breached",
            "pending",
            "SLA met",
            "median",
            "p90",
        ],
        1,
    );
    for x in sla.by_owner.iter().chain(std::iter::once(&sla.total)) {
        t.add_row(vec![
            x.group.name.clone(),
            x.handoffs.to_string(),
            x.met.to_string(),
            x.breached.to_string(),
            x.pending.to_string(),
            pct(x.met_rate),
            minutes(x.median_minutes),
            minutes(x.p90_minutes),
        ]);
    }
    section(
        &mut out,
        "SPEED TO LEAD BY OWNER",
        "minutes from hand-off to first sales contact",
        (!sla.by_owner.is_empty()).then_some(t),
    );
    let mut t = table(&["speed to lead", "hand-offs"], 1);
    for b in &sla.distribution {
        t.add_row(vec![b.label.clone(), b.count.to_string()]);
    }
    section(&mut out, "SPEED-TO-LEAD DISTRIBUTION", "", Some(t));
    people(
        &mut out,
        "SLA BREACHES",
        "MQLs not contacted within the SLA, by month",
        &sla.breaches,
    );
    people(
        &mut out,
        "STALLED MQLS",
        "recycled, or never contacted after the deadline: what happened to those leads",
        &sla.stalled,
    );

    let h = &r.data_health;
    let c = h.coverage;
    let mut t = table(
        &[
            "people",
            "awaiting reconcile",
            "in both systems",
            "marketing only",
            "CRM only",
        ],
        0,
    );
    t.add_row(vec![
        c.people.to_string(),
        c.awaiting_reconcile.to_string(),
        c.both_systems.to_string(),
        c.marketing_only.to_string(),
        c.crm_only.to_string(),
    ]);
    section(
        &mut out,
        "DATA HEALTH",
        "the current state, whatever the period",
        Some(t),
    );
    let mut t = table(&["system", "kind", "records", "people"], 2);
    for d in &h.duplicates {
        t.add_row(vec![
            d.system.clone(),
            d.kind.clone(),
            d.records.to_string(),
            d.people.to_string(),
        ]);
    }
    section(&mut out, "DUPLICATES", "", (!h.duplicates.is_empty()).then_some(t));
    let mut t = table(
        &["system", "stream", "reason", "entries", "occurrences", "last seen"],
        3,
    );
    for x in &h.quarantine {
        t.add_row(vec![
            x.system.clone(),
            x.stream.clone(),
            x.reason.clone(),
            x.entries.to_string(),
            x.occurrences.to_string(),
            when(x.last_seen_at),
        ]);
    }
    section(
        &mut out,
        "QUARANTINED INPUT",
        "",
        (!h.quarantine.is_empty()).then_some(t),
    );
    let mut t = table(&["target", "object", "reason", "writes", "latest"], 3);
    for x in &h.push_errors {
        t.add_row(vec![
            x.target.clone(),
            x.object.clone(),
            x.reason.clone(),
            x.writes.to_string(),
            when(x.last_at),
        ]);
    }
    section(
        &mut out,
        "PUSH ERRORS (DEAD LETTERS)",
        "",
        (!h.push_errors.is_empty()).then_some(t),
    );
    out
}

fn people(out: &mut String, title: &str, note: &str, list: &PersonList) {
    let mut t = table(
        &[
            "month",
            "person",
            "owner",
            "MQL at",
            "first contact",
            "late by",
            "status",
            "what happened",
        ],
        8,
    );
    for p in &list.people {
        t.add_row(person_row(p));
    }
    let shown = if list.total > list.people.len() as i64 {
        format!("{note} ({} of {} shown)", list.people.len(), list.total)
    } else {
        format!("{note} ({})", list.total)
    };
    section(out, title, &shown, (!list.people.is_empty()).then_some(t));
}

fn person_row(p: &MqlPerson) -> Vec<String> {
    let who = match (&p.name, &p.email) {
        (Some(n), Some(e)) => format!("{n} <{e}>"),
        (Some(n), None) => n.clone(),
        (None, Some(e)) => e.clone(),
        (None, None) => format!("person {}", p.person_id),
    };
    vec![
        p.month.clone(),
        who,
        p.owner.name.clone(),
        when(Some(p.mql_at)),
        when(p.first_contact_at),
        hours(p.hours_late),
        text(p.lead_status.as_deref()),
        p.what_happened.replace('_', " "),
    ]
}
