//! The one rule for what a requirement pins: an exact version, or why not.
//!
//! [`Pinning::of`] classifies every requirement once: pinned to one version (`==V`
//! without a wildcard, or `===V`), a wildcard, a range, several specifiers, no
//! version, an environment variable that is not set, a URL or path (of some
//! [`Location`]), or an editable. `lock`, `migrate` and `verify` each decide what
//! they accept from that one answer, and describe the others in the same words.

use std::borrow::Cow;
use std::fmt;

use pep440_rs::{Operator, Version};
use pep508_rs::{PackageName, VersionOrUrl};

use crate::diagnostics::Code;
use crate::requirements::{Location, Requirement, Target};

/// A pinned version to look up: `name==version` or `name===version`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pin {
    /// The project name (compared normalized, per PEP 503).
    pub name: PackageName,
    /// The pinned version. For `==` it matches any PEP 440-equal version (`1.0` matches
    /// a release `1.0.0`).
    pub version: Version,
    /// For `===`: the version string that must match the published one exactly
    /// (case-insensitively, as pip compares arbitrary equality).
    pub arbitrary: Option<String>,
}

/// The longest project name or version hashlock looks up, in bytes. PEP 508 sets
/// no limit, but every distribution file's name holds both, and file systems cap a
/// file name at 255 bytes: no index has a file of a longer name or version.
pub(crate) const MAX_LOOKUP_BYTES: usize = 255;

impl Pin {
    /// The version as the pin spells it: the literal text for `===`, else PEP 440's
    /// normalized form.
    pub(crate) fn version_text(&self) -> String {
        match &self.arbitrary {
            Some(text) => text.clone(),
            None => self.version.to_string(),
        }
    }

    /// Why no index can have this pin, if none can: its name or version is longer
    /// than [`MAX_LOOKUP_BYTES`]. Short, whatever the length: for a message.
    pub(crate) fn overlong(&self) -> Option<String> {
        let name = self.name.as_ref().len();
        let version = self.version_text().len();
        if name > MAX_LOOKUP_BYTES {
            Some(format!("the project name is {name} bytes long"))
        } else if version > MAX_LOOKUP_BYTES {
            Some(format!("the version is {version} bytes long"))
        } else {
            None
        }
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.arbitrary {
            Some(text) => write!(f, "{}==={}", self.name, text),
            None => write!(f, "{}=={}", self.name, self.version),
        }
    }
}

/// What a requirement pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pinning {
    /// Exactly one `==V` (no wildcard) or `===V`.
    Exact(Pin),
    /// `==V.*`: pip lets it through, but it matches many versions.
    Wildcard,
    /// One specifier that is not `==`/`===` (`>=`, `~=`, `!=`, ...).
    Range,
    /// Several specifiers (`>=1,<2`, `==1.0,!=1.0.1`).
    Several,
    /// A name and no version.
    Unversioned,
    /// A `${VAR}` pip would expand is not set (or empty) where hashlock runs, so
    /// what pip reads at install time is unknown. Holds the first such reference.
    EnvVar(String),
    /// A URL or path in place of a version (`name @ url`, or a bare URL or path).
    Location(Location),
    /// `-e`/`--editable`.
    Editable,
}

