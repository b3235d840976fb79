//! Compatibility tags (PEP 425): the ordered list an interpreter accepts, built as
//! `packaging.tags` builds it, and the lookup that ranks a wheel's name against it.

use std::collections::HashMap;
use std::fmt;

use crate::dist_filename;

/// One `{interpreter}-{abi}-{platform}` triple, lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Tag {
    pub(crate) interpreter: String,
    pub(crate) abi: String,
    pub(crate) platform: String,
}

impl Tag {
    fn new(interpreter: &str, abi: &str, platform: &str) -> Tag {
        Tag {
            interpreter: interpreter.to_owned(),
            abi: abi.to_owned(),
            platform: platform.to_owned(),
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.interpreter, self.abi, self.platform)
    }
}

/// The oldest minor version of Python 3 with the stable ABI (PEP 384).
const FIRST_ABI3_MINOR: u8 = 2;

/// packaging's `cpython_tags(python_version=(3, minor), abis=[abi], platforms)`:
/// `cp3X-{abi}-*`, `cp3X-abi3-*`, `cp3X-none-*`, then `abi3` of every earlier minor
/// down to 3.2, each across the platforms.
pub(super) fn cpython_tags(minor: u8, abi: &str, platforms: &[String]) -> Vec<Tag> {
    let interpreter = format!("cp3{minor}");
    let mut tags = Vec::new();
    let use_abi3 = minor >= FIRST_ABI3_MINOR;
    let abis = [abi, "abi3", "none"];
    for abi in abis.into_iter().filter(|abi| *abi != "abi3" || use_abi3) {
        tags.extend(platforms.iter().map(|p| Tag::new(&interpreter, abi, p)));
    }
    if use_abi3 {
        for older in (FIRST_ABI3_MINOR..minor).rev() {
            let interpreter = format!("cp3{older}");
            tags.extend(platforms.iter().map(|p| Tag::new(&interpreter, "abi3", p)));
        }
    }
    tags
}

/// packaging's `generic_tags(interpreter, abis=[abi], platforms)`: the ABI given,
/// then `none`, each across the platforms.
pub(super) fn generic_tags(interpreter: &str, abi: &str, platforms: &[String]) -> Vec<Tag> {
    [abi, "none"]
        .into_iter()
        .flat_map(|abi| platforms.iter().map(move |p| Tag::new(interpreter, abi, p)))
        .collect()
}

/// packaging's `compatible_tags(python_version=(3, minor), interpreter, platforms)`:
/// `py3X-none-*`, `py3-none-*`, `py3{X-1}-none-*` ... `py30-none-*` across the
/// platforms, then `{interpreter}-none-any`, then the same Pythons with `-none-any`.
pub(super) fn compatible_tags(minor: u8, interpreter: &str, platforms: &[String]) -> Vec<Tag> {
    let pythons: Vec<String> = std::iter::once(format!("py3{minor}"))
        .chain(std::iter::once("py3".to_owned()))
        .chain((0..minor).rev().map(|older| format!("py3{older}")))
        .collect();
    let mut tags = Vec::new();
    for python in &pythons {
        tags.extend(platforms.iter().map(|p| Tag::new(python, "none", p)));
    }
    tags.push(Tag::new(interpreter, "none", "any"));
    tags.extend(pythons.iter().map(|python| Tag::new(python, "none", "any")));
    tags
}

/// How many tags a wheel name's compressed tag sets may expand to (packaging's
/// `limit`): real wheels name a handful, a hostile index could name millions.
const MAX_WHEEL_TAGS: usize = 1024;

/// The position of each tag in a target's list (the first when one repeats), looked
/// up by interpreter, ABI and platform without building a key.
#[derive(Debug, Default)]
pub(super) struct Ranks(HashMap<String, HashMap<String, HashMap<String, usize>>>);

impl Ranks {
    pub(super) fn new(tags: &[Tag]) -> Ranks {
        let mut ranks = Ranks::default();
        for (rank, tag) in tags.iter().enumerate() {
            ranks
                .0
                .entry(tag.interpreter.clone())
                .or_default()
                .entry(tag.abi.clone())
                .or_default()
                .entry(tag.platform.clone())
                .or_insert(rank);
        }
        ranks
    }

