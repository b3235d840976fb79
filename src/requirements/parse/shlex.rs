//! `shlex.split` in POSIX mode, which pip applies to the options part of a line.
//!
//! Words are separated by space, tab, CR or LF; `'...'` quotes literally; `"..."`
//! quotes with `\"` and `\\` escapes; a `\` outside quotes escapes the next character.
//! Each token remembers where each byte of its value came from, so a value's span
//! (or a part of it, like a hash digest) can be mapped back to the source.

use super::super::Span;

/// One word of the options string.
#[derive(Debug, Clone)]
pub(super) struct Token {
    /// The word as written, quotes included, in joined-line offsets.
    pub raw: Span,
    /// The word after unquoting.
    pub value: String,
    /// For each byte of `value`, the joined-line offset of the byte it came from.
    pub pos: Vec<usize>,
}

impl Token {
    /// The joined-line span of `value[range]`: from the first to the last source byte
    /// of that part, or an empty span where it would start.
    pub(crate) fn span_of(&self, range: Span) -> Span {
        if range.is_empty() {
            let at = self.pos.get(range.start).copied().unwrap_or(self.raw.end);
            return at..at;
        }
        self.pos[range.start]..self.pos[range.end - 1] + 1
    }

    /// The joined-line span from `value[from..]` to the end of the raw word, so quotes
    /// around a value stay inside its span.
    pub(crate) fn raw_from(&self, from: usize) -> Span {
        let start = self.pos.get(from).copied().unwrap_or(self.raw.end);
        start..self.raw.end
    }
}

/// Why `shlex.split` raised `ValueError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SplitError {
    /// A quote opened at this offset is never closed.
    NoClosingQuotation(usize),
    /// A `\` at this offset ends the text.
    NoEscapedCharacter(usize),
}

#[derive(Clone, Copy)]
enum State {
    Space,
    Word,
    Quote(char),
    /// After a `\` outside quotes.
    Escape(usize),
    /// After a `\` inside double quotes.
    QuotedEscape(usize),
}

fn is_shlex_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Splits `text`, whose first byte is at joined offset `base`.
pub(super) fn split(text: &str, base: usize) -> Result<Vec<Token>, SplitError> {
    let mut tokens = Vec::new();
    let mut current: Option<Token> = None;
    let mut state = State::Space;
    let mut quote_start = 0;
    for (index, c) in text.char_indices() {
        let at = base + index;
        if matches!(state, State::Space | State::Word) && is_shlex_space(c) {
            tokens.extend(current.take());
            state = State::Space;
            continue;
        }
        let token = current.get_or_insert_with(|| Token {
            raw: at..at,
            value: String::new(),
            pos: Vec::new(),
        });
        token.raw.end = at + c.len_utf8();
        state = match state {
            State::Space | State::Word => match c {
                '\'' | '"' => {
                    quote_start = at;
                    State::Quote(c)
                }
                '\\' => State::Escape(at),
                _ => push(token, c, at, State::Word),
            },
            State::Quote(quote) if c == quote => State::Word,
            State::Quote('"') if c == '\\' => State::QuotedEscape(at),
            State::Quote(_) => push(token, c, at, state),
            State::Escape(_) => push(token, c, at, State::Word),
            State::QuotedEscape(backslash) => {
                // In double quotes a `\` only escapes `"` and `\`; otherwise it stays.
                if c != '"' && c != '\\' {
                    push(token, '\\', backslash, state);
                }
                push(token, c, at, State::Quote('"'))
            }
        };
    }
    match state {
        State::Quote(_) => Err(SplitError::NoClosingQuotation(quote_start)),
        State::Escape(at) | State::QuotedEscape(at) => Err(SplitError::NoEscapedCharacter(at)),
        State::Space | State::Word => {
            tokens.extend(current);
            Ok(tokens)
        }
    }
}

fn push(token: &mut Token, c: char, at: usize, next: State) -> State {
    token.value.push(c);
    token
        .pos
        .extend((0..c.len_utf8()).map(|offset| at + offset));
    next
}
