//! Turning looked-up releases into a rewritten file.
//!
//! [`plan`] decides, line by line, which sha256 hashes each pinned requirement should
//! carry ([`hashes::decide`]) and renders only the lines that must change
//! ([`render::requirement_line`], and with `--peep` the comment lines of
//! [`peep_lines`]); every other byte is copied from the input ([`Edits`]).

mod edits;
mod hashes;
mod peep_lines;
pub(crate) mod render;

use std::collections::HashMap;

pub use edits::Edits;
pub use hashes::{Decision, decide};

use crate::index::{Pin, Release};
use crate::requirements::{LineKind, RequirementsFile, Span};

/// A requirement line that `lock` cannot finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Some of the line's hashes are published for the version and some are not.
    UnknownHashes {
        span: Span,
        pin: Pin,
        version: String,
        unknown: Vec<String>,
    },
    /// The index lists no file with a sha256 for the version.
    NoHashes { span: Span, pin: Pin },
}

/// A line that kept its hashes only because `--force` replaced them, or whose stale
/// hashes were replaced: worth telling the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub span: Span,
    pub pin: Pin,
    pub stale: Vec<String>,
}

/// The outcome of locking one file.
#[derive(Debug, Clone, Default)]
pub struct Plan {
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
pub enum PeepMode {
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
pub struct Options {
    /// Replace hashes even when only some are unknown.
    pub force: bool,
    pub peep: PeepMode,
}

/// Locks `file`: `pins` maps line indexes (into `file.lines`) to the pin of their
/// requirement; `release` answers with the looked-up files of a pin.
pub fn plan<'a>(
    file: &RequirementsFile,
    pins: &HashMap<usize, Pin>,
    release: impl Fn(&Pin) -> Option<&'a Release>,
    options: Options,
) -> Plan {
    let mut plan = Plan::default();
    let mut edits = Edits::default();
    let blocks = match options.peep {
        PeepMode::Off => HashMap::new(),
        PeepMode::Also | PeepMode::Only => peep_lines::blocks(file),
    };
    for (index, line) in file.lines.iter().enumerate() {
        let (Some(pin), LineKind::Requirement(req)) = (pins.get(&index), &line.kind) else {
            continue;
        };
        let Some(release) = release(pin) else {
            continue;
        };
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
            match decide(&req.hashes, &published, options.force) {
                Decision::Keep => {}
                Decision::Add(hashes) => {
                    edits.replace(index, render::requirement_line(file, line, req, &hashes));
                    changed = true;
                }
                Decision::Replace { hashes, stale } => {
                    let span = req.span.clone();
                    plan.replaced.push(Replaced {
                        span,
                        pin: pin.clone(),
                        stale,
                    });
                    edits.replace(index, render::requirement_line(file, line, req, &hashes));
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
