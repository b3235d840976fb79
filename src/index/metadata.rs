//! A distribution's core metadata: what it requires (`Requires-Dist`), for the
//! completeness check and the resolver.
//!
//! Where it comes from, cheapest first:
//! 1. a wheel's metadata file, `<file-url>.metadata` (PEP 658/714). PyPI serves it
//!    for every wheel even where the page does not say so
//!    ([`DistFile::core_metadata`]), so it is asked for every wheel; a 404 falls
//!    through;
//! 2. the wheel's `*.dist-info/METADATA`, read with range requests (the zip's
//!    directory, then the entry: [`wheel_ranges`]), else out of the whole wheel,
//!    downloaded (bounded by `--max-document-size`) and checked against its sha256;
//! 3. for a release with no wheel, the sdist's `PKG-INFO`, which only counts when its
//!    `Metadata-Version` is 2.2 or later and `Requires-Dist` is not `Dynamic`
//!    (PEP 643): older sdists, and dynamic ones, only say what they need when built,
//!    so their dependencies are [`Metadata::Unknown`].
//!
//! Every document is fetched through [`fetch_document`], the one place a cache can
//! keep them. A metadata file is untrusted input like any index document: it only
//! ever names dependencies, whose hashes still come from the index.

use std::io::Read;
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::{ExtraName, Requirement};
use reqwest::Url;

use super::http::Fetched;
use super::wheel_ranges::{self, Ranges};
use super::{DistFile, IndexError, Indexes, shown_text, shown_url};
use crate::digest::{Algorithm, Digest};

/// What a distribution requires, as its metadata says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CoreMetadata {
    /// `Metadata-Version`, when given.
    pub(crate) metadata_version: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) version: Option<String>,
    /// Every `Requires-Dist` that parses as PEP 508.
    pub(crate) requires_dist: Vec<Requirement>,
    /// The name of each of `requires_dist` as the metadata spells it (`Werkzeug`),
    /// for messages.
    pub(crate) spelled: Vec<String>,
    /// `Requires-Dist` values that do not parse (reported, never guessed at).
    pub(crate) unreadable: Vec<String>,
    pub(crate) requires_python: Option<String>,
    pub(crate) provides_extra: Vec<ExtraName>,
    /// `Dynamic` fields (lowercased), from sdists' PKG-INFO (PEP 643).
    pub(crate) dynamic: Vec<String>,
}

/// The dependencies of a release, or why they are not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Metadata {
    Known(CoreMetadata),
    /// Only a build would tell (an sdist without static metadata), or no file of
    /// the release can be read: the reason, for a warning.
    Unknown(String),
}

impl CoreMetadata {
    /// Reads a `METADATA`/`PKG-INFO` document (RFC 822 headers; the body, the long
    /// description, is ignored). Lenient like pip: unknown fields are skipped.
    pub(crate) fn parse(text: &str) -> CoreMetadata {
        let mut metadata = CoreMetadata::default();
        for (field, value) in headers(text) {
            match field.to_ascii_lowercase().as_str() {
                "metadata-version" => metadata.metadata_version = Some(value),
                "name" => metadata.name = Some(value),
                "version" => metadata.version = Some(value),
                "requires-python" => metadata.requires_python = Some(value),
                "requires-dist" => match Requirement::from_str(&value) {
                    Ok(requirement) => {
                        let end = value
                            .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
                            .unwrap_or(value.len());
                        metadata.spelled.push(value[..end].to_owned());
                        metadata.requires_dist.push(requirement);
                    }
                    Err(_) => metadata.unreadable.push(value),
                },
                "provides-extra" => {
                    if let Ok(extra) = ExtraName::from_str(&value) {
                        metadata.provides_extra.push(extra);
                    }
                }
                "dynamic" => metadata.dynamic.push(value.to_ascii_lowercase()),
                _ => {}
            }
        }
        metadata
    }

