//! The Simple API's JSON form (PEP 691, with PEP 700's `versions`): its wire types,
//! reduced to what hashlock reads, and how its files group into releases.
//!
//! `GET /simple/<name>/` with `Accept: application/vnd.pypi.simple.v1+json` lists
//! every file of the project: `{"meta": {"api-version": "1.x"}, "name", "files":
//! [{"filename", "url", "hashes": {"sha256"}, "requires-python"?, "yanked"?}],
//! "versions"?}`. It is what pip and uv read, and about half the bytes of the JSON
//! API's project document, which repeats a long `info` and more per file.
//!
//! Files do not say which release they belong to: their names say a version (see
//! [`filename`]), and a release is the files whose names say its version. But the
//! JSON API groups files by the release they were uploaded to, and PyPI holds files
//! whose names say no version (`.rpm`s, installers named by hand) or another one
//! than their release's (`aiohttp-2.0.6-1.tar.gz` in 2.0.6, `numpy-1.0.1.dev3460
//! .win32-py2.4.exe` in 1.0): orphans, when PEP 700's `versions` lacks the version
//! their name says. hashlock must write the same hashes whichever API it reads, so a
//! release that may hold an orphan is looked up in the JSON API instead. "May": the
//! orphan's name, past the project name, starts with release numbers that agree with
//! the release's as far as both go (`1.0.1` may be in `1.0`, not in `1.26.4`), or
//! says nothing readable.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::OnceLock;

use pep440_rs::Version;
use pep508_rs::PackageName;
use reqwest::Url;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::http::Fetched;
use super::{
    DistFile, IndexError, ProjectStatus, Published, Yanked, decode_json_at, shown_text, shown_url,
    simple_html, versions,
};
use crate::dist_filename::{self as filename, Kind, Lead};
use crate::pin::Pin;

mod scan;

pub(super) use scan::stream::{Keep, Stream, Streamed};

/// The media type of PEP 691's JSON, version 1: what hashlock asks for, and the only
/// answer it reads as a Simple API document.
pub(super) const CONTENT_TYPE: &str = "application/vnd.pypi.simple.v1+json";

/// Whether `fetched` is labelled as PEP 691 JSON (an index without it may answer the
/// same URL with its HTML page).
pub(super) fn is_simple_json(fetched: &Fetched) -> bool {
    is_simple_json_type(fetched.content_type.as_deref())
}

/// Whether a `Content-Type` of `value` is PEP 691 JSON.
pub(super) fn is_simple_json_type(value: Option<&str>) -> bool {
    let essence = |value: &str| {
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let label = value.map(essence);
    label.is_some_and(|label| label.eq_ignore_ascii_case(CONTENT_TYPE))
}

/// `{"sha256": "...", "md5": "..."}`, reduced to what is used: the sha256, and the
/// name of another algorithm (the first by name) to say so when there is no sha256.
/// A value that is not a string is no hash. Read without building a map per file: a
/// listing has tens of thousands of them.
#[derive(Debug, Default)]
struct Hashes {
    sha256: Option<String>,
    other: Option<String>,
}

impl<'de> Deserialize<'de> for Hashes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;

        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Hashes;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of algorithm to hex digest")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Hashes, A::Error> {
                let mut hashes = Hashes::default();
                while let Some(algorithm) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let Text(value) = map.next_value()?;
                    match value {
                        Some(hex) if algorithm == "sha256" => hashes.sha256 = Some(hex),
                        Some(_) if hashes.other.as_deref().is_none_or(|o| *algorithm < *o) => {
                            hashes.other = Some(algorithm.into_owned());
                        }
                        _ => {}
                    }
                }
                Ok(hashes)
            }
        }

        deserializer.deserialize_map(Visit)
    }
}

/// A JSON value that is a string, or anything else (`None`), skipped without
/// building it.
struct Text(Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;

        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Text;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any value")
            }

            fn visit_str<E>(self, text: &str) -> Result<Text, E> {
                Ok(Text(Some(text.to_owned())))
            }

            fn visit_bool<E>(self, _: bool) -> Result<Text, E> {
                Ok(Text(None))
            }

            fn visit_i64<E>(self, _: i64) -> Result<Text, E> {
                Ok(Text(None))
            }

            fn visit_u64<E>(self, _: u64) -> Result<Text, E> {
                Ok(Text(None))
            }

            fn visit_f64<E>(self, _: f64) -> Result<Text, E> {
                Ok(Text(None))
            }

            fn visit_unit<E>(self) -> Result<Text, E> {
                Ok(Text(None))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Text(None))
            }
        }

        deserializer.deserialize_any(Visit)
    }
}

/// PEP 714's `core-metadata`: whether the index serves the file's metadata (`true`,
/// or the metadata's hashes), read without building the hashes.
#[derive(Debug, Default, Clone, Copy)]
struct CoreMetadata(bool);

impl<'de> Deserialize<'de> for CoreMetadata {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let served = match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Bool(served) => served,
            serde_json::Value::Null => false,
            _ => true,
        };
        Ok(CoreMetadata(served))
    }
}

/// One file entry as the index sends it, read lazily: for every file only its name
/// and yanked status (what grouping files into releases needs), for the rest only
/// where in the body each value is. A listing has tens of thousands of entries and
/// a lookup wants a handful: those alone are decoded (and checked), when asked for.
#[derive(Deserialize)]
struct RawEntry<'a> {
    #[serde(borrow)]
    filename: Cow<'a, str>,
    #[serde(borrow)]
    url: &'a RawValue,
    #[serde(default, borrow)]
    hashes: Option<&'a RawValue>,
    #[serde(default, borrow, rename = "requires-python")]
    requires_python: Option<&'a RawValue>,
    #[serde(default)]
    yanked: Option<Yanked>,
    #[serde(default, borrow)]
    size: Option<&'a RawValue>,
    #[serde(default, borrow, rename = "upload-time")]
    upload_time: Option<&'a RawValue>,
    /// PEP 714's `core-metadata` (PEP 658's `dist-info-metadata` before it): `true`,
    /// `false`, or the hashes of the metadata file.
    #[serde(
        default,
        borrow,
        rename = "core-metadata",
        alias = "dist-info-metadata"
    )]
    core_metadata: Option<&'a RawValue>,
    /// PEP 740: the URL of the file's provenance.
    #[serde(default, borrow)]
    provenance: Option<&'a RawValue>,
}

