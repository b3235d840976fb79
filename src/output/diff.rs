//! A unified diff of a file's change, for `--diff`.

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

/// Lines of context around each hunk, as `diff -u` and `git diff` use.
const CONTEXT_LINES: usize = 3;

/// A unified diff of `old` against `new` with 3 lines of context, or an empty string
/// when they are equal.
///
/// Line endings are kept byte for byte (a CRLF line shows its `\r`), and a last line
/// without a newline gets the usual `\ No newline at end of file` marker so the
/// output applies with `patch` / `git apply`.
pub(crate) fn unified_diff(old_label: &str, new_label: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = TextDiff::from_lines(old, new);
    let mut out = String::new();
    // Writing into a String cannot fail; `let _` keeps that out of the signature.
    let _ = writeln!(out, "--- {old_label}");
    let _ = writeln!(out, "+++ {new_label}");
    let mut unified = diff.unified_diff();
    unified.context_radius(CONTEXT_LINES);
    for hunk in unified.iter_hunks() {
        let _ = writeln!(out, "{}", hunk.header());
        for change in hunk.iter_changes() {
            let line = change.value();
            let _ = write!(out, "{}{line}", change.tag());
            if !line.ends_with('\n') {
                out.push('\n');
                let last = match change.tag() {
                    ChangeTag::Insert => change.new_index() == diff.new_len().checked_sub(1),
                    ChangeTag::Delete | ChangeTag::Equal => {
                        change.old_index() == diff.old_len().checked_sub(1)
                    }
                };
                // similar also splits on a lone `\r`; only the real last line lacks
                // a newline in the file.
                if last {
                    out.push_str("\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_diff_when_equal() {
        assert_eq!(unified_diff("a", "b", "x\ny\n", "x\ny\n"), "");
        assert_eq!(unified_diff("a", "b", "", ""), "");
    }

    #[test]
    fn diff_has_headers_hunks_and_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nFIVE\n6\n7\n8\n9\n";
        assert_eq!(
            unified_diff("a/req.txt", "b/req.txt", old, new),
            "--- a/req.txt\n+++ b/req.txt\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn diff_keeps_crlf() {
        let old = "a==1\r\nb==2\r\n";
        let new = "a==1\r\nb==2 \\\r\n    --hash=sha256:ff\r\n";
        assert_eq!(
            unified_diff("old", "new", old, new),
            "--- old\n+++ new\n@@ -1,2 +1,3 @@\n a==1\r\n-b==2\r\n+b==2 \\\r\n+    --hash=sha256:ff\r\n"
        );
    }

    #[test]
    fn diff_without_trailing_newline() {
        let old = "a==1\nb==2";
        let new = "a==1\nb==2 --hash=sha256:ff";
        assert_eq!(
            unified_diff("old", "new", old, new),
            "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a==1\n-b==2\n\\ No newline at end of file\n+b==2 --hash=sha256:ff\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn diff_adding_trailing_newline() {
        assert_eq!(
            unified_diff("old", "new", "a\nb", "a\nb\n"),
            "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
        );
    }

    #[test]
    fn diff_unchanged_last_line_without_newline() {
        assert_eq!(
            unified_diff("old", "new", "a\nb", "A\nb"),
            "--- old\n+++ new\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n\\ No newline at end of file\n"
        );
    }
}
