//! `hashlock migrate`: read the include tree, find each requirement's peep hashes,
//! (with `--fill`) check them against the index and add the other files' hashes,
//! then write, check or diff like `lock`.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use miette::Report;

use crate::cli::MigrateArgs;
use crate::commands::lookup::{FilePins, look_up_all};
use crate::commands::output::{Change, emit};
use crate::commands::{failure, plural, warn};
use crate::diagnostics::Located;
use crate::exit::{self, Failure};
use crate::index::{Pin, Release};
use crate::migrate::{self, Plan};
use crate::peep::{self, Block};
use crate::requirements::LineKind;
use crate::resolve::resolve;
use crate::tree::{self, Role, SourceFile};
use crate::verify::Severity;

/// Runs `hashlock migrate`; `Ok` carries the exit code (1 when `--check` finds a file
/// to change).
pub async fn run(args: MigrateArgs) -> Result<u8, Failure> {
    let started = Instant::now();
    args.output.check_inputs(args.files.len())?;
    let files =
        tree::load_parsed(&args.files).map_err(|errors| failure(exit::BAD_INPUT, errors))?;
    let blocks = find_blocks(&files, args.quiet)?;
    let extra = if args.fill {
        fill(&args, &files, &blocks).await?
    } else {
        vec![HashMap::new(); files.len()]
    };
    let plans: Vec<Option<Plan>> = files
        .iter()
        .zip(&blocks)
        .zip(&extra)
        .map(|((file, blocks), extra)| {
            (file.role == Role::Requirements).then(|| migrate::plan(&file.parsed, blocks, extra))
        })
        .collect();
    let changes: Vec<Change<'_>> = files
        .iter()
        .zip(&plans)
        .filter_map(|(file, plan)| {
            Some(Change {
                path: &file.path,
                old: &file.source.text,
                new: &plan.as_ref()?.text,
            })
        })
        .collect();
    let changed = emit(&changes, &args.output.destination())?;
    if !args.quiet {
        let plans = plans.iter().flatten();
        let totals = (
            plans.clone().map(|p| p.requirements).sum(),
            plans.map(|p| p.hashes).sum(),
        );
        let summary = args
            .output
            .summary("Migrated", &files, totals, changed, started.elapsed());
        eprintln!("{summary}");
    }
    Ok(args.output.exit_code(changed))
}

/// The peep blocks of every requirements file. Malformed peep lines stop the run
/// (they would be lost silently otherwise); blocks above option lines are warnings.
fn find_blocks(files: &[SourceFile], quiet: bool) -> Result<Vec<Vec<Block>>, Failure> {
    let mut errors: Vec<Located> = Vec::new();
    let mut all = Vec::new();
    for file in files {
        if file.role == Role::Constraints {
            all.push(Vec::new());
            continue;
        }
        let (blocks, problems) = peep::find(&file.parsed);
        for problem in problems {
            let located = file
                .source
                .at(
                    miette_severity(problem.severity),
                    problem.span.clone(),
                    problem.message.clone(),
                )
                .label(problem.label.clone())
                .maybe_hint(problem.hint.clone());
            match problem.severity {
                Severity::Error => errors.push(located),
                Severity::Warning => warn(quiet, Report::new(located)),
            }
        }
        all.push(blocks);
    }
    if errors.is_empty() {
        return Ok(all);
    }
    let count = errors.len();
    let mut reports: Vec<Report> = errors.into_iter().map(Report::new).collect();
    reports.push(miette::miette!(
        "{count} peep line{} cannot be read; nothing was written",
        plural(count)
    ));
    Err(Failure::new(exit::BAD_INPUT, reports))
}

fn miette_severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    }
}

/// For `--fill`: the published hashes of every migrated requirement's version, by
/// file and line, after checking that each peep hash is one of them.
async fn fill(
    args: &MigrateArgs,
    files: &[SourceFile],
    blocks: &[Vec<Block>],
) -> Result<Vec<HashMap<usize, BTreeSet<String>>>, Failure> {
    let mut unpinned = Vec::new();
    let pins: Vec<FilePins> = files
        .iter()
        .zip(blocks)
        .map(|(file, blocks)| {
            let mut pins = FilePins::new();
            for block in blocks {
                let LineKind::Requirement(req) = &file.parsed.lines[block.owner].kind else { continue };
                match resolve(req) {
                    Ok(pin) => {
                        pins.insert(block.owner, pin);
                    }
                    Err(why) => unpinned.push(file.source.error(req.span.clone(), why.reason).label("not pinned").hint(
                        "`--fill` asks the index for the files of one version: pin it, or migrate without `--fill`",
                    )),
                }
            }
            pins
        })
        .collect();
    if !unpinned.is_empty() {
        return Err(failure(exit::CHECK_FAILED, unpinned));
    }
    let releases = look_up_all(&args.index, args.quiet, files, &pins).await?;
    check_peep_hashes(files, blocks, &pins, &releases)?;
    Ok(pins
        .iter()
        .map(|file_pins| {
            file_pins
                .iter()
                .map(|(line, pin)| (*line, releases[pin].sha256s()))
                .collect()
        })
        .collect())
}

/// Every peep hash must be the hash of a published file of its version: one that is
/// not is what a tampered line looks like, so nothing is written.
fn check_peep_hashes(
    files: &[SourceFile],
    blocks: &[Vec<Block>],
    pins: &[FilePins],
    releases: &HashMap<Pin, Release>,
) -> Result<(), Failure> {
    let mut errors = Vec::new();
    for ((file, blocks), pins) in files.iter().zip(blocks).zip(pins) {
        for block in blocks {
            let Some(pin) = pins.get(&block.owner) else {
                continue;
            };
            let release = &releases[pin];
            let published = release.sha256s();
            for hash in block.hashes.iter().filter(|h| !published.contains(&h.hex)) {
                let message = format!(
                    "this peep hash ({}) matches no file of {} {}: possible tampering",
                    hash.hex, pin.name, release.version
                );
                let hint = "find out where this hash came from before trusting the file; `hashlock lock --force` replaces it with the published hashes";
                errors.push(
                    file.source
                        .error(hash.span.clone(), message)
                        .label("not published")
                        .hint(hint),
                );
            }
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    let mut reports: Vec<Report> = errors.into_iter().map(Report::new).collect();
    reports.push(miette::miette!("nothing was written"));
    Err(Failure::new(exit::CHECK_FAILED, reports))
}
