//! The fast reader agrees with serde on every document it reads, and reads the
//! documents indexes send.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use reqwest::Url;

use super::super::{Body, CONTENT_TYPE, Parts, check_streams_agree};
use super::document;
use crate::index::http::Fetched;

/// What serde makes of `body`, as text to compare (`Err`: it refuses it).
fn by_serde(body: &[u8]) -> Result<String, String> {
    let fetched = Fetched {
        url: Url::parse("https://pypi.test/simple/demo/").unwrap(),
        content_type: Some(CONTENT_TYPE.to_owned()),
        body: body.to_vec(),
    };
    Parts::by_serde(&fetched.url, &fetched.body)
        .map(|mut parts| {
            parts.read_leads(&Body::of(body.to_vec()), "demo");
            format!("{parts:?}")
        })
        .map_err(|error| error.to_string())
}

/// Whether the fast reader read `body`; when it did, serde must read the same, and
/// the body streamed in chunks of any size is read exactly when and as it is whole.
fn agree(body: &[u8]) -> bool {
    let text = std::str::from_utf8(body).ok();
    let scanned = text.and_then(|text| document(text, "demo"));
    check_streams_agree(body, "demo");
    let Some(parts) = scanned else {
        return false;
    };
    let text = String::from_utf8_lossy(body);
    match by_serde(body) {
        Ok(expected) => assert_eq!(format!("{parts:?}"), expected, "{text}"),
        Err(error) => panic!("serde refuses what the fast reader read: {error}\n{text}"),
    }
    true
}

const FILE: &str = r#"{"filename": "demo-1.0.tar.gz", "url": "https://files.test/demo-1.0.tar.gz",
    "hashes": {"sha256": "ab"}, "requires-python": ">=3.8", "yanked": false,
    "size": 12, "upload-time": "2024-01-01T00:00:00.000000Z",
    "core-metadata": false, "provenance": null}"#;

#[test]
fn documents_as_indexes_write_them_are_read() {
    let documents = [
        r#"{"meta": {"api-version": "1.1"}, "name": "demo", "files": [], "versions": []}"#,
        r#"{"files": []}"#,
        " \n\t{\r\n\"files\" : [ ] , \"name\":null } \n",
        &format!(
            r#"{{"meta": {{"api-version": "1.4", "_last-serial": 5}}, "files": [{FILE}, {FILE}],
            "versions": ["1.0"], "project-status": {{"status": "archived", "reason": null}}}}"#
        ),
        // What `yanked` may be; escaped strings (decoded by serde), nested unknown keys.
        r#"{"files": [
            {"filename": "demo-1.0.tar.gz", "url": null, "yanked": "a \"bad\" one\r\n"},
            {"filename": "demo-1.0\u002ezip", "url": "/x", "yanked": true},
            {"filename": "demo-1.1.zip", "url": {"a": [1, -2.5e+3, 0, 0.0, true]}, "yanked": null},
            {"url": "/y", "filename": "demo-2.zip", "dist-info-metadata": {"sha256": "c"},
             "extra": {"deep": [[[{}]]], "n": -0.1E-2}, "size": 1e3}
        ], "versions": ["1.0", "1\u002e1"], "n\u0061me": "demo"}"#,
    ];
    for body in documents {
        assert!(agree(body.as_bytes()), "not read: {body}");
    }
}

/// What the fast reader leaves to serde, which refuses it or reads it the same.
#[test]
fn anything_unusual_is_left_to_serde() {
    let cases = [
        // Not JSON, or not all of it.
        "",
        "{",
        r#"{"files": []} x"#,
        r#"{"files": [],}"#,
        r#"{"files": [{"filename": "a", "url": "b",}]}"#,
        r#"{"files": [01]}"#,
        r#"{"files": [], "x": 1.}"#,
        r#"{"files": [], "x": -}"#,
        r#"{"files": [], "x": 1e}"#,
        r#"{"files": [], "x": tru}"#,
        r#"{"files": [], "x": "a	b"}"#,
        r#"{"files": [], "x": "\q"}"#,
        r#"{"files": [], "x": "\u12g4"}"#,
        "\u{feff}{\"files\": []}",
        // Valid JSON that serde refuses.
        r#"{"name": "demo"}"#,
        r#"{"files": [], "files": []}"#,
        r#"{"files": null}"#,
        r#"{"files": [{"filename": "a"}]}"#,
        r#"{"files": [{"url": "a"}]}"#,
        r#"{"files": [{"filename": 3, "url": "a"}]}"#,
        r#"{"files": [{"filename": "a", "url": "b", "yanked": 1}]}"#,
        r#"{"files": [{"filename": "a", "url": "b", "core-metadata": true, "dist-info-metadata": true}]}"#,
        r#"{"files": [{"filename": "a", "url": "b", "hashes": 1, "hashes": 2}]}"#,
        r#"{"files": [], "versions": [1]}"#,
        r#"{"files": [], "meta": []}"#,
        r#"{"files": [], "meta": {"api-version": 1}}"#,
        r#"{"files": [], "project-status": "active"}"#,
        r#"{"files": [], "name": "\ud800"}"#,
        // Valid JSON serde reads its own way: positional structs.
        r#"[null, null, []]"#,
        r#"{"files": [["demo-1.0.tar.gz", "/a"]]}"#,
    ];
    for body in cases {
        assert!(!agree(body.as_bytes()), "read: {body}");
    }
    let deep = format!(
        r#"{{"files": [], "x": {}{}}}"#,
        "[".repeat(150),
        "]".repeat(150)
    );
    assert!(!agree(deep.as_bytes()));
    let not_utf8 = b"{\"files\": [], \"x\": \"\xff\"}";
    assert!(!agree(not_utf8));
}

