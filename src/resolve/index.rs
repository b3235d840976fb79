//! Resolving against the index: the [`Knowledge`] the resolver reads, filled from
//! the index as it asks (project listings, [`Indexes::listing`]; the metadata of
//! the versions it tries), until it settles. `lock --add-missing` uses it; so will
//! resolving ranges into pins.

use std::collections::{BTreeMap, HashMap};

use pep440_rs::Version;
use pep508_rs::{PackageName, Requirement};

use super::choose::Cooldown;
use super::{Candidate, Knowledge, Outcome, Problem, Question, resolve};
use crate::completeness::{self, BinaryRules, FileKinds, Known};
use crate::index::metadata::Metadata;
use crate::index::{IndexError, Indexes, Release};
use crate::pin::Pin;
use crate::targets::Target;

/// What the index said so far, for the resolver.
pub(crate) struct Gathered<'t> {
    targets: &'t [Target],
    /// Every release of the projects asked about, and their candidates.
    listings: HashMap<PackageName, (Vec<Release>, Vec<Candidate>)>,
    /// The releases of the file's pins.
    pinned: HashMap<PackageName, Release>,
    known: Known,
}

impl Gathered<'_> {
    pub(crate) fn release(&self, name: &PackageName, version: &Version) -> Option<&Release> {
        if let Some(release) = self.pinned.get(name)
            && release
                .version
                .parse::<Version>()
                .is_ok_and(|v| v == *version)
        {
            return Some(release);
        }
        let (releases, _) = self.listings.get(name)?;
        releases
            .iter()
            .find(|r| r.version.parse::<Version>().is_ok_and(|v| v == *version))
    }

    /// The project's name as the metadata of `name` `version` spells it (`Werkzeug`),
    /// when read and naming the same project: the Simple API gives only the
    /// normalized name (`werkzeug`), the JSON API the display name, which is this
    /// spelling for nearly every project.
    pub(crate) fn spelled(&self, name: &PackageName, version: &Version) -> Option<String> {
        let release = self.release(name, version)?;
        let pin = pin_of(name, version);
        self.targets.iter().find_map(|target| {
            let key = completeness::key_for(&pin, release, target);
            let Some(Metadata::Known(metadata)) = self.known.get(&key) else {
                return None;
            };
            let spelled = metadata.name.as_deref()?;
            let same = spelled.parse::<PackageName>().is_ok_and(|n| n == *name);
            same.then(|| spelled.to_owned())
        })
    }
}

pub(crate) fn pin_of(name: &PackageName, version: &Version) -> Pin {
    Pin {
        name: name.clone(),
        version: version.clone(),
        arbitrary: None,
    }
}

impl Knowledge for Gathered<'_> {
    fn versions(&self, name: &PackageName) -> Option<&[Candidate]> {
        self.listings.get(name).map(|(_, c)| c.as_slice())
    }

    fn requires(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Option<Result<Vec<Requirement>, String>> {
        let release = self.release(name, version)?;
        let pin = pin_of(name, version);
        let mut all: Vec<Requirement> = Vec::new();
        let mut unknown = None;
        let mut any_known = false;
        for target in self.targets {
            match self
                .known
                .get(&completeness::key_for(&pin, release, target))?
            {
                Metadata::Known(metadata) => {
                    any_known = true;
                    for requirement in &metadata.requires_dist {
                        if !all.iter().any(|r| r.to_string() == requirement.to_string()) {
                            all.push(requirement.clone());
                        }
                    }
                }
                Metadata::Unknown(reason) => unknown = Some(reason.clone()),
            }
        }
        match (any_known, unknown) {
            (false, Some(reason)) => Some(Err(format!(
                "the dependencies of {name} {version} are unknown: {reason}"
            ))),
            _ => Some(Ok(all)),
        }
    }
}

