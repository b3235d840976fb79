//! Planner tests on parsed text: what a locked line looks like, and what stays.

use std::collections::HashMap;
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::PackageName;

use super::*;
use crate::index::DistFile;
use crate::requirements::{self, LineKind};

const H1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const H2: &str = "2222222222222222222222222222222222222222222222222222222222222222";

fn release(hashes: &[&str]) -> Release {
    let files = hashes
        .iter()
        .enumerate()
        .map(|(i, hash)| DistFile {
            filename: format!("six-1.16.0-{i}.whl"),
            url: format!("https://files.example/six-{i}.whl")
                .parse()
                .unwrap(),
            sha256: Some(hash.parse().unwrap()),
            yanked: None,
            requires_python: None,
            other_hash: None,
            size: None,
            upload_time: None,
            core_metadata: false,
            provenance: None,
        })
        .collect();
    Release {
        name: "six".into(),
        version: "1.16.0".into(),
        files,
        legacy: Vec::new(),
        ignored: Vec::new(),
        status: None,
    }
}

fn six() -> Pin {
    Pin {
        name: PackageName::from_str("six").unwrap(),
        version: Version::from_str("1.16.0").unwrap(),
        arbitrary: None,
    }
}

/// Locks every requirement line of `text` as six 1.16.0 with files hashed `hashes`.
fn lock(text: &str, hashes: &[&str], force: bool) -> Plan {
    let file = requirements::parse(text).unwrap();
    let options = Options {
        force,
        ..Options::default()
    };
    plan_six(&file, release(hashes), options)
}

/// Locks every requirement of `file` as six 1.16.0, whose files are `release`.
fn plan_six(file: &RequirementsFile, release: Release, options: Options) -> Plan {
    let pin = six();
    let pinned: Vec<Pinned<'_>> = file
        .lines
        .iter()
        .enumerate()
        .filter_map(|(line, text)| match &text.kind {
            LineKind::Requirement(req) => Some(Pinned {
                line,
                req,
                pin: &pin,
            }),
            _ => None,
        })
        .collect();
    let releases = HashMap::from([(six(), std::sync::Arc::new(release))]);
    plan_file(file, &pinned, &[], &releases, &Projects::new(), options)
}

#[test]
fn writes_pip_compile_layout_sorted() {
    let plan = lock("six==1.16.0\n", &[H2, H1], false);
    let want = format!("six==1.16.0 \\\n    --hash=sha256:{H1} \\\n    --hash=sha256:{H2}\n");
    assert_eq!(plan.text, want);
    assert_eq!((plan.locked, plan.hashes, plan.lines_changed), (1, 2, 1));
}

#[test]
fn trailing_comment_moves_after_the_last_hash() {
    let plan = lock("six==1.16.0   # why we need it\n", &[H1], false);
    assert_eq!(
        plan.text,
        format!("six==1.16.0 \\\n    --hash=sha256:{H1}   # why we need it\n")
    );
}

#[test]
fn comment_ending_in_a_backslash_keeps_a_line_of_its_own() {
    // Found by the `lock_plan` fuzz target. The comment line ends the continuation,
    // so `next` is a requirement of its own. Moved after the last hash, the `\` would
    // continue that line into `next`, which pip would then read as part of the comment.
    let text = "six==1.16.0 \\\n  # see #12 \\\nnext==1.0\n";
    let plan = lock(text, &[H1], false);
    assert_eq!(
        plan.text,
        format!(
            "six==1.16.0 \\\n    --hash=sha256:{H1} \\\n    # see #12 \\\n\
             next==1.0 \\\n    --hash=sha256:{H1}\n"
        )
    );
    let file = requirements::parse(&plan.text).unwrap();
    assert_eq!(file.requirements().count(), 2, "{file:?}");
}

#[test]
fn crlf_lines_continue_with_crlf() {
    let plan = lock("# top\r\nsix==1.16.0\r\n", &[H1, H2], false);
    let want = format!(
        "# top\r\nsix==1.16.0 \\\r\n    --hash=sha256:{H1} \\\r\n    --hash=sha256:{H2}\r\n"
    );
    assert_eq!(plan.text, want);
}

#[test]
fn lone_cr_lines_continue_with_cr() {
    let plan = lock("six==1.16.0\r# end\r", &[H1, H2], false);
    let want =
        format!("six==1.16.0 \\\r    --hash=sha256:{H1} \\\r    --hash=sha256:{H2}\r# end\r");
    assert_eq!(plan.text, want);
}

#[test]
fn last_line_without_newline_continues_in_the_file_style() {
    let plan = lock("# top\r\nsix==1.16.0", &[H1], false);
    assert_eq!(
        plan.text,
        format!("# top\r\nsix==1.16.0 \\\r\n    --hash=sha256:{H1}")
    );
}

#[test]
fn last_line_without_newline_gets_none() {
    let plan = lock("six==1.16.0", &[H1], false);
    assert_eq!(plan.text, format!("six==1.16.0 \\\n    --hash=sha256:{H1}"));
}

