//! Where a command's new file contents go: in place (all files or none), nowhere
//! (`--check`), to stdout as a diff (`--diff`, also with `--check`), or to another
//! file or stdout (`-o`); the JSON report of what changed ([`json`]); and the one
//! writer of stdout, which ends quietly on a closed pipe. Also what happens to a run
//! stopped by a signal ([`interrupt`]).

mod atomic;
mod diff;
pub(crate) mod interrupt;
pub(crate) mod json;
mod relocate;
mod temp;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use miette::Report;

use crate::cli::{Format, OutputArgs};
use crate::exit::{Failure, Outcome};
use crate::report::{self, Summary, SummaryMode};
use crate::workspace::{File, Kind, Role, Workspace};

use atomic::{WriteError, WriteOptions};
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
    /// `--force`: write read-only files too.
    pub force: bool,
}

/// Sends `changes` where `output` says, prints the summary unless quiet, and says how
/// the run ends (`--check` fails when a file would change).
pub(crate) fn finish(
    output: &OutputArgs,
    changes: &[Change<'_>],
    done: &Done<'_>,
) -> Result<Outcome, Failure> {
    let changed = emit(changes, &output.destination(), done)?;
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
    /// Replace every changed file, all or none.
    InPlace,
    /// Write nothing; name the files that would change on stderr, and with `diff`
    /// print the diff on stdout too (`--check --diff`, the CI pattern).
    Check { diff: bool },
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
            None if self.check => Destination::Check { diff: self.diff },
            None if self.diff => Destination::Diff,
            None => Destination::InPlace,
        }
    }

    /// How the summary line words what happened.
    fn summary_mode(&self) -> SummaryMode {
        match self.destination() {
            Destination::Check { .. } => SummaryMode::Check,
            Destination::Diff => SummaryMode::Diff,
            Destination::Output(path) if path == Path::new("-") => SummaryMode::Stdout,
            Destination::Output(_) | Destination::InPlace => SummaryMode::Written,
        }
    }

    /// Whether the new contents end up in a file (in place, or `-o FILE`).
    pub(crate) fn writes(&self) -> bool {
        match self.destination() {
            Destination::InPlace => true,
            Destination::Output(path) => path != Path::new("-"),
            Destination::Check { .. } | Destination::Diff => false,
        }
    }

    /// `--format json` prints its document alone on stdout, so the file cannot go
    /// there too (`--diff` is refused by clap already).
    pub(crate) fn check_format(&self, format: Format) -> Result<(), Failure> {
        if format != Format::Json || self.output.as_deref() != Some(Path::new("-")) {
            return Ok(());
        }
        let report = miette::miette!(
            help = "write the file with `-o FILE`, or drop `--format json`",
            "`-o -` and `--format json` would both print on stdout"
        );
        Err(Failure::new(Outcome::BadInput, [report]))
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
fn emit(
    changes: &[Change<'_>],
    destination: &Destination<'_>,
    done: &Done<'_>,
) -> Result<usize, Failure> {
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
            write_output(root, output, done)?;
            return Ok(usize::from(root.changed()));
        }
        Destination::Diff => print_diff(&changed)?,
        Destination::Check { diff } => {
            if *diff {
                print_diff(&changed)?;
            }
            for change in &changed {
                report::line(&format!("would change {}", change.path.display()));
            }
        }
        Destination::InPlace => {
            let files: Vec<(&Path, &[u8])> =
                changed.iter().map(|c| (c.path, c.new.as_bytes())).collect();
            let options = WriteOptions {
                force: done.force,
                through: false,
            };
            write_files(&files, options, done.quiet)?;
        }
    }
    Ok(changed.len())
}

