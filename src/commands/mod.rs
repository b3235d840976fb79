//! One module per subcommand, wiring the pipeline steps together: read the
//! workspace, resolve pins, look them up ([`lookup`]), plan, then write or report.
//! Nothing here decides what a file should contain; the planners do.

mod add;
mod cache;
mod choose;
mod completions;
mod config;
mod connect;
mod deps;
mod direct;
mod download;
mod export;
mod first_seen;
mod hash;
mod lock;
mod log;
mod lookup;
mod man;
mod migrate;
mod unhashed;
mod verify;

use miette::Report;

use crate::cli::{Cli, Command, Format};
use crate::diagnostics::Located;
use crate::exit::{Failure, Outcome};
use crate::output::json::{FileReport, RunReport};
use crate::output::print_stdout;
use crate::workspace::File;

/// Runs the command line's subcommand. SIGINT and SIGTERM stop it cleanly from
/// here on (exit 130, 143).
pub async fn run(cli: Cli) -> Result<Outcome, Failure> {
    crate::output::interrupt::install();
    let outcome = match cli.command {
        Command::Lock(args) => lock::run(args).await,
        Command::Add(args) => add::run(args).await,
        Command::Verify(args) => verify::run(args).await,
        Command::Migrate(args) => migrate::run(args).await,
        Command::Hash(args) => hash::run(args).await,
        Command::Cache(args) => cache::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Config(args) => config::run(&args, &cli.configured),
        Command::Export(args) => export::run(args).await,
        Command::Log(command) => log::run(&command),
        Command::Man(args) => man::run(&args),
    };
    crate::cache::flush().await;
    outcome
}

/// Frees `value` on a thread of its own: at the end of a cold `lock`, freeing the
/// files of the releases it looked up (3,500 for 199 pins) took 1-2 ms on the
/// thread that ends the run. The process may end first; the system frees it then.
/// Only for plain data, whose drop does nothing else.
fn drop_later<T: Send + 'static>(value: T) {
    let thread = std::thread::Builder::new().name("hashlock-free".to_owned());
    // Without a thread, it is freed here.
    let _ = thread.spawn(move || drop(value));
}

/// Prints a warning on stderr unless `--quiet`.
fn warn(quiet: bool, report: Report) {
    if !quiet {
        crate::report::report(&report);
    }
}

/// With `--format json`, the document of a run that `problems` stopped before
/// anything was written: every requirements file (`files`) unchanged, the problems
/// listed.
fn print_stopped<'a>(
    format: Format,
    command: &'static str,
    files: impl IntoIterator<Item = &'a File>,
    problems: &[Located],
) -> Result<(), Failure> {
    if format != Format::Json {
        return Ok(());
    }
    let files = files
        .into_iter()
        .map(|file| FileReport {
            file,
            new: &file.source.text,
            changed: &[],
        })
        .collect();
    let report = RunReport {
        command,
        files,
        problems,
        written: false,
        totals: (0, 0),
    };
    print_stdout(&report.to_json())
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
