//! What pip makes of a requirement's text, once the line is split from its options:
//! `parse_req_from_line` for a requirement line, `parse_editable` for `-e`
//! (`pip/_internal/req/constructors.py`), and `Link`'s egg-fragment rule
//! (`models/link.py`).
//!
//! A requirement line is cut at its first `;` (at `"; "` when the whole text is a
//! URL) into a name part and a marker, each stripped of Python whitespace; the name
//! part is a URL, a path, or a PEP 508 requirement that `packaging` reads with
//! spaces and tabs as its only whitespace (other whitespace only inside a version
//! specifier, right after its operator). hashlock reads the name part with
//! `pep508_rs` and the marker on its own, as pip does, after checking what the two
//! parsers read differently.
//!
//! `pep508_rs` is not trusted not to panic: every call goes through [`guarded`], and
//! the inputs that are known to make it panic are refused first with a span.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;
use std::sync::Once;

use pep508_rs::{MarkerTree, VersionOrUrl};

use super::super::location::strip_extras;
use super::super::{Span, Target};
use super::lines::{char_name, is_py_space};

/// Why the requirement text cannot be read. `range` is within the text; `None`
/// means the whole text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    pub range: Option<Span>,
    pub message: String,
    pub label: String,
    pub hint: String,
}

impl Problem {
    fn at(range: Span, message: String, label: &str, hint: impl Into<String>) -> Problem {
        Problem {
            range: Some(range),
            message,
            label: label.into(),
            hint: hint.into(),
        }
    }
}

const PEP508_HINT: &str =
    "write a PEP 508 requirement (`name==1.0`, `name @ https://...`), or a path or URL";

/// pip 26.3's `vcs.all_schemes`: the URL schemes of a VCS checkout.
const VCS_SCHEMES: &[&str] = &[
    "bzr+http",
    "bzr+https",
    "bzr+ssh",
    "bzr+sftp",
    "bzr+ftp",
    "bzr+lp",
    "bzr+file",
    "git+http",
    "git+https",
    "git+ssh",
    "git+git",
    "git+file",
    "hg+file",
    "hg+http",
    "hg+https",
    "hg+ssh",
    "hg+static-http",
    "svn+ssh",
    "svn+http",
    "svn+https",
    "svn+svn",
    "svn+file",
];

/// Reads a requirement line's requirement (`text` is exactly as pip reads it, so
/// ranges are offsets into it).
pub(super) fn requirement(text: &str) -> Result<Target, Problem> {
    if let Some(at) = option_after_tab(text) {
        let word_end = text[at..].find(' ').map_or(text.len(), |end| at + end);
        return Err(Problem::at(
            at..word_end,
            "pip splits options from the requirement at spaces only, so this is read as \
             part of the requirement"
                .into(),
            "not read as an option",
            "put a plain space, not a tab, before the option",
        ));
    }
    // `parse_req_from_line`: a URL keeps a `;` not followed by a space.
    let separator = if is_url(text) { "; " } else { ";" };
    let (name, marker) = match text.find(separator) {
        Some(at) => (trim(text, 0..at), Some(trim(text, at + 1..text.len()))),
        None => (trim(text, 0..text.len()), None),
    };
    let marker = marker.filter(|marker| !marker.is_empty());
    if let Some(marker) = &marker {
        marker_characters(text, marker.clone())?;
    }
    let written = &text[name.clone()];
    if is_url(written) {
        egg_fragment(text, name.clone(), false)?;
        parse_marker(text, marker)?;
        return Ok(Target::Unnamed {
            location: written.to_owned(),
        });
    }
    if has_scheme(written) {
        // pip fetches only the schemes of `is_url`; it reads any other URL as a
        // path, which it refuses unless it names an archive it then looks for on
        // disk (`ssh://h/x.tar.gz` is the file `ssh:/h/x.tar.gz`).
        let scheme = written.split_once(':').map_or("", |(scheme, _)| scheme);
        return Err(Problem::at(
            name.start..name.start + scheme.len() + 3,
            format!("pip does not fetch `{scheme}://` URLs: it reads this as a file path"),
            "not a URL to pip",
            "use an `https://`, `file://` or VCS (`git+https://`, `git+ssh://`) URL",
        ));
    }
    unicode_whitespace(text, name.clone())?;
    match pep508(written) {
        Ok(mut parsed) => {
            if matches!(parsed.version_or_url, Some(VersionOrUrl::Url(_))) {
                egg_fragment(text, name.clone(), true)?;
            }
            if let Some(tree) = parse_marker(text, marker)? {
                parsed.marker = tree;
            }
            Ok(Target::Pep508(Box::new(parsed)))
        }
        Err(_) if looks_like_path_or_url(written) => {
            egg_fragment(text, name.clone(), false)?;
            parse_marker(text, marker)?;
            Ok(Target::Unnamed {
                location: written.to_owned(),
            })
        }
        Err((range, message)) => Err(Problem::at(
            name.start + range.start..name.start + range.end,
            format!("invalid requirement: {message}"),
            "invalid requirement",
            PEP508_HINT,
        )),
    }
}

