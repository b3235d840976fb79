//! Matching a pin against the version keys of a project document, and suggesting
//! near misses when nothing matches.

use std::cmp::Reverse;
use std::str::FromStr;

use pep440_rs::Version;

use crate::dist_filename::Kind;
use crate::pin::Pin;

/// The key `pin` selects among `keys`: for `===`, the case-insensitively equal
/// string; for `==`, the PEP 440-equal version (`1.0` selects `1.0.0`), preferring
/// the identically spelled key. Ties go to the smallest key, so the choice does not
/// depend on the document's key order.
pub(super) fn select<'a>(pin: &Pin, keys: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    match &pin.arbitrary {
        Some(text) => keys.filter(|key| key.eq_ignore_ascii_case(text)).min(),
        None => {
            let spelled = pin.version.to_string();
            let equal: Vec<&str> = keys
                .filter(|key| Version::from_str(key).is_ok_and(|v| v == pin.version))
                .collect();
            let exact = equal.iter().find(|key| **key == spelled);
            exact.or_else(|| equal.iter().min()).copied()
        }
    }
}

/// Whether a version string published by the index is the one `pin` asks for.
pub(super) fn matches(pin: &Pin, published: &str) -> bool {
    select(pin, std::iter::once(published)).is_some()
}

/// The version a file listed by an index must state in its name to be a file of a
/// release: the pinned one, or (listing a whole project) the release's key.
#[derive(Debug, Clone, Copy)]
pub(super) enum Wanted<'a> {
    Pin(&'a Pin),
    /// A release key of a project document: the same string (ignoring case), or a
    /// PEP 440-equal version.
    Key(&'a str),
}

impl Wanted<'_> {
    /// Whether `spelled`, the version a file's name of `kind` states, is the wanted
    /// one. Wheels and eggs write a version's `-` as `_` (PEP 427, setuptools): a
    /// `1.0_1` in one of their names is also read as `1.0-1`.
    pub(super) fn accepts(&self, spelled: &str, kind: Kind) -> bool {
        let escaped = matches!(kind, Kind::Wheel | Kind::Legacy) && spelled.contains('_');
        self.is(spelled) || (escaped && self.is(&spelled.replace('_', "-")))
    }

    fn is(&self, spelled: &str) -> bool {
        match self {
            Wanted::Pin(pin) => matches(pin, spelled),
            Wanted::Key(key) => {
                let equal = || match (Version::from_str(key), Version::from_str(spelled)) {
                    (Ok(key), Ok(spelled)) => key == spelled,
                    _ => false,
                };
                key.eq_ignore_ascii_case(spelled) || equal()
            }
        }
    }
}

/// Up to `limit` published versions nearest to `target`, best first.
///
/// `candidates` are (version key, installable) pairs; a version is not installable
/// when all its files are yanked or it has none. Installable versions come first;
/// within each group, see [`by_closeness`]. Keys that are not PEP 440 are skipped.
pub(super) fn nearest<'a>(
    target: &Version,
    candidates: impl Iterator<Item = (&'a str, bool)>,
    limit: usize,
) -> Vec<String> {
    let (installable, yanked): (Vec<_>, Vec<_>) = candidates
        .filter_map(|(key, ok)| Some((Version::from_str(key).ok()?, key, ok)))
        .partition(|(.., ok)| *ok);
    let strip = |group: Vec<(Version, &'a str, bool)>| {
        by_closeness(
            target,
            group.into_iter().map(|(v, key, _)| (v, key)).collect(),
        )
    };
    let mut close = strip(installable);
    close.extend(strip(yanked));
    close.into_iter().take(limit).map(str::to_owned).collect()
}

/// `versions` ordered by closeness to `target`: pre-releases only when the target
/// is one; most leading release segments shared with the target (`2.32.x` before
/// `2.31.x` for `2.32.9`); fewest versions of the group in between; newer first.
fn by_closeness<'a>(target: &Version, mut versions: Vec<(Version, &'a str)>) -> Vec<&'a str> {
    versions.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    let position = versions.partition_point(|(version, _)| version < target);
    let mut ranked: Vec<_> = versions
        .iter()
        .enumerate()
        .map(|(index, (version, key))| {
            let between = if index < position {
                position - 1 - index
            } else {
                index - position
            };
            let surprise = version.any_prerelease() && !target.any_prerelease();
            let shared = shared_prefix(version.release(), target.release());
            ((surprise, Reverse(shared), between, Reverse(index)), *key)
        })
        .collect();
    ranked.sort();
    ranked.into_iter().map(|(_, key)| key).collect()
}

