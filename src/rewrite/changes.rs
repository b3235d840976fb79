//! What a rewrite did to each requirement, for the reports of `lock` and `migrate`
//! (`--format json`): the hashes it added and removed, as `--hash` options
//! (what pip checks) and as peep `# sha256:` lines (what peep checks).

use std::collections::BTreeSet;

use crate::digest::{Digest, Sha256};
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
    /// Its `--hash` options.
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
    pub added: Vec<Digest>,
    pub removed: Vec<Digest>,
}

impl Delta {
    /// From the set a line had to the set it has.
    pub(crate) fn between<D: Clone + Into<Digest> + Ord>(
        before: &BTreeSet<D>,
        after: &BTreeSet<D>,
    ) -> Delta {
        Delta {
            added: after.difference(before).cloned().map(Into::into).collect(),
            removed: before.difference(after).cloned().map(Into::into).collect(),
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
        let digests = |set: BTreeSet<Sha256>| Vec::from_iter(set.into_iter().map(Digest::from));
        assert_eq!(delta.added, digests(set(&[3])));
        assert_eq!(delta.removed, digests(set(&[1])));
        assert_eq!(Delta::between(&set(&[1]), &set(&[1])), Delta::default());
    }
}
