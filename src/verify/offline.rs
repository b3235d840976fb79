//! The checks that need no index: what pip would refuse or silently skip.
//!
//! pip's own rules in hash-checking mode (every requirement pinned with one `==` or
//! `===`, every one hashed, nothing it can never hash) plus what pip lets through but
//! should not pass a gate: `==1.*`, hash sets that cannot all hold, peep comments
//! that look like protection and are not.

use std::collections::{BTreeSet, HashMap};

use pep440_rs::Operator;
use pep508_rs::VersionOrUrl;

use super::{Code, Finding};
use crate::diagnostics::Source;
use crate::peep;
use crate::requirements::{
    LineKind, Location, ParseError, ParseErrorKind, Requirement, Span, Target,
};
use crate::tree::{Role, SourceFile, Tree};

/// Every offline finding of the tree, in file and line order.
pub fn check(tree: &Tree) -> Vec<Finding> {
    let mut findings: Vec<Finding> = tree
        .unparsed
        .iter()
        .flat_map(|file| {
            file.errors
                .iter()
                .map(|err| parse_finding(&file.source, err))
        })
        .collect();
    // A file with parse errors still gets its other lines checked, so one run shows
    // every problem; the lines an error touches are reported by the error alone.
    for file in tree
        .unparsed
        .iter()
        .filter(|f| f.role == Role::Requirements)
    {
        for line in file.clean_lines() {
            if let LineKind::Requirement(req) = &line.kind {
                findings.extend(requirement(&file.source, req));
            }
        }
    }
    for file in tree.files.iter().filter(|f| f.role == Role::Requirements) {
        for (_, req) in file.parsed.requirements() {
            findings.extend(requirement(&file.source, req));
        }
        findings.extend(peep_only(file));
    }
    findings.extend(disjoint_hashes(&tree.files));
    findings
}

/// A line pip would reject or misread, classified by what kind of trap it is.
fn parse_finding(source: &Source, err: &ParseError) -> Finding {
    let code = match err.kind {
        ParseErrorKind::Syntax => Code::Syntax,
        ParseErrorKind::BadHash => Code::BadHash,
        ParseErrorKind::ContinuationTrap => Code::ContinuationTrap,
        ParseErrorKind::IgnoredText => Code::IgnoredText,
    };
    Finding {
        hint: err.hint.clone(),
        ..Finding::error(source, err.span.clone(), code, err.message.clone())
    }
}

/// The findings about one requirement line on its own.
fn requirement(source: &Source, req: &Requirement) -> Vec<Finding> {
    let name = package_name(req);
    let at = |code, message: String| Finding {
        package: name.clone(),
        ..Finding::error(source, req.span.clone(), code, message)
    };
    if let Some(why) = unhashable(req) {
        let hint = "pip refuses it with `--require-hashes`: depend on a released version (`name==<version>`) or build a wheel and pin that";
        return vec![at(Code::Unhashable, format!("`{}` {why}", req.text)).hint(hint)];
    }
    let mut findings = Vec::new();
    if let Some((code, why, hint)) = not_pinned(req) {
        findings.push(at(code, format!("`{}` {why}", req.text)).hint(hint));
    }
    if req.hashes.is_empty() {
        let hint = "run `hashlock lock` to add the hashes of every file of the pinned version";
        findings.push(
            at(
                Code::MissingHashes,
                format!("`{}` has no `--hash`", req.text),
            )
            .hint(hint),
        );
    }
    findings
}

fn package_name(req: &Requirement) -> Option<String> {
    match &req.target {
        Target::Pep508(parsed) => Some(parsed.name.to_string()),
        Target::Unnamed { .. } => None,
    }
}

/// Why pip can never check a hash for this requirement, if it cannot.
fn unhashable(req: &Requirement) -> Option<&'static str> {
    if req.editable.is_some() {
        return Some("is editable, and pip never checks hashes of editable requirements");
    }
    match Location::of(req.location()?) {
        Location::Vcs => Some("is a VCS requirement, which pip cannot check against a hash"),
        Location::LocalDirectory => {
            Some("is a local directory, which pip cannot check against a hash")
        }
        Location::Remote | Location::LocalArchive => None,
    }
}