    /// Whether an sdist's `PKG-INFO` states its dependencies for good (PEP 643):
    /// Metadata-Version 2.2 or later, and `Requires-Dist` not dynamic.
    pub(crate) fn static_requirements(&self) -> bool {
        let version_ok = self
            .metadata_version
            .as_deref()
            .and_then(|v| Version::from_str(v.trim()).ok())
            .is_some_and(|v| v >= Version::new([2, 2]));
        version_ok && !self.dynamic.iter().any(|field| field == "requires-dist")
    }
}

/// The header fields of an RFC 822 document, continuation lines joined, up to the
/// first empty line. A line of only spaces is a continuation line, as Python's
/// `email` parser (which pip and `packaging` use) reads it: a multi-line `License`
/// field has such lines, and the `Requires-Dist` fields come after it.
fn headers(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((field, value)) = line.split_once(':') {
            fields.push((field.trim().to_owned(), value.trim().to_owned()));
        }
    }
    fields
}

/// `<file-url>.metadata`: the PEP 658 metadata file of a wheel (the fragment, if
/// any, dropped).
pub(crate) fn metadata_url(file: &Url) -> Url {
    let mut url = file.clone();
    url.set_fragment(None);
    let path = format!("{}.metadata", url.path());
    url.set_path(&path);
    url
}

/// Fetches `url` through the index on its origin: `Ok(None)` on 404. Every
/// metadata document and fallback download goes through here, so that a cache of
/// index documents can keep them.
pub(crate) async fn fetch_document(
    indexes: &Indexes,
    url: &Url,
) -> Result<Option<Fetched>, IndexError> {
    indexes.get_file(url).await
}

/// The metadata of one release, read from `files` (the release's): the first
/// wheel of `preferred` order whose metadata can be had, else the sdist's static
/// `PKG-INFO`. `preferred`: indexes into `files` of the wheels to try, best first
/// (the caller ranks them for its targets); every other wheel is tried after them.
pub(crate) async fn of_release(
    indexes: &Indexes,
    files: &[DistFile],
    preferred: &[usize],
) -> Result<Metadata, IndexError> {
    let mut order: Vec<usize> = preferred.to_vec();
    for (index, file) in files.iter().enumerate() {
        if is_wheel(&file.filename) && !order.contains(&index) {
            order.push(index);
        }
    }
    let mut reasons = Vec::new();
    // One wheel's metadata is enough; a second is tried only when the first
    // cannot be read at all.
    for index in order.into_iter().take(2) {
        let file = &files[index];
        match of_wheel(indexes, file).await? {
            Ok(metadata) => return Ok(Metadata::Known(metadata)),
            Err(reason) => reasons.push(reason),
        }
    }
    let sdists = files.iter().filter(|f| is_sdist(&f.filename));
    for file in sdists.take(1) {
        match of_sdist(indexes, file).await? {
            Ok(metadata) if metadata.static_requirements() => {
                return Ok(Metadata::Known(metadata));
            }
            Ok(metadata) => {
                let why = match metadata.metadata_version.as_deref() {
                    Some(version) if metadata.dynamic.iter().any(|d| d == "requires-dist") => {
                        format!(
                            "its sdist `{}` (metadata {version}) declares `Requires-Dist` dynamic",
                            shown_text(&file.filename)
                        )
                    }
                    Some(version) => format!(
                        "its sdist `{}` has metadata version {version}, older than 2.2, which does not promise its `Requires-Dist`",
                        shown_text(&file.filename)
                    ),
                    None => format!(
                        "its sdist `{}` states no metadata version",
                        shown_text(&file.filename)
                    ),
                };
                reasons.push(why);
            }
            Err(reason) => reasons.push(reason),
        }
    }
    if reasons.is_empty() {
        reasons.push("it has no wheel or sdist to read metadata from".to_owned());
    }
    Ok(Metadata::Unknown(reasons.join("; ")))
}

