//! What the fuzz targets (`fuzz/`) found: each saved input under `fixtures/fuzz/<target>/`
//! goes through the same checks as in the fuzzer (`hashlock::fuzzing::<target>`),
//! which assert the target's invariants and must not panic.

use std::path::{Path, PathBuf};

use hashlock::fuzzing;

/// A target's checks: they panic when an invariant breaks.
type Check = fn(&[u8]);

const TARGETS: &[(&str, Check)] = &[
    ("requirements", fuzzing::requirements),
    ("peep", fuzzing::peep),
    ("index_documents", fuzzing::index_documents),
    ("lock_plan", fuzzing::lock_plan),
];

fn fixtures(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fuzz")
        .join(target);
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.map(|entry| entry.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    paths
}

fn fixture(target: &str, name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fuzz")
        .join(target)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Every saved input passes its target, the crashes the fuzzers found included.
#[test]
fn saved_fuzz_inputs_pass_their_targets() {
    for (target, check) in TARGETS {
        for path in fixtures(target) {
            let data = std::fs::read(&path).unwrap();
            let result = std::panic::catch_unwind(|| check(&data));
            assert!(result.is_ok(), "{target}: {} fails", path.display());
        }
    }
}

/// `r[f-`: pep508_rs 0.9 panics on an extra whose name ends in `-`, `_` or `.`
/// ("`ExtraName` validation should match PEP 508 parsing"), where it should fail; the
/// parser guards names against the same bug but not extras.
#[test]
fn extra_ending_in_a_separator_is_an_error_not_a_panic() {
    let found = fixture("requirements", "extra-ending-in-a-separator.txt");
    // The name ends where the parser cuts the line: at a `\x1d`, a break for pip.
    let cut = fixture(
        "requirements",
        "extra-ending-in-a-separator-before-a-line-break.txt",
    );
    // A `\` continuation inside the extra's name.
    let continued = fixture(
        "requirements",
        "extra-ending-in-a-separator-across-a-continuation.txt",
    );
    let texts = [
        found.as_slice(),
        cut.as_slice(),
        continued.as_slice(),
        // Python's `strip` takes U+001F as whitespace, and so does the parser.
        b"requests[socks,securi.\x1f\x1f",
        // A comment line ends the continuation, and the requirement with it.
        b"black[jup-\\\n#-\tb",
        b"requests[socks-]==2.31.0\n",
        b"foo[bar_ , baz]==1\n",
        b"foo[bar.]\n",
        b"foo[bar-]; python_version > \"3\"\n",
    ];
    for text in texts {
        fuzzing::requirements(text);
        let text = std::str::from_utf8(text).unwrap();
        let errors = hashlock::requirements::parse(text).unwrap_err();
        assert!(!errors.is_empty(), "an error, not a panic: {text:?}");
    }
}

/// `0;python_version>""` and a U+FEFF: after a marker expression pep508_rs 0.9 reads
/// the next word to see whether it is `and`/`or`, counting its length in characters
/// but slicing bytes, so a non-ASCII character that is not whitespace (a zero-width
/// no-break space or space, from a copy and paste) panics ("byte index is not a char
/// boundary") where it should fail.
#[test]
fn non_ascii_after_a_marker_is_an_error_not_a_panic() {
    let found = fixture("peep", "non-ascii-after-a-marker.txt");
    let texts = [
        found.as_slice(),
        "six==1.16.0 ; python_version >= \"3.8\"\u{200b}\n".as_bytes(),
        "six==1.16.0 ; python_version >= \"3.8\" \u{feff}# comment\n".as_bytes(),
        // Across a CRLF continuation.
        "six==1.16.0 ; python_version >= \"3.8\" \\\r\n\u{feff}x\r\n".as_bytes(),
    ];
    for text in texts {
        fuzzing::peep(text);
        fuzzing::requirements(text);
        let text = std::str::from_utf8(text).unwrap();
        let errors = hashlock::requirements::parse(text).unwrap_err();
        assert!(!errors.is_empty(), "an error, not a panic: {text:?}");
    }
}
