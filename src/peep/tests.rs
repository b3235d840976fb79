use proptest::prelude::*;
use sha2::{Digest, Sha256};

use super::*;
use crate::requirements::parse;

/// The brief's example digest (its base64 checked with Python's
/// `base64.urlsafe_b64encode(bytes.fromhex(h)).rstrip(b"=")`).
const EXAMPLE_HEX: &str = "33f74f0e033cfc928dce246ccb1de8e38b45916b3136781373068ccbfeeee47f";
const EXAMPLE_PEEP: &str = "M_dPDgM8_JKNziRsyx3o44tFkWsxNngTcwaMy_7u5H8";

/// six 1.16.0's sdist and wheel, from fixtures/pypi/six.json.
const SIX_SDIST_HEX: &str = "1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926";
const SIX_SDIST: &str = "HmHDdHehYmRY4297HYKqXJsJT6SAKJIHLknenGDEySY";
const SIX_WHEEL_HEX: &str = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254";
const SIX_WHEEL: &str = "irsvHYaJCi37mJ-ad8_P0-R8KjVLAREXcTJviqJuAlQ";

/// A base64 encoder written bit by bit, independent of the crate, to check it against.
fn reference_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bits: Vec<bool> = bytes
        .iter()
        .flat_map(|byte| (0..8).rev().map(move |i| byte >> i & 1 == 1))
        .collect();
    bits.chunks(6)
        .map(|chunk| {
            let value = (0..6).fold(0usize, |acc, i| {
                acc << 1 | usize::from(chunk.get(i).copied().unwrap_or(false))
            });
            char::from(ALPHABET[value])
        })
        .collect()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

// ---- encoding ----

#[test]
fn encodes_known_vectors_both_ways() {
    let vectors = [
        (EXAMPLE_HEX, EXAMPLE_PEEP),
        (SIX_SDIST_HEX, SIX_SDIST),
        (SIX_WHEEL_HEX, SIX_WHEEL),
        // sha256("") and sha256("abc").
        (
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
        ),
        (
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0",
        ),
        (
            &"ff".repeat(32),
            "__________________________________________8",
        ),
        (
            &"00".repeat(32),
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ),
        (
            &"fb".repeat(32),
            "-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s",
        ),
    ];
    for (hex, peep) in vectors {
        assert_eq!(encode_hex(hex).as_deref(), Some(peep), "{hex}");
        assert_eq!(
            encode_hex(&hex.to_uppercase()).as_deref(),
            Some(peep),
            "{hex}"
        );
        assert_eq!(encode(&hex::decode(hex).unwrap()), peep);
        assert_eq!(
            decode(peep).map(|d| d.to_string()).as_deref(),
            Ok(hex),
            "{peep}"
        );
        let digest = hex.parse().unwrap();
        assert_eq!(comment_line(digest), format!("# sha256: {peep}"));
    }
    assert_eq!(sha256_hex(b""), vectors[3].0);
    assert_eq!(sha256_hex(b"abc"), vectors[4].0);
}

#[test]
fn the_briefs_base64_example_is_a_different_digest() {
    // The brief paired EXAMPLE_HEX with this text, which differs in one character
    // (`Tcwb` for `Tcwa`): it is the digest with `06cc` where EXAMPLE_HEX has `068c`.
    assert_eq!(
        decode("M_dPDgM8_JKNziRsyx3o44tFkWsxNngTcwbMy_7u5H8")
            .map(|d| d.to_string())
            .as_deref(),
        Ok("33f74f0e033cfc928dce246ccb1de8e38b45916b313678137306cccbfeeee47f")
    );
}

#[test]
fn every_byte_value_at_every_position_round_trips() {
    for value in 0..=255u8 {
        for position in 0..DIGEST_LEN {
            let mut digest = [0x5au8; DIGEST_LEN];
            digest[position] = value;
            let peep = encode(&digest);
            assert_eq!(peep, reference_encode(&digest));
            assert_eq!(peep.len(), ENCODED_LEN);
            assert_eq!(
                decode(&peep).map(|d| d.to_string()),
                Ok(hex::encode(digest))
            );
        }
    }
}