/// Reads the value of `-e` as pip's `parse_editable` does. `text` is the unquoted
/// value, so problems cover the whole value.
pub(super) fn editable(text: &str) -> Result<Target, Problem> {
    let whole = |message: String, label: &str, hint: &str| Problem {
        range: None,
        message,
        label: label.into(),
        hint: hint.into(),
    };
    // The `name @ url` form, which pip reads with `packaging`, marker included. The
    // text is unquoted, so a problem covers the whole value.
    let semicolon = text.find(';');
    if let Some(at) = semicolon {
        marker_characters(text, at + 1..text.len()).map_err(|problem| Problem {
            range: None,
            ..problem
        })?;
    }
    // A path may have any character in it (pip looks for the directory).
    if text.contains('@') || !looks_like_path_or_url(text) {
        unicode_whitespace(text, 0..semicolon.unwrap_or(text.len())).map_err(|problem| {
            Problem {
                range: None,
                ..problem
            }
        })?;
    }
    if let Ok(parsed) = pep508(text) {
        let Some(VersionOrUrl::Url(url)) = &parsed.version_or_url else {
            // Not a URL: pip reads it as a path, which must be a project directory.
            return Ok(Target::Pep508(Box::new(parsed)));
        };
        let url = url.given().unwrap_or(url.as_str()).to_owned();
        if !is_vcs(&url) && !url.to_ascii_lowercase().starts_with("file:") {
            return Err(not_editable(text));
        }
        egg_fragment(text, 0..text.len(), true).map_err(|problem| Problem {
            range: None,
            ..problem
        })?;
        return Ok(Target::Pep508(Box::new(parsed)));
    }
    egg_fragment(text, 0..text.len(), false).map_err(|problem| Problem {
        range: None,
        ..problem
    })?;
    let location = strip_extras(text);
    let lower = location.to_ascii_lowercase();
    if lower.starts_with("file:") {
        return Ok(Target::Unnamed {
            location: text.to_owned(),
        });
    }
    // `git:...` is read as `git+git:...`, and so on for each VCS.
    let url = match ["bzr", "git", "hg", "svn"]
        .iter()
        .find(|vcs| text.to_ascii_lowercase().starts_with(&format!("{vcs}:")))
    {
        Some(vcs) => format!("{vcs}+{text}"),
        None => text.to_owned(),
    };
    if is_vcs(&url) {
        if egg_name(&url).is_none() {
            return Err(whole(
                format!("pip cannot tell the project name of `{text}`"),
                "no project name",
                "write it as `name @ URL`, or add `#egg=name` to the URL",
            ));
        }
    } else if has_scheme(&url) {
        return Err(not_editable(text));
    }
    match pep508(text) {
        Ok(parsed) => Ok(Target::Pep508(Box::new(parsed))),
        Err(_) if looks_like_path_or_url(text) => Ok(Target::Unnamed {
            location: text.to_owned(),
        }),
        Err((_, message)) => Err(whole(
            format!("invalid requirement: {message}"),
            "invalid requirement",
            PEP508_HINT,
        )),
    }
}

