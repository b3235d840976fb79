//! Physical and logical lines, exactly as pip's `preprocess` builds them.
//!
//! pip splits the text with `str.splitlines`, joins a line ending in `\` with the next
//! (`join_lines`), then cuts the comment off the joined line (`ignore_comments`). The
//! joined line is a new string, so every [`Logical`] keeps a map from each of its bytes
//! back to the source byte it came from: a token that crosses a continuation still
//! gets a span over the source.

use super::super::Span;

/// One line as `str.splitlines` yields it, with its line break.
#[derive(Debug, Clone)]
pub(super) struct Physical {
    /// Where the line's span starts: 0 for the first line even when a BOM precedes
    /// the content, so that spans tile the text.
    pub start: usize,
    /// The text pip sees (no BOM, no line break).
    pub content: Span,
    /// The end of the line break (the start of the next line).
    pub end: usize,
}

impl Physical {
    /// The line break, when it is one that editors may not show: anything but
    /// `\n`, `\r\n` and `\r` (a form feed, U+2028, ...).
    pub(super) fn hidden_break(&self, text: &str) -> Option<char> {
        let brk = &text[self.content.end..self.end];
        match brk {
            "" | "\n" | "\r\n" | "\r" => None,
            _ => brk.chars().next(),
        }
    }
}

/// Python's `str.isspace`, which is also what `\s` and `str.strip()` use.
pub(super) fn is_py_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\x1c'..='\x1f'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// How messages name an invisible or look-alike character: `U+2028 LINE SEPARATOR`.
pub(crate) fn char_name(c: char) -> String {
    let name = match c {
        '\x0b' => "LINE TABULATION",
        '\x0c' => "FORM FEED",
        '\x1c' => "INFORMATION SEPARATOR FOUR",
        '\x1d' => "INFORMATION SEPARATOR THREE",
        '\x1e' => "INFORMATION SEPARATOR TWO",
        '\x1f' => "INFORMATION SEPARATOR ONE",
        '\u{85}' => "NEXT LINE",
        '\u{a0}' => "NO-BREAK SPACE",
        '\u{1680}' => "OGHAM SPACE MARK",
        '\u{2000}' => "EN QUAD",
        '\u{2001}' => "EM QUAD",
        '\u{2002}' => "EN SPACE",
        '\u{2003}' => "EM SPACE",
        '\u{2004}' => "THREE-PER-EM SPACE",
        '\u{2005}' => "FOUR-PER-EM SPACE",
        '\u{2006}' => "SIX-PER-EM SPACE",
        '\u{2007}' => "FIGURE SPACE",
        '\u{2008}' => "PUNCTUATION SPACE",
        '\u{2009}' => "THIN SPACE",
        '\u{200a}' => "HAIR SPACE",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{202f}' => "NARROW NO-BREAK SPACE",
        '\u{205f}' => "MEDIUM MATHEMATICAL SPACE",
        '\u{3000}' => "IDEOGRAPHIC SPACE",
        _ => return format!("U+{:04X}", u32::from(c)),
    };
    format!("U+{:04X} {name}", u32::from(c))
}

/// A line break `str.splitlines` knows (`\r\n` is handled by the caller).
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Splits `text` like `str.splitlines`, keeping each break. A BOM is part of the first
/// line's span but not of its content, because pip strips it while decoding.
pub(super) fn physical_lines(text: &str, bom: bool) -> Vec<Physical> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut content_start = if bom { '\u{feff}'.len_utf8() } else { 0 };
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if at < content_start || !is_line_break(c) {
            continue;
        }
        let mut end = at + c.len_utf8();
        if c == '\r' && chars.next_if(|&(_, next)| next == '\n').is_some() {
            end += 1;
        }
        lines.push(Physical {
            start,
            content: content_start..at,
            end,
        });
        start = end;
        content_start = end;
    }
    // Text after the last break is a line; a lone BOM also needs a line to cover it.
    if start < text.len() {
        lines.push(Physical {
            start,
            content: content_start..text.len(),
            end: text.len(),
        });
    }
    lines
}

/// `COMMENT_RE.match(line)`: the line is a comment, optionally indented.
pub(super) fn is_comment_line(content: &str) -> bool {
    content.trim_start_matches(is_py_space).starts_with('#')
}