#[test]
fn requirement_text_markers_and_other_options_are_kept() {
    let sha512 = "ab".repeat(64);
    let unknown = "3".repeat(64);
    let text = format!(
        "Six[extra] == 1.16.0 ; python_version > \"3\" -C key=value --hash=sha256:{unknown} --hash=sha512:{sha512}\n"
    );
    let plan = lock(&text, &[H1], true);
    let want = format!(
        "Six[extra] == 1.16.0 ; python_version > \"3\" \\\n    -C key=value \\\n    --hash=sha256:{H1} \\\n    --hash=sha512:{sha512}\n"
    );
    assert_eq!(plan.text, want);
}

#[test]
fn complete_lines_are_not_touched_whatever_their_layout() {
    let text = format!(
        "six==1.16.0 --hash=sha256:{} --hash sha256:{H1}  # ok\n",
        H2.to_uppercase()
    );
    let plan = lock(&text, &[H1, H2], false);
    assert_eq!(plan.text, text);
    assert_eq!((plan.locked, plan.lines_changed), (1, 0));
}

#[test]
fn other_lines_are_copied_verbatim() {
    let text = "# c\n\n-i https://x/simple\nsix==1.16.0\n\t\n# end";
    let plan = lock(text, &[H1], false);
    assert_eq!(
        plan.text,
        format!("# c\n\n-i https://x/simple\nsix==1.16.0 \\\n    --hash=sha256:{H1}\n\t\n# end")
    );
}

#[test]
fn mixed_known_and_unknown_hashes_are_a_problem() {
    let unknown = "3".repeat(64);
    let text = format!("six==1.16.0 --hash=sha256:{H1} --hash=sha256:{unknown}\n");
    let plan = lock(&text, &[H1, H2], false);
    assert_eq!(plan.text, text);
    assert!(
        matches!(&plan.problems[..], [Problem::Unpublished { unpublished: u, .. }] if u.len() == 1 && u[0].written.digest == unknown.parse::<Sha256>().unwrap().into())
    );
    let forced = lock(&text, &[H1, H2], true);
    assert!(forced.problems.is_empty());
    assert_eq!(forced.replaced.len(), 1);
}

#[test]
fn a_release_without_digests_is_a_problem() {
    let file = requirements::parse("six==1.16.0\n").unwrap();
    let mut release = release(&[H1]);
    release.files[0].sha256 = None;
    let plan = plan_six(&file, release, Options::default());
    assert!(matches!(&plan.problems[..], [Problem::NoHashes { .. }]));
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// One line of a generated file: requirements in the forms `lock` meets, and the
    /// lines around them.
    fn line() -> impl Strategy<Value = String> {
        let hash = prop_oneof![
            Just(H1),
            Just(H2),
            Just("3333333333333333333333333333333333333333333333333333333333333333")
        ];
        prop_oneof![
            Just("six==1.16.0".to_string()),
            Just("Six[x] == 1.16.0 ; python_version > \"3\"".to_string()),
            "[a-z ]{0,12}".prop_map(|c| format!("six==1.16.0  # {c}")),
            hash.clone()
                .prop_map(|h| format!("six==1.16.0 --hash=sha256:{h}")),
            (hash.clone(), hash).prop_map(|(a, b)| format!(
                "six==1.16.0 \\\n    --hash=sha256:{a} \\\n    --hash=sha256:{b}"
            )),
            Just("six==1.16.0 -C k=v".to_string()),
            "[a-z ]{0,12}".prop_map(|c| format!("# {c}")),
            Just(String::new()),
            Just("-i https://example.org/simple".to_string()),
        ]
    }

    fn file() -> impl Strategy<Value = String> {
        let ending = prop_oneof![Just("\n"), Just("\r\n")];
        (
            proptest::collection::vec(line(), 0..8),
            ending,
            any::<bool>(),
        )
            .prop_map(|(lines, nl, last)| {
                let mut text = lines.join("\n").replace('\n', nl);
                if last && !text.is_empty() {
                    text.push_str(nl);
                }
                text
            })
    }

    /// The lines that are not requirements, as text: what locking must not touch.
    fn other_lines(text: &str) -> Vec<String> {
        let parsed = requirements::parse(text).unwrap();
        parsed
            .lines
            .iter()
            .filter(|line| !matches!(line.kind, LineKind::Requirement(_)))
            .map(|line| parsed.text[line.span.clone()].to_string())
            .collect()
    }

    /// Every comment of the file, in order: locking moves comments but never drops one.
    fn comments(text: &str) -> Vec<String> {
        let parsed = requirements::parse(text).unwrap();
        parsed
            .lines
            .iter()
            .filter_map(|line| Some(parsed.text[line.comment.clone()?].to_string()))
            .collect()
    }

    proptest! {
        #[test]
        fn locking_is_idempotent_and_touches_only_requirements(text in file()) {
            let first = lock(&text, &[H1, H2], true);
            prop_assert!(first.problems.is_empty());
            let relocked = requirements::parse(&first.text).unwrap();
            for (_, req) in relocked.requirements() {
                let mut digests: Vec<String> = req.hashes.iter().map(|h| h.digest.to_hex()).collect();
                digests.sort();
                digests.dedup();
                prop_assert_eq!(digests, vec![H1.to_string(), H2.to_string()]);
            }
            prop_assert_eq!(other_lines(&text), other_lines(&first.text));
            prop_assert_eq!(comments(&text), comments(&first.text));
            let second = lock(&first.text, &[H1, H2], false);
            prop_assert_eq!(&second.text, &first.text);
            prop_assert_eq!(second.lines_changed, 0);
        }
    }
}