fn not_editable(text: &str) -> Problem {
    Problem {
        range: None,
        message: format!(
            "pip refuses `{}` as an editable requirement: it is neither a local project nor a VCS URL",
            shorten(text)
        ),
        label: "not editable".into(),
        hint: "drop `-e` to install the file at the URL, or point `-e` at a directory or a \
               VCS URL (`git+https://...`)"
            .into(),
    }
}

/// pip's `is_url`: the text before the first `:` is a scheme pip fetches.
fn is_url(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    ["http", "https", "file", "ftp"].contains(&scheme.as_str()) || VCS_SCHEMES.contains(&&*scheme)
}

/// `Link.is_vcs`: the URL's scheme is a VCS one.
fn is_vcs(url: &str) -> bool {
    url.split_once(':')
        .is_some_and(|(scheme, _)| VCS_SCHEMES.contains(&&*scheme.to_ascii_lowercase()))
}

/// Whether the text starts with a URL scheme (`name:` then `//`).
fn has_scheme(text: &str) -> bool {
    text.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// `Link._egg_fragment`: the first `#egg=` or `&egg=` up to the next `&` must be a
/// project name alone (pip 26 refuses versions, extras and an empty name). `name`
/// is the range of the requirement's URL or path within `text`; `named` says the
/// requirement already names its project before `@`.
fn egg_fragment(text: &str, name: Span, named: bool) -> Result<(), Problem> {
    let written = &text[name.clone()];
    let Some((start, value)) = egg_match(written) else {
        return Ok(());
    };
    if is_project_name(value) {
        return Ok(());
    }
    let start = name.start + start;
    let end = start + value.len();
    let (range, message) = if value.is_empty() {
        (
            start - "egg=".len()..start,
            "pip refuses an empty `#egg=` fragment".to_owned(),
        )
    } else {
        (
            start..end,
            format!(
                "pip refuses the egg fragment `{}`: it must be a project name alone",
                shorten(value)
            ),
        )
    };
    let hint = if named {
        "remove the `#egg=` fragment: the name before `@` already names the project"
    } else {
        "write `name @ URL` without `#egg=` (`name[extra] @ URL` for extras; the URL \
         pins the version)"
    };
    Err(Problem::at(range, message, "invalid egg fragment", hint))
}

/// The project name of a URL's `#egg=` fragment, when it has a valid one.
fn egg_name(url: &str) -> Option<&str> {
    egg_match(url)
        .map(|(_, value)| value)
        .filter(|value| is_project_name(value))
}

/// `[#&]egg=([^&]*)`: the offset of the value and the value.
fn egg_match(text: &str) -> Option<(usize, &str)> {
    let at = text
        .match_indices("egg=")
        .find(|(at, _)| *at > 0 && matches!(text.as_bytes()[at - 1], b'#' | b'&'))?
        .0
        + "egg=".len();
    let len = text[at..].find('&').unwrap_or(text.len() - at);
    Some((at, &text[at..at + len]))
}

/// `^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitively.
fn is_project_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `packaging` reads a marker's words, operators and parentheses in ASCII; any
/// other character outside a quoted string is an error to pip (and one that makes
/// `pep508_rs` 0.9 panic when it follows an expression).
fn marker_characters(text: &str, marker: Span) -> Result<(), Problem> {
    let mut quote = None;
    for (offset, c) in text[marker.clone()].char_indices() {
        match quote {
            Some(open) if c == open => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if !c.is_ascii() || (is_py_space(c) && c != ' ' && c != '\t') => {
                let at = marker.start + offset;
                let range = at..at + c.len_utf8();
                return Err(if is_py_space(c) {
                    Problem::at(
                        range,
                        format!(
                            "the marker has a {}, which pip does not read as whitespace",
                            char_name(c)
                        ),
                        &char_name(c),
                        "replace it with a plain space",
                    )
                } else {
                    Problem::at(
                        range,
                        format!("pip cannot read `{c}` in a marker outside quotes"),
                        "not part of a marker",
                        "remove it, or quote it if it is part of a value",
                    )
                });
            }
            None => {}
        }
    }
    Ok(())
}

/// `packaging` takes only spaces and tabs as whitespace between the parts of a
/// requirement; other whitespace (`str.isspace`) is allowed only right after a
/// version operator (`==\u{a0}1.0`), inside the specifier's own `\s*`. After `@`
/// it would become part of the URL.
fn unicode_whitespace(text: &str, name: Span) -> Result<(), Problem> {
    let mut after_operator = false;
    let mut in_url = false;
    for (offset, c) in text[name.clone()].char_indices() {
        if c == '@' {
            in_url = true;
        }
        let foreign = is_py_space(c) && c != ' ' && c != '\t';
        // Whitespace right after an operator is the specifier's own `\s*`.
        let allowed = after_operator && !in_url;
        if foreign && !allowed {
            let at = name.start + offset;
            let range = at..at + c.len_utf8();
            let (message, hint) = if in_url {
                (
                    format!(
                        "the URL has a {}, which pip reads as part of the URL",
                        char_name(c)
                    ),
                    "remove it, or percent-encode it if the URL really has it",
                )
            } else {
                (
                    format!(
                        "the requirement has a {}, which pip does not read as whitespace, so it refuses the line",
                        char_name(c)
                    ),
                    "replace it with a plain space, or remove it",
                )
            };
            return Err(Problem::at(range, message, &char_name(c), hint));
        }
        if !is_py_space(c) {
            after_operator = matches!(c, '=' | '<' | '>');
        }
    }
    Ok(())
}

/// Parses the marker part on its own, as pip's `Marker(...)` does.
fn parse_marker(text: &str, marker: Option<Span>) -> Result<Option<MarkerTree>, Problem> {
    let Some(marker) = marker else {
        return Ok(None);
    };
    let written = &text[marker.clone()];
    match guarded(|| MarkerTree::from_str(written)) {
        Some(Ok(tree)) => Ok(Some(tree)),
        Some(Err(error)) => {
            let range = error_range(written, error.start, error.len);
            Err(Problem::at(
                marker.start + range.start..marker.start + range.end,
                format!(
                    "invalid requirement: {}",
                    first_line(&error.message.to_string())
                ),
                "invalid requirement",
                PEP508_HINT,
            ))
        }
        None => Err(Problem::at(
            marker,
            "hashlock cannot read this marker".into(),
            "unreadable marker",
            "simplify the marker; please report it to hashlock",
        )),
    }
}

/// `pep508_rs::Requirement::from_str`, never panicking: the error's range within
/// `text` and its message.
fn pep508(text: &str) -> Result<pep508_rs::Requirement, (Span, String)> {
    if let Some(bad) = name_panics_pep508(text) {
        return Err((
            bad,
            "package name must end with a letter or digit".to_owned(),
        ));
    }
    if let Some(bad) = extra_panics_pep508(text) {
        return Err((bad, "extra name must end with a letter or digit".to_owned()));
    }
    match guarded(|| pep508_rs::Requirement::from_str(text)) {
        Some(Ok(parsed)) => Ok(parsed),
        Some(Err(error)) => Err((
            error_range(text, error.start, error.len),
            first_line(&error.message.to_string()),
        )),
        None => Err((
            0..text.len(),
            "hashlock's PEP 508 parser cannot read it".to_owned(),
        )),
    }
}

fn first_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_owned()
}

