//! The `lock` planner: from looked-up releases to a rewritten file, with no I/O.
//!
//! [`plan_file`] decides, line by line, which sha256 hashes each pinned requirement
//! should carry ([`decide`]) and renders only the lines that must change
//! ([`layout::requirement_line`], and with `--peep` the comment lines of
//! [`peep_lines`]); every other byte is copied from the input ([`Edits`]).

mod hashes;

use std::collections::HashMap;

pub(crate) use hashes::{Decision, decide};

use crate::digest::Sha256;
use crate::index::Release;
use crate::pin::Pin;
use crate::requirements::{Requirement, RequirementsFile, Span};
use crate::rewrite::{Edits, layout, peep_lines};

/// A requirement line that `lock` cannot finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// Some of the line's hashes are published for the version and some are not.
    UnknownHashes {
        span: Span,
        pin: Pin,
        version: String,
        unknown: Vec<Sha256>,
    },
    /// The index lists no file with a sha256 for the version.
    NoHashes { span: Span, pin: Pin },
}

/// A line whose hashes were replaced (none was published, or `--force`): worth
/// telling the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Replaced {
    pub span: Span,
    pub pin: Pin,
    pub stale: Vec<Sha256>,
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
    pub replaced: Vec<Replaced>,
    pub problems: Vec<Problem>,
}

/// Whether `lock` also writes peep's `# sha256:` comment lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum PeepMode {
    /// Only `--hash` options (peep lines already there are left alone).
    #[default]
    Off,
    /// `--hash` options and peep lines above each requirement.
    Also,
    /// Only peep lines; `--hash` options are left as they are.
    Only,
}

/// How to lock.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    /// Replace hashes even when only some are unknown.
    pub force: bool,
    pub peep: PeepMode,
}

/// One pinned requirement of the file to lock: its line (an index into the file's
/// lines), the requirement on it, and its pin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pinned<'a> {
    pub line: usize,
    pub req: &'a Requirement,
    pub pin: &'a Pin,
}

/// Locks `file`'s `pinned` requirements with the releases looked up for their pins.
/// A pin without a release is left as it is.
pub(crate) fn plan_file(
    file: &RequirementsFile,
    pinned: &[Pinned<'_>],
    releases: &HashMap<Pin, Release>,
    options: Options,
) -> Plan {
    let mut plan = Plan::default();
    let mut edits = Edits::default();
    let blocks = match options.peep {
        PeepMode::Off => HashMap::new(),
        PeepMode::Also | PeepMode::Only => peep_lines::blocks(file),
    };
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
        let published = release.sha256s();
        if published.is_empty() {
            let span = req.span.clone();
            plan.problems.push(Problem::NoHashes {
                span,
                pin: pin.clone(),
            });
            continue;
        }
        let mut changed = false;
        if options.peep != PeepMode::Only {
            let rewrite = |hashes: &[Sha256]| layout::requirement_line(file, line, req, hashes);
            match decide(&req.hashes, &published, options.force) {
                Decision::Keep => {}
                Decision::Add(hashes) => {
                    edits.replace(index, rewrite(&hashes));
                    changed = true;
                }
                Decision::Replace { hashes, stale } => {
                    plan.replaced.push(Replaced {
                        span: req.span.clone(),
                        pin: pin.clone(),
                        stale,
                    });
                    edits.replace(index, rewrite(&hashes));
                    changed = true;
                }
                Decision::Conflict { unknown } => {
                    plan.problems.push(Problem::UnknownHashes {
                        span: req.span.clone(),
                        pin: pin.clone(),
                        version: release.version.clone(),
                        unknown,
                    });
                    continue;
                }
            }
        }
        if options.peep != PeepMode::Off {
            changed |= peep_lines::write(file, index, blocks.get(&index), &published, &mut edits);
        }
        plan.locked += 1;
        plan.hashes += published.len();
        plan.lines_changed += usize::from(changed);
    }
    plan.text = edits.apply(file);
    plan
}

#[cfg(test)]
mod tests;