/// sha512 digests standing for the files `H1` and `H2` (`--algorithm sha512`).
fn spelling() -> Spelling {
    let of = [H1, H2]
        .iter()
        .map(|hex| {
            let sha256: Sha256 = hex.parse().unwrap();
            (sha256, Digest::of(Algorithm::Sha512, hex.as_bytes()))
        })
        .collect();
    Spelling {
        algorithm: Algorithm::Sha512,
        of,
    }
}

fn sha512_of(hex: &str) -> Digest {
    Digest::of(Algorithm::Sha512, hex.as_bytes())
}

fn lock_sha512(text: &str) -> Plan {
    let file = requirements::parse(text).unwrap();
    let spelling = spelling();
    let options = Options {
        spelling: Some(&spelling),
        ..Options::default()
    };
    plan_six(&file, release(&[H1, H2]), options)
}

#[test]
fn algorithm_sha512_writes_the_sha512_of_every_file_and_only_those() {
    let (a, b) = (sha512_of(H1), sha512_of(H2));
    let mut sorted = [a.to_hex(), b.to_hex()];
    sorted.sort();
    let want = format!(
        "six==1.16.0 \\\n    --hash=sha512:{} \\\n    --hash=sha512:{}\n",
        sorted[0], sorted[1]
    );
    let plan = lock_sha512("six==1.16.0\n");
    assert_eq!(plan.text, want);
    assert_eq!((plan.locked, plan.hashes), (1, 2));
    // A sha256 line switches: its (published) sha256 hashes give way.
    let switched = lock_sha512(&format!("six==1.16.0 --hash=sha256:{H1}\n"));
    assert_eq!(switched.text, want);
    assert!(switched.problems.is_empty());
    assert_eq!(switched.changed[0].options.removed.len(), 1);
    assert_eq!(switched.changed[0].options.added.len(), 2);
    // A second run changes nothing.
    let again = lock_sha512(&want);
    assert_eq!(again.text, want);
    assert_eq!(again.lines_changed, 0);
}

#[test]
fn algorithm_sha512_completes_a_partial_sha512_line_and_refuses_an_unknown_one() {
    let partial = format!("six==1.16.0 --hash={}\n", sha512_of(H1));
    let plan = lock_sha512(&partial);
    assert!(
        plan.text.contains(&sha512_of(H2).to_string()),
        "{}",
        plan.text
    );
    let unknown = Digest::of(Algorithm::Sha512, b"another file");
    let text = format!("six==1.16.0 --hash={} --hash={unknown}\n", sha512_of(H1));
    let plan = lock_sha512(&text);
    assert_eq!(plan.text, text);
    assert!(
        matches!(&plan.problems[..], [Problem::Unpublished { unpublished, .. }]
        if unpublished.len() == 1 && unpublished[0].written.digest == unknown && unpublished[0].owner.is_none())
    );
    // An unknown sha256 on the line is refused as without `--algorithm`.
    let text = format!("six==1.16.0 --hash=sha256:{}\n", "3".repeat(64));
    assert!(matches!(
        &lock_sha512(&text).problems[..],
        [Problem::Unpublished { .. }]
    ));
}

#[test]
fn a_line_locked_with_another_algorithm_is_refused_not_given_a_second_set() {
    // Plain `lock` cannot check or complete sha512 hashes: adding sha256 ones
    // beside them would let pip accept either set.
    let text = format!("six==1.16.0 --hash={}\n", sha512_of(H1));
    let plan = lock(&text, &[H1, H2], false);
    assert_eq!(plan.text, text);
    assert!(matches!(
        &plan.problems[..],
        [Problem::OtherAlgorithm {
            written: Algorithm::Sha512,
            asked: Algorithm::Sha256,
            ..
        }]
    ));
    // Nor does `--algorithm sha512` know a sha384 line's files.
    let sha384 = Digest::of(Algorithm::Sha384, b"x");
    let plan = lock_sha512(&format!("six==1.16.0 --hash={sha384}\n"));
    assert!(matches!(
        &plan.problems[..],
        [Problem::OtherAlgorithm {
            written: Algorithm::Sha384,
            asked: Algorithm::Sha512,
            ..
        }]
    ));
}
