//! hashlock as people install it: the shell completions and the man page generated
//! from the clap definitions.

use std::fs;
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt as _;
use tempfile::TempDir;

const SUBCOMMANDS: [&str; 5] = ["lock", "verify", "migrate", "hash", "completions"];

fn show(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn hashlock(args: &[&str]) -> Output {
    Command::cargo_bin("hashlock")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn completions_of_every_shell_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = hashlock(&["completions", shell]);
        assert!(output.status.success(), "{shell}: {}", show(&output));
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(!script.trim().is_empty(), "{shell}: empty script");
        for command in SUBCOMMANDS {
            assert!(
                script.contains(command),
                "{shell}: `{command}` missing from\n{script}"
            );
        }
        // fish spells `--color` as `-l color`.
        for flag in ["color", "format", "index-url"] {
            assert!(script.contains(flag), "{shell}: `--{flag}` missing");
        }
    }
    // bash parses the bash script (the one shell every CI machine has).
    let script = hashlock(&["completions", "bash"]).stdout;
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("hashlock.bash");
    fs::write(&path, script).unwrap();
    if let Ok(output) = Command::new("bash").arg("-n").arg(&path).output() {
        assert!(output.status.success(), "bash -n: {}", show(&output));
    }
    let output = hashlock(&["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
}

#[test]
fn the_man_page_is_roff_naming_every_subcommand() {
    let output = hashlock(&["man"]);
    assert!(output.status.success(), "{}", show(&output));
    let page = String::from_utf8(output.stdout).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        page.lines()
            .any(|line| line.starts_with(".TH hashlock 1 ") && line.contains(version)),
        "{page}"
    );
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "{section} missing:\n{page}");
    }
    for command in SUBCOMMANDS {
        // roff escapes the dash: `hashlock\-lock(1)`.
        assert!(
            page.contains(&format!("hashlock\\-{command}(1)")),
            "{command} missing:\n{page}"
        );
    }
    assert!(page.contains("Exit codes"), "{page}");
    assert_roff(&page);

    // Each subcommand has its page, under the name the top page gives it.
    let output = hashlock(&["man", "lock"]);
    assert!(output.status.success(), "{}", show(&output));
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.contains(".TH hashlock-lock 1 "), "{page}");
    assert!(
        page.contains("\\-\\-check") && page.contains("\\-\\-format"),
        "{page}"
    );
    assert_roff(&page);
    let output = hashlock(&["man", "nonsense"]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("pick one of: lock, verify"));

    // Hidden from `--help`: it is for packagers.
    let help = String::from_utf8(hashlock(&["--help"]).stdout).unwrap();
    assert!(
        help.contains("completions") && !help.contains("man "),
        "{help}"
    );
}

/// groff, where it is installed, reads the page without a warning.
fn assert_roff(page: &str) {
    use std::io::Write as _;
    let Ok(mut child) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!("groff is not installed: the man page's roff is checked by its structure only");
        return;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "groff: {}",
        show(&output)
    );
}
