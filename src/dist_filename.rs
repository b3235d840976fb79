//! Distribution file names: which archives pip installs, and the version a file's
//! name states, read the way pip reads it.
//!
//! The Simple API lists a project's files without saying which version each belongs
//! to: the name says it. Wheels (PEP 427) are `{name}-{version}(-{build})?-{python}-
//! {abi}-{platform}.whl`, their fields free of `-`. Source distributions are
//! `{name}-{version}{extension}`, where the name part, from older tools, may be spelled
//! with `-`, `_` or `.` in any case (`zope.interface-6.2.tar.gz`,
//! `zope_interface-6.4.tar.gz`, `python-dateutil-2.8.2.tar.gz`): as pip does
//! (`_find_name_version_sep`), the version starts after the first `-` whose prefix
//! normalizes to the project's name.
//!
//! pip installs nothing else, but the JSON API lists the other files of a release
//! too, and hashlock writes (and verifies) the hashes of every file of a release, so
//! the Simple API must give the same files: the names of the two legacy formats PyPI
//! holds many of are read too. Eggs are `{name}-{version}(-{python}(-{platform})?)?
//! .egg`, their fields free of `-` (setuptools writes `_`); `bdist_wininst` and
//! `bdist_msi` installers are `{name}-{version}.{platform}(-py{X.Y})?.exe` (or
//! `.msi`), the platform starting with `win` (`win32`, `win-amd64`, `winxp32`).
//! Other names (`.rpm`s, installers named by hand) give no version.
//!
//! Every format's name part must normalize to the project's name: an index is
//! untrusted, and a file it lists under a project is only that project's file if its
//! name says so (a wheel `evilpkg-6.6.6-py3-none-any.whl` listed under `six` is no
//! file of six, whatever the index says).

/// What kind of distribution a file is, the preferred spelling of a version first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Sdist,
    Wheel,
    /// An egg or a Windows installer.
    Legacy,
}

/// Source archive extensions pip accepts (`pip._internal.utils.filetypes`, wheels
/// apart), compared case-insensitively. With [`WHEEL_EXTENSION`], pip's
/// `ARCHIVE_EXTENSIONS`: the one list hashlock uses to tell an archive from a
/// directory, in requirements files and on indexes alike.
pub(crate) const SDIST_EXTENSIONS: [&str; 11] = [
    ".tar.gz",
    ".zip",
    ".tar.bz2",
    ".tar.xz",
    ".tgz",
    ".tar",
    ".tbz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
];

/// A wheel's extension.
pub(crate) const WHEEL_EXTENSION: &str = ".whl";

/// Whether `path` (a file name, path or URL path, compared case-insensitively) ends
/// in an archive extension pip accepts: a wheel or a source archive.
pub(crate) fn is_archive(path: &str) -> bool {
    std::iter::once(WHEEL_EXTENSION)
        .chain(SDIST_EXTENSIONS)
        .any(|extension| strip_suffix_ignore_case(path, extension).is_some())
}

/// The version `filename` states and its kind, for a file of the project whose
/// PEP 503 normalized name is `project`; `None` when the name is no distribution's
/// of that project (another project's, or no distribution's at all).
pub(crate) fn version_of<'a>(filename: &'a str, project: &str) -> Option<(&'a str, Kind)> {
    if let Some(stem) = strip_suffix_ignore_case(filename, WHEEL_EXTENSION) {
        return wheel_version(stem, project).map(|version| (version, Kind::Wheel));
    }
    if let Some(stem) = strip_suffix_ignore_case(filename, ".egg") {
        return egg_version(stem, project).map(|version| (version, Kind::Legacy));
    }
    let installer = [".exe", ".msi"].iter();
    if let Some(stem) = installer
        .filter_map(|ext| strip_suffix_ignore_case(filename, ext))
        .next()
    {
        return installer_version(stem, project).map(|version| (version, Kind::Legacy));
    }
    let stem = SDIST_EXTENSIONS
        .iter()
        .find_map(|extension| strip_suffix_ignore_case(filename, extension))?;
    sdist_version(stem, project).map(|version| (version, Kind::Sdist))
}

