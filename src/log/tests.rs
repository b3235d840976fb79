use super::*;

fn entry(filename: &str, digit: char) -> Entry {
    Entry {
        subject: Subject {
            index: "https://pypi.org/".to_owned(),
            project: "demo".to_owned(),
            version: "1.0".to_owned(),
            filename: filename.to_owned(),
        },
        fact: Fact::File {
            sha256: digit.to_string().repeat(64).parse().unwrap(),
            blake2b: None,
            uploaded: Some("2024-01-02T03:04:05.123456Z".to_owned()),
        },
    }
}

fn log_of(entries: &[Entry]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hashlock.log");
    append(&path, entries, "2026-01-01T00:00:00Z").unwrap();
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn records_read_back_as_written() {
    let odd = Entry {
        subject: Subject {
            index: "http://127.0.0.1:1/simple/".to_owned(),
            project: "-".to_owned(),
            version: "none".to_owned(),
            filename: "a b%c\nd-1.0.tar.gz".to_owned(),
        },
        fact: Fact::Publisher {
            identity: Some("GitHub:o/r @ .github/workflows/x.yml".to_owned()),
        },
    };
    let record = Record {
        seq: 7,
        prev: link("x"),
        seen: "2026-01-01T00:00:00Z".to_owned(),
        entry: odd,
    };
    let line = record.render();
    assert!(!line.contains('\n'));
    assert_eq!(Record::parse(&line).unwrap(), record);
    let none = Record {
        entry: Entry {
            fact: Fact::Publisher { identity: None },
            ..record.entry.clone()
        },
        ..record
    };
    assert_eq!(Record::parse(&none.render()).unwrap(), none);
}

#[test]
fn a_log_written_by_append_is_intact() {
    let text = log_of(&[
        entry("demo-1.0.tar.gz", 'a'),
        entry("demo-1.0-py3-none-any.whl", 'b'),
    ]);
    let chain = Chain::read(&text);
    assert_eq!(chain.damage, []);
    // Sorted: the wheel's name sorts before the sdist's.
    assert_eq!(
        chain.records[0].0.entry.subject.filename,
        "demo-1.0-py3-none-any.whl"
    );
    assert_eq!(chain.records.len(), 2);
}

#[test]
fn an_edited_record_breaks_the_chain() {
    let text = log_of(&[
        entry("demo-1.0.tar.gz", 'a'),
        entry("demo-1.0-py3-none-any.whl", 'b'),
    ]);
    let edited = text.replacen(&"b".repeat(64), &"c".repeat(64), 1);
    let chain = Chain::read(&edited);
    assert_eq!(chain.damage.len(), 1, "{chain:?}");
    assert!(chain.damage[0].message.contains("does not link"));
}

#[test]
fn a_removed_record_is_found() {
    let text = log_of(&[
        entry("demo-1.0.tar.gz", 'a'),
        entry("demo-1.0-py3-none-any.whl", 'b'),
    ]);
    let lines: Vec<&str> = text.lines().collect();
    let removed = format!("{}\n{}\n", lines[0], lines[2]);
    let chain = Chain::read(&removed);
    assert!(
        chain.damage[0].message.contains("where record 1 should be"),
        "{chain:?}"
    );
}

#[test]
fn a_line_cut_short_is_found() {
    let text = log_of(&[entry("demo-1.0.tar.gz", 'a')]);
    let cut = &text[..text.len() - 10];
    let chain = Chain::read(cut);
    assert!(
        chain.damage.iter().any(|d| d.message.contains("cut short")),
        "{chain:?}"
    );
}

#[test]
fn appending_keeps_the_first_seen_digest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hashlock.log");
    assert_eq!(
        append(
            &path,
            &[entry("demo-1.0.tar.gz", 'a')],
            "2026-01-01T00:00:00Z"
        )
        .unwrap(),
        1
    );
    assert_eq!(
        append(
            &path,
            &[entry("demo-1.0.tar.gz", 'b')],
            "2026-01-02T00:00:00Z"
        )
        .unwrap(),
        0
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let mut seen = Seen::default();
    seen.add(Chain::read(&text).records.into_iter().map(|(r, _)| r));
    let first = seen.file("https://pypi.org/", "demo-1.0.tar.gz").unwrap();
    assert_eq!(first.sha256.to_string(), "a".repeat(64));
}

#[test]
fn nothing_is_appended_to_a_damaged_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hashlock.log");
    std::fs::write(&path, format!("{HEADER}\n1 broken")).unwrap();
    let error = append(
        &path,
        &[entry("demo-1.0.tar.gz", 'a')],
        "2026-01-01T00:00:00Z",
    );
    assert!(
        matches!(error, Err(AppendError::Damaged { .. })),
        "{error:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{HEADER}\n1 broken")
    );
}

