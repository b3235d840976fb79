//! What `lock --add-missing` writes about each package it adds: which packages
//! require it (`# via`), and on which targets it is needed, as a marker when not
//! on all of them.

use std::collections::{BTreeMap, BTreeSet};

use pep440_rs::Version;
use pep508_rs::{MarkerTree, PackageName};

use super::index::{Gathered, pin_of};
use super::{Knowledge, Root};
use crate::index::Release;
use crate::pin::Pin;
use crate::targets::Target;

/// A dependency `--add-missing` pins.
#[derive(Debug)]
pub(crate) struct Added {
    pub(crate) release: Release,
    pub(crate) pin: Pin,
    /// The packages that require it, as `name` (sorted).
    pub(crate) via: Vec<String>,
    /// A marker when only some targets need it.
    pub(crate) marker: Option<String>,
}

/// The resolved packages the files do not pin, with what requires each and the
/// targets that need it.
pub(crate) fn annotate(
    gathered: &Gathered<'_>,
    (roots, root_targets): (&[Root], &[BTreeSet<usize>]),
    resolved: &BTreeMap<PackageName, Version>,
    targets: &[Target],
) -> Vec<Added> {
    let in_file: BTreeSet<&PackageName> = roots.iter().map(|r| &r.name).collect();
    // Per target, the packages reached from the roots whose markers hold there.
    let mut needed: BTreeMap<PackageName, BTreeSet<usize>> = BTreeMap::new();
    let mut via: BTreeMap<PackageName, BTreeSet<String>> = BTreeMap::new();
    let mut edges: BTreeMap<PackageName, Vec<MarkerTree>> = BTreeMap::new();
    for (t, target) in targets.iter().enumerate() {
        let env = target.marker_environment();
        let mut queue: Vec<(PackageName, Vec<pep508_rs::ExtraName>)> = roots
            .iter()
            .zip(root_targets)
            .filter(|(_, on)| on.contains(&t))
            .map(|(r, _)| (r.name.clone(), r.extras.clone()))
            .collect();
        let mut seen: BTreeSet<(PackageName, Option<pep508_rs::ExtraName>)> = BTreeSet::new();
        while let Some((name, extras)) = queue.pop() {
            let fresh: Vec<Option<pep508_rs::ExtraName>> = std::iter::once(None)
                .chain(extras.iter().cloned().map(Some))
                .filter(|e| seen.insert((name.clone(), e.clone())))
                .collect();
            if fresh.is_empty() {
                continue;
            }
            needed.entry(name.clone()).or_default().insert(t);
            let Some(version) = resolved.get(&name) else {
                continue;
            };
            let Some(Ok(requires)) = gathered.requires(&name, version) else {
                continue;
            };
            for requirement in requires {
                let holds = fresh.iter().any(|extra| {
                    let extras: Vec<_> = extra.iter().cloned().collect();
                    requirement.marker.evaluate(&env, &extras)
                });
                if !holds || requirement.name == name {
                    continue;
                }
                if !in_file.contains(&requirement.name) {
                    via.entry(requirement.name.clone())
                        .or_default()
                        .insert(name.to_string());
                    edges
                        .entry(requirement.name.clone())
                        .or_default()
                        .push(requirement.marker.clone().simplify_extras_with(|_| true));
                }
                queue.push((requirement.name.clone(), requirement.extras.clone()));
            }
        }
    }
    let mut added = Vec::new();
    for (name, version) in resolved {
        if in_file.contains(name) {
            continue;
        }
        let Some(mut release) = gathered.release(name, version).cloned() else {
            continue;
        };
        if let Some(spelled) = gathered.spelled(name, version) {
            release.name = spelled;
        }
        let on = needed.get(name).cloned().unwrap_or_default();
        // The resolver weighs every dependency on every target at once; one that no
        // target reaches from the lines whose markers hold there is not needed.
        if on.is_empty() {
            continue;
        }
        let marker = (on.len() < targets.len())
            .then(|| {
                marker_for(
                    edges.get(name).map(Vec::as_slice).unwrap_or(&[]),
                    targets,
                    &on,
                )
            })
            .flatten();
        added.push(Added {
            release,
            pin: pin_of(name, version),
            via: via
                .get(name)
                .map(|v| v.iter().cloned().collect())
                .unwrap_or_default(),
            marker,
        });
    }
    added
}

/// The marker of an added pin that only some targets need: the disjunction of the
/// markers of the requirements on it, when that holds on exactly the targets that
/// need it (else none: the pin is then written for every target).
fn marker_for(edges: &[MarkerTree], targets: &[Target], on: &BTreeSet<usize>) -> Option<String> {
    let mut marker = MarkerTree::FALSE;
    for edge in edges {
        marker.or(edge.clone());
    }
    let exact = targets
        .iter()
        .enumerate()
        .all(|(t, target)| marker.evaluate(&target.marker_environment(), &[]) == on.contains(&t));
    if exact { marker.try_to_string() } else { None }
}
