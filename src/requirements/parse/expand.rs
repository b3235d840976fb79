//! pip's `expand_env_variables`: `${NAME}` replaced by the variable's value, on the
//! code of a logical line (after its comment is cut, before it is split into
//! requirement and options).
//!
//! ```python
//! ENV_VAR_RE = re.compile(r"(?P<var>\$\{(?P<name>[A-Z0-9_]+)\})")
//! for env_var, var_name in ENV_VAR_RE.findall(line):
//!     value = os.getenv(var_name)
//!     if not value:
//!         continue
//!     line = line.replace(env_var, value)
//! ```
//!
//! Only `A-Z`, `0-9` and `_` make a name; an unset or empty variable stays as
//! written. Each reference of the list replaces *every* occurrence in the line as it
//! is by then, so a value that spells another reference of the list is expanded too;
//! this module replays exactly that. The model keeps the file verbatim: the expanded
//! text carries, for each byte, the span of joined-line text it came from (one byte,
//! or the whole `${NAME}` for the bytes of a value), so spans still point at what
//! the file says.

use std::collections::BTreeMap;
use std::ffi::OsString;

use super::super::Span;

/// The variables `${NAME}` references are expanded from. [`Env::process`] is the
/// environment of the run; tests build one from pairs, so the parser never reads
/// the process environment itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// No variable set: every reference stays as written.
    #[must_use]
    pub fn empty() -> Env {
        Env::default()
    }

    /// A snapshot of this process's environment. Variables whose name or value is
    /// not Unicode are left out (pip cannot name them in `${...}` either).
    #[must_use]
    pub fn process() -> Env {
        let to_string = |s: OsString| s.into_string().ok();
        Env::from_pairs(
            std::env::vars_os()
                .filter_map(|(name, value)| Some((to_string(name)?, to_string(value)?))),
        )
    }

    /// The given variables only.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        Env {
            vars: pairs
                .into_iter()
                .map(|(name, value)| (name.into(), value.into()))
                .collect(),
        }
    }

    /// The value pip would substitute: `None` when unset or empty (`if not value`).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }
}

/// A line's code after expansion.
#[derive(Debug, Clone, Default)]
pub(super) struct Expanded {
    /// The text pip reads.
    pub text: String,
    /// The joined-line offset of the code's first byte.
    start: usize,
    /// Once a variable is expanded: for each byte of `text`, the joined-line span it
    /// came from, plus one empty entry for the end. A byte written in the file maps
    /// to itself (one byte); a byte of a variable's value maps to the whole
    /// reference (`${NAME}`). `None` while the text is as written (most lines), when
    /// byte `i` is joined byte `start + i`.
    map: Option<Vec<Span>>,
}

impl Expanded {
    /// The code as written: no variable expanded.
    pub(super) fn verbatim(text: &str, start: usize) -> Expanded {
        Expanded {
            text: text.to_owned(),
            start,
            map: None,
        }
    }

    /// The joined-line span byte `at` of `text` came from (`at == text.len()` is the
    /// empty end).
    pub(super) fn origin(&self, at: usize) -> Span {
        match &self.map {
            Some(map) => map[at].clone(),
            None if at == self.text.len() => self.start + at..self.start + at,
            None => self.start + at..self.start + at + 1,
        }
    }

    /// Whether byte `at` of `text` is part of a variable's value.
    pub(super) fn is_from_a_value(&self, at: usize) -> bool {
        self.origin(at).len() > 1
    }

    /// Expands `text`, whose first byte is at joined offset `start`.
    pub(super) fn new(text: &str, start: usize, env: &Env) -> Expanded {
        let mut expanded = Expanded::verbatim(text, start);
        // `findall` over the line as written; each entry replaces every occurrence
        // in the line as it is by then. A reference already replaced is replaced
        // again only if the line changed since (only a value can bring it back), so
        // a line costs one pass per distinct reference in all sane cases.
        let mut generation = 0usize;
        let mut done: BTreeMap<&str, usize> = BTreeMap::new();
        for reference in references(text) {
            let Some(value) = env.get(&reference[2..reference.len() - 1]) else {
                continue;
            };
            if done.get(reference) == Some(&generation) {
                continue;
            }
            if expanded.replace(reference, value) {
                generation += 1;
            }
            // A replacement can spell the reference anew around a value; then the
            // next entry for it has work to do.
            if !expanded.text.contains(reference) {
                done.insert(reference, generation);
            }
        }
        expanded
    }

