//! `hashlock.toml` and `[tool.hashlock]`: discovery, each layer of precedence against
//! the loopback index, errors at the bad key, `hashlock config`, and secrets.

use std::fs;

use crate::support::cli::{Case, Run};
use crate::support::{Config, TestIndex};

const SECRET: &str = "pl4ntedsecret";

/// `URL/simple`: a Simple API root, so that the index asked shows in
/// `requests("/simple/six/")`.
fn root(index: &TestIndex) -> String {
    format!("{}/simple", index.url())
}

/// A case with `r.txt` pinning six, and a second index; `lock r.txt` run with
/// `args` and `env`, no `--index-url` added.
fn lock(case: &Case, args: &[&str], env: &[(&str, &str)]) -> Run {
    case.file("r.txt", "six==1.16.0\n");
    let mut all = vec!["lock", "--timeout", "2", "--retries", "0"];
    all.extend(args);
    all.push("r.txt");
    case.run_raw(&all, env)
}

fn asked(index: &TestIndex) -> usize {
    index.requests("/simple/six/")
}

#[test]
fn the_configured_index_url_is_the_one_asked() {
    let case = Case::new();
    case.file(
        "hashlock.toml",
        &format!("index-url = \"{}\"\n", root(&case.index)),
    );
    let run = lock(&case, &[], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(asked(&case.index), 1);
    assert!(case.read("r.txt").contains("--hash=sha256:"));
}

#[test]
fn the_command_line_overrides_the_configured_index() {
    let case = Case::new();
    let other = TestIndex::start(Config::default());
    case.file(
        "hashlock.toml",
        &format!("index-url = \"{}\"\n", root(&case.index)),
    );
    let run = lock(&case, &["--index-url", &root(&other)], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!((asked(&other), asked(&case.index)), (1, 0));
}

#[test]
fn hashlock_variables_override_the_file() {
    let case = Case::new();
    let other = TestIndex::start(Config::default());
    case.file(
        "hashlock.toml",
        &format!("index-url = \"{}\"\n", root(&case.index)),
    );
    let run = lock(&case, &[], &[("HASHLOCK_INDEX_URL", &root(&other))]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!((asked(&other), asked(&case.index)), (1, 0));
}

#[test]
fn the_file_overrides_pip_index_url_but_not_the_requirements_index_line() {
    let case = Case::new();
    let other = TestIndex::start(Config::default());
    case.file(
        "hashlock.toml",
        &format!("index-url = \"{}\"\n", root(&case.index)),
    );
    let run = lock(&case, &[], &[("PIP_INDEX_URL", &root(&other))]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!((asked(&case.index), asked(&other)), (1, 0));

    case.file("r.txt", &format!("-i {}\nsix==1.16.0\n", root(&other)));
    let run = case.run_raw(&["lock", "--timeout", "2", "r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!((asked(&case.index), asked(&other)), (1, 1));
}

#[test]
fn flag_defaults_come_from_the_file_and_lose_to_flags_and_variables() {
    let case = Case::new();
    case.file(
        "hashlock.toml",
        &format!(
            "index-url = \"{}\"\nconcurrency = 3\npeep = \"only\"\n",
            root(&case.index)
        ),
    );
    // `peep = "only"`: peep lines, no --hash.
    let run = lock(&case, &[], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = case.read("r.txt");
    assert!(
        text.contains("# sha256: ") && !text.contains("--hash"),
        "{text}"
    );
    // `--peep` on the command line drops the file's conflicting `peep-only`.
    let run = lock(&case, &["--peep"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = case.read("r.txt");
    assert!(
        text.contains("# sha256: ") && text.contains("--hash"),
        "{text}"
    );

    let config = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["config"];
        all.extend(args);
        case.run_raw(&all, env).stdout
    };
    let line = |text: &str, key: &str| {
        text.lines()
            .find(|line| line.starts_with(&format!("{key} ")))
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        line(&config(&[], &[]), "concurrency"),
        "concurrency = 3 (hashlock.toml:2)"
    );
    assert_eq!(
        line(
            &config(&[], &[("HASHLOCK_CONCURRENCY", "5")]),
            "concurrency"
        ),
        "concurrency = 5 (env HASHLOCK_CONCURRENCY)"
    );
    assert_eq!(
        line(
            &config(&["--concurrency", "7"], &[("HASHLOCK_CONCURRENCY", "5")]),
            "concurrency"
        ),
        "concurrency = 7 (command line)"
    );
}

#[test]
fn discovery_walks_up_and_hashlock_toml_beats_pyproject() {
    let case = Case::new();
    let other = TestIndex::start(Config::default());
    let deep = case.path("a/b");
    fs::create_dir_all(&deep).unwrap();
    // The root's pyproject.toml has the table; a/'s has none and is skipped.
    case.file(
        "pyproject.toml",
        &format!(
            "[project]\nname = \"demo\"\n\n[tool.hashlock]\nindex-url = \"{}\"\n",
            root(&case.index)
        ),
    );
    case.file("a/pyproject.toml", "[project]\nname = \"hashlock-demo\"\n");
    fs::write(deep.join("r.txt"), "six==1.16.0\n").unwrap();
    // `hashlock config` run in `dir`.
    let shown = |dir: &std::path::Path, args: &[&str]| {
        let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("hashlock"))
            .current_dir(dir)
            .envs(crate::support::cli::ISOLATED)
            .env_remove("HASHLOCK_INDEX_URL")
            .env_remove("HASHLOCK_CONFIG")
            .env_remove("HASHLOCK_NO_CONFIG")
            .arg("config")
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let text = shown(&deep, &[]);
    assert!(
        text.contains(&root(&case.index)) && text.contains("pyproject.toml:5"),
        "{text}"
    );
    // hashlock.toml beats pyproject.toml in the same directory.
    case.file(
        "hashlock.toml",
        &format!("index-url = \"{}\"\n", root(&other)),
    );
    let text = shown(&deep, &[]);
    assert!(text.contains(&root(&other)), "{text}");
    // --config names a file; --no-config and HASHLOCK_NO_CONFIG read none.
    let named = case.file("a/elsewhere.toml", "retries = 9\n");
    let text = shown(&deep, &["--config", named.to_str().unwrap()]);
    assert!(text.contains("elsewhere.toml:1"), "{text}");
    assert!(!text.contains(&root(&other)), "{text}");
    let text = shown(&deep, &["--no-config"]);
    assert!(
        text.contains("configuration file: none (--no-config)") && !text.contains("hashlock.toml"),
        "{text}"
    );
    // A `.git` directory is where the walk stops.
    fs::create_dir(case.path("a/.git")).unwrap();
    let text = shown(&deep, &[]);
    assert!(text.contains("configuration file: none found"), "{text}");

    // And a discovered file's index is the one `lock` asks.
    fs::remove_dir(case.path("a/.git")).unwrap();
    fs::remove_file(case.path("hashlock.toml")).unwrap();
    let run = case.run_raw(&["lock", "--timeout", "2", "a/b/r.txt"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(asked(&case.index), 1);
    let run = case.run_raw(
        &["lock", "--timeout", "2", "a/b/r.txt"],
        &[
            ("HASHLOCK_NO_CONFIG", "1"),
            ("PIP_INDEX_URL", &root(&other)),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!((asked(&case.index), asked(&other)), (1, 1));
}

#[test]
fn an_unknown_key_is_an_error_at_its_line_and_column_with_a_suggestion() {
    let case = Case::new();
    case.file("hashlock.toml", "concurrency = 4\nextra-index-urls = []\n");
    let run = case.run_raw(&["lock", "r.txt"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("unknown key `extra-index-urls` in hashlock.toml"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("[hashlock.toml:2:1]"), "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `extra-index-url`?"),
        "{}",
        run.stderr
    );
    // A value its flag refuses is an error at the value.
    case.file("hashlock.toml", "concurrency = 0\n");
    let run = case.run_raw(&["lock", "r.txt"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("[hashlock.toml:1:15]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("0 is not in 1..=512"), "{}", run.stderr);
    // `hash` reads no configuration: a broken one does not stop it.
    let run = case.run_raw(&["hash", "hashlock.toml"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn config_prints_each_setting_and_its_source() {
    let case = Case::new();
    case.file(
        "hashlock.toml",
        "index-url = \"https://mirror.example/simple\"\nstrict = true\n",
    );
    let run = case.run_raw(&["config", "--retries", "5"], &[("PIP_CERT", "/pip.pem")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<String> = run
        .stdout
        .lines()
        .filter(|line| {
            [
                "configuration",
                "index-url ",
                "strict ",
                "retries ",
                "cert ",
                "timeout ",
            ]
            .iter()
            .any(|key| line.starts_with(key))
        })
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        lines,
        [
            "configuration file: hashlock.toml",
            "index-url = https://mirror.example/simple (hashlock.toml:1)",
            "cert = /pip.pem (env PIP_CERT)",
            "timeout = 30 (default)",
            "retries = 5 (command line)",
            "strict = true (hashlock.toml:2)",
        ]
    );

    let run = case.run_raw(&["config", "--format", "json"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        document["config_file"]
            .as_str()
            .unwrap()
            .ends_with("hashlock.toml")
    );
    let setting = |key: &str| {
        document["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(
        setting("strict"),
        serde_json::json!({"key": "strict", "value": true, "source": "hashlock.toml:2"})
    );
    assert_eq!(
        setting("concurrency"),
        serde_json::json!({"key": "concurrency", "value": 64, "source": "default"})
    );
    assert_eq!(
        setting("extra-index-url"),
        serde_json::json!({"key": "extra-index-url", "values": []})
    );
}

#[test]
fn a_secret_in_a_configured_url_never_appears() {
    let case = Case::with(Config::new().failing("six"));
    let url =
        |index: &TestIndex| root(index).replacen("http://", &format!("http://user:{SECRET}@"), 1);
    let extra = format!("http://{SECRET}@127.0.0.1:1/simple");
    case.file(
        "hashlock.toml",
        &format!(
            "index-url = \"{}\"\nextra-index-url = [\"{extra}\"]\n",
            url(&case.index)
        ),
    );
    case.file("r.txt", "six==1.16.0\n");
    let runs = [
        case.run_raw(&["config"], &[]),
        case.run_raw(&["config", "--format", "json"], &[]),
        case.run_raw(
            &["lock", "-v", "--timeout", "1", "--retries", "0", "r.txt"],
            &[],
        ),
        case.run_raw(
            &["verify", "-v", "--timeout", "1", "--retries", "0", "r.txt"],
            &[],
        ),
    ];
    for run in &runs {
        for text in [&run.stdout, &run.stderr] {
            assert!(!text.contains(SECRET), "{text}");
        }
    }
    assert!(runs[0].stdout.contains("user:****@"), "{}", runs[0].stdout);
    // In an error about the file, too.
    case.file(
        "hashlock.toml",
        &format!("index-url = \"ftp://user:{SECRET}@host/\"\n"),
    );
    let run = case.run_raw(&["lock", "r.txt"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains(SECRET), "{}", run.stderr);
    assert!(run.stderr.contains("hashlock.toml:1:13"), "{}", run.stderr);
}

#[test]
fn targets_and_the_cache_directory_come_from_the_file() {
    let case =
        Case::with(Config::new().fixtures(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deps")));
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().join("from-config");
    case.file(
        "hashlock.toml",
        &format!(
            "index-url = \"{}\"\npython-version = [\"3.11\", \"3.12\"]\nplatform = [\"manylinux_2_17_x86_64\"]\ncache-dir = \"{}\"\n",
            root(&case.index),
            cache_dir.display()
        ),
    );
    let lock = |args: &[&str], env: &[(&str, &str)]| {
        case.file("r.txt", "flask==3.0.3\n");
        let mut all = vec!["lock", "--retries", "0"];
        all.extend_from_slice(args);
        all.push("r.txt");
        // The harness's own cache directory would rank above the file's.
        case.run_raw_without(&all, env, &["HASHLOCK_CACHE_DIR"])
    };
    // The harness turns the cache off; here it is on, where the file says.
    let run = lock(&[], &[("HASHLOCK_NO_CACHE", "")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("3.11") && run.stderr.contains("3.12"),
        "both configured versions are targets: {}",
        run.stderr
    );
    assert!(
        case.read("r.txt").contains("manylinux_2_17_x86_64"),
        "{}",
        case.read("r.txt")
    );
    assert!(cache_dir.is_dir(), "the configured cache directory is used");
    // The command line's one version replaces the file's list.
    let run = lock(&["--python-version", "3.10"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("3.10") && !run.stderr.contains("3.12"),
        "{}",
        run.stderr
    );
}
