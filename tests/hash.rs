//! `hashlock hash` end to end: every digest checked against coreutils (`sha256sum`,
//! `sha384sum`, `sha512sum`) on files generated at test time, around the 64 KiB read
//! buffer and up to 64 MiB; line format and order; peep's form; stdin; errors; peak
//! memory while hashing 64 MiB.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use tempfile::TempDir;

use crate::support::python::{PEAK_RSS, python};

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// The generated files, by name and size: empty, one byte, around the 64 KiB read
/// buffer, 1 MiB, and 64 MiB.
const SIZES: [(&str, usize); 7] = [
    ("empty.bin", 0),
    ("one.bin", 1),
    ("under.bin", 64 * KIB - 1),
    ("exact.bin", 64 * KIB),
    ("over.bin", 64 * KIB + 1),
    ("mib.bin", MIB),
    ("big.bin", 64 * MIB),
];

/// xorshift64*: the same pseudo-random bytes on every run.
fn pseudo_random(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        bytes.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// Writes `len` pseudo-random bytes to `path`: one random 1 MiB block, repeated with
/// the block index written into its first bytes so that no two blocks are equal.
fn generate(path: &Path, len: usize, seed: u64) {
    let block = pseudo_random(seed, len.min(MIB));
    let mut out = BufWriter::new(File::create(path).unwrap());
    let mut written = 0;
    let mut index = 0u64;
    while written < len {
        let mut chunk = block[..(len - written).min(MIB)].to_vec();
        for (byte, mixed) in chunk.iter_mut().zip(index.to_le_bytes()) {
            *byte ^= mixed;
        }
        out.write_all(&chunk).unwrap();
        written += chunk.len();
        index += 1;
    }
    out.flush().unwrap();
}

/// A temp dir with every file of [`SIZES`].
fn generated() -> TempDir {
    let dir = TempDir::new().unwrap();
    for (seed, (name, size)) in SIZES.iter().enumerate() {
        generate(&dir.path().join(name), *size, seed as u64 + 1);
    }
    assert_eq!(
        fs::metadata(dir.path().join("big.bin")).unwrap().len(),
        64 * MIB as u64
    );
    dir
}

fn hashlock(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("hashlock").unwrap();
    command.current_dir(dir).env("NO_COLOR", "1");
    command
}

/// The hex digests coreutils' `<algorithm>sum` prints for `files`, in order. A
/// missing command fails the test: it is the reference.
fn coreutils(algorithm: &str, dir: &Path, files: &[&str], stdin: &[u8]) -> Vec<String> {
    let program = format!("{algorithm}sum");
    let mut child = StdCommand::new(&program)
        .arg("--")
        .args(files)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run `{program}` (coreutils), the reference: {err}"));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{program} failed: {output:?}");
    let lines: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| line.split_once("  ").unwrap().0.to_string())
        .collect();
    assert_eq!(lines.len(), files.len());
    lines
}

/// Runs `hashlock hash` with `args`, expecting success; its stdout lines.
fn hash_lines(dir: &Path, args: &[&str], stdin: &[u8]) -> Vec<String> {
    let output = hashlock(dir)
        .arg("hash")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "", "stderr must stay empty");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.ends_with('\n') || stdout.is_empty());
    stdout.lines().map(str::to_string).collect()
}

/// A tiny independent urlsafe base64 without padding, from hex.
fn peep_base64(hex: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).unwrap())
        .collect();
    let (mut out, mut bits, mut held) = (String::new(), 0u32, 0u32);
    for byte in bytes {
        held = (held << 8) | u32::from(byte);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(ALPHABET[((held >> bits) & 63) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((held << (6 - bits)) & 63) as usize] as char);
    }
    out
}

/// Argument order on purpose not the order files finish in: the biggest first, and a
/// file named twice.
const ORDER: [&str; 8] = [
    "big.bin",
    "empty.bin",
    "mib.bin",
    "one.bin",
    "under.bin",
    "exact.bin",
    "over.bin",
    "one.bin",
];

#[test]
fn digests_match_coreutils_in_argument_order() {
    let dir = generated();
    let dir = dir.path();
    let sha256 = coreutils("sha256", dir, &ORDER, b"");
    for args in [&[][..], &["-a", "sha256"]] {
        let mut all = args.to_vec();
        all.extend(ORDER);
        let expected: Vec<String> = ORDER
            .iter()
            .zip(&sha256)
            .map(|(file, hex)| format!("{file}: --hash=sha256:{hex}"))
            .collect();
        assert_eq!(hash_lines(dir, &all, b""), expected, "{args:?}");
    }
    for algorithm in ["sha384", "sha512"] {
        let hexes = coreutils(algorithm, dir, &ORDER, b"");
        let mut args = vec!["-a", algorithm];
        args.extend(ORDER);
        let expected: Vec<String> = ORDER
            .iter()
            .zip(&hexes)
            .map(|(file, hex)| format!("{file}: --hash={algorithm}:{hex}"))
            .collect();
        assert_eq!(hash_lines(dir, &args, b""), expected, "{algorithm}");
    }
}

