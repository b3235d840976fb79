//! One module per subcommand, wiring the pipeline steps together: read the
//! workspace, resolve pins, look them up ([`lookup`]), plan, then write or report.
//! Nothing here decides what a file should contain; the planners do.

mod completions;
mod hash;
mod lock;
mod lookup;
mod man;
mod migrate;
mod verify;

use miette::Report;

use crate::cli::{Cli, Command, Format};
use crate::diagnostics::Located;
use crate::exit::{Failure, Outcome};
use crate::output::json::{FileReport, RunReport};
use crate::output::print_stdout;
use crate::workspace::{File, Workspace};

/// Runs the command line's subcommand. SIGINT and SIGTERM stop it cleanly from
/// here on (exit 130, 143).
pub async fn run(cli: Cli) -> Result<Outcome, Failure> {
    crate::output::interrupt::install();
    match cli.command {
        Command::Lock(args) => lock::run(args).await,
        Command::Verify(args) => verify::run(args).await,
        Command::Migrate(args) => migrate::run(args).await,
        Command::Hash(args) => hash::run(args).await,
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
    }
}

/// Prints a warning on stderr unless `--quiet`.
fn warn(quiet: bool, report: Report) {
    if !quiet {
        crate::report::report(&report);
    }
}

/// Index options in the files (`-i`, `--extra-index-url`, `--no-index`, `-f`) that
/// this run does not follow: hashlock asks only `--index-url`, so it warns rather
/// than let a file that names a private index be locked against another silently.
fn warn_unused_index_options(workspace: &Workspace, quiet: bool) {
    use crate::requirements::OptionName;
    if quiet {
        return;
    }
    for file in workspace.files.iter().filter(|f| f.is_clean()) {
        for (_, opt) in file.parsed.options() {
            if !matches!(
                opt.name,
                OptionName::IndexUrl
                    | OptionName::ExtraIndexUrl
                    | OptionName::NoIndex
                    | OptionName::FindLinks
            ) {
                continue;
            }
            let located = file
                .source
                .warning(opt.span.clone(), "hashlock does not follow this option yet: it asks only the index of `--index-url`")
                .label("not followed")
                .hint("pass the same index with `--index-url URL` (or `HASHLOCK_INDEX_URL`) so hashes come from the index pip will use");
            warn(quiet, Report::new(located));
        }
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
