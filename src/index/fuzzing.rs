//! The index documents as the fuzz targets drive them: parse an untrusted body with
//! each protocol's reader, then look a few pins up in it, as [`super::IndexClient`]
//! would, and summarise every file that came out.

use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::PackageName;
use reqwest::Url;

use super::http::Fetched;
use super::json_api::{ProjectDocument, VersionDocument};
use super::simple_api::{self, Lookup, SimpleDocument};
use super::{DistFile, versions};
use crate::pin::Pin;

/// A file of a release as it left a reader: what the fuzz target checks.
#[derive(Debug, Clone)]
pub struct FileSummary {
    pub filename: String,
    /// The resolved URL, as text.
    pub url: String,
    /// The sha256, as hashlock writes it (hex), when published.
    pub sha256: Option<String>,
}

/// Versions that every document is asked for, besides the ones it names itself.
const FIXED_PINS: &[&str] = &["1.0", "1.0.0", "0", "2.0.post1", "1!1.0", "1.0rc1"];

/// How many of a document's own versions are also asked for.
const OWN_PINS: usize = 4;

/// Reads `body` as a JSON API version document, a JSON API project document and a
/// Simple API document of `project` (each may fail), served at `base_url`, and looks
/// up a few pins in each. Returns every file any lookup gave.
pub(crate) fn documents(body: &[u8], base_url: &str, project: &str) -> Vec<FileSummary> {
    let Ok(url) = Url::parse(base_url) else {
        return Vec::new();
    };
    let name = PackageName::from_str(project)
        .unwrap_or_else(|_| PackageName::from_str("demo").expect("a valid name"));
    let fetched = Fetched {
        url,
        content_type: Some(simple_api::CONTENT_TYPE.to_owned()),
        body: body.to_vec(),
    };
    let _ = simple_api::is_simple_json(&fetched);
    simple_api::check_readers_agree(&fetched, name.as_ref());
    let mut out = Vec::new();

    if let Ok(document) = VersionDocument::parse(&fetched) {
        if let Some(version) = &document.version {
            for pin in pins(&name, std::iter::once(version.as_str())) {
                let _ = versions::matches(&pin, version);
            }
        }
        out.extend(document.files.iter().map(summary));
    }

    if let Ok(document) = ProjectDocument::parse(&fetched) {
        let keys: Vec<&str> = document.releases.keys().map(String::as_str).collect();
        for pin in pins(&name, keys.iter().copied()) {
            let _ = document.releases.contains_key(&pin.version_text());
            match versions::select(&pin, keys.iter().copied()) {
                Some(key) => {
                    if let Ok(files) = document.files(key) {
                        out.extend(files.iter().map(summary));
                    }
                }
                None => {
                    let candidates = document.releases.iter().map(|(key, files)| {
                        (key.as_str(), files.iter().any(|file| !file.is_yanked()))
                    });
                    let _ = versions::nearest(&pin.version, candidates, 5);
                }
            }
        }
        if let Ok(all) = document.all_files() {
            out.extend(all.iter().flat_map(|(_, files)| files).map(summary));
        }
    }

    if let Ok(document) = SimpleDocument::parse(fetched, &name) {
        for (version, _) in document.candidates() {
            simple_api::check_groups_agree(&document, version);
        }
        let candidates = document.candidates();
        let own: Vec<&str> = candidates.iter().map(|(version, _)| *version).collect();
        for pin in pins(&name, own.iter().copied()) {
            let _ = document.has_version(&pin.version_text());
            match document.release(&pin) {
                Ok(Lookup::Found(_, files)) => out.extend(files.iter().map(summary)),
                Ok(Lookup::Missing) => {
                    let _ = versions::nearest(&pin.version, candidates.iter().copied(), 5);
                }
                Ok(Lookup::NotKept) => panic!("a document read whole did not keep a file"),
                Ok(Lookup::Uncertain) | Err(_) => {}
            }
        }
    }
    out
}

/// The fixed pins, then `==` and `===` pins of the first few of `own`.
fn pins<'a>(name: &PackageName, own: impl Iterator<Item = &'a str>) -> Vec<Pin> {
    let exact = |text: &str| {
        Version::from_str(text).ok().map(|version| Pin {
            name: name.clone(),
            version,
            arbitrary: None,
        })
    };
    let mut pins: Vec<Pin> = FIXED_PINS.iter().filter_map(|text| exact(text)).collect();
    for text in own.take(OWN_PINS) {
        if let Some(pin) = exact(text) {
            pins.push(Pin {
                arbitrary: Some(text.to_owned()),
                ..pin.clone()
            });
            pins.push(pin);
        }
    }
    pins
}

fn summary(file: &DistFile) -> FileSummary {
    FileSummary {
        filename: file.filename.clone(),
        url: file.url.to_string(),
        sha256: file.sha256.map(|digest| digest.to_string()),
    }
}
