//! `hashlock lock`: read the include tree, resolve pins, look them up concurrently,
//! plan every file, and only then write (or check, or diff).

mod plan;

use std::time::Instant;

use miette::Report;

use crate::cli::LockArgs;
use crate::commands::lookup::{FilePins, look_up_all};
use crate::commands::output::{Change, emit};
use crate::commands::{failure, plural, warn};
use crate::diagnostics::Located;
use crate::exit::{self, Failure};
use crate::lock::{self, Plan};
use crate::requirements::LineKind;
use crate::resolve::resolve;
use crate::tree::{self, Role, SourceFile};

/// Runs `hashlock lock`; `Ok` carries the exit code (0, or 1 for `--check` drift and
/// allowed unpinned requirements).
pub async fn run(args: LockArgs) -> Result<u8, Failure> {
    let started = Instant::now();
    args.output.check_inputs(args.files.len())?;
    let files =
        tree::load_parsed(&args.files).map_err(|errors| failure(exit::BAD_INPUT, errors))?;
    let (pins, unpinned) = collect_pins(&files, args.allow_unpinned);
    if !unpinned.is_empty() && !args.allow_unpinned {
        let count = unpinned.len();
        let mut reports: Vec<Report> = unpinned.into_iter().map(Report::new).collect();
        reports.push(miette::miette!(
            help = "pin them, or pass `--allow-unpinned` to lock the rest anyway",
            "{count} requirement{} cannot be locked; nothing was written",
            plural(count)
        ));
        return Err(Failure::new(exit::CHECK_FAILED, reports));
    }
    let any_unpinned = !unpinned.is_empty();
    for warning in unpinned {
        warn(args.quiet, Report::new(warning));
    }
    let releases = look_up_all(&args.index, args.quiet, &files, &pins).await?;
    let plans = plan::plan_all(&files, &pins, &releases, lock_options(&args), args.quiet)?;
    let changed = emit(&changes(&files, &plans), &args.output.destination())?;
    if !args.quiet {
        eprintln!(
            "{}",
            args.output
                .summary("Locked", &files, totals(&plans), changed, started.elapsed())
        );
    }
    let failed = any_unpinned || args.output.exit_code(changed) != exit::OK;
    Ok(if failed { exit::CHECK_FAILED } else { exit::OK })
}

/// Resolves every requirement of every lockable file. Unpinned ones come back as
/// diagnostics (errors, or warnings when they are allowed).
fn collect_pins(files: &[SourceFile], allowed: bool) -> (Vec<FilePins>, Vec<Located>) {
    let mut unpinned = Vec::new();
    let pins = files
        .iter()
        .map(|file| {
            let mut pins = FilePins::new();
            if file.role == Role::Constraints {
                return pins;
            }
            for (index, line) in file.parsed.lines.iter().enumerate() {
                let LineKind::Requirement(req) = &line.kind else {
                    continue;
                };
                match resolve(req) {
                    Ok(pin) => {
                        pins.insert(index, pin);
                    }
                    Err(why) => {
                        let at = if allowed {
                            file.source.warning(req.span.clone(), why.reason)
                        } else {
                            file.source.error(req.span.clone(), why.reason)
                        };
                        unpinned.push(at.label("not locked").hint(why.hint));
                    }
                }
            }
            pins
        })
        .collect();
    (pins, unpinned)
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

/// Every lockable file's old and new text, the root first.
fn changes<'a>(files: &'a [SourceFile], plans: &'a [Option<Plan>]) -> Vec<Change<'a>> {
    files
        .iter()
        .zip(plans)
        .filter_map(|(file, plan)| {
            let plan = plan.as_ref()?;
            Some(Change {
                path: &file.path,
                old: &file.source.text,
                new: &plan.text,
            })
        })
        .collect()
}

/// Requirements locked and hashes they carry, over every planned file.
fn totals(plans: &[Option<Plan>]) -> (usize, usize) {
    let plans = plans.iter().flatten();
    (
        plans.clone().map(|p| p.locked).sum(),
        plans.map(|p| p.hashes).sum(),
    )
}
