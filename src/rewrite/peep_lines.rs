//! peep's `# sha256:` comment lines above a requirement, for `lock --peep`.
//!
//! A requirement whose peep lines already name exactly the published files keeps
//! them as they are; otherwise its old peep lines go and one line per published file
//! (sorted like the `--hash` options) is written right above the requirement.

use std::collections::{BTreeSet, HashMap};

use super::Edits;
use super::layout::continuation_newline;
use crate::digest::Sha256;
use crate::peep::{self, Block};
use crate::requirements::RequirementsFile;

/// The peep blocks of a file, by the index of the line they belong to.
pub(crate) fn blocks(file: &RequirementsFile) -> HashMap<usize, Block> {
    let (blocks, _problems) = peep::find(file);
    blocks
        .into_iter()
        .map(|block| (block.owner, block))
        .collect()
}

/// Records the edits that give line `index` the peep lines of `published`. Returns
/// whether anything changes.
pub(crate) fn write(
    file: &RequirementsFile,
    index: usize,
    block: Option<&Block>,
    published: &BTreeSet<Sha256>,
    edits: &mut Edits,
) -> bool {
    let have: BTreeSet<Sha256> = block
        .iter()
        .flat_map(|b| &b.hashes)
        .map(|h| h.digest)
        .collect();
    if have == *published {
        return false;
    }
    for hash in block.iter().flat_map(|b| &b.hashes) {
        edits.drop(hash.line);
    }
    let line = &file.lines[index];
    let indent = leading_whitespace(&file.text[line.span.clone()]);
    let newline = continuation_newline(file, line);
    let lines: String = published
        .iter()
        .map(|digest| format!("{indent}{}{newline}", peep::comment_line(*digest)))
        .collect();
    edits.insert_before(index, lines);
    true
}

fn leading_whitespace(text: &str) -> &str {
    &text[..text.len() - text.trim_start_matches([' ', '\t']).len()]
}
