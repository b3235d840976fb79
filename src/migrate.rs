//! The `migrate` planner: peep's `# sha256:` comment lines into pip's
//! `--hash=sha256:` options, with no I/O.
//!
//! Each requirement's peep hashes (plus any `--hash` it already has, plus with
//! `--fill` every published file of its version) become its sha256 `--hash` options
//! in pip-compile's layout; its peep lines go. A peep line's own trailing comment
//! is kept as a comment line, and every other line is copied byte for byte.

use std::collections::{BTreeSet, HashMap};

use crate::digest::{Algorithm, Digest, Sha256};
use crate::peep::Block;
use crate::requirements::{LineKind, RequirementsFile};
use crate::rewrite::Edits;
use crate::rewrite::changes::{Changed, Delta, option_digests};
use crate::rewrite::layout::requirement_line;

/// The outcome of migrating one file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    /// The file's new text.
    pub text: String,
    /// Requirements that had peep hashes.
    pub requirements: usize,
    /// `--hash` options those requirements now carry.
    pub hashes: usize,
    /// What changed on each of them, in file order: every one loses its peep lines.
    pub changed: Vec<Changed>,
}

/// Migrates every peep block of `file` whose owner is a requirement. `extra` adds
/// hashes to the requirement at a line index: the published ones for `--fill`. When
/// they are of another algorithm (`--fill --download --algorithm sha512`, the
/// peep hashes checked against the files), they replace the sha256 ones.
pub(crate) fn plan(
    file: &RequirementsFile,
    blocks: &[Block],
    extra: &HashMap<usize, BTreeSet<Digest>>,
) -> Plan {
    let mut plan = Plan::default();
    let mut edits = Edits::default();
    for block in blocks {
        let line = &file.lines[block.owner];
        let LineKind::Requirement(req) = &line.kind else {
            continue;
        };
        let before: BTreeSet<Digest> = option_digests(req).into_iter().map(Digest::from).collect();
        let peep: BTreeSet<Sha256> = block.hashes.iter().map(|h| h.digest).collect();
        let extra = extra.get(&block.owner).into_iter().flatten().cloned();
        let mut hashes: BTreeSet<Digest> = before.clone();
        hashes.extend(peep.iter().map(|d| Digest::from(*d)));
        hashes.extend(extra);
        if hashes.iter().any(|d| d.algorithm() != Algorithm::Sha256) {
            hashes.retain(|d| d.algorithm() != Algorithm::Sha256);
        }
        plan.changed.push(Changed::new(
            block.owner,
            line,
            req,
            Delta::between(&before, &hashes),
            Delta::between(&peep, &BTreeSet::new()),
        ));
        let hashes: Vec<Digest> = hashes.into_iter().collect();
        edits.replace(block.owner, requirement_line(file, line, req, &hashes));
        for hash in &block.hashes {
            match kept_comment(file, hash.line, hash.span.end) {
                Some(comment) => edits.replace(hash.line, comment),
                None => edits.drop(hash.line),
            }
        }
        plan.requirements += 1;
        plan.hashes += hashes.len();
    }
    plan.text = edits.apply(file);
    plan
}

/// A peep line's trailing `# comment`, as a comment line of its own (same indent,
/// same break), or `None` when the line holds nothing but the hash.
fn kept_comment(file: &RequirementsFile, index: usize, hash_end: usize) -> Option<String> {
    let line = &file.lines[index];
    let comment_end = line.comment.as_ref().map_or(hash_end, |c| c.end);
    let rest = file.text[hash_end..comment_end].trim();
    if !rest.starts_with('#') {
        return None;
    }
    let text = &file.text[line.span.clone()];
    let indent = &text[..text.len() - text.trim_start_matches([' ', '\t']).len()];
    Some(format!(
        "{indent}{rest}{}",
        &file.text[line.terminator.clone()]
    ))
}
