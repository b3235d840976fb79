//! Where a command's new file contents go: in place (atomically), nowhere (`--check`),
//! to stdout as a diff (`--diff`), or to another file or stdout (`-o`).

use std::io::Write;
use std::path::Path;

use crate::cli::OutputArgs;
use crate::exit::{self, Failure};
use crate::report::{self, Summary, SummaryMode};
use crate::tree::{Role, SourceFile};
use crate::write;

/// One file's contents before and after a command.
pub struct Change<'a> {
    pub path: &'a Path,
    pub old: &'a str,
    pub new: &'a str,
}

impl Change<'_> {
    fn changed(&self) -> bool {
        self.old != self.new
    }
}

/// What to do with the new contents.
pub enum Destination<'a> {
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
    pub fn destination(&self) -> Destination<'_> {
        match &self.output {
            Some(output) => Destination::Output(output),
            None if self.check => Destination::Check,
            None if self.diff => Destination::Diff,
            None => Destination::InPlace,
        }
    }

    /// How the summary line words what happened.
    pub fn summary_mode(&self) -> SummaryMode {
        match self.destination() {
            Destination::Check => SummaryMode::Check,
            Destination::Diff => SummaryMode::Diff,
            Destination::Output(path) if path == Path::new("-") => SummaryMode::Stdout,
            Destination::Output(_) | Destination::InPlace => SummaryMode::Written,
        }
    }

    /// `-o` names one destination, so it takes one input file.
    pub fn check_inputs(&self, inputs: usize) -> Result<(), Failure> {
        if self.output.is_none() || inputs <= 1 {
            return Ok(());
        }
        let report = miette::miette!(
            help = "run once per file with `-o`",
            "`-o` takes one FILE, got {inputs}"
        );
        Err(Failure::new(exit::BAD_INPUT, [report]))
    }

    /// The summary line of a run that `verb`ed `requirements` requirements carrying
    /// `hashes` hashes in the requirements files of `files`.
    pub fn summary(
        &self,
        verb: &'static str,
        files: &[SourceFile],
        (requirements, hashes): (usize, usize),
        changed: usize,
        elapsed: std::time::Duration,
    ) -> Summary {
        Summary {
            verb,
            requirements,
            hashes,
            files: files
                .iter()
                .filter(|f| f.role == Role::Requirements)
                .count(),
            files_changed: changed,
            elapsed,
            mode: self.summary_mode(),
        }
    }

    /// The exit code once `changed` files differ: `--check` fails on any.
    pub fn exit_code(&self, changed: usize) -> u8 {
        if self.check && changed > 0 {
            exit::CHECK_FAILED
        } else {
            exit::OK
        }
    }
}

/// Sends `changes` (the first is the file named on the command line) to
/// `destination`. Returns how many files change.
pub fn emit(changes: &[Change<'_>], destination: &Destination<'_>) -> Result<usize, Failure> {
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
                    write::unified_diff(&name, &name, c.old, c.new)
                })
                .collect();
            print_stdout(&diff)?;
        }
        Destination::Check => {
            for change in &changed {
                eprintln!("would change {}", change.path.display());
            }
        }
        Destination::InPlace => {
            for change in &changed {
                write::write_atomic(change.path, change.new.as_bytes())
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
    write::write_atomic(output, text.as_bytes()).map_err(|err| write_failure(output, &err))
}

/// Prints data to stdout; a closed pipe (`| head`) is not an error.
fn print_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::new(
            exit::BAD_INPUT,
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
    Failure::new(exit::BAD_INPUT, [report])
}
