//! Differential test against pip's own parser.
//!
//! `tests/pip_parity.py` runs `pip._internal.req.req_file.parse_requirements` over
//! the fixtures in `fixtures/requirements/` and prints what pip read; this test parses
//! the same files with hashlock and compares requirement by requirement: the first
//! line number, the requirement text, the editable flag, the hashes by algorithm, and
//! the per-requirement build options.
//!
//! Compared are the top-level fixtures (which every pip since 23 reads alike) and those
//! in `pip-versions/` whose first line, `# pip-parity: SPECIFIERS`, admits the pip
//! under test; `errors/` holds files hashlock refuses, which pip partly accepts. An
//! `errors/` fixture whose first line is `# pip-parity: refuses every line` is also
//! run through pip one line at a time: pip must refuse each line, as hashlock does.
//!
//! pip also builds each requirement (`install_req_from_parsed_requirement`), where
//! `packaging` reads it and egg fragments and editables are checked: it must build
//! every requirement of a fixture hashlock accepts, except local paths (pip checks
//! they exist; the fixtures name paths that do not).
//!
//! A fixture's `# env: NAME=value` lines set variables for its `${NAME}` references,
//! on both sides; every other referenced variable is unset for pip.
//!
//! The interpreter is `$HASHLOCK_TEST_PYTHON`, else `python3`; `scripts/test` points
//! it at a virtualenv with the pip version the project pins. A Python without pip
//! fails the test: skipping would let the parser drift from pip unnoticed.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use hashlock::requirements::{Env, Location, OptionName, RequirementsFile, decode, parse_with};
use pep440_rs::{Version, VersionSpecifiers};
use serde_json::Value;

use crate::support::python::python;

/// How a fixture limits the pip versions it is compared against.
const PARITY_HEADER: &str = "# pip-parity:";

/// The first line of an `errors/` fixture whose every line pip refuses.
const REFUSES_HEADER: &str = "# pip-parity: refuses every line";

/// How a fixture sets a variable for its `${NAME}` references.
const ENV_LINE: &str = "# env: ";

/// The `# env: NAME=value` lines of a fixture.
fn fixture_env(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.strip_prefix(ENV_LINE)?.split_once('='))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

/// What one requirement means, in the shape both sides can produce.
#[derive(Debug, PartialEq, Eq)]
struct Entry {
    line: usize,
    requirement: String,
    editable: bool,
    hashes: BTreeMap<String, Vec<String>>,
    /// `None` for editables: pip 23 drops their options, recent pip keeps `-C`.
    config_settings: Option<BTreeMap<String, Value>>,
    global_options: Option<Vec<String>>,
}

fn txt_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("fixture directory exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    files.sort();
    files
}

/// Top-level fixtures, then the pip-version-specific ones.
fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/requirements");
    let mut files = txt_files(&root);
    files.extend(txt_files(&root.join("pip-versions")));
    files
}

/// Whether a fixture applies to this pip: no header, or a header that admits it.
fn applies_to(text: &str, pip: &Version) -> bool {
    let Some(header) = text
        .lines()
        .next()
        .and_then(|line| line.strip_prefix(PARITY_HEADER))
    else {
        return true;
    };
    let specifiers = VersionSpecifiers::from_str(header.trim()).expect("valid pip-parity header");
    specifiers.contains(pip)
}

