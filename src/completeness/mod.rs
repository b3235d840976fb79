//! Completeness: does the file tree pin every dependency of every requirement, for
//! each target? pip in hash-checking mode refuses to install a dependency that is
//! not pinned and hashed too, so a file that lacks one fails on the machine that
//! installs it, not in CI.
//!
//! [`fetch`] gathers, for each pinned requirement and target, the metadata of the
//! release's file that target would install ([`crate::index::metadata`]); [`check`]
//! then walks, per target, from every requirement whose marker holds there, through
//! each `Requires-Dist` whose marker holds (with the extras asked for), into the
//! pinned dependencies: a dependency that is not pinned is `missing-dependency`, one
//! pinned outside its range `unsatisfied-dependency`; a release whose dependencies
//! cannot be read without building it is `unknown-dependencies` (a warning). With
//! targets, [`installable`] checks that each target can install a hashed file of
//! every requirement (`no-installable-file`).

mod fetch;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use pep508_rs::{ExtraName, PackageName, Requirement, VersionOrUrl};

pub(crate) use fetch::{MetadataKey, fetch, key_for};

use crate::diagnostics::{Code, Located, Source};
use crate::index::Release;
use crate::index::Releases;
use crate::index::metadata::{Metadata, is_sdist, is_wheel};
use crate::pin::Pin;
use crate::requirements::{Requirement as Line, Target as LineTarget};
use crate::targets::Target;

/// A pinned requirement of the file tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pinned<'a> {
    pub(crate) source: &'a Source,
    pub(crate) req: &'a Line,
    pub(crate) pin: &'a Pin,
}

impl Pinned<'_> {
    /// The PEP 508 requirement on the line.
    pub(crate) fn pep508(&self) -> Option<&Requirement> {
        match &self.req.target {
            LineTarget::Pep508(parsed) => Some(parsed),
            LineTarget::Unnamed { .. } => None,
        }
    }

    /// Whether the line's marker holds on `target`.
    pub(crate) fn applies(&self, target: &Target) -> bool {
        holds(self.req, target)
    }

    fn extras(&self) -> Vec<ExtraName> {
        self.pep508().map(|r| r.extras.clone()).unwrap_or_default()
    }
}

/// Whether the marker of the requirement on `line` holds on `target` (a line
/// without a marker holds everywhere): pip skips the line where it does not.
pub(crate) fn holds(line: &Line, target: &Target) -> bool {
    match &line.target {
        LineTarget::Pep508(parsed) => parsed.marker.evaluate(&target.marker_environment(), &[]),
        LineTarget::Unnamed { .. } => true,
    }
}

/// What is known of each pinned release's metadata, per target.
pub(crate) type Known = HashMap<MetadataKey, Metadata>;

/// One missing or unsatisfied dependency, as found on some targets.
#[derive(Debug)]
struct Gap {
    /// The line of the package that requires it.
    root: usize,
    /// `flask==3.0.3 requires Werkzeug>=3.0.0`, ...
    chain: Vec<String>,
    /// The pinned version outside the range, for `unsatisfied-dependency`.
    pinned: Option<String>,
    dependency: PackageName,
    targets: Vec<String>,
    /// The other packages that need it (`name==version`).
    also: Vec<String>,
}

