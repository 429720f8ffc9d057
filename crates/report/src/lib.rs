//! closedloop's closed-loop report: the one set of numbers marketing and sales both trust. The
//! funnel per campaign, channel and content; revenue and pipeline attribution under one model and
//! all models side by side; lead quality per campaign; content engagement and influence; the SLA
//! between the teams (MQLs against target, speed to lead, breaches, stalled leads); data health.
//!
//! State: none. [`build`] reads the store once (one read transaction) and returns a [`Report`];
//! the renderers turn it into terminal tables, JSON, CSV files or one self-contained HTML file.
//!
//! **Invariant:** every figure is computed in the store (SQL counts and sums) or in the core
//! (`closedloop_core::stats`: rates, medians, percentiles, histograms). Neither this crate's
//! builder nor its renderers compute figures: they name rows, arrange and format.
//!
//! ```no_run
//! # async fn example(store: &closedloop_store::Store) -> Result<(), closedloop_report::ReportError> {
//! use closedloop_report::{ReportOptions, build, render_html};
//! let options = ReportOptions::defaults(chrono::Utc::now());
//! let report = build(store, &options).await?;
//! std::fs::write("report.html", render_html(&report)).ok();
//! # Ok(()) }
//! ```
//!
//! # Layout
//! - [`options`]: `ReportOptions` (period, model, targets), from the config.
//! - [`model`]: the report's sections and figures (the JSON schema's types).
//! - `build`: options → store query → report.
//! - [`render`]: tables, JSON, CSV, HTML (with [`render::html::charts`]).
//! - [`error`]: the `ReportError` enum.

#![warn(missing_docs)]

mod build;
pub mod error;
pub mod model;
pub mod options;
pub mod render;

pub use build::build;
pub use error::ReportError;
pub use model::Report;
pub use options::{Period, ReportOptions};
pub use render::csv::{CsvFile, render_csv, write_csv};
pub use render::html::render_html;
pub use render::json::render_json;
pub use render::table::render_tables;
