//! Line-level edits to a parsed file: replace a line, drop it, or put new lines
//! before it. Every line without an edit is copied byte for byte.

use std::collections::{HashMap, HashSet};

use crate::requirements::RequirementsFile;

/// The edits of one file, by line index (into `RequirementsFile::lines`).
#[derive(Debug, Default)]
pub(crate) struct Edits {
    replace: HashMap<usize, String>,
    drop: HashSet<usize>,
    before: HashMap<usize, String>,
}

impl Edits {
    /// Replaces line `index` (its whole span, break included) with `text`.
    pub(crate) fn replace(&mut self, index: usize, text: String) {
        self.replace.insert(index, text);
    }

    /// Removes line `index`, break included.
    pub(crate) fn drop(&mut self, index: usize) {
        self.drop.insert(index);
    }

    /// Writes `text` (whole lines, breaks included) right before line `index`.
    pub(crate) fn insert_before(&mut self, index: usize, text: String) {
        self.before.entry(index).or_default().push_str(&text);
    }

    /// The file's text with the edits applied.
    pub(crate) fn apply(&self, file: &RequirementsFile) -> String {
        let mut out = String::with_capacity(file.text.len() * 2);
        for (index, line) in file.lines.iter().enumerate() {
            if let Some(text) = self.before.get(&index) {
                out.push_str(text);
            }
            if self.drop.contains(&index) {
                continue;
            }
            match self.replace.get(&index) {
                Some(text) => out.push_str(text),
                None => out.push_str(&file.text[line.span.clone()]),
            }
        }
        out
    }
}
