//! The `lock` planner: from looked-up releases to a rewritten file, with no I/O.
//!
//! [`plan_file`] decides, line by line, which hashes each pinned requirement should
//! carry ([`decide`]), from its `--hash` options and the peep lines above it,
//! and renders only what must change: the missing hashes added after the existing
//! ones ([`layout::with_added_hashes`]), or the whole line in pip-compile's layout
//! when it had none or its hashes are replaced ([`layout::requirement_line`]), and
//! with `--peep` the comment lines of [`peep_lines`]. Every other byte is copied from
//! the input ([`Edits`]).
//!
//! A file is named by the sha256 its index publishes. With `--algorithm sha512`
//! ([`Spelling`]) each file is also known by the sha512 its download hashed to:
//! lines are written with those, their sha256 hashes are checked and replaced, and a
//! line locked with an algorithm the run does not know its files' digests in is
//! refused ([`Problem::OtherAlgorithm`]) rather than given a second set.

mod hashes;

use std::collections::{BTreeSet, HashMap};

pub(crate) use hashes::{Decision, Unpublished, Written, decide};
use pep508_rs::PackageName;

use crate::digest::{Algorithm, Digest, Sha256};
use crate::index::Release;
use crate::index::Releases;
use crate::peep::Block;
use crate::pin::Pin;
use crate::requirements::{Line, Requirement, RequirementsFile, Span};
use crate::rewrite::changes::{Changed, Delta};
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
    /// The line's hashes are all of an algorithm the run does not know its files'
    /// digests in (a sha512 line, and no `--download --algorithm sha512`): they can
    /// be neither checked nor completed, and a second set would hide that.
    OtherAlgorithm {
        span: Span,
        pin: Pin,
        /// The line's algorithm.
        written: Algorithm,
        /// The run's (`--algorithm`, else sha256).
        asked: Algorithm,
    },
    /// `--algorithm`: a file of the version was not downloaded, so its digest in that
    /// algorithm is unknown.
    NotDownloaded { span: Span, pin: Pin },
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
    /// Hashes the locked requirements carry in total.
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
    /// `--algorithm` (other than sha256): what to write instead of the sha256.
    pub spelling: Option<&'a Spelling>,
}

/// The algorithm lines are locked with, other than sha256, and each file's digest in
/// it by the file's sha256 (from its download, checked against the published sha256).
#[derive(Debug, Clone)]
pub(crate) struct Spelling {
    pub algorithm: Algorithm,
    pub of: HashMap<Sha256, Digest>,
}

impl Spelling {
    /// `sha256s` spelled in the algorithm; `None` if some file was not hashed with it.
    fn spell(&self, sha256s: &BTreeSet<Sha256>) -> Option<BTreeSet<Digest>> {
        sha256s.iter().map(|d| self.of.get(d).cloned()).collect()
    }
}

impl Options<'_> {
    /// The algorithm lines are locked with.
    fn algorithm(&self) -> Algorithm {
        self.spelling.map_or(Algorithm::Sha256, |s| s.algorithm)
    }

    /// Whether the run knows the files' digests in `algorithm`, so that a line's
    /// hashes of it are checked (and replaced by the written set).
    fn knows(&self, algorithm: Algorithm) -> bool {
        algorithm == Algorithm::Sha256 || algorithm == self.algorithm()
    }
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
/// archive), and the digest its file hashed to when downloaded (or read): its sha256,
/// or with `--algorithm` that algorithm's.
#[derive(Debug, Clone)]
pub(crate) struct Direct<'a> {
    pub line: usize,
    pub req: &'a Requirement,
    pub digest: Digest,
}

/// Every release of some projects, to tell which version a hash belongs to.
pub(crate) type Projects = HashMap<PackageName, Vec<Release>>;

/// The digests written for a pinned line in the algorithms `knows` takes: its
/// `--hash` options, then the peep lines of its block (sha256).
fn written(
    req: &Requirement,
    block: Option<&Block>,
    knows: &dyn Fn(Algorithm) -> bool,
) -> Vec<Written> {
    let options = req
        .hashes
        .iter()
        .filter(|hash| knows(hash.algorithm()))
        .map(|hash| Written {
            digest: hash.digest.clone(),
            span: hash.digest_span.clone(),
            peep: false,
        });
    let peep = block
        .into_iter()
        .flat_map(|block| &block.hashes)
        .map(|hash| Written {
            digest: hash.digest.into(),
            span: hash.span.clone(),
            peep: true,
        });
    options.chain(peep).collect()
}

/// The algorithm of a line whose hashes are all of algorithms `knows` refuses, if it
/// has hashes.
fn other_algorithm(req: &Requirement, knows: &dyn Fn(Algorithm) -> bool) -> Option<Algorithm> {
    let first = req.hashes.first()?.algorithm();
    req.hashes
        .iter()
        .all(|hash| !knows(hash.algorithm()))
        .then_some(first)
}