/// The findings of the completeness check: every missing and unsatisfied
/// dependency, once per (dependency, requirement), with the targets where it is
/// needed; `unknown-dependencies` once per release.
pub(crate) fn check(
    pinned: &[Pinned<'_>],
    releases: &Releases,
    targets: &[Target],
    known: &Known,
) -> Vec<Located> {
    let by_name = by_name(pinned);
    let mut gaps: BTreeMap<(String, String, String), Gap> = BTreeMap::new();
    let mut unknown: BTreeMap<usize, (String, Vec<String>)> = BTreeMap::new();
    for target in targets {
        let environment = target.marker_environment();
        let metadata_of = |index: usize| -> Option<&Metadata> {
            let p = &pinned[index];
            let release = releases.get(p.pin)?;
            known.get(&key_for(p.pin, release, target))
        };
        let found = |name: &PackageName| {
            by_name
                .get(name)
                .and_then(|lines| lines.iter().copied().find(|&i| pinned[i].applies(target)))
        };
        // Lines no other line requires come first, so that a chain starts at the
        // requirement the user asked for (`flask==3.0.3 requires Jinja2>=3.1.2;
        // Jinja2==3.1.6 requires MarkupSafe>=2.0`); the others (cycles) after.
        let applicable: Vec<usize> = (0..pinned.len())
            .filter(|&i| pinned[i].applies(target))
            .collect();
        let mut required: BTreeSet<usize> = BTreeSet::new();
        for &index in &applicable {
            if let Some(Metadata::Known(metadata)) = metadata_of(index) {
                let extras = pinned[index].extras();
                for dependency in &metadata.requires_dist {
                    if dependency.marker.evaluate(&environment, &extras)
                        && dependency.name != pinned[index].pin.name
                        && let Some(dep) = found(&dependency.name)
                    {
                        required.insert(dep);
                    }
                }
            }
        }
        let (top, rest): (Vec<usize>, Vec<usize>) =
            applicable.iter().partition(|i| !required.contains(i));
        // (pinned index, extras, the chain that reached it)
        let mut queue: VecDeque<(usize, Vec<ExtraName>, Vec<String>)> = VecDeque::new();
        let mut seen: HashMap<usize, BTreeSet<Option<ExtraName>>> = HashMap::new();
        for start in top.into_iter().chain(rest) {
            if seen.contains_key(&start) {
                continue;
            }
            queue.push_back((start, pinned[start].extras(), Vec::new()));
            while let Some((index, extras, chain)) = queue.pop_front() {
                // Each (package, extra) is walked once per target.
                let entry = seen.entry(index).or_default();
                let fresh: Vec<Option<ExtraName>> = std::iter::once(None)
                    .chain(extras.iter().cloned().map(Some))
                    .filter(|e| !entry.contains(e))
                    .collect();
                if fresh.is_empty() {
                    continue;
                }
                entry.extend(fresh.iter().cloned());
                let p = &pinned[index];
                let metadata = match metadata_of(index) {
                    Some(Metadata::Known(metadata)) => metadata,
                    Some(Metadata::Unknown(reason)) => {
                        let at = unknown
                            .entry(index)
                            .or_insert_with(|| (reason.clone(), Vec::new()));
                        at.1.push(target.to_string());
                        continue;
                    }
                    None => continue,
                };
                let Some(release) = releases.get(p.pin) else {
                    continue;
                };
                // As the project spells itself (`Flask`), where its metadata says.
                let spelled_name = metadata.name.as_deref().unwrap_or(&release.name);
                let requirer = format!("{spelled_name}=={}", release.version);
                for (n, dependency) in metadata.requires_dist.iter().enumerate() {
                    let spelled = metadata.spelled.get(n).map(String::as_str);
                    // Only what the fresh extras add (or the base, the first time).
                    let holds = fresh.iter().any(|extra| {
                        let extras: Vec<ExtraName> = extra.iter().cloned().collect();
                        dependency.marker.evaluate(&environment, &extras)
                            && (extra.is_none() || !dependency.marker.evaluate(&environment, &[]))
                    });
                    if !holds || dependency.name == p.pin.name {
                        continue;
                    }
                    let mut chain = chain.clone();
                    chain.push(format!(
                        "{requirer} requires {}",
                        shown_requirement(dependency, spelled)
                    ));
                    let gap = |kind: &str| {
                        (
                            dependency.name.to_string(),
                            requirer.clone(),
                            kind.to_owned(),
                        )
                    };
                    match found(&dependency.name) {
                        Some(dep_index) => {
                            let version = &pinned[dep_index].pin.version;
                            if satisfies(dependency, version) {
                                queue.push_back((dep_index, dependency.extras.clone(), chain));
                            } else {
                                let pinned_at = Some(version.to_string());
                                let at = Found {
                                    index,
                                    chain,
                                    pinned: pinned_at,
                                };
                                record(&mut gaps, gap("u"), at, dependency, target);
                            }
                        }
                        None => {
                            let at = Found {
                                index,
                                chain,
                                pinned: None,
                            };
                            record(&mut gaps, gap("m"), at, dependency, target);
                        }
                    }
                }
            }
        }
    }
    let mut findings = Vec::new();
    let total = targets.len();
    // One finding per missing dependency, at the line whose package needs it by the
    // shortest chain; the other packages that need it are named too.
    let mut shown: Vec<Gap> = Vec::new();
    for gap in gaps.into_values() {
        let same = shown
            .iter_mut()
            .find(|g| g.pinned.is_none() && gap.pinned.is_none() && g.dependency == gap.dependency);
        match same {
            Some(known) => {
                let requirer_of = |g: &Gap| {
                    let last = g.chain.last().map(String::as_str).unwrap_or_default();
                    last.split(" requires ")
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                };
                let mut targets = std::mem::take(&mut known.targets);
                for target in &gap.targets {
                    if !targets.contains(target) {
                        targets.push(target.clone());
                    }
                }
                let mut also = std::mem::take(&mut known.also);
                let other = if gap.chain.len() < known.chain.len() {
                    let other = requirer_of(known);
                    *known = gap;
                    other
                } else {
                    requirer_of(&gap)
                };
                if !also.contains(&other) {
                    also.push(other);
                }
                known.targets = targets;
                known.also = also;
            }
            None => shown.push(gap),
        }
    }
    for gap in shown {
        let p = &pinned[gap.root];
        let on = on_targets(&gap.targets, total);
        let chain = gap.chain.join("; ");
        let also = if gap.also.is_empty() {
            String::new()
        } else {
            format!(
                "; {} need{} it too",
                gap.also.join(", "),
                if gap.also.len() == 1 { "s" } else { "" }
            )
        };
        let (message, code, label, hint) = match &gap.pinned {
            None => (
                format!("{chain}, which no line pins{on}{also}"),
                Code::MissingDependency,
                "pulls in a dependency that is not pinned",
                format!(
                    "pip refuses the file with `--require-hashes` until `{}` is pinned and hashed: `hashlock lock --add-missing` adds it",
                    gap.dependency
                ),
            ),
            Some(version) => (
                format!("{chain}, but it is pinned to {version}{on}"),
                Code::UnsatisfiedDependency,
                "needs another version of a dependency",
                format!(
                    "pip cannot install this set (ResolutionImpossible): move `{}` to a version in the range, or this requirement to one that accepts {version}",
                    gap.dependency
                ),
            ),
        };
        findings.push(
            p.source
                .error(p.req.span.clone(), message)
                .code(code)
                .package(gap.dependency.to_string())
                .label(label)
                .hint(hint),
        );
    }
    for (index, (reason, on)) in unknown {
        let p = &pinned[index];
        let message = format!(
            "the dependencies of `{}` cannot be known without building it{}: {reason}",
            p.pin,
            on_targets(&on, total)
        );
        findings.push(
            p.source
                .warning(p.req.span.clone(), message)
                .code(Code::UnknownDependencies)
                .package(p.pin.name.to_string())
                .label("dependencies unknown")
                .hint("pin its dependencies by hand (`pip install` it in a fresh venv and look at `pip freeze`), or move to a version with wheels"),
        );
    }
    findings
}

/// Where a gap was found: the line of the package that needs the dependency, the
/// chain that reached it, and the version pinned (for an unsatisfied one).
struct Found {
    index: usize,
    chain: Vec<String>,
    pinned: Option<String>,
}

fn record(
    gaps: &mut BTreeMap<(String, String, String), Gap>,
    key: (String, String, String),
    at: Found,
    dependency: &Requirement,
    target: &Target,
) {
    let gap = gaps.entry(key).or_insert_with(|| Gap {
        root: at.index,
        chain: at.chain,
        pinned: at.pinned,
        dependency: dependency.name.clone(),
        targets: Vec::new(),
        also: Vec::new(),
    });
    let shown = target.to_string();
    if !gap.targets.contains(&shown) {
        gap.targets.push(shown);
    }
}

/// ` (on CPython 3.12 on win_amd64)`, or nothing when every target needs it.
fn on_targets(targets: &[String], total: usize) -> String {
    if targets.len() >= total && total > 1 {
        return format!(" (on all {total} targets)");
    }
    if total == 1 {
        return format!(" (on {})", targets.join(", "));
    }
    const SHOWN: usize = 3;
    let mut shown: Vec<String> = targets.iter().take(SHOWN).cloned().collect();
    if targets.len() > SHOWN {
        shown.push(format!("{} more", targets.len() - SHOWN));
    }
    format!(
        " (on {} of {total} targets: {})",
        targets.len(),
        shown.join(", ")
    )
}

/// `Werkzeug>=3.0.0`, `PySocks!=1.5.7,>=1.5.6` (without its marker).
fn shown_requirement(requirement: &Requirement, spelled: Option<&str>) -> String {
    let mut text = spelled
        .filter(|s| !s.is_empty())
        .map_or_else(|| requirement.name.to_string(), str::to_owned);
    if !requirement.extras.is_empty() {
        let extras: Vec<String> = requirement.extras.iter().map(ToString::to_string).collect();
        text.push_str(&format!("[{}]", extras.join(",")));
    }
    match &requirement.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => text.push_str(&specifiers.to_string()),
        Some(VersionOrUrl::Url(url)) => text.push_str(&format!(" @ {url}")),
        None => {}
    }
    text
}

