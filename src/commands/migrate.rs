//! `hashlock migrate`: read the include tree, find each requirement's peep hashes,
//! (with `--fill`) check them against the index and add the other files' hashes,
//! then write, check or diff like `lock`.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use miette::Report;

use super::download::{Downloaded, Wanted};
use super::lookup::{Asked, look_up_all};
use super::unhashed::{self, Fetch, download_and_fill};
use super::{plural, print_stopped, warn};
use crate::cli::{Format, MigrateArgs};
use crate::diagnostics::{Code, Locate, Located, Severity};
use crate::digest::{Algorithm, Digest, Sha256};
use crate::exit::{Failure, Outcome};
use crate::index::Releases;
use crate::migrate::{self, Plan};
use crate::output::json::{FileReport, RunReport};
use crate::output::{Change, Done, finish, print_stdout};
use crate::peep::{self, Block};
use crate::pin::Pinning;
use crate::requirements::{LineKind, Location, Requirement};
use crate::workspace::{File, Role, Workspace};

/// Runs `hashlock migrate`: 0, or 1 when `--check` finds a file to change or a
/// migrated line would be one pip refuses.
pub(super) async fn run(args: MigrateArgs) -> Result<Outcome, Failure> {
    let started = Instant::now();
    args.output.check_inputs(args.files.len())?;
    args.output.check_format(args.format)?;
    let json = args.format == Format::Json;
    if args.download.download && !args.fill {
        return Err(Failure::new(
            Outcome::BadInput,
            [miette::miette!(
                help = "`hashlock migrate --fill --download` checks the peep hashes against the files and adds the others'",
                "`--download` goes with `--fill`: without it, migrate asks no index and downloads nothing"
            )],
        ));
    }
    let algorithm = unhashed::algorithm(&args.download, "migrate")?;
    let workspace = Workspace::load_clean(&args.files)
        .map_err(|errors| Failure::new(Outcome::BadInput, errors))?;
    let files: Vec<&File> = workspace.files_of(Role::Requirements).collect();
    let blocks = find_blocks(&files, args.quiet)?;
    let owners = owners(&files, &blocks);
    let refused = refuse_what_pip_refuses(&files, &owners);
    if !refused.is_empty() {
        print_stopped(args.format, "migrate", files.iter().copied(), &refused)?;
        let count = refused.len();
        let mut reports: Vec<Report> = refused.into_iter().map(Report::new).collect();
        reports.push(miette::miette!(
            "{count} requirement{} cannot be migrated; nothing was written",
            plural(count)
        ));
        return Err(Failure::new(Outcome::CheckFailed, reports));
    }
    let extra = if args.fill {
        fill(&args, &workspace, (&files, &blocks, &owners), algorithm).await?
    } else {
        if !args.quiet {
            note_unfilled(&owners);
        }
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
    let totals = (
        plans.iter().map(|p| p.requirements).sum(),
        plans.iter().map(|p| p.hashes).sum(),
    );
    let done = Done {
        verb: "Migrated",
        workspace: &workspace,
        totals,
        started,
        quiet: args.quiet || json,
        force: args.force,
    };
    let outcome = finish(&args.output, &changes, &done)?;
    if json {
        let report = RunReport {
            command: "migrate",
            files: files
                .iter()
                .zip(&plans)
                .map(|(file, plan)| FileReport {
                    file,
                    new: &plan.text,
                    changed: &plan.changed,
                })
                .collect(),
            problems: &[],
            written: args.output.writes(),
            totals,
        };
        print_stdout(&report.to_json())?;
    }
    Ok(outcome)
}

/// The requirement that owns a peep block, and what it pins.
struct Owner<'a> {
    /// Index of the block in its file's blocks.
    block: usize,
    req: &'a Requirement,
    pinning: Pinning,
}

