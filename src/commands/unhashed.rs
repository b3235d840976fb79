//! Files an index lists without a sha256 (pypiserver `--hash-algo off`, md5-only
//! proxies, find-links pages without fragments), and which files a run downloads.
//!
//! Standard mode downloads and hashes them, and says so (a warning per release); in
//! strict mode (`--strict`, `HASHLOCK_STRICT=1`) a release with such a file fails the
//! run, naming each file, before anything is written. An md5 is never written: pip
//! accepts only sha256, sha384 and sha512 in hash-checking mode.

use miette::Report;

use super::connect::connect;
use super::download::{Downloaded, Mismatch, Wanted, download_all, mismatches};
use super::lookup::{Asked, Looked};
use crate::cli::{DownloadArgs, IndexArgs};
use crate::diagnostics::{Code, Located, Severity};
use crate::digest::Algorithm;
use crate::exit::{Failure, Outcome};
use crate::index::Releases;
use crate::index::{Release, shown_text};
use crate::workspace::Workspace;

/// How many file names a message lists.
const SHOWN: usize = 5;

/// The files of the looked-up releases to download: every file with `all`
/// (`--download`), else those without a published sha256. Each release's files are
/// pointed at the first line that asks for its pin.
pub(super) fn wanted(releases: &Releases, asked: &[Asked<'_>], all: bool) -> Vec<Wanted> {
    let mut wanted = Vec::new();
    for at in first_asks(asked) {
        let Some(release) = releases.get(at.pin) else {
            continue;
        };
        for file in &release.files {
            if all || file.sha256.is_none() {
                wanted.push(Wanted {
                    url: file.url.clone(),
                    filename: file.filename.clone(),
                    published: file.sha256,
                    size: file.size,
                    purpose: at.pin.to_string(),
                    at: Some((at.source.clone(), at.span.clone())),
                });
            }
        }
    }
    wanted
}

/// `--strict`: one error per release that has files without a published sha256,
/// at the first line that asks for it, naming the files; exit 3 (the index does not
/// publish what a lock needs), nothing written.
pub(super) fn refuse(releases: &Releases, asked: &[Asked<'_>]) -> Result<(), Failure> {
    let mut reports = Vec::new();
    for at in first_asks(asked) {
        let Some(release) = releases.get(at.pin) else {
            continue;
        };
        let names: Vec<&str> = release
            .files
            .iter()
            .filter(|file| file.sha256.is_none())
            .map(|file| file.filename.as_str())
            .collect();
        if names.is_empty() {
            continue;
        }
        let message = format!(
            "the index publishes no sha256 for {} of `{}`{}: {}",
            crate::report::counted(names.len(), "file", "files"),
            at.pin,
            other_algorithm(release),
            listed(&names)
        );
        let hint = "`--strict` (or HASHLOCK_STRICT) refuses files the index gives no sha256 for; without it hashlock downloads and hashes them, or use an index that publishes sha256 (PyPI does)";
        reports.push(Report::new(
            at.source
                .error(at.span.clone(), message)
                .code(Code::NoIndexHash)
                .package(at.pin.name.to_string())
                .label("no sha256 published")
                .hint(hint),
        ));
    }
    if reports.is_empty() {
        return Ok(());
    }
    reports.push(miette::miette!("nothing was written"));
    Err(Failure::new(Outcome::IndexFailure, reports))
}

/// Gives every file without a published sha256 the one its download hashed to.
/// Returns how many files got one, and a `no-index-hash` finding per release that
/// had such files, at the first line that asks for it: a warning, or an error when
/// `strict`.
pub(super) fn fill(
    releases: &mut Releases,
    downloaded: &Downloaded,
    asked: &[Asked<'_>],
    strict: bool,
) -> (usize, Vec<Located>) {
    let mut filled = 0;
    let mut findings = Vec::new();
    for at in first_asks(asked) {
        let Some(release) = releases.get_mut(at.pin) else {
            continue;
        };
        // Copied only here, when a download fills a hash the index did not give.
        let release = std::sync::Arc::make_mut(release);
        let other = other_algorithm(release);
        let mut names = Vec::new();
        for file in release
            .files
            .iter_mut()
            .filter(|file| file.sha256.is_none())
        {
            if let Some(sha256) = downloaded.sha256(&file.url) {
                file.sha256 = Some(sha256);
                names.push(file.filename.clone());
            }
        }
        filled += names.len();
        if names.is_empty() {
            continue;
        }
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let message = format!(
            "the index publishes no sha256 for {} of `{}`{}; hashlock downloaded and hashed {}: {}",
            crate::report::counted(names.len(), "file", "files"),
            at.pin,
            other,
            if names.len() == 1 { "it" } else { "them" },
            listed(&names)
        );
        let hint = "those hashes say what was downloaded now, not what the project published: prefer an index that publishes sha256 (PyPI does); `--strict` refuses such files";
        let severity = if strict {
            Severity::Error
        } else {
            Severity::Warning
        };
        findings.push(
            at.source
                .at(severity, at.span.clone(), message)
                .code(Code::NoIndexHash)
                .package(at.pin.name.to_string())
                .label("hashed from a download")
                .hint(hint),
        );
    }
    (filled, findings)
}

/// The first line that asks for each pin: where its release's findings point.
fn first_asks<'a, 'b>(asked: &'a [Asked<'b>]) -> impl Iterator<Item = &'a Asked<'b>> {
    let mut seen = std::collections::HashSet::new();
    asked.iter().filter(move |at| seen.insert(at.pin))
}

/// ` (only md5, which pip does not accept in hash-checking mode)`, when the index
/// publishes another algorithm for a file of `release`.
fn other_algorithm(release: &Release) -> String {
    release
        .files
        .iter()
        .filter(|file| file.sha256.is_none())
        .find_map(|file| file.other_hash.as_deref())
        .map(|algorithm| {
            format!(" (only {algorithm}, which pip does not accept in hash-checking mode)")
        })
        .unwrap_or_default()
}

/// The first [`SHOWN`] names, quoted, and how many more.
fn listed(names: &[&str]) -> String {
    let mut shown: Vec<String> = names
        .iter()
        .take(SHOWN)
        .map(|name| format!("`{}`", shown_text(name)))
        .collect();
    if names.len() > SHOWN {
        shown.push(format!("and {} more", names.len() - SHOWN));
    }
    shown.join(", ")
}

/// The algorithm a command that writes hashes writes: `--algorithm`, else sha256.
/// Another than sha256 needs `--download` (the index publishes only sha256): a
/// usage error otherwise, before anything is asked of the index.
pub(super) fn algorithm(options: &DownloadArgs, command: &str) -> Result<Algorithm, Failure> {
    let algorithm = options.algorithm.unwrap_or(Algorithm::Sha256);
    if algorithm == Algorithm::Sha256 || options.download {
        return Ok(algorithm);
    }
    let fill = if command == "migrate" { " --fill" } else { "" };
    Err(Failure::new(
        Outcome::BadInput,
        [miette::miette!(
            help = format!(
                "`hashlock {command}{fill} --download --algorithm {algorithm}` downloads every file, checks its sha256 against the index and writes its {algorithm}"
            ),
            "`--algorithm {algorithm}` needs `--download`: the index publishes only sha256 digests, so a file's {algorithm} is known only by downloading it"
        )],
    ))
}

/// What a command that writes hashes downloads with.
pub(super) struct Fetch<'a> {
    pub index: &'a IndexArgs,
    pub options: &'a DownloadArgs,
    pub workspace: &'a Workspace,
    pub quiet: bool,
}

/// Downloads what a run that writes hashes must hash or check: with `--download`
/// every file of every looked-up release, else the files the index publishes no
/// sha256 for (`--strict` refuses them instead); and `extra` (direct URL files).
/// Any digest that is not the published one, or that `check` finds wrong, stops the
/// run (exit 1, nothing written); the files without a published sha256 then get the
/// one they hashed to, with a warning per release.
pub(super) async fn download_and_fill(
    fetch: &Fetch<'_>,
    looked: &mut Looked,
    asked: &[Asked<'_>],
    extra: Vec<Wanted>,
    check: impl FnOnce(&Downloaded) -> Vec<Report>,
) -> Result<Downloaded, Failure> {
    let options = fetch.options;
    if options.strict {
        refuse(&looked.releases, asked)?;
    }
    let mut wanted = wanted(&looked.releases, asked, options.download);
    wanted.extend(extra);
    if wanted.is_empty() {
        return Ok(Downloaded::default());
    }
    if looked.index.is_none() {
        looked.index = Some(connect(fetch.index, fetch.workspace, true, &[]).await?);
    }
    let Some(index) = &looked.index else {
        return Ok(Downloaded::default());
    };
    let concurrency = usize::from(options.download_concurrency);
    let also: Vec<Algorithm> = options.algorithm.into_iter().collect();
    let downloaded = download_all(index, &wanted, &also, concurrency, fetch.quiet, true).await?;
    let mut reports: Vec<Report> = mismatches(&wanted, &downloaded)
        .iter()
        .map(Mismatch::report)
        .collect();
    reports.extend(check(&downloaded));
    if !reports.is_empty() {
        reports.push(miette::miette!("nothing was written"));
        return Err(Failure::new(Outcome::CheckFailed, reports));
    }
    let (filled, notes) = fill(&mut looked.releases, &downloaded, asked, false);
    if !fetch.quiet {
        for note in notes {
            crate::report::report(&Report::new(note));
        }
        let unpublished = if filled > 0 {
            format!("; {filled} had no published sha256")
        } else {
            String::new()
        };
        crate::report::line(&format!(
            "{}{unpublished}",
            downloaded.summary("downloaded and hashed")
        ));
    }
    Ok(downloaded)
}