    /// The best (lowest) rank among the tags a wheel's file name states; `None` when
    /// none is in the list or the name is not a wheel's.
    pub(super) fn best(&self, filename: &str) -> Option<usize> {
        let [interpreters, abis, platforms] = wheel_tag_sets(filename)?;
        let count = interpreters.len() * abis.len() * platforms.len();
        if count > MAX_WHEEL_TAGS {
            return None;
        }
        let mut best = None;
        for interpreter in &interpreters {
            let Some(by_abi) = self.0.get(interpreter.as_str()) else {
                continue;
            };
            for abi in &abis {
                let Some(by_platform) = by_abi.get(abi.as_str()) else {
                    continue;
                };
                for platform in &platforms {
                    if let Some(&rank) = by_platform.get(platform.as_str()) {
                        best = Some(best.map_or(rank, |best: usize| best.min(rank)));
                    }
                }
            }
        }
        best
    }
}

/// The interpreter, ABI and platform tag sets of a wheel's file name, lowercase:
/// `py2.py3-none-any` gives `[py2, py3]`, `[none]`, `[any]`. `None` when the name is
/// not a well-formed wheel name (the one rule in [`dist_filename`]) or a set has an
/// empty member.
pub(super) fn wheel_tag_sets(filename: &str) -> Option<[Vec<String>; 3]> {
    // The project is not checked: any project's wheel name reads the same way.
    if !dist_filename::is_wheel_name(filename) {
        return None;
    }
    let stem = &filename[..filename.len() - dist_filename::WHEEL_EXTENSION.len()];
    let mut fields = stem.rsplitn(4, '-');
    let (platforms, abis, interpreters) = (fields.next()?, fields.next()?, fields.next()?);
    let set = |field: &str| -> Option<Vec<String>> {
        field
            .split('.')
            .map(|part| (!part.is_empty()).then(|| part.to_ascii_lowercase()))
            .collect()
    };
    Some([set(interpreters)?, set(abis)?, set(platforms)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_tag_sets_expand_lowercase() {
        let sets = wheel_tag_sets(
            "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        );
        assert_eq!(
            sets,
            Some([
                vec!["cp312".to_owned()],
                vec!["cp312".to_owned()],
                vec![
                    "manylinux_2_17_x86_64".to_owned(),
                    "manylinux2014_x86_64".to_owned()
                ],
            ])
        );
        let sets = wheel_tag_sets("Six-1.16.0-PY2.py3-NONE-Any.WHL").unwrap();
        assert_eq!(sets[0], ["py2", "py3"]);
        assert_eq!(sets[1], ["none"]);
        assert_eq!(sets[2], ["any"]);
        // A build tag.
        let sets = wheel_tag_sets("demo-1.0-1-py3-none-any.whl").unwrap();
        assert_eq!(sets[0], ["py3"]);
    }

    #[test]
    fn malformed_wheel_names_have_no_tags() {
        for name in [
            "six-1.16.0.tar.gz",
            "six-1.16.0-py3-none.whl",
            "six-1.16.0-py3-none-any-extra-field.whl",
            "six-1.16.0-py3..py2-none-any.whl",
            "six-1.16.0-py3-none-.whl",
            "six-1.16.0-py3-none-any.whl.asc",
            ".whl",
            "",
        ] {
            assert_eq!(wheel_tag_sets(name), None, "{name}");
        }
    }

    #[test]
    fn a_hostile_compressed_tag_set_is_refused_not_expanded() {
        let many = |prefix: &str| {
            (0..20)
                .map(|i| format!("{prefix}{i}"))
                .collect::<Vec<_>>()
                .join(".")
        };
        let name = format!("x-1-{}-{}-{}.whl", many("py3"), many("none"), many("any"));
        let ranks = Ranks::new(&[Tag::new("py30", "none0", "any0")]);
        // 8000 combinations, one of which matches: refused all the same.
        assert_eq!(ranks.best(&name), None);
        let name = format!("x-1-{}-none0-any0.whl", many("py3"));
        assert_eq!(ranks.best(&name), Some(0));
    }
}
