//! CSV output: one RFC 4180 file per section (comma-separated, CRLF line ends, quoted when a
//! field holds a comma, quote or line break), written into a directory.
//!
//! Holds no state. Text that came from outside (names, emails, reasons, campaign names) could be
//! read as a formula by a spreadsheet (`=HYPERLINK(...)` in a lead's name): a text cell starting
//! with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`, as OWASP recommends. Numbers are
//! written as plain numbers (money as decimal units, `12000.50`; rates as fractions, `0.075`;
//! missing figures as empty cells), so they stay numbers.

use crate::error::ReportError;
use crate::model::{Amount, Group, MqlPerson, Report};
use std::path::{Path, PathBuf};

/// One CSV file: its name and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFile {
    /// The file name (`funnel.csv`).
    pub name: String,
    /// The content.
    pub content: String,
}

enum Cell {
    Text(String),
    Number(String),
    Empty,
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}
fn ot(s: Option<&str>) -> Cell {
    s.map(t).unwrap_or(Cell::Empty)
}
fn n(v: i64) -> Cell {
    Cell::Number(v.to_string())
}
fn f(v: f64) -> Cell {
    Cell::Number(format!("{v}"))
}
fn of(v: Option<f64>) -> Cell {
    v.map(f).unwrap_or(Cell::Empty)
}
fn ts(v: Option<closedloop_core::Timestamp>) -> Cell {
    v.map(|t| Cell::Text(t.to_rfc3339())).unwrap_or(Cell::Empty)
}
/// Cents as decimal units.
fn money(minor: i64) -> Cell {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    Cell::Number(format!("{sign}{}.{:02}", abs / 100, abs % 100))
}

fn escape(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Number(s) => s.clone(),
        Cell::Text(s) => {
            let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{s}")
            } else {
                s.clone()
            };
            if guarded.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", guarded.replace('"', "\"\""))
            } else {
                guarded
            }
        }
    }
}

struct Sheet {
    name: &'static str,
    lines: Vec<String>,
}

impl Sheet {
    fn new(name: &'static str, header: &[&str]) -> Sheet {
        Sheet {
            name,
            lines: vec![header.iter().map(|h| escape(&t(*h))).collect::<Vec<_>>().join(",")],
        }
    }
    fn row(&mut self, cells: Vec<Cell>) {
        self.lines.push(cells.iter().map(escape).collect::<Vec<_>>().join(","));
    }
    fn file(self) -> CsvFile {
        let mut content = self.lines.join("\r\n");
        content.push_str("\r\n");
        CsvFile {
            name: format!("{}.csv", self.name),
            content,
        }
    }
}

fn group_cells(dimension: &str, g: &Group) -> Vec<Cell> {
    vec![
        t(dimension),
        ot(g.system.as_deref()),
        ot(g.id.as_deref()),
        t(g.name.clone()),
    ]
}

/// The amount in `currency`, and the others as text.
fn split(amounts: &[Amount], currency: Option<&str>) -> (Cell, Cell) {
    let main = amounts
        .iter()
        .find(|a| Some(a.currency.as_str()) == currency)
        .map(|a| money(a.minor))
        .unwrap_or(Cell::Empty);
    let others: Vec<String> = amounts
        .iter()
        .filter(|a| Some(a.currency.as_str()) != currency && a.minor != 0)
        .map(|a| format!("{} {}", a.currency, super::format::cents(a.minor).replace(',', "")))
        .collect();
    (
        main,
        if others.is_empty() {
            Cell::Empty
        } else {
            t(others.join("; "))
        },
    )
}

