//! The pubgrub side: packages (the root, projects, projects with an extra), version
//! sets over the known candidates, and the `DependencyProvider`.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use pep440_rs::Version;
use pep508_rs::{ExtraName, PackageName, Requirement, VersionOrUrl};
use pubgrub::{
    DefaultStringReporter, Dependencies, DependencyConstraints, DependencyProvider,
    PackageResolutionStatistics, PubGrubError, Ranges, Reporter,
};

use super::{Knowledge, Outcome, Problem, Question};

/// A node of the resolution.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Package {
    /// The requirements files.
    Root,
    Base(PackageName),
    /// `name[extra]`: the extra's dependencies, and `name` at the same version.
    Extra(PackageName, ExtraName),
}

impl fmt::Display for Package {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Package::Root => f.write_str("the requirements files"),
            Package::Base(name) => write!(f, "{name}"),
            Package::Extra(name, extra) => write!(f, "{name}[{extra}]"),
        }
    }
}

type Set = Ranges<Version>;

/// Why a run stopped before an answer: a question to ask first.
#[derive(Debug)]
struct Need(Question);

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not known yet", self.0)
    }
}

impl std::error::Error for Need {}

struct Provider<'a, K: Knowledge> {
    problem: &'a Problem<'a>,
    knowledge: &'a K,
    /// The roots' versions: a project the file pins can only be that version, so
    /// its versions need not be listed.
    pinned: HashMap<&'a PackageName, &'a Version>,
}

impl<K: Knowledge> Provider<'_, K> {
    /// The versions of `name` that `requirement` admits, under the policy.
    fn set_of(&self, requirement: &Requirement) -> Result<Set, Need> {
        let name = &requirement.name;
        let specifiers = match &requirement.version_or_url {
            None => None,
            Some(VersionOrUrl::VersionSpecifier(specifiers)) => Some(specifiers),
            // A URL dependency has no version on an index: nothing satisfies it.
            Some(VersionOrUrl::Url(_)) => return Ok(Set::empty()),
        };
        let admits = |version: &Version| specifiers.is_none_or(|s| s.contains(version));
        if let Some(version) = self.pinned.get(name) {
            return Ok(if admits(version) {
                Set::singleton((*version).clone())
            } else {
                Set::empty()
            });
        }
        let Some(candidates) = self.knowledge.versions(name) else {
            return Err(Need(Question::Versions(name.clone())));
        };
        let exact = |version: &Version| {
            specifiers.is_some_and(|s| {
                s.iter()
                    .any(|s| *s.operator() == pep440_rs::Operator::Equal && s.version() == version)
            })
        };
        let asks_pre = self.problem.policy.pre
            || specifiers.is_some_and(|s| s.iter().any(|s| s.version().any_prerelease()));
        let usable = |pre: bool| {
            candidates.iter().filter(move |c| {
                c.installable
                    && admits(&c.version)
                    && (!c.yanked || exact(&c.version))
                    && (pre || !c.version.any_prerelease())
            })
        };
        let mut chosen: Vec<&Version> = usable(asks_pre).map(|c| &c.version).collect();
        if chosen.is_empty() && !asks_pre {
            chosen = usable(true).map(|c| &c.version).collect();
        }
        Ok(chosen
            .into_iter()
            .fold(Set::empty(), |set, v| set.union(&Set::singleton(v.clone()))))
    }

    /// The dependencies whose markers hold on some target, with `extras`.
    fn applicable<'r>(
        &self,
        requires: &'r [Requirement],
        extras: &[ExtraName],
    ) -> Vec<&'r Requirement> {
        let environments: Vec<_> = self
            .problem
            .targets
            .iter()
            .map(|t| t.marker_environment())
            .collect();
        requires
            .iter()
            .filter(|r| {
                environments
                    .iter()
                    .any(|env| r.marker.evaluate(env, extras))
            })
            .collect()
    }

    fn add(
        &self,
        constraints: &mut DependencyConstraints<Package, Set>,
        requirement: &Requirement,
    ) -> Result<(), Need> {
        let set = self.set_of(requirement)?;
        let mut put = |package: Package| {
            let entry = constraints.entry(package).or_insert_with(Set::full);
            *entry = entry.intersection(&set);
        };
        put(Package::Base(requirement.name.clone()));
        for extra in &requirement.extras {
            put(Package::Extra(requirement.name.clone(), extra.clone()));
        }
        Ok(())
    }
}