/// A wheel's metadata: its PEP 658 file, else read out of the wheel. `Ok(Err)`
/// is a reason it cannot be had (404s, a broken archive); `Err` a network failure.
async fn of_wheel(
    indexes: &Indexes,
    file: &DistFile,
) -> Result<Result<CoreMetadata, String>, IndexError> {
    if let Some(known) = known_or_unreachable(indexes, file) {
        return Ok(known);
    }
    if let Some(fetched) = fetch_document(indexes, &metadata_url(&file.url)).await? {
        return Ok(Ok(kept(
            indexes,
            file,
            &String::from_utf8_lossy(&fetched.body),
        )));
    }
    let body = match wheel_ranges::metadata(indexes, &file.url).await? {
        Ranges::Metadata(text) => return Ok(Ok(kept(indexes, file, &text))),
        Ranges::Missing => {
            return Ok(Err(format!(
                "neither `{}` nor its metadata file could be downloaded (404)",
                shown_url(&file.url)
            )));
        }
        Ranges::Whole(body) if published_digest(file, &body) => body,
        Ranges::Whole(_) => match download(indexes, file).await? {
            Ok(body) => body,
            Err(reason) => return Ok(Err(format!("no metadata file, and {reason}"))),
        },
        Ranges::Unreadable(why) => match download(indexes, file).await? {
            Ok(body) => body,
            Err(reason) => {
                return Ok(Err(format!(
                    "no metadata file, its zip directory cannot be read by ranges ({why}), and {reason}"
                )));
            }
        },
    };
    Ok(read_wheel(&body, &file.filename).map(|text| kept(indexes, file, &text)))
}

/// What `file`'s metadata is without asking: the cache's copy, or the reason it
/// cannot be asked (a file not on an index); `None`: ask.
fn known_or_unreachable(
    indexes: &Indexes,
    file: &DistFile,
) -> Option<Result<CoreMetadata, String>> {
    if let Some(metadata) = cached(indexes, file) {
        return Some(Ok(metadata));
    }
    if !matches!(file.url.scheme(), "http" | "https") {
        return Some(Err(format!(
            "`{}` is not on an index",
            shown_text(&file.filename)
        )));
    }
    None
}

/// The metadata of `file` as the cache keeps it: read once, it cannot change.
fn cached(indexes: &Indexes, file: &DistFile) -> Option<CoreMetadata> {
    let text = indexes.cache()?.read_metadata(file.sha256.as_ref()?)?;
    Some(CoreMetadata::parse(&text))
}

/// `text`, the metadata of `file`, parsed, and kept in the cache by the file's
/// published sha256 (a file the index publishes none for is not kept: nothing
/// names its bytes).
fn kept(indexes: &Indexes, file: &DistFile, text: &str) -> CoreMetadata {
    if let (Some(cache), Some(digest)) = (indexes.cache(), file.sha256.as_ref()) {
        cache.write_metadata(digest, text);
    }
    CoreMetadata::parse(text)
}

/// An sdist's `PKG-INFO`.
async fn of_sdist(
    indexes: &Indexes,
    file: &DistFile,
) -> Result<Result<CoreMetadata, String>, IndexError> {
    if let Some(known) = known_or_unreachable(indexes, file) {
        return Ok(known);
    }
    let body = match download(indexes, file).await? {
        Ok(body) => body,
        Err(reason) => return Ok(Err(reason)),
    };
    Ok(read_sdist(&body, &file.filename).map(|text| kept(indexes, file, &text)))
}

/// The body of `file`, checked against its published sha256 (a file that is not
/// the one the index lists says nothing about the release: its metadata is then
/// unknown, and `verify --download` is the check that reports the file).
async fn download(
    indexes: &Indexes,
    file: &DistFile,
) -> Result<Result<Vec<u8>, String>, IndexError> {
    let fetched = match fetch_document(indexes, &file.url).await {
        Ok(Some(fetched)) => fetched,
        Ok(None) => {
            return Ok(Err(format!(
                "`{}` could not be downloaded (404)",
                shown_url(&file.url)
            )));
        }
        // A distribution larger than documents may be (a GPU wheel): its metadata
        // is unknown, not a failed run.
        Err(IndexError::TooLarge { .. }) => {
            return Ok(Err(format!(
                "`{}` is larger than `--max-document-size`",
                shown_url(&file.url)
            )));
        }
        Err(error) => return Err(error),
    };
    if !published_digest(file, &fetched.body) {
        return Ok(Err(format!(
            "`{}` does not have the sha256 the index publishes",
            shown_url(&file.url)
        )));
    }
    Ok(Ok(fetched.body))
}

