//! Targets and dependencies for `lock` and `verify`: which targets a run is for
//! (flags, else the file's `# hashlock targets:` header, else the interpreter on
//! `PATH`), the completeness findings of `verify`, the files `lock` keeps for the
//! targets, and `lock --add-missing`'s resolution and block of added pins.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use futures::StreamExt;
use miette::Report;
use pep508_rs::PackageName;

use super::lookup::{fetch_all, index_report};
use crate::cli::{IndexArgs, TargetArgs};
use crate::completeness::{self, BinaryRules, Known, Pinned};
use crate::diagnostics::Located;
use crate::digest::Sha256;
use crate::exit::{Failure, Outcome};
use crate::index::Releases;
use crate::index::{IndexError, Indexes, Release};
use crate::pin::Pin;
use crate::requirements::OptionName;
use crate::resolve::{self, Added, Failed, Policy, Problem, Root};
use crate::targets::{self, Target, header};
use crate::workspace::{Record, Role, Workspace};

/// The targets of a run and where they came from.
pub(super) struct Chosen {
    pub(super) targets: Vec<Target>,
    /// The header flags that describe them.
    pub(super) flags: String,
    /// How they were chosen, for the line that says so.
    pub(super) origin: &'static str,
    /// Named by flags or the header (not the default interpreter): `lock` then
    /// hashes only what they take, and writes the header.
    pub(super) explicit: bool,
}

impl Chosen {
    /// `CPython 3.12 on manylinux_2_17_x86_64` or `12 targets (--universal)`.
    pub(super) fn described(&self) -> String {
        match self.targets.as_slice() {
            [one] => format!("{one} ({})", self.origin),
            many => format!("{} targets: `{}` ({})", many.len(), self.flags, self.origin),
        }
    }
}

/// The targets of a run: the flags, else the first file's header, else (when
/// `default` allows) the interpreter on `PATH`.
pub(super) fn choose_targets(
    args: &TargetArgs,
    workspace: &Workspace,
    default: bool,
) -> Result<Option<Chosen>, Failure> {
    let bad = |error: targets::TargetError| Failure::new(Outcome::BadInput, [Report::new(error)]);
    if args.given() {
        let targets = targets::from_args(args).map_err(bad)?;
        let flags = header::flags(&targets, args.universal);
        let origin =
            if args.python_versions.is_empty() && args.platforms.is_empty() && !args.universal {
                "the interpreter named by `--python`"
            } else {
                "from the command line"
            };
        return Ok(Some(Chosen {
            targets,
            flags,
            origin,
            explicit: true,
        }));
    }
    let root = workspace
        .files
        .iter()
        .find(|f| f.role == Role::Requirements);
    if let Some((_, flags)) = root.and_then(|file| header::find(&file.parsed)) {
        let parsed = header::parse(&flags).map_err(bad)?;
        let targets = targets::from_args(&parsed).map_err(bad)?;
        return Ok(Some(Chosen {
            targets,
            flags,
            origin: "from the file's `# hashlock targets:` header",
            explicit: true,
        }));
    }
    if !default {
        return Ok(None);
    }
    let targets = targets::from_args(args).map_err(bad)?;
    let flags = header::flags(&targets, false);
    Ok(Some(Chosen {
        targets,
        flags,
        origin: "the `python3` on PATH; name others with `--python-version` and `--platform`",
        explicit: false,
    }))
}

/// The pinned requirements of the requirements files.
pub(super) fn pinned<'w>(workspace: &'w Workspace, records: &'w [Record<'w>]) -> Vec<Pinned<'w>> {
    records
        .iter()
        .filter_map(|record| {
            Some(Pinned {
                source: &workspace.files[record.file].source,
                req: record.req,
                pin: record.pinning.pin()?,
            })
        })
        .collect()
}