impl Pinning {
    /// Classifies `req` as pip reads it (`${VAR}` expanded). An editable is an
    /// editable whatever it names; a URL or path is classified by where it points
    /// before unset `${VAR}` references are considered.
    pub(crate) fn of(req: &Requirement) -> Pinning {
        if req.editable.is_some() {
            return Pinning::Editable;
        }
        if let Some(location) = req.location() {
            return Pinning::Location(Location::of(location));
        }
        if let Some(name) = req.unset_vars().first() {
            return Pinning::EnvVar(format!("${{{name}}}"));
        }
        let Target::Pep508(parsed) = &req.target else {
            // A requirement without a name always has a location.
            return Pinning::Location(Location::LocalDirectory);
        };
        let specifiers = match &parsed.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(specifiers)) if !specifiers.is_empty() => {
                specifiers
            }
            _ => return Pinning::Unversioned,
        };
        let [specifier] = &specifiers[..] else {
            return Pinning::Several;
        };
        let arbitrary = match specifier.operator() {
            Operator::Equal => None,
            Operator::ExactEqual => Some(arbitrary_version(&req.expanded)),
            Operator::EqualStar => return Pinning::Wildcard,
            _ => return Pinning::Range,
        };
        Pinning::Exact(Pin {
            name: parsed.name.clone(),
            version: specifier.version().clone(),
            arbitrary,
        })
    }

    /// The exact pin, if the requirement has one.
    pub(crate) fn pin(&self) -> Option<&Pin> {
        match self {
            Pinning::Exact(pin) => Some(pin),
            _ => None,
        }
    }

    /// Whether pip can never check this requirement against a hash: editables, VCS
    /// URLs and local directories.
    pub(crate) fn is_unhashable(&self) -> bool {
        matches!(
            self,
            Pinning::Editable | Pinning::Location(Location::Vcs | Location::LocalDirectory)
        )
    }

    /// The finding code of a requirement that is not an exact pin: `unhashable`
    /// when pip can never check it, `wildcard-pin`, else `not-pinned`. `None` for an
    /// exact pin.
    pub(crate) fn code(&self) -> Option<Code> {
        Some(match self {
            Pinning::Exact(_) => return None,
            _ if self.is_unhashable() => Code::Unhashable,
            Pinning::Wildcard => Code::WildcardPin,
            _ => Code::NotPinned,
        })
    }

    /// What the requirement is, for messages about a requirement that is not an
    /// exact pin: completes "`<requirement>` ...". `None` for an exact pin.
    pub(crate) fn reason(&self) -> Option<Cow<'static, str>> {
        Some(Cow::Borrowed(match self {
            Pinning::Exact(_) => return None,
            Pinning::Wildcard => "uses a wildcard (`==X.*`), which matches many versions",
            Pinning::Range => "is a version range, not a pin",
            Pinning::Several => {
                "has several version specifiers, so it is not pinned to one version"
            }
            Pinning::Unversioned => "has no version",
            Pinning::EnvVar(reference) => {
                return Some(Cow::Owned(format!(
                    "uses `{reference}`, which is not set, so what pip installs is only known at install time"
                )));
            }
            Pinning::Editable => {
                "is an editable requirement, which pip can never check against a hash"
            }
            Pinning::Location(Location::Vcs) => {
                "is a VCS requirement, which pip can never check against a hash"
            }
            Pinning::Location(Location::Remote) => {
                "is a direct URL, which pip installs only with its file's hash"
            }
            Pinning::Location(Location::LocalArchive) => {
                "is a local archive, which pip installs only with its file's hash"
            }
            Pinning::Location(Location::LocalDirectory) => {
                "is a local directory, which pip can never check against a hash"
            }
        }))
    }

    /// What to do about a requirement that is not an exact pin, for the project
    /// `name` (when the requirement has one).
    pub(crate) fn hint(&self, name: Option<&PackageName>) -> Option<String> {
        let name = name.map_or_else(|| "name".to_owned(), ToString::to_string);
        Some(match self {
            Pinning::Exact(_) => return None,
            Pinning::Wildcard | Pinning::Several => format!("pin one version: `{name}==<version>`"),
            Pinning::Range => format!(
                "pin one version: `{name}==<version>` (`pip index versions {name}` lists them, `pip freeze` shows the installed one)"
            ),
            Pinning::Unversioned => format!(
                "pin it: `{name}==<version>` (`pip freeze` shows the installed one)"
            ),
            Pinning::EnvVar(reference) => format!(
                "`{reference}` is not set: set it when you run hashlock, as pip will see it, or write the value out"
            ),
            Pinning::Editable => "install it without `-e`, from a built file pinned by version, or keep it in a file that is not installed with `--require-hashes`".to_owned(),
            Pinning::Location(Location::Vcs) => "depend on a released version (`name==<version>`), or build a wheel from it (`pip wheel --no-deps URL`) and require that file: `hashlock lock` hashes it".to_owned(),
            Pinning::Location(Location::Remote | Location::LocalArchive) => "`hashlock lock` downloads (or reads) the file and writes its hash".to_owned(),
            Pinning::Location(Location::LocalDirectory) => "build a wheel (`pip wheel --no-deps DIR`) and require that file (`hashlock lock` hashes it), pin a released version, or keep it out of the hashed file".to_owned(),
        })
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
            expanded: text.to_string(),
            editable: None,
            target,
            hashes: vec![],
            options: vec![],
        }
    }

    fn pin(text: &str) -> Pin {
        Pinning::of(&requirement(text)).pin().cloned().unwrap()
    }

    fn pinning(text: &str) -> Pinning {
        Pinning::of(&requirement(text))
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
    fn names_and_versions_over_255_bytes_are_overlong() {
        let longest = "a".repeat(MAX_LOOKUP_BYTES);
        assert_eq!(pin(&format!("{longest}==1.0")).overlong(), None);
        let name = pin(&format!("{longest}b==1.0")).overlong();
        assert_eq!(name.as_deref(), Some("the project name is 256 bytes long"));
        let version = pin(&format!("a==1.0+{}", "x".repeat(300))).overlong();
        assert_eq!(version.as_deref(), Some("the version is 304 bytes long"));
    }

    #[test]
    fn triple_equals_keeps_the_string() {
        let pin = pin("foo===1.0.post1 ; os_name == 'nt'");
        assert_eq!(pin.arbitrary.as_deref(), Some("1.0.post1"));
        assert_eq!(pin.version_text(), "1.0.post1");
    }

    #[test]
    fn ranges_wildcards_and_bare_names_are_not_pins() {
        assert_eq!(pinning("flask>=2"), Pinning::Range);
        assert_eq!(pinning("flask~=2.0"), Pinning::Range);
        assert_eq!(pinning("flask==2.*"), Pinning::Wildcard);
        assert_eq!(pinning("flask"), Pinning::Unversioned);
        assert_eq!(pinning("flask==2.0,!=2.0.1"), Pinning::Several);
        assert!(Pinning::Range.reason().unwrap().contains("range"));
        assert!(Pinning::Wildcard.reason().unwrap().contains("wildcard"));
        assert!(Pinning::Several.reason().unwrap().contains("several"));
    }

    #[test]
    fn urls_vcs_paths_and_editables_are_not_pins() {
        assert_eq!(
            pinning("git+https://github.com/a/b#egg=b"),
            Pinning::Location(Location::Vcs)
        );
        assert_eq!(
            pinning("pkg @ https://host/pkg-1.0.tar.gz"),
            Pinning::Location(Location::Remote)
        );
        assert_eq!(
            pinning("./src/pkg"),
            Pinning::Location(Location::LocalDirectory)
        );
        let mut editable = requirement("./src/pkg");
        editable.editable = Some(0..2);
        assert_eq!(Pinning::of(&editable), Pinning::Editable);
        assert!(Pinning::Editable.is_unhashable());
        assert!(Pinning::Location(Location::Vcs).is_unhashable());
        assert!(!Pinning::Location(Location::Remote).is_unhashable());
    }

    #[test]
    fn environment_variables_are_not_pins() {
        // `foo==${VERSION}` does not parse (the parser reports it); a reference that
        // does parse, in a marker, still leaves the pin to install time.
        assert_eq!(
            pinning("foo==1.0; os_name == '${OS}'"),
            Pinning::EnvVar("${OS}".into())
        );
        let reason = Pinning::EnvVar("${SIXVER}".into()).reason().unwrap();
        assert!(reason.contains("`${SIXVER}`, which is not set"), "{reason}");
        // Where a URL points decides, whatever the variables in it.
        assert_eq!(
            pinning("git+https://${TOKEN}@host/repo#egg=foo"),
            Pinning::Location(Location::Vcs)
        );
    }
}