/// Whether `version` is in the requirement's range (any version for a bare name; a
/// URL requirement is never satisfied by an index pin).
pub(crate) fn satisfies(requirement: &Requirement, version: &pep440_rs::Version) -> bool {
    match &requirement.version_or_url {
        None => true,
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.contains(version),
        Some(VersionOrUrl::Url(_)) => false,
    }
}

/// The indexes into `pinned` of each project's lines.
fn by_name(pinned: &[Pinned<'_>]) -> HashMap<PackageName, Vec<usize>> {
    let mut names: HashMap<PackageName, Vec<usize>> = HashMap::new();
    for (index, p) in pinned.iter().enumerate() {
        names.entry(p.pin.name.clone()).or_default().push(index);
    }
    names
}

/// Which files of a release a lock keeps for `targets`: wheels that install on a
/// target or a newer machine of its kind ([`Target::serves`]) and whose
/// `Requires-Python` admits it; the sdist unless `binary` says wheels only; no
/// wheel when `binary` says sdists only.
pub(crate) fn kept_files<'r>(
    release: &'r Release,
    targets: &[Target],
    binary: FileKinds,
) -> Vec<&'r crate::index::DistFile> {
    release
        .files
        .iter()
        .filter(|file| {
            let python_ok = |target: &Target| {
                file.requires_python
                    .as_deref()
                    .is_none_or(|rp| target.python_satisfies(rp))
            };
            if is_wheel(&file.filename) {
                binary != FileKinds::SdistsOnly
                    && targets
                        .iter()
                        .any(|t| t.serves(&file.filename) && python_ok(t))
            } else if is_sdist(&file.filename) {
                binary != FileKinds::WheelsOnly && targets.iter().any(python_ok)
            } else {
                false
            }
        })
        .collect()
}

