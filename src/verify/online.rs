//! The checks that judge what the index said: is every hash one the index publishes
//! for exactly that version, is the version yanked, does the line cover every file of
//! it, and (with `--download`) does every hashed file still hash to what is
//! published. The index publishes only sha256: a line's sha384 and sha512 hashes are
//! checked against the digests of the downloaded files (each must be one file's),
//! and without `--download` they are reported as not checked. The command asks the
//! index; everything here is pure.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pep508_rs::PackageName;
use reqwest::Url;

use crate::diagnostics::{Code, Located, Severity, Source};
use crate::digest::{Algorithm, Digest, FileDigests, Sha256};
use crate::index::{IndexError, Release};
use crate::pin::Pin;
use crate::requirements::{Requirement, Span};

/// How strict the online checks are.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options<'a> {
    /// Missing hashes of published files are errors, not warnings.
    pub strict: bool,
    /// A yanked version is an error, not a warning.
    pub deny_yanked: bool,
    /// With targets: the digests of the files they take, per pin; only those are
    /// missed by a line (`None`: every file of the version).
    pub kept: Option<&'a HashMap<Pin, BTreeSet<Sha256>>>,
    /// The releases are the cache's answers (`--offline`): no other version was
    /// looked up, and a file uploaded since the answer cannot be ruled out.
    pub cached: bool,
}

/// A hashed, pinned requirement to check against its release.
#[derive(Clone)]
pub(crate) struct Target<'a> {
    pub source: &'a Source,
    pub req: &'a Requirement,
    pub pin: &'a Pin,
    /// The digests of the peep lines above it, with their spans: checked like its
    /// `--hash` options.
    pub peep: Vec<(Sha256, Span)>,
}

/// What the index said about each pin.
pub(crate) type Releases = HashMap<Pin, Result<std::sync::Arc<Release>, IndexError>>;

/// A file to download and hash again: its URL and the digest it must have.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Download {
    pub url: Url,
    pub filename: String,
    pub expected: Sha256,
}

/// The line's sha256 digests (its `--hash` options, then its peep lines) with the
/// span of each.
pub(crate) fn written(target: &Target<'_>) -> BTreeMap<Sha256, Span> {
    let mut written: BTreeMap<Sha256, Span> = target.peep.iter().cloned().collect();
    // A digest both in a `--hash` and a peep line is pointed at in the `--hash`.
    written.extend(
        target
            .req
            .hashes
            .iter()
            .filter_map(|h| Some((h.sha256()?, h.digest_span.clone()))),
    );
    written
}

/// The line's hashes the index cannot vouch for: sha384, sha512.
fn others<'a>(target: &Target<'a>) -> Vec<&'a crate::requirements::Hash> {
    target
        .req
        .hashes
        .iter()
        .filter(|h| h.algorithm() != Algorithm::Sha256)
        .collect()
}

