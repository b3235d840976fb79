use std::collections::HashMap;
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::{PackageName, Requirement};

use super::*;
use crate::targets::{Implementation, PythonVersion};

/// An index in memory: versions (with yanked and installable flags) and the
/// `Requires-Dist` of each.
#[derive(Default)]
struct Index {
    versions: HashMap<PackageName, Vec<Candidate>>,
    requires: HashMap<(PackageName, Version), Vec<Requirement>>,
}

impl Index {
    fn add(&mut self, name: &str, version: &str, requires: &[&str]) -> &mut Index {
        self.add_with(name, version, requires, false, true)
    }

    fn add_with(
        &mut self,
        name: &str,
        version: &str,
        requires: &[&str],
        yanked: bool,
        installable: bool,
    ) -> &mut Index {
        let name: PackageName = name.parse().unwrap();
        let version: Version = version.parse().unwrap();
        self.versions
            .entry(name.clone())
            .or_default()
            .push(Candidate {
                version: version.clone(),
                yanked,
                installable,
            });
        let requires = requires
            .iter()
            .map(|r| Requirement::from_str(r).unwrap())
            .collect();
        self.requires.insert((name, version), requires);
        self
    }
}

impl Knowledge for Index {
    fn versions(&self, name: &PackageName) -> Option<&[Candidate]> {
        self.versions.get(name).map(Vec::as_slice)
    }

