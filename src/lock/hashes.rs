//! Which hashes a requirement line should carry, given the digests of its version's
//! files (the sha256 the index publishes and, with `--algorithm`, what their
//! downloads hashed to) and, for hashes that are none of them, which other version
//! they belong to.

use std::collections::BTreeSet;

use crate::digest::Digest;
use crate::requirements::Span;

/// A digest written for a requirement: a `--hash` option, or a peep `# sha256:`
/// line above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub digest: Digest,
    /// Where the digest is written.
    pub span: Span,
    /// A peep comment line, not a `--hash` option.
    pub peep: bool,
}

/// A written hash the version does not publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unpublished {
    pub written: Written,
    /// The other version of the project that publishes it, if any.
    pub owner: Option<String>,
}

/// What to do with one requirement's hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The line's `--hash` options are exactly the published set: leave it alone.
    Keep,
    /// Every written hash is published: add the `missing` ones (all of them when the
    /// line has no `--hash` yet).
    Add { missing: Vec<Digest> },
    /// The line's hashes are replaced by the published set: each one is published
    /// for another version of the project (the pin moved), or `--force`.
    Replace { stale: Vec<Unpublished> },
    /// Some written hash is not published for the version, and the line is not
    /// simply a moved pin: what tampering, a deleted file or a private build looks
    /// like. Refused unless `--force`.
    Refuse { unpublished: Vec<Unpublished> },
}

/// Decides a line's hashes. `written` are its `--hash` digests and peep lines of
/// the algorithms the run knows its files' digests in; `published` the digests to
/// write; `owner` tells which other version of the project publishes a digest.
/// Hashes of other algorithms are not considered: the caller keeps them as they are.
pub(crate) fn decide(
    written: &[Written],
    published: &BTreeSet<Digest>,
    owner: &dyn Fn(&Digest) -> Option<String>,
    force: bool,
) -> Decision {
    let mut seen = BTreeSet::new();
    let unpublished: Vec<Unpublished> = written
        .iter()
        .filter(|w| !published.contains(&w.digest) && seen.insert(w.digest.clone()))
        .map(|w| Unpublished {
            written: w.clone(),
            owner: owner(&w.digest),
        })
        .collect();
    if unpublished.is_empty() {
        let have: BTreeSet<&Digest> = written
            .iter()
            .filter(|w| !w.peep)
            .map(|w| &w.digest)
            .collect();
        // Duplicates or case differences alone are not worth a rewrite: pip reads them fine.
        let missing: Vec<Digest> = published
            .iter()
            .filter(|digest| !have.contains(digest))
            .cloned()
            .collect();
        return if missing.is_empty() {
            Decision::Keep
        } else {
            Decision::Add { missing }
        };
    }
    let any_published = written.iter().any(|w| published.contains(&w.digest));
    let moved = !any_published && unpublished.iter().all(|u| u.owner.is_some());
    if moved || force {
        Decision::Replace { stale: unpublished }
    } else {
        Decision::Refuse { unpublished }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Sha256;

    const A: &str = "aa00000000000000000000000000000000000000000000000000000000000000";
    const B: &str = "bb00000000000000000000000000000000000000000000000000000000000000";
    const X: &str = "ff00000000000000000000000000000000000000000000000000000000000000";
    const OLD: &str = "0100000000000000000000000000000000000000000000000000000000000000";

    fn d(hex: &str) -> Digest {
        hex.parse::<Sha256>().unwrap().into()
    }

    fn sha256(hex: &str) -> Written {
        Written {
            digest: d(hex),
            span: 0..0,
            peep: false,
        }
    }

    fn peep(hex: &str) -> Written {
        Written {
            peep: true,
            ..sha256(hex)
        }
    }

    fn published() -> BTreeSet<Digest> {
        [A, B].iter().map(|s| d(s)).collect()
    }

    /// `OLD` is published by version 1.0 of the project; nothing else elsewhere.
    fn owner(digest: &Digest) -> Option<String> {
        (*digest == d(OLD)).then(|| "1.0".to_owned())
    }

    fn decide_with(written: &[Written], force: bool) -> Decision {
        decide(written, &published(), &owner, force)
    }

    #[test]
    fn no_hashes_gets_every_published_one() {
        assert_eq!(
            decide_with(&[], false),
            Decision::Add {
                missing: vec![d(A), d(B)]
            }
        );
    }

    #[test]
    fn complete_set_is_kept_whatever_its_order_or_case() {
        let upper = B.to_ascii_uppercase();
        assert_eq!(
            decide_with(&[sha256(&upper), sha256(A)], false),
            Decision::Keep
        );
    }

    #[test]
    fn published_subset_is_completed_with_the_missing_ones() {
        assert_eq!(
            decide_with(&[sha256(B)], false),
            Decision::Add {
                missing: vec![d(A)]
            }
        );
    }

    #[test]
    fn hashes_of_another_version_are_a_moved_pin() {
        let Decision::Replace { stale } = decide_with(&[sha256(OLD)], false) else {
            panic!("a moved pin is replaced");
        };
        assert_eq!(stale[0].owner.as_deref(), Some("1.0"));
    }

    #[test]
    fn hashes_no_version_has_are_refused_unless_forced() {
        // A private build of a public version, or tampering: never replaced silently.
        let Decision::Refuse { unpublished } = decide_with(&[sha256(X)], false) else {
            panic!("refused");
        };
        assert_eq!(
            (&unpublished[0].written.digest, &unpublished[0].owner),
            (&d(X), &None)
        );
        assert!(matches!(
            decide_with(&[sha256(X)], true),
            Decision::Replace { .. }
        ));
    }

    #[test]
    fn mixed_is_refused_unless_forced() {
        let lines = [sha256(A), sha256(X)];
        assert!(matches!(
            decide_with(&lines, false),
            Decision::Refuse { .. }
        ));
        // A published hash next to another version's: not a clean move either.
        let lines = [sha256(A), sha256(OLD)];
        assert!(matches!(
            decide_with(&lines, false),
            Decision::Refuse { .. }
        ));
        assert!(matches!(
            decide_with(&lines, true),
            Decision::Replace { .. }
        ));
    }

    #[test]
    fn peep_hashes_are_checked_but_do_not_count_as_hash_options() {
        // A published peep hash: the `--hash` options are still all missing.
        assert_eq!(
            decide_with(&[peep(A)], false),
            Decision::Add {
                missing: vec![d(A), d(B)]
            }
        );
        // An unpublished one stops the line like a `--hash` would.
        assert!(matches!(
            decide_with(&[sha256(A), sha256(B), peep(X)], false),
            Decision::Refuse { .. }
        ));
    }
}
