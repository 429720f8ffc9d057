//! The report's outputs: aligned terminal tables, JSON, CSV files (one per section) and one
//! self-contained HTML file with inline SVG charts.
//!
//! Holds no state and computes no figure: every renderer shows the [`crate::model::Report`] it is
//! given, formatted ([`format`]) the same way in every output.
//!
//! # Layout
//! - [`format`]: percentages, days, durations, money, counts as text.
//! - [`table`]: comfy-table tables, one per section.
//! - [`json`]: the documented JSON (docs/report-schema.md).
//! - [`csv`]: one RFC 4180 file per section, formula-injection safe.
//! - [`html`]: the single-file HTML report and its charts.

pub mod csv;
pub mod format;
pub mod html;
pub mod json;
pub mod table;