/// Whether pip counts the requirement as pinned (direct URLs need no pin).
fn not_pinned(req: &Requirement) -> Option<(Code, &'static str, &'static str)> {
    if req.text.contains("${") {
        return Some((
            Code::NotPinned,
            "takes its version from an environment variable, so it cannot be verified",
            "write the version out",
        ));
    }
    let Target::Pep508(parsed) = &req.target else {
        return None;
    };
    let specifiers = match &parsed.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers,
        Some(VersionOrUrl::Url(_)) => return None,
        None => {
            return Some((
                Code::NotPinned,
                "has no version",
                "pin it: `name==<version>`",
            ));
        }
    };
    match &specifiers[..] {
        [one] if matches!(one.operator(), Operator::Equal | Operator::ExactEqual) => None,
        [one] if *one.operator() == Operator::EqualStar => Some((
            Code::WildcardPin,
            "uses a wildcard: pip accepts it, but it matches many versions",
            "pin one version: `name==<version>`",
        )),
        _ => Some((
            Code::NotPinned,
            "is not pinned to one version with `==` or `===`",
            "pin one version: `name==<version>`",
        )),
    }
}

/// Requirements whose only "hashes" are peep comments above them, which pip ignores
/// (peep's own rule decides which comments belong to which line).
fn peep_only(file: &SourceFile) -> Vec<Finding> {
    let (blocks, _problems) = peep::find(&file.parsed);
    blocks
        .iter()
        .filter_map(|block| {
            let LineKind::Requirement(req) = &file.parsed.lines[block.owner].kind else {
                return None;
            };
            let first = block.hashes.first().filter(|_| req.hashes.is_empty())?;
            let message = format!(
                "`{}` has only peep `# sha256:` comments, which pip ignores: it installs unchecked",
                req.text
            );
            let hint = "run `hashlock migrate --fill` to turn them into pip's `--hash` options for every file of the version";
            let finding = Finding::error(&file.source, first.span.clone(), Code::PeepOnly, message);
            Some(Finding { package: package_name(req), ..finding.hint(hint) })
        })
        .collect()
}

/// One requirement line's hashes, for the intersection pip computes per package.
struct HashedLine<'a> {
    source: &'a Source,
    span: Span,
    hashes: BTreeSet<String>,
}

/// pip keeps only the hashes common to every line of a package (requirements and
/// constraints alike); if none is left, nothing can install. Lines with different
/// markers may never meet, so they are compared only with lines of the same marker.
fn disjoint_hashes(files: &[SourceFile]) -> Vec<Finding> {
    let mut groups: HashMap<(String, String), Vec<HashedLine<'_>>> = HashMap::new();
    let mut order = Vec::new();
    for file in files {
        for (_, req) in file.parsed.requirements() {
            let Target::Pep508(parsed) = &req.target else {
                continue;
            };
            if req.hashes.is_empty() {
                continue;
            }
            let marker = parsed
                .marker
                .contents()
                .map(|m| m.to_string())
                .unwrap_or_default();
            let key = (parsed.name.to_string(), marker);
            let hashes = req
                .hashes
                .iter()
                .map(|h| format!("{}:{}", h.algorithm.name(), h.digest.to_ascii_lowercase()))
                .collect();
            let group = groups.entry(key.clone()).or_default();
            if group.is_empty() {
                order.push(key);
            }
            group.push(HashedLine {
                source: &file.source,
                span: req.span.clone(),
                hashes,
            });
        }
    }
    order
        .iter()
        .filter_map(|key| disjoint_group(&key.0, &groups[key]))
        .collect()
}

fn disjoint_group(name: &str, lines: &[HashedLine<'_>]) -> Option<Finding> {
    let (first, rest) = lines.split_first()?;
    let mut common = first.hashes.clone();
    for line in rest {
        common = common.intersection(&line.hashes).cloned().collect();
        if common.is_empty() {
            let first_at = format!(
                "{}:{}",
                first.source.name,
                first.source.line_of(first.span.start)
            );
            let message = format!(
                "`{name}` is also required at {first_at}, and no hash is on every one of its lines: pip keeps only common hashes, so nothing can install"
            );
            let hint = "give every line of the package the same hashes (`hashlock lock` writes the full set)";
            let finding = Finding::error(
                line.source,
                line.span.clone(),
                Code::DisjointHashes,
                message,
            );
            return Some(finding.package(name).hint(hint));
        }
    }
    None
}
