//! Exit codes, and the failure a command returns to `main`.

use std::process::ExitCode;

/// Done.
pub const OK: u8 = 0;
/// `--check` found a change to make, a requirement is not pinned, or hashes conflict.
pub const CHECK_FAILED: u8 = 1;
/// Bad input or usage.
pub const BAD_INPUT: u8 = 2;
/// The index or the network failed.
pub const INDEX_FAILURE: u8 = 3;

/// A run that ended early: the reports to print and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub reports: Vec<miette::Report>,
}

impl Failure {
    pub fn new(code: u8, reports: impl IntoIterator<Item = miette::Report>) -> Self {
        Self {
            code,
            reports: reports.into_iter().collect(),
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code)
    }
}