thread_local! {
    /// Set while [`guarded`] runs, so the panic hook stays quiet about a panic that
    /// is caught and reported as a parse error.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs a third-party parse, turning a panic into `None`: input must never crash
/// hashlock. The default panic message is silenced for these panics only.
pub(super) fn guarded<T>(parse: impl FnOnce() -> T) -> Option<T> {
    static QUIET_HOOK: Once = Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let outer = GUARDED.with(|flag| flag.replace(true));
    let result = catch_unwind(AssertUnwindSafe(parse));
    GUARDED.with(|flag| flag.set(outer));
    result.ok()
}

/// pep508_rs 0.9 panics, instead of failing, on a name that ends in `.`, `-` or `_`
/// and is followed by more text (`foo-==1`). Returns the range of that last character.
fn name_panics_pep508(text: &str) -> Option<Span> {
    let start = text.len() - text.trim_start().len();
    let name = &text[start..];
    let len = name
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .unwrap_or(name.len());
    let first_ok = name.starts_with(|c: char| c.is_ascii_alphanumeric());
    let last = name[..len].chars().next_back()?;
    let followed = len < name.len();
    (first_ok && followed && matches!(last, '.' | '-' | '_')).then(|| start + len - 1..start + len)
}

/// pep508_rs 0.9 panics, instead of failing, on an extra whose name ends in `.`, `-`
/// or `_` (`name[extra-]`). Returns the range of that last character.
fn extra_panics_pep508(text: &str) -> Option<Span> {
    let open = text.find('[')?;
    let name = text[..open].trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return None;
    }
    let inside = &text[open + 1..];
    let inside = &inside[..inside.find(']').unwrap_or(inside.len())];
    let mut at = open + 1;
    for extra in inside.split(',') {
        let trimmed = extra.trim_end_matches(is_py_space);
        if let Some(last) = trimmed.chars().next_back()
            && matches!(last, '.' | '-' | '_')
        {
            let end = at + trimmed.len();
            return Some(end - 1..end);
        }
        at += extra.len() + 1;
    }
    None
}