/// The owner of every block of every file, by file.
fn owners<'a>(files: &[&'a File], blocks: &[Vec<Block>]) -> Vec<Vec<Owner<'a>>> {
    files
        .iter()
        .zip(blocks)
        .map(|(file, blocks)| {
            blocks
                .iter()
                .enumerate()
                .filter_map(|(index, block)| {
                    let LineKind::Requirement(req) = &file.parsed.lines[block.owner].kind else {
                        return None;
                    };
                    let pinning = Pinning::of(req);
                    Some(Owner {
                        block: index,
                        req,
                        pinning,
                    })
                })
                .collect()
        })
        .collect()
}

/// Lines that would carry `--hash` options pip refuses in hash-checking mode once
/// migrated: a requirement that is not pinned to one version (a URL or archive needs
/// none), or one pip can never check (editable, VCS, directory). As `lock`, nothing is
/// written then (exit 1).
fn refuse_what_pip_refuses(files: &[&File], owners: &[Vec<Owner<'_>>]) -> Vec<Located> {
    let mut errors = Vec::new();
    for (file, owners) in files.iter().zip(owners) {
        for owner in owners {
            let acceptable = matches!(
                owner.pinning,
                Pinning::Exact(_) | Pinning::Location(Location::Remote | Location::LocalArchive)
            );
            let Some(reason) = owner.pinning.reason().filter(|_| !acceptable) else {
                continue;
            };
            let message = format!(
                "`{}` {reason}: with its peep hashes as `--hash` options, pip refuses the file",
                owner.req.text.trim()
            );
            let name = match &owner.req.target {
                crate::requirements::Target::Pep508(parsed) => Some(&parsed.name),
                crate::requirements::Target::Unnamed { .. } => None,
            };
            let located = file
                .source
                .error(owner.req.span.clone(), message)
                .code(owner.pinning.code().unwrap_or(Code::NotPinned))
                .label("pip refuses it")
                .maybe_hint(owner.pinning.hint(name));
            errors.push(match name {
                Some(name) => located.package(name.to_string()),
                None => located,
            });
        }
    }
    errors
}

/// Without `--fill`, every migrated line keeps only its peep hashes: pip then takes
/// only those files (peep hashed what it downloaded, usually the sdist, so pip builds
/// from source). Said once, with the count.
fn note_unfilled(owners: &[Vec<Owner<'_>>]) {
    let pinned = owners
        .iter()
        .flatten()
        .filter(|owner| owner.pinning.pin().is_some())
        .count();
    if pinned > 0 {
        crate::report::line(&format!(
            "note: {pinned} requirement{} keep{} only {} peep hashes: pip accepts only those files (peep hashed what it downloaded, usually the sdist, so pip builds from source); `hashlock migrate --fill` adds every file of each version",
            plural(pinned),
            if pinned == 1 { "s" } else { "" },
            if pinned == 1 { "its" } else { "their" },
        ));
    }
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

/// For `--fill`: the published hashes of every pinned requirement's version, by file
/// and line, after checking that each peep hash is one of them. URL lines keep their
/// peep hashes as they are (there is no version to ask the index about): listed.
/// With `--algorithm`, those are the digests of that algorithm the files hashed to.
async fn fill(
    args: &MigrateArgs,
    workspace: &Workspace,
    (files, blocks, owners): (&[&File], &[Vec<Block>], &[Vec<Owner<'_>>]),
    algorithm: Algorithm,
) -> Result<Vec<HashMap<usize, BTreeSet<Digest>>>, Failure> {
    let mut urls = Vec::new();
    for ((file, owners), blocks) in files.iter().zip(owners).zip(blocks) {
        for owner in owners.iter().filter(|o| o.pinning.pin().is_none()) {
            if args.download.download
                && let Some(wanted) = super::direct::wanted(owner.req, &file.source)
            {
                let wanted = wanted.map_err(|error| Failure::new(Outcome::BadInput, [error]))?;
                let peep: Vec<Sha256> = blocks[owner.block]
                    .hashes
                    .iter()
                    .map(|h| h.digest)
                    .collect();
                urls.push((wanted, peep));
                continue;
            }
            let located = file
                .source
                .warning(
                    owner.req.span.clone(),
                    "not filled: a URL has no version to ask the index about, so its peep hashes are converted as they are",
                )
                .label("not filled")
                .hint("`--download` checks them against the file; `hashlock hash FILE` gives the digest of a file you downloaded yourself");
            warn(args.quiet, Report::new(located));
        }
    }
    let asked: Vec<Asked<'_>> = files
        .iter()
        .zip(owners)
        .flat_map(|(file, owners)| {
            owners.iter().filter_map(|owner| {
                Some(Asked {
                    pin: owner.pinning.pin()?,
                    source: &file.source,
                    span: &owner.req.span,
                })
            })
        })
        .collect();
    let quiet = args.quiet || args.format == Format::Json;
    let mut looked = look_up_all(&args.index, workspace, quiet, &asked).await?;
    let fetch = Fetch {
        index: &args.index,
        options: &args.download,
        workspace,
        quiet,
    };
    let extra = urls.iter().map(|(wanted, _)| wanted.clone()).collect();
    let check = |downloaded: &Downloaded| url_peep_mismatches(&urls, downloaded);
    let downloaded = download_and_fill(&fetch, &mut looked, &asked, extra, check).await?;
    let spelled = downloaded.spelled(algorithm);
    let unpublished = check_peep_hashes(files, blocks, owners, &looked.releases);
    if !unpublished.is_empty() {
        print_stopped(args.format, "migrate", files.iter().copied(), &unpublished)?;
        let mut reports: Vec<Report> = unpublished.into_iter().map(Report::new).collect();
        reports.push(miette::miette!("nothing was written"));
        return Err(Failure::new(Outcome::CheckFailed, reports));
    }
    Ok(owners
        .iter()
        .zip(blocks)
        .map(|(owners, blocks)| {
            owners
                .iter()
                .filter_map(|owner| {
                    let release = looked.releases.get(owner.pinning.pin()?)?;
                    let digests = release.sha256s().into_iter().map(|sha256| match algorithm {
                        Algorithm::Sha256 => Some(Digest::from(sha256)),
                        // Every file was downloaded (`--download`), and checked.
                        _ => spelled.get(&sha256).cloned(),
                    });
                    Some((blocks[owner.block].owner, digests.collect::<Option<_>>()?))
                })
                .collect()
        })
        .collect())
}

/// With `--download`: URL lines whose peep hashes do not include the digest their
/// file has now (pip would refuse it once they are `--hash` options).
fn url_peep_mismatches(urls: &[(Wanted, Vec<Sha256>)], downloaded: &Downloaded) -> Vec<Report> {
    urls.iter()
        .filter_map(|(wanted, peep)| {
            let got = downloaded.sha256(&wanted.url)?;
            if peep.contains(&got) {
                return None;
            }
            let (source, span) = wanted.at.as_ref()?;
            let message = format!(
                "`{}` ({}) hashes to {got}, which is none of this line's peep hashes",
                wanted.filename,
                crate::index::shown_url(&wanted.url)
            );
            Some(Report::new(
                source
                    .error(span.clone(), message)
                    .code(Code::DigestMismatch)
                    .label("digest differs")
                    .hint("the file at this URL is not the one peep hashed: find out why before trusting it"),
            ))
        })
        .collect()
}

/// Every peep hash must be the hash of a published file of its version: one that is
/// not is what a tampered line looks like, so nothing is written.
fn check_peep_hashes(
    files: &[&File],
    blocks: &[Vec<Block>],
    owners: &[Vec<Owner<'_>>],
    releases: &Releases,
) -> Vec<Located> {
    let mut errors = Vec::new();
    for ((file, blocks), owners) in files.iter().zip(blocks).zip(owners) {
        for owner in owners {
            let block = &blocks[owner.block];
            let Some(pin) = owner.pinning.pin() else {
                continue;
            };
            let Some(release) = releases.get(pin) else {
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
                        .code(Code::UnknownHash)
                        .package(pin.name.to_string())
                        .label("not published")
                        .hint(hint),
                );
            }
        }
    }
    errors
}
