//! `lock` choosing versions: every requirement that is not pinned (a range, `~=`,
//! `!=`, a wildcard, a bare name) becomes `name==X`, and with `--upgrade` or
//! `-P NAME[SPEC]` pins move too. X is the newest version that the line, the other
//! lines on the same project (requirements and `-c` constraints whose markers can
//! hold with its own on some target) and `-P`'s specifier admit, under the rules of
//! [`crate::resolve::choose`]. Only the specifier's bytes of each line change
//! ([`crate::rewrite::pinned`]); the caller parses the new texts and locks them.

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

use futures::StreamExt;
use miette::Report;
use pep440_rs::{VersionSpecifier, VersionSpecifiers};
use pep508_rs::{PackageName, VersionOrUrl};

use super::lookup::index_report;
use crate::completeness::{self, BinaryRules};
use crate::diagnostics::{Code, Located};
use crate::exit::{Failure, Outcome};
use crate::index::{IndexError, Indexes, Release};
use crate::pin::{Pin, Pinning};
use crate::requirements::Target as LineTarget;
use crate::resolve::choose::{self, NoChoice, Offered, Passed, Rules};
use crate::rewrite::{Edits, pinned};
use crate::targets::Target;
use crate::workspace::{Record, Role, Workspace};

/// Which pins `--upgrade` and `-P` move.
#[derive(Debug, Default)]
pub(super) struct Upgrades {
    /// `--upgrade`: every pin.
    pub(super) all: bool,
    /// `-P NAME[SPEC]`: these, within their specifiers.
    pub(super) named: HashMap<PackageName, Vec<VersionSpecifier>>,
}

impl Upgrades {
    /// Reads `-P` values: a name and an optional specifier (`django`, `django<5`).
    pub(super) fn new(all: bool, packages: &[String]) -> Result<Upgrades, Failure> {
        let mut named: HashMap<PackageName, Vec<VersionSpecifier>> = HashMap::new();
        for text in packages {
            let bad = |why: String| {
                Failure::new(
                    Outcome::BadInput,
                    [miette::miette!(
                        help = "give a project name and, if you like, a specifier: `-P django` or `-P 'django<5'`",
                        "`--upgrade-package {text}`: {why}"
                    )],
                )
            };
            let requirement = pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(text)
                .map_err(|error| bad(error.to_string()))?;
            if !requirement.extras.is_empty() || requirement.marker.contents().is_some() {
                return Err(bad("extras and markers have no meaning here".to_owned()));
            }
            let specifiers = match requirement.version_or_url {
                None => Vec::new(),
                Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
                    specifiers.iter().cloned().collect()
                }
                Some(VersionOrUrl::Url(_)) => {
                    return Err(bad("a URL has no version to upgrade to".to_owned()));
                }
            };
            named
                .entry(requirement.name)
                .or_default()
                .extend(specifiers);
        }
        Ok(Upgrades { all, named })
    }

    /// The `-P` names no requirement of `records` has, sorted.
    pub(super) fn unknown(&self, records: &[Record<'_>]) -> Vec<String> {
        let mut unknown: Vec<String> = self
            .named
            .keys()
            .filter(|name| {
                !records
                    .iter()
                    .any(|r| parsed(r).is_some_and(|p| p.name == **name))
            })
            .map(ToString::to_string)
            .collect();
        unknown.sort();
        unknown
    }

    fn moves(&self, name: &PackageName) -> bool {
        self.all || self.named.contains_key(name)
    }
}

/// How `lock` chooses.
pub(super) struct Options<'a> {
    pub(super) upgrades: &'a Upgrades,
    pub(super) rules: Rules,
    /// `--annotate`: the old specifier goes in the line's comment.
    pub(super) annotate: bool,
    pub(super) concurrency: usize,
    /// `--min-age` as given, for messages.
    pub(super) min_age: Option<&'a str>,
}

/// What choosing did.
#[derive(Debug, Default)]
pub(super) struct Chosen {
    /// The new text of each file of the workspace (`None`: unchanged).
    pub(super) texts: Vec<Option<String>>,
    /// `requests>=2.28 -> 2.32.3`, one per line that changed, and what was passed
    /// over on the way.
    pub(super) summary: Vec<String>,
}

/// Whether `lock` chooses a version for `record`: it is not pinned, or it is and
/// the run upgrades it. `Some(true)` for an upgrade (its own `==` does not count).
pub(super) fn wanted(record: &Record<'_>, upgrades: &Upgrades) -> Option<bool> {
    let LineTarget::Pep508(parsed) = &record.req.target else {
        return None;
    };
    match &record.pinning {
        Pinning::Range | Pinning::Several | Pinning::Wildcard | Pinning::Unversioned => Some(false),
        Pinning::Exact(pin) if pin.arbitrary.is_none() && upgrades.moves(&parsed.name) => {
            Some(true)
        }
        _ => None,
    }
}