/// Trims what Python's `str.strip()` trims (which includes U+001C..U+001F).
fn py_trim(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

/// Whether a requirement names a local path, which pip builds only if it exists.
fn is_local_path(location: Option<&str>) -> bool {
    location.is_some_and(|location| {
        !location.contains("://")
            && matches!(
                Location::of(location),
                Location::LocalArchive | Location::LocalDirectory
            )
    })
}

fn ours(file: &RequirementsFile) -> Vec<Entry> {
    file.requirements()
        .map(|(line, requirement)| {
            let mut hashes: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for hash in &requirement.hashes {
                let name = hash.algorithm().name().to_owned();
                // The digest as written (pip keeps its case), without continuations.
                let written =
                    file.text[hash.digest_span.clone()].replace(['\\', '\r', '\n', '\'', '"'], "");
                hashes.entry(name).or_default().push(written);
            }
            let editable = requirement.editable.is_some();
            let values = |name: OptionName| -> Vec<String> {
                let opts = requirement.options.iter().filter(|opt| opt.name == name);
                opts.filter_map(|opt| opt.value.as_ref().map(|(value, _)| value.clone()))
                    .collect()
            };
            Entry {
                line: line.number,
                requirement: py_trim(&requirement.expanded).to_owned(),
                editable,
                hashes,
                config_settings: (!editable)
                    .then(|| config_dict(values(OptionName::ConfigSettings))),
                global_options: (!editable).then(|| values(OptionName::GlobalOption)),
            }
        })
        .collect()
}

/// pip's `_handle_config_settings`: `{key: value}`, repeated keys become a list.
fn config_dict(settings: Vec<String>) -> BTreeMap<String, Value> {
    let mut dict: BTreeMap<String, Value> = BTreeMap::new();
    for setting in settings {
        let (key, value) = setting.split_once('=').expect("validated by the parser");
        let value = Value::String(value.to_owned());
        match dict.remove(key) {
            None => dict.insert(key.to_owned(), value),
            Some(Value::Array(mut list)) => {
                list.push(value);
                dict.insert(key.to_owned(), Value::Array(list))
            }
            Some(first) => dict.insert(key.to_owned(), Value::Array(vec![first, value])),
        };
    }
    dict
}

fn theirs(path: &str, result: &Value) -> Vec<Entry> {
    if let Some(error) = result.get("error") {
        panic!("pip could not parse {path}: {error}");
    }
    let requirements = result["requirements"].as_array().expect("a list");
    requirements
        .iter()
        // Requirements from `-r`/`-c` includes belong to the included file.
        .filter(|req| req["file"] == path)
        .map(|req| {
            let editable = req["editable"].as_bool().expect("a bool");
            let hashes = serde_json::from_value(req["hashes"].clone()).expect("hash dict");
            let config = serde_json::from_value(req["config_settings"].clone()).expect("dict");
            let global = serde_json::from_value(req["global_options"].clone()).expect("list");
            Entry {
                line: req["line"].as_u64().expect("a number") as usize,
                requirement: py_trim(req["requirement"].as_str().expect("a string")).to_owned(),
                editable,
                hashes,
                config_settings: (!editable).then_some(config),
                global_options: (!editable).then_some(global),
            }
        })
        .collect()
}

/// `${NAME}` references in the fixtures: pip would expand them from the environment,
/// so they are removed from pip's environment unless a fixture sets them.
fn env_var_names(texts: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    for text in texts {
        for (at, _) in text.match_indices("${") {
            let rest = &text[at + 2..];
            if let Some(end) = rest.find('}') {
                names.push(rest[..end].to_owned());
            }
        }
    }
    names
}

fn run_pip(paths: &[String], unset: &[String], set: &[(String, String)]) -> Value {
    let python = python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pip_parity.py");
    let mut command = Command::new(&python);
    command.arg(&script).args(paths);
    for name in unset {
        command.env_remove(name);
    }
    command.envs(set.iter().map(|(name, value)| (name, value)));
    let output = command.output().unwrap_or_else(|error| {
        panic!(
            "cannot run `{}` ({error}): run the project's test command, `scripts/test`, \
             or point HASHLOCK_TEST_PYTHON at a Python that has pip",
            python.display()
        )
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(3) {
        panic!(
            "`{}` cannot import pip ({}): run the project's test command, \
             `scripts/test`, which installs it, or point HASHLOCK_TEST_PYTHON at a Python \
             that has pip",
            python.display(),
            stderr.trim()
        );
    }
    assert!(output.status.success(), "pip_parity.py failed:\n{stderr}");
    serde_json::from_slice(&output.stdout).expect("pip_parity.py prints JSON")
}

#[test]
fn pip_reads_every_fixture_as_hashlock_does() {
    let paths: Vec<String> = fixtures()
        .iter()
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    assert!(paths.len() >= 12, "expected the requirement fixtures");
    let texts: Vec<String> = paths
        .iter()
        .map(|path| {
            let bytes = fs::read(path).expect("readable fixture");
            decode(&bytes).expect("UTF-8 fixture").to_owned()
        })
        .collect();
    let set: Vec<(String, String)> = texts.iter().flat_map(|text| fixture_env(text)).collect();
    let report = run_pip(&paths, &env_var_names(&texts), &set);
    let pip_version = report["pip"].as_str().expect("pip version");
    let pip = Version::from_str(pip_version).expect("a PEP 440 pip version");
    let mut compared = 0;
    for (path, text) in paths.iter().zip(&texts) {
        if !applies_to(text, &pip) {
            continue;
        }
        let env = Env::from_pairs(fixture_env(text));
        let file = parse_with(text, &env).unwrap_or_else(|errors| panic!("{path}: {errors:#?}"));
        let result = &report["files"][path.as_str()];
        let expected = theirs(path, result);
        assert_eq!(ours(&file), expected, "{path} (pip {pip_version})");
        let built = result["requirements"].as_array().expect("a list").iter();
        let built = built.filter(|req| req["file"] == path.as_str());
        for ((_, requirement), req) in file.requirements().zip(built) {
            let error = &req["construct_error"];
            assert!(
                error.is_null() || is_local_path(requirement.location()),
                "{path}: pip refuses `{}`: {error}",
                requirement.text
            );
        }
        compared += expected.len();
    }
    assert!(compared > 50, "only {compared} requirements compared");
}

/// A fixture's variables, from its `# env:` lines.
type Vars = Vec<(String, String)>;

/// The lines of an `errors/` fixture marked [`REFUSES_HEADER`]: every line that is
/// not blank or a comment (as `FILE:LINE` and the line), with the fixture's variables.
fn refused_lines() -> Vec<(String, String, Vars)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/requirements/errors");
    let mut cases = Vec::new();
    for path in txt_files(&dir) {
        // Some fixtures here are not UTF-8 on purpose.
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        if !text.starts_with(REFUSES_HEADER) {
            continue;
        }
        let env = fixture_env(&text);
        let name = path
            .file_name()
            .expect("a file")
            .to_string_lossy()
            .into_owned();
        for (index, line) in text.lines().enumerate() {
            if !line.trim().is_empty() && !line.starts_with('#') {
                let case = format!("{name}:{}", index + 1);
                cases.push((case, format!("{line}\n"), env.clone()));
            }
        }
    }
    cases
}

#[test]
fn pip_refuses_each_line_hashlock_refuses() {
    let cases = refused_lines();
    assert!(cases.len() >= 20, "expected the refused-line fixtures");
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut paths = Vec::new();
    for (index, (case, line, env)) in cases.iter().enumerate() {
        let errors = parse_with(line, &Env::from_pairs(env.clone()));
        assert!(errors.is_err(), "{case}: hashlock reads {line:?}");
        let path = dir.path().join(format!("case-{index}.txt"));
        fs::write(&path, line).expect("writable temp dir");
        paths.push(path.to_string_lossy().into_owned());
    }
    let texts: Vec<String> = cases.iter().map(|(_, line, _)| line.clone()).collect();
    let set: Vec<(String, String)> = cases.iter().flat_map(|(_, _, env)| env.clone()).collect();
    let report = run_pip(&paths, &env_var_names(&texts), &set);
    for ((case, line, _), path) in cases.iter().zip(&paths) {
        let result = &report["files"][path.as_str()];
        let refused = result.get("error").is_some()
            || result["requirements"]
                .as_array()
                .expect("a list")
                .iter()
                .any(|req| !req["construct_error"].is_null());
        assert!(refused, "{case}: pip reads {line:?}: {result}");
    }
}
