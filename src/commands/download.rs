//! Downloading distribution files to hash them: `lock --download` and `verify
//! --download` (every file, checked against what the index publishes), files an index
//! publishes no sha256 for (hashed instead, unless `--strict`), and direct URL
//! requirements.
//!
//! Each file streams through one hasher (never held in memory), with a concurrency
//! limit of its own (downloads are large, lookups small). A file PyPI stores under
//! `/packages/xx/yy/<60 hex>/<name>` is named after its blake2b-256: that second
//! witness is checked too, computed for several downloads at once on a thread of its
//! own ([`crate::digest::lanes`]). Any digest that differs from the one published stops the
//! run before anything is written.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use miette::Report;
use reqwest::Url;

use super::lookup::index_report;
use crate::diagnostics::{Code, Located, Source};
use crate::digest::{Algorithm, Digest, FileDigests, Hashing, Sha256};
use crate::exit::{Failure, Outcome};
use crate::index::{Indexes, shown_url};
use crate::requirements::Span;

/// A file to download and hash.
#[derive(Debug, Clone)]
pub(super) struct Wanted {
    pub url: Url,
    pub filename: String,
    /// The sha256 the index (or the URL's `#sha256=` fragment) publishes, to check.
    pub published: Option<Sha256>,
    /// The size the index gives, for the progress bar.
    pub size: Option<u64>,
    /// What the file is for (`six==1.16.0`, or the requirement), for messages.
    pub purpose: String,
    /// The requirement line that asks for it, to point reports at.
    pub at: Option<(Source, Span)>,
}

/// What the downloads found.
#[derive(Debug, Default)]
pub(super) struct Downloaded {
    pub digests: HashMap<Url, FileDigests>,
    pub files: usize,
    pub bytes: u64,
    pub elapsed: Duration,
}

impl Downloaded {
    /// `downloaded and hashed 12 files (48.2 MiB, 61.0 MiB/s)`.
    pub(super) fn summary(&self, verb: &str) -> String {
        let mib = self.bytes as f64 / (1024.0 * 1024.0);
        let rate = mib / self.elapsed.as_secs_f64().max(0.001);
        format!(
            "{verb} {} ({mib:.1} MiB, {rate:.1} MiB/s)",
            crate::report::counted(self.files, "file", "files")
        )
    }

    /// The sha256 the file at `url` hashed to, if it was downloaded.
    pub(super) fn sha256(&self, url: &Url) -> Option<Sha256> {
        self.digests.get(url).map(|digests| digests.sha256)
    }

    /// The digest of `algorithm` the file at `url` hashed to, if it was downloaded
    /// and hashed with it.
    pub(super) fn digest(&self, url: &Url, algorithm: Algorithm) -> Option<Digest> {
        self.digests.get(url)?.digest(algorithm)
    }

    /// Each downloaded file's digest of `algorithm`, by its sha256: how a file the
    /// index names by its sha256 is spelled in that algorithm.
    pub(super) fn spelled(&self, algorithm: Algorithm) -> HashMap<Sha256, Digest> {
        self.digests
            .values()
            .filter_map(|digests| Some((digests.sha256, digests.digest(algorithm)?)))
            .collect()
    }
}

/// A downloaded file whose digest is not the one it should have.
#[derive(Debug)]
pub(super) struct Mismatch<'a> {
    pub file: &'a Wanted,
    /// Which digest differs.
    pub witness: Witness,
    pub message: String,
    pub hint: &'static str,
}

/// What a download's digest is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Witness {
    /// The sha256 the index (or the URL's fragment) publishes.
    Published,
    /// The blake2b-256 a PyPI `/packages/` path names.
    Path,
}

impl Mismatch<'_> {
    /// The error, at the line that wants the file when there is one.
    pub(super) fn report(&self) -> Report {
        match self.located() {
            Some(located) => Report::new(located),
            None => miette::miette!(help = self.hint, "{}", self.message),
        }
    }

    /// The error at the line that wants the file, if one does.
    pub(super) fn located(&self) -> Option<Located> {
        let (source, span) = self.file.at.as_ref()?;
        Some(
            source
                .error(span.clone(), self.message.clone())
                .code(Code::DigestMismatch)
                .label("digest differs")
                .hint(self.hint),
        )
    }
}

/// The blake2b-256 PyPI's file layout names a file after: the path
/// `/packages/xx/yy/<60 hex>/<name>` spells it (`xx`, `yy`, then the rest).
pub(super) fn path_blake2b(url: &Url) -> Option<[u8; 32]> {
    let segments: Vec<&str> = url.path_segments()?.collect();
    let at = segments.iter().position(|segment| *segment == "packages")?;
    let (a, b, rest) = (
        segments.get(at + 1)?,
        segments.get(at + 2)?,
        segments.get(at + 3)?,
    );
    if segments.len() != at + 5 || a.len() != 2 || b.len() != 2 || rest.len() != 60 {
        return None;
    }
    let hex = format!("{a}{b}{rest}");
    let mut digest = [0; 32];
    hex::decode_to_slice(&hex, &mut digest).ok()?;
    Some(digest)
}

