//! The `lock` planner: from looked-up releases to a rewritten file, with no I/O.
//!
//! [`plan_file`] decides, line by line, which sha256 hashes each pinned requirement
//! should carry ([`decide`]), from its `--hash` options and the peep lines above it,
//! and renders only what must change: the missing hashes added after the existing
//! ones ([`layout::with_added_hashes`]), or the whole line in pip-compile's layout
//! when it had none or its hashes are replaced ([`layout::requirement_line`]), and
//! with `--peep` the comment lines of [`peep_lines`]. Every other byte is copied from
//! the input ([`Edits`]).

mod hashes;

use std::collections::{BTreeSet, HashMap};

pub(crate) use hashes::{Decision, Unpublished, Written, decide};
use pep508_rs::PackageName;

use crate::digest::Sha256;
use crate::index::Release;
use crate::peep::Block;
use crate::pin::Pin;
use crate::requirements::{Requirement, RequirementsFile, Span};
use crate::rewrite::changes::{Changed, Delta, option_digests};
use crate::rewrite::{Edits, layout, peep_lines};

/// A requirement line that `lock` cannot finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// Hashes the version does not publish, and not simply those of another version.
    Unpublished {
        span: Span,
        pin: Pin,
        version: String,
        unpublished: Vec<Unpublished>,
    },
    /// The index lists no file with a sha256 for the version.
    NoHashes {
        span: Span,
        pin: Pin,
        /// Another algorithm the index publishes instead (`md5`), if any.
        other: Option<String>,
    },
    /// The version has only eggs or Windows installers, which pip never installs.
    OnlyLegacy {
        span: Span,
        pin: Pin,
        files: Vec<String>,
    },
}

/// A line whose hashes were replaced (the pin moved, or `--force`): worth telling
/// the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Replaced {
    pub span: Span,
    pub pin: Pin,
    pub stale: Vec<Unpublished>,
}

/// The outcome of locking one file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    /// The file's new text (equal to the old one when nothing changes).
    pub text: String,
    /// Requirements that now carry the full published set.
    pub locked: usize,
    /// sha256 hashes the locked requirements carry in total.
    pub hashes: usize,
    /// Requirement lines rewritten.
    pub lines_changed: usize,
    /// What changed on each of them, in file order.
    pub changed: Vec<Changed>,
    pub replaced: Vec<Replaced>,
    pub problems: Vec<Problem>,
}

/// Whether `lock` also writes peep's `# sha256:` comment lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum PeepMode {
    /// Only `--hash` options (peep lines already there are checked, and kept).
    #[default]
    Off,
    /// `--hash` options and peep lines above each requirement.
    Also,
    /// Only peep lines; `--hash` options are left as they are.
    Only,
}

/// How to lock.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options<'a> {
    /// Replace hashes even when they are not another version's.
    pub force: bool,
    pub peep: PeepMode,
    /// With targets: the digests to write for each pin, the files that install on
    /// them ([`crate::completeness::kept_files`]); a line's hashes of the version's
    /// other files are dropped. `None`: every file of the version.
    pub kept: Option<&'a HashMap<Pin, BTreeSet<Sha256>>>,
}

/// One pinned requirement of the file to lock: its line (an index into the file's
/// lines), the requirement on it, and its pin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pinned<'a> {
    pub line: usize,
    pub req: &'a Requirement,
    pub pin: &'a Pin,
}

/// A direct URL requirement without hashes (`name @ https://...whl`, a local
/// archive), and the sha256 its file hashed to when downloaded (or read).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Direct<'a> {
    pub line: usize,
    pub req: &'a Requirement,
    pub sha256: Sha256,
}

/// Every release of some projects, to tell which version a hash belongs to.
pub(crate) type Projects = HashMap<PackageName, Vec<Release>>;

/// The sha256 digests written for a pinned line: its `--hash` options, then the
/// peep lines of its block.
fn written(req: &Requirement, block: Option<&Block>) -> Vec<Written> {
    let options = req.hashes.iter().filter_map(|hash| {
        Some(Written {
            digest: hash.sha256()?,
            span: hash.digest_span.clone(),
            peep: false,
        })
    });
    let peep = block
        .into_iter()
        .flat_map(|block| &block.hashes)
        .map(|hash| Written {
            digest: hash.digest,
            span: hash.span.clone(),
            peep: true,
        });
    options.chain(peep).collect()
}

