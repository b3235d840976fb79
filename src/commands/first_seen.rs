//! The first-seen log and the checks beyond hashes, wired into `lock` and `verify`:
//! which logs a run keeps, what it learnt about each pin (the index its files came
//! from, their provenance), what it appends.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use futures::StreamExt;

use super::warn;
use crate::cli::{CacheArgs, LogArgs, VerifyArgs};
use crate::diagnostics::Located;
use crate::exit::{Failure, Outcome};
use crate::index::{IndexError, Indexes, shown_text};
use crate::log::{self, Logs, Opened, Pending};
use crate::pin::Pin;
use crate::verify::beyond::{self, Learnt};
use crate::verify::online::Target;

/// The logs of a run: the committed copy (`--log-file`, or a `hashlock.log` beside
/// `first`, the first requirements file), then the user cache's (in `--cache-dir`
/// when given); none with `--no-log`.
pub(super) fn log_paths(args: &LogArgs, cache: &CacheArgs, first: &Path) -> Vec<PathBuf> {
    keep_log_in(cache);
    if args.no_log {
        return Vec::new();
    }
    let beside = || {
        let dir = first.parent().unwrap_or(Path::new(""));
        let candidate = dir.join(log::COMMITTED_NAME);
        candidate.is_file().then_some(candidate)
    };
    let mut paths: Vec<PathBuf> = args.log_file.clone().or_else(beside).into_iter().collect();
    paths.extend(log::cache_log());
    paths
}

/// The logs of a run, read on a blocking thread from the start of the run: a warm
/// run parses its files and reads its cached answers meanwhile (a 1 MB log of 3,500
/// records took a fifth of a warm 199-pin run, on the one thread that does the rest).
pub(super) struct Opening {
    reading: Option<tokio::task::JoinHandle<Opened>>,
    paths: Vec<PathBuf>,
}

impl Opening {
    /// Starts reading the logs at `paths` (see [`log_paths`]).
    pub(super) fn start(paths: Vec<PathBuf>) -> Opening {
        let reading = (!paths.is_empty()).then(|| {
            let paths = paths.clone();
            tokio::task::spawn_blocking(move || Logs::open(paths))
        });
        Opening { reading, paths }
    }

    /// Whether the run keeps no log (`--no-log`).
    fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The logs as read (read here if the thread failed), with the records about
    /// the projects of `pins`.
    async fn logs(self, pins: &[&Pin]) -> Logs {
        let opened = match self.reading {
            Some(reading) => match reading.await {
                Ok(opened) => opened,
                Err(_) => Logs::open(self.paths),
            },
            None => Logs::open(self.paths),
        };
        opened.about(&projects(pins))
    }
}

/// What every location said about each pin (each pin once; lookups are memoized,
/// so this asks nothing new), and with `provenance` each file's provenance.
/// Pins whose lookup failed are left out: their failure is reported elsewhere.
async fn learn(
    index: &Indexes,
    pins: Vec<&Pin>,
    provenance: bool,
    concurrency: usize,
) -> Result<HashMap<Pin, Learnt>, IndexError> {
    let mut learnt = HashMap::new();
    for pin in pins {
        if learnt.contains_key(pin) {
            continue;
        }
        let Ok(found) = index.release(pin).await else {
            continue;
        };
        learnt.insert(
            pin.clone(),
            Learnt {
                index: found
                    .from
                    .iter()
                    .map(|shown| index_key(shown))
                    .collect::<Vec<_>>()
                    .join(" "),
                release: found.release,
                provenance: HashMap::new(),
            },
        );
    }
    if provenance {
        let asked: Vec<(Pin, crate::index::DistFile, String)> = learnt
            .iter()
            .flat_map(|(pin, l)| {
                l.release
                    .files
                    .iter()
                    .filter(|f| f.sha256.is_some())
                    .map(|f| (pin.clone(), f.clone(), l.release.version.to_string()))
            })
            .collect();
        let answers: Vec<_> = futures::stream::iter(asked)
            .map(|(pin, file, version)| async move {
                let project = pin.name.to_string();
                let answer = index.provenance(&file, &project, &version).await;
                (pin, file.filename, answer)
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        for (pin, filename, answer) in answers {
            if let Some(l) = learnt.get_mut(&pin) {
                l.provenance.insert(filename, answer?);
            }
        }
    }
    Ok(learnt)
}

/// An index as the log names it: its URL without `/simple` and the trailing `/`, so
/// that `https://pypi.org`, `https://pypi.org/simple/` and PyPI by default are one
/// index; a find-links location as shown.
pub(super) fn index_key(shown: &str) -> String {
    match reqwest::Url::parse(shown) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {
            let base = crate::cli::IndexArgs::base_url(&url);
            base.as_str().trim_end_matches('/').to_owned()
        }
        _ => shown.to_owned(),
    }
}

/// Keeps the user cache's log in `--cache-dir` when it is given, as it is in
/// `HASHLOCK_CACHE_DIR`: set as the log paths are taken, so that the log read,
/// the log appended to and the head kept of it are the same directory's (the log
/// was read from the default directory, and its head kept in the given one).
fn keep_log_in(cache: &CacheArgs) {
    if let Some(dir) = &cache.dir.cache_dir {
        log::use_cache_dir(std::path::absolute(dir).unwrap_or_else(|_| dir.clone()));
    }
}

/// The logs of a `lock` run whose first requirements file is `first`, being read.
pub(super) fn open_for_lock(args: &LogArgs, cache: &CacheArgs, first: Option<&Path>) -> Opening {
    let first = first.unwrap_or(Path::new("requirements.txt"));
    Opening::start(log_paths(args, cache, first))
}

/// The logs of a `verify` run, being read.
pub(super) fn open_for_verify(args: &VerifyArgs) -> Opening {
    if args.index.cache.offline {
        // `--offline` reads them only for pins the cache lacks: see `read_for_verify`.
        return Opening::start(Vec::new());
    }
    Opening::start(log_paths(&args.log, &args.index.cache, &first_of(args)))
}

/// The logs of a `verify` run, read now with the records about the projects of
/// `pins` (`--offline` reads them only when a pin is not in the cache).
pub(super) fn read_for_verify(args: &VerifyArgs, pins: &[&Pin]) -> Logs {
    Logs::open(log_paths(&args.log, &args.index.cache, &first_of(args))).about(&projects(pins))
}

/// The projects of `pins`, as the log names them (normalized).
fn projects(pins: &[&Pin]) -> HashSet<String> {
    pins.iter().map(|pin| pin.name.to_string()).collect()
}

/// The first requirements file of a `verify` run, beside which a committed log is
/// looked for.
fn first_of(args: &VerifyArgs) -> PathBuf {
    args.files
        .first()
        .or(args.constraints.first())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("requirements.txt"))
}

