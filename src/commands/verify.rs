//! `hashlock verify`: read the include tree, run the offline checks, then (unless
//! `--offline`) look up every hashed pin and run the online checks; print the findings
//! and exit 1 if any is an error.

use std::collections::HashMap;

use crate::cli::{Format, VerifyArgs};
use crate::commands::failure;
use crate::commands::lookup::{connect, fetch_all, index_report, unique_pins};
use crate::exit::{self, Failure};
use crate::index::Pin;
use crate::requirements::LineKind;
use crate::resolve::resolve;
use crate::tree::{self, Role, Tree};
use crate::verify::render::{self, Totals};
use crate::verify::{Finding, Severity, offline, online};

/// Runs `hashlock verify`; `Ok` carries the exit code (0 clean, 1 problems found).
pub async fn run(args: VerifyArgs) -> Result<u8, Failure> {
    let tree = tree::load(&args.files).map_err(|errors| failure(exit::BAD_INPUT, errors))?;
    let mut findings = offline::check(&tree);
    if !args.offline {
        findings.extend(online_findings(&args, &tree).await?);
    }
    let names = file_names(&tree);
    sort(&mut findings, &names);
    let mut totals = totals(&tree);
    totals.count(&findings);
    match args.format {
        Format::Json => print!("{}", render::json(&findings, &names, &totals)),
        Format::Human => render::human(&findings, &totals, args.offline, args.quiet),
    }
    Ok(if totals.errors > 0 {
        exit::CHECK_FAILED
    } else {
        exit::OK
    })
}

/// Online findings of every hashed, pinned requirement of the requirements files.
async fn online_findings(args: &VerifyArgs, tree: &Tree) -> Result<Vec<Finding>, Failure> {
    let parsed = tree
        .files
        .iter()
        .filter(|file| file.role == Role::Requirements)
        .flat_map(|file| {
            file.parsed
                .requirements()
                .map(move |(_, req)| (&file.source, req))
        });
    let clean = tree
        .unparsed
        .iter()
        .filter(|file| file.role == Role::Requirements)
        .flat_map(|file| {
            file.clean_lines().filter_map(move |line| match &line.kind {
                LineKind::Requirement(req) => Some((&file.source, req)),
                _ => None,
            })
        });
    let targets: Vec<online::Target<'_>> = parsed
        .chain(clean)
        .filter_map(|(source, req)| {
            let pin = resolve(req).ok().filter(|_| !req.hashes.is_empty())?;
            Some(online::Target { source, req, pin })
        })
        .collect();
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let unique = unique_pins(targets.iter().map(|target| &target.pin));
    let quiet = args.quiet || args.format == Format::Json;
    let index = connect(&args.index).await?;
    let releases: HashMap<Pin, _> = fetch_all(&index, &unique, &args.index, quiet)
        .await
        .into_iter()
        .collect();
    let options = online::Options {
        strict: args.strict,
        deny_yanked: args.deny_yanked,
        download: args.download,
        concurrency: usize::from(args.index.concurrency),
    };
    online::check(&index, &targets, &releases, options)
        .await
        .map_err(|err| Failure::new(exit::INDEX_FAILURE, [index_report(&err)]))
}

/// Every file checked, in the order they were reached (parsed ones first).
fn file_names(tree: &Tree) -> Vec<String> {
    let parsed = tree.files.iter().map(|f| f.source.name.clone());
    parsed
        .chain(tree.unparsed.iter().map(|f| f.source.name.clone()))
        .collect()
}

/// File order, then position, errors before warnings at the same place.
fn sort(findings: &mut [Finding], names: &[String]) {
    let rank = |f: &Finding| {
        names
            .iter()
            .position(|n| *n == f.source.name)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by(|a, b| {
        (
            rank(a),
            a.span.start,
            a.severity == Severity::Warning,
            a.code,
        )
            .cmp(&(
                rank(b),
                b.span.start,
                b.severity == Severity::Warning,
                b.code,
            ))
    });
}

fn totals(tree: &Tree) -> Totals {
    let requirements = tree.files.iter().filter(|f| f.role == Role::Requirements);
    Totals {
        files: tree.files.len() + tree.unparsed.len(),
        requirements: requirements
            .clone()
            .map(|f| f.parsed.requirements().count())
            .sum(),
        hashes: requirements
            .flat_map(|f| f.parsed.requirements())
            .map(|(_, r)| r.hashes.len())
            .sum(),
        ..Totals::default()
    }
}
