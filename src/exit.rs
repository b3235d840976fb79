//! How a run ends: the [`Outcome`], its exit code (decided here and nowhere else),
//! and the [`Failure`] a command returns to `main` with the reports that explain it.

use std::process::ExitCode;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Done, or no problem found (exit 0).
    Ok,
    /// A check failed: `--check` found a file to change, a requirement is not pinned,
    /// hashes conflict, or `verify` found a problem (exit 1).
    CheckFailed,
    /// Bad input or usage (exit 2).
    BadInput,
    /// The index or the network failed (exit 3).
    IndexFailure,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Ok => 0,
            Outcome::CheckFailed => 1,
            Outcome::BadInput => 2,
            Outcome::IndexFailure => 3,
        }
    }

    /// `CheckFailed` when `failed`, else `Ok`.
    pub fn check(failed: bool) -> Outcome {
        if failed {
            Outcome::CheckFailed
        } else {
            Outcome::Ok
        }
    }
}

/// The exit code of a run stopped by SIGINT (Ctrl-C): 128 + 2, what a shell reports
/// for a process the signal killed.
pub(crate) const SIGINT_EXIT: i32 = 130;

/// The exit code of a run stopped by SIGTERM: 128 + 15.
pub(crate) const SIGTERM_EXIT: i32 = 143;

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        ExitCode::from(outcome.code())
    }
}

/// A run that ended early: the reports to print and how it ended.
#[derive(Debug)]
pub struct Failure {
    pub outcome: Outcome,
    pub reports: Vec<miette::Report>,
}

impl Failure {
    pub fn new(outcome: Outcome, reports: impl IntoIterator<Item = miette::Report>) -> Self {
        Self {
            outcome,
            reports: reports.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_documented_ones() {
        let codes: Vec<u8> = [
            Outcome::Ok,
            Outcome::CheckFailed,
            Outcome::BadInput,
            Outcome::IndexFailure,
        ]
        .into_iter()
        .map(Outcome::code)
        .collect();
        assert_eq!(codes, [0, 1, 2, 3]);
        assert_eq!(Outcome::check(true), Outcome::CheckFailed);
        assert_eq!(Outcome::check(false), Outcome::Ok);
    }
}