#[test]
fn every_alphabet_character_is_used_and_decodes() {
    // Bytes 0..48 spell the 64 symbols in order, 6 bits at a time.
    let bits: Vec<u8> = (0..64u8).collect();
    let mut bytes = Vec::new();
    for chunk in bits.chunks(4) {
        let n = u32::from(chunk[0]) << 18
            | u32::from(chunk[1]) << 12
            | u32::from(chunk[2]) << 6
            | u32::from(chunk[3]);
        bytes.extend_from_slice(&n.to_be_bytes()[1..]);
    }
    let all = encode(&bytes);
    assert_eq!(
        all,
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    );
    for (index, symbol) in all.chars().enumerate() {
        // Put the symbol at the front of a valid hash: it must decode.
        let peep = format!("{symbol}{}", &SIX_SDIST[1..]);
        assert!(decode(&peep).is_ok(), "{index} {symbol}");
    }
}

#[test]
fn encode_hex_rejects_what_is_not_a_sha256_hex_digest() {
    assert_eq!(encode_hex(""), None);
    assert_eq!(encode_hex(&SIX_SDIST_HEX[1..]), None);
    assert_eq!(encode_hex(&format!("{SIX_SDIST_HEX}0")), None);
    assert_eq!(encode_hex(&format!("g{}", &SIX_SDIST_HEX[1..])), None);
    assert_eq!(encode_hex(&format!("é{}", &SIX_SDIST_HEX[2..])), None);
    assert_eq!(encode_hex(&format!(" {}", &SIX_SDIST_HEX[1..])), None);
    assert_eq!(encode_hex(&"ab".repeat(48)), None, "a sha384 digest");
    // Mixed case is still hex.
    let mixed: String = SIX_SDIST_HEX
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    assert_eq!(encode_hex(&mixed).as_deref(), Some(SIX_SDIST));
}

#[test]
fn comment_line_takes_only_a_digest() {
    // `comment_line` takes a `Sha256`, so a text that is not one never reaches it:
    // it is refused where it enters.
    assert!("abc".parse::<crate::digest::Sha256>().is_err());
    let digest = SIX_SDIST_HEX.parse().unwrap();
    assert_eq!(comment_line(digest), format!("# sha256: {SIX_SDIST}"));
}

// ---- decode errors ----

#[test]
fn decode_rejects_standard_base64() {
    let standard = SIX_WHEEL.replace('-', "+").replace('_', "/");
    let err = decode(&standard).unwrap_err();
    assert_eq!(
        err,
        DecodeError::StandardAlphabet {
            index: 14,
            character: '+'
        }
    );
    assert_eq!(
        err.to_string(),
        "bad character '+' at index 14: that is standard base64, peep's urlsafe base64 \
         has '-' and '_' instead of '+' and '/'"
    );
    let slash = SIX_WHEEL.replace('_', "/");
    assert_eq!(
        decode(&slash),
        Err(DecodeError::StandardAlphabet {
            index: 18,
            character: '/'
        })
    );
}

#[test]
fn decode_rejects_padding() {
    let err = decode(&format!("{SIX_SDIST}=")).unwrap_err();
    assert_eq!(
        err,
        DecodeError::Padding {
            index: 43,
            trailing: true
        }
    );
    assert_eq!(
        err.to_string(),
        "padding '=' at index 43: peep strips the padding from its hashes"
    );
    let middle = format!("{}={}", &SIX_SDIST[..10], &SIX_SDIST[11..]);
    let err = decode(&middle).unwrap_err();
    assert_eq!(
        err,
        DecodeError::Padding {
            index: 10,
            trailing: false
        }
    );
    assert_eq!(
        err.to_string(),
        "padding '=' at index 10, in the middle of the hash"
    );
    // Characters are checked before the length: a padded 42 is still "padding".
    assert!(matches!(
        decode(&format!("{}=", &SIX_SDIST[..42])),
        Err(DecodeError::Padding { index: 42, .. })
    ));
}

