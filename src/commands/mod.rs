//! One module per subcommand, wiring the pipeline steps together: read the
//! workspace, resolve pins, look them up ([`lookup`]), plan, then write or report.
//! Nothing here decides what a file should contain; the planners do.

mod connect;
mod hash;
mod lock;
mod lookup;
mod migrate;
mod verify;

use miette::Report;

use crate::cli::{Cli, Command};
use crate::exit::{Failure, Outcome};

/// Runs the command line's subcommand. SIGINT and SIGTERM stop it cleanly from
/// here on (exit 130, 143).
pub async fn run(cli: Cli) -> Result<Outcome, Failure> {
    crate::output::interrupt::install();
    match cli.command {
        Command::Lock(args) => lock::run(args).await,
        Command::Verify(args) => verify::run(args).await,
        Command::Migrate(args) => migrate::run(args).await,
        Command::Hash(args) => hash::run(args).await,
    }
}

/// Prints a warning on stderr unless `--quiet`.
fn warn(quiet: bool, report: Report) {
    if !quiet {
        crate::report::report(&report);
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
