//! `hashlock verify`: read the workspace, run the offline checks, then (unless
//! `--offline`) look up every hashed pin, trace unpublished hashes, download what
//! `--download` asks for, and run the online checks; print the findings and exit 1
//! if any is an error.

use std::collections::HashMap;
use std::path::PathBuf;

use futures::StreamExt;
use reqwest::Url;

use super::connect::connect;
use super::lookup::{Asked, fetch_all, index_report, refuse_overlong, trace, unique_pins};
use crate::cli::{Format, VerifyArgs};
use crate::diagnostics::{Located, Severity};
use crate::digest::{Algorithm, Sha256};
use crate::exit::{Failure, Outcome};
use crate::index::{IndexError, Indexes};
use crate::output::print_stdout;
use crate::requirements::Span;
use crate::verify::offline;
use crate::verify::online::{self, Download, Target};
use crate::verify::render::{self, Totals};
use crate::workspace::{Role, Workspace};

/// Runs `hashlock verify`: 0 clean, 1 problems found.
pub(super) async fn run(args: VerifyArgs) -> Result<Outcome, Failure> {
    let default = [PathBuf::from("requirements.txt")];
    let files = match (&args.files[..], &args.constraints[..]) {
        ([], []) => &default[..],
        (files, _) => files,
    };
    let workspace = Workspace::load_with_constraints(files, &args.constraints)
        .map_err(|errors| Failure::new(Outcome::BadInput, errors))?;
    let mut findings = offline::check(&workspace);
    if !args.offline {
        let (online, index) = online_findings(&args, &workspace).await?;
        findings.extend(online);
        findings.extend(super::deps::verify(&args, &workspace, index).await?);
    }
    let names: Vec<String> = workspace
        .files
        .iter()
        .map(|f| f.source.name.clone())
        .collect();
    sort(&mut findings, &names);
    let mut totals = totals(&workspace);
    totals.count(&findings);
    match args.format {
        Format::Json => print_stdout(&render::json(&findings, &names, &totals))?,
        Format::Human => render::human(&findings, &totals, args.offline, args.quiet),
    }
    Ok(Outcome::check(totals.errors > 0))
}

/// Online findings of every hashed, pinned requirement of the requirements files.
/// Online findings, and the indexes connected for them (none when no line is
/// hashed), which the dependency checks reuse.
async fn online_findings(
    args: &VerifyArgs,
    workspace: &Workspace,
) -> Result<(Vec<Located>, Option<Indexes>), Failure> {
    // Constraints carry hashes pip uses too (pip 26.1+): check them as well.
    let mut records = workspace.records(Role::Requirements);
    records.extend(workspace.records(Role::Constraints));
    let peep = peep_hashes(workspace);
    let targets: Vec<Target<'_>> = records
        .iter()
        .filter_map(|record| {
            let peep = peep
                .get(&(record.file, record.line))
                .cloned()
                .unwrap_or_default();
            if record.req.hashes.is_empty() && peep.is_empty() {
                return None;
            }
            Some(Target {
                source: &workspace.files[record.file].source,
                req: record.req,
                pin: record.pinning.pin()?,
                peep,
            })
        })
        .collect();
    if targets.is_empty() {
        return Ok((Vec::new(), None));
    }
    let unique = unique_pins(targets.iter().map(|target| target.pin));
    let asked: Vec<Asked<'_>> = targets
        .iter()
        .map(|target| Asked {
            pin: target.pin,
            source: target.source,
            span: &target.req.span,
        })
        .collect();
    refuse_overlong(&asked)?;
    let quiet = args.quiet || args.format == Format::Json;
    let index = connect(&args.index, workspace, false).await?;
    let releases: online::Releases = fetch_all(&index, &unique, &args.index, quiet)
        .await
        .into_iter()
        .collect();
    let index_failure =
        |err: IndexError| Failure::new(Outcome::IndexFailure, [index_report(&err, false)]);
    let projects = trace(&index, online::projects_to_trace(&targets, &releases))
        .await
        .map_err(index_failure)?;
    let downloaded = if args.download {
        let downloads = online::downloads(&targets, &releases);
        download_all(&index, downloads, usize::from(args.index.concurrency))
            .await
            .map_err(index_failure)?
    } else {
        HashMap::new()
    };
    // With targets named, a line misses only the files they take.
    let kept = super::deps::kept_for_verify(args, workspace, &releases)?;
    let options = online::Options {
        strict: args.strict,
        deny_yanked: args.deny_yanked,
        kept: kept.as_ref(),
    };
    let findings = online::check(&targets, &releases, &projects, &downloaded, options)
        .map_err(index_failure)?;
    Ok((findings, Some(index)))
}

/// The peep hashes above each requirement of the clean files, by (file, line).
fn peep_hashes(workspace: &Workspace) -> HashMap<(usize, usize), Vec<(Sha256, Span)>> {
    let mut all = HashMap::new();
    for (index, file) in workspace.files.iter().enumerate() {
        if !file.is_clean() {
            continue;
        }
        for block in crate::peep::find(&file.parsed).0 {
            let hashes = block.hashes.iter().map(|h| (h.digest, h.span.clone()));
            all.insert((index, block.owner), hashes.collect());
        }
    }
    all
}

/// Downloads every file and hashes it as it streams, `concurrency` at once.
async fn download_all(
    index: &Indexes,
    downloads: Vec<Download>,
    concurrency: usize,
) -> Result<HashMap<Url, Sha256>, IndexError> {
    let results: Vec<_> = futures::stream::iter(downloads)
        .map(|download| async move {
            let digest = index.digest_of(&download.url, Algorithm::Sha256).await;
            (download.url, digest)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut downloaded = HashMap::new();
    for (url, digest) in results {
        if let Some(sha256) = digest?.sha256() {
            downloaded.insert(url, sha256);
        }
    }
    Ok(downloaded)
}

/// File order, then position, errors before warnings at the same place.
fn sort(findings: &mut [Located], names: &[String]) {
    let rank = |f: &Located| {
        names
            .iter()
            .position(|n| *n == f.source.name)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by_key(|f| {
        (
            rank(f),
            f.span.start,
            f.severity == Severity::Warning,
            f.code,
        )
    });
}

/// What was checked: every requirement on a line that parsed, in every requirements
/// file (a file with a syntax error still counts its other lines).
fn totals(workspace: &Workspace) -> Totals {
    let records = workspace.records(Role::Requirements);
    Totals {
        files: workspace.files.len(),
        requirements: records.len(),
        hashes: records.iter().map(|r| r.req.hashes.len()).sum(),
        ..Totals::default()
    }
}