/// Every index document the fuzzer kept, which covers what serde reads and refuses.
#[test]
fn the_fuzz_corpus_reads_the_same() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/index_documents");
    let mut read = 0;
    let mut all = 0;
    for entry in std::fs::read_dir(corpus).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        // The first byte picks where the fuzz target serves the rest.
        let body = data.get(1..).unwrap_or_default();
        all += 1;
        read += usize::from(agree(body));
    }
    assert!(all > 100 && read > 10, "{read} of {all} read");
}

/// A JSON value whose text is drawn from what the readers treat differently.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        "-?(0|[1-9][0-9]{0,3})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
        string(),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((string(), inner), 0..4).prop_map(|v| {
                let members: Vec<String> = v.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

/// A JSON string, with escapes and the characters around them.
fn string() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-z0-9.\\-_]{0,8}",
        Just("\\\"".to_owned()),
        Just("\\\\".to_owned()),
        Just("\\n".to_owned()),
        Just("\\u00e9".to_owned()),
        Just("\\ud83d\\ude00".to_owned()),
        Just("é".to_owned()),
        Just(">=3.8".to_owned()),
    ];
    prop::collection::vec(piece, 0..4).prop_map(|pieces| format!("\"{}\"", pieces.concat()))
}

/// A value of the type serde takes for `key` (now and then any value at all).
fn typed(key: &'static str) -> BoxedStrategy<String> {
    let null = Just("null".to_owned());
    let typed = match key {
        "\"hashes\"" | "\"core-metadata\"" | "\"dist-info-metadata\"" => prop_oneof![
            null,
            Just("true".to_owned()),
            (string(), string()).prop_map(|(k, v)| format!("{{{k}: {v}}}")),
        ]
        .boxed(),
        "\"yanked\"" => prop_oneof![
            null,
            Just("false".to_owned()),
            Just("true".to_owned()),
            string()
        ]
        .boxed(),
        "\"size\"" => prop_oneof![null, "[0-9]{1,6}"].boxed(),
        _ => prop_oneof![null, string()].boxed(),
    };
    prop_oneof![8 => typed, 1 => value()].boxed()
}

const KEYS: &[&str] = &[
    "\"hashes\"",
    "\"requires-python\"",
    "\"yanked\"",
    "\"size\"",
    "\"upload-time\"",
    "\"core-metadata\"",
    "\"dist-info-metadata\"",
    "\"provenance\"",
    "\"other\"",
    "\"file\\u006eame\"",
];

/// A file entry: its name and URL, some of the other keys in any order, now and
/// then a key twice or one missing.
fn entry() -> impl Strategy<Value = String> {
    let member = prop::sample::select(KEYS)
        .prop_flat_map(|key| typed(key).prop_map(move |value| format!("{key}: {value}")));
    let members = prop::collection::vec(member, 0..6);
    let filename = prop_oneof![8 => string(), 1 => value()];
    let url = prop_oneof![8 => string(), 1 => value()];
    (filename, url, members, any::<u16>()).prop_map(|(filename, url, mut members, order)| {
        let order = usize::from(order);
        if order % 13 != 0 {
            let at = order % (members.len() + 1);
            members.insert(at, format!("\"filename\": {filename}"));
        }
        if order % 11 != 0 {
            let at = (order / 16) % (members.len() + 1);
            members.insert(at, format!("\"url\": {url}"));
        }
        format!("{{{}}}", members.join(", "))
    })
}

/// A document: top-level keys in any order, mostly of the right type.
fn body() -> impl Strategy<Value = String> {
    let files = prop::collection::vec(entry(), 0..4).prop_map(|f| format!("[{}]", f.join(",")));
    let texts = prop::collection::vec(string(), 0..3).prop_map(|v| format!("[{}]", v.join(",")));
    let member = prop_oneof![
        1 => value().prop_map(|v| format!("\"files\": {v}")),
        2 => typed("name").prop_map(|v| format!("\"name\": {v}")),
        2 => texts.prop_map(|v| format!("\"versions\": {v}")),
        2 => typed("api").prop_map(|v| format!("\"meta\": {{\"api-version\": {v}, \"x\": 1}}")),
        2 => typed("status").prop_map(|v| format!("\"project-status\": {{\"status\": {v}}}")),
        1 => value().prop_map(|v| format!("\"other\": {v}")),
    ];
    let space = prop::sample::select(vec!["", " ", "\n  ", "\t"]);
    (
        files,
        prop::collection::vec(member, 0..4),
        any::<u8>(),
        space,
    )
        .prop_map(|(files, mut members, order, space)| {
            let at = usize::from(order) % (members.len() + 1);
            members.insert(at, format!("\"files\":{space}{files}"));
            format!("{space}{{{}}}{space}", members.join(&format!(",{space}")))
        })
}

/// A change of one byte, to what matters in JSON.
fn mutation() -> impl Strategy<Value = (usize, u8, u8)> {
    let byte = prop::sample::select(b"\"\\{}[],:0-.eE nul\x01\t/u".to_vec());
    (any::<usize>(), byte, 0..3u8)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_documents_read_the_same(body in body()) {
        agree(body.as_bytes());
    }

    /// One byte inserted, replaced or removed: whatever the reader reads of the
    /// result, serde reads the same.
    #[test]
    fn mutated_documents_read_the_same(body in body(), (at, byte, how) in mutation()) {
        let mut bytes = body.into_bytes();
        let at = at % (bytes.len() + 1);
        match how {
            0 => bytes.insert(at, byte),
            1 if at < bytes.len() => bytes[at] = byte,
            _ if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => bytes.push(byte),
        }
        agree(&bytes);
    }
}
