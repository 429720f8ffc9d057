//! Records as the REST API shows them: `attributes {type, url}` first, then the fields.
//!
//! Holds no state. Query pages are the hot path (2000 records a page at benchmark sizes), so
//! records are written straight into a `String` rather than built as `serde_json::Value` trees;
//! keys use each field's API name as `describe` spells it, whatever case the query used.

use super::state::Org;
use super::value::write_json_str;

/// Appends one record with the given columns.
pub fn record(out: &mut String, org: &Org, table: usize, row: u32, columns: &[usize], version: &str) {
    let t = &org.tables[table];
    let schema = &t.schema;
    let r = t.row(row);
    out.push_str("{\"attributes\":{\"type\":");
    write_json_str(out, &schema.name);
    out.push_str(",\"url\":\"/services/data/v");
    out.push_str(version);
    out.push_str("/sobjects/");
    out.push_str(&schema.name);
    out.push('/');
    out.push_str(r.id.as_str());
    out.push_str("\"}");
    for &c in columns {
        out.push(',');
        write_json_str(out, &schema.fields[c].name);
        out.push(':');
        r.vals[c].write_json(out);
    }
    out.push('}');
}

/// One record as a JSON value with every field (admin reads and `GET sobjects/{Type}/{id}`).
pub fn record_value(org: &Org, table: usize, row: u32, columns: Option<&[usize]>, version: &str) -> serde_json::Value {
    let all: Vec<usize> = (0..org.tables[table].schema.fields.len()).collect();
    let mut out = String::new();
    record(&mut out, org, table, row, columns.unwrap_or(&all), version);
    serde_json::from_str(&out).unwrap_or_default()
}