#[test]
fn decode_rejects_wrong_lengths() {
    let err = decode(&SIX_SDIST[..42]).unwrap_err();
    assert_eq!(err, DecodeError::Length { chars: 42 });
    assert_eq!(
        err.to_string(),
        "wrong length: 42 characters (31 bytes), a sha256 digest is 32 bytes, 43 characters"
    );
    let err = decode(&format!("{SIX_SDIST}A")).unwrap_err();
    assert_eq!(err, DecodeError::Length { chars: 44 });
    assert_eq!(
        err.to_string(),
        "wrong length: 44 characters (33 bytes), a sha256 digest is 32 bytes, 43 characters"
    );
    let err = decode(&format!("{SIX_SDIST}AB")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "wrong length: 45 characters (not a whole number of bytes), a sha256 digest is 32 \
         bytes, 43 characters"
    );
    // A hex digest is valid base64 text of the wrong length.
    assert_eq!(
        decode(SIX_SDIST_HEX),
        Err(DecodeError::Length { chars: 64 })
    );
}

#[test]
fn decode_rejects_bad_characters() {
    assert_eq!(decode(""), Err(DecodeError::Empty));
    assert_eq!(DecodeError::Empty.to_string(), "the hash is empty");
    // A Cyrillic `е` that looks like the Latin `e`.
    let homoglyph = SIX_SDIST.replacen('e', "е", 1);
    let err = decode(&homoglyph).unwrap_err();
    assert_eq!(
        err,
        DecodeError::BadCharacter {
            index: 6,
            character: 'е'
        }
    );
    assert_eq!(err.character_span(), Some(6..8));
    assert_eq!(
        err.to_string(),
        "bad character 'е' (U+0435) at index 6: peep hashes use only A-Z, a-z, 0-9, '-' and '_'"
    );
    for (bad, index) in [(" ", 5), ("#", 0), ("\t", 42), (".", 7)] {
        let mut text = SIX_SDIST.to_owned();
        text.replace_range(index..index + 1, bad);
        assert!(
            matches!(decode(&text), Err(DecodeError::BadCharacter { index: i, .. }) if i == index),
            "{text:?}"
        );
    }
}

#[test]
fn decode_rejects_stray_bits_in_the_last_character() {
    // `Y` is 24 (low bits 00); `Z` is 25: the same digest to a lenient decoder, but
    // not the text peep writes, so peep's string comparison would fail.
    let stray = format!("{}Z", &SIX_SDIST[..42]);
    let err = decode(&stray).unwrap_err();
    assert_eq!(
        err,
        DecodeError::TrailingBits {
            index: 42,
            character: 'Z'
        }
    );
    assert_eq!(
        err.to_string(),
        "the last character 'Z' at index 42 sets bits beyond the 32-byte digest (peep \
         would have written 'Y')"
    );
    for last in "AEIMQUYcgkosw048".chars() {
        assert!(decode(&format!("{}{last}", &SIX_SDIST[..42])).is_ok());
    }
}

proptest! {
    #[test]
    fn round_trips_any_digest(digest in prop::array::uniform32(any::<u8>())) {
        let hex = hex::encode(digest);
        let peep = encode_hex(&hex).unwrap();
        prop_assert_eq!(&peep, &reference_encode(&digest));
        prop_assert_eq!(peep.len(), ENCODED_LEN);
        prop_assert_eq!(decode(&peep).map(|d| d.to_string()), Ok(hex.clone()));
        prop_assert_eq!(encode_hex(&hex.to_uppercase()), Some(peep));
    }

    #[test]
    fn decode_never_panics_and_only_accepts_canonical_hashes(text in "[A-Za-z0-9_=+/# é-]{0,46}") {
        if let Ok(digest) = decode(&text) {
            prop_assert_eq!(encode_hex(&digest.to_string()), Some(text));
        }
    }
}

// ---- find ----

fn parsed(text: &str) -> RequirementsFile {
    parse(text).unwrap_or_else(|errors| panic!("{errors:#?}"))
}

/// Blocks as (owner line number, [(hash line number, hex)]).
fn block_lines(file: &RequirementsFile, blocks: &[Block]) -> Vec<(usize, Vec<(usize, String)>)> {
    blocks
        .iter()
        .map(|block| {
            let hashes = block
                .hashes
                .iter()
                .map(|hash| {
                    assert_eq!(decode(&file.text[hash.span.clone()]), Ok(hash.digest));
                    (file.lines[hash.line].number, hash.digest.to_string())
                })
                .collect();
            (file.lines[block.owner].number, hashes)
        })
        .collect()
}

fn only_problem(file: &RequirementsFile) -> Problem {
    let (blocks, mut problems) = find(file);
    assert!(blocks.is_empty(), "{blocks:?}");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    problems.remove(0)
}