/// The algorithms other than sha256 that the targets' lines use: what `--download`
/// hashes the files with besides sha256.
pub(crate) fn other_algorithms(targets: &[Target<'_>]) -> Vec<Algorithm> {
    let mut algorithms: Vec<Algorithm> = targets
        .iter()
        .flat_map(others)
        .map(|h| h.algorithm())
        .collect();
    algorithms.sort();
    algorithms.dedup();
    algorithms
}

/// The found release of a target, if the lookup succeeded.
fn found<'a>(target: &Target<'_>, releases: &'a Releases) -> Option<&'a Release> {
    releases.get(target.pin)?.as_deref().ok()
}

/// The projects whose every release must be read to tell where an unpublished hash
/// comes from.
pub(crate) fn projects_to_trace(targets: &[Target<'_>], releases: &Releases) -> Vec<PackageName> {
    let mut names = Vec::new();
    for target in targets {
        let Some(release) = found(target, releases) else {
            continue;
        };
        let published = release.sha256s();
        let unknown = written(target).keys().any(|d| !published.contains(d));
        if unknown && !names.contains(&target.pin.name) {
            names.push(target.pin.name.clone());
        }
    }
    names
}

/// Every file whose hash is written on a line, to download and hash again; every
/// file of the version when the line has hashes of another algorithm than sha256.
pub(crate) fn downloads(targets: &[Target<'_>], releases: &Releases) -> Vec<Download> {
    let mut downloads = BTreeSet::new();
    for target in targets {
        let Some(release) = found(target, releases) else {
            continue;
        };
        let written = written(target);
        let all = !others(target).is_empty();
        for file in &release.files {
            if let Some(expected) = file.sha256.filter(|d| all || written.contains_key(d)) {
                downloads.insert(Download {
                    url: file.url.clone(),
                    filename: file.filename.clone(),
                    expected,
                });
            }
        }
    }
    downloads.into_iter().collect()
}

/// Checks every target against its release. `projects` holds every release of the
/// projects of [`projects_to_trace`] (absent: the index does not know the project),
/// `downloaded` the digests each [`Download`] had. A failed lookup of an unknown
/// package or version is a finding; any other failure (network, index) is returned.
pub(crate) fn check(
    targets: &[Target<'_>],
    releases: &Releases,
    projects: &HashMap<PackageName, Vec<Release>>,
    downloaded: &HashMap<Url, FileDigests>,
    options: Options<'_>,
) -> Result<Vec<Located>, IndexError> {
    let mut findings = Vec::new();
    for target in targets {
        let release = match &releases[target.pin] {
            Ok(release) => release,
            Err(err) if err.is_not_found() => {
                findings.push(not_found(target, err));
                continue;
            }
            Err(err) => return Err(err.clone()),
        };
        let written = written(target);
        let published = release.sha256s();
        // An egg's or installer's hash is the version's, only useless to pip.
        let legacy = release.legacy_sha256s();
        let unknown: Vec<_> = written
            .iter()
            .filter(|(digest, _)| !published.contains(*digest) && !legacy.contains(*digest))
            .collect();
        for (digest, span) in &unknown {
            let owners = projects.get(&target.pin.name).map(Vec::as_slice);
            findings.push(unknown_hash(
                target,
                release,
                owners,
                digest,
                span,
                options.cached,
            ));
        }
        findings.extend(yanked(target, release, options.deny_yanked));
        let others = others(target);
        let mut covered: BTreeSet<Sha256> = written.keys().copied().collect();
        let checked = match other_hashes(target, release, &others, downloaded) {
            OtherHashes::None => true,
            OtherHashes::Unchecked(finding) => {
                findings.push(finding);
                false
            }
            OtherHashes::Checked { files, unknown } => {
                covered.extend(files);
                let none_unknown = unknown.is_empty();
                findings.extend(unknown);
                none_unknown
            }
        };
        // A line with a wrong hash is rewritten whole by `lock`; listing the files it
        // also misses would only bury the error.
        if unknown.is_empty() && checked {
            let kept = options.kept.and_then(|kept| kept.get(target.pin));
            findings.extend(incomplete(target, release, &covered, kept, options.strict));
        }
        for file in &release.files {
            let Some(expected) = file
                .sha256
                .filter(|d| !others.is_empty() || written.contains_key(d))
            else {
                continue;
            };
            let Some(got) = downloaded
                .get(&file.url)
                .map(|digests| digests.sha256)
                .filter(|got| *got != expected)
            else {
                continue;
            };
            let message = format!(
                "`{}` hashes to {got}, not the published {expected}",
                file.filename
            );
            let hint = "the file on the index changed after it was published: do not install it; tell the index's maintainers";
            findings
                .push(finding(target, Severity::Error, Code::DigestMismatch, message).hint(hint));
        }
    }
    Ok(findings)
}

/// What a line's hashes of other algorithms than sha256 come to.
enum OtherHashes {
    /// The line has none.
    None,
    /// The files were not downloaded: a warning that they were not checked.
    Unchecked(Located),
    /// The files were downloaded: the sha256 of each file a hash names, and an error
    /// per hash that is no file's.
    Checked {
        files: BTreeSet<Sha256>,
        unknown: Vec<Located>,
    },
}

/// Checks the line's sha384/sha512 hashes (`others`) against the digests of the
/// version's downloaded files: each must be the digest of one of them.
fn other_hashes(
    target: &Target<'_>,
    release: &Release,
    others: &[&crate::requirements::Hash],
    downloaded: &HashMap<Url, FileDigests>,
) -> OtherHashes {
    let Some(first) = others.first() else {
        return OtherHashes::None;
    };
    // Every file of the version, in every algorithm it was hashed with.
    let files: Vec<(&FileDigests, Vec<Digest>)> = release
        .files
        .iter()
        .filter_map(|file| downloaded.get(&file.url))
        .map(|digests| {
            let all = Algorithm::ALL.iter().filter_map(|a| digests.digest(*a));
            (digests, all.collect())
        })
        .collect();
    let hashed = |algorithm| files.iter().any(|(d, _)| d.digest(algorithm).is_some());
    if !others.iter().all(|h| hashed(h.algorithm())) || files.len() < release.files.len() {
        let algorithm = first.algorithm();
        let message = format!(
            "{} {algorithm} {} on this line {} not checked: the index publishes only sha256 digests",
            others.len(),
            if others.len() == 1 { "hash" } else { "hashes" },
            if others.len() == 1 { "is" } else { "are" },
        );
        let hint = "`hashlock verify --download` downloads the version's files and checks each hash against them";
        return OtherHashes::Unchecked(
            target
                .source
                .warning(first.digest_span.clone(), message)
                .code(Code::UncheckedHash)
                .package(target.pin.name.to_string())
                .label("not checked")
                .hint(hint),
        );
    }
    let mut covered = BTreeSet::new();
    let mut unknown = Vec::new();
    for hash in others {
        match files.iter().find(|(_, all)| all.contains(&hash.digest)) {
            Some((digests, _)) => {
                covered.insert(digests.sha256);
            }
            None => {
                let message = format!(
                    "`{}` is the {} of no file of {} {} (each was downloaded and hashed)",
                    hash.digest,
                    hash.algorithm(),
                    target.pin.name,
                    release.version
                );
                let hint = format!(
                    "it was mistyped, tampered with, or the pin moved: check where it came from, then `hashlock lock --download --algorithm {} --force` replaces it",
                    hash.algorithm()
                );
                unknown.push(
                    target
                        .source
                        .error(hash.digest_span.clone(), message)
                        .code(Code::UnknownHash)
                        .package(target.pin.name.to_string())
                        .hint(hint),
                );
            }
        }
    }
    OtherHashes::Checked {
        files: covered,
        unknown,
    }
}

fn finding(target: &Target<'_>, severity: Severity, code: Code, message: String) -> Located {
    target
        .source
        .at(severity, target.req.span.clone(), message)
        .code(code)
        .package(target.pin.name.to_string())
}

/// A package or version the index does not have, in the words `lock` uses.
fn not_found(target: &Target<'_>, error: &IndexError) -> Located {
    let code = match error {
        IndexError::PackageNotFound { .. } => Code::UnknownPackage,
        _ => Code::UnknownVersion,
    };
    finding(target, Severity::Error, code, error.to_string()).maybe_hint(error.hint(false))
}

/// A hash the version does not publish; says which version it belongs to, if any.
fn unknown_hash(
    target: &Target<'_>,
    release: &Release,
    all: Option<&[Release]>,
    digest: &Sha256,
    span: &Span,
    cached: bool,
) -> Located {
    let owner = all.into_iter().flatten().find_map(|other| {
        let file = other.files.iter().find(|f| f.sha256 == Some(*digest))?;
        Some((other.version.clone(), file.filename.clone()))
    });
    let name = &target.pin.name;
    let mut message = format!("`{digest}` is not published for {name} {}", release.version);
    let hint = match &owner {
        Some((version, filename)) => {
            message.push_str(&format!(": it is the hash of `{filename}` from {name} {version}"));
            format!("the pin was changed without its hashes: run `hashlock lock` to write the hashes of {name} {}", release.version)
        }
        None if cached => format!(
            "hashlock's cache does not list it for {name} {}, and offline no other version is looked up: run `hashlock verify` online to tell another version's hash, a file uploaded since, or a mistyped or tampered hash",
            release.version
        ),
        None => "no file of any version has this hash: it was mistyped, tampered with, or its file was deleted; check where it came from, then `hashlock lock --force` replaces it".to_string(),
    };
    target
        .source
        .error(span.clone(), message)
        .code(Code::UnknownHash)
        .package(name.to_string())
        .hint(hint)
}

fn yanked(target: &Target<'_>, release: &Release, deny: bool) -> Option<Located> {
    let message = release.yanked_message(target.pin)?;
    let severity = if deny {
        Severity::Error
    } else {
        Severity::Warning
    };
    Some(finding(target, severity, Code::Yanked, message).hint(crate::index::YANKED_HINT))
}

/// Published files the line has no hash for: pip may pick one of them elsewhere.
fn incomplete(
    target: &Target<'_>,
    release: &Release,
    written: &BTreeSet<Sha256>,
    kept: Option<&BTreeSet<Sha256>>,
    strict: bool,
) -> Option<Located> {
    let missing: BTreeSet<&str> = release
        .files
        .iter()
        .filter(|f| f.sha256.is_some_and(|d| !written.contains(&d)))
        .filter(|f| kept.is_none_or(|kept| f.sha256.is_some_and(|d| kept.contains(&d))))
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
        "{} of {} files of {} {} {} no hash here: {list}",
        missing.len(),
        release.files.len(),
        target.pin.name,
        release.version,
        if missing.len() == 1 { "has" } else { "have" }
    );
    let severity = if strict {
        Severity::Error
    } else {
        Severity::Warning
    };
    let hint = "pip fails on a platform that picks one of them: run `hashlock lock` to add them";
    Some(finding(target, severity, Code::IncompleteHashes, message).hint(hint))
}
