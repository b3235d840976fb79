//! `hashlock verify`: read the workspace, run the offline checks, then (unless
//! `--offline`) look up every hashed pin, trace unpublished hashes, download what
//! `--download` asks for, and run the online checks; print the findings and exit 1
//! if any is an error.

use std::collections::HashMap;
use std::path::PathBuf;

use reqwest::Url;

use super::connect::connect;
use super::download::{Downloaded, Mismatch, Wanted, Witness, download_all, mismatches};
use super::lookup::{Asked, fetch_all, index_report, refuse_overlong, trace, unique_pins};
use super::unhashed;
use crate::cli::{Format, VerifyArgs};
use crate::diagnostics::{Located, Severity};
use crate::digest::Sha256;
use crate::exit::{Failure, Outcome};
use crate::index::Releases;
use std::time::Duration;

use crate::cli::IndexArgs;
use crate::index::{
    ClientOptions, Credentials, IndexClient, IndexError, Indexes, Location, Protocol, Strategy,
};
use crate::output::print_stdout;
use crate::pin::Pin;
use crate::requirements::Span;
use crate::verify::cross_check;
use crate::verify::offline;
use crate::verify::online::{self, Target};
use crate::verify::render::{self, Totals};
use crate::workspace::{Record, Role, Workspace};

mod known;

/// Runs `hashlock verify`: 0 clean, 1 problems found.
pub(super) async fn run(args: VerifyArgs) -> Result<Outcome, Failure> {
    let logs = super::first_seen::open_for_verify(&args);
    let default = [PathBuf::from("requirements.txt")];
    let files = match (&args.files[..], &args.constraints[..]) {
        ([], []) => &default[..],
        (files, _) => files,
    };
    let workspace = Workspace::load_with_constraints(files, &args.constraints)
        .map_err(|errors| Failure::new(Outcome::BadInput, errors))?;
    let mut findings = offline::check(&workspace);
    let mut downloaded = Downloaded::default();
    let mut known = None;
    if args.index.cache.offline {
        let (found, coverage) = known::findings(&args, &workspace).await;
        findings.extend(found);
        known = Some(coverage);
    } else {
        let (online, files, index) = online_findings(&args, &workspace, logs).await?;
        findings.extend(online);
        downloaded = files;
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
    totals.downloaded_files = downloaded.files;
    totals.downloaded_bytes = downloaded.bytes;
    totals.offline = known.as_ref().map(known::Coverage::totals);
    match args.format {
        Format::Json => print_stdout(&render::json(&findings, &names, &totals))?,
        Format::Human => {
            render::human(&findings, &totals, args.quiet);
            if let Some(known) = known.filter(|_| !args.quiet) {
                known.tell();
            }
        }
    }
    Ok(Outcome::check(totals.errors > 0))
}

/// Online findings of every hashed, pinned requirement of the requirements files,
/// what was downloaded to find them, and the indexes connected for them (none when
/// no line is hashed), which the dependency checks reuse.
async fn online_findings(
    args: &VerifyArgs,
    workspace: &Workspace,
    logs: super::first_seen::Opening,
) -> Result<(Vec<Located>, Downloaded, Option<Indexes>), Failure> {
    let records = hashed_records(workspace);
    let targets = targets_of(workspace, &records);
    if targets.is_empty() {
        return Ok((Vec::new(), Downloaded::default(), None));
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
    let index = connect(&args.index, workspace, false, &unique).await?;
    let mut releases: online::Releases = fetch_all(&index, &unique, &args.index, quiet)
        .await
        .into_iter()
        .collect();
    let (downloaded, mut findings) =
        download(args, &index, &targets, &asked, &mut releases, quiet).await?;
    let index_failure =
        |err: IndexError| Failure::new(Outcome::IndexFailure, [index_report(&err, false)]);
    let projects = trace(&index, online::projects_to_trace(&targets, &releases))
        .await
        .map_err(index_failure)?;
    // With targets named, a line misses only the files they take.
    let kept = super::deps::kept_for_verify(args, workspace, &releases)?;
    let options = online::Options {
        strict: args.strict,
        deny_yanked: args.deny_yanked,
        kept: kept.as_ref(),
        cached: false,
    };
    findings.extend(
        online::check(&targets, &releases, &projects, &downloaded.digests, options)
            .map_err(index_failure)?,
    );
    findings.extend(super::first_seen::verify_findings(args, logs, &index, &targets, quiet).await?);
    if let Some(second) = &args.cross_check {
        findings.extend(cross_check(args, second, &targets, &releases, &unique, quiet).await?);
    }
    Ok((findings, downloaded, Some(index)))
}

/// The records whose hashes `verify` checks: the requirements, then the constraints,
/// which carry hashes pip uses too (pip 26.1+).
fn hashed_records(workspace: &Workspace) -> Vec<Record<'_>> {
    let mut records = workspace.records(Role::Requirements);
    records.extend(workspace.records(Role::Constraints));
    records
}

/// The hashed, pinned requirements of `records` (hashes on the line, or peep lines
/// above it), to check against what an index publishes.
fn targets_of<'a>(workspace: &'a Workspace, records: &'a [Record<'a>]) -> Vec<Target<'a>> {
    let peep = peep_hashes(workspace);
    records
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
        .collect()
}

