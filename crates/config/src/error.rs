//! Configuration errors: each names the file, the field and, where it can, the line.
//!
//! Holds no state.

use std::fmt;

/// Why a configuration cannot be used. closedloop refuses to start on any of these.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the format (unknown key, wrong type, missing key).
    #[error("{path}{at}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// ` line N, column M` when known.
        at: Location,
        /// What is wrong, naming the key.
        message: String,
    },
    /// Values that parse but cannot work together or at all.
    #[error("{path}: invalid configuration:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file.
        path: String,
        /// Every problem found, each naming its field.
        problems: Vec<Problem>,
    },
}

/// A place in the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Location {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
}

impl Location {
    /// The location of byte `offset` in `text`.
    pub fn of_offset(text: &str, offset: usize) -> Self {
        let before = &text[..offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map(|l| l.chars().count() + 1).unwrap_or(1);
        Location {
            line: Some(line),
            column: Some(column),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, ":{l}:{c}"),
            (Some(l), None) => write!(f, ":{l}"),
            _ => Ok(()),
        }
    }
}

/// One semantic problem: a field (dotted path), its line if found, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field, such as `hubspot.auth.token`.
    pub field: String,
    /// The line it is on, when it is in the file (defaults are not).
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} (line {line}): {}", self.field, self.message),
            None => write!(f, "{}: {}", self.field, self.message),
        }
    }
}

impl ConfigError {
    /// The fields the error names (for tests and for tools that highlight them).
    pub fn fields(&self) -> Vec<String> {
        match self {
            ConfigError::Invalid { problems, .. } => problems.iter().map(|p| p.field.clone()).collect(),
            _ => Vec::new(),
        }
    }
}
