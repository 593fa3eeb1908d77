//! A statement that runs on into the next: the `;` between them is missing.
//!
//! Where a statement cannot go on at a word that begins a line and begins a command of the
//! dialect (`CREATE TRIGGER` on the line after a function's last option), the statement before
//! that line is complete and its `;` is missing. The parser, a synopsis, or the database says
//! where the statement cannot go on; this says what is most likely wrong, at the end of the
//! line where the `;` belongs.

use std::ops::Range;

use sqlparser::tokenizer::{Token, Tokenizer};

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Location};
use crate::dialect::Dialect;
use crate::heads;
use crate::source::{Cursor, SourceFile};

/// The error for a statement that runs on into the one starting at `next`, a `;` missing at
/// `end` (the end of the statement before it). `says`: what found the statement cannot go on.
pub(crate) fn missing(source: &SourceFile, end: usize, next: usize, says: String) -> Diagnostic {
    let (line, _) = source.line_col(end.saturating_sub(1));
    let (next_line, _) = source.line_col(next);
    let starts: Vec<&str> = source.text[next..]
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(2)
        .collect();
    Diagnostic::new(
        Code::Syntax,
        format!("missing `;` at the end of line {line}?"),
    )
    .at(Location::span(source, end..end))
    .label("the statement runs on into the next one")
    .note(format!(
        "line {next_line} starts a new statement (`{}`), inside this one",
        starts.join(" ").to_ascii_uppercase()
    ))
    .note(says)
    .help(format!("end the statement on line {line} with `;`"))
}

/// Whether the statement at `statement` (bytes of the file) cannot go on at `at` because a new
/// statement starts there: `at` is the first word of its line and begins a command of
/// `dialect`. Returns where the statement before it ends.
pub(crate) fn runs_on(
    source: &SourceFile,
    dialect: Dialect,
    statement: Range<usize>,
    at: usize,
) -> Option<usize> {
    let text = &source.text;
    if at <= statement.start || at >= statement.end || !text.is_char_boundary(at) {
        return None;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    if line_start <= statement.start || !text[line_start..at].trim().is_empty() {
        return None;
    }
    let words: Vec<String> = text[at..statement.end]
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(6)
        .map(str::to_ascii_uppercase)
        .collect();
    heads::command(dialect, &words, false)?;
    // The end of the last token before it that is not whitespace or a comment.
    let before = &text[statement.start..line_start];
    let tokens = Tokenizer::new(dialect.parser_dialect(), before)
        .with_unescape(false)
        .tokenize_with_location()
        .ok()?;
    let mut cursor = Cursor::new(before);
    let mut end = None;
    for token in &tokens {
        let range = cursor.range_of(token.span);
        if !matches!(token.token, Token::Whitespace(_) | Token::EOF) {
            end = Some(range.end);
        }
    }
    end.map(|end| statement.start + end)
}