/// The pins of `pinned` that carry a hash (or peep line) their version does not
/// publish: to read every release of their projects before planning.
pub(crate) fn unpublished_pins<'a>(
    file: &RequirementsFile,
    pinned: &[Pinned<'a>],
    releases: &HashMap<Pin, Release>,
) -> Vec<&'a Pin> {
    let blocks = peep_lines::blocks(file);
    pinned
        .iter()
        .filter(|p| {
            let Some(release) = releases.get(p.pin) else {
                return false;
            };
            let published = release.sha256s();
            written(p.req, blocks.get(&p.line))
                .iter()
                .any(|w| !published.contains(&w.digest))
        })
        .map(|p| p.pin)
        .collect()
}

/// Locks `file`'s `pinned` requirements with the releases looked up for their pins,
/// and its `direct` URL requirements with the digests of their files; `projects`
/// holds every release of the projects of [`unpublished_pins`]. A pin without a
/// release is left as it is.
pub(crate) fn plan_file(
    file: &RequirementsFile,
    pinned: &[Pinned<'_>],
    direct: &[Direct<'_>],
    releases: &HashMap<Pin, Release>,
    projects: &Projects,
    options: Options<'_>,
) -> Plan {
    let mut plan = Plan::default();
    let mut edits = Edits::default();
    let blocks = peep_lines::blocks(file);
    for &Pinned {
        line: index,
        req,
        pin,
    } in pinned
    {
        let Some(release) = releases.get(pin) else {
            continue;
        };
        let line = &file.lines[index];
        // Eggs' and installers' hashes count as published (a line's are no one's
        // else) but are never written: pip does not install such files.
        let mut every = release.sha256s();
        every.extend(release.legacy_sha256s());
        let published = match options.kept.and_then(|kept| kept.get(pin)) {
            Some(kept) => kept.clone(),
            None => release.sha256s(),
        };
        if release.files.is_empty() && !release.legacy.is_empty() {
            plan.problems.push(Problem::OnlyLegacy {
                span: req.span.clone(),
                pin: pin.clone(),
                files: release.legacy.iter().map(|f| f.filename.clone()).collect(),
            });
            continue;
        }
        if published.is_empty() {
            let span = req.span.clone();
            let other = release.files.iter().find_map(|f| f.other_hash.clone());
            plan.problems.push(Problem::NoHashes {
                span,
                pin: pin.clone(),
                other,
            });
            continue;
        }
        let block = blocks.get(&index);
        let owner = |digest: &Sha256| owner(projects.get(&pin.name)?, release, digest);
        // Hashes of the version's files the targets do not take: dropped, not
        // suspicious (they are published), so the line is written anew.
        let (dropped, kept): (Vec<Written>, Vec<Written>) = written(req, block)
            .into_iter()
            .partition(|w| !published.contains(&w.digest) && every.contains(&w.digest));
        let mut decision = decide(&kept, &published, &owner, options.force);
        if !dropped.iter().all(|w| w.peep)
            && let Decision::Keep | Decision::Add { .. } = decision
        {
            decision = Decision::Replace { stale: Vec::new() };
        }
        let rewrite_hashes = options.peep != PeepMode::Only;
        let before = Hashes::of(req, block);
        let mut after = before.clone();
        if rewrite_hashes && matches!(decision, Decision::Add { .. } | Decision::Replace { .. }) {
            // Both give the line the published set: `Add` only when every hash it
            // had is published, so adding the missing ones makes the same set.
            after.options = published.clone();
        }
        let mut changed = false;
        match decision {
            Decision::Keep => {}
            Decision::Add { missing } if rewrite_hashes => {
                let has_sha256 = req.hashes.iter().any(|h| h.sha256().is_some());
                let text = if has_sha256 {
                    layout::with_added_hashes(file, line, req, &missing)
                } else {
                    let all: Vec<Sha256> = published.iter().copied().collect();
                    layout::requirement_line(file, line, req, &all)
                };
                edits.replace(index, text);
                changed = true;
            }
            Decision::Add { .. } => {}
            Decision::Replace { stale } => {
                if rewrite_hashes {
                    let all: Vec<Sha256> = published.iter().copied().collect();
                    edits.replace(index, layout::requirement_line(file, line, req, &all));
                }
                // Stale peep lines go; with `--peep` the block is written anew below.
                let stale_digests: BTreeSet<Sha256> =
                    stale.iter().map(|u| u.written.digest).collect();
                for hash in block.iter().flat_map(|b| &b.hashes) {
                    if stale_digests.contains(&hash.digest) && options.peep == PeepMode::Off {
                        edits.drop(hash.line);
                        after.peep.remove(&hash.digest);
                    }
                }
                if !stale.is_empty() {
                    plan.replaced.push(Replaced {
                        span: req.span.clone(),
                        pin: pin.clone(),
                        stale,
                    });
                }
                changed = true;
            }
            Decision::Refuse { unpublished } => {
                plan.problems.push(Problem::Unpublished {
                    span: req.span.clone(),
                    pin: pin.clone(),
                    version: release.version.clone(),
                    unpublished,
                });
                continue;
            }
        }
        if options.peep != PeepMode::Off {
            changed |= peep_lines::write(file, index, block, &published, &mut edits);
            after.peep = published.clone();
        }
        plan.locked += 1;
        plan.hashes += published.len();
        plan.lines_changed += usize::from(changed);
        if changed {
            plan.changed.push(Changed::new(
                index,
                line,
                req,
                Delta::between(&before.options, &after.options),
                Delta::between(&before.peep, &after.peep),
            ));
        }
    }
    for direct in direct {
        lock_direct(file, direct, options, &blocks, &mut edits, &mut plan);
    }
    plan.changed.sort_by_key(|changed| changed.line);
    plan.text = edits.apply(file);
    plan
}

/// Writes the one hash of a direct URL requirement (which had none).
fn lock_direct(
    file: &RequirementsFile,
    direct: &Direct<'_>,
    options: Options,
    blocks: &HashMap<usize, Block>,
    edits: &mut Edits,
    plan: &mut Plan,
) {
    let &Direct {
        line: index,
        req,
        sha256,
    } = direct;
    let line = &file.lines[index];
    let block = blocks.get(&index);
    let digests = BTreeSet::from([sha256]);
    let before = Hashes::of(req, block);
    let mut after = before.clone();
    let mut changed = false;
    if options.peep != PeepMode::Only {
        edits.replace(index, layout::requirement_line(file, line, req, &[sha256]));
        after.options = digests.clone();
        changed = true;
    }
    if options.peep != PeepMode::Off {
        changed |= peep_lines::write(file, index, block, &digests, edits);
        after.peep = digests;
    }
    plan.locked += 1;
    plan.hashes += 1;
    plan.lines_changed += usize::from(changed);
    if changed {
        plan.changed.push(Changed::new(
            index,
            line,
            req,
            Delta::between(&before.options, &after.options),
            Delta::between(&before.peep, &after.peep),
        ));
    }
}

/// The sha256 digests a requirement carries, as options and as peep lines.
#[derive(Debug, Clone)]
struct Hashes {
    options: BTreeSet<Sha256>,
    peep: BTreeSet<Sha256>,
}

impl Hashes {
    fn of(req: &Requirement, block: Option<&Block>) -> Hashes {
        Hashes {
            options: option_digests(req),
            peep: block
                .iter()
                .flat_map(|b| &b.hashes)
                .map(|h| h.digest)
                .collect(),
        }
    }
}

/// The version of the project, other than `release`'s, that publishes `digest`.
fn owner(all: &[Release], release: &Release, digest: &Sha256) -> Option<String> {
    all.iter()
        .filter(|other| other.version != release.version)
        .find(|other| other.files.iter().any(|f| f.sha256 == Some(*digest)))
        .map(|other| other.version.clone())
}

#[cfg(test)]
mod tests;
