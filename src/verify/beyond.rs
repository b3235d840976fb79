//! The checks beyond hashes: what the first-seen log says an index published before
//! (`digest-changed`, `file-vanished`), how old the files are (`too-new`), who
//! published them (`publisher-changed`, `attestation-missing`, PEP 740) and the
//! project's status (`project-status`, PEP 792). Pure: the command looks up, reads
//! the logs and fetches provenance; these judge.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use pep440_rs::Version;

use super::online::Target;
use crate::diagnostics::{Code, Located, Severity};
use crate::digest::Sha256;
use crate::index::integrity::Provenance;
use crate::index::{DistFile, Release, shown_text};
use crate::log::{Entry, Fact, Seen, Subject};
use crate::pin::Pin;

/// Which of the checks run, and against what time.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// `--min-age`.
    pub min_age: Option<MinAge>,
    pub now: Timestamp,
    /// `--provenance`.
    pub provenance: bool,
}

/// What the run learnt about a pin's release.
#[derive(Debug, Clone)]
pub(crate) struct Learnt {
    /// The index (or indexes) the files came from, as shown: the log's key.
    pub index: String,
    /// Shared with the index client's answer, not copied.
    pub release: Arc<Release>,
    /// With `--provenance`: each file's provenance, `None` where the index had
    /// none (404).
    pub provenance: HashMap<String, Option<Provenance>>,
}

impl Learnt {
    /// The normalized project name, the log's key.
    fn project(&self, pin: &Pin) -> String {
        pin.name.to_string()
    }

    fn subject(&self, pin: &Pin, filename: &str) -> Subject {
        Subject {
            index: self.index.clone(),
            project: self.project(pin),
            version: self.release.version.clone(),
            filename: filename.to_owned(),
        }
    }

    /// The publisher identities of the version's files, when known: `Some(empty)`
    /// means known to be unattested.
    fn publishers(&self, proven: bool) -> Option<BTreeSet<String>> {
        let mut identities = BTreeSet::new();
        let mut known = false;
        for file in self.release.files.iter().filter(|f| f.sha256.is_some()) {
            match self.provenance.get(&file.filename) {
                Some(Some(Provenance::Attested(ids))) => {
                    known = true;
                    identities.extend(ids.iter().cloned());
                }
                Some(Some(Provenance::Unattested)) => known = true,
                Some(None) if proven => known = true,
                _ => {}
            }
        }
        known.then_some(identities)
    }
}

/// Whether provenance on `index` can be believed absent where it is missing: the
/// index served some file's provenance in this run, or an attested one before.
pub(crate) fn proven(index: &str, learnt: &HashMap<Pin, Learnt>, seen: &Seen) -> bool {
    seen.attests(index)
        || learnt
            .values()
            .filter(|l| l.index == index)
            .flat_map(|l| l.provenance.values())
            .any(Option::is_some)
}

/// The records a run appends: every file of every release, and with
/// `--provenance` each file's publisher where known.
pub(crate) fn entries(all: &HashMap<Pin, Learnt>, seen: &Seen) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (pin, learnt) in all {
        let proven = proven(&learnt.index, all, seen);
        for file in &learnt.release.files {
            let Some(sha256) = file.sha256 else {
                continue;
            };
            entries.push(Entry {
                subject: learnt.subject(pin, &file.filename),
                fact: Fact::File {
                    sha256,
                    blake2b: None,
                    uploaded: file.upload_time.clone(),
                },
            });
            let identity = match learnt.provenance.get(&file.filename) {
                Some(Some(Provenance::Attested(ids))) => Some(Some(joined(ids))),
                Some(Some(Provenance::Unattested)) => Some(None),
                Some(None) if proven => Some(None),
                _ => None,
            };
            if let Some(identity) = identity {
                entries.push(Entry {
                    subject: learnt.subject(pin, &file.filename),
                    fact: Fact::Publisher { identity },
                });
            }
        }
    }
    entries
}

/// Several identities in one field.
fn joined(ids: &BTreeSet<String>) -> String {
    ids.iter().cloned().collect::<Vec<_>>().join("|")
}

fn split(identity: &str) -> impl Iterator<Item = String> + '_ {
    identity.split('|').map(str::to_owned)
}