    fn requires(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Option<Result<Vec<Requirement>, String>> {
        self.requires
            .get(&(name.clone(), version.clone()))
            .cloned()
            .map(Ok)
    }
}

fn root(name: &str, version: &str, extras: &[&str]) -> Root {
    Root {
        name: name.parse().unwrap(),
        version: version.parse().unwrap(),
        extras: extras.iter().map(|e| e.parse().unwrap()).collect(),
        at: format!("r.txt:{name}"),
    }
}

fn targets(platforms: &[&str]) -> Vec<Target> {
    platforms
        .iter()
        .map(|p| {
            Target::new(
                PythonVersion::new(12),
                Implementation::CPython,
                p.parse().unwrap(),
            )
            .unwrap()
        })
        .collect()
}

/// Resolves, answering no question: everything must be in `index`.
fn run(index: &Index, roots: &[Root], platforms: &[&str], pre: bool) -> Outcome {
    let targets = targets(platforms);
    let problem = Problem {
        roots,
        targets: &targets,
        policy: Policy {
            pre,
            cooldown: None,
        },
    };
    resolve(&problem, index)
}

fn resolved(outcome: Outcome) -> Vec<String> {
    match outcome {
        Outcome::Resolved(map) => map.iter().map(|(n, v)| format!("{n}=={v}")).collect(),
        other => panic!("{other:?}"),
    }
}

const LINUX: &[&str] = &["manylinux_2_17_x86_64"];

#[test]
fn a_choice_that_conflicts_later_is_undone() {
    // p 2.0 (the newest) needs q<1, which does not exist: pubgrub goes back to p 1.0.
    let mut index = Index::default();
    index
        .add("app", "1.0", &["p", "q>=1"])
        .add("p", "1.0", &[])
        .add("p", "2.0", &["q<1"])
        .add("q", "1.0", &[])
        .add("q", "1.5", &[]);
    let outcome = run(&index, &[root("app", "1.0", &[])], LINUX, false);
    assert_eq!(resolved(outcome), ["app==1.0", "p==1.0", "q==1.5"]);
}

#[test]
fn pre_releases_only_when_asked_or_named_or_alone() {
    let mut index = Index::default();
    index
        .add("app", "1.0", &["lib"])
        .add("lib", "1.0", &[])
        .add("lib", "2.0b1", &[]);
    let roots = [root("app", "1.0", &[])];
    assert_eq!(
        resolved(run(&index, &roots, LINUX, false)),
        ["app==1.0", "lib==1.0"]
    );
    assert_eq!(
        resolved(run(&index, &roots, LINUX, true)),
        ["app==1.0", "lib==2.0b1"]
    );
    let mut named = Index::default();
    named
        .add("app", "1.0", &["lib>=2.0b1"])
        .add("lib", "1.0", &[])
        .add("lib", "2.0b1", &[]);
    assert_eq!(
        resolved(run(&named, &roots, LINUX, false)),
        ["app==1.0", "lib==2.0b1"]
    );
    let mut alone = Index::default();
    alone.add("app", "1.0", &["lib"]).add("lib", "3.0rc1", &[]);
    assert_eq!(
        resolved(run(&alone, &roots, LINUX, false)),
        ["app==1.0", "lib==3.0rc1"]
    );
}

#[test]
fn yanked_versions_only_when_pinned_exactly() {
    let mut index = Index::default();
    index
        .add("app", "1.0", &["lib"])
        .add("pinned", "1.0", &["lib==2.0"])
        .add("lib", "1.0", &[])
        .add_with("lib", "2.0", &[], true, true);
    let outcome = run(&index, &[root("app", "1.0", &[])], LINUX, false);
    assert_eq!(resolved(outcome), ["app==1.0", "lib==1.0"]);
    let outcome = run(&index, &[root("pinned", "1.0", &[])], LINUX, false);
    assert_eq!(resolved(outcome), ["lib==2.0", "pinned==1.0"]);
}

#[test]
fn versions_some_target_cannot_install_are_skipped() {
    let mut index = Index::default();
    index
        .add("app", "1.0", &["lib"])
        .add("lib", "1.0", &[])
        .add_with("lib", "2.0", &[], false, false);
    let outcome = run(&index, &[root("app", "1.0", &[])], LINUX, false);
    assert_eq!(resolved(outcome), ["app==1.0", "lib==1.0"]);
}

#[test]
fn markers_hold_on_any_target_and_extras_pull_their_dependencies() {
    let mut index = Index::default();
    index
        .add(
            "app",
            "1.0",
            &[
                "colorama; sys_platform == 'win32'",
                "socks; extra == 'proxy'",
            ],
        )
        .add("colorama", "0.4", &[])
        .add("socks", "1.0", &[]);
    let plain = [root("app", "1.0", &[])];
    assert_eq!(resolved(run(&index, &plain, LINUX, false)), ["app==1.0"]);
    let both = ["manylinux_2_17_x86_64", "win_amd64"];
    assert_eq!(
        resolved(run(&index, &plain, &both, false)),
        ["app==1.0", "colorama==0.4"]
    );
    let extra = [root("app", "1.0", &["proxy"])];
    assert_eq!(
        resolved(run(&index, &extra, LINUX, false)),
        ["app==1.0", "socks==1.0"]
    );
}

#[test]
fn a_conflict_is_explained_with_the_lines_involved() {
    let mut index = Index::default();
    index
        .add("left", "1.0", &["shared<2"])
        .add("right", "1.0", &["shared>=2"])
        .add("shared", "1.0", &[])
        .add("shared", "2.0", &[]);
    let roots = [root("left", "1.0", &[]), root("right", "1.0", &[])];
    let Outcome::Conflict(text) = run(&index, &roots, LINUX, false) else {
        panic!("no conflict");
    };
    assert!(text.contains("`left==1.0` at r.txt:left"), "{text}");
    assert!(text.contains("`right==1.0` at r.txt:right"), "{text}");
    assert!(!text.contains("files 0"), "{text}");
}

#[test]
fn what_is_not_known_is_asked_for() {
    let mut index = Index::default();
    index.add("app", "1.0", &["lib>=1"]);
    let outcome = run(&index, &[root("app", "1.0", &[])], LINUX, false);
    assert!(
        matches!(&outcome, Outcome::Need(Question::Versions(name)) if name.as_ref() == "lib"),
        "{outcome:?}"
    );
    // A pinned root's dependencies are asked for, its versions never.
    let empty = Index::default();
    let outcome = run(&empty, &[root("app", "1.0", &[])], LINUX, false);
    assert!(
        matches!(&outcome, Outcome::Need(Question::Requires(name, _)) if name.as_ref() == "app"),
        "{outcome:?}"
    );
}
