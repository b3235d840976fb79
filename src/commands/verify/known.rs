//! `verify --offline`: the hashed pins checked against what this machine already
//! knows, asking nothing: the cache's answers, however old, then the first-seen
//! log's file digests, which are kept forever.

use std::collections::HashMap;

use super::super::connect::connect;
use super::super::lookup::{fetch_all, unique_pins};
use super::{hashed_records, targets_of};
use crate::cli::VerifyArgs;
use crate::diagnostics::Located;
use crate::digest::Sha256;
use crate::index::IndexError;
use crate::lock::Projects;
use crate::verify::online::{self, Target};
use crate::verify::render;
use crate::workspace::Workspace;

/// `--offline`: the hashed pins checked against what this machine already knows,
/// without a request. A pin the cache holds an answer for (however old) gets every
/// check of a run online that needs no download and no other page: a hash the
/// answer does not publish, a yanked version, files the line misses. A pin it does
/// not hold is confirmed when the first-seen log holds a file of that version for
/// each of its sha256 hashes. The rest is counted as not checked (never passed in
/// silence): [`Coverage::tell`] names them. Nothing here fails the run by itself:
/// without a cache, or with an index setting that needs the network, every pin is
/// simply not checked.
pub(super) async fn findings(args: &VerifyArgs, workspace: &Workspace) -> (Vec<Located>, Coverage) {
    let records = hashed_records(workspace);
    let targets = targets_of(workspace, &records);
    let unique = unique_pins(targets.iter().map(|target| target.pin));
    let mut coverage = Coverage::default();
    if unique.is_empty() {
        return (Vec::new(), coverage);
    }
    let quiet = true;
    let mut releases = online::Releases::new();
    let mut shown = Vec::new();
    let connected = if args.index.cache.no_cache {
        coverage.why = "the cache is off: `--no-cache` or `HASHLOCK_NO_CACHE`".to_owned();
        None
    } else {
        match connect(&args.index, workspace, false, &unique).await {
            Ok(index) => Some(index),
            Err(failure) => {
                // A usage error (no cache directory) or a location only the network
                // can answer (a find-links URL): said once, instead of a check.
                coverage.why = failure.reports.first().map_or_else(
                    || "the indexes cannot be read offline".to_owned(),
                    |r| r.to_string(),
                );
                None
            }
        }
    };
    if let Some(index) = connected {
        shown = index.shown_locations();
        for (pin, answer) in fetch_all(&index, &unique, &args.index, quiet).await {
            match answer {
                Err(IndexError::Offline { .. }) => {}
                answer => {
                    releases.insert(pin, answer);
                }
            }
        }
    }
    let answered: Vec<Target<'_>> = targets
        .iter()
        .filter(|target| releases.contains_key(target.pin))
        .cloned()
        .collect();
    let kept = super::super::deps::kept_for_verify(args, workspace, &releases)
        .ok()
        .flatten();
    let options = online::Options {
        strict: args.strict,
        deny_yanked: args.deny_yanked,
        kept: kept.as_ref(),
        cached: true,
    };
    let mut findings = Vec::new();
    // An answer kept in the cache never holds a transport error; were one there, its
    // pin is left unchecked rather than failing an offline run.
    match online::check(
        &answered,
        &releases,
        &Projects::new(),
        &HashMap::new(),
        options,
    ) {
        Ok(found) => {
            findings = found;
            coverage.cached = releases.len();
        }
        Err(_) => releases.clear(),
    }
    let lacking = unique.iter().any(|pin| !releases.contains_key(*pin));
    let logs = if args.log.no_log || !lacking {
        None
    } else {
        Some(super::super::first_seen::read_for_verify(args, &unique))
    };
    let keys = log_keys(&shown);
    for pin in unique {
        if releases.contains_key(pin) {
            continue;
        }
        let lines: Vec<&Target<'_>> = targets.iter().filter(|t| t.pin == pin).collect();
        let confirmed = logs.as_ref().is_some_and(|logs| {
            lines
                .iter()
                .all(|target| seen_for_version(&logs.seen, &keys, target))
        });
        if confirmed {
            coverage.logged += 1;
        } else {
            coverage.unchecked.push(pin.to_string());
        }
    }
    (findings, coverage)
}

/// The names the first-seen log may give the run's locations (`shown`): each one's,
/// and all of them together (a log's index names every location a release's files
/// came from).
fn log_keys(shown: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = shown
        .iter()
        .map(|s| super::super::first_seen::index_key(s))
        .collect();
    if keys.len() > 1 {
        keys.push(keys.join(" "));
    }
    keys
}

/// Whether every sha256 of `target` is the digest of a file the first-seen log
/// holds for its version under one of `keys` (see [`log_keys`]).
fn seen_for_version(seen: &crate::log::Seen, keys: &[String], target: &Target<'_>) -> bool {
    let project = target.pin.name.to_string();
    let version = target.pin.version.to_string();
    let digests: Vec<Sha256> = online::written(target).into_keys().collect();
    if digests.is_empty() {
        return false;
    }
    keys.iter().any(|key| {
        let files: Vec<Sha256> = seen
            .filenames(key, &project, &version)
            .into_iter()
            .filter_map(|name| Some(seen.file(key, name)?.sha256))
            .collect();
        digests.iter().all(|digest| files.contains(digest))
    })
}

/// How far an `--offline` run could check hashes against an index's answers.
#[derive(Debug, Default)]
pub(super) struct Coverage {
    /// Pins answered from the cache.
    cached: usize,
    /// Pins whose hashes the first-seen log confirmed.
    logged: usize,
    /// Pins neither knew, as `name==version`.
    unchecked: Vec<String>,
    /// Why they were not checked, when it is not that the cache lacks them.
    why: String,
}

impl Coverage {
    pub(super) fn totals(&self) -> render::Offline {
        render::Offline {
            from_cache: self.cached,
            from_log: self.logged,
            unchecked: self.unchecked.len(),
        }
    }

    /// Names the pins left unchecked, after the summary.
    pub(super) fn tell(self) {
        if self.unchecked.is_empty() {
            return;
        }
        const SHOWN: usize = 5;
        let mut names = self.unchecked[..self.unchecked.len().min(SHOWN)].join(", ");
        if self.unchecked.len() > SHOWN {
            names.push_str(&format!(", and {} more", self.unchecked.len() - SHOWN));
        }
        let why = if self.why.is_empty() {
            "not in hashlock's cache"
        } else {
            &self.why
        };
        crate::report::line(&format!(
            "Not checked against an index ({why}): {names}; run `hashlock verify` once online to check them"
        ));
    }
}