/// The release numbers a version (or anything) starts with: `1.0.1` of
/// `1.0.1.dev3460`, `0.6` of `0.6c10-1`; `None` when it does not start with a digit.
pub(crate) fn release_numbers(text: &str) -> Option<Vec<u64>> {
    let numbers: Vec<u64> = leading_release(text).collect();
    (!numbers.is_empty()).then_some(numbers)
}

/// The numbers of [`release_numbers`], read one at a time.
fn leading_release(text: &str) -> impl Iterator<Item = u64> + '_ {
    let mut parts = text.split('.');
    let mut ended = false;
    std::iter::from_fn(move || {
        let part = parts.next().filter(|_| !ended)?;
        let digits = part.len() - part.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let number = part[..digits].parse().ok()?;
        ended = digits < part.len();
        Some(number)
    })
}

/// The release numbers the version part of a file name of the project starts with,
/// when its name reads as no distribution's: what follows the first `-` whose prefix
/// normalizes to `project` (`0.13.1` of `ipython-0.13.1.py2-win32-PROPER.exe`).
pub(crate) fn leading_numbers(filename: &str, project: &str) -> Option<Vec<u64>> {
    release_numbers(sdist_version(filename, project)?)
}

/// What decides whether a file of a listing may concern a release: the first
/// release numbers its version part starts with (what follows the first `-` whose
/// prefix normalizes to the project, as [`leading_numbers`] reads them), read once
/// as the listing is. A lookup of one pin then passes over a compact list instead of
/// every name of the listing (155 000 names, 65 MB of body, for 199 pins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lead {
    /// How many of `numbers` are known.
    len: u8,
    numbers: [u32; Lead::NUMBERS],
}

impl Lead {
    /// Numbers kept: enough to tell most releases of a project apart.
    const NUMBERS: usize = 3;

    /// A file that may concern any release.
    pub(crate) const ANY: Lead = Lead {
        len: 0,
        numbers: [0; Lead::NUMBERS],
    };

    /// The lead of a file named `filename`, of `project` (normalized). A name whose
    /// version part is not found, or has an epoch (`1!2.0`, which PEP 440 compares,
    /// not this), may concern any release. So may a number past `u32`: only the
    /// numbers before it count.
    pub(crate) fn of(filename: &str, project: &str) -> Lead {
        let Some(text) = sdist_version(filename, project) else {
            return Lead::ANY;
        };
        if memchr::memchr(b'!', text.as_bytes()).is_some() {
            return Lead::ANY;
        }
        // The numbers of `leading_release`, read byte by byte: this runs for every
        // file of every listing.
        let mut lead = Lead::ANY;
        let mut bytes = text.bytes().peekable();
        while usize::from(lead.len) < Lead::NUMBERS {
            let mut number: Option<u32> = None;
            while let Some(digit) = bytes.next_if(u8::is_ascii_digit) {
                let value = number.unwrap_or(0);
                number = value
                    .checked_mul(10)
                    .and_then(|value| value.checked_add(u32::from(digit - b'0')));
                if number.is_none() {
                    return lead;
                }
            }
            let Some(number) = number else {
                return lead;
            };
            lead.numbers[usize::from(lead.len)] = number;
            lead.len += 1;
            if bytes.next() != Some(b'.') {
                break;
            }
        }
        lead
    }

    /// Whether the file may state a version whose release numbers are `release`, or
    /// be an orphan that may be that version's: `false` only when its numbers
    /// disagree with `release` where both have one. Such a file states another
    /// version (a file's version, or the spelling an orphan is placed by, starts
    /// with those numbers), so it tells nothing about this one.
    pub(crate) fn may_concern(&self, release: &[u64]) -> bool {
        let known = self
            .numbers
            .get(..usize::from(self.len))
            .unwrap_or_default();
        known
            .iter()
            .zip(release)
            .all(|(&number, &expected)| u64::from(number) == expected)
    }
}