/// Which kinds of file pip may take for a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKinds {
    Any,
    /// `--only-binary`: wheels only.
    WheelsOnly,
    /// `--no-binary`: sdists only.
    SdistsOnly,
}

/// `--only-binary`/`--no-binary` values (command line and the files' own option
/// lines), read as pip reads them: comma-separated names, `:all:`, `:none:`.
#[derive(Debug, Clone, Default)]
pub(crate) struct BinaryRules {
    only: Vec<String>,
    no: Vec<String>,
}

impl BinaryRules {
    pub(crate) fn add_only(&mut self, value: &str) {
        self.only.extend(split(value));
    }

    pub(crate) fn add_no(&mut self, value: &str) {
        self.no.extend(split(value));
    }

    /// The rule for `name` (`--no-binary` wins where both name it, as in pip's
    /// later-wins handling of the same package rarely matters).
    pub(crate) fn of(&self, name: &PackageName) -> FileKinds {
        let names = |list: &[String]| {
            list.iter().any(|n| {
                n == ":all:" || n.parse::<PackageName>().is_ok_and(|parsed| parsed == *name)
            })
        };
        if names(&self.no) {
            FileKinds::SdistsOnly
        } else if names(&self.only) {
            FileKinds::WheelsOnly
        } else {
            FileKinds::Any
        }
    }
}

fn split(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty() && n != ":none:")
        .collect()
}

/// `no-installable-file`: for each target where a hashed requirement applies, at
/// least one of its hashed files must install on that target's machine itself.
pub(crate) fn installable(
    pinned: &[Pinned<'_>],
    releases: &Releases,
    targets: &[Target],
) -> Vec<Located> {
    let mut findings = Vec::new();
    for p in pinned {
        let hashed: BTreeSet<crate::digest::Sha256> =
            p.req.hashes.iter().filter_map(|h| h.sha256()).collect();
        if hashed.is_empty() {
            continue;
        }
        let Some(release) = releases.get(p.pin) else {
            continue;
        };
        let lacking: Vec<String> = targets
            .iter()
            .filter(|target| p.applies(target))
            .filter(|target| {
                !release.files.iter().any(|file| {
                    let Some(sha256) = file.sha256 else {
                        return false;
                    };
                    let python_ok = file
                        .requires_python
                        .as_deref()
                        .is_none_or(|rp| target.python_satisfies(rp));
                    hashed.contains(&sha256)
                        && python_ok
                        && (is_sdist(&file.filename) || target.supports(&file.filename).is_some())
                })
            })
            .map(ToString::to_string)
            .collect();
        if lacking.is_empty() {
            continue;
        }
        let message = format!(
            "no hashed file of `{}` installs{}",
            p.pin,
            on_targets(&lacking, targets.len())
        );
        findings.push(
            p.source
                .error(p.req.span.clone(), message)
                .code(Code::NoInstallableFile)
                .package(p.pin.name.to_string())
                .label("nothing to install")
                .hint("lock the file for these targets (`hashlock lock` with the same target flags), or pin a version with files for them"),
        );
    }
    findings
}

#[cfg(test)]
mod tests;