/// Every finding of the checks beyond hashes, for each target whose lookup
/// succeeded.
pub(crate) fn check(
    targets: &[Target<'_>],
    all: &HashMap<Pin, Learnt>,
    seen: &Seen,
    options: &Options,
) -> Vec<Located> {
    let mut findings = Vec::new();
    let mut unavailable: BTreeSet<&str> = BTreeSet::new();
    for target in targets {
        let Some(learnt) = all.get(target.pin) else {
            continue;
        };
        findings.extend(changed(target, learnt, seen));
        findings.extend(vanished(target, learnt, seen));
        findings.extend(status(target, &learnt.release));
        if let Some(min_age) = &options.min_age {
            findings.extend(too_new(target, &learnt.release, min_age, options.now));
        }
        if options.provenance {
            let proven = proven(&learnt.index, all, seen);
            match learnt.publishers(proven) {
                Some(current) => findings.extend(publisher(target, learnt, &current, seen)),
                None if unavailable.insert(learnt.index.as_str()) => {
                    findings.push(no_provenance(target, learnt));
                }
                None => {}
            }
        }
    }
    findings
}

fn finding(target: &Target<'_>, severity: Severity, code: Code, message: String) -> Located {
    target
        .source
        .at(severity, target.req.span.clone(), message)
        .code(code)
        .package(target.pin.name.to_string())
}

/// Files whose digest differs from the one first seen under their name.
fn changed(target: &Target<'_>, learnt: &Learnt, seen: &Seen) -> Vec<Located> {
    let mut findings = Vec::new();
    for file in &learnt.release.files {
        let Some(now) = file.sha256 else { continue };
        let Some(first) = seen.file(&learnt.index, &file.filename) else {
            continue;
        };
        if first.sha256 == now {
            continue;
        }
        let message = format!(
            "{} now publishes `{}` with sha256 {now}, and it was first seen on {} with {}",
            learnt.index,
            shown_text(&file.filename),
            first.seen,
            first.sha256
        );
        let hint = "an index never changes a published file: do not install it, find out why (a compromised index or mirror, a re-upload) and tell the index's maintainers";
        findings.push(finding(target, Severity::Error, Code::DigestChanged, message).hint(hint));
    }
    findings
}

/// Files first seen for the version that the index no longer lists.
fn vanished(target: &Target<'_>, learnt: &Learnt, seen: &Seen) -> Option<Located> {
    let project = learnt.project(target.pin);
    let listed: BTreeSet<&str> = learnt
        .release
        .files
        .iter()
        .map(|f| f.filename.as_str())
        .collect();
    let gone: Vec<&str> = seen
        .filenames(&learnt.index, &project, &learnt.release.version)
        .into_iter()
        .filter(|name| !listed.contains(name))
        .collect();
    if gone.is_empty() {
        return None;
    }
    let shown: Vec<String> = gone
        .iter()
        .take(3)
        .map(|n| format!("`{}`", shown_text(n)))
        .collect();
    let more = gone.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let message = format!(
        "{} no longer lists {}{more} of {} {}, first seen there",
        learnt.index,
        shown.join(", "),
        target.pin.name,
        learnt.release.version
    );
    let hint = "files are deleted by their project (or the index): a line's hash for a deleted file is harmless, but ask why if you did not expect it";
    Some(finding(target, Severity::Warning, Code::FileVanished, message).hint(hint))
}

/// PEP 792: archived and deprecated projects are warnings, quarantined ones errors.
fn status(target: &Target<'_>, release: &Release) -> Option<Located> {
    let status = release.status.as_ref()?;
    let (severity, hint) = match status.status.as_str() {
        "archived" => (
            Severity::Warning,
            "an archived project gets no more releases, security fixes included: plan a replacement",
        ),
        "deprecated" => (
            Severity::Warning,
            "the project asks its users to move away from it: see its reason and plan a replacement",
        ),
        "quarantined" => (
            Severity::Error,
            "the index quarantined it (suspected malware) and pip cannot install it: remove it, and check machines that installed it",
        ),
        _ => return None,
    };
    let reason = status
        .reason
        .as_deref()
        .map(|r| format!(": {}", shown_text(r)))
        .unwrap_or_default();
    let message = format!(
        "{} is {} on the index{reason}",
        target.pin.name, status.status
    );
    Some(finding(target, severity, Code::ProjectStatus, message).hint(hint))
}

/// Files uploaded less than `min_age` before `now`.
fn too_new(
    target: &Target<'_>,
    release: &Release,
    min_age: &MinAge,
    now: Timestamp,
) -> Option<Located> {
    // The files the line can install: those whose hash it holds (a wheel added to an
    // old release later, and not on the line, is no file pip takes from it).
    let written: BTreeSet<Sha256> = target
        .req
        .hashes
        .iter()
        .filter_map(|h| h.sha256())
        .chain(target.peep.iter().map(|(digest, _)| *digest))
        .collect();
    let installable = |f: &&DistFile| {
        written.is_empty() || f.sha256.is_some_and(|digest| written.contains(&digest))
    };
    let times: Vec<(Timestamp, &str)> = release
        .files
        .iter()
        .filter(installable)
        .filter_map(|f| Some((f.upload_time.as_deref()?.parse().ok()?, f.filename.as_str())))
        .collect();
    let Some((newest, filename)) = times.iter().max_by_key(|(time, _)| *time) else {
        let message = format!(
            "the index gives no upload time for the files of {} {}: `--min-age` cannot check it",
            target.pin.name, release.version
        );
        let hint = "PyPI gives upload times (PEP 700); a mirror or private index may not";
        return Some(finding(target, Severity::Warning, Code::TooNew, message).hint(hint));
    };
    let age = now.duration_since(*newest);
    if age >= min_age.duration {
        return None;
    }
    let message = format!(
        "`{}` of {} {} was uploaded {} ago ({newest}), less than `--min-age {}`",
        shown_text(filename),
        target.pin.name,
        release.version,
        shown_age(age),
        min_age.text
    );
    let hint = "a release this new has had no time to be found out if it is malicious: wait, or pin an older version";
    Some(finding(target, Severity::Error, Code::TooNew, message).hint(hint))
}

/// An age in the largest unit that fits: `3 days`, `5 hours`, `12 minutes`.
fn shown_age(age: SignedDuration) -> String {
    let seconds = age.as_secs().max(0);
    let (count, unit) = match seconds {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s => (s / 60, "minute"),
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

/// Compares the version's publishers with the nearest earlier version's in the log.
fn publisher(
    target: &Target<'_>,
    learnt: &Learnt,
    current: &BTreeSet<String>,
    seen: &Seen,
) -> Option<Located> {
    let project = learnt.project(target.pin);
    let pinned: Version = learnt.release.version.parse().ok()?;
    let mut earlier: HashMap<String, (Version, BTreeSet<String>)> = HashMap::new();
    for crate::log::PublisherSeen { version, identity } in seen.publishers(&learnt.index, &project)
    {
        let Ok(parsed) = version.parse::<Version>() else {
            continue;
        };
        if parsed >= pinned {
            continue;
        }
        let slot = earlier
            .entry(version.clone())
            .or_insert_with(|| (parsed, BTreeSet::new()));
        slot.1.extend(identity.iter().flat_map(|id| split(id)));
    }
    let (version, (_, before)) = earlier.into_iter().max_by(|a, b| a.1.0.cmp(&b.1.0))?;
    if before.is_empty() {
        return None;
    }
    let list = |ids: &BTreeSet<String>| {
        ids.iter()
            .map(|id| format!("`{id}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let name = &target.pin.name;
    if current.is_empty() {
        let message = format!(
            "{name} {} has no attestation, and {name} {version} was attested by {}",
            learnt.release.version,
            list(&before)
        );
        let hint = "a release uploaded outside the project's trusted publishing (a stolen token) looks like this: check with the project before installing it";
        return Some(
            finding(target, Severity::Error, Code::AttestationMissing, message).hint(hint),
        );
    }
    if current.is_disjoint(&before) {
        let message = format!(
            "{name} {} is attested by {}, and {name} {version} by {}",
            learnt.release.version,
            list(current),
            list(&before)
        );
        let hint = "the project moved its publishing, or someone else published this release: check the project's announcements before installing it";
        return Some(finding(target, Severity::Error, Code::PublisherChanged, message).hint(hint));
    }
    None
}

/// The index serves no provenance: said once per index.
fn no_provenance(target: &Target<'_>, learnt: &Learnt) -> Located {
    let message = format!(
        "{} served no provenance for any file asked (the Integrity API answered 404): publishers cannot be compared",
        learnt.index
    );
    let hint = "PyPI serves PEP 740 provenance; a mirror or private index may not: run `--provenance` against PyPI itself";
    finding(
        target,
        Severity::Warning,
        Code::ProvenanceUnavailable,
        message,
    )
    .hint(hint)
}

/// `--min-age`: as given, and as a duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MinAge {
    pub text: String,
    pub duration: SignedDuration,
}

impl MinAge {
    /// `7d`, `36h`, `2w 3d`, `P7D` (jiff's friendly and ISO 8601 forms); a day is
    /// 24 hours. Months and years are refused: their length depends on the date.
    pub(crate) fn parse(text: &str) -> Result<MinAge, String> {
        let span: jiff::Span = text.trim().parse().map_err(|_| {
            format!("`{text}` is not an age: write it like `7d`, `36h`, `2w` or `P7D`")
        })?;
        if span.get_years() != 0 || span.get_months() != 0 {
            return Err(
                "months and years have no fixed length: give days or weeks (`30d`)".to_owned(),
            );
        }
        let duration = span
            .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
            .map_err(|error| format!("`{text}`: {error}"))?;
        if duration.is_negative() {
            return Err("an age cannot be negative".to_owned());
        }
        Ok(MinAge {
            text: text.trim().to_owned(),
            duration,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_people_write_them() {
        let hours = |text: &str| MinAge::parse(text).unwrap().duration.as_hours();
        assert_eq!(hours("7d"), 168);
        assert_eq!(hours("36h"), 36);
        assert_eq!(hours("2w"), 336);
        assert_eq!(hours("P30D"), 720);
        assert_eq!(hours("1w 2d"), 216);
        for bad in ["", "soon", "1mo", "1y", "-3d"] {
            assert!(MinAge::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ages_are_shown_in_the_largest_unit() {
        assert_eq!(shown_age(SignedDuration::from_hours(50)), "2 days");
        assert_eq!(shown_age(SignedDuration::from_hours(1)), "1 hour");
        assert_eq!(shown_age(SignedDuration::from_secs(150)), "2 minutes");
    }
}