/// One physical line's contribution to a logical line.
#[derive(Debug, Clone)]
pub(super) struct Piece {
    /// Index of the physical line in the file.
    pub physical: usize,
    /// Where this piece's text starts in [`Logical::text`].
    pub joined_start: usize,
    /// The source text kept (a continued line loses its `\`s at both ends).
    pub source: Span,
    /// A comment line, which pip prefixes with a space and which ends a continuation.
    pub comment_line: bool,
}

/// A logical line: one physical line, or several joined by `\`.
#[derive(Debug, Clone)]
pub(super) struct Logical {
    /// The joined text, as pip's `join_lines` yields it.
    pub text: String,
    /// For each byte of `text`, the source byte it came from, plus one entry for the
    /// end of `text` (the end of the last piece's content).
    pub map: Vec<usize>,
    pub pieces: Vec<Piece>,
    /// Span of every physical line, line breaks included.
    pub span: Span,
    /// The final line break.
    pub terminator: Span,
    /// Index of the first physical line (0-based).
    pub first: usize,
}

impl Logical {
    /// The source span of `text[range]`. An empty range maps to an empty span.
    pub(crate) fn source(&self, range: Span) -> Span {
        if range.is_empty() {
            let at = self.map[range.start];
            return at..at;
        }
        self.map[range.start]..self.map[range.end - 1] + 1
    }

    /// Index of the piece that holds byte `at` of `text`.
    pub(crate) fn piece_at(&self, at: usize) -> usize {
        self.pieces
            .iter()
            .rposition(|piece| piece.joined_start <= at)
            .unwrap_or(0)
    }

    /// The byte of `text` where pip's `COMMENT_RE` starts the comment: the first `#`
    /// at the start or after whitespace.
    pub(crate) fn comment_start(&self) -> Option<usize> {
        let mut previous = None;
        for (at, c) in self.text.char_indices() {
            if c == '#' && previous.is_none_or(is_py_space) {
                return Some(at);
            }
            previous = Some(c);
        }
        None
    }
}

/// Groups physical lines into logical lines the way `join_lines` does.
pub(super) fn logical_lines(text: &str, physical: &[Physical]) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut pending: Option<Builder> = None;
    for (index, line) in physical.iter().enumerate() {
        let content = &text[line.content.clone()];
        let comment_line = is_comment_line(content);
        let builder = pending.get_or_insert_with(|| Builder::new(index, line.start));
        if content.ends_with('\\') && !comment_line {
            // `line.strip("\\")`: backslashes go at both ends, not only the last one.
            let kept = content.trim_matches('\\');
            let lead = content.len() - content.trim_start_matches('\\').len();
            let from = line.content.start + lead;
            builder.push(index, from..from + kept.len(), false, text);
        } else {
            builder.push(index, line.content.clone(), comment_line, text);
            let done = pending.take().expect("a builder was just inserted");
            out.push(done.finish(line));
        }
    }
    // A `\` on the last line continues nothing: the pending line simply ends.
    if let (Some(builder), Some(last)) = (pending, physical.last()) {
        out.push(builder.finish(last));
    }
    out
}

struct Builder {
    text: String,
    map: Vec<usize>,
    pieces: Vec<Piece>,
    start: usize,
    first: usize,
}

impl Builder {
    fn new(first: usize, start: usize) -> Builder {
        Builder {
            text: String::new(),
            map: Vec::new(),
            pieces: Vec::new(),
            start,
            first,
        }
    }

    fn push(&mut self, physical: usize, source: Span, comment_line: bool, text: &str) {
        if comment_line {
            // pip prefixes comment lines with a space "so comments are always matched".
            self.text.push(' ');
            self.map.push(source.start);
        }
        self.pieces.push(Piece {
            physical,
            joined_start: self.text.len(),
            source: source.clone(),
            comment_line,
        });
        self.text.push_str(&text[source.clone()]);
        self.map.extend(source);
    }

    fn finish(mut self, last: &Physical) -> Logical {
        self.map.push(last.content.end);
        Logical {
            text: self.text,
            map: self.map,
            pieces: self.pieces,
            span: self.start..last.end,
            terminator: last.content.end..last.end,
            first: self.first,
        }
    }
}
