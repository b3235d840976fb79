//! `hashlock completions SHELL`: the shell's completion script, generated from the
//! clap definitions (clap_complete), on stdout.

use clap::CommandFactory as _;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::{Failure, Outcome};
use crate::output::print_stdout;

/// Prints the completion script of `args.shell`.
pub(super) fn run(args: &CompletionsArgs) -> Result<Outcome, Failure> {
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    print_stdout(&String::from_utf8_lossy(&script))?;
    Ok(Outcome::Ok)
}