/// Offset of an option-like word preceded by whitespace other than a space (a tab),
/// which `break_args_options` does not split on.
fn option_after_tab(text: &str) -> Option<usize> {
    let mut previous = None;
    for (at, c) in text.char_indices() {
        if c == '-' && previous.is_some_and(|p: char| p != ' ' && is_py_space(p)) {
            let next = text[at + 1..].chars().next();
            if next.is_some_and(|n| n == '-' || n.is_alphabetic()) {
                return Some(at);
            }
        }
        previous = Some(c);
    }
    None
}

/// A pep508 error's (byte) range within `text`, clamped and widened to char
/// boundaries.
fn error_range(text: &str, start: usize, len: usize) -> Span {
    let mut start = start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = start.saturating_add(len).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// A requirement pip accepts without a name: a path, an archive (extras allowed
/// after a local one), or a URL.
fn looks_like_path_or_url(location: &str) -> bool {
    location.contains("://")
        || location.starts_with(['.', '/', '~'])
        || location.contains(['/', '\\'])
        || crate::dist_filename::is_archive(strip_extras(location))
}

/// `range` of `text` without Python whitespace at either end.
fn trim(text: &str, range: Span) -> Span {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start_matches(is_py_space).len());
    let end = range.start + slice.trim_end_matches(is_py_space).len();
    start..end.max(start)
}

/// A word short enough to quote in a one-line message.
fn shorten(word: &str) -> String {
    const MAX: usize = 40;
    match word.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &word[..cut]),
        None => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extras_pep508_would_panic_on_are_found_at_their_last_character() {
        assert_eq!(
            extra_panics_pep508("requests[socks-]==2.31.0"),
            Some(14..15)
        );
        assert_eq!(extra_panics_pep508("foo[bar_ , baz]==1"), Some(7..8));
        assert_eq!(extra_panics_pep508("foo[a, b.]"), Some(8..9));
        assert_eq!(extra_panics_pep508("foo[a,b]==1"), None);
        assert_eq!(extra_panics_pep508("foo[a-b]==1"), None);
        assert_eq!(extra_panics_pep508("foo @ https://h/x[1-].whl"), None);
    }

    #[test]
    fn a_panic_in_a_guarded_parse_is_caught() {
        assert_eq!(guarded(|| 1), Some(1));
        assert_eq!(guarded(|| -> i32 { panic!("boom") }), None);
    }

    #[test]
    fn egg_names_follow_pips_project_name_rule() {
        for good in ["wat", "w", "wat.1_x", "Wat-2"] {
            assert!(is_project_name(good), "{good}");
        }
        for bad in ["", "wat-", "-wat", "wat>=1", "wat[extra]", "Brotli==0.3.0"] {
            assert!(!is_project_name(bad), "{bad}");
        }
        assert_eq!(egg_match("u?x=1&egg=a>=1&y"), Some((10, "a>=1")));
        assert_eq!(egg_match("u#legg=a"), None);
    }
}
