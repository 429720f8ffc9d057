//! The JSON output: the report model, pretty-printed. docs/report-schema.md documents every
//! field; a test checks the document and the output agree.
//!
//! Holds no state.

use crate::model::Report;

/// The report as pretty JSON.
pub fn render_json(report: &Report) -> String {
    // The model holds only strings, numbers, maps with string keys and options: it always serializes.
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