/// The version field of an egg's name without `.egg`, when its name field is
/// `project`'s (setuptools writes `_` for `-`: normalized, it compares equal).
fn egg_version<'a>(stem: &'a str, project: &str) -> Option<&'a str> {
    let mut fields = stem.split('-');
    let (name, version) = (fields.next()?, fields.next()?);
    // The platform, last, may hold `-` itself (`linux-x86_64`).
    let python = fields.next().is_none_or(|field| field.starts_with("py"));
    let well_formed = !name.is_empty() && !version.is_empty() && python;
    (well_formed && normalizes_to(name, project)).then_some(version)
}

/// The version of a Windows installer's name without `.exe` or `.msi`: drop the
/// `-pyX.Y` target, then the `.win...` platform; what is left reads as an sdist's.
fn installer_version<'a>(stem: &'a str, project: &str) -> Option<&'a str> {
    let stem = match stem.rsplit_once("-py") {
        Some((rest, target)) if is_python_version(target) => rest,
        _ => stem,
    };
    let at = stem.to_ascii_lowercase().rfind(".win")?;
    sdist_version(&stem[..at], project)
}

/// The version field of a wheel's name without `.whl`, when its name field is
/// `project`'s. PEP 427 escapes the name's runs of `-`, `_` and `.` as one `_`, and
/// older wheels keep `.` or capitals (`zope.interface-6.2-...`, `PyYAML-6.0.1-...`):
/// normalized, each compares equal to the project's name.
fn wheel_version<'a>(stem: &'a str, project: &str) -> Option<&'a str> {
    let fields = wheel_fields(stem)?;
    normalizes_to(fields[0], project).then_some(fields[1])
}

/// The `-` fields of a well-formed wheel name without `.whl`, whatever its project:
/// name, version, optional build tag (starting with a digit), python, abi, platform.
/// Read without allocating: an index lists tens of thousands of names.
fn wheel_fields(stem: &str) -> Option<[&str; 2]> {
    // One pass over the bytes for the dashes and ASCII whitespace: an index lists
    // tens of thousands of wheels, and splitting each took more than the rest.
    let mut dashes = [0usize; 5];
    let mut count = 0;
    let mut space = false;
    for (at, &byte) in stem.as_bytes().iter().enumerate() {
        if byte == b'-' {
            *dashes.get_mut(count)? = at;
            count += 1;
        }
        // `char::is_whitespace` of ASCII: tab, line feed, vertical tab, form feed,
        // carriage return, space.
        space |= matches!(byte, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
    }
    let well_formed = match count {
        4 => true,
        // The build tag starts with a digit.
        5 => stem
            .as_bytes()
            .get(dashes[1] + 1)
            .is_some_and(u8::is_ascii_digit),
        _ => false,
    };
    if !well_formed {
        return None;
    }
    // No field is empty: no dash first or last, nor two in a row.
    let dashes = &dashes[..count];
    let empty = dashes[0] == 0
        || dashes[count - 1] + 1 == stem.len()
        || dashes.windows(2).any(|pair| pair[1] == pair[0] + 1);
    let space = space || (!stem.is_ascii() && stem.contains(char::is_whitespace));
    (!empty && !space).then(|| [&stem[..dashes[0]], &stem[dashes[0] + 1..dashes[1]]])
}

/// Whether `filename` is a well-formed wheel name, of any project.
pub(crate) fn is_wheel_name(filename: &str) -> bool {
    strip_suffix_ignore_case(filename, WHEEL_EXTENSION)
        .is_some_and(|stem| wheel_fields(stem).is_some())
}

/// The version of a source distribution's name without its extension: what follows
/// the first `-` whose prefix normalizes to `project`.
fn sdist_version<'a>(stem: &'a str, project: &str) -> Option<&'a str> {
    // At most one `-` ends a prefix that normalizes to `project` (a longer prefix
    // adds a `-` and more to the normalized name, as a name ends with no separator):
    // the usual name, spelled with single separators, ends at the project's length.
    let usual = project.len();
    let at = if stem.as_bytes().get(usual) == Some(&b'-')
        && stem
            .get(..usual)
            .is_some_and(|name| normalizes_to(name, project))
    {
        usual
    } else {
        stem.match_indices('-')
            .find(|(at, _)| normalizes_to(&stem[..*at], project))?
            .0
    };
    let version = &stem[at + 1..];
    (!version.is_empty()).then_some(version)
}

