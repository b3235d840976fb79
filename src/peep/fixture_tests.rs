//! Fixture tests: [`find`] on every file of `fixtures/peep/` matches an insta snapshot
//! of its blocks and problems, and reads the same with LF and with CRLF line breaks.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use super::{Block, Problem, Severity, decode, find};
use crate::requirements::{LineKind, RequirementsFile, parse};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/peep")
}

fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(fixtures_root())
        .expect("fixtures/peep exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    files.sort();
    files
}

fn parse_ok(path: &Path, text: &str) -> RequirementsFile {
    parse(text).unwrap_or_else(|errors| panic!("{}: {errors:#?}", path.display()))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn the_fixtures_are_all_there() {
    let names: Vec<String> = fixtures()
        .iter()
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for name in [
        "basic.txt",
        "crlf.txt",
        "malformed.txt",
        "option-block.txt",
        "stacked.txt",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "missing fixtures/peep/{name}"
        );
    }
    assert!(read(&fixtures_root().join("crlf.txt")).contains("\r\n"));
}

#[test]
fn fixture_findings_match_snapshots() {
    for path in fixtures() {
        let text = read(&path);
        let file = parse_ok(&path, &text);
        let (blocks, problems) = find(&file);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(&path);
        settings.bind(|| {
            insta::assert_snapshot!(name, summary(&file, &blocks, &problems));
        });
    }
}

#[test]
fn fixtures_read_the_same_with_lf_and_crlf() {
    for path in fixtures() {
        let text = read(&path);
        let lf = text.replace("\r\n", "\n");
        let crlf = lf.replace('\n', "\r\n");
        let [lf, crlf] = [lf, crlf].map(|variant| {
            let file = parse_ok(&path, &variant);
            let (blocks, problems) = find(&file);
            meaning(&file, &blocks, &problems)
        });
        assert_eq!(lf, crlf, "{}", path.display());
    }
}

/// Blocks and problems without byte offsets: line numbers, digests, messages and the
/// text under each span.
fn meaning(file: &RequirementsFile, blocks: &[Block], problems: &[Problem]) -> Vec<String> {
    let blocks = blocks.iter().map(|block| {
        let hashes: Vec<String> = block
            .hashes
            .iter()
            .map(|hash| format!("{}:{}", file.lines[hash.line].number, hash.digest))
            .collect();
        format!("{} {hashes:?}", file.lines[block.owner].number)
    });
    let problems = problems.iter().map(|problem| {
        format!(
            "{:?} {:?} {} | {} | {:?}",
            problem.severity,
            &file.text[problem.span.clone()],
            problem.message,
            problem.label,
            problem.hint
        )
    });
    blocks.chain(problems).collect()
}

/// A compact, reviewable rendering: each block with its owner and hashes, then each
/// problem as a user would read it, with a caret under its span.
fn summary(file: &RequirementsFile, blocks: &[Block], problems: &[Problem]) -> String {
    let mut out = String::new();
    for block in blocks {
        let owner = &file.lines[block.owner];
        let LineKind::Requirement(requirement) = &owner.kind else {
            panic!("block owner on line {} is no requirement", owner.number);
        };
        let _ = writeln!(out, "block for line {}: {}", owner.number, requirement.text);
        for hash in &block.hashes {
            let base64 = &file.text[hash.span.clone()];
            assert_eq!(decode(base64), Ok(hash.digest));
            let number = file.lines[hash.line].number;
            let _ = writeln!(out, "    line {number} {base64} = {}", hash.digest);
        }
    }
    if blocks.is_empty() {
        out.push_str("no blocks\n");
    }
    for problem in problems {
        out.push('\n');
        out.push_str(&render(&file.text, problem));
    }
    out
}

fn render(text: &str, problem: &Problem) -> String {
    let severity = match problem.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let start = problem.span.start;
    let line_start = text[..start].rfind('\n').map_or(0, |at| at + 1);
    let line_end = text[line_start..]
        .find(['\r', '\n'])
        .map_or(text.len(), |at| line_start + at);
    let number = text[..line_start].matches('\n').count() + 1;
    let column = text[line_start..start].chars().count();
    let width = text[start..problem.span.end.min(line_end)]
        .chars()
        .count()
        .max(1);
    let source = text[line_start..line_end].replace('\t', "→");
    let mut out = format!(
        "{severity}: {}\n  --> {number}:{} ({:?})\n   | {source}\n   | {}{} {}\n",
        problem.message,
        column + 1,
        problem.span,
        " ".repeat(column),
        "^".repeat(width),
        problem.label
    );
    if let Some(hint) = &problem.hint {
        let _ = writeln!(out, "  hint: {hint}");
    }
    out
}