/// Whether the run has anything to choose.
pub(super) fn any_wanted(records: &[Record<'_>], upgrades: &Upgrades) -> bool {
    records.iter().any(|r| wanted(r, upgrades).is_some())
}

fn parsed<'r>(record: &Record<'r>) -> Option<&'r pep508_rs::Requirement> {
    match &record.req.target {
        LineTarget::Pep508(parsed) => Some(parsed),
        LineTarget::Unnamed { .. } => None,
    }
}

fn specifiers_of(record: &Record<'_>) -> Vec<VersionSpecifier> {
    match parsed(record).and_then(|p| p.version_or_url.as_ref()) {
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.iter().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The targets (indexes into `targets`) on which the record's marker holds.
fn holds_on(record: &Record<'_>, targets: &[Target]) -> BTreeSet<usize> {
    (0..targets.len())
        .filter(|&t| {
            parsed(record).is_none_or(|p| p.marker.evaluate(&targets[t].marker_environment(), &[]))
        })
        .collect()
}

/// The candidates of a project for the targets `which` (indexes into `targets`).
fn offered(
    releases: &[Release],
    (targets, which): (&[Target], &BTreeSet<usize>),
    rules: &BinaryRules,
) -> Vec<Offered> {
    releases
        .iter()
        .filter_map(|release| {
            let version = release.version.parse().ok()?;
            let name = release.name.parse::<PackageName>().ok();
            let binary = name.map_or(completeness::FileKinds::Any, |n| rules.of(&n));
            let yanked =
                !release.files.is_empty() && release.files.iter().all(|f| f.yanked.is_some());
            let kept: Vec<Vec<&crate::index::DistFile>> = if which.is_empty() {
                // For no target: every file counts.
                vec![release.files.iter().collect()]
            } else {
                which
                    .iter()
                    .map(|&t| {
                        completeness::kept_files(release, std::slice::from_ref(&targets[t]), binary)
                    })
                    .collect()
            };
            let installable = kept.iter().all(|files| !files.is_empty());
            let uploaded = kept
                .iter()
                .flatten()
                .map(|f| f.upload_time.as_deref()?.parse::<jiff::Timestamp>().ok())
                .try_fold(None, |newest: Option<jiff::Timestamp>, time| {
                    // One file without a time makes the version's time unknown.
                    Some(newest.max(Some(time?)))
                })
                .flatten();
            Some(Offered {
                version,
                yanked,
                installable,
                uploaded,
            })
        })
        .collect()
}

/// Chooses a version for every line that needs one, and rewrites those lines.
pub(super) async fn choose_all(
    index: &Indexes,
    workspace: &Workspace,
    targets: &[Target],
    binary: &BinaryRules,
    options: &Options<'_>,
) -> Result<Chosen, Failure> {
    let records = workspace.records(Role::Requirements);
    let constraints = workspace.records(Role::Constraints);
    let chosen_records: Vec<(&Record<'_>, bool)> = records
        .iter()
        .filter_map(|r| Some((r, wanted(r, options.upgrades)?)))
        .collect();
    let names: BTreeSet<PackageName> = chosen_records
        .iter()
        .filter_map(|(r, _)| Some(parsed(r)?.name.clone()))
        .collect();
    let listings: Vec<(PackageName, Result<Vec<Release>, IndexError>)> =
        futures::stream::iter(names)
            .map(|name| async move {
                let releases = index.listing(&name).await;
                (name, releases)
            })
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
    let mut projects: HashMap<PackageName, Vec<Release>> = HashMap::new();
    for (name, result) in listings {
        match result {
            Ok(releases) => {
                projects.insert(name, releases);
            }
            Err(IndexError::PackageNotFound { .. }) => {
                projects.insert(name, Vec::new());
            }
            Err(error) => {
                return Err(Failure::new(
                    Outcome::IndexFailure,
                    [index_report(&error, true)],
                ));
            }
        }
    }
    let mut edits: Vec<Edits> = workspace.files.iter().map(|_| Edits::default()).collect();
    let mut changed = vec![false; workspace.files.len()];
    let mut chosen = Chosen::default();
    let mut problems: Vec<(Outcome, Located)> = Vec::new();
    for &(record, upgrade) in &chosen_records {
        let Some(requirement) = parsed(record) else {
            continue;
        };
        let name = &requirement.name;
        let file = &workspace.files[record.file];
        let line = &file.parsed.lines[record.line];
        // A line whose marker holds on no target is chosen for none (any version
        // with a file will do), and the other lines it meets are all of them.
        let line_targets = holds_on(record, targets);
        let meets = if line_targets.is_empty() {
            (0..targets.len()).collect()
        } else {
            line_targets.clone()
        };
        let mut specifiers = if upgrade {
            Vec::new()
        } else {
            specifiers_of(record)
        };
        if let Some(extra) = options.upgrades.named.get(name) {
            specifiers.extend(extra.iter().cloned());
        }
        for other in records.iter().chain(&constraints) {
            let same = std::ptr::eq(other.req, record.req);
            let moved = wanted(other, options.upgrades) == Some(true);
            if same || moved || parsed(other).is_none_or(|p| p.name != *name) {
                continue;
            }
            if holds_on(other, targets).is_disjoint(&meets) {
                continue;
            }
            specifiers.extend(specifiers_of(other));
        }
        let releases = projects.get(name).map_or(&[][..], Vec::as_slice);
        let offers = offered(releases, (targets, &line_targets), binary);
        let before = pinned::written_without_marker(&file.parsed, record.req)
            .unwrap_or_else(|| record.req.text.trim().to_owned());
        let choice = match choose::choose(&offers, &specifiers, &options.rules) {
            Ok(choice) => choice,
            Err(why) => {
                // A project the index does not have is bad input, as for a pin.
                let outcome = if releases.is_empty() {
                    Outcome::BadInput
                } else {
                    Outcome::CheckFailed
                };
                let located = no_choice(
                    file,
                    record,
                    (&before, &specifiers, releases.is_empty()),
                    why,
                    options.min_age,
                );
                problems.push((outcome, located));
                continue;
            }
        };
        let Some(release) = releases.iter().find(|r| {
            r.version
                .parse::<pep440_rs::Version>()
                .is_ok_and(|v| v == choice.version)
        }) else {
            continue;
        };
        for (version, why) in &choice.passed {
            if let Passed::TooNew(at) = why {
                chosen.summary.push(format!(
                    "  skipped {name} {version}: uploaded {at}, less than `--min-age {}` ago",
                    options.min_age.unwrap_or_default()
                ));
            }
        }
        let pin = Pin {
            name: name.clone(),
            version: choice.version.clone(),
            arbitrary: None,
        };
        if record.pinning.pin() == Some(&pin) {
            continue;
        }
        let annotate = options.annotate && !upgrade;
        let Some(text) =
            pinned::pinned_line(&file.parsed, line, record.req, &release.version, annotate)
        else {
            problems.push((Outcome::BadInput, unreadable(file, record)));
            continue;
        };
        chosen
            .summary
            .push(format!("  {before} -> {}", release.version));
        edits[record.file].replace(record.line, text);
        changed[record.file] = true;
    }
    if let Some(outcome) = problems.iter().map(|(outcome, _)| *outcome).max() {
        let mut reports: Vec<Report> = problems
            .into_iter()
            .map(|(_, located)| Report::new(located))
            .collect();
        reports.push(miette::miette!("nothing was written"));
        return Err(Failure::new(outcome, reports));
    }
    chosen.texts = workspace
        .files
        .iter()
        .zip(edits)
        .zip(changed)
        .map(|((file, edits), changed)| changed.then(|| edits.apply(&file.parsed)))
        .collect();
    Ok(chosen)
}

/// The error of a line no version can be chosen for.
fn no_choice(
    file: &crate::workspace::File,
    record: &Record<'_>,
    (before, specifiers, unknown): (&str, &[VersionSpecifier], bool),
    why: NoChoice,
    min_age: Option<&str>,
) -> Located {
    let all: String = VersionSpecifiers::from_iter(specifiers.iter().cloned()).to_string();
    let wanted = if all.is_empty() {
        "any version".to_owned()
    } else {
        format!("`{all}`")
    };
    let (message, hint) = match why {
        NoChoice::NoUploadTime(version) => (
            format!(
                "the index gives no upload time for {before}'s candidate {version}: `--min-age` cannot check it"
            ),
            "PyPI gives upload times (PEP 700); with an index that does not, pass `--min-age-missing=allow` to take such versions".to_owned(),
        ),
        NoChoice::Nothing(_) if unknown => (
            format!("the index has no release of `{before}`"),
            "check the name, and that the index is the one pip uses".to_owned(),
        ),
        NoChoice::Nothing(passed) if passed.is_empty() => (
            format!("no release satisfies {wanted} (this line, the other lines on it, and the constraints)"),
            "widen the range, or drop the line that narrows it".to_owned(),
        ),
        NoChoice::Nothing(passed) => {
            let listed: Vec<String> = passed
                .iter()
                .take(5)
                .map(|(version, why)| match why {
                    Passed::Yanked => format!("{version} is yanked"),
                    Passed::NotInstallable => format!("{version} has no file for the targets"),
                    Passed::TooNew(at) => format!(
                        "{version} was uploaded {at}, less than `--min-age {}` ago",
                        min_age.unwrap_or_default()
                    ),
                })
                .collect();
            (
                format!(
                    "no release that satisfies {wanted} can be taken: {}",
                    listed.join(", ")
                ),
                "widen the range, pin a version exactly (a yanked one too), or lock for other targets".to_owned(),
            )
        }
    };
    let name = parsed(record)
        .map(|p| p.name.to_string())
        .unwrap_or_default();
    file.source
        .error(record.req.span.clone(), message)
        .code(Code::NotPinned)
        .package(name)
        .label("no version to pin")
        .hint(hint)
}

fn unreadable(file: &crate::workspace::File, record: &Record<'_>) -> Located {
    file.source
        .error(
            record.req.span.clone(),
            format!(
                "`{}` cannot be pinned in place: hashlock rewrites a requirement written on one line, without `${{VAR}}`",
                record.req.text.trim()
            ),
        )
        .code(Code::NotPinned)
        .label("not rewritten")
        .hint("write the requirement on one line, or pin it by hand")
}