/// `3` or `2.7`: digits, dot-separated.
fn is_python_version(text: &str) -> bool {
    let number = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    text.split('.').all(number)
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let at = text.len().checked_sub(suffix.len())?;
    let tail = text.get(at..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..at])
}

/// Whether `name` normalizes (PEP 503) to `normalized`, compared without building
/// the normalized name.
fn normalizes_to(name: &str, normalized: &str) -> bool {
    if name.is_ascii() {
        let mut expected = normalized.bytes();
        let mut in_run = false;
        for b in name.bytes() {
            if matches!(b, b'-' | b'_' | b'.') {
                if !in_run && expected.next() != Some(b'-') {
                    return false;
                }
                in_run = true;
            } else {
                in_run = false;
                if expected.next() != Some(b.to_ascii_lowercase()) {
                    return false;
                }
            }
        }
        return expected.next().is_none();
    }
    let mut expected = normalized.chars();
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run && expected.next() != Some('-') {
                return false;
            }
            in_run = true;
        } else {
            in_run = false;
            if !c.to_lowercase().all(|lower| expected.next() == Some(lower)) {
                return false;
            }
        }
    }
    expected.next().is_none()
}

/// PEP 503: lowercase, each run of `-`, `_` and `.` becomes one `-` (what
/// [`normalizes_to`] compares against, built).
#[cfg(test)]
fn normalize(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                normalized.push('-');
            }
            in_run = true;
        } else {
            normalized.extend(c.to_lowercase());
            in_run = false;
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn wheels_give_their_second_field() {
        let wheels = [
            ("requests-2.31.0-py3-none-any.whl", "2.31.0"),
            (
                "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                "1.26.4",
            ),
            ("PyYAML-6.0.2rc1-cp39-cp39-win_amd64.whl", "6.0.2rc1"),
            ("zope.interface-6.2-cp312-cp312-win_amd64.whl", "6.2"),
            ("typing_extensions-4.10.0-py3-none-any.whl", "4.10.0"),
            // A build tag.
            ("demo-1.0-1-py3-none-any.whl", "1.0"),
            ("Demo-1.0-2_extra-py3-none-any.WHL", "1.0"),
        ];
        for (filename, expected) in wheels {
            let project = normalize(filename.split('-').next().unwrap());
            assert_eq!(
                version_of(filename, &project),
                Some((expected, Kind::Wheel)),
                "{filename}"
            );
        }
    }

    #[test]
    fn wheels_of_another_project_give_nothing() {
        for (filename, project) in [
            ("evilpkg-6.6.6-py3-none-any.whl", "six"),
            ("six-1.15.0-py2.py3-none-any.whl", "attrs"),
            ("foo_bar-1.0-py3-none-any.whl", "foo"),
            ("foo-1.0-py3-none-any.whl", "foo-bar"),
            // `-` is no character of a wheel's name field: `foo`, version `bar`.
            ("foo-bar-1.0-py3-none-any.whl", "foo-bar"),
        ] {
            assert_eq!(version_of(filename, project), None, "{filename}");
        }
    }

    #[test]
    fn malformed_wheels_give_nothing() {
        for filename in [
            "demo-1.0-py3-none.whl",
            "demo-1.0-x-py3-none-any.whl",
            "demo-1.0-1-2-py3-none-any.whl",
            "demo--py3-none-any.whl",
            "demo-1.0-py3-none-any.whl.metadata",
            ".whl",
        ] {
            assert_eq!(version_of(filename, "demo"), None, "{filename}");
        }
    }

    #[test]
    fn sdists_with_every_extension() {
        for extension in SDIST_EXTENSIONS {
            let filename = format!("demo-1.0{extension}");
            assert_eq!(
                version_of(&filename, "demo"),
                Some(("1.0", Kind::Sdist)),
                "{filename}"
            );
        }
        assert_eq!(
            version_of("Demo-2.0.TAR.GZ", "demo"),
            Some(("2.0", Kind::Sdist))
        );
    }

    #[test]
    fn sdist_names_with_separators_and_case() {
        let sdists = [
            ("zope.interface-6.2.tar.gz", "zope-interface", "6.2"),
            ("zope_interface-6.4.tar.gz", "zope-interface", "6.4"),
            ("Zope.Interface-6.0.zip", "zope-interface", "6.0"),
            (
                "typing_extensions-4.10.0.tar.gz",
                "typing-extensions",
                "4.10.0",
            ),
            ("PyYAML-6.0.1.tar.gz", "pyyaml", "6.0.1"),
            ("Django-4.2.tar.gz", "django", "4.2"),
            // Legacy: `-` inside the name, and inside the version.
            ("python-dateutil-2.8.2.tar.gz", "python-dateutil", "2.8.2"),
            ("foo-bar-baz-1.0-1.tar.gz", "foo-bar-baz", "1.0-1"),
            ("foo__bar-1.0.tgz", "foo-bar", "1.0"),
        ];
        for (filename, project, expected) in sdists {
            assert_eq!(
                version_of(filename, project),
                Some((expected, Kind::Sdist)),
                "{filename}"
            );
        }
    }

    #[test]
    fn sdists_of_other_names_give_nothing() {
        for (filename, project) in [
            ("other-1.0.tar.gz", "demo"),
            ("demo.tar.gz", "demo"),
            ("demo-.tar.gz", "demo"),
            ("demo1.0.tar.gz", "demo"),
            ("foo-bar-1.0.tar.gz", "foo-bar-baz"),
        ] {
            assert_eq!(version_of(filename, project), None, "{filename}");
        }
        // The prefix that normalizes to the project wins, however long.
        assert_eq!(
            version_of("foo-bar-1.0.tar.gz", "foo"),
            Some(("bar-1.0", Kind::Sdist))
        );
    }

    #[test]
    fn eggs_give_their_second_field() {
        for (filename, expected) in [
            ("demo-1.0-py2.7.egg", "1.0"),
            ("demo-1.0-py3.4-linux-x86_64.egg", "1.0"),
            ("demo-1.0-py2.6-macosx-10.3-fat.egg", "1.0"),
            ("Demo_Pkg-2.0b1-py2.5-win32.egg", "2.0b1"),
            ("demo-1.0.egg", "1.0"),
            ("pytz-2016.10-py3.4.egg", "2016.10"),
        ] {
            let project = normalize(filename.split('-').next().unwrap());
            assert_eq!(
                version_of(filename, &project),
                Some((expected, Kind::Legacy)),
                "{filename}"
            );
        }
        for filename in [
            "demo.egg",
            "demo--py2.7.egg",
            "demo-1.0-linux-x86_64.egg",
            "other-1.0-py2.7.egg",
            "demo_pkg-1.0-py2.7.egg",
        ] {
            assert_eq!(version_of(filename, "demo"), None, "{filename}");
        }
    }

    #[test]
    fn windows_installers_give_the_version_before_the_platform() {
        for (filename, project, expected) in [
            (
                "simplejson-3.8.2.win-amd64-py2.7.exe",
                "simplejson",
                "3.8.2",
            ),
            ("simplejson-3.8.2.win32.exe", "simplejson", "3.8.2"),
            ("pyOpenSSL-0.7.winxp32-py2.5.msi", "pyopenssl", "0.7"),
            ("Twisted-8.2.0.win32-py2.6.msi", "twisted", "8.2.0"),
            (
                "python-dateutil-1.0.WIN32-PY2.7.EXE",
                "python-dateutil",
                "1.0",
            ),
            (
                "zope.interface-3.6.1.win-amd64-py2.6.exe",
                "zope-interface",
                "3.6.1",
            ),
        ] {
            assert_eq!(
                version_of(filename, project),
                Some((expected, Kind::Legacy)),
                "{filename}"
            );
        }
        for filename in [
            "demo-1.0.exe",
            "demo-1.0-win32-superpack-python2.6.exe",
            "demo-1.0.py2-win-amd64.exe",
            "other-1.0.win32.exe",
        ] {
            assert_eq!(version_of(filename, "demo"), None, "{filename}");
        }
    }

    #[test]
    fn other_files_give_nothing() {
        for filename in [
            "demo-1.0-1.noarch.rpm",
            "demo-1.0-1.src.rpm",
            "demo-1.0.dmg",
            "demo-1.0.tar.gz.asc",
            "demo-1.0",
        ] {
            assert_eq!(version_of(filename, "demo"), None, "{filename}");
        }
    }

    #[test]
    fn release_numbers_are_read_up_to_the_first_other_character() {
        let cases: [(&str, Option<&[u64]>); 6] = [
            ("1.0.1.dev3460", Some(&[1, 0, 1])),
            ("0.6c10-1", Some(&[0, 6])),
            ("15.3.0+fix", Some(&[15, 3, 0])),
            ("2016.10", Some(&[2016, 10])),
            ("v1.0", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(release_numbers(text).as_deref(), expected, "{text}");
        }
        let ipython = leading_numbers("ipython-0.13.1.py2-win32-PROPER.exe", "ipython");
        assert_eq!(ipython, Some(vec![0, 13, 1]));
        assert_eq!(leading_numbers("other-1.0.rpm", "ipython"), None);
    }

    /// The version part as found before the usual name was tried first: the first
    /// `-` whose prefix normalizes to `project`.
    fn sdist_version_by_scan<'a>(stem: &'a str, project: &str) -> Option<&'a str> {
        let (at, _) = stem
            .match_indices('-')
            .find(|(at, _)| normalizes_to(&stem[..*at], project))?;
        Some(&stem[at + 1..]).filter(|version| !version.is_empty())
    }

    /// The rule a lead stands for, read from the name itself: the numbers its
    /// version part starts with agree with `release` where both have one (a name
    /// without a version part, or with an epoch, may concern any release).
    fn concerns(filename: &str, project: &str, release: &[u64]) -> bool {
        let Some(text) = sdist_version_by_scan(filename, project) else {
            return true;
        };
        text.contains('!') || leading_release(text).zip(release).all(|(n, &e)| n == e)
    }

    fn name_parts() -> impl Strategy<Value = String> {
        let parts = prop::sample::select(vec![
            "demo",
            "Demo",
            "DEMO",
            "demo_x",
            "demo-x",
            "demo.x",
            "İx",
            "i\u{307}x",
            "-",
            "--",
            "_",
            ".",
            "0",
            "1",
            "01",
            "10",
            "2",
            "4294967295",
            "4294967296",
            "99999999999999999999",
            "!",
            "rc1",
            "v",
            ".tar.gz",
            "-py3-none-any.whl",
        ]);
        let free = prop::collection::vec(parts.clone(), 0..10).prop_map(|parts| parts.concat());
        // Mostly the shape of a file name: a spelling of the project, `-`, a version.
        let spelling = prop::sample::select(vec!["demo", "Demo", "demo-x", "Demo_X"]);
        let named = (spelling, prop::collection::vec(parts, 0..8))
            .prop_map(|(name, version)| format!("{name}-{}", version.concat()));
        prop_oneof![free, named]
    }

    proptest! {
        // Cheap cases: enough of them to meet epochs and numbers past `u32` often.
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn the_usual_name_is_the_one_the_scan_finds(
            name in name_parts(),
            project in prop::sample::select(vec!["demo", "demo-x", "i\u{307}x", "x"]),
        ) {
            prop_assert_eq!(sdist_version(&name, project), sdist_version_by_scan(&name, project));
        }

        #[test]
        fn a_lead_keeps_every_file_that_may_concern_a_release(
            name in name_parts(),
            project in prop::sample::select(vec!["demo", "demo-x"]),
            release in prop::collection::vec(
                prop::sample::select(vec![0u64, 1, 2, 10, 4_294_967_295, 4_294_967_296]),
                1..6,
            ),
        ) {
            let lead = Lead::of(&name, project);
            let exact = concerns(&name, project, &release);
            if exact {
                prop_assert!(lead.may_concern(&release), "{name} {release:?}");
            }
            // Exactly the rule, where the numbers it compares fit in a lead.
            let fits = sdist_version_by_scan(&name, project)
                .is_none_or(|text| leading_release(text).take(3).all(|n| n <= u64::from(u32::MAX)));
            if fits && release.len() <= Lead::NUMBERS {
                prop_assert_eq!(lead.may_concern(&release), exact, "{} {:?}", name, release);
            }
        }
    }

    #[test]
    fn leads_tell_releases_apart() {
        let lead = |name| Lead::of(name, "demo");
        assert!(lead("demo-1.26.4.tar.gz").may_concern(&[1, 26, 4]));
        assert!(lead("demo-1.26.tar.gz").may_concern(&[1, 26, 4]));
        assert!(!lead("demo-1.25.0-py3-none-any.whl").may_concern(&[1, 26, 4]));
        assert!(!lead("DEMO-2.0.tar.gz").may_concern(&[1, 0]));
        // `Demo_` normalizes to `demo-`: no version part is found, so it may be any.
        assert!(lead("Demo_-2.0.tar.gz").may_concern(&[1, 0]));
        assert!(lead("demo-1!2.0.tar.gz").may_concern(&[2, 0]));
        assert!(lead("other-2.0.tar.gz").may_concern(&[1, 0]));
        assert!(lead("demo-v2.0.tar.gz").may_concern(&[1, 0]));
        // Past three numbers, or past `u32`, a lead keeps the file.
        assert!(lead("demo-1.0.1.5.tar.gz").may_concern(&[1, 0, 1, 4]));
        assert!(lead("demo-1.4294967296.tar.gz").may_concern(&[1, 7]));
        assert!(!lead("demo-2.4294967296.tar.gz").may_concern(&[1, 7]));
    }

    #[test]
    fn normalizes_as_pep_503() {
        assert_eq!(normalize("Zope.Interface"), "zope-interface");
        assert_eq!(normalize("a_-._b"), "a-b");
        assert_eq!(normalize("typing_extensions"), "typing-extensions");
    }

    #[test]
    fn wheels_with_whitespace_as_char_is_whitespace_finds_it_give_nothing() {
        for c in (0..=0x3000u32)
            .filter_map(char::from_u32)
            .filter(|&c| c != '-')
        {
            let stem = format!("a{c}b-1.0-py3-none-any");
            assert_eq!(wheel_fields(&stem).is_none(), c.is_whitespace(), "{c:?}");
        }
    }

    #[test]
    fn compares_as_normalizing_would() {
        let names = [
            "Zope.Interface",
            "a_-._b",
            "typing_extensions",
            "",
            "-",
            "A",
            "İx",
            "ǅemo",
            "foo-",
            "-foo",
            "foo..bar",
            "FOO_bar",
            "ﬀ",
            "ss",
            "ß",
            "\u{212A}elvin",
            "kelvin",
            "i\u{307}x",
        ];
        for name in names {
            for project in names.iter().map(|n| normalize(n)) {
                assert_eq!(
                    normalizes_to(name, &project),
                    normalize(name) == project,
                    "{name:?} vs {project:?}"
                );
            }
            assert!(normalizes_to(name, &normalize(name)), "{name:?}");
        }
    }
}