/// The candidates of a project's releases for the targets.
fn candidates(
    releases: &[Release],
    targets: &[Target],
    binary: FileKinds,
    cooldown: Option<&Cooldown>,
) -> Vec<Candidate> {
    releases
        .iter()
        .filter_map(|release| {
            let version = release.version.parse::<Version>().ok()?;
            let yanked =
                !release.files.is_empty() && release.files.iter().all(|f| f.yanked.is_some());
            let installable = targets.iter().all(|target| {
                !completeness::kept_files(release, std::slice::from_ref(target), binary).is_empty()
            }) && cooldown.is_none_or(|cooldown| {
                old_enough(
                    &completeness::kept_files(release, targets, binary),
                    cooldown,
                )
            });
            Some(Candidate {
                version,
                yanked,
                installable,
            })
        })
        .collect()
}

/// Whether every one of `files` was uploaded at least `--min-age` ago (a file
/// without an upload time counts only with `--min-age-missing=allow`).
fn old_enough(files: &[&crate::index::DistFile], cooldown: &Cooldown) -> bool {
    files.iter().all(|file| {
        match file
            .upload_time
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        {
            Some(at) => cooldown.now.duration_since(at) >= cooldown.min_age,
            None => cooldown.allow_missing,
        }
    })
}

/// Why a resolution against the index failed.
#[derive(Debug)]
pub(crate) enum Failed {
    /// No set of versions satisfies every requirement: the explanation.
    Conflict(String),
    Index(IndexError),
}

/// Resolves `problem` against `index`: asks what the resolver needs (project
/// listings, metadata of the versions it tries) until it settles. `pinned`: the
/// releases of the roots, already looked up; `binary`: which files count.
pub(crate) async fn resolve_with_index<'t>(
    index: &Indexes,
    problem: &Problem<'t>,
    pinned: HashMap<PackageName, Release>,
    binary: &BinaryRules,
    concurrency: usize,
) -> Result<(BTreeMap<PackageName, Version>, Gathered<'t>), Failed> {
    let targets = problem.targets;
    let mut gathered = Gathered {
        targets,
        listings: HashMap::new(),
        pinned,
        known: Known::new(),
    };
    // Every root's metadata is needed: read them at once.
    let roots: Vec<(Pin, Release)> = gathered
        .pinned
        .values()
        .filter_map(|release| {
            let version = release.version.parse::<Version>().ok()?;
            let name = release.name.parse::<PackageName>().ok()?;
            Some((pin_of(&name, &version), release.clone()))
        })
        .collect();
    let wanted: Vec<(&Pin, &Release)> = roots.iter().map(|(p, r)| (p, r)).collect();
    completeness::fetch(index, &wanted, targets, concurrency, &mut gathered.known)
        .await
        .map_err(Failed::Index)?;
    loop {
        match resolve(problem, &gathered) {
            Outcome::Resolved(resolved) => return Ok((resolved, gathered)),
            Outcome::Conflict(explanation) => return Err(Failed::Conflict(explanation)),
            Outcome::Need(Question::Versions(name)) => {
                // The Simple API's listing where the index serves it (what pip reads;
                // the JSON API's project document is megabytes for boto3).
                let releases = match index.listing(&name).await {
                    Ok(releases) => releases,
                    Err(IndexError::PackageNotFound { .. }) => Vec::new(),
                    Err(error) => return Err(Failed::Index(error)),
                };
                let candidates = candidates(
                    &releases,
                    targets,
                    binary.of(&name),
                    problem.policy.cooldown.as_ref(),
                );
                gathered.listings.insert(name, (releases, candidates));
            }
            Outcome::Need(Question::Requires(name, version)) => {
                let Some(release) = gathered.release(&name, &version).cloned() else {
                    // The resolver only asks about versions it was given.
                    return Err(Failed::Conflict(format!(
                        "the index lists no release {name} {version}"
                    )));
                };
                let pin = pin_of(&name, &version);
                completeness::fetch(
                    index,
                    &[(&pin, &release)],
                    targets,
                    concurrency,
                    &mut gathered.known,
                )
                .await
                .map_err(Failed::Index)?;
            }
        }
    }
}
