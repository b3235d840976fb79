//! A streamed document keeps what the run's lookups read and answers them as the
//! document read whole does; what it did not keep, it says so.

use std::fmt::Write as _;

use pep508_rs::PackageName;
use reqwest::Url;
use serde_json::{Value, json};

use super::{Keep, Stream};
use crate::index::http::Fetched;
use crate::index::simple_api::{CONTENT_TYPE, Lookup, SimpleDocument};
use crate::pin::Pin;

/// The recorded JSON API project documents (`fixtures/pypi`), each as the Simple
/// API lists it (every file of every release, and PEP 700's `versions`).
fn listings() -> Vec<(PackageName, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pypi");
    let mut listings = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let project: Value = serde_json::from_slice(&bytes).unwrap();
        let name: PackageName = project["info"]["name"].as_str().unwrap().parse().unwrap();
        let releases = project["releases"].as_object().unwrap();
        let files: Vec<Value> = releases
            .values()
            .flat_map(|files| files.as_array().unwrap())
            .map(|file| {
                json!({
                    "filename": file["filename"],
                    "url": file["url"],
                    "hashes": {"sha256": file["digests"]["sha256"]},
                    "requires-python": file["requires_python"],
                    "yanked": file["yanked"],
                })
            })
            .collect();
        let versions: Vec<&String> = releases.keys().collect();
        let page = json!({"meta": {"api-version": "1.1"}, "name": name.to_string(),
            "files": files, "versions": versions});
        listings.push((name, serde_json::to_string_pretty(&page).unwrap()));
    }
    assert!(listings.len() > 10);
    listings
}

fn url(name: &PackageName) -> Url {
    Url::parse(&format!("https://pypi.test/simple/{name}/")).unwrap()
}

/// `body` streamed in chunks of `size` bytes, keeping what `keep` says.
fn streamed(name: &PackageName, body: &str, keep: Keep, size: usize) -> SimpleDocument {
    let mut stream = Stream::new(name.as_ref(), keep, Some(body.len() as u64));
    for chunk in body.as_bytes().chunks(size) {
        stream.feed(chunk);
    }
    let streamed = stream.finish().expect("streamed");
    SimpleDocument::streamed(url(name), streamed, name).unwrap()
}

fn whole(name: &PackageName, body: &str) -> SimpleDocument {
    let fetched = Fetched {
        url: url(name),
        content_type: Some(CONTENT_TYPE.to_owned()),
        body: body.as_bytes().to_vec(),
    };
    SimpleDocument::parse(fetched, name).unwrap()
}

fn pin(name: &PackageName, version: &str) -> Pin {
    Pin {
        name: name.clone(),
        version: version.parse().unwrap(),
        arbitrary: None,
    }
}

fn shown(lookup: &Lookup) -> String {
    match lookup {
        Lookup::Found(version, files) => {
            let mut text = format!("{version}:");
            for file in files {
                let _ = write!(text, " {} {:?} {}", file.filename, file.sha256, file.url);
            }
            text
        }
        other => format!("{other:?}"),
    }
}

/// Every version of every recorded project (up to about 25 each), streamed keeping
/// that version's files alone, in chunks of many sizes: its lookup answers as the
/// whole document's, and a lookup of another version answers the same or says it
/// was not kept.
#[test]
fn a_document_kept_for_a_release_answers_its_lookup_as_the_whole_one() {
    let mut looked = 0;
    let mut not_kept = 0;
    for (name, body) in listings() {
        let whole = whole(&name, &body);
        let candidates = whole.candidates();
        let versions: Vec<&str> = candidates.iter().map(|(version, _)| *version).collect();
        let step = versions.len().div_ceil(25).max(1);
        for (at, version) in versions.iter().enumerate().step_by(step) {
            let asked = pin(&name, version);
            let keep = Keep::Releases(vec![asked.version.release().to_vec()]);
            let size = 1 + (at * 997) % 9000;
            let lean = streamed(&name, &body, keep, size);
            assert_eq!(lean.candidates(), candidates, "{name}");
            let expected = shown(&whole.release(&asked).unwrap());
            let answered = shown(&lean.release(&asked).unwrap());
            assert_eq!(answered, expected, "{name} {version}");
            looked += 1;
            let other = pin(&name, versions[(at + versions.len() / 2) % versions.len()]);
            match lean.release(&other).unwrap() {
                Lookup::NotKept => not_kept += 1,
                lookup => assert_eq!(shown(&lookup), shown(&whole.release(&other).unwrap())),
            }
        }
    }
    assert!(
        looked > 60 && not_kept > 40,
        "{looked} looked up, {not_kept} not kept"
    );
}

/// Kept whole, a streamed document is the document read whole.
#[test]
fn a_document_streamed_whole_is_the_document_read_whole() {
    for (name, body) in listings() {
        let whole = whole(&name, &body);
        let streamed = streamed(&name, &body, Keep::All, 4096);
        assert!(streamed.is_whole());
        let all = |document: &SimpleDocument| format!("{:?}", document.all_releases().unwrap());
        assert_eq!(all(&streamed), all(&whole), "{name}");
    }
}

/// A value spread over many chunks is read again only as the window doubles: a
/// value of 600 kB fed 100 bytes at a time is not read 6,000 times over.
#[test]
fn a_value_over_many_chunks_is_read_a_bounded_number_of_times() {
    let versions: Vec<String> = (0..60_000).map(|n| format!("1.{n}")).collect();
    let body = json!({"files": [], "versions": versions}).to_string();
    assert!(body.len() > 500_000);
    let mut stream = Stream::new("demo", Keep::All, None);
    for chunk in body.as_bytes().chunks(100) {
        stream.feed(chunk);
    }
    let reads = stream.reads;
    let streamed = stream.finish().unwrap();
    assert_eq!(streamed.parts.versions.map(|v| v.len()), Some(60_000));
    assert!(reads < 40, "{reads} reads");
}

/// A character split between two chunks is read; a byte that is not UTF-8, or a
/// document cut short, is not (the document is then read whole).
#[test]
fn utf8_split_between_chunks_is_read_and_broken_utf8_is_not() {
    let body = r#"{"files": [{"filename": "démo-1.0.tar.gz", "url": "/d"}], "name": "dé"}"#;
    let at = body.find('é').unwrap() + 1;
    let mut stream = Stream::new("demo", Keep::All, None);
    stream.feed(&body.as_bytes()[..at]);
    stream.feed(&body.as_bytes()[at..]);
    assert_eq!(stream.finish().unwrap().parts.name.as_deref(), Some("dé"));
    for broken in [&body.as_bytes()[..at], b"{\"files\": [], \"x\": \"\xff\"}"] {
        let mut stream = Stream::new("demo", Keep::All, None);
        stream.feed(broken);
        assert!(stream.finish().is_none());
    }
}
