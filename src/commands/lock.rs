//! `hashlock lock`: read the workspace, resolve pins, look them up concurrently, trace
//! the hashes their versions do not publish, plan every requirements file, and only
//! then write (or check, or diff).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

use miette::Report;

use super::direct;
use super::download::Downloaded;
use super::lookup::{Asked, Looked, look_up_rest};
use super::unhashed::{self, Fetch, download_and_fill};
use super::{choose, deps, plural, print_stopped, warn};
use crate::cli::{Format, LockArgs};
use crate::diagnostics::{Code, Located};
use crate::digest::{Algorithm, Sha256};
use crate::exit::{Failure, Outcome};
use crate::lock::{self, Direct, Pinned, Plan, Problem, Projects, Replaced, Unpublished};
use crate::output::json::{FileReport, RunReport};
use crate::output::{Change, Done, finish, print_stdout};
use crate::pin::{Pin, Pinning};
use crate::requirements::{Location, Target};
use crate::workspace::{File, Record, Role, Workspace};

/// Runs `hashlock lock`: 0, or 1 for `--check` drift and allowed unpinned
/// requirements.
pub(super) async fn run(args: LockArgs) -> Result<Outcome, Failure> {
    run_with(args, |_| Ok(Vec::new())).await
}

/// [`run`], with the files as `prepare` makes them (`hashlock add` puts its
/// requirements in); what changed is still said against the files as read.
pub(super) async fn run_with(
    args: LockArgs,
    prepare: impl FnOnce(&Workspace) -> Result<Vec<Option<String>>, Failure>,
) -> Result<Outcome, Failure> {
    let started = Instant::now();
    let logs = super::first_seen::open_for_lock(
        &args.log,
        &args.index.cache,
        args.files.first().map(std::path::PathBuf::as_path),
    );
    args.output.check_inputs(args.files.len())?;
    args.output.check_format(args.format)?;
    let json = args.format == Format::Json;
    let algorithm = unhashed::algorithm(&args.download, "lock")?;
    if algorithm != Algorithm::Sha256 && args.add_missing {
        return Err(Failure::new(
            Outcome::BadInput,
            [miette::miette!(
                help = format!(
                    "run `hashlock lock --add-missing` first, then `hashlock lock --download --algorithm {algorithm}`"
                ),
                "`--algorithm {algorithm}` does not go with `--add-missing` yet: the pins it adds are chosen after the files are downloaded"
            )],
        ));
    }
    let original = Workspace::load_clean(&args.files)
        .map_err(|errors| Failure::new(Outcome::BadInput, errors))?;
    let texts = prepare(&original)?;
    let prepared = texts
        .iter()
        .any(Option::is_some)
        .then(|| original.with_texts(&texts));
    let base = prepared.as_ref().unwrap_or(&original);
    let conflicts = conflicts(base);
    if !conflicts.is_empty() {
        print_stopped(
            args.format,
            "lock",
            base.files_of(Role::Requirements),
            &conflicts,
        )?;
        let mut reports: Vec<Report> = conflicts.into_iter().map(Report::new).collect();
        reports.push(miette::miette!("nothing was written"));
        return Err(Failure::new(Outcome::CheckFailed, reports));
    }
    let quiet = args.quiet || json;
    let upgrades = choose::Upgrades::new(args.upgrade, &args.upgrade_package)?;
    let original_records = base.records(Role::Requirements);
    let choosing = choose::any_wanted(&original_records, &upgrades);
    for name in upgrades.unknown(&original_records) {
        warn(
            quiet,
            miette::miette!(
                help = "`hashlock add` adds a requirement",
                "`--upgrade-package {name}`: no requirement names {name}; nothing to move"
            ),
        );
    }
    // What no version choice can lock (editables, VCS, unset variables) stops the
    // run before any request.
    let unpinned = unpinned(base, &original_records, &upgrades, args.allow_unpinned);
    if !unpinned.is_empty() && !args.allow_unpinned {
        print_stopped(
            args.format,
            "lock",
            base.files_of(Role::Requirements),
            &unpinned,
        )?;
        return Err(unpinned_failure(&original_records, unpinned));
    }
    let targets = deps::choose_targets(&args.targets, base, args.add_missing || choosing)?;
    if let Some(chosen) = &targets
        && !quiet
    {
        crate::report::line(&format!("Locking for {}", chosen.described()));
    }
    let rules = deps::binary_rules(&args.only_binary, &args.no_binary, base);
    let (rewritten, known) = match &targets {
        Some(chosen) if choosing => {
            let (workspace, known) =
                choose_versions(&args, base, chosen, &rules, &upgrades).await?;
            (Some(workspace), known)
        }
        _ => (None, Looked::default()),
    };
    let workspace = rewritten
        .as_ref()
        .or(prepared.as_ref())
        .unwrap_or(&original);
    let records = workspace.records(Role::Requirements);
    // With `--allow-unpinned` these lines are why the run exits 1: they print even
    // with `--quiet`.
    for warning in &unpinned {
        warn(false, Report::new(warning.clone()));
    }
    let direct = direct::files(workspace, &records, args.download.download)?;
    let asked: Vec<Asked<'_>> = records
        .iter()
        .filter_map(|record| {
            Some(Asked {
                pin: record.pinning.pin()?,
                source: &workspace.files[record.file].source,
                span: &record.req.span,
            })
        })
        .collect();
    let mut looked = look_up_rest(&args.index, workspace, quiet, &asked, known).await?;
    let wanted = direct.iter().map(|file| file.wanted.clone()).collect();
    let check = |downloaded: &Downloaded| direct::wrong_hashes(workspace, &direct, downloaded);
    let fetch = Fetch {
        index: &args.index,
        options: &args.download,
        workspace,
        quiet,
    };
    let downloaded = download_and_fill(&fetch, &mut looked, &asked, wanted, check).await?;
    // The log's part goes on while the run plans and writes its files; it is
    // written once they are.
    let pins = asked.iter().map(|a| a.pin).collect();
    let index = looked.index.as_ref();
    let recording = super::first_seen::record_lock(logs, index, pins, args.quiet || json).await;
    let direct = direct::for_planner(&direct, &downloaded, algorithm);
    let spelling = (algorithm != Algorithm::Sha256).then(|| lock::Spelling {
        algorithm,
        of: downloaded.spelled(algorithm),
    });
    let kept = targets
        .as_ref()
        .filter(|chosen| chosen.explicit)
        .map(|chosen| {
            let untaken = deps::untaken(&records, &chosen.targets);
            deps::kept(&looked.releases, &chosen.targets, &rules, &untaken)
        });
    if let (Some(kept), Some(chosen)) = (&kept, &targets) {
        deps::refuse_uninstallable(workspace, &records, &looked.releases, kept, chosen)?;
    }
    let mut plans = plan_all(
        workspace,
        &records,
        (&looked, &direct),
        lock_options(&args, kept.as_ref(), spelling.as_ref()),
        (args.format, args.quiet),
    )
    .await?;
    if let Some(chosen) = &targets {
        finish_targets(&args, workspace, &looked, chosen, &rules, &mut plans).await?;
    }
    // The files as they were read: what changed is against them.
    let changes: Vec<Change<'_>> = plans
        .iter()
        .map(|(file, plan)| Change::of(was(&original, workspace, file), &plan.text))
        .collect();
    let totals = (
        plans.iter().map(|(_, p)| p.locked).sum(),
        plans.iter().map(|(_, p)| p.hashes).sum(),
    );
    let done = Done {
        verb: "Locked",
        workspace,
        totals,
        started,
        quiet: args.quiet || json,
        force: args.force,
    };
    let outcome = finish(&args.output, &changes, &done)?;
    recording.finish().await;
    if json {
        let report = RunReport {
            command: "lock",
            files: plans
                .iter()
                .map(|(file, plan)| FileReport {
                    file,
                    new: &plan.text,
                    changed: &plan.changed,
                })
                .collect(),
            problems: &unpinned,
            written: args.output.writes(),
            totals,
        };
        print_stdout(&report.to_json())?;
    }
    super::drop_later(std::mem::take(&mut looked.releases));
    let any_unpinned = !unpinned.is_empty();
    if any_unpinned && args.quiet {
        crate::report::line(
            "error: some requirements are not locked (listed above), so pip refuses the file with `--require-hashes`",
        );
    }
    Ok(Outcome::check(any_unpinned || outcome != Outcome::Ok))
}