    /// `str.replace(reference, value)`: every non-overlapping occurrence, left to
    /// right. Returns whether anything changed.
    fn replace(&mut self, reference: &str, value: &str) -> bool {
        if !self.text.contains(reference) || reference == value {
            return false;
        }
        let old_map = match self.map.take() {
            Some(map) => map,
            None => (0..=self.text.len()).map(|at| self.origin(at)).collect(),
        };
        let mut text = String::with_capacity(self.text.len());
        let mut map = Vec::with_capacity(old_map.len());
        let mut copied = 0;
        for (at, _) in self.text.match_indices(reference) {
            text.push_str(&self.text[copied..at]);
            map.extend_from_slice(&old_map[copied..at]);
            let end = at + reference.len();
            let span = old_map[at].start..old_map[end - 1].end;
            text.push_str(value);
            map.extend(std::iter::repeat_n(span, value.len()));
            copied = end;
        }
        text.push_str(&self.text[copied..]);
        map.extend_from_slice(&old_map[copied..]);
        self.text = text;
        self.map = Some(map);
        true
    }

    /// The joined-line span of `text[range]`; an empty range maps to an empty span
    /// where it would start.
    pub(super) fn joined(&self, range: Span) -> Span {
        if range.is_empty() {
            let at = self.origin(range.start).start;
            return at..at;
        }
        self.origin(range.start).start..self.origin(range.end - 1).end
    }

    /// The text as written for the bytes at `positions` of `text` (in order): bytes
    /// written in the file as they are, each variable's value as its `${NAME}`.
    pub(super) fn written(
        &self,
        joined: &str,
        positions: impl IntoIterator<Item = usize>,
    ) -> String {
        let mut out = Vec::new();
        let mut last_reference: Option<Span> = None;
        for at in positions {
            let span = self.origin(at);
            if span.len() == 1 {
                out.push(joined.as_bytes()[span.start]);
                last_reference = None;
            } else if last_reference.as_ref() != Some(&span) {
                out.extend_from_slice(joined[span.clone()].as_bytes());
                last_reference = Some(span);
            }
        }
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// Every `${NAME}` of `text`, in order, as `ENV_VAR_RE.findall` finds them.
pub(super) fn references(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = 0;
    std::iter::from_fn(move || {
        while let Some(found) = text[rest..].find("${") {
            let at = rest + found;
            let name = &text[at + 2..];
            let len = name
                .bytes()
                .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
                .count();
            if len > 0 && name[len..].starts_with('}') {
                rest = at + 2 + len + 1;
                return Some(&text[at..rest]);
            }
            rest = at + 2;
        }
        None
    })
}

/// The names of the `${NAME}` references of `text`.
pub(super) fn names(text: &str) -> impl Iterator<Item = &str> {
    references(text).map(|reference| &reference[2..reference.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn set_variables_expand_and_map_to_their_reference() {
        let expanded = Expanded::new("six==${V} x", 10, &env(&[("V", "1.16.0")]));
        assert_eq!(expanded.text, "six==1.16.0 x");
        assert_eq!(expanded.joined(5..11), 15..19);
        assert_eq!(expanded.joined(0..3), 10..13);
        assert_eq!(expanded.joined(12..13), 20..21);
        assert_eq!(expanded.joined(13..13), 21..21);
    }

    #[test]
    fn unset_empty_and_lower_case_references_stay_as_written() {
        let text = "a${UNSET}b${EMPTY}c${lower}d${}e$X";
        let expanded = Expanded::new(text, 0, &env(&[("EMPTY", ""), ("lower", "x")]));
        assert_eq!(expanded.text, text);
        assert_eq!(names(text).collect::<Vec<_>>(), ["UNSET", "EMPTY"]);
    }

    #[test]
    fn expansion_replays_pips_replace_of_every_occurrence() {
        // `findall` lists A then B; replacing A brings in `${B}`, which B's replace
        // then also expands, as in pip.
        let expanded = Expanded::new("${A} ${B}", 0, &env(&[("A", "${B}"), ("B", "x")]));
        assert_eq!(expanded.text, "x x");
        // A value that spells a reference not in the original list stays.
        let expanded = Expanded::new("${A}", 0, &env(&[("A", "${C}"), ("C", "x")]));
        assert_eq!(expanded.text, "${C}");
    }

    #[test]
    fn written_text_shows_references_not_values() {
        let joined = "pkg==${V}";
        let expanded = Expanded::new(joined, 0, &env(&[("V", "1.0")]));
        assert_eq!(expanded.text, "pkg==1.0");
        assert_eq!(expanded.written(joined, 0..expanded.text.len()), joined);
        assert_eq!(expanded.written(joined, 6..7), "${V}");
    }
}