impl<K: Knowledge> DependencyProvider for Provider<'_, K> {
    type P = Package;
    type V = Version;
    type VS = Set;
    type M = String;
    type Err = Need;
    type Priority = (u32, Reverse<usize>);

    fn prioritize(
        &self,
        package: &Package,
        range: &Set,
        statistics: &PackageResolutionStatistics,
    ) -> Self::Priority {
        // Packages in conflict first, then those with the fewest versions left.
        let count = match package {
            Package::Root => 0,
            Package::Base(name) | Package::Extra(name, _) => match self.pinned.get(name) {
                Some(_) => 1,
                None => self.knowledge.versions(name).map_or(usize::MAX, |c| {
                    c.iter().filter(|c| range.contains(&c.version)).count()
                }),
            },
        };
        (statistics.conflict_count(), Reverse(count))
    }

    fn choose_version(&self, package: &Package, range: &Set) -> Result<Option<Version>, Need> {
        if let Some(version) = range.as_singleton() {
            return Ok(Some(version.clone()));
        }
        let name = match package {
            Package::Root => return Ok(None),
            Package::Base(name) | Package::Extra(name, _) => name,
        };
        let Some(candidates) = self.knowledge.versions(name) else {
            return Err(Need(Question::Versions(name.clone())));
        };
        Ok(candidates
            .iter()
            .map(|c| &c.version)
            .filter(|v| range.contains(*v))
            .max()
            .cloned())
    }

    fn get_dependencies(
        &self,
        package: &Package,
        version: &Version,
    ) -> Result<Dependencies<Package, Set, String>, Need> {
        let mut constraints = DependencyConstraints::default();
        match package {
            Package::Root => {
                for root in self.problem.roots {
                    let set = Set::singleton(root.version.clone());
                    let mut put = |package: Package| {
                        let entry = constraints.entry(package).or_insert_with(Set::full);
                        *entry = entry.intersection(&set);
                    };
                    put(Package::Base(root.name.clone()));
                    for extra in &root.extras {
                        put(Package::Extra(root.name.clone(), extra.clone()));
                    }
                }
            }
            Package::Base(name) | Package::Extra(name, _) => {
                let requires = match self.knowledge.requires(name, version) {
                    None => return Err(Need(Question::Requires(name.clone(), version.clone()))),
                    Some(Err(reason)) => return Ok(Dependencies::Unavailable(reason)),
                    Some(Ok(requires)) => requires,
                };
                let extras: Vec<ExtraName> = match package {
                    Package::Extra(_, extra) => {
                        constraints
                            .insert(Package::Base(name.clone()), Set::singleton(version.clone()));
                        vec![extra.clone()]
                    }
                    _ => Vec::new(),
                };
                for requirement in self.applicable(&requires, &extras) {
                    // A project's extra may pull in its own other extras; itself,
                    // never.
                    if requirement.name == *name && requirement.extras.is_empty() {
                        continue;
                    }
                    self.add(&mut constraints, requirement)?;
                }
            }
        }
        Ok(Dependencies::Available(constraints))
    }
}

/// One run of the resolver (see the module doc of [`super`]).
pub(crate) fn resolve<K: Knowledge>(problem: &Problem<'_>, knowledge: &K) -> Outcome {
    let provider = Provider {
        problem,
        knowledge,
        pinned: problem
            .roots
            .iter()
            .map(|r| (&r.name, &r.version))
            .collect(),
    };
    match pubgrub::resolve(&provider, Package::Root, Version::new([0])) {
        Ok(solution) => {
            let mut resolved = BTreeMap::new();
            for (package, version) in solution {
                if let Package::Base(name) = package {
                    resolved.insert(name, version);
                }
            }
            Outcome::Resolved(resolved)
        }
        Err(PubGrubError::NoSolution(mut tree)) => {
            tree.collapse_no_versions();
            // The root's version is pubgrub's, not the user's: leave it out.
            let mut text = DefaultStringReporter::report(&tree)
                .replace(&format!("{} 0", Package::Root), &Package::Root.to_string());
            let lines: Vec<String> = problem
                .roots
                .iter()
                .filter(|r| {
                    text.contains(&format!("{} ", r.name))
                        || text.contains(&format!("{}\n", r.name))
                })
                .map(|r| format!("`{}=={}` at {}", r.name, r.version, r.at))
                .collect();
            if !lines.is_empty() {
                text.push_str(&format!(
                    "\nthe requirements involved: {}",
                    lines.join(", ")
                ));
            }
            Outcome::Conflict(text)
        }
        Err(PubGrubError::ErrorRetrievingDependencies { source, .. })
        | Err(PubGrubError::ErrorChoosingVersion { source, .. }) => Outcome::Need(source.0),
        Err(other) => Outcome::Conflict(other.to_string()),
    }
}
