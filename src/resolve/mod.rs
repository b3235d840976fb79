//! Choosing versions for dependencies, with [pubgrub]: the requirements of a file
//! stay as pinned, and every dependency they pull in (for any target) gets the
//! newest version that satisfies every requirement on it, backtracking where a
//! choice conflicts with a later one.
//!
//! Versions are chosen under pip's rules:
//! - no pre-release unless [`Policy::pre`], a specifier names one (`>=2.0b1`), or
//!   only pre-releases satisfy the range (as `packaging` filters);
//! - no yanked version unless a requirement pins exactly it (`==1.2.3`, PEP 592);
//! - no version that some target cannot install: every target needs a file whose
//!   `Requires-Python` admits its Python;
//! - markers (`sys_platform == "win32"`, `python_version < "3.11"`) are evaluated on
//!   every target, and a dependency is needed when its marker holds on any one;
//!   extras (`requests[socks]`) are packages of their own that pin their base to the
//!   same version, the usual encoding.
//!
//! The resolver is pure and synchronous: [`resolve`] asks a [`Knowledge`] for what
//! it needs, and when that is not known yet it stops with [`Outcome::Need`], naming
//! the questions to ask the index; the caller fetches the answers and calls it again
//! (each run is fast; network is the cost). Version sets are the known candidates
//! that satisfy a specifier, so PEP 440's rules are exactly `pep440_rs`'s.

mod annotate;
pub(crate) mod choose;
mod index;
mod provider;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use pep440_rs::Version;
use pep508_rs::{ExtraName, PackageName, Requirement};

pub(crate) use annotate::{Added, annotate};
pub(crate) use index::{Failed, resolve_with_index};
pub(crate) use provider::resolve;

use crate::targets::Target;

/// A published version of a project, as the resolver weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) version: Version,
    /// Every file of the version is yanked.
    pub(crate) yanked: bool,
    /// Every target has a file of the version whose `Requires-Python` admits it.
    pub(crate) installable: bool,
}

/// What the resolver asks: a project's versions, a version's dependencies.
pub(crate) trait Knowledge {
    /// Every version of the project, `None` while unknown.
    fn versions(&self, name: &PackageName) -> Option<&[Candidate]>;
    /// The `Requires-Dist` of a version (for all targets: the union of what each
    /// target's file says), `None` while unknown; `Some(Err)` when they cannot be
    /// known (an sdist that must be built).
    fn requires(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Option<Result<Vec<Requirement>, String>>;
}

/// A requirement of the file, kept as pinned.
#[derive(Debug, Clone)]
pub(crate) struct Root {
    pub(crate) name: PackageName,
    pub(crate) version: Version,
    pub(crate) extras: Vec<ExtraName>,
    /// Where it is, for conflict messages: `requirements.txt:3`.
    pub(crate) at: String,
}

/// How versions may be chosen.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Policy {
    /// `--pre`: pre-releases are as good as final releases.
    pub(crate) pre: bool,
    /// `--min-age`: a version uploaded more recently (or, unless allowed, without
    /// an upload time) is not a candidate.
    pub(crate) cooldown: Option<choose::Cooldown>,
}

/// A question for the index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Question {
    Versions(PackageName),
    Requires(PackageName, Version),
}

/// What one run of the resolver ended with.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Every package of the resolution with its version (the roots included).
    Resolved(BTreeMap<PackageName, Version>),
    /// Ask these first.
    Need(Question),
    /// No set of versions satisfies every requirement: pubgrub's explanation, with
    /// the roots' lines.
    Conflict(String),
}

/// The problem: the file's pins, the targets, the policy.
pub(crate) struct Problem<'a> {
    pub(crate) roots: &'a [Root],
    pub(crate) targets: &'a [Target],
    pub(crate) policy: Policy,
}
