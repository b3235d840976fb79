//! peep's `# sha256:` comment lines above a requirement, for `lock --peep`.
//!
//! A requirement whose peep lines already name exactly the published files keeps
//! them as they are; otherwise its old peep lines go and one line per published file
//! (sorted like the `--hash` options) is written right above the requirement.

use std::collections::{BTreeSet, HashMap};

use super::Edits;
use super::render::continuation_newline;
use crate::peep::{self, Block};
use crate::requirements::RequirementsFile;

/// The peep blocks of a file, by the index of the line they belong to.
pub fn blocks(file: &RequirementsFile) -> HashMap<usize, Block> {
    let (blocks, _problems) = peep::find(file);
    blocks
        .into_iter()
        .map(|block| (block.owner, block))
        .collect()
}

/// Records the edits that give line `index` the peep lines of `published`. Returns
/// whether anything changes.
pub fn write(
    file: &RequirementsFile,
    index: usize,
    block: Option<&Block>,
    published: &BTreeSet<String>,
    edits: &mut Edits,
) -> bool {
    let have: BTreeSet<&str> = block
        .iter()
        .flat_map(|b| &b.hashes)
        .map(|h| h.hex.as_str())
        .collect();
    if have == published.iter().map(String::as_str).collect() {
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
        .map(|hex| format!("{indent}{}{newline}", peep::comment_line(hex)))
        .collect();
    edits.insert_before(index, lines);
    true
}

fn leading_whitespace(text: &str) -> &str {
    &text[..text.len() - text.trim_start_matches([' ', '\t']).len()]
}
