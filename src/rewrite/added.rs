//! The text `lock` adds with targets: the block of pins `--add-missing` appends,
//! and the `# hashlock targets:` line.

use std::collections::{BTreeSet, HashMap};

use crate::digest::Sha256;
use crate::pin::Pin;
use crate::requirements::RequirementsFile;
use crate::resolve::Added;
use crate::targets::header;

/// The comment that starts the block of added pins.
const BLOCK_HEADER: &str = "# Dependencies added by `hashlock lock --add-missing`:";

/// The block of added pins, each with the hashes of `kept` files and a `# via`
/// comment, in the file's line endings.
pub(crate) fn block(
    file: &RequirementsFile,
    added: &[Added],
    hashes: &HashMap<Pin, BTreeSet<Sha256>>,
) -> String {
    let nl = file.newline();
    let mut text = String::new();
    if !file.text.is_empty() && !file.text.ends_with(['\n', '\r']) {
        text.push_str(nl);
    }
    // A later run adds to the block an earlier one started (at the end of the file).
    if !file.text.contains(BLOCK_HEADER) {
        text.push_str(&format!("{nl}{BLOCK_HEADER}{nl}"));
    }
    for entry in added {
        let mut line = format!("{}=={}", entry.release.name, entry.release.version);
        if let Some(marker) = &entry.marker {
            line.push_str(&format!(" ; {marker}"));
        }
        let digests = hashes.get(&entry.pin).cloned().unwrap_or_default();
        for digest in &digests {
            line.push_str(&format!(" \\{nl}    --hash=sha256:{digest}"));
        }
        text.push_str(&line);
        text.push_str(nl);
        if !entry.via.is_empty() {
            text.push_str(&format!("    # via {}{nl}", entry.via.join(", ")));
        }
    }
    text
}

/// `text` with its `# hashlock targets:` line set to `flags` (replaced, or added
/// as the first line).
pub(crate) fn with_header(text: &str, flags: &str, newline: &str) -> String {
    let line = format!("{} {flags}", header::PREFIX);
    let mut out = String::with_capacity(text.len() + line.len() + 2);
    let mut replaced = false;
    for piece in text.split_inclusive('\n') {
        if !replaced && piece.trim_start().starts_with(header::PREFIX) {
            let ending = &piece[piece.trim_end_matches(['\r', '\n']).len()..];
            out.push_str(&line);
            out.push_str(ending);
            replaced = true;
        } else {
            out.push_str(piece);
        }
    }
    if replaced {
        out
    } else {
        format!("{line}{newline}{out}")
    }
}
