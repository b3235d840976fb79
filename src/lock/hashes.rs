//! Which sha256 hashes a requirement line should carry, given what the index publishes.

use std::collections::BTreeSet;

use crate::digest::Sha256;
use crate::requirements::Hash;

/// What to do with one requirement's hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The line already carries exactly the published sha256 set: leave it alone.
    Keep,
    /// The line has no sha256 hashes, or only published ones: write the full set.
    Add(Vec<Sha256>),
    /// None of the line's sha256 hashes is published (the pin was edited by hand, or
    /// `--force`): replace them with the full set. `stale` are the ones dropped.
    Replace {
        hashes: Vec<Sha256>,
        stale: Vec<Sha256>,
    },
    /// Some hashes are published and some are not: what tampering or a deleted file
    /// looks like. `unknown` are the unpublished ones, in file order.
    Conflict { unknown: Vec<Sha256> },
}

/// Decides a line's sha256 hashes. Hashes of other algorithms are not considered:
/// the caller keeps them as they are.
pub(crate) fn decide(existing: &[Hash], published: &BTreeSet<Sha256>, force: bool) -> Decision {
    let written: Vec<Sha256> = existing.iter().filter_map(Hash::sha256).collect();
    let (known, unknown): (Vec<Sha256>, Vec<Sha256>) = written
        .into_iter()
        .partition(|digest| published.contains(digest));
    let all: Vec<Sha256> = published.iter().copied().collect();
    if unknown.is_empty() {
        let have: BTreeSet<Sha256> = known.into_iter().collect();
        // Duplicates or case differences alone are not worth a rewrite: pip reads them fine.
        return if have == *published {
            Decision::Keep
        } else {
            Decision::Add(all)
        };
    }
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
    use crate::digest::Digest;
    use crate::requirements::HashAlgorithm;

    const A: &str = "aa00000000000000000000000000000000000000000000000000000000000000";
    const B: &str = "bb00000000000000000000000000000000000000000000000000000000000000";
    const X: &str = "ff00000000000000000000000000000000000000000000000000000000000000";

    fn hash(algorithm: HashAlgorithm, digest: &str) -> Hash {
        Hash {
            span: 0..0,
            digest: Digest::from_hex(algorithm, digest).unwrap(),
            digest_span: 0..0,
        }
    }

    fn d(hex: &str) -> Sha256 {
        hex.parse().unwrap()
    }

    fn sha256(digest: &str) -> Hash {
        hash(HashAlgorithm::Sha256, digest)
    }

    fn published() -> BTreeSet<Sha256> {
        [A, B].iter().map(|s| d(s)).collect()
    }

    fn full() -> Vec<Sha256> {
        vec![d(A), d(B)]
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
                stale: vec![d(X)]
            }
        );
    }

    #[test]
    fn mixed_is_a_conflict_unless_forced() {
        let lines = [sha256(A), sha256(X)];
        assert_eq!(
            decide(&lines, &published(), false),
            Decision::Conflict {
                unknown: vec![d(X)]
            }
        );
        assert!(matches!(
            decide(&lines, &published(), true),
            Decision::Replace { .. }
        ));
    }

    #[test]
    fn other_algorithms_do_not_count() {
        let lines = [
            sha256(A),
            sha256(B),
            hash(HashAlgorithm::Sha512, &"00".repeat(64)),
        ];
        assert_eq!(decide(&lines, &published(), false), Decision::Keep);
    }
}
