//! The checks that need no index: what pip would refuse or silently skip.
//!
//! pip's own rules in hash-checking mode (every requirement pinned with one `==` or
//! `===`, every one hashed, nothing it can never hash) plus what pip lets through but
//! should not pass a gate: `==1.*`, hash sets that cannot all hold, peep comments
//! that look like protection and are not.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::diagnostics::{Code, Located, Source};
use crate::digest::Digest;
use crate::peep;
use crate::pin::Pinning;
use crate::requirements::{Requirement, Span, Target};
use crate::workspace::{File, Role, Workspace};

/// Every offline finding of the workspace, in file and line order.
pub(crate) fn check(workspace: &Workspace) -> Vec<Located> {
    // A file with parse errors still gets its other lines checked, so one run shows
    // every problem; the lines an error touches are reported by the error alone.
    let mut findings: Vec<Located> = workspace.parse_errors().collect();
    // A line with only peep comments gets one finding (`peep-only`), not two.
    let mut peep_owned = HashSet::new();
    for (index, file) in workspace.files.iter().enumerate() {
        if file.role == Role::Requirements && file.is_clean() {
            let (found, owned) = peep_only(file);
            findings.extend(found);
            peep_owned.extend(owned.into_iter().map(|line| (index, line)));
        }
    }
    for record in workspace.records(Role::Requirements) {
        let file = &workspace.files[record.file];
        let peep_only = peep_owned.contains(&(record.file, record.line));
        findings.extend(requirement(
            &file.source,
            record.req,
            &record.pinning,
            peep_only,
        ));
    }
    let conflicts = workspace.conflicting_pins();
    findings.extend(conflicts.iter().map(|c| c.error(workspace)));
    let clean: Vec<&File> = workspace.files.iter().filter(|f| f.is_clean()).collect();
    findings.extend(disjoint_hashes(&clean));
    findings
}

/// The findings about one requirement line on its own.
fn requirement(
    source: &Source,
    req: &Requirement,
    pinning: &Pinning,
    peep_only: bool,
) -> Vec<Located> {
    let name = package_name(req);
    let at = |code, why: &str| {
        let located = source
            .error(req.span.clone(), format!("`{}` {why}", req.text))
            .code(code);
        match &name {
            Some(name) => located.package(name.to_string()),
            None => located,
        }
    };
    if pinning.is_unhashable() {
        let why = pinning.reason().unwrap_or_default();
        let hint = "pip refuses it with `--require-hashes`: depend on a released version (`name==<version>`) or build a wheel and pin that";
        return vec![at(Code::Unhashable, &why).hint(hint)];
    }
    let mut findings = Vec::new();
    let code = match pinning {
        // pip needs no version for a URL or an archive: its hash pins it.
        Pinning::Location(_) => None,
        _ => pinning.code(),
    };
    if let (Some(code), Some(why)) = (code, pinning.reason()) {
        let hint = pinning.hint(name.as_ref()).unwrap_or_default();
        findings.push(at(code, &why).hint(hint));
    }
    if req.hashes.is_empty() && !peep_only {
        let hint = match pinning {
            Pinning::Location(_) => {
                "run `hashlock lock`: it downloads (or reads) the file and writes its hash"
            }
            _ => "run `hashlock lock` to add the hashes of every file of the pinned version",
        };
        findings.push(at(Code::MissingHashes, "has no `--hash`").hint(hint));
    }
    findings
}

fn package_name(req: &Requirement) -> Option<pep508_rs::PackageName> {
    match &req.target {
        Target::Pep508(parsed) => Some(parsed.name.clone()),
        Target::Unnamed { .. } => None,
    }
}

/// Requirements whose only "hashes" are peep comments above them, which pip ignores
/// (peep's own rule decides which comments belong to which line), with their lines.
fn peep_only(file: &File) -> (Vec<Located>, Vec<usize>) {
    let (blocks, _problems) = peep::find(&file.parsed);
    let mut lines = Vec::new();
    let findings = blocks
        .iter()
        .filter_map(|block| {
            let crate::requirements::LineKind::Requirement(req) = &file.parsed.lines[block.owner].kind else {
                return None;
            };
            let first = block.hashes.first().filter(|_| req.hashes.is_empty())?;
            lines.push(block.owner);
            let message = format!(
                "`{}` has only peep `# sha256:` comments, which pip ignores: it installs unchecked",
                req.text
            );
            let hint = "run `hashlock migrate --fill` to turn them into pip's `--hash` options for every file of the version";
            let finding = file
                .source
                .error(first.span.clone(), message)
                .code(Code::PeepOnly)
                .hint(hint);
            Some(match package_name(req) {
                Some(name) => finding.package(name.to_string()),
                None => finding,
            })
        })
        .collect();
    (findings, lines)
}

/// One requirement line's hashes, for the intersection pip computes per package.
struct HashedLine<'a> {
    source: &'a Source,
    span: Span,
    hashes: BTreeSet<Digest>,
}

/// pip keeps only the hashes common to every line of a package (requirements and
/// constraints alike); if none is left, nothing can install. Lines with different
/// markers may never meet, so they are compared only with lines of the same marker;
/// lines that pin two versions are `conflicting-pins`, not compared here.
fn disjoint_hashes(files: &[&File]) -> Vec<Located> {
    let mut groups: HashMap<(String, String, String), Vec<HashedLine<'_>>> = HashMap::new();
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
            let version = match &parsed.version_or_url {
                Some(pep508_rs::VersionOrUrl::VersionSpecifier(v)) => v.to_string(),
                _ => String::new(),
            };
            let key = (parsed.name.to_string(), marker, version);
            let hashes = req.hashes.iter().map(|h| h.digest.clone()).collect();
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

fn disjoint_group(name: &str, lines: &[HashedLine<'_>]) -> Option<Located> {
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
            let finding = line
                .source
                .error(line.span.clone(), message)
                .code(Code::DisjointHashes)
                .package(name)
                .hint(hint);
            return Some(finding);
        }
    }
    None
}
