//! `hashlock log`: check the first-seen logs' hash chains, or say where the user
//! cache's log is.

use std::path::PathBuf;

use miette::Report;

use crate::cli::LogCommand;
use crate::exit::{Failure, Outcome};
use crate::log;

/// Runs `hashlock log ...`.
pub(super) fn run(command: &LogCommand) -> Result<Outcome, Failure> {
    match command {
        LogCommand::Path => match log::cache_log() {
            Some(path) => {
                crate::output::print_stdout(&format!("{}\n", path.display()))?;
                Ok(Outcome::Ok)
            }
            None => Err(Failure::new(
                Outcome::BadInput,
                [miette::miette!(
                    help = "set `HASHLOCK_CACHE_DIR` to a directory hashlock may write",
                    "this platform has no user cache directory"
                )],
            )),
        },
        LogCommand::Verify(args) => verify(&args.files),
    }
}

/// Checks each log: 0 all intact, 1 any damaged, 2 any unreadable.
fn verify(files: &[PathBuf]) -> Result<Outcome, Failure> {
    let mut files = files.to_vec();
    if files.is_empty() {
        files.extend(log::cache_log().filter(|path| path.exists()));
        let committed = PathBuf::from(log::COMMITTED_NAME);
        if committed.exists() {
            files.push(committed);
        }
        if files.is_empty() {
            crate::report::line("no first-seen log to check (none written yet)");
            return Ok(Outcome::Ok);
        }
    }
    let mut unreadable = Vec::new();
    let mut damaged = false;
    for path in &files {
        match log::verify_file(path) {
            Err(error) => unreadable.push(miette::miette!(
                "cannot read the first-seen log {}: {error}",
                path.display()
            )),
            Ok((source, chain)) => {
                let problems = log::located(&source, &chain);
                if problems.is_empty() {
                    crate::report::line(&format!(
                        "{}: intact, {}",
                        path.display(),
                        crate::report::counted(chain.records.len(), "record", "records")
                    ));
                } else {
                    damaged = true;
                    for problem in problems {
                        crate::report::report(&Report::new(problem));
                    }
                }
            }
        }
    }
    if !unreadable.is_empty() {
        return Err(Failure::new(Outcome::BadInput, unreadable));
    }
    Ok(Outcome::check(damaged))
}