/// Where a value is in the document's body.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// The place of bytes `start..end` (`None`: past what `u32` counts).
    fn at(start: usize, end: usize) -> Option<Span> {
        Some(Span {
            start: u32::try_from(start).ok()?,
            end: u32::try_from(end).ok()?,
        })
    }

    /// The place of `text`, a part of `body` (`None`: it is not, or the body is
    /// too large to count in `u32`).
    fn of(text: &str, body: &[u8]) -> Option<Span> {
        let start = text.as_ptr().addr().checked_sub(body.as_ptr().addr())?;
        let end = start.checked_add(text.len())?;
        (end <= body.len()).then(|| Span::at(start, end)).flatten()
    }

    fn in_body(self, body: &[u8]) -> &[u8] {
        body.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// A document's body: its text when it is UTF-8 (checked once, as it is read),
/// else its bytes.
#[derive(Debug)]
enum Body {
    Text(String),
    Bytes(Vec<u8>),
}

impl Body {
    fn of(bytes: Vec<u8>) -> Body {
        match String::from_utf8(bytes) {
            Ok(text) => Body::Text(text),
            Err(error) => Body::Bytes(error.into_bytes()),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Body::Text(text) => text.as_bytes(),
            Body::Bytes(bytes) => bytes,
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Body::Text(text) => Some(text),
            Body::Bytes(_) => None,
        }
    }

    /// The text at `span`: sliced from the text, or checked as UTF-8 where the
    /// body is not.
    fn str_at(&self, span: Span) -> &str {
        let range = span.start as usize..span.end as usize;
        let text = match self {
            Body::Text(text) => text.get(range),
            Body::Bytes(bytes) => bytes.get(range).and_then(|b| std::str::from_utf8(b).ok()),
        };
        text.unwrap_or_default()
    }
}

/// A file name: where it is in the body, or (escaped in the JSON, or from an HTML
/// page) its text.
#[derive(Debug)]
enum Name {
    At(Span),
    Text(String),
}

/// Where the values of a PEP 691 file entry are in the body.
#[derive(Debug, Clone, Copy)]
struct JsonSpans {
    url: Span,
    hashes: Option<Span>,
    requires_python: Option<Span>,
    size: Option<Span>,
    upload_time: Option<Span>,
    core_metadata: Option<Span>,
    provenance: Option<Span>,
}

impl JsonSpans {
    /// The spans, each moved by `shift` (`None`: one cannot be).
    fn moved(self, shift: impl Fn(Span) -> Option<Span>) -> Option<JsonSpans> {
        let optional = |span: Option<Span>| match span {
            Some(span) => shift(span).map(Some),
            None => Some(None),
        };
        Some(JsonSpans {
            url: shift(self.url)?,
            hashes: optional(self.hashes)?,
            requires_python: optional(self.requires_python)?,
            size: optional(self.size)?,
            upload_time: optional(self.upload_time)?,
            core_metadata: optional(self.core_metadata)?,
            provenance: optional(self.provenance)?,
        })
    }
}

/// A file of the document.
#[derive(Debug)]
struct Entry {
    filename: Name,
    yanked: Option<Yanked>,
    rest: Rest,
}

/// What a file entry says besides its name and yanked status.
#[derive(Debug)]
enum Rest {
    /// PEP 691 JSON: where each value is in the body, decoded when asked for. Boxed:
    /// a listing streamed for a few releases holds this for their files alone, and
    /// an entry of every file (64 bytes, not 136).
    Json(Box<JsonSpans>),
    /// A link of a PEP 503 HTML page, read whole (its `filename` and `yanked` are
    /// the entry's).
    Link(Box<simple_html::Link>),
    /// Not kept: a streamed document keeps only the values of files that may
    /// concern the releases the run asked for ([`scan::stream::Keep`]).
    Dropped,
}

impl Entry {
    /// The entry of `raw`, whose values are parts of `body`.
    fn of_json(raw: RawEntry<'_>, body: &[u8]) -> Option<Entry> {
        let filename = match raw.filename {
            Cow::Borrowed(text) => Name::At(Span::of(text, body)?),
            Cow::Owned(text) => Name::Text(text),
        };
        // Absent: `Some(None)`; present but not a part of the body: `None`.
        let span = |value: Option<&RawValue>| match value {
            None => Some(None),
            Some(raw) => Span::of(raw.get(), body).map(Some),
        };
        Some(Entry {
            filename,
            yanked: raw.yanked,
            rest: Rest::Json(Box::new(JsonSpans {
                url: Span::of(raw.url.get(), body)?,
                hashes: span(raw.hashes)?,
                requires_python: span(raw.requires_python)?,
                size: span(raw.size)?,
                upload_time: span(raw.upload_time)?,
                core_metadata: span(raw.core_metadata)?,
                provenance: span(raw.provenance)?,
            })),
        })
    }

    /// The entry whose text started at `from` in the body, moved to `to` in another
    /// (`None`: past what a [`Span`] counts).
    fn moved(self, from: usize, to: usize) -> Option<Entry> {
        let shift = |span: Span| {
            let start = (span.start as usize).checked_sub(from)?.checked_add(to)?;
            let end = (span.end as usize).checked_sub(from)?.checked_add(to)?;
            Span::at(start, end)
        };
        let filename = match self.filename {
            Name::At(span) => Name::At(shift(span)?),
            name @ Name::Text(_) => name,
        };
        let rest = match self.rest {
            Rest::Json(mut spans) => {
                *spans = spans.moved(shift)?;
                Rest::Json(spans)
            }
            rest => rest,
        };
        Some(Entry {
            filename,
            yanked: self.yanked,
            rest,
        })
    }

    fn is_dropped(&self) -> bool {
        matches!(self.rest, Rest::Dropped)
    }

    /// An entry of an HTML page (PEP 503): its hash is the link's fragment.
    fn from_link(mut link: simple_html::Link) -> Entry {
        link.url.set_fragment(None);
        Entry {
            filename: Name::Text(std::mem::take(&mut link.filename)),
            yanked: link.yanked.take().map(Yanked::Reason),
            rest: Rest::Link(Box::new(link)),
        }
    }

    /// The file's name: in a text body, not checked as UTF-8 again (checking each
    /// name was a fifth of grouping a listing's files).
    fn filename<'b>(&'b self, body: &'b Body) -> &'b str {
        match &self.filename {
            Name::At(span) => body.str_at(*span),
            Name::Text(text) => text,
        }
    }

    fn is_yanked(&self) -> bool {
        self.yanked.as_ref().is_some_and(Yanked::is_yanked)
    }

    /// The file, its values decoded and checked.
    fn to_dist_file(&self, body: &Body, document: &Url) -> Result<DistFile, IndexError> {
        let filename = self.filename(body);
        let yanked = self.yanked.as_ref().and_then(Yanked::reason);
        let link = match &self.rest {
            Rest::Link(link) => link,
            // Never asked for: lookups that need it read the document whole.
            Rest::Dropped => {
                return Err(IndexError::Decode {
                    url: shown_url(document),
                    message: format!("the file `{}` was not kept", shown_text(filename)),
                });
            }
            Rest::Json(spans) => {
                let value = Values {
                    body: body.bytes(),
                    filename,
                    document,
                };
                let url: Cow<'_, str> = value.required(spans.url, "url")?;
                let hashes: Option<Hashes> = value.optional(spans.hashes, "hashes")?;
                let requires_python: Option<Cow<'_, str>> =
                    value.optional(spans.requires_python, "requires-python")?;
                let upload_time: Option<Cow<'_, str>> =
                    value.optional(spans.upload_time, "upload-time")?;
                let core_metadata: Option<CoreMetadata> =
                    value.optional(spans.core_metadata, "core-metadata")?;
                let provenance: Option<Cow<'_, str>> =
                    value.optional(spans.provenance, "provenance")?;
                let published = Published {
                    filename,
                    url: &url,
                    sha256: hashes.as_ref().and_then(|h| h.sha256.as_deref()),
                    other_hash: hashes.as_ref().and_then(|h| h.other.as_deref()),
                    yanked,
                    requires_python: requires_python.as_deref(),
                    size: value.optional(spans.size, "size")?,
                    upload_time: upload_time.as_deref(),
                    core_metadata: core_metadata.is_some_and(|served| served.0),
                    provenance: provenance.as_deref(),
                };
                return published.into_dist_file(document);
            }
        };
        let (sha256, other_hash) = match &link.hash {
            Some((algorithm, hex)) if algorithm == "sha256" => (Some(hex.as_str()), None),
            Some((algorithm, _)) => (None, Some(algorithm.as_str())),
            None => (None, None),
        };
        let url = link.url.as_str();
        let published = Published {
            filename,
            url,
            sha256,
            other_hash,
            yanked,
            requires_python: link.requires_python.as_deref(),
            size: None,
            upload_time: None,
            core_metadata: link.core_metadata,
            provenance: link.provenance.as_deref(),
        };
        published.into_dist_file(document)
    }
}

/// The values of one file entry, decoded from the body on demand.
struct Values<'b> {
    body: &'b [u8],
    filename: &'b str,
    document: &'b Url,
}

