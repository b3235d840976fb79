//! `-o` into another directory: pip reads `-r` and `-c` paths relative to the file
//! that holds them, so a file written elsewhere would name files that are not there.
//! Its relative includes are rewritten to name the same files from where it lands,
//! which is what pip-tools users asked of `pip-compile -o` (paths relative to the
//! output file, jazzband/pip-tools#1107). Absolute paths and URLs stay; a path with
//! `${VAR}` in it cannot be rewritten without knowing the variable, so it stays and a
//! warning points at it.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::diagnostics::{Located, Source};
use crate::requirements::{self, OptionName};

/// `text`, the new contents of a file read from `from_dir`, with its relative
/// includes rewritten for a file in `to_dir` (both must exist); `shown` names the
/// file in warnings. Unchanged when both are the same directory.
pub(crate) fn relocate(
    text: &str,
    from_dir: &Path,
    to_dir: &Path,
    shown: &str,
) -> (String, Vec<Located>) {
    let (Ok(from), Ok(to)) = (from_dir.canonicalize(), to_dir.canonicalize()) else {
        return (text.to_owned(), Vec::new());
    };
    if from == to {
        return (text.to_owned(), Vec::new());
    }
    let (parsed, _) = requirements::parse_lenient(text);
    let source = Source::new(shown, Arc::new(text.to_owned()));
    let mut edits = Vec::new();
    let mut warnings = Vec::new();
    for (_, opt) in parsed.options() {
        if !matches!(opt.name, OptionName::Requirement | OptionName::Constraint) {
            continue;
        }
        let Some((value, span)) = &opt.value else {
            continue;
        };
        if value.contains("://") || Path::new(value).is_absolute() {
            continue;
        }
        if value.contains('$') {
            warnings.push(
                source
                    .warning(
                        opt.span.clone(),
                        format!(
                            "this include is relative to `{}`, but the file is written to \
                             `{}`, where it names another file",
                            from_dir.display(),
                            to_dir.display()
                        ),
                    )
                    .label("not rewritten")
                    .hint("hashlock cannot rewrite a path that uses an environment variable: make it absolute, or write next to the original"),
            );
            continue;
        }
        let Some(moved) = rebase(&from, value, &to) else {
            continue;
        };
        if moved != *value {
            edits.push((span.clone(), quote(&moved)));
        }
    }
    let mut out = text.to_owned();
    for (span, replacement) in edits.into_iter().rev() {
        out.replace_range(span, &replacement);
    }
    (out, warnings)
}

/// `value`, a path relative to `from`, as a path relative to `to` (both canonical),
/// with `/` separators, as pip accepts on every platform.
fn rebase(from: &Path, value: &str, to: &Path) -> Option<String> {
    let joined = from.join(value);
    // The include exists (the workspace read it): resolve its directory, keep its
    // name as written.
    let target = match (joined.parent(), joined.file_name()) {
        (Some(parent), Some(name)) => parent
            .canonicalize()
            .map_or_else(|_| normalize(&joined), |dir| dir.join(name)),
        _ => normalize(&joined),
    };
    let to: Vec<Component<'_>> = to.components().collect();
    let target: Vec<Component<'_>> = target.components().collect();
    let common = to.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; to.len() - common];
    for component in &target[common..] {
        parts.push(component.as_os_str().to_str()?);
    }
    Some(parts.join("/"))
}

/// `a/./b/../c` as `a/c`, without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` as one shlex word: as is when it has only characters shlex keeps, else in
/// single quotes.
fn quote(path: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./+@%,:=~".contains(c);
    if !path.is_empty() && path.chars().all(plain) {
        path.to_owned()
    } else {
        format!("'{}'", path.replace('\'', r#"'"'"'"#))
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("reqs/sub")).unwrap();
        fs::create_dir_all(dir.path().join("out/deep")).unwrap();
        fs::write(dir.path().join("reqs/sub/base.txt"), "").unwrap();
        fs::write(dir.path().join("reqs/c.txt"), "").unwrap();
        fs::write(dir.path().join("reqs/with space.txt"), "").unwrap();
        dir
    }

    #[test]
    fn same_directory_changes_nothing() {
        let dir = tree();
        let text = "-r sub/base.txt\nsix==1.16.0\n";
        let reqs = dir.path().join("reqs");
        let (out, warnings) = relocate(text, &reqs, &dir.path().join("reqs/sub/.."), "x");
        assert_eq!(out, text);
        assert!(warnings.is_empty());
    }

    #[test]
    fn includes_name_the_same_files_from_the_new_place() {
        let dir = tree();
        let text = "# top\n-r sub/base.txt\n--constraint=./c.txt  # pins\n-r 'with space.txt'\n-r /abs/x.txt\n-r https://host/r.txt\nsix==1.16.0\n";
        let (out, warnings) = relocate(
            text,
            &dir.path().join("reqs"),
            &dir.path().join("out/deep"),
            "out/deep/r.txt",
        );
        assert_eq!(
            out,
            "# top\n-r ../../reqs/sub/base.txt\n--constraint=../../reqs/c.txt  # pins\n-r '../../reqs/with space.txt'\n-r /abs/x.txt\n-r https://host/r.txt\nsix==1.16.0\n"
        );
        assert!(warnings.is_empty());
    }

    #[test]
    fn into_a_subdirectory_and_back() {
        let dir = tree();
        let (out, _) = relocate(
            "-r reqs/c.txt\n",
            dir.path(),
            &dir.path().join("reqs/sub"),
            "r.txt",
        );
        assert_eq!(out, "-r ../c.txt\n");
    }

    #[test]
    fn environment_variables_are_left_with_a_warning() {
        let dir = tree();
        let text = "-r ${BASE}/base.txt\n";
        let (out, warnings) = relocate(
            text,
            &dir.path().join("reqs"),
            &dir.path().join("out"),
            "out/r.txt",
        );
        assert_eq!(out, text);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].span, 0..19);
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("../a/b-c_d.txt"), "../a/b-c_d.txt");
        assert_eq!(quote("a b.txt"), "'a b.txt'");
        assert_eq!(quote("it's.txt"), r#"'it'"'"'s.txt'"#);
    }
}