fn print_diff(changed: &[&Change<'_>]) -> Result<(), Failure> {
    let diff: String = changed
        .iter()
        .map(|c| {
            let name = c.path.display().to_string();
            unified_diff(&name, &name, c.old, c.new)
        })
        .collect();
    // A diff is for people: an index URL's credentials in it are redacted.
    print_stdout(&crate::redact::text(&diff))
}

/// `-o`: the root's new contents to stdout, to a device or FIFO as a plain write, or
/// to a file, its includes rewritten when that file is in another directory.
fn write_output(root: &Change<'_>, output: &Path, done: &Done<'_>) -> Result<(), Failure> {
    if output == Path::new("-") {
        return print_stdout(root.new);
    }
    let regular = match std::fs::metadata(output) {
        Ok(meta) => Kind::of(meta.file_type()) == Kind::Regular,
        Err(_) => true,
    };
    let text = if regular {
        let (text, warnings) = relocate::relocate(
            root.new,
            &parent_dir(root.path),
            &parent_dir(output),
            &output.display().to_string(),
        );
        for warning in warnings {
            if !done.quiet {
                report::report(&Report::new(warning));
            }
        }
        text
    } else {
        root.new.to_owned()
    };
    let options = WriteOptions {
        force: done.force,
        through: true,
    };
    write_files(&[(output, text.as_bytes())], options, done.quiet)
}

/// The directory holding `path`, as a path that exists relative to the current
/// directory (`.` for a bare name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes every file or none: stale temporary files of killed runs are removed
/// first, then every file is staged (checked, written beside its target, flushed),
/// and only then are they all put in place.
fn write_files(
    files: &[(&Path, &[u8])],
    options: WriteOptions,
    quiet: bool,
) -> Result<(), Failure> {
    let dirs: BTreeSet<PathBuf> = files
        .iter()
        .map(|(path, _)| atomic::target_dir(path))
        .collect();
    for dir in &dirs {
        let removed = temp::remove_stale(dir);
        if !quiet && !removed.is_empty() {
            let names: Vec<String> = removed
                .iter()
                .map(|path| format!("`{}`", path.display()))
                .collect();
            report::line(&format!(
                "note: removed {} that an interrupted run left: {}",
                report::counted(removed.len(), "temporary file", "temporary files"),
                names.join(", ")
            ));
        }
    }
    let mut staged = Vec::with_capacity(files.len());
    for (path, contents) in files {
        // On error, dropping `staged` removes every temporary file written so far.
        let one = atomic::stage(path, contents, options)
            .map_err(|err| write_failure(&err, &[], files.len()))?;
        staged.push(one);
    }
    atomic::commit(staged).map_err(|(err, written)| write_failure(&err, &written, files.len()))
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

/// The reports of a failed write of `total` files, `written` of which were written
/// before it failed.
fn write_failure(err: &WriteError, written: &[PathBuf], total: usize) -> Failure {
    let untouched = match (written.is_empty(), total) {
        (false, _) => "",
        (true, 1) => "; the file was left as it was",
        (true, _) => "; every file was left as it was",
    };
    let report = match err {
        WriteError::ReadOnly { path, mode } => miette::miette!(
            help = format!(
                "hashlock does not replace a file whose mode says it must not change: make \
                 it writable (`chmod u+w {}`), or pass `--force` to write it anyway",
                path.display()
            ),
            "`{}` is read-only (mode {mode:04o}){untouched}",
            path.display()
        ),
        WriteError::NotAFile { path, kind } => miette::miette!(
            help = "hashlock replaces regular files; `-o` also writes through to a character \
                    device or a FIFO",
            "cannot write `{}`: it is {kind}{untouched}",
            path.display()
        ),
        WriteError::Directory { dir, err } => miette::miette!(
            help = "hashlock writes the new contents next to the file and renames them over \
                    it, which needs write permission on the directory",
            "cannot create a file in the directory `{}`: {}{untouched}",
            dir.canonicalize().unwrap_or_else(|_| dir.clone()).display(),
            crate::workspace::io_reason(err)
        ),
        WriteError::Io { path, err } => miette::miette!(
            help = "check permissions and free space",
            "cannot write `{}`: {err}{untouched}",
            path.display()
        ),
    };
    let mut reports = vec![report];
    if !written.is_empty() {
        let names: Vec<String> = written
            .iter()
            .map(|path| format!("`{}`", path.display()))
            .collect();
        reports.push(miette::miette!(
            "these files were written before it failed: {}; the others were left as they were",
            names.join(", ")
        ));
    }
    Failure::new(Outcome::BadInput, reports)
}