/// Whether `body` has the sha256 the index publishes for `file` (or it publishes
/// none).
fn published_digest(file: &DistFile, body: &[u8]) -> bool {
    file.sha256
        .is_none_or(|published| Digest::of(Algorithm::Sha256, body).sha256() == Some(published))
}

/// The largest metadata document read out of an archive.
const MAX_METADATA_BYTES: u64 = 16 * 1024 * 1024;
/// How much of an sdist's tar is inflated, at most, looking for `PKG-INFO`.
const MAX_SDIST_SCAN_BYTES: u64 = 512 * 1024 * 1024;

/// `<name>-<version>.dist-info/METADATA` out of a wheel's bytes.
pub(crate) fn read_wheel(body: &[u8], filename: &str) -> Result<String, String> {
    let broken = |error: &dyn std::fmt::Display| {
        format!(
            "`{}` is not a readable wheel: {}",
            shown_text(filename),
            shown_text(&error.to_string())
        )
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(body)).map_err(|e| broken(&e))?;
    let name = archive.file_names().flatten().find_map(|entry| {
        let mut parts = entry.split('/');
        let (Some(dir), Some("METADATA"), None) = (parts.next(), parts.next(), parts.next()) else {
            return None;
        };
        dir.ends_with(".dist-info").then(|| entry.into_owned())
    });
    let Some(name) = name else {
        return Err(format!(
            "`{}` has no `.dist-info/METADATA`",
            shown_text(filename)
        ));
    };
    let entry = archive.by_name(&name).map_err(|e| broken(&e))?;
    read_text(entry).map_err(|e| broken(&e))
}

/// `<dir>/PKG-INFO` out of an sdist (`.tar.gz` or `.zip`).
pub(crate) fn read_sdist(body: &[u8], filename: &str) -> Result<String, String> {
    let broken = |error: &dyn std::fmt::Display| {
        format!(
            "`{}` is not a readable sdist: {}",
            shown_text(filename),
            shown_text(&error.to_string())
        )
    };
    let top_level_pkg_info = |path: &str| {
        let mut parts = path.trim_start_matches("./").split('/');
        matches!(
            (parts.next(), parts.next(), parts.next()),
            (Some(_), Some("PKG-INFO"), None)
        )
    };
    let lower = filename.to_ascii_lowercase();
    if lower.ends_with(".zip") {
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(body)).map_err(|e| broken(&e))?;
        let name = archive
            .file_names()
            .flatten()
            .find(|name| top_level_pkg_info(name))
            .map(|name| name.into_owned());
        let Some(name) = name else {
            return Err(format!("`{}` has no `PKG-INFO`", shown_text(filename)));
        };
        let entry = archive.by_name(&name).map_err(|e| broken(&e))?;
        return read_text(entry).map_err(|e| broken(&e));
    }
    if !lower.ends_with(".tar.gz") && !lower.ends_with(".tgz") {
        return Err(format!(
            "`{}` is an archive hashlock does not read",
            shown_text(filename)
        ));
    }
    // A gzip bomb is read no further than this: PKG-INFO comes early in an sdist.
    let inflated = flate2::read::GzDecoder::new(body).take(MAX_SDIST_SCAN_BYTES);
    let mut archive = tar::Archive::new(inflated);
    for entry in archive.entries().map_err(|e| broken(&e))? {
        let entry = entry.map_err(|e| broken(&e))?;
        let path = entry.path().map_err(|e| broken(&e))?;
        if top_level_pkg_info(&path.to_string_lossy()) {
            return read_text(entry).map_err(|e| broken(&e));
        }
    }
    Err(format!("`{}` has no `PKG-INFO`", shown_text(filename)))
}

/// At most [`MAX_METADATA_BYTES`] of `reader`, as text.
fn read_text(reader: impl Read) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    reader.take(MAX_METADATA_BYTES).read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

pub(crate) fn is_wheel(filename: &str) -> bool {
    filename.to_ascii_lowercase().ends_with(".whl")
}