#[test]
fn finds_stacked_hashes_with_an_interleaved_comment() {
    let text = format!(
        "# Tarball:\n# sha256: {SIX_SDIST}\n# And the wheel:\n# sha256: {SIX_WHEEL}\nsix==1.16.0\n"
    );
    let file = parsed(&text);
    let (blocks, problems) = find(&file);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        block_lines(&file, &blocks),
        [(
            5,
            vec![(2, SIX_SDIST_HEX.to_owned()), (4, SIX_WHEEL_HEX.to_owned())]
        )]
    );
    assert_eq!(blocks[0].owner, 4);
    assert_eq!(blocks[0].hashes[0].line, 1);
    assert_eq!(&text[blocks[0].hashes[1].span.clone()], SIX_WHEEL);
}

#[test]
fn a_blank_line_does_not_break_the_block() {
    let text = format!("# sha256: {SIX_SDIST}\n\n   \n# sha256: {SIX_WHEEL}\n\nsix==1.16.0\n");
    let file = parsed(&text);
    let (blocks, problems) = find(&file);
    assert!(problems.is_empty());
    assert_eq!(
        block_lines(&file, &blocks),
        [(
            6,
            vec![(1, SIX_SDIST_HEX.to_owned()), (4, SIX_WHEEL_HEX.to_owned())]
        )]
    );
}

#[test]
fn each_requirement_takes_only_the_block_right_above_it() {
    let text = format!(
        "# sha256: {SIX_SDIST}\nsix==1.16.0\nidna==3.6\n# sha256: {SIX_WHEEL}\nsix==1.16.0 ; python_version > '3'\n"
    );
    let file = parsed(&text);
    let (blocks, problems) = find(&file);
    assert!(problems.is_empty());
    assert_eq!(
        block_lines(&file, &blocks),
        [
            (2, vec![(1, SIX_SDIST_HEX.to_owned())]),
            (5, vec![(4, SIX_WHEEL_HEX.to_owned())]),
        ]
    );
}

#[test]
fn a_block_above_an_option_line_is_a_warning_and_no_block() {
    let text =
        format!("six==1.16.0\n# sha256: {SIX_SDIST}\n\n-i https://pypi.org/simple\nsix==1.16.0\n");
    let file = parsed(&text);
    let problem = only_problem(&file);
    assert_eq!(problem.severity, Severity::Warning);
    assert_eq!(
        problem.message,
        "the peep hash on line 2 sits above the option line 4, so peep attaches it to that \
         line and it protects nothing"
    );
    assert_eq!(problem.label, "attached to the option line 4");
    assert_eq!(&text[problem.span], SIX_SDIST);
    assert!(problem.hint.is_some());
}

#[test]
fn several_hashes_above_an_option_line_are_named_together() {
    let text = format!(
        "# sha256: {SIX_SDIST}\n# sha256: {SIX_WHEEL}\n# sha256: {EXAMPLE_PEEP}\n-r base.txt\n"
    );
    let file = parsed(&text);
    let problem = only_problem(&file);
    assert_eq!(
        problem.message,
        "the peep hashes on lines 1, 2 and 3 sit above the option line 4, so peep \
         attaches them to that line and they protect nothing"
    );
    assert_eq!(&text[problem.span], SIX_SDIST);
}

#[test]
fn peep_lines_at_the_end_of_the_file_protect_nothing() {
    let text = format!("six==1.16.0\n# sha256: {SIX_SDIST}\n# sha256: {SIX_WHEEL}");
    let file = parsed(&text);
    let problem = only_problem(&file);
    assert_eq!(problem.severity, Severity::Warning);
    assert_eq!(
        problem.message,
        "the peep hashes on lines 2 and 3 sit below the last requirement, so they protect \
         nothing"
    );
    assert_eq!(problem.label, "no requirement below");
}

