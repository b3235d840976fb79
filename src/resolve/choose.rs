//! Choosing one version for one requirement line, without its dependencies: `lock`
//! turning a range into a pin, `--upgrade` moving a pin. The newest version that
//! every specifier admits, under the resolver's rules (see [`super`]): no
//! pre-release unless asked for (`--pre`, a specifier that names one) or nothing
//! else is left; no yanked version unless a specifier pins exactly it; none that a
//! target cannot install; with a cooldown, none uploaded less than that long ago.

use jiff::{SignedDuration, Timestamp};
use pep440_rs::{Operator, Version, VersionSpecifier};

/// A published version, as the choice weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Offered {
    pub(crate) version: Version,
    /// Every file of the version is yanked.
    pub(crate) yanked: bool,
    /// Every target has a file of the version it can install.
    pub(crate) installable: bool,
    /// When the newest of the files the targets take was uploaded; `None` when the
    /// index does not say.
    pub(crate) uploaded: Option<Timestamp>,
}

/// `--min-age`: versions uploaded less than `min_age` before `now` are passed over.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cooldown {
    pub(crate) min_age: SignedDuration,
    pub(crate) now: Timestamp,
    /// `--min-age-missing=allow`: a version without an upload time is as good as an
    /// old one (else the choice stops there).
    pub(crate) allow_missing: bool,
}

/// How to choose.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Rules {
    /// `--pre`: pre-releases are as good as final releases.
    pub(crate) pre: bool,
    pub(crate) cooldown: Option<Cooldown>,
}

/// Why a version the specifiers admit, newer than the one chosen, was passed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Passed {
    Yanked,
    /// Some target has no file of it (`Requires-Python`, wheel tags, `--only-binary`).
    NotInstallable,
    /// Uploaded less than `--min-age` ago, at this time.
    TooNew(Timestamp),
}

/// The version chosen, and the newer ones passed over (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Choice {
    pub(crate) version: Version,
    pub(crate) passed: Vec<(Version, Passed)>,
}

/// Why no version was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NoChoice {
    /// No version is left: those the specifiers admit were all passed over (listed,
    /// newest first; empty when the specifiers admit none at all).
    Nothing(Vec<(Version, Passed)>),
    /// The version that would be chosen has no upload time: `--min-age` cannot
    /// judge it (`--min-age-missing=allow` lets it be).
    NoUploadTime(Version),
}