#[test]
fn peep_form_is_urlsafe_base64_without_padding() {
    let dir = TempDir::new().unwrap();
    let files = ["empty.bin", "one.bin", "over.bin", "mib.bin"];
    for (seed, (name, size)) in SIZES.iter().enumerate() {
        if files.contains(name) {
            generate(&dir.path().join(name), *size, seed as u64 + 1);
        }
    }
    let hexes = coreutils("sha256", dir.path(), &files, b"");
    let mut args = vec!["--peep"];
    args.extend(files);
    let expected: Vec<String> = files
        .iter()
        .zip(&hexes)
        .map(|(file, hex)| format!("{file}: # sha256: {}", peep_base64(hex)))
        .collect();
    let lines = hash_lines(dir.path(), &args, b"");
    assert_eq!(lines, expected);
    // The known vector, independent of the test's own base64.
    assert_eq!(
        lines[0],
        "empty.bin: # sha256: 47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
    );
    for line in &lines {
        assert!(!line.contains(['=', '+', '/']), "{line}");
    }
    let with_a = hash_lines(dir.path(), &["--peep", "-a", "sha256", "empty.bin"], b"");
    assert_eq!(with_a, expected[..1]);
}

#[test]
fn stdin_is_dash() {
    let dir = TempDir::new().unwrap();
    generate(&dir.path().join("a.bin"), 70 * KIB, 7);
    let piped = pseudo_random(9, 200 * KIB + 3);
    let files = ["a.bin", "-", "a.bin"];
    for algorithm in ["sha256", "sha512"] {
        let hexes = coreutils(algorithm, dir.path(), &files, &piped);
        let mut args = vec!["-a", algorithm];
        args.extend(files);
        let expected: Vec<String> = files
            .iter()
            .zip(&hexes)
            .map(|(file, hex)| format!("{file}: --hash={algorithm}:{hex}"))
            .collect();
        assert_eq!(hash_lines(dir.path(), &args, &piped), expected);
    }
    let hexes = coreutils("sha256", dir.path(), &["-"], b"abc");
    assert_eq!(
        hash_lines(dir.path(), &["--peep", "-"], b"abc"),
        [format!("-: # sha256: {}", peep_base64(&hexes[0]))]
    );
    assert_eq!(
        hash_lines(dir.path(), &["-"], b""),
        ["-: --hash=sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]
    );
}

#[test]
fn files_are_printed_as_given() {
    let dir = TempDir::new().unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub/a b.whl"), b"abc").unwrap();
    let absolute = dir.path().join("sub/a b.whl");
    let absolute = absolute.to_str().unwrap();
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let given = [
        "sub/a b.whl",
        "./sub/a b.whl",
        "sub/../sub/a b.whl",
        absolute,
    ];
    let expected: Vec<String> = given
        .iter()
        .map(|file| format!("{file}: --hash=sha256:{abc}"))
        .collect();
    assert_eq!(hash_lines(dir.path(), &given, b""), expected);
}

#[test]
fn unreadable_files_are_reported_and_the_others_printed() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("a.txt"), b"abc").unwrap();
    fs::write(dir.path().join("b.txt"), b"").unwrap();
    fs::create_dir(dir.path().join("dist")).unwrap();
    let output = hashlock(dir.path())
        .args(["hash", "a.txt", "missing.whl", "dist", "b.txt"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let hexes = coreutils("sha256", dir.path(), &["a.txt", "b.txt"], b"");
    assert_eq!(
        stdout,
        format!(
            "a.txt: --hash=sha256:{}\nb.txt: --hash=sha256:{}\n",
            hexes[0], hexes[1]
        )
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("cannot read `missing.whl`: no such file"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cannot read `dist`: it is a directory"),
        "{stderr}"
    );
    assert!(
        stderr.find("missing.whl") < stderr.find("`dist`"),
        "errors in argument order: {stderr}"
    );
}

#[test]
fn peep_is_sha256_only() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("a.txt"), b"abc").unwrap();
    for algorithm in ["sha384", "sha512"] {
        let output = hashlock(dir.path())
            .args(["hash", "--peep", "-a", algorithm, "a.txt"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{algorithm}");
        assert!(output.stdout.is_empty(), "{algorithm}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("`--peep` prints sha256 digests only"),
            "{stderr}"
        );
        assert!(stderr.contains(algorithm), "{stderr}");
    }
}

#[test]
fn stdin_named_twice_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    let output = hashlock(dir.path())
        .args(["hash", "-", "-"])
        .write_stdin("abc")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("standard input (`-`) is named 2 times"),
        "{stderr}"
    );
}

#[test]
fn no_file_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    let output = hashlock(dir.path()).arg("hash").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let dir = TempDir::new().unwrap();
    let names: Vec<String> = (0..300).map(|i| format!("f{i:03}.txt")).collect();
    for name in &names {
        fs::write(dir.path().join(name), name).unwrap();
    }
    // `| head -n 0`: the reader is gone before (or while) hashlock writes.
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("hashlock"))
        .arg("hash")
        .args(&names)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn a_big_file_is_hashed_in_constant_memory() {
    let dir = TempDir::new().unwrap();
    generate(&dir.path().join("big.bin"), 64 * MIB, 42);
    let python = python();
    let output = StdCommand::new(&python)
        .args(["-c", PEAK_RSS])
        .arg(assert_cmd::cargo::cargo_bin("hashlock"))
        .args(["hash", "big.bin"])
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|err| {
            panic!(
                "cannot run `{}` to measure hashlock's memory: {err}; install Python 3 \
                 (`python3` on PATH) or run `scripts/test`, which sets HASHLOCK_TEST_PYTHON",
                python.display()
            )
        });
    assert!(output.status.success(), "{output:?}");
    let hex = coreutils("sha256", dir.path(), &["big.bin"], b"").remove(0);
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("big.bin: --hash=sha256:{hex}\n")
    );
    let report = String::from_utf8(output.stderr).unwrap();
    let max_rss_kib: usize = report
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .unwrap_or_else(|| panic!("no maximum RSS in: {report}"));
    // A 64 MiB file read whole would need at least 64 MiB; streaming needs ~10.
    assert!(max_rss_kib < 32 * 1024, "max RSS {max_rss_kib} KiB");
}
