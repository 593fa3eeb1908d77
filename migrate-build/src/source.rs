//! Source text and the mapping between sqlparser's line/column positions and byte offsets.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use migrate_core::LineIndex;
use sqlparser::tokenizer::Location;

/// A file read from disk, as the checks and diagnostics see it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The absolute path, used to embed the file and to track it for rebuilds.
    pub path: PathBuf,
    /// The path shown in diagnostics: relative to the package's manifest directory.
    pub display: String,
    /// The text without a leading byte-order mark.
    pub text: Arc<str>,
    /// Length in bytes of the byte-order mark that was removed (0 or 3).
    pub bom_len: usize,
    /// Where each line starts in `text`, so a position is found without reading the file again.
    lines: Arc<LineIndex>,
}

impl SourceFile {
    /// Builds a source file from its raw contents, setting a UTF-8 byte-order mark aside.
    pub fn new(path: PathBuf, display: String, raw: &str) -> SourceFile {
        let (text, bom_len) = match raw.strip_prefix('\u{feff}') {
            Some(rest) => (rest, '\u{feff}'.len_utf8()),
            None => (raw, 0),
        };
        let lines = Arc::new(LineIndex::new(text));
        SourceFile {
            path,
            display,
            text: Arc::from(text),
            bom_len,
            lines,
        }
    }

    /// The file as it is on disk (and as `include_str!` embeds it): the text with its
    /// byte-order mark, if it had one.
    pub fn raw(&self) -> String {
        if self.bom_len > 0 {
            format!("\u{feff}{}", self.text)
        } else {
            self.text.to_string()
        }
    }

    /// The 1-based line and column (in characters) of a byte offset into [`SourceFile::text`].
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        self.lines.line_col(&self.text, offset)
    }

    /// The bytes a parser span covers, if it has a position (sqlparser leaves some empty).
    pub(crate) fn range_of(&self, span: sqlparser::tokenizer::Span) -> Option<Range<usize>> {
        (span.start.line > 0).then(|| {
            let start = self.offset_of(span.start);
            start..self.offset_of(span.end).max(start)
        })
    }

    /// The byte offset of a 1-based line and column (in characters), as sqlparser's spans
    /// give them; past the end of a line or of the text, its end.
    pub(crate) fn offset_of(&self, location: Location) -> usize {
        let line = usize::try_from(location.line).unwrap_or(usize::MAX);
        let Some(range) = self.lines.line_range(&self.text, line) else {
            return self.text.len();
        };
        let (start, end) = (range.start, range.end);
        let column = usize::try_from(location.column)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        self.text[start..end]
            .char_indices()
            .nth(column)
            .map_or(end, |(i, _)| start + i)
    }
}

pub use migrate_core::line_col;

/// Of `candidates`, each a value and its name, the one whose name is closest to a misspelt
/// `word`, if it is close enough to be a likely typo: how every "did you mean" is found.
pub(crate) fn closest<T, S: AsRef<str>>(
    word: &str,
    candidates: impl IntoIterator<Item = (T, S)>,
) -> Option<T> {
    candidates
        .into_iter()
        .map(|(value, name)| {
            (
                strsim::normalized_damerau_levenshtein(word, name.as_ref()),
                value,
            )
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, value)| value)
}

/// Where a call of `function` is in `text`: its name, followed by `(`.
pub(crate) fn call_of(text: &str, function: &str) -> Option<Range<usize>> {
    let lower = text.to_ascii_lowercase();
    let name = function.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(&name) {
        let start = from + found;
        let end = start + name.len();
        let before = lower[..start].chars().next_back();
        let boundary = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if boundary && lower[end..].trim_start().starts_with('(') {
            return Some(start..end);
        }
        from = end;
    }
    None
}

/// Converts sqlparser [`Location`]s into byte offsets. Tokens arrive in order, so the cursor only
/// moves forward and a whole file is mapped in one pass.
pub(crate) struct Cursor<'a> {
    text: &'a str,
    offset: usize,
    line: u64,
    column: u64,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Cursor {
            text,
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    /// The byte offset of `location`, which must not lie before the previous one asked for.
    /// A location past the end of the text maps to the end.
    pub(crate) fn offset_of(&mut self, location: Location) -> usize {
        let target = (location.line, location.column);
        let mut chars = self.text[self.offset..].chars();
        while (self.line, self.column) < target {
            let Some(c) = chars.next() else { break };
            self.offset += c.len_utf8();
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.offset
    }

    /// The byte range covered by a token's span.
    pub(crate) fn range_of(&mut self, span: sqlparser::tokenizer::Span) -> Range<usize> {
        let start = self.offset_of(span.start);
        let end = self.offset_of(span.end);
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(line: u64, column: u64) -> Location {
        Location { line, column }
    }

    #[test]
    fn cursor_maps_locations_to_offsets_across_multibyte_and_crlf() {
        let text = "ä\r\nbé c\nd";
        let mut cursor = Cursor::new(text);
        assert_eq!(cursor.offset_of(loc(1, 1)), 0);
        assert_eq!(cursor.offset_of(loc(2, 1)), "ä\r\n".len());
        assert_eq!(cursor.offset_of(loc(2, 4)), "ä\r\nbé ".len());
        assert_eq!(cursor.offset_of(loc(3, 1)), "ä\r\nbé c\n".len());
        assert_eq!(cursor.offset_of(loc(9, 9)), text.len());
    }

    #[test]
    fn the_line_index_agrees_with_counting() {
        let text = "-- é\r\nSELECT 'ü', x;\n\nlast";
        let file = SourceFile::new(PathBuf::from("a.sql"), "a.sql".into(), text);
        for offset in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            assert_eq!(file.line_col(offset), line_col(text, offset), "{offset}");
        }
    }

    #[test]
    fn bom_is_set_aside() {
        let file = SourceFile::new(PathBuf::from("a.sql"), "a.sql".into(), "\u{feff}SELECT 1;");
        assert_eq!(&*file.text, "SELECT 1;");
        assert_eq!(file.bom_len, 3);
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.raw(), "\u{feff}SELECT 1;");
    }
}