/// The pins of `pinned` that carry a hash (or peep line) their version does not
/// publish: to read every release of their projects before planning.
pub(crate) fn unpublished_pins<'a>(
    file: &RequirementsFile,
    pinned: &[Pinned<'a>],
    releases: &Releases,
) -> Vec<&'a Pin> {
    let blocks = peep_lines::blocks(file);
    pinned
        .iter()
        .filter(|p| {
            let Some(release) = releases.get(p.pin) else {
                return false;
            };
            let published = release.sha256s();
            // Only sha256 hashes can belong to another version the index lists.
            written(p.req, blocks.get(&p.line), &|a| a == Algorithm::Sha256)
                .iter()
                .any(|w| w.digest.sha256().is_some_and(|d| !published.contains(&d)))
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
    releases: &Releases,
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
        let knows = |algorithm| options.knows(algorithm);
        // Eggs' and installers' hashes count as published (a line's are no one's
        // else) but are never written: pip does not install such files.
        let mut every_sha256 = release.sha256s();
        every_sha256.extend(release.legacy_sha256s());
        let kept = match options.kept.and_then(|kept| kept.get(pin)) {
            Some(kept) => kept.clone(),
            None => release.sha256s(),
        };
        if let Some(written) = other_algorithm(req, &knows) {
            plan.problems.push(Problem::OtherAlgorithm {
                span: req.span.clone(),
                pin: pin.clone(),
                written,
                asked: options.algorithm(),
            });
            continue;
        }
        if release.files.is_empty() && !release.legacy.is_empty() {
            plan.problems.push(Problem::OnlyLegacy {
                span: req.span.clone(),
                pin: pin.clone(),
                files: release.legacy.iter().map(|f| f.filename.clone()).collect(),
            });
            continue;
        }
        if kept.is_empty() {
            let span = req.span.clone();
            let other = release.files.iter().find_map(|f| f.other_hash.clone());
            plan.problems.push(Problem::NoHashes {
                span,
                pin: pin.clone(),
                other,
            });
            continue;
        }
        // The digests to write, and every digest the version's files are known by.
        let mut every: BTreeSet<Digest> = every_sha256.iter().map(|d| Digest::from(*d)).collect();
        let published: BTreeSet<Digest> = match options.spelling {
            None => kept.iter().map(|d| Digest::from(*d)).collect(),
            Some(spelling) => {
                let Some(spelled) = spelling.spell(&kept) else {
                    plan.problems.push(Problem::NotDownloaded {
                        span: req.span.clone(),
                        pin: pin.clone(),
                    });
                    continue;
                };
                every.extend(
                    every_sha256
                        .iter()
                        .filter_map(|d| spelling.of.get(d).cloned()),
                );
                spelled
            }
        };
        let block = blocks.get(&index);
        let owner = |digest: &Digest| owner(projects.get(&pin.name)?, release, &digest.sha256()?);
        // Hashes of the version's files the targets do not take, and with
        // `--algorithm` their sha256 hashes: dropped, not suspicious (they are
        // published), so the line is written anew.
        let (dropped, written): (Vec<Written>, Vec<Written>) = written(req, block, &knows)
            .into_iter()
            .partition(|w| !published.contains(&w.digest) && every.contains(&w.digest));
        let mut decision = decide(&written, &published, &owner, options.force);
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
            after.options.retain(|d| !knows(d.algorithm()));
            after.options.extend(published.iter().cloned());
        }
        let mut changed = false;
        match decision {
            Decision::Keep => {}
            Decision::Add { missing } if rewrite_hashes => {
                let algorithm = options.algorithm();
                let has_some = req.hashes.iter().any(|h| h.algorithm() == algorithm);
                let text = if has_some {
                    layout::with_added_hashes(file, line, req, &missing)
                } else {
                    let all: Vec<Digest> = published.iter().cloned().collect();
                    layout::requirement_line(file, line, req, &all)
                };
                edits.replace(index, text);
                changed = true;
            }
            Decision::Add { .. } => {}
            Decision::Replace { stale } => {
                if rewrite_hashes {
                    let all: Vec<Digest> = published.iter().cloned().collect();
                    edits.replace(index, layout::requirement_line(file, line, req, &all));
                }
                // Stale peep lines go; with `--peep` the block is written anew below.
                let stale_digests: BTreeSet<Sha256> = stale
                    .iter()
                    .filter_map(|u| u.written.digest.sha256())
                    .collect();
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
            // Peep's comments are sha256, whatever `--algorithm` says.
            changed |= peep_lines::write(file, index, block, &kept, &mut edits);
            after.peep = kept.clone();
        }
        plan.count(
            published.len(),
            changed.then_some((index, line, req, &before, &after)),
        );
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
        ref digest,
    } = direct;
    let line = &file.lines[index];
    let block = blocks.get(&index);
    let before = Hashes::of(req, block);
    let mut after = before.clone();
    let mut changed = false;
    if options.peep != PeepMode::Only {
        let digests = [digest.clone()];
        edits.replace(index, layout::requirement_line(file, line, req, &digests));
        after.options = BTreeSet::from(digests);
        changed = true;
    }
    // Peep's comments are sha256 only.
    if let (true, Some(sha256)) = (options.peep != PeepMode::Off, digest.sha256()) {
        let digests = BTreeSet::from([sha256]);
        changed |= peep_lines::write(file, index, block, &digests, edits);
        after.peep = digests;
    }
    plan.count(1, changed.then_some((index, line, req, &before, &after)));
}

impl Plan {
    /// Counts one locked requirement with `hashes` hashes, and the change of its
    /// line (`index`, from `before` to `after`) when it changed.
    fn count(
        &mut self,
        hashes: usize,
        changed: Option<(usize, &Line, &Requirement, &Hashes, &Hashes)>,
    ) {
        self.locked += 1;
        self.hashes += hashes;
        if let Some((index, line, req, before, after)) = changed {
            self.lines_changed += 1;
            self.changed.push(Changed::new(
                index,
                line,
                req,
                Delta::between(&before.options, &after.options),
                Delta::between(&before.peep, &after.peep),
            ));
        }
    }
}

/// The digests a requirement carries, as options (any algorithm) and as peep lines.
#[derive(Debug, Clone)]
struct Hashes {
    options: BTreeSet<Digest>,
    peep: BTreeSet<Sha256>,
}

impl Hashes {
    fn of(req: &Requirement, block: Option<&Block>) -> Hashes {
        Hashes {
            options: req.hashes.iter().map(|hash| hash.digest.clone()).collect(),
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