/// The newest version of `offered` that all of `specifiers` admit, under `rules`.
pub(crate) fn choose(
    offered: &[Offered],
    specifiers: &[VersionSpecifier],
    rules: &Rules,
) -> Result<Choice, NoChoice> {
    let exact = |version: &Version| {
        specifiers
            .iter()
            .any(|s| *s.operator() == Operator::Equal && s.version() == version)
    };
    let mut admitted: Vec<&Offered> = offered
        .iter()
        .filter(|o| specifiers.iter().all(|s| s.contains(&o.version)))
        .collect();
    admitted.sort_by(|a, b| b.version.cmp(&a.version));
    let asks_pre = rules.pre || specifiers.iter().any(|s| s.version().any_prerelease());
    let attempt = |pre: bool| -> Result<Choice, NoChoice> {
        let mut passed = Vec::new();
        for offer in admitted
            .iter()
            .filter(|o| pre || !o.version.any_prerelease())
        {
            let version = &offer.version;
            if offer.yanked && !exact(version) {
                passed.push((version.clone(), Passed::Yanked));
                continue;
            }
            if !offer.installable {
                passed.push((version.clone(), Passed::NotInstallable));
                continue;
            }
            if let Some(cooldown) = &rules.cooldown {
                match offer.uploaded {
                    None if !cooldown.allow_missing => {
                        return Err(NoChoice::NoUploadTime(version.clone()));
                    }
                    Some(at) if cooldown.now.duration_since(at) < cooldown.min_age => {
                        passed.push((version.clone(), Passed::TooNew(at)));
                        continue;
                    }
                    _ => {}
                }
            }
            return Ok(Choice {
                version: version.clone(),
                passed,
            });
        }
        Err(NoChoice::Nothing(passed))
    };
    match attempt(asks_pre) {
        // As `packaging` filters: pre-releases when nothing else is left.
        Err(NoChoice::Nothing(passed)) if !asks_pre => match attempt(true) {
            Err(NoChoice::Nothing(with_pre)) if with_pre.len() <= passed.len() => {
                Err(NoChoice::Nothing(passed))
            }
            other => other,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use pep440_rs::VersionSpecifiers;

    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// `1.0`, `2.2 yanked`, `2.3 uninstallable`, `2.4 @2026-12-01T00:00:00Z`,
    /// `2.5 @none` (no upload time): every other version was uploaded in 2020.
    fn offered(list: &str) -> Vec<Offered> {
        list.split(',')
            .map(|item| {
                let mut words = item.split_whitespace();
                let version = Version::from_str(words.next().unwrap()).unwrap();
                let mut offer = Offered {
                    version,
                    yanked: false,
                    installable: true,
                    uploaded: Some(at("2020-01-01T00:00:00Z")),
                };
                for word in words {
                    match word {
                        "yanked" => offer.yanked = true,
                        "uninstallable" => offer.installable = false,
                        "@none" => offer.uploaded = None,
                        time => offer.uploaded = Some(at(&time[1..])),
                    }
                }
                offer
            })
            .collect()
    }

    fn specifiers(text: &str) -> Vec<VersionSpecifier> {
        if text.is_empty() {
            return Vec::new();
        }
        VersionSpecifiers::from_str(text)
            .unwrap()
            .iter()
            .cloned()
            .collect()
    }

    const NOW: &str = "2026-12-05T00:00:00Z";

    fn cooldown(allow_missing: bool) -> Option<Cooldown> {
        Some(Cooldown {
            min_age: SignedDuration::from_hours(7 * 24),
            now: at(NOW),
            allow_missing,
        })
    }

    #[test]
    fn the_newest_version_pips_rules_allow() {
        let plain = Rules::default();
        let pre = Rules {
            pre: true,
            cooldown: None,
        };
        let week = Rules {
            pre: false,
            cooldown: cooldown(false),
        };
        let week_allow = Rules {
            pre: false,
            cooldown: cooldown(true),
        };
        // (versions offered, specifiers, rules, the version chosen or why none)
        let table: &[(&str, &str, Rules, Result<&str, &str>)] = &[
            ("1.0, 2.0, 1.5", "", plain, Ok("2.0")),
            ("1.0, 2.0, 3.0", ">=1,<3", plain, Ok("2.0")),
            ("1.0, 1.4, 1.4.2, 2.0", "~=1.4", plain, Ok("1.4.2")),
            ("1.0, 2.0, 2.0.1", "!=2.0.1", plain, Ok("2.0")),
            ("1.0, 1.1, 2.0", "==1.*", plain, Ok("1.1")),
            // Pre-releases: not unless asked for, named, or alone.
            ("1.0, 2.0rc1", "", plain, Ok("1.0")),
            ("1.0, 2.0rc1", "", pre, Ok("2.0rc1")),
            ("1.0, 2.0rc1", ">=2.0rc1", plain, Ok("2.0rc1")),
            ("1.0, 2.0rc1", ">=1.5", plain, Ok("2.0rc1")),
            ("1.0, 2.0.dev1", "", plain, Ok("1.0")),
            // Post releases are final releases; local versions count as theirs.
            ("1.0, 1.0.post1", "", plain, Ok("1.0.post1")),
            ("1.0, 1.0.post1", "<1.0.post1", plain, Ok("1.0")),
            ("1.0, 1.0+local", "==1.0", plain, Ok("1.0+local")),
            // Yanked: never, unless pinned exactly (PEP 592).
            ("1.0, 2.0 yanked", "", plain, Ok("1.0")),
            ("1.0, 2.0 yanked", "==2.0", plain, Ok("2.0")),
            ("2.0 yanked", ">=1", plain, Err("nothing: 2.0 yanked")),
            // No file a target can install (`Requires-Python`, tags).
            ("1.0, 2.0 uninstallable", "", plain, Ok("1.0")),
            ("1.0", ">=2", plain, Err("nothing")),
            // Cooldown.
            (
                "1.0, 2.0 @2026-12-01T00:00:00Z",
                "",
                week,
                Ok("1.0 after 2.0 too new"),
            ),
            ("1.0, 2.0 @2026-11-20T00:00:00Z", "", week, Ok("2.0")),
            ("1.0, 2.0 @none", "", week, Err("no upload time: 2.0")),
            ("1.0, 2.0 @none", "", week_allow, Ok("2.0")),
            (
                "1.0 @none, 2.0 @2026-12-04T00:00:00Z",
                "",
                week,
                Err("no upload time: 1.0"),
            ),
            ("1.0, 2.0 @2026-12-04T00:00:00Z", "", plain, Ok("2.0")),
        ];
        for (list, spec, rules, expected) in table {
            let got = choose(&offered(list), &specifiers(spec), rules);
            let shown = match &got {
                Ok(choice) => Ok(match choice.passed.as_slice() {
                    [(v, Passed::TooNew(_))] => format!("{} after {v} too new", choice.version),
                    _ => choice.version.to_string(),
                }),
                Err(NoChoice::Nothing(passed)) if passed.is_empty() => Err("nothing".to_owned()),
                Err(NoChoice::Nothing(passed)) => Err(format!(
                    "nothing: {}",
                    passed
                        .iter()
                        .map(|(v, why)| format!(
                            "{v} {}",
                            match why {
                                Passed::Yanked => "yanked",
                                Passed::NotInstallable => "uninstallable",
                                Passed::TooNew(_) => "too new",
                            }
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Err(NoChoice::NoUploadTime(v)) => Err(format!("no upload time: {v}")),
            };
            let expected = expected.map(str::to_owned).map_err(str::to_owned);
            assert_eq!(shown, expected, "{list} with `{spec}`");
        }
    }

    #[test]
    fn passed_over_versions_are_listed_newest_first() {
        let got = choose(
            &offered("1.0, 2.0 yanked, 3.0 uninstallable, 4.0 @2026-12-04T00:00:00Z"),
            &[],
            &Rules {
                pre: false,
                cooldown: cooldown(false),
            },
        )
        .unwrap();
        assert_eq!(got.version.to_string(), "1.0");
        let passed: Vec<(String, Passed)> = got
            .passed
            .into_iter()
            .map(|(v, why)| (v.to_string(), why))
            .collect();
        assert_eq!(
            passed,
            [
                ("4.0".to_owned(), Passed::TooNew(at("2026-12-04T00:00:00Z"))),
                ("3.0".to_owned(), Passed::NotInstallable),
                ("2.0".to_owned(), Passed::Yanked),
            ]
        );
    }
}
