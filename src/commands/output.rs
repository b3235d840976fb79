//! Where a command's new file contents go: in place (atomically), nowhere (`--check`),
//! to stdout as a diff (`--diff`), or to another file or stdout (`-o`).

use std::io::Write;
use std::path::Path;

use crate::exit::{self, Failure};
use crate::report;
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
