//! Looking up the pins of a run: each distinct pin once, concurrently, with a
//! progress bar, one report per failure at the first line that asks for it, and a
//! warning for each release whose index listed files that are not the pin's.

use std::collections::HashSet;
use std::sync::Arc;

use futures::StreamExt;
use miette::Report;

use crate::cli::IndexArgs;
use crate::diagnostics::Source;
use crate::exit::{Failure, Outcome};
use crate::index::Releases;
use pep508_rs::PackageName;

use crate::index::{Found, IndexError, Indexes, Release, shown_text};
use crate::lock::Projects;
use crate::pin::{MAX_LOOKUP_BYTES, Pin};
use crate::report::Progress;
use crate::requirements::Span;

use super::connect::connect;
use super::{plural, warn};
use crate::workspace::Workspace;

/// A pin and the place that first asks for it, for reports.
#[derive(Debug, Clone, Copy)]
pub(super) struct Asked<'a> {
    pub pin: &'a Pin,
    pub source: &'a Source,
    pub span: &'a Span,
}

/// What the lookups of a run found, and the indexes that answered (none when there
/// was nothing to ask), for the questions that follow.
#[derive(Default)]
pub(super) struct Looked {
    pub index: Option<Indexes>,
    pub releases: Releases,
}

impl Looked {
    /// Every release of each named project, to tell which version a hash belongs
    /// to. A project the index does not know is left out; any other failure fails
    /// the run.
    pub(super) async fn trace(&self, names: Vec<PackageName>) -> Result<Projects, Failure> {
        let Some(index) = &self.index else {
            return Ok(Projects::new());
        };
        trace(index, names)
            .await
            .map_err(|err| Failure::new(Outcome::IndexFailure, [index_report(&err, true)]))
    }
}