/// A run whose files are all in the log writes nothing and reads no log a second
/// time; one new file is appended to the log that lacks it, and only there.
#[test]
fn logs_append_only_where_something_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.log");
    let empty = dir.path().join("empty.log");
    let known = [entry("demo-1.0.tar.gz", 'a')];
    append(&full, &known, "2026-01-01T00:00:00Z").unwrap();
    let before = std::fs::read_to_string(&full).unwrap();
    // `full` is made unwritable: appending to it would fail, and a failure would
    // be reported. Nothing is new to it, so it is not touched at all.
    let logs = Logs::open(vec![full.clone(), empty.clone()]).about(&demo());
    std::fs::remove_file(&full).unwrap();
    std::fs::create_dir(&full).unwrap();
    assert_eq!(logs.append(&known), Vec::<String>::new());
    assert!(full.is_dir());
    let appended = std::fs::read_to_string(&empty).unwrap();
    assert!(appended.contains("demo-1.0.tar.gz"), "{appended}");
    std::fs::remove_dir(&full).unwrap();
    std::fs::write(&full, &before).unwrap();
    let logs = Logs::open(vec![full.clone()]).about(&demo());
    let fresh = [
        entry("demo-1.0.tar.gz", 'a'),
        entry("demo-1.0-py3-none-any.whl", 'b'),
    ];
    assert_eq!(logs.append(&fresh), Vec::<String>::new());
    let after = std::fs::read_to_string(&full).unwrap();
    assert!(after.starts_with(&before) && after.contains("demo-1.0-py3-none-any.whl"));
}

fn demo() -> HashSet<String> {
    HashSet::from(["demo".to_owned()])
}

/// Entries of three projects, files and publishers, one publisher attested.
fn projects_log() -> String {
    let mut entries = Vec::new();
    for (project, digit) in [("demo", 'a'), ("other", 'b'), ("third", 'c')] {
        let mut file = entry(&format!("{project}-1.0.tar.gz"), digit);
        file.subject.project = project.to_owned();
        let mut publisher = file.clone();
        publisher.fact = Fact::Publisher {
            identity: (project == "other").then(|| "github:o/r".to_owned()),
        };
        entries.extend([file, publisher]);
    }
    log_of(&entries)
}

/// A skim reads whole only the records about the projects asked for, and finds
/// the damage a whole reading finds: every one-byte change of a log is found by
/// both or by neither.
#[test]
fn a_skim_finds_what_a_whole_reading_finds() {
    let text = projects_log();
    let skim = Skim::of(text.clone());
    assert!(skim.damage.is_empty(), "{skim:?}");
    let all = HashSet::from(["demo", "other", "third"].map(str::to_owned));
    let whole: Vec<Record> = Chain::read(&text)
        .records
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    assert_eq!(skim.records_about(&all).unwrap(), whole);
    let some = skim.records_about(&demo()).unwrap();
    assert_eq!(some.len(), 2);
    assert!(some.iter().all(|r| r.entry.subject.project == "demo"));
    // Another project's attestation still tells that the index attests.
    assert!(skim.attesting.contains("https://pypi.org/"), "{skim:?}");
    let mut checked = 0;
    for at in 0..text.len() {
        for byte in [b'0', b'x', b' ', b'\n', b'%'] {
            let mut bytes = text.clone().into_bytes();
            if bytes[at] == byte {
                continue;
            }
            bytes[at] = byte;
            let Ok(changed) = String::from_utf8(bytes) else {
                continue;
            };
            let whole = Chain::read(&changed).damage.is_empty();
            let skimmed = Skim::of(changed.clone()).damage.is_empty();
            assert_eq!(skimmed, whole, "byte {at} made {byte}:\n{changed}");
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
}

/// A run reads the records about its projects, and still finds a log damaged by a
/// change to another project's record.
#[test]
fn a_run_reads_its_projects_and_finds_any_damage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hashlock.log");
    let text = projects_log();
    std::fs::write(&path, &text).unwrap();
    let logs = Logs::open(vec![path.clone()]).about(&demo());
    assert!(logs.problems.is_empty(), "{:?}", logs.problems);
    assert!(
        logs.seen
            .file("https://pypi.org/", "demo-1.0.tar.gz")
            .is_some()
    );
    assert!(
        logs.seen
            .file("https://pypi.org/", "other-1.0.tar.gz")
            .is_none()
    );
    assert!(logs.seen.attests("https://pypi.org/"));
    let edited = text.replacen(&"b".repeat(64), &"d".repeat(64), 1);
    std::fs::write(&path, edited).unwrap();
    let logs = Logs::open(vec![path]).about(&demo());
    assert!(
        logs.problems.iter().any(|p| p.contains("does not link")),
        "{:?}",
        logs.problems
    );
}

/// An append prepared for a log that did not exist creates it only when written;
/// if another run made the log meanwhile, the records go after that run's, once
/// each, and the chain stays whole.
#[test]
fn an_append_to_a_new_log_made_meanwhile_goes_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.log");
    let ours = [
        entry("demo-1.0.tar.gz", 'a'),
        entry("demo-1.0-py3-none-any.whl", 'b'),
    ];
    let prepared = prepare(&path, &ours, "2026-01-01T00:00:00Z")
        .unwrap()
        .unwrap();
    assert!(!path.exists());
    append(&path, &ours[..1], "2026-01-02T00:00:00Z").unwrap();
    assert_eq!(prepared.commit().unwrap(), 1);
    let text = std::fs::read_to_string(&path).unwrap();
    let chain = Chain::read(&text);
    assert!(chain.damage.is_empty(), "{chain:?}");
    let names: Vec<&str> = chain
        .records
        .iter()
        .map(|(r, _)| r.entry.subject.filename.as_str())
        .collect();
    assert_eq!(names, ["demo-1.0.tar.gz", "demo-1.0-py3-none-any.whl"]);
}
