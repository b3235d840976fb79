//! Turning looked-up releases into a rewritten file.
//!
//! [`plan`] decides, line by line, which sha256 hashes each pinned requirement should
//! carry ([`hashes::decide`]) and renders only the lines that must change
//! ([`render::requirement_line`]); every other byte is copied from the input.

mod hashes;
mod render;

use std::collections::{BTreeSet, HashMap};

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

/// Locks `file`: `pins` maps line indexes (into `file.lines`) to the pin of their
/// requirement; `release` answers with the looked-up files of a pin.
pub fn plan<'a>(
    file: &RequirementsFile,
    pins: &HashMap<usize, Pin>,
    release: impl Fn(&Pin) -> Option<&'a Release>,
    force: bool,
) -> Plan {
    let mut plan = Plan {
        text: String::with_capacity(file.text.len() * 2),
        ..Plan::default()
    };
    for (index, line) in file.lines.iter().enumerate() {
        let original = &file.text[line.span.clone()];
        let (Some(pin), LineKind::Requirement(req)) = (pins.get(&index), &line.kind) else {
            plan.text.push_str(original);
            continue;
        };
        let Some(release) = release(pin) else {
            plan.text.push_str(original);
            continue;
        };
        let published: BTreeSet<String> = release
            .files
            .iter()
            .filter_map(|f| f.sha256.as_ref().map(|h| h.to_ascii_lowercase()))
            .collect();
        if published.is_empty() {
            plan.problems.push(Problem::NoHashes {
                span: req.span.clone(),
                pin: pin.clone(),
            });
            plan.text.push_str(original);
            continue;
        }
        let sha256 = match decide(&req.hashes, &published, force) {
            Decision::Keep => {
                plan.locked += 1;
                plan.hashes += published.len();
                plan.text.push_str(original);
                continue;
            }
            Decision::Add(hashes) => hashes,
            Decision::Replace { hashes, stale } => {
                plan.replaced.push(Replaced {
                    span: req.span.clone(),
                    pin: pin.clone(),
                    stale,
                });
                hashes
            }
            Decision::Conflict { unknown } => {
                plan.problems.push(Problem::UnknownHashes {
                    span: req.span.clone(),
                    pin: pin.clone(),
                    version: release.version.clone(),
                    unknown,
                });
                plan.text.push_str(original);
                continue;
            }
        };
        plan.locked += 1;
        plan.hashes += sha256.len();
        plan.lines_changed += 1;
        plan.text
            .push_str(&render::requirement_line(file, line, req, &sha256));
    }
    plan
}

#[cfg(test)]
mod tests;