#[test]
fn a_trailing_comment_after_the_hash_is_fine() {
    for line in [
        format!("# sha256: {SIX_SDIST} # tarball"),
        format!("# sha256: {SIX_SDIST}\t#tarball"),
        format!("  #\tsha256:\t{SIX_SDIST}   "),
        format!("# sha256: {SIX_SDIST} # sha256: {SIX_WHEEL}"),
    ] {
        let text = format!("{line}\nsix==1.16.0\n");
        let file = parsed(&text);
        let (blocks, problems) = find(&file);
        assert!(problems.is_empty(), "{line:?}: {problems:#?}");
        assert_eq!(
            block_lines(&file, &blocks),
            [(2, vec![(1, SIX_SDIST_HEX.to_owned())])],
            "{line:?}"
        );
    }
}

/// The single error for `line` above a requirement, with the text under its span.
fn near_miss(line: &str) -> (Problem, String) {
    let text = format!("{line}\nsix==1.16.0\n");
    let file = parsed(&text);
    let problem = only_problem(&file);
    assert_eq!(problem.severity, Severity::Error, "{line:?}");
    assert!(!problem.message.ends_with('.'));
    let shown = text[problem.span.clone()].to_owned();
    (problem, shown)
}

#[test]
fn near_misses_peep_ignores_are_errors_at_the_right_place() {
    let cases = [
        (
            format!("# SHA256: {SIX_SDIST}"),
            "SHA256:",
            "must be lowercase",
        ),
        (
            format!("# Sha256: {SIX_SDIST}"),
            "Sha256:",
            "must be lowercase",
        ),
        (
            format!("#sha256: {SIX_SDIST}"),
            "#sha256:",
            "no space after `#`",
        ),
        (
            format!("# sha256:{SIX_SDIST}"),
            &*format!("sha256:{SIX_SDIST}"),
            "no space after the colon",
        ),
        (
            format!("# sha512: {SIX_SDIST}"),
            "sha512:",
            "peep reads only `sha256:`",
        ),
        (
            format!("# sha384: {SIX_SDIST}"),
            "sha384:",
            "peep reads only `sha256:`",
        ),
        (
            "# md5: 0e2b5d1a3ae6b0f4d5e2c4b6a8f9e0d1".to_owned(),
            "md5:",
            "peep reads only `sha256:`",
        ),
        ("# sha256:".to_owned(), "sha256:", "no hash"),
        ("# sha256:   ".to_owned(), "sha256:", "no hash"),
        (
            format!("# sha256: {SIX_SDIST} tarball"),
            "tarball",
            "not a `#` comment",
        ),
        (
            format!("# sha256: {SIX_SDIST} {SIX_WHEEL}  "),
            SIX_WHEEL,
            "not a `#` comment",
        ),
    ];
    for (line, shown, label) in &cases {
        let (problem, under) = near_miss(line);
        assert_eq!(&under, shown, "{line:?}");
        assert_eq!(&problem.label, label, "{line:?}");
    }
    let (problem, _) = near_miss(&format!("# SHA256: {SIX_SDIST}"));
    assert_eq!(
        problem.message,
        "peep ignores this `SHA256:` line: it reads only the lowercase `sha256:`"
    );
    assert_eq!(
        problem.hint.as_deref(),
        Some(&*format!("write `# sha256: {SIX_SDIST}`"))
    );
    let (problem, _) = near_miss(&format!("#sha256:{SIX_SDIST}"));
    assert_eq!(problem.label, "no space after `#`");
    assert_eq!(
        problem.hint.as_deref(),
        Some(&*format!("write `# sha256: {SIX_SDIST}`"))
    );
}