impl<'b> Values<'b> {
    fn required<T: Deserialize<'b>>(&self, span: Span, key: &str) -> Result<T, IndexError> {
        serde_json::from_slice(span.in_body(self.body)).map_err(|error| IndexError::Decode {
            url: shown_url(self.document),
            message: format!(
                "the `{key}` of file `{}`: {}",
                shown_text(self.filename),
                shown_text(&error.to_string())
            ),
        })
    }

    /// A value that may be missing (or `null`).
    fn optional<T: Deserialize<'b>>(
        &self,
        span: Option<Span>,
        key: &str,
    ) -> Result<Option<T>, IndexError> {
        match span {
            Some(span) => self.required::<Option<T>>(span, key),
            None => Ok(None),
        }
    }
}

/// For the fuzz target: panics when [`scan`] reads `fetched` (a document of
/// `project`) and serde does not read the same, leads included.
pub(super) fn check_readers_agree(fetched: &Fetched, project: &str) {
    let text = std::str::from_utf8(&fetched.body).ok();
    if let Some(parts) = text.and_then(|text| scan::document(text, project)) {
        let by_serde = Parts::by_serde(&fetched.url, &fetched.body).map(|mut parts| {
            parts.read_leads(&Body::of(fetched.body.clone()), project);
            parts
        });
        let by_serde = by_serde.map_err(|error| error.to_string());
        assert_eq!(Ok(format!("{parts:?}")), by_serde.map(|p| format!("{p:?}")));
    }
    check_streams_agree(&fetched.body, project);
}

/// For the fuzz target and tests: panics when `body` (a document of `project`)
/// streamed in chunks of any size is not read exactly when the fast reader reads it
/// whole, and as it does.
pub(super) fn check_streams_agree(body: &[u8], project: &str) {
    let text = std::str::from_utf8(body).ok();
    let scanned = text.and_then(|text| Some(scan::document(text, project)?.shown(text)));
    for size in [body.len().max(1), 1, 2, 7, 64] {
        let mut stream = Stream::new(project, Keep::All, None);
        for chunk in body.chunks(size) {
            stream.feed(chunk);
        }
        let streamed = stream.finish();
        assert!(streamed.as_ref().is_none_or(|s| s.dropped == 0));
        let streamed = streamed.map(|streamed| streamed.parts.shown(&streamed.kept));
        assert_eq!(streamed, scanned, "chunks of {size}");
    }
}

/// For the fuzz target and tests: panics when the files that may concern release
/// `key` (see [`SimpleDocument::groups_about`]) tell about it otherwise than every
/// file does: its files, and whether an orphan may be its.
pub(super) fn check_groups_agree(document: &SimpleDocument, key: &str) {
    let Ok(version) = Version::from_str(key) else {
        return;
    };
    let some = document.grouped(|index| document.may_concern(index, version.release()));
    let all = document.groups();
    let files = |groups: &Groups| groups.of_key(key).map(|group| group.files.clone());
    assert_eq!(files(&some), files(all), "the files of {key}");
    let orphans = |groups: &Groups| groups.may_hold_orphans(Some(&version));
    assert_eq!(
        orphans(&some),
        orphans(all),
        "whether {key} may hold an orphan"
    );
}

/// What a document says, as either reader reads it.
#[derive(Debug, Default)]
struct Parts {
    /// `meta`'s `api-version`.
    api_version: Option<String>,
    name: Option<String>,
    files: Vec<Entry>,
    /// Each file's [`Lead`]: read with its name by [`scan`], else by
    /// [`Parts::read_leads`].
    leads: Vec<Lead>,
    versions: Option<Vec<String>>,
    project_status: Option<Status>,
}

/// PEP 792's `project-status`.
#[derive(Debug, Default, Deserialize)]
struct Status {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

impl Parts {
    /// `body`, from `url`, read with serde: any document [`scan`] leaves, and its
    /// errors.
    fn by_serde(url: &Url, body: &[u8]) -> Result<Parts, IndexError> {
        #[derive(Deserialize)]
        struct Raw<'a> {
            #[serde(default)]
            meta: Option<Meta>,
            #[serde(default)]
            name: Option<String>,
            #[serde(borrow)]
            files: Vec<RawEntry<'a>>,
            #[serde(default)]
            versions: Option<Vec<String>>,
            #[serde(default, rename = "project-status")]
            project_status: Option<Status>,
        }
        #[derive(Deserialize)]
        struct Meta {
            #[serde(default, rename = "api-version")]
            api_version: Option<String>,
        }
        let raw: Raw<'_> = decode_json_at(url, body)?;
        let files = raw
            .files
            .into_iter()
            .map(|entry| Entry::of_json(entry, body));
        let files = files
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| IndexError::Decode {
                url: shown_url(url),
                message: "the document is too large to read".to_owned(),
            })?;
        Ok(Parts {
            api_version: raw.meta.and_then(|meta| meta.api_version),
            name: raw.name,
            files,
            leads: Vec::new(),
            versions: raw.versions,
            project_status: raw.project_status,
        })
    }

    /// What the parts say, their spans into `body` read: the same text for two
    /// readings whose spans differ (for the checks of the readers).
    fn shown(&self, body: &str) -> String {
        let at = |span: Span| body.get(span.start as usize..span.end as usize);
        let files: Vec<String> = self
            .files
            .iter()
            .map(|entry| {
                let name = match &entry.filename {
                    Name::At(span) => at(*span).map(str::to_owned),
                    Name::Text(text) => Some(text.clone()),
                };
                let rest = match &entry.rest {
                    Rest::Json(spans) => {
                        let values = [spans.hashes, spans.requires_python, spans.size];
                        let values = values.into_iter().chain([spans.upload_time]);
                        let values = values.chain([spans.core_metadata, spans.provenance]);
                        let values: Vec<_> = values.map(|span| span.map(at)).collect();
                        format!("{:?} {values:?}", at(spans.url))
                    }
                    other => format!("{other:?}"),
                };
                format!("{name:?} {:?} {rest}", entry.yanked)
            })
            .collect();
        format!(
            "{:?} {:?} {:?} {:?} {:?}\n{}",
            self.api_version,
            self.name,
            self.versions,
            self.project_status,
            self.leads,
            files.join("\n")
        )
    }

    /// The files' leads, from their names in `body`, unless a reader read them.
    fn read_leads(&mut self, body: &Body, project: &str) {
        if self.leads.len() != self.files.len() {
            let names = self.files.iter().map(|entry| entry.filename(body));
            self.leads = names.map(|name| Lead::of(name, project)).collect();
        }
    }
}

