//! A requirement's version specifier replaced by a pin (`lock` choosing a version
//! for a range, `--upgrade` moving a pin): only the specifier's bytes change; the
//! name as spelled, extras, marker, options and comment stay where they are.

use crate::requirements::{Line, Requirement, RequirementsFile};

/// Where the specifier of a requirement is, in its text: `(start, end)`, an empty
/// range right after the name (and extras) when it has none. `None` for text this
/// does not read (a URL, a `${VAR}`, a requirement split over lines).
pub(crate) fn specifier_range(text: &str) -> Option<(usize, usize)> {
    if text.contains(['\\', '\n', '\r', '@']) || text.contains("${") {
        return None;
    }
    let bytes = text.as_bytes();
    let mut at = 0;
    let skip_space = |mut at: usize| {
        while at < bytes.len() && (bytes[at] == b' ' || bytes[at] == b'\t') {
            at += 1;
        }
        at
    };
    at = skip_space(at);
    let name_start = at;
    while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || b"-_.".contains(&bytes[at])) {
        at += 1;
    }
    if at == name_start {
        return None;
    }
    let mut after_name = at;
    let next = skip_space(at);
    if bytes.get(next) == Some(&b'[') {
        let close = text[next..].find(']')? + next;
        after_name = close + 1;
    }
    let start = skip_space(after_name);
    let end = text[start..].find(';').map_or(text.len(), |i| start + i);
    let end = start + text[start..end].trim_end_matches([' ', '\t']).len();
    if start == end {
        return Some((after_name, after_name));
    }
    Some((start, end))
}

/// The requirement as written without its marker (`Requests[socks]>=2.28`).
pub(crate) fn written_without_marker(file: &RequirementsFile, req: &Requirement) -> Option<String> {
    let text = &file.text[req.span.clone()];
    let (_, end) = specifier_range(text)?;
    Some(text[..end].trim().to_owned())
}

/// The new text of `line` with the specifier of `req` replaced by `==version`; with
/// `annotate`, the old specifier in the line's comment (`# from >=2.28`). `None`
/// when the requirement's text is not one this rewrites ([`specifier_range`]).
pub(crate) fn pinned_line(
    file: &RequirementsFile,
    line: &Line,
    req: &Requirement,
    version: &str,
    annotate: bool,
) -> Option<String> {
    let text = &file.text;
    let req_text = &text[req.span.clone()];
    let (start, end) = specifier_range(req_text)?;
    let old = &req_text[start..end];
    let (start, end) = (req.span.start + start, req.span.start + end);
    let mut out = String::with_capacity(line.span.len() + version.len() + 16);
    out.push_str(&text[line.span.start..start]);
    out.push_str("==");
    out.push_str(version);
    let note = match old {
        "" => "from any version".to_owned(),
        old => format!("from {old}"),
    };
    match (&line.comment, annotate) {
        (Some(comment), true) if !text[comment.clone()].ends_with('\\') => {
            out.push_str(&text[end..comment.end]);
            out.push_str(&format!(" ({note})"));
            out.push_str(&text[comment.end..line.span.end]);
        }
        (None, true) => {
            out.push_str(&text[end..line.terminator.start]);
            out.push_str(&format!("  # {note}"));
            out.push_str(&text[line.terminator.clone()]);
        }
        _ => out.push_str(&text[end..line.span.end]),
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requirements::{LineKind, parse};

    fn pinned(text: &str, version: &str, annotate: bool) -> Option<String> {
        let file = parse(text).unwrap();
        let line = &file.lines[0];
        let LineKind::Requirement(req) = &line.kind else {
            panic!("not a requirement: {text}");
        };
        pinned_line(&file, line, req, version, annotate)
    }

    #[test]
    fn only_the_specifier_changes() {
        let table = [
            ("requests>=2.28\n", "requests==2.32.3\n"),
            ("Requests >= 2.28 , <3\n", "Requests ==2.32.3\n"),
            ("attrs\n", "attrs==24.2.0\n"),
            ("attrs\r\n", "attrs==24.2.0\r\n"),
            ("attrs", "attrs==24.2.0"),
            ("psycopg[binary]~=3.1\n", "psycopg[binary]==3.2.3\n"),
            (
                "psycopg [binary] ; python_version >= \"3.8\"\n",
                "psycopg [binary]==3.2.3 ; python_version >= \"3.8\"\n",
            ),
            (
                "django~=4.2;python_version<'4'  # web\n",
                "django==4.2.16;python_version<'4'  # web\n",
            ),
            ("zope.interface (>=5)\n", "zope.interface ==6.0\n"),
            (
                "six==1.15.0 --hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  # old\n",
                "six==1.16.0 --hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  # old\n",
            ),
        ];
        for (before, after) in table {
            let version = after
                .split("==")
                .nth(1)
                .and_then(|rest| rest.split([' ', ';', '\n', '\r']).next())
                .unwrap();
            assert_eq!(
                pinned(before, version, false).as_deref(),
                Some(after),
                "{before:?}"
            );
        }
    }

    #[test]
    fn annotate_keeps_the_old_specifier_in_the_comment() {
        assert_eq!(
            pinned("requests>=2.28\n", "2.32.3", true).as_deref(),
            Some("requests==2.32.3  # from >=2.28\n")
        );
        assert_eq!(
            pinned("requests>=2.28  # http\r\n", "2.32.3", true).as_deref(),
            Some("requests==2.32.3  # http (from >=2.28)\r\n")
        );
        assert_eq!(
            pinned("attrs", "24.2.0", true).as_deref(),
            Some("attrs==24.2.0  # from any version")
        );
    }

    #[test]
    fn text_it_cannot_read_is_left_to_the_caller() {
        assert_eq!(specifier_range("name @ https://x/y.whl"), None);
        assert_eq!(specifier_range("name>=${V}"), None);
        assert_eq!(specifier_range("name>=1 \\\n ,<2"), None);
        assert_eq!(specifier_range("name[x"), None);
    }
}
