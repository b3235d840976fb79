//! `Requires-Python` as indexes serve it: PEP 440 specifiers, read leniently.
//!
//! PyPI holds years of metadata written before anything checked it: `>=2.7.*`,
//! `>=3.6,`, `>= '2.7'`, `!=3.0*`, `>=7.2<8`. pip reads these with `packaging`, whose
//! old releases accepted most of them, and ignores the ones it cannot read at all. As
//! uv's `LenientVersionSpecifiers` does, a specifier set that does not parse is
//! repaired one known mistake at a time until it does; one that never does is
//! ignored, as pip ignores it (`Ignoring invalid Requires-Python`).

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::LazyLock;

use pep440_rs::VersionSpecifiers;
use regex::Regex;

/// A repair: the text with one kind of mistake fixed.
type Fix = fn(&str) -> Cow<'_, str>;

/// Compiles a pattern written in this file: a test covers each, so none can fail.
fn pattern(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|error| unreachable!("bad pattern {pattern}: {error}"))
}

/// `>=7.2.0<8.0.0`: a comma is missing between two specifiers.
static MISSING_COMMA: LazyLock<Regex> = LazyLock::new(|| pattern(r"(\d)([<>=~^!])"));
/// `!=~5.0`: a tilde where a wildcard was meant.
static NOT_EQUAL_TILDE: LazyLock<Regex> = LazyLock::new(|| pattern(r"!=~((?:\d\.)*\d)"));
/// `>=2.7.*`, `<3.4.*`: a wildcard after an ordering operator.
static ORDERED_WILDCARD: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(<=|>=|<|>)\s*(\d+(?:\.\d+)*)\.\*"));
/// `!=3.0*`: a wildcard without its dot.
static MISSING_DOT: LazyLock<Regex> = LazyLock::new(|| pattern(r"(\d\.\d)+\*"));
/// `>=3.6,`: a trailing comma.
static TRAILING_COMMA: LazyLock<Regex> = LazyLock::new(|| pattern(r",\s*$"));
/// `>= '2.7'`, `>="3.6"`: quotes around versions.
static QUOTES: LazyLock<Regex> = LazyLock::new(|| pattern(r#"['"]"#));

/// The repairs, in the order they are tried; each is kept once made.
const FIXES: [Fix; 6] = [
    |text| MISSING_COMMA.replace_all(text, "$1,$2"),
    |text| NOT_EQUAL_TILDE.replace_all(text, "!=${1}.*"),
    |text| ORDERED_WILDCARD.replace_all(text, "${1}${2}"),
    |text| MISSING_DOT.replace_all(text, "${1}.*"),
    |text| TRAILING_COMMA.replace_all(text, ""),
    |text| QUOTES.replace_all(text, ""),
];

/// The specifiers of a `Requires-Python` value, repaired where it holds a known
/// mistake; `None` when it cannot be read even so.
pub(super) fn parse(text: &str) -> Option<VersionSpecifiers> {
    if let Ok(specifiers) = VersionSpecifiers::from_str(text) {
        return Some(specifiers);
    }
    let mut text = text.to_owned();
    for fix in FIXES {
        let fixed = fix(&text);
        if fixed != text {
            let fixed = fixed.into_owned();
            if let Ok(specifiers) = VersionSpecifiers::from_str(&fixed) {
                return Some(specifiers);
            }
            text = fixed;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(lenient: &str, strict: &str) {
        assert_eq!(
            parse(lenient),
            Some(VersionSpecifiers::from_str(strict).unwrap()),
            "{lenient}"
        );
    }

    #[test]
    fn valid_specifiers_read_as_they_are() {
        same(">=3.8", ">=3.8");
        same(">= 3.6", ">=3.6");
        same(" >=3.6 , <4 ", ">=3.6,<4");
        same("", "");
        same(">=2.7, !=3.0.*, !=3.1.*", ">=2.7,!=3.0.*,!=3.1.*");
    }

    /// Each repair, on values PyPI serves.
    #[test]
    fn pypi_junk_is_repaired() {
        same(">=7.2.0<8.0.0", ">=7.2.0,<8.0.0");
        same("!=~5.0,>=4.12", "!=5.0.*,>=4.12");
        same(">=2.7.*", ">=2.7");
        same(">= 2.7.*", ">=2.7");
        same(">=2.7,!=3.0.*,!=3.1.*,<3.4.*", ">=2.7,!=3.0.*,!=3.1.*,<3.4");
        same(
            ">=2.7,!=3.0*,!=3.1*,!=3.2*",
            ">=2.7,!=3.0.*,!=3.1.*,!=3.2.*",
        );
        same(">=3.6,", ">=3.6");
        same(">=3.6, ", ">=3.6");
        same(">= '2.7'", ">=2.7");
        same(">=\"3.6\"", ">=3.6");
        same(
            ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*,",
            ">=2.7,!=3.0.*,!=3.1.*,!=3.2.*,!=3.3.*,!=3.4.*",
        );
        same(
            ">=2.7, !=3.0.*, !=3.1.*', !=3.2.*",
            ">=2.7,!=3.0.*,!=3.1.*,!=3.2.*",
        );
    }

    #[test]
    fn unreadable_values_are_none() {
        for text in ["python3", ">=three", "3.6+", "~=", "\u{0}"] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