/// The files whose names state one version (PEP 440-equal spellings together).
#[derive(Debug, Clone)]
struct Group {
    /// The version as the files spell it: the first sdist's, else the first wheel's,
    /// else the first egg's or installer's.
    spelling: String,
    /// The kind of file `spelling` comes from.
    kind: Kind,
    /// Indexes into the document's files, in the document's order.
    files: Vec<usize>,
    /// Whether a file of it is not yanked.
    installable: bool,
}

/// A document's files grouped by the version their names state.
#[derive(Debug, Default, Clone)]
struct Groups {
    /// In order of first appearance.
    list: Vec<Group>,
    /// Each version spelling found in a file name, to its group.
    spellings: HashMap<String, usize>,
    /// Each PEP 440 version found in a file name, to its group.
    parsed: HashMap<Version, usize>,
    /// The release numbers the name of each orphan starts with (`None`: nothing
    /// readable), one entry per orphan name or version.
    orphans: Vec<Option<Vec<u64>>>,
    /// The spelling of the last file filed, and its group.
    last: Option<(String, usize)>,
}

impl Groups {
    /// Groups the files of `project` whose names `keep` keeps, with PEP 700's
    /// `versions` when sent.
    fn of(
        files: &[Entry],
        body: &Body,
        project: &str,
        versions: Option<&[String]>,
        keep: impl Fn(usize) -> bool,
    ) -> Self {
        let mut groups = Groups::default();
        for (index, entry) in files.iter().enumerate() {
            if !keep(index) {
                continue;
            }
            let filename = entry.filename(body);
            match filename::version_of(filename, project) {
                Some((spelling, kind)) => {
                    groups.file_under(index, spelling, kind, entry.is_yanked());
                }
                None => {
                    let numbers = filename::leading_numbers(filename, project);
                    groups.orphans.push(numbers);
                }
            }
        }
        if let Some(versions) = versions {
            groups.find_unlisted_versions(versions);
        }
        groups
    }

    /// Files the file `index` (which states version `spelling`) under its group.
    fn file_under(&mut self, index: usize, spelling: &str, kind: Kind, yanked: bool) {
        // A listing names a version's files one after the other (PyPI sorts them by
        // name): most files are the previous one's version, found without a lookup.
        let last = self.last.take().filter(|(text, _)| text == spelling);
        let known = last.as_ref().map(|&(_, at)| at);
        let at = match known.or_else(|| self.spellings.get(spelling).copied()) {
            Some(at) => at,
            None => {
                let version = Version::from_str(spelling).ok();
                let known = version.as_ref().and_then(|v| self.parsed.get(v)).copied();
                let at = known.unwrap_or_else(|| {
                    self.list.push(Group {
                        spelling: spelling.to_owned(),
                        kind,
                        files: Vec::new(),
                        installable: false,
                    });
                    self.list.len() - 1
                });
                if let Some(version) = version {
                    self.parsed.entry(version).or_insert(at);
                }
                self.spellings.insert(spelling.to_owned(), at);
                at
            }
        };
        let group = &mut self.list[at];
        if kind < group.kind {
            group.spelling = spelling.to_owned();
            group.kind = kind;
        }
        group.files.push(index);
        group.installable |= !yanked;
        self.last = Some(match last {
            Some(last) => last,
            None => (spelling.to_owned(), at),
        });
    }

    /// Adds to the orphans the files of versions `versions` lacks, as neither the
    /// same string nor a PEP 440-equal version.
    fn find_unlisted_versions(&mut self, versions: &[String]) {
        let strings: HashSet<&str> = versions.iter().map(String::as_str).collect();
        // Most spellings are listed as they are: versions are parsed only if one is
        // not.
        let mut unlisted = self
            .spellings
            .keys()
            .filter(|s| !strings.contains(s.as_str()));
        let Some(first) = unlisted.next() else {
            return;
        };
        let parsed: HashSet<Version> = versions.iter().filter_map(|v| v.parse().ok()).collect();
        let parses_listed = |spelling: &String| {
            Version::from_str(spelling).is_ok_and(|version| parsed.contains(&version))
        };
        let orphans: Vec<_> = std::iter::once(first)
            .chain(unlisted)
            .filter(|spelling| !parses_listed(spelling))
            .map(|spelling| filename::release_numbers(spelling))
            .collect();
        self.orphans.extend(orphans);
    }

    /// Whether the release `version` (`None`: not PEP 440) may hold an orphan.
    fn may_hold_orphans(&self, version: Option<&Version>) -> bool {
        let Some(version) = version else {
            return !self.orphans.is_empty();
        };
        let release = version.release();
        self.orphans.iter().any(|numbers| match numbers {
            None => true,
            Some(numbers) => numbers.iter().zip(release).all(|(a, b)| a == b),
        })
    }

    /// The group of the files of version `key`: spelled so, else PEP 440-equal.
    fn of_key(&self, key: &str) -> Option<&Group> {
        let at = match self.spellings.get(key) {
            Some(&at) => Some(at),
            None => Version::from_str(key)
                .ok()
                .and_then(|version| self.parsed.get(&version).copied()),
        };
        at.map(|at| &self.list[at])
    }
}

/// What a Simple API document says about a pin.
#[derive(Debug)]
pub(super) enum Lookup {
    /// The release (as `versions` spells it, else as its files do) and its files.
    Found(String, Vec<DistFile>),
    /// No such version.
    Missing,
    /// The release may hold an orphan: only the JSON API can tell its files.
    Uncertain,
    /// The document, streamed, did not keep the values of the release's files: it
    /// must be read whole.
    NotKept,
}

/// A project's Simple API document; files stay raw until a version is asked for.
#[derive(Debug)]
pub(super) struct SimpleDocument {
    /// Where the document came from (after redirects).
    pub(super) url: Url,
    /// The project name (PEP 691: normalized).
    pub(super) name: Option<String>,
    /// The project's status (PEP 792), when the index says.
    pub(super) status: Option<ProjectStatus>,
    /// PEP 700's versions (as the releases spell them), when sent.
    versions: Option<Vec<String>>,
    /// The JSON body the files' values are read from (empty for an HTML page).
    body: Body,
    files: Vec<Entry>,
    /// Each file's [`Lead`], read as the document is.
    leads: Vec<Lead>,
    /// The name file names are matched against (normalized).
    project: String,
    /// The files grouped by version, once something needs them all (see
    /// [`SimpleDocument::release`]).
    groups: OnceLock<Groups>,
    /// How many files' values were not kept ([`Rest::Dropped`]).
    dropped: usize,
}