#[test]
fn malformed_hashes_are_errors_at_the_offending_character() {
    let standard = SIX_WHEEL.replace('-', "+").replace('_', "/");
    let cases = [
        (format!("# sha256: {standard}"), "+", "standard base64"),
        (format!("# sha256: {SIX_SDIST}="), "=", "padding"),
        (
            format!("# sha256: {}", &SIX_SDIST[..42]),
            &SIX_SDIST[..42],
            "42 characters, not 43",
        ),
        (
            format!("# sha256: {SIX_SDIST}A"),
            &*format!("{SIX_SDIST}A"),
            "44 characters, not 43",
        ),
        (
            format!("# sha256: {SIX_SDIST_HEX}"),
            SIX_SDIST_HEX,
            "64 characters, not 43",
        ),
        (
            format!("# sha256: {}", SIX_SDIST.replacen('e', "е", 1)),
            "е",
            "not a base64 character",
        ),
        (
            format!("# sha256: {SIX_SDIST}#tarball"),
            "#",
            "`#` inside the hash",
        ),
        (
            format!("# sha256: {}Z", &SIX_SDIST[..42]),
            "Z",
            "stray bits in the last character",
        ),
    ];
    for (line, shown, label) in &cases {
        let (problem, under) = near_miss(line);
        assert_eq!(&under, shown, "{line:?}");
        assert_eq!(&problem.label, label, "{line:?}");
        assert!(
            problem.message.starts_with("malformed peep hash: "),
            "{line:?}"
        );
    }
    let (problem, _) = near_miss(&format!("# sha256: {standard}"));
    assert_eq!(
        problem.hint.as_deref(),
        Some(&*format!("peep's form of this hash is `{SIX_WHEEL}`"))
    );
    let (problem, _) = near_miss(&format!("# sha256: {SIX_SDIST}=="));
    assert_eq!(
        problem.hint.as_deref(),
        Some(&*format!("drop the padding: peep wrote `{SIX_SDIST}`"))
    );
    let (problem, _) = near_miss(&format!("# sha256: {SIX_SDIST_HEX}"));
    assert_eq!(
        problem.hint.as_deref(),
        Some(&*format!(
            "this is a hex digest; peep's form of it is `{SIX_SDIST}` (pip's `--hash` takes \
             the hex)"
        ))
    );
}

#[test]
fn a_bad_line_inside_a_block_leaves_the_good_hashes() {
    let text = format!("# sha256: {SIX_SDIST}\n# SHA256: {SIX_WHEEL}\nsix==1.16.0\n");
    let file = parsed(&text);
    let (blocks, problems) = find(&file);
    assert_eq!(
        block_lines(&file, &blocks),
        [(3, vec![(1, SIX_SDIST_HEX.to_owned())])]
    );
    assert_eq!(problems.len(), 1);
    assert_eq!(&text[problems[0].span.clone()], "SHA256:");
}

#[test]
fn prose_mentioning_sha256_is_not_flagged() {
    let text = "\
# sha256 hashes follow, in peep's format
# Note: sha256: is what peep reads
# sha256sum: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
# sha-256: whatever
# hashes (sha256): none
#
# sha256 : spaced colon
six==1.16.0  # sha256: not a comment line, peep reads comment lines only
";
    let file = parsed(text);
    let (blocks, problems) = find(&file);
    assert!(blocks.is_empty());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn crlf_spans_stop_before_the_line_break() {
    let text = format!(
        "# sha256: {SIX_SDIST}\r\n# sha256: {SIX_WHEEL}  \r\nsix==1.16.0\r\n# sha256: {SIX_SDIST}=\r\n# SHA256: {SIX_WHEEL}\r\nsix==1.16.0\r\n"
    );
    let file = parsed(&text);
    let (blocks, problems) = find(&file);
    assert_eq!(
        block_lines(&file, &blocks),
        [(
            3,
            vec![(1, SIX_SDIST_HEX.to_owned()), (2, SIX_WHEEL_HEX.to_owned())]
        )]
    );
    assert_eq!(&text[blocks[0].hashes[1].span.clone()], SIX_WHEEL);
    let shown: Vec<&str> = problems.iter().map(|p| &text[p.span.clone()]).collect();
    assert_eq!(shown, ["=", "SHA256:"]);
}

#[test]
fn problems_come_in_file_order() {
    let text = format!(
        "# SHA256: {SIX_SDIST}\n# sha256: {SIX_WHEEL}\n#sha256: {SIX_SDIST}\n-i https://pypi.org/simple\n# md5: x\n"
    );
    let file = parsed(&text);
    let (blocks, problems) = find(&file);
    assert!(blocks.is_empty());
    let shown: Vec<(&str, Severity)> = problems
        .iter()
        .map(|p| (&text[p.span.clone()], p.severity))
        .collect();
    assert_eq!(
        shown,
        [
            ("SHA256:", Severity::Error),
            (SIX_WHEEL, Severity::Warning),
            ("#sha256:", Severity::Error),
            ("md5:", Severity::Error),
        ]
    );
}

#[test]
fn an_empty_file_has_nothing() {
    let (blocks, problems) = find(&parsed(""));
    assert!(blocks.is_empty() && problems.is_empty());
}
