//! The on-disk cache: warm runs ask nothing, `--offline` asks nothing ever and says
//! what it lacks, freshness and revalidation, `--refresh`, `--no-cache`, and
//! `hashlock cache dir|size|clean|prune`.

use std::path::PathBuf;

use crate::support::cli::{Case, Run};
use crate::support::{Config, TestIndex};

const PINS: &str = "six==1.16.0\nattrs==23.1.0\n";

/// A case whose runs use a cache in a temp dir of their own (the harness turns the
/// cache off for every other test).
struct Cached {
    case: Case,
    cache: tempfile::TempDir,
}

impl Cached {
    fn new(config: Config) -> Cached {
        Cached {
            case: Case::with(config),
            cache: tempfile::tempdir().unwrap(),
        }
    }

    fn dir(&self) -> PathBuf {
        self.cache.path().join("hashlock")
    }

    fn env(&self) -> [(&'static str, String); 2] {
        [
            ("HASHLOCK_NO_CACHE", String::new()),
            ("HASHLOCK_CACHE_DIR", self.dir().display().to_string()),
        ]
    }

    fn run(&self, command: &str, args: &[&str]) -> Run {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.case.run_with_env(command, args, &env)
    }

    fn cache(&self, args: &[&str]) -> Run {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut all = vec!["cache"];
        all.extend(args);
        self.case.run_raw(&all, &env)
    }

    /// Every entry file of the cache.
    fn entries(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut pending = vec![self.dir()];
        while let Some(dir) = pending.pop() {
            let Ok(items) = std::fs::read_dir(&dir) else {
                continue;
            };
            for item in items {
                let path = item.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "json") {
                    found.push(path);
                }
            }
        }
        found
    }
}

