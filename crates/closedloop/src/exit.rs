//! Exit codes: what a script or systemd can tell apart without reading the message.
//!
//! Holds no state. clap itself exits 2 on a malformed command line.

/// The command did what it was asked.
pub const OK: u8 = 0;
/// A runtime failure (network, database, a bug).
pub const FAILURE: u8 = 1;
/// The configuration is invalid, or a secret it names is missing: nothing was started.
pub const CONFIG: u8 = 3;
/// An API's daily quota is spent: the work stopped cleanly and resumes on the next run.
pub const QUOTA: u8 = 4;

/// An error carrying the exit code it should produce.
#[derive(Debug)]
pub struct ExitError {
    /// The exit code.
    pub code: u8,
    /// The error.
    pub error: anyhow::Error,
}

impl ExitError {
    /// An error with a specific code.
    pub fn new(code: u8, error: impl Into<anyhow::Error>) -> Self {
        ExitError {
            code,
            error: error.into(),
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for ExitError {
    fn from(e: E) -> Self {
        ExitError {
            code: FAILURE,
            error: e.into(),
        }
    }
}