pub(crate) fn is_sdist(filename: &str) -> bool {
    let lower = filename.to_ascii_lowercase();
    [".tar.gz", ".zip", ".tgz", ".tar.bz2", ".tar.xz", ".tar"]
        .iter()
        .any(|ext| lower.ends_with(ext))
        && !is_wheel(filename)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// jupyter_server 2.21.1's METADATA: a `License` field whose continuation lines
    /// include lines of spaces only, before every `Requires-Dist`. Ending the headers
    /// there hid all its dependencies, and `verify` passed a file pip refused.
    #[test]
    fn a_continuation_line_of_spaces_does_not_end_the_headers() {
        let text = "Metadata-Version: 2.5\nName: jupyter_server\nVersion: 2.21.1\n\
License: BSD 3-Clause License\n        \n        - Copyright (c) 2001-2015\n        \n\
Requires-Dist: anyio>=3.1.0\nRequires-Dist: websocket-client>=1.7\n\
Description-Content-Type: text/markdown\n\n# Jupyter Server\n\nRequires-Dist: not-a-header\n";
        let metadata = CoreMetadata::parse(text);
        assert_eq!(metadata.spelled, ["anyio", "websocket-client"]);
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(
            CoreMetadata::parse(&crlf).spelled,
            ["anyio", "websocket-client"]
        );
    }

    const FLASK: &str = "Metadata-Version: 2.1\nName: Flask\nVersion: 3.0.3\n\
Requires-Python: >=3.8\nRequires-Dist: Werkzeug>=3.0.0\nRequires-Dist: Jinja2>=3.1.2\n\
Requires-Dist: importlib-metadata>=3.6.0; python_version < '3.10'\n\
Requires-Dist: asgiref>=3.2 ; extra == \"async\"\nProvides-Extra: async\n\
Requires-Dist: not a requirement !!\n\nRequires-Dist: in-the-body\n";

    #[test]
    fn metadata_reads_requires_dist_up_to_the_body() {
        let metadata = CoreMetadata::parse(FLASK);
        let names: Vec<String> = metadata
            .requires_dist
            .iter()
            .map(|r| r.name.to_string())
            .collect();
        assert_eq!(
            names,
            ["werkzeug", "jinja2", "importlib-metadata", "asgiref"]
        );
        assert_eq!(metadata.unreadable, ["not a requirement !!"]);
        assert_eq!(metadata.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(metadata.provides_extra.len(), 1);
    }

    #[test]
    fn sdist_metadata_is_static_from_2_2_unless_dynamic() {
        let read = |text: &str| CoreMetadata::parse(text).static_requirements();
        assert!(read("Metadata-Version: 2.2\nName: a\n"));
        assert!(read("Metadata-Version: 2.4\nDynamic: Summary\n"));
        assert!(!read("Metadata-Version: 2.1\nName: a\n"));
        assert!(!read("Metadata-Version: 2.3\nDynamic: Requires-Dist\n"));
        assert!(!read("Name: a\n"));
    }

    #[test]
    fn metadata_urls_append_to_the_path() {
        let url = Url::parse("https://files.example/p/a-1.0-py3-none-any.whl#sha256=00").unwrap();
        assert_eq!(
            metadata_url(&url).as_str(),
            "https://files.example/p/a-1.0-py3-none-any.whl.metadata"
        );
    }

    #[test]
    fn archives_that_are_not_archives_are_reasons_not_panics() {
        for name in [
            "a-1.0-py3-none-any.whl",
            "a-1.0.tar.gz",
            "a-1.0.zip",
            "a-1.0.tar.bz2",
        ] {
            let reason = if is_wheel(name) {
                read_wheel(b"not a zip", name)
            } else {
                read_sdist(b"not an archive", name)
            };
            assert!(reason.is_err(), "{name}");
        }
    }

    #[test]
    fn continuation_lines_join() {
        let metadata =
            CoreMetadata::parse("Name: a\nRequires-Dist: b\n  >=1.0\nRequires-Dist: c\n");
        let texts: Vec<String> = metadata
            .requires_dist
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(texts, ["b>=1.0", "c"]);
    }
}