/// The files of `wanted` whose download hashed to another sha256 than the one
/// published for it, or to another blake2b-256 than the one its PyPI path names
/// (each URL once).
pub(super) fn mismatches<'a>(wanted: &'a [Wanted], downloaded: &Downloaded) -> Vec<Mismatch<'a>> {
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    for file in wanted {
        let Some(digests) = downloaded.digests.get(&file.url) else {
            continue;
        };
        if !seen.insert(&file.url) {
            continue;
        }
        if let Some(published) = file.published.filter(|p| *p != digests.sha256) {
            found.push(Mismatch {
                file,
                witness: Witness::Published,
                message: format!(
                    "`{}` ({}) hashes to {}, but {} is published for it",
                    file.filename,
                    shown_url(&file.url),
                    digests.sha256,
                    published
                ),
                hint: "the file changed after it was published, or was changed on its way here: do not install it; tell the index's maintainers",
            });
        }
        if let (Some(expected), Some(got)) = (path_blake2b(&file.url), digests.blake2b_256)
            && expected != got
        {
            found.push(Mismatch {
                file,
                witness: Witness::Path,
                message: format!(
                    "`{}` ({}) has the blake2b-256 {}, not the {} its path names",
                    file.filename,
                    shown_url(&file.url),
                    hex::encode(got),
                    hex::encode(expected)
                ),
                hint: "PyPI names each file's path after its blake2b-256: this file was changed in transit or in the mirror; do not install it",
            });
        }
    }
    found
}

/// Downloads and hashes every file of `wanted` (each URL once) with sha256 and the
/// algorithms of `also`, `concurrency` at once, with a progress bar of files, bytes
/// and throughput unless `quiet`. A file
/// that cannot be downloaded fails the run (exit 3, `writes`: for the hint); what
/// the digests say is for the caller ([`mismatches`]).
pub(super) async fn download_all(
    indexes: &Indexes,
    wanted: &[Wanted],
    also: &[Algorithm],
    concurrency: usize,
    quiet: bool,
    writes: bool,
) -> Result<Downloaded, Failure> {
    let mut seen = HashSet::new();
    let mut unique: Vec<&Wanted> = wanted
        .iter()
        .filter(|file| seen.insert(&file.url))
        .collect();
    // Largest first (sizes unknown first of all): a large file started last would
    // download alone at the end, one connection's speed, while the others sit idle.
    unique.sort_by_key(|file| std::cmp::Reverse(file.size.unwrap_or(u64::MAX)));
    let started = Instant::now();
    let bar = progress(&unique, quiet);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = unique.len();
    let results: Vec<_> = futures::stream::iter(&unique)
        .map(|file| {
            let (bar, done) = (&bar, &done);
            async move {
                let on_bytes = |bytes: u64| bar.inc(bytes);
                let hashing = Hashing {
                    blake2b: path_blake2b(&file.url).is_some(),
                    also: also.to_vec(),
                };
                let result = indexes.file_digests(&file.url, &hashing, &on_bytes).await;
                let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                bar.set_message(format!("{finished}/{total} files"));
                (*file, result)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    bar.finish_and_clear();
    let mut downloaded = Downloaded {
        elapsed: started.elapsed(),
        ..Downloaded::default()
    };
    let mut failures = Vec::new();
    for (file, result) in results {
        match result {
            Ok(digests) => {
                downloaded.files += 1;
                downloaded.bytes += digests.bytes;
                downloaded.digests.insert(file.url.clone(), digests);
            }
            Err(error) => failures.push(report_at(file, index_report(&error, writes))),
        }
    }
    if failures.is_empty() {
        return Ok(downloaded);
    }
    let count = failures.len();
    let written = if writes { "; nothing was written" } else { "" };
    failures.push(miette::miette!(
        "{count} download{} failed{written}",
        super::plural(count)
    ));
    Err(Failure::new(Outcome::IndexFailure, failures))
}

/// `report`, placed at the line that wants `file` when there is one.
fn report_at(file: &Wanted, report: Report) -> Report {
    match &file.at {
        Some((source, span)) => Report::new(
            source
                .error(span.clone(), format!("{report} ({})", file.purpose))
                .label("download failed")
                .maybe_hint(report.help().map(|help| help.to_string())),
        ),
        None => report,
    }
}

/// A bar of bytes (against the total when the index gives every file's size), its
/// message the files done; hidden when quiet or off a terminal.
fn progress(files: &[&Wanted], quiet: bool) -> ProgressBar {
    use std::io::IsTerminal;
    let visible = !quiet && std::io::stderr().is_terminal();
    let target = if visible {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let total: Option<u64> = files.iter().map(|file| file.size).sum();
    let template = match total {
        Some(_) => {
            "{spinner} downloading {msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, {eta})"
        }
        None => "{spinner} downloading {msg}, {binary_bytes} ({binary_bytes_per_sec})",
    };
    let bar = ProgressBar::with_draw_target(total, target);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(format!("0/{} files", files.len()));
    if visible {
        bar.enable_steady_tick(Duration::from_millis(100));
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_paths_name_the_blake2b() {
        let url = Url::parse("https://files.pythonhosted.org/packages/d9/5a/e7c31adbe875f2abbb91bd84cf2dc52d792b5a01506781dbcf25c91daf11/six-1.16.0-py2.py3-none-any.whl").unwrap();
        let digest = path_blake2b(&url).unwrap();
        assert_eq!(
            hex::encode(digest),
            "d95ae7c31adbe875f2abbb91bd84cf2dc52d792b5a01506781dbcf25c91daf11"
        );
        for other in [
            "https://files.example/six-1.16.0.tar.gz",
            "https://host/packages/d9/5a/short/six.whl",
            "https://host/packages/zz/5a/e7c31adbe875f2abbb91bd84cf2dc52d792b5a01506781dbcf25c91daf11/six.whl",
            "https://host/packages/d9/5a/e7c31adbe875f2abbb91bd84cf2dc52d792b5a01506781dbcf25c91daf11/x/six.whl",
        ] {
            assert_eq!(path_blake2b(&Url::parse(other).unwrap()), None, "{other}");
        }
    }
}
