//! The answer of a subcommand this build does not carry yet: it says so and fails, never pretends.

use crate::exit::{ExitError, UNAVAILABLE};

/// Fails with the issue that brings `command`.
pub fn run(command: &str, issue: u32) -> Result<(), ExitError> {
    Err(ExitError::new(
        UNAVAILABLE,
        anyhow::anyhow!("`closedloop {command}` is not available in this build yet (it arrives with issue {issue})"),
    ))
}
