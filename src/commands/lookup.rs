//! Looking up every pin of a run: each distinct pin once, concurrently, with one
//! report per failure at the first line that asks for it.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures::StreamExt;
use miette::Report;

use crate::cli::IndexArgs;
use crate::exit::{self, Failure};
use crate::index::{ClientOptions, Index, IndexError, Pin, PypiJson, Release};
use crate::report::Progress;
use crate::requirements::{LineKind, Span};
use crate::tree::SourceFile;

use super::plural;

/// Pins of one file, by line index (into `RequirementsFile::lines`).
pub type FilePins = HashMap<usize, Pin>;

/// Looks up every distinct pin of `pins` (one map per file of `files`). Any failure
/// fails the run, with a report at the line of each failed pin.
pub async fn look_up_all(
    args: &IndexArgs,
    quiet: bool,
    files: &[SourceFile],
    pins: &[FilePins],
) -> Result<HashMap<Pin, Release>, Failure> {
    let unique = pins_in_order(pins);
    if unique.is_empty() {
        return Ok(HashMap::new());
    }
    let index = connect(args).await?;
    let results = fetch_all(&index, &unique, args, quiet).await;
    let mut releases = HashMap::new();
    let mut errors = Vec::new();
    for (pin, result) in results {
        match result {
            Ok(release) => {
                releases.insert(pin, release);
            }
            Err(err) => errors.push((pin, err)),
        }
    }
    if errors.is_empty() {
        Ok(releases)
    } else {
        Err(lookup_failure(files, pins, errors))
    }
}

/// The index client for a run.
pub async fn connect(args: &IndexArgs) -> Result<PypiJson, Failure> {
    let options = ClientOptions {
        index_url: args.base_url(),
        timeout: Duration::from_secs(args.timeout),
        retries: args.retries,
        ..ClientOptions::default()
    };
    PypiJson::connect(options)
        .await
        .map_err(|err| Failure::new(exit::INDEX_FAILURE, [index_report(&err)]))
}

/// Looks up `unique` pins with `args.concurrency` requests at once and a progress bar;
/// each pin keeps its own result.
pub async fn fetch_all(
    index: &impl Index,
    unique: &[&Pin],
    args: &IndexArgs,
    quiet: bool,
) -> Vec<(Pin, Result<Release, IndexError>)> {
    let progress = Progress::new(unique.len() as u64, quiet);
    let results = fetch(index, unique, usize::from(args.concurrency), &progress).await;
    progress.finish();
    results
}

/// Distinct pins in file and line order, so runs ask in a stable order.
fn pins_in_order(pins: &[FilePins]) -> Vec<&Pin> {
    unique_pins(pins.iter().flat_map(|file_pins| {
        let mut ordered: Vec<(&usize, &Pin)> = file_pins.iter().collect();
        ordered.sort_by_key(|(index, _)| **index);
        ordered.into_iter().map(|(_, pin)| pin)
    }))
}

/// The distinct pins of `pins`, each in the place it first appears.
pub fn unique_pins<'a>(pins: impl IntoIterator<Item = &'a Pin>) -> Vec<&'a Pin> {
    let mut seen = HashSet::new();
    pins.into_iter().filter(|pin| seen.insert(*pin)).collect()
}

async fn fetch(
    index: &impl Index,
    unique: &[&Pin],
    concurrency: usize,
    progress: &Progress,
) -> Vec<(Pin, Result<Release, IndexError>)> {
    let look_up = |pin: &Pin| {
        let pin = pin.clone();
        async move {
            let result = index.release(&pin).await;
            progress.inc(&pin.to_string());
            (pin, result)
        }
    };
    // The first lookup runs alone: it opens the one connection the rest multiplex over
    // (HTTP/2 is only known after the handshake, so a burst would open dozens), and on
    // a mirror without the per-version endpoint it makes the client switch before the
    // burst, instead of every request in flight finding out with its own 404.
    let Some((first, rest)) = unique.split_first() else {
        return Vec::new();
    };
    let mut results = vec![look_up(first).await];
    let burst: Vec<_> = futures::stream::iter(rest.iter().copied())
        .map(look_up)
        .buffer_unordered(concurrency)
        .collect()
        .await;
    results.extend(burst);
    results
}

/// One report per failed pin, at the first line that asks for it. Unknown packages
/// and versions are the input's fault (exit 2); anything else is the index's (exit 3).
fn lookup_failure(
    files: &[SourceFile],
    pins: &[FilePins],
    mut errors: Vec<(Pin, IndexError)>,
) -> Failure {
    errors.sort_by_key(|(pin, _)| pin.to_string());
    let code = if errors.iter().all(|(_, err)| is_input_error(err)) {
        exit::BAD_INPUT
    } else {
        exit::INDEX_FAILURE
    };
    let mut reports: Vec<Report> = errors
        .iter()
        .map(|(pin, err)| match first_line_of(files, pins, pin) {
            Some((file, span)) => Report::new(
                file.source
                    .error(span, err.to_string())
                    .label(failure_label(err))
                    .maybe_hint(index_hint(err)),
            ),
            None => index_report(err),
        })
        .collect();
    reports.push(miette::miette!(
        "{} lookup{} failed; no file was changed",
        errors.len(),
        plural(errors.len())
    ));
    Failure::new(code, reports)
}

fn first_line_of<'a>(
    files: &'a [SourceFile],
    pins: &[FilePins],
    wanted: &Pin,
) -> Option<(&'a SourceFile, Span)> {
    files.iter().zip(pins).find_map(|(file, file_pins)| {
        let index = file_pins
            .iter()
            .filter(|(_, pin)| *pin == wanted)
            .map(|(index, _)| *index)
            .min()?;
        let LineKind::Requirement(req) = &file.parsed.lines[index].kind else {
            return None;
        };
        Some((file, req.span.clone()))
    })
}

fn failure_label(err: &IndexError) -> &'static str {
    match err {
        IndexError::PackageNotFound { .. } => "unknown package",
        IndexError::VersionNotFound { .. } => "unknown version",
        _ => "lookup failed",
    }
}

/// Whether a lookup failed because the package or version does not exist (the
/// input's fault) rather than because the index or network failed.
pub fn is_input_error(err: &IndexError) -> bool {
    matches!(
        err,
        IndexError::PackageNotFound { .. } | IndexError::VersionNotFound { .. }
    )
}

/// What to do about a failed lookup.
pub fn index_hint(err: &IndexError) -> Option<String> {
    let hint = match err {
        IndexError::PackageNotFound { .. } => {
            "check the name's spelling, or pass `--index-url` for a private index".to_string()
        }
        IndexError::VersionNotFound { close, .. } if !close.is_empty() => {
            format!("versions that exist: {}", close.join(", "))
        }
        IndexError::VersionNotFound { .. } => "check the version".to_string(),
        IndexError::Timeout { .. } => "retry later, or raise `--timeout`".to_string(),
        _ => "retry later; nothing was written, so the run can simply be repeated".to_string(),
    };
    Some(hint)
}

/// A report for a failure that has no line to point at.
pub fn index_report(err: &IndexError) -> Report {
    match index_hint(err) {
        Some(hint) => miette::miette!(help = hint, "{err}"),
        None => miette::miette!("{err}"),
    }
}