/// The releases of `pins` that the index has (failures are reported by the
/// command's own lookups).
async fn releases_of(index: &Indexes, pins: &[&Pin], args: &IndexArgs) -> Releases {
    let unique = super::lookup::unique_pins(pins.iter().copied());
    fetch_all(index, &unique, args, true)
        .await
        .into_iter()
        .filter_map(|(pin, result)| Some((pin, result.ok()?)))
        .collect()
}

fn index_failure(error: &IndexError) -> Failure {
    Failure::new(Outcome::IndexFailure, [index_report(error, false)])
}

/// `verify`'s completeness findings (and `no-installable-file` with targets).
pub(super) async fn verify_findings(
    index: &Indexes,
    workspace: &Workspace,
    chosen: &Chosen,
    args: &IndexArgs,
) -> Result<Vec<Located>, Failure> {
    let records = workspace.records(Role::Requirements);
    let pinned = pinned(workspace, &records);
    let pins: Vec<&Pin> = pinned.iter().map(|p| p.pin).collect();
    let releases = releases_of(index, &pins, args).await;
    let wanted: Vec<(&Pin, &Release)> = releases.iter().map(|(p, r)| (p, &**r)).collect();
    let mut known = Known::new();
    completeness::fetch(
        index,
        &wanted,
        &chosen.targets,
        usize::from(args.concurrency),
        &mut known,
    )
    .await
    .map_err(|e| index_failure(&e))?;
    Ok(completeness::check(
        &pinned,
        &releases,
        &chosen.targets,
        &known,
    ))
}

/// The `--only-binary`/`--no-binary` rules of the command line and the files.
pub(super) fn binary_rules(only: &[String], no: &[String], workspace: &Workspace) -> BinaryRules {
    let mut rules = BinaryRules::default();
    for file in &workspace.files {
        for (_, opt) in file.parsed.options() {
            match (opt.name, &opt.value) {
                (OptionName::OnlyBinary, Some((value, _))) => rules.add_only(value),
                (OptionName::NoBinary, Some((value, _))) => rules.add_no(value),
                _ => {}
            }
        }
    }
    only.iter().for_each(|v| rules.add_only(v));
    no.iter().for_each(|v| rules.add_no(v));
    rules
}

/// Whether the marker of `record`'s line holds on one of `targets` at least.
fn taken(record: &Record<'_>, targets: &[Target]) -> bool {
    targets.iter().any(|t| completeness::holds(record.req, t))
}