/// Downloads what the run checks by hashing: with `--download` every file whose hash
/// is on a line, and always the files the index publishes no sha256 for (which get
/// the one they hash to, with a `no-index-hash` finding: a warning, or an error with
/// `--strict`). Returns the downloads, and the findings about them: those, and every
/// file whose PyPI path names another blake2b-256 (the published sha256 is compared
/// line by line in [`online::check`]).
async fn download(
    args: &VerifyArgs,
    index: &Indexes,
    targets: &[Target<'_>],
    asked: &[Asked<'_>],
    releases: &mut online::Releases,
    quiet: bool,
) -> Result<(Downloaded, Vec<Located>), Failure> {
    let mut found: Releases = releases
        .iter()
        .filter_map(|(pin, release)| Some((pin.clone(), release.as_ref().ok()?.clone())))
        .collect();
    let mut wanted = unhashed::wanted(&found, asked, false);
    if args.download {
        wanted.extend(
            online::downloads(targets, releases)
                .into_iter()
                .map(|file| {
                    let target = targets.iter().find(|t| {
                        found
                            .get(t.pin)
                            .is_some_and(|release| release.files.iter().any(|f| f.url == file.url))
                    });
                    Wanted {
                        url: file.url,
                        filename: file.filename,
                        published: Some(file.expected),
                        size: None,
                        purpose: target.map(|t| t.pin.to_string()).unwrap_or_default(),
                        at: target.map(|t| (t.source.clone(), t.req.span.clone())),
                    }
                }),
        );
    }
    if wanted.is_empty() {
        return Ok((Downloaded::default(), Vec::new()));
    }
    let concurrency = usize::from(args.download_concurrency);
    // A line's sha384/sha512 hashes are checked against the files' digests.
    let also = if args.download {
        online::other_algorithms(targets)
    } else {
        Vec::new()
    };
    let downloaded = download_all(index, &wanted, &also, concurrency, quiet, false).await?;
    let (_, mut findings) = unhashed::fill(&mut found, &downloaded, asked, args.strict);
    for (pin, release) in found {
        releases.insert(pin, Ok(release));
    }
    findings.extend(
        mismatches(&wanted, &downloaded)
            .iter()
            .filter(|mismatch| mismatch.witness == Witness::Path)
            .filter_map(Mismatch::located),
    );
    Ok((downloaded, findings))
}

/// `--cross-check`: the same pins asked of a second index, their hashes compared.
async fn cross_check(
    args: &VerifyArgs,
    second: &Url,
    targets: &[Target<'_>],
    releases: &online::Releases,
    unique: &[&Pin],
    quiet: bool,
) -> Result<Vec<Located>, Failure> {
    let simple_root = second.path().trim_end_matches('/').ends_with("/simple");
    let (index_url, protocol) = if simple_root {
        (second.clone(), Protocol::Simple)
    } else {
        (IndexArgs::base_url(second), Protocol::JsonApi)
    };
    let options = ClientOptions {
        credentials: Credentials::of(&index_url),
        index_url,
        protocol,
        timeout: Duration::from_secs(args.index.timeout),
        deadline: Duration::from_secs(args.index.deadline_secs()),
        retries: args.index.retries,
        max_document_size: args.index.max_document_bytes(),
        ..ClientOptions::default()
    };
    let client = IndexClient::connect(options)
        .await
        .map_err(|err| Failure::new(Outcome::IndexFailure, [index_report(&err, false)]))?;
    let shown = client.shown_index();
    let witness = Indexes::new(
        vec![Location::Index(Box::new(client))],
        Strategy::FirstIndex,
    );
    let answers = fetch_all(&witness, unique, &args.index, quiet).await;
    let mut found = HashMap::new();
    for (pin, answer) in answers {
        match answer {
            Err(error) if !error.is_not_found() => {
                return Err(Failure::new(
                    Outcome::IndexFailure,
                    [index_report(&error, false)],
                ));
            }
            answer => {
                found.insert(pin, answer);
            }
        }
    }
    Ok(cross_check::check(targets, releases, &found, &shown))
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
