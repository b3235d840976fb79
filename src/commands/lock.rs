//! `hashlock lock`: read the workspace, resolve pins, look them up concurrently, plan
//! every requirements file, and only then write (or check, or diff).

use std::collections::HashMap;
use std::time::Instant;

use miette::Report;

use super::lookup::{Asked, look_up_all};
use super::{plural, warn};
use crate::cli::LockArgs;
use crate::diagnostics::Located;
use crate::exit::{Failure, Outcome};
use crate::index::Release;
use crate::lock::{self, Pinned, Plan, Problem, Replaced};
use crate::output::{Change, Done, finish};
use crate::pin::Pin;
use crate::workspace::{File, Record, Role, Workspace};

/// Runs `hashlock lock`: 0, or 1 for `--check` drift and allowed unpinned
/// requirements.
pub(super) async fn run(args: LockArgs) -> Result<Outcome, Failure> {
    let started = Instant::now();
    args.output.check_inputs(args.files.len())?;
    let workspace = Workspace::load_clean(&args.files)
        .map_err(|errors| Failure::new(Outcome::BadInput, errors))?;
    let records = workspace.records(Role::Requirements);
    let unpinned = unpinned(&workspace, &records, args.allow_unpinned);
    if !unpinned.is_empty() && !args.allow_unpinned {
        let count = unpinned.len();
        let mut reports: Vec<Report> = unpinned.into_iter().map(Report::new).collect();
        reports.push(miette::miette!(
            help = "pin them, or pass `--allow-unpinned` to lock the rest anyway",
            "{count} requirement{} cannot be locked; nothing was written",
            plural(count)
        ));
        return Err(Failure::new(Outcome::CheckFailed, reports));
    }
    let any_unpinned = !unpinned.is_empty();
    for warning in unpinned {
        warn(args.quiet, Report::new(warning));
    }
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
    let releases = look_up_all(&args.index, args.quiet, &asked).await?;
    let plans = plan_all(
        &workspace,
        &records,
        &releases,
        lock_options(&args),
        args.quiet,
    )?;
    let changes: Vec<Change<'_>> = plans
        .iter()
        .map(|(file, plan)| Change::of(file, &plan.text))
        .collect();
    let done = Done {
        verb: "Locked",
        workspace: &workspace,
        totals: (
            plans.iter().map(|(_, p)| p.locked).sum(),
            plans.iter().map(|(_, p)| p.hashes).sum(),
        ),
        started,
        quiet: args.quiet,
        force: args.force,
    };
    let outcome = finish(&args.output, &changes, &done)?;
    Ok(Outcome::check(any_unpinned || outcome != Outcome::Ok))
}

/// Every requirement that is not an exact pin, as a diagnostic (an error, or a
/// warning when they are allowed).
fn unpinned(workspace: &Workspace, records: &[Record<'_>], allowed: bool) -> Vec<Located> {
    records
        .iter()
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
                crate::requirements::Target::Pep508(parsed) => Some(&parsed.name),
                crate::requirements::Target::Unnamed { .. } => None,
            };
            Some(at.label("not locked").maybe_hint(record.pinning.hint(name)))
        })
        .collect()
}

fn lock_options(args: &LockArgs) -> lock::Options {
    let peep = match (args.peep, args.peep_only) {
        (_, true) => lock::PeepMode::Only,
        (true, false) => lock::PeepMode::Also,
        (false, false) => lock::PeepMode::Off,
    };
    lock::Options {
        force: args.force,
        peep,
    }
}

/// Plans every requirements file, the root first; any line that cannot be locked
/// fails the run before anything is written.
fn plan_all<'w>(
    workspace: &'w Workspace,
    records: &[Record<'_>],
    releases: &HashMap<Pin, Release>,
    options: lock::Options,
    quiet: bool,
) -> Result<Vec<(&'w File, Plan)>, Failure> {
    let mut plans = Vec::new();
    let mut problems: Vec<(Outcome, Report)> = Vec::new();
    for (index, file) in workspace.files.iter().enumerate() {
        if file.role != Role::Requirements {
            continue;
        }
        let pinned: Vec<Pinned<'_>> = records
            .iter()
            .filter(|record| record.file == index)
            .filter_map(|record| {
                Some(Pinned {
                    line: record.line,
                    req: record.req,
                    pin: record.pinning.pin()?,
                })
            })
            .collect();
        let plan = lock::plan_file(&file.parsed, &pinned, releases, options);
        problems.extend(plan.problems.iter().map(|p| problem_report(file, p)));
        for replaced in &plan.replaced {
            warn(quiet, replaced_warning(file, replaced));
        }
        if !quiet {
            warn_yanked(file, &pinned, releases);
        }
        plans.push((file, plan));
    }
    if problems.is_empty() {
        return Ok(plans);
    }
    let outcome = problems
        .iter()
        .map(|(outcome, _)| *outcome)
        .max()
        .unwrap_or(Outcome::CheckFailed);
    let mut reports: Vec<Report> = problems.into_iter().map(|(_, report)| report).collect();
    reports.push(miette::miette!("nothing was written"));
    Err(Failure::new(outcome, reports))
}

fn replaced_warning(file: &File, replaced: &Replaced) -> Report {
    let count = replaced.stale.len();
    let message = format!(
        "replaced {count} hash{} not published for `{}`",
        if count == 1 { "" } else { "es" },
        replaced.pin
    );
    Report::new(
        file.source
            .warning(replaced.span.clone(), message)
            .label("hashes replaced"),
    )
}

/// The report of a line that cannot be locked, with how it ends the run.
fn problem_report(file: &File, problem: &Problem) -> (Outcome, Report) {
    match problem {
        Problem::UnknownHashes {
            span,
            pin,
            version,
            unknown,
        } => {
            let unknown: Vec<String> = unknown.iter().map(ToString::to_string).collect();
            let message = format!(
                "{} of this line's hashes {} not published for {} {version}: {}",
                unknown.len(),
                if unknown.len() == 1 { "is" } else { "are" },
                pin.name,
                unknown.join(", ")
            );
            let hint = "a changed or deleted file on the index, or a tampered line: check where these hashes came from; `--force` replaces them";
            let located = file
                .source
                .error(span.clone(), message)
                .label("unknown hashes")
                .hint(hint);
            (Outcome::CheckFailed, Report::new(located))
        }
        Problem::NoHashes { span, pin } => {
            let message = format!("the index publishes no sha256 for any file of `{pin}`");
            let hint = "use an index that publishes sha256 digests (PyPI does)";
            (
                Outcome::IndexFailure,
                Report::new(file.source.error(span.clone(), message).hint(hint)),
            )
        }
    }
}

/// Pinning a yanked version is allowed (pip installs it), but worth a warning.
fn warn_yanked(file: &File, pinned: &[Pinned<'_>], releases: &HashMap<Pin, Release>) {
    for pinned in pinned {
        let Some(release) = releases.get(pinned.pin) else {
            continue;
        };
        let Some(message) = release.yanked_message(pinned.pin) else {
            continue;
        };
        let located = file
            .source
            .warning(pinned.req.span.clone(), message)
            .label("yanked")
            .hint("pick another version unless you need this one");
        crate::report::report(&Report::new(located));
    }
}