impl SimpleDocument {
    /// Reads the document of `project` (whose name file names are matched against):
    /// with [`scan`] when it can tell, else with serde.
    pub(super) fn parse(fetched: Fetched, project: &PackageName) -> Result<Self, IndexError> {
        let Fetched { url, body, .. } = fetched;
        let body = Body::of(body);
        let scanned = body
            .text()
            .and_then(|text| scan::document(text, project.as_ref()));
        let parts = match scanned {
            Some(parts) => parts,
            None => Parts::by_serde(&url, body.bytes())?,
        };
        Self::of_read(url, body, parts, project)
    }

    /// The document of `project` streamed from `url` (see [`scan::stream`]).
    pub(super) fn streamed(
        url: Url,
        streamed: Streamed,
        project: &PackageName,
    ) -> Result<Self, IndexError> {
        let Streamed {
            parts,
            kept,
            dropped,
        } = streamed;
        let mut document = Self::of_read(url, Body::Text(kept), parts, project)?;
        document.dropped = dropped;
        Ok(document)
    }

    /// The document of the `parts` read from `body`, its API version checked.
    fn of_read(
        url: Url,
        body: Body,
        mut parts: Parts,
        project: &PackageName,
    ) -> Result<Self, IndexError> {
        if let Some(api_version) = parts
            .api_version
            .take()
            .filter(|v| v.split('.').next() != Some("1"))
        {
            return Err(IndexError::Decode {
                url: shown_url(&url),
                message: format!(
                    "Simple API version {:?} is not 1.x",
                    shown_text(&api_version)
                ),
            });
        }
        let status = parts.project_status.take().and_then(|status| {
            Some(ProjectStatus {
                status: status.status?,
                reason: status.reason.filter(|r| !r.is_empty()),
            })
        });
        Ok(Self::of_parts(url, body, parts, status, project))
    }

    /// Reads an HTML page (PEP 503) of `project`: every link is a file.
    pub(super) fn parse_html(fetched: &Fetched, project: &PackageName) -> Result<Self, IndexError> {
        let text = String::from_utf8_lossy(&fetched.body);
        let links = simple_html::links(&text, &fetched.url)?;
        let parts = Parts {
            files: links.into_iter().map(Entry::from_link).collect(),
            ..Parts::default()
        };
        let (url, body) = (fetched.url.clone(), Body::Text(String::new()));
        let status = simple_html::project_status(&text);
        Ok(Self::of_parts(url, body, parts, status, project))
    }

    /// The document of `parts` (their `project-status` read as `status`).
    fn of_parts(
        url: Url,
        body: Body,
        mut parts: Parts,
        status: Option<ProjectStatus>,
        project: &PackageName,
    ) -> Self {
        let project = project.to_string();
        parts.read_leads(&body, &project);
        SimpleDocument {
            url,
            name: parts.name,
            status,
            versions: parts.versions,
            body,
            files: parts.files,
            leads: parts.leads,
            project,
            groups: OnceLock::new(),
            dropped: 0,
        }
    }

    /// Whether every file's values were kept (the document was not streamed for
    /// some releases only).
    pub(super) fn is_whole(&self) -> bool {
        self.dropped == 0
    }

    /// Every file grouped by the version its name states.
    fn groups(&self) -> &Groups {
        self.groups.get_or_init(|| self.grouped(|_| true))
    }

    /// Whether file `index` may concern a release whose numbers are `release`.
    fn may_concern(&self, index: usize, release: &[u64]) -> bool {
        self.leads
            .get(index)
            .is_none_or(|lead| lead.may_concern(release))
    }

    /// The files `keep` keeps (by index), grouped by the version their names state.
    fn grouped(&self, keep: impl Fn(usize) -> bool) -> Groups {
        let versions = self.versions.as_deref();
        Groups::of(&self.files, &self.body, &self.project, versions, keep)
    }

