//! What a rewrite did to each requirement, for the reports of `lock` and `migrate`
//! (`--format json`): the sha256 hashes it added and removed, as `--hash` options
//! (what pip checks) and as peep `# sha256:` lines (what peep checks).

use std::collections::BTreeSet;

use crate::digest::Sha256;
use crate::requirements::{Line, Requirement, Span, Target};

/// One requirement whose line a rewrite changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Changed {
    /// The index of its line in the file's lines.
    pub line: usize,
    /// Its whole logical line in the old text (continuations included), without
    /// the final line break.
    pub span: Span,
    /// The requirement as pip reads it (continuations joined).
    pub requirement: String,
    /// The normalized project name, when the requirement names one.
    pub package: Option<String>,
    /// Its `--hash=sha256:` options.
    pub options: Delta,
    /// Its peep `# sha256:` lines.
    pub peep: Delta,
}

impl Changed {
    pub(crate) fn new(
        index: usize,
        line: &Line,
        req: &Requirement,
        options: Delta,
        peep: Delta,
    ) -> Changed {
        let package = match &req.target {
            Target::Pep508(parsed) => Some(parsed.name.to_string()),
            Target::Unnamed { .. } => None,
        };
        Changed {
            line: index,
            span: line.span.start..line.terminator.start,
            requirement: req.text.trim().to_owned(),
            package,
            options,
            peep,
        }
    }
}

/// Digests that came and went, each sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Delta {
    pub added: Vec<Sha256>,
    pub removed: Vec<Sha256>,
}

impl Delta {
    /// From the set a line had to the set it has.
    pub(crate) fn between(before: &BTreeSet<Sha256>, after: &BTreeSet<Sha256>) -> Delta {
        Delta {
            added: after.difference(before).copied().collect(),
            removed: before.difference(after).copied().collect(),
        }
    }
}

/// The sha256 digests of a requirement's `--hash` options.
pub(crate) fn option_digests(req: &Requirement) -> BTreeSet<Sha256> {
    req.hashes.iter().filter_map(|hash| hash.sha256()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(digits: &[u8]) -> BTreeSet<Sha256> {
        digits
            .iter()
            .map(|d| format!("{d:02x}").repeat(32).parse().unwrap())
            .collect()
    }

    #[test]
    fn a_delta_is_what_came_and_what_went() {
        let delta = Delta::between(&set(&[1, 2]), &set(&[2, 3]));
        assert_eq!(delta.added, Vec::from_iter(set(&[3])));
        assert_eq!(delta.removed, Vec::from_iter(set(&[1])));
        assert_eq!(Delta::between(&set(&[1]), &set(&[1])), Delta::default());
    }
}
