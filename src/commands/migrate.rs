//! `hashlock migrate`: read the include tree, find each requirement's peep hashes,
//! (with `--fill`) check them against the index and add the other files' hashes,
//! then write, check or diff like `lock`.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use miette::Report;

use super::lookup::{Asked, look_up_all};
use super::{failure, plural, warn};
use crate::cli::MigrateArgs;
use crate::diagnostics::{Locate, Located, Severity};
use crate::digest::Sha256;
use crate::exit::{Failure, Outcome};
use crate::index::Release;
use crate::migrate::{self, Plan};
use crate::output::{Change, Done, finish};
use crate::peep::{self, Block};
use crate::pin::{Pin, Pinning};
use crate::requirements::LineKind;
use crate::workspace::{File, Role, Workspace};

/// Runs `hashlock migrate`: 0, or 1 when `--check` finds a file to change.
pub(super) async fn run(args: MigrateArgs) -> Result<Outcome, Failure> {
    let started = Instant::now();
    args.output.check_inputs(args.files.len())?;
    let workspace = Workspace::load_clean(&args.files)
        .map_err(|errors| Failure::new(Outcome::BadInput, errors))?;
    let files: Vec<&File> = workspace.files_of(Role::Requirements).collect();
    let blocks = find_blocks(&files, args.quiet)?;
    let extra = if args.fill {
        fill(&args, &files, &blocks).await?
    } else {
        vec![HashMap::new(); files.len()]
    };
    let plans: Vec<Plan> = files
        .iter()
        .zip(&blocks)
        .zip(&extra)
        .map(|((file, blocks), extra)| migrate::plan(&file.parsed, blocks, extra))
        .collect();
    let changes: Vec<Change<'_>> = files
        .iter()
        .zip(&plans)
        .map(|(file, plan)| Change::of(file, &plan.text))
        .collect();
    let done = Done {
        verb: "Migrated",
        workspace: &workspace,
        totals: (
            plans.iter().map(|p| p.requirements).sum(),
            plans.iter().map(|p| p.hashes).sum(),
        ),
        started,
        quiet: args.quiet,
        force: args.force,
    };
    finish(&args.output, &changes, &done)
}

/// The peep blocks of every requirements file. Malformed peep lines stop the run
/// (they would be lost silently otherwise); blocks above option lines are warnings.
fn find_blocks(files: &[&File], quiet: bool) -> Result<Vec<Vec<Block>>, Failure> {
    let mut errors: Vec<Located> = Vec::new();
    let mut all = Vec::new();
    for file in files {
        let (blocks, problems) = peep::find(&file.parsed);
        for problem in problems {
            let located = problem.locate(&file.source);
            match located.severity {
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
    Err(Failure::new(Outcome::BadInput, reports))
}

/// The pin of each requirement that owns a peep block, by block.
type BlockPins<'a> = Vec<Vec<Option<&'a Pin>>>;

/// For `--fill`: the published hashes of every migrated requirement's version, by
/// file and line, after checking that each peep hash is one of them.
async fn fill(
    args: &MigrateArgs,
    files: &[&File],
    blocks: &[Vec<Block>],
) -> Result<Vec<HashMap<usize, BTreeSet<Sha256>>>, Failure> {
    let mut unpinned = Vec::new();
    let mut pinnings: Vec<Vec<(usize, Pinning)>> = Vec::new();
    for (file, blocks) in files.iter().zip(blocks) {
        let mut file_pinnings = Vec::new();
        for block in blocks {
            let LineKind::Requirement(req) = &file.parsed.lines[block.owner].kind else {
                continue;
            };
            let pinning = Pinning::of(req);
            if let Some(reason) = pinning.reason() {
                let message = format!("`{}` {reason}", req.text.trim());
                let hint = "`--fill` asks the index for the files of one version: pin it, or migrate without `--fill`";
                unpinned.push(
                    file.source
                        .error(req.span.clone(), message)
                        .label("not pinned")
                        .hint(hint),
                );
            }
            file_pinnings.push((block.owner, pinning));
        }
        pinnings.push(file_pinnings);
    }
    if !unpinned.is_empty() {
        return Err(failure(Outcome::CheckFailed, unpinned));
    }
    let asked: Vec<Asked<'_>> = files
        .iter()
        .zip(&pinnings)
        .flat_map(|(file, pinnings)| {
            pinnings.iter().filter_map(|(line, pinning)| {
                let LineKind::Requirement(req) = &file.parsed.lines[*line].kind else {
                    return None;
                };
                Some(Asked {
                    pin: pinning.pin()?,
                    source: &file.source,
                    span: &req.span,
                })
            })
        })
        .collect();
    let releases = look_up_all(&args.index, args.quiet, &asked).await?;
    let pins: BlockPins<'_> = pinnings
        .iter()
        .map(|file| file.iter().map(|(_, pinning)| pinning.pin()).collect())
        .collect();
    check_peep_hashes(files, blocks, &pins, &releases)?;
    Ok(pinnings
        .iter()
        .map(|file| {
            file.iter()
                .filter_map(|(line, pinning)| {
                    Some((*line, releases.get(pinning.pin()?)?.sha256s()))
                })
                .collect()
        })
        .collect())
}

/// Every peep hash must be the hash of a published file of its version: one that is
/// not is what a tampered line looks like, so nothing is written.
fn check_peep_hashes(
    files: &[&File],
    blocks: &[Vec<Block>],
    pins: &BlockPins<'_>,
    releases: &HashMap<Pin, Release>,
) -> Result<(), Failure> {
    let mut errors = Vec::new();
    for ((file, blocks), pins) in files.iter().zip(blocks).zip(pins) {
        for (block, pin) in blocks.iter().zip(pins) {
            let Some((pin, release)) = pin.and_then(|pin| Some((pin, releases.get(pin)?))) else {
                continue;
            };
            let published = release.sha256s();
            for hash in block
                .hashes
                .iter()
                .filter(|h| !published.contains(&h.digest))
            {
                let message = format!(
                    "this peep hash ({}) matches no file of {} {}: possible tampering",
                    hash.digest, pin.name, release.version
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
    Err(Failure::new(Outcome::CheckFailed, reports))
}