/// Two lines pinning one package to two versions, under the same marker (or none):
/// pip cannot install both (`ResolutionImpossible`), so nothing is locked.
fn conflicts(workspace: &Workspace) -> Vec<Located> {
    workspace
        .conflicting_pins()
        .into_iter()
        .map(|conflict| conflict.error(workspace))
        .collect()
}

/// Whether `lock` hashes the requirement by downloading its file: a URL or local
/// archive (pip needs no version there, only the file's hash).
fn is_file_location(record: &Record<'_>) -> bool {
    matches!(
        record.pinning,
        Pinning::Location(Location::Remote | Location::LocalArchive)
    )
}

/// Every requirement that is not an exact pin, as a diagnostic (an error, or a
/// warning when they are allowed).
fn unpinned(
    workspace: &Workspace,
    records: &[Record<'_>],
    upgrades: &choose::Upgrades,
    allowed: bool,
) -> Vec<Located> {
    records
        .iter()
        .filter(|record| !is_file_location(record))
        .filter(|record| choose::wanted(record, upgrades).is_none())
        .filter_map(|record| {
            let reason = record.pinning.reason()?;
            let source = &workspace.files[record.file].source;
            let req = record.req;
            let message = format!("`{}` {reason}", req.text.trim());
            let at = if allowed {
                source.warning(req.span.clone(), message)
            } else {
                source.error(req.span.clone(), message)
            };
            let name = match &req.target {
                Target::Pep508(parsed) => Some(&parsed.name),
                Target::Unnamed { .. } => None,
            };
            let at = match name {
                Some(name) => at.package(name.to_string()),
                None => at,
            };
            let code = record.pinning.code().unwrap_or(Code::NotPinned);
            Some(
                at.code(code)
                    .label("not locked")
                    .maybe_hint(record.pinning.hint(name)),
            )
        })
        .collect()
}

/// The failure of a run with requirements that cannot be locked: each one, then a
/// line whose hint fits what they are.
fn unpinned_failure(records: &[Record<'_>], unpinned: Vec<Located>) -> Failure {
    let count = unpinned.len();
    // Ranges get a version chosen: only an unset variable is left to pin by hand.
    let pinnable = records
        .iter()
        .any(|r| matches!(r.pinning, Pinning::EnvVar(_)));
    let unhashable = records.iter().any(|r| {
        !is_file_location(r) && matches!(r.pinning, Pinning::Editable | Pinning::Location(_))
    });
    let them = if count == 1 { "it" } else { "them" };
    let hint = match (pinnable, unhashable) {
        (true, false) => format!("pin {them} as each hint says, or pass `--allow-unpinned` to lock the rest anyway"),
        (false, true) => format!(
            "keep {them} in a file that is not installed with `--require-hashes`, or pass `--allow-unpinned` to lock the rest anyway"
        ),
        _ => "pin what can be pinned and keep the rest in a file not installed with `--require-hashes`; or pass `--allow-unpinned` to lock the rest anyway".to_owned(),
    };
    let mut reports: Vec<Report> = unpinned.into_iter().map(Report::new).collect();
    reports.push(miette::miette!(
        help = hint,
        "{count} requirement{} cannot be locked; nothing was written",
        plural(count)
    ));
    Failure::new(Outcome::CheckFailed, reports)
}

fn lock_options<'a>(
    args: &LockArgs,
    kept: Option<&'a HashMap<Pin, BTreeSet<Sha256>>>,
    spelling: Option<&'a lock::Spelling>,
) -> lock::Options<'a> {
    let peep = match (args.peep, args.peep_only) {
        (_, true) => lock::PeepMode::Only,
        (true, false) => lock::PeepMode::Also,
        (false, false) => lock::PeepMode::Off,
    };
    lock::Options {
        force: args.force,
        peep,
        kept,
        spelling,
    }
}