fn shared_prefix(a: &[u64], b: &[u64]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(version: &str, arbitrary: bool) -> Pin {
        Pin {
            name: "demo".parse().unwrap(),
            version: version.parse().unwrap(),
            arbitrary: arbitrary.then(|| version.to_owned()),
        }
    }

    #[test]
    fn equal_pins_match_padded_versions() {
        let keys = ["1.0.0", "1.1", "2.0"];
        assert_eq!(select(&pin("1.0", false), keys.into_iter()), Some("1.0.0"));
        assert_eq!(select(&pin("2.0.0", false), keys.into_iter()), Some("2.0"));
        assert_eq!(select(&pin("1.2", false), keys.into_iter()), None);
        let both = ["1.0.0", "1.0"];
        assert_eq!(select(&pin("1.0", false), both.into_iter()), Some("1.0"));
    }

    #[test]
    fn arbitrary_pins_match_the_string() {
        let keys = ["1.0.0", "6.0.2rc1", "not-pep-440"];
        assert_eq!(select(&pin("1.0", true), keys.into_iter()), None);
        assert_eq!(
            select(&pin("6.0.2RC1", true), keys.into_iter()),
            Some("6.0.2rc1")
        );
        let mut odd = pin("1.0", true);
        odd.arbitrary = Some("NOT-PEP-440".to_owned());
        assert_eq!(select(&odd, keys.into_iter()), Some("not-pep-440"));
    }

    #[test]
    fn files_state_the_wanted_version() {
        let equal = pin("1.0", false);
        let wheel = Kind::Wheel;
        for spelled in ["1.0", "1.0.0", "1!0.0"] {
            let ok = spelled != "1!0.0";
            assert_eq!(Wanted::Pin(&equal).accepts(spelled, wheel), ok, "{spelled}");
        }
        let exact = pin("1.0", true);
        assert!(Wanted::Pin(&exact).accepts("1.0", Kind::Sdist));
        assert!(!Wanted::Pin(&exact).accepts("1.0.0", Kind::Sdist));
        // `1.0-1` is `1.0.post1`: the same as `1.0_1` only where `_` escapes `-`.
        let post = pin("1.0.post1", false);
        assert!(Wanted::Pin(&post).accepts("1.0_1", Kind::Wheel));
        assert!(Wanted::Pin(&post).accepts("1.0-1", Kind::Sdist));
        let mut legacy = pin("1.0", true);
        legacy.arbitrary = Some("1.0-1".to_owned());
        assert!(Wanted::Pin(&legacy).accepts("1.0_1", Kind::Legacy));
        assert!(!Wanted::Pin(&legacy).accepts("1.0_1", Kind::Sdist));
        assert!(Wanted::Key("2.0.6").accepts("2.0.6.0", Kind::Sdist));
        assert!(!Wanted::Key("2.0.6").accepts("2.0.6-1", Kind::Sdist));
        assert!(Wanted::Key("not-pep-440").accepts("NOT-PEP-440", Kind::Sdist));
    }

    #[test]
    fn nearest_prefers_installable_same_series() {
        let published = [
            ("2.29.0", true),
            ("2.30.0", true),
            ("2.31.0", true),
            ("2.32.0", false),
            ("2.32.1", false),
            ("2.32.2", true),
            ("2.32.3", true),
            ("3.0.0b1", true),
            ("junk", true),
        ];
        let target: Version = "2.32.9".parse().unwrap();
        let close = nearest(&target, published.into_iter(), 5);
        assert_eq!(close, ["2.32.3", "2.32.2", "2.31.0", "2.30.0", "2.29.0"]);
        let all = nearest(&target, published.into_iter(), 10);
        assert_eq!(all[5..], ["3.0.0b1", "2.32.1", "2.32.0"], "yanked last");
        let target: Version = "2.31.5".parse().unwrap();
        let close = nearest(&target, published.into_iter(), 3);
        assert_eq!(close, ["2.31.0", "2.32.2", "2.32.3"]);
    }
}