    /// The groups that tell about release `version`, as [`SimpleDocument::groups`]
    /// would: its files and the orphans that may be its. A lookup of one pin groups
    /// only the files whose names may concern it ([`Lead::may_concern`]): a
    /// listing of 200 releases has a handful, and grouping every file of the 199
    /// listings of a cold `lock` took a third of their parsing.
    fn groups_about(&self, version: &Version) -> Cow<'_, Groups> {
        match self.groups.get() {
            Some(groups) => Cow::Borrowed(groups),
            None => {
                let release = version.release();
                Cow::Owned(self.grouped(|index| self.may_concern(index, release)))
            }
        }
    }

    /// Whether the index publishes exactly the version string `text` (PEP 700's
    /// `versions` when sent, else the spellings of the file names).
    pub(super) fn has_version(&self, text: &str) -> bool {
        match &self.versions {
            Some(versions) => versions.iter().any(|version| version == text),
            None => self.groups().spellings.contains_key(text),
        }
    }

    /// The version `pin` selects and its files, matched as in a project document
    /// ([`versions::select`]) among PEP 700's `versions` when sent (the releases'
    /// own spellings), else among the versions the file names state. A version of
    /// `versions` no file name states has no files, as a release without files in a
    /// project document.
    pub(super) fn release(&self, pin: &Pin) -> Result<Lookup, IndexError> {
        self.release_with(pin, true)
    }

    /// [`SimpleDocument::release`] where no JSON API can place orphans (an index that
    /// is only a Simple API): a release is the files whose names state its version.
    pub(super) fn release_by_names(&self, pin: &Pin) -> Result<Lookup, IndexError> {
        self.release_with(pin, false)
    }

    /// The files of `group`, decoded.
    fn files_of(&self, group: &Group) -> Result<Vec<DistFile>, IndexError> {
        let files = group.files.iter().map(|&i| &self.files[i]);
        files
            .map(|file| file.to_dist_file(&self.body, &self.url))
            .collect()
    }

    /// Every version the file names state, with its files, in order of first
    /// appearance (what `project()` reads where there is no JSON API).
    pub(super) fn all_releases(&self) -> Result<Vec<(String, Vec<DistFile>)>, IndexError> {
        // The client asks a whole document for them; a part of one would answer
        // with errors, never with fewer files.
        self.groups()
            .list
            .iter()
            .map(|group| Ok((group.spelling.clone(), self.files_of(group)?)))
            .collect()
    }

    /// [`SimpleDocument::all_releases`] to choose a version from: without the
    /// versions PEP 700's `versions` (when sent) lacks, which no release has (a file
    /// naming one is an orphan: `aiohttp-2.0.6-1.tar.gz` reads as 2.0.6.post1 and is
    /// 2.0.6's), as in the project document, whose releases are the uploads'.
    pub(super) fn listed_releases(&self) -> Result<Vec<(String, Vec<DistFile>)>, IndexError> {
        let mut releases = self.all_releases()?;
        if let Some(versions) = &self.versions {
            let parsed: HashSet<Version> = versions.iter().filter_map(|v| v.parse().ok()).collect();
            releases.retain(|(spelling, _)| {
                versions.contains(spelling)
                    || Version::from_str(spelling).is_ok_and(|v| parsed.contains(&v))
            });
        }
        Ok(releases)
    }

    fn release_with(&self, pin: &Pin, orphans_matter: bool) -> Result<Lookup, IndexError> {
        let key = match &self.versions {
            Some(versions) => versions::select(pin, versions.iter().map(String::as_str)),
            None => {
                let spellings = self.groups().list.iter().map(|g| g.spelling.as_str());
                versions::select(pin, spellings)
            }
        };
        let Some(key) = key else {
            // Without `versions`, an orphan may be a version no file name states.
            let asked = match &pin.arbitrary {
                Some(text) => Version::from_str(text).ok(),
                None => Some(pin.version.clone()),
            };
            let unsure = orphans_matter
                && self.versions.is_none()
                && self.groups().may_hold_orphans(asked.as_ref());
            return Ok(if unsure {
                Lookup::Uncertain
            } else {
                Lookup::Missing
            });
        };
        let version = Version::from_str(key).ok();
        let groups = match (&self.versions, &version) {
            // `key` is a listed release: only the files that may concern it matter.
            (Some(_), Some(version)) => self.groups_about(version),
            _ => Cow::Borrowed(self.groups()),
        };
        if orphans_matter && groups.may_hold_orphans(version.as_ref()) {
            return Ok(Lookup::Uncertain);
        }
        let files = match groups.of_key(key) {
            Some(group) if group.files.iter().any(|&i| self.files[i].is_dropped()) => {
                return Ok(Lookup::NotKept);
            }
            Some(group) => self.files_of(group)?,
            None => Vec::new(),
        };
        Ok(Lookup::Found(key.to_owned(), files))
    }

    /// (version, installable) of every published version, for near misses.
    pub(super) fn candidates(&self) -> Vec<(&str, bool)> {
        let groups = self.groups();
        let installable = |key: &str| groups.of_key(key).is_some_and(|g| g.installable);
        match &self.versions {
            Some(versions) => versions
                .iter()
                .map(|key| (key.as_str(), installable(key)))
                .collect(),
            None => groups
                .list
                .iter()
                .map(|g| (g.spelling.as_str(), g.installable))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched(url: &str, body: &str) -> Fetched {
        Fetched {
            url: Url::parse(url).unwrap(),
            content_type: Some(CONTENT_TYPE.to_owned()),
            body: body.as_bytes().to_vec(),
        }
    }

    fn pin(name: &str, version: &str) -> Pin {
        Pin {
            name: name.parse().unwrap(),
            version: version.parse().unwrap(),
            arbitrary: None,
        }
    }

    fn parse(body: &str) -> SimpleDocument {
        let doc = fetched("https://mirror.example/simple/demo/", body);
        SimpleDocument::parse(doc, &"demo".parse().unwrap()).unwrap()
    }

    fn found(doc: &SimpleDocument, pin: &Pin) -> (String, Vec<DistFile>) {
        match doc.release(pin).unwrap() {
            Lookup::Found(version, files) => (version, files),
            other => panic!("{pin}: {other:?}"),
        }
    }

    fn sha(n: u8) -> String {
        format!("{n:x}").repeat(64)
    }

    #[test]
    fn labels_are_checked() {
        let mut doc = fetched("https://mirror.example/simple/demo/", "{}");
        for (label, ok) in [
            (Some(CONTENT_TYPE), true),
            (
                Some("application/vnd.pypi.simple.v1+json; charset=utf-8"),
                true,
            ),
            (Some("Application/VND.pypi.simple.v1+JSON"), true),
            (Some("text/html"), false),
            (Some("application/json"), false),
            (Some("application/vnd.pypi.simple.v1+html"), false),
            (None, false),
        ] {
            doc.content_type = label.map(str::to_owned);
            assert_eq!(is_simple_json(&doc), ok, "{label:?}");
        }
    }

    #[test]
    fn reads_files_by_the_version_of_their_names() {
        let body = format!(
            r#"{{"meta": {{"api-version": "1.1"}}, "name": "demo", "files": [
            {{"filename": "demo-1.0-py3-none-any.whl", "url": "../../packages/a/demo-1.0-py3-none-any.whl",
             "hashes": {{"sha256": "{}", "md5": "x"}}, "requires-python": ">=3.8", "yanked": false}},
            {{"filename": "Demo-1.0.tar.gz", "url": "https://files.example/Demo-1.0.tar.gz",
             "hashes": {{"sha256": "{}"}}, "yanked": "broken build", "size": 3}},
            {{"filename": "demo-1.0-py2.7.egg", "url": "/demo-1.0-py2.7.egg", "hashes": {{}}}},
            {{"filename": "demo-2.0.zip", "url": "/demo-2.0.zip", "hashes": {{}}, "yanked": true,
             "requires-python": "", "core-metadata": {{"sha256": "x"}}}}
        ]}}"#,
            sha(10).to_uppercase(),
            sha(11)
        );
        let doc = parse(&body);
        assert_eq!(doc.name.as_deref(), Some("demo"));
        let (version, files) = found(&doc, &pin("demo", "1.0.0"));
        assert_eq!(version, "1.0");
        let names: Vec<&str> = files.iter().map(|f| f.filename.as_str()).collect();
        let expected = [
            "demo-1.0-py3-none-any.whl",
            "Demo-1.0.tar.gz",
            "demo-1.0-py2.7.egg",
        ];
        assert_eq!(names, expected);
        let wheel = &files[0];
        assert_eq!(
            wheel.url.as_str(),
            "https://mirror.example/packages/a/demo-1.0-py3-none-any.whl"
        );
        assert_eq!(wheel.sha256.map(|d| d.to_string()), Some(sha(10)));
        assert_eq!(wheel.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(wheel.yanked, None);
        assert_eq!(files[1].yanked.as_deref(), Some("broken build"));
        let (version, files) = found(&doc, &pin("demo", "2"));
        assert_eq!(version, "2.0");
        assert_eq!(files[0].url.as_str(), "https://mirror.example/demo-2.0.zip");
        assert_eq!(files[0].yanked.as_deref(), Some(""));
        assert_eq!(
            (files[0].sha256.as_ref(), files[0].requires_python.as_ref()),
            (None, None)
        );
        assert!(matches!(
            doc.release(&pin("demo", "3.0")).unwrap(),
            Lookup::Missing
        ));
        assert_eq!(doc.candidates(), [("1.0", true), ("2.0", false)]);
        assert!(doc.has_version("1.0") && !doc.has_version("1.0.0"));
    }

    #[test]
    fn pep_700_versions_are_the_release_spellings() {
        let body = r#"{"meta": {"api-version": "1.1"}, "name": "demo", "versions": ["1.0.0", "0.9", "0.5", "2.0"], "files": [
            {"filename": "demo-1.0-py3-none-any.whl", "url": "/a.whl", "hashes": {}},
            {"filename": "demo-1.0.0.tar.gz", "url": "/a.tar.gz", "hashes": {}},
            {"filename": "demo-0.9-py2.7.egg", "url": "/b.egg", "hashes": {}},
            {"filename": "demo-2.0.tar.gz", "url": "/c.tar.gz", "hashes": {}, "yanked": true}
        ]}"#;
        let doc = parse(body);
        let (version, files) = found(&doc, &pin("demo", "1"));
        assert_eq!((version.as_str(), files.len()), ("1.0.0", 2));
        let (version, files) = found(&doc, &pin("demo", "0.9"));
        assert_eq!(version, "0.9");
        assert_eq!(files[0].url.as_str(), "https://mirror.example/b.egg");
        let (version, files) = found(&doc, &pin("demo", "0.5"));
        assert_eq!(
            (version.as_str(), files.len()),
            ("0.5", 0),
            "a release without files"
        );
        let candidates = doc.candidates();
        let expected = [
            ("1.0.0", true),
            ("0.9", true),
            ("0.5", false),
            ("2.0", false),
        ];
        assert_eq!(candidates, expected);
        assert!(doc.has_version("1.0.0") && !doc.has_version("1.0"));
    }

    #[test]
    fn versions_no_release_has_are_not_listed() {
        let files = r#""files": [
            {"filename": "demo-2.0.6-py3-none-any.whl", "url": "/a.whl", "hashes": {}},
            {"filename": "demo-2.0.6-1.tar.gz", "url": "/b.tar.gz", "hashes": {}},
            {"filename": "demo-2.0.5.tar.gz", "url": "/c.tar.gz", "hashes": {}}
        ]"#;
        let listed = |doc: &SimpleDocument| -> Vec<(String, usize)> {
            let releases = doc.listed_releases().unwrap();
            releases.into_iter().map(|(v, f)| (v, f.len())).collect()
        };
        // 2.0.6-1 (2.0.6.post1 to PEP 440) is an orphan of 2.0.6, not a release.
        let doc = parse(&format!(
            r#"{{"name": "demo", "versions": ["2.0.5", "2.0.6.0"], {files}}}"#
        ));
        assert_eq!(
            listed(&doc),
            [("2.0.6".to_owned(), 1), ("2.0.5".to_owned(), 1)]
        );
        // Without `versions`, the names are all there is.
        let doc = parse(&format!(r#"{{"name": "demo", {files}}}"#));
        assert_eq!(listed(&doc).len(), 3);
    }

    #[test]
    fn releases_that_may_hold_orphans_are_uncertain() {
        let document = |versions: &str, files: &[&str]| {
            let file = |name: &&str| {
                format!(r#"{{"filename": "{name}", "url": "/{name}", "hashes": {{}}}}"#)
            };
            let files: Vec<String> = files.iter().map(file).collect();
            let files = files.join(",");
            parse(&format!(
                r#"{{"name": "demo", {versions} "files": [{files}]}}"#
            ))
        };
        let uncertain = |doc: &SimpleDocument, version: &str| {
            matches!(
                doc.release(&pin("demo", version)).unwrap(),
                Lookup::Uncertain
            )
        };
        let legacy = [
            "demo-1.0.tar.gz",
            "demo-1.0-py2.7.egg",
            "demo-1.0.win32-py2.7.exe",
        ];
        assert!(!uncertain(&document("", &legacy), "1.0"));
        assert!(!uncertain(
            &document(r#""versions": ["1.0.0"],"#, &legacy),
            "1"
        ));
        // Names that say no version: only releases their numbers agree with.
        let rpm = [
            "demo-1.0.tar.gz",
            "demo-2.0.tar.gz",
            "demo-1.0-1.noarch.rpm",
        ];
        let doc = document("", &rpm);
        assert!(uncertain(&doc, "1.0") && !uncertain(&doc, "2.0"));
        assert!(
            uncertain(&doc, "1.0.5"),
            "a version no name states may be the rpm's"
        );
        assert!(matches!(
            doc.release(&pin("demo", "3")).unwrap(),
            Lookup::Missing
        ));
        let doc = document("", &["demo-1.0.tar.gz", "demo-custom.exe"]);
        assert!(uncertain(&doc, "1.0"), "nothing readable: any release");
        // Names that say another version than `versions` lists: a `bdist_dumb`
        // archive, a re-upload under a post-release name.
        let dumb = [
            "demo-1.0.tar.gz",
            "demo-1.0.linux-x86_64.tar.gz",
            "demo-1.26.4.tar.gz",
            "demo-2.0.6-1.tar.gz",
            "demo-2.0.6.tar.gz",
        ];
        let doc = document(r#""versions": ["1.0", "1.26.4", "2.0.6"],"#, &dumb);
        assert!(uncertain(&doc, "1.0") && uncertain(&doc, "2.0.6"));
        assert!(!uncertain(&doc, "1.26.4"));
        assert!(matches!(
            doc.release(&pin("demo", "2.0.6.post1")).unwrap(),
            Lookup::Missing
        ));
        let all = r#""versions": ["1.0", "1.0.linux-x86_64", "1.26.4", "2.0.6", "2.0.6-1"],"#;
        assert!(!uncertain(&document(all, &dumb), "1.0"));
        // Without `versions` nothing tells.
        assert!(!uncertain(&document("", &dumb), "1.0"));
    }

    #[test]
    fn without_versions_the_sdist_spelling_wins() {
        let body = r#"{"name": "demo", "files": [
            {"filename": "demo-1.0.0-py3-none-any.whl", "url": "/a.whl", "hashes": {}},
            {"filename": "demo-1.0.tar.gz", "url": "/a.tar.gz", "hashes": {}},
            {"filename": "demo-1-py2-none-any.whl", "url": "/b.whl", "hashes": {}}
        ]}"#;
        let doc = parse(body);
        let (version, files) = found(&doc, &pin("demo", "1.0.0"));
        assert_eq!((version.as_str(), files.len()), ("1.0", 3));
        assert!(doc.has_version("1.0.0") && doc.has_version("1"));
        let arbitrary = Pin {
            arbitrary: Some("1.0".to_owned()),
            ..pin("demo", "1.0")
        };
        let (version, files) = found(&doc, &arbitrary);
        assert_eq!((version.as_str(), files.len()), ("1.0", 3));
    }

    /// A pin's files and orphans, from the files that may concern it, are what every
    /// file tells: on every document of the fuzz corpus, for every release it lists
    /// or its file names state, and on names built to be close calls.
    #[test]
    fn the_files_that_may_concern_a_release_tell_what_every_file_tells() {
        let close = r#"{"versions": ["1.0", "1!2.0", "2.0.6", "10.0", "1.0.1"], "files": [
            {"filename": "demo-1.0.tar.gz", "url": "/a"},
            {"filename": "demo-1.0.0-py3-none-any.whl", "url": "/a"},
            {"filename": "demo-1!2.0.tar.gz", "url": "/a"},
            {"filename": "demo-01.0.zip", "url": "/a"},
            {"filename": "demo-v1.0.tar.gz", "url": "/a"},
            {"filename": "demo-1.0.1.dev3.win32-py2.4.exe", "url": "/a"},
            {"filename": "demo-2.0.6-1.tar.gz", "url": "/a"},
            {"filename": "demo-10.0.tar.gz", "url": "/a"},
            {"filename": "demo-1.0.1.tar.gz", "url": "/a"},
            {"filename": "Demo_-1.0.tar.gz", "url": "/a"},
            {"filename": "demo-1-2-py3-none-any.whl", "url": "/a"},
            {"filename": "demo-99999999999999999999.0.tar.gz", "url": "/a"},
            {"filename": "demo.rpm", "url": "/a"},
            {"filename": "demo-1.0.linux-x86_64.tar.gz", "url": "/a"},
            {"filename": "DEMO-1.0.1.5.tar.gz", "url": "/a"},
            {"filename": "demo-1.0.1.4-py3-none-any.whl", "url": "/a"},
            {"filename": "demo-1.4294967296.tar.gz", "url": "/a"},
            {"filename": "demo-1.4294967297-py3-none-any.whl", "url": "/a"}
        ]}"#;
        let mut bodies = vec![close.as_bytes().to_vec()];
        let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/index_documents");
        for entry in std::fs::read_dir(corpus).unwrap() {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            bodies.push(data.get(1..).unwrap_or_default().to_vec());
        }
        let mut checked = 0;
        for body in bodies {
            let doc = fetched("https://mirror.example/simple/demo/", "");
            let doc = Fetched { body, ..doc };
            let Ok(doc) = SimpleDocument::parse(doc, &"demo".parse().unwrap()) else {
                continue;
            };
            let mut keys: Vec<String> = doc.versions.clone().unwrap_or_default();
            keys.extend(doc.groups().list.iter().map(|g| g.spelling.clone()));
            keys.extend(
                ["1.0", "1", "0", "2.0.6", "1!2.0", "1.0.1.4", "1.4294967296"].map(String::from),
            );
            for key in &keys {
                check_groups_agree(&doc, key);
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked} releases checked");
    }

    /// A body that is not UTF-8 where no value is read still groups its files (by
    /// the names serde read), as before there was a faster reader.
    #[test]
    fn a_body_not_utf8_outside_the_values_read_is_still_read() {
        let mut body = br#"{"files": [{"filename": "demo-1.0.tar.gz", "url": "/a.tar.gz",
            "x": "?"}]}"#
            .to_vec();
        let at = body.iter().position(|&b| b == b'?').unwrap();
        body[at] = 0xff;
        let doc = Fetched {
            url: Url::parse("https://mirror.example/simple/demo/").unwrap(),
            content_type: Some(CONTENT_TYPE.to_owned()),
            body,
        };
        let doc = SimpleDocument::parse(doc, &"demo".parse().unwrap()).unwrap();
        let (version, files) = found(&doc, &pin("demo", "1.0"));
        assert_eq!((version.as_str(), files.len()), ("1.0", 1));
        assert_eq!(files[0].filename, "demo-1.0.tar.gz");
    }

    #[test]
    fn bad_documents_are_decode_errors() {
        let bad_digest = r#"{"files": [{"filename": "demo-1.0.tar.gz", "url": "/a",
            "hashes": {"sha256": "a\n-r evil.txt"}}]}"#;
        let doc = parse(bad_digest);
        let error = doc.release(&pin("demo", "1.0")).unwrap_err();
        assert!(error.to_string().contains("demo-1.0.tar.gz"), "{error}");
        for body in [
            "<html>",
            r#"{"name": "demo"}"#,
            r#"{"files": [{"filename": 3}]}"#,
            r#"{"meta": {"api-version": "2.0"}, "files": []}"#,
        ] {
            let doc = fetched("https://mirror.example/simple/demo/", body);
            let error = SimpleDocument::parse(doc, &"demo".parse().unwrap()).unwrap_err();
            assert!(
                matches!(error, IndexError::Decode { .. }),
                "{body}: {error}"
            );
        }
    }

    /// Values are decoded for the files of the release asked for: a broken value
    /// elsewhere does not matter, one there names its file. Escaped names read as
    /// their text.
    #[test]
    fn only_the_asked_release_is_decoded() {
        let body = format!(
            r#"{{"files": [
            {{"filename": "demo-1.0.tar.gz", "url": 7, "hashes": {{"sha256": "x"}}, "size": "big"}},
            {{"filename": "demo-2.0\u002etar.gz", "url": "/demo-2.0.tar.gz",
             "hashes": {{"sha256": "{}"}}, "upload-time": null, "requires-python": ">=3.8",
             "yanked": "broken", "core-metadata": {{"sha256": "y"}}, "size": 5}}
            ]}}"#,
            sha(2)
        );
        let doc = parse(&body);
        let (version, files) = found(&doc, &pin("demo", "2.0"));
        assert_eq!(version, "2.0");
        let file = &files[0];
        assert_eq!(file.filename, "demo-2.0.tar.gz");
        assert_eq!(file.url.as_str(), "https://mirror.example/demo-2.0.tar.gz");
        assert_eq!(file.sha256.unwrap().to_string(), sha(2));
        assert_eq!(file.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(file.yanked.as_deref(), Some("broken"));
        assert_eq!((file.size, file.upload_time.as_deref()), (Some(5), None));
        assert!(file.core_metadata);
        let error = doc.release(&pin("demo", "1.0")).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("demo-1.0.tar.gz") && message.contains("url"),
            "{message}"
        );
    }

    #[test]
    fn pep_700_740_792_facts_are_read() {
        let body = format!(
            r#"{{"meta": {{"api-version": "1.4"}}, "name": "demo",
            "project-status": {{"status": "archived", "reason": "moved to demo2"}},
            "files": [
            {{"filename": "demo-1.0-py3-none-any.whl", "url": "/demo-1.0-py3-none-any.whl",
             "hashes": {{"sha256": "{}"}}, "size": 1234, "upload-time": "2024-01-02T03:04:05.123456Z",
             "core-metadata": {{"sha256": "{}"}}, "provenance": "https://mirror.example/p.json"}},
            {{"filename": "demo-1.0.tar.gz", "url": "/demo-1.0.tar.gz",
             "hashes": {{"md5": "0123456789abcdef0123456789abcdef"}}, "dist-info-metadata": false}}
            ]}}"#,
            sha(1),
            sha(2)
        );
        let doc = parse(&body);
        let status = doc.status.as_ref().unwrap();
        assert_eq!(
            (status.status.as_str(), status.reason.as_deref()),
            ("archived", Some("moved to demo2"))
        );
        let (_, files) = found(&doc, &pin("demo", "1.0"));
        let wheel = &files[0];
        assert_eq!(wheel.size, Some(1234));
        assert_eq!(
            wheel.upload_time.as_deref(),
            Some("2024-01-02T03:04:05.123456Z")
        );
        assert!(wheel.core_metadata);
        assert_eq!(
            wheel.provenance.as_deref(),
            Some("https://mirror.example/p.json")
        );
        let sdist = &files[1];
        assert_eq!(
            (sdist.sha256, sdist.other_hash.as_deref()),
            (None, Some("md5"))
        );
        assert!(!sdist.core_metadata);
    }
}