/// Every section as a CSV file.
pub fn render_csv(r: &Report) -> Vec<CsvFile> {
    let cur = r.currency.as_deref();
    let mut files = Vec::new();

    let mut s = Sheet::new("summary", &["figure", "value"]);
    let sm = &r.summary;
    for (k, v) in [
        ("reached", n(sm.reached)),
        ("leads", n(sm.leads)),
        ("mqls", n(sm.mqls)),
        ("sqls", n(sm.sqls)),
        ("opportunities", n(sm.opportunities)),
        ("won", n(sm.won)),
        ("pipeline", split(&sm.pipeline, cur).0),
        ("revenue", split(&sm.revenue, cur).0),
        ("mql_target_attainment", of(sm.mql_target_attainment)),
        ("sla_met_rate", of(sm.sla_met_rate)),
        ("median_speed_to_lead_minutes", of(sm.median_speed_to_lead_minutes)),
    ] {
        s.row(vec![t(k), v]);
    }
    s.row(vec![t("currency"), ot(cur)]);
    s.row(vec![t("model"), t(r.model.clone())]);
    s.row(vec![t("since"), ot(r.period.since.map(|d| d.to_string()).as_deref())]);
    s.row(vec![t("until"), ot(r.period.until.map(|d| d.to_string()).as_deref())]);
    s.row(vec![t("generated_at"), ts(Some(r.generated_at))]);
    files.push(s.file());

    let mut s = Sheet::new(
        "funnel",
        &[
            "dimension",
            "system",
            "id",
            "name",
            "reached",
            "leads",
            "mqls",
            "sqls",
            "opportunities",
            "won",
            "lost",
            "rate_reached_to_lead",
            "rate_lead_to_mql",
            "rate_mql_to_sql",
            "rate_sql_to_opportunity",
            "rate_opportunity_to_won",
            "rate_reached_to_won",
            "days_reached_to_lead",
            "days_lead_to_mql",
            "days_mql_to_sql",
            "days_sql_to_opportunity",
            "days_opportunity_to_won",
        ],
    );
    let funnel = &r.funnel;
    let rows = funnel
        .by_campaign
        .iter()
        .map(|x| ("campaign", x))
        .chain(funnel.by_channel.iter().map(|x| ("channel", x)))
        .chain(funnel.by_content.iter().map(|x| ("content", x)))
        .chain(std::iter::once(("total", &funnel.total)));
    for (dim, x) in rows {
        let mut cells = group_cells(dim, &x.group);
        let (c, d) = (&x.conversion, &x.median_days);
        cells.extend([
            n(x.reached),
            n(x.leads),
            n(x.mqls),
            n(x.sqls),
            n(x.opportunities),
            n(x.won),
            n(x.lost),
            of(c.reached_to_lead),
            of(c.lead_to_mql),
            of(c.mql_to_sql),
            of(c.sql_to_opportunity),
            of(c.opportunity_to_won),
            of(c.reached_to_won),
            of(d.reached_to_lead),
            of(d.lead_to_mql),
            of(d.mql_to_sql),
            of(d.sql_to_opportunity),
            of(d.opportunity_to_won),
        ]);
        s.row(cells);
    }
    files.push(s.file());

    let mut s = Sheet::new(
        "attribution",
        &[
            "model",
            "dimension",
            "system",
            "id",
            "name",
            "unattributed",
            "leads",
            "mqls",
            "sqls",
            "opportunities",
            "won",
            "deals_created",
            "deals_won",
            "currency",
            "pipeline",
            "revenue",
            "pipeline_other_currencies",
            "revenue_other_currencies",
        ],
    );
    let a = &r.attribution;
    let rows = a
        .by_campaign
        .iter()
        .map(|x| ("campaign", x))
        .chain(a.by_channel.iter().map(|x| ("channel", x)))
        .chain(std::iter::once(("total", &a.total)));
    for (dim, x) in rows {
        let mut cells = vec![t(a.model.clone())];
        cells.extend(group_cells(dim, &x.group));
        let (p, po) = split(&x.pipeline, cur);
        let (v, vo) = split(&x.revenue, cur);
        let c = &x.credited;
        cells.extend([
            t(x.unattributed.to_string()),
            f(c.leads),
            f(c.mqls),
            f(c.sqls),
            f(c.opportunities),
            f(c.won),
            f(x.deals_created),
            f(x.deals_won),
            ot(cur),
            p,
            v,
            po,
            vo,
        ]);
        s.row(cells);
    }
    files.push(s.file());

    let cmp = &a.comparison;
    let mut header: Vec<String> = vec![
        "bucket".into(),
        "system".into(),
        "id".into(),
        "name".into(),
        "currency".into(),
    ];
    for m in &cmp.models {
        header.push(format!("revenue_{m}"));
    }
    for m in &cmp.models {
        header.push(format!("pipeline_{m}"));
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut s = Sheet::new("model_comparison", &header_refs);
    for row in &cmp.rows {
        let mut cells = vec![
            t(row.bucket.clone()),
            ot(row.group.system.as_deref()),
            ot(row.group.id.as_deref()),
            t(row.group.name.clone()),
            ot(cmp.currency.as_deref()),
        ];
        cells.extend(
            cmp.models
                .iter()
                .map(|m| row.revenue_minor.get(m).map(|&v| money(v)).unwrap_or(Cell::Empty)),
        );
        cells.extend(
            cmp.models
                .iter()
                .map(|m| row.pipeline_minor.get(m).map(|&v| money(v)).unwrap_or(Cell::Empty)),
        );
        s.row(cells);
    }
    files.push(s.file());

    let mut s = Sheet::new(
        "lead_quality",
        &[
            "dimension",
            "system",
            "id",
            "name",
            "leads",
            "mqls",
            "contacted",
            "contacted_rate",
            "disqualified",
            "disqualified_rate",
            "top_reasons",
            "recycled",
            "sqls",
            "sql_rate",
            "won",
        ],
    );
    let q = &r.lead_quality;
    for (dim, x) in q
        .by_campaign
        .iter()
        .map(|x| ("campaign", x))
        .chain(std::iter::once(("total", &q.total)))
    {
        let mut cells = group_cells(dim, &x.group);
        let reasons: Vec<String> = x
            .top_reasons
            .iter()
            .map(|r| format!("{} ({})", r.reason, r.count))
            .collect();
        cells.extend([
            n(x.leads),
            n(x.mqls),
            n(x.contacted),
            of(x.contacted_rate),
            n(x.disqualified),
            of(x.disqualified_rate),
            t(reasons.join("; ")),
            n(x.recycled),
            n(x.sqls),
            of(x.sql_rate),
            n(x.won),
        ]);
        s.row(cells);
    }
    files.push(s.file());

    let mut s = Sheet::new(
        "content",
        &[
            "key",
            "title",
            "kind",
            "people",
            "touches",
            "downloads",
            "attendees",
            "median_minutes_watched",
            "median_percent_watched",
            "mqls_influenced",
            "deals_influenced",
            "deals_won_influenced",
            "currency",
            "pipeline",
            "revenue",
        ],
    );
    for x in &r.content.assets {
        let (p, _) = split(&x.pipeline, cur);
        let (v, _) = split(&x.revenue, cur);
        s.row(vec![
            ot(x.group.id.as_deref()),
            t(x.group.name.clone()),
            ot(x.kind.as_deref()),
            n(x.people),
            n(x.touches),
            n(x.downloads),
            n(x.attendees),
            of(x.median_minutes_watched),
            of(x.median_percent_watched),
            n(x.mqls_influenced),
            n(x.deals_influenced),
            n(x.deals_won_influenced),
            ot(cur),
            p,
            v,
        ]);
    }
    files.push(s.file());

    let sla = &r.sla;
    let mut s = Sheet::new(
        "mqls_by_month",
        &[
            "month",
            "mqls",
            "implied",
            "handoffs",
            "target",
            "attainment",
            "met",
            "breached",
            "pending",
            "not_contacted",
            "met_rate",
            "median_minutes",
            "p90_minutes",
        ],
    );
    for m in &sla.by_month {
        let sp = &m.speed;
        s.row(vec![
            t(m.month.clone()),
            n(m.mqls),
            n(m.implied),
            n(m.handoffs),
            m.target.map(|v| n(i64::from(v))).unwrap_or(Cell::Empty),
            of(m.attainment),
            n(sp.met),
            n(sp.breached),
            n(sp.pending),
            n(sp.not_contacted),
            of(sp.met_rate),
            of(sp.median_minutes),
            of(sp.p90_minutes),
        ]);
    }
    files.push(s.file());

    let mut s = Sheet::new(
        "speed_to_lead",
        &[
            "dimension",
            "system",
            "id",
            "name",
            "mqls",
            "handoffs",
            "met",
            "breached",
            "pending",
            "not_contacted",
            "met_rate",
            "median_minutes",
            "p90_minutes",
        ],
    );
    for (dim, x) in sla
        .by_owner
        .iter()
        .map(|x| ("owner", x))
        .chain(std::iter::once(("total", &sla.total)))
    {
        let mut cells = group_cells(dim, &x.group);
        cells.extend([
            n(x.mqls),
            n(x.handoffs),
            n(x.met),
            n(x.breached),
            n(x.pending),
            n(x.not_contacted),
            of(x.met_rate),
            of(x.median_minutes),
            of(x.p90_minutes),
        ]);
        s.row(cells);
    }
    files.push(s.file());

    let mut s = Sheet::new("speed_distribution", &["bucket", "from_minutes", "to_minutes", "count"]);
    for b in &sla.distribution {
        s.row(vec![
            t(b.label.clone()),
            b.from_minutes.map(n).unwrap_or(Cell::Empty),
            b.to_minutes.map(n).unwrap_or(Cell::Empty),
            n(b.count),
        ]);
    }
    files.push(s.file());

    let person_header = [
        "person_id",
        "email",
        "name",
        "owner",
        "month",
        "mql_at",
        "due_at",
        "first_contact_at",
        "hours_late",
        "days_since_mql",
        "lead_status",
        "disqualification_reason",
        "owner_side",
        "what_happened",
    ];
    let person = |p: &MqlPerson| {
        vec![
            n(p.person_id),
            ot(p.email.as_deref()),
            ot(p.name.as_deref()),
            t(p.owner.name.clone()),
            t(p.month.clone()),
            ts(Some(p.mql_at)),
            ts(p.due_at),
            ts(p.first_contact_at),
            of(p.hours_late),
            f(p.days_since_mql),
            ot(p.lead_status.as_deref()),
            ot(p.disqualification_reason.as_deref()),
            t(p.owner_side.clone()),
            t(p.what_happened.clone()),
        ]
    };
    let mut s = Sheet::new("sla_breaches", &person_header);
    sla.breaches.people.iter().for_each(|p| s.row(person(p)));
    files.push(s.file());
    let mut s = Sheet::new("stalled_mqls", &person_header);
    sla.stalled.people.iter().for_each(|p| s.row(person(p)));
    files.push(s.file());

    let h = &r.data_health;
    let mut s = Sheet::new("coverage", &["figure", "people"]);
    let c = h.coverage;
    for (k, v) in [
        ("people", c.people),
        ("awaiting_reconcile", c.awaiting_reconcile),
        ("both_systems", c.both_systems),
        ("marketing_only", c.marketing_only),
        ("crm_only", c.crm_only),
    ] {
        s.row(vec![t(k), n(v)]);
    }
    files.push(s.file());
    let mut s = Sheet::new(
        "duplicates",
        &[
            "person_id",
            "email",
            "system",
            "kind",
            "duplicate",
            "primary",
            "first_found_at",
        ],
    );
    for d in &h.duplicate_records {
        s.row(vec![
            n(d.person_id),
            ot(d.email.as_deref()),
            t(d.system.clone()),
            t(d.kind.clone()),
            t(d.duplicate.clone()),
            t(d.primary.clone()),
            ts(Some(d.first_found_at)),
        ]);
    }
    files.push(s.file());
    let mut s = Sheet::new(
        "quarantine",
        &["system", "stream", "reason", "entries", "occurrences", "last_seen_at"],
    );
    for x in &h.quarantine {
        s.row(vec![
            t(x.system.clone()),
            t(x.stream.clone()),
            t(x.reason.clone()),
            n(x.entries),
            n(x.occurrences),
            ts(x.last_seen_at),
        ]);
    }
    files.push(s.file());
    let mut s = Sheet::new("push_errors", &["target", "object", "reason", "writes", "last_at"]);
    for x in &h.push_errors {
        s.row(vec![
            t(x.target.clone()),
            t(x.object.clone()),
            t(x.reason.clone()),
            n(x.writes),
            ts(x.last_at),
        ]);
    }
    files.push(s.file());
    files
}

/// Writes every section's CSV into `dir` (created if missing); returns the files written.
pub fn write_csv(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for file in render_csv(report) {
        let path = dir.join(&file.name);
        std::fs::write(&path, file.content).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}
