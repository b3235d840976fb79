//! One module per subcommand; each wires the pipeline steps together. `lookup` and
//! `output` are the steps several subcommands share.

pub mod hash;
pub mod lock;
pub(crate) mod lookup;
pub mod migrate;
mod output;
pub mod verify;

use miette::Report;

use crate::cli::{Cli, Command};
use crate::diagnostics::Located;
use crate::exit::Failure;

/// Runs the command line's subcommand; `Ok` carries the exit code.
pub async fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Lock(args) => lock::run(args).await,
        Command::Verify(args) => verify::run(args).await,
        Command::Migrate(args) => migrate::run(args).await,
        Command::Hash(args) => hash::run(args).await,
    }
}

/// A failure made of located diagnostics.
fn failure(code: u8, errors: Vec<Located>) -> Failure {
    Failure::new(code, errors.into_iter().map(Report::new))
}

/// Prints a warning on stderr unless `--quiet`.
fn warn(quiet: bool, report: Report) {
    if !quiet {
        eprintln!("{report:?}");
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
