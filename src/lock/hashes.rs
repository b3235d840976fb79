//! Which sha256 hashes a requirement line should carry, given what the index publishes.

use std::collections::BTreeSet;

use crate::requirements::{Hash, HashAlgorithm};

/// What to do with one requirement's hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The line already carries exactly the published sha256 set: leave it alone.
    Keep,
    /// The line has no sha256 hashes, or only published ones: write the full set.
    Add(Vec<String>),
    /// None of the line's sha256 hashes is published (the pin was edited by hand, or
    /// `--force`): replace them with the full set. `stale` are the ones dropped.
    Replace {
        hashes: Vec<String>,
        stale: Vec<String>,
    },
    /// Some hashes are published and some are not: what tampering or a deleted file
    /// looks like. `unknown` are the unpublished ones, as written.
    Conflict { unknown: Vec<String> },
}

/// Decides a line's sha256 hashes. `published` holds lowercase hex digests.
/// Hashes of other algorithms are not considered: the caller keeps them as they are.
pub fn decide(existing: &[Hash], published: &BTreeSet<String>, force: bool) -> Decision {
    let written: Vec<&Hash> = existing
        .iter()
        .filter(|hash| hash.algorithm == HashAlgorithm::Sha256)
        .collect();
    let (known, unknown): (Vec<&Hash>, Vec<&Hash>) = written
        .iter()
        .partition(|hash| published.contains(&hash.digest.to_ascii_lowercase()));
    let all: Vec<String> = published.iter().cloned().collect();
    if unknown.is_empty() {
        let have: BTreeSet<String> = known
            .iter()
            .map(|h| h.digest.to_ascii_lowercase())
            .collect();
        // Duplicates or case differences alone are not worth a rewrite: pip reads them fine.
        return if have == *published {
            Decision::Keep
        } else {
            Decision::Add(all)
        };
    }
    let unknown: Vec<String> = unknown.iter().map(|hash| hash.digest.clone()).collect();
    if known.is_empty() || force {
        Decision::Replace {
            hashes: all,
            stale: unknown,
        }
    } else {
        Decision::Conflict { unknown }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aa00000000000000000000000000000000000000000000000000000000000000";
    const B: &str = "bb00000000000000000000000000000000000000000000000000000000000000";
    const X: &str = "ff00000000000000000000000000000000000000000000000000000000000000";

    fn hash(algorithm: HashAlgorithm, digest: &str) -> Hash {
        Hash {
            span: 0..0,
            algorithm,
            digest: digest.to_string(),
            digest_span: 0..0,
        }
    }

    fn sha256(digest: &str) -> Hash {
        hash(HashAlgorithm::Sha256, digest)
    }

    fn published() -> BTreeSet<String> {
        [A, B].iter().map(|s| s.to_string()).collect()
    }

    fn full() -> Vec<String> {
        vec![A.to_string(), B.to_string()]
    }

    #[test]
    fn no_hashes_gets_every_published_one() {
        assert_eq!(decide(&[], &published(), false), Decision::Add(full()));
    }

    #[test]
    fn complete_set_is_kept_whatever_its_order_or_case() {
        let upper = B.to_ascii_uppercase();
        assert_eq!(
            decide(&[sha256(&upper), sha256(A)], &published(), false),
            Decision::Keep
        );
    }

    #[test]
    fn published_subset_is_completed() {
        assert_eq!(
            decide(&[sha256(B)], &published(), false),
            Decision::Add(full())
        );
    }

    #[test]
    fn all_unknown_is_replaced() {
        let decision = decide(&[sha256(X)], &published(), false);
        assert_eq!(
            decision,
            Decision::Replace {
                hashes: full(),
                stale: vec![X.to_string()]
            }
        );
    }

    #[test]
    fn mixed_is_a_conflict_unless_forced() {
        let lines = [sha256(A), sha256(X)];
        assert_eq!(
            decide(&lines, &published(), false),
            Decision::Conflict {
                unknown: vec![X.to_string()]
            }
        );
        assert!(matches!(
            decide(&lines, &published(), true),
            Decision::Replace { .. }
        ));
    }

    #[test]
    fn other_algorithms_do_not_count() {
        let lines = [sha256(A), sha256(B), hash(HashAlgorithm::Sha512, "00")];
        assert_eq!(decide(&lines, &published(), false), Decision::Keep);
    }
}