/// `verify`'s findings beyond hashes, after its lookups; appends what it read to the
/// logs.
pub(super) async fn verify_findings(
    args: &VerifyArgs,
    opening: Opening,
    index: &Indexes,
    targets: &[Target<'_>],
    quiet: bool,
) -> Result<Vec<Located>, Failure> {
    let pins: Vec<&Pin> = targets.iter().map(|t| t.pin).collect();
    let logs = opening.logs(&pins).await;
    for problem in &logs.problems {
        warn(
            quiet,
            miette::miette!(severity = miette::Severity::Warning, "{problem}"),
        );
    }
    let concurrency = usize::from(args.index.concurrency);
    let learnt = learn(index, pins, args.provenance, concurrency)
        .await
        .map_err(|error| {
            Failure::new(
                Outcome::IndexFailure,
                [super::lookup::index_report(&error, false)],
            )
        })?;
    let options = beyond::Options {
        min_age: args.min_age.clone(),
        now: jiff::Timestamp::now(),
        provenance: args.provenance,
    };
    let findings = beyond::check(targets, &learnt, &logs.seen, &options);
    for problem in logs.append(&beyond::entries(&learnt, &logs.seen)) {
        warn(
            quiet,
            miette::miette!(severity = miette::Severity::Warning, "{problem}"),
        );
    }
    Ok(findings)
}

/// `lock`'s recording in the logs, started after its lookups and finished after
/// its files are written (see [`record_lock`]).
pub(super) struct Recording {
    /// The appends, being prepared on a blocking thread.
    pending: Option<tokio::task::JoinHandle<Pending>>,
    problems: Vec<String>,
    quiet: bool,
}

/// After `lock`'s lookups: prepares appending every file it read to the logs, while
/// the run plans and writes its files (rendering and hashing 3,500 records took 3
/// ms on the tail of a cold 199-pin lock); [`Recording::finish`] writes them, once
/// the files are written. Warns about files whose digest differs from the one
/// first seen (`verify` reports them as errors).
pub(super) async fn record_lock(
    opening: Opening,
    index: Option<&Indexes>,
    pins: Vec<&Pin>,
    quiet: bool,
) -> Recording {
    let mut recording = Recording {
        pending: None,
        problems: Vec::new(),
        quiet,
    };
    let Some(index) = index.filter(|_| !opening.is_empty()) else {
        return recording;
    };
    let logs = opening.logs(&pins).await;
    let learnt = learn(index, pins, false, 1).await.unwrap_or_default();
    let mut problems = logs.problems.clone();
    for l in learnt.values() {
        for file in &l.release.files {
            let (Some(now), Some(first)) = (file.sha256, logs.seen.file(&l.index, &file.filename))
            else {
                continue;
            };
            if first.sha256 != now {
                problems.push(format!(
                    "{} now publishes `{}` with sha256 {now}, and it was first seen on {} with {}: `hashlock verify` reports it as `digest-changed`",
                    l.index,
                    shown_text(&file.filename),
                    first.seen,
                    first.sha256
                ));
            }
        }
    }
    let entries = beyond::entries(&learnt, &logs.seen);
    // What it owns is freed there too.
    recording.pending = Some(tokio::task::spawn_blocking(move || logs.prepare(&entries)));
    recording.problems = problems;
    recording
}

impl Recording {
    /// Writes what was prepared (nothing if the run stops before: each log is then
    /// let go untouched), and warns of what went wrong.
    pub(super) async fn finish(self) {
        let mut problems = self.problems;
        if let Some(pending) = self.pending {
            match pending.await {
                Ok(pending) => problems.extend(pending.commit()),
                Err(error) => {
                    problems.push(format!("the first-seen log was not appended to: {error}"))
                }
            }
        }
        for problem in problems {
            warn(
                self.quiet,
                miette::miette!(severity = miette::Severity::Warning, "{problem}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::index_key;

    #[test]
    fn one_index_is_one_key_however_it_is_spelled() {
        for spelled in [
            "https://pypi.org",
            "https://pypi.org/",
            "https://pypi.org/simple/",
            "https://pypi.org/simple",
        ] {
            assert_eq!(index_key(spelled), "https://pypi.org", "{spelled}");
        }
        assert_eq!(
            index_key("https://host/api/pypi/pypi/simple/"),
            "https://host/api/pypi/pypi"
        );
        assert_eq!(index_key("/srv/wheels"), "/srv/wheels");
    }
}
