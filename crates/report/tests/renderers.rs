//! The renderers over the hand-built world: the JSON has exactly the documented shape
//! (docs/report-schema.md), every CSV parses with a real CSV reader and has the columns of its
//! header, the terminal tables align, and the HTML is one self-contained document.

mod support;

use closedloop_report::{ReportOptions, build, render_csv, render_html, render_json, render_tables};
use serde_json::Value;
use std::collections::BTreeSet;
use support::*;

async fn report() -> (closedloop_report::Report, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = reconciled_store(dir.path()).await;
    let mut o = ReportOptions::defaults(now());
    o.mql_target_per_month = Some(2);
    (build(&store, &o).await.unwrap(), dir)
}

/// Every path in a JSON value with its type: `funnel.by_campaign[].reached: integer`. Maps keyed
/// by model name are written `{model}`.
fn paths(v: &Value, at: &str, out: &mut BTreeSet<String>) {
    let ty = match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    if !at.is_empty() && !matches!(v, Value::Null) {
        out.insert(format!("{at}: {ty}"));
    }
    match v {
        Value::Array(items) => items.iter().for_each(|i| paths(i, &format!("{at}[]"), out)),
        Value::Object(map) => {
            let by_model = at.ends_with("revenue_minor") || at.ends_with("pipeline_minor");
            for (k, x) in map {
                let key = if by_model { "{model}" } else { k.as_str() };
                let p = if at.is_empty() {
                    key.to_owned()
                } else {
                    format!("{at}.{key}")
                };
                paths(x, &p, out);
            }
        }
        _ => {}
    }
}

/// The documented paths: the first column of every table row in the schema document that names a
/// path (`| \`path\` | type | ... |`). A documented type `number` also admits integers (a whole
/// number serializes as one), and `T or null` admits null.
fn documented() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/report-schema.md")).unwrap();
    doc.lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('|').map(str::trim).collect();
            (cols.len() > 3 && cols[1].starts_with('`') && cols[1].ends_with('`'))
                .then(|| (cols[1].trim_matches('`').to_owned(), cols[2].to_owned()))
        })
        .collect()
}

#[tokio::test]
async fn json_has_exactly_the_documented_shape() {
    let (r, _dir) = report().await;
    let json: Value = serde_json::from_str(&render_json(&r)).unwrap();
    let mut seen = BTreeSet::new();
    paths(&json, "", &mut seen);
    let doc = documented();
    assert!(doc.len() > 50, "the schema document lists the fields");
    let mut problems = Vec::new();
    for p in &seen {
        let (path, ty) = p.split_once(": ").unwrap();
        match doc.iter().find(|(d, _)| d == path) {
            None => problems.push(format!("undocumented: {path} ({ty})")),
            Some((_, dty)) => {
                let ok = dty.split(" or ").any(|t| t == ty || (t == "number" && ty == "integer"));
                if !ok {
                    problems.push(format!("{path}: documented {dty}, found {ty}"));
                }
            }
        }
    }
    let present: BTreeSet<&str> = seen.iter().map(|p| p.split_once(": ").unwrap().0).collect();
    for (path, ty) in &doc {
        // Fields that are null in this world still appear as keys; only nested fields of a null
        // or empty parent can be absent.
        if !present.contains(path.as_str()) && !ty.contains("null") {
            problems.push(format!("documented but absent: {path}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // And the JSON reads back into the model unchanged.
    let back: closedloop_report::Report = serde_json::from_value(json).unwrap();
    assert_eq!(back, r);
}

#[tokio::test]
async fn every_csv_parses_with_its_header_columns() {
    let (r, _dir) = report().await;
    let files = render_csv(&r);
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    for wanted in [
        "funnel.csv",
        "attribution.csv",
        "model_comparison.csv",
        "lead_quality.csv",
        "content.csv",
        "mqls_by_month.csv",
        "speed_to_lead.csv",
        "sla_breaches.csv",
        "stalled_mqls.csv",
        "push_errors.csv",
    ] {
        assert!(names.contains(&wanted), "{wanted} in {names:?}");
    }
    for f in &files {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(f.content.as_bytes());
        let width = reader.headers().unwrap().len();
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert!(rows.iter().all(|r| r.len() == width), "{}: ragged rows", f.name);
        if f.name == "funnel.csv" {
            // 3 campaign rows, 3 channels, 3 contents, 1 total.
            assert_eq!(rows.len(), 10);
            let total = rows.iter().find(|r| &r[0] == "total").unwrap();
            assert_eq!(&total[4], "5", "reached");
            assert_eq!(&total[11], "0.8", "reached → lead as a fraction");
        }
        if f.name == "attribution.csv" {
            let a = rows.iter().find(|r| &r[4] == "Webinar DE").unwrap();
            assert_eq!((&a[13], &a[15]), ("USD", "8000.00"));
        }
    }
}

#[tokio::test]
async fn csv_text_cannot_smuggle_a_formula_or_break_a_row() {
    let (mut r, _dir) = report().await;
    r.sla.breaches.people[0].name = Some("=HYPERLINK(\"http://x\",\"y\")".into());
    r.sla.breaches.people[0].email = Some("a,b\"c\nd@example.com".into());
    let file = render_csv(&r)
        .into_iter()
        .find(|f| f.name == "sla_breaches.csv")
        .unwrap();
    let mut reader = csv::Reader::from_reader(file.content.as_bytes());
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[2], "'=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(&row[1], "a,b\"c\nd@example.com");
}

#[tokio::test]
async fn terminal_tables_align() {
    let (r, _dir) = report().await;
    let text = render_tables(&r);
    // Each table is a run of lines starting with a box-drawing character; all its lines have the
    // same display width.
    let mut tables = 0;
    let mut width: Option<usize> = None;
    for line in text.lines() {
        let boxed = line.starts_with(['┌', '│', '├', '└', '╞', '╘']);
        if boxed {
            let w = line.chars().count();
            match width {
                None => {
                    width = Some(w);
                    tables += 1;
                }
                Some(expected) => assert_eq!(w, expected, "misaligned line:\n{line}\nin\n{text}"),
            }
        } else {
            width = None;
        }
    }
    assert!(tables >= 15, "{tables} tables");
    assert!(text.contains("Webinar DE") && text.contains("no budget (1)") && text.contains("Alice Rep"));
}

#[tokio::test]
async fn html_is_one_self_contained_document() {
    let (r, _dir) = report().await;
    let html = render_html(&r);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for id in [
        "chart-funnel",
        "chart-revenue-by-model",
        "chart-speed-to-lead",
        "chart-mqls-vs-target",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    // Nothing that would fetch: no script or stylesheet source, no http(s) URL, no @import.
    for bad in ["<script", "src=", "http://", "https://", "@import", "url("] {
        assert!(!html.contains(bad), "{bad}");
    }
    assert!(html.contains("@media print"));
}
