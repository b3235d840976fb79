//! Deciding whether a requirement names one exact version, and which.
//!
//! A requirement is lockable when it has exactly one `==V` (no wildcard) or `===V`
//! specifier and nothing pip cannot hash. Everything else gets a [`NotPinned`] that
//! says why and what to do, so `lock` can list it with its line.

use pep440_rs::Operator;
use pep508_rs::VersionOrUrl;

use crate::index::Pin;
use crate::requirements::{Location, Requirement, Target};

/// Why a requirement cannot be locked, and what the user can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotPinned {
    /// What is wrong, e.g. "`flask>=2` is not pinned to one version".
    pub reason: String,
    /// What to do about it.
    pub hint: String,
}

/// The exact version a requirement pins, or why it does not pin one.
pub fn resolve(req: &Requirement) -> Result<Pin, NotPinned> {
    if req.editable.is_some() {
        return Err(not_pinned(
            req,
            "is an editable requirement, which pip can never check against a hash",
            "install it without `-e`, from a built file pinned by version, or keep it in a file that is not installed with `--require-hashes`",
        ));
    }
    if req.text.contains("${") {
        return Err(not_pinned(
            req,
            "uses an environment variable, so its version is only known at install time",
            "write the version out, or lock a copy of the file with the variable expanded",
        ));
    }
    let parsed = match (&req.target, req.location()) {
        (Target::Pep508(parsed), None) => parsed,
        (_, location) => return Err(unnamed(req, Location::of(location.unwrap_or_default()))),
    };
    // URL requirements left above: what is not a specifier set is no version at all.
    let specifiers = match &parsed.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers,
        _ => {
            return Err(not_pinned(
                req,
                "has no version",
                &format!(
                    "pin it: `{}==<version>` (`pip freeze` shows the installed one)",
                    parsed.name
                ),
            ));
        }
    };
    let [specifier] = &specifiers[..] else {
        return Err(not_pinned(
            req,
            "has several version specifiers, so it is not pinned to one version",
            &format!("pin one version: `{}==<version>`", parsed.name),
        ));
    };
    let arbitrary = match specifier.operator() {
        Operator::Equal => None,
        Operator::ExactEqual => Some(arbitrary_version(&req.text)),
        Operator::EqualStar => {
            return Err(not_pinned(
                req,
                "uses a wildcard (`==X.*`), which matches many versions",
                &format!("pin one version: `{}==<version>`", parsed.name),
            ));
        }
        _ => {
            return Err(not_pinned(
                req,
                "is a version range, not a pin",
                &format!(
                    "pin one version: `{}==<version>` (ranges are resolved by a later release of hashlock)",
                    parsed.name
                ),
            ));
        }
    };
    Ok(Pin {
        name: parsed.name.clone(),
        version: specifier.version().clone(),
        arbitrary,
    })
}

fn unnamed(req: &Requirement, location: Location) -> NotPinned {
    match location {
        Location::Vcs => not_pinned(
            req,
            "is a VCS requirement, which pip can never check against a hash",
            "depend on a released version (`name==<version>`) instead",
        ),
        Location::Remote => not_pinned(
            req,
            "is a direct URL; hashing URLs is not supported yet",
            "pin a released version (`name==<version>`), or add `--hash=sha256:<digest>` yourself (`pip hash FILE`)",
        ),
        Location::LocalArchive | Location::LocalDirectory => not_pinned(
            req,
            "is a local path, which pip cannot check against a hash when it is a directory",
            "build a wheel and pin it by version from an index, or keep it out of the hashed file",
        ),
    }
}

/// The version text after `===` as written: `===` compares strings, not versions.
fn arbitrary_version(text: &str) -> String {
    let after = text.split_once("===").map_or("", |(_, rest)| rest);
    after
        .trim_start()
        .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn not_pinned(req: &Requirement, what: &str, hint: &str) -> NotPinned {
    NotPinned {
        reason: format!("`{}` {what}", req.text.trim()),
        hint: hint.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn requirement(text: &str) -> Requirement {
        let target = match pep508_rs::Requirement::from_str(text) {
            Ok(parsed) => Target::Pep508(Box::new(parsed)),
            Err(_) => Target::Unnamed {
                location: text.to_string(),
            },
        };
        Requirement {
            span: 0..text.len(),
            text: text.to_string(),
            editable: None,
            target,
            hashes: vec![],
            options: vec![],
        }
    }

    fn pin(text: &str) -> Pin {
        resolve(&requirement(text)).unwrap()
    }

    fn reason(text: &str) -> String {
        resolve(&requirement(text)).unwrap_err().reason
    }

    #[test]
    fn double_equals_pins_one_version() {
        let pin = pin("requests[socks]==2.31.0; python_version >= '3.8'");
        assert_eq!(pin.name.as_ref(), "requests");
        assert_eq!(pin.version.to_string(), "2.31.0");
        assert_eq!(pin.arbitrary, None);
    }

    #[test]
    fn names_are_normalized() {
        assert_eq!(pin("Zope.Interface==6.2").name.as_ref(), "zope-interface");
        assert_eq!(
            pin("typing_extensions==4.10.0").name,
            pin("typing-extensions==4.10.0").name
        );
    }

    #[test]
    fn short_and_long_releases_are_the_same_pin() {
        assert_eq!(pin("django==1.0"), pin("Django==1.0.0"));
    }

    #[test]
    fn triple_equals_keeps_the_string() {
        let pin = pin("foo===1.0.post1 ; os_name == 'nt'");
        assert_eq!(pin.arbitrary.as_deref(), Some("1.0.post1"));
    }

    #[test]
    fn ranges_wildcards_and_bare_names_are_not_pins() {
        assert!(reason("flask>=2").contains("range"));
        assert!(reason("flask==2.*").contains("wildcard"));
        assert!(reason("flask").contains("no version"));
        assert!(reason("flask==2.0,!=2.0.1").contains("several"));
        assert!(reason("flask~=2.0").contains("range"));
    }

    #[test]
    fn urls_vcs_paths_and_editables_are_not_pins() {
        assert!(reason("git+https://github.com/a/b#egg=b").contains("VCS"));
        assert!(reason("pkg @ https://host/pkg-1.0.tar.gz").contains("direct URL"));
        assert!(reason("./src/pkg").contains("local path"));
        let mut editable = requirement("./src/pkg");
        editable.editable = Some(0..2);
        assert!(resolve(&editable).unwrap_err().reason.contains("editable"));
    }

    #[test]
    fn environment_variables_are_not_pins() {
        assert!(reason("foo==${VERSION}").contains("environment variable"));
    }
}