/// The pins that no target installs: every line that pins them has a marker that
/// holds on none of the targets, so pip skips them there.
pub(super) fn untaken(records: &[Record<'_>], targets: &[Target]) -> HashSet<Pin> {
    let pins = |taken_or_not: bool| {
        records
            .iter()
            .filter(move |r| taken(r, targets) == taken_or_not)
            .filter_map(|r| r.pinning.pin())
    };
    let taken: HashSet<&Pin> = pins(true).collect();
    pins(false)
        .filter(|pin| !taken.contains(pin))
        .cloned()
        .collect()
}

/// The digests `lock` writes for each pin: its files the targets take; for the
/// `untaken` pins, which no target installs, every file of the version, as a lock
/// without targets writes (the machines its marker is for are not among the
/// targets, so which of its files they take is not known).
pub(super) fn kept(
    releases: &Releases,
    targets: &[Target],
    rules: &BinaryRules,
    untaken: &HashSet<Pin>,
) -> HashMap<Pin, BTreeSet<Sha256>> {
    releases
        .iter()
        .map(|(pin, release)| {
            if untaken.contains(pin) {
                return (pin.clone(), release.sha256s());
            }
            let files = completeness::kept_files(release, targets, rules.of(&pin.name));
            (pin.clone(), files.iter().filter_map(|f| f.sha256).collect())
        })
        .collect()
}

/// `lock --add-missing`: resolves the dependencies the files lack, for every
/// target, and returns them with their releases, requirers and markers.
pub(super) async fn add_missing(
    index: &Indexes,
    workspace: &Workspace,
    looked: &Releases,
    targets: &[Target],
    rules: &BinaryRules,
    (policy, args): (Policy, &IndexArgs),
) -> Result<Vec<Added>, Failure> {
    let records = workspace.records(Role::Requirements);
    let pinned = pinned(workspace, &records);
    let applicable: Vec<&Pinned<'_>> = pinned
        .iter()
        .filter(|p| targets.iter().any(|t| p.applies(t)))
        .collect();
    // The targets each root's marker holds on.
    let root_targets: Vec<BTreeSet<usize>> = applicable
        .iter()
        .map(|p| {
            (0..targets.len())
                .filter(|&t| p.applies(&targets[t]))
                .collect()
        })
        .collect();
    let roots: Vec<Root> = applicable
        .iter()
        .map(|p| Root {
            name: p.pin.name.clone(),
            version: p.pin.version.clone(),
            extras: p.pep508().map(|r| r.extras.clone()).unwrap_or_default(),
            at: format!("{}:{}", p.source.name, p.source.line_of(p.req.span.start)),
        })
        .collect();
    let releases: HashMap<PackageName, Release> = applicable
        .iter()
        .filter_map(|p| Some((p.pin.name.clone(), Release::clone(looked.get(p.pin)?))))
        .collect();
    let problem = Problem {
        roots: &roots,
        targets,
        policy,
    };
    let concurrency = usize::from(args.concurrency);
    match resolve::resolve_with_index(index, &problem, releases, rules, concurrency).await {
        Ok((resolved, gathered)) => {
            let added = resolve::annotate(&gathered, (&roots, &root_targets), &resolved, targets);
            looked_up(index, added, concurrency).await
        }
        Err(Failed::Conflict(explanation)) => Err(Failure::new(
            Outcome::CheckFailed,
            [miette::miette!(
                help = "change one of these pins so that their dependencies can agree; nothing was written",
                "the missing dependencies cannot be resolved: {explanation}"
            )],
        )),
        Err(Failed::Index(error)) => Err(index_failure(&error)),
    }
}

/// `added` with each release as a pin's is looked up, so that the hashes written
/// now are the ones the next `lock` reads: the listing the resolver chose from
/// groups files by the version their names state, and a release that may hold a
/// file named otherwise is asked for again. Usually no request: the listing read
/// answers.
async fn looked_up(
    index: &Indexes,
    mut added: Vec<Added>,
    concurrency: usize,
) -> Result<Vec<Added>, Failure> {
    let found: Vec<_> = futures::stream::iter(added.iter().map(|a| index.release(&a.pin)))
        .buffered(concurrency.max(1))
        .collect()
        .await;
    for (added, found) in added.iter_mut().zip(found) {
        // The name as the resolver spelled it (see `Gathered::spelled`).
        let name = std::mem::take(&mut added.release.name);
        added.release = Arc::unwrap_or_clone(found.map_err(|e| index_failure(&e))?.release);
        added.release.name = name;
    }
    Ok(added)
}

/// `verify`'s target checks: with targets named (flags or the file's header), that
/// each can install a hashed file of every requirement (`no-installable-file`);
/// unless `--no-deps`, completeness for those targets, or the default one (the
/// line on stderr says which).
pub(super) async fn verify(
    args: &crate::cli::VerifyArgs,
    workspace: &Workspace,
    index: Option<Indexes>,
) -> Result<Vec<Located>, Failure> {
    let records = workspace.records(Role::Requirements);
    if records.iter().all(|r| r.pinning.pin().is_none()) {
        return Ok(Vec::new());
    }
    let chosen = match choose_targets(&args.targets, workspace, !args.no_deps) {
        Ok(Some(chosen)) => chosen,
        Ok(None) => return Ok(Vec::new()),
        // No `python3` to describe the default target (a CI image without Python):
        // the hash checks still stand; say loudly what was not checked.
        Err(failure) if !args.targets.given() && !has_header(workspace) => {
            for report in failure.reports {
                crate::report::line(&format!(
                    "warning: dependencies not checked: {}",
                    report.to_string().trim_end()
                ));
            }
            crate::report::line(
                "  help: name the targets with `--python-version` and `--platform` (or `--universal`), or pass `--no-deps`",
            );
            return Ok(Vec::new());
        }
        Err(failure) => return Err(failure),
    };
    let index = match index {
        Some(index) => index,
        None => super::connect::connect(&args.index, workspace, false, &[]).await?,
    };
    let mut findings = Vec::new();
    if chosen.explicit {
        let pinned = pinned(workspace, &records);
        let pins: Vec<&Pin> = pinned.iter().map(|p| p.pin).collect();
        let releases = releases_of(&index, &pins, &args.index).await;
        findings.extend(completeness::installable(
            &pinned,
            &releases,
            &chosen.targets,
        ));
    }
    if !args.no_deps {
        if !args.quiet && args.format == crate::cli::Format::Human {
            crate::report::line(&format!("Checking dependencies for {}", chosen.described()));
        }
        findings.extend(verify_findings(&index, workspace, &chosen, &args.index).await?);
    }
    Ok(findings)
}

/// For `verify` with targets named (flags or the header): the digests of the files
/// they take, per pin.
pub(super) fn kept_for_verify(
    args: &crate::cli::VerifyArgs,
    workspace: &Workspace,
    releases: &crate::verify::online::Releases,
) -> Result<Option<HashMap<Pin, BTreeSet<Sha256>>>, Failure> {
    let Some(chosen) = choose_targets(&args.targets, workspace, false)? else {
        return Ok(None);
    };
    let found: Releases = releases
        .iter()
        .filter_map(|(pin, release)| Some((pin.clone(), release.as_ref().ok()?.clone())))
        .collect();
    let rules = binary_rules(&[], &[], workspace);
    let untaken = untaken(&workspace.records(Role::Requirements), &chosen.targets);
    Ok(Some(kept(&found, &chosen.targets, &rules, &untaken)))
}

/// Fails the run (exit 1, nothing written) when a pinned version has no file the
/// targets take (`--only-binary` with an sdist-only release, a wheel-only release
/// for another platform), at each such line. A line whose marker holds on no
/// target is not theirs to install (pip skips it there): it needs no file for them.
pub(super) fn refuse_uninstallable(
    workspace: &Workspace,
    records: &[Record<'_>],
    releases: &Releases,
    kept: &HashMap<Pin, BTreeSet<Sha256>>,
    chosen: &Chosen,
) -> Result<(), Failure> {
    let mut reports: Vec<Report> = Vec::new();
    for record in records {
        let Some(pin) = record.pinning.pin() else {
            continue;
        };
        if !taken(record, &chosen.targets) {
            continue;
        }
        let published = releases.get(pin).is_some_and(|r| !r.sha256s().is_empty());
        if !published || kept.get(pin).is_some_and(|k| !k.is_empty()) {
            continue;
        }
        let source = &workspace.files[record.file].source;
        let message = format!(
            "no file of `{pin}` installs on the targets ({}): nothing to hash",
            chosen.flags
        );
        reports.push(Report::new(
            source
                .error(record.req.span.clone(), message)
                .package(pin.name.to_string())
                .code(crate::diagnostics::Code::NoInstallableFile)
                .label("nothing for the targets")
                .hint("pin a version with files for these targets, drop `--only-binary`/`--no-binary` for it, or lock for other targets"),
        ));
    }
    if reports.is_empty() {
        return Ok(());
    }
    reports.push(miette::miette!("nothing was written"));
    Err(Failure::new(Outcome::CheckFailed, reports))
}

/// Whether the first requirements file has a `# hashlock targets:` line.
fn has_header(workspace: &Workspace) -> bool {
    workspace
        .files
        .iter()
        .find(|f| f.role == Role::Requirements)
        .is_some_and(|file| header::find(&file.parsed).is_some())
}
