//! The checks that ask the index: is every hash one the index publishes for exactly
//! that version, is the version yanked, does the line cover every file of it, and
//! (with `--download`) does every hashed file still hash to what is published.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::StreamExt;

use super::{Code, Finding, Severity};
use crate::diagnostics::Source;
use crate::hashing;
use crate::index::{Index, IndexError, Pin, PypiJson, Release};
use crate::requirements::{HashAlgorithm, Requirement};

/// How strict the online checks are.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Missing hashes of published files are errors, not warnings.
    pub strict: bool,
    /// A yanked version is an error, not a warning.
    pub deny_yanked: bool,
    /// Download every hashed file and hash it again.
    pub download: bool,
    /// Downloads at once.
    pub concurrency: usize,
}

/// A hashed, pinned requirement to check against its release.
pub struct Target<'a> {
    pub source: &'a Source,
    pub req: &'a Requirement,
    pub pin: Pin,
}

/// Checks every target against its looked-up release. A failed lookup of an unknown
/// package or version is a finding; any other failure (network, index) is returned.
pub async fn check(
    index: &PypiJson,
    targets: &[Target<'_>],
    releases: &HashMap<Pin, Result<Release, IndexError>>,
    options: Options,
) -> Result<Vec<Finding>, IndexError> {
    let mut findings = Vec::new();
    let mut downloads = Vec::new();
    for target in targets {
        let release = match &releases[&target.pin] {
            Ok(release) => release,
            Err(IndexError::PackageNotFound { .. } | IndexError::VersionNotFound { .. }) => {
                findings.push(unknown_version(target, &releases[&target.pin]));
                continue;
            }
            Err(err) => return Err(err.clone()),
        };
        let written = sha256_hashes(target.req);
        let published: BTreeMap<String, &str> = release
            .files
            .iter()
            .filter_map(|f| Some((f.sha256.clone()?, f.filename.as_str())))
            .collect();
        let unknown: Vec<_> = written
            .iter()
            .filter(|(d, _)| !published.contains_key(*d))
            .collect();
        for (digest, span) in &unknown {
            findings.push(unknown_hash(index, target, release, digest, (*span).clone()).await?);
        }
        findings.extend(yanked(target, release, options.deny_yanked));
        // A line with a wrong hash is rewritten whole by `lock`; listing the files it
        // also misses would only bury the error.
        if unknown.is_empty() {
            findings.extend(incomplete(target, release, &written, options.strict));
        }
        if options.download {
            downloads.extend(
                release
                    .files
                    .iter()
                    .filter(|f| f.sha256.as_ref().is_some_and(|d| written.contains_key(d)))
                    .map(|f| {
                        (
                            target,
                            f.filename.clone(),
                            f.url.clone(),
                            f.sha256.clone().unwrap_or_default(),
                        )
                    }),
            );
        }
    }
    findings.extend(download_all(index, downloads, options.concurrency.max(1)).await?);
    Ok(findings)
}

/// The line's sha256 digests (lowercase) with the span of each.
fn sha256_hashes(req: &Requirement) -> BTreeMap<String, crate::requirements::Span> {
    req.hashes
        .iter()
        .filter(|h| h.algorithm == HashAlgorithm::Sha256)
        .map(|h| (h.digest.to_ascii_lowercase(), h.digest_span.clone()))
        .collect()
}

fn finding(target: &Target<'_>, severity: Severity, code: Code, message: String) -> Finding {
    let make = match severity {
        Severity::Error => Finding::error,
        Severity::Warning => Finding::warning,
    };
    make(target.source, target.req.span.clone(), code, message).package(target.pin.name.to_string())
}

fn unknown_version(target: &Target<'_>, result: &Result<Release, IndexError>) -> Finding {
    let (message, hint) = match result {
        Err(IndexError::VersionNotFound { close, .. }) if !close.is_empty() => (
            format!("`{}` does not exist on the index", target.pin),
            format!("versions that exist: {}", close.join(", ")),
        ),
        _ => (
            format!("`{}` does not exist on the index", target.pin),
            "check the name and version".to_string(),
        ),
    };
    finding(target, Severity::Error, Code::UnknownVersion, message).hint(hint)
}

/// A hash the version does not publish; says which version it belongs to, if any.
async fn unknown_hash(
    index: &PypiJson,
    target: &Target<'_>,
    release: &Release,
    digest: &str,
    span: crate::requirements::Span,
) -> Result<Finding, IndexError> {
    let owner = match index.project(&target.pin.name).await {
        Ok(releases) => releases.into_iter().find_map(|other| {
            let file = other
                .files
                .iter()
                .find(|f| f.sha256.as_deref() == Some(digest))?;
            Some((other.version.clone(), file.filename.clone()))
        }),
        Err(IndexError::PackageNotFound { .. }) => None,
        Err(err) => return Err(err),
    };
    let name = &target.pin.name;
    let mut message = format!("`{digest}` is not published for {name} {}", release.version);
    let hint = match &owner {
        Some((version, filename)) => {
            message.push_str(&format!(": it is the hash of `{filename}` from {name} {version}"));
            format!("the pin was changed without its hashes: run `hashlock lock` to write the hashes of {name} {}", release.version)
        }
        None => "no file of any version has this hash: it was mistyped, tampered with, or its file was deleted; check where it came from, then `hashlock lock --force` replaces it".to_string(),
    };
    Ok(
        Finding::error(target.source, span, Code::UnknownHash, message)
            .package(name.to_string())
            .hint(hint),
    )
}

fn yanked(target: &Target<'_>, release: &Release, deny: bool) -> Option<Finding> {
    let message = release.yanked_message(&target.pin)?;
    let severity = if deny {
        Severity::Error
    } else {
        Severity::Warning
    };
    Some(
        finding(target, severity, Code::Yanked, message)
            .hint("move to a version that is not yanked"),
    )
}

/// Published files the line has no hash for: pip may pick one of them elsewhere.
fn incomplete(
    target: &Target<'_>,
    release: &Release,
    written: &BTreeMap<String, crate::requirements::Span>,
    strict: bool,
) -> Option<Finding> {
    let missing: BTreeSet<&str> = release
        .files
        .iter()
        .filter(|f| f.sha256.as_ref().is_some_and(|d| !written.contains_key(d)))
        .map(|f| f.filename.as_str())
        .collect();
    if missing.is_empty() || written.is_empty() {
        return None;
    }
    let shown: Vec<&str> = missing.iter().take(3).copied().collect();
    let more = missing.len().saturating_sub(shown.len());
    let mut list = shown.join(", ");
    if more > 0 {
        list.push_str(&format!(" and {more} more"));
    }
    let message = format!(
        "{} of {} files of {} {} have no hash here: {list}",
        missing.len(),
        release.files.len(),
        target.pin.name,
        release.version
    );
    let severity = if strict {
        Severity::Error
    } else {
        Severity::Warning
    };
    let hint = "pip fails on a platform that picks one of them: run `hashlock lock` to add them";
    Some(finding(target, severity, Code::IncompleteHashes, message).hint(hint))
}

/// Downloads every hashed file and hashes it again as it streams.
async fn download_all(
    index: &PypiJson,
    downloads: Vec<(&Target<'_>, String, String, String)>,
    concurrency: usize,
) -> Result<Vec<Finding>, IndexError> {
    let results: Vec<_> = futures::stream::iter(downloads)
        .map(|(target, filename, url, expected)| async move {
            let got = hashing::sha256_of_url(index.http(), &url).await;
            (target, filename, expected, got)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut findings = Vec::new();
    for (target, filename, expected, got) in results {
        let got = got?;
        if got != expected {
            let message = format!("`{filename}` hashes to {got}, not the published {expected}");
            let hint = "the file on the index changed after it was published: do not install it; tell the index's maintainers";
            findings
                .push(finding(target, Severity::Error, Code::DigestMismatch, message).hint(hint));
        }
    }
    Ok(findings)
}