/// Plans every requirements file, the root first, after reading every release of the
/// projects whose lines carry hashes their version does not publish; any line that
/// cannot be locked fails the run before anything is written.
async fn plan_all<'w>(
    workspace: &'w Workspace,
    records: &[Record<'_>],
    (looked, direct): (&Looked, &HashMap<usize, Vec<Direct<'_>>>),
    options: lock::Options<'_>,
    (format, quiet): (Format, bool),
) -> Result<Vec<(&'w File, Plan)>, Failure> {
    let files: Vec<(&File, Vec<Pinned<'_>>, usize)> = workspace
        .files
        .iter()
        .enumerate()
        .filter(|(_, file)| file.role == Role::Requirements)
        .map(|(index, file)| (file, pinned_in(records, index), index))
        .collect();
    let names = files
        .iter()
        .flat_map(|(file, pinned, _)| {
            lock::unpublished_pins(&file.parsed, pinned, &looked.releases)
        })
        .map(|pin| pin.name.clone())
        .collect();
    let projects: Projects = looked.trace(names).await?;
    let mut plans = Vec::new();
    let mut problems: Vec<(Outcome, Located)> = Vec::new();
    for (file, pinned, index) in &files {
        let direct = direct.get(index).map_or(&[][..], Vec::as_slice);
        let plan = lock::plan_file(
            &file.parsed,
            pinned,
            direct,
            &looked.releases,
            &projects,
            options,
        );
        problems.extend(plan.problems.iter().map(|p| problem(file, p)));
        for replaced in &plan.replaced {
            warn(quiet, replaced_warning(file, replaced));
        }
        if !quiet {
            warn_yanked(file, pinned, looked);
        }
        plans.push((*file, plan));
    }
    if problems.is_empty() {
        return Ok(plans);
    }
    let outcome = problems
        .iter()
        .map(|(outcome, _)| *outcome)
        .max()
        .unwrap_or(Outcome::CheckFailed);
    let problems: Vec<Located> = problems.into_iter().map(|(_, located)| located).collect();
    // An index that publishes no digest is an index failure (exit 3): no document.
    if outcome == Outcome::CheckFailed {
        print_stopped(
            format,
            "lock",
            files.iter().map(|(file, _, _)| *file),
            &problems,
        )?;
    }
    let mut reports: Vec<Report> = problems.into_iter().map(Report::new).collect();
    reports.push(miette::miette!("nothing was written"));
    Err(Failure::new(outcome, reports))
}

/// The pinned requirements of the file at `index`.
fn pinned_in<'r>(records: &'r [Record<'_>], index: usize) -> Vec<Pinned<'r>> {
    records
        .iter()
        .filter(|record| record.file == index)
        .filter_map(|record| {
            Some(Pinned {
                line: record.line,
                req: record.req,
                pin: record.pinning.pin()?,
            })
        })
        .collect()
}

fn replaced_warning(file: &File, replaced: &Replaced) -> Report {
    let count = replaced.stale.len();
    let hashes = if count == 1 { "hash" } else { "hashes" };
    let mut owners: Vec<&str> = replaced
        .stale
        .iter()
        .filter_map(|u| u.owner.as_deref())
        .collect();
    owners.dedup();
    let name = &replaced.pin.name;
    let message = if owners.len() == count && !owners.is_empty() {
        format!(
            "replaced {count} {hashes} of {name} {}: the pin moved to `{}`",
            owners.join(", "),
            replaced.pin
        )
    } else {
        format!(
            "replaced {count} {hashes} not published for `{}` (`--force`)",
            replaced.pin
        )
    };
    Report::new(
        file.source
            .warning(replaced.span.clone(), message)
            .label("hashes replaced"),
    )
}

/// `<hash> (six 1.15.0's)` or `<hash> (no file of six has it)`.
fn describe(name: &str, unpublished: &Unpublished) -> String {
    let what = if unpublished.written.peep {
        "peep hash "
    } else {
        ""
    };
    let digest = &unpublished.written.digest;
    match (&unpublished.owner, digest.sha256()) {
        (Some(version), _) => format!("{what}{} ({name} {version}'s)", digest.to_hex()),
        (None, Some(_)) => format!("{what}{} (no file of {name} has it)", digest.to_hex()),
        // Only sha256 digests are published: another algorithm's is no downloaded file's.
        (None, None) => format!("{digest} (no downloaded file of this version has it)"),
    }
}

/// The report of a line that cannot be locked, with how it ends the run.
fn problem(file: &File, problem: &Problem) -> (Outcome, Located) {
    match problem {
        Problem::Unpublished {
            span,
            pin,
            version,
            unpublished,
        } => {
            let name = pin.name.to_string();
            let listed: Vec<String> = unpublished.iter().map(|u| describe(&name, u)).collect();
            let message = format!(
                "{} of this line's hashes {} not published for {name} {version}: {}",
                unpublished.len(),
                if unpublished.len() == 1 { "is" } else { "are" },
                listed.join(", ")
            );
            let hint = "hashes are replaced only when each is another version's (a moved pin); \
                        one that no file of the project has is what tampering or a private build \
                        looks like: check where it came from, then `--force` replaces it";
            let located = file
                .source
                .error(span.clone(), message)
                .code(Code::UnknownHash)
                .package(pin.name.to_string())
                .label("unknown hashes")
                .hint(hint);
            (Outcome::CheckFailed, located)
        }
        Problem::NoHashes { span, pin, other } => {
            let only = other
                .as_ref()
                .map(|algorithm| {
                    format!(" (only {algorithm}, which pip does not accept in hash-checking mode)")
                })
                .unwrap_or_default();
            let message = format!("the index publishes no sha256 for any file of `{pin}`{only}");
            let hint = "use an index that publishes sha256 digests (PyPI does)";
            let located = file
                .source
                .error(span.clone(), message)
                .package(pin.name.to_string())
                .hint(hint);
            (Outcome::IndexFailure, located)
        }
        Problem::OtherAlgorithm {
            span,
            pin,
            written,
            asked,
        } => {
            let message = format!(
                "this line is locked with {written}, which this run cannot check or complete (it knows the files' sha256{})",
                if *asked == Algorithm::Sha256 {
                    String::new()
                } else {
                    format!(" and {asked}")
                }
            );
            let hint = format!(
                "`hashlock lock --download --algorithm {written}` checks and completes it; to lock it with {asked} instead, delete its hashes first"
            );
            let located = file
                .source
                .error(span.clone(), message)
                .package(pin.name.to_string())
                .label(format!("{written} hashes"))
                .hint(hint);
            (Outcome::BadInput, located)
        }
        Problem::NotDownloaded { span, pin } => {
            let message = format!("a file of `{pin}` was not downloaded, so its digest is unknown");
            let located = file
                .source
                .error(span.clone(), message)
                .package(pin.name.to_string());
            (Outcome::IndexFailure, located)
        }
        Problem::OnlyLegacy { span, pin, files } => {
            let names: Vec<String> = files.iter().map(|f| crate::index::shown_text(f)).collect();
            let message = format!(
                "`{pin}` has only eggs or installers ({}), which pip never installs",
                names.join(", ")
            );
            let hint = "pin a version that has a wheel or an sdist";
            let located = file
                .source
                .error(span.clone(), message)
                .package(pin.name.to_string())
                .hint(hint);
            (Outcome::CheckFailed, located)
        }
    }
}

/// Pinning a yanked version is allowed (pip installs it), but worth a warning.
fn warn_yanked(file: &File, pinned: &[Pinned<'_>], looked: &Looked) {
    for pinned in pinned {
        let Some(release) = looked.releases.get(pinned.pin) else {
            continue;
        };
        let Some(message) = release.yanked_message(pinned.pin) else {
            continue;
        };
        let located = file
            .source
            .warning(pinned.req.span.clone(), message)
            .label("yanked")
            .hint(crate::index::YANKED_HINT);
        crate::report::report(&Report::new(located));
    }
}

/// With targets: `--add-missing`'s block of added pins, and the targets header,
/// both in the first requirements file.
async fn finish_targets(
    args: &LockArgs,
    workspace: &Workspace,
    looked: &Looked,
    chosen: &deps::Chosen,
    rules: &crate::completeness::BinaryRules,
    plans: &mut [(&File, Plan)],
) -> Result<(), Failure> {
    let Some((file, plan)) = plans.first_mut() else {
        return Ok(());
    };
    if args.add_missing
        && let Some(index) = &looked.index
    {
        let policy = crate::resolve::Policy {
            pre: args.choose.pre || pre_in_files(workspace),
            cooldown: cooldown(args),
        };
        let added = deps::add_missing(
            index,
            workspace,
            &looked.releases,
            &chosen.targets,
            rules,
            (policy, &args.index),
        )
        .await?;
        if !added.is_empty() {
            let releases: crate::index::Releases = added
                .iter()
                .map(|a| (a.pin.clone(), std::sync::Arc::new(a.release.clone())))
                .collect();
            let hashes = if chosen.explicit {
                // Each is added for the targets that need it.
                deps::kept(&releases, &chosen.targets, rules, &HashSet::new())
            } else {
                releases
                    .iter()
                    .map(|(pin, release)| (pin.clone(), release.sha256s()))
                    .collect()
            };
            if !(args.quiet || args.format == Format::Json) {
                let names: Vec<String> = added
                    .iter()
                    .map(|a| format!("{}=={}", a.release.name, a.release.version))
                    .collect();
                crate::report::line(&format!(
                    "Adding {} missing dependenc{}: {}",
                    added.len(),
                    if added.len() == 1 { "y" } else { "ies" },
                    names.join(", ")
                ));
            }
            plan.locked += added.len();
            plan.hashes += hashes.values().map(BTreeSet::len).sum::<usize>();
            plan.text
                .push_str(&crate::rewrite::added::block(&file.parsed, &added, &hashes));
        }
    }
    if chosen.explicit {
        plan.text =
            crate::rewrite::added::with_header(&plan.text, &chosen.flags, file.parsed.newline());
    }
    Ok(())
}

/// Chooses versions for the lines that are not pinned (and the pins `--upgrade`
/// moves), for `chosen`'s targets: the workspace with those lines pinned, and the
/// index that listed them.
async fn choose_versions(
    args: &LockArgs,
    original: &Workspace,
    chosen: &deps::Chosen,
    rules: &crate::completeness::BinaryRules,
    upgrades: &choose::Upgrades,
) -> Result<(Workspace, Looked), Failure> {
    let quiet = args.quiet || args.format == Format::Json;
    let index = super::connect::connect(&args.index, original, true, &[]).await?;
    let options = choose::Options {
        upgrades,
        rules: crate::resolve::choose::Rules {
            pre: args.choose.pre || pre_in_files(original),
            cooldown: cooldown(args),
        },
        annotate: args.choose.annotate,
        concurrency: usize::from(args.index.concurrency),
        min_age: args.choose.min_age.as_ref().map(|m| m.text.as_str()),
    };
    let result = choose::choose_all(&index, original, &chosen.targets, rules, &options).await?;
    if !quiet && !result.summary.is_empty() {
        for line in &result.summary {
            crate::report::line(line);
        }
    }
    Ok((
        original.with_texts(&result.texts),
        // The chosen versions are looked up as every pin is (the listing only
        // chose them); on the same connections.
        Looked {
            index: Some(index),
            releases: HashMap::new(),
        },
    ))
}

/// `--min-age`, from now.
fn cooldown(args: &LockArgs) -> Option<crate::resolve::choose::Cooldown> {
    args.choose
        .min_age
        .as_ref()
        .map(|min_age| crate::resolve::choose::Cooldown {
            min_age: min_age.duration,
            now: jiff::Timestamp::now(),
            allow_missing: args.choose.min_age_missing == crate::cli::MinAgeMissing::Allow,
        })
}

/// Whether a requirements file says `--pre` (pip reads it from any of them).
fn pre_in_files(workspace: &Workspace) -> bool {
    workspace.files.iter().any(|file| {
        file.parsed
            .options()
            .any(|(_, opt)| opt.name == crate::requirements::OptionName::Pre)
    })
}

/// The file `file` of `workspace` was before choosing versions rewrote it.
fn was<'a>(original: &'a Workspace, workspace: &'a Workspace, file: &'a File) -> &'a File {
    workspace
        .files
        .iter()
        .position(|f| std::ptr::eq(f, file))
        .map_or(file, |at| &original.files[at])
}
