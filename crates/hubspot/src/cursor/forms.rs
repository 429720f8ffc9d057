//! The cursor of the form-submissions stream: per form, the newest submission read.
//!
//! Holds no state. Submissions come newest first, so a pass reads each form from the top down to
//! its watermark (minus the lookback) and moves the watermark only when the form is done: a kill
//! in the middle of a form re-reads that form's pages, never skips them.

use super::Range;
use closedloop_core::Timestamp;
use closedloop_core::cursor::Checkpoint;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The form being read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormScan {
    /// The form's GUID (forms are read in GUID order).
    pub form: String,
    /// The next page's `after`.
    pub after: Option<String>,
    /// Pages read of this form.
    pub pages: u32,
    /// The newest submission seen of this form in this pass.
    pub newest: Option<Timestamp>,
}

/// Where the form-submissions stream stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormsCursor {
    /// The pass.
    pub pass: u64,
    /// Per form GUID, the newest submission read by a finished scan of the form.
    pub watermarks: BTreeMap<String, Timestamp>,
    /// The form being read; `None` when the pass is finished.
    pub scan: Option<FormScan>,
    /// The range of a `backfill` pass.
    pub backfill: Option<Range>,
}

impl FormsCursor {
    fn order(&self) -> (u64, u8, &str, u32) {
        match &self.scan {
            Some(s) => (self.pass, 0, s.form.as_str(), s.pages),
            None => (self.pass, 1, "", 0),
        }
    }
}

impl Checkpoint for FormsCursor {
    const VERSION: u32 = 1;

    fn is_at_or_after(&self, previous: &Self) -> bool {
        self.order() >= previous.order()
    }
}
