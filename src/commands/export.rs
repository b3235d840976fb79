//! `hashlock export --format pylock.toml`: read a locked requirements file, look up
//! every pin, and write PEP 751's lock file with the files whose hashes the
//! requirements file holds ([`pylock`] writes the document).

mod pylock;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use miette::Report;

use super::lookup::{Asked, look_up_all};
use super::warn;
use crate::cli::ExportArgs;
use crate::diagnostics::{Code, Located};
use crate::exit::{Failure, Outcome};
use crate::index::shown_text;
use crate::requirements::Target;
use crate::workspace::{Role, Workspace};

/// Runs `hashlock export`: 0 written, 1 a line that cannot be exported as it is.
pub(super) async fn run(args: ExportArgs) -> Result<Outcome, Failure> {
    let output = destination(&args)?;
    let workspace = Workspace::load_clean(std::slice::from_ref(&args.file))
        .map_err(|errors| Failure::new(Outcome::BadInput, errors))?;
    let records = workspace.records(Role::Requirements);
    let mut problems: Vec<Located> = Vec::new();
    let mut asked = Vec::new();
    for record in &records {
        let source = &workspace.files[record.file].source;
        let Some(pin) = record.pinning.pin() else {
            problems.push(
                source
                    .error(record.req.span.clone(), "not pinned to one version from an index: a pylock.toml lists the files of exact versions")
                    .code(Code::NotPinned)
                    .hint("pin it (`name==version`) and run `hashlock lock`, or install it apart"),
            );
            continue;
        };
        if record.req.hashes.iter().all(|h| h.sha256().is_none()) {
            problems.push(
                source
                    .error(
                        record.req.span.clone(),
                        "no sha256 `--hash`: nothing says which files were reviewed",
                    )
                    .code(Code::MissingHashes)
                    .hint("run `hashlock lock` first"),
            );
            continue;
        }
        asked.push(Asked {
            pin,
            source,
            span: &record.req.span,
        });
    }
    if !problems.is_empty() {
        return Err(stopped(problems));
    }
    let looked = look_up_all(&args.index, &workspace, args.quiet, &asked).await?;
    let mut packages = Vec::new();
    for record in &records {
        let (Some(pin), source) = (record.pinning.pin(), &workspace.files[record.file].source)
        else {
            continue;
        };
        let Some(release) = looked.releases.get(pin) else {
            continue;
        };
        let mut files = Vec::new();
        for hash in &record.req.hashes {
            let Some(digest) = hash.sha256() else {
                continue;
            };
            match release.files.iter().find(|f| f.sha256 == Some(digest)) {
                Some(file) => files.push(file),
                None => problems.push(
                    source
                        .error(
                            hash.digest_span.clone(),
                            format!("`{digest}` is not published for {} {}", pin.name, release.version),
                        )
                        .code(Code::UnknownHash)
                        .hint("run `hashlock verify` to see where it comes from, and fix the line before exporting"),
                ),
            }
        }
        let marker = match &record.req.target {
            Target::Pep508(req) => req.marker.try_to_string(),
            Target::Unnamed { .. } => None,
        };
        packages.push(pylock::Package {
            name: pin.name.to_string(),
            version: release.version.clone(),
            marker,
            files,
        });
    }
    if !problems.is_empty() {
        return Err(stopped(problems));
    }
    // One package per line; a package required on two lines with the same marker is
    // written once.
    let mut seen = std::collections::HashSet::new();
    packages.retain(|p| seen.insert((p.name.clone(), p.version.clone(), p.marker.clone())));
    let (text, left) = pylock::document(&args.file.display().to_string(), &packages);
    for left in &left {
        warn(
            args.quiet,
            miette::miette!(
                severity = miette::Severity::Warning,
                "`{}` of {} is not in the pylock.toml: {}",
                shown_text(&left.filename),
                left.package,
                left.why
            ),
        );
    }
    write(&output, &text)?;
    if !args.quiet && output != Path::new("-") {
        let files: usize = packages.iter().map(|p| p.files.len()).sum::<usize>() - left.len();
        crate::report::line(&format!(
            "Exported {} with {} to {}",
            crate::report::counted(packages.len(), "package", "packages"),
            crate::report::counted(files, "file", "files"),
            output.display()
        ));
    }
    Ok(Outcome::Ok)
}

/// Where to write: `-o`, else `pylock.toml` beside the requirements file; a name
/// pip does not read as a lock file is refused.
fn destination(args: &ExportArgs) -> Result<PathBuf, Failure> {
    let output = match &args.output {
        Some(path) => path.clone(),
        None => args
            .file
            .parent()
            .unwrap_or(Path::new(""))
            .join("pylock.toml"),
    };
    if output == Path::new("-") {
        return Ok(output);
    }
    let name = output.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if pylock::is_pylock_name(name) {
        return Ok(output);
    }
    Err(Failure::new(
        Outcome::BadInput,
        [miette::miette!(
            help =
                "name it `pylock.toml` or `pylock.<name>.toml` (no dot in <name>), as PEP 751 asks",
            "pip reads a lock file only by its name, and `{}` is not one",
            output.display()
        )],
    ))
}

/// Writes the document whole or not at all: a temp file beside it, renamed over it.
fn write(output: &Path, text: &str) -> Result<(), Failure> {
    if output == Path::new("-") {
        return crate::output::print_stdout(text);
    }
    let failed = |error: std::io::Error| {
        Failure::new(
            Outcome::BadInput,
            [miette::miette!(
                "cannot write {}: {error}",
                output.display()
            )],
        )
    };
    let dir = match output.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
    temp.write_all(text.as_bytes()).map_err(failed)?;
    // A temp file is private (0600): the lock file keeps the mode of the one it
    // replaces, else gets a committed file's usual 0644.
    let permissions = match std::fs::metadata(output) {
        Ok(existing) => existing.permissions(),
        Err(_) => shared_permissions(temp.as_file()).map_err(failed)?,
    };
    temp.as_file()
        .set_permissions(permissions)
        .map_err(failed)?;
    temp.persist(output).map_err(|error| failed(error.error))?;
    Ok(())
}

#[cfg(unix)]
fn shared_permissions(_file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt as _;
    Ok(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn shared_permissions(file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    Ok(file.metadata()?.permissions())
}

/// Lines that cannot be exported: nothing is written.
fn stopped(problems: Vec<Located>) -> Failure {
    let count = problems.len();
    let mut reports: Vec<Report> = problems.into_iter().map(Report::new).collect();
    reports.push(miette::miette!(
        "{count} line{} cannot be exported; nothing was written",
        super::plural(count)
    ));
    Failure::new(Outcome::CheckFailed, reports)
}
