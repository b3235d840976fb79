//! One module per subcommand; each wires the pipeline steps together.

pub mod lock;

use crate::cli::{Cli, Command};
use crate::exit::Failure;

/// Runs the command line's subcommand; `Ok` carries the exit code.
pub async fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Lock(args) => lock::run(args).await,
    }
}