/// Every release of each project of `names` (asked one at a time: these are the
/// rare lines with unpublished hashes). A project the index does not know is left
/// out.
pub(super) async fn trace(
    index: &Indexes,
    names: Vec<PackageName>,
) -> Result<Projects, IndexError> {
    let mut projects = Projects::new();
    for name in names {
        if projects.contains_key(&name) {
            continue;
        }
        match index.project(&name).await {
            Ok(releases) => {
                projects.insert(name, releases);
            }
            Err(IndexError::PackageNotFound { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(projects)
}

/// Looks up every distinct pin of `asked`. Any failure fails the run, with a report
/// at the first line that asks for each failed pin.
pub(super) async fn look_up_all(
    args: &IndexArgs,
    workspace: &Workspace,
    quiet: bool,
    asked: &[Asked<'_>],
) -> Result<Looked, Failure> {
    look_up_rest(args, workspace, quiet, asked, Looked::default()).await
}

/// [`look_up_all`] for the pins `known` does not hold yet (`lock` knows the
/// releases of the versions it chose), on its index if it has one.
pub(super) async fn look_up_rest(
    args: &IndexArgs,
    workspace: &Workspace,
    quiet: bool,
    asked: &[Asked<'_>],
    known: Looked,
) -> Result<Looked, Failure> {
    let Looked {
        index,
        releases: mut known,
    } = known;
    let unique: Vec<&Pin> = unique_pins(asked.iter().map(|a| a.pin))
        .into_iter()
        .filter(|pin| !known.contains_key(*pin))
        .collect();
    known.retain(|pin, _| asked.iter().any(|a| a.pin == pin));
    if unique.is_empty() {
        return Ok(Looked {
            index,
            releases: known,
        });
    }
    refuse_overlong(asked)?;
    let index = match index {
        Some(index) => index,
        None => connect(args, workspace, true, &unique).await?,
    };
    let results = fetch_all(&index, &unique, args, quiet).await;
    // The answers go to the cache while the run plans and writes its files.
    crate::cache::write_stored();
    let mut releases = known;
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
        Ok(Looked {
            index: Some(index),
            releases,
        })
    } else {
        Err(lookup_failure(asked, errors))
    }
}

/// Refuses, before any request, pins whose name or version no index can have (see
/// [`Pin::overlong`]): bad input, reported in one short line each, never quoting
/// the text (a name can be a megabyte long).
pub(super) fn refuse_overlong(asked: &[Asked<'_>]) -> Result<(), Failure> {
    let reports: Vec<Report> = asked
        .iter()
        .filter_map(|at| {
            let problem = at.pin.overlong()?;
            let (line, column) = at.source.line_col(at.span.start);
            let name = &at.source.name;
            Some(miette::miette!(
                "{name}:{line}:{column}: {problem}; hashlock looks up at most {MAX_LOOKUP_BYTES} bytes"
            ))
        })
        .collect();
    if reports.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(Outcome::BadInput, reports))
    }
}

/// Looks up `unique` pins with `args.concurrency` requests at once and a progress bar;
/// each pin keeps its own result.
pub(super) async fn fetch_all(
    index: &Indexes,
    unique: &[&Pin],
    args: &IndexArgs,
    quiet: bool,
) -> Vec<(Pin, Result<Arc<Release>, IndexError>)> {
    let progress = Progress::new(unique.len() as u64, quiet);
    let results = fetch(index, unique, usize::from(args.concurrency), &progress).await;
    progress.finish();
    let mut warned = HashSet::new();
    let mut releases = Vec::with_capacity(results.len());
    for (pin, result) in results {
        if let Ok(found) = &result {
            if !found.release.ignored.is_empty() {
                warn(
                    quiet,
                    ignored_warning(&found.from.join(", "), &pin, &found.release),
                );
            }
            if found.project_on.len() > 1 && warned.insert(pin.name.clone()) {
                warn(quiet, confusion_warning(&pin, found));
            }
            if args.verbose {
                crate::report::line(&format!(
                    "{pin}: {} from {}",
                    crate::report::counted(found.release.files.len(), "file", "files"),
                    found.from.join(", ")
                ));
            }
        }
        releases.push((pin, result.map(|found| found.release)));
    }
    releases
}

/// The warning for a project several indexes have: pip takes files from all of
/// them, so a public project named like a private one gets installed.
fn confusion_warning(pin: &Pin, found: &Found) -> Report {
    let indexes: Vec<String> = found.project_on.iter().map(|i| format!("`{i}`")).collect();
    miette::miette!(
        severity = miette::Severity::Warning,
        help = "pip takes a project's files from every index that has it, which is how                 dependency confusion works: make sure each of these indexes should serve                 it, or pass `--index-strategy first-index` to take its files from the                 first one only",
        "`{}` is on {} indexes: {}; the hashes of the files of each that has {} were written",
        pin.name,
        found.project_on.len(),
        indexes.join(", "),
        pin
    )
}

/// How many ignored file names a warning shows.
const IGNORED_SHOWN: usize = 5;

/// The warning about the files an index listed for `pin` that are not its own.
fn ignored_warning(index: &str, pin: &Pin, release: &Release) -> Report {
    let count = release.ignored.len();
    let mut names: Vec<String> = release
        .ignored
        .iter()
        .take(IGNORED_SHOWN)
        .map(|file| format!("`{}`", shown_text(&file.filename)))
        .collect();
    if count > IGNORED_SHOWN {
        names.push(format!("and {} more", count - IGNORED_SHOWN));
    }
    miette::miette!(
        severity = miette::Severity::Warning,
        help = "a file is hashed only if its name states the project and version it is \
                listed under, and an index's file only if its URL is http(s); these are \
                another project's, another version's, no installable distribution, or \
                a local path",
        "{index} lists {count} file{} under `{pin}` that {} no file of it; not hashed: {}",
        plural(count),
        if count == 1 { "is" } else { "are" },
        names.join(", ")
    )
}

/// The distinct pins of `pins`, each in the place it first appears, so runs ask in a
/// stable order.
pub(super) fn unique_pins<'a>(pins: impl IntoIterator<Item = &'a Pin>) -> Vec<&'a Pin> {
    let mut seen = HashSet::new();
    pins.into_iter().filter(|pin| seen.insert(*pin)).collect()
}

async fn fetch(
    index: &Indexes,
    unique: &[&Pin],
    concurrency: usize,
    progress: &Progress,
) -> Vec<(Pin, Result<Found, IndexError>)> {
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
fn lookup_failure(asked: &[Asked<'_>], mut errors: Vec<(Pin, IndexError)>) -> Failure {
    errors.sort_by_key(|(pin, _)| pin.to_string());
    let outcome = if errors.iter().all(|(_, err)| err.is_not_found()) {
        Outcome::BadInput
    } else {
        Outcome::IndexFailure
    };
    let mut reports: Vec<Report> = errors
        .iter()
        .map(|(pin, err)| match asked.iter().find(|a| a.pin == pin) {
            Some(at) => Report::new(
                at.source
                    .error(at.span.clone(), err.to_string())
                    .label(failure_label(err))
                    .maybe_hint(err.hint(true)),
            ),
            None => index_report(err, true),
        })
        .collect();
    reports.push(miette::miette!(
        "{} lookup{} failed; no file was changed",
        errors.len(),
        plural(errors.len())
    ));
    Failure::new(outcome, reports)
}

fn failure_label(err: &IndexError) -> &'static str {
    match err {
        IndexError::PackageNotFound { .. } => "unknown package",
        IndexError::VersionNotFound { .. } => "unknown version",
        _ => "lookup failed",
    }
}

/// A report for a failure that has no line to point at.
pub(super) fn index_report(err: &IndexError, writes: bool) -> Report {
    match err.hint(writes) {
        Some(hint) => miette::miette!(help = hint, "{err}"),
        None => miette::miette!("{err}"),
    }
}
