//! Keeping credentials out of everything hashlock prints.
//!
//! Index URLs carry credentials (`https://user:token@host/simple`), on the command
//! line, in the environment and in the requirements file's own option lines. pip's
//! rule (`redact_auth_from_url`) is followed: `user:****@host` when there is a
//! password, `****@host` when the user name is the secret (a token). [`text`] is
//! applied to every line hashlock writes to stderr and to every report on stdout, so
//! a URL that reaches a message by any path is redacted; [`mask`] keeps the length
//! of a file's text (for snippets, whose carets must stay under the right column).

use std::borrow::Cow;

/// The redacted form of userinfo, as pip writes it.
const STARS: &str = "****";

/// `text` with the userinfo of every `scheme://userinfo@host` in it redacted.
pub(crate) fn text(text: &str) -> Cow<'_, str> {
    let spans = userinfo_spans(text);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (user, password) in spans {
        let secret = password.unwrap_or(user);
        // Already masked (a snippet of a masked file) stays as it is, aligned.
        if !text[secret.clone()].bytes().all(|b| b == b'*') {
            out.push_str(&text[at..secret.start]);
            out.push_str(STARS);
            at = secret.end;
        }
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// `text` with every character of the secret part of each userinfo replaced by `*`
/// as many times as its UTF-8 length: the same byte length, so spans into the text
/// stay valid, and the same number of columns for ASCII secrets.
pub(crate) fn mask(text: &str) -> Cow<'_, str> {
    let spans = userinfo_spans(text);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_owned();
    for (user, password) in spans {
        let secret = password.unwrap_or(user);
        let stars = "*".repeat(secret.len());
        out.replace_range(secret, &stars);
    }
    Cow::Owned(out)
}

/// For each `scheme://userinfo@host` in `text`: the span of the user and, when there
/// is a `:`, of the password.
fn userinfo_spans(text: &str) -> Vec<(std::ops::Range<usize>, Option<std::ops::Range<usize>>)> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let authority_start = from + found + 3;
        // The scheme must be there: letters, digits, `+`, `-`, `.` before `://`.
        let scheme_ok = text[..from + found]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        let authority_len = text[authority_start..]
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace() || is_delimiter(c))
            .unwrap_or(text.len() - authority_start);
        let authority = &text[authority_start..authority_start + authority_len];
        from = authority_start;
        let Some(at) = authority.rfind('@').filter(|_| scheme_ok) else {
            continue;
        };
        let userinfo = authority_start..authority_start + at;
        let spans_of = match text[userinfo.clone()].find(':') {
            Some(colon) => (
                userinfo.start..userinfo.start + colon,
                Some(userinfo.start + colon + 1..userinfo.end),
            ),
            None => (userinfo.clone(), None),
        };
        if !(spans_of.0.is_empty() && spans_of.1.as_ref().is_none_or(|p| p.is_empty())) {
            spans.push(spans_of);
        }
        from = userinfo.end + 1;
    }
    spans
}

/// Characters that end a URL inside prose or quoting: `"`, `'`, `` ` ``, `<`, `>`,
/// `(`, `)`, `,`, `;` (none may appear unescaped in an authority).
fn is_delimiter(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '`' | '<' | '>' | '(' | ')' | ',' | ';' | '\\'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens_are_redacted_as_pip_does() {
        let cases = [
            (
                "https://user:s3cretpass@host/simple",
                "https://user:****@host/simple",
            ),
            ("https://TOKEN@host/simple/", "https://****@host/simple/"),
            (
                "could not reach http://u:p@127.0.0.1:8080/pypi/six/json: refused",
                "could not reach http://u:****@127.0.0.1:8080/pypi/six/json: refused",
            ),
            (
                "`git+https://user:tok@github.com/a/b#egg=b` and https://x:y@z",
                "`git+https://user:****@github.com/a/b#egg=b` and https://x:****@z",
            ),
            (
                "-i https://user:${TOKEN}@host/simple",
                "-i https://user:****@host/simple",
            ),
            (
                "no credentials: https://host/simple",
                "no credentials: https://host/simple",
            ),
            ("an @ sign: https://host/a@b", "an @ sign: https://host/a@b"),
            ("://user:pw@host", "://user:pw@host"),
            ("https://:@host", "https://:@host"),
            (
                "(https://a:b@h) 'https://c@h'",
                "(https://a:****@h) 'https://****@h'",
            ),
        ];
        for (given, expected) in cases {
            assert_eq!(text(given), expected, "{given}");
        }
    }

    #[test]
    fn masking_keeps_every_offset() {
        let given = "-i https://user:pässwörd@host/simple\n-i https://tok@h/\n";
        let masked = mask(given);
        assert_eq!(masked.len(), given.len());
        assert!(!masked.contains("pässwörd") && !masked.contains("tok@"));
        assert!(masked.contains("https://user:**********@host/simple"));
        // A masked file's snippets are left alone by the printer's redaction.
        assert_eq!(text(&masked), masked);
    }

    #[test]
    fn nothing_to_redact_borrows() {
        assert!(matches!(text("six==1.16.0"), Cow::Borrowed(_)));
        assert!(matches!(mask("six==1.16.0"), Cow::Borrowed(_)));
    }
}