#[test]
fn a_warm_run_asks_the_index_nothing() {
    let cached = Cached::new(Config::new());
    cached.case.file("requirements.txt", PINS);
    let cold = cached.run("lock", &[]);
    assert_eq!(cold.code, 0, "{}", cold.stderr);
    assert!(cached.case.index.total_requests() > 0);
    assert_eq!(cached.entries().len(), 2);
    cached.case.index.reset_counters();
    let check = cached.run("lock", &["--check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    // These fixtures serve no files to read dependencies from (see the next test).
    let verify = cached.run("verify", &["--no-deps"]);
    assert_eq!(verify.code, 0, "{}", verify.stderr);
    assert_eq!(
        cached.case.index.counts(),
        Default::default(),
        "fresh answers need no request"
    );
}

#[test]
fn the_cache_gives_what_the_index_gave() {
    let cached = Cached::new(Config::new());
    cached.case.file("requirements.txt", PINS);
    let env = [("HASHLOCK_NO_CACHE", "1")];
    assert_eq!(cached.case.run_with_env("lock", &[], &env).code, 0);
    let uncached = cached.case.read("requirements.txt");
    cached.case.file("requirements.txt", PINS);
    assert_eq!(cached.run("lock", &[]).code, 0);
    assert_eq!(cached.case.read("requirements.txt"), uncached, "cold");
    cached.case.file("requirements.txt", PINS);
    assert_eq!(cached.run("lock", &[]).code, 0);
    assert_eq!(cached.case.read("requirements.txt"), uncached, "warm");
}

#[test]
fn offline_after_a_warm_run_needs_no_server_at_all() {
    let cached = Cached::new(Config::new());
    cached.case.file("requirements.txt", PINS);
    assert_eq!(cached.run("lock", &[]).code, 0);
    let locked = cached.case.read("requirements.txt");
    // The index URL stays (answers are kept per index); nothing listens there now.
    let mut cached = cached;
    let gone = std::mem::replace(&mut cached.case.index, TestIndex::start(Config::new()));
    let url = gone.url().to_owned();
    drop(gone);
    let env = cached.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let args = [
        "lock",
        "--index-url",
        url.as_str(),
        "--offline",
        "--check",
        "requirements.txt",
    ];
    let run = cached.case.run_raw(&args, &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(cached.case.read("requirements.txt"), locked);
}

#[test]
fn offline_miss_is_an_error_naming_the_package() {
    let cached = Cached::new(Config::new());
    cached.case.file("requirements.txt", PINS);
    assert_eq!(cached.run("lock", &[]).code, 0);
    cached
        .case
        .file("requirements.txt", "six==1.16.0\nidna==3.4\n");
    cached.case.index.reset_counters();
    let run = cached.run("lock", &["--offline"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`idna==3.4` is not in hashlock's cache"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--offline"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("`six==1.16.0` is not"),
        "six is cached: {}",
        run.stderr
    );
    assert_eq!(
        cached.case.read("requirements.txt"),
        "six==1.16.0\nidna==3.4\n"
    );
    assert_eq!(cached.case.index.total_requests(), 0);
}

#[test]
fn offline_without_a_cache_is_bad_usage() {
    let case = Case::new();
    case.file("requirements.txt", PINS);
    let run = case.run("lock", &["--offline"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("`--no-cache`"), "{}", run.stderr);
}

#[test]
fn verify_offline_without_a_cache_runs_the_checks_that_need_no_index() {
    let cached = Cached::new(Config::new());
    cached.case.file("requirements.txt", PINS);
    assert_eq!(cached.run("lock", &["--no-cache", "--no-log"]).code, 0);
    let run = cached.run("verify", &["--offline"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        cached.entries().is_empty(),
        "verify --offline writes no cache"
    );
    assert!(!cached.dir().join("first-seen.log").exists());
    assert!(
        run.stderr
            .contains("(offline: 2 pins not checked against an index)"),
        "{}",
        run.stderr
    );
    let run = cached.run("verify", &["--offline", "--no-cache"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "Not checked against an index (the cache is off: `--no-cache` or `HASHLOCK_NO_CACHE`): six==1.16.0, attrs==23.1.0;"
        ),
        "{}",
        run.stderr
    );
    let run = cached.run("verify", &["--offline", "--no-cache", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "", "-q says nothing on success");
}

/// `verify --offline` checks each hash against what is known without asking: the
/// cache's answers, however old, then the first-seen log, whose file digests are
/// kept forever. A pin neither holds is named as not checked, never passed in
/// silence.
#[test]
fn verify_offline_checks_hashes_against_what_is_already_known() {
    let cached = Cached::new(Config::new());
    cached.case.file("requirements.txt", PINS);
    assert_eq!(cached.run("lock", &[]).code, 0);
    let locked = cached.case.read("requirements.txt");
    cached.case.index.reset_counters();

    // From the cache's answers: a clean file passes; a changed digit fails at its line.
    let run = cached.run("verify", &["--offline"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("(offline: 2 pins against the cache's answers)"),
        "{}",
        run.stderr
    );
    let tampered = locked.replacen("sha256:1e61c3", "sha256:0e61c3", 1);
    assert_ne!(tampered, locked);
    cached.case.file("requirements.txt", &tampered);
    let run = cached.run("verify", &["--offline", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"unknown-hash"), "{}", run.stdout);
    let hint = report["findings"][0]["hint"].as_str().unwrap();
    assert!(
        hint.contains("offline no other version is looked up"),
        "{hint}"
    );
    assert_eq!(report["summary"]["offline"]["from_cache"], 2);
    assert_eq!(report["summary"]["offline"]["unchecked"], 0);

    // The answers gone (pruned, say): the first-seen log still knows every file.
    for entry in cached.entries() {
        std::fs::remove_file(entry).unwrap();
    }
    cached.case.file("requirements.txt", &locked);
    let run = cached.run("verify", &["--offline"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("(offline: 2 pins against the first-seen log)"),
        "{}",
        run.stderr
    );
    // A digest the log never saw for that version is not confirmed: not checked, and
    // named (offline, a file uploaded since cannot be ruled out).
    cached.case.file("requirements.txt", &tampered);
    let run = cached.run("verify", &["--offline"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "(offline: 1 pin against the first-seen log, 1 pin not checked against an index)"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("Not checked against an index (not in hashlock's cache): six==1.16.0;"),
        "{}",
        run.stderr
    );
    // Without the log too, nothing is confirmed.
    let run = cached.run("verify", &["--offline", "--no-log"]);
    assert!(
        run.stderr
            .contains("(offline: 2 pins not checked against an index)"),
        "{}",
        run.stderr
    );
    assert_eq!(
        cached.case.index.total_requests(),
        0,
        "offline asks nothing"
    );
}

#[test]
fn metadata_is_read_once_and_kept_by_the_files_sha256() {
    let deps = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deps");
    let cached = Cached::new(Config::new().fixtures(deps));
    cached.case.file("requirements.txt", "flask==3.0.3\n");
    let target = [
        "--python-version",
        "3.11",
        "--platform",
        "manylinux_2_17_x86_64",
    ];
    let mut args = target.to_vec();
    args.push("--add-missing");
    let lock = cached.run("lock", &args);
    assert_eq!(lock.code, 0, "{}", lock.stderr);
    let metadata_requests = |cached: &Cached| -> usize {
        let counts = cached.case.index.counts();
        counts
            .iter()
            .filter(|(path, _)| path.ends_with(".metadata"))
            .map(|(_, n)| *n)
            .sum()
    };
    assert!(
        metadata_requests(&cached) > 0,
        "the cold run reads metadata"
    );
    cached.case.index.reset_counters();
    let verify = cached.run("verify", &target);
    assert_eq!(verify.code, 0, "{}", verify.stderr);
    assert_eq!(
        metadata_requests(&cached),
        0,
        "no file's metadata is read twice"
    );
    let stored = cached.entries();
    let stored: Vec<_> = stored
        .iter()
        .filter(|path| path.parent().is_some_and(|p| p.ends_with("metadata")))
        .collect();
    assert!(!stored.is_empty());
    let text = std::fs::read_to_string(stored[0]).unwrap();
    assert!(
        text.contains("Requires-Dist") || text.contains("Metadata-Version"),
        "{text}"
    );
}

#[test]
fn no_cache_reads_and_writes_nothing() {
    let cached = Cached::new(Config::new());
    cached.case.file("requirements.txt", PINS);
    assert_eq!(cached.run("lock", &[]).code, 0);
    cached.case.index.reset_counters();
    assert_eq!(cached.run("lock", &["--check", "--no-cache"]).code, 0);
    assert!(cached.case.index.total_requests() > 0, "not read");
    std::fs::remove_dir_all(cached.dir()).unwrap();
    assert_eq!(cached.run("lock", &["--check", "--no-cache"]).code, 0);
    assert!(cached.entries().is_empty(), "not written");
    assert!(
        cached.dir().join("first-seen.log").exists(),
        "the first-seen log is not a cache: `--no-log` turns it off"
    );
    std::fs::remove_dir_all(cached.dir()).unwrap();
    assert_eq!(
        cached
            .run("lock", &["--check", "--no-cache", "--no-log"])
            .code,
        0
    );
    assert!(!cached.dir().exists(), "nothing written");
}

#[test]
fn refresh_asks_again_about_every_pin_or_only_those_named() {
    let cached = Cached::new(Config::new());
    cached.case.file("requirements.txt", PINS);
    assert_eq!(cached.run("lock", &[]).code, 0);
    cached.case.index.reset_counters();
    assert_eq!(
        cached
            .run("lock", &["--check", "--refresh-package", "Six"])
            .code,
        0
    );
    let asked: Vec<String> = cached.case.index.counts().into_keys().collect();
    assert!(asked.iter().all(|path| path.contains("/six/")), "{asked:?}");
    assert!(!asked.is_empty());
    cached.case.index.reset_counters();
    assert_eq!(cached.run("lock", &["--check", "--refresh"]).code, 0);
    assert!(cached.case.index.requests_matching("/pypi/attrs/") > 0);
    assert!(cached.case.index.requests_matching("/pypi/six/") > 0);
}

#[test]
fn an_index_without_per_version_endpoints_is_remembered_for_a_day() {
    let cached = Cached::new(Config::new().without_version_endpoint());
    cached.case.file("requirements.txt", PINS);
    let cold = cached.run("lock", &[]);
    assert_eq!(cold.code, 0, "{}", cold.stderr);
    assert!(cached.case.index.version_requests() > 0);
    let facts = cached.dir().join("v3");
    let facts: Vec<PathBuf> = std::fs::read_dir(&facts)
        .unwrap()
        .map(|item| item.unwrap().path().join(".index.json"))
        .filter(|path| path.exists())
        .collect();
    assert_eq!(facts.len(), 1, "one index, one file of facts");
    let size = cached.cache(&["size"]);
    assert!(
        size.stdout.contains("2 entries"),
        "not an entry: {}",
        size.stdout
    );

    // A new pin: its listing is asked at once, not its version's 404 first.
    let more = format!("{PINS}idna==3.4\n");
    cached.case.file("requirements.txt", &more);
    cached.case.index.reset_counters();
    let next = cached.run("lock", &[]);
    assert_eq!(next.code, 0, "{}", next.stderr);
    let counts = cached.case.index.counts();
    assert_eq!(cached.case.index.version_requests(), 0, "{counts:#?}");
    assert_eq!(
        cached.case.index.requests_matching("/simple/idna/"),
        1,
        "{counts:#?}"
    );

    // `--refresh` asks as a first run does; so does a run after a day.
    cached.case.index.reset_counters();
    assert_eq!(cached.run("lock", &["--check", "--refresh"]).code, 0);
    assert!(cached.case.index.version_requests() > 0);
    let day_old = "{\"version-endpoint-missing\": 1000}";
    std::fs::write(&facts[0], day_old).unwrap();
    cached
        .case
        .file("requirements.txt", &format!("{more}certifi==2024.7.4\n"));
    cached.case.index.reset_counters();
    let after_a_day = cached.run("lock", &[]);
    assert_eq!(after_a_day.code, 0, "{}", after_a_day.stderr);
    let counts = cached.case.index.counts();
    assert_eq!(cached.case.index.version_requests(), 1, "{counts:#?}");
}

#[test]
fn stale_answers_are_revalidated_with_the_etag() {
    // `max-age=0`: stale at once, so every run revalidates.
    let cached = Cached::new(Config::new().caching("max-age=0"));
    cached.case.file("requirements.txt", PINS);
    assert_eq!(cached.run("lock", &[]).code, 0);
    let locked = cached.case.read("requirements.txt");
    let path = "/pypi/six/1.16.0/json";
    assert_eq!(
        cached.case.index.header_values(path, "if-none-match"),
        [None]
    );
    let run = cached.run("lock", &["--check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let asked = cached.case.index.header_values(path, "if-none-match");
    assert_eq!(asked.len(), 2);
    assert!(
        asked[1]
            .as_deref()
            .is_some_and(|etag| etag.starts_with('"')),
        "{asked:?}"
    );
    assert_eq!(cached.case.read("requirements.txt"), locked);
}

#[test]
fn the_index_max_age_keeps_answers_fresh_and_no_store_keeps_none() {
    let fresh = Cached::new(Config::new().caching("public, max-age=600"));
    fresh.case.file("requirements.txt", PINS);
    assert_eq!(fresh.run("lock", &[]).code, 0);
    fresh.case.index.reset_counters();
    assert_eq!(fresh.run("lock", &["--check"]).code, 0);
    assert_eq!(fresh.case.index.total_requests(), 0);

    let never = Cached::new(Config::new().caching("no-store"));
    never.case.file("requirements.txt", PINS);
    assert_eq!(never.run("lock", &[]).code, 0);
    assert!(never.entries().is_empty(), "{:?}", never.entries());
    never.case.index.reset_counters();
    assert_eq!(never.run("lock", &["--check"]).code, 0);
    assert!(never.case.index.total_requests() > 0);
}

#[test]
fn a_broken_entry_is_a_miss_not_an_answer() {
    let cached = Cached::new(Config::new());
    cached.case.file("requirements.txt", PINS);
    assert_eq!(cached.run("lock", &[]).code, 0);
    let locked = cached.case.read("requirements.txt");
    for entry in cached.entries() {
        let text = std::fs::read_to_string(&entry).unwrap();
        // A digest that is not one, and a torn write.
        let edited = text.replace("\"sha256\":\"", "\"sha256\":\"zz");
        std::fs::write(&entry, &edited[..edited.len() - 3]).unwrap();
    }
    cached.case.index.reset_counters();
    let run = cached.run("lock", &["--check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(cached.case.index.total_requests() > 0);
    assert_eq!(cached.case.read("requirements.txt"), locked);
}

#[test]
fn an_unusable_cache_never_fails_a_run() {
    let cached = Cached::new(Config::new());
    cached.case.file("requirements.txt", PINS);
    std::fs::write(cached.dir(), "a file where the cache should be").unwrap();
    let run = cached.run("lock", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("cannot write the cache").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        cached
            .case
            .read("requirements.txt")
            .contains("--hash=sha256:")
    );
}

#[test]
fn cache_commands_show_and_trim_it() {
    let cached = Cached::new(Config::new());
    cached.case.file("requirements.txt", PINS);
    let dir = cached.cache(&["dir"]);
    assert_eq!(
        (dir.code, dir.stdout.trim()),
        (0, &*cached.dir().display().to_string())
    );
    let empty = cached.cache(&["size", "--bytes"]);
    assert_eq!((empty.code, empty.stdout.as_str()), (0, "0\n"));
    assert_eq!(cached.run("lock", &[]).code, 0);
    let size = cached.cache(&["size"]);
    assert!(size.stdout.ends_with(" in 2 entries\n"), "{}", size.stdout);
    let clean = cached.cache(&["clean", "SIX"]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    assert!(clean.stderr.contains("Removed 1 entry"), "{}", clean.stderr);
    assert_eq!(cached.entries().len(), 1);
    let prune = cached.cache(&["prune", "--max-size", "0"]);
    assert_eq!(prune.code, 0, "{}", prune.stderr);
    assert!(cached.entries().is_empty());
    assert_eq!(cached.run("lock", &["--check"]).code, 0);
    let all = cached.cache(&["clean"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(cached.entries().is_empty());
    let log = std::fs::read_dir(cached.dir()).unwrap().flatten();
    let mut left: Vec<String> = log
        .map(|e| e.file_name().to_string_lossy().into())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["first-seen.log", "heads"],
        "the log is history, not a cache"
    );
    std::fs::remove_dir_all(cached.dir()).unwrap();
    assert_eq!(cached.run("lock", &["--check", "--no-log"]).code, 0);
    assert_eq!(cached.cache(&["clean"]).code, 0);
    assert!(
        !cached.dir().exists(),
        "without the log, the folder goes too"
    );
}

#[test]
fn clean_refuses_a_directory_hashlock_did_not_make() {
    let cached = Cached::new(Config::new());
    std::fs::create_dir_all(cached.dir()).unwrap();
    std::fs::write(cached.dir().join("thesis.tex"), "years of work").unwrap();
    let run = cached.cache(&["clean"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(cached.dir().join("thesis.tex").exists());
}

/// A cold run of many pins writes its answers as one file under every entry's name
/// (one new inode, not one per pin); warm and `--offline` runs read them back, and
/// a refreshed answer replaces its own name only.
#[cfg(unix)]
#[test]
fn many_answers_are_one_file_under_every_name() {
    use std::os::unix::fs::MetadataExt;
    let pins = "attrs==24.2.0\ncertifi==2024.7.4\ncharset-normalizer==3.4.1\nidna==3.8\n\
                packaging==24.2\nrequests==2.32.5\nsix==1.17.0\nurllib3==2.2.3\n\
                typing-extensions==4.12.0\n";
    let cached = Cached::new(Config::new());
    cached.case.file("requirements.txt", pins);
    let cold = cached.run("lock", &[]);
    assert_eq!(cold.code, 0, "{}", cold.stderr);
    let entries = cached.entries();
    assert_eq!(entries.len(), 9, "{entries:?}");
    let inodes: std::collections::HashSet<u64> = entries
        .iter()
        .map(|path| std::fs::metadata(path).unwrap().ino())
        .collect();
    assert_eq!(inodes.len(), 1, "one file for the run's answers");
    let size = cached.cache(&["size"]);
    assert_eq!(size.code, 0, "{}", size.stderr);
    assert!(size.stdout.contains("in 9 entries"), "{}", size.stdout);
    let asked = cached.case.index.total_requests();
    let warm = cached.run("lock", &["--check", "--offline"]);
    assert_eq!(warm.code, 0, "{}", warm.stderr);
    assert_eq!(
        cached.case.index.total_requests(),
        asked,
        "answered from the bundle"
    );
    let refreshed = cached.run("lock", &["--check", "--refresh-package", "six"]);
    assert_eq!(refreshed.code, 0, "{}", refreshed.stderr);
    let inodes: std::collections::HashSet<u64> = cached
        .entries()
        .iter()
        .map(|path| std::fs::metadata(path).unwrap().ino())
        .collect();
    assert_eq!(inodes.len(), 2, "six's answer is a file of its own now");
    let again = cached.run("lock", &["--check", "--offline"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
}
