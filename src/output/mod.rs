//! Where a command's new file contents go: in place (atomically), nowhere (`--check`),
//! to stdout as a diff (`--diff`), or to another file or stdout (`-o`); and the one
//! writer of stdout, which ends quietly on a closed pipe.

mod atomic;
mod diff;

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::cli::OutputArgs;
use crate::exit::{Failure, Outcome};
use crate::report::{self, Summary, SummaryMode};
use crate::workspace::{File, Role, Workspace};

pub(crate) use atomic::write_atomic;
pub(crate) use diff::unified_diff;

/// One file's contents before and after a command.
pub(crate) struct Change<'a> {
    pub path: &'a Path,
    pub old: &'a str,
    pub new: &'a str,
}

impl<'a> Change<'a> {
    /// `file` becoming `new`.
    pub(crate) fn of(file: &'a File, new: &'a str) -> Self {
        Change {
            path: &file.path,
            old: &file.source.text,
            new,
        }
    }

    fn changed(&self) -> bool {
        self.old != self.new
    }
}

/// What a rewriting command did, for its summary line.
pub(crate) struct Done<'a> {
    /// `Locked`, `Migrated`.
    pub verb: &'static str,
    pub workspace: &'a Workspace,
    /// Requirements handled and hashes they carry.
    pub totals: (usize, usize),
    pub started: Instant,
    pub quiet: bool,
}

/// Sends `changes` where `output` says, prints the summary unless quiet, and says how
/// the run ends (`--check` fails when a file would change).
pub(crate) fn finish(
    output: &OutputArgs,
    changes: &[Change<'_>],
    done: &Done<'_>,
) -> Result<Outcome, Failure> {
    let changed = emit(changes, &output.destination())?;
    if !done.quiet {
        let summary = output.summary(
            done.verb,
            done.workspace,
            done.totals,
            changed,
            done.started.elapsed(),
        );
        report::line(&summary.to_string());
    }
    Ok(output.outcome(changed))
}

/// What to do with the new contents.
pub(crate) enum Destination<'a> {
    /// Replace each changed file atomically.
    InPlace,
    /// Write nothing; name the files that would change on stderr.
    Check,
    /// Print a unified diff of the changed files on stdout.
    Diff,
    /// Write the first file's new contents to this path (`-` for stdout); the others
    /// are not written.
    Output(&'a Path),
}

impl OutputArgs {
    /// Where the results go.
    pub(crate) fn destination(&self) -> Destination<'_> {
        match &self.output {
            Some(output) => Destination::Output(output),
            None if self.check => Destination::Check,
            None if self.diff => Destination::Diff,
            None => Destination::InPlace,
        }
    }

    /// How the summary line words what happened.
    fn summary_mode(&self) -> SummaryMode {
        match self.destination() {
            Destination::Check => SummaryMode::Check,
            Destination::Diff => SummaryMode::Diff,
            Destination::Output(path) if path == Path::new("-") => SummaryMode::Stdout,
            Destination::Output(_) | Destination::InPlace => SummaryMode::Written,
        }
    }

    /// `-o` names one destination, so it takes one input file.
    pub(crate) fn check_inputs(&self, inputs: usize) -> Result<(), Failure> {
        if self.output.is_none() || inputs <= 1 {
            return Ok(());
        }
        let report = miette::miette!(
            help = "run once per file with `-o`",
            "`-o` takes one FILE, got {inputs}"
        );
        Err(Failure::new(Outcome::BadInput, [report]))
    }

    /// The summary line of a run that `verb`ed `requirements` requirements carrying
    /// `hashes` hashes in the requirements files of `workspace`.
    fn summary(
        &self,
        verb: &'static str,
        workspace: &Workspace,
        (requirements, hashes): (usize, usize),
        changed: usize,
        elapsed: Duration,
    ) -> Summary {
        Summary {
            verb,
            requirements,
            hashes,
            files: workspace.files_of(Role::Requirements).count(),
            files_changed: changed,
            elapsed,
            mode: self.summary_mode(),
        }
    }

    /// How the run ends once `changed` files differ: `--check` fails on any.
    fn outcome(&self, changed: usize) -> Outcome {
        Outcome::check(self.check && changed > 0)
    }
}

/// Sends `changes` (the first is the file named on the command line) to
/// `destination`. Returns how many files change.
fn emit(changes: &[Change<'_>], destination: &Destination<'_>) -> Result<usize, Failure> {
    let changed: Vec<&Change<'_>> = changes.iter().filter(|c| c.changed()).collect();
    match destination {
        Destination::Output(output) => {
            let Some((root, others)) = changes.split_first() else {
                return Ok(0);
            };
            for other in others.iter().filter(|c| c.changed()) {
                report::warn(&format!(
                    "`{}` would change too, but `-o` writes only `{}`",
                    other.path.display(),
                    root.path.display()
                ));
            }
            write_output(output, root.new)?;
            return Ok(usize::from(root.changed()));
        }
        Destination::Diff => {
            let diff: String = changed
                .iter()
                .map(|c| {
                    let name = c.path.display().to_string();
                    unified_diff(&name, &name, c.old, c.new)
                })
                .collect();
            // A diff is for people: an index URL's credentials in it are redacted.
            print_stdout(&crate::redact::text(&diff))?;
        }
        Destination::Check => {
            for change in &changed {
                report::line(&format!("would change {}", change.path.display()));
            }
        }
        Destination::InPlace => {
            for change in &changed {
                write_atomic(change.path, change.new.as_bytes())
                    .map_err(|err| write_failure(change.path, &err))?;
            }
        }
    }
    Ok(changed.len())
}

fn write_output(output: &Path, text: &str) -> Result<(), Failure> {
    if output == Path::new("-") {
        return print_stdout(text);
    }
    write_atomic(output, text.as_bytes()).map_err(|err| write_failure(output, &err))
}

/// Prints data to stdout. A closed pipe (`| head`) ends the output quietly, as
/// ripgrep does; any other failure (a full disk) is an error.
pub(crate) fn print_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::new(
            Outcome::BadInput,
            [miette::miette!("cannot write to stdout: {err}")],
        )),
        _ => Ok(()),
    }
}

fn write_failure(path: &Path, err: &std::io::Error) -> Failure {
    let report = miette::miette!(
        help = "the file was left as it was; check permissions and free space",
        "cannot write `{}`: {err}",
        path.display()
    );
    Failure::new(Outcome::BadInput, [report])
}
